"""Excel functions for Sections 4(a), 4(d), 7, 8(a) and 9(b)-(e): Triggering Events and what
they trigger, the Series A's class votes, and the Preemptive Right's periods.

Adapters only: each converts its arguments, calls :mod:`xl_addin.terms` and converts the result
back; errors become cell text in :mod:`xl_addin.excel`. Yes/no answers are one row
``[[TRUE/FALSE, "why"]]`` (enter over two cells), as in :mod:`xl_addin.udfs_exits`.
"""

from __future__ import annotations

from typing import Any

from ._xlwings import arg, func
from .excel import CATEGORY, excel_function
from .terms.errors import TermsError
from .terms.means_of_voting import class_vote, director_right
from .terms.new_securities import (
    new_securities,
    preemptive_periods,
    preemptive_right,
    preemptive_sale,
)
from .terms.parse import Grid, at, is_range
from .terms.remedies import remedy_at_exit
from .terms.triggering_events import (
    VIOLATION_HEADER,
    read_violation_log,
    status_on,
    violation_table,
)

__all__ = [
    "CLASSVOTE",
    "DIRECTORRIGHT",
    "NEWSEC",
    "PREEMPTDATES",
    "PREEMPTRIGHT",
    "PREEMPTSALE",
    "REMEDYEXIT",
    "TRIGGERED",
    "TRIGGERLOG",
]

_DATE = "a date or an Excel date serial number"
_LOG_DOC = "violation log range, header row first: kind, date, notice date, cure date, note"
_CAL_DOC = '[optional] "FEDERAL" (default, US federal holidays) or "NYSE"'


def _blank(value: Any) -> Any:
    return "" if value is None else value


@func(category=CATEGORY)
@arg("violation_log", ndim=2, doc=_LOG_DOC)
@arg("as_of", ndim=2, doc="the day(s) to judge, close of business: a date or a column of dates")
@excel_function
def TRIGGERED(violation_log: Any, as_of: Any) -> Any:
    """Triggering Event (Section 7) → [continuing on as_of?, since, first ever occurred, reason], a row per date: 30-day cure after the violation (7(a)) or notice (7(d), 7(e)), none for 7(b), 7(c)."""  # noqa: E501
    violations = read_violation_log(violation_log)
    days = [as_of] if not is_range(as_of) else Grid(as_of, "as_of").values()
    out = []
    for i, day in enumerate(days, start=1):
        try:
            s = status_on(violations, day)
        except TermsError as exc:
            if not is_range(as_of):
                raise
            raise TermsError(at(exc.message, f"row {i}"), argument="as_of") from None
        out.append([s.continuing, _blank(s.since), _blank(s.first), s.reason])
    return out


@func(category=CATEGORY)
@arg("violation_log", ndim=2, doc=_LOG_DOC)
@arg("as_of", doc="the day to judge, at the close of business: " + _DATE)
@excel_function
def TRIGGERLOG(violation_log: Any, as_of: Any) -> Any:
    """Triggering Events (Section 7), one row per violation with a header: section, cure deadline, Triggering Event from, cured on, continuing on as_of, explanation."""  # noqa: E501
    rows = violation_table(read_violation_log(violation_log), as_of)
    return [list(VIOLATION_HEADER)] + [[_blank(v) for v in r] for r in rows]


@func(category=CATEGORY)
@arg("residual", doc="what the exit distributes to the Common Stock after preferences, $")
@arg("common_shares", doc="Common Stock outstanding")
@arg("shares", ndim=2, doc="Series A shares per row (a column)")
@arg("stated_value", ndim=2, doc="Stated Value per share, $ (a cell or a column)")
@arg("conversion_price", ndim=2, doc="Conversion Price, $ (a cell or a column)")
@arg("dividends", ndim=2, doc="[optional] declared unpaid dividends per share, $ (default 0)")
@arg("options", ndim=2, doc="[optional] options/warrants rows: shares, exercise price")
@arg("violation_log", ndim=2, doc="[optional] violation log (Section 7); empty: assume a TE")
@arg("exit_date", doc="[optional] exit date, required with violation_log: " + _DATE)
@excel_function
def REMEDYEXIT(
    residual: Any,
    common_shares: Any,
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    dividends: Any = 0,
    options: Any = None,
    violation_log: Any = None,
    exit_date: Any = None,
) -> Any:
    """Section 8(a) at an exit during a Triggering Event: the residual after preferences shared per share with the Series A as converted → rows [who, shares, $] per Series A row, Common, option row."""  # noqa: E501
    _, conv, p = remedy_at_exit(
        residual,
        common_shares,
        shares,
        stated_value,
        conversion_price,
        dividends,
        options,
        violation_log,
        exit_date,
    )
    rows: list[list[Any]] = []
    for i, (n, pay) in enumerate(zip(conv, p.series_a, strict=True), start=1):
        rows.append([f"Series A row {i}", float(n), float(pay)])
    rows.append(["Common", float(p.common_shares), float(p.common)])
    for i, (n, pay, ex) in enumerate(
        zip(p.option_shares, p.options, p.exercised, strict=True), start=1
    ):
        rows.append([f"Options row {i}" + ("" if ex else " (not exercised)"), float(n), float(pay)])
    return rows


@func(category=CATEGORY)
@arg("instrument", doc="COMMON, PREFERRED, OPTION, WARRANT, RIGHT, CONVERTIBLE, HIGH_YIELD, ...")
@arg("category", doc="[optional] exclusion claimed: OPTION_PLAN, CONVERSION, ACQUISITION, ...")
@arg("shares", doc="[optional] units issued (needed for capped exclusions)")
@arg("used", doc="[optional] units already issued under the same capped exclusion")
@arg("investment_grade", doc="[optional] TRUE if a debt instrument is rated investment-grade")
@excel_function
def NEWSEC(
    instrument: Any,
    category: Any = None,
    shares: Any = None,
    used: Any = 0,
    investment_grade: Any = False,
) -> Any:
    """New Securities (Section 9(b)) → [TRUE/FALSE, units that are New Securities, reason]: (a) equity and convertibles, (b) sub-investment-grade debt, less the (i)-(viii) exclusions and caps."""  # noqa: E501
    r = new_securities(instrument, category, shares, used, investment_grade)
    return [[r.is_new, "" if r.units is None else float(r.units), r.reason]]


@func(category=CATEGORY)
@arg("receipt_date", doc="date the holder received the 9(c) notice: " + _DATE)
@arg("calendar", doc=_CAL_DOC)
@excel_function
def PREEMPTDATES(receipt_date: Any, calendar: Any = "FEDERAL") -> Any:
    """Preemptive Right periods (Section 9(c), 9(d)) → [last day to elect: 20 business days after receipt, last day to sell unpurchased New Securities: 90 days later] as date serials."""  # noqa: E501
    p = preemptive_periods(receipt_date, calendar)
    return [[p.election_deadline, p.sale_deadline]]


@func(category=CATEGORY)
@arg("receipt_date", doc="date the holders received the 9(c) notice: " + _DATE)
@arg("sale_date", doc="date of the sale to others: " + _DATE)
@arg("sale_price", doc="price per unit of the sale, $")
@arg("offer_price", doc="price per unit in the Corporation's notice, $")
@arg("more_favorable", doc="[optional] TRUE if the terms are more favorable in the aggregate")
@arg("calendar", doc=_CAL_DOC)
@excel_function
def PREEMPTSALE(
    receipt_date: Any,
    sale_date: Any,
    sale_price: Any,
    offer_price: Any,
    more_favorable: Any = False,
    calendar: Any = "FEDERAL",
) -> Any:
    """Sale of unpurchased New Securities (Section 9(d)) → [TRUE/FALSE, reason]: after the 20 business days, within 90 days, at no lower price and no more favorable terms."""  # noqa: E501
    v = preemptive_sale(receipt_date, sale_date, sale_price, offer_price, more_favorable, calendar)
    return [[v.ok, v.reason]]


@func(category=CATEGORY)
@arg("held", doc="Series A held by holders and Affiliates (conversion Common counted)")
@arg("issued", doc="Series A issued under the Purchase Agreement, after the Subsequent Closing")
@arg("qpo_closed", doc="[optional] TRUE once a Qualified Public Offering has closed")
@excel_function
def PREEMPTRIGHT(held: Any, issued: Any, qpo_closed: Any = False) -> Any:
    """Preemptive Right still alive? (Section 9(e)) → [TRUE/FALSE, reason]: ends at a QPO's closing or when holders hold less than 50% of the Series A issued."""  # noqa: E501
    v = preemptive_right(held, issued, qpo_closed)
    return [[v.ok, v.reason]]


@func(category=CATEGORY)
@arg("held", doc="Series A shares owned by the holders and their Affiliates")
@arg("initial", doc="their initial holdings, determined after the Subsequent Closing")
@arg("qpo_closed", doc="[optional] TRUE once a Qualified Public Offering has closed")
@arg("floor_always", doc="[optional] TRUE: apply the 25% floor before a QPO too")
@excel_function
def DIRECTORRIGHT(
    held: Any, initial: Any, qpo_closed: Any = False, floor_always: Any = False
) -> Any:
    """Series A Preferred Director right (Section 4(a)(v)) → [TRUE/FALSE, reason]: survives a QPO until holdings fall below 25% of the initial holdings."""  # noqa: E501
    ok, reason = director_right(held, initial, qpo_closed, floor_always)
    return [[ok, reason]]


@func(category=CATEGORY)
@arg("shares_for", ndim=2, doc="Series A shares voting for (a number or a column of holders)")
@arg("outstanding", doc="Series A shares outstanding")
@arg("matter", doc="[optional] CONSENT (default), REMOVAL, ELECTION, CALL_MEETING, PROCEDURE")
@excel_function
def CLASSVOTE(shares_for: Any, outstanding: Any, matter: Any = "CONSENT") -> Any:
    """Series A class vote (Section 4(d), one vote per share) → [TRUE/FALSE, reason]: majority of the shares for 4(b) consent and 4(a) removal, 25% to call a meeting, 75% for meeting rules."""  # noqa: E501
    ok, reason = class_vote(shares_for, outstanding, matter)
    return [[ok, reason]]
