"""The ``xl-addin`` command.

* ``xl-addin demo`` prints the key figures of the sample scenario as of a date: the Liquidation
  Preference of each class (Section 3(a)), the Conversion Prices and the Common shares each class
  converts into (Section 5(a)).
* ``xl-addin certificate LOG.csv --row N ...`` renders the Section 6(j) certificate of adjustment
  for one row of an event log (Markdown or HTML).

The CLI only parses options and formats; the numbers come from :mod:`xl_addin.terms`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .scenario import SAMPLE
from .terms import TermsError, conversion_shares, liquidation_preference
from .terms.certificate_of_adjustment import certificate_of_adjustment
from .terms.history import capitalization

if TYPE_CHECKING:
    import pandas as pd


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD (got {text!r})") from None


def demo(as_of: dt.date) -> str:
    s = SAMPLE
    rows = [
        (
            "Class I",
            s.class_i_shares,
            s.class_i_stated_value,
            s.class_i_issue_date,
            s.class_i_conversion_price,
        ),
        (
            "Class II",
            s.class_ii_shares,
            s.class_ii_stated_value,
            s.class_ii_issue_date,
            s.class_ii_conversion_price,
        ),
    ]
    lines = [
        "IFX Corporation - Series A Convertible Preferred Stock (certificate of June 2000)",
        f"Sample scenario as of {as_of.isoformat()} (YEARFRAC basis {s.basis}, "
        f"accrual {s.rate:.0%} p.a.)",
        "",
        f"{'class':<9}{'shares':>12}{'stated':>9}{'issued':>12}"
        f"{'liq. pref. (3(a))':>20}{'conv. price':>13}{'common (5(a))':>15}",
    ]
    total = 0.0
    for name, shares, sv, issued, cp in rows:
        pref = float(liquidation_preference(shares, sv, issued, as_of, 0, s.rate, s.basis))
        common = int(conversion_shares(shares, sv, cp))
        total += pref
        lines.append(
            f"{name:<9}{shares:>12,}{float(sv):>9.2f}{issued.isoformat():>12}"
            f"{pref:>20,.2f}{float(cp):>13.4f}{common:>15,}"
        )
    lines += [
        "",
        f"Total Liquidation Preference: ${total:,.2f}",
        "Sample figures: Class II Stated Value and issue dates are inputs, not certificate terms.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xl-addin", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"xl-addin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="print the sample scenario's key figures")
    p_demo.add_argument(
        "--as-of",
        type=_date,
        default=dt.date.today(),
        help="valuation date YYYY-MM-DD (default: today)",
    )
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
    p_cert.add_argument("--class-i-price", help="Class I Conversion Price (default $12.31)")
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
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            print(demo(args.as_of))
        elif args.command == "certificate":
            return _certificate(args)
    except TermsError as exc:
        print(f"xl-addin: {exc}", file=sys.stderr)
        return 2
    return 0


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
        tmp = args.output.with_name(args.output.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.output)  # atomic: never a half-written certificate
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
