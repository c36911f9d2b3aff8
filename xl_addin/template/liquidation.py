"""The Liquidation Preference sheet (Section 3(a)): LIQPREF, native cross-check, schedule."""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ._style import (
    DATE,
    FRACTION,
    GENERAL,
    MONEY,
    PRICE,
    SHARES,
    Builder,
    layout,
    strict_sum,
)
from .samples import SAMPLE_FIGURES

SCHED_FIRST = 12
SCHED_LAST = SCHED_FIRST + len(SAMPLE_FIGURES["schedule_years"]) - 1


def build(b: Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "Liquidation Preference",
        "Section 3(a): shares x (Stated Value + unpaid dividends + Stated Value x rate x "
        "YEARFRAC(issue date, payment date, basis)).",
    )
    b.header(
        ws,
        3,
        (
            "Class",
            "Series A shares",
            "Stated Value",
            "Issue date",
            "Payment date",
            "YEARFRAC (native)",
            "Liquidation Preference (LIQPREF)",
            "Per share",
            "Native check",
        ),
    )
    for r, cls in ((4, "ClassI"), (5, "ClassII")):
        ws[f"A{r}"] = "Class I" if cls == "ClassI" else "Class II"
        b.formula(ws, f"B{r}", f"={cls}_Shares", SHARES)
        b.formula(ws, f"C{r}", f"={cls}_StatedValue", MONEY)
        b.formula(ws, f"D{r}", f"={cls}_IssueDate", DATE)
        b.formula(ws, f"E{r}", "=ValuationDate", DATE)
        b.formula(ws, f"F{r}", f"=YEARFRAC(D{r},E{r},DayCountBasis)", FRACTION)
        b.formula(
            ws,
            f"G{r}",
            f"=LIQPREF(B{r},C{r},D{r},E{r},{cls}_Dividends,AccrualRate,DayCountBasis)",
            MONEY,
            name=f"{cls}_LiqPref",
        )
        b.formula(ws, f"H{r}", f"=G{r}/B{r}", PRICE)
        b.formula(
            ws,
            f"I{r}",
            f"=B{r}*(C{r}+{cls}_Dividends+C{r}*AccrualRate*F{r})",
            MONEY,
            name=f"{cls}_LiqPrefNative",
        )
    ws["A6"] = "Total"
    ws["A6"].font = Font(bold=True)
    b.formula(ws, "G6", "=" + strict_sum("G4:G5"), MONEY, name="TotalLiqPref")
    b.formula(ws, "I6", "=" + strict_sum("I4:I5"), MONEY)

    ws["A9"] = "Schedule: the preference at later payment dates (array formulas)"
    ws["A9"].font = Font(bold=True)
    b.header(
        ws,
        11,
        (
            "Years after valuation",
            "Payment date",
            "Class I (LIQPREF)",
            "Class II (LIQPREF)",
            "Total",
        ),
    )
    f, la = SCHED_FIRST, SCHED_LAST
    for i, years in enumerate(SAMPLE_FIGURES["schedule_years"]):
        r = f + i
        b.input(ws, f"A{r}", years, GENERAL)
        b.formula(
            ws,
            f"B{r}",
            f"=DATE(YEAR(ValuationDate)+A{r},MONTH(ValuationDate),DAY(ValuationDate))",
            DATE,
        )
        b.formula(ws, f"E{r}", f"=C{r}+D{r}", MONEY)
    for col, cls in (("C", "ClassI"), ("D", "ClassII")):
        b.array(
            ws,
            f"{col}{f}:{col}{la}",
            f"=LIQPREF({cls}_Shares,{cls}_StatedValue,{cls}_IssueDate,B{f}:B{la},"
            f"{cls}_Dividends,AccrualRate,DayCountBasis)",
            MONEY,
        )
    layout(ws, {"A": 22} | {col: 19 for col in "BCDEFGHI"}, "B4", f"A1:I{la}")
