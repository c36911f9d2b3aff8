"""The Excel functions the native evaluator implements (:data:`NATIVE_FUNCTIONS`), and the
calls of the add-in's functions (dates moved for the 1904 date system, wrong argument counts
reported). Moved out of :mod:`.evaluator` unchanged."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import references as _refs
from .cells import (
    _EPOCH,
    Err,
    Ref,
    Unsupported,
    _binary,
    _compare,
    _elementwise,
    _first_err,
    _is_array,
    _located,
    _num,
    _plain,
    _text,
)
from .parser import (
    Formula,
    Node,
)

if TYPE_CHECKING:  # annotations only (the module imports this one)
    from .evaluator import Evaluator


@functools.cache
def _date_roles(fn: Callable[..., Any]) -> tuple[frozenset[int], frozenset[int], bool]:
    """(positions of date arguments, positions of tables that hold dates, whether the result
    is a date serial) of an add-in function, read from its description in the function table:
    arguments named ``*_date``, ``as_of`` or ``dates``; tables ``*_log`` and ``series_a``; a
    result described as a date serial."""
    try:
        from ...functions import describe

        info = describe(fn)
    except (ImportError, TypeError):
        return frozenset(), frozenset(), False
    dates, tables = set(), set()
    for i, p in enumerate(info.parameters):
        if p.name.endswith("date") or p.name in ("as_of", "dates"):
            dates.add(i)
        elif p.name.endswith("_log") or p.name == "series_a":
            tables.add(i)
    doc = (fn.__doc__ or "").lower()
    return frozenset(dates), frozenset(tables), "date serial" in doc


def _shift_serial(days: int) -> Callable[[Any], Any]:
    def run(v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v + days
        return v

    return run


def _call_addin(name: str, fn: Callable[..., Any], values: list[Any]) -> Any:
    for v in values:
        e = _first_err(v)
        if e is not None:
            return e
    result = call_addin_function(name, fn, [_plain(v) for v in values])
    if isinstance(result, (list, tuple, np.ndarray)):
        arr = np.array(result, dtype=object)
        return arr.reshape(-1, 1) if arr.ndim == 1 else arr
    return result


@functools.cache
def _arity(fn: Callable[..., Any]) -> tuple[int, float] | None:
    """(fewest, most) arguments ``fn`` takes; None if it cannot be told."""
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    least, most = 0, 0.0
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            most = math.inf
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            most += 1
            least += p.default is p.empty
    return least, most


def _wrong_count(name: str, fn: Callable[..., Any], given: int) -> str | None:
    """One line when ``given`` arguments are not what ``fn`` takes, else None."""
    arity = _arity(fn)
    if arity is None or arity[0] <= given <= arity[1]:
        return None
    least, most = arity
    if most == math.inf:
        takes = f"at least {least}"
    elif least == most:
        takes = f"{least}"
    else:
        takes = f"{least} to {int(most)}"
    return f"{name}: takes {takes} argument{'s' if most != 1 else ''} (got {given})"


def call_addin_function(name: str, fn: Callable[..., Any], args: list[Any]) -> Any:
    """Call one of the add-in's Excel functions with xlwings-style arguments; its bad input comes
    back as an :class:`Err` whose message names the function (``LIQPREF: shares must be >= 0``),
    anything unexpected as ``#VALUE!`` -- never an exception. (Both engines use this.)"""
    from ...terms import TermsError

    wrong = _wrong_count(name, fn, len(args))
    if wrong is not None:
        return Err("#VALUE!", wrong)
    old = os.environ.get("XL_ADDIN_ERRORS")
    os.environ["XL_ADDIN_ERRORS"] = "raise"
    try:
        result = fn(*args)
    except TermsError as exc:
        text = exc.message
        if text.startswith(exc.code):
            text = text[len(exc.code) :].strip()
        return Err(exc.code, f"{name}: {text}")
    except Exception as exc:  # never a traceback in a cell
        return Err("#VALUE!", f"{name}: {type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        if old is None:
            os.environ.pop("XL_ADDIN_ERRORS", None)
        else:
            os.environ["XL_ADDIN_ERRORS"] = old
    if isinstance(result, str) and re.match(r"#[A-Z/0]+[!?A]", result):
        code, _, msg = result.partition(" ")
        return Err(code, msg)
    return result


# ============================================================================== native functions
def _flat(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> list[Any]:
    out: list[Any] = []
    for a in args:
        if a[0] == "ref" and ":" in a[1].sheet:  # a 3-D reference: every sheet's values
            out.extend(_refs.values_3d(ev, a[1]))
            continue
        v = ev.eval(a, f, array)
        if _is_array(v):
            out.extend(v.flat)
        elif _is_reference(ev, a, f):
            # a reference's value counts as a range's does: its text, logical value or
            # emptiness is ignored, not coerced (Excel: SUM(A1) with "3" in A1 is 0)
            out.append(v)
        else:
            out.append(("arg", v))
    return out


def _is_reference(ev: Evaluator, node: Node, f: Formula) -> bool:
    """Whether an argument is a reference (a cell, or a name standing for one)."""
    seen = 0
    while node[0] == "name" and seen < 16:
        key = ev._name_key(node[1], f.sheet)
        if key is None:
            return False
        node = ev.book.names[key]
        seen += 1
    return node[0] == "ref"


def _numbers(items: list[Any]) -> list[float] | Err:
    """SUM-style arguments: numbers from ranges (text and empties skipped), coerced scalars."""
    nums: list[float] = []
    for it in items:
        if isinstance(it, tuple) and it and it[0] == "arg":
            v = it[1]
            if v is None:
                continue
            n = _num(v)
            if isinstance(n, Err):
                return n
            nums.append(n)
        elif isinstance(it, Err):
            return it
        elif isinstance(it, (int, float)) and not isinstance(it, bool):
            nums.append(float(it))
    return nums


def _agg(fn: Callable[[list[float]], Any]) -> Callable[..., Any]:
    def run(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
        nums = _numbers(_flat(ev, args, f, array))
        return nums if isinstance(nums, Err) else fn(nums)

    return run


def _scalar_fn(fn: Callable[..., Any], n_min: int, n_max: int) -> Callable[..., Any]:
    def run(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
        if not n_min <= len(args) <= n_max:
            return Err("#VALUE!", "wrong number of arguments")
        values = [ev.value(a, f, array) for a in args]
        return _elementwise(fn, *values)

    return run


def _coerced(convert: Callable[[Any], Any], fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` of its arguments converted by ``convert`` (the first error among them its
    result)."""

    def run(*vals: Any) -> Any:
        args = [convert(v) for v in vals]
        for a in args:
            if isinstance(a, Err):
                return a
        return fn(*args)

    return run


def _numeric(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function of numbers (Excel's coercion); #NUM! where Python's math refuses."""

    def safe(*nums: float) -> Any:
        try:
            return fn(*nums)
        except (ValueError, OverflowError, ZeroDivisionError):
            return Err("#NUM!")

    return _coerced(_num, safe)


def _if(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    if not 1 <= len(args) <= 3:
        return Err("#VALUE!")
    cond = ev.value(args[0], f, array)
    then = args[1] if len(args) > 1 else ("bool", True)
    other = args[2] if len(args) > 2 else ("bool", False)
    if _is_array(cond):
        a, b = ev.value(then, f, array), ev.value(other, f, array)
        return _elementwise(lambda c, x, y: _pick(c, x, y), cond, a, b)
    truth = _truth(cond)
    if isinstance(truth, Err):
        return truth
    chosen = then if truth else other
    if chosen[0] == "miss":
        return 0.0
    return ev.eval(chosen, f, array)


def _pick(c: Any, x: Any, y: Any) -> Any:
    t = _truth(c)
    return t if isinstance(t, Err) else (x if t else y)


def _truth(v: Any) -> bool | Err:
    if isinstance(v, Err):
        return v
    if isinstance(v, str):
        if v.upper() in ("TRUE", "FALSE"):
            return v.upper() == "TRUE"
        return Err("#VALUE!")
    n = _num(v)
    return n if isinstance(n, Err) else n != 0


def _iferror(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    if len(args) != 2:
        return Err("#VALUE!")
    v = ev.value(args[0], f, array)
    fallback = ev.value(args[1], f, array)
    return _elementwise(lambda x, y: y if isinstance(x, Err) else x, v, fallback)


def _logic(kind: str) -> Callable[..., Any]:
    def run(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
        truths = []
        for it in _flat(ev, args, f, array):
            v = it[1] if isinstance(it, tuple) and it and it[0] == "arg" else it
            if v is None or (isinstance(v, str) and not (isinstance(it, tuple))):
                continue
            if isinstance(v, str) and v.upper() not in ("TRUE", "FALSE"):
                # a text argument typed in: what Excel answers is not established here
                raise Unsupported(f"{kind} with a text argument {v!r}")
            t = _truth(v)
            if isinstance(t, Err):
                return t
            truths.append(t)
        if not truths:
            return Err("#VALUE!")
        return all(truths) if kind == "AND" else any(truths)

    return run


#: Days between the 1900 and the 1904 date systems' serial 0 (1904-01-01 is 1462 in the first).
DAYS_1904 = 1462
_LAST_SERIAL = 2_958_465  # 9999-12-31 in the 1900 date system


def _month_start(y: int, m: int, date1904: bool) -> int:
    """The serial of the first day of month ``m`` of year ``y``. 1900 system: Excel counts a
    1900-02-29 (serial 60), so days before 1900-03-01 count from 1899-12-31, later ones from
    1899-12-30; 1904 system: from 1904-01-01."""
    first = dt.date(y, m, 1)
    if date1904:
        return (first - dt.date(1904, 1, 1)).days
    if first < dt.date(1900, 3, 1):
        return (first - dt.date(1899, 12, 31)).days
    return (first - _EPOCH).days


def _date(y: float, m: float, d: float, date1904: bool = False) -> float | Err:
    """DATE as Excel computes it: years 0-1899 are 1900 + year; months and days outside their
    range roll over (DATE(1900,2,29) is serial 60, DATE(1900,1,0) is 0); a result before
    serial 0 or after 9999-12-31 is #NUM!."""
    yi, mi, di = int(y), int(m), int(d)
    if 0 <= yi < 1900:
        yi += 1900
    if not 0 <= yi <= 9999:
        return Err("#NUM!", "DATE: year must be 0 to 9999")
    yi += (mi - 1) // 12
    mi = (mi - 1) % 12 + 1
    if not 1 <= yi <= 9999:
        return Err("#NUM!", "DATE: outside Excel's dates")
    serial = _month_start(yi, mi, date1904) + di - 1
    last = _LAST_SERIAL - (DAYS_1904 if date1904 else 0)
    if not 0 <= serial <= last:
        return Err("#NUM!", "DATE: outside Excel's dates")
    return float(serial)


def serial_date(serial: float, date1904: bool = False) -> tuple[int, int, int] | Err:
    """(year, month, day) of a serial as Excel shows it: 1900 system 0 is 1900-01-00, 60 is
    1900-02-29 (Excel's phantom leap day), 1-59 are 1900-01-01 to 1900-02-28."""
    n = math.floor(serial)
    last = _LAST_SERIAL - (DAYS_1904 if date1904 else 0)
    if not 0 <= n <= last:
        return Err("#NUM!", "not a date serial (0 to 2958465)")
    if date1904:
        d = dt.date(1904, 1, 1) + dt.timedelta(days=n)
        return d.year, d.month, d.day
    if n == 0:
        return 1900, 1, 0
    if n == 60:
        return 1900, 2, 29
    d = dt.date(1899, 12, 31 if n < 60 else 30) + dt.timedelta(days=n)
    return d.year, d.month, d.day


def _date_fn(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    if len(args) != 3:
        return Err("#VALUE!", "wrong number of arguments")
    values = [ev.value(a, f, array) for a in args]
    one = _numeric(lambda y, m, d: _date(y, m, d, ev.book.date1904))
    return _elementwise(one, *values)


def _part(which: str) -> Callable[..., Any]:
    index = ("year", "month", "day").index(which)

    def run(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
        if len(args) != 1:
            return Err("#VALUE!", "wrong number of arguments")

        def one(serial: float) -> float | Err:
            parts = serial_date(serial, ev.book.date1904)
            return parts if isinstance(parts, Err) else float(parts[index])

        return _elementwise(_numeric(one), ev.value(args[0], f, array))

    return run


def _excel_int(x: float) -> float:
    """INT as Excel computes it: the value is first taken to the 15 significant digits Excel
    keeps, so INT(967005*26.65/8.55) is 3014115 (the double is 3014114.9999999995)."""
    return float(math.floor(float(format(x, ".15g"))))


def _yearfrac(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    from ...terms.daycount import yearfrac_float

    if not 2 <= len(args) <= 3:
        return Err("#VALUE!")
    vals = [ev.value(a, f, array) for a in args] + ([0.0] if len(args) == 2 else [])

    def one(s: Any, e: Any, b: Any) -> Any:
        ns, ne, nb = _num(s), _num(e), _num(b)
        for n in (ns, ne, nb):
            if isinstance(n, Err):
                return n
        assert isinstance(ns, float) and isinstance(ne, float) and isinstance(nb, float)
        if ev.book.date1904:  # the day count works on 1900-system serials
            ns, ne = ns + DAYS_1904, ne + DAYS_1904
        if min(ns, ne) < 0 or max(ns, ne) >= 2_958_466 or not 0 <= int(nb) <= 4:
            return Err("#NUM!")
        return yearfrac_float(math.floor(ns), math.floor(ne), int(nb))

    return _elementwise(one, *vals)


def _sumif(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    if len(args) not in (2, 3):
        return Err("#VALUE!")
    rng = ev.eval(args[0], f, array)
    crit = ev.value(args[1], f, array)
    total = ev.eval(args[2], f, array) if len(args) == 3 else rng
    if not _is_array(rng):
        rng = np.array([[rng]], dtype=object)
    if not _is_array(total):
        total = np.array([[total]], dtype=object)
    if rng.shape != total.shape:
        raise Unsupported("SUMIF with ranges of different shapes")
    test = _criterion(crit)
    if isinstance(test, Err):
        return test
    s = 0.0
    for x, y in zip(rng.flat, total.flat, strict=True):
        if test(x) and isinstance(y, (int, float)) and not isinstance(y, bool):
            s += float(y)
    return s


def _criterion(crit: Any) -> Callable[[Any], bool] | Err:
    if isinstance(crit, Err):
        return crit
    if isinstance(crit, str):
        m = re.match(r"^(<=|>=|<>|<|>|=)?(.*)$", crit, re.S)
        assert m
        op, rest = m.group(1) or "=", m.group(2)
        if any(ch in rest for ch in "*?~"):
            raise Unsupported("SUMIF wildcards")
        target: Any = rest
        with_num = _num(rest) if rest.strip() else None
        if isinstance(with_num, float):
            target = with_num
        return lambda x: (
            _compare(op, x, target) is True
            and (not isinstance(target, float) or isinstance(x, (int, float)))
        )
    return lambda x: _compare("=", x, crit) is True


def _sumproduct(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    arrays = [ev.eval(a, f, True) for a in args]
    arrays = [a if _is_array(a) else np.array([[a]], dtype=object) for a in arrays]
    if len({a.shape for a in arrays}) != 1:
        return Err("#VALUE!")
    if arrays[0].shape == (1, 1) and any(
        not isinstance(a[0, 0], (int, float, Err)) or isinstance(a[0, 0], bool) for a in arrays
    ):
        # single values, one not a number: Excel gives #VALUE! for a text cell written as a
        # one-cell range (Apache POI's FormulaEvalTestData) -- its rule for the other cases
        # (a logical value, an empty cell, a literal) is not known here: reported
        raise Unsupported("SUMPRODUCT of single values that are not all numbers")
    total = 0.0
    for items in zip(*(a.flat for a in arrays), strict=True):
        p = 1.0
        for x in items:
            if isinstance(x, Err):
                return x
            p *= float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else 0.0
        total += p
    return total


def _index(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    if not 2 <= len(args) <= 3:
        return Err("#VALUE!")
    arr = ev.eval(args[0], f, array)
    if not _is_array(arr):
        arr = np.array([[arr]], dtype=object)
    r = _num(ev.value(args[1], f, array))
    c = _num(ev.value(args[2], f, array)) if len(args) == 3 else 1.0
    if isinstance(r, Err) or isinstance(c, Err):
        return r if isinstance(r, Err) else c
    ri, ci = int(r), int(c)
    if arr.shape[0] == 1 and len(args) == 2:
        ri, ci = 1, ri
    if not (0 <= ri <= arr.shape[0] and 0 <= ci <= arr.shape[1]):
        return Err("#REF!")
    if ri and ci:
        return arr[ri - 1, ci - 1]
    # 0: the whole column (row 0) or row (column 0), a range as Excel returns it
    rows = slice(None) if ri == 0 else slice(ri - 1, ri)
    cols = slice(None) if ci == 0 else slice(ci - 1, ci)
    sub = np.asarray(arr)[rows, cols]
    where = getattr(arr, "ref", None) or (args[0][1] if args[0][0] == "ref" else None)
    if where is None:
        return sub
    r1 = where.r1 if ri == 0 else where.r1 + ri - 1
    c1 = where.c1 if ci == 0 else where.c1 + ci - 1
    return _located(sub, Ref(where.sheet, r1, c1, r1 + sub.shape[0] - 1, c1 + sub.shape[1] - 1))


def _count(kind: str) -> Callable[..., Any]:
    def run(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
        n = 0
        for it in _flat(ev, args, f, array):
            is_arg = isinstance(it, tuple) and it and it[0] == "arg"
            v = it[1] if is_arg else it
            if kind == "COUNTA":
                n += v is not None  # empty text ("" from a formula) counts, as in Excel
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                n += 1
            elif is_arg and v is not None and not isinstance(_num(v), Err):
                n += 1  # a number typed as an argument, or numeric text
        return float(n)

    return run


def _concat(*vals: Any) -> Any:
    out = ""
    for v in vals:
        t = _text(v)
        if isinstance(t, Err):
            return t
        out += t
    return out


def _left(v: Any, n: Any) -> Any:
    text, count = _text(v), _num(n)
    if isinstance(text, Err) or isinstance(count, Err):
        return text if isinstance(text, Err) else count
    return text[: int(count)] if count >= 0 else Err("#VALUE!")


def _char(n: float) -> str | Err:
    """CHAR as Windows Excel computes it: 1-255 in the Windows-1252 code page (the five codes
    Windows-1252 leaves undefined give the character of that code point, as Excel does)."""
    code = int(n)
    if not 1 <= code <= 255:
        return Err("#VALUE!", f"CHAR: number must be 1 to 255 (got {n:g})")
    try:
        return bytes([code]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(code)


def _texts(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function of text arguments (numbers and booleans as Excel shows them as text)."""
    return _coerced(_text, fn)


def _mid(v: Any, start: Any, n: Any) -> Any:
    text, s0, count = _text(v), _num(start), _num(n)
    for x in (text, s0, count):
        if isinstance(x, Err):
            return x
    assert isinstance(text, str) and isinstance(s0, float) and isinstance(count, float)
    if s0 < 1 or count < 0:
        return Err("#VALUE!", "MID: start must be >= 1 and length >= 0")
    first = int(s0) - 1
    return text[first : first + int(count)]


def _right(v: Any, n: Any = 1.0) -> Any:
    text, count = _text(v), _num(n)
    if isinstance(text, Err) or isinstance(count, Err):
        return text if isinstance(text, Err) else count
    if count < 0:
        return Err("#VALUE!", "RIGHT: length must be >= 0")
    k = int(count)
    return text[max(0, len(text) - k) :] if k else ""  # more than its length: all of it


def _find(what: Any, within: Any, start: Any = 1.0) -> Any:
    w, t, s0 = _text(what), _text(within), _num(start)
    for x in (w, t, s0):
        if isinstance(x, Err):
            return x
    assert isinstance(w, str) and isinstance(t, str) and isinstance(s0, float)
    first = int(s0)
    if first < 1 or first > len(t) + 1:
        return Err("#VALUE!", "FIND: start outside the text")
    at = t.find(w, first - 1)
    return float(at + 1) if at >= 0 else Err("#VALUE!", f"FIND: {w!r} not found")


def _atan2(x: float, y: float) -> float | Err:
    if x == 0 and y == 0:
        return Err("#DIV/0!")
    return math.atan2(y, x)  # Excel's ATAN2(x_num, y_num): the angle of the point (x, y)


def _log(x: float, base: float = 10.0) -> float | Err:
    if x <= 0 or base <= 0:
        return Err("#NUM!")
    if base == 1:
        return Err("#DIV/0!")
    return math.log(x) / math.log(base) if base != 10 else math.log10(x)


#: How near a zero of SIN, COS or TAN (relative to the angle) a result is not trusted
TRIG_NEAR_ZERO = 1e-6


def _trig(fn: Callable[[float], float], name: str) -> Callable[[float], float]:
    """SIN, COS, TAN -- reported as not computed near one of their zeros (and TAN near its
    poles) for an angle of 1 radian or more: there the result is the rounding error of the angle
    reduced by a multiple of pi, and Excel reduces it its own way (SIN(PI()) is 1.22515E-16 in
    Excel, 1.2246E-16 by the C library: 4E-4 apart; Apache POI's Excel-saved 47813.xlsx shows
    the same at 180, 360, ... degrees). Elsewhere both are the correctly rounded value but for
    an ulp or so, well within 1e-9."""

    def run(x: float) -> float:
        r = fn(x)
        angle = abs(x)
        if angle >= 1.0 and (
            abs(r) < TRIG_NEAR_ZERO * angle or (name == "TAN" and abs(r) > angle / TRIG_NEAR_ZERO)
        ):
            raise Unsupported(
                f"{name}({x!r}) is {r!r}, within {TRIG_NEAR_ZERO:g} of a zero of {name}: Excel "
                "reduces the angle by multiples of pi its own way"
            )
        return r

    return run


def _positive(fn: Callable[[float], float]) -> Callable[[float], float | Err]:
    def run(x: float) -> float | Err:
        return fn(x) if x > 0 else Err("#NUM!")

    return run


def _choose(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    if len(args) < 2:
        return Err("#VALUE!", "wrong number of arguments")
    i = _num(ev.value(args[0], f, array))
    if isinstance(i, Err):
        return i
    k = int(i)
    if not 1 <= k < len(args):
        return Err("#VALUE!", f"CHOOSE: index {k} outside 1 to {len(args) - 1}")
    return ev.eval(args[k], f, array)


def _concat_all(ev: Evaluator, args: list[Node], f: Formula, array: bool) -> Any:
    out = []
    for it in _flat(ev, args, f, array):
        v = it[1] if isinstance(it, tuple) and it and it[0] == "arg" else it
        t = _text(v)
        if isinstance(t, Err):
            return t
        out.append(t)
    text = "".join(out)
    return text if len(text) <= 32767 else Err("#VALUE!", "CONCAT: more than 32,767 characters")


def _trim(text: str) -> str:
    return " ".join(part for part in text.split(" ") if part)


def _mod(a: float, b: float) -> float | Err:
    """MOD: the sign of the divisor; #DIV/0! for a divisor of 0 (Excel), not #NUM!."""
    if b == 0:
        return Err("#DIV/0!")
    return a - b * math.floor(a / b)


def _sum(nums: list[float]) -> float | Err:
    """SUM: the exactly rounded sum; #NUM! beyond the largest number (math.fsum raises
    OverflowError there)."""
    try:
        return float(math.fsum(nums))
    except OverflowError:
        return Err("#NUM!")


def _avg(nums: list[float]) -> Any:
    return sum(nums) / len(nums) if nums else Err("#DIV/0!")


_NATIVE: dict[str, Callable[..., Any]] = {
    "SUM": _agg(lambda n: _sum(n)),
    "MIN": _agg(lambda n: min(n) if n else 0.0),
    "MAX": _agg(lambda n: max(n) if n else 0.0),
    "AVERAGE": _agg(_avg),
    "COUNT": _count("COUNT"),
    "COUNTA": _count("COUNTA"),
    "IF": _if,
    "IFERROR": _iferror,
    "AND": _logic("AND"),
    "OR": _logic("OR"),
    "NOT": _scalar_fn(lambda v: (lambda t: t if isinstance(t, Err) else not t)(_truth(v)), 1, 1),
    "ABS": _scalar_fn(_numeric(abs), 1, 1),
    "INT": _scalar_fn(_numeric(_excel_int), 1, 1),
    "SQRT": _scalar_fn(_numeric(math.sqrt), 1, 1),
    "POWER": _scalar_fn(lambda a, b: _binary("^", a, b), 2, 2),
    "MOD": _scalar_fn(_numeric(_mod), 2, 2),
    "ROUND": _scalar_fn(_numeric(lambda x, d=0.0: _excel_round(x, d, "half")), 1, 2),
    "ROUNDUP": _scalar_fn(_numeric(lambda x, d=0.0: _excel_round(x, d, "up")), 1, 2),
    "ROUNDDOWN": _scalar_fn(_numeric(lambda x, d=0.0: _excel_round(x, d, "down")), 1, 2),
    "DATE": _date_fn,
    "YEAR": _part("year"),
    "MONTH": _part("month"),
    "DAY": _part("day"),
    "YEARFRAC": _yearfrac,
    "SUMIF": _sumif,
    "SUMPRODUCT": _sumproduct,
    "INDEX": _index,
    "CONCATENATE": _scalar_fn(_concat, 1, 255),
    "CHAR": _scalar_fn(_numeric(_char), 1, 1),
    "CONCAT": _concat_all,
    "LEN": _scalar_fn(_texts(lambda t: float(len(t))), 1, 1),
    "MID": _scalar_fn(_mid, 3, 3),
    "RIGHT": _scalar_fn(lambda v, n=1.0: _right(v, n), 1, 2),
    "UPPER": _scalar_fn(_texts(str.upper), 1, 1),
    "LOWER": _scalar_fn(_texts(str.lower), 1, 1),
    "TRIM": _scalar_fn(_texts(_trim), 1, 1),
    "EXACT": _scalar_fn(_texts(lambda a, b: a == b), 2, 2),
    "FIND": _scalar_fn(_find, 2, 3),
    "CHOOSE": _choose,
    "PI": lambda ev, args, f, array: math.pi if not args else Err("#VALUE!"),
    "SIN": _scalar_fn(_numeric(_trig(math.sin, "SIN")), 1, 1),
    "COS": _scalar_fn(_numeric(_trig(math.cos, "COS")), 1, 1),
    "TAN": _scalar_fn(_numeric(_trig(math.tan, "TAN")), 1, 1),
    "ASIN": _scalar_fn(_numeric(math.asin), 1, 1),
    "ACOS": _scalar_fn(_numeric(math.acos), 1, 1),
    "ATAN": _scalar_fn(_numeric(math.atan), 1, 1),
    "ATAN2": _scalar_fn(_numeric(_atan2), 2, 2),
    "DEGREES": _scalar_fn(_numeric(math.degrees), 1, 1),
    "RADIANS": _scalar_fn(_numeric(math.radians), 1, 1),
    "EXP": _scalar_fn(_numeric(math.exp), 1, 1),
    "LN": _scalar_fn(_numeric(_positive(math.log)), 1, 1),
    "LOG10": _scalar_fn(_numeric(_positive(math.log10)), 1, 1),
    "LOG": _scalar_fn(_numeric(_log), 1, 2),
    "SIGN": _scalar_fn(_numeric(lambda x: float((x > 0) - (x < 0))), 1, 1),
    "ISNUMBER": _scalar_fn(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), 1, 1),
    "ISBLANK": _scalar_fn(lambda v: v is None, 1, 1),
    "ISERROR": _scalar_fn(lambda v: isinstance(v, Err), 1, 1),
    "ISNA": _scalar_fn(lambda v: isinstance(v, Err) and v.code == "#N/A", 1, 1),
    "LEFT": _scalar_fn(lambda v, n=1.0: _left(v, n), 1, 2),
    # LibreOffice writes the constants TRUE and FALSE as functions: =FALSE()
    "TRUE": lambda ev, args, f, array: True if not args else Err("#VALUE!"),
    "FALSE": lambda ev, args, f, array: False if not args else Err("#VALUE!"),
}


#: The Excel functions the native evaluator implements (others: the formulas library).
NATIVE_FUNCTIONS = frozenset(_NATIVE)


def _excel_round(x: float, digits: float, mode: str) -> float:
    """ROUND (half away from zero), ROUNDUP (away from zero), ROUNDDOWN (toward zero), decided
    on the 15-significant-digit decimal Excel shows, so ROUND(2.675, 2) is 2.68 as in Excel."""
    from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

    d = int(digits)
    value = Decimal(format(x, ".15g"))
    if d < -300:
        return 0.0
    if d > 340:  # beyond the last decimal of any 15-significant-digit number: unchanged
        return float(value)
    q = Decimal(1).scaleb(-d)
    rounding = {"half": ROUND_HALF_UP, "up": ROUND_UP, "down": ROUND_DOWN}[mode]
    # up to 309 digits before the point and 340 after: a context wide enough for any of them
    # (the default 28 digits raised InvalidOperation for ROUND(1E20, 10))
    return float(value.quantize(q, rounding=rounding, context=_WIDE))


_WIDE = decimal.Context(prec=700)
