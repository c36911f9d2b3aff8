"""The ``xl-addin`` command.

* ``xl-addin demo`` (the main job) writes the template workbook, recalculates it headlessly with
  the add-in's functions as of a date, and prints a one-page summary: the Liquidation Preference
  of each class (Section 3(a)), the Conversion Prices and Common shares on conversion (Sections
  5, 6), the waterfall around its breakpoints (Sections 3(a), 5(a)) and what the Checks sheet
  says; then where the workbook is.
* ``xl-addin template [-o PATH]`` writes the template workbook.
* ``xl-addin recalc IN.xlsx [-o OUT] [--in-place] [--set NAME=VALUE] [--allow-errors]``
  recalculates any workbook without Excel.
* ``xl-addin events MODEL.xlsx [-o events.csv]`` exports a workbook's Section 6 event log.
* ``xl-addin certificate LOG.csv|MODEL.xlsx --row N ...`` renders the Section 6(j) certificate of
  adjustment for one row of an event log (Markdown or HTML), from CPHISTORY's inputs
  (:mod:`xl_addin.certificate_cmd`).
* ``xl-addin values IN [-o OUT] [--force]`` writes a copy for colleagues without the add-in: every
  add-in formula replaced by its value (:mod:`xl_addin.workbook.values`).
* ``xl-addin libreoffice [-o xl_addin.oxt] [--force]`` builds the LibreOffice Calc extension;
  ``--workbook IN.xlsx`` writes a copy whose add-in calls use Calc's names, ``--excel-workbook
  CALC.xlsx`` the copy of a Calc-saved .xlsx whose calls use Excel's names again
  (:mod:`xl_addin.hosts.libreoffice`).
* ``xl-addin lite [-o DIR]`` writes ``main.py`` and ``requirements.txt`` for xlwings Lite
  (:mod:`xl_addin.hosts.lite`).

``lite`` needs only the core (numpy); the other commands need the ``recalc`` extra
(``pip install "xl_addin[recalc]"``): without it they say so in one line.

No command replaces an existing file unless given ``--force`` (``recalc``: ``--in-place`` for its
input).

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
from pathlib import Path

from . import __version__, _extras, _files, certificate_cmd
from .scenario import SAMPLE_AS_OF
from .terms import TermsError

try:  # the 'recalc' extra (defusedxml ...): every command but `lite` needs it
    from . import recalc
except ImportError:  # the core alone: main() says which extra to install
    recalc = None  # type: ignore[assignment]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD (got {text!r})") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="xl-addin",
        description="Excel functions for the IFX Series A Convertible Preferred Stock, "
        "without Excel: the template workbook, headless recalculation, exports.",
    )
    parser.add_argument("--version", action="version", version=f"xl-addin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser(
        "demo", help="write the template, recalculate it headlessly, print the key figures"
    )
    p_demo.add_argument(
        "--as-of",
        type=_date,
        default=SAMPLE_AS_OF,
        metavar="YYYY-MM-DD",
        help=f"valuation date (default: {SAMPLE_AS_OF.isoformat()}, the sample scenario's date: "
        "one year after the sample Class I issue)",
    )
    p_demo.add_argument(
        "-o",
        "--output",
        "--out",  # the earlier spelling, still accepted
        dest="out",
        type=Path,
        default=Path("xl_addin_demo"),
        metavar="DIR",
        help="folder for the template and the recalculated workbook (default: ./xl_addin_demo); "
        "files the demo wrote there before are replaced, any other file only with --force",
    )
    _force(p_demo)
    p_tpl = sub.add_parser("template", help="write the template workbook")
    p_tpl.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("series_a_model.xlsx"),
        help="where to write it (default: ./series_a_model.xlsx)",
    )
    _force(p_tpl)
    p_events = sub.add_parser(
        "events", help="export a workbook's Section 6 event log (EventLog) to CSV"
    )
    p_events.add_argument("workbook", type=Path, help="the model (.xlsx/.xlsm), read only")
    p_events.add_argument(
        "-o", "--output", type=Path, help="CSV file to write (default: standard output)"
    )
    p_events.add_argument(
        "--name", default="EventLog", help="defined name of the log (default: EventLog)"
    )
    _force(p_events)
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
    certificate_cmd.add_arguments(p_cert)
    _force(p_cert)
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
    # --- issue #10: the LibreOffice Calc extension
    p_lo = sub.add_parser(
        "libreoffice",
        help="build the LibreOffice Calc extension (xl_addin.oxt); with --workbook, a copy of an "
        ".xlsx whose add-in calls use Calc's names",
    )
    p_lo.add_argument(
        "-o",
        "--output",
        type=Path,
        help="default: xl_addin.oxt (with --workbook: IN.calc.xlsx; with --excel-workbook: "
        "IN.excel.xlsx)",
    )
    which = p_lo.add_mutually_exclusive_group()
    which.add_argument(
        "--workbook", type=Path, help="an .xlsx made for Excel, to open in LibreOffice Calc"
    )
    which.add_argument(
        "--excel-workbook",
        type=Path,
        help="an .xlsx saved by LibreOffice Calc (the add-in under its long names): a copy for "
        "Excel and xl-addin recalc",
    )
    p_lo.add_argument("--force", action="store_true", help="replace an existing output")
    args = parser.parse_args(argv)
    if args.command == "lite":
        return _lite(args)
    if args.command == "libreoffice":
        return _libreoffice(args)
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
                from .demo import demo

                print(demo(args.as_of, args.out, force=args.force))
            elif args.command == "template":
                from . import template

                _files.write_atomically(
                    args.output, template.template_bytes(), overwrite=args.force
                )
                print(f"wrote {args.output}")
            elif args.command == "events":
                return _events(args)
            elif args.command == "certificate":
                return certificate_cmd.run(args)
            elif args.command == "values":
                return _values(args)
    except _files.OutputExistsError as exc:
        print(f"{prog}: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
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


def _force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="replace an existing output file (default: refuse)"
    )


def _events(args: argparse.Namespace) -> int:
    from .workbook.event_log import event_log_csv

    if not args.workbook.is_file():
        print(f"xl-addin events: {args.workbook}: no such file", file=sys.stderr)
        return 2
    try:
        text = event_log_csv(args.workbook, args.name)
    except TermsError as exc:
        print(f"xl-addin events: {args.workbook}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    _files.write_atomically(args.output, text.encode("utf-8"), overwrite=args.force)
    print(f"wrote {args.output}")
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


def _libreoffice(args: argparse.Namespace) -> int:
    from .hosts.libreoffice import write_calc_copy, write_excel_copy, write_extension

    try:
        if args.workbook is not None:
            out = args.output or args.workbook.with_name(f"{args.workbook.stem}.calc.xlsx")
            count = write_calc_copy(args.workbook, out, force=args.force)
            print(f"wrote {out}: {count} formula(s) call the add-in under LibreOffice's names")
            return 0
        if args.excel_workbook is not None:
            src = args.workbook = args.excel_workbook  # named in the error lines below
            out = args.output or src.with_name(f"{src.stem}.excel.xlsx")
            count = write_excel_copy(src, out, force=args.force)
            print(f"wrote {out}: {count} formula(s) call the add-in under Excel's names")
            return 0
        out = args.output or Path("xl_addin.oxt")
        write_extension(out, force=args.force)
    except FileExistsError as exc:
        print(f"xl-addin libreoffice: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"xl-addin libreoffice: {_os_error(exc, args)}", file=sys.stderr)
        return 2
    except (RuntimeError, ValueError) as exc:
        print(f"xl-addin libreoffice: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except Exception as exc:  # RecalcError: the workbook cannot be read (one line)
        if recalc is None or not isinstance(exc, recalc.RecalcError):
            raise
        print(f"xl-addin libreoffice: {args.workbook}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    print(f"wrote {out}")
    print(
        f"Install: unopkg add {out} (or Tools > Extension Manager > Add), restart LibreOffice, "
        "then type e.g. =LIQPREF(100;12.31;DATE(2000;6;26);DATE(2001;6;26)) in Calc."
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
