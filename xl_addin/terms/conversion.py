"""Section 5: conversion of Series A Convertible Preferred Stock into Common Stock.

Section 5(a)(i): a holder converts "into the number of shares of Common Stock determined by
dividing (x) the applicable Stated Value multiplied by the number of shares surrendered for
conversion plus any declared but unpaid dividends on such shares, by (y) the Conversion Price"::

    (stated_value + dividends) × shares / conversion_price      (dividends per share)

Section 5(e)(ii): no fractional shares need be issued; in lieu of a fraction the Corporation pays
"cash equal to such fraction multiplied by the closing price of the Common Stock on the date of
conversion".

The whole-share count is decided in exact arithmetic: 97 shares at $12.31 with a $12.31
Conversion Price convert into exactly 97 shares (naive floating point gives 96.99999999999999
and floors to 96).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ._vector import SCALE, broadcast_all, near_integer, refine, scaled_decimals
from .parse import is_range, number_array, parse_bool, parse_number, parse_optional

__all__ = ["cash_in_lieu", "conversion_quotient", "conversion_shares"]


def conversion_quotient(
    shares: Fraction, stated_value: Fraction, conversion_price: Fraction, dividends: Fraction
) -> Fraction:
    """Section 5(a)(i) on exact numbers: the unrounded number of Common shares."""
    return (stated_value + dividends) * shares / conversion_price


def _whole(shares: Fraction, sv: Fraction, cp: Fraction, div: Fraction) -> Fraction:
    return Fraction(math.floor(conversion_quotient(shares, sv, cp, div)))


def _fraction_cash(
    shares: Fraction, sv: Fraction, cp: Fraction, closing: Fraction, div: Fraction
) -> Fraction:
    q = conversion_quotient(shares, sv, cp, div)
    return (q - math.floor(q)) * closing


def _parse_scalars(
    shares: Any, stated_value: Any, conversion_price: Any, dividends: Any
) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    return (
        parse_number(shares, "shares", minimum=0),
        parse_number(stated_value, "stated_value", minimum=0, strict=True),
        parse_number(conversion_price, "conversion_price", minimum=0, strict=True),
        parse_number(dividends, "dividends", minimum=0),
    )


def _parse_arrays(
    shares: Any, stated_value: Any, conversion_price: Any, dividends: Any, **extra: Any
) -> dict[str, npt.NDArray[np.float64]]:
    named = {
        "shares": number_array(shares, "shares", minimum=0),
        "stated_value": number_array(stated_value, "stated_value", minimum=0, strict=True),
        "conversion_price": number_array(
            conversion_price, "conversion_price", minimum=0, strict=True
        ),
        "dividends": number_array(dividends, "dividends", minimum=0),
    }
    for name, value in extra.items():
        named[name] = number_array(value, name, minimum=0, strict=True)
    return broadcast_all(named)


def conversion_shares(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    dividends: Any = 0,
    whole: Any = True,
) -> Fraction | npt.NDArray[np.float64]:
    """Section 5(a)(i), 5(e)(ii): Common shares received on converting ``shares`` shares.

    ``whole=True`` gives full shares only (floor, decided exactly); ``whole=False`` the exact
    quotient. Single values give a :class:`~fractions.Fraction`; ranges a float array.

    >>> conversion_shares(97, 12.31, 12.31)
    Fraction(97, 1)
    """
    dividends = parse_optional(dividends, 0)
    whole_flag = parse_bool(parse_optional(whole, True), "whole", True)
    if not any(is_range(a) for a in (shares, stated_value, conversion_price, dividends)):
        n, sv, cp, div = _parse_scalars(shares, stated_value, conversion_price, dividends)
        exact_q = conversion_quotient(n, sv, cp, div)
        return Fraction(math.floor(exact_q)) if whole_flag else exact_q
    a = _parse_arrays(shares, stated_value, conversion_price, dividends)
    ordered = (a["shares"], a["stated_value"], a["conversion_price"], a["dividends"])
    q: npt.NDArray[np.float64] = (
        (a["stated_value"] + a["dividends"]) * a["shares"] / a["conversion_price"]
    )
    if not whole_flag:
        refine(q, ~np.isfinite(q), conversion_quotient, *ordered)  # float overflow: exactly
        return q
    out: npt.NDArray[np.float64] = np.floor(q)
    near = near_integer(q) | ~np.isfinite(q)
    if near.any():
        num, den, ok = _scaled_quotient(*ordered, near)
        exact_rows = near & ok
        out[exact_rows] = (num[exact_rows] // den[exact_rows]).astype(np.float64)
        refine(out, near & ~ok, _whole, *ordered)
    return out


def _scaled_quotient(
    shares: npt.NDArray[np.float64],
    sv: npt.NDArray[np.float64],
    cp: npt.NDArray[np.float64],
    div: npt.NDArray[np.float64],
    where: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """Section 5(a)(i) as an exact integer ratio num/den, vectorised, where inputs are decimals.

    With every input scaled by 10**6: (SV + DIV) × SHARES / (CP × 10**6) -- the same quotient.
    """
    n, ok_n = scaled_decimals(np.where(where, shares, 0.0))
    s, ok_s = scaled_decimals(np.where(where, sv, 0.0))
    c, ok_c = scaled_decimals(np.where(where, cp, 1.0))
    d, ok_d = scaled_decimals(np.where(where, div, 0.0))
    ok = ok_n & ok_s & ok_c & ok_d & (c != 0)
    num = (s + d) * n
    den = np.where(ok, c, 1) * SCALE
    return num, den, ok


def cash_in_lieu(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    closing_price: Any,
    dividends: Any = 0,
) -> Fraction | npt.NDArray[np.float64]:
    """Section 5(e)(ii): cash paid instead of the fractional share, in dollars.

    The fraction of a share left after full shares (decided exactly) times the closing price of
    the Common Stock on the conversion date. Example: 100 shares at $12.31, Conversion Price
    $10.00 → 123.1 shares → 123 full shares and 0.1 × closing price $8.00 = $0.80.
    """
    dividends = parse_optional(dividends, 0)
    args = (shares, stated_value, conversion_price, closing_price, dividends)
    if not any(is_range(v) for v in args):
        n, sv, cp, div = _parse_scalars(shares, stated_value, conversion_price, dividends)
        closing = parse_number(closing_price, "closing_price", minimum=0, strict=True)
        return _fraction_cash(n, sv, cp, closing, div)
    a = _parse_arrays(
        shares, stated_value, conversion_price, dividends, closing_price=closing_price
    )
    q = (a["stated_value"] + a["dividends"]) * a["shares"] / a["conversion_price"]
    out: npt.NDArray[np.float64] = (q - np.floor(q)) * a["closing_price"]
    near = near_integer(q) | ~np.isfinite(q) | ~np.isfinite(out)
    if near.any():
        num, den, ok = _scaled_quotient(
            a["shares"], a["stated_value"], a["conversion_price"], a["dividends"], near
        )
        rows = near & ok
        fraction = (num[rows] % den[rows]) / den[rows]  # Python ints: correctly rounded
        out[rows] = fraction.astype(np.float64) * a["closing_price"][rows]
        near &= ~ok
    refine(
        out,
        near,
        _fraction_cash,
        a["shares"],
        a["stated_value"],
        a["conversion_price"],
        a["closing_price"],
        a["dividends"],
    )
    return out
