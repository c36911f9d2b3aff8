"""Number formats, styles, the one-line cell helpers (:class:`Builder`) and the page set-up."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

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

_THIN = Side(style="thin", color="B0B0B0")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = Font(color="1F4E79")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(italic=True, color="7F7F7F")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


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
        cell.number_format = fmt
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
        """A legacy array formula over ``ref``; ``fmt`` one format, or one per column."""
        first = ref.split(":")[0]
        ws[first] = ArrayFormula(ref, text)
        for row in ws[ref]:
            for i, cell in enumerate(row):
                cell.number_format = fmt if isinstance(fmt, str) else fmt[i]
                cell.border = BOX

    @staticmethod
    def header(ws: Worksheet, row: int, labels: Sequence[str], col: int = 1) -> None:
        for i, label in enumerate(labels):
            cell = ws.cell(row, col + i, label)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")

    @staticmethod
    def title(ws: Worksheet, text: str, subtitle: str) -> None:
        ws["A1"] = text
        ws["A1"].font = TITLE_FONT
        ws["A2"] = subtitle
        ws["A2"].font = NOTE_FONT

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


def quote(title: str) -> str:
    return f"'{title}'" if not title.isalnum() else title


def layout(ws: Worksheet, widths: dict[str, float], freeze: str, area: str) -> None:
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = freeze
    ws.print_area = area
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.protection.sheet = True  # formula cells locked; inputs are unlocked
