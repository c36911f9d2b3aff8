"""Benchmarks of xl_addin (issue 6) -- a script, not a test: it measures, prints a table and
writes the same figures as JSON.

    python bench/run.py                 # full run (about a minute)
    python bench/run.py --quick         # smaller sizes, for a smoke check
    python bench/run.py --json out.json # where the JSON goes (default bench/results.json)

What it measures, on this machine, in one run:

1. Python-side cost of one scalar call of each Excel function (µs/call, median of repeats).
2. Array throughput: LIQPREF, CONVSHARES, ADJPRICE over 100,000 rows; WATERFALL over 10,000 exit
   values (2 classes + a parity security + options); the Section 6 history over 10,000 events;
   PRORATA over 10,000 holders, pro rata shares and with requests -- rows/s and the speed-up per
   row against calling the scalar form row by row (the scalar loop is timed on a sample of rows
   and scaled), where a scalar form computes the same thing. Cold and warm scalar calls of the
   functions that keep a result per capitalization or event log.
3. Whole-process wall time and peak memory (max RSS) of ``xl-addin recalc`` on the template and on
   a generated 2,000-formula workbook, next to LibreOffice headless recalculating the same file
   (``soffice --convert-to xlsx`` with recalculation on load forced, warm profile), when installed.
4. Peak memory of each in-process measurement (tracemalloc, a separate run).

Figures are medians; on a noisy machine read the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XL_ADDIN_ERRORS", "text")

from xl_addin import udfs  # noqa: E402

TARGETS = {
    "scalar_us": 20.0,
    "array_speedup": 50.0,
    "LIQPREF_ms": 100.0,
    "CONVSHARES_ms": 100.0,
    "ADJPRICE_ms": 100.0,
    "WATERFALL_ms": 250.0,
    "history_ms": 1000.0,
    "PRORATA_ms": 100.0,
    "recalc_template_s": 3.0,
}


def median_time(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """Median seconds per call over ``repeat`` batches of ``number`` calls."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def peak_memory(fn: Callable[[], Any]) -> float:
    """Peak traced allocation of one call, MiB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def check(result: Any) -> Any:
    if isinstance(result, str) and result.startswith("#"):
        raise SystemExit(f"benchmark call failed: {result}")
    return result


# ----------------------------------------------------------------------------- sample inputs
SERIES_A = [[1_210_398, 12.31, 36692, 12.31, 0], [820_471, 12.31, 36784, 12.31, 0]]
PARITY = [[5_000_000]]
OPTIONS = [[2_460_000, 5.0], [210_000, 15.0]]
LOG_HEADER = ["date", "event", "shares", "price", "instrument", "category", "note"]


def event_log(n: int) -> list[list[Any]]:
    """n events: issues above and below the price, permitted options, splits, warrants."""
    rows: list[list[Any]] = [LOG_HEADER]
    day = 36900
    for i in range(n):
        k = i % 10
        day += 1 if k == 0 else 0
        if k == 3:
            rows.append([day, "WARRANT", 1_000, 20.0, f"W{i}", None, None])
        elif k == 7:
            rows.append([day, "ISSUE", 500, 14.0 + (i % 5), None, None, None])
        elif k == 9 and i % 1000 == 999:
            rows.append([day, "SPLIT", None, None, None, None, "2-for-1"])
        else:
            rows.append([day, "ISSUE", 100, 30.0, None, None, None])
    if any(r[1] == "SPLIT" for r in rows[1:]):
        rows[0] = [*LOG_HEADER, "ratio"]
        rows[1:] = [[*r, 2 if r[1] == "SPLIT" else None] for r in rows[1:]]
    return rows


def cold_call(fn: Callable[..., Any], *args: Any) -> Any:
    """A first call: without what WATERFALL/WFBREAKS keep per capitalization and CPASOF per
    event log (the next cell over the same arguments is a warm call)."""
    from xl_addin import udfs_exits, udfs_history

    udfs_exits._WATERFALLS.clear()
    udfs_history._HISTORIES.clear()
    return fn(*args)


def scalar_cases() -> dict[str, Callable[[], Any]]:
    log = event_log(5)
    return {
        "LIQPREF": lambda: udfs.LIQPREF(1000, 12.31, 36703, 37068),
        "CONVSHARES": lambda: udfs.CONVSHARES(97, 12.31, 12.31),
        "CASHINLIEU": lambda: udfs.CASHINLIEU(100, 12.31, 10, 8),
        "ADJPRICE": lambda: udfs.ADJPRICE(12.31, "ISSUE", 10_000_000, 1_000_000, 10.0, True),
        "PRORATA": lambda: udfs.PRORATA(600, 2000, 100),  # one holder: its pro rata share
        "WATERFALL": lambda: cold_call(
            udfs.WATERFALL, 50_000_000, SERIES_A, 14_000_000, 46000, PARITY, OPTIONS
        ),
        "WATERFALL (warm)": lambda: udfs.WATERFALL(
            50_000_000, SERIES_A, 14_000_000, 46000, PARITY, OPTIONS
        ),
        "WFBREAKS": lambda: cold_call(udfs.WFBREAKS, SERIES_A, 14_000_000, 46000, PARITY, OPTIONS),
        "WFBREAKS (warm)": lambda: udfs.WFBREAKS(SERIES_A, 14_000_000, 46000, PARITY, OPTIONS),
        "CPHISTORY": lambda: udfs.CPHISTORY(log, 10_000_000, 0, 1_210_398),
        "CPASOF": lambda: cold_call(udfs.CPASOF, log, "I", 37000, 10_000_000, 0, 1_210_398),
        "CPASOF (warm)": lambda: udfs.CPASOF(log, "I", 37000, 10_000_000, 0, 1_210_398),
        "QPOTEST": lambda: udfs.QPOTEST(75e6, 56.25e6, 400e6),
        "LIQEVENT": lambda: udfs.LIQEVENT(False, False, True, True, 20.0, 1.0, 14.0, 1e7, 1e5),
        "SECVALUE": lambda: udfs.SECVALUE(
            [[46000 + i] for i in range(40)], [[10.0 + i / 10] for i in range(40)], 46040
        ),
        "VOTES": lambda: udfs.VOTES(1_210_398, 12.31, 12.31, 14_000_000),
        "PARTDIV": lambda: udfs.PARTDIV(1_210_398, 12.31, 12.31, 0.25),
        "RESERVATION": lambda: udfs.RESERVATION(1_210_398, 12.31, 10.0, 5_000_000),
        "BOARDSEATS": lambda: udfs.BOARDSEATS(7, 1),
        "PUTPRICE": lambda: udfs.PUTPRICE(1000, 12.31, 36703, 37068),
        "PUTDATE": lambda: udfs.PUTDATE(46000),
        "CONSENT": lambda: udfs.CONSENT("debt", 20e6),
    }


def bench_scalars() -> list[dict[str, Any]]:
    out = []
    for name, fn in scalar_cases().items():
        check(fn())
        per_call = median_time(fn, repeat=7, number=200 if name not in ("WFBREAKS",) else 50)
        out.append(
            {
                "function": name,
                "us_per_call": per_call * 1e6,
                "target_us": TARGETS["scalar_us"],
                "ok": per_call * 1e6 <= TARGETS["scalar_us"],
            }
        )
    return out


def array_cases(
    quick: bool,
) -> list[tuple[str, int, Callable[[], Any], Callable[[int], Any] | None]]:
    """(name, rows, the one array call, the scalar form for row i)."""
    n = 10_000 if quick else 100_000
    m = 2_000 if quick else 10_000
    rng = np.random.default_rng(20000626)
    shares = rng.integers(1, 2_000_000, n).astype(float)
    issue = rng.integers(36692, 40000, n).astype(float)
    paid = issue + rng.integers(0, 5000, n)
    cps = np.round(rng.uniform(5, 15, n), 4)
    events = np.array(["ISSUE", "SPLIT", "WARRANT", "PERMITTED", "DIVIDEND"])[rng.integers(0, 5, n)]
    fd = rng.integers(10_000_000, 30_000_000, n).astype(float)
    delta = rng.integers(1, 1_000_000, n).astype(float)
    price = np.round(rng.uniform(1, 20, n), 2)
    col = lambda a: a.reshape(-1, 1).tolist()  # noqa: E731  (what xlwings hands over)
    sh, iss, pd_, cp, ev = col(shares), col(issue), col(paid), col(cps), col(events)
    fdl, dl, pl = col(fd), col(delta), col(price)
    exits = col(np.linspace(0, 400_000_000, m))
    holdings = col(rng.integers(0, 100_000, m).astype(float))
    total = float(np.sum(holdings)) * 1.25
    requested = col(rng.integers(0, 80_000, m).astype(float))
    log = event_log(m)
    return [
        (
            "LIQPREF",
            n,
            lambda: udfs.LIQPREF(sh, 12.31, iss, pd_),
            lambda i: udfs.LIQPREF(shares[i], 12.31, issue[i], paid[i]),
        ),
        (
            "CONVSHARES",
            n,
            lambda: udfs.CONVSHARES(sh, 12.31, cp),
            lambda i: udfs.CONVSHARES(shares[i], 12.31, cps[i]),
        ),
        (
            "ADJPRICE",
            n,
            lambda: udfs.ADJPRICE(12.31, ev, fdl, dl, pl, True),
            lambda i: udfs.ADJPRICE(12.31, str(events[i]), fd[i], delta[i], price[i], True),
        ),
        (
            "WATERFALL",
            m,
            lambda: cold_call(udfs.WATERFALL, exits, SERIES_A, 14_000_000, 46000, PARITY, OPTIONS),
            lambda i: cold_call(
                udfs.WATERFALL, exits[i][0], SERIES_A, 14_000_000, 46000, PARITY, OPTIONS
            ),
        ),
        (
            "history",
            m,
            lambda: udfs.CPHISTORY(log, 10_000_000, 0, 1_210_398),
            None,  # no scalar form computes the same thing (ADJPRICE is one event, FD typed in)
        ),
        (
            "PRORATA",  # 9(a) pro rata shares: what the scalar form computes for one holder
            m,
            lambda: udfs.PRORATA(holdings, total, 1_000_000),
            lambda i: udfs.PRORATA(holdings[i][0], total, 1_000_000),
        ),
        (
            "PRORATA (with requests)",
            m,
            lambda: udfs.PRORATA(holdings, total, 1_000_000, requested),
            None,  # the over-allotment needs every holder's request: no scalar form computes it
        ),
    ]


def bench_arrays(quick: bool) -> list[dict[str, Any]]:
    out = []
    for name, rows, whole, scalar in array_cases(quick):
        check(whole())
        t_array = median_time(whole, repeat=5)
        t_scalar_row = None
        if scalar is not None:
            sample = min(rows, 300 if name in ("WATERFALL",) else 2_000)
            idx = np.linspace(0, rows - 1, sample).astype(int)
            t = time.perf_counter()
            for i in idx:
                check(scalar(int(i)))
            t_scalar_row = (time.perf_counter() - t) / sample
        mem = peak_memory(whole)
        speedup = None if t_scalar_row is None else t_scalar_row * rows / t_array
        key = f"{name.split(' (')[0]}_ms"
        out.append(
            {
                "function": name,
                "rows": rows,
                "ms": t_array * 1e3,
                "rows_per_s": rows / t_array,
                "scalar_us_per_row": None if t_scalar_row is None else t_scalar_row * 1e6,
                "speedup_per_row": speedup,
                "peak_mib": mem,
                "target_ms": TARGETS.get(key),
                "ok": (not quick)
                and t_array * 1e3 <= TARGETS[key]
                and (speedup is None or speedup >= TARGETS["array_speedup"]),
            }
        )
    return out


# ----------------------------------------------------------------------------- whole process
def generated_workbook(path: Path, formulas: int = 2_000) -> Path:
    """A sheet of inputs and ``formulas`` formula cells: native and add-in functions mixed."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Model"
    ws.append(["shares", "stated", "issue", "paid", "price", "yf", "liqpref", "conv", "check"])
    rows = formulas // 4
    for r in range(2, rows + 2):
        ws.append(
            [
                1000 + r,
                12.31,
                dt.date(2000, 6, 15),
                dt.date(2000, 6, 15) + dt.timedelta(r),
                10 + (r % 7) / 4,
            ]
        )
        ws[f"F{r}"] = f"=YEARFRAC(C{r},D{r},1)"
        ws[f"G{r}"] = f"=LIQPREF(A{r},B{r},C{r},D{r})"
        ws[f"H{r}"] = f"=CONVSHARES(A{r},B{r},E{r})"
        ws[f"I{r}"] = f"=A{r}*B{r}*(1+0.1*F{r})-G{r}"
    wb.save(path)
    return path


#: Runs a command and prints its wall time and peak RSS. A small separate process, because a
#: child forked from this (large) benchmark process would report this process's RSS as its peak.
_MEASURE = """
import os, subprocess, sys, time
t = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(p.pid, 0)
wall = time.perf_counter() - t
code = os.waitstatus_to_exitcode(status)
err = p.stderr.read().decode(errors="replace")[-300:].replace(chr(10), " ")
print(code, wall, usage.ru_maxrss, err)
"""


def run_process(cmd: list[str], output: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one command and the children it waits for. The command
    must succeed and write ``output`` (removed first): a failed run is never timed as a run."""
    output.unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True
    ).stdout.split(" ", 3)
    code, wall, rss = int(out[0]), float(out[1]), float(out[2])
    if code != 0 or not output.exists():
        why = out[3].strip() if len(out) > 3 else ""
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed (exit {code}, no {output}): {why}")
    return wall, rss / 1024


_LO_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def bench_processes(tmp: Path, repeat: int) -> list[dict[str, Any]]:
    from xl_addin import template

    files = {
        "template": template.build_template(tmp / "template.xlsx"),
        "generated 2,000 formulas": generated_workbook(tmp / "generated.xlsx"),
    }
    soffice = shutil.which("soffice")
    profile = tmp / "lo-profile"
    if soffice:
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_LO_RECALC)
    out = []
    for label, path in files.items():
        ours_cmd = [
            sys.executable,
            "-m",
            "xl_addin.cli",
            "recalc",
            str(path),
            "-o",
            str(tmp / "out.xlsx"),
            "--allow-errors",
            "-q",
        ]
        ours_out = tmp / "out.xlsx"
        run_process(ours_cmd, ours_out)  # warm the OS file cache
        ours = [run_process(ours_cmd, ours_out) for _ in range(repeat)]
        # the same command with the formulas library as the engine (the fallback), once
        slow = run_process([*ours_cmd, "--engine", "formulas"], ours_out)
        row: dict[str, Any] = {
            "workbook": label,
            "ours_s": statistics.median(w for w, _ in ours),
            "ours_peak_mib": max(m for _, m in ours),
            "formulas_engine_s": slow[0],
            "formulas_engine_peak_mib": slow[1],
        }
        if soffice:
            lo_cmd = [
                "timeout",
                "120",
                soffice,
                "--headless",
                "--norestore",
                f"-env:UserInstallation={profile.as_uri()}",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(tmp / "lo"),
                str(path),
            ]
            lo_out = tmp / "lo" / path.name
            run_process(lo_cmd, lo_out)  # first start creates the profile: not counted
            lo = [run_process(lo_cmd, lo_out) for _ in range(repeat)]
            row["libreoffice_s"] = statistics.median(w for w, _ in lo)
            row["libreoffice_peak_mib"] = max(m for _, m in lo)
            row["ratio_ours_to_lo"] = row["ours_s"] / row["libreoffice_s"]
        if label == "template":
            row["ok"] = row["ours_s"] <= TARGETS["recalc_template_s"] and (
                row.get("ratio_ours_to_lo", 0.0) <= 1.0
            )
        out.append(row)
    return out


# ----------------------------------------------------------------------------- report
def table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]]) -> str:
    head = "| " + " | ".join(h for h, _, _ in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = []
    for r in rows:
        cells = []
        for _, key, fmt in columns:
            v = r.get(key)
            cells.append("—" if v is None else (fmt.format(v) if fmt else str(v)))
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([head, rule, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke check)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--no-process", action="store_true", help="skip the whole-process part")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "targets": TARGETS,
    }
    results["scalar"] = bench_scalars()
    print("\n1. One scalar call (Python side), µs — target ≤ 20\n")
    print(
        table(
            results["scalar"],
            [("function", "function", ""), ("µs/call", "us_per_call", "{:.1f}"), ("ok", "ok", "")],
        )
    )
    results["arrays"] = bench_arrays(args.quick)
    print("\n2. Array forms: one call over a column\n")
    print(
        table(
            results["arrays"],
            [
                ("function", "function", ""),
                ("rows", "rows", "{:,}"),
                ("ms", "ms", "{:.1f}"),
                ("rows/s", "rows_per_s", "{:,.0f}"),
                ("scalar µs/row", "scalar_us_per_row", "{:.1f}"),
                ("speed-up/row", "speedup_per_row", "{:,.0f}×"),
                ("target ms", "target_ms", "{:.0f}"),
                ("peak MiB", "peak_mib", "{:.1f}"),
                ("ok", "ok", ""),
            ],
        )
    )
    if not args.no_process:
        with tempfile.TemporaryDirectory() as tmp:
            results["process"] = bench_processes(Path(tmp), repeat=3 if not args.quick else 1)
        print("\n3-4. Whole process: xl-addin recalc vs LibreOffice headless\n")
        print(
            table(
                results["process"],
                [
                    ("workbook", "workbook", ""),
                    ("ours s", "ours_s", "{:.2f}"),
                    ("ours peak MiB", "ours_peak_mib", "{:.0f}"),
                    ("LibreOffice s", "libreoffice_s", "{:.2f}"),
                    ("LibreOffice peak MiB", "libreoffice_peak_mib", "{:.0f}"),
                    ("ours / LibreOffice", "ratio_ours_to_lo", "{:.2f}"),
                    ("formulas engine s", "formulas_engine_s", "{:.2f}"),
                    ("formulas engine peak MiB", "formulas_engine_peak_mib", "{:.0f}"),
                    ("ok", "ok", ""),
                ],
            )
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
