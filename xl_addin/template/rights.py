"""The Rights & Remedies sheet: Sections 4(a)(v), 4(d), 7, 8, 9(b)-(e) (all inputs SAMPLE,
names prefixed ``RR_``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..fastcalc import col_letters
from ..terms.means_of_voting import MATTERS
from ..terms.new_securities import CATEGORIES as NS_CATEGORIES
from ..terms.new_securities import INSTRUMENTS
from ..terms.triggering_events import KINDS, VIOLATION_HEADER
from ._style import DATE, GENERAL, MONEY, PCT, PRICE, SHARES, Builder, layout
from .waterfall import WF_OPTION_ROWS


def build(b: Builder, ws: Worksheet) -> None:
    """Sections 4(a)(v), 4(d), 7, 8, 9(b)-(e): a violation log with TRIGGERED and TRIGGERLOG,
    the remedies it feeds (BOARDSEATS, PUTDATE, REMEDYEXIT), NEWSEC, the Preemptive Right's
    periods (PREEMPTDATES, PREEMPTSALE), PREEMPTRIGHT, DIRECTORRIGHT and CLASSVOTE. Inputs are
    SAMPLE; names prefixed RR_."""

    def pick(refs: str, items: Sequence[str], prompt: str) -> None:
        dv = DataValidation(type="list", formula1='"' + ",".join(items) + '"')
        dv.error, dv.prompt = f"Pick one of: {', '.join(items)}"[:225], prompt
        dv.showErrorMessage = dv.showInputMessage = dv.allow_blank = True
        dv.errorTitle = "Invalid input"
        ws.add_data_validation(dv)
        dv.add(refs)

    b.title(
        ws,
        "Rights & Remedies",
        "Section 7 Triggering Events from a violation log and the Section 8 remedies they feed; "
        "Section 9(b)-(e) New Securities and periods; Section 4(a)(v), 4(d) votes. SAMPLE inputs.",
    )
    ws["A3"] = "Judge the log as of"
    b.input(ws, "C3", dt.date(2001, 6, 15), DATE, name="RR_AsOf", kind="date")
    b.note(ws, "D3", "SAMPLE date (close of business)")
    b.header(ws, 5, [h.title() for h in ("kind", "date", "notice date", "cure date", "note")])
    log = (  # SAMPLE: a dividend cured late (7(a)); a registration failure after notice (7(d))
        ("DIVIDEND", dt.date(2001, 1, 31), None, dt.date(2001, 3, 15), "SAMPLE: Q4 dividend"),
        ("REGISTRATION", dt.date(2001, 4, 2), dt.date(2001, 4, 16), None, "SAMPLE: demand"),
    )
    first, last = 6, 11
    for r in range(first, last + 1):
        row = log[r - first] if r - first < len(log) else (None,) * 5
        b.input(ws, f"A{r}", row[0], GENERAL, kind="")
        for col, value in zip("BCD", row[1:4], strict=True):
            b.input(ws, f"{col}{r}", value, DATE, kind="date")
        b.input(ws, f"E{r}", row[4], GENERAL, kind="")
    pick(f"A{first}:A{last}", tuple(KINDS), "Section 7 kind")
    b.name("RR_ViolationLog", ws, f"A5:E{last}")
    r = last + 2
    ws[f"A{r}"] = "Triggering Event continuing? since / first ever / why (TRIGGERED)"
    ws[f"A{r}"].font = Font(bold=True)
    b.array(ws, f"C{r}:F{r}", "=TRIGGERED(RR_ViolationLog,RR_AsOf)", (GENERAL, DATE, DATE, GENERAL))
    b.name("RR_Triggered", ws, f"C{r}")
    r += 2
    top = r
    b.array(
        ws,
        f"A{r}:{col_letters(len(VIOLATION_HEADER))}{r + last - first + 1}",
        "=TRIGGERLOG(RR_ViolationLog,RR_AsOf)",
        (GENERAL, GENERAL, GENERAL, DATE, DATE, DATE, DATE, DATE, GENERAL, GENERAL),
    )
    r = top + last - first + 3

    def section(title: str, sec: str) -> None:
        nonlocal r
        b.header(ws, r, (title, "Section", "Value / result", "Reason / detail", ""))
        ws[f"B{r}"] = sec
        r += 1

    def put(label: str, name: str, value: Any, fmt: str, kind: str = "number") -> None:
        nonlocal r
        ws[f"A{r}"] = label
        b.input(ws, f"C{r}", value, fmt, name=name, kind=kind)
        b.note(ws, f"E{r}", "SAMPLE")
        r += 1

    def computed(label: str, text: str, fmt: str, name: str | None = None) -> None:
        nonlocal r
        ws[f"A{r}"] = label
        b.formula(ws, f"C{r}", text, fmt, name=name)
        r += 1

    def result(label: str, text: str, fmts: Sequence[str]) -> None:
        nonlocal r
        ws[f"A{r}"] = label
        ws[f"A{r}"].font = Font(bold=True)
        b.array(ws, f"C{r}:{col_letters(2 + len(fmts))}{r}", text, fmts)
        r += 1

    section("Remedies while the Triggering Event continues", "8(a)-(c)")
    computed(
        "New directors on RR_AsOf (BOARDSEATS with the log)",
        "=BOARDSEATS(BoardSize,SeriesADirectors,RR_ViolationLog,RR_AsOf)",
        GENERAL,
    )
    computed(
        "Put Notice on RR_AsOf: earliest repurchase (PUTDATE with the log)",
        "=PUTDATE(RR_AsOf,PutCalendar,RR_ViolationLog)",
        DATE,
    )
    put("Exit value at the valuation date ($)", "RR_ExitValue", 100_000_000, MONEY)
    computed(
        "Residual to the Common Stock after the preferences",
        "=MAX(0,RR_ExitValue-TotalLiqPref)",
        MONEY,
        "RR_Residual",
    )
    b.header(ws, r, ("8(a) at the exit (REMEDYEXIT)", "Shares", "Stated Value", "CP", "Dividends"))
    r += 1
    cap_top = r
    for cls in ("ClassI", "ClassII"):
        ws[f"A{r}"] = cls.replace("Class", "Class ")
        for col, item, fmt in (
            ("B", "Shares", SHARES),
            ("C", "StatedValue", MONEY),
            ("D", "CP", PRICE),
            ("E", "Dividends", MONEY),
        ):
            b.formula(ws, f"{col}{r}", f"={cls}_{item}", fmt)
        r += 1
    rows = f"{cap_top}:{{c}}{r - 1}"
    b.header(ws, r, ("Options / warrants (Cap Table)", "Shares", "Exercise price"))
    r += 1
    opt_top = r
    for cap in WF_OPTION_ROWS:
        b.formula(ws, f"A{r}", f"='Cap Table'!A{cap}", GENERAL)
        b.formula(ws, f"B{r}", f"='Cap Table'!E{cap}", SHARES)
        b.formula(ws, f"C{r}", f"='Cap Table'!M{cap}", PRICE)
        r += 1
    b.array(
        ws,
        f"A{r}:C{r + 4}",
        f"=REMEDYEXIT(RR_Residual,CommonOutstanding,B{rows.format(c='B')},C{rows.format(c='C')},"
        f"D{rows.format(c='D')},E{rows.format(c='E')},B{opt_top}:C{r - 1},RR_ViolationLog,"
        "ValuationDate)",
        (GENERAL, SHARES, MONEY),
    )
    b.note(ws, f"D{r}", "8(a) payment, on top of the Liquidation Preference (a reading)")
    r += 6

    section("New Securities and the Preemptive Right", "9(b)-(e)")
    put("Instrument issued", "RR_Instrument", "COMMON", GENERAL, "")
    pick(f"C{r - 1}", tuple(INSTRUMENTS), "9(b) instrument")
    put("Exclusion claimed (9(b)(i)-(viii))", "RR_Category", "OPTION_PLAN", GENERAL, "")
    pick(f"C{r - 1}", tuple(NS_CATEGORIES), "9(b) category, or blank")
    put("Units issued", "RR_Units", 120_000, SHARES)
    put("Units already issued under the same exclusion", "RR_Used", 2_400_000, SHARES)
    put("Debt rated investment-grade", "RR_InvestmentGrade", False, GENERAL, "bool")
    result(
        "New Securities? units / why (NEWSEC)",
        "=NEWSEC(RR_Instrument,RR_Category,RR_Units,RR_Used,RR_InvestmentGrade)",
        (GENERAL, SHARES, GENERAL),
    )
    put("Notice received by the holders", "RR_Receipt", dt.date(2001, 6, 20), DATE, "date")
    result(
        "Last day to elect / last day to sell (PREEMPTDATES)",
        "=PREEMPTDATES(RR_Receipt,PutCalendar)",
        (DATE, DATE),
    )
    put("Sale of the unpurchased securities on", "RR_SaleDate", dt.date(2001, 8, 1), DATE, "date")
    put("Sale price per unit ($)", "RR_SalePrice", 10.00, PRICE)
    put("Price in the notice ($)", "RR_OfferPrice", 10.00, PRICE)
    put("Terms more favorable in the aggregate", "RR_MoreFavorable", False, GENERAL, "bool")
    result(
        "Sale allowed without a new offer? (PREEMPTSALE)",
        "=PREEMPTSALE(RR_Receipt,RR_SaleDate,RR_SalePrice,RR_OfferPrice,RR_MoreFavorable,"
        "PutCalendar)",
        (GENERAL, GENERAL),
    )
    computed(
        "Series A issued (after the Subsequent Closing)",
        "=ClassI_Shares+ClassII_Shares",
        SHARES,
        "RR_Issued",
    )
    put("Share of it the holders and Affiliates still hold", "RR_HeldPct", 0.75, PCT, "fraction")
    computed("Series A held", "=ROUNDDOWN(RR_Issued*RR_HeldPct,0)", SHARES, "RR_Held")
    result(
        "Preemptive Right continues? (PREEMPTRIGHT)",
        "=PREEMPTRIGHT(RR_Held,RR_Issued,QPOClosed)",
        (GENERAL, GENERAL),
    )

    section("Series A Preferred Director and class votes", "4(a)(v), 4(d)")
    result(
        "Director right continues? (DIRECTORRIGHT)",
        "=DIRECTORRIGHT(RR_Held,RR_Issued,QPOClosed)",
        (GENERAL, GENERAL),
    )
    put("Share of the Series A voting for", "RR_VotesPct", 0.54, PCT, "fraction")
    computed(
        "Series A shares voting for", "=ROUNDDOWN(RR_Issued*RR_VotesPct,0)", SHARES, "RR_VotesFor"
    )
    put("Matter", "RR_Matter", "CONSENT", GENERAL, "")
    pick(f"C{r - 1}", tuple(MATTERS), "Section 4 matter")
    result(
        "Carried? (CLASSVOTE, one vote per share)",
        "=CLASSVOTE(RR_VotesFor,RR_Issued,RR_Matter)",
        (GENERAL, GENERAL),
    )
    widths = {"A": 52, "B": 14, "C": 18, "D": 18, "E": 30} | {c: 14 for c in "FGHIJ"}
    layout(ws, widths, "A4", f"A1:J{r}", titles=None)
