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
import itertools
import json
import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import _files, recalc

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
        *_wrap(
            f"As of {_long_date(as_of)} (change it with --as-of YYYY-MM-DD). The sample Class I "
            f"shares were issued on {_long_date(issue)}, so Class I has accrued "
            f"{float(v['AccrualRate']):.0%} a year on its Stated Value (Section 3(a), YEARFRAC "
            f"basis {v['DayCountBasis']}) for that period. Inputs marked SAMPLE in the workbook "
            "(Class II issue date, Common outstanding, options, warrant, events) are "
            "illustrations, not the certificate's figures.",
            "",
            "",
        ),
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
    as_of = _long_date(_as_date(v["ValuationDate"]))
    lines = [
        "2. Conversion (Sections 5(a), 5(e)(ii)) at the Conversion Prices adjusted under Section 6",
        *_table(("", "Initial price", f"Price on {as_of}", "Common on conversion"), rows),
        "  (Common shares on conversion are full shares; a fraction is paid in cash, 5(e)(ii).)",
        "",
        *_history(wb),
        *_fully_diluted(v, wb),
        "",
    ]
    return lines


def _history_rows(wb: Any) -> list[dict[str, Any]]:
    """The CPHISTORY block of the Adjustments sheet, one dict per event (its own header row)."""
    ws = wb["Adjustments"]
    header: list[Any] | None = None
    out: list[dict[str, Any]] = []
    for row in ws.iter_rows(values_only=True):
        cells = list(row)
        if header is None:
            if "fd_before" in cells and "explanation" in cells:
                header = cells
            continue
        if not isinstance(cells[0], (int, float)):
            break
        out.append({str(h): cells[j] for j, h in enumerate(header) if h})
    return out


def _history(wb: Any) -> list[str]:
    events = _history_rows(wb)
    if not events:
        return ["  Section 6 event log: no events."]
    lines = ["  Section 6 events of the sample log (Adjustments sheet, CPHISTORY):"]
    for e in events:
        day = _as_date(e["date"]).isoformat()
        lines += _wrap(f"{day} {e['event']}: {e['explanation']}", "    ", "      ")
    return lines


def _wrap(text: str, first: str, rest: str, width: int = 100) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)


def _row_names(ws: Any) -> dict[str, str]:
    """WFBREAKS names rows by position ("Series A row 1", "option row 2"): the Waterfall
    sheet's own labels for them (its Series A and options tables)."""
    names: dict[str, str] = {}
    for title, key in (
        ("Series A", "Series A row"),
        ("Options / warrants (Cap Table)", "option row"),
    ):
        _, rows = _blocks(ws, title)[0]
        for k, row in enumerate(rows, 1):
            names[f"{key} {k}"] = str(row[0]).replace("SAMPLE: ", "")
    return names


def _named(text: str, names: dict[str, str]) -> str:
    return re.sub(
        r"(Series A row|option row) \d+", lambda m: names.get(m.group(0), m.group(0)), text
    )


def _fully_diluted(v: dict[str, Any], wb: Any) -> list[str]:
    common = int(v["CommonOutstanding"])
    fd = int(v["FullyDiluted"])
    series_a = int(v["TotalConvShares"])
    rights = fd - common - series_a
    lines = [
        "",
        "  Fully Diluted Outstanding (Section 6(a)), two views of the same model:",
        *_wrap(
            f"Cap Table (holdings as entered): Common {_shares(common)} + options and warrants "
            f"{_shares(rights)} + Series A as converted {_shares(series_a)} = {_shares(fd)}",
            "    ",
            "      ",
        ),
    ]
    events = _history_rows(wb)
    if events and "Hist_Common" in v:
        start = int(v["Hist_Common"]) + int(v["Hist_Rights"])
        last = events[-1]
        after = int(last["fd_after"])
        converted_first = int(events[0]["fd_before"]) - start
        converted_last = int(last["class_i_converts_into"]) + int(last["class_ii_converts_into"])
        added = after - int(events[0]["fd_before"]) - (converted_last - converted_first)
        lines += _wrap(
            f"Event log (CPHISTORY, after its last event, {_as_date(last['date']).isoformat()}): "
            f"Common and rights at the log's start {_shares(start)} + issued by the logged events "
            f"{_shares(added)} + Series A as converted {_shares(converted_last)} = "
            f"{_shares(after)}",
            "    ",
            "      ",
        )
        if after != fd:
            lines += [
                *_wrap(
                    f"They differ by {_shares(fd - after)}: the SAMPLE Cap Table and the SAMPLE "
                    "log's opening figures are separate inputs; in a real model enter the same "
                    "holdings in both (the Cap Table, and the Adjustments sheet's 'at the start' "
                    "rows plus the events).",
                    "    ",
                    "    ",
                ),
            ]
    return lines


def _blocks(ws: Any, first_header: str, column: int = 0) -> list[tuple[list[Any], list[list[Any]]]]:
    """Every block whose header row has ``first_header`` in ``column``, with the rows under it
    up to the first blank row or array padding (#N/A)."""
    found: list[tuple[list[Any], list[list[Any]]]] = []
    current: tuple[list[Any], list[list[Any]]] | None = None
    for row in ws.iter_rows(values_only=True):
        cells = list(row)
        cell = cells[column] if len(cells) > column else None
        if current is not None:
            if cell is None or cell == "" or (isinstance(cell, str) and cell.startswith("#")):
                current = None
            else:
                current[1].append(cells)
                continue
        if isinstance(cell, str) and cell.strip() == first_header:
            current = (cells, [])
            found.append(current)
    if not found:
        raise recalc.RecalcError(f"the workbook has no {first_header!r} block on {ws.title}")
    return found


def _waterfall(wb: Any) -> list[str]:
    ws = wb["Waterfall"]
    exits = _blocks(ws, "Exit value")
    (header, body), (_, breaks) = exits[0], exits[1]
    lines = [
        "3. Waterfall at exit (Sections 3(a), 5(a)), from the Waterfall sheet",
        *_wrap(f"Section 8(a): {ws['B13'].value}", "  ", "    "),
        "  Breakpoints (WFBREAKS): the exit values where the distribution changes",
    ]
    points = []
    names = _row_names(ws)
    for row in breaks:
        points.append(float(row[0]))
        lines += _wrap(_named(str(row[1]), names), f"    {_money(row[0]):>18}  ", " " * 26)
    # the template's exit column, plus a point of the payout curve in every stretch between
    # breakpoints that the column leaves out, so each conversion choice shows
    table = [list(r) for r in body]
    try:
        curve_header, curve = _blocks(ws, "Point", column=12)[0]
    except recalc.RecalcError:
        curve_header, curve = [], []
    if curve:
        offset = curve_header.index("Exit value")
        bounds = [0.0, *points, float("inf")]
        for lo, hi in itertools.pairwise(bounds):
            if any(lo < float(r[0]) < hi for r in table):
                continue
            inside = [r for r in curve if lo < float(r[offset]) < hi]
            if inside:
                pick = inside[len(inside) // 2][offset:]
                table.append(pick + [None] * (len(header) - len(pick)))
        table.sort(key=lambda r: float(r[0]))
    payouts = [
        j
        for j, h in enumerate(header)
        if h and "per share" not in str(h) and "converts" not in str(h) and h != "Total paid"
    ]
    rows = []
    for row in table:
        flags = [
            str(h).replace(" converts", "").replace("Class ", "")
            for h, value in zip(header, row, strict=False)
            if h and "converts" in str(h) and value
        ]
        rows.append(
            [_money(row[payouts[0]])]
            + [_money(row[j] or 0) for j in payouts[1:]]
            + [", ".join(flags) or "-"]
        )
    lines += [
        "",
        "  Payouts at exit values between the breakpoints (a class converts only when that pays it",
        "  more; Converts: the classes converting, I and II):",
    ]
    lines += _table([str(header[j]) for j in payouts] + ["Converts"], rows)
    lines.append("")
    return lines


def _checks(wb: Any) -> list[str]:
    ws = wb["Checks"]
    _, body = _blocks(ws, "Check")[0]
    ok = [r for r in body if str(r[4]) == "OK"]
    flagged = [r for r in body if str(r[4]) != "OK"]
    lines = [f"4. Checks sheet: {len(ok)} of {len(body)} checks OK"]
    for row in flagged:
        section = f" ({row[1]})" if row[1] else ""
        lines.append(f"  {row[4]}: {row[0]}{section}: {_shares(row[2])} vs {_shares(row[3])}")
        if len(row) > 5 and row[5]:
            lines += _wrap(str(row[5]), "    ", "    ")
    for row in ok:
        section = f" ({row[1]})" if row[1] else ""
        lines.append(f"  OK: {row[0]}{section}")
    return lines
