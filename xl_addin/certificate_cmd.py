"""``xl-addin certificate``: the Section 6(j) certificate of adjustment for one event-log row.

The certificate is computed from the same inputs as CPHISTORY (:mod:`xl_addin.udfs_history`):
the event log and every starting-capitalization argument, option-plan usage and
``expired_options_free_cap`` included. Two sources:

* an event log CSV (header row first, as ``xl-addin events`` writes it), with the starting
  capitalization as options (``--common-outstanding`` and ``--class-i-shares`` required);
* a workbook (``.xlsx``/``.xlsm``): the add-in's CPHISTORY formula in it is found and its
  arguments read -- the event log through its defined name, each other argument from the
  defined name or cell it refers to (its saved value), or the literal typed in the formula.
  The workbook is opened read-only and never written. An option given on the command line
  overrides the workbook's value for that argument.

``--row N`` counts the log's header as row 1, as CPHISTORY's "Log row" column does (blank rows
of a workbook's log are counted, and skipped). The output goes to stdout or, with ``-o``,
through :mod:`xl_addin._files` (atomic; an existing file only with ``--force``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _files
from .terms import TermsError
from .terms.certificate_of_adjustment import certificate_of_adjustment
from .terms.constants import CLASS_I_STATED_VALUE, OPTION_PLAN_CAP
from .terms.history import capitalization

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_arguments", "run", "workbook_inputs"]

#: CPHISTORY's capitalization arguments and their command-line options (number options).
_NUMBER_OPTIONS = (
    ("common_outstanding", "--common-outstanding", "Common Stock Outstanding at the start"),
    (
        "rights_outstanding",
        "--rights-outstanding",
        "shares issuable under options, warrants, convertibles at the start (default 0)",
    ),
    ("class_i_shares", "--class-i-shares", "Class I shares outstanding"),
    (
        "class_i_price",
        "--class-i-price",
        f"Class I Conversion Price (default ${CLASS_I_STATED_VALUE})",
    ),
    ("class_ii_shares", "--class-ii-shares", "Class II shares outstanding (default 0)"),
    (
        "class_ii_stated_value",
        "--class-ii-stated-value",
        "Class II Stated Value (omit: no Class II)",
    ),
    ("class_ii_price", "--class-ii-price", "Class II Conversion Price (default: Stated Value)"),
    (
        "option_plan_used",
        "--option-plan-used",
        f"option-plan shares already granted against the {OPTION_PLAN_CAP:,} cap (6(a)(i)) "
        "(default 0)",
    ),
)
_FLAG_OPTIONS = (
    (
        "qpo_closed",
        "--qpo-closed",
        "the Qualified Private Offering closed before the log starts",
    ),
    (
        "expired_options_free_cap",
        "--expired-options-free-cap",
        "unexercised options of an expired grant return to the option-plan cap on expiry "
        "(default: every grant uses the cap for good)",
    ),
)
_REQUIRED = ("common_outstanding", "class_i_shares")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``certificate`` subcommand's arguments (``--force`` is added by the caller)."""
    p.add_argument(
        "log",
        type=Path,
        help="event log CSV (header row first, as CPHISTORY), or a workbook (.xlsx/.xlsm) "
        "whose CPHISTORY formula gives the log and the starting capitalization",
    )
    p.add_argument("--row", required=True, help="row of the event (the header is row 1)")
    for _, option, help_text in _NUMBER_OPTIONS:
        p.add_argument(option, help=help_text + "; overrides the workbook's value")
    for _, option, help_text in _FLAG_OPTIONS:
        p.add_argument(option, action="store_true", default=None, help=help_text)
    p.add_argument(
        "--fair-value-basis",
        help="consideration other than cash: how the Board of Directors determined its fair "
        "value (6(g)(i)); omit for cash",
    )
    p.add_argument("--format", choices=("markdown", "html"), default="markdown")
    p.add_argument("-o", "--output", type=Path, help="write to this file (default: stdout)")


def run(args: argparse.Namespace) -> int:
    """Render the certificate; errors are raised as :class:`TermsError` (one line each)."""
    if not args.log.is_file():
        print(f"xl-addin certificate: event log not found: {args.log}", file=sys.stderr)
        return 2
    values: dict[str, Any] = {}
    if args.log.suffix.lower() in _WORKBOOK_SUFFIXES:
        log, values = workbook_inputs(args.log)
    else:
        log = _read_csv(args.log)
        if log is None:
            return 2
    for name, option, _ in _NUMBER_OPTIONS:
        given = _number(getattr(args, name), option)
        if given is not None:
            values[name] = given
    for name, _, _ in _FLAG_OPTIONS:
        if getattr(args, name):
            values[name] = True
    for name in _REQUIRED:
        if values.get(name) is None:
            option = name.replace("_", "-")
            raise TermsError(f"--{option} is required (a number) with an event log CSV")
    cap = capitalization(
        values["common_outstanding"],
        values.get("rights_outstanding"),
        values["class_i_shares"],
        values.get("class_ii_shares"),
        values.get("class_ii_stated_value"),
        values.get("class_i_price"),
        values.get("class_ii_price"),
        option_plan_used=values.get("option_plan_used"),
        qpo_closed=values.get("qpo_closed"),
        expired_options_free_cap=values.get("expired_options_free_cap"),
    )
    text = certificate_of_adjustment(
        cap, log, _number(args.row, "--row"), args.format, fair_value_basis=args.fair_value_basis
    )
    if args.output:
        _files.write_atomically(args.output, text.encode("utf-8"), overwrite=args.force)
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


# =========================================================================== a CSV log
def _read_csv(path: Path) -> pd.DataFrame | None:
    import pandas as pd

    try:
        log = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        print(
            f"xl-addin certificate: cannot read {path} as CSV: {exc}".splitlines()[0],
            file=sys.stderr,
        )
        return None
    return _typed(log)


def _number(text: str | None, name: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        raise TermsError(f"{name} must be a number (got {text!r})") from None
    if not value.is_finite():
        raise TermsError(f"{name} must be a finite number (got {text!r})")
    return value


def _typed(log: pd.DataFrame) -> pd.DataFrame:
    """CSV cells are text: dates (YYYY-MM-DD) become dates, numbers become Decimals."""
    out = log.copy()
    for column in out.columns:
        key = str(column).strip().lower()
        out[column] = [_cell(key, v) for v in out[column]]
    return out


def _cell(column: str, value: str) -> object:
    text = value.strip()
    if text == "":
        return None
    if column == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text  # reported by the engine with row and column
    if column in ("shares", "price", "ratio", "gross proceeds", "gross_proceeds"):
        try:
            return Decimal(text.replace(",", "").replace("$", ""))
        except InvalidOperation:
            return text
    return text


# =========================================================================== a workbook
_CALL = re.compile(r"(?<![A-Za-z0-9_])CPHISTORY\(", re.IGNORECASE)  # _xludf.CPHISTORY too


def _formula_text(value: Any) -> str | None:
    text = getattr(value, "text", value)  # an array formula keeps its text in .text
    return text if isinstance(text, str) and text.startswith("=") else None


def _arguments(formula: str) -> list[str]:
    """The top-level arguments of the first CPHISTORY call in ``formula``."""
    match = _CALL.search(formula)
    assert match is not None
    args, depth, current, quoted = [], 0, "", False
    for ch in formula[match.end() :]:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            if depth == 0:
                args.append(current.strip())
                return args
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            args.append(current.strip())
            current = ""
            continue
        current += ch
    raise TermsError(f"cannot read the CPHISTORY formula {formula!r}: unbalanced parentheses")


def workbook_inputs(path: Path) -> tuple[list[list[Any]], dict[str, Any]]:
    """The event log (a grid, header row first, as Excel passes it to CPHISTORY) and the other
    CPHISTORY arguments by name, read from the workbook's first CPHISTORY formula.

    Read-only: the file is opened with openpyxl in read-only mode and never saved.
    """
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    from .udfs_history import CPHISTORY

    try:
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl's errors for a file that is not a workbook vary
        raise TermsError(f"cannot read the workbook ({type(exc).__name__}: {exc})") from None
    try:
        found = None
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    text = _formula_text(cell.value)
                    if text is not None and _CALL.search(text):
                        found = (ws.title, cell.coordinate, text)
                        break
                if found:
                    break
            if found:
                break
        if found is None:
            raise TermsError("the workbook has no CPHISTORY formula to read the inputs from")
        home, where, text = found
        names = {k.lower(): v.attr_text for k, v in values.defined_names.items()}
        params = list(inspect.signature(CPHISTORY).parameters)
        args = _arguments(text)
        if len(args) > len(params):
            raise TermsError(f"{home}!{where}: CPHISTORY has {len(args)} arguments")

        def cells(expr: str, arg: str) -> tuple[str, tuple[int, int, int, int]]:
            ref = names.get(expr.lower(), expr)
            ref = ref.lstrip("=")
            sheet, bang, rng = ref.rpartition("!")
            sheet = sheet.strip("'").replace("''", "'") if bang else home
            try:
                c0, r0, c1, r1 = range_boundaries(rng.replace("$", ""))
            except ValueError:
                raise TermsError(
                    f"{home}!{where}: CPHISTORY argument {arg} is {expr!r}: expected a defined "
                    "name, a cell or a value (give it as an option instead)"
                ) from None
            if sheet not in values.sheetnames or None in (c0, r0, c1, r1):
                raise TermsError(f"{home}!{where}: CPHISTORY argument {arg} points at {ref!r}")
            return sheet, (int(r0), int(c0), int(r1), int(c1))  # type: ignore[arg-type]

        def grid(expr: str, arg: str) -> list[list[Any]]:
            sheet, (r0, c0, r1, c1) = cells(expr, arg)
            window = {"min_row": r0, "max_row": r1, "min_col": c0, "max_col": c1}
            saved = [list(r) for r in values[sheet].iter_rows(values_only=True, **window)]
            typed = formulas[sheet].iter_rows(values_only=True, **window)
            for i, (got, src) in enumerate(zip(saved, typed, strict=True)):
                for j, (value, source) in enumerate(zip(got, src, strict=True)):
                    if value is None and _formula_text(source) is not None:
                        raise TermsError(
                            f"{sheet}!{openpyxl.utils.get_column_letter(c0 + j)}{r0 + i} "
                            "holds a formula with no saved value: recalculate the workbook "
                            "first (xl-addin recalc)"
                        )
            return saved

        log: list[list[Any]] = []
        out: dict[str, Any] = {}
        for arg, expr in zip(params, args, strict=False):
            literal = _literal(expr)
            if expr == "" or literal is not None:
                out[arg] = literal
            elif arg == "event_log":
                log = grid(expr, arg)
            else:
                block = grid(expr, arg)
                if len(block) != 1 or len(block[0]) != 1:
                    raise TermsError(
                        f"{home}!{where}: CPHISTORY argument {arg} ({expr}) must be one cell"
                    )
                out[arg] = block[0][0]
        if not log:
            raise TermsError(f"{home}!{where}: CPHISTORY has no event log argument")
        return log, out
    finally:
        formulas.close()
        values.close()


def _literal(expr: str) -> Any:
    """A value typed in the formula (number, TRUE/FALSE, "text"); None if it is a reference."""
    if expr.upper() in ("TRUE", "FALSE"):
        return expr.upper() == "TRUE"
    if len(expr) >= 2 and expr[0] == expr[-1] == '"':
        return expr[1:-1].replace('""', '"')
    try:
        return Decimal(expr)
    except InvalidOperation:
        return None
