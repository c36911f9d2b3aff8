"""Export a workbook's Section 6 event log (the ``EventLog`` defined name, as CPHISTORY reads
it) to CSV, for ``xl-addin certificate`` and for review outside Excel.

The workbook is only read (openpyxl, read-only), never saved. The CSV has the log's own header
row first; dates are written ``YYYY-MM-DD``, numbers as Excel shows them at full precision
(15 significant digits), TRUE/FALSE as words; blank rows of the log are left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from ..terms import TermsError

__all__ = ["DEFAULT_NAME", "event_log_csv", "event_log_rows"]

DEFAULT_NAME = "EventLog"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            return value.isoformat(sep=" ")
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.15g}"
        if "e" in text:  # 1e+20: written out, never in exponent form
            text = f"{value:.15f}".rstrip("0").rstrip(".")
        return text
    return str(value)


def _range(ref: str) -> tuple[str, int, int, int, int]:
    """``'Adjustments'!$A$10:$J$20`` → (sheet, min_row, min_col, max_row, max_col)."""
    from openpyxl.utils.cell import range_boundaries

    sheet, _, cells = ref.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'")
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    if None in (min_col, min_row, max_col, max_row):
        raise TermsError(f"the name points at {ref!r}, not a block of cells")
    return sheet, int(min_row), int(min_col), int(max_row), int(max_col)  # type: ignore[arg-type]


def event_log_rows(path: Path, name: str = DEFAULT_NAME) -> list[list[str]]:
    """The rows of the log as text: the header row first, then each non-blank row."""
    import openpyxl

    try:
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl's errors for a file that is not a workbook vary
        raise TermsError(f"cannot read the workbook ({type(exc).__name__}: {exc})") from None
    try:
        found = {k.lower(): v for k, v in values.defined_names.items()}.get(name.lower())
        if found is None or not found.attr_text or "!" not in found.attr_text:
            raise TermsError(f"no defined name {name!r} pointing at the event log")
        if "," in found.attr_text:
            raise TermsError(f"the name {name!r} points at several blocks: {found.attr_text}")
        sheet, r0, c0, r1, c1 = _range(found.attr_text)
        if sheet not in values.sheetnames:
            raise TermsError(f"the name {name!r} points at a missing sheet {sheet!r}")
        window = {"min_row": r0, "max_row": r1, "min_col": c0, "max_col": c1}
        cached = list(values[sheet].iter_rows(values_only=True, **window))
        typed = list(formulas[sheet].iter_rows(values_only=True, **window))
    finally:
        values.close()
        formulas.close()
    rows: list[list[str]] = []
    for i, (row, source) in enumerate(zip(cached, typed, strict=True)):
        for j, (value, formula) in enumerate(zip(row, source, strict=True)):
            if value is None and isinstance(formula, str) and formula.startswith("="):
                cell = f"{_column(c0 + j)}{r0 + i}"
                raise TermsError(
                    f"{sheet}!{cell} holds a formula with no computed value: "
                    "recalculate the workbook first (xl-addin recalc)"
                )
        text = [_cell_text(v) for v in row]
        if i == 0 or any(t.strip() for t in text):
            rows.append(text)
    if not rows or not any(t.strip() for t in rows[0]):
        raise TermsError(f"the event log {name!r} has no header row")
    while rows[0] and not rows[0][-1].strip() and all(not r[-1].strip() for r in rows):
        for r in rows:
            r.pop()
    return rows


def _column(index: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return str(get_column_letter(index))


def event_log_csv(path: Path, name: str = DEFAULT_NAME) -> str:
    """The event log of the workbook at ``path`` as CSV text (``\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in event_log_rows(path, name):
        writer.writerow([re.sub(r"[\r\n]+", " ", t) for t in row])
    return out.getvalue()
