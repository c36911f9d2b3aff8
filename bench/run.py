"""Benchmarks of xl_addin (issues 6, 15) -- a script, not a test: it measures, prints tables and
writes the same figures as JSON; ``--readme`` prints the README's Performance section from the
same run.

    python bench/run.py                 # full run (a few minutes on 2 cores)
    python bench/run.py --quick         # smaller sizes and fewer rounds, for a smoke check
    python bench/run.py --readme        # also print the README section (Markdown)
    python bench/run.py --json out.json # where the JSON goes (default bench/results.json)

Like for like (issue 15):

* A scalar call gets a fresh value per call, as Python floats (what xlwings passes for a column
  of cells), never the same arguments again: no parse cache hit that a column would not get.
  "Warm" is what a column of cells is after its first cell (WATERFALL, CPASOF keep one result per
  capitalization or event log); "cold" clears those caches before every call. Both are printed.
* An array form and its scalar form run on the same rows, in alternating rounds of one run
  (array, scalar, array, scalar, ...); each round's ratio is (scalar time per row × rows) / array
  time; the median and its spread (min-max over rounds) are printed.
* In-process times are CPU time of this process (``time.process_time``), so the other
  processes of a shared machine do not count; whole processes are timed by the wall clock.
* Peak memory of every case: tracemalloc's peak over one call (a separate pass, so tracing does
  not slow the timed rounds); whole processes: the child's max RSS.
* Whole process: ``xl-addin recalc`` on the template and on generated workbooks of growing size,
  next to LibreOffice headless recalculating the same file (warm profile, recalculation on load
  forced) -- the curve, not one point: LibreOffice's ~1 s start-up dominates small workbooks.

Figures are medians; on a noisy machine read the ratios and their spread.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XL_ADDIN_ERRORS", "text")

from xl_addin import udfs  # noqa: E402

#: The targets of issue 15 (per call, per array call, per process).
TARGETS: dict[str, float] = {
    "scalar_us": 10.0,  # LIQPREF, CONVSHARES, ADJPRICE, CASHINLIEU, varying arguments
    "array_speedup": 100.0,  # array form vs its scalar call, per row
    "array_ms": 50.0,  # 100,000 rows
    "waterfall_speedup": 50.0,  # 10,000 exits vs a warm scalar cell per exit
    "waterfall_ms": 50.0,
    "history_s": 0.2,  # CPHISTORY, CPASOF over 10,000 events, cold
    "prorata_requests_ms": 5.0,  # PRORATA with requests over 10,000 holders
    "peak_mib": 200.0,
}
#: The scalar functions with the 10 µs target.
SCALAR_TARGETED = ("LIQPREF", "CONVSHARES", "ADJPRICE", "CASHINLIEU")


def check(result: Any) -> Any:
    """A benchmark of a failing call measures nothing: stop with the cell's message."""
    if isinstance(result, str) and result.startswith("#"):
        raise SystemExit(f"benchmark call failed: {result}")
    return result


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median and min-max of a sample (per round)."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


#: In-process figures are this process's CPU time: on a shared machine the time other
#: processes hold the cores is not counted (whole processes are timed by the wall clock).
clock = time.process_time


def timed(fn: Callable[[], Any]) -> float:
    """CPU seconds of one call of ``fn``."""
    t = clock()
    fn()
    return clock() - t


def peak_mib(fn: Callable[[], Any]) -> float:
    """Peak traced allocation (MiB) of one call of ``fn``."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


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


def clear_caches() -> None:
    """What WATERFALL/WFBREAKS keep per capitalization and CPASOF per event log: cleared, so the
    next call is a first ("cold") call."""
    from xl_addin import udfs_exits, udfs_history

    for module in (udfs_exits, udfs_history):
        for name in dir(module):
            cache = getattr(module, name)
            if name.startswith("_") and name.isupper() and isinstance(cache, dict):
                cache.clear()


def cold(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        clear_caches()
        return fn(*args)

    return call


@dataclass
class Columns:
    """n rows of inputs as Python floats (and event names), and the same as xlwings passes a
    column: a list of one-cell rows."""

    n: int
    data: dict[str, list[Any]] = field(default_factory=dict)

    def col(self, name: str) -> list[list[Any]]:
        return [[v] for v in self.data[name]]


def columns(n: int, seed: int = 20000626) -> Columns:
    rng = np.random.default_rng(seed)
    issue = rng.integers(36692, 40000, n)
    data: dict[str, list[Any]] = {
        "shares": rng.integers(1, 2_000_000, n).astype(float).tolist(),
        "issue": issue.astype(float).tolist(),
        "paid": (issue + rng.integers(0, 5000, n)).astype(float).tolist(),
        "cp": np.round(rng.uniform(5, 15, n), 4).tolist(),
        "closing": np.round(rng.uniform(1, 30, n), 2).tolist(),
        "event": np.array(["ISSUE", "SPLIT", "WARRANT", "PERMITTED", "DIVIDEND"])[
            rng.integers(0, 5, n)
        ].tolist(),
        "fd": rng.integers(10_000_000, 30_000_000, n).astype(float).tolist(),
        "delta": rng.integers(1, 1_000_000, n).astype(float).tolist(),
        "price": np.round(rng.uniform(1, 20, n), 2).tolist(),
        "exit": np.round(np.linspace(0, 400_000_000, n), 2).tolist(),
        "holding": rng.integers(0, 100_000, n).astype(float).tolist(),
        "request": rng.integers(0, 80_000, n).astype(float).tolist(),
    }
    return Columns(n, data)


@dataclass
class Case:
    """One function: its array call over the columns and its scalar call for row i."""

    name: str
    rows: int
    array: Callable[[], Any] | None
    scalar: Callable[[int], Any] | None
    note: str = ""
    target_ms: float | None = None
    target_speedup: float | None = None
    scalar_target_us: float | None = None
    scalar_kind: str = "fresh values"
    sample: int | None = None  # scalar calls per round (default: the run's sample)


def cases(quick: bool) -> list[Case]:
    n = 10_000 if quick else 100_000
    m = 2_000 if quick else 10_000
    c = columns(n)
    d = c.data
    sh, iss, pd_, cp, cl = (
        c.col("shares"),
        c.col("issue"),
        c.col("paid"),
        c.col("cp"),
        c.col("closing"),
    )
    ev, fd, dl, pr = c.col("event"), c.col("fd"), c.col("delta"), c.col("price")
    w = columns(m, seed=9)
    wd = w.data
    exits, holdings, requests = w.col("exit"), w.col("holding"), w.col("request")
    total = sum(wd["holding"]) * 1.25
    log = event_log(m)
    scalar_us = TARGETS["scalar_us"]
    array_ms = TARGETS["array_ms"] * n / 100_000
    cap = (SERIES_A, 14_000_000, 46000, PARITY, OPTIONS)
    return [
        Case(
            "LIQPREF",
            n,
            lambda: udfs.LIQPREF(sh, 12.31, iss, pd_),
            lambda i: udfs.LIQPREF(d["shares"][i], 12.31, d["issue"][i], d["paid"][i]),
            target_ms=array_ms,
            target_speedup=TARGETS["array_speedup"],
            scalar_target_us=scalar_us,
        ),
        Case(
            "CONVSHARES",
            n,
            lambda: udfs.CONVSHARES(sh, 12.31, cp),
            lambda i: udfs.CONVSHARES(d["shares"][i], 12.31, d["cp"][i]),
            target_ms=array_ms,
            target_speedup=TARGETS["array_speedup"],
            scalar_target_us=scalar_us,
        ),
        Case(
            "CASHINLIEU",
            n,
            lambda: udfs.CASHINLIEU(sh, 12.31, cp, cl),
            lambda i: udfs.CASHINLIEU(d["shares"][i], 12.31, d["cp"][i], d["closing"][i]),
            target_ms=array_ms,
            target_speedup=TARGETS["array_speedup"],
            scalar_target_us=scalar_us,
        ),
        Case(
            "ADJPRICE",
            n,
            lambda: udfs.ADJPRICE(12.31, ev, fd, dl, pr, True),
            lambda i: udfs.ADJPRICE(
                12.31, d["event"][i], d["fd"][i], d["delta"][i], d["price"][i], True
            ),
            target_ms=array_ms,
            target_speedup=TARGETS["array_speedup"],
            scalar_target_us=scalar_us,
        ),
        Case(
            "PRORATA",
            m,
            lambda: udfs.PRORATA(holdings, total, 1_000_000),
            lambda i: udfs.PRORATA(wd["holding"][i], total, 1_000_000),
            note="pro rata shares (9(a))",
            target_speedup=TARGETS["array_speedup"],
        ),
        Case(
            "PRORATA (with requests)",
            m,
            lambda: udfs.PRORATA(holdings, total, 1_000_000, requests),
            None,  # the over-allotment needs every holder's request: no scalar form
            note="over-allotment: no scalar form",
            target_ms=TARGETS["prorata_requests_ms"] * m / 10_000,
        ),
        Case(
            "WATERFALL",
            m,
            lambda: udfs.WATERFALL(exits, *cap),
            lambda i: udfs.WATERFALL(wd["exit"][i], *cap),
            note="2 classes + parity + options; scalar warm (same capitalization)",
            target_ms=TARGETS["waterfall_ms"] * m / 10_000,
            target_speedup=TARGETS["waterfall_speedup"],
            scalar_kind="warm, fresh exit per call",
        ),
        Case(
            "WATERFALL (cold scalar)",
            m,
            None,
            lambda i: cold(udfs.WATERFALL)(wd["exit"][i], *cap),
            note="each call without the per-capitalization cache",
            scalar_kind="cold",
            sample=200,
        ),
        Case(
            "CPHISTORY",
            m,
            cold(lambda: udfs.CPHISTORY(log, 10_000_000, 0, 1_210_398)),
            None,
            note="the whole event log, cold",
            target_ms=TARGETS["history_s"] * 1e3 * m / 10_000,
        ),
        Case(
            "CPASOF",
            m,
            cold(lambda: udfs.CPASOF(log, "I", 40000, 10_000_000, 0, 1_210_398)),
            None,
            note="one cell over the whole event log, cold",
            target_ms=TARGETS["history_s"] * 1e3 * m / 10_000,
        ),
        Case(
            "CPASOF (warm)",
            m,
            None,
            lambda i: udfs.CPASOF(log, "I", 36900 + i % 1000, 10_000_000, 0, 1_210_398),
            note="another cell over the same log, a fresh as-of date per call",
            scalar_kind="warm, fresh date per call",
            sample=50,
        ),
    ]


def measure(case: Case, rounds: int, sample: int) -> dict[str, Any]:
    """Alternating rounds of the array call and the scalar calls on the same rows."""
    row: dict[str, Any] = {"function": case.name, "rows": case.rows, "note": case.note}
    if case.array is not None:
        check(case.array())  # a first call (imports, caches a column would also have)
    if case.scalar is not None:
        check(case.scalar(0))
    arrays: list[float] = []
    scalars: list[float] = []
    ratios: list[float] = []
    print(f"  {case.name} ...", file=sys.stderr, flush=True)
    k = min(case.sample or sample, case.rows)
    step = max(1, case.rows // k)
    for r in range(rounds):
        if case.array is not None:
            arrays.append(timed(case.array))
        if case.scalar is not None:
            idx = [(r + j * step) % case.rows for j in range(k)]  # fresh rows every round
            fn = case.scalar
            t = clock()
            for i in idx:
                fn(i)
            scalars.append((clock() - t) / k)
        if arrays and scalars:
            ratios.append(scalars[-1] * case.rows / arrays[-1])
    if arrays:
        row["ms"] = spread([a * 1e3 for a in arrays])
        row["peak_mib"] = peak_mib(case.array)  # type: ignore[arg-type]
    if scalars:
        row["scalar_us"] = spread([s * 1e6 for s in scalars])
        row["scalar_kind"] = case.scalar_kind
        scalar_fn = case.scalar
        assert scalar_fn is not None
        row["scalar_peak_mib"] = peak_mib(lambda: [scalar_fn(i) for i in range(min(k, 50))])
    if ratios:
        row["speedup"] = spread(ratios)
    if case.array is not None and case.scalar is not None:
        row["same"] = agreement(case)
    row["targets"] = {
        key: value
        for key, value in (
            ("ms", case.target_ms),
            ("speedup", case.target_speedup),
            ("scalar_us", case.scalar_target_us),
        )
        if value is not None
    }
    row["met"] = met(row)
    return row


def _values(result: Any) -> list[Any]:
    """A row of an array result, or a scalar result, as a flat list of what the cells show."""
    if isinstance(result, list):
        return [v for item in result for v in _values(item)]
    return [result]


def agreement(case: Case, checked: int = 2_000) -> dict[str, int]:
    """Rows (up to ``checked``, spread over the column) whose array result is, cell for cell,
    the scalar form's result: issue 15, item 4 (no exactness given up for speed)."""
    assert case.array is not None and case.scalar is not None
    out = case.array()
    rows = range(0, case.rows, max(1, case.rows // checked))
    same = sum(_values(out[i]) == _values(case.scalar(i)) for i in rows)
    return {"same": same, "checked": len(rows)}


def met(row: dict[str, Any]) -> dict[str, bool]:
    """Which targets the medians meet (and peak memory under its bound)."""
    t = row["targets"]
    out: dict[str, bool] = {}
    if "ms" in t and "ms" in row:
        out["ms"] = row["ms"]["median"] <= t["ms"]
    if "speedup" in t and "speedup" in row:
        out["speedup"] = row["speedup"]["median"] >= t["speedup"]
    if "scalar_us" in t and "scalar_us" in row:
        out["scalar_us"] = row["scalar_us"]["median"] <= t["scalar_us"]
    peaks = [row[k] for k in ("peak_mib", "scalar_peak_mib") if k in row]
    if peaks:
        out["peak_mib"] = max(peaks) <= TARGETS["peak_mib"]
    if "same" in row:
        out["same"] = row["same"]["same"] == row["same"]["checked"]
    return out


def other_scalars(sample: int, rounds: int) -> list[dict[str, Any]]:
    """The other functions' scalar calls, fresh values per call (no array form compared)."""
    c = columns(sample, seed=3).data
    sh, cp, price = c["shares"], c["cp"], c["price"]
    fns: dict[str, Callable[[int], Any]] = {
        "QPOTEST": lambda i: udfs.QPOTEST(75e6 + sh[i], 56.25e6, 400e6),
        "LIQEVENT": lambda i: udfs.LIQEVENT(
            False, False, True, True, 20.0, 1.0, price[i], 1e7, 1e5
        ),
        "VOTES": lambda i: udfs.VOTES(sh[i], 12.31, cp[i], 14_000_000),
        "PARTDIV": lambda i: udfs.PARTDIV(sh[i], 12.31, cp[i], 0.25),
        "RESERVATION": lambda i: udfs.RESERVATION(sh[i], 12.31, cp[i], 5_000_000),
        "BOARDSEATS": lambda i: udfs.BOARDSEATS(7, 1 + i % 2),
        "PUTPRICE": lambda i: udfs.PUTPRICE(sh[i], 12.31, 36703, 37068 + i % 1000),
        "PUTDATE": lambda i: udfs.PUTDATE(46000 + i % 1000),
        "CONSENT": lambda i: udfs.CONSENT("debt", 1e7 + sh[i]),
        "WFBREAKS (warm)": lambda i: udfs.WFBREAKS(SERIES_A, 14_000_000, 46000, PARITY, OPTIONS),
        "WFBREAKS (cold)": lambda i: cold(udfs.WFBREAKS)(
            SERIES_A, 14_000_000 + i, 46000, PARITY, OPTIONS
        ),
    }
    out = []
    for name, fn in fns.items():
        check(fn(0))
        k = 20 if "cold" in name else sample
        per = [timed(lambda f=fn, k=k: [f(i) for i in range(k)]) / k for _ in range(rounds)]
        out.append({"function": name, "scalar_us": spread([p * 1e6 for p in per])})
    return out


# ----------------------------------------------------------------------------- whole process
def generated_workbook(path: Path, formulas: int = 2_000) -> Path:
    """A sheet of inputs and ``formulas`` formula cells (at least 4): YEARFRAC, LIQPREF,
    CONVSHARES and arithmetic, one of each per row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Model"
    ws.append(["shares", "stated", "issue", "paid", "price", "yf", "liqpref", "conv", "check"])
    rows = max(1, formulas // 4)
    for r in range(2, rows + 2):
        ws.append(
            [
                1000 + r,
                12.31,
                dt.date(2000, 6, 15),
                dt.date(2000, 6, 15) + dt.timedelta(r % 3000),
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

#: Formula cells of the generated workbooks: the curve against LibreOffice.
CURVE = (4, 480, 4_800, 48_000)
CURVE_QUICK = (4, 480)
#: The formulas library (the slow fallback engine) is timed only up to this many cells.
FORMULAS_ENGINE_UP_TO = 2_000


def bench_processes(tmp: Path, repeat: int, sizes: Sequence[int]) -> list[dict[str, Any]]:
    from xl_addin import template

    files: dict[str, tuple[Path, int | None]] = {
        "template": (template.build_template(tmp / "template.xlsx"), None)
    }
    for cells in sizes:
        files[f"generated, {cells:,} formulas"] = (
            generated_workbook(tmp / f"generated-{cells}.xlsx", cells),
            cells,
        )
    soffice = shutil.which("soffice")
    profile = tmp / "lo-profile"
    if soffice:
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_LO_RECALC)
    out = []
    for label, (path, cells) in files.items():
        print(f"  recalc {label} ...", file=sys.stderr, flush=True)
        ours_out = tmp / "out.xlsx"
        ours_cmd = [sys.executable, "-m", "xl_addin.cli", "recalc", str(path)]
        ours_cmd += ["-o", str(ours_out), "--allow-errors", "-q"]
        run_process(ours_cmd, ours_out)  # warm the OS file cache
        ours = [run_process(ours_cmd, ours_out) for _ in range(repeat)]
        row: dict[str, Any] = {
            "workbook": label,
            "formulas": cells,
            "ours_s": statistics.median(w for w, _ in ours),
            "ours_peak_mib": max(m for _, m in ours),
        }
        if cells is None or cells <= FORMULAS_ENGINE_UP_TO:
            slow = run_process([*ours_cmd, "--engine", "formulas"], ours_out)
            row["formulas_engine_s"], row["formulas_engine_peak_mib"] = slow
        if soffice:
            lo_cmd = ["timeout", "300", soffice, "--headless", "--norestore"]
            lo_cmd += [f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "xlsx"]
            lo_cmd += ["--outdir", str(tmp / "lo"), str(path)]
            lo_out = tmp / "lo" / path.name
            run_process(lo_cmd, lo_out)  # first start creates the profile: not counted
            lo = [run_process(lo_cmd, lo_out) for _ in range(repeat)]
            row["libreoffice_s"] = statistics.median(w for w, _ in lo)
            row["libreoffice_peak_mib"] = max(m for _, m in lo)
            row["ratio_ours_to_lo"] = row["ours_s"] / row["libreoffice_s"]
        out.append(row)
    return out


# ----------------------------------------------------------------------------- report
def fmt_spread(d: dict[str, float] | None, unit: str = "", digits: int = 1) -> str:
    if d is None:
        return "—"
    f = f"{{:,.{digits}f}}"
    return f"{f.format(d['median'])}{unit} ({f.format(d['min'])}–{f.format(d['max'])})"


def yes_no(row: dict[str, Any], key: str) -> str:
    if key not in row["met"]:
        return "—"
    return "yes" if row["met"][key] else "**no**"


def array_table(rows: list[dict[str, Any]]) -> str:
    head = [
        "| function | rows | array ms | scalar µs/call | speed-up per row | peak MiB "
        "| array = scalar, rows | targets | met (ms / speed-up / µs) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    body = []
    for r in rows:
        t = r["targets"]
        targets = ", ".join(
            s
            for s in (
                f"≤ {t['ms']:g} ms" if "ms" in t else "",
                f"≥ {t['speedup']:g}×" if "speedup" in t else "",
                f"scalar ≤ {t['scalar_us']:g} µs" if "scalar_us" in t else "",
            )
            if s
        )
        peaks = [r[k] for k in ("peak_mib", "scalar_peak_mib") if k in r]
        kind = f" [{r['scalar_kind']}]" if "scalar_kind" in r else ""
        name = r["function"] + (f" — {r['note']}" if r.get("note") else "")
        same = f"{r['same']['same']:,} of {r['same']['checked']:,}" if "same" in r else "—"
        body.append(
            f"| {name} | {r['rows']:,} | {fmt_spread(r.get('ms'))} "
            f"| {fmt_spread(r.get('scalar_us'))}{kind} | {fmt_spread(r.get('speedup'), '×', 0)} "
            f"| {max(peaks):.1f} | {same} | {targets or '—'} "
            f"| {yes_no(r, 'ms')} / {yes_no(r, 'speedup')} / {yes_no(r, 'scalar_us')} |"
        )
    return "\n".join(head + body)


def other_table(rows: list[dict[str, Any]]) -> str:
    cells = [f"{r['function']} {fmt_spread(r['scalar_us'])}" for r in rows]
    return "; ".join(cells) + "."


def process_table(rows: list[dict[str, Any]]) -> str:
    def num(r: dict[str, Any], k: str, f: str) -> str:
        return "—" if r.get(k) is None else f.format(r[k])

    head = [
        "| workbook | ours s | peak MiB | LibreOffice s | peak MiB | ours / LibreOffice "
        "| formulas engine s | peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    body = [
        f"| {r['workbook']} | {num(r, 'ours_s', '{:.2f}')} | {num(r, 'ours_peak_mib', '{:.0f}')} "
        f"| {num(r, 'libreoffice_s', '{:.2f}')} | {num(r, 'libreoffice_peak_mib', '{:.0f}')} "
        f"| {num(r, 'ratio_ours_to_lo', '{:.2f}')} | {num(r, 'formulas_engine_s', '{:.2f}')} "
        f"| {num(r, 'formulas_engine_peak_mib', '{:.0f}')} |"
        for r in rows
    ]
    return "\n".join(head + body)


def unmet(results: dict[str, Any]) -> list[str]:
    """Every target the run did not meet, one line each."""
    out = []
    for r in results["arrays"]:
        for key, ok in r["met"].items():
            if not ok and key == "same":
                n, of = r["same"]["same"], r["same"]["checked"]
                out.append(
                    f"{r['function']}: the array form differs from the scalar form on "
                    f"{of - n:,} of {of:,} rows checked"
                )
            elif not ok:
                t = TARGETS["peak_mib"] if key == "peak_mib" else r["targets"][key]
                got = (
                    max(r[k] for k in ("peak_mib", "scalar_peak_mib") if k in r)
                    if key == "peak_mib"
                    else r[key]["median"]
                )
                unit = {"ms": " ms", "speedup": "×", "scalar_us": " µs", "peak_mib": " MiB"}[key]
                op = "≥" if key == "speedup" else "≤"
                out.append(f"{r['function']}: {got:,.1f}{unit}, target {op} {t:g}{unit}")
    return out


def per_row_sentence(rows: list[dict[str, Any]]) -> str:
    """Array ns per row next to the scalar µs per call, for the rows with both."""
    parts = [
        f"{r['function']} {r['ms']['median'] * 1e6 / r['rows']:,.0f} ns per row against "
        f"{r['scalar_us']['median']:,.1f} µs per call"
        for r in rows
        if "ms" in r and "scalar_us" in r
    ]
    if not parts:
        return "no array form was compared in this run."
    plain = [
        r["scalar_us"]["median"]
        for r in rows
        if "ms" in r and "scalar_us" in r and r["function"] in _PLAIN_SCALARS
    ]
    if not plain:
        return "; ".join(parts) + "."
    lo, hi = min(plain), max(plain)
    return (
        "; ".join(parts)
        + f". A 100× speed-up over a {lo:,.1f}-{hi:,.1f} µs scalar call (the functions of plain "
        f"numbers) would need {lo * 10:,.0f}-{hi * 10:,.0f} ns per row, less than reading one "
        "column of cells and building one list per result row cost."
    )


#: The scalar functions of plain numbers, whose calls cost a few µs (see per_row_sentence).
_PLAIN_SCALARS = ("LIQPREF", "CONVSHARES", "CASHINLIEU", "ADJPRICE")


def readme(results: dict[str, Any]) -> str:
    """The README's Performance section, from this run's figures."""
    m = results["machine"]
    lines = [
        "## Performance",
        "",
        f"Generated by `python bench/run.py --readme` from one run ({results['when']}, "
        f"Python {m['python']}, "
        f"{m['cpus']} cores{', quick sizes' if results['quick'] else ''}; "
        f"{results['rounds']} alternating rounds; load average "
        f"{results['load_average'][0]:.1f} on the shared machine at the start). Every figure is "
        "a median with its min–max over the rounds in brackets. In-process figures are CPU "
        "time of the benchmark process (`time.process_time`: time other processes hold the "
        "cores is not counted, their contention for caches is); whole processes are timed by "
        "the wall clock. The script also writes `bench/results.json`. The benchmark's inputs are "
        "frozen out of the garbage collector's scans (`gc.freeze`), so scalar loops do not pay "
        "for scanning them.",
        "",
        "**Array forms against the scalar form, like for like.** Each row: one array call over a "
        "column (as xlwings passes it: a list of one-cell rows of Python floats) and the scalar "
        "call on rows of the same column, a fresh value per call (no repeated arguments), in "
        "alternating rounds; speed-up per row = scalar µs × rows / array time, per round. "
        "Scalar calls are *warm* where a column of cells would be warm (WATERFALL and CPASOF "
        "keep one result per capitalization or event log: the first cell pays, the next ones "
        "reuse it) and *cold* where marked (the cache cleared before every call). CPHISTORY and "
        "CPASOF over 10,000 events are timed cold. Peak MiB: tracemalloc's peak over one call "
        "(or over 50 scalar calls), target ≤ 200. *Array = scalar*: rows (up to 2,000, spread "
        "over the column) where every cell of the array form's result is the scalar form's "
        "number for that row, compared with `==` (issue 15: no exactness given up for speed).",
        "",
        array_table(results["arrays"]),
        "",
    ]
    missed = unmet(results)
    if missed:
        lines += ["Targets not met in this run:", ""]
        lines += [f"- {x}" for x in missed]
        lines += [""]
    else:
        lines += ["Every target in the table was met in this run.", ""]
    lines += [
        "The scalar functions of plain numbers (LIQPREF, CONVSHARES, CASHINLIEU, ADJPRICE) are "
        "computed exactly in integers: each number held as a count of millionths when it is such "
        "a decimal, one common denominator, one rounding to a float at the end; anything else "
        "(a decimal of more places, a computed 0.30000000000000004, text) takes the Fraction "
        "path. Their array forms give the same numbers to the last bit: each column read as "
        "integers over a power of ten, the formula computed with numpy in integers below 2**53 "
        "(exact in float64), one correctly rounded division per cell, and the scalar form itself "
        "for any row that does not fit (tests/test_array_exact.py). WATERFALL's column, too: "
        "each cell evaluated in double-double arithmetic with a proven error bound and kept only "
        "where that bound shows it is the correctly rounded exact value, else computed exactly "
        "(xl_addin/terms/_exactfloat.py, tests/test_waterfall_exact.py). "
        "An array form's cost per row is mostly the list-of-rows exchange with xlwings "
        "(reading each input column and building one list per result row), which bounds its "
        "speed-up over a scalar call that costs a few µs: " + per_row_sentence(results["arrays"]),
        "",
        "**Other scalar calls** (µs per call, fresh values per call; WFBREAKS warm and cold): "
        + other_table(results["other_scalars"]),
        "",
    ]
    if results.get("process"):
        lines += [
            "**Headless recalculation, whole process** (`xl-addin recalc`, wall time and max "
            "RSS, against LibreOffice Calc headless recalculating the same file with `soffice "
            "--convert-to xlsx`, warm profile, recalculation on load forced; last columns: "
            "`--engine formulas`, timed up to "
            f"{FORMULAS_ENGINE_UP_TO:,} cells). Generated workbooks: YEARFRAC, LIQPREF, "
            "CONVSHARES and arithmetic, one of each per row. LibreOffice's start-up (the 4-formula "
            "row) dominates small workbooks; the curve shows where each is faster.",
            "",
            process_table(results["process"]),
            "",
        ]
    wrapped = [
        line
        if line.startswith(("|", "- ", "#")) or not line
        else textwrap.fill(line, 100, break_on_hyphens=False)
        for line in lines
    ]
    return "\n".join(wrapped)


def print_results(results: dict[str, Any]) -> None:
    print("\nArray forms vs scalar calls (alternating rounds; median (min–max))\n")
    print(array_table(results["arrays"]))
    print("\nOther scalar calls, µs\n")
    print(other_table(results["other_scalars"]))
    if results.get("process"):
        print("\nWhole process: xl-addin recalc vs LibreOffice headless\n")
        print(process_table(results["process"]))
    missed = unmet(results)
    print("\nTargets not met: " + ("; ".join(missed) if missed else "none"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke check)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--no-process", action="store_true", help="skip the whole-process part")
    parser.add_argument("--readme", action="store_true", help="print the README section too")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 7)")
    parser.add_argument("--only", nargs="*", default=None, help="only these cases (by name)")
    parser.add_argument(
        "--readme-from", type=Path, help="print the README section of an earlier run's JSON"
    )
    args = parser.parse_args(argv)
    if args.readme_from:
        print(readme(json.loads(args.readme_from.read_text())))
        return 0
    rounds = args.rounds or (3 if args.quick else 7)
    sample = 500 if args.quick else 2_000
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "rounds": rounds,
        "targets": TARGETS,
    }
    chosen = [c for c in cases(args.quick) if args.only is None or c.name in args.only]
    # The inputs (about a million cells in the full run) live through the whole run; frozen out
    # of the garbage collector's scans, so that a loop of scalar calls does not pay for scanning
    # the benchmark's own inputs (a cell's call in Excel does not hold them).
    gc.collect()
    gc.freeze()
    results["load_average"] = os.getloadavg()
    results["arrays"] = [measure(c, rounds, sample) for c in chosen]
    results["other_scalars"] = [] if args.only is not None else other_scalars(sample, rounds)
    gc.unfreeze()
    if not args.no_process:
        with tempfile.TemporaryDirectory() as tmp:
            sizes = CURVE_QUICK if args.quick else CURVE
            results["process"] = bench_processes(Path(tmp), 1 if args.quick else 3, sizes)
    print_results(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nJSON: {args.json}")
    if args.readme:
        print("\n----- README (Markdown) -----\n")
        print(readme(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
