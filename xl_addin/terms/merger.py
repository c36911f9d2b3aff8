"""Section 5(g) (Merger, Etc.): conversion after a merger that is not a Liquidation Event.

Section 5(g)(i): "in case of any merger or other business combination transaction involving the
Corporation which does not constitute a Liquidation Event, ... provision shall be made so that
each share of Series A Convertible Preferred Stock shall thereafter be convertible into the
number of shares of stock or other securities or property (including cash) to which a holder of
the number of shares of Common Stock deliverable upon conversion of such share ... would have
been entitled assuming conversion immediately prior to the closing of the transaction."
Section 5(a)(ii) says the same of a reorganization or reclassification ("Common Stock" includes
what it is converted into), and the Section 6(j) certificate describes "the number and kind of
any other shares of stock or Other Property" after an adjustment under 5(g)(i) or 6(h).

So per holder: the Common shares deliverable on conversion immediately before the closing --
Section 5(a), full shares (Section 5(e)(ii): no fractional share need be issued; the fraction is
paid in cash at the Corporation's discretion, :func:`~xl_addin.terms.conversion.cash_in_lieu`)
-- times what one share of Common Stock receives in the transaction, for each kind of
consideration (e.g. 0.5 shares of the acquirer and $3.00 in cash per Common share).

Whether the transaction is a Liquidation Event is Section 3(b)
(:func:`~xl_addin.terms.liquidation_event.liquidation_event`, LIQEVENT): 5(g) applies only when
it is not. Not modelled, because the certificate leaves them to judgment: 5(g)(ii) (shares of
the surviving corporation with "substantially the same" rights) and 6(h) (another action on the
Common Stock adjusts the conversion "in such manner as may be equitable").

Worked example: 1,000 Class I shares, Stated Value $12.31, Conversion Price $10.00 → 1,231
Common shares; each Common share receives 0.5 acquirer shares and $3.00 → 615.5 acquirer shares
and $3,693.00.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .errors import TermsError
from .parse import Grid, at, is_range, parse_number
from .voting import as_converted_shares

__all__ = ["merger_consideration"]


def _per_common(value: Any) -> list[Fraction]:
    if not is_range(value):
        return [parse_number(value, "per_common", minimum=0)]
    grid = Grid(value, "per_common")
    if grid.shape[0] != 1:
        raise TermsError(
            "per_common must be one row: one amount per kind of consideration "
            f"(got {grid.shape[0]}×{grid.shape[1]})",
            argument="per_common",
        )
    out = []
    for k, v in enumerate(grid.values(), start=1):
        try:
            out.append(parse_number(v, "per_common", minimum=0))
        except TermsError as exc:
            raise TermsError(at(exc.message, f"column {k}"), argument="per_common") from None
    return out


def merger_consideration(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    per_common: Any,
    dividends: Any = 0,
) -> list[list[Fraction]]:
    """Section 5(g)(i): per holder (one per row of ``shares``), the Common shares deliverable on
    conversion immediately before the closing, then what they receive of each kind.

    ``per_common``: what one share of Common Stock receives, a cell or one row with one amount
    per kind of consideration (shares of stock, other securities, cash, ...); ``dividends``:
    declared unpaid dividends per Series A share (they enter the Section 5(a) quotient).

    >>> merger_consideration(1000, 12.31, 10, [[0.5, 3]])
    [[Fraction(1231, 1), Fraction(1231, 2), Fraction(3693, 1)]]
    """
    kinds = _per_common(per_common)
    common = as_converted_shares(shares, stated_value, conversion_price, dividends)
    return [[c, *(c * k for k in kinds)] for c in common]
