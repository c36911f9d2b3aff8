"""The template workbook ``workbook_templates/series_a_model.xlsx``: ``xl-addin template``.

Generated with openpyxl, byte-for-byte deterministically: fixed document timestamps, fixed zip
entry dates and order, so the committed file is exactly what :func:`build_template` writes.

Every input is a defined name on a styled, validated, unlocked cell; every formula refers to
defined names (or to cells of its own table), never to a number typed into the formula; formula
cells are locked (the sheets are protected without a password). Array results (LIQPREF over a
column of dates, PRORATA over the holders) are legacy array formulas over fixed ranges.

The certificate's numbers come from :mod:`xl_addin.terms.constants` and the sample scenario
from :mod:`xl_addin.scenario` (``SAMPLE``); the few other sample figures (holders' common shares,
the sample events, the offer) are in :data:`SAMPLE_FIGURES` and are marked SAMPLE in the sheet.

Adding a formula is one line in the sheet's builder function: ``b.formula(ws, "C7",
"=LIQPREF(...)", MONEY)`` (or ``b.array(ws, "C20:C25", "=...", MONEY)`` for an array formula).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from . import _files
from .fastcalc import col_letters
from .scenario import SAMPLE
from .terms import constants as c
from .terms.adjustments import Event
from .terms.history import CATEGORIES, COLUMNS, EVENT_TYPES
from .terms.protective import ACTION_KINDS
from .terms.remedies import CALENDARS

__all__ = ["DEFAULT_PATH", "SAMPLE_FIGURES", "build_template", "main", "template_bytes"]

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "workbook_templates" / "series_a_model.xlsx"

#: Fixed timestamps: document properties and zip entries (byte-stable output).
FIXED_TIME = dt.datetime(2000, 6, 15, 0, 0, 0)
ZIP_DATE = (2000, 6, 15, 0, 0, 0)

#: Sample figures that are not certificate terms (marked SAMPLE in the workbook).
SAMPLE_FIGURES: dict[str, Any] = {
    "valuation_date": dt.date(2001, 6, 15),  # one year after the Class I issue date
    "closing_price": 9.50,  # closing price of the Common Stock, for cash in lieu
    "founders_common": 6_000_000,
    "public_common": 8_000_000,
    # Adjustments: a Permitted Issuance (options under the plan) and an issue below the price
    "events": [
        (dt.date(2000, 12, 1), Event.PERMITTED.value, 16_490_869, 60_000, None, False),
        (dt.date(2001, 3, 1), Event.ISSUE.value, 16_550_869, 500_000, 10.00, False),
    ],
    # CPHISTORY / CPASOF: the capitalization when the Series A was issued, consistent with the
    # ADJPRICE log (16,490,869 Fully Diluted = 14,000,000 + 2,030,869 as converted + 460,000)
    "history_common": 14_000_000,
    "history_rights": 460_000,
    # the same two events in CPHISTORY's columns (date, event, shares, price, instrument, category)
    "history_events": [
        (dt.date(2000, 12, 1), "WARRANT", 60_000, 5.00, "OPT-2000-1", "OPTION_PLAN"),
        (dt.date(2001, 3, 1), "ISSUE", 500_000, 10.00, None, None),
    ],
    "offered": 1_000_000,  # New Securities offered (Section 9(a))
    "option_strike": 5.00,  # exercise price of the Stock Option Plan options
    "warrant_strike": 15.00,  # exercise price of the Spinway Warrant
    "common_dividend": 0.10,  # a common dividend per share (Section 2(b))
    "exit_values": [10_000_000, 25_000_000, 50_000_000, 100_000_000, 200_000_000],
    "schedule_years": [0, 1, 2, 3, 4, 5],
}

#: Sample inputs of the Checks sheet (all SAMPLE: none is a certificate term).
CHECK_INPUTS: dict[str, Any] = {
    "qpo": (80_000_000, 60_000_000, 350_000_000),  # firm commitment, gross, pre-offering
    "liq_event": {
        "keeps_majority": False,
        "asset_sale": False,
        "public_buyer": True,
        "registered": True,
        "average_price": 10.00,
        "exchange_ratio": 1.5,
        "trading_volume": 40_000_000,
    },
    "authorized_unissued": 3_000_000,
    "board_size": 7,
    "series_a_directors": 1,
    "put_notice": dt.date(2001, 6, 25),  # a Monday, before Independence Day
    "consent": ("DEBT", 20_000_000, False, False, 1),
    "price_series": [
        (dt.date(2001, 5, 10), 9.00),  # before the 3(c) window: not averaged
        (dt.date(2001, 5, 15), 10.00),
        (dt.date(2001, 5, 20), 10.50),
        (dt.date(2001, 5, 25), 11.00),
        (dt.date(2001, 6, 1), 9.50),
        (dt.date(2001, 6, 10), 9.00),
    ],
    "closing_date": dt.date(2001, 6, 15),
    "discount": 0,
}

# --------------------------------------------------------------------------- formats & styles
MONEY = '"$"#,##0.00'
SHARES = "#,##0"
PRICE = '"$"#,##0.0000'
DATE = "yyyy-mm-dd"
PCT = "0.00%"
FRACTION = "0.000000"
GENERAL = "General"

_THIN = Side(style="thin", color="B0B0B0")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = Font(color="1F4E79")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(italic=True, color="7F7F7F")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


class _Builder:
    """Small helpers so that each input, formula or array formula is one line."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._validations: dict[tuple[str, str], DataValidation] = {}

    # -- validations (one DataValidation per kind and sheet, cells added to it)
    def _validation(self, ws: Worksheet, kind: str) -> DataValidation:
        key = (ws.title, kind)
        if key not in self._validations:
            if kind == "number":
                dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
                dv.error, dv.prompt = "Enter a number >= 0.", "A number >= 0"
            elif kind == "date":
                dv = DataValidation(type="date", operator="greaterThan", formula1="1")
                dv.error, dv.prompt = "Enter a date.", "A date (YYYY-MM-DD)"
            elif kind == "bool":
                dv = DataValidation(type="list", formula1='"TRUE,FALSE"')
                dv.error, dv.prompt = "TRUE or FALSE.", "TRUE or FALSE"
            elif kind == "basis":
                dv = DataValidation(type="list", formula1='"0,1,2,3,4"')
                dv.error, dv.prompt = "YEARFRAC basis 0-4.", "Day count: 0-4 (3 = actual/365)"
            elif kind == "event":
                dv = DataValidation(
                    type="list", formula1='"' + ",".join(e.value for e in Event) + '"'
                )
                dv.error, dv.prompt = "Pick a Section 6 event.", "Event type (Section 6)"
            elif kind in _LISTS:
                items, prompt = _LISTS[kind]
                dv = DataValidation(type="list", formula1='"' + ",".join(items) + '"')
                dv.error, dv.prompt = f"Pick one of: {', '.join(items)}"[:225], prompt
            elif kind == "fraction":
                dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
                dv.error, dv.prompt = "Enter a fraction from 0 to 1.", "A fraction, 0-1"
            elif kind == "class":
                dv = DataValidation(
                    type="list", formula1='"Class I,Class II,Common,Options,Warrant"'
                )
                dv.error, dv.prompt = "Pick a holding kind.", "Class I, Class II, Common, ..."
            else:  # pragma: no cover
                raise ValueError(kind)
            dv.showErrorMessage = True
            dv.showInputMessage = True
            dv.errorTitle = "Invalid input"
            dv.allow_blank = True
            ws.add_data_validation(dv)
            self._validations[key] = dv
        return self._validations[key]

    def input(
        self,
        ws: Worksheet,
        ref: str,
        value: Any,
        fmt: str,
        *,
        name: str | None = None,
        kind: str = "number",
    ) -> None:
        cell = ws[ref]
        cell.value = float(value) if isinstance(value, Decimal) else value
        cell.number_format = fmt
        cell.fill = INPUT_FILL
        cell.font = INPUT_FONT
        cell.border = BOX
        cell.protection = Protection(locked=False)
        if kind:
            self._validation(ws, kind).add(ref)
        if name:
            self.name(name, ws, ref)

    def name(self, name: str, ws: Worksheet, ref: str) -> None:
        """A defined name for a cell (``B4``) or a range (``A4:J14``), absolute."""

        def absolute(cell: str) -> str:
            col = "".join(ch for ch in cell if ch.isalpha())
            row = "".join(ch for ch in cell if ch.isdigit())
            return f"${col}${row}"

        target = ":".join(absolute(part) for part in ref.split(":"))
        self.wb.defined_names[name] = DefinedName(name, attr_text=f"{_quote(ws.title)}!{target}")

    def formula(
        self, ws: Worksheet, ref: str, text: str, fmt: str, name: str | None = None
    ) -> None:
        cell = ws[ref]
        cell.value = text
        cell.number_format = fmt
        cell.border = BOX
        if name:
            self.name(name, ws, ref)

    def array(self, ws: Worksheet, ref: str, text: str, fmt: str | Sequence[str]) -> None:
        """A legacy array formula over ``ref``; ``fmt`` one format, or one per column."""
        first = ref.split(":")[0]
        ws[first] = ArrayFormula(ref, text)
        for row in ws[ref]:
            for i, cell in enumerate(row):
                cell.number_format = fmt if isinstance(fmt, str) else fmt[i]
                cell.border = BOX

    @staticmethod
    def header(ws: Worksheet, row: int, labels: Sequence[str], col: int = 1) -> None:
        for i, label in enumerate(labels):
            cell = ws.cell(row, col + i, label)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")

    @staticmethod
    def title(ws: Worksheet, text: str, subtitle: str) -> None:
        ws["A1"] = text
        ws["A1"].font = TITLE_FONT
        ws["A2"] = subtitle
        ws["A2"].font = NOTE_FONT

    @staticmethod
    def note(ws: Worksheet, ref: str, text: str) -> None:
        ws[ref] = text
        ws[ref].font = NOTE_FONT


#: List validations: kind → (items, prompt).
_LISTS: dict[str, tuple[Sequence[str], str]] = {
    "history_event": (EVENT_TYPES, "Event type (CPHISTORY, Section 6)"),
    "category": (tuple(CATEGORIES), "Permitted Issuance claimed (6(a)), or blank"),
    "history_class": (("I", "II"), "Series A class: I or II"),
    "action": (ACTION_KINDS, "Action (Section 4(b))"),
    "calendar": (CALENDARS, "Business-day calendar"),
}


def _quote(title: str) -> str:
    return f"'{title}'" if not title.isalnum() else title


def _layout(ws: Worksheet, widths: dict[str, float], freeze: str, area: str) -> None:
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = freeze
    ws.print_area = area
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.protection.sheet = True  # formula cells locked; inputs are unlocked


# ============================================================================ sheets
HOW_TO_USE = (
    "How to use",
    "1. Yellow cells are inputs (each a defined name, e.g. ClassI_Shares); everything else is "
    "computed. Sheets are protected without a password (Review > Unprotect Sheet to edit).",
    "2. Excel (Windows): install xlwings (pip install xl_addin; xlwings addin install), open this "
    "file, xlwings tab > Import Functions, then save as .xlsm. The xlwings.conf sheet sets "
    "UDF Modules = xl_addin.udfs.",
    "3. Without Excel: xl-addin recalc series_a_model.xlsx [--set ValuationDate=2002-06-15] "
    "writes series_a_model.recalc.xlsx with every value computed.",
    "4. SAMPLE rows and values are placeholders to replace; certificate figures cite their "
    "Section. Array results (WATERFALL, CPHISTORY, ...) fill fixed blocks: enlarge a block "
    "(select, edit, Ctrl+Shift+Enter) when more rows are needed.",
)

TERMS_ROWS = (
    # label, Class I name, Class II name, format, kind, Class I value, Class II value, source
    (
        "Series A shares outstanding",
        "ClassI_Shares",
        "ClassII_Shares",
        SHARES,
        "number",
        SAMPLE.class_i_shares,
        SAMPLE.class_ii_shares,
        "Section 1 (authorized); SAMPLE: all issued",
    ),
    (
        "Stated Value per share",
        "ClassI_StatedValue",
        "ClassII_StatedValue",
        MONEY,
        "number",
        SAMPLE.class_i_stated_value,
        SAMPLE.class_ii_stated_value,
        "Section 1; Class II = Closing Per Share Price (SAMPLE)",
    ),
    (
        "Issue date",
        "ClassI_IssueDate",
        "ClassII_IssueDate",
        DATE,
        "date",
        SAMPLE.class_i_issue_date,
        SAMPLE.class_ii_issue_date,
        "SAMPLE: Purchase Agreement / Subsequent Closing",
    ),
    (
        "Initial Conversion Price",
        "ClassI_InitialCP",
        "ClassII_InitialCP",
        PRICE,
        "number",
        SAMPLE.class_i_conversion_price,
        SAMPLE.class_ii_conversion_price,
        "Section 5(c): = Stated Value",
    ),
    (
        "Declared and unpaid dividends per share",
        "ClassI_Dividends",
        "ClassII_Dividends",
        MONEY,
        "number",
        0,
        0,
        "Section 3(a)(x)",
    ),
)

TERMS_SINGLE = (
    # label, name, format, kind, value, source
    ("Accrual rate per annum", "AccrualRate", PCT, "number", SAMPLE.rate, "Section 3(a)(y)"),
    (
        "YEARFRAC day-count basis",
        "DayCountBasis",
        GENERAL,
        "basis",
        SAMPLE.basis,
        "not in the certificate: 3 = actual/365",
    ),
    (
        "Valuation (payment) date",
        "ValuationDate",
        DATE,
        "date",
        SAMPLE_FIGURES["valuation_date"],
        "SAMPLE as-of date (--set ValuationDate=YYYY-MM-DD)",
    ),
    ("Qualified Public Offering closed", "QPOClosed", GENERAL, "bool", False, "Section 5(b)"),
    (
        "Par value of the Common Stock",
        "CommonPar",
        PRICE,
        "number",
        c.COMMON_PAR_VALUE,
        "2(b), 6(i)",
    ),
    (
        "Closing price of the Common Stock",
        "ClosingPrice",
        PRICE,
        "number",
        SAMPLE_FIGURES["closing_price"],
        "SAMPLE: for cash in lieu, Section 5(e)(ii)",
    ),
    (
        "Common Stock reserved for conversion",
        "ReservedCommon",
        SHARES,
        "number",
        c.RESERVED_COMMON_SHARES,
        "Section 5(f)",
    ),
    (
        "Stock Option Plan cap",
        "OptionPlanCap",
        SHARES,
        "number",
        c.OPTION_PLAN_CAP,
        "Section 6(a)(i)",
    ),
)


def _terms(b: _Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "IFX Corporation - Series A Convertible Preferred Stock",
        "Certificate of Designation, Annex A (June 2000). Inputs for every other sheet.",
    )
    for i, line in enumerate(HOW_TO_USE):
        cell = ws.cell(4 + i, 1, line)
        cell.font = Font(bold=True) if i == 0 else Font()
    b.header(ws, 10, ("Input", "Class I", "Class II", "Source / note"))
    for i, (label, n1, n2, fmt, kind, v1, v2, src) in enumerate(TERMS_ROWS):
        r = 11 + i
        ws.cell(r, 1, label)
        b.input(ws, f"B{r}", v1, fmt, name=n1, kind=kind)
        b.input(ws, f"C{r}", v2, fmt, name=n2, kind=kind)
        b.note(ws, f"D{r}", src)
    b.header(ws, 17, ("Input", "Value", "", "Source / note"))
    for i, (label, name, fmt, kind, value, src) in enumerate(TERMS_SINGLE):
        r = 18 + i
        ws.cell(r, 1, label)
        b.input(ws, f"B{r}", value, fmt, name=name, kind=kind)
        b.note(ws, f"D{r}", src)
    b.header(ws, 27, ("Computed", "Class I", "Class II", ""))
    ws["A28"] = "Current Conversion Price (after Adjustments)"
    b.formula(ws, "B28", "=ClassI_CP", PRICE)
    b.formula(ws, "C28", "=ClassII_CP", PRICE)
    ws["A29"] = "Liquidation Preference at the valuation date"
    b.formula(ws, "B29", "=ClassI_LiqPref", MONEY)
    b.formula(ws, "C29", "=ClassII_LiqPref", MONEY)
    _layout(ws, {"A": 44, "B": 18, "C": 18, "D": 52}, "A11", "A1:D29")


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


def _cap_table(b: _Builder, ws: Worksheet) -> None:
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
        b.formula(ws, f"{col}{t}", f"=SUM({col}{CAP_FIRST}:{col}{CAP_LAST})", SHARES)
    b.name("FullyDiluted", ws, f"J{t}")
    b.name("CommonOutstanding", ws, f"D{t}")
    b.formula(ws, f"K{t}", f"=SUM(K{CAP_FIRST}:K{CAP_LAST})", PCT)
    b.formula(ws, f"N{t}", f"=SUM(N{sa_first}:N{sa_last})", SHARES)
    b.formula(ws, f"O{t}", f"=SUM(O{sa_first}:O{sa_last})", PCT)
    b.formula(ws, f"P{t}", f"=SUM(P{sa_first}:P{sa_last})", MONEY)
    ws[f"A{t + 2}"] = "Dividend per Common share declared (Section 2(b))"
    b.input(ws, f"C{t + 2}", SAMPLE_FIGURES["common_dividend"], MONEY, name="CommonDividend")
    b.note(ws, f"D{t + 2}", "SAMPLE: the Series A receives its as-converted share first (PARTDIV)")
    widths = {"A": 34, "B": 11} | {col: 15 for col in "CDEFGHIJKLMNOP"}
    _layout(ws, widths, "B4", f"A1:P{t + 2}")


def _conversion(b: _Builder, ws: Worksheet) -> None:
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
    b.formula(ws, "F6", "=SUM(F4:F5)", SHARES, name="TotalConvShares")
    b.formula(ws, "H6", "=SUM(H4:H5)", MONEY)
    _layout(ws, {"A": 12} | {col: 18 for col in "BCDEFGH"}, "B4", "A1:H6")


SCHED_FIRST = 12
SCHED_LAST = SCHED_FIRST + len(SAMPLE_FIGURES["schedule_years"]) - 1


def _liquidation(b: _Builder, ws: Worksheet) -> None:
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
    b.formula(ws, "G6", "=SUM(G4:G5)", MONEY, name="TotalLiqPref")
    b.formula(ws, "I6", "=SUM(I4:I5)", MONEY)

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
    _layout(ws, {"A": 22} | {col: 19 for col in "BCDEFGHI"}, "B4", f"A1:I{la}")


EVENT_FIRST = 5
EVENT_LAST = 14


def _adjustments(b: _Builder, ws: Worksheet) -> None:
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
    widths = {"A": 22, "B": 14} | {col: 17 for col in "CDEFGH"} | {"I": 16}
    _layout(ws, widths | {col: 14 for col in "JKLMNOP"}, "A5", f"A1:P{end}")


HIST_LOG_ROWS = 10  # event rows of the CPHISTORY log (blank rows are skipped)


def _history(b: _Builder, ws: Worksheet, top: int) -> int:
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
            "Rights outstanding at the start (options, warrants)",
            "Hist_Rights",
            SAMPLE_FIGURES["history_rights"],
            SHARES,
            "number",
        ),
        ("Option-plan shares already granted", "Hist_OptionPlanUsed", 0, SHARES, "number"),
        (
            "Qualified Private Offering closed before the log",
            "Hist_QPOClosed",
            False,
            GENERAL,
            "bool",
        ),
    )
    for i, (label, name, value, fmt, kind) in enumerate(start):
        r = top + 1 + i
        ws[f"A{r}"] = label
        b.input(ws, f"C{r}", value, fmt, name=name, kind=kind)
        b.note(ws, f"D{r}", "SAMPLE" if kind == "number" else "6(c)(i) full ratchet before it")
    head = top + 2 + len(start)
    b.header(ws, head, COLUMNS)
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
        "ClassII_StatedValue,ClassII_InitialCP,Hist_QPOClosed,Hist_OptionPlanUsed"
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
    r += 2
    ws[f"A{r}"] = "Conversion Price history (CPHISTORY): one row per event, header first"
    ws[f"A{r}"].font = Font(bold=True)
    b.note(ws, f"I{r}", "Rows beyond the events show #N/A (array padding, as in Excel).")
    top_hist = r + 1
    width = len(HISTORY_FORMATS)
    rows = HIST_LOG_ROWS  # header + a row for every row of the log; spare rows show #N/A
    b.array(
        ws,
        f"A{top_hist}:{col_letters(width)}{top_hist + rows}",
        f"=CPHISTORY(EventLog,{capital})",
        HISTORY_FORMATS,
    )
    return top_hist + rows


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


WF_OPTION_ROWS = (CAP_FIRST + 4, CAP_FIRST + 5)  # Cap Table rows of the options and the warrant
WF_EXIT_FIRST = 16
#: WFBREAKS block: room for 10 breakpoints; spare rows show #N/A (array padding, as in Excel,
#: which recalc does not count as an error).
WF_BREAK_ROWS = 10


def _waterfall(b: _Builder, ws: Worksheet) -> None:
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
    _layout(ws, widths, f"B{first}", f"A1:L{end}")


PRE_FIRST = 6
PRE_LAST = PRE_FIRST + len(CAP_ROWS) - 1


def _preemptive(b: _Builder, ws: Worksheet) -> None:
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
        b.formula(ws, f"{col}{la + 1}", f"=SUM({col}{f}:{col}{la})", fmt)
    _layout(ws, {"A": 34} | {col: 18 for col in "BCDE"}, "B6", f"A1:E{la + 1}")


def _checks(b: _Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "Checks",
        "OK / flag for each test; then the certificate's tests with their inputs (yellow, "
        "SAMPLE): QPO, Liquidation Event, 3(c) value, reservation, remedies, consent.",
    )
    b.header(ws, 3, ("Check", "Section", "Value", "Limit", "Status"))
    rows = (
        (
            "Common reserved covers the conversion shares",
            "5(f)",
            "=TotalConvShares",
            "=ReservedCommon",
            '=IF(C{r}<=D{r},"OK","SHORTFALL")',
            SHARES,
        ),
        (
            "Class I held in the Cap Table = Class I outstanding",
            "1",
            f"=SUMIF('Cap Table'!B{CAP_FIRST}:B{CAP_LAST},\"Class I\","
            f"'Cap Table'!C{CAP_FIRST}:C{CAP_LAST})",
            "=ClassI_Shares",
            '=IF(C{r}=D{r},"OK","MISMATCH")',
            SHARES,
        ),
        (
            "Class II held in the Cap Table = Class II outstanding",
            "1",
            f"=SUMIF('Cap Table'!B{CAP_FIRST}:B{CAP_LAST},\"Class II\","
            f"'Cap Table'!C{CAP_FIRST}:C{CAP_LAST})",
            "=ClassII_Shares",
            '=IF(C{r}=D{r},"OK","MISMATCH")',
            SHARES,
        ),
        (
            "Options within the Stock Option Plan cap",
            "6(a)(i)",
            f"=SUMIF('Cap Table'!B{CAP_FIRST}:B{CAP_LAST},\"Options\","
            f"'Cap Table'!E{CAP_FIRST}:E{CAP_LAST})",
            "=OptionPlanCap",
            '=IF(C{r}<=D{r},"OK","OVER CAP")',
            SHARES,
        ),
        (
            "LIQPREF equals the native formula (cents)",
            "3(a)",
            "=ROUND(TotalLiqPref,2)",
            "=ROUND(ClassI_LiqPrefNative+ClassII_LiqPrefNative,2)",
            '=IF(C{r}=D{r},"OK","DIFFERENT")',
            MONEY,
        ),
    )
    for i, (label, sec, value, limit, status, fmt) in enumerate(rows):
        r = 4 + i
        ws[f"A{r}"] = label
        ws[f"B{r}"] = sec
        b.formula(ws, f"C{r}", value, fmt)
        b.formula(ws, f"D{r}", limit, fmt)
        b.formula(ws, f"E{r}", status.format(r=r), GENERAL)
    r = 4 + len(rows)
    for cls, label in (("ClassI", "Class I"), ("ClassII", "Class II")):
        ws[f"A{r}"] = f"{label}: CPHISTORY log gives the ADJPRICE chain's price (CPASOF)"
        ws[f"B{r}"] = "6"
        b.formula(ws, f"C{r}", f"={cls}_CPAsOf", PRICE)
        b.formula(ws, f"D{r}", f"={cls}_CP", PRICE)
        b.formula(ws, f"E{r}", f'=IF(ROUND(C{r}-D{r},2)=0,"OK","DIFFERENT")', GENERAL)
        r += 1
    last = _checks_functions(b, ws, r + 1)
    last = _dividend_and_merger_rows(b, ws, last + 2)
    _layout(ws, {"A": 50, "B": 10, "C": 18, "D": 18, "E": 30}, "A4", f"A1:F{last}")


def _checks_functions(b: _Builder, ws: Worksheet, top: int) -> int:
    """QPOTEST, LIQEVENT, SECVALUE, RESERVATION, BOARDSEATS, PUTDATE, PUTPRICE, CONSENT: named,
    validated inputs (SAMPLE) and each result as an array formula over C:D (or C:E)."""
    k = CHECK_INPUTS
    r = top

    def section(title: str, section: str) -> None:
        nonlocal r
        r += 1
        b.header(ws, r, (title, "Section", "Value / result", "Reason / detail", ""))
        ws[f"B{r}"] = section
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

    def result(label: str, text: str, fmts: Sequence[str], name: str | None = None) -> None:
        nonlocal r
        ws[f"A{r}"] = label
        ws[f"A{r}"].font = Font(bold=True)
        b.array(ws, f"C{r}:{col_letters(2 + len(fmts))}{r}", text, fmts)
        if name:
            b.name(name, ws, f"C{r}")
        r += 1

    section("Qualified Public Offering test", "5(b)")
    put("Firm commitment of the underwriters ($)", "QPO_FirmCommitment", k["qpo"][0], MONEY)
    put("Gross proceeds to the Corporation ($)", "QPO_GrossProceeds", k["qpo"][1], MONEY)
    put("Pre-offering equity value ($)", "QPO_PreOfferingEquity", k["qpo"][2], MONEY)
    put("Underwritten public offering", "QPO_Underwritten", True, GENERAL, "bool")
    result(
        "Qualified Public Offering? (QPOTEST)",
        "=QPOTEST(QPO_FirmCommitment,QPO_GrossProceeds,QPO_PreOfferingEquity,QPO_Underwritten)",
        (GENERAL, GENERAL),
        "QPO_Result",
    )

    le = k["liq_event"]
    section("Liquidation Event test (merger, sale of control or assets)", "3(b)")
    put(
        "Old shareholders keep a majority",
        "LE_KeepsMajority",
        le["keeps_majority"],
        GENERAL,
        "bool",
    )
    put(
        "Sale of all or substantially all assets", "LE_AssetSale", le["asset_sale"], GENERAL, "bool"
    )
    put("Merger with a public company", "LE_PublicBuyer", le["public_buyer"], GENERAL, "bool")
    put(
        "(I) Merger Shares registered, unrestricted",
        "LE_Registered",
        le["registered"],
        GENERAL,
        "bool",
    )
    put(
        "(II) Average closing price of the Merger Shares",
        "LE_AveragePrice",
        le["average_price"],
        PRICE,
    )
    put("(II) Merger Shares per Series A share", "LE_ExchangeRatio", le["exchange_ratio"], "0.0000")
    computed(
        "(II) Liquidation Preference per Class I share",
        "='Liquidation Preference'!H4",
        PRICE,
        "LE_PreferencePerShare",
    )
    put(
        "(III) Trading volume, 30 calendar days (shares)",
        "LE_TradingVolume",
        le["trading_volume"],
        SHARES,
    )
    computed(
        "(III) Merger Shares to all Series A",
        "=LE_ExchangeRatio*(ClassI_Shares+ClassII_Shares)",
        SHARES,
        "LE_MergerShares",
    )
    result(
        "Liquidation Event? (LIQEVENT)",
        "=LIQEVENT(LE_KeepsMajority,LE_AssetSale,LE_PublicBuyer,LE_Registered,LE_AveragePrice,"
        "LE_ExchangeRatio,LE_PreferencePerShare,LE_TradingVolume,LE_MergerShares)",
        (GENERAL, GENERAL),
        "LE_Result",
    )

    section("Value of securities received (closing prices)", "3(c)")
    series = k["price_series"]
    first = r
    for date, price in series:
        b.input(ws, f"A{r}", date, DATE, kind="date")
        b.input(ws, f"C{r}", price, PRICE)
        b.note(ws, f"E{r}", "SAMPLE closing price")
        r += 1
    rng = f"{first}:{{c}}{r - 1}"
    put("Closing date of the transaction", "SV_ClosingDate", k["closing_date"], DATE, "date")
    put("Discount for restricted securities", "SV_Discount", k["discount"], PCT, "fraction")
    computed(
        "Value per security (SECVALUE)",
        f"=SECVALUE(A{rng.format(c='A')},C{rng.format(c='C')},SV_ClosingDate,SV_Discount)",
        PRICE,
        "SV_Value",
    )

    section("Reservation of Common Stock", "5(f)")
    put(
        "Authorized but unissued Common Stock",
        "AuthorizedUnissued",
        k["authorized_unissued"],
        SHARES,
    )
    conv = "'Conversion'!{c}4:{c}5"
    result(
        "Issuable on conversion / shortfall vs reserved / vs authorized (RESERVATION)",
        f"=RESERVATION({conv.format(c='B')},{conv.format(c='C')},{conv.format(c='E')},"
        f"AuthorizedUnissued,{conv.format(c='D')},ReservedCommon)",
        (SHARES, SHARES, SHARES),
        "Reservation_Issuable",
    )

    section("Remedies during a Triggering Event", "8(b), 8(c)")
    put("Board size before the increase", "BoardSize", k["board_size"], GENERAL)
    put(
        "Series A Preferred Directors on the Board",
        "SeriesADirectors",
        k["series_a_directors"],
        GENERAL,
    )
    result(
        "New directors for a Series A majority (BOARDSEATS)",
        "=BOARDSEATS(BoardSize,SeriesADirectors)",
        (GENERAL,),
        "BoardSeats",
    )
    put("Put Notice date", "PutNoticeDate", k["put_notice"], DATE, "date")
    put("Business-day calendar", "PutCalendar", CALENDARS[0], GENERAL, "calendar")
    computed(
        "Earliest repurchase date (PUTDATE)", "=PUTDATE(PutNoticeDate,PutCalendar)", DATE, "PutDate"
    )
    result(
        "Class I put price per share / total (PUTPRICE)",
        "=PUTPRICE(ClassI_Shares,ClassI_StatedValue,ClassI_IssueDate,PutDate,ClassI_Dividends,"
        "AccrualRate,DayCountBasis)",
        (PRICE, MONEY),
        "PutPricePerShare",
    )

    kind, amount, in_budget, ordinary, held = k["consent"]
    section("Protective provisions: Series A consent", "4(b)")
    put("Action", "Consent_Kind", kind, GENERAL, "action")
    put("Amount ($, Corporation and subsidiaries)", "Consent_Amount", amount, MONEY)
    put("Prescribed in the Annual Budget", "Consent_InBudget", in_budget, GENERAL, "bool")
    put("In the ordinary course of business", "Consent_OrdinaryCourse", ordinary, GENERAL, "bool")
    put(
        "Series A held / issued under the Purchase Agreement", "Consent_Held", held, PCT, "fraction"
    )
    result(
        "Series A majority consent needed? (CONSENT)",
        "=CONSENT(Consent_Kind,Consent_Amount,Consent_InBudget,Consent_OrdinaryCourse,"
        "Consent_Held,QPOClosed)",
        (GENERAL, GENERAL),
        "Consent_Result",
    )
    return r - 1


#: Sample inputs of the Section 2(c) / 3(b)(II) / 5(g) rows of the Checks sheet (all SAMPLE).
DIVIDEND_MERGER_INPUTS: dict[str, Any] = {
    "parity_full": 500_000,  # full dividend on a hypothetical Parity Security
    "available": 400_000,  # paid on the Series A and the Parity Security together
    "per_common": (0.5, 3.00),  # per Common share: acquirer shares, cash
}


def _dividend_and_merger_rows(b: _Builder, ws: Worksheet, top: int) -> int:
    """Checks sheet, below the rest: PARITYDIV (2(c)), LIQEVENT for both classes (3(b)(II) for
    every Series A share) and MERGERCONV (5(g)(i)). Returns the last row used."""
    k = DIVIDEND_MERGER_INPUTS
    r = top
    b.header(ws, r, ("Dividend shared with Parity Securities", "2(c)", "Paid", "Unpaid", ""))
    r += 1
    first = r
    for cls, label in (("ClassI", "Class I"), ("ClassII", "Class II")):
        ws[f"A{r}"] = f"{label}: full 2(b) dividend (as-converted shares x common dividend)"
        b.formula(ws, f"C{r}", f"={cls}_ConvShares*CommonDividend", MONEY)
        r += 1
    full = f"C{first}:C{r - 1}"
    ws[f"A{r}"] = "Full dividend on a Parity Security ($)"
    b.input(ws, f"C{r}", k["parity_full"], MONEY, name="PD_ParityFull")
    b.note(ws, f"E{r}", "SAMPLE (no Parity Security is outstanding)")
    r += 1
    ws[f"A{r}"] = "Paid on the Series A and Parity Securities together ($)"
    b.input(ws, f"C{r}", k["available"], MONEY, name="PD_Available")
    b.note(ws, f"E{r}", "SAMPLE")
    r += 1
    ws[f"A{r}"] = "Class I / Class II / Parity: paid, unpaid (PARITYDIV, ratably)"
    ws[f"A{r}"].font = Font(bold=True)
    b.array(ws, f"C{r}:D{r + 2}", f"=PARITYDIV(PD_Available,{full},PD_ParityFull)", MONEY)
    r += 4
    b.header(ws, r, ("Liquidation Event test, both classes", "3(b)(II)", "Value", "Reason", ""))
    r += 1
    ws[f"A{r}"] = "Liquidation Preference per Class II share"
    b.formula(ws, f"C{r}", "=ClassII_LiqPref/ClassII_Shares", PRICE, name="LE_ClassIIPreference")
    r += 1
    ws[f"A{r}"] = "Liquidation Event? each class tested (LIQEVENT)"
    ws[f"A{r}"].font = Font(bold=True)
    b.array(
        ws,
        f"C{r}:D{r}",
        "=LIQEVENT(LE_KeepsMajority,LE_AssetSale,LE_PublicBuyer,LE_Registered,LE_AveragePrice,"
        "LE_ExchangeRatio,LE_PreferencePerShare,LE_TradingVolume,LE_MergerShares,"
        "LE_ClassIIPreference)",
        (GENERAL, GENERAL),
    )
    r += 2
    b.header(ws, r, ("Merger, not a Liquidation Event", "5(g)(i)", "Common", "Acquirer sh", "Cash"))
    r += 1
    ws[f"A{r}"] = "Per Common share: acquirer shares, cash ($)"
    b.input(ws, f"C{r}", k["per_common"][0], "0.0000")
    b.input(ws, f"D{r}", k["per_common"][1], MONEY)
    b.name("MG_PerCommon", ws, f"C{r}:D{r}")
    b.note(ws, f"E{r}", "SAMPLE")
    r += 1
    for cls, label in (("ClassI", "Class I"), ("ClassII", "Class II")):
        ws[f"A{r}"] = f"{label} converts into (MERGERCONV)"
        ws[f"A{r}"].font = Font(bold=True)
        b.array(
            ws,
            f"C{r}:E{r}",
            f"=MERGERCONV({cls}_Shares,{cls}_StatedValue,{cls}_CP,MG_PerCommon,{cls}_Dividends)",
            (SHARES, "#,##0.0000", MONEY),
        )
        r += 1
    return r - 1


def _rights_sheet(b: _Builder, ws: Worksheet) -> None:
    """Sections 4(a)(v), 4(d), 7, 8, 9(b)-(e): a violation log with TRIGGERED and TRIGGERLOG,
    the remedies it feeds (BOARDSEATS, PUTDATE, REMEDYEXIT), NEWSEC, the Preemptive Right's
    periods (PREEMPTDATES, PREEMPTSALE), PREEMPTRIGHT, DIRECTORRIGHT and CLASSVOTE. Inputs are
    SAMPLE; names prefixed RR_."""
    from .terms.means_of_voting import MATTERS
    from .terms.new_securities import CATEGORIES as NS_CATEGORIES
    from .terms.new_securities import INSTRUMENTS
    from .terms.triggering_events import KINDS, VIOLATION_HEADER

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
    _layout(ws, {"A": 52, "B": 14, "C": 18, "D": 18, "E": 30} | {c: 14 for c in "FGHIJ"},
            "A4", f"A1:J{r}")  # fmt: skip


def _xlwings_conf(ws: Worksheet) -> None:
    ws["A1"] = "UDF Modules"
    ws["B1"] = "xl_addin.udfs"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 30


SHEETS = (
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
)


def make_workbook() -> Workbook:
    """The template as an openpyxl Workbook (not yet saved)."""
    wb = Workbook()
    b = _Builder(wb)
    ws = wb.active
    ws.title = SHEETS[0]
    sheets = {SHEETS[0]: ws} | {name: wb.create_sheet(name) for name in SHEETS[1:]}
    _terms(b, sheets["Terms"])
    _cap_table(b, sheets["Cap Table"])
    _conversion(b, sheets["Conversion"])
    _liquidation(b, sheets["Liquidation Preference"])
    _adjustments(b, sheets["Adjustments"])
    _waterfall(b, sheets["Waterfall"])
    _preemptive(b, sheets["Preemptive Rights"])
    _rights_sheet(b, sheets["Rights & Remedies"])
    _checks(b, sheets["Checks"])
    _xlwings_conf(sheets["xlwings.conf"])
    sheets["Terms"]["B20"].comment = Comment(
        "Payment date of the preference. The demo sets it to today.", "xl_addin", 60, 240
    )
    wb.properties.creator = "xl_addin"
    wb.properties.title = "IFX Series A Convertible Preferred Stock model"
    wb.properties.created = FIXED_TIME
    wb.active = 0
    return wb


def template_bytes() -> bytes:
    """The template file's bytes: identical on every run."""
    wb = make_workbook()
    raw = io.BytesIO()
    # openpyxl writes member after member into one archive: signals wait until it is whole
    with _files.hold_signals(), zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        wb.properties.modified = FIXED_TIME
        ExcelWriter(wb, archive).save()
    # zip entries: fixed dates and attributes, same order
    members = []
    with zipfile.ZipFile(raw) as src:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 3
            members.append((fixed, src.read(info)))
    return _files.zip_bytes(members)


def build_template(path: Path | str = DEFAULT_PATH) -> Path:
    """Write the template to ``path`` atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _files.write_atomically(path, template_bytes())
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xl-addin template", description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_PATH, help="output .xlsx")
    args = parser.parse_args(argv)
    try:
        path = build_template(args.output)
    except OSError as exc:
        print(f"xl-addin template: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
