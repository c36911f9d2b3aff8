"""Workbooks that read right without the add-in.

A colleague without the add-in sees, in a cell that calls LIQPREF or WATERFALL, the value the
file has cached -- unless the spreadsheet recalculates on open: then every such cell is
``#NAME?`` (the function is unknown) and a chart over them is empty.

* :func:`cached_values_on_load` -- the recalculated file (``xl-addin recalc``) no longer asks for
  a recalculation on open: ``fullCalcOnLoad`` (which openpyxl writes into every file it saves)
  is removed from ``<calcPr>`` and ``calcId`` set to Excel 365's calculation engine (191029).
  Excel recalculates a file fully when it was last calculated by another engine version, so a
  low ``calcId`` would have the same effect. A spreadsheet that honours cached values (Excel
  2019 / 365) then shows the computed values and the chart has data.
* :func:`values_copy` (``xl-addin values IN -o OUT``) -- a copy for distribution in which every
  formula that calls an add-in function is replaced by its cached value. LibreOffice recomputes
  legacy array formulas (the add-in's array blocks) whatever the file says, so only a copy
  without those formulas reads right everywhere. Formulas of Excel's own functions stay (they
  recompute from the values to the same result). Nothing else changes: every other part is
  copied byte for byte, except ``xl/calcChain.xml`` (Excel's list of formula cells, rebuilt by
  Excel) which is dropped with its relationship and content type. The input is read with the
  same guards as ``xl-addin recalc`` (zip bombs, DTDs, corrupt parts); the output is written
  atomically and never over an existing file unless ``force``.

The add-in's function names come from the function table (:func:`xl_addin.functions.table`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "EXCEL_CALC_ID",
    "ValuesReport",
    "addin_call",
    "cached_values_on_load",
    "values_copy",
]

#: The calculation-engine id Excel 2019 / 365 writes (``<calcPr calcId="191029"/>``).
EXCEL_CALC_ID = b"191029"

_CALC_PR = re.compile(rb"<(?:[\w.-]+:)?calcPr\b[^>]*>")
_ATTR = rb'\s%s\s*=\s*(?:"[^"]*"|\'[^\']*\')'


def cached_values_on_load(workbook_xml: bytes) -> bytes:
    """``xl/workbook.xml`` whose ``<calcPr>`` asks for no recalculation on open: without
    ``fullCalcOnLoad``/``forceFullCalc``, with ``calcId`` = :data:`EXCEL_CALC_ID`. Unchanged
    (the same object) when there is no ``<calcPr>`` or it already says so."""
    m = _CALC_PR.search(workbook_xml)
    if m is None:
        return workbook_xml
    tag = m.group(0)
    new = tag
    for name in (b"fullCalcOnLoad", b"forceFullCalc"):
        new = re.sub(_ATTR % name, b"", new)
    calc_id = re.compile(_ATTR % b"calcId")
    if calc_id.search(new):
        new = calc_id.sub(b' calcId="' + EXCEL_CALC_ID + b'"', new, count=1)
    else:
        cut = len(new) - (2 if new.endswith(b"/>") else 1)
        new = new[:cut].rstrip() + b' calcId="' + EXCEL_CALC_ID + b'"' + new[cut:]
    if new == tag:
        return workbook_xml
    return workbook_xml[: m.start()] + new + workbook_xml[m.end() :]


def _addin_pattern(names: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    # a call NAME( -- also as written by other hosts: _xludf.NAME(, a namespace NS.NAME(, the
    # long name LibreOffice Calc saves in an .xlsx (ORG.IFX.XLADDIN.XLADDIN.NAME()
    return re.compile(rf"(?<![\w.])(?:[A-Za-z_][\w]*\.)*(?:{alternatives})\s*\(", re.I)


_PATTERN: list[re.Pattern[str]] = []


def addin_call(formula: str) -> str | None:
    """The first add-in function ``formula`` calls (outside string literals), or None."""
    from .calc_copy import _STRING_LITERAL

    if not _PATTERN:
        from ..functions import table

        _PATTERN.append(_addin_pattern(f.name for f in table()))
    m = _PATTERN[0].search(_STRING_LITERAL.sub('""', formula))
    return m.group(0).rstrip("( ").split(".")[-1].upper() if m else None


@dataclass
class ValuesReport:
    source: Path
    output: Path
    cells: int = 0  # formula cells replaced by their value
    functions: dict[str, int] = field(default_factory=dict)  # add-in function → cells
    warnings: list[str] = field(default_factory=list)


def _formula_free(element: bytes, prefix: bytes) -> bytes:
    """A ``<c>`` without its ``<f>``; a formula string (``t="str"``) becomes inline text."""
    p = re.escape(prefix)
    out = re.sub(rb"<" + p + rb"f\b[^>]*?(?:/>|>.*?</" + p + rb"f>)", b"", element, flags=re.S)
    om = re.match(rb"<" + p + rb"c\b[^>]*?>", out)
    assert om is not None
    if re.search(rb'\st\s*=\s*"str"', om.group(0)):
        vm = re.search(rb"<" + p + rb"v\b[^>]*>(.*?)</" + p + rb"v>", out, re.S)
        text = vm.group(1) if vm else b""
        space = b' xml:space="preserve"' if text != text.strip() else b""
        inline = b"<" + prefix + b"is><" + prefix + b"t" + space + b">" + text
        inline += b"</" + prefix + b"t></" + prefix + b"is>"
        open_tag = re.sub(rb'\st\s*=\s*"str"', b' t="inlineStr"', om.group(0))
        body = out[om.end() :]
        body = body.replace(vm.group(0), inline, 1) if vm else inline + body
        out = open_tag + body
    return out


def _has_value(element: bytes, prefix: bytes) -> bytes | None:
    """The cached value of a ``<c>`` (the ``<v>`` text; b"" for inline text or an empty
    string result), or None if it has none (no ``<v>``, or an empty one as openpyxl writes)."""
    p = re.escape(prefix)
    vm = re.search(rb"<" + p + rb"v\b[^>]*?(?:/>|>(.*?)</" + p + rb"v>)", element, re.S)
    om = re.match(rb"<" + p + rb"c\b[^>]*>", element)
    is_text = bool(om and re.search(rb'\st\s*=\s*"(?:str|inlineStr)"', om.group(0)))
    if vm and vm.group(1):
        return vm.group(1)
    if re.search(rb"<" + p + rb"is\b", element) or (vm and is_text):
        return b""
    return None


def _without_calc_chain(parts: dict[str, bytes]) -> dict[str, bytes]:
    """The edits that drop ``xl/calcChain.xml``'s relationship and content type."""
    edits: dict[str, bytes] = {}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in parts:
        edits[rels] = re.sub(
            rb"<(?:[\w.-]+:)?Relationship\b[^>]*calcChain[^>]*?(?:/>|>\s*</(?:[\w.-]+:)?"
            rb"Relationship>)",
            b"",
            parts[rels],
        )
    types = "[Content_Types].xml"
    if types in parts:
        edits[types] = re.sub(
            rb"<(?:[\w.-]+:)?Override\b[^>]*calcChain[^>]*?(?:/>|>\s*</(?:[\w.-]+:)?Override>)",
            b"",
            parts[types],
        )
    return {k: v for k, v in edits.items() if v != parts[k]}


def values_copy(src: Path | str, dst: Path | str, *, force: bool = False) -> ValuesReport:
    """Write ``dst``: ``src`` with every formula that calls an add-in function replaced by its
    cached value (see the module docstring). Raises ``RecalcError`` (one line) when ``src``
    cannot be read, a formula has no cached value or a ``#NAME?`` one (the workbook was saved
    without the add-in: recalculate it first), or ``dst`` exists (without ``force``);
    ``OutputError`` when ``dst`` cannot be written."""
    from .. import recalc

    src, dst = Path(src), Path(dst)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise recalc.RecalcError(f"{dst}: is the input (give another output file)")
    if dst.is_dir():
        raise recalc.OutputError(f"{dst}: is a folder (give a file name)")
    if dst.exists() and not force:
        raise recalc.OutputError(f"{dst}: already exists (use --force to replace it)")
    if not dst.parent.is_dir():
        why = "not a folder" if dst.parent.exists() else "no such folder"
        raise recalc.OutputError(f"{dst}: cannot write ({dst.parent}: {why})")
    if src.suffix.lower() != dst.suffix.lower() and ".xlsm" in (
        src.suffix.lower(),
        dst.suffix.lower(),
    ):
        raise recalc.RecalcError(
            f"{dst}: give it the input's extension {src.suffix} (the copy keeps the "
            "workbook's macros, or has none)"
        )
    try:
        return _values_copy(src, dst)
    except recalc.RecalcError as exc:
        message = str(exc)
        if isinstance(exc, recalc.OutputError) or message.startswith(f"{src}:"):
            raise
        raise recalc.RecalcError(f"{src}: {message}") from None


def _values_copy(src: Path, dst: Path) -> ValuesReport:
    from .. import recalc

    members = recalc._read_zip(src)
    content = {info.filename: data for info, data in members}
    sheets = recalc._sheet_parts(content)
    report = ValuesReport(src, dst)
    replaced: dict[str, bytes] = {}
    missing: list[tuple[str, str]] = []  # (Sheet!A1, why)
    for sname, part in sheets:
        scan = recalc._scan_sheet(sname, part, content[part])
        shared: set[bytes] = set()  # shared formulas whose master calls the add-in
        for cell in scan.cells():
            if cell.formula is None or not cell.formula_text:
                continue
            attrs = recalc._attrs(cell.formula)
            if attrs.get(b"t") == b"shared" and addin_call(cell.formula_text):
                shared.add(attrs.get(b"si", b""))
        edits: dict[tuple[int, int], Callable[[bytes | None], bytes]] = {}
        for cell in scan.cells():
            if cell.formula is None:
                continue
            attrs = recalc._attrs(cell.formula)
            name = addin_call(cell.formula_text) if cell.formula_text else None
            if name is None and attrs.get(b"t") == b"shared" and attrs.get(b"si") in shared:
                name = "(shared formula)"
            if name is None:
                continue
            element = scan.data[cell.start : cell.end]
            ref = f"{recalc._col_letters(cell.col)}{cell.row}"
            value = _has_value(element, scan.prefix)
            if value is None or value.strip() == b"#NAME?":
                why = "no cached value" if value is None else "a cached #NAME?"
                sheet = sname if re.fullmatch(r"\w+", sname) else f"'{sname}'"
                missing.append((f"{sheet}!{ref}", f"{why} ({name})"))
                continue
            edits[(cell.row, cell.col)] = lambda el, pre=scan.prefix: _formula_free(el, pre)
            report.functions[name] = report.functions.get(name, 0) + 1
        if edits:
            replaced[part] = recalc._apply(scan, edits)
            report.cells += len(edits)
    if missing:
        where, why = missing[0]
        more = f" (and {len(missing) - 1} more cells)" if len(missing) > 1 else ""
        raise recalc.RecalcError(
            f"{where}{more}: an add-in formula with {why}: recalculate the workbook first "
            "(xl-addin recalc, or Excel with the add-in) and make the copy from that"
        )
    workbook = cached_values_on_load(content["xl/workbook.xml"])
    if workbook is not content["xl/workbook.xml"]:
        replaced["xl/workbook.xml"] = workbook
    for name, text in recalc._defined_names(content).items():
        if addin_call(text):
            report.warnings.append(f"defined name {name} calls {addin_call(text)}: kept")
    kept = members
    if "xl/calcChain.xml" in content:
        kept = [(i, d) for i, d in members if i.filename != "xl/calcChain.xml"]
        replaced.update(_without_calc_chain({**content, **replaced}))
    recalc._write_zip(dst, kept, replaced)
    return report
