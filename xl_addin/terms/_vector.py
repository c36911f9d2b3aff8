"""Shared machinery of the array forms: broadcasting parsed ranges and the exact lane.

An array form gives, element by element, exactly the number its scalar form gives (issue 15:
no exactness is given up for speed). Each number is read as an exact integer over a power of
ten (:func:`decimal_ints`, the scalar form's own reading); the certificate's formula is then a
chain of sums and products of integers, computed in float64 with numpy where every integer of
the chain stays below 2**53 (:data:`EXACT`, :func:`exact_where`), and one division of two exact
integers, which IEEE 754 rounds correctly -- as Python's ``int / int`` of the scalar form does.
Elements the lane cannot hold (a decimal of more than 6 places, numbers too large) are computed
by the scalar form itself (:func:`fill_exact`) or its exact rule (:func:`refine`).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ._exactfloat import SCALES, short_decimals
from .parse import broadcast, exact

__all__ = [
    "EXACT",
    "broadcast_all",
    "common_decimal_ints",
    "decimal_ints",
    "exact_where",
    "fill_exact",
    "refine",
    "rescaled",
]


def broadcast_all(named: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """Broadcast parsed arrays (0-d for single cells) to one shape; clashes name the argument."""
    two_d = {k: (v.reshape(1, 1) if v.ndim == 0 else v) for k, v in named.items()}
    shape = broadcast(two_d)
    return {k: np.broadcast_to(v, shape) for k, v in two_d.items()}


def _exact_or_none(x: Any) -> Fraction | None:
    f = float(x)
    return None if f != f else exact(f)


def refine(
    out: npt.NDArray[np.float64],
    suspicious: npt.NDArray[np.bool_],
    scalar: Callable[..., Fraction],
    *arrays: npt.NDArray[Any],
) -> None:
    """Recompute ``out`` exactly where ``suspicious``, with ``scalar`` on the exact inputs."""
    for i in np.flatnonzero(suspicious):
        args = [
            _exact_or_none(a.flat[i]) if a.dtype.kind == "f" else a.flat[i].item() for a in arrays
        ]
        out.flat[i] = float(scalar(*args))


#: Decimal places of the exact lane: money to the cent and prices to 4 places fit.
PLACES = 6
#: Decimal places of each scale of :func:`~._exactfloat.short_decimals` (its last entry: -1,
#: not read), and the powers of ten up to 10**6 (exact floats).
_PLACES_OF = np.array([*SCALES, 0])
_POWERS = 10.0 ** np.arange(PLACES + 1)


# --------------------------------------------------------------------------- exact lanes
#: Integers below 2**53 in magnitude are exact in float64. The sum or product of two such
#: integers is exact exactly when its float result is below 2**53 in magnitude: rounding is
#: monotonic and 2**53 is a float, so an exact result of 2**53 or more rounds to 2**53 or more.
EXACT = 2.0**53


def decimal_ints(
    arr: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.float64], int, npt.NDArray[np.bool_]]:
    """The elements of ``arr`` as exact integers ``X`` (held in float64) over one power of ten:
    ``arr = X / 10**k`` element by element, ``k`` in 0-6 as small as the elements allow.

    An element is in the lane (``ok``) when :func:`~._exactfloat.short_decimals` reads its
    magnitude as a short decimal -- exactly the decimal :func:`~.parse.exact` reads, the one the
    scalar form computes with (a decimal of at most 6 places below 1e9, a whole number below
    2**53, cents below 1e13) -- and its ``X`` is below 2**53. Integer arithmetic on ``X`` is
    then the scalar form's arithmetic. Other elements (``X = 0``) are left to the exact path.
    """
    a = np.asarray(arr, dtype=np.float64)
    m, scale = short_decimals(np.abs(a).reshape(-1))
    m, scale = m.reshape(a.shape), scale.reshape(a.shape)
    ok = scale >= 0
    places = _PLACES_OF[scale]
    # the largest power of ten j dividing every element held in millionths, m × 10**(6 - places)
    j = PLACES
    for p in (6, 2):  # whole numbers (places 0) are multiples of 10**6 in millionths
        held = m[ok & (places == p)]
        if held.size:
            common = int(np.gcd.reduce(held.astype(np.int64)))  # below 1e15: an int64
            zeros = 0
            while zeros < p and common % 10 ** (zeros + 1) == 0:
                zeros += 1
            j = min(j, PLACES - p + zeros)
    k = PLACES - j
    with np.errstate(invalid="ignore", over="ignore"):
        # m / 10**places as X / 10**k: a multiplication by a power of ten, or an exact division
        # where 10**(places - k) divides m (m below 1e15: the quotient is an exact integer)
        if ok.all() and (places == places.flat[0]).all():  # one scale: scalar powers
            p = int(places.flat[0])
            x = m / 10.0 ** (p - k) if p > k else m * 10.0 ** (k - p)
        else:
            up = m * _POWERS[np.maximum(k - places, 0)]
            x = np.where(places > k, m / _POWERS[np.maximum(places - k, 0)], up)
        # the sign back (+ 0.0: a -0.0 is the 0 the scalar form's int holds)
        x = np.where(ok, np.copysign(x, a), 0.0) + 0.0
    ok &= np.abs(x) < EXACT
    return x, k, ok


def common_decimal_ints(
    *arrays: npt.NDArray[Any],
) -> tuple[list[npt.NDArray[np.float64]], int, list[npt.NDArray[np.bool_]]]:
    """:func:`decimal_ints` of several arrays over one power of ten ``10**k`` (the largest any
    of them needs): the numbers a formula adds or compares, such as Stated Value and dividends."""
    read = [decimal_ints(a) for a in arrays]
    k = max(kx for _, kx, _ in read)
    ints, oks = [], []
    for x, kx, ok in read:
        x, ok = rescaled(x, kx, k, ok)
        ints.append(x)
        oks.append(ok)
    return ints, k, oks


def rescaled(
    x: npt.NDArray[np.float64], k: int, to: int, ok: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """``x / 10**k`` held over ``10**to`` (``to >= k``): ``x × 10**(to - k)``, exactness kept
    in ``ok``."""
    if to == k:
        return x, ok
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * 10.0 ** (to - k)
    return y, exact_where(ok, y)


def exact_where(ok: npt.NDArray[np.bool_], *results: npt.NDArray[np.float64]) -> Any:
    """``ok`` and every result below 2**53 in magnitude (see :data:`EXACT`): where this holds, a
    chain of sums and products of exact integers was computed exactly."""
    for r in results:
        with np.errstate(invalid="ignore"):
            ok = ok & (np.abs(r) < EXACT)
    return ok


def fill_exact(
    out: npt.NDArray[np.float64],
    todo: npt.NDArray[np.bool_],
    scalar: Callable[..., Any],
    *arrays: npt.NDArray[Any],
) -> None:
    """``out`` where ``todo``: the scalar form itself on that element's values (floats, ints,
    bools as Python objects), as a float -- the number a cell of the scalar form shows."""
    for i in np.flatnonzero(todo):
        out.flat[i] = float(scalar(*(a.flat[i].item() for a in arrays)))
