"""The ``xl-addin`` command.

``xl-addin demo`` prints the key figures of the sample scenario as of a date: the Liquidation
Preference of each class (Section 3(a)), the Conversion Prices and the Common shares each class
converts into (Section 5(a)). The CLI only parses options and formats; the numbers come from
:mod:`xl_addin.terms`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from . import __version__
from .scenario import SAMPLE
from .terms import TermsError, conversion_shares, liquidation_preference


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
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            print(demo(args.as_of))
    except TermsError as exc:
        print(f"xl-addin: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
