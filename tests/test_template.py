"""The template workbook: byte-stable generation and structure (openpyxl only, no values)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from xl_addin import template as tpl
from xl_addin.scenario import SAMPLE
from xl_addin.terms import constants as c

ADDIN = ("LIQPREF", "CONVSHARES", "CASHINLIEU", "ADJPRICE", "PRORATA")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tpl.build_template(tmp_path_factory.mktemp("tpl") / "series_a_model.xlsx")


@pytest.fixture(scope="module")
def wb(built: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(built)


def _formula_text(value: object) -> str | None:
    if isinstance(value, ArrayFormula):
        return value.text
    if isinstance(value, str) and value.startswith("="):
        return value
    return None


def _formulas(wb: openpyxl.Workbook) -> dict[str, str]:
    out = {}
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                text = _formula_text(cell.value)
                if text:
                    out[f"{ws.title}!{cell.coordinate}"] = text
    return out


def _name_cell(wb: openpyxl.Workbook, name: str):  # type: ignore[no-untyped-def]
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")]


# ------------------------------------------------------------------------ determinism
def test_two_builds_are_byte_identical_and_equal_the_committed_file(built: Path) -> None:
    again = tpl.template_bytes()
    assert again == built.read_bytes()
    committed = tpl.DEFAULT_PATH
    assert committed.exists(), "run `xl-addin template` to write the committed template"
    assert committed.read_bytes() == again, "committed template is stale: run `xl-addin template`"


def test_main_writes_where_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "model.xlsx"
    assert tpl.main(["-o", str(out)]) == 0
    assert out.read_bytes() == tpl.template_bytes()
    assert capsys.readouterr().out.strip() == str(out)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------------------ structure
def test_sheets_in_order(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == [
        "Terms",
        "Cap Table",
        "Conversion",
        "Liquidation Preference",
        "Adjustments",
        "Waterfall",
        "Preemptive Rights",
        "Checks",
        "xlwings.conf",
    ]


def test_how_to_use_block_on_the_first_sheet(wb: openpyxl.Workbook) -> None:
    texts = [wb["Terms"].cell(r, 1).value for r in range(1, 10)]
    assert "How to use" in texts
    assert any("Import Functions" in str(t) for t in texts)
    assert any("xl-addin recalc" in str(t) for t in texts)


def test_xlwings_conf_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb["xlwings.conf"]
    assert (ws["A1"].value, ws["B1"].value) == ("UDF Modules", "xl_addin.udfs")


INPUT_NAMES = {
    "ClassI_Shares": SAMPLE.class_i_shares,
    "ClassII_Shares": SAMPLE.class_ii_shares,
    "ClassI_StatedValue": float(c.CLASS_I_STATED_VALUE),
    "ClassII_StatedValue": float(SAMPLE.class_ii_stated_value),
    "ClassI_InitialCP": float(SAMPLE.class_i_conversion_price),
    "ClassII_InitialCP": float(SAMPLE.class_ii_conversion_price),
    "ClassI_Dividends": 0,
    "ClassII_Dividends": 0,
    "AccrualRate": float(c.ACCRUAL_RATE),
    "DayCountBasis": c.DEFAULT_DAYCOUNT_BASIS,
    "QPOClosed": False,
    "CommonPar": float(c.COMMON_PAR_VALUE),
    "ReservedCommon": c.RESERVED_COMMON_SHARES,
    "OptionPlanCap": c.OPTION_PLAN_CAP,
    "NewSecuritiesOffered": tpl.SAMPLE_FIGURES["offered"],
    "ClosingPrice": tpl.SAMPLE_FIGURES["closing_price"],
}


def test_inputs_are_defined_names_with_the_certificate_values(wb: openpyxl.Workbook) -> None:
    for name, value in INPUT_NAMES.items():
        cell = _name_cell(wb, name)
        assert cell.value == value, name
        assert cell.protection.locked is False, name
        assert cell.fill.fgColor.rgb.endswith("FFF2CC"), name
    for name in ("ClassI_IssueDate", "ClassII_IssueDate", "ValuationDate"):
        cell = _name_cell(wb, name)
        assert cell.is_date and cell.number_format == "yyyy-mm-dd", name
    assert _name_cell(wb, "ClassI_IssueDate").value.date() == SAMPLE.class_i_issue_date


def test_computed_names_point_at_formulas(wb: openpyxl.Workbook) -> None:
    for name in (
        "ClassI_CP",
        "ClassII_CP",
        "ClassI_LiqPref",
        "ClassII_LiqPref",
        "ClassI_ConvShares",
        "TotalConvShares",
        "TotalLiqPref",
        "FullyDiluted",
    ):
        assert _formula_text(_name_cell(wb, name).value), name


def test_validations(wb: openpyxl.Workbook) -> None:
    def kinds(ws):  # type: ignore[no-untyped-def]
        return {(dv.type, dv.formula1): dv.sqref for dv in ws.data_validations.dataValidation}

    adj = kinds(wb["Adjustments"])
    events = '"SPLIT,DIVIDEND,COMBINATION,ISSUE,WARRANT,CONVERTIBLE,PERMITTED"'
    assert all(f"B{r}" in adj[("list", events)] for r in range(5, 15))
    assert ("date", "1") in adj and "A5" in adj[("date", "1")]
    assert ("list", '"TRUE,FALSE"') in adj
    terms = kinds(wb["Terms"])
    assert ("decimal", "0") in terms and "B11" in terms[("decimal", "0")]
    assert str(terms[("list", '"0,1,2,3,4"')]) == "B19"
    assert all(
        dv.operator == "greaterThanOrEqual"
        for ws in wb
        for dv in ws.data_validations.dataValidation
        if dv.type == "decimal"
    )


def test_formula_cells_locked_and_sheets_protected(wb: openpyxl.Workbook) -> None:
    for key in _formulas(wb):
        sheet, ref = key.split("!")
        assert wb[sheet][ref].protection.locked is True, key
    for name in tpl.SHEETS[:-1]:
        assert wb[name].protection.sheet is True, name


def test_every_addin_function_is_used_and_yearfrac_too(wb: openpyxl.Workbook) -> None:
    text = " ".join(_formulas(wb).values())
    for fn in (*ADDIN, "YEARFRAC"):
        assert re.search(rf"\b{fn}\(", text), fn


def test_array_formulas_over_fixed_ranges(wb: openpyxl.Workbook) -> None:
    liq = wb["Liquidation Preference"]
    assert isinstance(liq["C12"].value, ArrayFormula) and liq["C12"].value.ref == "C12:C17"
    assert isinstance(liq["D12"].value, ArrayFormula) and "LIQPREF(" in liq["D12"].value.text
    pre = wb["Preemptive Rights"]
    assert pre["D6"].value.ref == "D6:D11" and "PRORATA(" in pre["D6"].value.text
    assert pre["E6"].value.ref == "E6:E11" and "PreemptiveWhole" in pre["E6"].value.text


def test_no_typed_constant_where_an_input_exists(wb: openpyxl.Workbook) -> None:
    """Formulas refer to names or cells. The only number literals are 0 (an empty branch) and
    2 (ROUND to cents) -- and none equals the value of a named input other than 0."""
    inputs = set()
    for name in wb.defined_names:
        value = _name_cell(wb, name).value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            inputs.add(float(value))
    for key, text in _formulas(wb).items():
        bare = re.sub(r'"[^"]*"', '""', text)  # drop string literals
        bare = re.sub(r"('[^']*'|\w+)!", "", bare)  # sheet prefixes
        bare = re.sub(r"\$?\b[A-Z]{1,3}\$?\d+\b", "", bare)  # cell references
        bare = re.sub(r"\b[A-Za-z_][\w.]*", "", bare)  # names and functions
        literals = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", bare)}
        assert literals <= {0.0, 2.0}, (key, text, literals)
        assert not (literals - {0.0}) & inputs, (key, text)


def test_sample_values_are_not_retyped_certificate_numbers() -> None:
    source = Path(tpl.__file__).read_text()
    for number in ("1210398", "1_210_398", "820471", "820_471", "12.31", "2030869", "2_030_869"):
        assert number not in source, number


def test_layout_formats_and_print_areas(wb: openpyxl.Workbook) -> None:
    for name in tpl.SHEETS[:-1]:
        ws = wb[name]
        assert ws.freeze_panes, name
        assert ws.print_area, name
        assert ws.column_dimensions["A"].width > 10, name
    liq = wb["Liquidation Preference"]
    assert liq["G4"].number_format == '"$"#,##0.00'
    assert wb["Adjustments"]["G15"].number_format == '"$"#,##0.0000'
    assert wb["Cap Table"]["I4"].number_format == "#,##0"
    assert wb["Terms"]["B20"].number_format == "yyyy-mm-dd"


def test_waterfall_chart_and_placeholders_without_numbers(wb: openpyxl.Workbook) -> None:
    ws = wb["Waterfall"]
    assert len(ws._charts) == 1
    block = [[cell.value for cell in row] for row in ws["B5:E9"]]
    assert str(block[0][0]).startswith("RESERVED: ") and "WATERFALL" in block[0][0]
    assert all(v is None for row in block for v in row[1:])
    assert all(v is None for row in block[1:] for v in row)
    checks = " ".join(str(c.value) for row in wb["Checks"].iter_rows() for c in row)
    for fn in ("QPOTEST", "LIQEVENT"):
        assert f"RESERVED: {fn}" in checks


def test_cap_table_seeds_the_certificate_parties(wb: openpyxl.Workbook) -> None:
    ws = wb["Cap Table"]
    holders = [ws.cell(r, 1).value for r in range(tpl.CAP_FIRST, tpl.CAP_LAST + 1)]
    assert holders[:2] == ["UBS Capital Americas III, L.P.", "UBS Capital LLC"]
    assert all(h.startswith("SAMPLE") for h in holders[2:])
    assert ws["C4"].value + ws["C5"].value == c.CLASS_I_AUTHORIZED + c.CLASS_II_AUTHORIZED
    assert isinstance(c.CLASS_I_STATED_VALUE, Decimal)
