"""The template workbook ``workbook_templates/series_a_model.xlsx``: ``xl-addin template``.

Generated with openpyxl, byte-for-byte deterministically: fixed document timestamps, fixed zip
entry dates and order, so the committed file is exactly what :func:`build_template` writes.

Every input is a defined name on a styled, validated, unlocked cell; every formula refers to
defined names (or to cells of its own table), never to a number typed into the formula; formula
cells are locked (the sheets are protected without a password). Array results (LIQPREF over a
column of dates, PRORATA over the holders) are legacy array formulas over fixed ranges.

The certificate's numbers come from :mod:`xl_addin.terms.constants` and the sample scenario
from :mod:`xl_addin.scenario` (``SAMPLE``); the few other sample figures (holders' common shares,
the sample events, the offer) are in :data:`SAMPLE_FIGURES` and are marked SAMPLE in the sheet.

Layout: one module per sheet (``terms_sheet``, ``cap_table``, ``conversion``, ``liquidation``,
``adjustments``, ``waterfall``, ``preemptive``, ``checks``), each with ``build(b, ws)``;
``_style`` holds the formats, the one-line cell helpers (:class:`~._style.Builder`) and the page
set-up; ``samples`` the SAMPLE figures; ``workbook`` the sheet order (:data:`SHEET_BUILDERS`),
byte-stable saving and the command. Adding a formula is one line in the sheet's ``build``:
``b.formula(ws, "C7", "=LIQPREF(...)", MONEY)`` (or ``b.array(ws, "C20:C25", "=...", MONEY)`` for
an array formula); adding a sheet is a module with ``build`` and one line in
:data:`SHEET_BUILDERS` (before Checks, which counts the error cells of the sheets before it);
adding a certificate test to the Checks sheet is a function ``def _x(w: ChecksWriter)`` using
``w.section / w.put / w.computed / w.result`` and one line in ``checks.TEST_SECTIONS``.
Totals use :func:`~._style.strict_sum` (an error, never skipped, when a cell holds an error or
an add-in's error text).
"""

from __future__ import annotations

from .cap_table import CAP_FIRST, CAP_LAST, CAP_ROWS, CAP_TOTAL
from .samples import CHECK_INPUTS, SAMPLE_FIGURES
from .waterfall import WF_EXIT_FIRST
from .workbook import (
    DEFAULT_PATH,
    SHEET_BUILDERS,
    SHEETS,
    build_template,
    main,
    make_workbook,
    template_bytes,
)

__all__ = [
    "CAP_FIRST",
    "CAP_LAST",
    "CAP_ROWS",
    "CAP_TOTAL",
    "CHECK_INPUTS",
    "DEFAULT_PATH",
    "SAMPLE_FIGURES",
    "SHEETS",
    "SHEET_BUILDERS",
    "WF_EXIT_FIRST",
    "build_template",
    "main",
    "make_workbook",
    "template_bytes",
]
