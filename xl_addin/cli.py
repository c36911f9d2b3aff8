"""The ``xl-addin`` command.

* ``xl-addin demo`` (the main job) writes the template workbook, recalculates it headlessly with
  the add-in's functions as of a date, and prints a summary: the Liquidation Preference of each
  class (Section 3(a)), the Conversion Prices and Common shares on conversion (Sections 5, 6), and
  the waterfall at a few exit values (Sections 3(a), 5(a)); then says where the workbook is.
* ``xl-addin template [-o PATH]`` writes the template workbook.
* ``xl-addin recalc IN.xlsx [-o OUT] [--in-place] [--set NAME=VALUE] [--allow-errors]``
  recalculates any workbook without Excel.
* ``xl-addin certificate LOG.csv --row N ...`` renders the Section 6(j) certificate of adjustment
  for one row of an event log (Markdown or HTML).
* ``xl-addin values IN [-o OUT] [--force]`` writes a copy for colleagues without the add-in: every
  add-in formula replaced by its value (:mod:`xl_addin.workbook.values`).
* ``xl-addin lite [-o DIR]`` writes ``main.py`` and ``requirements.txt`` for xlwings Lite
  (:mod:`xl_addin.hosts.lite`).

``lite`` needs only the core (numpy); the other commands need the ``recalc`` extra
(``pip install "xl_addin[recalc]"``): without it they say so in one line.

The CLI only parses options and formats; the numbers come from :mod:`xl_addin.terms`. Every
failure is one line on stderr (``xl-addin COMMAND: <file>: <reason>``) and a non-zero exit:
2 for bad input or an unwritable output, 128 + the signal number when interrupted (SIGINT,
SIGTERM: the temporary output is removed and an existing output file is left as it was).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, _extras, _files
from .terms import TermsError
from .terms.certificate_of_adjustment import certificate_of_adjustment
from .terms.constants import CLASS_I_STATED_VALUE
from .terms.history import capitalization

if TYPE_CHECKING:
    import pandas as pd

try:  # the 'recalc' extra (defusedxml ...): every command but `lite` needs it
    from . import recalc
except ImportError:  # the core alone: main() says which extra to install
    recalc = None  # type: ignore[assignment]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD (got {text!r})") from None


def demo(as_of: dt.date, out_dir: Path) -> str:
    """Template → headless recalculation → summary; returns the text to print."""

    out_dir.mkdir(parents=True, exist_ok=True)
    from . import template  # openpyxl: imported by the commands that write workbooks only

    path = template.build_template(out_dir / "series_a_model.xlsx")
    report = recalc.recalculate(
        path, out_dir / "series_a_model.recalc.xlsx", overrides={"ValuationDate": as_of}
    )
    if not report.written or report.output is None:
        first = report.errors[0] if report.errors else "nothing was written"
        more = f" (and {len(report.errors) - 1} more cells)" if len(report.errors) > 1 else ""
        raise recalc.RecalcError(f"the template did not recalculate: {first}{more}")
    v = recalc.named_values(report.output)
    lines = [
        "IFX Corporation - Series A Convertible Preferred Stock (certificate of June 2000)",
        f"Template scenario as of {as_of.isoformat()} (YEARFRAC basis {v['DayCountBasis']}, "
        f"accrual {float(v['AccrualRate']):.0%} p.a.); SAMPLE inputs are marked in the workbook",
        "",
        f"{'class':<9}{'shares':>12}{'stated':>9}{'liq. pref. 3(a)':>19}"
        f"{'conv. price 6':>15}{'common 5(a)':>14}",
    ]
    series_a = []
    for cls in ("ClassI", "ClassII"):
        series_a.append(
            [
                v[f"{cls}_Shares"],
                v[f"{cls}_StatedValue"],
                v[f"{cls}_IssueDate"],
                v[f"{cls}_CP"],
                v[f"{cls}_Dividends"],
            ]
        )
        lines.append(
            f"{cls.replace('Class', 'Class '):<9}{v[f'{cls}_Shares']:>12,}"
            f"{float(v[f'{cls}_StatedValue']):>9.2f}{float(v[f'{cls}_LiqPref']):>19,.2f}"
            f"{float(v[f'{cls}_CP']):>15.4f}{int(v[f'{cls}_ConvShares']):>14,}"
        )
    lines += [
        f"{'Total':<9}{'':>21}{float(v['TotalLiqPref']):>19,.2f}{'':>15}"
        f"{int(v['TotalConvShares']):>14,}",
        f"Fully Diluted Outstanding (6(a)): {int(v['FullyDiluted']):,}",
        "",
    ]
    lines += _waterfall_lines(report.output)
    lines += [
        "",
        f"Workbook with computed values: {report.output}",
        f"(recalculated {report.cells} formula cells in {report.seconds:.2f} s)",
    ]
    return "\n".join(lines)


def _waterfall_lines(path: Path) -> list[str]:
    """The WATERFALL block of the recalculated workbook's Waterfall sheet, as text."""
    import openpyxl

    ws = openpyxl.load_workbook(path, data_only=True, read_only=True)["Waterfall"]
    from . import template

    first = template.WF_EXIT_FIRST
    last = first + len(template.SAMPLE_FIGURES["exit_values"]) - 1
    rows = list(ws.iter_rows(min_row=first - 1, max_row=last, values_only=True))
    header, body = rows[0], rows[1:]
    payouts = [
        j
        for j, h in enumerate(header)
        if h and "per share" not in str(h) and "converts" not in str(h)
    ]
    lines = ["Waterfall (3(a), 5(a)), from the workbook's Waterfall sheet:"]
    lines.append("".join(f"{header[j]!s:>16}" for j in payouts) + "  converts")
    for row in body:
        flags = [
            str(h).replace(" converts", "")
            for h, value in zip(header, row, strict=False)
            if h and "converts" in str(h) and value
        ]
        lines.append(
            "".join(f"{float(row[j] or 0):>16,.2f}" for j in payouts)
            + "  "
            + (", ".join(flags) or "none")
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xl-addin", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"xl-addin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser(
        "demo", help="write the template, recalculate it headlessly, print the key figures"
    )
    p_demo.add_argument(
        "--as-of", type=_date, default=dt.date.today(), help="valuation date (default: today)"
    )
    p_demo.add_argument(
        "--out",
        type=Path,
        default=Path("xl_addin_demo"),
        help="folder for the template and the recalculated workbook (default: ./xl_addin_demo)",
    )
    p_tpl = sub.add_parser("template", help="write the template workbook")
    p_tpl.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("series_a_model.xlsx"),
        help="where to write it (default: ./series_a_model.xlsx)",
    )
    p_recalc = sub.add_parser(
        "recalc", help="recalculate a workbook without Excel (Excel's functions and the add-in's)"
    )
    if recalc is not None:
        recalc.add_arguments(p_recalc)
    else:  # the 'recalc' extra is missing: main() says so
        p_recalc.add_argument("args", nargs=argparse.REMAINDER)
    p_cert = sub.add_parser(
        "certificate", help="Section 6(j) certificate of adjustment for one event-log row"
    )
    p_cert.add_argument("log", type=Path, help="event log CSV, header row first (as CPHISTORY)")
    p_cert.add_argument("--row", required=True, help="row of the event (the header is row 1)")
    p_cert.add_argument("--common-outstanding", required=True, help="Common Stock Outstanding")
    p_cert.add_argument(
        "--rights-outstanding",
        default="0",
        help="shares issuable under options, warrants, convertibles (default 0)",
    )
    p_cert.add_argument("--class-i-shares", required=True, help="Class I shares outstanding")
    p_cert.add_argument(
        "--class-i-price", help=f"Class I Conversion Price (default ${CLASS_I_STATED_VALUE})"
    )
    p_cert.add_argument("--class-ii-shares", default="0", help="Class II shares outstanding")
    p_cert.add_argument("--class-ii-stated-value", help="Class II Stated Value (omit: no Class II)")
    p_cert.add_argument(
        "--class-ii-price", help="Class II Conversion Price (default: Stated Value)"
    )
    p_cert.add_argument(
        "--qpo-closed",
        action="store_true",
        help="the Qualified Private Offering closed before the log starts",
    )
    p_cert.add_argument(
        "--fair-value-basis", help="how the Board determined any non-cash consideration (6(g)(i))"
    )
    p_cert.add_argument("--format", choices=("markdown", "html"), default="markdown")
    p_cert.add_argument("-o", "--output", type=Path, help="write to this file (default: stdout)")
    # --- issue #12: a values copy for colleagues without the add-in; the xlwings Lite bundle
    p_values = sub.add_parser(
        "values", help="copy a workbook with every add-in formula replaced by its value"
    )
    p_values.add_argument("workbook", type=Path, help="a recalculated .xlsx/.xlsm")
    p_values.add_argument(
        "-o", "--output", type=Path, help="the copy (default: IN.values.xlsx next to IN)"
    )
    p_values.add_argument("--force", action="store_true", help="replace an existing output")
    p_lite = sub.add_parser("lite", help="write main.py and requirements.txt for xlwings Lite")
    p_lite.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("xl_addin_lite"),
        help="folder (default: ./xl_addin_lite)",
    )
    p_lite.add_argument(
        "--wheel-url", help="load the package from this wheel URL (served with CORS) instead"
    )
    p_lite.add_argument("--force", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    if args.command == "lite":
        return _lite(args)
    why = _extras.missing("recalc")
    if why is None and recalc is None:  # installed, yet xl_addin.recalc cannot import them
        why = "needs the 'recalc' extra (its packages are installed but cannot be imported)"
    if why is not None:
        print(f"xl-addin {args.command}: {why}", file=sys.stderr)
        return 2
    if args.command == "recalc":
        return recalc.run(args)  # its own messages, signal handling and exit statuses
    prog = f"xl-addin {args.command}"
    try:
        with recalc.signals_interrupt():
            if args.command == "demo":
                print(demo(args.as_of, args.out))
            elif args.command == "template":
                from . import template

                print(f"wrote {template.build_template(args.output)}")
            elif args.command == "certificate":
                return _certificate(args)
            elif args.command == "values":
                return _values(args)
    except ImportError as exc:  # a package of the extra that find_spec saw but cannot import
        print(f"{prog}: needs the 'recalc' extra ({exc})".splitlines()[0], file=sys.stderr)
        return 2
    except (TermsError, recalc.RecalcError) as exc:
        print(f"{prog}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except OSError as exc:  # an output folder that is missing, not a folder or not writable
        print(f"{prog}: {_os_error(exc, args)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"{prog}: interrupted; no output written", file=sys.stderr)
        return recalc.interrupted_status(exc)
    return 0


def _values(args: argparse.Namespace) -> int:
    from .workbook.values import values_copy

    src: Path = args.workbook
    out = args.output or src.with_name(f"{src.stem}.values{src.suffix or '.xlsx'}")
    report = values_copy(src, out, force=args.force)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(f"wrote {out}: {report.cells} add-in formula cells replaced by their values")
    return 0


def _lite(args: argparse.Namespace) -> int:
    from .hosts.lite import write_bundle

    try:
        written = write_bundle(args.output, wheel_url=args.wheel_url, force=args.force)
    except FileExistsError as exc:
        print(f"xl-addin lite: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"xl-addin lite: {_os_error(exc, args)}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # xl_addin.udfs cannot be imported in a fresh interpreter
        print(f"xl-addin lite: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    print(f"wrote {', '.join(map(str, written))}")
    print(
        "In Excel: xlwings Lite > main.py: paste main.py; requirements.txt: paste "
        "requirements.txt; then restart xlwings Lite."
    )
    return 0


def _os_error(exc: OSError, args: argparse.Namespace) -> str:
    """``<output>: cannot write (<reason>)`` for an OSError (the temporary file not named)."""
    where = getattr(args, "out", None) or getattr(args, "output", None) or exc.filename
    why = exc.strerror or str(exc)
    culprit = str(exc.filename) if exc.filename is not None else ""
    if culprit and culprit != str(where) and not culprit.endswith(".tmp"):
        why = f"{culprit}: {why}"
    return f"{where}: cannot write ({why})" if where else why


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


def _certificate(args: argparse.Namespace) -> int:
    import pandas as pd

    if not args.log.is_file():
        print(f"xl-addin: event log not found: {args.log}", file=sys.stderr)
        return 2
    try:
        log = pd.read_csv(args.log, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        print(f"xl-addin: cannot read {args.log} as CSV: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    log = _typed(log)
    cap = capitalization(
        _number(args.common_outstanding, "--common-outstanding"),
        _number(args.rights_outstanding, "--rights-outstanding"),
        _number(args.class_i_shares, "--class-i-shares"),
        _number(args.class_ii_shares, "--class-ii-shares"),
        _number(args.class_ii_stated_value, "--class-ii-stated-value"),
        _number(args.class_i_price, "--class-i-price"),
        _number(args.class_ii_price, "--class-ii-price"),
        qpo_closed=args.qpo_closed,
    )
    text = certificate_of_adjustment(
        cap, log, _number(args.row, "--row"), args.format, fair_value_basis=args.fair_value_basis
    )
    if args.output:
        _files.write_atomically(args.output, text.encode("utf-8"))
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
