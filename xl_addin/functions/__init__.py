"""The function table: every Excel function of the add-in, described once.

Each function is written once, in ``xl_addin/udfs*.py``: its name, its Python signature (argument
names, order, defaults), its docstring (the description Excel's Insert Function dialog shows) and
its ``@func``/``@arg`` decorators (category, each argument's help, whether it takes a range). This
module reads that description back as data, so every host is generated from it:

* classic xlwings reads the same decorators itself (``UDF Modules = xl_addin.udfs``);
* the xlwings Lite bundle and the LibreOffice Calc extension are generated from :func:`table`.

Nothing here lists a function, an argument or a help text by hand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Function", "Parameter", "table"]


@dataclass(frozen=True)
class Parameter:
    """One argument of an Excel function, in Excel's order."""

    name: str
    help: str
    optional: bool
    default: Any  # the Python default (``inspect.Parameter.empty`` when required)
    takes_range: bool  # ``ndim=2``: a cell or a range (a range is passed as a list of rows)


@dataclass(frozen=True)
class Function:
    """One Excel function: what every host needs to expose it under the same name."""

    name: str
    category: str
    description: str  # the docstring's first line (Insert Function's description)
    parameters: tuple[Parameter, ...]
    call: Callable[..., Any]  # the function itself: arguments as xlwings passes them

    @property
    def required(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if not p.optional)


def describe(fn: Callable[..., Any]) -> Function:
    """The :class:`Function` recorded by ``fn``'s decorators and signature."""
    options = getattr(fn, "__xl_addin_func__", None)
    if options is None:
        raise TypeError(f"{fn.__name__} is not decorated with xl_addin._xlwings.func")
    recorded = getattr(fn, "__xl_addin_args__", {})
    params = []
    for p in inspect.signature(fn).parameters.values():
        info = recorded.get(p.name, {})
        params.append(
            Parameter(
                name=p.name,
                help=str(info.get("doc", "")),
                optional=p.default is not inspect.Parameter.empty,
                default=p.default,
                takes_range=info.get("ndim") == 2,
            )
        )
    unknown = set(recorded) - {p.name for p in params}
    if unknown:
        raise TypeError(f"{fn.__name__}: @arg names no parameter: {sorted(unknown)}")
    doc = inspect.getdoc(fn) or ""
    return Function(
        name=fn.__name__,
        category=str(options.get("category", "")),
        description=doc.strip().splitlines()[0] if doc.strip() else "",
        parameters=tuple(params),
        call=fn,
    )


def table() -> tuple[Function, ...]:
    """Every function of ``xl_addin.udfs.__all__``, in that order."""
    from .. import udfs

    return tuple(describe(getattr(udfs, name)) for name in udfs.__all__)
