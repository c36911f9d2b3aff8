"""The native engine follows Excel's documented rules (issue #11 item 3). Expected values are
Excel's documented behaviour, worked by hand in the comments:

* Excel's 1900 date system counts a nonexistent 1900-02-29 as serial 60 (Microsoft, "Excel
  incorrectly assumes that the year 1900 is a leap year"): 1900-01-01 is 1, 1900-02-28 is 59,
  1900-03-01 is 61; serial 0 shows as 1900-01-00.
* The 1904 date system (Excel for Mac, ``date1904="1"``) starts at 1904-01-01 = 0; the same
  day is 1462 days later in the 1900 system.
* Excel keeps 15 significant digits; a formula's final addition/subtraction whose result is
  zero but for binary rounding is stored as 0 (Microsoft, "Floating-point arithmetic may give
  inaccurate results in Excel").
"""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from xl_addin.recalc import recalculate
from xl_addin.workbook.native.evaluator import serial_date


def computed(tmp_path: Path, cells: dict[str, object], *, date1904: bool = False) -> dict:
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "S"
    for ref, v in cells.items():
        ws[ref] = v
    src = tmp_path / "in.xlsx"
    wb.save(src)
    report = recalculate(src, allow_errors=True, engine="native")
    assert report.output is not None
    out = openpyxl.load_workbook(report.output, data_only=True)["S"]
    values = {ref: out[ref].value for ref in cells}
    values["errors"] = {e.cell: str(e) for e in report.errors}
    return values


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=DATE(1900,1,1)", 1),
        ("=DATE(1900,1,31)", 31),
        ("=DATE(1900,2,28)", 59),
        ("=DATE(1900,2,29)", 60),  # Excel's phantom leap day
        ("=DATE(1900,3,1)", 61),
        ("=DATE(1900,1,0)", 0),
        ("=DATE(1900,3,0)", 60),
        ("=DATE(0,1,1)", 1),  # years 0-1899: 1900 + year
        ("=DATE(2000,1,1)", 36526),
        ("=DATE(1999,13,1)", 36526),  # month 13 rolls over
        ("=YEAR(0)", 1900),
        ("=MONTH(0)", 1),
        ("=DAY(0)", 0),
        ("=DAY(60)", 29),
        ("=MONTH(60)", 2),
        ("=DAY(59)", 28),
        ("=DAY(61)", 1),
        ("=MONTH(61)", 3),
        ("=YEAR(36526)", 2000),
    ],
)
def test_1900_date_system(tmp_path: Path, formula: str, expected: int) -> None:
    assert computed(tmp_path, {"A1": formula})["A1"] == expected


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=DATE(1904,1,1)", 0),
        ("=DATE(2000,1,1)", 35064),  # 36526 - 1462
        ("=YEAR(0)", 1904),
        ("=DAY(35064)", 1),
        ("=YEAR(35064)", 2000),
        # YEARFRAC on 1904 serials: 2000-01-01 to 2001-01-01, basis 1 (actual/actual) is 1
        ("=YEARFRAC(35064,35430,1)", 1),
    ],
)
def test_1904_date_system(tmp_path: Path, formula: str, expected: int) -> None:
    assert computed(tmp_path, {"A1": formula}, date1904=True)["A1"] == expected


def test_serials_0_to_60_by_hand() -> None:
    assert serial_date(0) == (1900, 1, 0)
    assert serial_date(1) == (1900, 1, 1)
    assert serial_date(31) == (1900, 1, 31)
    assert serial_date(32) == (1900, 2, 1)
    assert serial_date(59) == (1900, 2, 28)
    assert serial_date(60) == (1900, 2, 29)
    assert serial_date(61) == (1900, 3, 1)
    assert serial_date(0, date1904=True) == (1904, 1, 1)


def test_int_and_results_near_zero(tmp_path: Path) -> None:
    got = computed(
        tmp_path,
        {
            "A1": "=INT(967005*26.65/8.55)",  # the double is 3014114.9999999995; Excel: 3014115
            "A2": "=INT(-0.5)",  # -1
            "A3": "=0.1+0.2-0.3",  # Excel: 0
            "A4": "=1*(0.5-0.4-0.1)",  # the last operation is *: Excel shows -2.78E-17
            "A5": "=(0.1+0.2-0.3)",  # parenthesised: not the final subtraction, Excel: 5.55E-17
            "A6": "=1000000.1-1000000",  # a real difference, kept: 0.1 (to double precision)
        },
    )
    assert got["A1"] == 3014115
    assert got["A2"] == -1
    assert got["A3"] == 0
    assert got["A4"] == pytest.approx(-2.7755575615628914e-17, rel=1e-9)
    assert got["A5"] == pytest.approx(5.551115123125783e-17, rel=1e-9)
    assert got["A6"] == pytest.approx(0.1, rel=1e-9)


def test_counta_counts_empty_text(tmp_path: Path) -> None:
    # A1 "" (a formula's empty text) counts; A3 empty does not; A2 a number: 2
    got = computed(tmp_path, {"A1": '=""', "A2": 5, "B1": "=COUNTA(A1:A3)"})
    assert got["B1"] == 2


def test_and_with_typed_text_is_reported_not_guessed(tmp_path: Path) -> None:
    got = computed(tmp_path, {"A1": '=AND("0")', "A2": '=AND("TRUE",1)'})
    assert got["errors"]["A1"] == "S!A1: not computed: AND with a text argument '0'"
    assert got["A2"] is True


def test_whole_columns_and_implicit_intersection(tmp_path: Path) -> None:
    cells: dict[str, object] = {f"A{i}": i for i in range(1, 11)}  # 1..10: sum 55
    cells.update({f"B{i}": f"b{i}" for i in range(1, 11)})
    cells["D1"] = "=SUM(A:A)"
    cells["D2"] = "=SUM(S!A1:B1048576)"  # text in B ignored: 55
    cells["D3"] = '=A:A&"/"&B:B'  # implicit intersection: row 3
    cells["D4"] = "=COUNT(A:A)"
    cells["D20"] = "=A:A"  # row 20 of column A: empty, shows 0
    cells["E1"] = "=SUM(1:1)"  # row 1: A1 (1) + D1 (55) + E1? no: circular. Use row 2 below
    cells["E3"] = "=SUM(2:2)"  # A2 (2) + D2 (55) = 57
    t0 = time.perf_counter()
    got = computed(tmp_path, cells)
    assert time.perf_counter() - t0 < 10  # proportional to the used range, not 1M rows
    assert got["D1"] == 55
    assert got["D2"] == 55
    assert got["D3"] == "3/b3"
    assert got["D4"] == 10
    assert got["D20"] == 0
    assert got["E3"] == 57
    assert got["errors"]["E1"].startswith("S!E1: not computed: circular reference")


def test_3d_and_structured_references_are_reported(tmp_path: Path) -> None:
    """A 3-D reference is computed where Excel takes one (SUM over the sheets S to S: S!A1 = 1;
    tests/test_references.py has the rest), reported elsewhere; a structured reference to a
    table the workbook does not have is reported."""
    got = computed(
        tmp_path,
        {"A1": 1, "B1": "=SUM(S:S!A1)", "B2": "=Table1[Col]", "B3": "=A1*2", "B4": "=S:S!A1"},
    )
    assert got["B1"] == 1
    assert got["errors"]["B2"].startswith("S!B2: not computed: structured reference: no table")
    assert got["errors"]["B4"].startswith("S!B4: not computed: 3-D references")
    assert got["B3"] == 2


def test_addin_dates_in_the_1904_system(tmp_path: Path) -> None:
    """The add-in's date arguments and results follow the workbook's date system.
    PUTDATE: the 10th business day after a Put Notice of Friday 2001-06-01 is Friday
    2001-06-15 (June 4-8 and 11-15, no federal holiday): 1900 serial 37057 (2001-01-01 is
    36892, + 165 days), 1904 serial 37057 - 1462 = 35595; the notice is 37043 / 35581."""
    got = computed(tmp_path, {"A1": "=PUTDATE(35581)"}, date1904=True)
    assert got["A1"] == 35595
    got = computed(tmp_path, {"A1": "=PUTDATE(37043)"})
    assert got["A1"] == 37057
    # the same Liquidation Preference from the same calendar dates in either system
    in_1904 = computed(
        tmp_path, {"A1": "=LIQPREF(1000,12.31,36692-1462,37057-1462)"}, date1904=True
    )
    in_1900 = computed(tmp_path, {"A1": "=LIQPREF(1000,12.31,36692,37057)"})
    assert in_1904["A1"] == in_1900["A1"] and in_1900["A1"] > 12310  # 1000 × 12.31 + dividends
    # a table holding dates (a violation log) is not converted: reported, not guessed
    got = computed(
        tmp_path, {"B1": 35581, "C1": "x", "A1": "=PUTDATE(35581,,B1:C1)"}, date1904=True
    )
    assert got["errors"]["A1"].startswith("S!A1: not computed: PUTDATE: a table holding dates")


def test_a_name_pointing_at_a_table_is_reported_not_guessed(tmp_path: Path) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 1
    ws["B1"] = "=SUM(Col)"
    ws["B2"] = "=A1+1"
    wb.defined_names["Col"] = DefinedName("Col", attr_text="Table1[Col]")
    src = tmp_path / "in.xlsx"
    wb.save(src)
    report = recalculate(src, allow_errors=True, engine="native")
    msgs = {e.cell: str(e) for e in report.errors}
    assert msgs["B1"].startswith("S!B1: not computed: name Col:")
    assert set(msgs) == {"B1"}
