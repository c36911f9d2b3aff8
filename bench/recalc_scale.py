"""Headless recalculation at scale (issue #11 item 5) -- a script, not a test.

    python bench/recalc_scale.py                          # 500 / 5,000 / 50,000 / 500,000
    python bench/recalc_scale.py --sizes 500 5000         # a quick look
    python bench/recalc_scale.py --json out.json          # the figures as JSON too
    python bench/recalc_scale.py --layout shared          # columns as Excel writes them filled down

For each size N it writes one workbook with N formula cells (N/4 rows of four formulas on Excel
built-ins both engines compute: ``A*B+1``, ``ROUND(C/3,2)``, ``IF(C>D,C,D)``, ``SUM(A:D)`` of the
row) and measures, as whole processes, the same file:

* ``xl-addin recalc IN -o OUT`` with the native engine (``--engine native``);
* LibreOffice headless (``soffice --convert-to xlsx``, recalculation on load forced through the
  profile's OOXMLRecalcMode, a fresh profile warmed by one uncounted run), when installed.

Wall time (median of ``--repeat`` runs, with min-max spread) and peak memory (max RSS of the
process and the children it waits for); the 1-minute load average before and after each size
(the machine may be shared: read the ratios, not the seconds, when it is high). Cold/warm:
the OS file cache is warm (one uncounted run of each command first); every counted run is a
new process (no Python or LibreOffice state kept between runs). Ratios native/LibreOffice are
printed per size with their spread (the ratio of the fastest runs and of the slowest runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""  # noqa: E501
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Model" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""  # noqa: E501


def workbook(path: Path, formulas: int, shared: bool = False) -> Path:
    """A workbook with ``formulas`` formula cells (written directly: openpyxl would take
    minutes at 500,000). ``shared``: each column of formulas written as Excel writes a formula
    filled down (the first cell's text, the others ``<f t="shared" si=".."/>``)."""
    rows = max(1, formulas // 4)
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>"
    ]
    for r in range(1, rows + 1):
        a, b = 1000 + r, 12.31 + (r % 7) / 4
        if shared and r == 1:
            texts = ["A1*B1+1", "ROUND(C1/3,2)", "IF(C1&gt;D1,C1,D1)", "SUM(A1:D1)"]
            cells = "".join(
                f'<c r="{c}1"><f t="shared" ref="{c}1:{c}{rows}" si="{i}">{t}</f></c>'
                for i, (c, t) in enumerate(zip("CDEF", texts, strict=True))
            )
            parts.append(
                f'<row r="1"><c r="A1"><v>{a}</v></c><c r="B1"><v>{b}</v></c>{cells}</row>'
            )
            continue
        if shared:
            cells = "".join(
                f'<c r="{c}{r}"><f t="shared" si="{i}"/></c>' for i, c in enumerate("CDEF")
            )
            parts.append(
                f'<row r="{r}"><c r="A{r}"><v>{a}</v></c><c r="B{r}"><v>{b}</v></c>{cells}</row>'
            )
            continue
        parts.append(
            f'<row r="{r}"><c r="A{r}"><v>{a}</v></c><c r="B{r}"><v>{b}</v></c>'
            f'<c r="C{r}"><f>A{r}*B{r}+1</f></c>'
            f'<c r="D{r}"><f>ROUND(C{r}/3,2)</f></c>'
            f'<c r="E{r}"><f>IF(C{r}&gt;D{r},C{r},D{r})</f></c>'
            f'<c r="F{r}"><f>SUM(A{r}:D{r})</f></c></row>'
        )
    parts.append("</sheetData></worksheet>")
    return zip_workbook(path, "".join(parts))


def zip_workbook(
    path: Path, sheet: str | bytes, name: str = "Model", method: int = zipfile.ZIP_DEFLATED
) -> Path:
    """``path``: a one-sheet workbook whose sheet, named ``name``, has the part ``sheet``."""
    with zipfile.ZipFile(path, "w", method) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.replace('name="Model"', f'name="{name}"'))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


#: Runs a command and prints its exit code, wall time and peak RSS (KiB): a small separate
#: process, so the RSS is that of the command and its children, not of this script.
_MEASURE = """
import os, subprocess, sys, time
t = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(p.pid, 0)
wall = time.perf_counter() - t
err = p.stderr.read().decode(errors="replace")[-300:].replace(chr(10), " ")
print(os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss, err)
"""

_LO_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def measure(cmd: list[str], output: Path) -> tuple[float, float]:
    """(wall s, peak RSS MiB) of one run, which must exit 0 and write ``output``."""
    output.unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True
    ).stdout.split(" ", 3)
    code, wall, rss = int(out[0]), float(out[1]), float(out[2])
    if code != 0 or not output.exists():
        why = out[3].strip() if len(out) > 3 else ""
        raise SystemExit(f"{' '.join(cmd[:5])} ... failed (exit {code}): {why}")
    return wall, rss / 1024


def runs(cmd: list[str], output: Path, repeat: int) -> dict[str, float]:
    measure(cmd, output)  # warm the file cache (and LibreOffice's profile): not counted
    got = [measure(cmd, output) for _ in range(repeat)]
    walls = [w for w, _ in got]
    return {
        "s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "peak_mib": max(m for _, m in got),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5_000, 50_000, 500_000])
    parser.add_argument("--repeat", type=int, default=3, help="counted runs per size")
    parser.add_argument(
        "--layout",
        choices=("plain", "shared"),
        default="plain",
        help="plain (default): every formula written out; shared: as Excel writes a column "
        "filled down (shared formulas)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    soffice = shutil.which("soffice")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="xl-addin-scale-") as tmpdir:
        tmp = Path(tmpdir)
        profile = tmp / "lo-profile"
        if soffice:
            (profile / "user").mkdir(parents=True)
            (profile / "user" / "registrymodifications.xcu").write_text(_LO_RECALC)
        for n in args.sizes:
            src = workbook(tmp / f"scale{n}.xlsx", n, shared=args.layout == "shared")
            repeat = args.repeat
            out = tmp / f"scale{n}.out.xlsx"
            ours_cmd = [sys.executable, "-m", "xl_addin.cli", "recalc", str(src), "-o", str(out)]
            row: dict[str, Any] = {"formulas": (n // 4) * 4, "runs": repeat, "layout": args.layout}
            row["load_before"] = os.getloadavg()[0]  # the machine may be shared: say so
            row["native"] = runs([*ours_cmd, "--engine", "native", "-q"], out, repeat)
            if soffice:
                lo_cmd = [
                    "timeout",
                    "1800",
                    soffice,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to",
                    "xlsx",
                    "--outdir",
                    str(tmp / "lo"),
                    str(src),
                ]
                row["libreoffice"] = runs(lo_cmd, tmp / "lo" / src.name, repeat)
                nat, lo = row["native"], row["libreoffice"]
                row["ratio"] = nat["s"] / lo["s"]
                row["ratio_spread"] = (nat["min_s"] / lo["min_s"], nat["max_s"] / lo["max_s"])
            row["load_after"] = os.getloadavg()[0]
            rows.append(row)
            print(_line(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def _line(row: dict[str, Any]) -> str:
    nat = row["native"]
    text = (
        f"{row['formulas']:>9,} formulas  native {nat['s']:8.2f} s "
        f"({nat['min_s']:.2f}-{nat['max_s']:.2f}) {nat['peak_mib']:7.0f} MiB"
    )
    if "libreoffice" in row:
        lo = row["libreoffice"]
        lo_s, ratio, (r1, r2) = lo["s"], row["ratio"], row["ratio_spread"]
        text += (
            f"  LibreOffice {lo_s:8.2f} s ({lo['min_s']:.2f}-{lo['max_s']:.2f}) "
            f"{lo['peak_mib']:7.0f} MiB  native/LO {ratio:5.2f} ({r1:.2f}-{r2:.2f})"
        )
    load = f"load {row['load_before']:.1f}-{row['load_after']:.1f}"
    return text + f"  [{row.get('layout', 'plain')}; {row['runs']} run(s); {load}]"


if __name__ == "__main__":
    sys.exit(main())
