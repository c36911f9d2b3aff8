"""The native engine at scale (issue #11 item 5): the one-pass sheet reader and the per-shape
parsing read exactly what an XML parser and the tokenizer read, and the time per formula cell
does not grow with the workbook."""

from __future__ import annotations

import math
import sys
import time
import zipfile
from pathlib import Path

import pytest

from xl_addin import fastcalc, udfs
from xl_addin.fastcalc import NotComputed
from xl_addin.recalc import _sheet_parts, recalculate
from xl_addin.workbook.native import sheetread

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import recalc_scale  # noqa: E402

FUNCTIONS = {n: getattr(udfs, n) for n in udfs.__all__}
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# Rows 1-3: A, B inputs; C = A*B+1 copied down (text formulas), D = IF(C>D-ish) with an entity,
# E = LOG10(A) (a function name that looks like a cell), F = a shared formula 2*A (master in F1),
# G1:H1 = a shared SUM over whole columns (master SUM(A:A) in G1: its child in H1 moves the
# column, SUM(B:B)), H3 = a cell written with white space between its children, K1 = an inline
# string, K2 = text with a carriage return (&#13;).
SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}"><sheetData>
<row r="1"><c r="A1"><v>100</v></c><c r="B1"><v>2</v></c><c r="C1"><f>A1*B1+1</f><v>0</v></c>\
<c r="D1"><f>IF(C1&gt;A1,C1,A1)</f></c><c r="E1"><f>LOG10(A1)</f></c>\
<c r="F1"><f t="shared" ref="F1:F3" si="0">2*A1</f></c>\
<c r="G1"><f t="shared" ref="G1:H1" si="1">SUM(A:A)</f></c>\
<c r="H1"><f t="shared" si="1"/><v>0</v></c><c r="K1" t="inlineStr"><is><t>hi</t></is></c></row>
<row r="2"><c r="A2"><v>1000</v></c><c r="B2"><v>3</v></c><c r="C2"><f>A2*B2+1</f></c>\
<c r="D2"><f>IF(C2&gt;A2,C2,A2)</f></c><c r="E2"><f>LOG10(A2)</f></c>\
<c r="F2"><f t="shared" si="0"/></c><c r="K2" t="str"><v>a&#13;b</v></c></row>
<row r="3"><c r="A3"><v>10</v></c><c r="B3"><v>0.5</v></c><c r="C3"><f>A3*B3+1</f></c>\
<c r="D3"><f>IF(C3&gt;A3,C3,A3)</f></c><c r="E3"><f>LOG10(A3)</f></c>\
<c r="F3"><f t="shared" si="0"/></c>
<c r="H3">
  <f>C3*2</f>
  <v>1</v>
</c></row>
</sheetData></worksheet>"""

EXPECTED = {
    "C1": 201.0,  # 100*2+1
    "C2": 3001.0,  # 1000*3+1
    "C3": 6.0,  # 10*0.5+1
    "D1": 201.0,  # 201 > 100
    "D2": 3001.0,
    "D3": 10.0,  # 6 > 10 is false: A3
    "E1": 2.0,  # log10(100)
    "E2": 3.0,
    "E3": 1.0,
    "F1": 200.0,  # 2*A1
    "F2": 2000.0,  # 2*A2
    "F3": 20.0,  # 2*A3
    "G1": 1110.0,  # SUM(A:A) = 100+1000+10
    "H1": 5.5,  # the child in H1 is SUM(B:B) = 2+3+0.5
    "H3": 12.0,  # C3*2
}


def _book(path: Path, sheet: str) -> Path:
    return recalc_scale.zip_workbook(path, sheet, "S", zipfile.ZIP_STORED)


def _evaluate(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    names = fastcalc.defined_names(parts["xl/workbook.xml"])
    cells, _ = fastcalc.evaluate(parts, _sheet_parts(parts), names, FUNCTIONS, partial=True)
    return cells


def _cell(cells: dict, ref: str) -> object:
    r, c = fastcalc._position(ref)
    return cells[("S", r, c)]


# The same sheet with a comment goes the ElementTree path: the same values.
@pytest.mark.parametrize("comment", [False, True], ids=["one-pass reader", "ElementTree"])
def test_sheet_reader_reads_what_an_xml_parser_reads(tmp_path: Path, comment: bool) -> None:
    sheet = SHEET
    if comment:
        sheet = sheet.replace("<sheetData>", "<sheetData><!-- a comment -->")
    data = sheet.encode()
    assert (sheetread.cells(data) is None) == comment
    cells = _evaluate(_book(tmp_path / "b.xlsx", sheet))
    for ref, want in EXPECTED.items():
        got = _cell(cells, ref)
        assert isinstance(got, float) and math.isclose(got, want, rel_tol=1e-15), (ref, got)


def test_inline_strings_and_character_references(tmp_path: Path) -> None:
    sheet = SHEET.replace('<c r="D3">', '<c r="I1"><f>K1</f></c><c r="I2"><f>K2</f></c><c r="D3">')
    cells = _evaluate(_book(tmp_path / "b.xlsx", sheet))
    assert _cell(cells, "I1") == "hi"  # the inline string, read by ElementTree on its own
    assert _cell(cells, "I2") == "a\rb"  # &#13; is a carriage return, not a line feed
    assert _cell(cells, "C1") == 201.0


def test_a_shared_formula_moved_off_the_sheet_is_not_computed(tmp_path: Path) -> None:
    # the master in B1 refers to the sheet's last row (A1048576, relative); its child in B2
    # would refer to row 1,048,577
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="B1"><f t="shared" ref="B1:B2" si="0">A1048576+1</f></c></row>'
        '<row r="2"><c r="B2"><f t="shared" si="0"/></c></row>'
        '<row r="1048576"><c r="A1048576"><v>4</v></c></row>'
        "</sheetData></worksheet>"
    )
    cells = _evaluate(_book(tmp_path / "b.xlsx", sheet))
    assert _cell(cells, "B1") == 5.0  # 4+1
    b2 = _cell(cells, "B2")
    assert isinstance(b2, NotComputed) and "off the sheet" in b2.reason


def test_corrupt_sheet_is_still_named(tmp_path: Path) -> None:
    bad = SHEET.replace("</sheetData>", "")
    assert sheetread.cells(bad.encode()) is None
    with pytest.raises(fastcalc.CorruptPart, match="corrupt XML"):
        _evaluate(_book(tmp_path / "b.xlsx", bad))


def test_one_shape_one_tree_other_shapes_their_own(tmp_path: Path) -> None:
    shapes = fastcalc._Shapes()
    first = shapes.fast("A1*B1+1", "S", 1, 3)
    again = shapes.fast("A2*B2+1", "S", 2, 3)
    assert first == ("bin", "+", ("bin", "*", ("ref", fastcalc.Ref("S", 1, 1, 1, 1)),
                     ("ref", fastcalc.Ref("S", 1, 2, 1, 2))), ("num", 1.0))  # fmt: skip
    assert again == ("bin", "+", ("bin", "*", ("ref", fastcalc.Ref("S", 2, 1, 2, 1)),
                     ("ref", fastcalc.Ref("S", 2, 2, 2, 2))), ("num", 1.0))  # fmt: skip
    assert len(shapes.plans) == 1
    # an absolute reference is the same on every cell; text goes the token path
    assert shapes.fast("$A$1*B3", "S", 3, 3) == (
        "bin", "*", ("ref", fastcalc.Ref("S", 1, 1, 1, 1)), ("ref", fastcalc.Ref("S", 3, 2, 3, 2))
    )  # fmt: skip
    assert shapes.fast('A1&"x"', "S", 1, 3) is None
    log = shapes.fast("LOG10(A1)", "S", 1, 3)  # a function, not the cell LOG10
    assert log == ("call", "LOG10", [("ref", fastcalc.Ref("S", 1, 1, 1, 1))], False)


def _cpu_per_cell(tmp_path: Path, n: int) -> float:
    src = recalc_scale.workbook(tmp_path / f"s{n}.xlsx", n)
    best = math.inf
    for _ in range(2):
        t = time.process_time()
        report = recalculate(src, tmp_path / f"s{n}.out.xlsx", engine="native")
        best = min(best, time.process_time() - t)
        assert report.written and not report.errors
    return best / n


def test_time_per_formula_cell_does_not_grow_with_the_workbook(tmp_path: Path) -> None:
    """20,000 formula cells cost at most 2.5x per cell what 2,000 cost (linear: 1x; the old
    per-cell splicing of the output was quadratic). Generous: a shared machine."""
    small = _cpu_per_cell(tmp_path, 2_000)
    large = _cpu_per_cell(tmp_path, 20_000)
    assert large <= 2.5 * small, (large * 1e6, small * 1e6)


@pytest.mark.parametrize("large", [False, True], ids=["scan kept", "large: scanned to write"])
def test_links_and_array_blocks_on_the_large_sheet_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    """Sheets above recalc._KEEP_SCANS are not scanned before the evaluation unless they may
    hold an array formula or a link: both still handled as on small sheets."""
    import openpyxl

    from xl_addin import recalc

    if large:
        monkeypatch.setattr(recalc, "_KEEP_SCANS", 0)
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1"><v>5</v></c><c r="B1"><f>[1]Other!A1</f><v>7</v></c>'
        '<c r="C1"><f>B1*2</f><v>0</v></c>'
        '<c r="D1"><f t="array" ref="D1:D2">A1:A2*3</f><v>0</v></c></row>'
        '<row r="2"><c r="A2"><v>4</v></c><c r="D2"><v>999</v></c></row>'
        "</sheetData></worksheet>"
    )
    out = tmp_path / "out.xlsx"
    report = recalculate(_book(tmp_path / "b.xlsx", sheet), out, allow_errors=True)
    assert [(e.cell, e.code) for e in report.errors] == [("B1", "not computed:")]
    ws = openpyxl.load_workbook(out, data_only=True)["S"]
    # the link is never followed: B1 keeps Excel's 7, C1 = 7*2; the array block = A1:A2*3
    assert (ws["B1"].value, ws["C1"].value, ws["D1"].value, ws["D2"].value) == (7, 14, 15, 12)


def test_file_order_first_dependency_order_when_a_formula_reads_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet whose formulas read only cells before them is evaluated in file order (no
    dependency order worked out); one reading ahead, or a circular reference, takes the
    dependency order, with the same values."""
    calls = []
    order = fastcalc.Evaluator.order

    def counted(self: fastcalc.Evaluator) -> object:
        calls.append(1)
        return order(self)

    monkeypatch.setattr(fastcalc.Evaluator, "order", counted)

    def sheet(cells: str) -> str:
        return f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{cells}</sheetData></worksheet>'  # noqa: E501

    flows = (
        '<row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>A1+1</f></c><c r="C1"><f>B1*2</f></c></row>'
    )
    cells = _evaluate(_book(tmp_path / "a.xlsx", sheet(flows)))
    assert (_cell(cells, "B1"), _cell(cells, "C1"), calls) == (4.0, 8.0, [])  # 3+1, 4*2

    ahead = (
        '<row r="1"><c r="A1"><f>B1*2</f></c><c r="B1"><f>C1+1</f></c><c r="C1"><v>3</v></c></row>'
    )
    cells = _evaluate(_book(tmp_path / "b.xlsx", sheet(ahead)))
    assert (_cell(cells, "A1"), _cell(cells, "B1"), calls) == (8.0, 4.0, [1])  # (3+1)*2

    circle = (
        '<row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>C1+A1</f></c><c r="C1"><f>B1</f></c></row>'
    )
    cells = _evaluate(_book(tmp_path / "c.xlsx", sheet(circle)))
    b1 = _cell(cells, "B1")
    assert isinstance(b1, NotComputed) and "circular" in b1.reason and calls == [1, 1]
