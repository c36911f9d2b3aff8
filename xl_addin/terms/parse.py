"""Input normalisation at the edge: every public function of the core calls these first.

Each ``parse_*`` helper takes what an Excel cell (through xlwings, classic or Lite) or a Python
caller may hand over, and returns one canonical type -- or raises :class:`TermsError` naming the
parameter, what was expected and what came.

Numbers
    ``int``, ``float``, ``Decimal``, ``Fraction`` and numpy numbers are numbers. A float is read
    as the decimal Excel shows at full precision (15 significant digits), so ``12.31`` is exactly
    ``1231/100`` and a computed ``12.309999999999999`` also reads as ``12.31``. Text is never a
    number, even ``"1,000"`` or ``"$12.31"``: a cell holding text where a number belongs is an
    error, not a silent zero. ``TRUE``/``FALSE`` are not numbers either. NaN and infinities are
    rejected.
Dates
    A ``date``/``datetime`` (how classic xlwings passes a date-formatted cell) or an Excel serial
    number in the 1900 date system (how xlwings Lite and computed cells pass it). A time of day
    is dropped, as YEARFRAC does. Serials below 61 (before 1900-03-01, where Excel's fictitious
    1900-02-29 lives) and above 2958465 (9999-12-31) are rejected.
Ranges
    A list of lists (xlwings passes ranges so with ``ndim=2``), a flat list (read as a column) or
    a numpy array. Ranges must be rectangular and non-empty.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import operator
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from numbers import Real
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import NUM, TermsError, describe

__all__ = [
    "EXCEL_EPOCH",
    "MAX_SERIAL",
    "MIN_SERIAL",
    "Grid",
    "at",
    "basis_array",
    "broadcast",
    "date_array",
    "exact",
    "first_bad",
    "flat_rows",
    "is_range",
    "location",
    "number_array",
    "parse_basis",
    "parse_bool",
    "parse_date",
    "parse_date_grid",
    "parse_number",
    "parse_number_grid",
    "parse_optional",
    "parse_text",
    "scaled",
    "serial",
]

#: Day 0 of Excel's 1900 date system for every serial from 61 (1900-03-01) on.
EXCEL_EPOCH = dt.date(1899, 12, 30)
MIN_SERIAL = 61
MAX_SERIAL = 2_958_465  # 9999-12-31

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- exact reading
def exact(value: float | int | Decimal | Fraction) -> Fraction:
    """The exact rational a number stands for (floats read at Excel's 15 significant digits).

    >>> exact(12.31)
    Fraction(1231, 100)
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, Decimal):
        return Fraction(value)
    return _exact_float(float(value))


@functools.lru_cache(maxsize=4096)
def _exact_float(f: float) -> Fraction:
    """:func:`exact` for a float (cached: a model repeats its prices and share counts)."""
    if f.is_integer() and abs(f) < 2.0**53:
        return Fraction(int(f))
    return Fraction(Decimal(format(f, ".15g")))


#: Scale of the exact integer fast paths: a number is held as an int count of 10**-6.
SCALE = 10**6
_SCALE_F = 1e6
_MAX_SAFE = 2.0**53


def scaled(value: Any) -> int | None:
    """``value × 10**6`` as an exact int, when :func:`exact` reads ``value`` as a decimal of at
    most 6 places; None for anything else (the caller then takes the Fraction path).

    Only plain ``int`` and ``float`` (what xlwings passes) are read here. A float ``f`` with
    ``|f| < 1e9`` qualifies when ``m = round(f × 10**6)`` gives back ``f`` as ``m / 10**6``:
    IEEE division is correctly rounded, so ``f`` is then the double nearest the decimal
    ``D = m / 10**6``, which has at most 15 significant digits; ``|f - D|`` is at most half an
    ulp (1.2e-16 relative), less than half the spacing of 15-digit decimals near ``D`` (at least
    5e-16 relative), so reading ``f`` at 15 significant digits gives exactly ``D``. Whole floats
    below 2**53 are read as themselves, as :func:`exact` does.
    """
    kind = type(value)
    if kind is float:
        if -1e9 < value < 1e9:
            m = round(value * _SCALE_F)
            return m if m / _SCALE_F == value else None
        if value.is_integer() and -_MAX_SAFE < value < _MAX_SAFE:
            return int(value) * SCALE
        return None
    if kind is int:
        return value * SCALE  # type: ignore[no-any-return]
    return None


def serial(value: Any) -> int | None:
    """:func:`parse_date` for what is quick to read exactly -- a plain ``int``/``float`` serial
    or a ``date``/``datetime`` -- when it is a valid date; None otherwise (the careful path then
    reads it, or says why it is not a date)."""
    kind = type(value)
    if kind is float or kind is int:
        if MIN_SERIAL <= value < MAX_SERIAL + 1:
            return int(value)  # floor: the value is positive
        return None
    if kind is dt.datetime or kind is dt.date:
        days: int = value.toordinal() - _EPOCH_ORDINAL
        return days if MIN_SERIAL <= days <= MAX_SERIAL else None
    return None


def _check_finite(value: float, name: str) -> None:
    if math.isnan(value):
        raise TermsError(f"{name} must be a number (got NaN)", argument=name)
    if math.isinf(value):
        raise TermsError(f"{name} must be a finite number (got {value})", argument=name)


def _fmt_bound(minimum: float) -> Fraction:
    return exact(minimum)


def _bound_message(name: str, minimum: Fraction | int | None, strict: bool) -> str:
    op = ">" if strict else ">="
    return f"{name} must be {op} {_fmt(minimum)}"


def _fmt(value: Fraction | int | float | Decimal | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    if isinstance(value, Fraction):
        return format(float(value), ".15g")
    return format(value, ".15g") if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- scalars
def parse_number(
    value: Any,
    name: str,
    *,
    minimum: Fraction | int | None = None,
    strict: bool = False,
    integral: bool = False,
) -> Fraction:
    """A single number as an exact :class:`~fractions.Fraction`.

    ``minimum``/``strict`` give the lower bound (``>=`` or ``>``); ``integral`` demands a whole
    number. Raises :class:`TermsError` naming ``name``.
    """
    kind = type(value)
    if (kind is float and math.isfinite(value)) or kind is int:
        # the common case, without the abstract-base-class checks below
        number = _exact_float(value) if kind is float else Fraction(value)
        return _checked(number, name, minimum, strict, integral)
    if isinstance(value, (list, tuple, np.ndarray)):
        raise TermsError(f"{name} must be a single number (got a range)", argument=name)
    if value is None:
        raise TermsError(f"{name} must be a number (got an empty cell)", argument=name)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, Decimal)):
        raise TermsError(f"{name} must be a number (got {describe(value)})", argument=name)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TermsError(f"{name} must be a finite number (got {value})", argument=name)
    elif not isinstance(value, (int, Fraction, np.integer)):
        _check_finite(float(value), name)  # float, numpy float or another Real
    try:
        number = exact(value)  # type: ignore[arg-type]
    except (InvalidOperation, ValueError, OverflowError) as exc:  # pragma: no cover - defensive
        raise TermsError(f"{name} must be a number (got {describe(value)})", argument=name) from exc
    return _checked(number, name, minimum, strict, integral)


def _checked(
    number: Fraction, name: str, minimum: Fraction | int | None, strict: bool, integral: bool
) -> Fraction:
    if minimum is not None and (number <= minimum if strict else number < minimum):
        raise TermsError(
            f"{_bound_message(name, minimum, strict)} (got {_fmt(number)})", argument=name
        )
    if integral and number.denominator != 1:
        raise TermsError(f"{name} must be a whole number (got {_fmt(number)})", argument=name)
    return number


def parse_optional(value: Any, default: Any) -> Any:
    """An omitted optional argument (``None``, or an empty string from a blank cell) -> default."""
    return default if value is None or (isinstance(value, str) and value.strip() == "") else value


def parse_bool(value: Any, name: str, default: bool) -> bool:
    """TRUE/FALSE. ``None`` (omitted) gives ``default``; 1 and 0 are accepted as Excel does."""
    if value is None:
        return default
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and float(value) in (0.0, 1.0):
        return bool(value)
    raise TermsError(f"{name} must be TRUE or FALSE (got {describe(value)})", argument=name)


def parse_text(value: Any, name: str, choices: Iterable[str]) -> str:
    """One of ``choices``, case-insensitive and trimmed; returned upper-case."""
    options = tuple(choices)
    if not isinstance(value, str) or not value.strip():
        shown = "an empty cell" if value is None or value == "" else describe(value)
        raise TermsError(f"{name} must be one of {', '.join(options)} (got {shown})", argument=name)
    key = value.strip().upper()
    if key not in options:
        raise TermsError(
            f"{name} must be one of {', '.join(options)} (got {value.strip()!r})", argument=name
        )
    return key


def parse_basis(value: Any, name: str = "basis") -> int:
    """Excel's YEARFRAC day-count basis 0-4 (truncated like Excel; outside 0-4 is #NUM!)."""
    if value is None:
        return 0
    number = parse_number(value, name)
    basis = math.floor(number)
    if not 0 <= basis <= 4:
        raise TermsError(
            f"{name} must be 0, 1, 2, 3 or 4 (got {_fmt(number)})", code=NUM, argument=name
        )
    return basis


def _date_to_serial(value: dt.date) -> int:
    if isinstance(value, dt.datetime):
        value = value.date()
    return (value - EXCEL_EPOCH).days


def parse_date(value: Any, name: str) -> int:
    """A date as an Excel 1900-system serial number (whole days)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        raise TermsError(f"{name} must be a single date (got a range)", argument=name)
    if isinstance(value, dt.date):
        serial = _date_to_serial(value)
    elif isinstance(value, np.datetime64):
        serial = int((value.astype("datetime64[D]") - np.datetime64("1899-12-30", "D")).astype(int))
    elif value is None:
        raise TermsError(f"{name} must be a date (got an empty cell)", argument=name)
    elif isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, Decimal)):
        raise TermsError(
            f"{name} must be a date or an Excel date serial number (got {describe(value)})",
            argument=name,
        )
    else:
        number = float(value)
        _check_finite(number, name)
        serial = math.floor(number)
    if not MIN_SERIAL <= serial <= MAX_SERIAL:
        raise TermsError(
            f"{name} must be a date from 1900-03-01 to 9999-12-31 (got {describe(value)})",
            argument=name,
        )
    return serial


# --------------------------------------------------------------------------- ranges
def is_range(value: Any) -> bool:
    """Whether an argument is a range (list, tuple or numpy array) rather than one cell."""
    return isinstance(value, (list, tuple, np.ndarray))


class Grid:
    """A rectangular range read from a cell argument: its values as a 2-D object array.

    A flat list is a column; a numpy array keeps its shape (1-D arrays become columns).
    """

    __slots__ = ("name", "rows", "shape")

    def __init__(self, value: Any, name: str) -> None:
        self.name = name
        rows: list[Any]
        if value is not None and not is_range(value):  # a single cell (or text) is no range
            raise TermsError(f"{name} must be a range (got {describe(value)})", argument=name)
        if isinstance(value, np.ndarray):
            arr = value.reshape(-1, 1) if value.ndim == 1 else value
            if arr.ndim != 2:
                raise TermsError(f"{name} must be a 1-D or 2-D range", argument=name)
            rows = arr.tolist()
        elif value and all(isinstance(r, (list, tuple)) for r in value):
            rows = list(value)
        elif value and not any(isinstance(r, (list, tuple)) for r in value):
            rows = [[v] for v in value]
        elif not value:
            rows = []
        else:
            raise TermsError(
                f"{name} must be a rectangular range (got a mix of cells and rows)", argument=name
            )
        width = len(rows[0]) if rows else 0
        if not rows or width == 0:
            raise TermsError(f"{name} must not be an empty range", argument=name)
        for r in rows:
            if len(r) != width:
                raise TermsError(
                    f"{name} must be a rectangular range (rows of {width} and {len(r)} cells)",
                    argument=name,
                )
        self.rows = rows
        self.shape = (len(rows), width)

    def values(self) -> list[Any]:
        return [v for r in self.rows for v in r]

    def types(self) -> set[type]:
        return {type(v) for r in self.rows for v in r}


def location(shape: tuple[int, ...], flat_index: int) -> str:
    """``row 3`` for a column, ``row 3, column 2`` for a block (1-based, within the range)."""
    if len(shape) < 2:
        return f"item {flat_index + 1}"
    r, c = divmod(int(flat_index), shape[1])
    return f"row {r + 1}" if shape[1] == 1 else f"row {r + 1}, column {c + 1}"


def at(message: str, where: str) -> str:
    """``message`` with a place in a range: ``x must be >= 0 (got -1)`` → ``(got -1 in row 2)``."""
    if message.endswith(")"):
        return f"{message[:-1]} in {where})"
    return f"{message} (in {where})"


def first_bad(mask: npt.NDArray[np.bool_]) -> int | None:
    """Index (flat) of the first True in ``mask`` or None."""
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


_NUMERIC_TYPES = (int, float, np.float64, np.int64, np.float32, np.int32)


def flat_rows(value: Any) -> tuple[list[Any], tuple[int, int]] | None:
    """A non-empty rectangular list of rows (what xlwings passes) as one flat list and its shape,
    with C-level passes only; None for anything else (the careful path then reads it)."""
    if type(value) is not list or not value or type(value[0]) is not list:
        return None
    width = len(value[0])
    if width == 1:  # a column, the usual case: one pass that also checks every row's length
        try:
            return [cell for (cell,) in value], (len(value), 1)
        except (TypeError, ValueError):  # a cell among the rows, or a row of another length
            return None
    try:
        if width == 0 or set(map(len, value)) != {width}:
            return None
    except TypeError:  # a cell among the rows
        return None
    flat = list(itertools.chain.from_iterable(value))
    if len(flat) != len(value) * width:  # e.g. a string posing as a row
        return None
    return flat, (len(value), width)


_PLAIN_NUMBERS = frozenset({int, float})


def parse_number_grid(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    strict: bool = False,
    allow_empty: bool = False,
) -> FloatArray:
    """A range of numbers as a 2-D float64 array; the checks of :func:`parse_number` per cell.

    With ``allow_empty``, empty cells (``None``) become NaN for the caller to judge.
    """
    fast = flat_rows(value)
    if fast is not None and set(map(type, fast[0])) <= _PLAIN_NUMBERS:
        # the common case -- a column or block of plain numbers -- without per-cell Python code
        arr = np.fromiter(fast[0], dtype=np.float64, count=len(fast[0])).reshape(fast[1])
    elif isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        arr = np.asarray(value, dtype=np.float64)
        arr = arr.reshape(-1, 1) if arr.ndim == 1 else arr
        if arr.ndim != 2 or arr.size == 0:
            raise TermsError(f"{name} must be a non-empty 1-D or 2-D range", argument=name)
    else:
        grid = Grid(value, name)
        kinds = grid.types()
        if allow_empty:
            kinds.discard(type(None))
        if not kinds <= set(_NUMERIC_TYPES) or any(t is bool for t in kinds):
            flat = grid.values()
            for i, v in enumerate(flat):
                if v is None and allow_empty:
                    continue
                if isinstance(v, (bool, np.bool_)) or not isinstance(v, (Real, Decimal)):
                    shown = "an empty cell" if v is None else describe(v)
                    raise TermsError(
                        f"{name} must be a number (got {shown} in {location(grid.shape, i)})",
                        argument=name,
                    )
            # Decimal/Fraction/other Real types: convert one by one (rare path).
            arr = np.array(
                [np.nan if v is None else float(v) for v in flat], dtype=np.float64
            ).reshape(grid.shape)
        else:
            arr = np.array(
                [[np.nan if v is None else v for v in r] for r in grid.rows]
                if allow_empty
                else grid.rows,
                dtype=np.float64,
            )
    finite = np.isfinite(arr)
    if allow_empty and not finite.all():  # empty cells were read as NaN: allowed here
        finite |= np.isnan(arr) & _was_empty(value, arr.shape)
    bad = first_bad(~finite)
    if bad is not None:
        raise TermsError(
            f"{name} must be a finite number (got {arr.flat[bad]} in {location(arr.shape, bad)})",
            argument=name,
        )
    if minimum is not None:
        below = (arr <= minimum) if strict else (arr < minimum)
        bad = first_bad(below)
        if bad is not None:
            bound = _bound_message(name, _fmt_bound(minimum), strict)
            raise TermsError(
                f"{bound} (got {format(arr.flat[bad], '.15g')} in {location(arr.shape, bad)})",
                argument=name,
            )
    return arr


def _was_empty(value: Any, shape: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    if isinstance(value, np.ndarray):
        return np.zeros(shape, dtype=bool)
    return np.array([v is None for v in Grid(value, "value").values()], dtype=bool).reshape(shape)


_DATE_EPOCH64 = np.datetime64("1899-12-30", "D")
_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()
_TO_ORDINAL = operator.methodcaller("toordinal")


def parse_date_grid(value: Any, name: str) -> IntArray:
    """A range of dates as a 2-D int64 array of Excel serials (see :func:`parse_date`)."""
    fast = flat_rows(value)
    if fast is not None:
        kinds = set(map(type, fast[0]))
        serials: IntArray | None = None
        if kinds <= _PLAIN_NUMBERS:  # serial numbers (xlwings Lite, computed cells)
            nums = np.fromiter(fast[0], dtype=np.float64, count=len(fast[0])).reshape(fast[1])
            if np.isfinite(nums).all():
                serials = np.floor(nums).astype(np.int64)
        elif kinds <= {dt.datetime, dt.date}:  # date cells (classic xlwings): C-level map
            ordinals = map(_TO_ORDINAL, fast[0])  # a datetime's time of day is dropped
            days = np.fromiter(ordinals, dtype=np.int64, count=len(fast[0]))
            serials = (days - _EPOCH_ORDINAL).reshape(fast[1])
        if serials is not None and ((serials >= MIN_SERIAL) & (serials <= MAX_SERIAL)).all():
            return serials
    if isinstance(value, np.ndarray) and value.dtype.kind == "M":
        arr = value.reshape(-1, 1) if value.ndim == 1 else value
        serials = (arr.astype("datetime64[D]") - _DATE_EPOCH64).astype(np.int64)
    elif isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        nums = parse_number_grid(value, name)
        serials = np.floor(nums).astype(np.int64)
    else:
        grid = Grid(value, name)
        kinds = grid.types()
        if kinds and all(issubclass(t, dt.date) for t in kinds):
            as_days = np.array(
                [[v.date() if isinstance(v, dt.datetime) else v for v in r] for r in grid.rows],
                dtype="datetime64[D]",
            )
            serials = (as_days - _DATE_EPOCH64).astype(np.int64)
        elif kinds <= set(_NUMERIC_TYPES) and bool not in kinds:
            nums = np.array(grid.rows, dtype=np.float64)
            bad = first_bad(~np.isfinite(nums))
            if bad is not None:
                raise TermsError(
                    f"{name} must be a date (got {nums.flat[bad]} in {location(nums.shape, bad)})",
                    argument=name,
                )
            serials = np.floor(nums).astype(np.int64)
        else:
            flat = grid.values()
            out = np.empty(len(flat), dtype=np.int64)
            for i, v in enumerate(flat):
                try:
                    out[i] = parse_date(v, name)
                except TermsError as exc:
                    raise TermsError(
                        at(exc.message, location(grid.shape, i)), argument=name
                    ) from None
            return out.reshape(grid.shape)
    bad = first_bad((serials < MIN_SERIAL) | (serials > MAX_SERIAL))
    if bad is not None:
        raise TermsError(
            f"{name} must be a date from 1900-03-01 to 9999-12-31 "
            f"(got serial {serials.flat[bad]} in {location(serials.shape, bad)})",
            argument=name,
        )
    return serials


def broadcast(named: dict[str, npt.NDArray[Any]]) -> tuple[int, ...]:
    """The common shape of several ranges (single cells broadcast); an error names the clash."""
    shapes = {n: a.shape for n, a in named.items()}
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        big = [(n, s) for n, s in shapes.items() if s != (1, 1) and s != ()]
        (n1, s1), (n2, s2) = big[0], next(b for b in big[1:] if b[1] != big[0][1])
        raise TermsError(
            f"{n2} is {s2[0]}×{s2[1]} but {n1} is {s1[0]}×{s1[1]}: ranges must have the same "
            "shape (or be a single cell)",
            argument=n2,
        ) from None


def number_array(
    value: Any, name: str, *, minimum: float | None = None, strict: bool = False
) -> npt.NDArray[np.float64]:
    """A single number (0-d) or a range (2-D) as float64, checked like :func:`parse_number`."""
    if is_range(value):
        return parse_number_grid(value, name, minimum=minimum, strict=strict)
    bound = None if minimum is None else exact(minimum)
    return np.asarray(float(parse_number(value, name, minimum=bound, strict=strict)))


def date_array(value: Any, name: str) -> npt.NDArray[np.int64]:
    """A single date (0-d) or a range of dates (2-D) as Excel serials."""
    if is_range(value):
        return parse_date_grid(value, name)
    return np.asarray(parse_date(value, name), dtype=np.int64)


def basis_array(value: Any) -> npt.NDArray[np.int64]:
    """A single YEARFRAC basis (0-d) or a range of them (2-D)."""
    if not is_range(value):
        return np.asarray(parse_basis(value), dtype=np.int64)
    raw = parse_number_grid(value, "basis")
    b = np.floor(raw).astype(np.int64)
    bad = first_bad((b < 0) | (b > 4))
    if bad is not None:
        raise TermsError(
            f"basis must be 0, 1, 2, 3 or 4 (got {raw.flat[bad]:.15g} in {location(b.shape, bad)})",
            code=NUM,
            argument="basis",
        )
    return b
