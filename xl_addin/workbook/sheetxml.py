"""A worksheet part edited as bytes: cells found by one scan, cached values written in one pass.

No XML re-serialisation: the bytes outside the edited cells are kept as they are.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice, repeat
from typing import Any

import numpy as np

from .errors import RecalcError
from .native.evaluator import Err
from .native.evaluator import col_index as _col_index
from .xmltext import _unescape, excel_text, needs_preserve

_EPOCH = dt.date(1899, 12, 30)


def _number_text(value: float) -> str:
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _serial(d: dt.date | dt.datetime, date1904: bool = False) -> float:
    """The serial Excel stores for ``d``: in the 1900 date system 1900-01-01 is 1 and, as Excel
    counts the nonexistent 1900-02-29 as serial 60 (the Lotus 1-2-3 leap-year bug),
    1900-03-01 is 61 and every date before it one less than a day count from 1899-12-30
    gives; in the 1904 date system (``date1904="1"``) 1904-01-01 is 0. A date Excel cannot
    hold (before 1900-01-01, or 1904-01-01) is a :class:`RecalcError`."""
    day = d.date() if isinstance(d, dt.datetime) else d
    first = dt.date(1904, 1, 1) if date1904 else dt.date(1900, 1, 1)
    if day < first or day.year > 9999:
        raise RecalcError(f"{d.isoformat()}: Excel's dates run from {first} to 9999-12-31")
    leap_bug = not date1904 and day < dt.date(1900, 3, 1)  # before the phantom 1900-02-29
    days = (day - (first if date1904 else _EPOCH)).days - leap_bug
    if isinstance(d, dt.datetime):
        midnight = dt.datetime.combine(day, dt.time(), d.tzinfo)
        return days + (d - midnight).total_seconds() / 86400
    return float(days)


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def _split_ref(ref: str) -> tuple[int, int]:
    m = _REF.fullmatch(ref)
    if not m:
        raise RecalcError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), _col_index(m.group(1).upper())


#: The ``r`` attribute of a tag's attributes (``_attrs(...)[b"r"]``, without building the dict)
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF_BYTES = re.compile(rb"\$?([A-Za-z]{1,3})\$?(\d+)")
_COLUMNS: dict[bytes, int] = {}


def _column(letters: bytes) -> int:
    col = _COLUMNS[letters] = _col_index(letters.decode().upper())
    return col


def _split_ref_bytes(ref: bytes) -> tuple[int, int]:
    """:func:`_split_ref` of a cell's ``r`` attribute as bytes."""
    m = _REF_BYTES.fullmatch(ref)
    if not m:
        raise RecalcError(f"not a cell reference: {ref.decode(errors='replace')!r}")
    letters = m.group(1)
    col = _COLUMNS.get(letters)
    if col is None:
        col = _COLUMNS[letters] = _col_index(letters.decode().upper())
    return int(m.group(2)), col


def _range_cells(ref: str) -> list[tuple[int, int]]:
    a, _, b = ref.partition(":")
    r1, c1 = _split_ref(a)
    r2, c2 = _split_ref(b or a)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


@dataclass(slots=True)
class _Cell:
    row: int
    col: int
    start: int  # byte offsets of the whole <c> element in the part
    end: int
    formula: bytes | None  # the <f ...> open tag, if any
    formula_text: str = ""  # the formula, unescaped (empty for a shared formula's other cells)


@dataclass(slots=True)
class _Row:
    row: int
    start: int
    end: int
    content_start: int  # where cells can be appended (before </row>); -1 if self-closing
    cells: list[_Cell]


@dataclass
class _Sheet:
    name: str
    part: str
    data: bytes
    prefix: bytes  # namespace prefix of the main namespace, e.g. b"x:" or b""
    rows: list[_Row]
    sheetdata_open: tuple[int, int]  # the <sheetData> open tag (start, end)
    sheetdata_close: int  # start of </sheetData>, -1 if self-closing

    def cells(self) -> Iterator[_Cell]:
        for row in self.rows:
            yield from row.cells


def _scan_sheet(name: str, part: str, data: bytes) -> _Sheet:
    m = re.search(rb"<(?:([\w.-]+):)?sheetData\b[^>]*?(/?)>", data)
    if not m:
        raise RecalcError(f"{part}: no <sheetData>")
    prefix = (m.group(1) + b":") if m.group(1) else b""
    p = re.escape(prefix)
    open_span = (m.start(), m.end())
    if m.group(2):
        return _Sheet(name, part, data, prefix, [], open_span, -1)
    close = data.find(b"</" + prefix + b"sheetData>", m.end())
    if close < 0:
        raise RecalcError(f"{part}: unterminated <sheetData>")
    row_re = re.compile(rb"<" + p + rb"row\b([^>]*?)(/?)>", re.S)
    # groups: the attributes, the content; the column letters and row of a plain r="B3"
    # (read by the lookahead; otherwise from the attributes)
    cell_re = re.compile(
        rb"<"
        + p
        + rb"c\b(?=[^>]*?\sr=\"([A-Z]{1,3})([0-9]+)\")?([^>]*?)(?:/>|>(.*?)</"
        + p
        + rb"c>)",
        re.S,
    )
    f_re = re.compile(rb"(<" + p + rb"f\b[^>]*?/?>)(?:(.*?)</" + p + rb"f>)?", re.S)
    rows: list[_Row] = []
    pos, row_no = m.end(), 0
    row_close = b"</" + prefix + b"row>"
    f_open = b"<" + prefix + b"f"
    ftags: dict[bytes, bytes] = {}  # one bytes object per distinct <f> tag (memory at scale)
    columns = _COLUMNS
    while True:
        rm = row_re.search(data, pos, close)
        if not rm:
            break
        am = _R_ATTR.search(rm.group(1))
        row_no = int(am.group(1) or am.group(2)) if am else row_no + 1
        if rm.group(2):
            rows.append(_Row(row_no, rm.start(), rm.end(), -1, []))
            pos = rm.end()
            continue
        row_end = data.find(row_close, rm.end(), close)
        if row_end < 0:
            raise RecalcError(f"{part}: unterminated <row>")
        cells: list[_Cell] = []
        col_no = 0
        for cm in cell_re.finditer(data, rm.end(), row_end):
            letters, digits, attrs, inner = cm.groups()
            if letters is not None:
                r = int(digits)
                col_no = columns.get(letters) or _column(letters)
                if r != row_no:
                    ref = letters + digits
                    raise RecalcError(f"{part}: cell {ref.decode()} in row {row_no}")
            elif am := _R_ATTR.search(attrs):
                ref = am.group(1) if am.group(1) is not None else am.group(2)
                r, col_no = _split_ref_bytes(ref)
                if r != row_no:
                    raise RecalcError(f"{part}: cell {ref.decode()} in row {row_no}")
            else:
                col_no += 1
            ftag = None
            ftext = ""
            if inner and f_open in inner:
                fm = f_re.search(inner)
                if fm:
                    ftag = fm.group(1)
                    ftag = ftags.setdefault(ftag, ftag)
                    if not ftag.endswith(b"/>") and fm.group(2):
                        ftext = fm.group(2).decode("utf-8", "replace")
                        if "&" in ftext:
                            ftext = _unescape(ftext)
            cells.append(_Cell(row_no, col_no, cm.start(), cm.end(), ftag, ftext))
        end = row_end + len(row_close)
        rows.append(_Row(row_no, rm.start(), end, row_end, cells))
        pos = end
    return _Sheet(name, part, data, prefix, rows, open_span, close)


def _v_and_t(value: Any) -> tuple[bytes, bytes | None]:
    """The ``<v>`` text and ``t`` attribute for a computed value."""
    if type(value) is float and math.isfinite(value):  # the common case first
        return _number_text(value).encode(), None
    if isinstance(value, Err):
        return value.code.encode(), b"e"
    if isinstance(value, (bool, np.bool_)):
        return (b"1" if value else b"0"), b"b"
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not math.isfinite(float(value)):
            return b"#NUM!", b"e"
        return _number_text(float(value)).encode(), None
    if value is not None and type(value) is not str:  # formulas' error values (a str type)
        from formulas.tokens.operand import XlError

        if isinstance(value, XlError):
            return str(value).encode(), b"e"
    if isinstance(value, str):
        return excel_text(value).encode("utf-8", "surrogatepass"), b"str"
    return b"0", None  # an empty result shows as 0, as in Excel


_T_ATTR = re.compile(rb'\st\s*=\s*("[^"]*"|\'[^\']*\')')


def _set_t(open_tag: bytes, t: bytes | None) -> bytes:
    """The cell's open tag with its ``t`` attribute set to ``t`` (removed when None)."""
    if t is None and b"t" not in open_tag[2:]:
        return open_tag  # no t attribute, none wanted (the common case)
    m = _T_ATTR.search(open_tag)
    if m:
        if t is None:
            return open_tag[: m.start()] + open_tag[m.end() :]
        return open_tag[: m.start()] + b' t="' + t + b'"' + open_tag[m.end() :]
    if t is None:
        return open_tag
    cut = len(open_tag) - (2 if open_tag.endswith(b"/>") else 1)
    return open_tag[:cut].rstrip() + b' t="' + t + b'"' + open_tag[cut:]


_FORMULA_CELL = re.compile(rb"(<c\b[^>]*>)(<f\b[^>]*?(?:/>|>[^<]*</f>))(?:<v>[^<]*</v>)?</c>")


def _rewrite_cell(
    element: bytes, prefix: bytes, v: bytes, t: bytes | None, *, keep_f: bool
) -> bytes:
    """``element`` (a whole ``<c>``) with its cached value replaced; ``keep_f`` keeps ``<f>``."""
    if keep_f and not prefix:  # the common layout, <c ...><f ...>...</f>[<v>...</v>]</c>
        m = _FORMULA_CELL.fullmatch(element)
        if m is not None:
            return _set_t(m.group(1), t) + m.group(2) + b"<v>" + v + b"</v></c>"
    p = re.escape(prefix)
    om = re.match(rb"<" + p + rb"c\b[^>]*?(/?)>", element)
    assert om is not None
    open_tag = om.group(0)
    self_closing = bool(om.group(1))
    if self_closing:
        open_tag = open_tag[:-2].rstrip() + b">"
        inner = b""
    else:
        inner = element[om.end() : element.rfind(b"</")]
    open_tag = _set_t(open_tag, t)
    inner = re.sub(rb"<" + p + rb"v\b[^>]*?(?:/>|>.*?</" + p + rb"v>)", b"", inner, flags=re.S)
    if not keep_f:
        inner = re.sub(
            rb"<" + p + rb"is\b[^>]*?(?:/>|>.*?</" + p + rb"is>)", b"", inner, flags=re.S
        )
    new_v = b"<" + prefix + b"v>" + v + b"</" + prefix + b"v>"
    fm = re.search(rb"<" + p + rb"f\b[^>]*?(?:/>|>.*?</" + p + rb"f>)", inner, re.S)
    at = fm.end() if fm else 0
    inner = inner[:at] + new_v + inner[at:]
    return open_tag + inner + b"</" + prefix + b"c>"


def _without_value(element: bytes | None, prefix: bytes) -> bytes:
    """``element`` without its cached value (``<v>``, ``<is>``) and ``t``: an empty cell."""
    assert element is not None
    p = re.escape(prefix)
    om = re.match(rb"<" + p + rb"c\b[^>]*?(/?)>", element)
    assert om is not None
    if om.group(1):
        return _set_t(om.group(0), None)
    inner = element[om.end() : element.rfind(b"</")]
    inner = re.sub(rb"<" + p + rb"v\b[^>]*?(?:/>|>.*?</" + p + rb"v>)", b"", inner, flags=re.S)
    inner = re.sub(rb"<" + p + rb"is\b[^>]*?(?:/>|>.*?</" + p + rb"is>)", b"", inner, flags=re.S)
    return _set_t(om.group(0), None) + inner + b"</" + prefix + b"c>"


def _input_cell_xml(
    element: bytes | None, ref: str, prefix: bytes, value: Any, *, date1904: bool = False
) -> bytes:
    """A constant cell holding ``value`` (from ``element`` if it exists, keeping its style)."""
    if isinstance(value, bool):
        v, t = (b"1" if value else b"0"), b"b"
    elif isinstance(value, (int, float)):
        v, t = _number_text(float(value)).encode(), None
    elif isinstance(value, (dt.date, dt.datetime)):
        v, t = _number_text(_serial(value, date1904)).encode(), None
    else:
        v, t = b"", b"inlineStr"
    if element is None:
        element = b"<" + prefix + b'c r="' + ref.encode() + b'"/>'
    out = _rewrite_cell(element, prefix, v, t, keep_f=False)
    if t == b"inlineStr":
        text = excel_text(str(value)).encode("utf-8", "surrogatepass")
        space = b' xml:space="preserve"' if needs_preserve(str(value)) else b""
        is_xml = b"<" + prefix + b"is><" + prefix + b"t" + space + b">" + text
        is_xml += b"</" + prefix + b"t></" + prefix + b"is>"
        out = out.replace(b"<" + prefix + b"v></" + prefix + b"v>", is_xml)
    return out


def _apply(
    sheet: _Sheet,
    new_cells: dict[tuple[int, int], Any],
    make: Callable[[bytes | None, tuple[int, int], Any], bytes] | None = None,
) -> bytes:
    """Apply cell rewrites (existing cells) and insertions (missing cells) to the sheet bytes.
    ``new_cells``: (row, col) → a function of the cell's element (None: the cell does not
    exist) giving the new one; with ``make``, any value, the new element being
    ``make(element, (row, col), value)``."""
    if make is None:
        make = _call
    data = sheet.data
    splices: list[tuple[int, int, bytes]] = []
    pending = dict(new_cells)
    p = sheet.prefix
    for row in sheet.rows:
        for cell in row.cells:
            fn = pending.pop((cell.row, cell.col), None)
            if fn is not None:
                element = data[cell.start : cell.end]
                splices.append((cell.start, cell.end, make(element, (cell.row, cell.col), fn)))
    edited = len(splices)
    # cells that do not exist yet
    by_row: dict[int, list[int]] = {}
    for r, c in pending:
        by_row.setdefault(r, []).append(c)
    rows = {row.row: row for row in sheet.rows}
    new_rows: list[tuple[int, bytes]] = []
    for r, cols in sorted(by_row.items()):
        cols.sort()
        made = {c: make(None, (r, c), pending[(r, c)]) for c in cols}
        row = rows.get(r)
        if row is None:
            xml = b"<" + p + b'row r="' + str(r).encode() + b'">'
            xml += b"".join(made[c] for c in cols) + b"</" + p + b"row>"
            new_rows.append((r, xml))
            continue
        if row.content_start < 0:  # <row .../> becomes <row ...>cells</row>
            tag = data[row.start : row.end]
            xml = tag[:-2].rstrip() + b">" + b"".join(made[c] for c in cols)
            splices.append((row.start, row.end, xml + b"</" + p + b"row>"))
            continue
        row_cols = [cell.col for cell in row.cells]  # in file order (ascending in valid files)
        for c in cols:
            k = bisect.bisect_right(row_cols, c)
            at = row.cells[k].start if k < len(row.cells) else row.content_start
            splices.append((at, at, made[c]))
    row_numbers = [row.row for row in sheet.rows]
    for r, xml in new_rows:
        k = bisect.bisect_right(row_numbers, r)
        if k < len(sheet.rows):
            at = sheet.rows[k].start
            splices.append((at, at, xml))
        elif sheet.sheetdata_close >= 0:
            splices.append((sheet.sheetdata_close, sheet.sheetdata_close, xml))
        else:  # <sheetData/>
            s, e = sheet.sheetdata_open
            tag = data[s:e]
            opened = tag[:-2].rstrip() + b">"
            splices.append((s, e, opened + xml + b"</" + p + b"sheetData>"))
    # one forward pass: the bytes between edits copied once (no shifting per edit); several
    # insertions at one offset keep their order (stable sort)
    if len(splices) > edited:  # insertions: put them in place (the edits are in file order)
        splices.sort(key=lambda x: (x[0], x[1]))
    pieces: list[bytes] = []
    pos = 0
    for start, end, repl in _merge_same_offset(splices):
        pieces.append(data[pos:start])
        pieces.append(repl)
        pos = end
    pieces.append(data[pos:])
    return b"".join(pieces)


def _call(element: bytes | None, at: tuple[int, int], fn: Any) -> bytes:
    return fn(element)  # type: ignore[no-any-return]


def _merge_same_offset(splices: list[tuple[int, int, bytes]]) -> list[tuple[int, int, bytes]]:
    merged: list[tuple[int, int, bytes]] = []
    for s, e, r in splices:
        if merged and s == e and merged[-1][0] == s and merged[-1][1] == s:
            merged[-1] = (s, s, merged[-1][2] + r)
        else:
            merged.append((s, e, r))
    return merged


# =============================================================================================
# The fast lane for writing values: a sheet of the common layout edited by regular expressions
# over the whole <sheetData> (no _Cell per cell, no dict of all cells; issue #11 item 5)
# =============================================================================================
#: The ``<sheetData>`` open tag, as :func:`_scan_sheet` finds it.
_SHEETDATA = re.compile(rb"<(?:([\w.-]+):)?sheetData\b[^>]*?(/?)>")
#: Attributes: white space, a name, a double-quoted value without ``<`` or ``>``.
_P_ATTRS = rb'(?:\s+[\w:.-]+="[^"<>]*+")*+\s*'
#: The content of an inline string (``<is>``): text and tags other than c, f, is, row, v. The
#: repeat is not possessive: Python 3.11.2's (Debian 12's) possessive repeat of this group with
#: its alternation fails to match ``<t xml:space="preserve"> a </t>`` (fixed in later 3.11
#: releases); its two branches start with different characters, so it cannot backtrack far.
_P_IS = rb"(?:[^<]++|<(?!/?(?:c|f|is|row|v)\b)[^<>]*+>)*"
#: A cell of the common layout in the row captured as group 1: ``r="<letters><that row>"``
#: first, then an optional ``<f>``, an optional ``<v>``, an optional ``<is>``.
_P_CELL = (
    rb'<c r="[A-Z]{1,3}\1"'
    + _P_ATTRS
    + rb"(?:/>|>(?:<f"
    + _P_ATTRS
    + rb"(?:/>|>[^<]*+</f>))?+(?:<v>[^<]*+</v>|<v/>)?+(?:<is>"
    + _P_IS
    + rb"</is>)?+</c>)\s*+"
)
#: The content of a ``<sheetData>`` of the common layout: rows with ``r`` (no leading zero)
#: holding only such cells, white space between elements.
_PLAIN_SHEETDATA = re.compile(
    rb'\s*+(?:<row r="([1-9][0-9]*)"'
    + _P_ATTRS
    + rb"(?:/>|>\s*+(?:"
    + _P_CELL
    + rb")*+</row>)\s*+)*+"
)
#: A formula cell of the common layout, as :data:`_FORMULA_CELL` reads it, its pieces as
#: groups: the open tag and the ``<f>`` element (with, inside, the column letters, the row and
#: the ``t`` attribute of the open tag), then the old cached value with the end tag. Attribute
#: values without ``=`` (so ``_set_t`` finds no ``t=`` inside one) nor ``>`` (the open tag
#: ends at the first ``>``).
_PLAIN_FORMULA = re.compile(
    rb'(<c r="([A-Z]{1,3})([0-9]+)"(?: (?:t="([^"=<>]*)"|(?!t=)[\w:.-]+="[^"=<>]*"))*>'
    rb"<f\b[^>]*?(?:/>|>[^<]*</f>))"
    rb"((?:<v>[^<]*</v>)?</c>)"
)
_PLAIN_STRIDE = 6  # the bytes before a match, then the five groups
_PLAIN_F = re.compile(rb"(<f\b[^>]*?/?>)(?:(.*?)</f>)?", re.S)  # as in _scan_sheet


@dataclass
class PlainSheet:
    """A sheet of the common layout, cut at its formula cells: ``pieces`` holds the bytes
    before the first formula cell, then for each formula cell the five groups of
    :data:`_PLAIN_FORMULA` and the bytes up to the next one."""

    pieces: list[bytes | None]
    start: int  # the <sheetData> content in the part
    end: int
    keys: list[tuple[str, int, int]]  # (sheet key, row, column) of each formula cell

    def formula_text(self, i: int) -> str:
        """The formula of the ``i``-th formula cell, unescaped (as ``_Cell.formula_text``)."""
        head = self.pieces[1 + _PLAIN_STRIDE * i]
        assert head is not None
        fm = _PLAIN_F.match(head, head.index(b">") + 1)
        assert fm is not None
        if fm.group(1).endswith(b"/>") or not fm.group(2):
            return ""
        text = fm.group(2).decode("utf-8", "replace")
        return _unescape(text) if "&" in text else text


def plain_set_t(head: bytes, t: bytes | None) -> bytes:
    """A formula cell's open tag and ``<f>`` (group 1 of :data:`_PLAIN_FORMULA`) with the
    open tag's ``t`` attribute set as :func:`_set_t` sets it."""
    cut = head.index(b">") + 1
    return _set_t(head[:cut], t) + head[cut:]


def plain_sheet(data: bytes, key: str = "") -> PlainSheet | None:
    """The sheet cut at its formula cells when it has the common layout, else None (the caller
    then takes :func:`_scan_sheet`'s path). The common layout, where both paths find the same
    cells and the same formula cells and :func:`_rewrite_cell` writes each formula cell the way
    the one-pass substitution does: no namespace prefix; ``<sheetData>`` holding only rows with
    ``r`` holding only cells whose ``r`` is first and in that row (:data:`_PLAIN_SHEETDATA`,
    where :func:`_scan_sheet` would accept the same rows and cells); no formula cell's
    reference twice; no array formula or data table (no ``array`` or ``dataTable`` anywhere in
    the sheet: no cell to insert, every cell's value its own); and every ``<f`` of the sheet
    data inside a formula cell of the shape :data:`_FORMULA_CELL` reads (``<c r=".." ..>
    <f ..>..</f>[<v>..</v>]</c>``, attributes with one space before them and double quotes):
    the number of ``<f`` equals the number of such cells, so no formula cell is left out.
    ``key``: the first item of each of :attr:`PlainSheet.keys` (the engine's sheet key).

    One difference, on a corrupt sheet only: a value cell with the reference of a formula cell
    before it (a reference twice; Excel repairs such a file) is not looked for (a set of every
    cell's reference would cost more than the rest of the check). The fast lane writes the
    formula cell's value into the formula cell, where the scan writes it into the first cell
    of that reference, the value cell."""
    m = _SHEETDATA.search(data)
    if m is None or m.group(1) or m.group(2):
        return None  # a prefix; no <sheetData> or an empty one: today's path
    start = m.end()
    end = data.find(b"</sheetData>", start)
    if end < 0 or b"array" in data or b"dataTable" in data:
        return None
    if _PLAIN_SHEETDATA.fullmatch(data, start, end) is None:
        return None
    pieces: list[bytes | None] = _PLAIN_FORMULA.split(data[start:end])
    count = (len(pieces) - 1) // _PLAIN_STRIDE
    if data.count(b"<f", start, end) != count:
        return None  # a formula cell of another shape
    letters: list[bytes] = pieces[2::_PLAIN_STRIDE]  # type: ignore[assignment]
    columns = {x: _col_index(x.decode()) for x in set(letters)}
    rows = map(int, pieces[3::_PLAIN_STRIDE])  # type: ignore[arg-type]
    keys = list(zip(repeat(key), rows, map(columns.__getitem__, letters)))
    # no formula cell twice (today's path writes the first one only): in file order, each
    # after the one before (one pass of C code); cells out of order, a set
    ascending = all(map(operator.lt, keys, islice(keys, 1, None)))
    if not ascending and len(set(keys)) != len(keys):
        return None
    return PlainSheet(pieces, start, end, keys)


def number_values(values: list[float]) -> list[bytes] | None:
    """``<v>..</v></c>`` for each value, in one pass over C code, as :func:`_v_and_t` writes a
    number: None unless every value is a finite float (any other value: one at a time)."""
    if not values:
        return []
    if set(map(type, values)) != {float} or not math.isfinite(sum(values)):
        return None  # a NaN or an infinity makes the sum one
    text = "<v>" + "</v></c>\x00<v>".join(map(float.__repr__, values)) + "</v></c>"
    # _number_text: "3.0" -> "3", "-0.0" -> "-0" -> "0"
    text = text.replace(".0</v>", "</v>").replace("<v>-0</v>", "<v>0</v>")
    return text.encode("ascii").split(b"\x00")
