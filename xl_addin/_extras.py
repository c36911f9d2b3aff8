"""The optional parts of the package (pip extras) and a one-line message when one is missing.

The core (``pip install xl_addin``: the functions, :mod:`xl_addin.udfs`, ``xl-addin lite``)
needs numpy only, which xlwings Lite's Pyodide already has. The rest:

* ``recalc`` -- what ``xl-addin recalc``, ``template``, ``demo``, ``values`` and ``certificate``
  import: openpyxl (writes the template), defusedxml (reads workbook XML safely), formulas (the
  fallback engine) and pandas (``certificate`` reads the event log CSV);
* ``xlwings`` -- classic xlwings, for Windows Excel (its add-in and ``Import Functions``);
* ``test`` -- the test tools plus both of the above.

:data:`EXTRAS` lists the modules each extra provides (the same packages as ``pyproject.toml``:
a test checks they agree); :func:`missing` says, in one line, what to install.
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "missing"]

#: extra -> {distribution on PyPI: module it is imported as}
EXTRAS: dict[str, dict[str, str]] = {
    "recalc": {
        "openpyxl": "openpyxl",
        "defusedxml": "defusedxml",
        "formulas": "formulas",
        "pandas": "pandas",
    },
    "xlwings": {"xlwings": "xlwings"},
}


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken __spec__
        return False


def missing(extra: str) -> str | None:
    """None if every package of ``extra`` can be imported, else one line saying what to install,
    e.g. ``needs the 'recalc' extra (missing: openpyxl): pip install "xl_addin[recalc]"``."""
    absent = [dist for dist, module in EXTRAS[extra].items() if not _importable(module)]
    if not absent:
        return None
    from . import __version__

    wheel = f"xl_addin-{__version__}-py3-none-any.whl"
    return (
        f"needs the '{extra}' extra (missing: {', '.join(absent)}): install it with "
        f'pip install "xl_addin[{extra}]" (from the wheel: pip install "{wheel}[{extra}]")'
    )
