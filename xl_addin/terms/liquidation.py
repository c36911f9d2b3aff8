"""Section 3(a): the Liquidation Preference.

    "an amount per share of Series A Convertible Preferred Stock equal to the sum of (x) the
    applicable Stated Value plus any declared and unpaid dividends to the date of liquidation,
    plus (y) 10% of such Stated Value per annum, calculated from the date of issuance of such
    share through date of payment of the liquidation preference"

so, for ``shares`` shares::

    shares × (stated_value + dividends + stated_value × rate × YEARFRAC(issue, payment, basis))

Worked example: 1,000 Class I shares ($12.31) issued 2000-06-26, paid 2001-06-26, basis 3:
YEARFRAC = 365/365 = 1, so 1,000 × (12.31 + 0 + 12.31 × 0.10 × 1) = $13,541.00.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ._vector import broadcast_all
from .constants import ACCRUAL_RATE, DEFAULT_DAYCOUNT_BASIS
from .daycount import yearfrac, yearfrac_array
from .errors import TermsError
from .parse import (
    basis_array,
    date_array,
    first_bad,
    is_range,
    location,
    number_array,
    parse_basis,
    parse_date,
    parse_number,
    parse_optional,
)

__all__ = ["liquidation_preference"]


def liquidation_preference(
    shares: Any,
    stated_value: Any,
    issue_date: Any,
    payment_date: Any,
    dividends: Any = 0,
    rate: Any = ACCRUAL_RATE,
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
) -> Fraction | npt.NDArray[np.float64]:
    """Section 3(a): the Liquidation Preference of ``shares`` shares, in dollars.

    ``dividends`` are declared and unpaid dividends per share; ``rate`` the annual accrual on
    Stated Value (10%, Section 3(a)(y)); ``basis`` Excel's YEARFRAC day count (default 3,
    actual/365). Dates are ``date``/``datetime`` or Excel serials. Single values give an exact
    :class:`~fractions.Fraction`; if any argument is a range, the result is a float array of the
    broadcast shape. The payment date may not precede the issue date.
    """
    dividends = parse_optional(dividends, 0)
    rate = parse_optional(rate, ACCRUAL_RATE)
    basis = parse_optional(basis, DEFAULT_DAYCOUNT_BASIS)
    args = (shares, stated_value, issue_date, payment_date, dividends, rate, basis)
    if not any(is_range(a) for a in args):
        n = parse_number(shares, "shares", minimum=0)
        sv = parse_number(stated_value, "stated_value", minimum=0, strict=True)
        start = parse_date(issue_date, "issue_date")
        end = parse_date(payment_date, "payment_date")
        div = parse_number(dividends, "dividends", minimum=0)
        r = parse_number(rate, "rate", minimum=0)
        b = parse_basis(basis)
        if end < start:
            raise TermsError("payment_date must not be before issue_date", argument="payment_date")
        return n * (sv + div + sv * r * yearfrac(start, end, b))
    return _liquidation_preference_array(
        shares, stated_value, issue_date, payment_date, dividends, rate, basis
    )


def _liquidation_preference_array(
    shares: Any,
    stated_value: Any,
    issue_date: Any,
    payment_date: Any,
    dividends: Any,
    rate: Any,
    basis: Any,
) -> npt.NDArray[np.float64]:
    a = broadcast_all(
        {
            "shares": number_array(shares, "shares", minimum=0),
            "stated_value": number_array(stated_value, "stated_value", minimum=0, strict=True),
            "issue_date": date_array(issue_date, "issue_date"),
            "payment_date": date_array(payment_date, "payment_date"),
            "dividends": number_array(dividends, "dividends", minimum=0),
            "rate": number_array(rate, "rate", minimum=0),
            "basis": basis_array(basis),
        }
    )
    bad = first_bad(a["payment_date"] < a["issue_date"])
    if bad is not None:
        raise TermsError(
            "payment_date must not be before issue_date "
            f"(in {location(a['payment_date'].shape, bad)})",
            argument="payment_date",
        )
    yf = yearfrac_array(a["issue_date"], a["payment_date"], a["basis"])
    value = a["stated_value"]
    result: npt.NDArray[np.float64] = a["shares"] * (
        value + a["dividends"] + value * a["rate"] * yf
    )
    return result
