"""What a cell shows: the one place where results and errors are translated for Excel.

* Results: :class:`~fractions.Fraction` and numpy numbers become floats (only here, at the edge);
  an array becomes a list of rows; a 1×1 array becomes one number.
* Errors: classic xlwings (Windows) cannot write a real error cell, so a function returns one line
  of text, e.g. ``#VALUE! shares must be >= 0 (got -5)``. xlwings Lite (Excel on the web and Mac,
  running Pyodide) shows a raised exception as a real error value carrying its message, so there
  the same :class:`~xl_addin.terms.errors.TermsError` is raised. The environment variable
  ``XL_ADDIN_ERRORS`` (``text`` or ``raise``) forces either behaviour.
* Anything unexpected is caught too and shown as one line, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import math
import os
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from .terms import TermsError
from .terms.constants import ACCRUAL_RATE, DEFAULT_DAYCOUNT_BASIS
from .terms.errors import NUM

__all__ = ["BASIS_DOC", "CATEGORY", "RATE_DOC", "excel_function", "memoized", "to_excel"]

CATEGORY = "IFX Series A"
#: Argument help shared by every function with a Section 3(a) accrual (from the constants).
RATE_DOC = f"[optional] accrual per annum on Stated Value (default {ACCRUAL_RATE})"
BASIS_DOC = f"[optional] YEARFRAC day count 0-4 (default {DEFAULT_DAYCOUNT_BASIS})"
_F = TypeVar("_F", bound=Callable[..., Any])


def _raise_errors() -> bool:
    mode = os.environ.get("XL_ADDIN_ERRORS", "").strip().lower()
    if mode in ("text", "raise"):
        return mode == "raise"
    return sys.platform == "emscripten"  # xlwings Lite runs in Pyodide


def _cell(value: Any) -> Any:
    """A 1×1 range is a single cell."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        inner = value[0]
        if isinstance(inner, (list, tuple)):
            return inner[0] if len(inner) == 1 else value
        return inner
    return value


_TOO_LARGE = (
    "result is beyond Excel's number range (±1.8E308): an argument is too large or too small"
)


def _finite(value: Any) -> Any:
    """Excel has no NaN or infinity: such a result is #NUM!, never shown as a number."""
    if isinstance(value, float) and not math.isfinite(value):
        raise TermsError(_TOO_LARGE, code=NUM)
    if isinstance(value, int) and not isinstance(value, bool):
        float(value)  # OverflowError (→ #NUM!) if Excel cannot hold it
    return value


def _rows(values: np.ndarray) -> Any:
    """``values.tolist()`` without the cyclic garbage collector: building a list per row would
    otherwise trigger collections that rescan every list alive (the caller's input ranges too),
    doubling the cost for large ranges. The new lists hold only floats: no cycle can form."""
    if values.size < 10_000 or not gc.isenabled():
        return values.tolist()
    gc.disable()
    try:
        return values.tolist()
    finally:
        gc.enable()


class Table(list):  # type: ignore[type-arg]
    """Rows already checked for Excel: optional rows of labels, then the rows of a numeric
    array whose every cell was checked finite in one vectorised pass (see :func:`table`).
    :func:`to_excel` hands it on as a plain list without a Python step per cell."""


def table(values: np.ndarray, header: list[Any] | None = None) -> Table:
    """``values`` (2-D) as rows of floats, below ``header`` if given; #NUM! if a cell is not
    finite (Excel has no NaN or infinity)."""
    floats = np.asarray(values, dtype=float)
    if not np.isfinite(floats).all():
        raise TermsError(_TOO_LARGE, code=NUM)
    rows = Table(_rows(floats))
    if header is not None:
        rows.insert(0, list(header))
    return rows


def to_excel(result: Any) -> Any:
    """Fraction/numpy → float; arrays → list of rows; a 1×1 array → one number.

    A result (or any cell of it) that does not fit in a float -- NaN, ±inf, or a number
    beyond ±1.8E308 -- raises :class:`TermsError` (``#NUM!``) or ``OverflowError``.
    """
    if type(result) is float:  # the common case first
        return _finite(result)
    if isinstance(result, Fraction):
        return _finite(float(result))
    if isinstance(result, np.ndarray):
        if result.size == 1:
            return _finite(float(result.reshape(-1)[0]))
        return list(table(result))  # one vectorised check, not one per cell
    if isinstance(result, np.generic):
        result = result.item()
    if type(result) is Table:  # checked when it was built
        return list(result)
    if isinstance(result, list):
        for row in result:
            for v in row if isinstance(row, list) else [row]:
                _finite(v)
        return result
    return _finite(result)


def excel_function(fn: _F) -> _F:
    """The one place where results and errors are translated to what a cell shows."""

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        try:
            for a in args:
                if isinstance(a, (list, tuple)):  # a range (1×1: one cell) is unwrapped
                    return to_excel(fn(*map(_cell, args)))
            return to_excel(fn(*args))
        except OverflowError:  # a Fraction or int too large for a float
            exc = TermsError(_TOO_LARGE, code=NUM)
            if _raise_errors():
                raise exc from None
            return exc.excel_text()
        except TermsError as exc:
            if _raise_errors():
                raise TermsError(exc.excel_text(), code=exc.code, argument=exc.argument) from None
            return exc.excel_text()
        except Exception as exc:  # never a traceback in a cell
            message = f"#VALUE! internal error in {fn.__name__}: {type(exc).__name__}: {exc}"
            message = message.splitlines()[0][:250]
            if _raise_errors():
                raise TermsError(message) from None
            return message

    return wrapper  # type: ignore[return-value]


_T = TypeVar("_T")


def _frozen(value: Any) -> Any:
    """A hashable copy of an argument, every cell with its type (1, 1.0 and TRUE differ).
    A range (rows of cells) is keyed as its row lengths, its cells and their types, each one
    flat tuple built at C level: no Python step per row or cell (an event log of 10,000 rows
    is keyed on every warm call)."""
    if isinstance(value, (list, tuple)):
        if value and all(type(row) is list for row in value):
            cells = tuple(itertools.chain.from_iterable(value))
            return (_RANGE, tuple(map(len, value)), cells, tuple(map(type, cells)))
        return tuple(map(_frozen, value))
    return (type(value), value)


_RANGE = "range"  # marks a range's key: no single cell's key (type, value) has three parts


def memoized(
    cache: dict[Any, Any], args: tuple[Any, ...], build: Callable[[], _T], size: int = 16
) -> _T:
    """``build()``, kept in ``cache`` under the call's arguments: a column of cells over the
    same capitalization or event log (as in the template) computes the costly part once.
    The ``size`` most recently added are kept (an edited input is a new key: the old result
    goes after ``size`` edits); errors are not cached; arguments that cannot be keyed (a numpy
    array from Python) are not cached either."""
    try:
        key = _frozen(args)
        hash(key)
    except TypeError:
        return build()
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        if len(cache) >= size:
            with contextlib.suppress(StopIteration, RuntimeError, KeyError):  # another thread's
                cache.pop(next(iter(cache)))
        cache[key] = value
    return value  # type: ignore[no-any-return]


_MISSING = object()
