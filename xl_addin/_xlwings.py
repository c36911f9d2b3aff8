"""xlwings' UDF decorators (``func``, ``arg``), imported only where they do something -- and the
one place where each Excel function's description is recorded for the other hosts.

In Windows Excel (classic xlwings) and in xlwings Lite (Pyodide) the real decorators register
the functions. Everywhere else xlwings' own ``func``/``arg`` are no-ops that return the function
unchanged -- and importing xlwings costs about 0.3 s (it imports pandas), which every headless
``xl-addin recalc`` would pay. So there the same no-ops are defined here. Set
``XL_ADDIN_XLWINGS=1`` to import xlwings' decorators anyway (the registration test does), ``0`` to
keep the no-ops (the xlwings Lite bundle's ``main.py`` registers its own wrappers).

Whichever decorators run, what they were told (category, each argument's help and dimensions)
is also kept on the function (``__xl_addin_func__``, ``__xl_addin_args__``): the function table
(:mod:`xl_addin.functions`) reads it, so the xlwings Lite bundle and the LibreOffice extension are
generated from the same decorators, never listed again by hand.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["arg", "func"]

_F = TypeVar("_F", bound=Callable[..., Any])

_MODE = os.environ.get("XL_ADDIN_XLWINGS", "").strip()  # "1": always, "0": never (Lite bundle)
_REAL = _MODE != "0" and (
    sys.platform.startswith("win") or sys.platform == "emscripten" or _MODE == "1"
)

if _REAL:
    from xlwings import arg as _xl_arg
    from xlwings import func as _xl_func
else:

    def _xl_func(f: Any = None, **_kwargs: Any) -> Any:
        """No-op outside Windows Excel and xlwings Lite, exactly like xlwings' own."""
        return f if f is not None else (lambda g: g)

    def _xl_arg(*_args: Any, **_kwargs: Any) -> Callable[[_F], _F]:
        """No-op outside Windows Excel and xlwings Lite, exactly like xlwings' own."""
        return lambda f: f


def func(f: Any = None, **kwargs: Any) -> Any:
    """xlwings' ``@func`` (``category=...``), recording its options on the function."""

    def decorate(g: Any) -> Any:
        g.__xl_addin_func__ = dict(kwargs)
        return _xl_func(**kwargs)(g) if kwargs else _xl_func(g)

    return decorate(f) if f is not None else decorate


def arg(name: str, *args: Any, **kwargs: Any) -> Callable[[_F], _F]:
    """xlwings' ``@arg(name, ndim=..., doc=...)``, recording them on the function."""

    def decorate(g: _F) -> _F:
        recorded = dict(getattr(g, "__xl_addin_args__", {}))
        recorded[name] = dict(kwargs)
        g.__xl_addin_args__ = recorded  # type: ignore[attr-defined]
        return _xl_arg(name, *args, **kwargs)(g)

    return decorate
