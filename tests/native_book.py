"""One-sheet workbooks for the native engine's tests: the sheet part written from rows of XML,
evaluated in memory (no file, no recalc)."""

from __future__ import annotations

from typing import Any

from xl_addin.workbook.formulas_engine import _addin_plain_functions
from xl_addin.workbook.native import evaluator

SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
FUNCTIONS = _addin_plain_functions()


def sheet_xml(rows: str, tail: str = "</sheetData></worksheet>") -> str:
    """A worksheet part holding ``rows`` (``<row>`` elements)."""
    return HEAD + rows + tail


def evaluate(parts: dict[str, bytes], *, columns: bool = True) -> evaluator.Evaluator:
    """The evaluator of a workbook of one sheet, S (``parts[SHEET]``), run."""
    book = evaluator.Workbook(parts, [("S", SHEET)], [], columns=columns)
    ev = evaluator.Evaluator(book, FUNCTIONS)
    ev.run()
    return ev


def formula_value(formula: str, rows: str = "", at: tuple[int, str] = (9, "B")) -> Any:
    """The value of ``formula`` in cell ``at`` (row, column) below ``rows``."""
    r, col = at
    text = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    cell = f'<row r="{r}"><c r="{col}{r}"><f>{text}</f></c></row>'
    ev = evaluate({SHEET: sheet_xml(rows + cell).encode()})
    return ev.done[("S", r, evaluator.col_index(col))]
