"""The Preemptive Rights sheet (Section 9(a)): PRORATA."""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ._style import (
    GENERAL,
    SHARES,
    Builder,
    layout,
    strict_sum,
)
from .cap_table import CAP_FIRST, CAP_ROWS
from .samples import SAMPLE_FIGURES

PRE_FIRST = 6
PRE_LAST = PRE_FIRST + len(CAP_ROWS) - 1


def build(b: Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "Preemptive Rights",
        "Section 9(a): each holder's pro rata share of New Securities (holding / Fully Diluted) "
        "and the allocation after the over-allotment.",
    )
    ws["A3"] = "New Securities offered"
    b.input(ws, "C3", SAMPLE_FIGURES["offered"], SHARES, name="NewSecuritiesOffered")
    b.note(ws, "D3", "SAMPLE offer")
    ws["A4"] = "Whole units only"
    b.input(ws, "C4", True, GENERAL, name="PreemptiveWhole", kind="bool")
    b.header(ws, 5, ("Holder", "Fully diluted holding", "Request", "Pro rata share", "Allocation"))
    f, la = PRE_FIRST, PRE_LAST
    for i in range(len(CAP_ROWS)):
        r, cap = f + i, CAP_FIRST + i
        b.formula(ws, f"A{r}", f"='Cap Table'!A{cap}", GENERAL)
        b.formula(ws, f"B{r}", f"='Cap Table'!J{cap}", SHARES)
        # SAMPLE requests: every holder asks for its whole pro rata share except the first two
        # holders, which ask for everything (and take up the others' unpurchased part).
        request = SAMPLE_FIGURES["offered"] if i < 2 else 0
        b.input(ws, f"C{r}", request, SHARES)
    b.array(
        ws, f"D{f}:D{la}", f"=PRORATA(B{f}:B{la},FullyDiluted,NewSecuritiesOffered)", "#,##0.00"
    )
    b.array(
        ws,
        f"E{f}:E{la}",
        f"=PRORATA(B{f}:B{la},FullyDiluted,NewSecuritiesOffered,C{f}:C{la},PreemptiveWhole)",
        SHARES,
    )
    ws[f"A{la + 1}"] = "Total"
    ws[f"A{la + 1}"].font = Font(bold=True)
    for col, fmt in (("B", SHARES), ("C", SHARES), ("D", "#,##0.00"), ("E", SHARES)):
        b.formula(ws, f"{col}{la + 1}", "=" + strict_sum(f"{col}{f}:{col}{la}"), fmt)
    layout(ws, {"A": 32} | {col: 18 for col in "BCDE"}, "B6", f"A1:E{la + 1}", titles="5:5")
