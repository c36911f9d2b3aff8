"""Section 2(b): participation of the Series A in dividends on the Common Stock.

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
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .parse import parse_number
from .voting import as_converted_shares

__all__ = ["participating_dividend"]


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
