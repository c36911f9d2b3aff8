"""``xl-addin demo``, the main job: the template, recalculated headlessly, read back as a
one-page summary a CFO could forward.

Every figure printed is read from the recalculated workbook (its defined names and blocks), so
the summary and the workbook cannot disagree; each carries the section of the certificate it
comes from. The sample scenario is dated (:data:`xl_addin.scenario.SAMPLE_AS_OF`) and its SAMPLE
inputs are named as such.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import _files, recalc
from .terms.constants import RESERVED_COMMON_SHARES

__all__ = ["MARKER", "demo"]

#: Files the demo wrote, with their SHA-256: a later run replaces them, and nothing else, unless
#: ``--force`` (a model the user edited in the demo folder is never lost).
MARKER = ".xl-addin-demo.json"
TEMPLATE_NAME = "series_a_model.xlsx"
RECALC_NAME = "series_a_model.recalc.xlsx"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _guard(out_dir: Path, names: Iterable[str], force: bool) -> None:
    """Refuse to replace a file the demo did not write (or that was edited since)."""
    marker = out_dir / MARKER
    try:
        known = json.loads(marker.read_text()) if marker.is_file() else {}
    except (OSError, ValueError):
        known = {}
    for name in names:
        path = out_dir / name
        if force or not path.exists():
            continue
        if not path.is_file() or known.get(name) != _sha256(path):
            raise _files.OutputExistsError(
                17, "exists and was not written by the demo; pass --force to replace it", str(path)
            )


def _record(out_dir: Path, names: Iterable[str]) -> None:
    data = {name: _sha256(out_dir / name) for name in names}
    _files.write_atomically(out_dir / MARKER, json.dumps(data, indent=1).encode())


def _money(value: Any, places: int = 2) -> str:
    return f"${float(value):,.{places}f}"


def _shares(value: Any) -> str:
    return f"{round(float(value)):,}"


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], first: int = 12) -> list[str]:
    """Right-aligned columns, the first one left-aligned."""
    widths = [max(len(str(r[j])) for r in [header, *rows]) for j in range(len(header))]
    widths[0] = max(widths[0], first)

    def line(cells: Sequence[str]) -> str:
        parts = [f"{cells[0]:<{widths[0]}}"]
        parts += [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    return ["  " + line(header)] + ["  " + line(r) for r in rows]


def demo(as_of: dt.date, out_dir: Path, force: bool = False) -> str:
    """Template → headless recalculation → summary; returns the text to print."""
    from . import template  # openpyxl: imported by the commands that write workbooks only

    out_dir.mkdir(parents=True, exist_ok=True)
    _guard(out_dir, (TEMPLATE_NAME, RECALC_NAME), force)
    path = out_dir / TEMPLATE_NAME
    _files.write_atomically(path, template.template_bytes())
    output = out_dir / RECALC_NAME
    report = recalc.recalculate(path, output, overrides={"ValuationDate": as_of})
    if not report.written or report.output is None:
        first = report.errors[0] if report.errors else "nothing was written"
        more = f" (and {len(report.errors) - 1} more cells)" if len(report.errors) > 1 else ""
        raise recalc.RecalcError(f"the template did not recalculate: {first}{more}")
    _record(out_dir, (TEMPLATE_NAME, RECALC_NAME))
    return summary(report.output, as_of, report.cells, report.seconds)


def summary(path: Path, as_of: dt.date, cells: int = 0, seconds: float = 0.0) -> str:
    """The one-page summary of a recalculated template."""
    import openpyxl

    v = recalc.named_values(path)
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        lines = _heading(v, as_of)
        lines += _preference(v)
        lines += _conversion(v, wb)
        lines += _waterfall(wb)
        lines += _checks(wb)
    finally:
        wb.close()
    lines += [
        "",
        f"Workbook with computed values: {path}",
        f"(recalculated headlessly, {cells} formula cells in {seconds:.2f} s; "
        "the Checks sheet lists every check)",
    ]
    return "\n".join(lines)


def _heading(v: dict[str, Any], as_of: dt.date) -> list[str]:
    issue = _as_date(v["ClassI_IssueDate"])
    return [
        "IFX Corporation - Series A Convertible Preferred Stock",
        "Certificate of Designation (June 2000): sample model",
        "",
        f"As of {_long_date(as_of)} (change it with --as-of YYYY-MM-DD). The sample Class I "
        f"shares were issued on {_long_date(issue)},",
        f"so Class I has accrued {float(v['AccrualRate']):.0%} a year on its Stated Value "
        f"(Section 3(a)) for YEARFRAC basis {v['DayCountBasis']} of that period.",
        "Inputs marked SAMPLE in the workbook (Class II issue date, Common outstanding, options, "
        "warrant, events) are illustrations, not the certificate's figures.",
        "",
    ]


def _preference(v: dict[str, Any]) -> list[str]:
    rows = []
    for cls in ("ClassI", "ClassII"):
        shares = int(v[f"{cls}_Shares"])
        pref = float(v[f"{cls}_LiqPref"])
        stated = float(v[f"{cls}_StatedValue"])
        dividends = float(v[f"{cls}_Dividends"] or 0)
        per_share = pref / shares if shares else 0.0
        accrued = per_share - stated - dividends
        rows.append(
            [
                cls.replace("Class", "Class "),
                _shares(shares),
                _money(stated),
                _money(accrued, 4),
                _money(per_share, 4),
                _money(pref),
            ]
        )
    total_shares = sum(int(v[f"{c}_Shares"]) for c in ("ClassI", "ClassII"))
    rows.append(["Total", _shares(total_shares), "", "", "", _money(v["TotalLiqPref"])])
    return [
        "1. Liquidation Preference (Section 3(a)): paid before any Junior Security",
        *_table(
            (
                "",
                "Shares",
                "Stated Value",
                "Accrued / share",
                "Per share",
                "Liquidation Preference",
            ),
            rows,
        ),
        "",
    ]


def _conversion(v: dict[str, Any], wb: Any) -> list[str]:
    rows = []
    for cls in ("ClassI", "ClassII"):
        rows.append(
            [
                cls.replace("Class", "Class "),
                _money(v[f"{cls}_InitialCP"], 4),
                _money(v[f"{cls}_CP"], 4),
                _shares(v[f"{cls}_ConvShares"]),
            ]
        )
    rows.append(["Total", "", "", _shares(v["TotalConvShares"])])
    common = int(v["CommonOutstanding"])
    fd = int(v["FullyDiluted"])
    series_a = int(v["TotalConvShares"])
    rights = fd - common - series_a
    reserved = RESERVED_COMMON_SHARES
    lines = [
        "2. Conversion (Sections 5(a), 5(e)(ii)) at the Conversion Prices adjusted under Section 6",
        *_table(
            ("", "Initial price", "Price as of date", "Common on conversion (full shares)"), rows
        ),
        "",
        f"  Fully Diluted Outstanding (Section 6(a), Cap Table, as of {_long_date(_as_date(v['ValuationDate']))}): "  # noqa: E501
        f"{_shares(fd)}",
        f"    = Common outstanding {_shares(common)} + options and warrants {_shares(rights)} "
        f"+ Series A as converted {_shares(series_a)}.",
        "    (The Adjustments sheet's CPHISTORY table shows Fully Diluted before and after each",
        "    logged event, from the capitalization the log starts with: a different date and",
        "    different holdings, so a different figure.)",
        f"  Common reserved for conversion (Section 5(f)): {_shares(reserved)} shares.",
        "",
    ]
    return lines


def _block(ws: Any, first_header: str) -> tuple[list[Any], list[list[Any]]]:
    """The header row whose first cell is ``first_header`` and the rows under it, up to the
    first blank row or array padding (#N/A)."""
    header: list[Any] | None = None
    body: list[list[Any]] = []
    for row in ws.iter_rows(values_only=True):
        cells = list(row)
        if header is None:
            if cells and isinstance(cells[0], str) and cells[0].strip() == first_header:
                header = cells
            continue
        if not cells or cells[0] is None or cells[0] == "#N/A" or cells[0] == "":
            break
        body.append(cells)
    if header is None:
        raise recalc.RecalcError(f"the workbook has no {first_header!r} block on {ws.title}")
    return header, body


def _waterfall(wb: Any) -> list[str]:
    ws = wb["Waterfall"]
    _, breaks = _block(ws, "Exit value")
    header, body = _block(ws, "Exit value")  # the first block: WATERFALL payouts
    lines = ["3. Waterfall at exit (Sections 3(a), 5(a)), from the Waterfall sheet"]
    payouts = [
        j
        for j, h in enumerate(header)
        if h and "per share" not in str(h) and "converts" not in str(h)
    ]
    rows = []
    for row in body:
        flags = [
            str(h).replace(" converts", "")
            for h, value in zip(header, row, strict=False)
            if h and "converts" in str(h) and value
        ]
        rows.append(
            [_money(row[payouts[0]])]
            + [_money(row[j] or 0) for j in payouts[1:]]
            + [", ".join(flags) or "none"]
        )
    lines += _table([str(header[j]) for j in payouts] + ["Converts"], rows)
    del breaks
    lines.append("")
    return lines


def _checks(wb: Any) -> list[str]:
    ws = wb["Checks"]
    header, body = _block(ws, "Check")
    lines = ["4. Checks sheet"]
    for row in body:
        status = str(row[4]) if len(row) > 4 and row[4] is not None else ""
        lines.append(f"  {status:<10} {row[0]} ({row[1]})")
    del header
    return lines
