"""3-D references and structured references to Excel tables in the native engine (issue #11
item 3; xl_addin/workbook/native/references.py).

The workbooks here are written part by part (sheet XML, table parts, relationships), so every
input is visible in the test; each expected value is worked by hand in a comment from Excel's
documented rules:

* a 3-D reference ``First:Last!A1`` covers every worksheet from First to Last in the
  workbook's tab order (either end may come first) and is taken by SUM, AVERAGE, COUNT,
  COUNTA, MAX, MIN, PRODUCT, STDEV*, VAR* (Excel's help, "Create a 3-D reference"); its cells
  count as a range's do (text and booleans in it are not numbers for SUM/COUNT);
* a structured reference ``Table[Col]`` is the column's data rows, ``#Headers`` the header
  row, ``#Totals`` the totals row, ``#All`` all three, ``#This Row`` / ``@`` the formula's row;
  ``[A]:[B]`` the columns from A to B; a bare ``Table`` its data; ``'`` escapes ``[ ] # '`` in a
  column name (Excel's help, "Using structured references with Excel tables");
* a range where one value is wanted is implicitly intersected with the formula's row (a
  one-column range), else ``#VALUE!``.

Cases Excel answers with an error or that are not established here (a 3-D reference outside
those functions, ``#This Row`` outside the data rows, ``#Headers`` of a table without a header
row, an unknown table or column) must be "not computed", never a value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.table import Table as XlTable

from xl_addin.recalc import recalculate
from xl_addin.workbook.native import references as refs
from xl_addin.workbook.native.evaluator import (
    CorruptPart,
    Err,
    NotComputed,
    Unsupported,
    col_index,
    evaluate,
)

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_TABLE_TYPE = f"{_R}/table"


def _cell(ref: str, v: Any) -> str:
    if isinstance(v, str) and v.startswith("="):
        return f'<c r="{ref}"><f>{_xml(v[1:])}</f></c>'
    if isinstance(v, tuple) and v[0] == "array":  # ("array", "G2:G3", text)
        return f'<c r="{ref}"><f t="array" ref="{v[1]}">{_xml(v[2])}</f></c>'
    if isinstance(v, tuple):  # ("shared", si, text or "")
        _, si, text = v
        span = f' ref="{ref}:{ref[0]}99"' if text else ""
        return f'<c r="{ref}"><f t="shared" si="{si}"{span}>{_xml(text)}</f></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{_xml(v)}</t></is></c>'
    return f'<c r="{ref}"><v>{v}</v></c>'


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _row_of(ref: str) -> int:
    return int("".join(ch for ch in ref if ch.isdigit()))


def _sheet(cells: dict[str, Any]) -> bytes:
    rows: dict[int, list[str]] = {}
    for ref in sorted(cells, key=lambda r: (_row_of(r), col_index(r.rstrip("0123456789")))):
        rows.setdefault(_row_of(ref), []).append(_cell(ref, cells[ref]))
    body = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    return f'<worksheet xmlns="{_NS}"><sheetData>{body}</sheetData></worksheet>'.encode()


def _table(name: str, ref: str, columns: list[str], header: int = 1, totals: int = 0) -> bytes:
    cols = "".join(f'<tableColumn id="{i}" name="{_xml(c)}"/>' for i, c in enumerate(columns, 1))
    return (
        f'<table xmlns="{_NS}" id="1" name="{name}" displayName="{name}" ref="{ref}" '
        f'headerRowCount="{header}" totalsRowCount="{totals}">'
        f'<tableColumns count="{len(columns)}">{cols}</tableColumns></table>'
    ).encode()


def run(
    sheets: dict[str, dict[str, Any]],
    tables: dict[str, list[bytes]] | None = None,
    names: list[tuple[str, int | None, str]] | None = None,
    tabs: list[str] | None = None,
) -> dict[tuple[str, str], Any]:
    """Every formula cell's value, by (SHEET, "A1"), from a workbook of these parts; ``tabs``:
    the sheets xl/workbook.xml lists, in order (default: none listed, the worksheets' order)."""
    parts: dict[str, bytes] = {}
    order = []
    n_table = 0
    for i, (name, cells) in enumerate(sheets.items(), start=1):
        part = f"xl/worksheets/sheet{i}.xml"
        parts[part] = _sheet(cells)
        order.append((name, part))
        rels = []
        for body in (tables or {}).get(name, []):
            n_table += 1
            parts[f"xl/tables/table{n_table}.xml"] = body
            rels.append(
                f'<Relationship Id="rId{n_table}" Type="{_TABLE_TYPE}" '
                f'Target="../tables/table{n_table}.xml"/>'
            )
        if rels:
            parts[f"xl/worksheets/_rels/sheet{i}.xml.rels"] = (
                f'<Relationships xmlns="{_PKG}">{"".join(rels)}</Relationships>'.encode()
            )
    listed = "".join(f'<sheet name="{_xml(t)}"/>' for t in tabs or [])
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{_NS}"><sheets>{listed}</sheets></workbook>'.encode()
    )
    cells, _ = evaluate(parts, order, names or [], {}, partial=True)
    from xl_addin.workbook.native.evaluator import col_letters

    return {(s, f"{col_letters(c)}{r}"): v for (s, r, c), v in cells.items()}


def not_computed(v: Any, *why: str) -> bool:
    return isinstance(v, NotComputed) and all(w in v.reason for w in why)


# ---------------------------------------------------------------------------------------------
# 3-D references
# ---------------------------------------------------------------------------------------------
# Tab order S1, Mid, S2, S3: A1 holds 1, 1000, 10, 100; B1 "x", (empty), TRUE, (empty);
# A2: S2 holds 5, S2!A3 is a formula (=S2!A1*2 = 20) read by a 3-D reference on S1.
SHEETS_3D: dict[str, dict[str, Any]] = {
    "S1": {
        "A1": 1,
        "B1": "x",
        "C1": "=SUM(S1:S3!A1)",  # 1 + 1000 + 10 + 100 = 1111 (Mid lies between S1 and S2)
        "C2": "=SUM(S3:S1!A1)",  # the ends in either order: 1111
        "C3": "=SUM(S2:S3!A1)",  # 10 + 100 = 110
        "C4": "=SUM('S1:S3'!A1)",  # quoted as Excel writes it when a name needs quotes: 1111
        "C5": "=COUNT(S1:S3!A1:B1)",  # numbers: 1, 1000, 10, 100 -> 4 (text, TRUE not counted)
        "C6": "=COUNTA(S1:S3!A1:B1)",  # non-empty: 1,"x" | 1000 | 10,TRUE | 100 -> 6
        "C7": "=AVERAGE(S1:S3!A1)",  # 1111 / 4 = 277.75
        "C8": "=MAX(S1:S2!A1:A2)",  # 1, 1000, 10, 5 -> 1000
        "C9": "=MIN(S2:S3!A1:A2)",  # 10, 5, 100 -> 5 (empties skipped)
        "C10": "=SUM(S1:S3!A3)",  # S2!A3 is a formula: 20 (computed before this cell)
        "C11": "=SUM(S1:S3!A1)+1",  # 1112
        "D1": "=S1:S3!A1",  # alone: not one of the functions that take it
        "D2": "=IF(SUM(S1:S3!A1)>0,S1:S3!A1,0)",  # inside IF, not as SUM's argument
        "D3": "=SUMPRODUCT(S1:S3!A1)",  # SUMPRODUCT does not take 3-D references
        "D4": "=SUM(S1:Nope!A1)",  # no sheet Nope
        "D5": "=SUM(S1:S3!A1*2)",  # an operation on a 3-D reference
        "D6": "=SUM(S1:S3!E1)",  # S3!E1 is =1/0: the error comes through
        "F1": ("shared", 0, "SUM(S1:S3!A1)"),  # a shared formula: 1111
        "F2": ("shared", 0, ""),  # moved down one row: SUM(S1:S3!A2) = S2!A2 = 5
    },
    "Mid": {"A1": 1000},
    "S2": {"A1": 10, "A2": 5, "B1": True, "A3": "=S2!A1*2"},
    "S3": {"A1": 100, "E1": "=1/0"},
}


@pytest.fixture(scope="module")
def three_d() -> dict[tuple[str, str], Any]:
    return run(SHEETS_3D)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("C1", 1111.0),
        ("C2", 1111.0),
        ("C3", 110.0),
        ("C4", 1111.0),
        ("C5", 4.0),
        ("C6", 6.0),
        ("C7", 277.75),
        ("C8", 1000.0),
        ("C9", 5.0),
        ("C10", 20.0),
        ("C11", 1112.0),
        ("F1", 1111.0),
        ("F2", 5.0),
    ],
)
def test_3d_references_in_the_functions_that_take_them(
    three_d: dict[tuple[str, str], Any], cell: str, expected: float
) -> None:
    assert three_d[("S1", cell)] == expected


@pytest.mark.parametrize("cell", ["D1", "D2", "D3", "D5"])
def test_3d_references_elsewhere_are_not_computed(
    three_d: dict[tuple[str, str], Any], cell: str
) -> None:
    assert not_computed(three_d[("S1", cell)], "3-D references")


def test_3d_reference_to_an_unknown_sheet_is_not_computed(
    three_d: dict[tuple[str, str], Any],
) -> None:
    assert not_computed(three_d[("S1", "D4")], "no sheet")


def test_3d_reference_passes_an_error_on(three_d: dict[tuple[str, str], Any]) -> None:
    v = three_d[("S1", "D6")]
    assert isinstance(v, Err) and v.code == "#DIV/0!"


def test_3d_unquoted_form_is_quoted_not_other_text() -> None:
    """Only a sheet pair followed by ``!`` is a 3-D reference: a range, a sheet's range and a
    string holding the same characters are left as they are."""
    assert refs.rewrite("SUM(Jan:Mar!B2:C3)", {}) == "SUM('Jan:Mar'!B2:C3)"
    assert refs.rewrite("SUM(Sheet1!A1:B2)", {}) == "SUM(Sheet1!A1:B2)"
    assert refs.rewrite('"Jan:Mar!A1"&A1', {}) == '"Jan:Mar!A1"&A1'
    assert refs.rewrite("'My Jan:My Mar'!A1", {}) == "'My Jan:My Mar'!A1"


# ---------------------------------------------------------------------------------------------
# Structured references
# ---------------------------------------------------------------------------------------------
# Sheet Data, table Sales over A1:E5: header row 1, data rows 2-4, totals row 5.
#        A       B     C       D       E
#   1  Item    Qty   Price   Tax#    Amount
#   2  a       2     10      1       =Qty*Price this row   -> 20
#   3  b       3     20      2       [@Qty]*[@Price]       -> 60
#   4  c       5     30      3       Sales[@[Qty]]*...     -> 150
#   5  Total   10                    =SUM(Sales[Amount])   -> 230
# Table NoHead over H1:H3 without a header row (column N): 1, 2, 3.
DATA = {
    "A1": "Item",
    "B1": "Qty",
    "C1": "Price",
    "D1": "Tax#",
    "E1": "Amount",
    "A2": "a",
    "B2": 2,
    "C2": 10,
    "D2": 1,
    "E2": "=Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price]]",
    "A3": "b",
    "B3": 3,
    "C3": 20,
    "D3": 2,
    "E3": "=[@Qty]*[@Price]",
    "A4": "c",
    "B4": 5,
    "C4": 30,
    "D4": 3,
    "E4": "=Sales[@[Qty]]*Sales[@[Price]]",
    "A5": "Total",
    "B5": 10,
    "E5": "=SUM(Sales[Amount])",
    "H1": 1,
    "H2": 2,
    "H3": 3,
}
OUT = {
    "A1": "=TotalQty*2",  # the name: SUM(Sales[Qty]) = 2+3+5 = 10 -> 20
    "A2": "=COUNTA(AllSales)",  # the name: Sales[#All], see B5
    "B1": "=SUM(Sales[Qty])",  # 2+3+5 = 10
    "B2": "=SUM(Sales[[#Totals],[Qty]])",  # B5 = 10
    "B3": "=SUM(Sales[[#Data],[#Totals],[Qty]])",  # 10 + 10 = 20
    "B4": "=COUNTA(Sales[#Headers])",  # 5 header cells
    "B5": "=COUNTA(Sales[#All])",  # 5 headers + 15 data + A5, B5, E5 = 23
    "B6": "=COUNTA(Sales[[#Headers],[#Data],[Item]])",  # Item, a, b, c = 4
    "B7": "=SUM(Sales[[Qty]:[Price]])",  # 10 + (10+20+30) = 70
    "B8": "=SUM(Sales[[Price]:[Qty]])",  # the same columns: 70
    "B9": "=SUM(Sales[Tax'#])",  # the column Tax#: 1+2+3 = 6
    "B10": "=SUM(Sales)",  # the data A2:E4: 10 + 60 + 6 + (20+60+150) = 306
    "B11": "=SUM(NoHead[N])",  # 1+2+3 = 6
    "B12": "=sales[qty]",  # names are case-insensitive; implicit intersection, row 12: #VALUE!
    "F3": "=Sales[Qty]",  # implicit intersection with row 3: B3 = 3
    "G3": "=Sales[[#This Row],[Qty]]",  # row 3 of the table: 3
    "G4": "=Sales[@Price]*2",  # row 4: 30*2 = 60
    "C1": "=Sales[[#This Row],[Qty]]",  # row 1 is the header: not computed
    "C2": "=[@Qty]",  # no table name and not inside a table: not computed
    "C3": "=COUNTA(NoHead[#Headers])",  # no header row (Excel: #REF!): not computed
    "C4": "=SUM(Sales[Nope])",  # no such column: not computed
    "C5": "=SUM(Nope[Qty])",  # no such table: not computed
    "C6": "=SUM(NoHead[#Totals])",  # no totals row: not computed
    "C7": "=ThisRowName",  # a name with #This Row: not computed
    "A3": "=COUNTA(AllData)",  # the name: the bare table name Sales, its data A2:E4: 15 cells
}
TABLES = {
    "Data": [
        _table("Sales", "A1:E5", ["Item", "Qty", "Price", "Tax#", "Amount"], totals=1),
        _table("NoHead", "H1:H3", ["N"], header=0),
    ]
}
NAMES: list[tuple[str, int | None, str]] = [
    ("TotalQty", None, "SUM(Sales[Qty])"),
    ("AllSales", None, "Sales[#All]"),
    ("ThisRowName", None, "Sales[[#This Row],[Qty]]"),
    ("AllData", None, "Sales"),
]


@pytest.fixture(scope="module")
def tables() -> dict[tuple[str, str], Any]:
    return run({"Data": DATA, "Out": OUT}, TABLES, NAMES)


@pytest.mark.parametrize(
    ("sheet", "cell", "expected"),
    [
        ("DATA", "E2", 20.0),
        ("DATA", "E3", 60.0),
        ("DATA", "E4", 150.0),
        ("DATA", "E5", 230.0),
        ("OUT", "A1", 20.0),
        ("OUT", "A2", 23.0),
        ("OUT", "A3", 15.0),
        ("OUT", "B1", 10.0),
        ("OUT", "B2", 10.0),
        ("OUT", "B3", 20.0),
        ("OUT", "B4", 5.0),
        ("OUT", "B5", 23.0),
        ("OUT", "B6", 4.0),
        ("OUT", "B7", 70.0),
        ("OUT", "B8", 70.0),
        ("OUT", "B9", 6.0),
        ("OUT", "B10", 306.0),
        ("OUT", "B11", 6.0),
        ("OUT", "F3", 3.0),
        ("OUT", "G3", 3.0),
        ("OUT", "G4", 60.0),
    ],
)
def test_structured_references(
    tables: dict[tuple[str, str], Any], sheet: str, cell: str, expected: float
) -> None:
    assert tables[(sheet, cell)] == expected


def test_implicit_intersection_outside_the_rows_is_value_error(
    tables: dict[tuple[str, str], Any],
) -> None:
    v = tables[("OUT", "B12")]
    assert isinstance(v, Err) and v.code == "#VALUE!"


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("C1", "outside the data rows"),
        ("C2", "without a table name"),
        ("C3", "no header row"),
        ("C4", "no column 'Nope'"),
        ("C5", "no table Nope"),
        ("C6", "no totals row"),
        ("C7", "#This Row"),
    ],
)
def test_structured_references_not_computed(
    tables: dict[tuple[str, str], Any], cell: str, why: str
) -> None:
    assert not_computed(tables[("OUT", cell)], "structured reference", why)


def test_structured_reference_in_a_shared_formula_is_not_computed() -> None:
    """A shared formula is written once and moved: a structured reference in it is not
    resolved (the master and the cells that share it are reported)."""
    data = {**DATA, "G2": ("shared", 0, "Sales[[#This Row],[Qty]]*2"), "G3": ("shared", 0, "")}
    got = run({"Data": data}, TABLES)
    assert not_computed(got[("DATA", "G2")], "shared formula")
    assert isinstance(got[("DATA", "G3")], NotComputed)


def test_this_row_in_an_array_formula_is_not_computed() -> None:
    """An array formula spans rows: which row ``#This Row`` is, is not established here."""
    data = {**DATA, "G2": ("array", "G2:G3", "Sales[[#This Row],[Qty]]*2")}
    got = run({"Data": data}, TABLES)
    assert not_computed(got[("DATA", "G2")], "#This Row", "array formula")


def test_table_column_names_with_escapes() -> None:
    """``'`` escapes ``[``, ``]``, ``#`` and ``'`` in a column name inside a formula."""
    t = refs.Table("T", "S", 1, 1, 3, 4, 1, 0, ("a[1]", "#n", "it's", "x,y"))
    assert refs.rewrite("T['#n]", {"T": t}) == "'S'!$B$2:$B$3"
    assert refs.rewrite("T[[a'[1']]:[it''s]]", {"T": t}) == "'S'!$A$2:$C$3"
    assert refs.rewrite("T[[#This Row],[x,y]]", {"T": t}, 3) == "'S'!$D$3"
    with pytest.raises(Unsupported, match="unescaped"):  # Excel writes T[a'[1']]
        refs.rewrite("T[a[1]]", {"T": t})
    with pytest.raises(Unsupported, match="no column 'b'"):
        refs.rewrite("T[b]", {"T": t})


# ---------------------------------------------------------------------------------------------
# End to end: a workbook openpyxl writes (a real table part), recalculated by `recalc`
# ---------------------------------------------------------------------------------------------
def test_recalc_computes_tables_and_3d_references_natively(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Jan"
    ws.append(["Item", "Qty"])
    ws.append(["a", 4])
    ws.append(["b", 6])
    ws.add_table(XlTable(displayName="Stock", ref="A1:B3"))
    ws["D1"] = "=SUM(Stock[Qty])"  # 4 + 6 = 10
    ws["D2"] = "=SUM(Jan:Mar!B2)"  # 4 + 40 + 400 = 444
    ws["D3"] = "=COUNT(Jan:Mar!B2:B3)"  # Jan 4, 6; Feb 40; Mar 400 -> 4
    wb.create_sheet("Feb")["B2"] = 40
    wb.create_sheet("Mar")["B2"] = 400
    src = tmp_path / "book.xlsx"
    wb.save(src)
    report = recalculate(src, engine="native")
    assert report.output is not None
    out = openpyxl.load_workbook(report.output, data_only=True)["Jan"]
    assert (out["D1"].value, out["D2"].value, out["D3"].value) == (10, 444, 4)


def test_sheet_names_that_need_quotes() -> None:
    """Sheets "Jan 1", "It's", "Mar 1" in that order, A1 holding 1, 2, 4; a table T on "It's"
    over C1:C3 (header Val, data 10, 20)."""
    got = run(
        {
            "Jan 1": {"A1": 1, "B1": "=SUM('Jan 1:Mar 1'!A1)", "B2": "=SUM(T[Val])"},
            "It's": {"A1": 2, "C1": "Val", "C2": 10, "C3": 20},
            "Mar 1": {"A1": 4},
        },
        {"It's": [_table("T", "C1:C3", ["Val"])]},
    )
    assert got[("JAN 1", "B1")] == 7.0  # 1 + 2 + 4
    assert got[("JAN 1", "B2")] == 30.0  # 10 + 20


def test_a_table_part_that_cannot_be_read() -> None:
    """A table whose columns do not fill its range: its references are not computed (by name,
    bare or not), the rest of the workbook is; a table part that is not XML is refused."""
    bad = _table("Bad", "A1:B3", ["only one"])
    got = run(
        {"S": {"A1": 1, "C1": "=SUM(Bad[x])", "C2": "=SUM(Bad)", "C3": "=A1+1"}}, {"S": [bad]}
    )
    assert not_computed(got[("S", "C1")], "xl/tables/table1.xml", "cannot be read")
    assert not_computed(got[("S", "C2")], "xl/tables/table1.xml", "cannot be read")
    assert got[("S", "C3")] == 2.0
    with pytest.raises(CorruptPart, match=r"xl/tables/table1\.xml"):
        run({"S": {"C1": "=1"}}, {"S": [b"<table"]})


def test_3d_reference_over_a_sheet_that_is_not_a_worksheet() -> None:
    """Tabs S1, Macro (an Excel 4 macro sheet: cells the evaluator does not read), S2: a 3-D
    reference over Macro is not computed; S2:S2 and S1:S1 are (S2!A1 = 10, S1!A1 = 1)."""
    got = run(
        {
            "S1": {"A1": 1, "B1": "=SUM(S1:S2!A1)", "B2": "=SUM(S2:S2!A1)+SUM(S1:S1!A1)"},
            "S2": {"A1": 10},
        },
        tabs=["S1", "Macro", "S2"],
    )
    assert not_computed(got[("S1", "B1")], "3-D references over MACRO")
    assert got[("S1", "B2")] == 11.0
