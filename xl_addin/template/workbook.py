"""Assembling the workbook: the sheets in order, byte-stable saving, the command."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from .. import _files
from . import (
    adjustments,
    cap_table,
    checks,
    conversion,
    liquidation,
    preemptive,
    rights,
    terms_sheet,
    waterfall,
)
from ._style import (
    Builder,
    layout,
)

DEFAULT_PATH = (
    Path(__file__).resolve().parent.parent.parent / "workbook_templates" / "series_a_model.xlsx"
)

#: Fixed timestamps: document properties and zip entries (byte-stable output).
FIXED_TIME = dt.datetime(2000, 6, 15, 0, 0, 0)
ZIP_DATE = (2000, 6, 15, 0, 0, 0)


def _xlwings_conf(b: Builder, ws: Worksheet) -> None:
    ws["A1"] = "UDF Modules"
    ws["B1"] = "xl_addin.udfs"
    layout(ws, {"A": 16, "B": 30}, None, "A1:B1", titles=None)
    ws.protection.sheet = False  # xlwings' settings: plain cells


#: The sheets in order, each with the function that fills it: ``build(b, ws)``. A new sheet is
#: one module with a ``build`` function and one line here.
SHEET_BUILDERS: tuple[tuple[str, Callable[[Builder, Worksheet], None]], ...] = (
    ("Terms", terms_sheet.build),
    ("Cap Table", cap_table.build),
    ("Conversion", conversion.build),
    ("Liquidation Preference", liquidation.build),
    ("Adjustments", adjustments.build),
    ("Waterfall", waterfall.build),
    ("Preemptive Rights", preemptive.build),
    ("Rights & Remedies", rights.build),
    ("Checks", checks.build),
    ("xlwings.conf", _xlwings_conf),
)
SHEETS = tuple(title for title, _ in SHEET_BUILDERS)


def make_workbook() -> Workbook:
    """The template as an openpyxl Workbook (not yet saved)."""
    wb = Workbook()
    b = Builder(wb)
    first = wb.active
    first.title = SHEETS[0]
    sheets = {SHEETS[0]: first} | {name: wb.create_sheet(name) for name in SHEETS[1:]}
    for title, build in SHEET_BUILDERS:
        build(b, sheets[title])
    sheets["Terms"]["B20"].comment = Comment(
        "Payment date of the preference. The demo sets it to today.", "xl_addin", 60, 240
    )
    wb.properties.creator = "xl_addin"
    wb.properties.title = "IFX Series A Convertible Preferred Stock model"
    wb.properties.created = FIXED_TIME
    wb.active = 0
    return wb


def template_bytes() -> bytes:
    """The template file's bytes: identical on every run."""
    wb = make_workbook()
    raw = io.BytesIO()
    # openpyxl writes member after member into one archive: signals wait until it is whole
    with _files.hold_signals(), zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        wb.properties.modified = FIXED_TIME
        ExcelWriter(wb, archive).save()
    # zip entries: fixed dates and attributes, same order
    members = []
    with zipfile.ZipFile(raw) as src:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 3
            members.append((fixed, src.read(info)))
    return _files.zip_bytes(members)


def build_template(path: Path | str = DEFAULT_PATH) -> Path:
    """Write the template to ``path`` atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _files.write_atomically(path, template_bytes())
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="xl-addin template",
        description="Write the template workbook (workbook_templates/series_a_model.xlsx).",
    )
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_PATH, help="output .xlsx")
    args = parser.parse_args(argv)
    try:
        path = build_template(args.output)
    except OSError as exc:
        print(f"xl-addin template: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    print(path)
    return 0
