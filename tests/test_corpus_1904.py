"""The 1904 date system measured against the values Excel saved (issue #11 item 3).

tests/corpus/poi/DateFormatTests.xlsx (Apache POI's test data, saved by Microsoft Macintosh
Excel with ``<workbookPr date1904="1"/>``) holds on its sheet Tests, row by row, a number (column
C), a format code (column B) and ``=TEXT(C, B)`` (column A) with the text Excel computed and
saved. The numbers are 1904-system serials, and Excel's texts say which days they are:

* C2 = 17816.607951388887 shows as "Saturday-October-1952", "11-10-52": 1904-01-01 + 17816 days
  is 1952-10-11 (1900-system serial of 1952-10-11: 1952-01-01 is 18994, + 274 days to 1 October,
  + 10 = 19278; 19278 - 1462 = 17816);
* C21 = 36191.170208437499 shows as "Saturday-February-2003", "1-2-03" (2003-02-01 is 37653 in
  the 1900 system; 37653 - 1462 = 36191);
* C41 = 44196 shows as "01-01-2025" (2025-01-01 is 45658 in the 1900 system; - 1462 = 44196).

Read in the 1900 system the same serials are 1948-10-10, 1999-01-31 and 2020-12-31: a 1904 flag
ignored is four years and a day off (the ``formulas`` library's TEXT shows "Sun-Oct-1948" for
Excel's "Sat-Oct-1952"; tests/golden/corpus_figures.csv records its 34 cells computed
differently, and recalc never hands a 1904 workbook to it).

The native engine has no TEXT: those cells are reported as not computed and keep Excel's text
(checked below). What it has -- the date system read from the workbook's own workbook.xml,
YEAR, MONTH, DAY, DATE -- is checked against Excel's texts: a copy of the workbook gets, beside
each row whose format shows a date, ``=YEAR(C)``, ``=MONTH(C)``, ``=DAY(C)`` and
``=DATE(YEAR(C),MONTH(C),DAY(C))``, and what the native engine computes for them must be the day
Excel's text names (day, month, year, and the weekday of that calendar day where the text shows
one). The expected values are read from Excel's cached texts by the format code beside them
(never by the code under test); the same copy with the flag set to 0 must fail the check.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import cast

import defusedxml.ElementTree as SafeET
import pytest

from xl_addin.recalc import recalculate
from xl_addin.workbook import compare as cmp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_corpus  # noqa: E402

NAME = "poi/DateFormatTests.xlsx"
SRC = make_corpus.CORPUS / NAME
SHEET = "Tests"
PART = "xl/worksheets/sheet2.xml"  # the sheet Tests (sheet1.xml is Flags, without formulas)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MONTHS = [dt.date(2001, m, 1).strftime("%B") for m in range(1, 13)]  # C locale: English
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _raw_cells(path: Path, part: str) -> dict[str, str]:
    """Each cell's stored value as text (shared strings resolved): the serials as Excel wrote
    them, not converted by any date logic."""
    with zipfile.ZipFile(path) as z:
        sst = SafeET.fromstring(z.read("xl/sharedStrings.xml"))
        strings = ["".join(t.text or "" for t in si.iter(f"{_MAIN}t")) for si in sst]
        sheet = SafeET.fromstring(z.read(part))
    out = {}
    for c in sheet.iter(f"{_MAIN}c"):
        v = c.find(f"{_MAIN}v")
        if v is not None and v.text is not None:
            out[c.get("r")] = strings[int(v.text)] if c.get("t") == "s" else v.text
    return out


def _day_shown(fmt: str, text: str) -> tuple[int, int, int, int | None, str | None]:
    """(year, its number of digits shown, month, day or None, weekday name or None) that Excel's
    ``text`` shows for the date part of format code ``fmt`` (the part before a space, its three
    fields joined by '-'), by Excel's format codes: d/dd day, ddd/dddd weekday, m/mm month
    number, mmm/mmmm month name, y/yy the year's last two digits, yyy/yyyy the year."""
    codes = fmt.split(" ")[0].lower().split("-")
    parts = text.split(" ")[0].split("-")
    assert len(codes) == len(parts) == 3, (fmt, text)
    year = digits = month = 0
    day: int | None = None
    weekday: str | None = None
    for code, part in zip(codes, parts, strict=True):
        if code in ("d", "dd"):
            day = int(part)
        elif code in ("ddd", "dddd"):
            weekday = next(w for w in _DAYS if (w if code == "dddd" else w[:3]) == part)
        elif code in ("m", "mm"):
            month = int(part)
        elif code in ("mmm", "mmmm"):
            month = 1 + next(
                i for i, m in enumerate(_MONTHS) if (m if code == "mmmm" else m[:3]) == part
            )
        else:
            assert code in ("y", "yy", "yyy", "yyyy"), fmt
            year, digits = int(part), (2 if code in ("y", "yy") else 4)
            assert len(part) == digits, (fmt, text)
    assert year and month and (day or weekday), (fmt, text)
    return year, digits, month, day, weekday


def _date_rows() -> list[tuple[int, str, str, str]]:
    """(row, format code, Excel's text, serial) of every row of Tests whose format shows a
    date (a format with '-' before any space: d-m-y, dddd-mmmm-yyyy h:m:s, ...)."""
    excel = {c.ref: c.value for c in cmp.read_formula_cells(SRC) if c.sheet == SHEET}
    raw = _raw_cells(SRC, PART)
    rows = []
    for ref, text in sorted(excel.items(), key=lambda kv: int(kv[0][1:])):
        row = int(ref[1:])
        fmt = raw[f"B{row}"]
        if "-" in fmt.split(" ")[0]:
            rows.append((row, fmt, text, raw[f"C{row}"]))
    return rows


ADDED = {"E": "YEAR(C{r})", "F": "MONTH(C{r})", "G": "DAY(C{r})"}
ADDED["H"] = "DATE(YEAR(C{r}),MONTH(C{r}),DAY(C{r}))"


def _copy_with_date_parts(
    dst: Path, rows: list[int], *, date1904: bool = True, names: dict[str, str] | None = None
) -> Path:
    """A copy of the workbook with the ADDED formula cells (no cached value) at the end of each
    of ``rows`` on Tests (its cells stop at column D); ``date1904=False`` also sets the flag to
    0 (the control: the same serials read in the 1900 system); ``names``: defined names (name
    -> cell of Tests) added, for ``--set``."""
    with zipfile.ZipFile(SRC) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == PART:
                text = body.decode("utf-8")
                for r in rows:
                    new = "".join(
                        f'<c r="{col}{r}"><f>{f.format(r=r)}</f></c>' for col, f in ADDED.items()
                    )
                    pattern = re.compile(rf'(<row r="{r}"[^>]*>(?:(?!</row>).)*?)(</row>)', re.S)
                    text, n = pattern.subn(rf"\1{new}\2", text, count=1)
                    assert n == 1, r
                text = text.replace('<dimension ref="A1:D42"/>', '<dimension ref="A1:H42"/>')
                body = text.encode("utf-8")
            elif info.filename == "xl/workbook.xml":
                if not date1904:
                    assert body.count(b'date1904="1"') == 1
                    body = body.replace(b'date1904="1"', b'date1904="0"')
                if names:
                    defined = "".join(
                        f'<definedName name="{n}">{SHEET}!${ref[0]}${ref[1:]}</definedName>'
                        for n, ref in names.items()
                    )
                    assert body.count(b"</sheets>") == 1 and b"<definedNames" not in body
                    body = body.replace(
                        b"</sheets>", f"</sheets><definedNames>{defined}</definedNames>".encode()
                    )
            zout.writestr(info, body)
    return dst


def _native_date_parts(tmp_path: Path, rows: list[int], *, date1904: bool) -> dict[str, object]:
    src = _copy_with_date_parts(tmp_path / "DateFormatTests.xlsx", rows, date1904=date1904)
    report = recalculate(src, allow_errors=True, engine="native")
    assert report.output is not None
    return {c.ref: c.value for c in cmp.read_formula_cells(report.output) if c.sheet == SHEET}


def _mismatches(rows: list[tuple[int, str, str, str]], got: dict[str, object]) -> list[str]:
    wrong = []
    for row, fmt, text, serial in rows:
        year, digits, month, day, weekday = _day_shown(fmt, text)
        parts = [got[f"{col}{row}"] for col in "EFG"]
        assert all(isinstance(v, float) and v.is_integer() for v in parts), (row, parts)
        y, m, d = (int(cast(float, v)) for v in parts)
        ok = m == month and day in (None, d) and (y if digits == 4 else y % 100) == year
        ok = ok and (weekday is None or _DAYS[dt.date(y, m, d).weekday()] == weekday)
        # DATE(YEAR, MONTH, DAY) is the day's serial: the integer part of the cell's number
        ok = ok and got[f"H{row}"] == float(int(float(serial)))
        if not ok:
            wrong.append(
                f"row {row}: {serial} as {fmt!r} is {text!r} in Excel; native YEAR/MONTH/DAY "
                f"{y}-{m}-{d}, DATE {got[f'H{row}']}"
            )
    return wrong


# ---------------------------------------------------------------------------------------------
def test_the_workbook_is_excel_for_mac_on_the_1904_date_system() -> None:
    entry = next(e for e in make_corpus.read_manifest() if e.file == NAME)
    data = SRC.read_bytes()
    assert make_corpus.problems(entry, data) == []
    assert make_corpus.application(data) == "Microsoft Macintosh Excel"
    with zipfile.ZipFile(SRC) as z:
        assert b'<workbookPr date1904="1"' in z.read("xl/workbook.xml")
        assert b"TEXT(C2, B2)" in z.read(PART)


def test_excels_texts_name_the_days_worked_by_hand() -> None:
    """The reading of Excel's texts, on the three serials worked by hand in the docstring."""
    rows = {row: (fmt, text, serial) for row, fmt, text, serial in _date_rows()}
    # rows 2-9, 14, 19-28, 33, 38, 39, 41 (dates, some followed by a time)
    assert sorted(rows) == [*range(2, 10), 14, *range(19, 29), 33, 38, 39, 41]
    assert rows[2] == ("d-m-y", "11-10-52", "17816.607951388887")
    assert _day_shown(*rows[2][:2]) == (52, 2, 10, 11, None)
    assert _day_shown(*rows[5][:2]) == (1952, 4, 10, None, "Saturday")
    assert rows[24][1] == "Saturday-February-2003" and rows[24][2] == "36191.170208437499"
    assert _day_shown(*rows[24][:2]) == (2003, 4, 2, None, "Saturday")
    assert rows[41] == ("dd-mm-yyyy", "01-01-2025", "44196")
    assert _day_shown(*rows[41][:2]) == (2025, 4, 1, 1, None)


def test_native_date_parts_are_the_days_excel_shows(tmp_path: Path) -> None:
    rows = _date_rows()
    got = _native_date_parts(tmp_path, [r for r, *_ in rows], date1904=True)
    assert _mismatches(rows, got) == []
    # the three worked by hand
    assert (got["E2"], got["F2"], got["G2"], got["H2"]) == (1952.0, 10.0, 11.0, 17816.0)
    assert (got["E24"], got["F24"], got["G24"]) == (2003.0, 2.0, 1.0)
    assert (got["E41"], got["F41"], got["G41"], got["H41"]) == (2025.0, 1.0, 1.0, 44196.0)


def test_the_check_fails_when_the_1904_flag_is_not_read(tmp_path: Path) -> None:
    """The control: the same serials in the 1900 system are other days (1948-10-10 for
    17816, 1999-01-31 for 36191, 2020-12-31 for 44196) and every row mismatches."""
    rows = _date_rows()
    got = _native_date_parts(tmp_path, [r for r, *_ in rows], date1904=False)
    assert (got["E2"], got["F2"], got["G2"]) == (1948.0, 10.0, 10.0)
    assert (got["E24"], got["F24"], got["G24"]) == (1999.0, 1.0, 31.0)
    assert (got["E41"], got["F41"], got["G41"]) == (2020.0, 12.0, 31.0)
    assert len(_mismatches(rows, got)) == len(rows)


@pytest.mark.parametrize("engine", ["native", "auto"])
def test_text_cells_keep_excels_values(tmp_path: Path, engine: str) -> None:
    """No engine recalc trusts computes these TEXT cells right (native has no TEXT; the
    formulas library ignores the 1904 system): each is reported as not computed and the output
    keeps Excel's text."""
    src = tmp_path / "DateFormatTests.xlsx"
    shutil.copyfile(SRC, src)
    report = recalculate(src, allow_errors=True, engine=engine)
    assert report.output is not None
    excel = {(c.sheet, c.ref): c.value for c in cmp.read_formula_cells(SRC)}
    out = {(c.sheet, c.ref): c.value for c in cmp.read_formula_cells(report.output)}
    assert out == excel and len(excel) == 41
    assert set(cmp.not_computed_cells(report)) == set(excel)


@pytest.mark.parametrize("date1904", [True, False])
def test_set_writes_dates_as_excel_wrote_them(tmp_path: Path, date1904: bool) -> None:
    """``--set NAME=YYYY-MM-DD`` writes the day's serial in the workbook's date system. Excel
    wrote C2 = 17816.607951388887 for 1952-10-11 14:35:27 (its text "11-10-52 14:35:27" in A14),
    C21 = 36191.170208437499 for 2003-02-01 04:05:06 ("1-2-03 4:5:6" in A33) and C41 = 44196 for
    2025-01-01 ("01-01-2025"); setting those days over cells C2, C21, C41 of a copy must write
    Excel's integer parts 17816, 36191, 44196 -- and YEAR/MONTH/DAY of them give the days back.
    The control (the flag set to 0) writes the 1900-system serials 19278, 37653 and 45658, which
    are 1462 more."""
    days = {"C2": "1952-10-11", "C21": "2003-02-01", "C41": "2025-01-01"}
    src = _copy_with_date_parts(
        tmp_path / "DateFormatTests.xlsx",
        [2, 21, 41],
        date1904=date1904,
        names={f"Day{ref[1:]}": ref for ref in days},
    )
    overrides: dict[str, object] = {f"Day{ref[1:]}": day for ref, day in days.items()}
    report = recalculate(src, allow_errors=True, engine="native", overrides=overrides)
    assert report.output is not None
    raw = _raw_cells(report.output, PART)
    excel = _raw_cells(SRC, PART)
    offset = 0 if date1904 else 1462
    for ref in days:
        assert int(raw[ref]) == int(float(excel[ref])) + offset, ref
    assert (raw["C2"], raw["C21"], raw["C41"]) == (
        ("17816", "36191", "44196") if date1904 else ("19278", "37653", "45658")
    )
    got = {c.ref: c.value for c in cmp.read_formula_cells(report.output) if c.sheet == SHEET}
    for ref, day in days.items():
        y, m, d = (int(x) for x in day.split("-"))
        assert (got[f"E{ref[1:]}"], got[f"F{ref[1:]}"], got[f"G{ref[1:]}"]) == (y, m, d), ref
