"""The native evaluator's formula reader: the tokenizer, the parser into trees, and the
parsing of each formula shape once (:class:`_Shapes`). Moved out of :mod:`.evaluator` unchanged."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...hosts.calc_names import long_name
from . import references as _refs
from .cells import (
    _CELL,
    _MAX_COL,
    _MAX_ROW,
    MAX_NESTING,
    Ref,
    Unsupported,
    _cell_parts,
    col_index,
    col_letters,
)

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


#: How LibreOffice Calc saves the add-in's calls in an .xlsx (its long programmatic names,
#: :func:`xl_addin.hosts.calc_names.long_name`): ``ORG.IFX.XLADDIN.XLADDIN.LIQPREF(``.
_CALC_ADDIN = long_name("")


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
    for node in _operands(tree):
        kind = node[0]
        if kind == "ref":
            leaves.append(node[1])
        elif kind not in _PLAIN_KINDS:
            return False
    return leaves == refs and all(type(r) is Ref for r in refs)


def _operands(tree: Node) -> Iterator[Node]:
    """The nodes below the operators and function calls of ``tree``, left to right, walked with
    one stack (no nested generators: the trees of 500,000 formula cells)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = node[0]
        if kind == "bin":
            stack.append(node[3])
            stack.append(node[2])
        elif kind == "call":
            stack.extend(reversed(node[2]))
        elif kind == "neg" or kind == "pct":
            stack.append(node[1])
        else:
            yield node


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
    for node in _operands(tree):
        kind = node[0]
        if kind == "ref" or kind == "name":
            out.append((kind, node[1]))
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
    tree: Node | None  # None: made when needed (Workbook.tree_of)
    array: Ref | None  # the range of a legacy array formula
    #: a shared formula read without its tree: its master's cell (``text`` is the master's)
    origin: tuple[int, int] | None = None
