"""Section 5(f): Common Stock reserved for conversion of the Series A.

The Corporation "shall reserve and keep available out of its authorized but unissued shares of
Common Stock ... 2,030,869 shares of Common Stock. If at any time the number of authorized but
unissued shares of Common Stock shall not be sufficient to effect the conversion of all then
outstanding shares ... without regard to whether the holders ... are then entitled to convert",
the Corporation must act to increase them.

The check: shares issuable on conversion of every outstanding Series A share (full shares per
holder row, Section 5(a)) against (a) the 2,030,869 reserved and (b) the authorized-but-unissued
Common Stock; the shortfall of each (0 when sufficient). Failing to comply with 5(f) in any
material respect is a Triggering Event (Section 7(c)).

Worked example: 1,210,398 Class I shares at $12.31 with a $10.00 Conversion Price convert into
floor(1,210,398 × 1.231) = 1,489,999 shares: within the 2,030,869 reserved; with 1,000,000
authorized-but-unissued the shortfall is 489,999.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .constants import RESERVED_COMMON_SHARES
from .parse import parse_number, parse_optional
from .voting import as_converted_shares

__all__ = ["ReservationResult", "reservation_check"]


@dataclass(frozen=True)
class ReservationResult:
    """Issuable shares and the shortfalls against the reserve and the authorized-unissued."""

    issuable: Fraction
    reserved_shortfall: Fraction
    authorized_shortfall: Fraction

    @property
    def sufficient(self) -> bool:
        return self.reserved_shortfall == 0 and self.authorized_shortfall == 0


def reservation_check(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    authorized_unissued: Any,
    dividends: Any = 0,
    reserved: Any = RESERVED_COMMON_SHARES,
) -> ReservationResult:
    """Section 5(f): issuable on converting all Series A vs the reserve and authorized shares.

    >>> reservation_check(1210398, 12.31, 10, 1000000).authorized_shortfall
    Fraction(489999, 1)
    """
    issuable = sum(
        as_converted_shares(shares, stated_value, conversion_price, dividends), Fraction(0)
    )
    auth = parse_number(authorized_unissued, "authorized_unissued", minimum=0)
    res = parse_number(parse_optional(reserved, RESERVED_COMMON_SHARES), "reserved", minimum=0)
    return ReservationResult(
        issuable, max(Fraction(0), issuable - res), max(Fraction(0), issuable - auth)
    )
