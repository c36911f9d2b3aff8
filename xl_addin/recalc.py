"""Headless recalculation of a workbook that uses the add-in: ``xl-addin recalc IN.xlsx``.

Every formula is evaluated by the native engine (:mod:`xl_addin.workbook.native.evaluator`),
with the add-in's functions (:mod:`xl_addin.udfs`) plugged in. A cell it cannot compute is
reported as not computed and keeps the value Excel cached (exit 1 unless ``allow_errors``); only
a workbook that calls none of the functions the ``formulas`` library is known to get wrong
(:mod:`xl_addin.workbook.trust`) is handed to that library instead. The computed values are then
written as the cached values of the formula cells.

The pieces live in :mod:`xl_addin.workbook`: ``zipio`` (the zip, read safely, written
atomically), ``sheetxml`` (a sheet edited as bytes, values written in one pass), ``xmltext``
(Excel's ``_xHHHH_`` escape), ``errors``, ``results`` (what an engine hands back),
``formulas_engine`` (the ``formulas`` library with the add-in plugged in), ``calc_copy`` (the
copy the engines compute on; links never followed); this module keeps the
orchestration, and re-exports the moved names; the command line is
:mod:`xl_addin.recalc_cli`.

Preservation: the output differs from the input ONLY in

* the cached value (``<v>``) of formula cells and of the other cells of a legacy array formula's
  range, and the cell's ``t`` attribute where the value's type needs it (``str``, ``b``, ``e``;
  none for a number); a cell of an array range that the file does not contain at all is inserted
  (``<c r=".."><v>..</v></c>``, in a new ``<row>`` if needed) -- Excel itself always writes them;
* with ``--set Name=value``: the value of the named input cell (a number, ``b`` or an
  ``inlineStr``; its style is kept) -- the one change to a non-formula cell.

Only ``xl/worksheets/*.xml`` parts are edited, as bytes (no XML re-serialisation); every other
zip member (styles, shared strings, defined names, validations, charts, drawings, images,
comments, VBA, calcChain, ...) is copied with the same name, order, date and compression type and
byte-identical content. Nothing is done to force a recalculation when Excel opens the file.

The output is written to a temporary file in the destination folder and moved into place with
:func:`os.replace`: it is either complete or absent. The default output is ``IN.recalc.xlsx``;
the input is only overwritten with ``in_place=True``. Cells that evaluate to an error are listed
(``Sheet!A1: #VALUE! LIQPREF: shares must be >= 0 (got -5)``); with any such cell nothing is
written unless ``allow_errors=True``.

Hostile and broken input (each a one-line :class:`RecalcError` ``<file>: <reason>``, nothing
written, the input untouched): a file that is not a zip (a CSV or text renamed .xlsx), an OLE2
container (a password-protected workbook or a legacy .xls), a truncated or corrupt zip, a part that
inflates past :data:`MAX_PART_BYTES` or a workbook past :data:`MAX_TOTAL_BYTES` (checked from the
zip headers and enforced while inflating, as headers can lie), more than :data:`MAX_MEMBERS`
members, an XML part with a DTD (entity expansion, external entities: refused before any parser
sees the part; every part read is parsed with defusedxml), a missing or corrupt sheet part, an
output folder that does not exist or cannot be written (:class:`OutputError`).

Formulas are data: neither engine runs code from a workbook (unknown functions are ``#NAME?``).
References to other workbooks (``[1]Sheet1!A1``, ``'C:\\x\\[b.xlsx]S'!A1``) and DDE links
(``cmd|' /C calc'!A0``) are never followed: such a cell is reported as ``#REF!`` naming the
reference, and every ``xl/externalLinks/*`` part as a warning naming its target; the formulas
library is only allowed to open the workbook itself.

Known limits: an omitted argument in the middle of a call (``LIQPREF(a,b,c,d,,r)``) reaches a
function as 0 (formulas' convention), not as "missing"; dynamic-array spills are computed from
the top-left cell only (openpyxl and formulas know legacy array formulas only); sheet-scoped
defined names are not seen by formulas (global names only).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from .workbook.calc_copy import (
    _NO_ATTRS,
    _calc_copy_part,
    _external_links,
    _foreign_message,
    _may_need_calc_copy,
    _neutralized_names,
)
from .workbook.calc_copy import _STRING_LITERAL as _STRING_LITERAL
from .workbook.calc_copy import foreign_reference as foreign_reference
from .workbook.errors import OutputError, RecalcError
from .workbook.formulas_engine import _addin_plain_functions as _addin_plain_functions
from .workbook.formulas_engine import _describe as _describe
from .workbook.formulas_engine import _evaluate_with_formulas as _evaluate_with_formulas
from .workbook.formulas_engine import adapt_udf as adapt_udf
from .workbook.formulas_engine import excel_yearfrac as excel_yearfrac
from .workbook.native.evaluator import (
    NATIVE_FUNCTIONS,
    PADDING,
    CorruptPart,
    Err,
    NotComputed,
    Unsupported,
    defined_names,
)
from .workbook.native.evaluator import col_letters as _col_letters
from .workbook.native.evaluator import evaluate as fast_evaluate
from .workbook.results import _MISSING as _MISSING
from .workbook.results import _Results as _Results
from .workbook.sheetxml import (
    _PLAIN_STRIDE,
    PlainSheet,
    number_values,
    plain_set_t,
    plain_sheet,
)
from .workbook.sheetxml import _apply as _apply
from .workbook.sheetxml import _Cell as _Cell
from .workbook.sheetxml import _input_cell_xml as _input_cell_xml
from .workbook.sheetxml import _number_text as _number_text
from .workbook.sheetxml import _range_cells as _range_cells
from .workbook.sheetxml import _rewrite_cell as _rewrite_cell
from .workbook.sheetxml import _scan_sheet as _scan_sheet
from .workbook.sheetxml import _serial as _serial
from .workbook.sheetxml import _Sheet as _Sheet
from .workbook.sheetxml import _split_ref as _split_ref
from .workbook.sheetxml import _v_and_t as _v_and_t
from .workbook.sheetxml import _without_value as _without_value
from .workbook.trust import LIBREOFFICE_KNOWN_WRONG, formulas_untrusted, functions_in
from .workbook.values import cached_values_on_load
from .workbook.xmltext import _attrs as _attrs
from .workbook.xmltext import _unescape as _unescape
from .workbook.zipio import MAX_MEMBERS as MAX_MEMBERS
from .workbook.zipio import MAX_PART_BYTES as MAX_PART_BYTES
from .workbook.zipio import MAX_TOTAL_BYTES as MAX_TOTAL_BYTES
from .workbook.zipio import _defined_names as _defined_names
from .workbook.zipio import _read_member as _read_member
from .workbook.zipio import _read_zip as _read_zip
from .workbook.zipio import _sheet_parts as _sheet_parts
from .workbook.zipio import _write_zip as _write_zip
from .workbook.zipio import _xml as _xml
from .workbook.zipio import date1904

__all__ = [
    "MAX_MEMBERS",
    "MAX_PART_BYTES",
    "MAX_TOTAL_BYTES",
    "CellError",
    "OutputError",
    "RecalcError",
    "RecalcReport",
    "excel_yearfrac",
    "named_values",
    "parse_value",
    "recalculate",
]


@dataclass(frozen=True)
class CellError:
    sheet: str
    cell: str
    code: str
    message: str
    not_computed: bool = False  # the engine did not compute the cell (its cached value kept)

    def __str__(self) -> str:
        sheet = self.sheet if re.fullmatch(r"\w+", self.sheet) else f"'{self.sheet}'"
        return f"{sheet}!{self.cell}: {self.code} {self.message}"


@dataclass
class RecalcReport:
    source: Path
    output: Path | None
    written: bool = False
    cells: int = 0
    errors: list[CellError] = field(default_factory=list)
    overrides: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    engine: str = ""  # "native", or "formulas (why the native evaluator could not)"
    warnings: list[str] = field(default_factory=list)  # e.g. external links not followed

    @property
    def ok(self) -> bool:
        return not self.errors


#: A number as ``--set`` takes it: ASCII digits, optional thousands groups of exactly three
#: digits (``1,000,000``), a decimal point, an exponent, a trailing ``%``.
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?%?|[+-]?\.\d+%?")
#: Text that is meant as a number (digits with separators, signs, %) but is not one above.
_NUMBERISH = re.compile(r"[\d\s.,_'+%eE-]*\d[\d\s.,_'+%eE-]*")


def parse_value(text: str) -> bool | float | int | dt.date | str:
    """``--set`` value: TRUE/FALSE, a number (``1,000`` and ``5%`` allowed), a date
    ``YYYY-MM-DD``, else text (quotes ``"..."`` force text).

    Ambiguous numbers are refused rather than guessed: ``0,1`` (a decimal comma, or a misplaced
    thousands separator?), ``1,,0``, ``1_000``, digits other than ASCII 0-9 (``١٢``)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == '"':
        return t[1:-1]
    if t.upper() in ("TRUE", "FALSE"):
        return t.upper() == "TRUE"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t, flags=re.ASCII):
        try:
            return dt.date.fromisoformat(t)
        except ValueError:
            raise RecalcError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None
    if any(ch.isdigit() and not ch.isascii() for ch in t):
        raise RecalcError(
            f"ambiguous number {text!r}: only the digits 0-9 are read as a number "
            '(quote it, "...", for text)'
        )
    if not _NUMBER.fullmatch(t):
        if _NUMBERISH.fullmatch(t):
            raise RecalcError(
                f"ambiguous number {text!r}: write it as 1234.5 or 1,234.5 (a comma only "
                'between groups of three digits; quote it, "...", for text)'
            )
        return text
    num = t.replace(",", "")
    pct = num.endswith("%")
    value = float(num[:-1] if pct else num)
    if not math.isfinite(value):
        raise RecalcError(f"not a finite number: {text!r}")
    if pct:
        return value / 100
    return int(num) if re.fullmatch(r"[+-]?\d+", num) else value


#: Sheet XML (bytes, all sheets) up to which the scans are kept from reading to writing.
_KEEP_SCANS = 16 * 2**20


def _resolve_name(
    name: str, names: dict[str, str], sheets: list[tuple[str, str]]
) -> tuple[str, str, int, int]:
    """(sheet name, part, row, col) of the one cell a defined name refers to."""
    text = names.get(name.upper())
    if text is None:
        raise RecalcError(f"--set {name}: no such defined name")
    m = re.fullmatch(r"(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Za-z]{1,3}\$?\d+)", text)
    if not m:
        raise RecalcError(f"--set {name}: refers to {text}, not to a single cell")
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    for sname, part in sheets:
        if sname.upper() == sheet.upper():
            r, c = _split_ref(m.group(3))
            return sname, part, r, c
    raise RecalcError(f"--set {name}: refers to a missing sheet {sheet!r}")


def _evaluate(
    path: Path, progress: bool, engine: str = "auto", parts: dict[str, bytes] | None = None
) -> _Results:
    """Every formula's value: the native evaluator (:mod:`xl_addin.fastcalc`) when the workbook
    stays within its subset, else the formulas library (``engine`` says which, and why).
    ``engine``: ``auto`` (that), ``native`` (no fallback) or ``formulas``. ``parts``: the
    zip's parts when the caller has read them (the native evaluator then reads no file)."""
    if engine == "formulas":
        return _evaluate_with_formulas(path, progress)
    if engine == "libreoffice":
        return _evaluate_with_libreoffice(path)
    try:
        results = _evaluate_fast(path, progress, parts)
    except Unsupported as why:
        if engine == "native":
            raise RecalcError(
                f"the native evaluator cannot evaluate this workbook: {why}"
            ) from None
        from .workbook import libreoffice  # issue #10: the next engine, where installed

        absent = libreoffice.not_for(str(why)) or libreoffice.available()
        if absent is None:
            results = _evaluate_with_libreoffice(path)
            results.engine = f"libreoffice ({why})"
            return results
        results = _evaluate_with_formulas(path, progress)
        results.engine = f"formulas ({why}; {absent})"
        return results
    left = [v for v in results.cells.values() if isinstance(v, NotComputed)]
    if not left or engine == "native":
        return results
    if _libreoffice_fills(path, results):
        return results
    left = [v for v in results.cells.values() if isinstance(v, NotComputed)]
    if not left:
        return results
    distrust = formulas_untrusted(set(results.used), [(v.reason, v.function) for v in left])
    if distrust is None and results.date1904:
        distrust = "the formulas library ignores the 1904 date system"
    if distrust is not None:  # reported cell by cell, never handed to a path known wrong
        results.engine = f"native; {len(left)} cell(s) not computed, {distrust}"
        return results
    fallback = _evaluate_with_formulas(path, progress)
    fallback.engine = f"formulas ({left[0].reason})"
    return fallback


#: What the native engine leaves that LibreOffice computes: a function or a form it lacks. Not a
#: circular reference, nesting too deep, a formula that cannot be read, a reference to another
#: workbook or a typed text argument: no other engine is asked about those.
_LIBREOFFICE_CAN = (
    "function ",
    "3-D references",
    "array constant",
    "a range of more than",
    "SUMIF",
    "data tables",
)


def _libreoffice_fills(path: Path, results: _Results) -> bool:
    """Issue #11 item 2, the next engine: where the native evaluator left cells not computed
    and LibreOffice with the extension is installed, those cells (and only those) take the value
    LibreOffice computes. An error value from LibreOffice is not taken (its error codes for
    invalid arguments differ from Excel's): the cell stays not computed, with LibreOffice's
    answer in the reason. True when LibreOffice ran (``results`` updated, its engine named)."""
    from .workbook import libreoffice

    def cause(v: NotComputed) -> str:
        return v.reason.rsplit("not computed: ", 1)[-1]

    left = {k: v for k, v in results.cells.items() if isinstance(v, NotComputed)}
    causes = {cause(v) for v in left.values()}
    left = {k: v for k, v in left.items() if cause(v).startswith(_LIBREOFFICE_CAN)}
    if (
        not left
        # a formula that cannot be read or an unknown function: no program is started (not
        # even the probe for LibreOffice's Python below)
        or any(libreoffice.not_for(c) for c in causes)
        # a function LibreOffice computes differently from Excel: its cells stay reported
        or results.used & LIBREOFFICE_KNOWN_WRONG
        or libreoffice.available() is not None
    ):
        return False
    reasons = {v.reason for v in left.values()}
    try:
        computed = libreoffice.evaluate(path)
    except libreoffice.LibreOfficeError:
        return False
    taken = 0
    for key, why in left.items():
        value = computed.get(key, _MISSING)
        if value is _MISSING:
            continue
        if isinstance(value, Err):
            results.cells[key] = NotComputed(
                f"{why.reason}; LibreOffice gave {value.code}, not taken (its error codes "
                "differ from Excel's)",
                why.function,
            )
            continue
        results.cells[key] = value
        taken += 1
    first = next(iter(sorted(reasons)))
    results.engine = f"native, LibreOffice for {taken} cell(s) ({first})"
    return True


def _evaluate_with_libreoffice(path: Path) -> _Results:
    """Every formula cell's value as LibreOffice computes it, with the add-in's extension
    (:mod:`xl_addin.workbook.libreoffice`: one warm LibreOffice for the whole run)."""
    from .workbook import libreoffice

    try:
        cells = libreoffice.evaluate(path)
    except libreoffice.LibreOfficeError as exc:
        raise RecalcError(str(exc)) from None
    return _Results(cells, {}, frozenset(), engine="libreoffice")


class _ProgressLine:
    """A one-line progress indicator on stderr (a terminal only), shown once a recalculation has
    taken more than half a second, erased at the end."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if time.perf_counter() - self.start < 0.5:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\rrecalc [{bar}] {done:,}/{total:,} formulas")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


def _evaluate_fast(
    path: Path, progress: bool = False, parts: dict[str, bytes] | None = None
) -> _Results:
    if parts is None:
        parts = {info.filename: data for info, data in _read_zip(path)}
    sheets = _sheet_parts(parts)
    functions = _addin_plain_functions()
    try:
        names = defined_names(parts["xl/workbook.xml"]) if "xl/workbook.xml" in parts else []
        line = _ProgressLine() if progress else None
        try:
            cells, ranges = fast_evaluate(parts, sheets, names, functions, line, partial=True)
        finally:
            if line is not None:
                line.close()
    except CorruptPart as exc:
        raise RecalcError(str(exc)) from None
    known = frozenset(functions) | NATIVE_FUNCTIONS
    used: frozenset[str] = frozenset()  # only asked about cells left not computed
    if any(isinstance(v, NotComputed) for v in cells.values()):
        used = frozenset().union(*(functions_in(parts[part]) for _, part in sheets))
    return _Results(cells, ranges, known, engine="native", used=used, date1904=date1904(parts))


def default_output(src: Path) -> Path:
    suffix = src.suffix or ".xlsx"
    return src.with_name(f"{src.stem}.recalc{suffix}")


def recalculate(
    src: Path | str,
    dst: Path | str | None = None,
    *,
    in_place: bool = False,
    overrides: dict[str, object] | None = None,
    allow_errors: bool = False,
    progress: bool = False,
    engine: str = "auto",
    overwrite: bool = True,
) -> RecalcReport:
    """Recalculate ``src`` and write it to ``dst`` (default ``IN.recalc.xlsx``; ``src`` itself
    only with ``in_place``). ``overrides``: defined name → value (a number, bool, date or text,
    or a ``--set`` text parsed with :func:`parse_value`) set in the named input cell first.

    Returns a :class:`RecalcReport`; with error cells and without ``allow_errors`` nothing is
    written (``report.written`` is False). Raises :class:`RecalcError` (one line,
    ``<file>: <reason>``) when the workbook cannot be read or evaluated, :class:`OutputError`
    (also an :class:`OSError`) when the output cannot be written; the destination is then
    untouched and no temporary file is left. ``overwrite=False``: an existing output is refused
    (:class:`OutputError`, before any work) and never replaced (the check is atomic with the
    write). A device, FIFO or socket as the output is always refused, never replaced.
    """
    src = Path(src)
    try:
        with _collector_paused():
            return _recalculate(
                src, dst, in_place, overrides, allow_errors, progress, engine, overwrite=overwrite
            )
    except OutputError:
        raise
    except RecalcError as exc:
        raise RecalcError(_located(src, str(exc))) from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except Exception as exc:  # a corrupt workbook the checks above did not foresee
        why = f"{type(exc).__name__}: {exc}"
        raise RecalcError(_located(src, f"cannot recalculate ({why})")) from exc


def _write_value(
    prefix: bytes,
    element: bytes | None,
    at: tuple[int, int],
    edit: tuple[bytes, bytes | None, bool],
) -> bytes:
    """The cell ``element`` (None: a new cell at ``at``) holding the computed value ``edit``
    (``<v>`` text, ``t`` attribute, whether the cell keeps its own ``<f>``)."""
    v, t, has_f = edit
    if element is None:
        ref = f"{_col_letters(at[1])}{at[0]}"
        element = b"<" + prefix + b'c r="' + ref.encode() + b'"/>'
    return _rewrite_cell(element, prefix, v, t, keep_f=has_f)


def _value_edit(
    value: Any,
    sname: str,
    r: int,
    c: int,
    text: Callable[[], str | None],
    values: _Results,
    report: RecalcReport,
    *,
    member: bool = False,
) -> tuple[bytes, bytes | None] | None:
    """The ``<v>`` text and ``t`` attribute a formula cell's computed ``value`` is written as,
    or None when the cell keeps its cached value (not evaluated, not computed); the cell
    reported in ``report.errors`` when it is an error or was not computed. ``text``: the
    cell's formula (for an error's message); ``member``: a cell of an array formula's range
    other than the first (a ``#N/A`` there is the padding of a block larger than the result)."""
    if value is _MISSING:
        report.errors.append(CellError(sname, f"{_col_letters(c)}{r}", "#N/A", "not evaluated"))
        return None
    if isinstance(value, NotComputed):  # reported; the cell keeps its cached value
        report.errors.append(
            CellError(
                sname, f"{_col_letters(c)}{r}", "not computed:", value.reason, not_computed=True
            )
        )
        return None
    v, t = _v_and_t(value)
    padding = t == b"e" and (  # spare cells of an array block larger than the result
        (member and v == b"#N/A") or getattr(value, "message", None) == PADDING
    )
    if t == b"e" and not padding:
        msg = getattr(value, "message", None) or _describe(v.decode(), text(), values.functions)
        report.errors.append(CellError(sname, f"{_col_letters(c)}{r}", v.decode(), msg))
    return v, t


def _write_plain(
    plain: PlainSheet, data: bytes, sname: str, values: _Results, report: RecalcReport
) -> bytes:
    """The sheet ``data`` (of the common layout, cut by :func:`plain_sheet`) with the computed
    values written into its formula cells: what the scan and :func:`_apply` write, with the
    same cells reported, in one pass -- the values looked up, formatted and joined by C code
    (one Python step per cell only for a value other than a finite number)."""
    pieces, step, keys = plain.pieces, _PLAIN_STRIDE, plain.keys
    n = len(keys)
    cells = list(map(values.cells.get, keys, repeat(_MISSING)))
    heads: list[bytes] = pieces[1::step]  # type: ignore[assignment]
    ts = pieces[4::step]  # the t attribute of the open tag, None if it has none
    tails: list[bytes] = pieces[5::step]  # type: ignore[assignment]
    numbers = number_values(cells)
    if numbers is not None:  # finite numbers (all of them): no error, no t attribute
        edited, tails = n, numbers
        if ts.count(None) != n:
            pairs = zip(heads, ts, strict=True)
            heads = [h if t is None else plain_set_t(h, None) for h, t in pairs]
    else:
        edited = 0
        by_number: dict[float, bytes] = {}  # <v>..</v></c> of a value seen before
        by_text: dict[str, bytes] = {}
        for i, value in enumerate(cells):
            kind = type(value)
            if kind is float:
                vt, t = by_number.get(value), None
            elif kind is str:
                vt, t = by_text.get(value), b"str"
            else:
                vt = None
            if vt is None:
                edit = _value_edit(
                    value,
                    sname,
                    keys[i][1],
                    keys[i][2],
                    functools.partial(plain.formula_text, i),
                    values,
                    report,
                )
                if edit is None:
                    continue  # the cell keeps its cached value
                v, t = edit
                vt = b"<v>" + v + b"</v></c>"
                if kind is float and t is None:
                    by_number[value] = vt
                elif kind is str and t == b"str":
                    by_text[value] = vt
            tails[i] = vt
            edited += 1
            if t is not None or ts[i] is not None:
                heads[i] = plain_set_t(heads[i], t)
    report.cells += edited
    # the bytes before each formula cell, its open tag and <f>, its value and end tag (the
    # pieces inside the open tag left out: half as many pieces to join)
    out: list[bytes] = [b""] * (3 * n + 3)
    out[0] = data[: plain.start]
    out[1:-1:3] = pieces[0::step]  # type: ignore[assignment]
    out[2:-1:3] = heads
    out[3:-1:3] = tails
    out[-1] = data[plain.end :]
    return b"".join(out)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a workbook is recalculated (restored
    after): a recalculation makes millions of small objects (cells, trees, values) that form
    no reference cycles, and the collector's passes over them took a third of the CPU time
    at 500,000 formula cells (issue #11 item 5). Memory is still freed by reference counting."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _located(path: Path, message: str) -> str:
    """``<file>: <reason>`` on one line."""
    lines = message.strip().splitlines() or ["error"]
    first = lines[0]
    return first if first.startswith(f"{path}:") else f"{path}: {first}"


def _recalculate(
    src: Path,
    dst: Path | str | None,
    in_place: bool,
    overrides: dict[str, object] | None,
    allow_errors: bool,
    progress: bool,
    engine: str,
    *,
    overwrite: bool = True,
) -> RecalcReport:
    t0 = time.perf_counter()
    if in_place:
        if dst is not None and Path(dst).resolve() != src.resolve():
            raise RecalcError("give either an output file or in_place, not both")
        out = src
    else:
        out = Path(dst) if dst is not None else default_output(src)
        if out.exists() and out.resolve() == src.resolve():
            raise RecalcError(f"{out}: would overwrite the input (use --in-place)")
    if out.is_dir():
        raise OutputError(f"{out}: is a folder (give a file name)")
    if os.path.lexists(out) and not out.is_file():
        raise OutputError(f"{out}: not a regular file (a device, FIFO or socket): refused")
    if not (overwrite or in_place) and os.path.lexists(out):
        raise OutputError(f"{out}: exists; pass --force to replace it")
    if not out.parent.is_dir():
        why = "not a folder" if out.parent.exists() else "no such folder"
        raise OutputError(f"{out}: cannot write ({out.parent}: {why})")
    report = RecalcReport(source=src, output=out)
    timings = report.timings

    members = _read_zip(src)
    content = {info.filename: data for info, data in members}
    sheets = _sheet_parts(content)
    sheet_by_part = {part: name for name, part in sheets}
    parts = dict(content)
    uses_1904 = date1904(content)

    # 1. --set: edit the named input cells
    for name, raw in (overrides or {}).items():
        try:
            value = parse_value(raw) if isinstance(raw, str) else raw
        except RecalcError as exc:
            raise RecalcError(f"--set {name}: {exc}") from None
        if value is None or not isinstance(value, (bool, int, float, str, dt.date)):
            raise RecalcError(f"--set {name}: unsupported value {raw!r}")
        sname, part, r, c = _resolve_name(name, _defined_names(content), sheets)
        scan = _scan_sheet(sname, part, parts[part])
        cell = next((x for x in scan.cells() if (x.row, x.col) == (r, c)), None)
        if cell is not None and cell.formula is not None:
            raise RecalcError(f"--set {name}: {sname}!{_col_letters(c)}{r} is a formula cell")
        prefix = scan.prefix
        ref = f"{_col_letters(c)}{r}"

        def make(element: bytes | None, ref: str = ref, prefix: bytes = prefix, v: Any = value):
            return _input_cell_xml(element, ref, prefix, v, date1904=uses_1904)

        try:
            parts[part] = _apply(scan, {(r, c): make})
        except RecalcError as exc:
            raise RecalcError(f"--set {name}: {exc}") from None
        report.overrides[name] = f"{sname}!{ref}"
    timings["read"] = time.perf_counter() - t0

    # 2. evaluate (a copy when there are overrides or stale cached values in array ranges)
    t1 = time.perf_counter()
    calc_parts = {p: d for p, d in parts.items() if d is not content[p]}
    foreign: dict[str, dict[tuple[int, int], str]] = {}  # part → cell → external reference
    # each sheet scanned once, the scan reused to write its values -- unless the sheets are
    # large: a scan takes ~370 bytes per cell, and kept through the evaluation it would add
    # 185 MB to the peak at 500,000 formula cells, more than scanning again costs (~1 s)
    scans: dict[str, _Sheet] = {}
    keep = sum(len(parts[p]) for p in sheet_by_part) <= _KEEP_SCANS
    for part, sname in sheet_by_part.items():
        foreign[part] = {}
        if not keep and not _may_need_calc_copy(parts[part]):
            continue  # nothing to strip: the sheet is scanned once, to write its values
        scan = _scan_sheet(sname, part, parts[part])
        if keep:
            scans[part] = scan
        stripped = _calc_copy_part(scan, foreign.setdefault(part, {}))
        if stripped is not None:
            calc_parts[part] = stripped
    workbook = _neutralized_names(parts["xl/workbook.xml"], report.warnings)
    if workbook is not None:
        calc_parts["xl/workbook.xml"] = workbook
    report.warnings.extend(_external_links(parts))
    with tempfile.TemporaryDirectory(prefix="xl-addin-recalc-") as tmpdir:
        calc_path = src
        if calc_parts:
            calc_path = Path(tmpdir) / ("input" + (src.suffix or ".xlsx"))
            _write_zip(calc_path, members, calc_parts)
        values = _evaluate(calc_path, progress, engine, {**content, **calc_parts})
    report.engine = values.engine
    timings["evaluate"] = time.perf_counter() - t1

    # 3. write the values into the formula cells
    t2 = time.perf_counter()
    replaced: dict[str, bytes] = {p: d for p, d in parts.items() if d is not content[p]}
    for part, sname in sheet_by_part.items():
        plain = None if foreign[part] else plain_sheet(parts[part], sname.upper())
        if plain is not None:  # the common layout: one pass of regular expressions
            scans.pop(part, None)
            new = _write_plain(plain, parts[part], sname, values, report)
            if new != content[part]:
                replaced[part] = new
            continue
        scan = scans.pop(part, None) or _scan_sheet(sname, part, parts[part])
        key = sname.upper()
        # cell → the cell itself when it has its own <f>, None for the other cells of an
        # array formula's range (whose formula text is that of the array's first cell)
        targets: dict[tuple[int, int], _Cell | None] = {}
        member_texts: dict[tuple[int, int], str] = {}
        arrays: dict[tuple[int, int], str] = {}  # cell → the ref of its array formula
        for cell in scan.cells():
            if cell.formula is None:
                continue
            targets[(cell.row, cell.col)] = cell
            fa = _attrs(cell.formula) if b"=" in cell.formula else _NO_ATTRS
            if fa.get(b"t") == b"array" and b"ref" in fa:
                array_ref = fa[b"ref"].decode().upper().replace("$", "")
                for rc in _range_cells(array_ref):
                    targets.setdefault(rc, None)
                    member_texts.setdefault(rc, cell.formula_text)
                    arrays[rc] = array_ref
            elif fa.get(b"t") == b"dataTable":
                targets.pop((cell.row, cell.col))  # what-if tables: left as they are
        # cell → (<v> text, t attribute, keeps its <f>): tuples, not a function per cell
        # (memory at 500,000 formula cells)
        edits: dict[tuple[int, int], tuple[bytes, bytes | None, bool]] = {}
        foreign_here = foreign[part]
        cells_get = values.cells.get
        for (r, c), own in targets.items():
            has_f = own is not None
            bad = foreign_here.get((r, c)) if foreign_here else None
            if bad is not None:  # never followed: reported, the cell keeps Excel's cached value
                report.errors.append(
                    CellError(
                        sname,
                        f"{_col_letters(c)}{r}",
                        "not computed:",
                        f"{_foreign_message(bad)}; Excel's cached value kept",
                        not_computed=True,
                    )
                )
                continue
            if arrays:
                value = values.get(key, r, c, arrays.get((r, c)))
            else:  # no array formula on the sheet: the cell's own value (as values.get)
                value = cells_get((key, r, c), _MISSING)
            own_text = own.formula_text if own is not None else None
            edit = _value_edit(
                value,
                sname,
                r,
                c,
                lambda o=own_text, rc=(r, c), m=member_texts: o if o is not None else m.get(rc),
                values,
                report,
                member=not has_f and (r, c) in arrays,
            )
            if edit is not None:
                edits[(r, c)] = (edit[0], edit[1], has_f)
        report.cells += len(edits)
        new = _apply(scan, edits, functools.partial(_write_value, scan.prefix))
        if new != content[part]:
            replaced[part] = new
    timings["edit"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    if report.errors and not allow_errors:
        report.seconds = time.perf_counter() - t0
        return report
    replaced["xl/workbook.xml"] = cached_values_on_load(parts["xl/workbook.xml"])  # issue #12
    _write_zip(out, members, replaced, overwrite=overwrite or in_place)
    report.written = True
    timings["write"] = time.perf_counter() - t3
    report.seconds = time.perf_counter() - t0
    return report


def named_values(path: Path | str) -> dict[str, Any]:
    """The cached value of every global defined name that refers to one cell, as openpyxl
    reads it (``data_only``): e.g. ``named_values(out)["ClassI_LiqPref"]`` after a recalc."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, Any] = {}
    for name, dn in wb.defined_names.items():
        try:
            dests = list(dn.destinations)
        except Exception:
            continue
        if len(dests) == 1 and ":" not in dests[0][1] and dests[0][0] in wb.sheetnames:
            sheet, ref = dests[0]
            out[name] = wb[sheet][ref.replace("$", "")].value
    return out


# The command line lives in :mod:`xl_addin.recalc_cli`; its names stay importable from here
# (looked up when first asked for: that module imports this one).
_CLI_NAMES = frozenset(
    {
        "STDOUT",
        "Interrupted",
        "_inputs",
        "add_arguments",
        "interrupted_status",
        "main",
        "run",
        "signals_interrupt",
    }
)


def __getattr__(name: str) -> Any:
    if name in _CLI_NAMES:
        from . import recalc_cli

        return getattr(recalc_cli, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
