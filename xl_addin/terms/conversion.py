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
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ._vector import broadcast_all, common_decimal_ints, decimal_ints, exact_where, fill_exact
from .parse import (
    SCALE as _SCALE,
)
from .parse import (
    is_range,
    number_array,
    parse_bool,
    parse_number,
    parse_optional,
    scaled,
)

__all__ = [
    "cash_in_lieu",
    "cash_in_lieu_ratio",
    "conversion_quotient",
    "conversion_shares",
    "conversion_shares_ratio",
]


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


def _scaled_quotient_ratio(
    shares: Any, stated_value: Any, conversion_price: Any, dividends: Any
) -> tuple[int, int] | None:
    """Section 5(a)(i) of single plain numbers as ints ``(num, den)``, ``q = num / den``, with
    every input ``x`` held as ``X = x × 10**6`` (:func:`~.parse.scaled`)::

        (sv + div) × shares / cp = (SV + DIV) × N / (CP × 10**6)

    None when an argument is anything else or out of range (the careful path then decides)."""
    n = scaled(shares)
    sv = scaled(stated_value)
    cp = scaled(conversion_price)
    div = 0 if dividends is None else scaled(dividends)
    if n is None or sv is None or cp is None or div is None:
        return None
    if n < 0 or sv <= 0 or cp <= 0 or div < 0:
        return None
    return (sv + div) * n, cp * _SCALE


def conversion_shares_ratio(
    shares: Any, stated_value: Any, conversion_price: Any, dividends: Any = 0, whole: Any = True
) -> tuple[int, int] | None:
    """:func:`conversion_shares` of single plain numbers as an exact ``(numerator,
    denominator)`` of ints (the fast path of a cell, no Fraction made); None when an argument
    is anything else -- :func:`conversion_shares` then reads it or says what is wrong. The
    floor of ``whole`` is Python's integer ``//``: exact at a whole share."""
    if whole is True or whole is None:
        whole_flag = True
    elif whole is False:
        whole_flag = False
    else:
        return None
    q = _scaled_quotient_ratio(shares, stated_value, conversion_price, dividends)
    if q is None:
        return None
    return (q[0] // q[1], 1) if whole_flag else q


def cash_in_lieu_ratio(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    closing_price: Any,
    dividends: Any = 0,
) -> tuple[int, int] | None:
    """:func:`cash_in_lieu` of single plain numbers as an exact ``(numerator, denominator)``:
    the fraction of a share ``(num mod den) / den`` times the closing price ``CL / 10**6``.
    None when an argument is anything else (the careful path then decides)."""
    closing = scaled(closing_price)
    if closing is None or closing <= 0:
        return None
    q = _scaled_quotient_ratio(shares, stated_value, conversion_price, dividends)
    if q is None:
        return None
    num, den = q
    return (num % den) * closing, den * _SCALE


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
    fast = conversion_shares_ratio(shares, stated_value, conversion_price, dividends, whole)
    if fast is not None:
        return Fraction(*fast)
    dividends = parse_optional(dividends, 0)
    whole_flag = parse_bool(parse_optional(whole, True), "whole", True)
    if not any(is_range(a) for a in (shares, stated_value, conversion_price, dividends)):
        n, sv, cp, div = _parse_scalars(shares, stated_value, conversion_price, dividends)
        exact_q = conversion_quotient(n, sv, cp, div)
        return Fraction(math.floor(exact_q)) if whole_flag else exact_q
    a = _parse_arrays(shares, stated_value, conversion_price, dividends)
    num, den, ok = _quotient_lane(a)
    if whole_flag:  # floor division of exact integers below 2**53: exact in int64
        out = np.where(ok, num, 0.0).astype(np.int64) // np.where(ok, den, 1.0).astype(np.int64)
        shares_out: npt.NDArray[np.float64] = out.astype(np.float64)
    else:
        shares_out = np.where(ok, num / np.where(ok, den, 1.0), 0.0)
    fill_exact(
        shares_out,
        ~ok,
        lambda *row: _scalar(conversion_shares_ratio, conversion_shares, *row, whole_flag),
        a["shares"],
        a["stated_value"],
        a["conversion_price"],
        a["dividends"],
    )
    return shares_out


def _scalar(
    ratio: Callable[..., tuple[int, int] | None], exact: Callable[..., Any], *row: Any
) -> float:
    """One element of an array form: the scalar form's number for that row."""
    fast = ratio(*row)
    if fast is not None:
        return fast[0] / fast[1]
    return float(exact(*row))


def _quotient_lane(
    a: dict[str, npt.NDArray[np.float64]],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Section 5(a)(i) as exact integers ``num / den`` in float64, where the lane holds
    (:func:`~._vector.decimal_ints`). With ``shares = N / 10**a``, ``sv = SV / 10**b``,
    ``div = DIV / 10**b`` and ``cp = CP / 10**c``::

        (sv + div) × shares / cp = (SV + DIV) × N × 10**c / (CP × 10**(a + b))

    ``ok`` marks the elements whose every integer is below 2**53 (computed exactly)."""
    n, kn, ok_n = decimal_ints(a["shares"])
    (sv, div), kb, (ok_sv, ok_div) = common_decimal_ints(a["stated_value"], a["dividends"])
    cp, kc, ok_c = decimal_ints(a["conversion_price"])
    with np.errstate(invalid="ignore", over="ignore"):
        value = sv + div
        worth = value * n
        num = worth * 10.0**kc
        den = cp * 10.0 ** (kn + kb)
    ok = exact_where(ok_n & ok_sv & ok_div & ok_c & (cp > 0), value, worth, num, den)
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
    fast = cash_in_lieu_ratio(shares, stated_value, conversion_price, closing_price, dividends)
    if fast is not None:
        return Fraction(*fast)
    dividends = parse_optional(dividends, 0)
    args = (shares, stated_value, conversion_price, closing_price, dividends)
    if not any(is_range(v) for v in args):
        n, sv, cp, div = _parse_scalars(shares, stated_value, conversion_price, dividends)
        closing = parse_number(closing_price, "closing_price", minimum=0, strict=True)
        return _fraction_cash(n, sv, cp, closing, div)
    a = _parse_arrays(
        shares, stated_value, conversion_price, dividends, closing_price=closing_price
    )
    num, den, ok = _quotient_lane(a)
    cl, kcl, ok_cl = decimal_ints(a["closing_price"])
    # the fraction of a share (num mod den) / den, times the closing price CL / 10**kcl
    rest = np.where(ok, num, 0.0).astype(np.int64) % np.where(ok, den, 1.0).astype(np.int64)
    with np.errstate(invalid="ignore", over="ignore"):
        cash = rest.astype(np.float64) * cl
        per = den * 10.0**kcl
    ok = exact_where(ok & ok_cl, cash, per)
    out = np.where(ok, cash / np.where(ok, per, 1.0), 0.0)
    fill_exact(
        out,
        ~ok,
        lambda *row: _scalar(cash_in_lieu_ratio, cash_in_lieu, *row),
        a["shares"],
        a["stated_value"],
        a["conversion_price"],
        a["closing_price"],
        a["dividends"],
    )
    return out
