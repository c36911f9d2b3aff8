"""The Terms sheet: every input, each a defined name, and the "How to use" block."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
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

#: The "How to use" block (rows 4-9 of Terms): install the add-in as the README's "Using it in
#: Excel" section describes, in short.
HOW_TO_USE = (
    "How to use",
    "1. Yellow cells are inputs, each a defined name (e.g. ClassI_Shares); everything else is "
    "computed. SAMPLE values are placeholders to replace; certificate figures cite their "
    "Section. Sheets are protected without a password (Review > Unprotect Sheet); columns and "
    "rows can still be resized.",
    "2. Windows Excel (classic xlwings): build the wheel (python -m pip wheel . -w dist), "
    "pip install it (command xl-addin) and run xlwings addin install; in the VBA editor "
    "(Alt+F11) tick Tools > References > xlwings; the xlwings.conf sheet sets UDF Modules = "
    "xl_addin.udfs; click xlwings > Import Functions and save as .xlsm. First formula: "
    "=LIQPREF(ClassI_Shares,ClassI_StatedValue,ClassI_IssueDate,ValuationDate).",
    "3. Excel on Mac or the web: xlwings Lite (xl_addin in its requirements.txt). LibreOffice "
    "Calc: xl-addin libreoffice builds the extension; install it with unopkg add <file>.oxt. "
    'Details: README, "Using it in Excel".',
    "4. Without Excel: xl-addin recalc series_a_model.xlsx [--set ValuationDate=2002-06-15] "
    "writes series_a_model.recalc.xlsx with every value computed.",
    "5. Array results (WATERFALL, CPHISTORY, ...) fill fixed blocks; cells beyond a result hold "
    "#N/A and print blank; enlarge a block (select, edit, Ctrl+Shift+Enter) for more rows. An "
    "add-in error shows in its cell, in every total over it and on the Checks sheet.",
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
    widths = {"A": 40, "B": 14, "C": 14, "D": 37}
    ws.cell(4, 1, HOW_TO_USE[0]).font = Font(bold=True)
    for i, line in enumerate(HOW_TO_USE[1:]):
        b.text_block(ws, 5 + i, line, "D", sum(widths.values()))
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
    for row in ws.iter_rows(min_row=11, max_row=29, min_col=4, max_col=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    layout(ws, widths, "A11", "A1:D29", titles=None)
