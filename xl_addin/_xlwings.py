"""xlwings' UDF decorators (``func``, ``arg``), imported only where they do something.

In Windows Excel (classic xlwings) and in xlwings Lite (Pyodide) the real decorators register
the functions. Everywhere else xlwings' own ``func``/``arg`` are no-ops that return the function
unchanged -- and importing xlwings costs about 0.3 s (it imports pandas), which every headless
``xl-addin recalc`` would pay. So there the same no-ops are defined here. Set
``XL_ADDIN_XLWINGS=1`` to import xlwings' decorators anyway (the registration test does).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["arg", "func"]

_F = TypeVar("_F", bound=Callable[..., Any])

_REAL = (
    sys.platform.startswith("win")
    or sys.platform == "emscripten"
    or os.environ.get("XL_ADDIN_XLWINGS", "").strip() == "1"
)

if _REAL:
    from xlwings import arg, func
else:

    def func(f: Any = None, **_kwargs: Any) -> Any:
        """No-op outside Windows Excel and xlwings Lite, exactly like xlwings' own."""
        return f if f is not None else (lambda g: g)

    def arg(*_args: Any, **_kwargs: Any) -> Callable[[_F], _F]:
        """No-op outside Windows Excel and xlwings Lite, exactly like xlwings' own."""
        return lambda f: f
