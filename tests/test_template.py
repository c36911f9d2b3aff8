"""The template workbook: byte-stable generation and structure (openpyxl only, no values)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from xl_addin import recalc, udfs
from xl_addin import template as tpl
from xl_addin.scenario import SAMPLE
from xl_addin.terms import constants as c

ADDIN = tuple(udfs.__all__)


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
        "Rights & Remedies",
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
        or (dv.operator, dv.formula1, dv.formula2) == ("between", "0", "1")  # fractions
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
    assert len(ADDIN) == 30
    text = " ".join(_formulas(wb).values())
    for fn in (*ADDIN, "YEARFRAC"):
        assert re.search(rf"\b{fn}\(", text), fn
    # no grey RESERVED placeholders are left
    assert not any("RESERVED" in str(c.value) for ws in wb for row in ws.iter_rows() for c in row)


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
        if ":" in wb.defined_names[name].attr_text:
            continue  # a range (the event log)
        value = _name_cell(wb, name).value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            inputs.add(float(value))
    for key, text in _formulas(wb).items():
        bare = re.sub(r'"[^"]*"', '""', text)  # drop string literals
        bare = re.sub(r"('[^']*'|\w+)!", "", bare)  # sheet prefixes
        bare = re.sub(r"\$?\b[A-Z]{1,3}\$?\d+\b", "", bare)  # cell references
        bare = re.sub(r"\b[A-Za-z_][\w.]*", "", bare)  # names and functions
        # INDEX(array result,1,1): a position in an array (its first cell), not a figure
        bare = bare.replace(",1,1)", ")") if "INDEX(TRIGGERED(" in text else bare
        literals = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", bare)}
        assert literals <= {0.0, 2.0}, (key, text, literals)
        assert not (literals - {0.0}) & inputs, (key, text)


def test_sample_values_are_not_retyped_certificate_numbers() -> None:
    package = Path(tpl.__file__).parent
    source = "\n".join(p.read_text() for p in sorted(package.glob("*.py")))
    assert "SAMPLE_FIGURES" in source and "def build(" in source
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


def test_waterfall_block_breakpoints_and_charts(wb: openpyxl.Workbook) -> None:
    ws = wb["Waterfall"]
    block = ws["B16"].value
    assert isinstance(block, ArrayFormula) and block.ref == "B16:K20"
    assert block.text.startswith("=WATERFALL(A16:A20,B4:F5,B6,B7,B11,B9:C10,FALSE,")
    assert ws["A24"].value.ref == "A24:B33" and "WFBREAKS(" in ws["A24"].value.text
    assert [ws[f"A{r}"].value for r in range(9, 11)] == ["='Cap Table'!A8", "='Cap Table'!A9"]
    # the payout curve: 61 exit values from 0 to WF_CurveTop, the add-in's WATERFALL over them
    curve = ws["O37"].value
    assert isinstance(curve, ArrayFormula) and curve.ref == "O37:X97"
    assert curve.text.startswith("=WATERFALL(N37:N97,B4:F5,B6,B7,B11,B9:C10,FALSE,")
    assert [ws[f"M{r}"].value for r in (37, 97)] == [0, 60]
    assert ws["N37"].value == "=WF_CurveTop*M37/MAX($M$37:$M$97)"
    assert ws["U35"].value == "=INDEX($A$24:$A$33,COUNT($A$24:$A$33))*WF_CurveMargin"
    # two line charts (scatter with lines, exit value on x), not bars; breakpoints as markers
    payout, per_share = ws._charts
    for chart in (payout, per_share):
        assert chart.tagname == "scatterChart"
        xs = {s.xVal.numRef.f for s in chart.series}
        assert xs == {"'Waterfall'!$N$37:$N$97", "'Waterfall'!$A$24:$A$33"}
        marker = chart.series[-1]
        assert marker.yVal.numRef.f == "'Waterfall'!$N$24:$N$33"
        assert marker.marker.symbol == "diamond" and marker.graphicalProperties.line.noFill
    assert [s.yVal.numRef.f for s in payout.series[:-1]] == [
        f"'Waterfall'!${col}$37:${col}$97" for col in "OPQRS"
    ]
    assert [s.yVal.numRef.f for s in per_share.series[:-1]] == [
        f"'Waterfall'!${col}$37:${col}$97" for col in "TUV"
    ]
    assert all(ws[f"N{r}"].value == 0 for r in range(24, 34))  # markers sit on the x-axis


def test_adjustments_event_log_for_cphistory(wb: openpyxl.Workbook) -> None:
    ws = wb["Adjustments"]
    ((sheet, ref),) = wb.defined_names["EventLog"].destinations
    assert (sheet, ref) == ("Adjustments", "$A$24:$J$34")
    assert tuple(ws.cell(24, j).value for j in range(1, 11)) == (
        *("Date", "Event", "Shares", "Price", "Ratio", "Instrument", "Class", "Category"),
        *("Gross proceeds", "Note"),
    )
    # CPHISTORY's own snake_case header row (39) is hidden under a header in words (38)
    assert ws.row_dimensions[39].hidden and not ws.row_dimensions[38].hidden
    words = [ws.cell(38, j).value for j in range(1, 17)]
    assert words[:3] == ["Log row", "Date", "Event"] and "Explanation" in words
    assert all(" " in w or w.isalpha() for w in words) and not any("_" in w for w in words)
    explanation = get_column_letter(words.index("Explanation") + 1)
    assert ws.column_dimensions[explanation].width >= 50
    assert ws[f"{explanation}40"].alignment.wrap_text
    assert ws.protection.formatColumns is False and ws.protection.formatRows is False
    hist = ws["A39"].value
    assert isinstance(hist, ArrayFormula) and hist.ref == "A39:P49"
    assert hist.text.startswith("=CPHISTORY(EventLog,")
    # the 6(a)/6(f) reading of the option-plan cap after an expiry is an input (FALSE: a grant
    # uses the cap for good), passed to CPHISTORY and CPASOF as their last argument
    ((_, cap_ref),) = wb.defined_names["Hist_ExpiredOptionsFreeCap"].destinations
    assert ws[cap_ref.replace("$", "")].value is False
    assert hist.text.endswith(",Hist_ExpiredOptionsFreeCap)")
    assert ws["G36"].value.startswith('=CPASOF(EventLog,"I",ValuationDate,')
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    events = '"SPLIT,COMBINATION,DIVIDEND,ISSUE,WARRANT,CONVERTIBLE,EXERCISE,EXPIRE,REPRICE,'
    (history_events,) = [k for k in lists if k.startswith(events)]
    assert "SUBSEQUENT_CLOSING" in history_events and "B25" in lists[history_events]
    assert any("OPTION_PLAN" in k and "H34" in v for k, v in lists.items())


def test_check_inputs_are_named_and_validated(wb: openpyxl.Workbook) -> None:
    for name in (
        "QPO_FirmCommitment",
        "QPO_Underwritten",
        "LE_KeepsMajority",
        "LE_AveragePrice",
        "AuthorizedUnissued",
        "BoardSize",
        "PutNoticeDate",
        "PutCalendar",
        "Consent_Kind",
        "Consent_Held",
        "SV_ClosingDate",
        "CommonDividend",
    ):
        cell = _name_cell(wb, name)
        assert cell.protection.locked is False and cell.fill.fgColor.rgb.endswith("FFF2CC"), name
    lists = {dv.formula1 for dv in wb["Checks"].data_validations.dataValidation}
    assert '"FEDERAL,NYSE"' in lists
    assert any(f and f.startswith('"COMMITMENT,LIEN,CAPEX') for f in lists)


# ------------------------------------------------------------------------ values after recalc
@pytest.fixture(scope="module")
def values(built: Path) -> openpyxl.Workbook:
    report = recalc.recalculate(built, built.with_name("values.xlsx"))
    assert report.ok, [str(e) for e in report.errors][:5]
    return openpyxl.load_workbook(report.output, data_only=True)


# Sample scenario (Terms, Cap Table): Class I 1,210,398 sh issued 2000-06-15, Class II 820,471 sh
# issued 2000-09-15, both Stated Value 12.31, Conversion Price 10.00 after the sample ISSUE
# (full ratchet); valuation 2001-06-15; 14,000,000 common; options 2,460,000 at $5.00, warrant
# 210,000 at $15.00. Preferences: Class I 1,210,398 x 13.541 = 16,389,999.318; Class II
# 820,471 x 12.31 = 10,099,998.01 x (1 + 0.1 x 273/365).
PREF_I = 16_389_999.318
PREF_II = 10_099_998.01 * (1 + 27.3 / 365)


def test_waterfall_values_worked_out_by_hand(values: openpyxl.Workbook) -> None:
    ws = values["Waterfall"]
    # $10,000,000 < total preference: Series A alone, ratably by NUMBER OF SHARES (3(a)).
    row = [ws.cell(16, j).value for j in range(2, 12)]
    assert row[0] == pytest.approx(10_000_000 * 1_210_398 / 2_030_869, rel=1e-12)  # 5,960,000.37
    assert row[1] == pytest.approx(10_000_000 * 820_471 / 2_030_869, rel=1e-12)
    assert row[2:5] == [0, 0, 0]
    assert row[5] == pytest.approx(10_000_000 / 2_030_869, rel=1e-12)  # 4.9240 per share
    assert row[6] == pytest.approx(10_000_000 / 2_030_869, rel=1e-12)
    assert row[8:] == [0, 0]
    # $200,000,000: both classes convert (1,489,999 and 1,009,999 full shares at $10), the
    # options ($5) are exercised, the warrant ($15) is not:
    # common per share = (200,000,000 + 2,460,000 x 5) / (14,000,000 + 1,489,999 + 1,009,999
    # + 2,460,000) = 212,300,000 / 18,959,998 = 11.1973 > 11.0 (Class I: 13.541 / 1.231) and
    # > 10.748 (Class II), so converting pays each class more than its preference.
    cps = 212_300_000 / 18_959_998
    row = [ws.cell(20, j).value for j in range(2, 12)]
    assert row[0] == pytest.approx(1_489_999 * cps, rel=1e-12)
    assert row[0] > PREF_I
    assert row[1] == pytest.approx(1_009_999 * cps, rel=1e-12)
    assert row[2] == pytest.approx(14_000_000 * cps, rel=1e-12)
    assert row[3] == pytest.approx(2_460_000 * (cps - 5), rel=1e-12)
    assert row[4] == 0
    assert row[7] == pytest.approx(cps, rel=1e-12)
    assert row[8:] == [1, 1]
    assert ws["L20"].value == pytest.approx(200_000_000, rel=1e-12)
    # breakpoints: preferences paid in full at PREF_I + PREF_II = 27,245,421.84; the options
    # are exercised once common gets $5 a share: + 14,000,000 x 5.
    assert ws["A24"].value == pytest.approx(PREF_I + PREF_II, rel=1e-12)
    # Just below it the shortfall is shared by NUMBER OF SHARES: Class I → 27,245,421.84 x
    # 1,210,398 / 2,030,869 = 16,238,272.43, then its preference 16,389,999.32 at it: a jump of
    # +151,726.88 (Class II the opposite), marked in WFBREAKS.
    jump = PREF_I - (PREF_I + PREF_II) * 1_210_398 / 2_030_869
    assert f"{jump:,.2f}" == "151,726.88"
    assert ws["B24"].value == (
        "preferences paid in full; payouts jump: Series A row 1 +$151,726.88, "
        "Series A row 2 -$151,726.88"
    )
    assert ws["A25"].value == pytest.approx(PREF_I + PREF_II + 70_000_000, rel=1e-12)


def test_history_and_checks_worked_out_by_hand(values: openpyxl.Workbook) -> None:
    adj = values["Adjustments"]
    # start: 14,000,000 + 1,210,398 + 820,471 (as converted at 12.31) + 460,000 = 16,490,869;
    # the option grant (60,000, within the 2,460,000 plan cap) changes no price; the ISSUE of
    # 500,000 at $10.00 before the Qualified Private Offering ratchets both classes to $10.00.
    assert adj["E40"].value == 16_490_869 and adj["H40"].value == pytest.approx(12.31)
    assert adj["E41"].value == 16_550_869
    assert (adj["G41"].value, adj["H41"].value, adj["K41"].value) == (12.31, 10, 10)
    # after: 14,500,000 + floor(1,210,398 x 1.231) + floor(820,471 x 1.231) + 520,000
    assert adj["F41"].value == 14_500_000 + 1_489_999 + 1_009_999 + 520_000
    assert (adj["G36"].value, adj["H36"].value) == (10, 10)  # CPASOF at 2001-06-15

    ch = values["Checks"]

    def at(name: str, right: int = 0) -> object:
        ((sheet, ref),) = values.defined_names[name].destinations
        cell = values[sheet][ref.replace("$", "")]
        return values[sheet].cell(cell.row, cell.column + right).value

    assert at("Check_ClassI_CP") == at("Check_ClassII_CP") == "OK"
    # QPO: $350M pre-offering equity < $400M (5(b)); firm 80M >= 75M, gross 60M >= 56.25M
    assert at("QPO_Result") is False and "$400,000,000" in at("QPO_Result", 1)
    # merger: 1.5 x $10.00 = $15.00 is not > 120% x 13.541 = $16.2492 -> fails (II): an event
    assert at("LE_Result") is True and "3(b)(II)" in at("LE_Result", 1)
    # 3(c): the window is 2001-05-14 .. 2001-06-12: (10 + 10.5 + 11 + 9.5 + 9) / 5 = 10.00
    assert at("SV_Value") == pytest.approx(10.0)
    # 5(f): 1,489,999 + 1,009,999 = 2,499,998; - 2,030,869 reserved = 469,129; 3,000,000 ok
    assert [at("Reservation_Issuable", j) for j in range(3)] == [2_499_998, 469_129, 0]
    # 8(b): 7 - 2 x 1 + 1 = 6 (7 of 13)
    assert at("NewDirectors") == 6
    # 8(c): notice Mon 2001-06-25: Jun 26-29 (4), Jul 2-3 (6), Jul 4 holiday, Jul 5-6 (8),
    # Jul 9-10 (10) -> 2001-07-10; 2000-06-15 .. 2001-07-10 = 390 days (basis 3)
    assert at("PutRepurchaseDate") == dt.datetime(2001, 7, 10)
    per_share = 12.31 * (1 + 0.1 * 390 / 365)
    assert at("PutPricePerShare") == pytest.approx(per_share, rel=1e-12)
    assert at("PutPricePerShare", 1) == pytest.approx(1_210_398 * per_share, rel=1e-12)
    # 4(b)(M): $20M of debt not in the budget > $15M, Series A holds 100% > 50%, no QPO
    assert at("Consent_Result") is True and "(M)" in at("Consent_Result", 1)
    # the checks at the top: no error anywhere; 5(f) holds (2,499,998 <= 3,000,000 authorized
    # but unissued, SAMPLE), above the 2,030,869 reserved at issue (an adjustment, not a breach)
    assert at("Check_Errors") == "OK" and ch["C4"].value == 0
    assert at("Check_Authorized") == "OK" and at("Check_Reserve") == "ABOVE RESERVE"
    assert ch["C5"].value == 2_499_998 and ch["D5"].value == 3_000_000
    assert ch["D12"].value == 2_030_869

    cap = values["Cap Table"]
    # 4(c): votes = full as-converted shares; total vote 14,000,000 + 2,499,998
    assert (cap["N4"].value, cap["N5"].value) == (1_489_999, 1_009_999)
    assert cap["O4"].value == pytest.approx(1_489_999 / 16_499_998, rel=1e-12)
    # 2(b): as-converted full shares x $0.10
    assert cap["P4"].value == pytest.approx(148_999.90, abs=1e-9)
    assert cap["P5"].value == pytest.approx(100_999.90, abs=1e-9)


def test_set_scenario_moves_the_waterfall(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "later.xlsx"
    assert recalc.main([str(built), "-o", str(out), "--set", "ValuationDate=2002-06-15", "-q"]) == 0
    ws = openpyxl.load_workbook(out, data_only=True)["Waterfall"]
    # at $50M both preferences are paid in full, two years / 638 days of accrual:
    # Class I 1,210,398 x (12.31 + 2 x 1.231) = 17,879,999.256; Class II 10,099,998.01 x
    # (1 + 0.1 x 638/365); common gets the rest: (50M - both) / 14M = $1.45 < $5, no options
    pref_ii = 10_099_998.01 * (1 + 63.8 / 365)
    assert ws["B18"].value == pytest.approx(17_879_999.256, abs=1e-6)
    assert ws["C18"].value == pytest.approx(pref_ii, rel=1e-12)
    assert ws["D18"].value == pytest.approx(50_000_000 - 17_879_999.256 - pref_ii, rel=1e-12)
    assert ws["E18"].value == 0


def test_waterfall_sheet_says_when_8a_applies(
    values: openpyxl.Workbook, built: Path, tmp_path: Path
) -> None:
    """The sample violation log (Rights & Remedies): a 7(d) registration failure on 2001-04-02,
    notice 2001-04-16, not cured within 30 days (deadline 2001-05-16): a Triggering Event from
    2001-05-17, still continuing at the valuation date 2001-06-15. The 7(a) dividend default
    (deadline 2001-03-02) was cured on 2001-03-15. So 8(a) applies on 2001-06-15 and on
    2001-05-17, not on 2001-05-16; the payouts below it stay those of 3(a)/5(a)."""
    applies = values["Waterfall"]["B13"].value
    assert applies.startswith("Triggering Event continuing: 8(a) applies and is NOT in")
    for day, expected in (("2001-05-16", "no Triggering Event"), ("2001-05-17", "Triggering")):
        out = tmp_path / f"{day}.xlsx"
        argv = [str(built), "-o", str(out), "--set", f"ValuationDate={day}", "-q"]
        assert recalc.main(argv) == 0
        ws = openpyxl.load_workbook(out, data_only=True)["Waterfall"]
        assert ws["B13"].value.startswith(expected), day


def test_cap_table_seeds_the_certificate_parties(wb: openpyxl.Workbook) -> None:
    ws = wb["Cap Table"]
    holders = [ws.cell(r, 1).value for r in range(tpl.CAP_FIRST, tpl.CAP_LAST + 1)]
    assert holders[:2] == ["UBS Capital Americas III, L.P.", "UBS Capital LLC"]
    assert all(h.startswith("SAMPLE") for h in holders[2:])
    assert ws["C4"].value + ws["C5"].value == c.CLASS_I_AUTHORIZED + c.CLASS_II_AUTHORIZED
    assert isinstance(c.CLASS_I_STATED_VALUE, Decimal)


def test_dividend_and_merger_rows_worked_out_by_hand(values: openpyxl.Workbook) -> None:
    ws = values["Checks"]
    row = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    # 2(c): full 2(b) dividends Class I 1,489,999 x $0.10 = 148,999.90, Class II 1,009,999 x
    # $0.10 = 100,999.90, Parity (SAMPLE) 500,000: total 749,999.80; $400,000 paid ratably.
    r = row["Class I / Class II / Parity: paid, unpaid (PARITYDIV, ratably)"]
    total = 148_999.9 + 100_999.9 + 500_000
    for i, full in enumerate((148_999.9, 100_999.9, 500_000)):
        paid = 400_000 * full / total
        assert ws.cell(r + i, 3).value == pytest.approx(paid, rel=1e-12)
        assert ws.cell(r + i, 4).value == pytest.approx(full - paid, rel=1e-12)
    # 3(b)(II) for each class: $10.00 x 1.5 = $15.00 <= 120% x 13.541 and <= 120% x Class II's
    r = row["Liquidation Event? each class tested (LIQEVENT)"]
    assert ws.cell(r, 3).value is True
    assert "Class I value $15" in ws.cell(r, 4).value
    assert "Class II value $15" in ws.cell(r, 4).value
    # 5(g)(i): 1,489,999 / 1,009,999 Common shares x (0.5 acquirer shares, $3.00)
    r = row["Class I converts into (MERGERCONV)"]
    assert [ws.cell(r, c).value for c in (3, 4, 5)] == [1_489_999, 744_999.5, 4_469_997]
    assert [ws.cell(r + 1, c).value for c in (3, 4, 5)] == [1_009_999, 504_999.5, 3_029_997]


def test_rights_sheet_worked_out_by_hand(values: openpyxl.Workbook) -> None:
    """Sections 7, 8, 9(b)-(e), 4(a)(v), 4(d) on the SAMPLE inputs of "Rights & Remedies"."""
    ws = values["Rights & Remedies"]
    # 7(d): notice 2001-04-16, 30 days after it end 2001-05-16 -> from 2001-05-17, uncured;
    # 7(a): due 2001-01-31, deadline 2001-03-02, Triggering Event 2001-03-03 .. cured 2001-03-15
    assert ws["C13"].value is True and ws["D13"].value == dt.datetime(2001, 5, 17)
    assert ws["E13"].value == dt.datetime(2001, 3, 3)  # the first, since cured
    assert [ws[f"{c}16"].value for c in "FGHI"] == [
        dt.datetime(2001, 3, 2), dt.datetime(2001, 3, 3), dt.datetime(2001, 3, 15), False,
    ]  # fmt: skip
    assert ws["C24"].value == 6  # 8(b): 7 - 2 x 1 + 1, the Triggering Event continuing
    # 8(c): Put Notice Fri 2001-06-15: Jun 18-22 (5), Jun 25-29 (10) -> 2001-06-29
    assert ws["C25"].value == dt.datetime(2001, 6, 29)
    # 9(b)(i): 2,400,000 + 120,000 = 2,520,000 -> 60,000 beyond the 2,460,000 cap
    assert (ws["C46"].value, ws["D46"].value) == (True, 60_000)
    # 9(c): received Wed 2001-06-20 -> Jun 21-22, 25-29, Jul 2-3, (Jul 4), Jul 5-6, 9-13,
    # 16-19: the 20th business day is 2001-07-19; 9(d): + 90 days = 2001-10-17
    assert (ws["C48"].value, ws["D48"].value) == (
        dt.datetime(2001, 7, 19),
        dt.datetime(2001, 10, 17),
    )
    # 9(e): floor(2,030,869 x 75%) = 1,523,151 held >= 50%; 4(a)(v): no QPO, Series A held
    assert ws["C56"].value == 1_523_151 and ws["C57"].value is True and ws["C59"].value is True
    # 4(d): floor(2,030,869 x 54%) = 1,096,669 > 2,030,869 / 2 = 1,015,434.5: carried
    assert ws["C61"].value == 1_096_669 and ws["C63"].value is True


# ------------------------------------------------------------------------ names vs functions
FUNCTION_LIST = Path(__file__).parent / "golden" / "excel_function_names.txt"


def excel_function_names() -> set[str]:
    """Excel's built-in function names (the committed list, its sources in its header)."""
    lines = FUNCTION_LIST.read_text().splitlines()
    return {line.strip().upper() for line in lines if line.strip() and not line.startswith("#")}


def test_the_function_list_is_complete_enough_to_trust() -> None:
    names = excel_function_names()
    assert len(names) >= 500
    # old and new, with dots, and the two that collided in LibreOffice (Err:509)
    for fn in ("SUM", "YEARFRAC", "NETWORKDAYS.INTL", "XLOOKUP", "LAMBDA", "TEXTJOIN", "T.TEST"):
        assert fn in names, fn


def test_no_defined_name_equals_a_function_name(wb: openpyxl.Workbook) -> None:
    """A defined name spelled like a function (BoardSeats vs BOARDSEATS, PutDate vs PUTDATE)
    gives Err:509 in LibreOffice: none may equal, case-insensitively, a built-in or an add-in
    function name."""
    functions = excel_function_names() | {fn.upper() for fn in udfs.__all__}
    clashes = sorted(name for name in wb.defined_names if name.upper() in functions)
    assert clashes == []
    # and the test can fail: the old names would clash
    assert {"BOARDSEATS", "PUTDATE"} <= functions


# ------------------------------------------------------------------------ printing
#: Pages each sheet may take in the PDF of the whole workbook. One page per sheet; two for the
#: sheets with a long second part (the CPHISTORY table, the charts, the certificate's tests).
#: Budget for the whole model: 12 pages of US Letter, what a CFO reads in one sitting.
PAGE_BUDGET = {
    "Terms": 1,
    "Cap Table": 1,
    "Conversion": 1,
    "Liquidation Preference": 1,
    "Adjustments": 2,
    "Waterfall": 2,
    "Preemptive Rights": 1,
    "Rights & Remedies": 2,
    "Checks": 3,
    "xlwings.conf": 1,
}
TOTAL_PAGES = 15


def test_page_setup_of_every_sheet(wb: openpyxl.Workbook) -> None:
    assert set(PAGE_BUDGET) == set(wb.sheetnames)
    assert sum(PAGE_BUDGET.values()) <= TOTAL_PAGES
    for ws in wb:
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title  # 1 wide, n tall
        assert setup.paperSize == 1, ws.title  # US Letter
        assert ws.print_area, ws.title
        area = ws.print_area.split("!")[1].replace("$", "")
        last_col = "".join(ch for ch in area.split(":")[1] if ch.isalpha())
        width = sum(
            ws.column_dimensions[get_column_letter(j)].width or 13
            for j in range(1, openpyxl.utils.column_index_from_string(last_col) + 1)
        )
        # landscape exactly where the printed columns are wider than a portrait page
        assert setup.orientation == ("landscape" if width > 105 else "portrait"), ws.title
        assert ws.oddFooter.left.text == "&A" and ws.oddFooter.right.text == "Page &P of &N"
    for name in ("Cap Table", "Conversion", "Liquidation Preference", "Checks"):
        assert wb[name].print_title_rows == "$3:$3", name  # the table header on every page
    # the charts start a page of their own; CPHISTORY's snake_case header row is not printed
    assert [b.id for b in wb["Waterfall"].row_breaks.brk] == [36]  # charts from row 37
    # header rows are tall enough for their wrapped labels (LibreOffice clipped them)
    cap = wb["Cap Table"]
    assert cap.row_dimensions[3].height >= 45  # "Participating dividend (PARTDIV, 2(b))"
    # subtitles wrap over the printed width instead of running off the page
    assert any(str(r).startswith("A2:") for r in wb["Cap Table"].merged_cells.ranges)


def test_logical_values_print_as_words(wb: openpyxl.Workbook) -> None:
    """LibreOffice keeps a logical as 1/0 with the General format: TRUE/FALSE inputs and
    results carry a format that shows the word (Excel shows the word whatever the format)."""
    boolean = '"TRUE";"TRUE";"FALSE"'
    for name in ("QPOClosed", "Hist_QPOClosed", "PreemptiveWhole", "QPO_Underwritten"):
        assert _name_cell(wb, name).number_format == boolean, name
    assert wb["Waterfall"]["J16"].number_format == '"yes";"yes";"no"'  # converts: 1 / 0


def test_array_padding_is_hidden(wb: openpyxl.Workbook) -> None:
    """Cells of an array block beyond the result (#N/A) print in the background colour."""
    rules = {
        str(cf.sqref): [r.formula for r in cf.rules]
        for cf in wb["Adjustments"].conditional_formatting
    }
    assert rules["A39:P49"] == [["ISNA(A39)"]]
    (rule,) = next(iter(wb["Waterfall"].conditional_formatting._cf_rules.values()))
    assert rule.dxf.font.color.rgb.endswith("FFFFFF")


def test_how_to_use_describes_installing_as_the_readme(wb: openpyxl.Workbook) -> None:
    text = " ".join(str(wb["Terms"].cell(r, 1).value) for r in range(4, 10))
    for words in (
        "python -m pip wheel . -w dist",
        "xlwings addin install",
        "Tools > References > xlwings",
        "UDF Modules = xl_addin.udfs",
        "Import Functions",
        "=LIQPREF(",
        "xlwings Lite",
        "xl-addin libreoffice",
        "unopkg add",
        "README",
        "xl-addin recalc",
    ):
        assert words in text, words


# ------------------------------------------------------------------------ LibreOffice
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_lo = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
#: A LibreOffice profile setting: recalculate every formula of an .xlsx on loading it.
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>"""


def soffice_convert(src: Path, workdir: Path, fmt: str, *, recalc_always: bool = False) -> Path:
    """``soffice --headless --convert-to fmt`` under ``timeout``, with a fresh profile in
    ``workdir``; whatever it started is killed (its own process group) before returning."""
    profile = workdir / "lo-profile"
    if recalc_always:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
    outdir = workdir / "out"
    cmd = [
        "timeout",
        "120",
        str(SOFFICE),
        "--headless",
        f"-env:UserInstallation={profile.as_uri()}",
    ]
    cmd += ["--convert-to", fmt, "--outdir", str(outdir), str(src)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _, err = proc.communicate(timeout=150)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert proc.returncode == 0 and out.exists(), err.decode(errors="replace")[-500:]
    return out


#: Per sheet: a header on the left and one in the last printed column. Both on the sheet's
#: first page means the page is one page wide.
LEFT_AND_RIGHT = {
    "Terms": ("Input", "Source / note"),
    "Cap Table": ("Holder", "Participating dividend"),
    "Conversion": ("Class", "Cash in lieu"),
    "Liquidation Preference": ("Payment date", "Native check"),
    "Adjustments": ("Fully Diluted", "Flags"),
    "Waterfall": ("Series A", "Total paid"),
    "Preemptive Rights": ("Holder", "Allocation"),
    "Rights & Remedies": ("Kind", "Note"),
    "Checks": ("Check", "What a flag means"),
    "xlwings.conf": ("UDF Modules", "xl_addin.udfs"),
}


@needs_lo
def test_the_whole_workbook_prints_to_a_readable_pdf(
    wb: openpyxl.Workbook, values_path: Path, tmp_path: Path
) -> None:
    """LibreOffice exports the recalculated template to PDF: within the page budget, each sheet
    one page wide (its first page holds its leftmost and rightmost columns), pages in sheet
    order, footers naming sheet and page, TRUE/FALSE printed as words."""
    import pypdf

    pdf = soffice_convert(values_path, tmp_path, "pdf")
    reader = pypdf.PdfReader(pdf)
    footer = re.compile(
        r"^(.+?) IFX Series A Convertible Preferred Stock model Page (\d+) of (\d+)"
    )
    pages: dict[str, list[str]] = {}
    order = []
    for page in reader.pages:
        text = page.extract_text()
        found = [m for line in text.splitlines() if (m := footer.match(line.strip()))]
        assert found, text[:200]
        sheet, n, total = found[0].group(1), int(found[0].group(2)), int(found[0].group(3))
        pages.setdefault(sheet, []).append("".join(text.split()))  # words may split
        assert n == sum(map(len, pages.values())) and total == len(reader.pages)
        order += [sheet] if sheet not in order else []
        landscape = page.mediabox.width > page.mediabox.height
        assert (float(page.mediabox.width), float(page.mediabox.height)) in (
            (612, 792),
            (792, 612),
        ), "US Letter"
        assert landscape == (wb[sheet].page_setup.orientation == "landscape"), sheet
    assert order == list(tpl.SHEETS)
    assert len(reader.pages) <= TOTAL_PAGES
    for sheet, texts in pages.items():
        assert len(texts) <= PAGE_BUDGET[sheet], (sheet, len(texts))
        left, right = ("".join(label.split()) for label in LEFT_AND_RIGHT[sheet])
        assert left in texts[0] and right in texts[0], sheet
    assert "FALSE" in pages["Terms"][0]  # QPOClosed, not 0
    assert "Payoutbyexitvalue" in pages["Waterfall"][-1]  # the charts' page


# ------------------------------------------------------------------------ errors cannot hide
@pytest.fixture(scope="module")
def values_path(built: Path) -> Path:
    report = recalc.recalculate(built, built.with_name("values_for_print.xlsx"))
    assert report.ok
    assert report.output is not None
    return report.output


def test_an_addin_error_shown_as_text_reaches_totals_and_checks(tmp_path: Path) -> None:
    """Classic xlwings shows an add-in error as TEXT. SUM would skip it; the template's totals
    turn into #VALUE!, the checks say ERROR and the Checks sheet counts the error cells."""
    wb = tpl.make_workbook()
    wb["Conversion"]["F4"] = "#VALUE! shares must be >= 0 (got -5)"  # what xlwings would show
    src = tmp_path / "text_error.xlsx"
    wb.save(src)
    report = recalc.recalculate(src, tmp_path / "out.xlsx", allow_errors=True)
    assert report.output is not None
    values = openpyxl.load_workbook(report.output, data_only=True)
    conv, ch = values["Conversion"], values["Checks"]
    assert conv["F6"].value == "#VALUE!"  # the total (SUM gave 1,009,999: Class II alone)
    assert [ch[f"A{r}"].value for r in range(16, 25)] == [
        *tpl.SHEETS[:8],
        "Checks (the tests below)",
    ]
    # by hand: Conversion holds the error text (F4) and the total over it (F6); nothing else
    # uses column F but TotalConvShares (F6) on the Checks rows 5 and 12, which are not counted
    # and on Checks, the 2(c) rows over ClassI_ConvShares (F4): Class I's full dividend (1 cell)
    # and the PARITYDIV block over it (3 rows x 2 = 6 cells): 7
    assert [ch[f"C{r}"].value for r in range(16, 25)] == [0, 0, 2, 0, 0, 0, 0, 0, 7]
    assert (ch["C4"].value, ch["E4"].value) == (2 + 7, "ERRORS")
    assert ch["E5"].value == ch["E12"].value == "ERROR: Value or Limit is an error"
    assert ch["E6"].value == "OK"


def test_an_addin_error_value_reaches_totals_and_checks(built: Path, tmp_path: Path) -> None:
    """A real error (xlwings Lite, recalc): Class I shares -5 -> LIQPREF, CONVSHARES ... fail;
    their totals fail too and the first check counts them."""
    report = recalc.recalculate(
        built, tmp_path / "bad.xlsx", overrides={"ClassI_Shares": -5}, allow_errors=True
    )
    assert report.errors and report.output is not None
    values = openpyxl.load_workbook(report.output, data_only=True)
    assert values["Liquidation Preference"]["G4"].value.startswith("#VALUE!")
    assert values["Liquidation Preference"]["G6"].value.startswith("#")  # the total
    assert values["Conversion"]["F6"].value.startswith("#")
    ch = values["Checks"]
    assert ch["C4"].value > 0 and ch["E4"].value == "ERRORS"
    assert ch["C19"].value >= 3  # Liquidation Preference: G4, G6, ... (at least)


@needs_lo
def test_error_proof_totals_and_counts_agree_with_libreoffice(tmp_path: Path) -> None:
    """The total and the error count the template uses, in LibreOffice and in both recalc
    engines, on cells holding a number, error text, a real error, #N/A padding and text."""
    from xl_addin.template._style import error_count, strict_sum

    wb = openpyxl.Workbook()
    ws = wb.active
    column = (1, "#VALUE! shares must be >= 0 (got -5)", "=1/0", None, None, None, "label", 2, 3)
    for i, value in enumerate(column, start=1):
        ws[f"A{i}"] = value
    ws["A4"] = ArrayFormula("A4:A6", "=A8:A9")  # 2, 3 and #N/A padding in A6
    ws["B1"] = "=" + strict_sum("A1:A7")
    ws["B2"] = "=" + error_count("A1:A7")
    ws["B3"] = "=" + strict_sum("A7:A8")  # a label is not a number either
    ws["B4"] = "=" + strict_sum("A4:A5")
    src = tmp_path / "errors.xlsx"
    wb.save(src)
    lo = openpyxl.load_workbook(
        soffice_convert(src, tmp_path, "xlsx", recalc_always=True), data_only=True
    ).active
    report = recalc.recalculate(src, tmp_path / "native.xlsx", allow_errors=True, engine="native")
    assert report.output is not None
    native = openpyxl.load_workbook(report.output, data_only=True).active
    # recalc's fallback engine too (it reads --"text" as 0: the totals use 0+ instead)
    report = recalc.recalculate(src, tmp_path / "fl.xlsx", allow_errors=True, engine="formulas")
    assert report.output is not None
    fallback = openpyxl.load_workbook(report.output, data_only=True).active
    for book in (lo, native, fallback):
        assert book["A6"].value == "#N/A" and book["A5"].value == 3
        assert str(book["B1"].value).startswith("#")  # not 6: the error text does not vanish
        assert book["B2"].value == 2  # the error text and #DIV/0!; not #N/A, not "label"
        assert str(book["B3"].value).startswith("#VALUE!")
        assert book["B4"].value == 5


# ------------------------------------------------------------------------ the payout curve
def test_payout_curve_worked_out_by_hand(values: openpyxl.Workbook) -> None:
    ws = values["Waterfall"]
    # the last breakpoint: the warrant ($15) is exercised when common is worth $15 a share
    # with both classes converted and the options exercised: 15 x 18,959,998 - 2,460,000 x 5
    # = 272,099,970; the curve runs to 1.25 times it
    last_break = 15 * 18_959_998 - 2_460_000 * 5
    assert ws["A28"].value == pytest.approx(last_break, rel=1e-12)
    top = 1.25 * last_break
    assert ws["U35"].value == pytest.approx(top, rel=1e-12)
    assert [ws.cell(37, j).value for j in range(14, 20)] == [0, 0, 0, 0, 0, 0]
    # point 10 of 60: 56,687,493.75 is past both preferences (27,245,421.84) and short of the
    # option exercise (97,245,421.84): the preferences, the rest to common
    r = 47
    assert ws[f"N{r}"].value == pytest.approx(top / 6, rel=1e-12)
    assert ws[f"O{r}"].value == pytest.approx(PREF_I, rel=1e-12)
    assert ws[f"P{r}"].value == pytest.approx(PREF_II, rel=1e-12)
    assert ws[f"Q{r}"].value == pytest.approx(top / 6 - PREF_I - PREF_II, rel=1e-12)
    assert (ws[f"R{r}"].value, ws[f"S{r}"].value) == (0, 0)
    # the top: everything converts and is exercised; common per share =
    # (top + 2,460,000 x 5 + 210,000 x 15) / (14,000,000 + 1,489,999 + 1,009,999 + 2,460,000
    # + 210,000)
    cps = (top + 2_460_000 * 5 + 210_000 * 15) / 19_169_998
    row = [ws.cell(97, j).value for j in range(15, 25)]
    assert row[0] == pytest.approx(1_489_999 * cps, rel=1e-12)
    assert row[1] == pytest.approx(1_009_999 * cps, rel=1e-12)
    assert row[2] == pytest.approx(14_000_000 * cps, rel=1e-12)
    assert row[3] == pytest.approx(2_460_000 * (cps - 5), rel=1e-12)
    assert row[4] == pytest.approx(210_000 * (cps - 15), rel=1e-12)
    assert row[7] == pytest.approx(cps, rel=1e-12)
    assert row[8:] == [1, 1]


def test_check_flags_stand_out_and_say_what_they_mean(wb: openpyxl.Workbook) -> None:
    ws = wb["Checks"]
    assert ws["F3"].value == "What a flag means"
    for r in range(4, 13):  # every check: a status formula that cannot hide an error, a meaning
        assert ws[f"E{r}"].value.startswith("=IF(AND(ISNUMBER(C"), r
        assert "ERROR" in ws[f"E{r}"].value, r
        flag = ws[f"E{r}"].value.split('"')[3]  # the word shown when the test fails
        assert ws[f"F{r}"].value.startswith(f"{flag}:"), r
    # 5(f) says what a SHORTFALL means: authorized but unissued shares, not the fixed reserve
    assert "authorized but unissued" in ws["F5"].value and "5(f)" in ws["F5"].value
    assert ws["D5"].value == "=AuthorizedUnissued" and ws["D12"].value == "=ReservedCommon"
    rules = [(str(cf.sqref), rule.formula) for cf in ws.conditional_formatting for rule in cf.rules]
    assert ("E4:E12", ['E4="ABOVE RESERVE"']) in rules  # amber: information
    assert ("E4:E12", ['AND(E4<>"OK",NOT(E4="ABOVE RESERVE"))']) in rules  # red: a flag
