"""The Terms sheet: every input, each a defined name, and the "How to use" block."""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ..scenario import SAMPLE
from ..terms import constants as c
from ._style import (
    DATE,
    GENERAL,
    MONEY,
    PCT,
    PRICE,
    SHARES,
    Builder,
    layout,
)
from .samples import SAMPLE_FIGURES

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


def build(b: Builder, ws: Worksheet) -> None:
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
    layout(ws, {"A": 44, "B": 18, "C": 18, "D": 52}, "A11", "A1:D29")
