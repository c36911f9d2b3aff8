"""The Adjustments sheet (Section 6): the ADJPRICE chain, the event log, CPHISTORY, CPASOF."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from ..fastcalc import col_letters
from ..terms.history import COLUMNS
from ._style import (
    DATE,
    GENERAL,
    MONEY,
    PRICE,
    SHARES,
    Builder,
    layout,
)
from .samples import SAMPLE_FIGURES

EVENT_FIRST = 5
EVENT_LAST = 14


def build(b: Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "Adjustments",
        "Section 6: the event log and the Conversion Price history. Blank rows pass the price "
        "through; add events in date order. SAMPLE events.",
    )
    b.header(
        ws,
        3,
        (
            "Date",
            "Event",
            "Fully Diluted before",
            "Shares (change)",
            "Price per share",
            "After QPO",
            "Class I Conversion Price",
            "Class II Conversion Price",
            "Note",
        ),
    )
    ws["A4"] = "Initial (Section 5(c))"
    b.formula(ws, "G4", "=ClassI_InitialCP", PRICE)
    b.formula(ws, "H4", "=ClassII_InitialCP", PRICE)
    events = SAMPLE_FIGURES["events"]
    for r in range(EVENT_FIRST, EVENT_LAST + 1):
        ev = events[r - EVENT_FIRST] if r - EVENT_FIRST < len(events) else (None,) * 6
        date, kind, fd, shares, price, after = ev
        b.input(ws, f"A{r}", date, DATE, kind="date")
        b.input(ws, f"B{r}", kind, GENERAL, kind="event")
        b.input(ws, f"C{r}", fd, SHARES)
        b.input(ws, f"D{r}", shares, SHARES, kind="")  # negative for a COMBINATION
        b.input(ws, f"E{r}", price, PRICE)
        b.input(ws, f"F{r}", after, GENERAL, kind="bool")
        for col in "GH":
            b.formula(
                ws,
                f"{col}{r}",
                f'=IF($B{r}="",{col}{r - 1},'
                f"ADJPRICE({col}{r - 1},$B{r},$C{r},$D{r},$E{r},$F{r},CommonPar))",
                PRICE,
            )
        if ev[0] is not None:
            b.note(ws, f"I{r}", "SAMPLE event")
    r = EVENT_LAST + 1
    ws[f"A{r}"] = "Current Conversion Price"
    ws[f"A{r}"].font = Font(bold=True)
    b.formula(ws, f"G{r}", f"=G{EVENT_LAST}", PRICE, name="ClassI_CP")
    b.formula(ws, f"H{r}", f"=H{EVENT_LAST}", PRICE, name="ClassII_CP")
    end = _history(b, ws, r + 2)
    widths = {"A": 20, "B": 13, "C": 14} | {col: 13 for col in "DEFGHIL"}
    widths |= {"J": 12, "K": 12, "M": 12, "N": 60, "O": 18, "P": 12}
    layout(ws, widths, "A5", f"A1:P{end}")


HIST_LOG_ROWS = 10  # event rows of the CPHISTORY log (blank rows are skipped)


def _history(b: Builder, ws: Worksheet, top: int) -> int:
    """CPHISTORY / CPASOF: the same events in CPHISTORY's columns, the starting capitalization,
    each class's price at the valuation date and the full history table."""
    ws[f"A{top}"] = "Section 6 in full: CPHISTORY and CPASOF over an event log (header row first)"
    ws[f"A{top}"].font = Font(bold=True)
    start = (
        (
            "Common Outstanding at the start",
            "Hist_Common",
            SAMPLE_FIGURES["history_common"],
            SHARES,
            "number",
        ),
        (
            "Options and warrants at the start",
            "Hist_Rights",
            SAMPLE_FIGURES["history_rights"],
            SHARES,
            "number",
        ),
        ("Option-plan shares granted before", "Hist_OptionPlanUsed", 0, SHARES, "number"),
        (
            "QPO closed before the log",
            "Hist_QPOClosed",
            False,
            GENERAL,
            "bool",
        ),
        (
            "Expired options free the plan cap",
            "Hist_ExpiredOptionsFreeCap",
            False,
            GENERAL,
            "bool",
        ),
    )
    for i, (label, name, value, fmt, kind) in enumerate(start):
        r = top + 1 + i
        ws[f"A{r}"] = label
        b.input(ws, f"C{r}", value, fmt, name=name, kind=kind)
        notes = {
            "Hist_QPOClosed": "6(c)(i) full ratchet before it",
            "Hist_ExpiredOptionsFreeCap": "6(a)/6(f): FALSE = a grant uses the cap for good",
        }
        b.note(ws, f"D{r}", notes.get(name, "SAMPLE"))
    head = top + 2 + len(start)
    # CPHISTORY reads headers case-insensitively, spaces for underscores: words print better
    b.header(ws, head, [c.replace("_", " ").capitalize() for c in COLUMNS])
    first, last = head + 1, head + HIST_LOG_ROWS
    events = SAMPLE_FIGURES["history_events"]
    kinds = ("date", "history_event", "number", "number", "number", "", "history_class", "category")
    fmts = (DATE, GENERAL, SHARES, PRICE, GENERAL, GENERAL, GENERAL, GENERAL, MONEY, GENERAL)
    for i in range(HIST_LOG_ROWS):
        r = first + i
        date, event, shares, price, instrument, category = (
            events[i] if i < len(events) else (None,) * 6
        )
        note = "SAMPLE event" if date is not None else None
        row = (date, event, shares, price, None, instrument, None, category, None, note)
        for j, value in enumerate(row):
            kind = kinds[j] if j < len(kinds) else ("number" if j == 8 else "")
            b.input(ws, f"{col_letters(j + 1)}{r}", value, fmts[j], kind=kind)
    b.name("EventLog", ws, f"A{head}:{col_letters(len(COLUMNS))}{last}")
    capital = (
        "Hist_Common,Hist_Rights,ClassI_Shares,ClassI_InitialCP,ClassII_Shares,"
        "ClassII_StatedValue,ClassII_InitialCP,Hist_QPOClosed,Hist_OptionPlanUsed,"
        "Hist_ExpiredOptionsFreeCap"
    )
    r = last + 2
    ws[f"A{r}"] = "Conversion Price at the valuation date (CPASOF)"
    ws[f"A{r}"].font = Font(bold=True)
    for col, cls, label in (("G", "ClassI", "I"), ("H", "ClassII", "II")):
        b.formula(
            ws,
            f"{col}{r}",
            f'=CPASOF(EventLog,"{label}",ValuationDate,{capital})',
            PRICE,
            name=f"{cls}_CPAsOf",
        )
    b.note(ws, f"I{r}", "equals the ADJPRICE chain above (Checks)")
    r += 1
    ws[f"A{r}"] = "Conversion Price history (CPHISTORY): one row per event"
    ws[f"A{r}"].font = Font(bold=True)
    b.note(ws, f"I{r}", "The block has room for every log row; spare rows print blank (#N/A).")
    r += 1
    b.header(ws, r, HISTORY_LABELS)
    top_hist = r + 1
    # CPHISTORY's own first row names its columns in snake_case: kept (the block must hold
    # it) but hidden, so the worded header above shows and prints instead
    ws.row_dimensions[top_hist].hidden = True
    width = len(HISTORY_FORMATS)
    rows = HIST_LOG_ROWS  # header + a row for every row of the log; spare rows show #N/A
    b.array(
        ws,
        f"A{top_hist}:{col_letters(width)}{top_hist + rows}",
        f"=CPHISTORY(EventLog,{capital})",
        HISTORY_FORMATS,
    )
    explanation = col_letters(HISTORY_LABELS.index("Explanation") + 1)
    for row in ws[f"A{top_hist + 1}:{col_letters(width)}{top_hist + rows}"]:
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        # room for a four-line explanation (about 280 characters at the column's width)
        ws.row_dimensions[row[0].row].height = 60
    ws.column_dimensions[explanation].width = 60
    return top_hist + rows


#: CPHISTORY's columns in words (its own header row is hidden).
HISTORY_LABELS = (
    "Log row",
    "Date",
    "Event",
    "Instrument",
    "Fully Diluted before",
    "Fully Diluted after",
    "Class I price before",
    "Class I price after",
    "Class I converts into",
    "Class II price before",
    "Class II price after",
    "Class II converts into",
    "Section",
    "Explanation",
    "Flags",
    "Note",
)

#: CPHISTORY's output columns: row, date, event, instrument, Fully Diluted before / after, each
#: class's price before / after / Common shares it converts into, section, explanation, flags, note.
HISTORY_FORMATS = (
    GENERAL,
    DATE,
    GENERAL,
    GENERAL,
    SHARES,
    SHARES,
    PRICE,
    PRICE,
    SHARES,
    PRICE,
    PRICE,
    SHARES,
    GENERAL,
    GENERAL,
    GENERAL,
    GENERAL,
)
