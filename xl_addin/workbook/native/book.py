"""A workbook as the native evaluator reads it: cell values, formulas, defined names, tables.

:class:`Workbook` reads the parts it is given (sheets with :mod:`.sheetread`, shared strings,
the date system, defined names) and makes each formula's tree when it is first needed;
:mod:`.evaluator` evaluates it. Moved out of :mod:`.evaluator` (which re-exports the names).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.etree import ElementTree as ET

from ..xmltext import excel_unescape
from . import columns as _columns
from . import references as _refs
from . import sheetread
from .cells import (
    _CELL,
    _EPOCH,
    _NS,
    CorruptPart,
    Err,
    Ref,
    Unsupported,
    col_index,
    parse_xml,
)
from .parser import (
    Formula,
    Node,
    Tok,
    _Shapes,
    parse,
    shift,
    tokenize,
)


class Workbook:
    """Cell values, formulas and defined names read from a workbook's parts."""

    def __init__(
        self,
        parts: dict[str, bytes],
        sheets: list[tuple[str, str]],
        names: list[tuple[str, int | None, str]],
        *,
        columns: bool = True,
    ) -> None:
        self.sheet_names = [n for n, _ in sheets]
        self.has_macros = any(p.lower().endswith("vbaproject.bin") for p in parts)
        self.date1904 = _uses_1904(parts.get("xl/workbook.xml"))
        self.values: dict[tuple[str, int, int], Any] = {}
        self.formulas: dict[tuple[str, int, int], Formula] = {}
        #: copied-down formulas evaluated a column at a time (columns.py); False: cell by cell
        self.columns = columns
        self.runs: list[_columns.Run] = []
        self._failed_masters: set[tuple[str, int, int]] = set()  # shared formulas unread
        self._shared_texts: dict[tuple[str, str], str] = {}  # (sheet, si) → master's text
        #: (sheet, si) → (row, column, text) of a shared formula's master read without a tree
        self._lazy_masters: dict[tuple[str, str], tuple[int, int, str]] = {}
        #: the last row and column of each sheet holding a cell (a value or a formula)
        self.extent: dict[str, tuple[int, int]] = {}
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
        at = sheetread.span(data, check=False)
        if at is None:  # what the one-pass reader does not promise to read: ElementTree
            root = parse_xml(part, data)
            for row_el in root.iter(f"{_NS}row"):
                for c in row_el.iter(f"{_NS}c"):
                    self._read_cell(sheet, part, c, strings, shared)
            return
        # expat checks the part is well-formed on the other core while it is read here
        check = sheetread.check_in_background(data)
        try:
            last_r, last_c = self.extent.get(sheet, (1, 1))
            values, add = self.values, self._add_formula
            formulas = self.formulas
            plain: dict[int, tuple[list[int], list[str]]] = {}  # column → (rows, texts)
            # shared formulas whose master was read without a tree: si → (row, column, text, the
            # rows of the master's column holding it); <f> attributes as read, by their bytes
            groups: dict[str, tuple[int, int, str, list[int]]] = {}
            fcache: dict[bytes, dict[str, str]] = {}
            tables = self.tables
            lazy = self.columns and not tables  # with tables, any name may be one: _add_formula
            columns, text_of, attrs = sheetread.COLUMNS, sheetread.text, sheetread.attrs
            # one loop over the <c> elements (sheetread.cells, inlined: 750,000 cells at scale)
            for m in sheetread.CELL.finditer(data, *at):
                letters, digits, t, cattrs, fattrs, ftext, vtext, rest = m.groups()
                if rest or letters is None or (t is None and b"t" in cattrs):
                    # a layout the reader does not take apart
                    c = parse_xml(part, _NS_DECL.sub(_MAIN_DECL, m.group(0), count=1))
                    self._read_cell(sheet, part, c, strings, shared)
                    continue
                r = int(digits)
                col = columns.get(letters) or sheetread.column(letters)
                if r > last_r:
                    last_r = r
                if col > last_c:
                    last_c = col
                try:
                    if vtext is None and t is None:
                        value: Any = None  # a formula without a cached value, an empty cell
                    elif t is None and vtext and b"&" not in vtext:
                        value = float(vtext)  # a number, the common case
                    else:
                        v = None if vtext is None else text_of(vtext)
                        value = _value_of(t.decode() if t else "n", v, strings)
                except (ValueError, IndexError, TypeError):
                    ref = (letters + digits).decode()
                    raise CorruptPart(f"{part}: cell {ref}: unreadable value") from None
                if fattrs is None:
                    values[(sheet, r, col)] = value
                    continue
                # a formula's cached value is never read (the formula is): not kept
                if not ftext:
                    text = ""
                elif b"&" in ftext or b"\r" in ftext:
                    text = text_of(ftext)
                else:
                    text = ftext.decode()
                if "_x" in text:
                    text = excel_unescape(text)
                plain_text = "[" not in text and ("!" not in text or not _refs.maybe(text, tables))
                if lazy and fattrs and b"shared" in fattrs:
                    fa = fcache.get(fattrs)
                    if fa is None:
                        fa = fcache[fattrs] = attrs(fattrs)
                    si = fa.get("si")
                    if fa.get("t") == "shared" and si is not None and set(fa) <= _SHARED_ATTRS:
                        if text:  # a master (read by _add_formula: it is the master from now on)
                            groups.pop(si, None)
                            self._lazy_masters.pop((sheet, si), None)
                            if plain_text and not text.startswith("="):
                                groups[si] = (r, col, text, [r])
                                self._lazy_masters[(sheet, si)] = (r, col, text)
                                formulas[(sheet, r, col)] = Formula(
                                    sheet, r, col, text, None, None, (r, col)
                                )
                                continue
                        else:
                            group = groups.get(si)
                            if group is not None:  # its master was read without a tree
                                r0, c0, master, rows = group
                                formulas[(sheet, r, col)] = Formula(
                                    sheet, r, col, master, None, None, (r0, c0)
                                )
                                if col == c0:
                                    rows.append(r)
                                continue
                if lazy and not fattrs and plain_text:
                    # a plain formula: its tree is made when it is needed (a run's rows are
                    # evaluated a column at a time, from one tree)
                    formulas[(sheet, r, col)] = Formula(sheet, r, col, text, None, None)
                    got = plain.get(col)
                    if got is None:
                        got = plain[col] = ([], [])
                    got[0].append(r)
                    got[1].append(text)
                else:
                    ref = (letters + digits).decode()
                    add(sheet, r, col, ref, attrs(fattrs) if fattrs else {}, text, shared)
            if plain:
                self.runs.extend(_columns.runs_of_columns(sheet, plain))
            for r0, c0, master, rows in groups.values():  # shared formulas down their column
                last = r0
                for r in rows[1:]:
                    if r != last + 1:
                        break
                    last = r
                if last - r0 + 1 >= _columns.MIN_RUN:
                    run = _columns.make_run(sheet, c0, r0, last, master)
                    if run is not None:
                        self.runs.append(run)
            got = self.extent.get(sheet, (1, 1))  # with the cells _read_cell read
            self.extent[sheet] = (max(got[0], last_r), max(got[1], last_c))
        except (KeyboardInterrupt, SystemExit, MemoryError):
            check.cancel()
            raise
        except BaseException:
            if not check.ok():  # a broken part: ElementTree names the error, as before
                _not_well_formed(part, data)
            raise
        if not check.ok():
            _not_well_formed(part, data)

    def tree_of(self, f: Formula) -> Node:
        """The tree of ``f``, made now if it was read without one (a plain formula: as
        :meth:`_add_formula` makes it)."""
        tree = f.tree
        if tree is not None:
            return tree
        sheet, row, col = f.sheet, f.row, f.col
        try:
            if f.origin is None:
                body = f.text[1:] if f.text.startswith("=") else f.text
                tree = self.shapes.fast(body, sheet, row, col)
                if tree is None:
                    tree = self.shapes.tree(tokenize(body), sheet, row, col)
            elif f.origin == (row, col):  # a shared formula's master
                try:
                    tree = self.shapes.fast(f.text, sheet, row, col)
                    if tree is None:
                        tree = self.shapes.tree(tokenize(f.text), sheet, row, col)
                except Unsupported:
                    self._failed_masters.add((sheet, row, col))
                    raise
            else:  # another cell of a shared formula: the master's moved here
                r0, c0 = f.origin
                master = self.formulas[(sheet, r0, c0)]
                self.tree_of(master)
                if (sheet, r0, c0) in self._failed_masters:
                    raise Unsupported("a shared formula without its master")
                tree = self.shapes.fast(f.text, sheet, r0, c0, at=(row, col))
                if tree is None:
                    moved = shift(tokenize(f.text), row - r0, col - c0)
                    tree = self.shapes.tree(moved, sheet, row, col)
        except Unsupported as why:  # this cell is not computed, the others are
            tree = ("unsupported", str(why))
        f.tree = tree
        return tree

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
        last = self.extent.get(sheet, (1, 1))
        self.extent[sheet] = (max(last[0], r), max(last[1], col))
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
                    self._shared_texts[(sheet, si)] = text
                    self._lazy_masters.pop((sheet, si), None)
                    tree = self.shapes.fast(text, sheet, r, col)
                    shared[si] = (r, col, text if tree is not None else tokenize(text))
                    if tree is None:
                        tree = self.shapes.tree(shared[si][2], sheet, r, col)  # type: ignore[arg-type]
                elif si in shared:
                    # the formula is the master's (moved): its text decides Excel's near-zero
                    # rule (=(A1-B1) keeps its parentheses in every cell)
                    text = self._shared_texts.get((sheet, si), text)
                    r0, c0, base = shared[si]
                    tree = None
                    if isinstance(base, str):  # the master's shape was read fast
                        tree = self.shapes.fast(base, sheet, r0, c0, at=(r, col))
                        if tree is None:
                            base = tokenize(base)
                    if tree is None:
                        tree = self.shapes.tree(shift(base, r - r0, col - c0), sheet, r, col)
                elif (sheet, si) in self._lazy_masters:  # read without its tree (a cell of
                    # a layout the one-pass reader hands back whole)
                    r0, c0, master = self._lazy_masters[(sheet, si)]
                    f = Formula(sheet, r, col, master, None, None, (r0, c0))
                    self.formulas[(sheet, r, col)] = f
                    return
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


def _not_well_formed(part: str, data: bytes) -> None:
    """Raise :class:`CorruptPart` naming where ``part`` is not well-formed XML."""
    parse_xml(part, data)  # raises, naming the line and column
    raise CorruptPart(f"{part}: not well-formed XML")


_SHARED_ATTRS = frozenset(("t", "si", "ref"))
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
