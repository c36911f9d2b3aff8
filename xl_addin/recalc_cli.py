"""``xl-addin recalc``: the command line of :mod:`xl_addin.recalc` -- options, outputs (a
file, ``--in-place`` or standard output), several workbooks or a folder, the report printed,
signals, exit statuses (0 done, 1 cells in error, 2 bad input, 130/143 interrupted).

Moved out of :mod:`xl_addin.recalc` (which re-exports these names); the recalculation itself is
:func:`xl_addin.recalc.recalculate`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from .recalc import RecalcError, default_output, recalculate

__all__ = [
    "STDOUT",
    "Interrupted",
    "add_arguments",
    "interrupted_status",
    "main",
    "run",
    "signals_interrupt",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``recalc`` options (for ``xl-addin recalc``)."""
    parser.add_argument(
        "workbook",
        type=Path,
        nargs="+",
        help="the .xlsx/.xlsm to recalculate; several, or a folder (its .xlsx/.xlsm files)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=_output_argument,
        help="output file (default: IN.recalc.xlsx next to IN); - for standard output (a pipe "
        "or a file it is redirected to; a file named - is ./-)",
    )
    parser.add_argument("--in-place", action="store_true", help="overwrite the input (atomically)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a defined input cell first (number, TRUE/FALSE, YYYY-MM-DD or text); repeatable",
    )
    parser.add_argument(
        "--allow-errors",
        action="store_true",
        help="write the output even when cells evaluate to errors (exit 0)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing output file (default: refuse)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help=f"list every error cell (default: the first {SHOWN_ERRORS} and a count)",
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "native", "libreoffice", "formulas"),
        default="auto",
        help="auto (default): the fast native evaluator; where it cannot, LibreOffice with the "
        "add-in's extension, or the formulas library where LibreOffice is not installed",
    )


#: ``-o -``: standard output (the text itself: ``Path("./-")`` also prints as ``-``)
STDOUT = "-"


def _output_argument(text: str) -> Path | str:
    return STDOUT if text == STDOUT else Path(text)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived (``signum``); cleanup (``finally``, ``except``) runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGINT) raise :class:`Interrupted` instead of killing the process, so the
    temporary output is removed and the destination keeps its previous content (Python's
    default SIGTERM ends the process without running any cleanup). Exit status: 128 + signum.
    Only in the main thread (elsewhere signal handlers cannot be installed)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    saved = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is signal.SIG_IGN:
            continue  # e.g. started with nohup: left ignored
        with contextlib.suppress(ValueError, OSError):  # not settable here
            saved[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


def interrupted_status(exc: KeyboardInterrupt) -> int:
    """The exit status for an interruption: 128 + the signal number (130 for Ctrl-C)."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


#: Error cells listed without ``--verbose`` (one bad ``--set`` can make hundreds).
SHOWN_ERRORS = 5


def _output_path(args: argparse.Namespace) -> Path:
    if args.in_place:
        return Path(args.workbook)
    return Path(args.output) if args.output is not None else default_output(Path(args.workbook))


def _identity(path: Path) -> tuple[int, int, int] | None:
    """What tells a file apart from the one that replaces it (a new inode, size, time)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _inputs(paths: Sequence[Path]) -> list[Path]:
    """The workbooks named, a folder standing for its .xlsx/.xlsm files (not the outputs of an
    earlier run, ``*.recalc.xlsx``, nor Excel's ``~$`` lock files)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() in (".xlsx", ".xlsm")
                and not p.stem.endswith(".recalc")
                and not p.name.startswith("~$")
                and p.is_file()
            )
        else:
            out.append(path)
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``recalc`` over every workbook given (issue #10: one warm LibreOffice for all of
    them with ``--engine libreoffice``); the exit status is the worst of theirs."""
    given = args.workbook if isinstance(args.workbook, list) else [args.workbook]
    for folder in given:
        if folder.is_dir() and not _inputs([folder]):
            print(f"xl-addin recalc: {folder}: is a folder with no .xlsx/.xlsm", file=sys.stderr)
            return 2
    paths = _inputs(given)
    if len(paths) > 1 and args.output is not None:
        print("xl-addin recalc: -o names one output: give one workbook", file=sys.stderr)
        return 2
    status = 0
    try:
        for path in paths:
            one = argparse.Namespace(**{**vars(args), "workbook": path})
            rc = _run_one(one)
            status = max(status, rc)
            if rc > 2:  # interrupted
                break
    finally:
        from .workbook import libreoffice

        libreoffice.shutdown()
    return status


def _run_one(args: argparse.Namespace) -> int:
    """Run ``recalc`` on one workbook; returns the exit status."""
    if isinstance(args.output, str) and args.output == STDOUT:
        return _run_to_stdout(args)
    overrides: dict[str, object] = {}
    for item in args.overrides:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            print(f"xl-addin recalc: --set expects NAME=VALUE (got {item!r})", file=sys.stderr)
            return 2
        overrides[name.strip()] = value
    out = _output_path(args)
    before = _identity(out)
    try:
        with signals_interrupt():
            report = recalculate(
                args.workbook,
                args.output,
                in_place=args.in_place,
                overrides=overrides,
                allow_errors=args.allow_errors,
                progress=sys.stderr.isatty(),
                engine=args.engine,
                overwrite=getattr(args, "force", False),
            )
    except RecalcError as exc:
        print(f"xl-addin recalc: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"xl-addin recalc: {args.workbook}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        after = _identity(out)
        if getattr(args, "to_stdout", False):
            print(
                f"xl-addin recalc: {args.workbook}: interrupted; nothing written to standard "
                "output",
                file=sys.stderr,
            )
        elif after is not None and after != before:  # replaced before the interruption arrived
            print(
                f"xl-addin recalc: {args.workbook}: interrupted after {out} was written "
                "(it is complete)",
                file=sys.stderr,
            )
        else:
            print(
                f"xl-addin recalc: {args.workbook}: interrupted; no output written "
                "(an existing output file is left as it was)",
                file=sys.stderr,
            )
        return interrupted_status(exc)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    verbose = getattr(args, "verbose", False)
    shown = report.errors if verbose else report.errors[:SHOWN_ERRORS]
    if report.errors and not report.written:
        print(
            f"xl-addin recalc: {len(report.errors)} cell(s) evaluate to errors or were not "
            "computed; nothing written (use --allow-errors to write anyway)",
            file=sys.stderr,
        )
    for err in shown:
        print(f"error: {err}", file=sys.stderr)
    if len(shown) < len(report.errors):
        print(
            f"error: ... and {len(report.errors) - len(shown)} more (--verbose lists them all)",
            file=sys.stderr,
        )
    if report.written:
        if not args.quiet:
            shown = "(standard output)" if getattr(args, "to_stdout", False) else report.output
            print(
                f"{shown}: {report.cells} formula cells recalculated in "
                f"{report.seconds:.2f} s ({report.engine} engine)"
            )
        return 1 if report.errors and not args.allow_errors else 0
    return 1


def _run_to_stdout(args: argparse.Namespace) -> int:
    """``-o -``: the recalculated workbook written to standard output (the report to standard
    error). Refused when standard output is a terminal (a zip is not for the screen) and with
    ``--in-place``. The workbook is made in a temporary folder first: nothing reaches standard
    output unless it is complete and would have been written to a file."""
    if args.in_place:
        print("xl-addin recalc: give either -o - or --in-place, not both", file=sys.stderr)
        return 2
    stdout = sys.stdout
    if stdout.isatty():
        print(
            "xl-addin recalc: -o -: standard output is a terminal; redirect it to a file or a "
            "pipe (a file named - is -o ./-)",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="xl-addin-stdout-") as tmpdir:
        path = Path(tmpdir) / (Path(args.workbook).stem + ".recalc.xlsx")
        one = argparse.Namespace(
            **{**vars(args), "output": path, "force": False, "to_stdout": True}
        )
        with contextlib.redirect_stdout(sys.stderr):  # the report goes to standard error
            rc = _run_one(one)
        if rc > 2 or not path.exists():  # interrupted, or nothing written (errors)
            return rc
        try:
            with path.open("rb") as src:
                out = stdout.buffer
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
        except BrokenPipeError:
            # the reader went away: what it got is incomplete; say so, once
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
            print(
                f"xl-addin recalc: {args.workbook}: standard output was closed before the "
                "workbook was written in full",
                file=sys.stderr,
            )
            return 2
        except OSError as exc:
            print(f"xl-addin recalc: -o -: {exc}".splitlines()[0], file=sys.stderr)
            return 2
    return rc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xl-addin recalc", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
