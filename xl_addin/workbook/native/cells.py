"""The native evaluator's values and signals: error values (:class:`Err`), cells it does not
compute (:class:`NotComputed`, :class:`Unsupported`), references (:class:`Ref`), and the
operators on values (comparison, arithmetic, broadcasting) that the parser, the functions and the
evaluation share. Moved out of :mod:`.evaluator` unchanged."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import numpy as np

from ..xmltext import parse_part

if TYPE_CHECKING:  # annotations only (the module imports this one)
    from .parser import Formula, Node


class Unsupported(Exception):  # noqa: N818 -- a signal to fall back, not a user error
    """The workbook needs the full engine (the message says why)."""


class _UnsupportedFunction(Unsupported):
    def __init__(self, name: str) -> None:
        super().__init__(f"function {name}")
        self.name = name


class CorruptPart(ValueError):  # noqa: N818 -- names what it is, like Unsupported
    """A part of the workbook cannot be read (the message names it): not a fallback case."""


def parse_xml(part: str, data: bytes) -> ET.Element:
    """``data`` parsed with defusedxml (no DTD entities, no external entities)."""
    return parse_part(part, data, CorruptPart)


@dataclass(frozen=True)
class Err:
    """An Excel error value, with the message a cell report shows."""

    code: str
    message: str = ""

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class NotComputed:
    """A formula cell the native evaluator does not compute (a function or a form outside what
    it is trusted for, a circular reference, a cell that depends on one): reported, never
    guessed. ``function``: the function that was not computed, if that is the reason."""

    reason: str
    function: str | None = None

    def __str__(self) -> str:
        return f"not computed: {self.reason}"


#: Deepest nesting of parentheses, function calls and signs a formula may have (Excel allows 64
#: levels of nested functions); deeper is reported as not computed, never a RecursionError.
MAX_NESTING = 100

_EPOCH = dt.date(1899, 12, 30)
#: The message of the #N/A Excel shows in the spare cells of an array block larger than the
#: formula's result: padding, not an evaluation error (recalc does not report it).
PADDING = "beyond the formula's result (the array block is larger): padding, as in Excel"
_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MAX_ROW, _MAX_COL = 1_048_576, 16_384


# ============================================================================== references
def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


_CELL = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


@functools.lru_cache(maxsize=1 << 18)
def _cell_parts(text: str) -> tuple[bool, int, bool, int]:
    """``$B3`` → (column absolute, 2, row absolute, 3)."""
    m = _CELL.fullmatch(text)
    assert m
    return bool(m.group(1)), col_index(m.group(2)), bool(m.group(3)), int(m.group(4))


@dataclass(frozen=True, slots=True)
class Ref:
    """A rectangle on a sheet (1-based, inclusive); a single cell when r1 == r2, c1 == c2."""

    sheet: str  # upper-case sheet name
    r1: int
    c1: int
    r2: int
    c2: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1


def _is_array(v: Any) -> bool:
    return isinstance(v, np.ndarray)


def _num(v: Any) -> float | Err:
    """Excel's coercion of a value to a number in arithmetic."""
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, Err):
        return v
    if isinstance(v, str):
        try:
            return float(v.strip().replace(",", "")) if v.strip() else Err("#VALUE!")
        except ValueError:
            return Err("#VALUE!")
    return Err("#VALUE!")


def _text(v: Any) -> str | Err:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return format(v, ".15g") if not v.is_integer() else str(int(v))
    if isinstance(v, Err):
        return v
    return str(v)


def _compare(op: str, a: Any, b: Any) -> bool | Err:
    if isinstance(a, Err):
        return a
    if isinstance(b, Err):
        return b

    def rank(x: Any) -> tuple[int, Any]:
        if x is None:
            return (0, 0.0)
        if isinstance(x, bool):
            return (2, x)
        if isinstance(x, str):
            return (1, x.upper())
        return (0, float(x))

    ka, kb = rank(a), rank(b)
    if a is None and isinstance(b, str):
        ka = (1, "")
    if b is None and isinstance(a, str):
        kb = (1, "")
    if a is None and isinstance(b, bool):
        ka = (2, False)
    if b is None and isinstance(a, bool):
        kb = (2, False)
    return {
        "=": ka == kb,
        "<>": ka != kb,
        "<": ka < kb,
        ">": ka > kb,
        "<=": ka <= kb,
        ">=": ka >= kb,
    }[op]


def _binary(op: str, a: Any, b: Any) -> Any:
    if op in ("=", "<>", "<", ">", "<=", ">="):
        return _compare(op, a, b)
    if op == "&":
        ta, tb = _text(a), _text(b)
        if isinstance(ta, Err):
            return ta
        if isinstance(tb, Err):
            return tb
        return ta + tb
    x, y = _num(a), _num(b)
    if isinstance(x, Err):
        return x
    if isinstance(y, Err):
        return y
    try:
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        elif op == "/":
            if y == 0:
                return Err("#DIV/0!")
            r = x / y
        else:
            if x == 0 and y < 0:
                return Err("#DIV/0!")
            r = x**y
            if isinstance(r, complex):
                return Err("#NUM!")
    except OverflowError:
        return Err("#NUM!")
    return r if math.isfinite(r) else Err("#NUM!")


#: How close to zero, relative to its operands, the result of a formula's final addition or
#: subtraction must be for Excel to store 0 instead (see :func:`_near_zero_is_zero`).
NEAR_ZERO = 1e-15


def _near_zero_is_zero(op: str, a: Any, b: Any) -> Any:
    """A formula's last operation, when it is ``+`` or ``-``: Excel (since Excel 97) stores 0
    when the result is zero but for binary rounding (Microsoft, "Floating-point arithmetic may
    give inaccurate results in Excel": =0.1+0.2-0.3 is 0, =1*(0.5-0.4-0.1) is -2.78E-17: only
    the formula's final addition or subtraction, and not inside parentheses). Rule used here:
    ``|a ± b| <= NEAR_ZERO × max(|a|, |b|)`` gives 0."""
    r = _binary(op, a, b)
    if isinstance(r, float) and r != 0.0:
        x, y = _num(a), _num(b)
        operands = isinstance(x, float) and isinstance(y, float)
        if operands and abs(r) <= NEAR_ZERO * max(abs(x), abs(y)):  # type: ignore[arg-type]
            return 0.0
    return r


def _wrapped(text: str) -> bool:
    """Whether a formula is one parenthesised expression: ``=(A1-B1)``."""
    body = text.strip().lstrip("=").strip()
    if not (body.startswith("(") and body.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(_STRINGS.sub('""', body)):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i < len(_STRINGS.sub('""', body)) - 1:
            return False  # (a)-(b): the outer parentheses close before the end
    return True


_STRINGS = re.compile(r'"(?:[^"]|"")*"')


def _elementwise(fn: Callable[..., Any], *args: Any) -> Any:
    """Apply a scalar function over arrays (broadcast 1×1, rows and columns like Excel)."""
    if not any(_is_array(a) for a in args):
        return fn(*args)
    arrays = [a if _is_array(a) else np.array([[a]], dtype=object) for a in args]
    rows = max(a.shape[0] for a in arrays)
    cols = max(a.shape[1] for a in arrays)
    out = np.empty((rows, cols), dtype=object)
    for i in range(rows):
        for j in range(cols):
            vals = []
            for a in arrays:
                ai = i if a.shape[0] > 1 else 0
                aj = j if a.shape[1] > 1 else 0
                vals.append(a[ai, aj] if ai < a.shape[0] and aj < a.shape[1] else Err("#N/A"))
            out[i, j] = fn(*vals)
    return out


class _NotYet(Exception):  # noqa: N818 -- a signal, not an error
    """A formula read a formula cell not yet computed (:meth:`Evaluator._run_in_file_order`)."""


class _DependsOn(Unsupported):
    """A formula reads a cell that was not computed: not computed either."""

    def __init__(self, ref: str, cause: NotComputed) -> None:
        root = cause.reason.split(": ", 1)[1] if cause.reason.startswith("depends on") else None
        why = root or cause.reason
        super().__init__(f"depends on {ref}, not computed: {why}")
        self.cause = cause


def _sheet_ref(sheet: str, r: int, c: int) -> str:
    name = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{col_letters(c)}{r}"


def _not_computed(why: BaseException) -> NotComputed:
    if isinstance(why, RecursionError):
        return NotComputed("formula too deeply nested to evaluate")
    if isinstance(why, _DependsOn):
        return NotComputed(str(why), why.cause.function)
    if isinstance(why, _UnsupportedFunction):
        return NotComputed(str(why), why.name)
    return NotComputed(str(why))


class _RangeArray(np.ndarray):
    """The values of a range that remembers where it is (``ref``), for implicit intersection
    of a range that a name or INDEX gave rather than a reference written in the formula."""

    ref: Ref | None

    def __array_finalize__(self, obj: Any) -> None:
        self.ref = None


def _located(values: np.ndarray, ref: Ref) -> np.ndarray:
    out = values.view(_RangeArray)
    out.ref = ref
    return out


def _implicit_intersection(v: np.ndarray, node: Node, f: Formula) -> Any:
    """Excel's implicit intersection (a range where one value is expected, outside an array
    formula): the cell of a one-column range in the formula's row, of a one-row range in its
    column; else #VALUE!. An array (not a range) gives its first value, as Excel shows it."""
    if v.shape == (1, 1):
        return v[0, 0]
    ref = getattr(v, "ref", None) or (node[1] if node[0] == "ref" else None)
    if ref is None:  # an array constant or a function's array result
        return v[0, 0] if v.size else Err("#VALUE!")
    if ref.c1 == ref.c2 and ref.r1 <= f.row <= ref.r2:
        i = f.row - ref.r1
        return v[i, 0] if i < v.shape[0] else None  # beyond the used range: an empty cell
    if ref.r1 == ref.r2 and ref.c1 <= f.col <= ref.c2:
        j = f.col - ref.c1
        return v[0, j] if j < v.shape[1] else None
    return Err("#VALUE!", "a range where one value was expected")


def _scalar_out(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer)) or (isinstance(v, int) and not isinstance(v, bool)):
        v = float(v)
    if isinstance(v, float) and not math.isfinite(v):
        return Err("#NUM!")
    return v


def _plain(v: Any) -> Any:
    """A value as xlwings hands it to a UDF: ranges as lists of rows, empties as None."""
    if _is_array(v):
        return [[_plain(x) for x in row] for row in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _first_err(v: Any) -> Err | None:
    if isinstance(v, Err):
        return v
    if _is_array(v):
        for x in v.flat:
            if isinstance(x, Err):
                return x
    return None
