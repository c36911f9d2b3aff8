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

from ._vector import broadcast_all, common_decimal_ints, decimal_ints, exact_where, fill_exact
from .constants import ACCRUAL_RATE, DEFAULT_DAYCOUNT_BASIS
from .daycount import yearfrac, yearfrac_ratio_array
from .errors import TermsError
from .parse import (
    SCALE,
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
    scaled,
    serial,
)

__all__ = ["liquidation_preference", "liquidation_preference_ratio"]

#: Section 3(a)(y)'s 10% in units of 10**-6 (exact: the constant is a Decimal).
_RATE = int(ACCRUAL_RATE * SCALE)


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
    fast = liquidation_preference_ratio(
        shares, stated_value, issue_date, payment_date, dividends, rate, basis
    )
    if fast is not None:
        return Fraction(*fast)
    return _liquidation_preference_exact(
        shares, stated_value, issue_date, payment_date, dividends, rate, basis
    )


def _liquidation_preference_exact(
    shares: Any,
    stated_value: Any,
    issue_date: Any,
    payment_date: Any,
    dividends: Any = 0,
    rate: Any = ACCRUAL_RATE,
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
) -> Fraction | npt.NDArray[np.float64]:
    """:func:`liquidation_preference` in Fractions (every input; the errors are raised here)."""
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


def _basis(value: Any) -> int | None:
    """A plain YEARFRAC basis 0-4 (``None``: the default), else None."""
    if value is None:
        return DEFAULT_DAYCOUNT_BASIS
    kind = type(value)
    if (kind is int or kind is float) and 0 <= value < 5:
        return int(value)
    return None


def liquidation_preference_ratio(
    shares: Any,
    stated_value: Any,
    issue_date: Any,
    payment_date: Any,
    dividends: Any = 0,
    rate: Any = None,
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
) -> tuple[int, int] | None:
    """:func:`liquidation_preference` of single plain numbers as an exact ``(numerator,
    denominator)`` of ints -- the fast path of a cell: no Fraction is made. None when an
    argument is anything else (a range, text, a Decimal, a decimal of more than 6 places, a
    bad value): :func:`liquidation_preference` then reads it, or says what is wrong.

    With every number ``x`` held as ``X = x × 10**6`` (:func:`~.parse.scaled`) and YEARFRAC as
    ``yn / yd``::

        n × (sv + div + sv × r × yn / yd) = N × ((SV + DIV) × 10**6 × yd + SV × R × yn)
                                            / (10**18 × yd)
    """
    n = scaled(shares)
    sv = scaled(stated_value)
    start = serial(issue_date)
    end = serial(payment_date)
    div = 0 if dividends is None else scaled(dividends)
    r = _RATE if rate is None or rate is ACCRUAL_RATE else scaled(rate)
    b = _basis(basis)
    if (
        n is None
        or sv is None
        or start is None
        or end is None
        or div is None
        or r is None
        or b is None
        or n < 0
        or sv <= 0
        or div < 0
        or r < 0
        or end < start
    ):
        return None
    if b == 3:
        yn, yd = end - start, 365
    elif b == 2:
        yn, yd = end - start, 360
    else:
        y = yearfrac(start, end, b)
        yn, yd = y.numerator, y.denominator
    return n * ((sv + div) * SCALE * yd + sv * r * yn), SCALE**3 * yd


def _liquidation_preference_array(
    shares: Any,
    stated_value: Any,
    issue_date: Any,
    payment_date: Any,
    dividends: Any,
    rate: Any,
    basis: Any,
) -> npt.NDArray[np.float64]:
    """The array form: every element the number the scalar form gives for that row, bit for bit.

    The exact lane (:func:`~._vector.decimal_ints`): with ``n = N / 10**a``, ``sv = SV / 10**b``,
    ``div = DIV / 10**b``, ``rate = R / 10**c`` and YEARFRAC ``= yn / yd``::

        n × (sv + div + sv × rate × yn / yd) = N × ((SV + DIV) × 10**c × yd + SV × R × yn)
                                               / (10**(a + b + c) × yd)

    -- the scalar form's rational. Where every integer of that chain is below 2**53, it is
    computed exactly in float64 and the one division of two exact integers is correctly rounded,
    as Python's ``int / int`` of the scalar form is. Any other element is the scalar form itself.
    """
    parsed = {
        "shares": number_array(shares, "shares", minimum=0),
        "stated_value": number_array(stated_value, "stated_value", minimum=0, strict=True),
        "issue_date": date_array(issue_date, "issue_date"),
        "payment_date": date_array(payment_date, "payment_date"),
        "dividends": number_array(dividends, "dividends", minimum=0),
        "rate": number_array(rate, "rate", minimum=0),
        "basis": basis_array(basis),
    }
    a = broadcast_all(parsed)
    bad = first_bad(a["payment_date"] < a["issue_date"])
    if bad is not None:
        raise TermsError(
            "payment_date must not be before issue_date "
            f"(in {location(a['payment_date'].shape, bad)})",
            argument="payment_date",
        )
    n, kn, ok_n = decimal_ints(parsed["shares"])
    (sv, div), kb, (ok_sv, ok_div) = common_decimal_ints(
        parsed["stated_value"], parsed["dividends"]
    )
    r, kr, ok_r = decimal_ints(parsed["rate"])
    yn, yd = yearfrac_ratio_array(a["issue_date"], a["payment_date"], a["basis"])
    yn_f, yd_f = yn.astype(np.float64), yd.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        value = sv + div
        whole = value * 10.0**kr
        first = whole * yd_f
        accrual = sv * r
        second = accrual * yn_f
        inner = first + second
        num = n * inner
        den = 10.0 ** (kn + kb + kr) * yd_f
    ok = exact_where(
        ok_n & ok_sv & ok_div & ok_r, value, whole, first, accrual, second, inner, num, den
    )
    out = np.where(ok, num / np.where(ok, den, 1.0), 0.0)
    fill_exact(
        out,
        ~ok,
        _scalar,
        a["shares"],
        a["stated_value"],
        a["issue_date"],
        a["payment_date"],
        a["dividends"],
        a["rate"],
        a["basis"],
    )
    return out


def _scalar(*row: Any) -> float:
    """One element of the array form: the scalar form's number for that row."""
    fast = liquidation_preference_ratio(*row)
    if fast is not None:
        return fast[0] / fast[1]
    return float(liquidation_preference(*row))
