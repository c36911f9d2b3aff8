"""The ``formulas`` library as an engine of ``xl-addin recalc``, with the add-in's functions
plugged in (used only where :mod:`xl_addin.workbook.trust` trusts it). Moved out of
:mod:`xl_addin.recalc` unchanged."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .errors import RecalcError
from .native.evaluator import (
    Err,
    call_addin_function,
)
from .results import _Results
from .sheetxml import (
    _serial,
    _split_ref,
)
from .zipio import (
    _read_zip,
    _sheet_parts,
    _xml,
)

_ERROR_TEXT = {
    "#DIV/0!": "division by zero",
    "#NAME?": "unknown function or name",
    "#N/A": "value not available",
    "#NUM!": "number out of range",
    "#REF!": "invalid reference",
    "#VALUE!": "wrong kind of argument",
    "#NULL!": "empty intersection",
}


# =============================================================================================
# The formulas engine, with the add-in plugged in
# =============================================================================================
def _describe(code: str, formula: str | None, known: frozenset[str]) -> str:
    """A message for an error value formulas produced (no add-in message attached)."""
    text = _ERROR_TEXT.get(code, "error")
    if code == "#NAME?" and formula:
        bare = re.sub(r'"(?:[^"]|"")*"', '""', formula)
        unknown = sorted(
            {n for n in re.findall(r"([A-Za-z_][\w.]*)\s*\(", bare) if n.upper() not in known}
        )
        if unknown:
            return "unknown function " + ", ".join(unknown)
    return text


def _error(code: str, message: str) -> Any:
    """A real Excel error value carrying a message (formulas' XlError)."""
    from formulas.tokens.operand import XlError

    class AddinError(XlError):
        pass

    err = AddinError(code)
    err.message = message  # type: ignore[attr-defined]
    return err


def _plain(value: Any) -> Any:
    """formulas' argument (Ranges, numpy array, scalar) → what a UDF takes (2-D lists)."""
    import schedula as sh
    from formulas.ranges import Ranges

    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _plain(value.item())
        arr = value.reshape(value.shape[0], -1) if value.ndim != 2 else value
        return [[_plain(x) for x in row] for row in arr.tolist()]
    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _first_error(value: Any) -> Any:
    from formulas.tokens.operand import XlError

    if isinstance(value, XlError):
        return value
    if isinstance(value, list):
        for v in value:
            e = _first_error(v)
            if e is not None:
                return e
    return None


def _from_udf(result: Any) -> Any:
    from formulas.functions import Array

    if isinstance(result, str) and re.match(r"#[A-Z/0]+[!?A]", result):
        code, _, msg = result.partition(" ")
        return _error(code, msg)
    if isinstance(result, (list, tuple, np.ndarray)):
        arr = np.asarray(result, dtype=object)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        return arr.view(Array)
    return result


def adapt_udf(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """One of the add-in's functions as a formulas function (errors become real error values)."""

    def wrapper(*args: Any) -> Any:
        plain = [_plain(a) for a in args]
        err = _first_error(plain)
        if err is not None:
            return err
        result = call_addin_function(name, fn, plain)
        if isinstance(result, Err):
            return _error(result.code, result.message)
        return _from_udf(result)

    wrapper.__name__ = name
    return wrapper


def _date_serial(value: Any) -> Any:
    """YEARFRAC's date argument → whole serial, or an error value."""
    from formulas.tokens.operand import Error, XlError

    if isinstance(value, XlError):
        return value
    if value is None:
        return 0
    if isinstance(value, bool):
        return Error.errors["#VALUE!"]
    if isinstance(value, str):
        try:
            return _date_serial(float(value))
        except ValueError:
            try:
                return int(_serial(dt.date.fromisoformat(value.strip())))
            except ValueError:
                return Error.errors["#VALUE!"]
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0 or value >= 2958466:
            return Error.errors["#NUM!"]
        return math.floor(value)
    return Error.errors["#VALUE!"]


def excel_yearfrac(start_date: Any, end_date: Any, basis: Any = 0) -> Any:
    """Excel's YEARFRAC for formulas (scalars or ranges, broadcast element-wise), computed by the
    add-in's Excel-exact :func:`xl_addin.terms.daycount.yearfrac_array`."""
    from formulas.functions import Array
    from formulas.tokens.operand import Error, XlError

    from ..terms.daycount import yearfrac_array

    grids = []
    for a in (start_date, end_date, basis):
        p = _plain(a)
        grids.append(np.asarray(p if isinstance(p, list) else [[p]], dtype=object))
    try:
        s, e, b = np.broadcast_arrays(*grids)
    except ValueError:
        return Error.errors["#VALUE!"]
    out = np.empty(s.shape, dtype=object)
    for idx in np.ndindex(s.shape):
        d1, d2, bs = _date_serial(s[idx]), _date_serial(e[idx]), b[idx]
        if bs is None:
            bs = 0
        for v in (d1, d2):
            if isinstance(v, XlError):
                out[idx] = v
                break
        else:
            if isinstance(bs, XlError):
                out[idx] = bs
            elif isinstance(bs, bool) or not isinstance(bs, (int, float)):
                out[idx] = Error.errors["#VALUE!"]
            elif not math.isfinite(bs) or int(bs) not in (0, 1, 2, 3, 4):
                out[idx] = Error.errors["#NUM!"]
            else:
                res = yearfrac_array(np.array([d1]), np.array([d2]), np.array([int(bs)]))
                out[idx] = float(res[0])
    if out.shape == (1, 1):
        return out[0, 0]
    return out.view(Array)


def _addin_functions() -> dict[str, Callable[..., Any]]:
    """Every function of the add-in (``xl_addin.udfs.__all__``) as a formulas function."""
    funcs = {name: adapt_udf(fn, name) for name, fn in _addin_plain_functions().items()}
    funcs["YEARFRAC"] = excel_yearfrac
    return funcs


@contextlib.contextmanager
def _this_workbook_only(path: Path) -> Iterator[None]:
    """The formulas library may open ``path`` and no other file: it would load the workbooks a
    reference (``[1]Sheet1!A1``, ``INDIRECT("'[x.xlsx]S'!A1")``) names from disk; such a
    reference is ``#REF!`` instead."""
    import formulas.excel.xlreader as xlreader

    real = xlreader.load_workbook
    allowed = os.path.realpath(path)

    def load_workbook(filename: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(filename, str) or os.path.realpath(filename) != allowed:
            raise RecalcError(f"{filename}: another workbook, not read")
        return real(filename, *args, **kwargs)

    xlreader.load_workbook = load_workbook
    try:
        yield
    finally:
        xlreader.load_workbook = real


@contextlib.contextmanager
def _engine(progress: bool) -> Iterator[None]:
    """formulas with the add-in's functions, raise-mode errors and (no) progress bars; restored
    afterwards so other users of formulas in the process are not affected."""
    import formulas
    import formulas.excel as fx
    import tqdm

    registry = formulas.get_functions()
    mine = _addin_functions()
    saved = {k: registry[k] for k in mine if k in registry}
    old_env = os.environ.get("XL_ADDIN_ERRORS")
    old_tqdm = fx.tqdm

    class _Tqdm:
        @staticmethod
        def tqdm(*a: Any, **k: Any) -> Any:
            k.setdefault("disable", not progress)
            k.setdefault("desc", "recalc")
            k.setdefault("leave", False)
            return tqdm.tqdm(*a, **k)

    try:
        registry.update(mine)
        os.environ["XL_ADDIN_ERRORS"] = "raise"
        fx.tqdm = _Tqdm  # type: ignore[assignment]
        yield
    finally:
        for k in mine:
            if k in saved:
                registry[k] = saved[k]
            else:
                registry.pop(k, None)
        if old_env is None:
            os.environ.pop("XL_ADDIN_ERRORS", None)
        else:
            os.environ["XL_ADDIN_ERRORS"] = old_env
        fx.tqdm = old_tqdm


_KEY = re.compile(
    r"^'?\[(?P<book>[^\]]*)\](?P<sheet>.+?)'?!(?P<ref>[A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)$"
)


def _addin_plain_functions() -> dict[str, Callable[..., Any]]:
    """The add-in's Excel functions as xlwings calls them (what fastcalc plugs in)."""
    from .. import udfs

    return {name: getattr(udfs, name) for name in udfs.__all__}


def _evaluate_with_formulas(path: Path, progress: bool) -> _Results:
    """Every cell and range value formulas computes."""
    import logging

    import formulas
    import schedula as sh

    parts = {info.filename: data for info, data in _read_zip(path)}
    for _, sheet_part in _sheet_parts(parts):  # name a corrupt part (formulas would not)
        _xml(sheet_part, parts[sheet_part])
    if "xl/sharedStrings.xml" in parts:
        _xml("xl/sharedStrings.xml", parts["xl/sharedStrings.xml"])
    del parts
    loggers = [logging.getLogger(n) for n in ("schedula", "formulas")]
    levels = [lg.level for lg in loggers]
    with _engine(progress):
        known = frozenset(formulas.get_functions())
        try:
            for lg in loggers:  # formulas logs every failing cell with a traceback
                lg.setLevel(logging.CRITICAL)
            with _this_workbook_only(path):
                model = formulas.ExcelModel().loads(str(path)).finish()
            solution = model.calculate()
        except Exception as exc:
            args = exc.args
            if type(exc).__name__ == "FormulaError" and len(args) == 2:
                formula = " ".join(str(args[1]).split())[:300]
                raise RecalcError(f"a formula that cannot be read: {formula}") from None
            first = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            raise RecalcError(f"formulas could not evaluate the workbook: {first}") from None
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)
    results = _Results({}, {}, known)
    for key, rng in solution.items():
        m = _KEY.match(str(key))
        if not m or not hasattr(rng, "value"):
            continue
        sheet = m.group("sheet").replace("''", "'").upper()
        if ":" in m.group("ref"):
            results.ranges[(sheet, m.group("ref"))] = rng.value
            continue
        r, c = _split_ref(m.group("ref"))
        v = np.asarray(rng.value, dtype=object)
        results.cells[(sheet, r, c)] = v.ravel()[0] if v.size else sh.EMPTY
    return results
