"""A fast, native evaluator for the formulas workbooks using the add-in actually contain.

:mod:`xl_addin.recalc` uses this evaluator and reports what it does not compute (see below);
it hands a workbook to the ``formulas`` library only where that library is trusted. The ``formulas``
library compiles every formula into a graph (milliseconds per cell: seconds for a few thousand
cells); this evaluator parses each formula once into a small tree and evaluates the cells in
dependency order, so a workbook of thousands of formulas recalculates in a fraction of a second.

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
import datetime as dt
import functools
import itertools
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
import numpy as np
from defusedxml import DefusedXmlException

from ..xmltext import excel_unescape
from . import references as _refs
from . import sheetread

__all__ = [
    "NATIVE_FUNCTIONS",
    "PADDING",
    "CorruptPart",
    "Err",
    "NotComputed",
    "Unsupported",
    "Workbook",
    "call_addin_function",
    "defined_names",
    "evaluate",
]


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
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise CorruptPart(f"{part}: forbidden XML ({type(exc).__name__}): refused") from None
    except ET.ParseError as exc:
        raise CorruptPart(f"{part}: corrupt XML ({exc})") from None


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


# ============================================================================== tokenizer
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A))
  | (?P<cols>(?:(?P<csheet>'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?
        (?P<ca>\$?[A-Za-z]{1,3}):(?P<cb>\$?[A-Za-z]{1,3})(?![\w(!]))
  | (?P<rows>(?:(?P<rsheet>'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?
        (?P<ra>\$?\d+):(?P<rb>\$?\d+)(?![\w(!.]))
  | (?P<ref>(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?
        (?P<a>\$?[A-Za-z]{1,3}\$?\d+)(?::(?P<b>\$?[A-Za-z]{1,3}\$?\d+))?(?![\w(!]))
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_\\][\w.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),;{}:!])
    """,
    re.VERBOSE,
)


@dataclass(slots=True)
class Tok:
    kind: str
    text: str
    ref: tuple[str | None, str, str | None] | None = None  # (sheet, a, b)


def tokenize(formula: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(formula):
        m = _TOKEN.match(formula, pos)
        if not m:
            raise Unsupported(f"cannot read formula near {formula[pos : pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        if m.group("cols"):  # A:C, a whole-column range: rows 1 to the last, never shifted
            a, b = m.group("ca") + "$1", m.group("cb") + f"${_MAX_ROW}"
            out.append(Tok("ref", m.group(0), (m.group("csheet"), a, b)))
            continue
        if m.group("rows"):  # 2:5, whole rows: columns A to XFD, never shifted
            a, b = "$A" + m.group("ra"), f"${col_letters(_MAX_COL)}" + m.group("rb")
            out.append(Tok("ref", m.group(0), (m.group("rsheet"), a, b)))
            continue
        if kind in ("sheet", "a", "b"):
            kind = "ref"
        if kind == "ref":
            out.append(Tok("ref", m.group(0), (m.group("sheet"), m.group("a"), m.group("b"))))
        else:
            out.append(Tok(kind or "", m.group(0)))
    return out


def shift(tokens: list[Tok], dr: int, dc: int) -> list[Tok]:
    """Tokens of a shared formula moved by (dr, dc): relative parts of references shift."""

    def move(a: str) -> str:
        m = _CELL.fullmatch(a)
        assert m
        c = col_index(m.group(2)) + (0 if m.group(1) else dc)
        r = int(m.group(4)) + (0 if m.group(3) else dr)
        if not (1 <= r <= _MAX_ROW and 1 <= c <= _MAX_COL):
            raise Unsupported("a shared formula moves a reference off the sheet")
        return f"{m.group(1)}{col_letters(c)}{m.group(3)}{r}"

    out = []
    for t in tokens:
        if t.kind == "ref" and t.ref:
            sheet, a, b = t.ref
            out.append(Tok("ref", t.text, (sheet, move(a), move(b) if b else None)))
        else:
            out.append(t)
    return out


# ============================================================================== parser
# Nodes: ("num", v) ("str", s) ("bool", b) ("err", code) ("ref", Ref) ("name", NAME)
#        ("neg", x) ("pct", x) ("bin", op, x, y) ("call", NAME, [args]) ("array", rows) ("miss",)
Node = tuple[Any, ...]
_BINARY = [("=", "<>", "<", ">", "<=", ">="), ("&",), ("+", "-"), ("*", "/"), ("^",)]


class _Parser:
    def __init__(self, tokens: list[Tok], sheet: str) -> None:
        self.t = tokens
        self.i = 0
        self.sheet = sheet
        self.depth = 0

    def peek(self) -> Tok | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise Unsupported("formula ends too early")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.expr(0)
        if self.peek() is not None:
            raise Unsupported(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return node

    def expr(self, level: int) -> Node:
        if level == len(_BINARY):
            return self.unary()
        node = self.expr(level + 1)
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in _BINARY[level]:
            self.take()
            right = self.expr(level + 1)
            node = ("bin", tok.text, node, right)
            if level == len(_BINARY) - 1:  # ^ is left-associative in Excel too
                continue
        return node

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise Unsupported(f"formula nested more than {MAX_NESTING} levels deep")
        try:
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text in "+-":
            self.take()
            inner = self.unary()
            return ("neg", inner) if tok.text == "-" else inner
        node = self.primary()
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "%":
            self.take()
            node = ("pct", node)
        return node

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return ("num", float(tok.text))
        if tok.kind == "str":
            return ("str", tok.text[1:-1].replace('""', '"'))
        if tok.kind == "err":
            return ("err", tok.text)
        if tok.kind == "ref":
            return ("ref", self.ref(tok))
        if tok.kind == "name":
            name = tok.text.upper()
            nxt = self.peek()
            if nxt is not None and nxt.kind == "op" and nxt.text == "(":
                self.take()
                bare = _strip_prefix(name)
                call = ("call", bare, self.args(), bare != name)
                _refs.check_call(call)  # 3-D references only where Excel takes them
                return call
            if name in ("TRUE", "FALSE"):
                return ("bool", name == "TRUE")
            if nxt is not None and nxt.kind == "op" and nxt.text in (":", "!"):
                raise Unsupported("3-D references (Sheet1:Sheet3!A1)")
            return ("name", name)
        if tok.kind == "op" and tok.text == "(":
            node = self.expr(0)
            if self.take().text != ")":
                raise Unsupported("unbalanced parenthesis")
            return node
        if tok.kind == "op" and tok.text == "{":
            return self.array()
        raise Unsupported(f"unexpected {tok.text!r}")

    def args(self) -> list[Node]:
        out: list[Node] = []
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == ")":
            self.take()
            return out
        while True:
            tok = self.peek()
            if tok is not None and tok.kind == "op" and tok.text in (",", ")"):
                out.append(("miss",))
            else:
                out.append(self.expr(0))
            sep = self.take()
            if sep.text == ")":
                return out
            if sep.text != ",":
                raise Unsupported(f"unexpected {sep.text!r} in arguments")

    def array(self) -> Node:
        rows: list[list[Any]] = [[]]
        while True:
            tok = self.take()
            sign = 1.0
            if tok.kind == "op" and tok.text == "-":
                sign, tok = -1.0, self.take()
            if tok.kind == "num":
                rows[-1].append(sign * float(tok.text))
            elif tok.kind == "str":
                rows[-1].append(tok.text[1:-1].replace('""', '"'))
            elif tok.kind == "name" and tok.text.upper() in ("TRUE", "FALSE"):
                rows[-1].append(tok.text.upper() == "TRUE")
            else:
                raise Unsupported("array constant")
            sep = self.take()
            if sep.text == "}":
                break
            if sep.text == ";":
                rows.append([])
            elif sep.text != ",":
                raise Unsupported("array constant")
        if len({len(r) for r in rows}) != 1:
            raise Unsupported("ragged array constant")
        return ("array", rows)

    def ref(self, tok: Tok) -> Ref:
        assert tok.ref
        sheet, a, b = tok.ref
        name = self.sheet if sheet is None else sheet.strip("'").replace("''", "'").upper()
        if name.startswith("["):
            raise Unsupported("external reference")
        _, c1, _, r1 = _cell_parts(a)
        _, c2, _, r2 = _cell_parts(b) if b else (0, c1, 0, r1)
        return Ref(name, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def _excel_2007() -> frozenset[str]:
    """Excel's function names as of Excel 2007 (openpyxl's list): later ones are stored with
    the ``_xlfn.`` prefix, so an unprefixed name outside this list is not Excel's."""
    try:
        from openpyxl.utils import FORMULAE
    except ImportError:  # pragma: no cover - openpyxl is a dependency of the recalc extra
        return frozenset()
    return frozenset(n.upper() for n in FORMULAE)


_EXCEL_2007: frozenset[str] | None = None  # read on first use: importing openpyxl costs ~0.1 s


#: How LibreOffice Calc saves the add-in's calls in an .xlsx (xl_addin.hosts.libreoffice.long_name).
_CALC_ADDIN = "ORG.IFX.XLADDIN.XLADDIN."


def _strip_prefix(name: str) -> str:
    for p in ("_XLFN.", "_XLWS.", "_XLL.", _CALC_ADDIN):
        if name.startswith(p):
            return name[len(p) :]
    return name


def parse(formula: str, sheet: str) -> Node:
    """The tree of one formula on ``sheet``. Trees are kept by (formula, sheet), so a workbook
    recalculated again in the same process (scenarios, ``--set`` sweeps from Python) is not
    parsed again; a tree is never changed once built."""
    return _parsed(formula, sheet)


@functools.lru_cache(maxsize=1 << 16)
def _parsed(formula: str, sheet: str) -> Node:
    text = formula[1:] if formula.startswith("=") else formula
    return _Parser(tokenize(text), sheet).parse()


class _Shapes:
    """Trees by the formula's shape: the same formula copied down a column (``=A2*B2``,
    ``=A3*B3``, ...) is parsed once; the other cells reuse the tree with their own references
    (taken from their own tokens, in the order the parser meets them)."""

    def __init__(self) -> None:
        self.trees: dict[tuple[Any, ...], Node] = {}
        #: by (sheet, formula with its cell references cut out, the references relative to
        #: the cell): the tree of the first cell and how to make each reference of another
        #: cell (None: this shape is read token by token, as :meth:`tree` does)
        self.plans: dict[tuple[Any, ...], tuple[Node, list[Any]] | None] = {}

    def fast(
        self, text: str, sheet: str, row: int, col: int, at: tuple[int, int] | None = None
    ) -> Node | None:
        """The tree of ``text`` on the cell (row, col) -- or, with ``at``, of the shared formula
        ``text`` of (row, col) moved to ``at`` -- without tokenizing it when a formula of the
        same shape was read before: its cell references are found by one regular expression
        and made relative to the cell, and the other cells of a shape reuse the first one's
        tree with their own references. None where this does not apply (text, quoted sheet
        names, brackets; a shape whose references the tokenizer reads otherwise): the caller
        tokenizes."""
        if '"' in text or "'" in text or "[" in text or "{" in text:
            return None
        pieces = _FAST_REF.split(text)  # text, then $, letters, $, digits of each reference...
        found = list(zip(pieces[1::5], pieces[2::5], pieces[3::5], pieces[4::5], strict=True))
        key: Any = [sheet, *pieces[0::5]]
        columns = _COLUMNS
        for ca, letters, ra, digits in found:
            c = columns.get(letters)
            if c is None:
                c = columns[letters] = col_index(letters)
            r = int(digits)
            # relative: the offset from the cell (|offset| < 2^20); absolute: above any offset
            key.append(c + _ABSOLUTE if ca else c - col)
            key.append(r + _ABSOLUTE if ra else r - row)
        key = tuple(key)
        try:
            got = self.plans[key]
        except KeyError:
            got = self.plans[key] = _plan(text, sheet, found, row, col)
            if got is not None and at is None:
                return got[0]
        if got is None:
            return None
        template, plan = got
        r0, c0 = at if at is not None else (row, col)
        refs = []
        for entry in plan:
            if entry[0] is None:  # a whole column or row: the same on every cell of the shape
                if at is not None:
                    return None  # a shared formula moves it: the token path shifts it
                refs.append(entry[1])
                continue
            if len(entry) == 5:  # one cell (one int object for r1 and r2: memory at scale)
                rsheet, cv1, rv1, ca1, ra1 = entry
                c1 = c2 = cv1 if ca1 else c0 + cv1
                r1 = r2 = rv1 if ra1 else r0 + rv1
            else:
                rsheet, cv1, rv1, ca1, ra1, cv2, rv2, ca2, ra2 = entry
                c1 = cv1 if ca1 else c0 + cv1
                r1 = rv1 if ra1 else r0 + rv1
                c2 = cv2 if ca2 else c0 + cv2
                r2 = rv2 if ra2 else r0 + rv2
            if at is not None and not (
                1 <= r1 <= _MAX_ROW
                and 1 <= r2 <= _MAX_ROW
                and 1 <= c1 <= _MAX_COL
                and 1 <= c2 <= _MAX_COL
            ):
                raise Unsupported("a shared formula moves a reference off the sheet")
            if r1 > r2:
                r1, r2 = r2, r1
            if c1 > c2:
                c1, c2 = c2, c1
            refs.append(Ref(rsheet, r1, c1, r2, c2))
        return _with_refs(template, iter(refs))

    def tree(self, tokens: list[Tok], sheet: str, row: int, col: int) -> Node:
        key = (sheet, *(_shape(t, row, col) for t in tokens))
        parser = _Parser(tokens, sheet)
        template = self.trees.get(key)
        if template is None:
            template = self.trees[key] = parser.parse()
            return template
        refs = iter([parser.ref(t) for t in tokens if t.kind == "ref"])
        return _with_refs(template, refs)


#: A cell reference as the tokenizer reads one (not part of a name, a number or a function name)
_FAST_REF = re.compile(r"(?<![\w.$\\])(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w(!])")
_COLUMNS: dict[str, int] = {}
_ABSOLUTE = 1 << 21


def _plan(text: str, sheet: str, found: list[tuple[str, str, str, str]], row: int, col: int) -> Any:
    """(tree, how to make each reference) for the first cell of a shape, or None when the
    tokenizer does not read exactly the references the regular expression found (then every
    cell of the shape is tokenized) or the formula cannot be read."""
    try:
        tokens = tokenize(text)
        parser = _Parser(tokens, sheet)
        tree = parser.parse()
        refs = [parser.ref(t) for t in tokens if t.kind == "ref" and t.ref]
    except Unsupported:
        return None  # each cell says why, with its own text
    if not _plain_tree(tree, refs):  # a node kind _with_refs does not rebuild: token path
        return None
    cells = ["".join(f) for f in found]
    plan: list[Any] = []
    i = 0
    for tok, ref in zip([t for t in tokens if t.kind == "ref" and t.ref], refs, strict=True):
        assert tok.ref
        _, a, b = tok.ref
        if (
            i < len(cells)
            and cells[i] == a
            and (b is None or (i + 1 < len(cells) and cells[i + 1] == b))
        ):
            ends = []
            for k in (i, i + 1) if b is not None else (i, i):
                ca, letters, ra, digits = found[k]
                c, r = col_index(letters), int(digits)
                ends.append((c if ca else c - col, r if ra else r - row, ca, ra))
            i += 1 if b is None else 2
            plan.append((ref.sheet, *ends[0]) if b is None else (ref.sheet, *ends[0], *ends[1]))
        elif _WHOLE.fullmatch(tok.text):
            plan.append((None, ref))
        else:
            return None
    if i != len(cells):
        return None
    return tree, plan


_PLAIN_KINDS = frozenset(("num", "str", "bool", "err", "miss", "array", "name"))


def _plain_tree(tree: Node, refs: list[Ref]) -> bool:
    """Whether ``tree`` holds only the node kinds :func:`_with_refs` rebuilds, its references
    being ``refs`` (plain :class:`Ref`), in order."""
    leaves: list[Any] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = node[0]
        if kind == "ref":
            leaves.append(node[1])
        elif kind == "bin":
            stack.append(node[3])
            stack.append(node[2])
        elif kind == "call":
            stack.extend(reversed(node[2]))
        elif kind == "neg" or kind == "pct":
            stack.append(node[1])
        elif kind not in _PLAIN_KINDS:
            return False
    return leaves == refs and all(type(r) is Ref for r in refs)


_WHOLE = re.compile(
    r"(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?(?:\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?\d+:\$?\d+)"
)


def _shape(tok: Tok, row: int, col: int) -> Any:
    """A token with its references relative to the cell (absolute parts kept)."""
    if tok.kind != "ref" or not tok.ref:
        return (tok.kind, tok.text.upper() if tok.kind == "name" else tok.text)
    sheet, a, b = tok.ref

    ca, c, ra, r = _cell_parts(a)
    first = (ca, c if ca else c - col, ra, r if ra else r - row)
    if b is None:
        return ("ref", sheet.upper() if sheet else None, first)
    ca, c, ra, r = _cell_parts(b)
    return (
        "ref",
        sheet.upper() if sheet else None,
        first,
        (ca, c if ca else c - col, ra, r if ra else r - row),
    )


def _with_refs(node: Node, refs: Iterator[Ref]) -> Node:
    """``node`` with its ``("ref", Ref)`` leaves replaced, left to right, by ``refs``."""
    kind = node[0]
    if kind == "ref":
        return ("ref", next(refs))
    if kind in ("neg", "pct"):
        return (kind, _with_refs(node[1], refs))
    if kind == "bin":
        left = _with_refs(node[2], refs)
        return ("bin", node[1], left, _with_refs(node[3], refs))
    if kind == "call":
        return ("call", node[1], [_with_refs(a, refs) for a in node[2]], *node[3:])
    return node


def references(node: Node) -> Iterator[tuple[str, Any]]:
    """The references (``("ref", Ref)``) and names (``("name", NAME)``) a tree uses."""
    kind = node[0]
    if kind == "ref":
        yield ("ref", node[1])
    elif kind == "name":
        yield ("name", node[1])
    elif kind in ("neg", "pct"):
        yield from references(node[1])
    elif kind == "bin":
        yield from references(node[2])
        yield from references(node[3])
    elif kind == "call":
        for a in node[2]:
            yield from references(a)


_LEAVES = frozenset(("num", "str", "bool", "err", "miss", "array", "unsupported"))


def _references(tree: Node) -> list[tuple[str, Any]]:
    """:func:`references` as a list, walked without nested generators (the dependency order
    of 500,000 formula cells); a node of another kind is left to :func:`references`."""
    out: list[tuple[str, Any]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = node[0]
        if kind == "ref" or kind == "name":
            out.append((kind, node[1]))
        elif kind == "bin":
            stack.append(node[3])
            stack.append(node[2])
        elif kind == "call":
            stack.extend(reversed(node[2]))
        elif kind == "neg" or kind == "pct":
            stack.append(node[1])
        elif kind not in _LEAVES:
            out.extend(references(node))
    return out


# ============================================================================== workbook
@dataclass(slots=True)
class Formula:
    sheet: str
    row: int
    col: int
    text: str
    tree: Node
    array: Ref | None  # the range of a legacy array formula


class Workbook:
    """Cell values, formulas and defined names read from a workbook's parts."""

    def __init__(
        self,
        parts: dict[str, bytes],
        sheets: list[tuple[str, str]],
        names: list[tuple[str, int | None, str]],
    ) -> None:
        self.sheet_names = [n for n, _ in sheets]
        self.has_macros = any(p.lower().endswith("vbaproject.bin") for p in parts)
        self.date1904 = _uses_1904(parts.get("xl/workbook.xml"))
        self.values: dict[tuple[str, int, int], Any] = {}
        self.formulas: dict[tuple[str, int, int], Formula] = {}
        strings = _shared_strings(parts.get("xl/sharedStrings.xml"))
        self.shapes = _Shapes()
        self.tables = _refs.read_tables(parts, sheets)  # Excel tables, for structured references
        for name, part in sheets:
            self._read_sheet(name.upper(), part, parts[part], strings)
        self.names: dict[tuple[str | None, str], Node] = {}
        for name, local, text in names:
            scope = self.sheet_names[local].upper() if local is not None else None
            if text.startswith("["):  # another workbook's: never read, only reported if used
                tree: Node = ("unsupported", f"name {name} refers to another workbook")
            else:
                try:
                    tree = parse(_refs.rewrite(text, self.tables), scope or "")
                except Unsupported as why:  # a table, a union...: reported where it is used
                    tree = ("unsupported", f"name {name}: {why}")
            self.names[(scope, name.upper())] = tree

    def _read_sheet(self, sheet: str, part: str, data: bytes, strings: list[str]) -> None:
        shared: dict[str, tuple[int, int, list[Tok] | str]] = {}
        fast = sheetread.cells(data)
        if fast is None:  # what the one-pass reader does not promise to read: ElementTree
            root = parse_xml(part, data)
            for row_el in root.iter(f"{_NS}row"):
                for c in row_el.iter(f"{_NS}c"):
                    self._read_cell(sheet, part, c, strings, shared)
            return
        values, add = self.values, self._add_formula
        for r, col, ref, t, fattrs, ftext, vtext, whole in fast:
            if whole is not None:  # a layout the reader does not take apart
                c = parse_xml(part, _NS_DECL.sub(_MAIN_DECL, whole, count=1))
                self._read_cell(sheet, part, c, strings, shared)
                continue
            try:
                if t is None and vtext and b"&" not in vtext:
                    value: Any = float(vtext)  # a number, the common case
                else:
                    v = None if vtext is None else sheetread.text(vtext)
                    value = _value_of(t or "n", v, strings)
            except (ValueError, IndexError, TypeError):
                raise CorruptPart(f"{part}: cell {ref}: unreadable value") from None
            if fattrs is None:
                values[(sheet, r, col)] = value
            else:  # a formula's cached value is never read (the formula is): not kept
                add(sheet, r, col, ref, fattrs, excel_unescape(ftext or ""), shared)

    def _read_cell(
        self,
        sheet: str,
        part: str,
        c: ET.Element,
        strings: list[str],
        shared: dict[str, tuple[int, int, list[Tok] | str]],
    ) -> None:
        ref = c.get("r")
        if ref is None:
            raise Unsupported("a cell without a reference")
        r, col = _position(ref)
        try:
            self.values[(sheet, r, col)] = _cell_value(c, strings)
        except (ValueError, IndexError, TypeError):
            raise CorruptPart(f"{part}: cell {ref}: unreadable value") from None
        f = c.find(f"{_NS}f")
        if f is not None:
            self._add_formula(sheet, r, col, ref, f.attrib, excel_unescape(f.text or ""), shared)

    def _add_formula(
        self,
        sheet: str,
        r: int,
        col: int,
        ref: str,
        fattrs: dict[str, str],
        text: str,
        shared: dict[str, tuple[int, int, list[Tok] | str]],
    ) -> None:
        kind = fattrs.get("t", "normal")
        if kind == "dataTable":
            raise Unsupported("data tables")
        try:
            if _refs.maybe(text, self.tables):  # structured, 3-D references made plain
                text = _refs.rewrite(text, self.tables, r, sheet, col, kind)
            if kind == "shared":
                si = fattrs.get("si", "")
                if text:
                    tree = self.shapes.fast(text, sheet, r, col)
                    shared[si] = (r, col, text if tree is not None else tokenize(text))
                    if tree is None:
                        tree = self.shapes.tree(shared[si][2], sheet, r, col)  # type: ignore[arg-type]
                elif si in shared:
                    r0, c0, base = shared[si]
                    tree = None
                    if isinstance(base, str):  # the master's shape was read fast
                        tree = self.shapes.fast(base, sheet, r0, c0, at=(r, col))
                        if tree is None:
                            base = tokenize(base)
                    if tree is None:
                        tree = self.shapes.tree(shift(base, r - r0, col - c0), sheet, r, col)
                else:
                    raise Unsupported("a shared formula without its master")
            else:
                body = text[1:] if text.startswith("=") else text
                tree = self.shapes.fast(body, sheet, r, col)
                if tree is None:
                    tree = self.shapes.tree(tokenize(body), sheet, r, col)
        except Unsupported as why:  # this cell is not computed, the others are
            tree = ("unsupported", str(why))
        array = None
        if kind == "array":
            span = fattrs.get("ref", ref)
            a, _, b = span.partition(":")
            ma, mb = _CELL.fullmatch(a), _CELL.fullmatch(b or a)
            if not ma or not mb:
                raise Unsupported(f"array range {span!r}")
            array = Ref(
                sheet,
                int(ma.group(4)),
                col_index(ma.group(2)),
                int(mb.group(4)),
                col_index(mb.group(2)),
            )
        self.formulas[(sheet, r, col)] = Formula(sheet, r, col, text, tree, array)


_NS_DECL = re.compile(rb"^<c\b")
_MAIN_DECL = b'<c xmlns="' + sheetread.MAIN + b'"'


def _position(ref: str) -> tuple[int, int]:
    """``B3`` → (3, 2): a cell's own reference (``r``)."""
    m = _CELL.fullmatch(ref)
    if not m:
        raise Unsupported(f"cell reference {ref!r}")
    return int(m.group(4)), col_index(m.group(2))


def _value_of(t: str, v: str | None, strings: list[str]) -> Any:
    """A cell's value from its ``t`` attribute and ``<v>`` text (as :func:`_cell_value`)."""
    if t == "inlineStr":
        return ""  # no <is>: an inline string with <is> is read by _cell_value
    if not v:
        return None
    if t == "n":
        return float(v)
    if t == "s":
        return strings[int(v)]
    if t == "b":
        return v.strip() == "1"
    if t == "e":
        return Err(v.strip())
    if t == "str":
        return excel_unescape(v)
    if t == "d":
        return float((dt.date.fromisoformat(v[:10]) - _EPOCH).days)
    return float(v)


def _uses_1904(workbook_xml: bytes | None) -> bool:
    if not workbook_xml:
        return False
    pr = parse_xml("xl/workbook.xml", workbook_xml).find(f"{_NS}workbookPr")
    return pr is not None and pr.get("date1904", "0").strip().lower() in ("1", "true")


def _shared_strings(data: bytes | None) -> list[str]:
    if not data:
        return []
    root = parse_xml("xl/sharedStrings.xml", data)
    return [_string_item(si) for si in root.iter(f"{_NS}si")]


def _string_item(si: ET.Element) -> str:
    """The text of a shared string item or an inline string (``<t>`` and rich-text runs'
    ``<r><t>``; phonetic runs ``<rPh>`` are not part of the value), ``_xHHHH_`` decoded."""
    parts = []
    for child in si:
        if child.tag == f"{_NS}t":
            parts.append(child.text or "")
        elif child.tag == f"{_NS}r":
            parts.extend(t.text or "" for t in child.findall(f"{_NS}t"))
    return excel_unescape("".join(parts))


def _cell_value(c: ET.Element, strings: list[str]) -> Any:
    t = c.get("t", "n")
    if t == "inlineStr":
        is_el = c.find(f"{_NS}is")
        return _string_item(is_el) if is_el is not None else ""
    v = c.find(f"{_NS}v")
    if v is None or v.text is None:
        return None
    text = v.text
    if t == "s":
        return strings[int(text)]
    if t == "b":
        return text.strip() == "1"
    if t == "e":
        return Err(text.strip())
    if t == "str":
        return excel_unescape(text)
    if t == "d":
        return float((dt.date.fromisoformat(text[:10]) - _EPOCH).days)
    return float(text)


# ============================================================================== evaluation
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


class Evaluator:
    """Evaluates every formula of a :class:`Workbook` in dependency order."""

    def __init__(self, book: Workbook, functions: dict[str, Callable[..., Any]]) -> None:
        self.book = book
        self.functions = functions
        self.done: dict[tuple[str, int, int], Any] = {}
        self.arrays: dict[tuple[str, int, int], np.ndarray] = {}
        # formula cells by (sheet, column) → sorted rows, to find formulas inside a range
        self.index: dict[tuple[str, int], list[int]] = {}
        self.owner: dict[tuple[str, int, int], tuple[str, int, int]] = {}
        self._used: dict[str, tuple[int, int]] | None = None
        self._in_file_order = False  # see _run_in_file_order
        for key, f in book.formulas.items():
            cells = [key]
            if f.array is not None:
                cells = [
                    (f.sheet, r, c)
                    for r in range(f.array.r1, f.array.r2 + 1)
                    for c in range(f.array.c1, f.array.c2 + 1)
                ]
            for cell in cells:
                self.owner[cell] = key
                self.index.setdefault((cell[0], cell[2]), []).append(cell[1])
        for rows in self.index.values():
            rows.sort()

    # ---------------------------------------------------------------- order
    def _deps(self, f: Formula) -> set[tuple[str, int, int]]:
        out: set[tuple[str, int, int]] = set()
        owner = self.owner
        stack = [f.tree]
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
        for k, f in self.book.formulas.items():  # dependencies not kept: memory at scale
            d = self._deps(f)
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
        owner = self.owner.get(key)
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
            self._used = {}
            for s, r, c in itertools.chain(self.book.values, self.owner):
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
        if self._run_in_file_order(progress):
            return
        order, circular = self.order()
        for done, key in enumerate(order):
            if progress is not None and done % 1000 == 0:
                progress(done, len(order))
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
        try:
            total = len(self.book.formulas)
            for done, key in enumerate(self.book.formulas):
                if progress is not None and done % 1000 == 0:
                    progress(done, total)
                self._evaluate(key)
                if isinstance(self.done[key], NotComputed):
                    raise _NotYet
        except _NotYet:
            self.done.clear()
            self.arrays.clear()
            return False
        finally:
            self._in_file_order = False
        return True

    def _evaluate(self, key: tuple[str, int, int]) -> None:
        """One formula's value into :attr:`done` (and :attr:`arrays`)."""
        f = self.book.formulas[key]
        try:
            value = self.eval(f.tree, f, array=f.array is not None)
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
                    full[i, j] = _scalar_out(arr[ii, jj]) if ok else Err("#N/A", PADDING)
            self.arrays[key] = full
            self.done[key] = full[0, 0]
        else:
            if _is_array(value):  # a range: implicit intersection; an array: its first
                value = _implicit_intersection(value, f.tree, f)
            self.done[key] = _scalar_out(value)

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
        else:
            out.append(("arg", v))
    return out


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


def _numeric(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*vals: Any) -> Any:
        nums = [_num(v) for v in vals]
        for n in nums:
            if isinstance(n, Err):
                return n
        try:
            r = fn(*nums)
        except (ValueError, OverflowError, ZeroDivisionError):
            return Err("#NUM!")
        return r

    return run


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
    from ...terms.daycount import yearfrac_array

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
        res = yearfrac_array(
            np.array([math.floor(ns)]), np.array([math.floor(ne)]), np.array([int(nb)])
        )
        return float(res[0])

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

    def run(*vals: Any) -> Any:
        texts = [_text(v) for v in vals]
        for t in texts:
            if isinstance(t, Err):
                return t
        return fn(*texts)

    return run


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
    return text[len(text) - k :] if k else ""


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


def _avg(nums: list[float]) -> Any:
    return sum(nums) / len(nums) if nums else Err("#DIV/0!")


_NATIVE: dict[str, Callable[..., Any]] = {
    "SUM": _agg(lambda n: float(math.fsum(n))),
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
    "MOD": _scalar_fn(_numeric(lambda a, b: a - b * math.floor(a / b)), 2, 2),
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
    "SIN": _scalar_fn(_numeric(math.sin), 1, 1),
    "COS": _scalar_fn(_numeric(math.cos), 1, 1),
    "TAN": _scalar_fn(_numeric(math.tan), 1, 1),
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
    q = Decimal(1).scaleb(-d)
    value = Decimal(format(x, ".15g"))
    rounding = {"half": ROUND_HALF_UP, "up": ROUND_UP, "down": ROUND_DOWN}[mode]
    return float(value.quantize(q, rounding=rounding)) if d >= -300 else 0.0


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
