"""The Checks sheet: cross-checks, error counts and the certificate's tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ..fastcalc import col_letters
from ..terms import constants as c
from ..terms.remedies import CALENDARS
from ._style import (
    BOOL,
    DATE,
    GENERAL,
    MONEY,
    PCT,
    PRICE,
    SHARES,
    Builder,
    error_count,
    layout,
    quote,
    strict_sum,
)
from .cap_table import CAP_FIRST, CAP_LAST
from .samples import CHECK_INPUTS

#: A flagged check (red) and one that informs (amber).
FLAG_FILL = PatternFill("solid", fgColor="F4CCCC")
FLAG_FONT = Font(bold=True, color="9C0006")
INFO_FILL = PatternFill("solid", fgColor="FFE699")


def _guard(r: int, test: str, flag: str) -> str:
    """A status that cannot hide an error: ERROR unless Value and Limit are both numbers."""
    return (
        f'=IF(AND(ISNUMBER(C{r}),ISNUMBER(D{r})),IF({test},"OK","{flag}"),'
        '"ERROR: Value or Limit is an error")'
    )


def build(b: Builder, ws: Worksheet) -> None:
    b.title(
        ws,
        "Checks",
        "Each row: a test, its section, the two figures compared, OK or a flag, and what the "
        "flag means. First, errors anywhere in the model (counted by sheet below); then the "
        "certificate's tests with their inputs (yellow, SAMPLE): QPO, Liquidation Event, 3(c) "
        "value, reservation, remedies, consent.",
    )
    b.header(ws, 3, ("Check", "Section", "Value", "Limit", "Status", "What a flag means"))
    cap = f"'Cap Table'!{{c}}{CAP_FIRST}:{{c}}{CAP_LAST}"
    kind = cap.format(c="B")

    def held(label: str, col: str) -> str:
        # not SUMIF: a text or error cell in the column must not be skipped silently
        return f'=SUMPRODUCT(({kind}="{label}")*{cap.format(c=col)})'

    # the sheets built before this one (a sheet that should be counted comes before Checks)
    sheets = b.wb.worksheets[: b.wb.worksheets.index(ws)]
    first_count = 4 + len(CHECKS) + 1 + 2  # the error table, after the checks and a header
    last_count = first_count + len(sheets)  # one row per sheet, then this sheet
    rows: list[tuple[str, str, str, str, str, str, str]] = [
        (
            "Errors in the model: add-in errors (error cells or #... text)",
            "",
            "=" + strict_sum(f"C{first_count}:C{last_count}"),
            "=0",
            "C{r}<=D{r}",
            "ERRORS",
            "ERRORS: some cell holds an error; the table below counts them by sheet. Array "
            "padding (#N/A beyond a result) is not counted.",
        ),
        (
            "Authorized but unissued Common covers converting all Series A",
            "5(f)",
            "=TotalConvShares",
            "=AuthorizedUnissued",
            "C{r}<=D{r}",
            "SHORTFALL",
            "SHORTFALL: too few authorized but unissued shares to convert all outstanding Series "
            "A; 5(f) then requires corporate action to authorize more.",
        ),
        (
            "Class I held in the Cap Table = Class I outstanding",
            "1",
            held("Class I", "C"),
            "=ClassI_Shares",
            "C{r}=D{r}",
            "MISMATCH",
            "MISMATCH: the holders' Class I shares do not add up to the Terms sheet's figure.",
        ),
        (
            "Class II held in the Cap Table = Class II outstanding",
            "1",
            held("Class II", "C"),
            "=ClassII_Shares",
            "C{r}=D{r}",
            "MISMATCH",
            "MISMATCH: the holders' Class II shares do not add up to the Terms sheet's figure.",
        ),
        (
            "Options within the Stock Option Plan cap",
            "6(a)(i)",
            held("Options", "E"),
            "=OptionPlanCap",
            "C{r}<=D{r}",
            "OVER CAP",
            "OVER CAP: options beyond the plan cap are not a Permitted Issuance (6(a)(i)).",
        ),
        (
            "LIQPREF equals the native formula (cents)",
            "3(a)",
            "=ROUND(TotalLiqPref,2)",
            "=ROUND(ClassI_LiqPrefNative+ClassII_LiqPrefNative,2)",
            "C{r}=D{r}",
            "DIFFERENT",
            "DIFFERENT: the add-in and the sheet's own formula disagree: report it.",
        ),
        (
            "Class I: the event log gives the ADJPRICE chain's price (CPASOF)",
            "6",
            "=ClassI_CPAsOf",
            "=ClassI_CP",
            "ROUND(C{r}-D{r},2)=0",
            "DIFFERENT",
            "DIFFERENT: the two event lists on Adjustments tell different stories.",
        ),
        (
            "Class II: the event log gives the ADJPRICE chain's price (CPASOF)",
            "6",
            "=ClassII_CPAsOf",
            "=ClassII_CP",
            "ROUND(C{r}-D{r},2)=0",
            "DIFFERENT",
            "DIFFERENT: the two event lists on Adjustments tell different stories.",
        ),
        (
            f"Conversion shares within the {c.RESERVED_COMMON_SHARES:,} reserved at issue",
            "5(f)",
            "=TotalConvShares",
            "=ReservedCommon",
            "C{r}<=D{r}",
            "ABOVE RESERVE",
            "ABOVE RESERVE: an adjustment raised the conversion shares above the shares "
            "reserved at issue; not a breach while authorized shares suffice (row 5).",
        ),
    ]
    assert len(rows) == len(CHECKS)
    fmts = (GENERAL, SHARES, SHARES, SHARES, SHARES, MONEY, PRICE, PRICE, SHARES)
    for i, ((label, sec, value, limit, test, flag, means), fmt) in enumerate(
        zip(rows, fmts, strict=True)
    ):
        r = 4 + i
        ws[f"A{r}"] = label
        ws[f"B{r}"] = sec
        b.formula(ws, f"C{r}", value, fmt)
        b.formula(ws, f"D{r}", limit, fmt)
        b.formula(ws, f"E{r}", _guard(r, test.format(r=r), flag), GENERAL)
        b.note(ws, f"F{r}", means)
        for col in "ABCDEF":
            ws[f"{col}{r}"].alignment = Alignment(wrap_text=col in "AF", vertical="top")
        b.name(CHECKS[i], ws, f"E{r}")

    # a flag stands out: red, but amber for the one that is information, not a breach
    status = f"E4:E{3 + len(rows)}"
    info = 'E4="ABOVE RESERVE"'
    ws.conditional_formatting.add(status, FormulaRule(formula=[info], fill=INFO_FILL))
    ws.conditional_formatting.add(
        status,
        FormulaRule(formula=[f'AND(E4<>"OK",NOT({info}))'], fill=FLAG_FILL, font=FLAG_FONT),
    )

    # error cells by sheet: every cell of each sheet (this sheet: the tests below)
    r = first_count - 1
    ws[f"A{r - 1}"] = "Error cells by sheet (error values, and text starting with #)"
    ws[f"A{r - 1}"].font = Font(bold=True)
    b.header(ws, r, ("Sheet", "", "Error cells", "", "", "Range counted"))
    functions_top = last_count + 2
    for j, other in enumerate(sheets):
        r = first_count + j
        ref = f"{quote(other.title)}!$A$1:${col_letters(other.max_column)}${other.max_row}"
        ws[f"A{r}"] = other.title
        b.formula(ws, f"C{r}", "=" + error_count(ref), SHARES)
        b.note(ws, f"F{r}", ref.replace("$", ""))
    r = last_count
    ws[f"A{r}"] = f"{ws.title} (the tests below)"
    last = _checks_functions(b, ws, functions_top)
    ref = f"$C${functions_top}:$E${last}"
    b.formula(ws, f"C{r}", "=" + error_count(ref), SHARES)
    b.note(ws, f"F{r}", ref.replace("$", ""))
    widths = {"A": 46, "B": 8, "C": 16, "D": 16, "E": 16, "F": 50}
    layout(ws, widths, "A4", f"A1:F{last}")


#: Defined names of the status cells, in order (the first: errors anywhere in the model).
CHECKS = (
    "Check_Errors",
    "Check_Authorized",
    "Check_ClassI_Held",
    "Check_ClassII_Held",
    "Check_OptionCap",
    "Check_LiqPref",
    "Check_ClassI_CP",
    "Check_ClassII_CP",
    "Check_Reserve",
)


class ChecksWriter:
    """Writes the certificate's tests down the Checks sheet, one row after another: a section
    header, SAMPLE inputs (each a defined name), computed cells and array results over C:D
    (or C:E). ``r`` is the next free row."""

    def __init__(self, b: Builder, ws: Worksheet, top: int) -> None:
        self.b, self.ws, self.r = b, ws, top

    def section(self, title: str, section: str) -> None:
        self.r += 1
        self.b.header(self.ws, self.r, (title, "Section", "Value / result", "Reason / detail", ""))
        self.ws[f"B{self.r}"] = section
        self.r += 1

    def put(self, label: str, name: str, value: Any, fmt: str, kind: str = "number") -> None:
        self.ws[f"A{self.r}"] = label
        self.b.input(self.ws, f"C{self.r}", value, fmt, name=name, kind=kind)
        self.b.note(self.ws, f"E{self.r}", "SAMPLE")
        self.r += 1

    def computed(self, label: str, text: str, fmt: str, name: str | None = None) -> None:
        self.ws[f"A{self.r}"] = label
        self.b.formula(self.ws, f"C{self.r}", text, fmt, name=name)
        self.r += 1

    def result(self, label: str, text: str, fmts: Sequence[str], name: str | None = None) -> None:
        self.ws[f"A{self.r}"] = label
        self.ws[f"A{self.r}"].font = Font(bold=True)
        self.b.array(self.ws, f"C{self.r}:{col_letters(2 + len(fmts))}{self.r}", text, fmts)
        if name:
            self.b.name(name, self.ws, f"C{self.r}")
        self.r += 1


def _checks_functions(b: Builder, ws: Worksheet, top: int) -> int:
    """The certificate's tests (:data:`TEST_SECTIONS`) from row ``top``; returns the last row."""
    w = ChecksWriter(b, ws, top)
    for section in TEST_SECTIONS:
        section(w)
    return w.r - 1


def _qpo(w: ChecksWriter) -> None:
    """Section 5(b): QPOTEST."""
    w.section("Qualified Public Offering test", "5(b)")
    w.put(
        "Firm commitment of the underwriters ($)",
        "QPO_FirmCommitment",
        CHECK_INPUTS["qpo"][0],
        MONEY,
    )
    w.put(
        "Gross proceeds to the Corporation ($)", "QPO_GrossProceeds", CHECK_INPUTS["qpo"][1], MONEY
    )
    w.put("Pre-offering equity value ($)", "QPO_PreOfferingEquity", CHECK_INPUTS["qpo"][2], MONEY)
    w.put("Underwritten public offering", "QPO_Underwritten", True, GENERAL, "bool")
    w.result(
        "Qualified Public Offering? (QPOTEST)",
        "=QPOTEST(QPO_FirmCommitment,QPO_GrossProceeds,QPO_PreOfferingEquity,QPO_Underwritten)",
        (BOOL, GENERAL),
        "QPO_Result",
    )


def _liquidation_event(w: ChecksWriter) -> None:
    """Section 3(b): LIQEVENT."""
    le = CHECK_INPUTS["liq_event"]
    w.section("Liquidation Event test (merger, sale of control or assets)", "3(b)")
    w.put(
        "Old shareholders keep a majority",
        "LE_KeepsMajority",
        le["keeps_majority"],
        GENERAL,
        "bool",
    )
    w.put(
        "Sale of all or substantially all assets", "LE_AssetSale", le["asset_sale"], GENERAL, "bool"
    )
    w.put("Merger with a public company", "LE_PublicBuyer", le["public_buyer"], GENERAL, "bool")
    w.put(
        "(I) Merger Shares registered, unrestricted",
        "LE_Registered",
        le["registered"],
        GENERAL,
        "bool",
    )
    w.put(
        "(II) Average closing price of the Merger Shares",
        "LE_AveragePrice",
        le["average_price"],
        PRICE,
    )
    w.put(
        "(II) Merger Shares per Series A share", "LE_ExchangeRatio", le["exchange_ratio"], "0.0000"
    )
    w.computed(
        "(II) Liquidation Preference per Class I share",
        "='Liquidation Preference'!H4",
        PRICE,
        "LE_PreferencePerShare",
    )
    w.put(
        "(III) Trading volume, 30 calendar days (shares)",
        "LE_TradingVolume",
        le["trading_volume"],
        SHARES,
    )
    w.computed(
        "(III) Merger Shares to all Series A",
        "=LE_ExchangeRatio*(ClassI_Shares+ClassII_Shares)",
        SHARES,
        "LE_MergerShares",
    )
    w.result(
        "Liquidation Event? (LIQEVENT)",
        "=LIQEVENT(LE_KeepsMajority,LE_AssetSale,LE_PublicBuyer,LE_Registered,LE_AveragePrice,"
        "LE_ExchangeRatio,LE_PreferencePerShare,LE_TradingVolume,LE_MergerShares)",
        (BOOL, GENERAL),
        "LE_Result",
    )


def _securities_value(w: ChecksWriter) -> None:
    """Section 3(c): SECVALUE over a column of closing prices."""
    w.section("Value of securities received (closing prices)", "3(c)")
    series = CHECK_INPUTS["price_series"]
    first = w.r
    for date, price in series:
        w.b.input(w.ws, f"A{w.r}", date, DATE, kind="date")
        w.b.input(w.ws, f"C{w.r}", price, PRICE)
        w.b.note(w.ws, f"E{w.r}", "SAMPLE closing price")
        w.r += 1
    rng = f"{first}:{{c}}{w.r - 1}"
    w.put(
        "Closing date of the transaction",
        "SV_ClosingDate",
        CHECK_INPUTS["closing_date"],
        DATE,
        "date",
    )
    w.put(
        "Discount for restricted securities",
        "SV_Discount",
        CHECK_INPUTS["discount"],
        PCT,
        "fraction",
    )
    w.computed(
        "Value per security (SECVALUE)",
        f"=SECVALUE(A{rng.format(c='A')},C{rng.format(c='C')},SV_ClosingDate,SV_Discount)",
        PRICE,
        "SV_Value",
    )


def _reservation(w: ChecksWriter) -> None:
    """Section 5(f): RESERVATION."""
    w.section("Reservation of Common Stock", "5(f)")
    w.put(
        "Authorized but unissued Common Stock",
        "AuthorizedUnissued",
        CHECK_INPUTS["authorized_unissued"],
        SHARES,
    )
    conv = "'Conversion'!{c}4:{c}5"
    w.result(
        "RESERVATION: issuable, short vs reserve, vs authorized",
        f"=RESERVATION({conv.format(c='B')},{conv.format(c='C')},{conv.format(c='E')},"
        f"AuthorizedUnissued,{conv.format(c='D')},ReservedCommon)",
        (SHARES, SHARES, SHARES),
        "Reservation_Issuable",
    )


def _remedies(w: ChecksWriter) -> None:
    """Sections 8(b), 8(c): BOARDSEATS, PUTDATE, PUTPRICE."""
    w.section("Remedies during a Triggering Event", "8(b), 8(c)")
    w.put("Board size before the increase", "BoardSize", CHECK_INPUTS["board_size"], GENERAL)
    w.put(
        "Series A Preferred Directors on the Board",
        "SeriesADirectors",
        CHECK_INPUTS["series_a_directors"],
        GENERAL,
    )
    w.result(
        "New directors for a Series A majority (BOARDSEATS)",
        "=BOARDSEATS(BoardSize,SeriesADirectors)",
        (GENERAL,),
        "NewDirectors",
    )
    w.put("Put Notice date", "PutNoticeDate", CHECK_INPUTS["put_notice"], DATE, "date")
    w.put("Business-day calendar", "PutCalendar", CALENDARS[0], GENERAL, "calendar")
    w.computed(
        "Earliest repurchase date (PUTDATE)",
        "=PUTDATE(PutNoticeDate,PutCalendar)",
        DATE,
        "PutRepurchaseDate",
    )
    w.result(
        "Class I put price per share / total (PUTPRICE)",
        "=PUTPRICE(ClassI_Shares,ClassI_StatedValue,ClassI_IssueDate,PutRepurchaseDate,"
        "ClassI_Dividends,AccrualRate,DayCountBasis)",
        (PRICE, MONEY),
        "PutPricePerShare",
    )


def _consent(w: ChecksWriter) -> None:
    """Section 4(b): CONSENT."""
    kind, amount, in_budget, ordinary, held = CHECK_INPUTS["consent"]
    w.section("Protective provisions: Series A consent", "4(b)")
    w.put("Action", "Consent_Kind", kind, GENERAL, "action")
    w.put("Amount ($, Corporation and subsidiaries)", "Consent_Amount", amount, MONEY)
    w.put("Prescribed in the Annual Budget", "Consent_InBudget", in_budget, GENERAL, "bool")
    w.put("In the ordinary course of business", "Consent_OrdinaryCourse", ordinary, GENERAL, "bool")
    w.put(
        "Series A held / issued under the Purchase Agreement", "Consent_Held", held, PCT, "fraction"
    )
    w.result(
        "Series A majority consent needed? (CONSENT)",
        "=CONSENT(Consent_Kind,Consent_Amount,Consent_InBudget,Consent_OrdinaryCourse,"
        "Consent_Held,QPOClosed)",
        (BOOL, GENERAL),
        "Consent_Result",
    )


#: The certificate's tests on the Checks sheet, in order: a new test is a function taking the
#: :class:`ChecksWriter` (see :func:`_qpo`) added here.
#: Sample inputs of the Section 2(c) / 3(b)(II) / 5(g) rows of the Checks sheet (all SAMPLE).
DIVIDEND_MERGER_INPUTS: dict[str, Any] = {
    "parity_full": 500_000,  # full dividend on a hypothetical Parity Security
    "available": 400_000,  # paid on the Series A and the Parity Security together
    "per_common": (0.5, 3.00),  # per Common share: acquirer shares, cash
}


def _dividend_and_merger(w: ChecksWriter) -> None:
    """Checks sheet, below the rest: PARITYDIV (2(c)), LIQEVENT for both classes (3(b)(II) for
    every Series A share) and MERGERCONV (5(g)(i))."""
    k = DIVIDEND_MERGER_INPUTS
    b, ws, r = w.b, w.ws, w.r + 1
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
    w.r = r


TEST_SECTIONS: tuple[Callable[[ChecksWriter], None], ...] = (
    _qpo,
    _liquidation_event,
    _securities_value,
    _reservation,
    _remedies,
    _consent,
    _dividend_and_merger,
)
