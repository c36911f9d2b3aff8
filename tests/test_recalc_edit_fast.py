"""The fast lane that writes the computed values into a sheet of the common layout (issue #11
item 5: one pass of regular expressions over ``<sheetData>``, no object per cell): which
sheets take it, which fall back to the scan (``_scan_sheet`` + ``_apply``), and that both write
the same bytes and report the same cells. Sheets made by hand; the expected bytes and values
are worked by hand (comments), and each sheet is also recalculated with the fast lane switched
off, which must give the same file and the same report."""

from __future__ import annotations

import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from xl_addin import recalc
from xl_addin.workbook import sheetxml, zipio
from xl_addin.workbook.xmltext import excel_unescape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import recalc_scale

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _sheet(rows: str) -> str:
    return f'{HEAD}<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'


def _book(path: Path, sheet: str) -> Path:
    return recalc_scale.zip_workbook(path, sheet, "S", zipfile.ZIP_DEFLATED)


def _recalc(
    tmp_path: Path, sheet: str, monkeypatch: pytest.MonkeyPatch, *, fast: bool
) -> tuple[bytes | str, list[tuple[str, str, str, bool]], int]:
    """(the output sheet part, or the one-line error refusing the workbook; the errors
    reported; the cells written), with the fast lane on or off."""
    name = "fast" if fast else "scan"
    src = _book(tmp_path / f"{name}.xlsx", sheet)
    out = tmp_path / f"{name}.out.xlsx"
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(recalc, "plain_sheet", lambda data, key="": None)
        try:
            report = recalc.recalculate(src, out, engine="native", allow_errors=True)
        except recalc.RecalcError as exc:
            return str(exc).replace(str(src), "IN"), [], 0
    errors = [(e.cell, e.code, e.message, e.not_computed) for e in report.errors]
    with zipfile.ZipFile(out) as z:
        return z.read("xl/worksheets/sheet1.xml"), errors, report.cells


PLAIN = (
    '<row r="1" spans="1:3"><c r="A1" s="1"><v>5</v></c><c r="B1" s="1"><f>A1*2</f><v>0</v></c>'
    "</row>"
)

# (id, rows of <sheetData> or a whole sheet, whether the fast lane takes it)
CASES = [
    ("plain", _sheet(PLAIN), True),
    ("no cached value yet", _sheet('<row r="1"><c r="A1"><f>2+3</f></c></row>'), True),
    (
        "shared formula",
        _sheet(
            '<row r="1"><c r="A1"><v>5</v></c><c r="B1"><f t="shared" ref="B1:B2" si="0">A1*2'
            '</f><v>0</v></c></row><row r="2"><c r="A2"><v>6</v></c><c r="B2">'
            '<f t="shared" si="0"/><v>0</v></c></row>'
        ),
        True,
    ),
    (
        "inline string and empty rows",
        _sheet(
            '<row r="1"/><row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> x '
            '</t></is></c><c r="B2" t="str"><f>A2&amp;"y"</f><v>old</v></c><c r="C2"/></row>'
        ),
        True,
    ),
    (
        "formula cells out of order",
        _sheet('<row r="1"><c r="C1"><f>1+1</f></c><c r="B1"><f>2+2</f></c></row>'),
        True,
    ),
    (
        "namespace prefix",
        f'{HEAD}<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:f>1+1'
        "</x:f></x:c></x:row></x:sheetData></x:worksheet>",
        False,
    ),
    ("cell without r", _sheet('<row r="1"><c><v>3</v></c><c><f>A1*2</f></c></row>'), False),
    ("row without r", _sheet('<row><c r="A1"><f>1+1</f></c></row>'), False),
    ("r not first", _sheet('<row r="1"><c s="0" r="A1"><f>1+1</f></c></row>'), False),
    ("r in single quotes", _sheet("<row r='1'><c r='A1'><f>1+1</f></c></row>"), False),
    ("row number 01", _sheet('<row r="01"><c r="A01"><f>1+1</f></c></row>'), False),
    ("a cell in another row", _sheet('<row r="1"><c r="A2"><f>1+1</f></c></row>'), False),
    (
        "a cell twice",
        _sheet('<row r="1"><c r="A1"><f>1+1</f></c><c r="A1"><f>2</f></c></row>'),
        False,
    ),
    (
        "array formula",
        _sheet(
            '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f t="array" ref="B1:B2">A1:A2*3</f>'
            '<v>0</v></c></row><row r="2"><c r="A2"><v>4</v></c></row>'
        ),
        False,
    ),
    (
        "data table",
        _sheet(
            '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f></c></row><row r="2">'
            '<c r="B2"><f t="dataTable" ref="B2:B2" dt2D="0" dtr="0" r1="A1"/><v>9</v></c></row>'
        ),
        False,
    ),
    (
        # passes the layout check, but this formula cell is not of the rewritten shape: the
        # count of <f (2) is not the count of formula cells matched (1)
        "a formula cell with an inline string",
        _sheet(
            '<row r="1"><c r="A1"><f>1+1</f></c><c r="B1" t="inlineStr"><f>2+2</f><is><t>x'
            "</t></is></c></row>"
        ),
        False,
    ),
    (
        "two spaces before an attribute",
        _sheet('<row r="1"><c r="A1"><f>1+1</f></c><c r="B1"  s="0"><f>2+2</f></c></row>'),
        False,
    ),
    (
        "an <f in rich text",
        _sheet(
            '<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><family val="2"/></rPr><t>x</t>'
            '</r></is></c><c r="B1"><f>1+1</f></c></row>'
        ),
        False,
    ),
    (
        "> in an attribute value",
        _sheet('<row r="1"><c r="A1" x="a>b"><f>1+1</f></c></row>'),
        False,
    ),
    ("pretty-printed", _sheet('<row r="1">\n  <c r="A1">\n    <f>1+1</f>\n  </c>\n</row>'), False),
]


@pytest.mark.parametrize(("sheet", "fast"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_which_sheets_take_the_fast_lane_and_both_paths_write_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sheet: str, fast: bool
) -> None:
    assert (sheetxml.plain_sheet(sheet.encode(), "S") is not None) is fast
    with_fast = _recalc(tmp_path, sheet, monkeypatch, fast=True)
    assert with_fast == _recalc(tmp_path, sheet, monkeypatch, fast=False)


def test_a_cell_in_another_row_is_refused_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The layout check leaves such a sheet to the scan, which refuses it in one line."""
    sheet = _sheet('<row r="1"><c r="A2"><f>1+1</f></c></row>')
    out, _, _ = _recalc(tmp_path, sheet, monkeypatch, fast=True)
    assert out == "IN: xl/worksheets/sheet1.xml: cell A2 in row 1"


def test_values_written_by_the_fast_lane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kind of value, written as Excel writes it; a cell's t follows its new value."""
    rows = (
        '<row r="1" spans="1:13"><c r="A1"><v>5</v></c>'
        '<c r="B1"><f>A1*2</f><v>0</v></c>'  # 5*2 = 10
        '<c r="C1" t="str"><f>A1/4</f><v>x</v></c>'  # 5/4 = 1.25: t="str" removed
        '<c r="D1"><f>"a"&amp;CHAR(1)</f><v>0</v></c>'  # "a" + U+0001: _x0001_, t="str"
        '<c r="E1"><f>"_x005F_x0041_"</f></c>'  # the text _x0041_: its _ escaped
        '<c r="F1"><f>" b "</f></c>'  # spaces kept as they are in <v>
        '<c r="G1" t="str"><f>1&gt;0</f><v>no</v></c>'  # TRUE: 1, t="b"
        '<c r="H1"><f>1/0</f><v>0</v></c>'  # #DIV/0!, t="e", reported
        '<c r="I1"><f>J1</f><v>7</v></c><c r="J1"><f>I1</f><v>8</v></c>'  # circular: kept
        '<c r="K1"><f>"x&amp;&lt;"</f></c>'  # x&<: escaped
        '<c r="L1"><f>0.1+0.2</f></c>'  # 0.30000000000000004, as Python's repr
        '<c r="M1"><f>-0</f></c></row>'  # 0, not -0
    )
    expected = (
        '<row r="1" spans="1:13"><c r="A1"><v>5</v></c>'
        '<c r="B1"><f>A1*2</f><v>10</v></c>'
        '<c r="C1"><f>A1/4</f><v>1.25</v></c>'
        '<c r="D1" t="str"><f>"a"&amp;CHAR(1)</f><v>a_x0001_</v></c>'
        '<c r="E1" t="str"><f>"_x005F_x0041_"</f><v>_x005F_x0041_</v></c>'
        '<c r="F1" t="str"><f>" b "</f><v> b </v></c>'
        '<c r="G1" t="b"><f>1&gt;0</f><v>1</v></c>'
        '<c r="H1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="I1"><f>J1</f><v>7</v></c><c r="J1"><f>I1</f><v>8</v></c>'
        '<c r="K1" t="str"><f>"x&amp;&lt;"</f><v>x&amp;&lt;</v></c>'
        '<c r="L1"><f>0.1+0.2</f><v>0.30000000000000004</v></c>'
        '<c r="M1"><f>-0</f><v>0</v></c></row>'
    )
    assert sheetxml.plain_sheet(_sheet(rows).encode(), "S") is not None
    part, errors, cells = _recalc(tmp_path, _sheet(rows), monkeypatch, fast=True)
    assert part == _sheet(expected).encode()
    cycle = "circular reference (the cycle: S!I1, S!J1)"
    assert errors == [
        ("H1", "#DIV/0!", "division by zero", False),
        ("I1", "not computed:", cycle, True),
        ("J1", "not computed:", cycle, True),
    ]
    assert cells == 10  # 12 formula cells, the 2 of the cycle not written
    assert (part, errors, cells) == _recalc(tmp_path, _sheet(rows), monkeypatch, fast=False)
    ws = openpyxl.load_workbook(tmp_path / "fast.out.xlsx")["S"]
    ws_values = openpyxl.load_workbook(tmp_path / "fast.out.xlsx", data_only=True)["S"]
    assert ws["B1"].value == "=A1*2"  # the formula kept
    # openpyxl leaves a formula's text result escaped (_xHHHH_), as the file holds it
    got = [ws_values[f"{c}1"].value for c in "BCDEFGIKLM"]
    got = [excel_unescape(x) if isinstance(x, str) else x for x in got]
    assert got == [10, 1.25, "a\x01", "_x0041_", " b ", True, 7, "x&<", 0.30000000000000004, 0]


def test_a_sheet_of_numbers_in_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Numbers only: formatted all at once (no step per cell); a t attribute removed."""
    rows = (
        '<row r="1"><c r="A1"><v>3</v></c><c r="B1" t="str"><f>A1*2</f><v>x</v></c>'
        '<c r="C1" t="e"><f>A1/8</f><v>#N/A</v></c><c r="D1"><f>A1*1E+20</f></c></row>'
    )
    expected = (
        '<row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>A1*2</f><v>6</v></c>'  # 3*2
        '<c r="C1"><f>A1/8</f><v>0.375</v></c><c r="D1"><f>A1*1E+20</f><v>3e+20</v></c></row>'
    )
    calls = []
    number_values = sheetxml.number_values
    monkeypatch.setattr(recalc, "number_values", lambda v: calls.append(v) or number_values(v))
    part, errors, cells = _recalc(tmp_path, _sheet(rows), monkeypatch, fast=True)
    assert part == _sheet(expected).encode() and errors == [] and cells == 3
    assert calls == [[6.0, 0.375, 3e20]]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # repr, less a trailing ".0"; -0.0 as 0 (Excel has no negative zero)
        (
            [3.0, -0.0, 0.1, 1e16, 1e-05, 12573.560000000001, -2.5, 100.0],
            [b"3", b"0", b"0.1", b"1e+16", b"1e-05", b"12573.560000000001", b"-2.5", b"100"],
        ),
        ([], []),
    ],
)
def test_numbers_formatted_at_once(values: list[float], expected: list[bytes]) -> None:
    assert sheetxml.number_values(values) == [b"<v>" + x + b"</v></c>" for x in expected]


@pytest.mark.parametrize(
    "values",
    [[1.0, float("nan")], [float("inf"), 1.0], [1.0, 2], [True, 1.0], [1.0, "a"], [1e308, 1e308]],
    ids=["NaN", "infinity", "an int", "a bool", "a text", "a sum past the largest float"],
)
def test_numbers_formatted_one_at_a_time_otherwise(values: list[object]) -> None:
    """Anything but finite floats (an error, a type with its own t) goes cell by cell; a
    finite sum stands for "all finite", so an overflowing one sends finite values there too."""
    assert sheetxml.number_values(values) is None  # type: ignore[arg-type]


def test_large_members_deflated_at_level_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member past FAST_DEFLATE_BYTES is deflated at level 1, the others at zlib's default;
    every member keeps its content, name, order and date."""
    body = b"".join(b'<c r="A%d"><v>%d.25</v></c>' % (i, i * 7919 % 1000) for i in range(20_000))
    small = b"<small/>" * 10
    src = tmp_path / "in.zip"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("a.xml", (2001, 2, 3, 4, 5, 6)), body, zipfile.ZIP_DEFLATED)
        z.writestr("b.xml", small)
    members = zipio._read_zip(src)
    monkeypatch.setattr(zipio, "FAST_DEFLATE_BYTES", len(body) - 1)
    out = tmp_path / "out.zip"
    zipio._write_zip(out, members, {})

    def deflated(data: bytes, level: int) -> bytes:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()

    raw = out.read_bytes()
    assert deflated(body, 1) in raw and deflated(body, 6) not in raw
    assert deflated(small, 6) in raw
    with zipfile.ZipFile(out) as z:
        assert [(i.filename, i.date_time) for i in z.infolist()] == [
            ("a.xml", (2001, 2, 3, 4, 5, 6)),
            ("b.xml", members[1][0].date_time),
        ]
        assert (z.read("a.xml"), z.read("b.xml")) == (body, small)
    assert members[0][0]._compresslevel is None  # type: ignore[attr-defined]  # not changed
    monkeypatch.setattr(zipio, "FAST_DEFLATE_BYTES", len(body))
    zipio._write_zip(out, members, {})
    assert deflated(body, 6) in out.read_bytes()


def test_a_value_cell_with_a_formula_cells_reference_the_one_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corrupt sheet (a reference twice, a value cell first): the fast lane writes the value
    into the formula cell, the scan into the first cell of that reference (see plain_sheet)."""
    sheet = _sheet('<row r="1"><c r="A1"><v>5</v></c><c r="A1"><f>1+1</f><v>0</v></c></row>')
    fast, errors, cells = _recalc(tmp_path, sheet, monkeypatch, fast=True)
    assert (errors, cells) == ([], 1)
    # 1+1 = 2
    assert (
        fast
        == _sheet(
            '<row r="1"><c r="A1"><v>5</v></c><c r="A1"><f>1+1</f><v>2</v></c></row>'
        ).encode()
    )
    scan, _, _ = _recalc(tmp_path, sheet, monkeypatch, fast=False)
    assert (
        scan
        == _sheet(
            '<row r="1"><c r="A1"><v>2</v></c><c r="A1"><f>1+1</f><v>0</v></c></row>'
        ).encode()
    )


def test_text_from_an_inline_string_kept_as_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An inline string with xml:space="preserve" (its spaces are part of it) read by a
    formula; text results escaped as Excel escapes them (a control character, a literal
    _xHHHH_, a carriage return) -- the value cell itself left as it is."""
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c>'
        '<c r="B1"><f>A1&amp;"|"</f></c>'  # " a " & "|" = " a |"
        '<c r="C1"><f>"x"&amp;CHAR(13)&amp;"_x005F_x0009_"&amp;CHAR(9)</f></c></row>'
    )
    # C1: "x", a carriage return (&#13;), the text _x0009_ (its _ escaped), a tab (kept: XML
    # holds it)
    expected = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c>'
        '<c r="B1" t="str"><f>A1&amp;"|"</f><v> a |</v></c>'
        '<c r="C1" t="str"><f>"x"&amp;CHAR(13)&amp;"_x005F_x0009_"&amp;CHAR(9)</f>'
        "<v>x&#13;_x005F_x0009_\t</v></c></row>"
    )
    assert sheetxml.plain_sheet(_sheet(rows).encode(), "S") is not None
    fast = _recalc(tmp_path, _sheet(rows), monkeypatch, fast=True)
    assert fast == (_sheet(expected).encode(), [], 2)
    assert fast == _recalc(tmp_path, _sheet(rows), monkeypatch, fast=False)
