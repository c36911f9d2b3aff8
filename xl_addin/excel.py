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

import functools
import os
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from .terms import TermsError

__all__ = ["CATEGORY", "excel_function", "to_excel"]

CATEGORY = "IFX Series A"
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


def to_excel(result: Any) -> Any:
    """Fraction/numpy → float; arrays → list of rows; a 1×1 array → one number."""
    if isinstance(result, Fraction):
        return float(result)
    if isinstance(result, np.ndarray):
        if result.size == 1:
            return float(result.reshape(-1)[0])
        return result.astype(float).tolist()
    if isinstance(result, np.generic):
        return result.item()
    return result


def excel_function(fn: _F) -> _F:
    """The one place where results and errors are translated to what a cell shows."""

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        try:
            return to_excel(fn(*(_cell(a) for a in args)))
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
