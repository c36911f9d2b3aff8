"""The Waterfall sheet (Sections 3(a), 5(a)): WATERFALL, WFBREAKS and the payout charts."""

from __future__ import annotations

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ._style import (
    DATE,
    GENERAL,
    MONEY,
    PRICE,
    SHARES,
    YESNO,
    Builder,
    layout,
    strict_sum,
)
from .cap_table import CAP_FIRST
from .samples import SAMPLE_FIGURES

WF_OPTION_ROWS = (CAP_FIRST + 4, CAP_FIRST + 5)  # Cap Table rows of the options and the warrant
WF_EXIT_FIRST = 16
#: WFBREAKS block: room for 10 breakpoints; spare rows show #N/A (array padding, as in Excel,
#: which recalc does not count as an error).
WF_BREAK_ROWS = 10


def build(b: Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "Waterfall",
        "Sections 3(a), 5(a): payouts per class at a column of exit values (WATERFALL), the exit "
        "values where the distribution changes (WFBREAKS), and a chart of the payouts.",
    )
    b.header(
        ws,
        3,
        (
            "Series A",
            "Shares",
            "Stated Value",
            "Issue date",
            "Conversion Price",
            "Unpaid dividends",
        ),
    )
    for r, cls in ((4, "ClassI"), (5, "ClassII")):
        ws[f"A{r}"] = "Class I" if cls == "ClassI" else "Class II"
        b.formula(ws, f"B{r}", f"={cls}_Shares", SHARES)
        b.formula(ws, f"C{r}", f"={cls}_StatedValue", MONEY)
        b.formula(ws, f"D{r}", f"={cls}_IssueDate", DATE)
        b.formula(ws, f"E{r}", f"={cls}_CP", PRICE)
        b.formula(ws, f"F{r}", f"={cls}_Dividends", MONEY)
    ws["A6"] = "Common shares outstanding"
    b.formula(ws, "B6", "=CommonOutstanding", SHARES)
    ws["A7"] = "Payment date"
    b.formula(ws, "B7", "=ValuationDate", DATE)
    b.header(ws, 8, ("Options / warrants (Cap Table)", "Shares", "Exercise price"))
    for i, cap in enumerate(WF_OPTION_ROWS):
        r = 9 + i
        b.formula(ws, f"A{r}", f"='Cap Table'!A{cap}", GENERAL)
        b.formula(ws, f"B{r}", f"='Cap Table'!E{cap}", SHARES)
        b.formula(ws, f"C{r}", f"='Cap Table'!M{cap}", PRICE)
    ws["A11"] = "Parity Securities: full preferential amount ($)"
    b.input(ws, "B11", None, MONEY)
    b.note(ws, "C11", "blank = none (Section 3(a))")
    capital = "B4:F5,B6,B7,B11,B9:C10"
    tail = ",AccrualRate,DayCountBasis"

    ws["A12"] = "Liquidation Preference at the payment date (Section 3(a))"
    b.formula(ws, "E12", "=TotalLiqPref", MONEY)
    # Section 8(a): these payouts follow 3(a)/5(a) only. When the violation log shows a
    # Triggering Event continuing on the payment date, the sheet says so (8(a) then pays the
    # Series A more: REMEDYEXIT on Rights & Remedies, or WATERFALL with the log).
    ws["A13"] = "Section 8(a) on the payment date (violation log, Rights & Remedies)"
    b.formula(
        ws,
        "B13",
        '=IF(INDEX(TRIGGERED(RR_ViolationLog,B7),1,1),"Triggering Event continuing: 8(a) '
        "applies and is NOT in these payouts (see REMEDYEXIT on Rights & Remedies, or pass "
        'the log to WATERFALL)","no Triggering Event continuing: 8(a) does not apply")',
        GENERAL,
    )
    values = SAMPLE_FIGURES["exit_values"]
    first, last = WF_EXIT_FIRST, WF_EXIT_FIRST + len(values) - 1
    ws[f"A{first - 2}"] = "Payouts by exit value (WATERFALL, one array formula)"
    ws[f"A{first - 2}"].font = Font(bold=True)
    labels = (
        "Exit value",
        "Class I",
        "Class II",
        "Common",
        "Options (net)",
        "Warrant (net)",
        "Class I per share",
        "Class II per share",
        "Common per share",
        "Class I converts",
        "Class II converts",
        "Total paid",
    )
    b.header(ws, first - 1, labels)
    for i, v in enumerate(values):
        b.input(ws, f"A{first + i}", v, MONEY)
        b.formula(ws, f"L{first + i}", "=" + strict_sum(f"B{first + i}:F{first + i}"), MONEY)
    b.array(
        ws,
        f"B{first}:K{last}",
        f"=WATERFALL(A{first}:A{last},{capital},FALSE{tail})",
        (MONEY,) * 5 + (PRICE,) * 3 + (YESNO,) * 2,
    )
    top = last + 2
    ws[f"A{top}"] = "Breakpoints (WFBREAKS): exit values where the distribution changes"
    ws[f"A{top}"].font = Font(bold=True)
    b.header(ws, top + 1, ("Exit value", "What changes there"))
    b.array(
        ws,
        f"A{top + 2}:B{top + 1 + WF_BREAK_ROWS}",
        f"=WFBREAKS({capital}{tail})",
        (MONEY, GENERAL),
    )
    end = top + 1 + WF_BREAK_ROWS
    for r in range(top + 2, end + 1):
        ws[f"N{r}"] = 0  # the breakpoint markers sit on the chart's x-axis
    ws[f"N{top + 1}"] = "Marker height (chart)"
    charts_top = _curve(b, ws, f"{capital},FALSE{tail}", top + 2, end)
    ws.row_breaks.append(Break(id=charts_top - 1))  # the charts start a page, never split
    widths = {"A": 42, "B": 18} | {col: 16 for col in "CDEFGHIJKL"}
    widths |= {"M": 8, "N": 18} | {col: 14 for col in "OPQRSTUVWX"}
    layout(ws, widths, f"B{first}", f"A1:L{charts_top + 2 * CHART_ROWS + 1}", titles=None)


#: The payout curve: CURVE_POINTS exit values from 0 to WF_CurveTop, evenly spaced.
CURVE_POINTS = 61
#: Rows a chart covers (44 cm by 15 cm; a row is about 0.53 cm).
CHART_ROWS = 29
CURVE_COLUMNS = (
    "Exit value",
    "Class I",
    "Class II",
    "Common",
    "Options (net)",
    "Warrant (net)",
    "Class I per share",
    "Class II per share",
    "Common per share",
    "Class I converts",
    "Class II converts",
)


def _curve(b: Builder, ws: Worksheet, capital: str, bp_first: int, bp_last: int) -> int:
    """The payout curve (columns M:X, next to the charts, not printed): WATERFALL at evenly
    spaced exit values from 0 to a margin beyond the last breakpoint; two charts over it, the
    breakpoints marked on the exit axis. Returns the first row of the charts."""
    top = bp_last + 2
    ws[f"A{top}"] = "Charts: payout and value per share by exit value"
    ws[f"A{top}"].font = Font(bold=True)
    ws[f"M{top - 1}"] = "Payout curve (data of the charts)"
    ws[f"M{top - 1}"].font = Font(bold=True)
    ws[f"M{top}"] = "Curve ends at this multiple of the last breakpoint"
    b.input(ws, f"R{top}", SAMPLE_FIGURES["curve_margin"], '0.00"x"', name="WF_CurveMargin")
    ws[f"S{top}"] = "Top exit value"
    bps = f"$A${bp_first}:$A${bp_last}"
    b.formula(
        ws, f"U{top}", f"=INDEX({bps},COUNT({bps}))*WF_CurveMargin", MONEY, name="WF_CurveTop"
    )
    head = top + 1
    b.header(ws, head, ("Point", *CURVE_COLUMNS), col=13)
    first, last = head + 1, head + CURVE_POINTS
    for i in range(CURVE_POINTS):
        r = first + i
        ws[f"M{r}"] = i
        b.formula(ws, f"N{r}", f"=WF_CurveTop*M{r}/MAX($M${first}:$M${last})", MONEY)
    b.array(
        ws,
        f"O{first}:X{last}",
        f"=WATERFALL(N{first}:N{last},{capital})",
        (MONEY,) * 5 + (PRICE,) * 3 + (YESNO,) * 2,
    )
    b.note(
        ws,
        f"A{top + 1}",
        "Lines: WATERFALL at 61 exit values (columns M:X, not printed); diamonds on the exit "
        "axis: the breakpoints (WFBREAKS, above).",
    )
    xs = Reference(ws, min_col=14, min_row=first, max_row=last)
    markers = (
        Reference(ws, min_col=1, min_row=bp_first, max_row=bp_last),
        Reference(ws, min_col=14, min_row=bp_first, max_row=bp_last),
    )
    payout = _chart("Payout by exit value (Sections 3(a), 5(a))", "Payout ($)", '$#,##0,,"M"')
    for col in range(15, 20):
        _line(payout, ws, xs, col, head, first, last)
    _markers(payout, *markers)
    per_share = _chart("Value per share by exit value", "Per share ($)", "$#,##0.00")
    for col in range(20, 23):
        _line(per_share, ws, xs, col, head, first, last)
    _markers(per_share, *markers)
    charts_top = top + 2
    ws.add_chart(payout, f"A{charts_top}")
    ws.add_chart(per_share, f"A{charts_top + CHART_ROWS + 1}")
    return charts_top


def _chart(title: str, y_title: str, y_format: str) -> ScatterChart:
    chart = ScatterChart()
    chart.title = title
    chart.style = 2
    chart.scatterStyle = "line"
    chart.x_axis.title = "Exit value ($)"
    chart.y_axis.title = y_title
    chart.x_axis.number_format = '$#,##0,,"M"'
    chart.y_axis.number_format = y_format
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.majorGridlines = ChartLines()
    chart.legend.position = "b"
    chart.width, chart.height = 44, 15
    return chart


def _line(
    chart: ScatterChart, ws: Worksheet, xs: Reference, col: int, head: int, first: int, last: int
) -> None:
    ys = Reference(ws, min_col=col, min_row=head, max_row=last)
    series = Series(ys, xs, title_from_data=True)
    series.marker.symbol = "none"
    series.smooth = False
    series.graphicalProperties.line.width = 28575  # 2.25 pt
    chart.series.append(series)


def _markers(chart: ScatterChart, xs: Reference, ys: Reference) -> None:
    series = Series(ys, xs, title="Breakpoints (WFBREAKS)")
    series.marker.symbol = "diamond"
    series.marker.size = 10
    series.marker.graphicalProperties = GraphicalProperties(solidFill="C00000")
    series.marker.graphicalProperties.line.solidFill = "C00000"
    series.graphicalProperties.line.noFill = True
    series.smooth = False
    chart.series.append(series)
