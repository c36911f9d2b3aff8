"""The 1900 date system's first days, measured against the values Excel saved (issue #11 item 3).

poi/FormulaEvalTestData_Copy.xlsx (Apache POI's test data, saved by Microsoft Excel, 1900 date
system) holds on sheet EverythingTests formula cells of DATE, DAY, MONTH and YEAR whose cached
values are Excel's own answers for serials 0 to 60 -- the 1900 leap-year bug (serial 60 is the
day 1900-02-29 that never was) and serial 0 (the day "1900-01-00") -- and for a few later days.
Each expected value below is Excel's cached value, and is also worked by hand:

* ``DATE(1900, 1, 1)`` = 1: the first day of the system.
* ``DATE(1900, 1, 32)`` = 32: January has 31 days, so day 32 is 1900-02-01, serial 31 + 1.
* ``DATE(1900, 2, 29)`` = 60: 31 days of January + 29 -- Excel keeps Lotus's 29 February 1900.
* ``DATE(1900, 222, 1)`` = 6727: month 222 is 18 years and 6 months on, 1918-06-01; 1900 to 1917
  are 18 years of 365 days + 5 leap days (Excel's 1900, 1904, 1908, 1912, 1916) = 6575 days, so
  1918-01-01 is 6576; + 151 days of January to May 1918 (31+28+31+30+31) = 6727.
* ``DATE(2007, 1, 1)`` = 39083: 107 years (1900 to 2006) of 365 days = 39055, + 27 leap days
  (Excel's 1900, and 1904 to 2004: 26) = 39082 days before it, so serial 39083.
* ``DATE(1900, 1, 22222)`` = 22222: day n of January 1900 is serial n.
* ``DATE(B8, B9, C10)`` = ``DATE(1, 2, 1.00001)`` = 398: a year below 1900 is added to 1900 (1901),
  the day truncated to 1: 1901-02-01 = 366 days of Excel's 1900 + 31 of January + 1.
* ``DATE(C8, C9, C10)`` = ``DATE(0.00001, 1.1, 1.00001)`` = 1: year 0 -> 1900, month 1, day 1.
* ``DATE(E8, E9, E10)`` of three texts ("nospaces", ...) = #VALUE!.
* ``DAY(1)`` = 1, ``MONTH(1)`` = 1, ``YEAR(1)`` = 1900 (serial 1 is 1900-01-01).
* ``DAY(0)`` = 0, ``MONTH(0)`` = 1, ``YEAR(0)`` = 1900: serial 0 is Excel's "1900-01-00".
* ``DAY(C16)`` (C16 = -1.1), ``MONTH(-10)``, ``YEAR(-10)`` = #NUM!: no negative serials.
* ``DAY(#DIV/0!)``, ``MONTH(#N/A)``, ``YEAR(#REF!)``: the error passes through.
* C20 holds 2000-12-25: ``DAY`` 25, ``MONTH`` 12, ``YEAR`` 2000; ``MONTH(C20+60)`` = 2 (6 days
  to 31 December, + 31 of January = 37, + 23 = 60: 2001-02-23); ``YEAR(C20+2000)`` = 2006
  (+1826 days is 2005-12-25, 365 + 365 + 365 + 366 + 365; 174 more days is mid-2006).

The native engine must compute each of them (none reported as not computed) on a copy whose
cached values of these cells were replaced by a sentinel, so that a value kept rather than
computed cannot pass.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

from xl_addin.recalc import recalculate
from xl_addin.workbook import compare as cmp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_corpus  # noqa: E402

BOOK = "poi/FormulaEvalTestData_Copy.xlsx"
SHEET = "EverythingTests"
PART = "xl/worksheets/sheet1.xml"
SENTINEL = "-987654321"

NUM = cmp.ExcelError("#NUM!")
# cell -> (formula, Excel's cached value, worked by hand in the module docstring)
EXPECTED: dict[str, tuple[str, object]] = {
    "D320": ("DATE(1900, 1, 1)", 1.0),
    "E320": ("DATE(1900, 1, 32)", 32.0),
    "F320": ("DATE(1900, 222, 1)", 6727.0),
    "G320": ("DATE(2007, 1, 1)", 39083.0),
    "H320": ("DATE(1900, 2, 29)", 60.0),
    "I320": ("DATE(1900, 1, 22222)", 22222.0),
    "J320": ("DATE(B8,B9,C10)", 398.0),
    "K320": ("DATE(C8,C9,C10)", 1.0),
    "L320": ("DATE(E8,E9,E10)", cmp.ExcelError("#VALUE!")),
    "D340": ("DAY(C20)", 25.0),
    "E340": ("DAY(1)", 1.0),
    "F340": ("DAY(0)", 0.0),
    "G340": ("DAY(C16)", NUM),
    "H340": ("DAY(#DIV/0!)", cmp.ExcelError("#DIV/0!")),
    "D940": ("MONTH(C20)", 12.0),
    "E940": ("MONTH(1)", 1.0),
    "F940": ("MONTH(0)", 1.0),
    "G940": ("MONTH(-10)", NUM),
    "H940": ("MONTH(#N/A)", cmp.ExcelError("#N/A")),
    "I940": ("MONTH(C20+60)", 2.0),
    "D1496": ("YEAR(C20)", 2000.0),
    "E1496": ("YEAR(1)", 1900.0),
    "F1496": ("YEAR(0)", 1900.0),
    "G1496": ("YEAR(-10)", NUM),
    "H1496": ("YEAR(#REF!)", cmp.ExcelError("#REF!")),
    "I1496": ("YEAR(C20+2000)", 2006.0),
}


def _path() -> Path:
    return ROOT / "tests" / "corpus" / BOOK


def _sentinel_copy(dst: Path) -> Path:
    """A copy whose cached <v> of every EXPECTED cell is SENTINEL (type attribute dropped)."""
    with zipfile.ZipFile(_path()) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            body = zi.read(info.filename)
            if info.filename == PART:
                text = body.decode("utf-8")
                for ref in EXPECTED:
                    pattern = re.compile(rf'<c r="{ref}"([^>]*)>(<f>[^<]*</f>)<v>[^<]*</v></c>')

                    def cell(m: re.Match[str], ref: str = ref) -> str:
                        attrs = re.sub(r' t="[a-z]+"', "", m.group(1))
                        return f'<c r="{ref}"{attrs}>{m.group(2)}<v>{SENTINEL}</v></c>'

                    text, n = pattern.subn(cell, text)
                    assert n == 1, ref
                body = text.encode("utf-8")
            zo.writestr(info, body)
    return dst


def test_workbook_is_in_the_corpus_saved_by_excel() -> None:
    rows = {r.file: r for r in make_corpus.read_manifest()}
    assert rows[BOOK].application == "Microsoft Excel"
    with zipfile.ZipFile(_path()) as z:
        assert b"date1904" not in z.read("xl/workbook.xml")


def test_excel_cached_values_are_the_hand_worked_ones() -> None:
    """The values Excel saved are the ones worked by hand above (so the test below checks the
    engine against Excel, not against a reading of ours that Excel contradicts)."""
    cells = {c.ref: c for c in cmp.read_formula_cells(_path()) if c.sheet == SHEET}
    for ref, (formula, value) in EXPECTED.items():
        assert cells[ref].formula == formula, ref
        assert cmp.same_value(cells[ref].value, value), (ref, cells[ref].value, value)


def test_native_engine_computes_excels_values(tmp_path: Path) -> None:
    src = _sentinel_copy(tmp_path / "FormulaEvalTestData_Copy.xlsx")
    sentinel = {c.ref: c.value for c in cmp.read_formula_cells(src) if c.sheet == SHEET}
    assert all(sentinel[ref] == float(SENTINEL) for ref in EXPECTED)
    report = recalculate(src, allow_errors=True, engine="native")
    assert report.output is not None
    not_computed = cmp.not_computed_cells(report)
    got = {c.ref: c.value for c in cmp.read_formula_cells(report.output) if c.sheet == SHEET}
    wrong = [
        f"{ref} ={formula}: Excel {value!r}, native {got[ref]!r}"
        for ref, (formula, value) in EXPECTED.items()
        if (SHEET, ref) in not_computed or not cmp.same_value(value, got[ref])
    ]
    assert wrong == []


def test_sentinel_copy_unchanged_elsewhere(tmp_path: Path) -> None:
    """Only the EXPECTED cells' cached values differ between the copy and the original."""
    src = _sentinel_copy(tmp_path / "copy.xlsx")
    original = {(c.sheet, c.ref): c.value for c in cmp.read_formula_cells(_path())}
    copy = {(c.sheet, c.ref): c.value for c in cmp.read_formula_cells(src)}
    assert original.keys() == copy.keys()
    changed = {ref for (sheet, ref) in original if original[sheet, ref] != copy[sheet, ref]}
    assert changed == set(EXPECTED)
