"""Columns of copied-down formulas evaluated a column at a time (issue #11 item 5: at scale).

A model's formulas are mostly one formula copied down a column (``=A2*B2+1``, ``=A3*B3+1``,
...). Such a *run* -- consecutive rows of one column whose formulas differ only by their row
-- is found in bulk when a sheet is read (:func:`find_runs`: one regular expression over the
column's formulas, no tree per cell), parsed once, and evaluated with numpy over all its rows
at once (:func:`evaluate_run`), as the cell-at-a-time evaluator would, value for value:

* only what this module reproduces exactly is taken: numbers (``+ - * /``, unary minus and
  percent, constants), comparisons as IF's condition, IF, SUM, MIN, MAX, ABS and ROUND over
  single cells and, inside SUM/MIN/MAX, small ranges -- any other node keeps the run to the
  cell-at-a-time evaluator;
* a row is computed here only where every cell it reads holds a number and every operation
  gives a finite number; any other row (an empty or text input, an error, a division by zero,
  a ROUND too near its halfway point) is evaluated cell by cell, as before;
* a run is evaluated only once every formula cell it reads is computed, by an earlier run
  (the rest of the workbook is evaluated afterwards, the runs' values being known).

The float operations are those of the cell-at-a-time evaluator, in the same order (numpy's
element-wise ``+ - * /`` are IEEE operations like Python's), SUM is ``math.fsum`` and MIN/MAX
Python's ``min``/``max`` per row, ROUND is computed by integer arithmetic only away from its
halfway points (proved equal there, tested against the decimal path); the output is tested
equal to the cell-at-a-time evaluator's, type and value, on random workbooks
(``tests/test_native_columns.py``).
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .cells import NEAR_ZERO, _wrapped
from .functions import _excel_round
from .parser import _FAST_REF, Node, _operands, _plan

if TYPE_CHECKING:
    from .evaluator import Evaluator

#: Fewer rows than this: cell at a time (a run's set-up is not worth it)
MIN_RUN = 8

_DIGITS = re.compile(r"[0-9]+")


@dataclass(slots=True)
class Run:
    """Rows ``r0``..``r1`` of column ``col`` of ``sheet``: one formula copied down."""

    sheet: str
    col: int
    r0: int
    r1: int
    text: str  # the first row's formula
    tree: Node  # its tree (references of row r0)
    plan: list[Any]  # how each reference moves with the row (parser._plan)
    wrapped: bool  # =(...): Excel's near-zero rule does not apply


def find_runs(
    sheet: str, cells: list[tuple[int, int, str]]
) -> tuple[list[Run], list[tuple[int, int, str]]]:
    """The runs among a sheet's plain formula cells ``(row, col, text)`` (file order), and the
    cells that are in none."""
    by_col: dict[int, tuple[list[int], list[str]]] = {}
    for r, c, text in cells:
        got = by_col.get(c)
        if got is None:
            got = by_col[c] = ([], [])
        got[0].append(r)
        got[1].append(text)
    runs = runs_of_columns(sheet, by_col)
    inside = {(run.col, r) for run in runs for r in range(run.r0, run.r1 + 1)}
    return runs, [(r, c, t) for r, c, t in cells if (c, r) not in inside]


def runs_of_columns(sheet: str, by_col: dict[int, tuple[list[int], list[str]]]) -> list[Run]:
    """The runs of a sheet's plain formula cells, given by column: (rows, texts), file order."""
    runs: list[Run] = []
    for col, (rows, texts) in by_col.items():
        if len(rows) < MIN_RUN:
            continue
        for i, j in _blocks(rows, texts):
            run = _run(sheet, col, rows[i], rows[j - 1], texts[i])
            if run is not None:
                runs.append(run)
    return runs


def _blocks(rows: list[int], texts: list[str]) -> list[tuple[int, int]]:
    """(first, end) index pairs of the runs of one column: consecutive rows whose formula is
    exactly the first row's with the row of each relative cell reference moved down with the
    row (the expected texts are written out and compared, a chunk at a time)."""
    n = len(texts)
    out: list[tuple[int, int]] = []
    i = 0
    while i <= n - MIN_RUN:
        made = _template(texts[i])
        if made is None:
            i += 1
            continue
        fmt, bases = made
        r0 = rows[i]
        j = i + 1
        chunk = MIN_RUN
        while j < n:
            end = min(n, j + chunk)
            a, b = j - i, end - i  # offsets from the run's first row
            if bases:
                expected = [
                    fmt % t for t in zip(*[range(x + a, x + b) for x in bases], strict=True)
                ]
            else:
                expected = [fmt] * (b - a)
            bad = next(
                itertools.compress(
                    itertools.count(),
                    map(operator.ne, texts[j:end], expected),
                ),
                None,
            )
            gap = next(
                itertools.compress(
                    itertools.count(), map(operator.ne, rows[j:end], range(r0 + a, r0 + b))
                ),
                None,
            )
            stop = min((x for x in (bad, gap) if x is not None), default=None)
            if stop is not None:
                j += stop
                break
            j = end
            chunk *= 4
        if j - i >= MIN_RUN:
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _template(text: str) -> tuple[str, list[int]] | None:
    """``text`` as a %-format with ``%d`` for the row of each relative cell reference (as the
    parser's fast path finds them), and those rows; None for a text the runs do not take."""
    moving = {m.start(4) for m in _FAST_REF.finditer(text) if not m.group(3)}
    pieces: list[str] = []
    bases: list[int] = []
    at = 0
    for m in _DIGITS.finditer(text):
        if m.start() not in moving:
            continue
        digits = m.group()
        if digits[0] == "0" or len(digits) > 7:  # A01, or beyond any row: not taken
            return None
        pieces.append(text[at : m.start()].replace("%", "%%"))
        pieces.append("%d")
        bases.append(int(digits))
        at = m.end()
    if not bases:  # no reference moves: every row holds the same text
        return text, bases
    pieces.append(text[at:].replace("%", "%%"))
    return "".join(pieces), bases


def make_run(sheet: str, col: int, r0: int, r1: int, text: str) -> Run | None:
    """The run of ``text`` (the formula of row ``r0``) down to row ``r1``, or None where it
    is not one this module evaluates."""
    return _run(sheet, col, r0, r1, text)


def _run(sheet: str, col: int, r0: int, r1: int, text: str) -> Run | None:
    body = text[1:] if text.startswith("=") else text
    if '"' in body or "'" in body or "[" in body or "{" in body:
        return None
    pieces = _FAST_REF.split(body)
    found = list(zip(pieces[1::5], pieces[2::5], pieces[3::5], pieces[4::5], strict=True))
    got = _plan(body, sheet, found, r0, col)
    if got is None:
        return None
    tree, plan = got
    for entry in plan:  # whole rows or columns; a range with one end fixed, one moving
        if entry[0] is None or (len(entry) == 9 and entry[4] != entry[8]):
            return None
    if not _vectorisable(tree, top=True):
        return None
    return Run(sheet, col, r0, r1, text, tree, plan, _wrapped(text))


_COMPARE = frozenset(("=", "<>", "<", ">", "<=", ">="))
_AGGREGATES = frozenset(("SUM", "MIN", "MAX"))


def _vectorisable(node: Node, top: bool = False, condition: bool = False) -> bool:
    kind = node[0]
    if kind == "num":
        return type(node[1]) is float
    if kind == "ref":
        return node[1].r1 == node[1].r2 and node[1].c1 == node[1].c2 and ":" not in node[1].sheet
    if kind in ("neg", "pct"):
        return _vectorisable(node[1])
    if kind == "bin":
        op = node[1]
        if op in _COMPARE:
            return condition and _vectorisable(node[2]) and _vectorisable(node[3])
        return op in ("+", "-", "*", "/") and _vectorisable(node[2]) and _vectorisable(node[3])
    if kind == "call":
        if len(node) > 3 and node[3]:
            return False  # a prefixed (_xlfn.) name
        name, args = node[1], node[2]
        if name == "IF":
            return (
                len(args) == 3
                and _vectorisable(args[0], condition=True)
                and all(_vectorisable(a) for a in args[1:])
            )
        if name in _AGGREGATES:
            return bool(args) and all(_aggregate_arg(a) for a in args)
        if name == "ABS":
            return len(args) == 1 and _vectorisable(args[0])
        if name == "ROUND":
            digits = _constant(args[1]) if len(args) == 2 else None
            return digits is not None and -15 <= digits <= 15 and _vectorisable(args[0])
        return False
    return False


def _constant(node: Node) -> float | None:
    """A number written in the formula (``2``, ``-1``), as the evaluator computes it."""
    if node[0] == "num" and type(node[1]) is float:
        return float(node[1])
    if node[0] == "neg" and node[1][0] == "num" and type(node[1][1]) is float:
        return 0.0 - node[1][1]
    return None


def _aggregate_arg(node: Node) -> bool:
    if node[0] == "ref":
        ref = node[1]
        cells = (ref.r2 - ref.r1 + 1) * (ref.c2 - ref.c1 + 1)
        return ":" not in ref.sheet and cells <= 64
    return _vectorisable(node)


# ============================================================================== evaluation
class _Rows:
    """The values of a run's rows: a float array and where it holds (``ok``)."""

    __slots__ = ("ok", "x")

    def __init__(self, x: np.ndarray, ok: np.ndarray) -> None:
        self.x = x
        self.ok = ok


_MISSING = object()
_FLOAT = {float}


def references(run: Run) -> Iterator[tuple[str, int, int, int, int]]:
    """The rectangles (sheet, first row, first column, last row, last column) of cells that
    the run's rows read, all rows together."""
    for ref, moves in _moving_refs(run):
        if moves is None:
            yield ref.sheet, ref.r1, ref.c1, ref.r2, ref.c2
        else:
            (ra1, ra2) = moves
            yield ref.sheet, ref.r1 + ra1, ref.c1, ref.r2 + ra2, ref.c2


def _moving_refs(run: Run) -> Iterator[tuple[Any, tuple[int, int] | None]]:
    """Each reference of the run's first row and, when it moves with the row, how far its
    first and last rows go down over the run (None: it does not move)."""
    refs = _refs_of(run.tree)
    span = run.r1 - run.r0
    for ref, entry in zip(refs, run.plan, strict=True):
        if entry[0] is None:
            yield ref, None
        elif len(entry) == 5:
            yield ref, (None if entry[4] else (0, span))
        else:
            moves = not entry[4] or not entry[8]
            yield ref, ((0, span) if moves else None)


def _refs_of(tree: Node) -> list[Any]:
    """The references of ``tree`` in the order its plan lists them (parser._operands)."""
    return [node[1] for node in _operands(tree) if node[0] == "ref"]


def evaluate_run(
    ev: Evaluator, run: Run, formula_rows: Callable[[str, int, int, int], int]
) -> list[tuple[str, int, int]]:
    """Every row of ``run`` into ``ev.done``: computed here where it can be, else cell by cell
    (those cells are returned). ``formula_rows(sheet, col, first, last)``: how many formula
    cells that part of a column holds (0: its values are read from the constants alone)."""
    n = run.r1 - run.r0 + 1
    context = _Context(ev, run, n, formula_rows)
    out = context.value(run.tree, top=True)
    ok = out.ok
    done = ev.done
    sheet, col = run.sheet, run.col
    values = out.x.tolist()
    r0 = run.r0
    # kept for the runs that read this one (a row not computed here counts as not ok there:
    # that row is computed cell by cell again)
    ev.run_outputs.setdefault((sheet, col), []).append((r0, run.r1, out.x, ok))
    if ok.all():
        done.update(zip([(sheet, r, col) for r in range(r0, r0 + n)], values, strict=True))
        return []
    flags = ok.tolist()
    later = []
    for i in range(n):
        if flags[i]:
            done[(sheet, r0 + i, col)] = values[i]
        else:
            later.append((sheet, r0 + i, col))
    for key in later:  # cell by cell, as the evaluator would
        ev._evaluate(key)
    return later


class _Context:
    def __init__(
        self,
        ev: Evaluator,
        run: Run,
        n: int,
        formula_rows: Callable[[str, int, int, int], int],
    ) -> None:
        self.ev = ev
        self.run = run
        self.n = n
        self.formula_rows = formula_rows
        self.refs = iter(run.plan)
        self.columns: dict[tuple[str, int, int, bool], _Rows] = {}

    # ------------------------------------------------------------------ cells
    def _column(self, sheet: str, col: int, row: int, moves: bool) -> _Rows:
        """The values of one cell for every row: column ``col`` from ``row`` down (``moves``)
        or the same cell for all."""
        key = (sheet, col, row, moves)
        got = self.columns.get(key)
        if got is not None:
            return got
        n = self.n
        last = row + n - 1 if moves else row
        if moves:  # rows of a run computed before: its values as they are
            for r0, r1, x, ok in self.ev.run_outputs.get((sheet, col), ()):
                if r0 <= row and last <= r1:
                    got = self.columns[key] = _Rows(
                        x[row - r0 : last - r0 + 1], ok[row - r0 : last - r0 + 1]
                    )
                    return got
        rows = range(row, last + 1)
        values_get = self.ev.book.values.get
        formulas = self.formula_rows(sheet, col, row, last)
        if formulas == 0:
            vals = [values_get((sheet, r, col)) for r in rows]
        elif formulas == len(rows):  # all computed by earlier runs
            done_get = self.ev.done.get
            vals = [done_get((sheet, r, col)) for r in rows]
        else:
            done_get = self.ev.done.get
            vals = []
            for r in rows:
                k = (sheet, r, col)
                v = done_get(k, _MISSING)
                vals.append(values_get(k) if v is _MISSING else v)
        if not moves:
            vals = vals * n
        if set(map(type, vals)) == _FLOAT:  # numbers only (not bools), the common case
            x = np.array(vals, dtype=np.float64)
            ok = np.ones(n, dtype=bool)
        else:
            ok = np.fromiter((type(v) is float for v in vals), dtype=bool, count=n)
            x = np.fromiter((v if type(v) is float else 0.0 for v in vals), np.float64, n)
        got = self.columns[key] = _Rows(x, ok)
        return got

    def _next_ref(self, ref: Any) -> list[_Rows]:
        """The cells of the next reference (in the tree's order), each for every row, in the
        order a range's values are read (row by row)."""
        entry = next(self.refs)
        if entry[0] is None:  # a whole row or column: not vectorisable (never here)
            raise AssertionError("whole-row or column reference in a run")
        if len(entry) == 5:  # (sheet, column, row, column absolute, row absolute)
            return [self._column(ref.sheet, ref.c1, ref.r1, not entry[4])]
        ra1, ra2 = entry[4], entry[8]  # the rows of the range's corners absolute
        moves = not ra1 or not ra2
        if moves and (ra1 or ra2):  # one end moves, the other not: the range grows
            raise AssertionError("a growing range in a run")
        return [
            self._column(ref.sheet, c, r, moves)
            for r in range(ref.r1, ref.r2 + 1)
            for c in range(ref.c1, ref.c2 + 1)
        ]

    # ------------------------------------------------------------------ expressions
    def value(self, node: Node, top: bool = False) -> _Rows:
        kind = node[0]
        n = self.n
        if kind == "num":
            return _Rows(np.full(n, node[1], dtype=np.float64), np.ones(n, dtype=bool))
        if kind == "ref":
            return self._next_ref(node[1])[0]
        if kind == "neg":
            a = self.value(node[1])
            return _finite(0.0 - a.x, a.ok)
        if kind == "pct":
            a = self.value(node[1])
            return _finite(a.x / 100.0, a.ok)
        if kind == "bin":
            op = node[1]
            a = self.value(node[2])
            b = self.value(node[3])
            ok = a.ok & b.ok
            with np.errstate(all="ignore"):
                if op == "+":
                    r = a.x + b.x
                elif op == "-":
                    r = a.x - b.x
                elif op == "*":
                    r = a.x * b.x
                else:  # "/"
                    ok = ok & (b.x != 0)
                    r = a.x / b.x
            out = _finite(r, ok)
            if top and op in ("+", "-") and not self.run.wrapped:
                # Excel's near-zero rule on a formula's last addition or subtraction
                # (cells._near_zero_is_zero)
                with np.errstate(all="ignore"):
                    tiny = (r != 0.0) & (
                        np.abs(r) <= NEAR_ZERO * np.maximum(np.abs(a.x), np.abs(b.x))
                    )
                out.x = np.where(tiny, 0.0, r)
            return out
        if kind == "call":
            return self._call(node[1], node[2])
        raise AssertionError(f"node {kind} in a run")

    def _condition(self, node: Node) -> tuple[np.ndarray, np.ndarray]:
        if node[0] == "bin" and node[1] in _COMPARE:
            a = self.value(node[2])
            b = self.value(node[3])
            op = node[1]
            if op == "=":
                c = a.x == b.x
            elif op == "<>":
                c = a.x != b.x
            elif op == "<":
                c = a.x < b.x
            elif op == ">":
                c = a.x > b.x
            elif op == "<=":
                c = a.x <= b.x
            else:
                c = a.x >= b.x
            return c, a.ok & b.ok
        v = self.value(node)
        return v.x != 0.0, v.ok

    def _call(self, name: str, args: list[Node]) -> _Rows:
        if name == "IF":
            cond, cok = self._condition(args[0])
            then = self.value(args[1])
            other = self.value(args[2])
            x = np.where(cond, then.x, other.x)
            ok = cok & np.where(cond, then.ok, other.ok)
            return _Rows(x, ok)
        if name == "ABS":
            a = self.value(args[0])
            return _Rows(np.abs(a.x), a.ok)
        if name == "ROUND":
            a = self.value(args[0])
            digits = _constant(args[1])
            assert digits is not None
            return _round(a, int(digits))
        # SUM, MIN, MAX: the numbers of every argument, in order, row by row
        parts: list[_Rows] = []
        for arg in args:
            if arg[0] == "ref":
                parts.extend(self._next_ref(arg[1]))
            else:
                parts.append(self.value(arg))
        ok = parts[0].ok.copy()
        for p in parts[1:]:
            ok &= p.ok
        if len(parts) == 1:  # fsum([-0.0]) is 0.0; min and max give the value itself
            return _Rows(parts[0].x + 0.0 if name == "SUM" else parts[0].x, ok)
        columns = [p.x.tolist() for p in parts]
        fn: Callable[..., float] = {"SUM": _fsum, "MIN": min, "MAX": max}[name]
        x = np.fromiter((fn(t) for t in zip(*columns, strict=True)), dtype=np.float64, count=self.n)
        return _finite(x, ok)


def _fsum(values: tuple[float, ...]) -> float:
    try:
        return float(math.fsum(values))
    except OverflowError:  # #NUM!: that row is left to the cell-at-a-time evaluator
        return math.inf


def _finite(x: np.ndarray, ok: np.ndarray) -> _Rows:
    return _Rows(x, ok & np.isfinite(x))


def _round(a: _Rows, d: int) -> _Rows:
    """ROUND(x, d) as functions._excel_round computes it (half away from zero on the
    15-significant-digit decimal): by integer arithmetic where |x·10^d| is at least 1e-12 (and
    then 1e-12 of itself) away from a halfway point -- there the decimal and the float agree
    on the side of the halfway point, and n / 10^d (n × 10^-d) is the correctly rounded value
    of the exact decimal result, as float(Decimal) is -- else by _excel_round itself."""
    x = a.x
    p = 10.0 ** abs(d)
    with np.errstate(all="ignore"):
        y = np.abs(x * p if d >= 0 else x / p)
        whole = np.floor(y)
        frac = y - whole
        safe = (np.abs(frac - 0.5) > 1e-12 * (y + 1.0)) & (y < 1e15)
        n = np.floor(y + 0.5)
        r = n / p if d >= 0 else n * p
        r = np.copysign(r, x)
    out = np.where(safe, r, 0.0)
    for i in np.flatnonzero(~safe & a.ok).tolist():
        out[i] = _excel_round(float(x[i]), float(d), "half")
    return _finite(out, a.ok)


def formula_rows_counter(
    index: dict[tuple[str, int], list[int]],
) -> Callable[[str, int, int, int], int]:
    def count(sheet: str, col: int, first: int, last: int) -> int:
        rows = index.get((sheet, col))
        if not rows:
            return 0
        return bisect.bisect_right(rows, last) - bisect.bisect_left(rows, first)

    return count


__all__ = [
    "MIN_RUN",
    "Run",
    "evaluate_run",
    "find_runs",
    "formula_rows_counter",
    "make_run",
    "references",
    "runs_of_columns",
]
