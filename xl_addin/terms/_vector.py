"""Shared machinery of the array forms: broadcasting parsed ranges and exact refinement.

The array forms compute in float64 with numpy. Wherever a floor or a comparison decides the
answer and the float result is within a hair of the boundary, :func:`refine` recomputes those
elements with the exact scalar function, so array and scalar forms always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from .parse import broadcast, exact

__all__ = ["NEAR", "SCALE", "broadcast_all", "near_integer", "refine", "scaled_decimals"]

#: Relative distance within which a float result is re-decided exactly. Reading floats at 15
#: significant digits moves an input by at most 5e-15 relative and float64 arithmetic adds a few
#: ulps, so anything farther than this from a boundary is decided the same way exactly.
NEAR = 1e-9


def broadcast_all(named: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """Broadcast parsed arrays (0-d for single cells) to one shape; clashes name the argument."""
    two_d = {k: (v.reshape(1, 1) if v.ndim == 0 else v) for k, v in named.items()}
    shape = broadcast(two_d)
    return {k: np.broadcast_to(v, shape) for k, v in two_d.items()}


def near_integer(q: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Elements whose floor the float result cannot be trusted to decide."""
    return np.abs(q - np.round(q)) <= NEAR * np.maximum(1.0, np.abs(q))


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


#: Decimal places of the scaled-integer exact path: money to the cent and prices to 4 places fit.
PLACES = 6
SCALE = 10**PLACES


def scaled_decimals(
    arr: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """Each float as an exact integer count of 10**-6, where it is such a decimal.

    Returns Python ints (object array, no overflow) and a mask of the elements that are exactly
    decimals with at most 6 places below 1e9 in magnitude -- for those the 15-significant-digit
    reading (:func:`~xl_addin.terms.parse.exact`) is that decimal, so integer arithmetic on the
    scaled values is exact. Vectorised: no Python loop per element.
    """
    scaled = arr * SCALE
    rounded = np.round(scaled)
    # within 4e-16 relative of the decimal: its 15-significant-digit reading is that decimal
    # (a value merely within 1e-9 of one, e.g. 96.9999999999, is not: it is decided exactly)
    ok = (np.abs(arr) < 1e9) & (np.abs(arr - rounded / SCALE) <= 4e-16 * np.abs(arr))
    ints = np.where(ok, rounded, 0).astype(np.int64).astype(object)
    return ints, ok
