"""``xl-addin recalc`` ends honestly (issue #11 item 6, issue #14 "CLI rough edges"): special
files, existing outputs, interruptions, ambiguous ``--set`` values, Excel's date serials, long
error lists, wrong argument counts, deep nesting."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.defined_name import DefinedName

from xl_addin import recalc
from xl_addin.recalc import RecalcError, parse_value, recalculate


def small_book(path: Path, formulas: dict[str, str], *, date1904: bool = False) -> Path:
    """Sheet S: A1 an input named In (1), the given formula cells."""
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 1
    wb.defined_names["In"] = DefinedName("In", attr_text="S!$A$1")
    for ref, text in formulas.items():
        ws[ref] = text
    wb.save(path)
    return path


def raw_value(path: Path, ref: str) -> str:
    """The <v> text of a cell, as written (no reader's conversion)."""
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    m = re.search(rf'<c r="{ref}"[^>]*>.*?<v>([^<]*)</v>', sheet)
    assert m, sheet
    return m.group(1)


# ------------------------------------------------------------------ --set values
@pytest.mark.parametrize("text", ["0,1", "1,,0", "12,34", "1_000", "١٢", "１２"])
def test_ambiguous_numbers_are_refused(text: str) -> None:
    with pytest.raises(RecalcError, match="ambiguous number"):
        parse_value(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,000", 1000), ("1,234,567.5", 1234567.5), ("-3", -3), ("12.5%", 0.125), ("A,B", "A,B")],
)
def test_unambiguous_values(text: str, value: object) -> None:
    assert parse_value(text) == value


def test_ambiguous_set_is_one_line_naming_the_name(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src = small_book(tmp_path / "in.xlsx", {"B1": "=In*2"})
    assert recalc.main([str(src), "--set", "In=0,1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--set In: ambiguous number '0,1'" in err[0]
    assert not (tmp_path / "in.recalc.xlsx").exists()


# Excel's serials, hand-worked: 1900-01-01 is 1; Excel counts a 1900-02-29, so 1900-02-28 is
# 59, 1900-03-01 is 61; 2000-01-01 is 36526. In the 1904 system 1904-01-01 is 0 and
# 2000-01-01 is 36526 - 1462 = 35064.
@pytest.mark.parametrize(
    ("date", "date1904", "serial"),
    [
        ("1900-01-01", False, "1"),
        ("1900-01-31", False, "31"),
        ("1900-02-28", False, "59"),
        ("1900-03-01", False, "61"),
        ("2000-01-01", False, "36526"),
        ("1904-01-01", True, "0"),
        ("2000-01-01", True, "35064"),
    ],
)
def test_set_dates_are_excel_serials(
    tmp_path: Path, date: str, date1904: bool, serial: str
) -> None:
    src = small_book(tmp_path / "in.xlsx", {"B1": "=In+0"}, date1904=date1904)
    report = recalculate(src, overrides={"In": date})
    assert report.ok and report.output is not None
    assert raw_value(report.output, "A1") == serial
    assert raw_value(report.output, "B1") == serial


@pytest.mark.parametrize(("date", "date1904"), [("1899-12-31", False), ("1903-12-31", True)])
def test_dates_excel_cannot_hold_are_refused(tmp_path: Path, date: str, date1904: bool) -> None:
    src = small_book(tmp_path / "in.xlsx", {"B1": "=In+0"}, date1904=date1904)
    with pytest.raises(RecalcError, match=r"--set In: .*Excel's dates run from"):
        recalculate(src, overrides={"In": date})


# ------------------------------------------------------------------ outputs
def test_existing_output_is_refused_without_force(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src = small_book(tmp_path / "in.xlsx", {"B1": "=In*2"})
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"keep me")
    assert recalc.main([str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "exists; pass --force to replace it" in err
    assert out.read_bytes() == b"keep me"
    default = tmp_path / "in.recalc.xlsx"
    default.write_bytes(b"keep me too")
    assert recalc.main([str(src)]) == 2
    assert default.read_bytes() == b"keep me too"
    assert recalc.main([str(src), "-o", str(out), "--force"]) == 0
    assert zipfile.is_zipfile(out)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_output_is_refused_never_replaced(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src = small_book(tmp_path / "in.xlsx", {"B1": "=In*2"})
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    for extra in ([], ["--force"]):
        assert recalc.main([str(src), "-o", str(fifo), *extra]) == 2
        assert "not a regular file" in capsys.readouterr().err
        assert fifo.exists() and not fifo.is_file()  # still the FIFO
    assert recalc.main([str(src), "-o", os.devnull, "--force"]) == 2
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()


def test_interruption_after_the_output_was_written_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    src = small_book(tmp_path / "in.xlsx", {"B1": "=In*2"})
    out = tmp_path / "out.xlsx"
    real = recalc._write_zip

    def written_then_interrupted(*a: object, **k: object) -> None:
        real(*a, **k)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(recalc, "_write_zip", written_then_interrupted)
    assert recalc.main([str(src), "-o", str(out)]) == 130
    err = capsys.readouterr().err
    assert f"interrupted after {out} was written" in err and "no output written" not in err
    assert zipfile.is_zipfile(out)

    def interrupted_before(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(recalc, "_write_zip", interrupted_before)
    out2 = tmp_path / "out2.xlsx"
    assert recalc.main([str(src), "-o", str(out2)]) == 130
    assert "no output written" in capsys.readouterr().err and not out2.exists()


# ------------------------------------------------------------------ reports
def test_one_bad_set_prints_a_summary_and_the_first_cells(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src = small_book(tmp_path / "in.xlsx", {f"B{i}": "=1/In" for i in range(1, 21)})
    assert recalc.main([str(src), "--set", "In=0"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("xl-addin recalc: 20 cell(s) evaluate to errors")
    assert err[1:6] == [f"error: S!B{i}: #DIV/0! division by zero" for i in range(1, 6)]
    assert err[6] == "error: ... and 15 more (--verbose lists them all)"
    assert len(err) == 7
    assert recalc.main([str(src), "--set", "In=0", "--verbose"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 21


def test_wrong_argument_count_to_an_addin_function_is_one_line(tmp_path: Path) -> None:
    src = small_book(
        tmp_path / "in.xlsx", {"B1": "=LIQPREF(In)", "B2": "=CONVSHARES(1,2,3,4,5,6,7)"}
    )
    report = recalculate(src, allow_errors=True)
    msgs = {e.cell: str(e) for e in report.errors}
    assert msgs["B1"] == "S!B1: #VALUE! LIQPREF: takes 4 to 7 arguments (got 1)"
    assert re.fullmatch(
        r"S!B2: #VALUE! CONVSHARES: takes \d+ to \d+ arguments \(got 7\)", msgs["B2"]
    )


def test_deep_nesting_is_reported_never_a_recursion_error(tmp_path: Path) -> None:
    deep = "=" + "(" * 150 + "1" + ")" * 150
    chain = "=" + "+".join(["In"] * 2000)  # a long chain is evaluated: 2000 × 1
    src = small_book(tmp_path / "in.xlsx", {"B1": deep, "B2": chain, "B3": "=B1+1"})
    report = recalculate(src, allow_errors=True)
    msgs = {e.cell: str(e) for e in report.errors}
    assert msgs["B1"] == "S!B1: not computed: formula nested more than 100 levels deep"
    assert msgs["B3"].startswith("S!B3: not computed: depends on S!B1")
    assert "B2" not in msgs
    assert openpyxl.load_workbook(report.output, data_only=True)["S"]["B2"].value == 2000


def test_circular_references_are_reported_by_cell(tmp_path: Path) -> None:
    src = small_book(
        tmp_path / "in.xlsx", {"B1": "=B2+1", "B2": "=B1+1", "B3": "=B2*2", "B4": "=In*3"}
    )
    report = recalculate(src, allow_errors=True)
    msgs = {e.cell: str(e) for e in report.errors}
    assert msgs["B1"] == "S!B1: not computed: circular reference (the cycle: S!B1, S!B2)"
    assert msgs["B2"] == "S!B2: not computed: circular reference (the cycle: S!B1, S!B2)"
    assert msgs["B3"] == "S!B3: not computed: depends on a circular reference (S!B1, S!B2)"
    assert set(msgs) == {"B1", "B2", "B3"}
    assert openpyxl.load_workbook(report.output, data_only=True)["S"]["B4"].value == 3


def test_not_computed_keeps_the_cached_value_and_fails_without_allow_errors(
    tmp_path: Path,
) -> None:
    """TEXT is a function the formulas library gets wrong: the cell is reported, never handed
    to it, and keeps the value Excel cached."""
    src = small_book(tmp_path / "in.xlsx", {"B1": '=TEXT(In,"0.00")', "B2": "=In*2"})
    with zipfile.ZipFile(src) as z:  # give B1 a cached value, as Excel would have saved
        parts = {i: z.read(i) for i in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(
        r'(<c r="B1"[^>]*)>(<f>.*?</f>)(<v\s*/>|<v></v>)?', r'\1 t="str">\2<v>1.00</v>', sheet
    )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(src, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    report = recalculate(src)
    assert not report.written
    assert [str(e) for e in report.errors] == ["S!B1: not computed: function TEXT"]
    assert "formulas library is not trusted for TEXT" in report.engine
    report = recalculate(src, allow_errors=True)
    ws = openpyxl.load_workbook(report.output, data_only=True)["S"]
    assert ws["B1"].value == "1.00" and ws["B2"].value == 2
