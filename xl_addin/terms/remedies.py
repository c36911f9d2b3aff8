"""Sections 7 and 8: remedies during a Triggering Event -- board control, the put, and
as-converted distributions.

Section 8(b): the Board "shall immediately be increased by the minimum number of directors
which, if all of such additional directors were deemed 'Series A Preferred Directors,' would
result in Series A Preferred Directors constituting a majority". With a board of ``n`` of whom
``d`` are Series A Preferred Directors, the minimum ``x >= 0`` with ``2(d + x) > n + x`` is
``max(0, n − 2d + 1)``. Worked example: board of 7 with 1 Series A director → 6 new seats;
7 of 13 is a majority (5 would give 6 of 12, only half).

Section 8(c): a holder may demand repurchase "for a cash purchase price in an amount per share
equal to the Liquidation Preference" (Section 3(a), at the repurchase date), "on the date (not
less than 10 business days after the date of the Put Notice) designated in such Put Notice".
The earliest date is the 10th business day after the notice date.

Business-day calendar (the certificate does not define "business day"): Monday-Friday except
holidays, computed by rule, no network:

* ``FEDERAL`` (default; the put is paid by wire or bank check, so bank holidays): the US federal
  holidays of 5 U.S.C. 6103 -- New Year's Day, Martin Luther King Jr. Day (from 1986),
  Washington's Birthday, Memorial Day, Juneteenth (from 2021), Independence Day, Labor Day,
  Columbus Day, Veterans Day, Thanksgiving, Christmas; a Saturday holiday is observed on the
  Friday before, a Sunday holiday on the Monday after.
* ``NYSE``: New Year's Day (not observed when on a Saturday), Martin Luther King Jr. Day (from
  1998), Washington's Birthday, Good Friday, Memorial Day, Juneteenth (from 2022), Independence
  Day, Labor Day, Thanksgiving, Christmas; same weekend rule. One-off closures (e.g. 2001-09-11,
  2012-10-29, national days of mourning) are not included.

Worked example: a Put Notice on Friday 2024-08-30, before the Labor Day weekend (Monday
2024-09-02): the 10 business days after it are Sep 3-6 and 9-13 (nine) and Sep 16 → 2024-09-16.

Section 8(a): during a Triggering Event each holder receives every distribution payable on its
as-converted Common Stock "without regard to the number of shares of Common Stock which are
authorized or reserved" -- :func:`as_converted_distribution` (a dividend: the same amount as
2(b), not a second one), and at an exit :func:`exit_participation`.

Reading of 8(a) at an exit (documented choice): "all ... distributions and other payments" on
the as-converted Common Stock include a liquidating distribution. Nothing in 8(a) takes the
Liquidation Preference (3(a)) away, so while a Triggering Event continues at the exit each
Series A holder receives its Liquidation Preference AND, on top, the as-converted share of what
is distributed to the Common Stock (the Series A then never gains by converting). The other
reading -- 8(a) gives nothing beyond converting, i.e. the greater of the preference and the
as-converted amount -- is the ordinary WATERFALL; compare the two side by side. The whole
waterfall under this reading (preferences, shortfall, options, breakpoints) is
:class:`~.remedy_waterfall.RemedyWaterfall`: WATERFALL and WFBREAKS with a ``violation_log``.

Whether Sections 8(a)-(c) apply is decided by Section 7 (:mod:`.triggering_events`): each
function takes an optional ``violation_log``; without one it assumes a Triggering Event is
continuing (the user asks "what if").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .constants import ACCRUAL_RATE, DEFAULT_DAYCOUNT_BASIS, PUT_NOTICE_BUSINESS_DAYS
from .daycount import serial_to_date
from .errors import TermsError, describe
from .liquidation import liquidation_preference
from .parse import EXCEL_EPOCH, is_range, parse_date, parse_number, parse_optional, parse_text
from .participation import participating_dividend
from .triggering_events import Status, read_violation_log, status_on
from .voting import as_converted_shares

__all__ = [
    "CALENDARS",
    "PUT_NOTICE_BUSINESS_DAYS",
    "Participation",
    "PutPrice",
    "add_business_days",
    "as_converted_distribution",
    "directors_to_add",
    "earliest_repurchase_date",
    "exit_participation",
    "holidays",
    "is_business_day",
    "put_price",
    "remedy_at_exit",
    "triggering_status",
]

CALENDARS = ("FEDERAL", "NYSE")


def triggering_status(violation_log: Any, as_of: Any, name: str = "as_of") -> Status | None:
    """Section 7 status on ``as_of`` from a violation log, or None when no log is given (the
    Section 8 functions then assume a Triggering Event is continuing, as before)."""
    if parse_optional(violation_log, None) is None:
        return None
    if parse_optional(as_of, None) is None:
        raise TermsError(
            f"{name} must be a date when violation_log is given (got an empty cell)",
            argument=name,
        )
    return status_on(read_violation_log(violation_log), as_of, name)


def directors_to_add(
    board_size: Any, series_a_directors: Any, violation_log: Any = None, as_of: Any = None
) -> int:
    """Section 8(b): the minimum number of new directors giving the Series A a majority.

    With a ``violation_log`` (Section 7), the increase applies only "during the continuance of
    any Triggering Event": 0 when none is continuing on ``as_of``.

    >>> directors_to_add(7, 1)
    6
    """
    n = parse_number(board_size, "board_size", minimum=0, integral=True)
    d = parse_number(series_a_directors, "series_a_directors", minimum=0, integral=True)
    if d > n:
        raise TermsError(
            f"series_a_directors must be <= board_size {n} (got {d})",
            argument="series_a_directors",
        )
    status = triggering_status(violation_log, as_of)
    if status is not None and not status.continuing:
        return 0
    return int(max(Fraction(0), n - 2 * d + 1))


@dataclass(frozen=True)
class PutPrice:
    """Section 8(c) repurchase price: per share and for all the shares put."""

    per_share: Fraction
    total: Fraction


def put_price(
    shares: Any,
    stated_value: Any,
    issue_date: Any,
    repurchase_date: Any,
    dividends: Any = 0,
    rate: Any = ACCRUAL_RATE,
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
) -> PutPrice:
    """Section 8(c): the Liquidation Preference (3(a)) at the repurchase date, per share and total.

    >>> put_price(1000, 12.31, 36703, 37068, basis=3).total
    Fraction(13541, 1)
    """
    n = parse_number(shares, "shares", minimum=0)
    singles = {"stated_value": stated_value, "issue_date": issue_date}
    singles |= {"repurchase_date": repurchase_date, "dividends": dividends, "rate": rate}
    for name, value in (*singles.items(), ("basis", basis)):
        if is_range(value):  # liquidation_preference would broadcast a range
            raise TermsError(f"{name} must be a single cell (got a range)", argument=name)
    try:
        per = liquidation_preference(
            1, stated_value, issue_date, repurchase_date, dividends, rate, basis
        )
    except TermsError as exc:
        if exc.argument == "payment_date":  # liquidation_preference's name for it
            message = exc.message.replace("payment_date", "repurchase_date")
            raise TermsError(message, code=exc.code, argument="repurchase_date") from None
        raise
    assert isinstance(per, Fraction)
    return PutPrice(per, per * n)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th ``weekday`` (Monday 0) of a month; n = -1 for the last."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _observed(d: dt.date, saturday_to_friday: bool = True) -> dt.date | None:
    if d.weekday() == 5:
        return d - dt.timedelta(days=1) if saturday_to_friday else None
    if d.weekday() == 6:
        return d + dt.timedelta(days=1)
    return d


@lru_cache(maxsize=512)
def holidays(year: int, calendar: str = "FEDERAL") -> frozenset[dt.date]:
    """The observed holidays of ``calendar`` falling in ``year`` (see the module docstring)."""
    out: set[dt.date | None] = set()
    nyse = calendar == "NYSE"
    for y in (year, year + 1):  # a Saturday 1 January is observed on 31 December before
        if y <= dt.MAXYEAR:
            out.add(_observed(dt.date(y, 1, 1), saturday_to_friday=not nyse))
    if year >= (1998 if nyse else 1986):
        out.add(_nth_weekday(year, 1, 0, 3))
    out.add(_nth_weekday(year, 2, 0, 3))
    if nyse:
        out.add(_easter(year) - dt.timedelta(days=2))
    out.add(_nth_weekday(year, 5, 0, -1))
    if year >= (2022 if nyse else 2021):
        out.add(_observed(dt.date(year, 6, 19)))
    out.add(_observed(dt.date(year, 7, 4)))
    out.add(_nth_weekday(year, 9, 0, 1))
    if not nyse:
        out.add(_nth_weekday(year, 10, 0, 2))
        out.add(_observed(dt.date(year, 11, 11)))
    out.add(_nth_weekday(year, 11, 3, 4))
    out.add(_observed(dt.date(year, 12, 25)))
    return frozenset(d for d in out if d is not None and d.year == year)


def _business(d: dt.date, calendar: str) -> bool:
    return d.weekday() < 5 and d not in holidays(d.year, calendar)


def is_business_day(date: Any, calendar: Any = "FEDERAL") -> bool:
    """Whether ``date`` is a business day on ``calendar`` (FEDERAL or NYSE)."""
    cal = parse_text(parse_optional(calendar, "FEDERAL"), "calendar", CALENDARS)
    return _business(serial_to_date(parse_date(date, "date")), cal)


def add_business_days(start: int, days: int, calendar: str, name: str) -> int:
    """The ``days``-th business day after the serial ``start`` (the start day itself excluded)."""
    d = serial_to_date(start)
    count = 0
    while count < days:
        if d == dt.date.max:
            raise TermsError(
                f"{name} must leave {days} business days before 9999-12-31 "
                f"(got {serial_to_date(start)})",
                argument=name,
            )
        d += dt.timedelta(days=1)
        if _business(d, calendar):
            count += 1
    return (d - EXCEL_EPOCH).days


def earliest_repurchase_date(
    notice_date: Any, calendar: Any = "FEDERAL", violation_log: Any = None
) -> int:
    """Section 8(c): the earliest repurchase date, the 10th business day after the Put Notice
    (an Excel serial).

    With a ``violation_log`` (Section 7), the put exists only "during the continuance of any
    Triggering Event": a notice given when none is continuing is an error saying so.

    >>> serial_to_date(earliest_repurchase_date(dt.date(2024, 8, 30)))
    datetime.date(2024, 9, 16)
    """
    cal = parse_text(parse_optional(calendar, "FEDERAL"), "calendar", CALENDARS)
    start = parse_date(notice_date, "notice_date")
    status = triggering_status(violation_log, notice_date, "notice_date")
    if status is not None and not status.continuing:
        raise TermsError(
            f"notice_date: no Put Notice under 8(c): {status.reason}", argument="notice_date"
        )
    return add_business_days(start, PUT_NOTICE_BUSINESS_DAYS, cal, "notice_date")


def as_converted_distribution(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    distribution_per_common: Any,
    dividends: Any = 0,
) -> list[Fraction]:
    """Section 8(a): each holder's share of a distribution per common share, as converted
    (full shares per holder; authorized or reserved shares do not limit it)."""
    return participating_dividend(
        shares, stated_value, conversion_price, distribution_per_common, dividends
    )


@dataclass(frozen=True)
class Participation:
    """Section 8(a) at an exit: who receives the amount distributed to the Common Stock.

    ``series_a``: each Series A row's as-converted payment (on top of its Liquidation
    Preference); ``common``: the Common Stock's; ``options``: each option row's, net of its
    exercise price (0 when not exercised); ``per_share``: the value of one Common share;
    ``common_shares`` and ``option_shares`` (0 when not exercised): the shares behind them.
    """

    series_a: tuple[Fraction, ...]
    common: Fraction
    options: tuple[Fraction, ...]
    exercised: tuple[bool, ...]
    per_share: Fraction
    common_shares: Fraction = Fraction(0)
    option_shares: tuple[Fraction, ...] = ()


def exit_participation(
    residual: Fraction,
    common_shares: Fraction,
    as_converted: list[Fraction] | tuple[Fraction, ...],
    options: list[tuple[Fraction, Fraction]] | tuple[tuple[Fraction, Fraction], ...] = (),
) -> Participation:
    """Section 8(a) at an exit, on exact validated inputs: while a Triggering Event continues,
    each Series A holder receives "all ... distributions and other payments which would be
    paid or payable to a holder of" its as-converted Common Stock.

    ``residual``: what the liquidation distributes to the Common Stock after the Liquidation
    Preferences (and Parity Securities) are paid under 3(a); ``common_shares``: Common Stock
    outstanding; ``as_converted``: each Series A row's full Common shares (5(a), 5(e)(ii));
    ``options``: (shares, exercise price) rows, exercised when in the money as in the waterfall
    (strikes in increasing order, the longest run whose next strike is below the value per
    share with the options before it exercised). The residual is shared per share among the
    Common Stock, the exercised options and the Series A as converted; every payout is exact
    and they add up to the residual plus nothing (options are net of their exercise price).

    >>> p = exit_participation(Fraction(1000), Fraction(800), [Fraction(200)])
    >>> (p.series_a, p.common)
    ((Fraction(200, 1),), Fraction(800, 1))
    """
    order = sorted(range(len(options)), key=lambda k: options[k][1])
    base = common_shares + sum(as_converted, Fraction(0))

    def price(j: int) -> Fraction:
        shares = base + sum((options[order[i]][0] for i in range(j)), Fraction(0))
        cash = residual + sum(
            (options[order[i]][0] * options[order[i]][1] for i in range(j)), Fraction(0)
        )
        if shares == 0 and cash == 0:
            return Fraction(0)
        if shares == 0:
            raise TermsError(
                "common_shares must be > 0 when nothing else shares the residual (got 0)",
                argument="common_shares",
            )
        return cash / shares

    j = 0
    while j < len(order) and options[order[j]][1] < price(j):
        j += 1
    per = price(j)
    exercised = [False] * len(options)
    for i in range(j):
        exercised[order[i]] = True
    return Participation(
        tuple(s * per for s in as_converted),
        common_shares * per,
        tuple(
            n * (per - x) if e else Fraction(0)
            for (n, x), e in zip(options, exercised, strict=True)
        ),
        tuple(exercised),
        per,
        common_shares,
        tuple(n if e else Fraction(0) for (n, _), e in zip(options, exercised, strict=True)),
    )


def _option_rows(value: Any) -> list[tuple[Fraction, Fraction]]:
    if parse_optional(value, None) is None:
        return []
    if not is_range(value):
        raise TermsError(
            f"options must be a range of rows: shares, exercise price (got {describe(value)})",
            argument="options",
        )
    rows = []
    for r, row in enumerate(value if _rows_of(value) else [value], start=1):
        cells = list(row)
        if all(parse_optional(c, None) is None for c in cells):
            continue
        if len(cells) != 2:
            raise TermsError(
                f"options must have 2 columns: shares, exercise price (got {len(cells)})",
                argument="options",
            )
        n = parse_number(cells[0], f"options row {r}, shares", minimum=0)
        x = parse_number(cells[1], f"options row {r}, exercise price", minimum=0)
        rows.append((n, x))
    return rows


def _rows_of(value: Any) -> bool:
    return bool(value) and all(isinstance(r, (list, tuple)) for r in value)


def remedy_at_exit(
    residual: Any,
    common_shares: Any,
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    dividends: Any = 0,
    options: Any = None,
    violation_log: Any = None,
    exit_date: Any = None,
) -> tuple[Status | None, list[Fraction], Participation]:
    """Section 8(a) at an exit from cell arguments: (Section 7 status or None, each Series A
    row's as-converted full shares, the :class:`Participation`). With a ``violation_log`` and
    no Triggering Event continuing on ``exit_date``, 8(a) pays the Series A nothing: the
    residual goes to the Common Stock (and options) alone."""
    res = parse_number(residual, "residual", minimum=0)
    common = parse_number(common_shares, "common_shares", minimum=0)
    conv = as_converted_shares(shares, stated_value, conversion_price, dividends)
    opts = _option_rows(options)
    status = triggering_status(violation_log, exit_date, "exit_date")
    if status is not None and not status.continuing:
        return status, conv, exit_participation(res, common, [Fraction(0)] * len(conv), opts)
    return status, conv, exit_participation(res, common, conv, opts)
