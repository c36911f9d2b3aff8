"""The 1904 date system measured against the values Excel saved (issue #11 item 3).

Two workbooks of the corpus were saved by Microsoft Macintosh Excel with
``<workbookPr date1904="1"/>`` and hold ``=TEXT(serial, format)`` cells whose cached texts say
which day Excel reads each serial as:

* poi/DateFormatTests.xlsx (Apache POI's test data), sheet Tests: a number in column C, a format
  code in column B, ``=TEXT(C, B)`` in column A. C2 = 17816.607951388887 shows as
  "Saturday-October-1952", "11-10-52": 1904-01-01 + 17816 days is 1952-10-11 (its 1900-system
  serial: 1952-01-01 is 18994, + 274 days to 1 October, + 10 = 19278; 19278 - 1462 = 17816);
  C21 = 36191.170208437499 shows as "Saturday-February-2003", "1-2-03" (2003-02-01 is 37653 in
  the 1900 system; 37653 - 1462 = 36191); C41 = 44196 shows as "01-01-2025" (45658 - 1462).
* sheetjs/1904.xlsx (SheetJS's test files), Sheet1: ``=TEXT(B, "YYYY-MM-DD")`` of 1, 11, 111,
  1111, 11111: "1904-01-02", "1904-01-12", "1904-04-21" (1904 is a leap year: 31 + 29 + 31 = 91
  days to 1 April, + 20), "1907-01-16" (366 + 365 + 365 = 1096 days to 1907-01-01, + 15) and
  "1934-06-03": the first days of the 1904 system.

Read in the 1900 system the same serials are other days (1948-10-10, 1999-01-31, 2020-12-31;
1900-01-01, ..., 1930-06-02): a 1904 flag ignored is four years and a day off -- the
``formulas`` library's TEXT shows "Sun-Oct-1948" for "Sat-Oct-1952" and "1900-01-01" for
"1904-01-02" (tests/golden/corpus_figures.csv records those cells computed differently; recalc
never hands a 1904 workbook to it).

The native engine has no TEXT: those cells are reported as not computed and keep Excel's text
(checked below). What it has -- the date system read from the workbook's own workbook.xml,
YEAR, MONTH, DAY, DATE, ``--set`` of a date -- is checked against Excel's texts: a copy of each
workbook gets, beside each row whose text shows a date, ``=YEAR(s)``, ``=MONTH(s)``,
``=DAY(s)`` and ``=DATE(YEAR(s),MONTH(s),DAY(s))`` of the row's serial ``s``, and what the native
engine computes for them must be the day Excel's text names (day, month, year, and the weekday
of that calendar day where the text shows one). The expected values are read from Excel's
cached texts by their format code (never by the code under test); the same copy with the flag
set to 0 must fail the check on every row.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import defusedxml.ElementTree as SafeET
import pytest

from xl_addin.recalc import recalculate
from xl_addin.workbook import compare as cmp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_corpus  # noqa: E402

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MONTHS = "January February March April May June July August September October November December"
MONTHS = _MONTHS.split()
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class Book:
    """Where a workbook keeps its TEXT cells: the sheet (and its part), the column of the
    serials, the format code (a column holding it, or the one code its formulas use), the
    sheet's last column and its <dimension>."""

    name: str
    sheet: str
    part: str
    serial: str
    fmt_column: str | None
    fmt: str | None
    last: str
    dimension: str
    text_cells: int

    @property
    def path(self) -> Path:
        return make_corpus.CORPUS / self.name


POI = Book(
    "poi/DateFormatTests.xlsx",
    "Tests",
    "xl/worksheets/sheet2.xml",  # sheet1.xml is Flags, without formulas
    serial="C",
    fmt_column="B",
    fmt=None,
    last="D",
    dimension="A1:D42",
    text_cells=41,
)
SHEETJS = Book(
    "sheetjs/1904.xlsx",
    "Sheet1",
    "xl/worksheets/sheet1.xml",
    serial="B",
    fmt_column=None,
    fmt="YYYY-MM-DD",
    last="D",
    dimension="A1:D5",
    text_cells=10,
)
BOOKS = [POI, SHEETJS]
#: The formulas added beside each date row (columns after the sheet's last one).
ADDED = ["YEAR({s})", "MONTH({s})", "DAY({s})", "DATE(YEAR({s}),MONTH({s}),DAY({s}))"]


def _raw_cells(path: Path, part: str) -> dict[str, str]:
    """Each cell's stored value as text (shared strings resolved): the serials as Excel wrote
    them, not converted by any date logic."""
    with zipfile.ZipFile(path) as z:
        strings: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
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
    """(year, its number of digits shown, month, day or None, weekday name or None) that
    Excel's ``text`` shows for the date part of format code ``fmt`` (the part before a space,
    its three fields joined by '-'), by Excel's format codes: d/dd day, ddd/dddd weekday, m/mm
    month number, mmm/mmmm month name, y/yy the year's last two digits, yyy/yyyy the year."""
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
            weekday = next(w for w in DAYS if (w if code == "dddd" else w[:3]) == part)
        elif code in ("m", "mm"):
            month = int(part)
        elif code in ("mmm", "mmmm"):
            month = 1 + next(
                i for i, m in enumerate(MONTHS) if (m if code == "mmmm" else m[:3]) == part
            )
        else:
            assert code in ("y", "yy", "yyy", "yyyy"), fmt
            year, digits = int(part), (2 if code in ("y", "yy") else 4)
            assert len(part) == digits, (fmt, text)
    assert year and month and (day or weekday), (fmt, text)
    return year, digits, month, day, weekday


def _date_rows(book: Book) -> list[tuple[int, str, str, str]]:
    """(row, format code, Excel's text, serial) of every TEXT cell of the book whose format
    shows a date (a '-' before any space: d-m-y, dddd-mmmm-yyyy h:m:s, YYYY-MM-DD, ...)."""
    raw = _raw_cells(book.path, book.part)
    rows = []
    for c in cmp.read_formula_cells(book.path):
        if c.sheet != book.sheet or not c.formula.startswith("TEXT("):
            continue
        row = int(re.sub(r"[A-Z]+", "", c.ref))
        fmt = raw[f"{book.fmt_column}{row}"] if book.fmt_column else cast(str, book.fmt)
        if "-" in fmt.split(" ")[0]:
            rows.append((row, fmt, cast(str, c.value), raw[f"{book.serial}{row}"]))
    return sorted(rows)


def _columns(book: Book) -> list[str]:
    first = ord(book.last) + 1
    return [chr(first + i) for i in range(len(ADDED))]


def _copy(
    book: Book,
    dst: Path,
    rows: list[int],
    *,
    date1904: bool = True,
    names: dict[str, str] | None = None,
) -> Path:
    """A copy of the book with the ADDED formula cells (no cached value) after the last cell of
    each of ``rows``; ``date1904=False`` sets the flag to 0 (the control: the same serials read
    in the 1900 system); ``names``: defined names (name -> cell of the sheet), for ``--set``."""
    cols = _columns(book)
    with zipfile.ZipFile(book.path) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == book.part:
                text = body.decode("utf-8")
                for r in rows:
                    s = f"{book.serial}{r}"
                    new = "".join(
                        f'<c r="{col}{r}"><f>{f.format(s=s)}</f></c>'
                        for col, f in zip(cols, ADDED, strict=True)
                    )
                    pattern = re.compile(rf'(<row r="{r}"[^>]*>(?:(?!</row>).)*?)(</row>)', re.S)
                    text, n = pattern.subn(rf"\1{new}\2", text, count=1)
                    assert n == 1, r
                old = f'<dimension ref="{book.dimension}"/>'
                assert text.count(old) == 1
                text = text.replace(old, old.replace(f":{book.last}", f":{cols[-1]}"))
                body = text.encode("utf-8")
            elif info.filename == "xl/workbook.xml":
                if not date1904:
                    assert body.count(b'date1904="1"') == 1
                    body = body.replace(b'date1904="1"', b'date1904="0"')
                if names:
                    defined = "".join(
                        f'<definedName name="{n}">{book.sheet}!${ref[0]}${ref[1:]}</definedName>'
                        for n, ref in names.items()
                    )
                    assert body.count(b"</sheets>") == 1 and b"<definedNames" not in body
                    body = body.replace(
                        b"</sheets>", f"</sheets><definedNames>{defined}</definedNames>".encode()
                    )
            zo.writestr(info, body)
    return dst


def _native(book: Book, tmp_path: Path, rows: list[int], *, date1904: bool) -> dict[str, object]:
    """The native engine's values of the formula cells of a copy with the ADDED cells."""
    src = _copy(book, tmp_path / Path(book.name).name, rows, date1904=date1904)
    report = recalculate(src, allow_errors=True, engine="native")
    assert report.output is not None
    return {c.ref: c.value for c in cmp.read_formula_cells(report.output) if c.sheet == book.sheet}


def _mismatches(
    book: Book, rows: list[tuple[int, str, str, str]], got: dict[str, object]
) -> list[str]:
    year_c, month_c, day_c, date_c = _columns(book)
    wrong = []
    for row, fmt, text, serial in rows:
        year, digits, month, day, weekday = _day_shown(fmt, text)
        parts = [got[f"{col}{row}"] for col in (year_c, month_c, day_c)]
        assert all(isinstance(v, float) and v.is_integer() for v in parts), (row, parts)
        y, m, d = (int(cast(float, v)) for v in parts)
        ok = m == month and day in (None, d) and (y if digits == 4 else y % 100) == year
        ok = ok and (weekday is None or DAYS[dt.date(y, m, d).weekday()] == weekday)
        # DATE(YEAR, MONTH, DAY) is the day's serial: the integer part of the cell's number
        ok = ok and got[f"{date_c}{row}"] == float(int(float(serial)))
        if not ok:
            wrong.append(
                f"{book.name} row {row}: {serial} as {fmt!r} is {text!r} in Excel; native "
                f"YEAR/MONTH/DAY {y}-{m}-{d}, DATE {got[f'{date_c}{row}']}"
            )
    return wrong


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_the_workbook_is_excel_for_mac_on_the_1904_date_system(book: Book) -> None:
    entry = next(e for e in make_corpus.read_manifest() if e.file == book.name)
    data = book.path.read_bytes()
    assert make_corpus.problems(entry, data) == []
    assert make_corpus.application(data) == "Microsoft Macintosh Excel"
    with zipfile.ZipFile(book.path) as z:
        assert re.search(rb'<workbookPr date1904="1"', z.read("xl/workbook.xml"))
        assert b">TEXT(" in z.read(book.part)


def test_excels_texts_name_the_days_worked_by_hand() -> None:
    """The reading of Excel's texts, on the serials worked by hand in the docstring."""
    rows = {row: (fmt, text, serial) for row, fmt, text, serial in _date_rows(POI)}
    # rows 2-9, 14, 19-28, 33, 38, 39, 41 (dates, some followed by a time)
    assert sorted(rows) == [*range(2, 10), 14, *range(19, 29), 33, 38, 39, 41]
    assert rows[2] == ("d-m-y", "11-10-52", "17816.607951388887")
    assert _day_shown(*rows[2][:2]) == (52, 2, 10, 11, None)
    assert _day_shown(*rows[5][:2]) == (1952, 4, 10, None, "Saturday")
    assert rows[24][1] == "Saturday-February-2003" and rows[24][2] == "36191.170208437499"
    assert _day_shown(*rows[24][:2]) == (2003, 4, 2, None, "Saturday")
    assert rows[41] == ("dd-mm-yyyy", "01-01-2025", "44196")
    assert _day_shown(*rows[41][:2]) == (2025, 4, 1, 1, None)
    sheetjs = [(text, serial) for _, _, text, serial in _date_rows(SHEETJS)]
    assert sheetjs == [
        ("1904-01-02", "1"),
        ("1904-01-12", "11"),
        ("1904-04-21", "111"),
        ("1907-01-16", "1111"),
        ("1934-06-03", "11111"),
    ]
    assert _day_shown("YYYY-MM-DD", "1904-04-21") == (1904, 4, 4, 21, None)


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_native_date_parts_are_the_days_excel_shows(tmp_path: Path, book: Book) -> None:
    rows = _date_rows(book)
    got = _native(book, tmp_path, [r for r, *_ in rows], date1904=True)
    assert _mismatches(book, rows, got) == []


def test_native_date_parts_worked_by_hand(tmp_path: Path) -> None:
    got = _native(POI, tmp_path, [2, 24, 41], date1904=True)
    assert (got["E2"], got["F2"], got["G2"], got["H2"]) == (1952.0, 10.0, 11.0, 17816.0)
    assert (got["E24"], got["F24"], got["G24"]) == (2003.0, 2.0, 1.0)
    assert (got["E41"], got["F41"], got["G41"], got["H41"]) == (2025.0, 1.0, 1.0, 44196.0)
    got = _native(SHEETJS, tmp_path, [1, 3], date1904=True)
    assert (got["E1"], got["F1"], got["G1"], got["H1"]) == (1904.0, 1.0, 2.0, 1.0)
    assert (got["E3"], got["F3"], got["G3"], got["H3"]) == (1904.0, 4.0, 21.0, 111.0)


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_the_check_fails_when_the_1904_flag_is_not_read(tmp_path: Path, book: Book) -> None:
    """The control: the same serials in the 1900 system are other days (1948-10-10 for
    17816, 1999-01-31 for 36191, 2020-12-31 for 44196; 1900-01-01 for 1, 1900-04-20 for 111,
    counting Excel's 1900-02-29) and every row mismatches."""
    rows = _date_rows(book)
    got = _native(book, tmp_path, [r for r, *_ in rows], date1904=False)
    assert len(_mismatches(book, rows, got)) == len(rows)
    if book is POI:
        assert (got["E2"], got["F2"], got["G2"]) == (1948.0, 10.0, 10.0)
        assert (got["E24"], got["F24"], got["G24"]) == (1999.0, 1.0, 31.0)
        assert (got["E41"], got["F41"], got["G41"]) == (2020.0, 12.0, 31.0)
    else:
        assert (got["E1"], got["F1"], got["G1"]) == (1900.0, 1.0, 1.0)
        assert (got["E3"], got["F3"], got["G3"]) == (1900.0, 4.0, 20.0)


@pytest.mark.parametrize("engine", ["native", "auto"])
@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_text_cells_keep_excels_values(tmp_path: Path, book: Book, engine: str) -> None:
    """No engine recalc trusts computes these TEXT cells right (native has no TEXT; the
    formulas library ignores the 1904 system): each is reported as not computed and the output
    keeps Excel's text."""
    src = tmp_path / Path(book.name).name
    shutil.copyfile(book.path, src)
    report = recalculate(src, allow_errors=True, engine=engine)
    assert report.output is not None
    excel = {(c.sheet, c.ref): c.value for c in cmp.read_formula_cells(book.path)}
    out = {(c.sheet, c.ref): c.value for c in cmp.read_formula_cells(report.output)}
    assert out == excel and len(excel) == book.text_cells
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
    names = {f"Day{ref[1:]}": ref for ref in days}
    src = _copy(POI, tmp_path / "in.xlsx", [2, 21, 41], date1904=date1904, names=names)
    overrides: dict[str, object] = {f"Day{ref[1:]}": day for ref, day in days.items()}
    report = recalculate(src, allow_errors=True, engine="native", overrides=overrides)
    assert report.output is not None
    raw = _raw_cells(report.output, POI.part)
    excel = _raw_cells(POI.path, POI.part)
    offset = 0 if date1904 else 1462
    for ref in days:
        assert int(raw[ref]) == int(float(excel[ref])) + offset, ref
    assert (raw["C2"], raw["C21"], raw["C41"]) == (
        ("17816", "36191", "44196") if date1904 else ("19278", "37653", "45658")
    )
    got = {c.ref: c.value for c in cmp.read_formula_cells(report.output) if c.sheet == POI.sheet}
    for ref, day in days.items():
        y, m, d = (int(x) for x in day.split("-"))
        assert (got[f"E{ref[1:]}"], got[f"F{ref[1:]}"], got[f"G{ref[1:]}"]) == (y, m, d), ref
