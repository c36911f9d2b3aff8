"""Sections 2(b) and 2(c): the Series A's dividends -- with the Common Stock, and with Parity
Securities.

Section 2(b): participation of the Series A in dividends on the Common Stock.

When the Board pays or declares a dividend on the Common Stock (cash, stock or other
consideration), the Series A holders "shall be entitled to receive, before any dividend shall be
declared and paid or set aside for the Common Stock, dividends ... in an amount per share equal
to the per share amount that would have been payable to such holders had such holders converted
... pursuant to Section 5". Each holder receives its as-converted full shares (Section 5(a),
rounded down per holder as on a real conversion) × the dividend per common share, and is paid
first. Section 8(a) (a continuing Triggering Event) gives the same as-converted amount for every
distribution; :func:`xl_addin.terms.remedies.as_converted_distribution` reuses this function.

Worked example: 1,000 Class I shares ($12.31), Conversion Price $12.31 → 1,000 common shares;
a $0.50 common dividend pays this holder $500.00 before the common is paid.

Section 2(c): dividends on the Series A come before any on the Junior Stock, and a dividend on
Parity Securities that is not paid in full is shared ratably with the Series A
(:func:`parity_dividends`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .parse import parse_number, parse_optional
from .voting import as_converted_shares, holder_column

__all__ = ["parity_dividends", "participating_dividend"]


def participating_dividend(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    dividend_per_common: Any,
    dividends: Any = 0,
) -> list[Fraction]:
    """Section 2(b): the dividend each Series A holder (one per row) receives, in dollars.

    ``dividend_per_common``: the dividend per share of Common Stock (the cash or value of the
    stock or other consideration); ``dividends``: declared unpaid Series A dividends per share
    (they enter the Section 5(a) conversion quotient).

    >>> participating_dividend(1000, 12.31, 12.31, 0.5)
    [Fraction(500, 1)]
    """
    per = parse_number(dividend_per_common, "dividend_per_common", minimum=0)
    return [c * per for c in as_converted_shares(shares, stated_value, conversion_price, dividends)]


def parity_dividends(
    available: Any, series_a_full: Any, parity_full: Any = None
) -> list[tuple[Fraction, Fraction]]:
    """Section 2(c): a dividend shared by the Series A and Parity Securities, ratably.

    "no full dividends shall be declared or paid or set apart for payment on any such
    [Parity Securities] unless dividends have been or contemporaneously are ratably declared and
    paid ... on the Series A Convertible Preferred Stock". ``available``: the amount the Board
    pays on the Series A and the Parity Securities together; ``series_a_full``: the full
    dividend each Series A row is entitled to (e.g. its 2(b) amount, :func:`participating_dividend`
    or PARTDIV); ``parity_full``: the full dividend on each Parity Security (omitted: none).

    Reading (documented): "ratably" is in proportion to the full amounts each is entitled to (as
    Section 3(a) shares a shortfall with Parity Securities "in proportion to the full respective
    preferential amounts"). If ``available`` covers every full amount each is paid in full; the
    rest (``available`` − the total) is not theirs -- it may go to the Junior Stock, which ranks
    after them (2(c), first sentence). Returns, per Series A row then per Parity row, (paid,
    unpaid).

    Worked example: $600 for a Series A dividend of $500 and a Parity dividend of $1,000 (total
    $1,500): each receives 600/1,500 = 40% → $200 and $400; unpaid $300 and $600.

    >>> parity_dividends(600, 500, 1000)
    [(Fraction(200, 1), Fraction(300, 1)), (Fraction(400, 1), Fraction(600, 1))]
    """
    amount = parse_number(available, "available", minimum=0)
    full = holder_column(series_a_full, "series_a_full")
    if parse_optional(parity_full, None) is not None:
        full += holder_column(parity_full, "parity_full")
    total = sum(full, Fraction(0))
    if amount >= total:
        return [(f, Fraction(0)) for f in full]
    paid = [f * amount / total for f in full]
    return [(p, f - p) for p, f in zip(paid, full, strict=True)]
