"""The Cap Table sheet: holders, Fully Diluted, as converted, votes (4(c)), PARTDIV (2(b))."""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ..scenario import SAMPLE
from ..terms import constants as c
from ._style import (
    GENERAL,
    MONEY,
    PCT,
    PRICE,
    SHARES,
    Builder,
    layout,
    strict_sum,
)
from .samples import SAMPLE_FIGURES

CAP_ROWS = (
    # holder, kind, Series A, common, options/warrants
    ("UBS Capital Americas III, L.P.", "Class I", SAMPLE.class_i_shares, 0, 0),
    ("UBS Capital LLC", "Class II", SAMPLE.class_ii_shares, 0, 0),
    ("SAMPLE: founders and management", "Common", 0, SAMPLE_FIGURES["founders_common"], 0),
    ("SAMPLE: other common holders", "Common", 0, SAMPLE_FIGURES["public_common"], 0),
    ("SAMPLE: Stock Option Plan", "Options", 0, 0, c.OPTION_PLAN_CAP),
    ("SAMPLE: Spinway Warrant", "Warrant", 0, 0, c.SPINWAY_WARRANT_SHARES),
)
CAP_FIRST = 4
CAP_SERIES_A = 2  # the first rows are the Series A holders (VOTES, PARTDIV)
CAP_LAST = CAP_FIRST + len(CAP_ROWS) - 1
CAP_TOTAL = CAP_LAST + 1


def build(b: Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "Cap Table",
        "Fully Diluted (Section 6(a)); Series A as converted (5(a)); votes as converted (4(c)); "
        "participating dividend (2(b)). SAMPLE allocation of the Series A between the two UBS "
        "purchasers.",
    )
    b.header(
        ws,
        3,
        (
            "Holder",
            "Kind",
            "Series A shares",
            "Common shares",
            "Options / warrants",
            "Stated Value",
            "Conversion Price",
            "Dividends / share",
            "As-converted common",
            "Fully diluted holding",
            "FD ownership",
            "Votes",
            "Exercise price",
            "Votes (VOTES, 4(c))",
            "Share of the vote",
            "Participating dividend (PARTDIV, 2(b))",
        ),
    )
    strikes = {
        "Options": SAMPLE_FIGURES["option_strike"],
        "Warrant": SAMPLE_FIGURES["warrant_strike"],
    }
    for i, (holder, kind, pref, common, options) in enumerate(CAP_ROWS):
        r = CAP_FIRST + i
        b.input(ws, f"A{r}", holder, GENERAL, kind="")
        b.input(ws, f"B{r}", kind, GENERAL, kind="class")
        b.input(ws, f"C{r}", pref, SHARES)
        b.input(ws, f"D{r}", common, SHARES)
        b.input(ws, f"E{r}", options, SHARES)
        cls = f'IF(B{r}="Class I",{{0}},IF(B{r}="Class II",{{1}},0))'
        b.formula(ws, f"F{r}", "=" + cls.format("ClassI_StatedValue", "ClassII_StatedValue"), MONEY)
        b.formula(ws, f"G{r}", "=" + cls.format("ClassI_CP", "ClassII_CP"), PRICE)
        b.formula(ws, f"H{r}", "=" + cls.format("ClassI_Dividends", "ClassII_Dividends"), MONEY)
        b.formula(ws, f"I{r}", f"=IF(C{r}>0,CONVSHARES(C{r},F{r},G{r},H{r}),0)", SHARES)
        b.formula(ws, f"J{r}", f"=D{r}+E{r}+I{r}", SHARES)
        b.formula(ws, f"K{r}", f"=J{r}/FullyDiluted", PCT)
        b.formula(ws, f"L{r}", f"=D{r}+I{r}", SHARES)
        if kind in strikes:
            b.input(ws, f"M{r}", strikes[kind], PRICE)
    # VOTES and PARTDIV: one row per Series A holder (rows with a Stated Value)
    sa_first, sa_last = CAP_FIRST, CAP_FIRST + CAP_SERIES_A - 1
    rows = f"{sa_first}:{{c}}{sa_last}"
    holders = ",".join(f"{col}{rows.format(c=col)}" for col in "CFG")
    b.array(
        ws,
        f"N{sa_first}:O{sa_last}",
        f"=VOTES({holders},CommonOutstanding,H{rows.format(c='H')})",
        (SHARES, PCT),
    )
    b.array(
        ws,
        f"P{sa_first}:P{sa_last}",
        f"=PARTDIV({holders},CommonDividend,H{rows.format(c='H')})",
        MONEY,
    )
    t = CAP_TOTAL
    ws[f"A{t}"] = "Total"
    ws[f"A{t}"].font = Font(bold=True)
    for col in "CDEIJL":
        b.formula(ws, f"{col}{t}", "=" + strict_sum(f"{col}{CAP_FIRST}:{col}{CAP_LAST}"), SHARES)
    b.name("FullyDiluted", ws, f"J{t}")
    b.name("CommonOutstanding", ws, f"D{t}")
    b.formula(ws, f"K{t}", "=" + strict_sum(f"K{CAP_FIRST}:K{CAP_LAST}"), PCT)
    b.formula(ws, f"N{t}", "=" + strict_sum(f"N{sa_first}:N{sa_last}"), SHARES)
    b.formula(ws, f"O{t}", "=" + strict_sum(f"O{sa_first}:O{sa_last}"), PCT)
    b.formula(ws, f"P{t}", "=" + strict_sum(f"P{sa_first}:P{sa_last}"), MONEY)
    ws[f"A{t + 2}"] = "Common dividend per share (2(b))"
    b.input(ws, f"C{t + 2}", SAMPLE_FIGURES["common_dividend"], MONEY, name="CommonDividend")
    b.note(ws, f"D{t + 2}", "SAMPLE: the Series A receives its as-converted share first (PARTDIV)")
    widths = {"A": 30, "B": 9} | {col: 11.5 for col in "CDEFGHIJKLMNO"} | {"P": 14}
    layout(ws, widths, "B4", f"A1:P{t + 2}")
