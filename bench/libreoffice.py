"""LibreOffice as a recalculation engine (issue #10) -- a script, not a test.

    python bench/libreoffice.py                       # template, 500, 5,000, 50,000, 500,000
    python bench/libreoffice.py --sizes 500 5000 --repeat 3

For each workbook -- the template, and generated workbooks of N formula cells (half LIQPREF
calls of the add-in, half built-in arithmetic over them, one row each) -- it measures the whole
process, wall time and peak memory (max RSS of the largest process, from ``wait4``), of:

* ``native``: ``xl-addin recalc IN --engine native`` (the Python evaluator);
* ``libreoffice``: ``xl-addin recalc IN --engine libreoffice`` (LibreOffice headless with the
  add-in's extension: start, install, load, recalculate, read back, write the values);
* ``convert``: plain ``soffice --convert-to xlsx`` of the same file with recalculation on load
  forced (no extension: the add-in cells are #NAME?; LibreOffice's own load, recalc and save).

Rounds alternate the three (same inputs, same moment); every run is cold (a new process, as a
user runs the command; the OS file cache is warmed once first). Printed: medians and, for each
ratio, its spread (min-max over rounds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_templates" / "series_a_model.xlsx"

_LO_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def generated(path: Path, cells: int) -> Path:
    """A workbook of ``cells`` formula cells: row i has shares in A, ``=LIQPREF(A,...)`` in B
    and ``=B*2+A`` in C."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(["shares", "LIQPREF", "built-in"])
    issue, pay = dt.date(2000, 6, 26), dt.date(2003, 6, 26)
    ws.append(["issue", issue, pay])
    for i in range(3, cells // 2 + 3):
        ws.append([100 + i, f"=LIQPREF(A{i},12.31,$B$2,$C$2)", f"=B{i}*2+A{i}"])
    wb.save(path)
    return path


def run(cmd: list[str], output: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process and its children."""
    if output.exists():
        output.unlink()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if not output.exists():
        raise SystemExit(f"{' '.join(cmd[:5])} ... wrote nothing (exit {proc.returncode}): {err}")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[500, 5_000, 50_000, 500_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-native-above", type=int, default=10**9, help="skip native above N")
    args = ap.parse_args()
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is not installed")
    cli = [sys.executable, "-m", "xl_addin.cli", "recalc"]
    print(f"# {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
    print(
        "| workbook | formula cells | native s (MiB) | LibreOffice engine s (MiB) "
        "| soffice --convert-to s (MiB) | native / LO engine | LO engine / convert-to |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-lo-") as tmp_name:
        tmp = Path(tmp_name)
        profile = tmp / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_LO_RECALC)
        books = [("template", shutil.copy(TEMPLATE, tmp / "template.xlsx"))]
        books += [(f"generated {n:,}", generated(tmp / f"g{n}.xlsx", n)) for n in args.sizes]
        for label, book in books:
            book = Path(book)
            import openpyxl

            n_formulas = sum(
                1
                for ws in openpyxl.load_workbook(book, read_only=True).worksheets
                for row in ws.iter_rows(values_only=True)
                for v in row
                if isinstance(v, str) and v.startswith("=")
            )
            out = tmp / "out.xlsx"
            commands = {
                "native": [
                    *cli,
                    str(book),
                    "-o",
                    str(out),
                    "--allow-errors",
                    "-q",
                    "--engine",
                    "native",
                ],
                "libreoffice": [
                    *cli,
                    str(book),
                    "-o",
                    str(out),
                    "--allow-errors",
                    "-q",
                    "--engine",
                    "libreoffice",
                ],
                "convert": [
                    "timeout",
                    "3600",
                    soffice,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to",
                    "xlsx",
                    "--outdir",
                    str(tmp / "lo"),
                    str(book),
                ],
            }
            outputs = {"native": out, "libreoffice": out, "convert": tmp / "lo" / book.name}
            if n_formulas > args.no_native_above:
                del commands["native"]
            run(commands["convert"], outputs["convert"])  # profile and file cache: not counted
            times: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
            for _ in range(args.repeat):
                for name, cmd in commands.items():
                    times[name].append(run(cmd, outputs[name]))

            def cell(name: str, times: dict[str, list[tuple[float, float]]] = times) -> str:
                if name not in times:
                    return "not run"
                w = statistics.median(t for t, _ in times[name])
                return f"{w:.2f} ({max(m for _, m in times[name]):.0f})"

            def ratio(a: str, b: str, times: dict[str, list[tuple[float, float]]] = times) -> str:
                if a not in times or b not in times:
                    return "-"
                rs = [x[0] / y[0] for x, y in zip(times[a], times[b], strict=True)]
                return f"{statistics.median(rs):.2f} ({min(rs):.2f}-{max(rs):.2f})"

            print(
                f"| {label} | {n_formulas:,} | {cell('native')} | {cell('libreoffice')} "
                f"| {cell('convert')} | {ratio('native', 'libreoffice')} "
                f"| {ratio('libreoffice', 'convert')} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
