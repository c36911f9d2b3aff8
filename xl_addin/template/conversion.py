"""The Conversion sheet: CONVSHARES and CASHINLIEU (Sections 5(a), 5(e)(ii))."""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ._style import (
    MONEY,
    PRICE,
    SHARES,
    Builder,
    layout,
    strict_sum,
)


def build(b: Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "Conversion",
        "Section 5(a): (Stated Value + unpaid dividends) x shares / Conversion Price; 5(e)(ii): "
        "full shares only, cash in lieu of the fraction at the closing price.",
    )
    b.header(
        ws,
        3,
        (
            "Class",
            "Series A shares",
            "Stated Value",
            "Dividends / share",
            "Conversion Price",
            "Common shares (whole)",
            "Exact quotient",
            "Cash in lieu",
        ),
    )
    for r, cls in ((4, "ClassI"), (5, "ClassII")):
        ws[f"A{r}"] = "Class I" if cls == "ClassI" else "Class II"
        b.formula(ws, f"B{r}", f"={cls}_Shares", SHARES)
        b.formula(ws, f"C{r}", f"={cls}_StatedValue", MONEY)
        b.formula(ws, f"D{r}", f"={cls}_Dividends", MONEY)
        b.formula(ws, f"E{r}", f"={cls}_CP", PRICE)
        b.formula(
            ws, f"F{r}", f"=CONVSHARES(B{r},C{r},E{r},D{r})", SHARES, name=f"{cls}_ConvShares"
        )
        b.formula(ws, f"G{r}", f"=CONVSHARES(B{r},C{r},E{r},D{r},FALSE)", "#,##0.000000")
        b.formula(ws, f"H{r}", f"=CASHINLIEU(B{r},C{r},E{r},ClosingPrice,D{r})", MONEY)
    ws["A6"] = "Total"
    ws["A6"].font = Font(bold=True)
    b.formula(ws, "F6", "=" + strict_sum("F4:F5"), SHARES, name="TotalConvShares")
    b.formula(ws, "H6", "=" + strict_sum("H4:H5"), MONEY)
    layout(ws, {"A": 12} | {col: 18 for col in "BCDEFGH"}, "B4", "A1:H6")
