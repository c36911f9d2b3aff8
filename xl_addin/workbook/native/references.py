"""3-D references and structured references (Excel tables) for the native evaluator.

Both are turned into what :mod:`.evaluator` already reads, before a formula is tokenized:

* a **structured reference** (``Table1[Col]``, ``Table1[[#This Row],[Col]]``, ``[@Col]``,
  ``Table1[#All]``, ``#Headers``, ``#Totals``, ``#Data``, column ranges ``Table1[[A]:[B]]``, a
  bare ``Table1``) becomes the plain range it stands for on the table's sheet
  (``'Data'!$B$2:$B$9``), with ``#This Row`` as the formula's own row; a range in a cell that
  wants one value then takes Excel's implicit intersection, as any range does. The tables are
  read from ``xl/tables/*.xml`` through each sheet's relationships: name, ``ref``, header row
  count (default 1), totals row count (default 0) and column names (``'`` escapes ``[ ] # '``
  in a formula). Defined names that point at tables go the same way.
* a **3-D reference** written ``Sheet1:Sheet3!A1`` is quoted (``'Sheet1:Sheet3'!A1``, the form
  Excel writes when a name needs quotes) so the tokenizer reads it as one reference whose sheet
  holds a ``:`` -- which no sheet name can. The evaluator takes such a reference only as a
  direct argument of a function Excel allows it in (:data:`THREE_D_FUNCTIONS`), over the sheets
  from the first to the last in the workbook's order (``xl/workbook.xml``).

Anything ambiguous or outside this (``#This Row`` outside the table's data rows, ``#Totals`` of a
table without a totals row, an unknown column, a structured reference inside a shared formula,
a 3-D reference anywhere else) raises :class:`~.evaluator.Unsupported` with the cause: the cell
is reported as not computed, never guessed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..xmltext import excel_unescape

if TYPE_CHECKING:  # the evaluator imports this module: its names are imported where used
    from .evaluator import Evaluator, Ref

__all__ = [
    "THREE_D_FUNCTIONS",
    "Table",
    "check_call",
    "expand",
    "is_3d",
    "read_tables",
    "rewrite",
    "values_3d",
]

#: The functions Excel takes a 3-D reference in (Excel's help, "Create a 3-D reference"); only
#: those the native evaluator implements are computed, the others are reported by name.
THREE_D_FUNCTIONS = frozenset(
    (
        *("SUM", "AVERAGE", "AVERAGEA", "COUNT", "COUNTA", "MAX", "MAXA", "MIN", "MINA"),
        *("PRODUCT", "STDEV", "STDEVA", "STDEVP", "STDEVPA", "STDEV.S", "STDEV.P"),
        *("VAR", "VARA", "VARP", "VARPA", "VAR.S", "VAR.P"),
    )
)

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TABLE_REL = "/table"  # the end of a table relationship's Type


def _unsupported(message: str) -> Exception:
    from .evaluator import Unsupported

    return Unsupported(message)


# ============================================================================== tables
@dataclass(frozen=True)
class Table:
    """An Excel table: where it is and what its rows and columns are (1-based, inclusive)."""

    name: str
    sheet: str  # the sheet's name as the workbook spells it
    r1: int
    c1: int
    r2: int
    c2: int
    header_rows: int
    totals_rows: int
    columns: tuple[str, ...]

    @property
    def data_rows(self) -> tuple[int, int]:
        return self.r1 + self.header_rows, self.r2 - self.totals_rows

    def column(self, name: str) -> int:
        """The sheet column of the table column ``name`` (case-insensitive, as in Excel)."""
        wanted = name.upper()
        for i, col in enumerate(self.columns):
            if col.upper() == wanted:
                return self.c1 + i
        raise _unsupported(f"structured reference: table {self.name} has no column {name!r}")


_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def _cell(text: str) -> tuple[int, int]:
    m = _CELL.fullmatch(text)
    if not m:
        raise ValueError(text)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


class Tables(dict[str, Any]):
    """Tables by upper-case name (a :class:`Table`, or why it cannot be read), with a pattern
    that finds their names in a formula (a bare ``Table1`` is a structured reference too), and
    every sheet of the workbook in tab order (``sheet_order``, upper-case: worksheets and the
    chart, macro and dialog sheets the evaluator does not read)."""

    sheet_order: list[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        found = self.__dict__.get("_pattern")
        if found is None:
            found = self.__dict__["_pattern"] = _names_pattern(self)
        return found


def _names_pattern(tables: dict[str, Any]) -> re.Pattern[str]:
    names = sorted((re.escape(k) for k in tables if not k.startswith("?")), key=len, reverse=True)
    return re.compile("|".join(names) if names else r"(?!)", re.IGNORECASE)


def read_tables(parts: dict[str, bytes], sheets: list[tuple[str, str]]) -> Tables:
    """The workbook's tables by upper-case name, found through each sheet's relationships
    (``xl/worksheets/_rels/sheetN.xml.rels``). A table whose range or columns cannot be read is
    kept as the reason (a string): a formula that uses it is not computed, the others are. A part
    that is not well-formed XML raises :class:`~.evaluator.CorruptPart`, as a sheet's does."""
    from .evaluator import parse_xml

    out = Tables()
    workbook = parts.get("xl/workbook.xml")
    if workbook is not None:
        out.sheet_order = [
            (el.get("name") or "").upper()
            for el in parse_xml("xl/workbook.xml", workbook).iter(f"{_NS}sheet")
        ]
    for sheet, part in sheets:
        folder, base = posixpath.split(part)
        rels = parts.get(f"{folder}/_rels/{base}.rels")
        if rels is None:
            continue
        for rel in parse_xml(f"{folder}/_rels/{base}.rels", rels).iter(f"{_PKG_REL}Relationship"):
            if not rel.get("Type", "").endswith(_TABLE_REL) or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
            path = posixpath.normpath(path)
            data = parts.get(path)
            if data is None:
                continue
            root = parse_xml(path, data)
            try:
                table = _read_table(sheet, root)
            except ValueError as why:
                name = root.get("displayName") or root.get("name") or f"?{path}"
                out[name.upper()] = f"{path}: cannot be read ({why})"
                continue
            out[table.name.upper()] = table
    return out


def _read_table(sheet: str, root: Any) -> Table:
    name = root.get("displayName") or root.get("name") or ""
    ref = root.get("ref", "")
    a, _, b = ref.partition(":")
    (r1, c1), (r2, c2) = _cell(a), _cell(b or a)
    columns = tuple(excel_unescape(c.get("name", "")) for c in root.iter(f"{_NS}tableColumn"))
    if not name or len(columns) != c2 - c1 + 1:
        raise ValueError(f"table {name!r}: {len(columns)} columns for the range {ref}")
    return Table(
        name,
        sheet,
        min(r1, r2),
        min(c1, c2),
        max(r1, r2),
        max(c1, c2),
        int(root.get("headerRowCount", "1")),
        int(root.get("totalsRowCount", "0")),
        columns,
    )


# ============================================================================== rewriting
_IDENT = re.compile(r"[A-Za-z_\\][\w.\\]*")
_THREE_D = re.compile(r":([A-Za-z_][\w.]*)!")
_ANY_THREE_D = re.compile(r"(?:^|[^\w!'.$\\])[A-Za-z_][\w.]*:[A-Za-z_][\w.]*!")
_EXTERNAL = re.compile(r"\[\d+\]")
_KEYWORDS = {"#ALL", "#DATA", "#HEADERS", "#TOTALS", "#THIS ROW"}


def maybe(text: str, tables: dict[str, Any] | None = None) -> bool:
    """Whether ``text`` may hold a structured or a 3-D reference (cheap tests first)."""
    if "[" in text or ("!" in text and _ANY_THREE_D.search(text)):
        return True
    if not tables:
        return False
    pattern = tables.pattern if isinstance(tables, Tables) else _names_pattern(tables)
    return pattern.search(text) is not None


def rewrite(
    text: str,
    tables: dict[str, Any],
    row: int | None = None,
    sheet: str | None = None,
    col: int | None = None,
    kind: str = "normal",
) -> str:
    """``text`` with its structured references replaced by plain ranges and its unquoted 3-D
    references quoted. ``row``, ``sheet``, ``col``: the formula's cell (None for a defined
    name: ``#This Row`` and a reference without a table name are then not computed); ``kind``:
    the formula's ``t`` (a shared formula is moved cell by cell: its structured references are
    not computed; an array formula spans rows: its ``#This Row`` is not computed)."""
    if not maybe(text, tables):
        return text
    shared, cell_row = kind == "shared", row
    if kind == "array":
        row = None
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":  # a string, or a quoted sheet name: copied as it is
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append(text[i : j + 1])
            i = j + 1
            continue
        prev = text[i - 1] if i else ""
        m = _IDENT.match(text, i) if not (prev and (prev.isalnum() or prev in "_.\\$!")) else None
        if m:
            ident, j = m.group(0), m.end()
            m3 = _THREE_D.match(text, j)
            if m3 and "\\" not in ident:
                out.append(f"'{ident}:{m3.group(1)}'!")
                i = m3.end()
                continue
            table = tables.get(ident.upper())
            nxt = text[j] if j < n else ""
            if table is None and nxt == "[":
                raise _unsupported(f"structured reference: no table {ident} in the workbook")
            if table is not None and (not nxt or nxt not in "(!:"):
                spec = ""
                if nxt == "[":
                    k = _close(text, j)
                    spec, j = text[j + 1 : k - 1], k
                _check_shared(shared)
                out.append(_resolve(_table(table), spec, row))
                i = j
                continue
            out.append(ident)
            i = j
            continue
        if ch == "[":
            if _EXTERNAL.match(text, i):  # another workbook ([1]Sheet1!A1): left as it is
                out.append(text[i:])
                break
            k = _close(text, i)
            _check_shared(shared)
            out.append(
                _resolve(_table(_table_at(tables, sheet, cell_row, col)), text[i + 1 : k - 1], row)
            )
            i = k
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _check_shared(shared: bool) -> None:
    if shared:
        raise _unsupported("structured reference in a shared formula")


def _table(table: Any) -> Table:
    if isinstance(table, str):
        raise _unsupported(f"structured reference: {table}")
    return table  # type: ignore[no-any-return]


def _table_at(tables: dict[str, Any], sheet: str | None, row: int | None, col: int | None) -> Any:
    """The table holding the formula's cell (a structured reference without a table name)."""
    if sheet is not None and row is not None and col is not None:
        for t in tables.values():
            if (
                isinstance(t, Table)
                and t.sheet.upper() == sheet.upper()
                and t.r1 <= row <= t.r2
                and t.c1 <= col <= t.c2
            ):
                return t
    raise _unsupported("structured reference without a table name outside a table")


def _close(text: str, i: int) -> int:
    """The index just past the ``]`` that closes the ``[`` at ``i`` (``'`` escapes)."""
    depth, j = 0, i
    while j < len(text):
        ch = text[j]
        if ch == "'":
            j += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise _unsupported("structured reference without its closing ]")


def _unescape(name: str) -> str:
    """A column name as written in a formula (``'`` before ``[ ] # '``) as the table has it."""
    if re.search(r"(?<!')(?:'')*[\[\]]", name):
        raise _unsupported(f"structured reference: column name {name!r} with a [ or ] unescaped")
    return re.sub(r"'(.)", r"\1", name, flags=re.S)


def _items(inner: str) -> tuple[list[str], list[str]]:
    """(keywords, column names) of a bracketed list ``[#This Row],[A]:[B]``."""
    keywords: list[str] = []
    columns: list[str] = []
    i, n = 0, len(inner)
    sep = ","
    while i < n:
        while i < n and inner[i] == " ":
            i += 1
        if i >= n:
            break
        if inner[i] != "[":
            raise _unsupported(f"structured reference [{inner}]")
        k = _close(inner, i)
        item = inner[i + 1 : k - 1]
        if item.strip().startswith("#"):
            if sep != "," or columns:
                raise _unsupported(f"structured reference [{inner}]")
            keywords.append(item.strip().upper())
        else:
            if sep == ":" and len(columns) != 1:
                raise _unsupported(f"structured reference [{inner}]")
            columns.append(_unescape(item.strip()))
        i = k
        while i < n and inner[i] == " ":
            i += 1
        if i < n:
            sep = inner[i]
            if sep not in ",:":
                raise _unsupported(f"structured reference [{inner}]")
            i += 1
    return keywords, columns


def _spec(inner: str) -> tuple[frozenset[str], list[str]]:
    """The keywords and columns of the inside of ``Table[...]``."""
    text = inner.strip()
    if not text:
        return frozenset(), []
    if text.startswith("@"):  # [@Col], [@[Col a]], [@]: this row
        rest = text[1:].strip()
        if not rest:
            return frozenset({"#THIS ROW"}), []
        if rest.startswith("["):
            keywords, columns = _items(rest)
            if keywords:
                raise _unsupported(f"structured reference [{inner}]")
            return frozenset({"#THIS ROW"}), columns
        return frozenset({"#THIS ROW"}), [_unescape(rest)]
    if text.startswith("["):
        keywords, columns = _items(text)
        return frozenset(keywords), columns
    if text.startswith("#"):
        return frozenset({text.upper()}), []
    return frozenset(), [_unescape(inner)]


def _resolve(table: Table, inner: str, row: int | None) -> str:
    """The plain range ``Table[inner]`` stands for, as formula text."""
    keywords, columns = _spec(inner)
    unknown = keywords - _KEYWORDS
    if unknown:
        raise _unsupported(f"structured reference: unknown item {sorted(unknown)[0]}")
    top, bottom = table.data_rows
    if keywords == frozenset({"#THIS ROW"}):
        if row is None:
            raise _unsupported(
                "structured reference [#This Row] in a defined name or an array formula"
            )
        if not top <= row <= bottom:
            raise _unsupported(
                f"structured reference [#This Row] in row {row}, outside the data rows "
                f"{top}-{bottom} of table {table.name}"
            )
        r1 = r2 = row
    elif keywords == frozenset({"#ALL"}):
        r1, r2 = table.r1, table.r2
    elif keywords <= frozenset({"#DATA"}):
        r1, r2 = top, bottom
    elif keywords == frozenset({"#HEADERS"}):
        r1, r2 = table.r1, top - 1
    elif keywords == frozenset({"#TOTALS"}):
        r1, r2 = bottom + 1, table.r2
    elif keywords == frozenset({"#HEADERS", "#DATA"}):
        r1, r2 = table.r1, bottom
    elif keywords == frozenset({"#DATA", "#TOTALS"}):
        r1, r2 = top, table.r2
    else:
        raise _unsupported(f"structured reference: items {', '.join(sorted(keywords))} together")
    if r1 > r2:
        what = "header row" if "#HEADERS" in keywords else "totals row"
        if not keywords & {"#HEADERS", "#TOTALS"}:
            what = "data row"
        raise _unsupported(f"structured reference: table {table.name} has no {what}")
    if not columns:
        c1, c2 = table.c1, table.c2
    else:
        ends = [table.column(c) for c in columns]
        c1, c2 = min(ends), max(ends)
    from .evaluator import col_letters

    name = "'" + table.sheet.replace("'", "''") + "'"
    first = f"${col_letters(c1)}${r1}"
    last = f"${col_letters(c2)}${r2}"
    return f"{name}!{first}" if first == last else f"{name}!{first}:{last}"


# ============================================================================== 3-D references
def is_3d(ref: Ref) -> bool:
    """A 3-D reference: its sheet is ``FIRST:LAST`` (no sheet name holds a ``:``)."""
    return ":" in ref.sheet


def _span(ref: Ref, sheet_names: list[str]) -> list[str] | None:
    """The upper-case sheets a 3-D reference covers, in the workbook's order; None when one of
    its two sheets is not in the workbook."""
    first, _, last = ref.sheet.partition(":")
    order = [s.upper() for s in sheet_names]
    if first not in order or last not in order:
        return None
    i, j = sorted((order.index(first), order.index(last)))
    return order[i : j + 1]


def expand(refs: Iterable[tuple[str, Any]], sheet_names: list[str]) -> Iterator[tuple[str, Any]]:
    """``refs`` (as :func:`.evaluator.references` yields them) with each 3-D reference replaced
    by the same range on every sheet it covers: what a formula depends on."""
    from .evaluator import Ref

    for kind, x in refs:
        if kind == "ref" and ":" in x.sheet:
            for s in _span(x, sheet_names) or ():
                yield ("ref", Ref(s, x.r1, x.c1, x.r2, x.c2))
        else:
            yield kind, x


def check_call(node: tuple[Any, ...]) -> None:
    """A function call (``("call", NAME, args, ...)``) with a 3-D reference as an argument is
    read only for the functions Excel takes one in."""
    if node[1] in THREE_D_FUNCTIONS:
        return
    for a in node[2]:
        if a[0] == "ref" and ":" in a[1].sheet:
            raise _unsupported(
                f"3-D references (Sheet1:Sheet3!A1) in {node[1]}: Excel takes them only in "
                "SUM, AVERAGE, COUNT, COUNTA, MAX, MIN, PRODUCT and the like"
            )


def values_3d(ev: Evaluator, ref: Ref) -> list[Any]:
    """The values of a 3-D reference, sheet after sheet, each range row by row (as a range
    gives them to SUM, COUNT...)."""
    from .evaluator import Ref as Ref_

    order = getattr(ev.book, "tables", None)
    order = getattr(order, "sheet_order", None) or ev.book.sheet_names
    sheets = _span(ref, order)
    if sheets is None:
        first, _, last = ref.sheet.partition(":")
        raise _unsupported(f"3-D references: no sheet {first} or {last} in the workbook")
    worksheets = {s.upper() for s in ev.book.sheet_names}
    for s in sheets:
        if s not in worksheets:  # a macro or dialog sheet has cells the evaluator does not read
            raise _unsupported(f"3-D references over {s}, a sheet that is not a worksheet")
    out: list[Any] = []
    for s in sheets:
        one = Ref_(s, ref.r1, ref.c1, ref.r2, ref.c2)
        if one.shape == (1, 1):
            out.append(ev.cell(s, ref.r1, ref.c1))
        else:
            out.extend(ev.range(one).flat)
    return out
