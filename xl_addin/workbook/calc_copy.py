"""The copy of a workbook the engines compute on, and links they never follow.

A formula that refers to another workbook (``[1]Sheet1!A1``, ``'C:\\x\\[b.xlsx]S'!A1``) or is a
DDE link (``cmd|' /C calc'!A0``) is never followed: :func:`foreign_reference` finds it, the
engine's copy of the sheet gets a formula that cannot reach it (:func:`_calc_copy_part`, which
also drops the stale cached values of an array formula's other cells), and every
``xl/externalLinks/*`` part is named as a warning (:func:`_external_links`). Moved out of
:mod:`xl_addin.recalc`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from .sheetxml import _apply, _range_cells, _Sheet, _without_value
from .xmltext import _attrs, _unescape
from .zipio import _xml

_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
#: A reference to another workbook: ``[1]Sheet1!A1``, ``'[1]My Sheet'!A1``, ``[1]!Name``,
#: ``'C:\dir\[book.xlsx]Sheet1'!A1`` (a structured reference ``Table[Col]`` has no ``!``).
_EXTERNAL = re.compile(
    r"(?:'[^'\[\]]*)?\[[^\[\]]+\](?:[\w.]+|[^'\[\]]*')?!"
    r"(?:\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?|[\w.]+)?"
)
#: A DDE link: ``cmd|' /C calc'!A0``, ``Server|Topic!Item``.
_DDE = re.compile(r"[A-Za-z_][\w.]*\|(?:'[^']*'|[\w.]+)!(?:[\w.$:]+)?")


def foreign_reference(formula: str) -> str | None:
    """The first reference of ``formula`` to another workbook or a DDE link (never followed),
    if any: ``foreign_reference("=[1]Sheet1!A1*2") == "[1]Sheet1!A1"``."""
    if "[" not in formula and "|" not in formula:
        return None
    bare = _STRING_LITERAL.sub('""', formula)
    m = _EXTERNAL.search(bare) or _DDE.search(bare)
    return m.group(0) if m else None


def _foreign_message(ref: str) -> str:
    if "|" in ref and "[" not in ref:
        return f"DDE link {ref} not run (DDE links are never run)"
    return f"reference to another workbook {ref} not followed (external links are not read)"


_F_CONTENT = re.compile(rb"(<(?:[\w.-]+:)?f\b[^>]*?)(?:/>|>.*?</(?:[\w.-]+:)?f>)", re.S)


def _neutralized(element: bytes | None, prefix: bytes = b"") -> bytes:
    """``element`` (a ``<c>``) for the engine only: a formula that refers to another workbook
    (or a DDE link) is never followed. With a cached value the cell becomes that constant, so
    the cells that depend on it compute with the value Excel last read from the link, as Excel
    itself does while links are not updated; without one its formula becomes ``#REF!``."""
    assert element is not None
    m = _F_CONTENT.search(element)
    assert m is not None
    p = re.escape(prefix)
    if re.search(rb"<" + p + rb"v\b[^>]*>[^<]+</" + p + rb"v>|<" + p + rb"is\b", element):
        return element[: m.start()] + element[m.end() :]
    ftag = m.group(1)
    close = b"</" + ftag[1:].split(None, 1)[0].rstrip(b"/>") + b">"
    return element[: m.start()] + ftag + b">#REF!" + close + element[m.end() :]


_NO_ATTRS: dict[bytes, bytes] = {}


def _may_need_calc_copy(data: bytes) -> bool:
    """Whether :func:`_calc_copy_part` may change a sheet: it holds an array formula or a
    ``[`` or ``|`` (another workbook, a DDE link), possibly as a character reference."""
    return any(x in data for x in (b"array", b"[", b"|", b"&#"))


def _calc_copy_part(scan: _Sheet, foreign: dict[tuple[int, int], str]) -> bytes | None:
    """The sheet for the engine: cached values of the non-anchor cells of array formulas
    removed (formulas would otherwise take a stale cached value as a constant), and formulas
    that refer to another workbook or a DDE link replaced by ``#REF!`` (each such cell, with the
    shared-formula cells and array cells that follow from it, is added to ``foreign``). None if
    the sheet needs no change."""
    members: set[tuple[int, int]] = set()
    shared_foreign: dict[bytes, str] = {}
    edits: dict[tuple[int, int], Callable[[bytes | None], bytes]] = {}
    for cell in scan.cells():
        if cell.formula is not None:
            fa = _attrs(cell.formula) if b"=" in cell.formula else _NO_ATTRS
            ref = None
            array = fa.get(b"t") == b"array" and b"ref" in fa
            if array:
                ref = fa[b"ref"].decode().upper().replace("$", "")
            bad = foreign_reference(cell.formula_text)
            if bad is None and fa.get(b"t") == b"shared" and fa.get(b"si") in shared_foreign:
                bad = shared_foreign[fa[b"si"]]
            elif bad is not None and fa.get(b"t") == b"shared" and b"si" in fa:
                shared_foreign[fa[b"si"]] = bad
            if bad is not None:
                edits[(cell.row, cell.col)] = lambda el, pre=scan.prefix: _neutralized(el, pre)
                foreign[(cell.row, cell.col)] = bad
                if array and ref is not None:
                    foreign.update({rc: bad for rc in _range_cells(ref)})
            elif array and ref is not None:
                members.update(rc for rc in _range_cells(ref) if rc != (cell.row, cell.col))
    for cell in scan.cells():
        if (cell.row, cell.col) in members and cell.formula is None:
            element = scan.data[cell.start : cell.end]
            if re.search(rb"<" + re.escape(scan.prefix) + rb"(?:v|is)\b", element):
                edits[(cell.row, cell.col)] = lambda el, pre=scan.prefix: _without_value(el, pre)
    return _apply(scan, edits) if edits else None


_DEFINED_NAME = re.compile(
    rb"(<(?:[\w.-]+:)?definedName\b[^>]*>)(.*?)(</(?:[\w.-]+:)?definedName>)", re.S
)


def _neutralized_names(workbook_xml: bytes, warnings: list[str]) -> bytes | None:
    """``xl/workbook.xml`` for the engine, with defined names that refer to another workbook
    or a DDE link defined as ``#REF!`` (each reported in ``warnings``); None if there are none."""

    def fix(m: re.Match[bytes]) -> bytes:
        bad = foreign_reference(_unescape(m.group(2).decode("utf-8", "replace")))
        if bad is None:
            return m.group(0)
        name = _attrs(m.group(1)).get(b"name", b"?").decode("utf-8", "replace")
        warnings.append(f"xl/workbook.xml: defined name {name}: {_foreign_message(bad)}")
        return m.group(1) + b"#REF!" + m.group(3)

    if b"[" not in workbook_xml and b"|" not in workbook_xml:
        return None
    new = _DEFINED_NAME.sub(fix, workbook_xml)
    return new if new != workbook_xml else None


def _external_links(parts: dict[str, bytes]) -> list[str]:
    """One line per ``xl/externalLinks/*`` part, naming what it links to (never read)."""
    out = []
    for name in sorted(parts):
        if not (name.startswith("xl/externalLinks/") and name.endswith(".xml")):
            continue
        if "/_rels/" in name:
            continue
        base = posixpath.basename(name)
        rels = parts.get(f"xl/externalLinks/_rels/{base}.rels")
        target = ""
        if rels is not None:
            root = _xml(f"xl/externalLinks/_rels/{base}.rels", rels)
            target = next((r.get("Target", "") for r in root), "")
        dde = re.search(rb'ddeService="([^"]*)"[^>]*?ddeTopic="([^"]*)"', parts[name])
        if not target and dde:
            target = _unescape(f"{dde.group(1).decode()}|{dde.group(2).decode()}")
        what = f"DDE link {target!r} not run" if dde else f"link to {target!r} not followed"
        out.append(f"{name}: {what} (external links are not read)")
    return out
