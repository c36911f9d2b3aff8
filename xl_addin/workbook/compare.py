"""Compare a recalculation engine with the values Microsoft Excel saved.

A workbook saved by Excel carries, in every formula cell, Excel's own result (the cached
``<v>``): the answer to match. :func:`compare` recalculates a private copy of the workbook with
one engine (:func:`xl_addin.recalc.recalculate` with ``engine=``, as ``xl-addin recalc --engine``
does; the original is only read) and classifies every formula cell (a cell with an ``<f>``, and
every cell of a legacy array formula's range):

* **matched** -- the engine's value equals Excel's: numbers within 1e-9 relative (and exactly
  equal when either is 0), text and booleans exact, error codes exact; a number, a text, a
  boolean and an error never match one another;
* **computed differently** -- the engine gave a value, and it is not Excel's;
* **not computed** -- the engine reported the cell as not computed: the recalculation refused the
  whole workbook (:class:`~xl_addin.recalc.RecalcError`, e.g. ``--engine native`` on a function
  it lacks), or the report lists the cell as not computed (see :func:`not_computed_cells`), or the
  cell is a what-if data table's (``<f t="dataTable">``), which recalc leaves as Excel saved it.

A formula cell without a cached value (no ``<v>``, not a text formula) has no answer to match and
is not counted (``Figures.no_cached_value``).

The values are read from the sheet XML of both files with the same reader (shared strings,
inline strings, ``_xHHHH_`` escapes undone as Excel defines them), never with the code under
test. The per-workbook, per-engine figures of the corpus in tests/corpus/ are recorded in
tests/golden/corpus_figures.csv (``scripts/corpus_report.py --golden``).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import posixpath
import re
import resource
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET

__all__ = [
    "DIFFERENT",
    "MATCHED",
    "NOT_COMPUTED",
    "CellOutcome",
    "ExcelError",
    "Figures",
    "Limits",
    "compare",
    "formula_functions",
    "not_computed_cells",
    "read_formula_cells",
    "same_value",
]

MATCHED = "matched"
DIFFERENT = "computed differently"
NOT_COMPUTED = "not computed"

_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL_TOL = 1e-9
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
_FUNCTION = re.compile(r"(?<![A-Za-z0-9_.])((?:_xlfn\.|_xlws\.)?[A-Za-z][A-Za-z0-9_.]*)\(")
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
#: A CellError message that says the engine did not compute the cell (today's recalc says
#: "not evaluated" for a cell it has no value for).
_NOT_COMPUTED_MESSAGE = re.compile(r"\bnot (?:evaluated|computed)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ExcelError:
    """An error value (``#DIV/0!``, ``#N/A``, ...), distinct from the text of the same name."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class FormulaCell:
    sheet: str
    ref: str  # "B7"
    formula: str  # the formula text (a shared formula's master text for its other cells)
    kind: str  # "normal", "shared", "array" (a cell of an array range), "dataTable"
    value: Any  # Excel's cached value; _NO_VALUE when the file has none


@dataclass(frozen=True)
class CellOutcome:
    sheet: str
    ref: str
    formula: str
    excel: Any
    engine: Any  # the engine's value (None when not computed)
    status: str  # MATCHED, DIFFERENT or NOT_COMPUTED
    note: str = ""  # why not computed (the engine's words)

    @property
    def functions(self) -> tuple[str, ...]:
        return formula_functions(self.formula)


@dataclass
class Figures:
    workbook: str
    engine: str
    formula_cells: int = 0
    matched: int = 0
    different: int = 0
    not_computed: int = 0
    no_cached_value: int = 0
    engine_used: str = ""  # what the recalc report names (e.g. "formulas (why)")
    refused: str = ""  # the reason, when the engine refused the whole workbook
    cells: list[CellOutcome] = field(default_factory=list)

    def add(self, outcome: CellOutcome) -> None:
        self.cells.append(outcome)
        self.formula_cells += 1
        if outcome.status == MATCHED:
            self.matched += 1
        elif outcome.status == DIFFERENT:
            self.different += 1
        else:
            self.not_computed += 1

    def row(self) -> dict[str, object]:
        """The golden-file row (tests/golden/corpus_figures.csv)."""
        return {
            "workbook": self.workbook,
            "engine": self.engine,
            "formula_cells": self.formula_cells,
            "matched": self.matched,
            "different": self.different,
            "not_computed": self.not_computed,
        }


_NO_VALUE = object()


def formula_functions(formula: str) -> tuple[str, ...]:
    """The function names a formula calls, upper-case, in order, without ``_xlfn.`` prefixes
    (string literals are ignored): ``formula_functions('IF(A1>0,SUM(B:B),"x(")')`` →
    ``('IF', 'SUM')``."""
    text = _STRING_LITERAL.sub('""', formula)
    names = []
    for m in _FUNCTION.finditer(text):
        name = m.group(1).upper()
        for prefix in ("_XLFN.", "_XLWS."):
            name = name.removeprefix(prefix)
        if name not in names:
            names.append(name)
    return tuple(names)


def same_value(excel: Any, engine: Any) -> bool:
    """Excel's rule for a match: numbers within 1e-9 relative (exact when either is 0), text and
    booleans exact, error codes exact; values of different kinds never match."""
    if isinstance(excel, bool) or isinstance(engine, bool):
        return type(excel) is type(engine) and excel == engine
    if isinstance(excel, float) and isinstance(engine, float):
        if excel == engine:
            return True
        if excel == 0 or engine == 0 or not (math.isfinite(excel) and math.isfinite(engine)):
            return False
        return math.isclose(excel, engine, rel_tol=_REL_TOL, abs_tol=0.0)
    if type(excel) is not type(engine):
        return False
    return bool(excel == engine)


# ---------------------------------------------------------------------------------------------
# Reading values from the sheet XML
# ---------------------------------------------------------------------------------------------
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ns(root: Any) -> str:
    """``{namespace}`` of a part's root element: transitional or strict (ISO/IEC 29500 Strict
    uses http://purl.oclc.org/ooxml/spreadsheetml/main) alike."""
    return root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""


def _attr(element: Any, local: str) -> str | None:
    """An attribute by its local name, whatever its namespace (``r:id``)."""
    for key, value in element.attrib.items():
        if _local(key) == local and key != local:
            return str(value)
    return None


def _unescape_excel(text: str) -> str:
    """Undo Excel's ``_xHHHH_`` escapes (ECMA-376 Part 1, 22.9.2.19 ST_Xstring)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _text_of(element: Any) -> str:
    """The text of a ``<si>`` / ``<is>``: its ``<t>``, or its runs' ``<t>``s (not phonetic ones)."""
    parts = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    return _unescape_excel("".join(parts))


def _sheets(z: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part) of every worksheet, in workbook order."""
    wb = SafeET.fromstring(z.read("xl/workbook.xml"))
    rels = SafeET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.iter(f"{{{_NS_PKG}}}Relationship"):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id")] = posixpath.normpath(path)
    out = []
    for sh in wb.iter(f"{_ns(wb)}sheet"):
        part = targets.get(_attr(sh, "id"), "")
        if part.startswith("xl/worksheets/"):
            out.append((sh.get("name", ""), part))
    return out


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    try:
        data = z.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    root = SafeET.fromstring(data)
    return [_text_of(si) for si in root.iter(f"{_ns(root)}si")]


def _cell_value(c: Any, strings: list[str], ns: str) -> Any:
    t = c.get("t", "n")
    if t == "inlineStr":
        is_ = c.find(f"{ns}is")
        return _text_of(is_) if is_ is not None else ""
    v = c.find(f"{ns}v")
    text = v.text if v is not None else None
    if t == "str":
        return _unescape_excel(text or "")
    if text is None:
        return _NO_VALUE
    if t == "s":
        return strings[int(text)]
    if t == "b":
        return text.strip() in ("1", "true")
    if t == "e":
        return ExcelError(text.strip())
    if t == "d":
        return text
    return float(text)


def _split(ref: str) -> tuple[int, int]:
    m = _REF.fullmatch(ref.upper())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _range(ref: str) -> Iterator[str]:
    first, _, last = ref.upper().replace("$", "").partition(":")
    r1, c1 = _split(first)
    r2, c2 = _split(last or first)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            yield f"{_letters(c)}{r}"


def _sheet_values(z: zipfile.ZipFile, part: str, strings: list[str]) -> dict[str, Any]:
    """Every cell's value in a sheet part (``_NO_VALUE`` where it has none)."""
    root = SafeET.fromstring(z.read(part))
    ns = _ns(root)
    return {c.get("r", "").upper(): _cell_value(c, strings, ns) for c in root.iter(f"{ns}c")}


def read_formula_cells(path: Path | str) -> list[FormulaCell]:
    """Every formula cell of a workbook with its cached value, in sheet and document order."""
    out: list[FormulaCell] = []
    with zipfile.ZipFile(path) as z:
        strings = _shared_strings(z)
        for name, part in _sheets(z):
            root = SafeET.fromstring(z.read(part))
            ns = _ns(root)
            values: dict[str, Any] = {}
            shared: dict[str, str] = {}
            formulas: dict[str, tuple[str, str]] = {}
            array_cells: dict[str, str] = {}
            for c in root.iter(f"{ns}c"):
                ref = c.get("r", "").upper()
                values[ref] = _cell_value(c, strings, ns)
                f = c.find(f"{ns}f")
                if f is None:
                    continue
                kind = f.get("t", "normal")
                text = f.text or ""
                if kind == "shared":
                    si = f.get("si", "")
                    if text:
                        shared[si] = text
                    text = text or shared.get(si, "")
                formulas[ref] = (kind, text)
                if kind == "array" and f.get("ref"):
                    for cell in _range(f.get("ref", "")):
                        array_cells.setdefault(cell, text)
            for ref, text in array_cells.items():
                if ref not in formulas:
                    formulas[ref] = ("array", text)
            for ref, (kind, text) in formulas.items():
                out.append(FormulaCell(name, ref, text, kind, values.get(ref, _NO_VALUE)))
    return out


# ---------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------
def not_computed_cells(report: Any) -> dict[tuple[str, str], str]:
    """(sheet, cell) → the engine's words, for every cell a recalc report says it did not
    compute: the entries of ``report.not_computed`` if the report has that list (CellError-like
    objects, or ``"Sheet!A1"`` texts), and the
    entries of ``report.errors`` marked ``not_computed=True`` or whose message says "not
    computed" / "not evaluated". An error value the engine computed (``#DIV/0!``) is not one."""
    out: dict[tuple[str, str], str] = {}
    listed: list[Any] = list(getattr(report, "not_computed", None) or ())
    for item in listed:  # "Sheet!A1" / "'My Sheet'!A1" as well as CellError-like entries
        if isinstance(item, str):
            sheet, _, ref = item.rpartition("!")
            if sheet.startswith("'") and sheet.endswith("'"):
                sheet = sheet[1:-1].replace("''", "'")
            out.setdefault((sheet, ref.upper().replace("$", "")), "not computed")
    listed = [item for item in listed if not isinstance(item, str)]
    for err in [*listed, *getattr(report, "errors", ())]:
        explicit = err in listed or getattr(err, "not_computed", False)
        message = str(getattr(err, "message", ""))
        if explicit or _NOT_COMPUTED_MESSAGE.search(message):
            key = (str(err.sheet), str(err.cell).upper().replace("$", ""))
            out.setdefault(key, f"{getattr(err, 'code', '')} {message}".strip())
    return out


@dataclass(frozen=True)
class Limits:
    """What one engine may take on one workbook: past either, every formula cell of the
    workbook is "not computed" (the engine did not finish), e.g. the formulas library on a
    whole-column reference (``SUM(A:A)``), which runs to many GiB."""

    seconds: float = 300.0
    memory_bytes: int = 3 * 2**30  # growth of the address space over the engine's start


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(
    conn: Any, path: Path, engine: str, name: str, memory_bytes: int, seconds: float
) -> None:
    # a LibreOffice this child starts runs in its own process group, which killing the child
    # does not reach: its `timeout` then ends it shortly after the child's own limit
    os.environ["XL_ADDIN_SOFFICE_SECONDS"] = str(int(seconds) + 30)
    try:
        limit = _vm_size() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        conn.send(("ok", _compare(path, engine, name)))
    except MemoryError:
        conn.send(("limit", f"the engine ran past {memory_bytes / 2**30:g} GiB of memory"))
    except BaseException as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()
        # os._exit skips atexit: end the child's LibreOffice (engine "libreoffice" or an auto
        # fallback) here, or it would outlive the comparison
        office = sys.modules.get("xl_addin.workbook.libreoffice")
        if office is not None:
            with contextlib.suppress(BaseException):
                office.shutdown()
        os._exit(0)


def _all_not_computed(path: Path, figures: Figures, reason: str) -> Figures:
    figures.refused = reason
    for cell in read_formula_cells(path):
        if cell.value is _NO_VALUE:
            figures.no_cached_value += 1
            continue
        figures.add(
            CellOutcome(cell.sheet, cell.ref, cell.formula, cell.value, None, NOT_COMPUTED, reason)
        )
    return figures


#: Modules an engine loads on its first workbook, imported once in the parent before the
#: children are forked so that each child does not pay for them again (the formulas library
#: imports lazily: ~2 s and ~1,100 modules on its first workbook).
_PRELOAD = {"formulas": ("formulas", "formulas.excel", "formulas.functions", "schedula")}
_preloaded: set[str] = set()


def _preload(engine: str) -> None:
    if engine in _preloaded:
        return
    import importlib
    import pkgutil

    for module in _PRELOAD.get(engine, ()):
        mod = importlib.import_module(module)
        if module.endswith(".functions"):  # and every function module in it
            for sub in pkgutil.iter_modules(getattr(mod, "__path__", [])):
                importlib.import_module(f"{module}.{sub.name}")
    importlib.import_module("xl_addin.recalc")
    _preloaded.add(engine)


def compare(
    path: Path | str, engine: str, *, name: str | None = None, limits: Limits | None = None
) -> Figures:
    """Recalculate a private copy of ``path`` with ``engine`` (``native``, ``formulas``, or
    any engine :func:`xl_addin.recalc.recalculate` accepts) and classify every formula cell
    against Excel's cached value. The workbook itself is only read.

    ``limits``: run the engine in a child process (forked) held to that time and memory; an
    engine that does not finish within them computed nothing (every cell "not computed")."""
    path = Path(path)
    name = name or path.name
    if limits is None:
        return _compare(path, engine, name)
    _preload(engine)
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    args = (child, path, engine, name, limits.memory_bytes, limits.seconds)
    proc = ctx.Process(target=_child, args=args)
    proc.start()
    child.close()
    try:
        if parent.poll(limits.seconds):
            try:
                status, result = parent.recv()
            except EOFError:
                status, result = "limit", "the engine's process died (out of memory?)"
        else:
            status, result = "limit", f"the engine ran past {limits.seconds:g} s"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    if status == "ok":
        return result  # type: ignore[no-any-return]
    if status == "error":
        raise RuntimeError(f"{name} ({engine}): {result}")
    return _all_not_computed(path, Figures(workbook=name, engine=engine), result)


def _compare(path: Path, engine: str, name: str) -> Figures:
    from ..recalc import RecalcError, recalculate

    figures = Figures(workbook=name, engine=engine)
    cells = read_formula_cells(path)
    with tempfile.TemporaryDirectory(prefix="xl-addin-compare-") as tmp:
        copy = Path(tmp) / f"input{path.suffix or '.xlsx'}"
        copy.write_bytes(path.read_bytes())
        out = Path(tmp) / f"output{path.suffix or '.xlsx'}"
        try:
            report = recalculate(copy, out, allow_errors=True, engine=engine)
        except RecalcError as exc:
            return _all_not_computed(path, figures, str(exc).replace(str(copy), path.name))
        figures.engine_used = str(getattr(report, "engine", "") or engine)
        skipped = not_computed_cells(report)
        computed: dict[str, dict[str, Any]] = {}
        with zipfile.ZipFile(out) as z:
            strings = _shared_strings(z)
            for sheet, part in _sheets(z):
                computed[sheet] = _sheet_values(z, part, strings)
    for cell in cells:
        if cell.value is _NO_VALUE:
            figures.no_cached_value += 1
            continue
        why = skipped.get((cell.sheet, cell.ref))
        if cell.kind == "dataTable":
            why = "a what-if data table: left as Excel saved it"
        if why is not None:
            outcome = CellOutcome(
                cell.sheet, cell.ref, cell.formula, cell.value, None, NOT_COMPUTED, why
            )
        else:
            got = computed.get(cell.sheet, {}).get(cell.ref, _NO_VALUE)
            got = None if got is _NO_VALUE else got
            status = MATCHED if same_value(cell.value, got) else DIFFERENT
            outcome = CellOutcome(cell.sheet, cell.ref, cell.formula, cell.value, got, status)
        figures.add(outcome)
    return figures
