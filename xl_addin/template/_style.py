"""Number formats, styles, the one-line cell helpers (:class:`Builder`) and the page set-up."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import column_index_from_string
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..fastcalc import col_letters
from ..terms.adjustments import Event
from ..terms.history import CATEGORIES, EVENT_TYPES
from ..terms.protective import ACTION_KINDS
from ..terms.remedies import CALENDARS

# --------------------------------------------------------------------------- formats & styles
MONEY = '"$"#,##0.00'
SHARES = "#,##0"
PRICE = '"$"#,##0.0000'
DATE = "yyyy-mm-dd"
PCT = "0.00%"
FRACTION = "0.000000"
GENERAL = "General"
#: TRUE/FALSE: Excel shows a logical cell as TRUE/FALSE whatever its format; LibreOffice keeps
#: a logical as the number 1/0 and needs this format to print it as a word.
BOOL = '"TRUE";"TRUE";"FALSE"'
#: 1/0 flags (WATERFALL's "converts" columns): yes / no.
YESNO = '"yes";"yes";"no"'

_THIN = Side(style="thin", color="B0B0B0")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = Font(color="1F4E79")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(italic=True, color="7F7F7F")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
#: Array padding (#N/A beyond a function's result): white on white.
PADDING = Font(color="FFFFFF")


class Builder:
    """Small helpers so that each input, formula or array formula is one line."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._validations: dict[tuple[str, str], DataValidation] = {}

    # -- validations (one DataValidation per kind and sheet, cells added to it)
    def _validation(self, ws: Worksheet, kind: str) -> DataValidation:
        key = (ws.title, kind)
        if key not in self._validations:
            if kind == "number":
                dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
                dv.error, dv.prompt = "Enter a number >= 0.", "A number >= 0"
            elif kind == "date":
                dv = DataValidation(type="date", operator="greaterThan", formula1="1")
                dv.error, dv.prompt = "Enter a date.", "A date (YYYY-MM-DD)"
            elif kind == "bool":
                dv = DataValidation(type="list", formula1='"TRUE,FALSE"')
                dv.error, dv.prompt = "TRUE or FALSE.", "TRUE or FALSE"
            elif kind == "basis":
                dv = DataValidation(type="list", formula1='"0,1,2,3,4"')
                dv.error, dv.prompt = "YEARFRAC basis 0-4.", "Day count: 0-4 (3 = actual/365)"
            elif kind == "event":
                dv = DataValidation(
                    type="list", formula1='"' + ",".join(e.value for e in Event) + '"'
                )
                dv.error, dv.prompt = "Pick a Section 6 event.", "Event type (Section 6)"
            elif kind in LISTS:
                items, prompt = LISTS[kind]
                dv = DataValidation(type="list", formula1='"' + ",".join(items) + '"')
                dv.error, dv.prompt = f"Pick one of: {', '.join(items)}"[:225], prompt
            elif kind == "fraction":
                dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
                dv.error, dv.prompt = "Enter a fraction from 0 to 1.", "A fraction, 0-1"
            elif kind == "class":
                dv = DataValidation(
                    type="list", formula1='"Class I,Class II,Common,Options,Warrant"'
                )
                dv.error, dv.prompt = "Pick a holding kind.", "Class I, Class II, Common, ..."
            else:  # pragma: no cover
                raise ValueError(kind)
            dv.showErrorMessage = True
            dv.showInputMessage = True
            dv.errorTitle = "Invalid input"
            dv.allow_blank = True
            ws.add_data_validation(dv)
            self._validations[key] = dv
        return self._validations[key]

    def input(
        self,
        ws: Worksheet,
        ref: str,
        value: Any,
        fmt: str,
        *,
        name: str | None = None,
        kind: str = "number",
    ) -> None:
        cell = ws[ref]
        cell.value = float(value) if isinstance(value, Decimal) else value
        cell.number_format = BOOL if kind == "bool" else fmt
        cell.fill = INPUT_FILL
        cell.font = INPUT_FONT
        cell.border = BOX
        cell.protection = Protection(locked=False)
        if kind:
            self._validation(ws, kind).add(ref)
        if name:
            self.name(name, ws, ref)

    def name(self, name: str, ws: Worksheet, ref: str) -> None:
        """A defined name for a cell (``B4``) or a range (``A4:J14``), absolute."""

        def absolute(cell: str) -> str:
            col = "".join(ch for ch in cell if ch.isalpha())
            row = "".join(ch for ch in cell if ch.isdigit())
            return f"${col}${row}"

        target = ":".join(absolute(part) for part in ref.split(":"))
        self.wb.defined_names[name] = DefinedName(name, attr_text=f"{quote(ws.title)}!{target}")

    def formula(
        self, ws: Worksheet, ref: str, text: str, fmt: str, name: str | None = None
    ) -> None:
        cell = ws[ref]
        cell.value = text
        cell.number_format = fmt
        cell.border = BOX
        if name:
            self.name(name, ws, ref)

    def array(self, ws: Worksheet, ref: str, text: str, fmt: str | Sequence[str]) -> None:
        """A legacy array formula over ``ref``; ``fmt`` one format, or one per column.

        Cells of the block beyond the function's result hold ``#N/A`` (as in Excel); a
        conditional format prints them in the background colour, so only the result shows."""
        first = ref.split(":")[0]
        ws[first] = ArrayFormula(ref, text)
        for row in ws[ref]:
            for i, cell in enumerate(row):
                cell.number_format = fmt if isinstance(fmt, str) else fmt[i]
                cell.border = BOX
        ws.conditional_formatting.add(ref, FormulaRule(formula=[f"ISNA({first})"], font=PADDING))

    @staticmethod
    def text_block(ws: Worksheet, row: int, text: str, last_col: str, width: float) -> None:
        """``text`` in column A, merged over A:``last_col`` (``width`` characters wide in all),
        wrapped, with a row height that shows every line (LibreOffice does not grow merged
        rows by itself)."""
        ws.cell(row, 1, text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(f"A{row}:{last_col}{row}")
        ws.row_dimensions[row].height = 15 * wrapped_lines(text, width * 1.1)

    @staticmethod
    def header(ws: Worksheet, row: int, labels: Sequence[str], col: int = 1) -> None:
        for i, label in enumerate(labels):
            cell = ws.cell(row, col + i, label)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")

    @staticmethod
    def title(ws: Worksheet, text: str, subtitle: str) -> None:
        """Title in A1, subtitle in A2 (merged over the printed width by :func:`layout`)."""
        ws["A1"] = text
        ws["A1"].font = TITLE_FONT
        ws["A2"] = subtitle
        ws["A2"].font = NOTE_FONT
        ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")

    @staticmethod
    def note(ws: Worksheet, ref: str, text: str) -> None:
        ws[ref] = text
        ws[ref].font = NOTE_FONT


#: List validations: kind → (items, prompt).
LISTS: dict[str, tuple[Sequence[str], str]] = {
    "history_event": (EVENT_TYPES, "Event type (CPHISTORY, Section 6)"),
    "category": (tuple(CATEGORIES), "Permitted Issuance claimed (6(a)), or blank"),
    "history_class": (("I", "II"), "Series A class: I or II"),
    "action": (ACTION_KINDS, "Action (Section 4(b))"),
    "calendar": (CALENDARS, "Business-day calendar"),
}


def wrapped_lines(text: str, chars: float) -> int:
    """Lines ``text`` takes when wrapped at word boundaries in ``chars`` characters."""
    n = 0
    for part in text.split("\n"):
        lines, used = 1, 0
        for word in part.split():
            if used and used + 1 + len(word) > chars:
                lines, used = lines + 1, len(word)
            else:
                used += len(word) + (1 if used else 0)
        n += lines
    return n


def _row_heights(ws: Worksheet, widths: dict[str, float]) -> None:
    """Rows tall enough for their wrapped text: spreadsheets keep a row's height in print and
    do not always grow it on opening a file, so a wrapped header or note would be clipped."""
    merged = {r.start_cell.coordinate for r in ws.merged_cells.ranges}
    for row in ws.iter_rows():
        lines = 1
        for cell in row:
            if not (isinstance(cell.value, str) and cell.alignment.wrap_text):
                continue
            if cell.coordinate in merged or cell.value.startswith("="):
                continue
            width = widths.get(cell.column_letter) or 13
            # a column width counts digits; bold header text is wider, plain text narrower
            chars = width - 2 if cell.font.b else width * 1.2
            lines = max(lines, wrapped_lines(cell.value, chars))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * lines


def strict_sum(ref: str) -> str:
    """A total that cannot skip an error: ``SUM`` skips text, so an add-in error shown as text
    (classic xlwings: ``#VALUE! shares must be >= 0``) would silently drop out of it; ``0+``
    turns such text into #VALUE! (an empty cell into 0) and SUMPRODUCT passes every error on.
    (Not ``--``: the formulas library, recalc's fallback engine, reads ``--"text"`` as 0.)"""
    return f"SUMPRODUCT(0+{ref})"


def error_count(ref: str) -> str:
    """The number of cells in ``ref`` holding an error value other than #N/A (array padding)
    or text starting with ``#`` (an add-in error as classic xlwings shows it)."""
    return f'SUMPRODUCT(ISERROR({ref})-ISNA({ref})+(IFERROR(LEFT({ref}),"")="#"))'


def quote(title: str) -> str:
    return f"'{title}'" if not title.isalnum() else title


#: Widest print area (sum of column widths, in characters) printed in portrait: US Letter
#: portrait holds about 105 characters of Calibri 11 at 100 %.
PORTRAIT_WIDTH = 105
FOOTER_CENTER = "IFX Series A Convertible Preferred Stock model"


def layout(
    ws: Worksheet,
    widths: dict[str, float],
    freeze: str | None,
    area: str,
    titles: str | None = "3:3",
) -> None:
    """Column widths, frozen panes, protection and the page set-up every sheet shares.

    Printing: the print area ``area``; fit to one page wide and as many pages tall as needed;
    portrait when the area's columns fit (:data:`PORTRAIT_WIDTH`), else landscape; the rows
    ``titles`` (the table header) repeated on every page; US Letter, narrow margins; a footer
    with the sheet name and "page n of m", so a PDF of the whole workbook reads in order.
    """
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = freeze
    last_col = "".join(ch for ch in area.split(":")[1] if ch.isalpha())
    total = sum(
        widths.get(col_letters(j)) or 13 for j in range(1, column_index_from_string(last_col) + 1)
    )
    # the subtitle wraps over the printed width instead of running off the page
    if ws["A2"].value and not any("A2" in str(r) for r in ws.merged_cells.ranges):
        Builder.text_block(ws, 2, str(ws["A2"].value), last_col, total)
        ws["A2"].font = NOTE_FONT
    _row_heights(ws, widths)
    ws.print_area = area
    setup = ws.page_setup
    setup.orientation = "portrait" if total <= PORTRAIT_WIDTH else "landscape"
    setup.paperSize = ws.PAPERSIZE_LETTER
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if titles:
        ws.print_title_rows = titles
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.center.text = FOOTER_CENTER
    ws.oddFooter.right.text = "Page &P of &N"
    ws.protection.sheet = True  # formula cells locked; inputs are unlocked
    # ... but columns and rows may be resized (a long explanation, a wider number)
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
