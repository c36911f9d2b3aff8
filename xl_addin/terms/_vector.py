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

    An element is in the lane (``ok``) when :func:`~.parse.scaled` reads it as a decimal of at
    most 6 places -- the same test, float for float: ``|x| < 1e9`` and ``round(x × 10**6) /
    10**6 == x``, or a whole ``|x| < 2**53`` -- and its ``X`` is below 2**53. The scalar form
    reads such an element as the same decimal, so integer arithmetic on ``X`` is the scalar
    form's arithmetic. Other elements (``X = 0``) are left to the exact path.
    """
    a = np.asarray(arr, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.round(a * 1e6)
        small = (np.abs(a) < 1e9) & (m / 1e6 == a)
        large = ~small & (np.abs(a) < EXACT) & (a == np.floor(a))
    micro = m[small]
    # the largest power of ten dividing every small element's count of millionths
    common = int(np.gcd.reduce(micro.astype(np.int64))) if micro.size else 0
    j = 0
    while j < PLACES and common % 10 ** (j + 1) == 0:
        j += 1
    k = PLACES - j
    with np.errstate(invalid="ignore", over="ignore"):
        # m is a multiple of 10**j below 1e15: the quotient is an exact integer (+ 0.0 makes
        # a -0.0 the 0 the scalar form's int holds, so no result is a -0.0)
        x = np.where(small, m / 10.0**j, np.where(large, a * 10.0**k, 0.0)) + 0.0
    ok = small | (large & (np.abs(x) < EXACT))
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
