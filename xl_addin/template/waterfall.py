"""The Waterfall sheet (Sections 3(a), 5(a)): WATERFALL, WFBREAKS and the payout charts."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ._style import (
    DATE,
    GENERAL,
    MONEY,
    PRICE,
    SHARES,
    Builder,
    layout,
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
        b.formula(ws, f"L{first + i}", f"=SUM(B{first + i}:F{first + i})", MONEY)
    b.array(
        ws,
        f"B{first}:K{last}",
        f"=WATERFALL(A{first}:A{last},{capital},FALSE{tail})",
        (MONEY,) * 5 + (PRICE,) * 3 + (GENERAL,) * 2,
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
    chart = BarChart()
    chart.type = "col"
    chart.title = "Payout per class by exit value"
    chart.y_axis.title = "$"
    chart.x_axis.title = "Exit value"
    data = Reference(ws, min_col=2, max_col=6, min_row=first - 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.width, chart.height = 18, 8
    ws.add_chart(chart, f"D{top}")
    widths = {"A": 30, "B": 18} | {col: 16 for col in "CDEFGHIJKL"}
    layout(ws, widths, f"B{first}", f"A1:L{end}")
