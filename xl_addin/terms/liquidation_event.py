"""Sections 3(b) and 3(c): the deemed Liquidation Event test and the valuation of securities.

Section 3(b), first sentence: a merger, recapitalization, reorganization, sale of voting control
or other business combination "in which the shareholders of the Corporation immediately prior to
the consummation of such transaction do not own at least a majority of the outstanding shares of
the surviving corporation or the Corporation ... or sale of all or substantially all of the
assets" is a Liquidation Event. Second sentence, the exception -- "a merger of the Corporation
with a public company" is NOT a Liquidation Event when all three hold:

(I)   the Series A receives fully registered marketable securities (the "Merger Shares") not
      subject to any restrictions on transfer;
(II)  their value per Series A share -- the average closing price for the 30 days before the
      consummation (or the shorter period after the announcement) × Merger Shares per Series A
      share -- is **greater than** 120% of the Liquidation Preference per share at consummation,
      "for each share": Class I and Class II have different Stated Values and issue dates, hence
      different preferences (and may receive different Merger Shares), so the test is made for
      each class and must hold for both;
(III) aggregate trading volume over the 30 calendar days before the merger is **at least** 10
      times the Merger Shares received by all Series A holders.

The exception is read as applying only to a merger with a public company (not to an asset sale).

Section 3(c): non-cash consideration is valued at fair market value; securities
(i)(A)/(B): "the average of the closing prices [or closing bid or sale prices over-the-counter]
over the thirty (30) day period ending three (3) days prior to the closing" -- read as the 30
calendar days ending on closing − 3 days (both ends included), averaging the prices reported on
those days; (ii): restricted securities at a discount to that value (the discount is agreed by
the Board and the Series A majority, so it is an input).

Worked example: 1.5 Merger Shares per Series A share at a $10.00 average is $15.00 per share;
with a $13.541 Liquidation Preference, 120% is $16.2492 → $15.00 is not greater → a Liquidation
Event, ``fails 3(b)(II)``. Where (I) fails the transaction is a Liquidation Event whatever the
price, so the (II)/(III) inputs are not required then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .constants import (
    MERGER_VALUE_TEST,
    MERGER_VOLUME_MULTIPLE,
    VALUATION_LAG_DAYS,
    VALUATION_WINDOW_DAYS,
)
from .daycount import serial_to_date
from .errors import TermsError
from .parse import (
    Grid,
    at,
    is_range,
    location,
    parse_bool,
    parse_date,
    parse_number,
    parse_optional,
)
from .qualified_public_offering import money

__all__ = ["LiquidationEventResult", "liquidation_event", "security_value", "valuation_window"]


@dataclass(frozen=True)
class LiquidationEventResult:
    """The 3(b) answer: ``is_event`` and the reason (the failing conditions, if any)."""

    is_event: bool
    reason: str


def _average(price: Any, name: str) -> Fraction:
    if not is_range(price):
        return parse_number(price, name, minimum=0, strict=True)
    grid = Grid(price, name)
    values = [v for v in grid.values() if v is not None and v != ""]
    if not values:
        raise TermsError(f"{name} must hold at least one price (got an empty range)", argument=name)
    nums = [parse_number(v, name, minimum=0) for v in values]
    return sum(nums, Fraction(0)) / len(nums)


def _given(value: Any) -> bool:
    return parse_optional(value, None) is not None


def liquidation_event(
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
) -> LiquidationEventResult:
    """Section 3(b): whether a transaction is a Liquidation Event, and why.

    ``keeps_majority``: the old shareholders own at least a majority afterwards;
    ``asset_sale``: a sale of all or substantially all of the assets; ``public_buyer``: a merger
    with a public company; ``registered_unrestricted``: the Merger Shares are registered and
    freely transferable (I); ``average_price``: the (I)-(II) average closing price -- a number or
    a range of closing prices to average; ``exchange_ratio``: Merger Shares per Series A share
    (per Class I share when ``class_ii_preference`` is given); ``preference_per_share``: the
    Liquidation Preference per share at consummation (Class I's when ``class_ii_preference`` is
    given); ``trading_volume``: 30-calendar-day volume; ``merger_shares``: Merger Shares to all
    Series A; ``class_ii_preference``: the Liquidation Preference per Class II share at
    consummation; ``class_ii_ratio``: Merger Shares per Class II share (default: as Class I).

    (II) must hold "for each share of Series A Convertible Preferred Stock": with both
    preferences it is tested for each class and the failing class is named. The (II)/(III)
    inputs are needed only when the exception can apply: where (I) already fails the answer is
    TRUE whatever they are (conditions whose inputs are given are still reported).

    >>> liquidation_event(True).is_event
    False
    >>> liquidation_event(False, public_buyer=True).reason
    'Liquidation Event: fails 3(b)(I): Merger Shares not registered and freely transferable'
    """
    if parse_optional(keeps_majority, None) is None:
        raise TermsError(
            "keeps_majority must be TRUE or FALSE (got an empty cell)", argument="keeps_majority"
        )
    keeps = parse_bool(keeps_majority, "keeps_majority", False)
    sale = parse_bool(parse_optional(asset_sale, False), "asset_sale", False)
    public = parse_bool(parse_optional(public_buyer, False), "public_buyer", False)
    free = parse_bool(
        parse_optional(registered_unrestricted, False), "registered_unrestricted", False
    )
    if sale:
        return LiquidationEventResult(
            True, "Liquidation Event: sale of all or substantially all of the assets (3(b))"
        )
    if keeps:
        return LiquidationEventResult(
            False, "not a Liquidation Event: the shareholders keep a majority (3(b))"
        )
    if not public:
        return LiquidationEventResult(
            True,
            "Liquidation Event: the shareholders do not keep a majority and the buyer is not "
            "a public company (3(b))",
        )
    fails: list[str] = []
    if not free:
        fails.append("3(b)(I): Merger Shares not registered and freely transferable")
    two = _given(class_ii_preference)
    if _given(class_ii_ratio) and not two:
        raise TermsError(
            "class_ii_preference must be given with class_ii_ratio (got an empty cell)",
            argument="class_ii_preference",
        )
    value_inputs = [average_price, exchange_ratio, preference_per_share]
    if free or all(_given(v) for v in value_inputs):
        price = _average(average_price, "average_price")
        ratio = parse_number(exchange_ratio, "exchange_ratio", minimum=0)
        pref = parse_number(preference_per_share, "preference_per_share", minimum=0)
        tests = [("Class I " if two else "", ratio, pref)]
        if two:
            ratio_ii = parse_number(
                parse_optional(class_ii_ratio, ratio), "class_ii_ratio", minimum=0
            )
            pref_ii = parse_number(class_ii_preference, "class_ii_preference", minimum=0)
            tests.append(("Class II ", ratio_ii, pref_ii))
        for label, r, lp in tests:
            value = price * r
            test = lp * Fraction(MERGER_VALUE_TEST)
            if not value > test:
                fails.append(
                    f"3(b)(II): {label}value {money(value)} per share <= 120% of Liquidation "
                    f"Preference {money(test)}"
                )
    if free or (_given(trading_volume) and _given(merger_shares)):
        volume = parse_number(trading_volume, "trading_volume", minimum=0)
        shares = parse_number(merger_shares, "merger_shares", minimum=0)
        needed = shares * MERGER_VOLUME_MULTIPLE
        if volume < needed:
            fails.append(
                f"3(b)(III): trading volume {float(volume):,.0f} < {MERGER_VOLUME_MULTIPLE}× "
                f"Merger Shares {float(needed):,.0f}"
            )
    if fails:
        return LiquidationEventResult(True, "Liquidation Event: fails " + "; ".join(fails))
    return LiquidationEventResult(
        False, "not a Liquidation Event: merger with a public company meets 3(b)(I)-(III)"
    )


def valuation_window(closing_date: Any) -> tuple[int, int]:
    """Section 3(c)(i): first and last day (Excel serials) of the 30-day valuation period.

    The period ends 3 days before the closing and spans 30 calendar days, both ends included.
    """
    close = parse_date(closing_date, "closing_date")
    end = close - VALUATION_LAG_DAYS
    return end - VALUATION_WINDOW_DAYS + 1, end


def security_value(dates: Any, prices: Any, closing_date: Any, discount: Any = 0) -> Fraction:
    """Section 3(c)(i)-(ii): a security's value per unit for a Liquidation Event.

    ``dates`` and ``prices``: daily closing prices (or closing bids/sales over-the-counter), one
    per row, in any order; only the days within :func:`valuation_window` count. ``discount``:
    the 3(c)(ii) discount for restricted securities, as a fraction (0.25 for 25%).

    >>> security_value([[36892], [36893]], [[10], [11]], 36896)
    Fraction(21, 2)
    """
    d = Grid(dates if is_range(dates) else [[dates]], "dates")
    p = Grid(prices if is_range(prices) else [[prices]], "prices")
    if d.shape != p.shape:
        raise TermsError(
            f"prices is {p.shape[0]}×{p.shape[1]} but dates is {d.shape[0]}×{d.shape[1]}: "
            "ranges must have the same shape",
            argument="prices",
        )
    disc = parse_number(parse_optional(discount, 0), "discount", minimum=0)
    if disc >= 1:
        raise TermsError(f"discount must be < 1 (got {float(disc):.15g})", argument="discount")
    first, last = valuation_window(closing_date)
    serials: list[int] = []
    values: list[Fraction] = []
    for i, (dv, pv) in enumerate(zip(d.values(), p.values(), strict=True)):
        if dv is None and pv is None:
            continue
        try:
            serials.append(parse_date(dv, "dates"))
            values.append(parse_number(pv, "prices", minimum=0))
        except TermsError as exc:
            raise TermsError(at(exc.message, location(d.shape, i)), argument=exc.argument) from None
    window = [(s, v) for s, v in zip(serials, values, strict=True) if first <= s <= last]
    if not window:
        start, end = serial_to_date(first), serial_to_date(last)
        raise TermsError(
            f"prices must include a day from {_iso(start)} to {_iso(end)} (got none)",
            argument="prices",
        )
    seen: set[int] = set()
    for s, _ in window:
        if s in seen:
            raise TermsError(
                f"dates must not repeat (got {_iso(serial_to_date(s))} twice)", argument="dates"
            )
        seen.add(s)
    avg = sum((v for _, v in window), Fraction(0)) / len(window)
    return avg * (1 - disc)


def _iso(d: dt.date) -> str:
    return d.isoformat()
