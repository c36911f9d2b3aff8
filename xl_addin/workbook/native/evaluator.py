"""A fast, native evaluator for the formulas workbooks using the add-in actually contain.

:mod:`xl_addin.recalc` uses this evaluator and reports what it does not compute (see below);
it hands a workbook to the ``formulas`` library only where that library is trusted. The ``formulas``
library compiles every formula into a graph (milliseconds per cell: seconds for a few thousand
cells); this evaluator parses each formula once into a small tree and evaluates the cells in
dependency order, so a workbook of thousands of formulas recalculates in a fraction of a second.

The engine's modules: :mod:`.cells` (values, error values, references, the operators),
:mod:`.parser` (tokenizer, parser, one parse per formula shape), :mod:`.functions` (the Excel
functions and the add-in's calls), :mod:`.references` (3-D and structured references),
:mod:`.sheetread` (the one-pass sheet reader), :mod:`.book` (reading a workbook) and this module
(evaluating it).

The subset (what the template and ordinary models use):

* numbers, strings, TRUE/FALSE, error literals; cell references, ranges and whole 2-D blocks on
  any sheet (``A1``, ``$B$2``, ``'Cap Table'!C3:E9``), global and sheet-scoped defined names;
* operators ``+ - * / ^ & % = <> < > <= >=`` and unary minus, with Excel's precedence and
  coercions (empty → 0, TRUE → 1, numeric text → number), element-wise inside array formulas;
* legacy array formulas (``{=...}`` over a fixed range) and shared formulas;
* Excel functions: :data:`NATIVE_FUNCTIONS` (SUM, IF, IFERROR, ROUND*, INT, DATE, YEAR, MONTH,
  DAY, YEARFRAC with the add-in's Excel-exact day count, SUMIF, SUMPRODUCT, INDEX, COUNT(A),
  AND/OR/NOT, text, trigonometric and logarithmic functions ...), with the workbook's date
  system (1900 or 1904);
* every function of the add-in (:mod:`xl_addin.udfs`), called with what xlwings would pass: single
  cells as values, ranges as lists of rows, omitted arguments as ``None`` (so the default applies);
* 3-D references (``SUM(Sheet1:Sheet3!A1)``) in the functions Excel takes them in, structured
  references to Excel tables and names pointing at tables (:mod:`.references`).

Anything else -- another function, other 3-D/structured references, the union operator, external
links, a circular reference, nesting deeper than :data:`MAX_NESTING` -- makes that cell (and the
cells that depend on it) a :class:`NotComputed` value with the reason (``evaluate(...,
partial=True)``; without it the first such cell raises :class:`Unsupported`). A part that is
not well-formed XML, holds a DTD/entities (parsed with defusedxml: refused) or a cell value
that cannot be read raises :class:`CorruptPart`. Formulas are data: a function is looked up
by name in a fixed table (never ``eval``), so nothing in a workbook runs code, opens a file or
reaches the network. Values are Python floats, strings, booleans,
``None`` (empty) and :class:`Err`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import columns as _columns
from . import references as _refs
from .book import Workbook as Workbook
from .book import _position as _position
from .cells import _CELL as _CELL  # read by tests through this module
from .cells import (
    _NS,
    PADDING,
    CorruptPart,
    Err,
    NotComputed,
    Ref,
    Unsupported,
    _binary,
    _DependsOn,
    _elementwise,
    _implicit_intersection,
    _is_array,
    _located,
    _near_zero_is_zero,
    _not_computed,
    _NotYet,
    _scalar_out,
    _sheet_ref,
    _UnsupportedFunction,
    _wrapped,
    col_index,
    col_letters,
    parse_xml,
)
from .functions import (
    _NATIVE,
    DAYS_1904,
    NATIVE_FUNCTIONS,
    _call_addin,
    _date_roles,
    _shift_serial,
    call_addin_function,
    serial_date,
)
from .parser import (
    _EXCEL_2007,
    Formula,
    Node,
    Tok,
    _excel_2007,
    _references,
    parse,
    shift,
    tokenize,
)
from .parser import _Shapes as _Shapes  # read by tests through this module

__all__ = [
    "NATIVE_FUNCTIONS",
    "PADDING",
    "CorruptPart",
    "Err",
    "Formula",
    "Node",
    "NotComputed",
    "Ref",
    "Tok",
    "Unsupported",
    "Workbook",
    "call_addin_function",
    "col_index",
    "col_letters",
    "defined_names",
    "evaluate",
    "parse",
    "parse_xml",
    "serial_date",
    "shift",
    "tokenize",
]


# ============================================================================== evaluation


class Evaluator:
    """Evaluates every formula of a :class:`Workbook` in dependency order."""

    def __init__(self, book: Workbook, functions: dict[str, Callable[..., Any]]) -> None:
        self.book = book
        self.functions = functions
        self.done: dict[tuple[str, int, int], Any] = {}
        self.arrays: dict[tuple[str, int, int], np.ndarray] = {}
        # formula cells by (sheet, column) → sorted rows, to find formulas inside a range
        self.index: dict[tuple[str, int], list[int]] = {}
        # the cells of array formulas' ranges → their formula (a cell with its own formula
        # owns itself: it comes after the array's first cell, in file order)
        self.members: dict[tuple[str, int, int], tuple[str, int, int]] = {}
        self.owner = _Owners(book.formulas, self.members)
        self._used: dict[str, tuple[int, int]] | None = None
        self._in_file_order = False  # see _run_in_file_order
        self._completed: list[_columns.Run] = []  # the runs computed a column at a time
        #: (sheet, column) → (first row, last row, values, where computed) of each run
        self.run_outputs: dict[tuple[str, int], list[tuple[int, int, Any, Any]]] = {}
        self._run_cells_not_computed: list[tuple[str, int, int]] = []
        index = self.index
        for key in book.formulas:
            at = (key[0], key[2])
            rows = index.get(at)
            if rows is None:
                rows = index[at] = []
            rows.append(key[1])
        for key, f in book.formulas.items():
            if f.array is None:
                continue
            for r in range(f.array.r1, f.array.r2 + 1):
                for c in range(f.array.c1, f.array.c2 + 1):
                    cell = (f.sheet, r, c)
                    if cell != key:
                        self.members[cell] = key
                        index.setdefault((f.sheet, c), []).append(r)
        for rows in index.values():
            rows.sort()

    # ---------------------------------------------------------------- order
    def _deps(self, f: Formula) -> set[tuple[str, int, int]]:
        out: set[tuple[str, int, int]] = set()
        owner = self.owner
        stack = [self.book.tree_of(f)]
        seen_names: set[tuple[str | None, str]] = set()
        while stack:
            for kind, x in _refs.expand(_references(stack.pop()), self.book.sheet_names):
                if kind == "name":
                    key = self._name_key(x, f.sheet)
                    if key is None:
                        continue
                    if key not in seen_names:
                        seen_names.add(key)
                        stack.append(self.book.names[key])
                    continue
                ref: Ref = x
                if ref.r1 == ref.r2 and ref.c1 == ref.c2:  # one cell: its formula, if any
                    o = owner.get((ref.sheet, ref.r1, ref.c1))
                    if o is not None:
                        out.add(o)
                    continue
                for c in range(ref.c1, min(ref.c2, self.used(ref.sheet)[1]) + 1):
                    rows = self.index.get((ref.sheet, c))
                    if not rows:
                        continue
                    lo = bisect.bisect_left(rows, ref.r1)
                    hi = bisect.bisect_right(rows, ref.r2)
                    for r in rows[lo:hi]:
                        out.add(self.owner[(ref.sheet, r, c)])
        return out  # a formula that refers to itself is a circular reference

    def order(
        self,
    ) -> tuple[list[tuple[str, int, int]], dict[tuple[str, int, int], NotComputed]]:
        """The formula cells in an order where each comes after those it depends on, and the
        cells that cannot be ordered (a circular reference), each with the reason."""
        users: dict[tuple[str, int, int], list[tuple[str, int, int]]] = {}
        waiting: dict[tuple[str, int, int], int] = {}
        done = self.done
        for k, f in self.book.formulas.items():  # dependencies not kept: memory at scale
            d = self._deps(f) if k not in done else set()  # a run's cell: computed
            waiting[k] = len(d)
            for x in d:
                users.setdefault(x, []).append(k)
        ready = [k for k, n in waiting.items() if n == 0]
        out = []
        while ready:
            k = ready.pop()
            out.append(k)
            for u in users.get(k, ()):
                waiting[u] -= 1
                if waiting[u] == 0:
                    ready.append(u)
        circular: dict[tuple[str, int, int], NotComputed] = {}
        if len(out) != len(waiting):
            left = set(waiting) - set(out)
            deps = {k: self._deps(self.book.formulas[k]) for k in left}
            # cells that only depend on a cycle (nothing left uses them) are pruned, repeatedly:
            # what remains are the cells of a cycle
            in_cycle = set(left)
            changed = True
            while changed:
                changed = False
                for k in list(in_cycle):
                    if not any(u in in_cycle for u in users.get(k, ())) or not (deps[k] & in_cycle):
                        in_cycle.discard(k)
                        changed = True
            cells = sorted(in_cycle)
            names = ", ".join(self._ref(*k) for k in cells[:5])
            more = f" and {len(cells) - 5} more" if len(cells) > 5 else ""
            for k in sorted(left):
                if k in in_cycle:
                    circular[k] = NotComputed(f"circular reference (the cycle: {names}{more})")
                else:
                    circular[k] = NotComputed(f"depends on a circular reference ({names}{more})")
        return out, circular

    # ---------------------------------------------------------------- values
    def _ref(self, sheet: str, r: int, c: int) -> str:
        """``Sheet!A1`` with the sheet's name as the workbook spells it."""
        names = {n.upper(): n for n in self.book.sheet_names}
        return _sheet_ref(names.get(sheet, sheet), r, c)

    def _name_key(self, name: str, sheet: str) -> tuple[str | None, str] | None:
        if (sheet, name) in self.book.names:
            return (sheet, name)
        if (None, name) in self.book.names:
            return (None, name)
        return None

    def cell(self, sheet: str, r: int, c: int) -> Any:
        key = (sheet, r, c)
        owner = key if key in self.book.formulas else self.members.get(key)
        if owner is not None:
            f = self.book.formulas[owner]
            try:
                if f.array is not None:
                    arr = self.arrays[owner]
                    i, j = r - f.array.r1, c - f.array.c1
                    v = arr[i, j] if i < arr.shape[0] and j < arr.shape[1] else Err("#N/A")
                else:
                    v = self.done[owner]
            except KeyError:
                if self._in_file_order:
                    raise _NotYet from None
                raise
            if isinstance(v, NotComputed):
                raise _DependsOn(self._ref(sheet, r, c), v)
            return v
        return self.book.values.get(key)

    def used(self, sheet: str) -> tuple[int, int]:
        """The last row and column of a sheet that hold a value or a formula."""
        if self._used is None:
            self._used = dict(self.book.extent)  # values and formula cells, as read
            for s, r, c in self.members:
                last = self._used.get(s, (1, 1))
                self._used[s] = (max(last[0], r), max(last[1], c))
        return self._used.get(sheet, (1, 1))

    def range(self, ref: Ref, full: bool = False) -> np.ndarray:
        """The values of a range; beyond the sheet's used range only with ``full`` (an array
        formula's result keeps its shape: those cells are empty), else clipped to it."""
        if ref.sheet not in self._sheets:
            return np.array([[Err("#REF!", f"no sheet {ref.sheet}")]], dtype=object)
        located = ref
        last_row, last_col = self.used(ref.sheet)
        if ref.r2 > last_row or ref.c2 > last_col:  # beyond the used range: all empty
            ref = Ref(
                ref.sheet,
                ref.r1,
                ref.c1,
                max(ref.r1, min(ref.r2, last_row)),
                max(ref.c1, min(ref.c2, last_col)),
            )
        rows, cols = ref.shape
        if rows * cols > 2_000_000:
            raise Unsupported("a range of more than 2,000,000 cells")
        out = np.empty((rows, cols), dtype=object)
        for i in range(rows):
            for j in range(cols):
                out[i, j] = self.cell(ref.sheet, ref.r1 + i, ref.c1 + j)
        if full and located != ref:
            total = located.shape[0] * located.shape[1]
            if total > 2_000_000:
                raise Unsupported("a range of more than 2,000,000 cells in an array formula")
            whole = np.full(located.shape, None, dtype=object)
            whole[:rows, :cols] = out
            out = whole
        return _located(out, located)

    @property
    def _sheets(self) -> set[str]:
        return {s.upper() for s in self.book.sheet_names}

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        self._run_columns()
        if self._run_in_file_order(progress):
            return
        order, circular = self.order()
        for count, key in enumerate(order):
            if progress is not None and count % 1000 == 0:
                progress(count, len(order))
            if key not in self.done:  # not a run's cell (computed before)
                self._evaluate(key)
        for key, why in circular.items():
            self._set_not_computed(key, why)

    def _run_in_file_order(self, progress: Callable[[int, int], None] | None) -> bool:
        """Every formula evaluated in the order the sheets hold them, without working out the
        dependency order first (a third of the time at 500,000 formula cells): where each
        formula reads only cells computed before it (a model that flows down and across, as
        copied-down formulas do), this is a dependency order. Gives up (False, nothing kept)
        at the first read of a formula cell not yet computed -- a reference forward, a circular
        reference -- and at the first cell not computed (the dependency order then decides
        which cell is reported first, as before)."""
        self._in_file_order = True
        done = self.done
        try:
            if any(isinstance(done[k], NotComputed) for k in self._run_cells_not_computed):
                raise _NotYet  # the dependency order decides which cell is reported first
            total = len(self.book.formulas)
            formulas = self.book.formulas
            if not done:
                left: Any = formulas
            elif len(done) == len(formulas):  # every formula in a run: none left
                left = ()
            else:
                left = [k for k in formulas if k not in done]
            for count, key in enumerate(left):
                if progress is not None and count % 1000 == 0:
                    progress(count, total)
                self._evaluate(key)
                if isinstance(done[key], NotComputed):
                    raise _NotYet
        except _NotYet:  # what the runs computed is kept; the rest in dependency order
            kept = {k: done[k] for k in self._run_cells()}
            done.clear()
            done.update(kept)
            self.arrays.clear()
            return False
        finally:
            self._in_file_order = False
        return True

    def _run_columns(self) -> None:
        """The runs of copied-down formulas (columns.py), each once every formula cell it
        reads is computed by an earlier run; the others are left to the cell-at-a-time order."""
        pending = list(self.book.runs)
        if not pending:
            return
        count = _columns.formula_rows_counter(self.index)
        covered: dict[tuple[str, int], list[tuple[int, int]]] = {}
        sheets = self._sheets
        for _ in range(8):  # a chain of runs reading runs: a few passes; the rest cell by cell
            left = []
            for run in pending:
                ready = self._ready(run, count, covered, sheets)
                if ready is None:
                    continue  # never: reads its own column, or a cell no run computes
                if not ready:
                    left.append(run)
                    continue
                self._run_cells_not_computed.extend(_columns.evaluate_run(self, run, count))
                self._completed.append(run)
                covered.setdefault((run.sheet, run.col), []).append((run.r0, run.r1))
            if len(left) == len(pending):
                break
            pending = left

    def _ready(
        self,
        run: _columns.Run,
        count: Callable[[str, int, int, int], int],
        covered: dict[tuple[str, int], list[tuple[int, int]]],
        sheets: set[str],
    ) -> bool | None:
        """Whether every formula cell ``run`` reads is computed (by a completed run); None
        when it never will be before the run (it reads its own column's rows)."""
        for sheet, r1, c1, r2, c2 in _columns.references(run):
            if sheet not in sheets:
                continue  # #REF!: each row says so, cell by cell
            last_col = min(c2, self.used(sheet)[1])
            for c in range(c1, last_col + 1):
                if sheet == run.sheet and c == run.col and r1 <= run.r1 and r2 >= run.r0:
                    return None
                n = count(sheet, c, r1, r2)
                if n == 0:
                    continue
                got = 0
                for a, b in covered.get((sheet, c), ()):
                    lo, hi = max(a, r1), min(b, r2)
                    if lo <= hi:
                        got += hi - lo + 1
                if got != n:
                    return False
        return True

    def _run_cells(self) -> Iterator[tuple[str, int, int]]:
        for run in self._completed:
            for r in range(run.r0, run.r1 + 1):
                yield (run.sheet, r, run.col)

    def _evaluate(self, key: tuple[str, int, int]) -> None:
        """One formula's value into :attr:`done` (and :attr:`arrays`)."""
        f = self.book.formulas[key]
        tree = self.book.tree_of(f)
        try:
            value = self.eval(tree, f, array=f.array is not None)
        except (Unsupported, RecursionError) as why:
            self._set_not_computed(key, _not_computed(why))
            return
        if f.array is not None:
            arr = value if _is_array(value) else np.array([[value]], dtype=object)
            rows, cols = f.array.shape
            full = np.empty((rows, cols), dtype=object)
            for i in range(rows):
                for j in range(cols):
                    ii = i if arr.shape[0] > 1 else 0
                    jj = j if arr.shape[1] > 1 else 0
                    ok = ii < arr.shape[0] and jj < arr.shape[1]
                    full[i, j] = (
                        (0.0 if arr[ii, jj] is None else _scalar_out(arr[ii, jj]))
                        if ok
                        else Err("#N/A", PADDING)
                    )
            self.arrays[key] = full
            self.done[key] = full[0, 0]
        else:
            if _is_array(value):  # a range: implicit intersection; an array: its first
                value = _implicit_intersection(value, tree, f)
            # a formula that gives an empty cell's value holds 0 (Excel: =A1 with A1 empty is
            # 0, and counts as a number where it is read)
            self.done[key] = 0.0 if value is None else _scalar_out(value)

    def _set_not_computed(self, key: tuple[str, int, int], why: NotComputed) -> None:
        f = self.book.formulas[key]
        self.done[key] = why
        if f.array is not None:
            self.arrays[key] = np.full(f.array.shape, why, dtype=object)

    # ---------------------------------------------------------------- expressions
    def eval(self, node: Node, f: Formula, array: bool) -> Any:
        kind = node[0]
        if kind in ("num", "str", "bool"):
            return node[1]
        if kind == "err":
            return Err(node[1])
        if kind == "miss":
            return None
        if kind == "array":
            return np.array(node[1], dtype=object)
        if kind == "ref":
            ref: Ref = node[1]
            if ":" in ref.sheet:  # a 3-D reference outside SUM(...), COUNT(...)...: _flat
                raise Unsupported(f"3-D references ({ref.sheet}) outside SUM, COUNT and the like")
            if ref.r1 == ref.r2 and ref.c1 == ref.c2:
                return self.cell(ref.sheet, ref.r1, ref.c1)
            return self.range(ref, full=array)
        if kind == "name":
            key = self._name_key(node[1], f.sheet)
            if key is None:
                return Err("#NAME?", f"unknown name {node[1]}")
            return self.eval(self.book.names[key], f, array)
        if kind == "neg":
            return _elementwise(lambda v: _binary("-", 0.0, v), self.value(node[1], f, array))
        if kind == "pct":
            return _elementwise(lambda v: _binary("/", v, 100.0), self.value(node[1], f, array))
        if kind == "bin":
            a = self.value(node[2], f, array)
            b = self.value(node[3], f, array)
            op = node[1]
            if type(a) is float and type(b) is float and node is not f.tree:
                # two numbers (the common case), as _binary computes them
                if op == "*":
                    r = a * b
                    return r if math.isfinite(r) else Err("#NUM!")
                if op == "+":
                    r = a + b
                    return r if math.isfinite(r) else Err("#NUM!")
                if op == "-":
                    r = a - b
                    return r if math.isfinite(r) else Err("#NUM!")
            if node is f.tree and node[1] in "+-" and not _wrapped(f.text):
                return _elementwise(lambda x, y: _near_zero_is_zero(node[1], x, y), a, b)
            return _elementwise(lambda x, y: _binary(node[1], x, y), a, b)
        if kind == "call":
            return self.call(node[1], node[2], f, array, len(node) > 3 and node[3])
        if kind == "unsupported":
            raise Unsupported(node[1])
        raise Unsupported(f"node {kind}")

    def value(self, node: Node, f: Formula, array: bool) -> Any:
        """An operand: a range becomes an array (array formulas) or its intersection cell."""
        v = self.eval(node, f, array)
        if _is_array(v) and not array:
            return _implicit_intersection(v, node, f)
        return v

    def call(
        self, name: str, args: list[Node], f: Formula, array: bool, prefixed: bool = False
    ) -> Any:
        native = _NATIVE.get(name)
        if native is not None:
            return native(self, args, f, array)
        fn = self.functions.get(name)
        if fn is None:
            global _EXCEL_2007
            if _EXCEL_2007 is None:
                _EXCEL_2007 = _excel_2007()
            if name not in _EXCEL_2007 and not prefixed and not self.book.has_macros:
                # not Excel's (a function newer than Excel 2007 is written _xlfn.NAME), not the
                # add-in's, no VBA that could define it: Excel's own answer is #NAME?
                return Err("#NAME?", f"unknown function {name}")
            raise _UnsupportedFunction(name)
        values = [self.eval(a, f, array) for a in args]
        if not self.book.date1904:
            return _call_addin(name, fn, values)
        # the add-in counts dates in the 1900 system: its date arguments move 1462 days on,
        # its date results back
        dates, tables, date_result = _date_roles(fn)
        for i, v in enumerate(values):
            if i in tables and _is_array(v):
                raise Unsupported(f"{name}: a table holding dates in a 1904 date system workbook")
            if i in dates:
                values[i] = _elementwise(_shift_serial(DAYS_1904), v)
        result = _call_addin(name, fn, values)
        return _elementwise(_shift_serial(-DAYS_1904), result) if date_result else result


class _Owners:
    """cell → the formula cell whose value it holds: itself, or an array formula's first
    cell (without a dict of every formula cell: memory and time at scale)."""

    __slots__ = ("formulas", "members")

    def __init__(
        self,
        formulas: dict[tuple[str, int, int], Formula],
        members: dict[tuple[str, int, int], tuple[str, int, int]],
    ) -> None:
        self.formulas = formulas
        self.members = members

    def get(self, key: tuple[str, int, int]) -> tuple[str, int, int] | None:
        return key if key in self.formulas else self.members.get(key)

    def __getitem__(self, key: tuple[str, int, int]) -> tuple[str, int, int]:
        got = self.get(key)
        if got is None:
            raise KeyError(key)
        return got


def defined_names(workbook_xml: bytes) -> list[tuple[str, int | None, str]]:
    """(name, sheet index or None for a global name, definition) from ``xl/workbook.xml``."""
    root = parse_xml("xl/workbook.xml", workbook_xml)
    out = []
    for dn in root.iter(f"{_NS}definedName"):
        local = dn.get("localSheetId")
        out.append((dn.get("name", ""), int(local) if local is not None else None, dn.text or ""))
    return out


def evaluate(
    parts: dict[str, bytes],
    sheets: list[tuple[str, str]],
    names: list[tuple[str, int | None, str]],
    functions: dict[str, Callable[..., Any]],
    progress: Callable[[int, int], None] | None = None,
    *,
    partial: bool = False,
) -> tuple[dict[tuple[str, int, int], Any], dict[tuple[str, str], np.ndarray]]:
    """Every formula's value: (cells by (SHEET, row, col), array results by (SHEET, "A1:B2")).
    ``progress(done, total)`` is called every 1,000 formulas.

    A cell the evaluator does not compute holds a :class:`NotComputed` with ``partial=True``;
    otherwise the first such cell raises :class:`Unsupported`. Raises :class:`Unsupported` for
    what it cannot read at all (data tables, a shared formula without its master).
    """
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # long a+b+c+... chains: Python 3.11 frames
    try:
        book = Workbook(parts, sheets, names)
        ev = Evaluator(book, functions)
        ev.run(progress)
    finally:
        sys.setrecursionlimit(limit)
    if not partial:
        for v in ev.done.values():
            if isinstance(v, NotComputed):
                raise Unsupported(v.reason)
    ranges = {}
    for key, arr in ev.arrays.items():
        f = book.formulas[key]
        assert f.array is not None
        a = f"{col_letters(f.array.c1)}{f.array.r1}:{col_letters(f.array.c2)}{f.array.r2}"
        ranges[(key[0], a)] = arr
    return ev.done, ranges  # not copied: the evaluator is not kept (memory at scale)
