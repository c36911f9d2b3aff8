"""Section 4(c): as-converted votes of the Series A holders on stockholder matters.

"the holders of the Series A Convertible Preferred Stock shall have one (1) vote for each full
share of Common Stock into which their respective shares ... are convertible on the record date
for the vote and (ii) the holders of Common Stock shall have one (1) vote per share". Full shares
are per holder: each holder's Section 5(a) quotient is rounded down. The total vote is the Common
Stock outstanding on the record date plus every Series A holder's votes (directors are elected
separately, Section 4(a)).

Worked example: a holder of 1,000 Class I shares ($12.31) with a $10.00 Conversion Price casts
floor(12,310 / 10) = 1,231 votes; with 98,769 common shares outstanding it holds 1,231 / 100,000
= 1.231% of the vote.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .conversion import conversion_quotient
from .errors import TermsError
from .parse import Grid, at, is_range, parse_number, parse_optional

__all__ = ["as_converted_shares", "as_converted_votes", "holder_column"]


def holder_column(
    value: Any, name: str, rows: int | None = None, *, strict: bool = False
) -> list[Fraction]:
    """A cell or a one-column range of numbers >= 0 (> 0 with ``strict``), one per holder.

    A single cell is repeated to ``rows``; a range must have ``rows`` cells when given.
    """
    if not is_range(value):
        return [parse_number(value, name, minimum=0, strict=strict)] * (rows or 1)
    grid = Grid(value, name)
    if 1 not in grid.shape:
        raise TermsError(
            f"{name} must be one row or one column (got {grid.shape[0]}×{grid.shape[1]})",
            argument=name,
        )
    cells = grid.values()
    if rows is not None and len(cells) != rows and len(cells) != 1:
        raise TermsError(
            f"{name} must have {rows} cells like shares (got {len(cells)})", argument=name
        )
    out = []
    for i, v in enumerate(cells, start=1):
        try:
            out.append(parse_number(v, name, minimum=0, strict=strict))
        except TermsError as exc:
            raise TermsError(at(exc.message, f"row {i}"), argument=name) from None
    return out * rows if rows is not None and len(out) == 1 else out


def as_converted_shares(
    shares: Any, stated_value: Any, conversion_price: Any, dividends: Any = 0
) -> list[Fraction]:
    """Section 5(a) full shares of Common Stock per holder (one per row of ``shares``)."""
    n = holder_column(shares, "shares")
    sv = holder_column(stated_value, "stated_value", len(n), strict=True)
    cp = holder_column(conversion_price, "conversion_price", len(n), strict=True)
    dv = holder_column(parse_optional(dividends, 0), "dividends", len(n))
    return [
        Fraction(math.floor(conversion_quotient(a, b, c, d)))
        for a, b, c, d in zip(n, sv, cp, dv, strict=True)
    ]


def as_converted_votes(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    common_outstanding: Any,
    dividends: Any = 0,
) -> list[tuple[Fraction, Fraction]]:
    """Section 4(c): per holder, (votes, share of the total vote).

    ``common_outstanding``: Common Stock outstanding on the record date (one vote each).

    >>> as_converted_votes(1000, 12.31, 10, 98769)
    [(Fraction(1231, 1), Fraction(1231, 100000))]
    """
    votes = as_converted_shares(shares, stated_value, conversion_price, dividends)
    common = parse_number(common_outstanding, "common_outstanding", minimum=0)
    total = common + sum(votes, Fraction(0))
    if total == 0:
        raise TermsError(
            "common_outstanding must be > 0 when no Series A votes (got 0)",
            argument="common_outstanding",
        )
    return [(v, v / total) for v in votes]
