"""Excel functions for exits and the rest of the certificate (Sections 2(b)-(c), 3, 4, 5, 7, 8).

Adapters only: each converts its arguments, calls :mod:`xl_addin.terms` and converts the result
back; errors become cell text in :mod:`xl_addin.excel`. Functions answering TRUE/FALSE return a
1×2 row ``[[TRUE/FALSE, "why"]]`` (enter over two cells; the first cell alone is the answer),
e.g. ``[[False, "fails 5(b): gross proceeds $50,000,000 < $56,250,000"]]``.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any, TypeVar

from ._xlwings import arg, func
from .excel import BASIS_DOC, CATEGORY, RATE_DOC, excel_function, memoized, table
from .terms.constants import (
    ACCRUAL_RATE,
    CLASS_I_STATED_VALUE,
    DEFAULT_DAYCOUNT_BASIS,
    RESERVED_COMMON_SHARES,
)
from .terms.liquidation_event import liquidation_event, security_value
from .terms.merger import merger_consideration
from .terms.parse import is_range, number_array, parse_bool, parse_number, parse_optional
from .terms.participation import parity_dividends, participating_dividend
from .terms.protective import consent_required
from .terms.qualified_public_offering import qualified_public_offering
from .terms.remedies import directors_to_add, earliest_repurchase_date, put_price
from .terms.remedy_waterfall import waterfall_with_remedies
from .terms.reservation import reservation_check
from .terms.voting import as_converted_votes

__all__ = [
    "BOARDSEATS",
    "CONSENT",
    "LIQEVENT",
    "MERGERCONV",
    "PARITYDIV",
    "PARTDIV",
    "PUTDATE",
    "PUTPRICE",
    "QPOTEST",
    "RESERVATION",
    "SECVALUE",
    "VOTES",
    "WATERFALL",
    "WFBREAKS",
]

_DATE = "a date or an Excel date serial number"
_F = TypeVar("_F", bound=Callable[..., Any])
_CAP = "Series A rows: shares, Stated Value, issue date, Conversion Price[, unpaid dividends/sh]"


_WATERFALLS: dict[Any, Any] = {}


def _waterfall(*args: Any) -> Any:
    """The capitalization's :class:`~xl_addin.terms.waterfall.Waterfall` (with Section 8(a)
    when a violation log shows a Triggering Event continuing on the payment date) and the
    8(a) note, built once per set of arguments: WATERFALL and WFBREAKS over the same
    capitalization (as in the template) share its breakpoints, the costly part."""
    return memoized(_WATERFALLS, args, lambda: waterfall_with_remedies(*args))


_WATERFALL_DOCS = (
    ("series_a", _CAP),
    ("common_shares", "Common Stock outstanding (> 0)"),
    ("payment_date", "date of payment of the preference: " + _DATE),
    ("parity", "[optional] full preferential amounts of Parity Securities, $"),
    ("options", "[optional] options/warrants rows: shares, exercise price"),
    ("rate", RATE_DOC),
    ("basis", BASIS_DOC),
)


def _waterfall_args(fn: _F) -> _F:
    """The help of the capitalization arguments WATERFALL and WFBREAKS share."""
    for name, doc in _WATERFALL_DOCS:
        fn = arg(name, ndim=2, doc=doc)(fn)
    return fn


_SHORTFALL_DOC = (
    '[optional] 3(a) Series A shortfall: "SHARES" (default, the text: by number of shares) or '
    '"AMOUNTS" (by preferential amounts, to compare)'
)


_LOG_DOC = (
    "[optional] violation log (Section 7, as TRIGGERED): if a Triggering Event continues on "
    "payment_date, 8(a) applies"
)


def _floats(row: list[Fraction]) -> list[float]:
    return [float(v) for v in row]


@func(category=CATEGORY)
@arg("proceeds", ndim=2, doc="exit value(s) available for distribution, $: a cell or a column")
@_waterfall_args
@arg("header", ndim=2, doc="[optional] TRUE: first row holds column labels")
@arg("shortfall", doc=_SHORTFALL_DOC)
@arg("violation_log", ndim=2, doc=_LOG_DOC)
@excel_function
def WATERFALL(
    proceeds: Any,
    series_a: Any,
    common_shares: Any,
    payment_date: Any,
    parity: Any = None,
    options: Any = None,
    header: Any = False,
    rate: Any = float(ACCRUAL_RATE),
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
    shortfall: Any = "SHARES",
    violation_log: Any = None,
) -> Any:
    """Liquidation waterfall (3(a), 5(a); 8(a) with a log showing a Triggering Event on payment_date): per exit, payouts to each Series A row, parity, common, options (net); per share; 1 if a row converts."""  # noqa: E501
    w, _ = _waterfall(
        series_a,
        common_shares,
        payment_date,
        parity,
        options,
        rate,
        basis,
        shortfall,
        violation_log,
    )
    labels = parse_bool(parse_optional(header, False), "header", False)
    if is_range(proceeds):  # one vectorised check of the whole table (Table: not per cell)
        values = w.table(number_array(proceeds, "proceeds", minimum=0))
        return table(values, list(w.columns()) if labels else None)
    rows = [_floats(w.row(parse_number(proceeds, "proceeds", minimum=0)))]
    return [list(w.columns()), *rows] if labels else rows


@func(category=CATEGORY)
@_waterfall_args
@arg("shortfall", doc=_SHORTFALL_DOC)
@arg("violation_log", ndim=2, doc=_LOG_DOC)
@excel_function
def WFBREAKS(
    series_a: Any,
    common_shares: Any,
    payment_date: Any,
    parity: Any = None,
    options: Any = None,
    rate: Any = float(ACCRUAL_RATE),
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
    shortfall: Any = "SHARES",
    violation_log: Any = None,
) -> Any:
    """Waterfall breakpoints (3(a), 5(a)): rows of exit value and what changes there (a row converts, an option is exercised, preferences paid in full, payouts that jump, no or several stable choices); with a log, a first row: does 8(a) apply."""  # noqa: E501
    w, note = _waterfall(
        series_a,
        common_shares,
        payment_date,
        parity,
        options,
        rate,
        basis,
        shortfall,
        violation_log,
    )
    rows: list[list[Any]] = [[float(b.proceeds), b.description] for b in w.breakpoints()]
    if note:
        return [["", note], *rows]
    return rows or [["", "no breakpoints"]]


@func(category=CATEGORY)
@arg("keeps_majority", doc="TRUE if the old shareholders own at least a majority afterwards")
@arg("asset_sale", doc="[optional] TRUE for a sale of all or substantially all assets")
@arg("public_buyer", doc="[optional] TRUE for a merger with a public company")
@arg("registered_unrestricted", doc="[optional] TRUE if Merger Shares registered, unrestricted")
@arg("average_price", ndim=2, doc="[optional] average closing price, or a range of closes")
@arg("exchange_ratio", doc="[optional] Merger Shares per Series A (Class I) share")
@arg("preference_per_share", doc="[optional] Liquidation Preference per (Class I) share, $")
@arg("trading_volume", doc="[optional] trading volume over the 30 calendar days before")
@arg("merger_shares", doc="[optional] Merger Shares received by all Series A holders")
@arg("class_ii_preference", doc="[optional] Liquidation Preference per Class II share, $")
@arg("class_ii_ratio", doc="[optional] Merger Shares per Class II share (default: as Class I)")
@excel_function
def LIQEVENT(
    keeps_majority: Any,
    asset_sale: Any = False,
    public_buyer: Any = False,
    registered_unrestricted: Any = False,
    average_price: Any = None,
    exchange_ratio: Any = None,
    preference_per_share: Any = None,
    trading_volume: Any = None,
    merger_shares: Any = None,
    class_ii_preference: Any = None,
    class_ii_ratio: Any = None,
) -> Any:
    """Liquidation Event test (3(b)) → [TRUE/FALSE, reason]: majority kept, or the public-merger exception (I) registered, (II) > 120% of each class's preference, (III) 10× volume."""  # noqa: E501
    r = liquidation_event(
        keeps_majority,
        asset_sale,
        public_buyer,
        registered_unrestricted,
        average_price,
        exchange_ratio,
        preference_per_share,
        trading_volume,
        merger_shares,
        class_ii_preference,
        class_ii_ratio,
    )
    return [[r.is_event, r.reason]]


@func(category=CATEGORY)
@arg("dates", ndim=2, doc="trading dates (a column)")
@arg("prices", ndim=2, doc="closing prices (or closing bids OTC), same shape as dates")
@arg("closing_date", doc="closing of the Liquidation Event: " + _DATE)
@arg("discount", doc="[optional] 3(c)(ii) discount for restricted securities, e.g. 0.25")
@excel_function
def SECVALUE(dates: Any, prices: Any, closing_date: Any, discount: Any = 0) -> Any:
    """Value of a security in a Liquidation Event (3(c)): average close over the 30 days ending 3 days before closing, less any restriction discount."""  # noqa: E501
    return security_value(dates, prices, closing_date, discount)


@func(category=CATEGORY)
@arg("firm_commitment", doc="underwriters' firm commitment, $")
@arg("gross_proceeds", doc="gross proceeds to the Corporation before underwriting discounts, $")
@arg("pre_offering_equity", doc="equity value of the Corporation pre-offering, $")
@arg("underwritten", doc="[optional] TRUE (default) for an underwritten offering of Common")
@excel_function
def QPOTEST(
    firm_commitment: Any,
    gross_proceeds: Any,
    pre_offering_equity: Any,
    underwritten: Any = True,
) -> Any:
    """Qualified Public Offering (5(b)) → [TRUE/FALSE, which condition fails]: firm commitment >= $75M, gross proceeds >= $56.25M, pre-offering equity >= $400M."""  # noqa: E501
    r = qualified_public_offering(
        firm_commitment, gross_proceeds, pre_offering_equity, underwritten
    )
    return [[r.qualified, r.message()]]


@func(category=CATEGORY)
@arg("shares", ndim=2, doc="Series A shares per holder (a column)")
@arg("stated_value", ndim=2, doc="Stated Value per share, $ (a cell or a column)")
@arg("conversion_price", ndim=2, doc="Conversion Price, $ (a cell or a column)")
@arg("common_outstanding", doc="Common Stock outstanding on the record date")
@arg("dividends", ndim=2, doc="[optional] declared unpaid dividends per share, $ (default 0)")
@excel_function
def VOTES(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    common_outstanding: Any,
    dividends: Any = 0,
) -> Any:
    """As-converted votes (4(c)): per holder, votes (full Common shares on conversion) and its share of the total vote with the Common Stock."""  # noqa: E501
    rows = as_converted_votes(shares, stated_value, conversion_price, common_outstanding, dividends)
    return [[float(v), float(s)] for v, s in rows]


@func(category=CATEGORY)
@arg("shares", ndim=2, doc="Series A shares per holder (a column)")
@arg("stated_value", ndim=2, doc="Stated Value per share, $ (a cell or a column)")
@arg("conversion_price", ndim=2, doc="Conversion Price, $ (a cell or a column)")
@arg("dividend_per_common", doc="dividend per share of Common Stock, $")
@arg("dividends", ndim=2, doc="[optional] declared unpaid dividends per share, $ (default 0)")
@excel_function
def PARTDIV(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    dividend_per_common: Any,
    dividends: Any = 0,
) -> Any:
    """Participating dividend (2(b); also 8(a) distributions): per holder, full as-converted Common shares × the common dividend per share, paid first."""  # noqa: E501
    out = participating_dividend(
        shares, stated_value, conversion_price, dividend_per_common, dividends
    )
    return [[float(v)] for v in out]


@func(category=CATEGORY)
@arg("available", doc="dividend paid on the Series A and Parity Securities together, $")
@arg("series_a_full", ndim=2, doc="full dividend each Series A holder is entitled to, $ (column)")
@arg("parity_full", ndim=2, doc="[optional] full dividend on each Parity Security, $ (column)")
@excel_function
def PARITYDIV(available: Any, series_a_full: Any, parity_full: Any = None) -> Any:
    """Dividend with Parity Securities (2(c)) → per Series A row, then per Parity row: [paid, unpaid], ratably in proportion to the full amounts."""  # noqa: E501
    return [
        [float(p), float(u)] for p, u in parity_dividends(available, series_a_full, parity_full)
    ]


@func(category=CATEGORY)
@arg("shares", ndim=2, doc="Series A shares per holder (a column)")
@arg("stated_value", ndim=2, doc="Stated Value per share, $ (a cell or a column)")
@arg("conversion_price", ndim=2, doc="Conversion Price before the closing, $ (cell or column)")
@arg("per_common", ndim=2, doc="what one Common share receives: one row, a column per kind")
@arg("dividends", ndim=2, doc="[optional] declared unpaid dividends per share, $ (default 0)")
@excel_function
def MERGERCONV(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    per_common: Any,
    dividends: Any = 0,
) -> Any:
    """Conversion after a merger that is not a Liquidation Event (5(g)(i)) → per holder: Common shares deliverable, then the amount of each kind of consideration they receive."""  # noqa: E501
    out = merger_consideration(shares, stated_value, conversion_price, per_common, dividends)
    return [[float(v) for v in row] for row in out]


@func(category=CATEGORY)
@arg("shares", ndim=2, doc="outstanding Series A shares per holder (a column)")
@arg("stated_value", ndim=2, doc="Stated Value per share, $ (a cell or a column)")
@arg("conversion_price", ndim=2, doc="Conversion Price, $ (a cell or a column)")
@arg("authorized_unissued", doc="authorized but unissued Common Stock")
@arg("dividends", ndim=2, doc="[optional] declared unpaid dividends per share, $ (default 0)")
@arg("reserved", doc="[optional] Common Stock reserved (default 2,030,869)")
@excel_function
def RESERVATION(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    authorized_unissued: Any,
    dividends: Any = 0,
    reserved: Any = RESERVED_COMMON_SHARES,
) -> Any:
    """Reservation (5(f)) → [issuable on converting all Series A, shortfall vs reserved, shortfall vs authorized-but-unissued] (0 = sufficient)."""  # noqa: E501
    r = reservation_check(
        shares, stated_value, conversion_price, authorized_unissued, dividends, reserved
    )
    return [[float(r.issuable), float(r.reserved_shortfall), float(r.authorized_shortfall)]]


@func(category=CATEGORY)
@arg("board_size", doc="directors on the Board now")
@arg("series_a_directors", doc="Series A Preferred Directors now seated")
@arg("violation_log", ndim=2, doc="[optional] violation log (Section 7); empty: assume a TE")
@arg("as_of", doc="[optional] date, required with violation_log: " + _DATE)
@excel_function
def BOARDSEATS(
    board_size: Any, series_a_directors: Any, violation_log: Any = None, as_of: Any = None
) -> Any:
    """Board control on a Triggering Event (Section 8(b)): the minimum number of new directors that makes the Series A Preferred Directors a majority; 0 if the log shows no Triggering Event on as_of."""  # noqa: E501
    return directors_to_add(board_size, series_a_directors, violation_log, as_of)


@func(category=CATEGORY)
@arg("shares", doc="Series A shares put")
@arg("stated_value", doc="Stated Value per share, $")
@arg("issue_date", doc="date of issuance: " + _DATE)
@arg("repurchase_date", doc="repurchase date: " + _DATE)
@arg("dividends", doc="[optional] declared unpaid dividends per share, $ (default 0)")
@arg("rate", doc=RATE_DOC)
@arg("basis", doc=BASIS_DOC)
@excel_function
def PUTPRICE(
    shares: Any,
    stated_value: Any,
    issue_date: Any,
    repurchase_date: Any,
    dividends: Any = 0,
    rate: Any = float(ACCRUAL_RATE),
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
) -> Any:
    """Put price (8(c)) → [per share, total]: the Liquidation Preference (3(a)) at the repurchase date."""  # noqa: E501
    p = put_price(shares, stated_value, issue_date, repurchase_date, dividends, rate, basis)
    return [[float(p.per_share), float(p.total)]]


@func(category=CATEGORY)
@arg("notice_date", doc="date of the Put Notice: " + _DATE)
@arg("calendar", doc='[optional] "FEDERAL" (default, US federal holidays) or "NYSE"')
@arg("violation_log", ndim=2, doc="[optional] violation log (Section 7): a TE must continue")
@excel_function
def PUTDATE(notice_date: Any, calendar: Any = "FEDERAL", violation_log: Any = None) -> Any:
    """Earliest repurchase date (Section 8(c)): the 10th business day after the Put Notice, as a date serial (format the cell as a date); with a log, an error if no Triggering Event continues."""  # noqa: E501
    return earliest_repurchase_date(notice_date, calendar, violation_log)


@func(category=CATEGORY)
@arg("kind", doc="DEBT, CAPEX, ISSUANCE, AMENDMENT, REPURCHASE, OFFICER_PAY, ... (4(b)(A)-(U))")
@arg("amount", doc="[optional] aggregate amount, $ (default 0)")
@arg("in_budget", doc="[optional] TRUE if prescribed in the Annual Budget")
@arg("ordinary_course", doc="[optional] TRUE if in the normal/ordinary course of business")
@arg("holdings_fraction", doc="[optional] Series A held / issued under the Purchase Agreement")
@arg("after_qpo", doc="[optional] TRUE once a Qualified Public Offering has closed")
@arg("category", doc="[optional] exception claimed, e.g. OPTION_EXERCISE, STOCK_ACQUISITION")
@arg("price", doc="[optional] (B)(iv): value per Common share issued, $")
@arg(
    "stated_value", doc=f"[optional] (B)(iv): split-adjusted Stated Value ({CLASS_I_STATED_VALUE})"
)
@arg("average_price", ndim=2, doc="[optional] (B)(iv): 30-day average close, or the closes")
@arg("shares", doc="[optional] shares issued, for the capped (B)(ii), (B)(vi) exceptions")
@arg("used", doc="[optional] already used of the exception: shares, or $ for (B)(iv)")
@excel_function
def CONSENT(
    kind: Any,
    amount: Any = 0,
    in_budget: Any = False,
    ordinary_course: Any = False,
    holdings_fraction: Any = 1,
    after_qpo: Any = False,
    category: Any = None,
    price: Any = None,
    stated_value: Any = None,
    average_price: Any = None,
    shares: Any = None,
    used: Any = 0,
) -> Any:
    """Protective provisions (Section 4(b)(A)-(U)) → [TRUE/FALSE, clause and why]: a Series A majority's consent, with the $15M thresholds, the (B) exceptions and price floor, and 50% survival."""  # noqa: E501
    r = consent_required(
        kind,
        amount,
        in_budget,
        ordinary_course,
        holdings_fraction,
        after_qpo,
        category,
        price,
        stated_value,
        average_price,
        shares,
        used,
    )
    return [[r.required, r.reason]]
