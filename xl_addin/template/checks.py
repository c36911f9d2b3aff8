"""The Checks sheet: cross-checks, error counts and the certificate's tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ..fastcalc import col_letters
from ..terms.remedies import CALENDARS
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
from .cap_table import CAP_FIRST, CAP_LAST
from .samples import CHECK_INPUTS


def build(b: Builder, ws: Worksheet) -> None:
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
    layout(ws, {"A": 50, "B": 10, "C": 18, "D": 18, "E": 30}, "A4", f"A1:F{last}")


def _checks_functions(b: Builder, ws: Worksheet, top: int) -> int:
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
