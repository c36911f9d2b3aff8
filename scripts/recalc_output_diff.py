"""Does a change to ``xl-addin recalc`` change what it writes? -- a script, not a test.

    python scripts/recalc_output_diff.py BASE_TREE [WORKBOOK ...]

Recalculates each workbook (default: every workbook of tests/corpus and workbook_templates)
twice, in child processes, once with the ``xl_addin`` of ``BASE_TREE`` (a checkout of the
commit to compare with, e.g. ``git archive main | tar -x -C /tmp/base``) and once with this
tree's, with ``allow_errors=True`` and each ``--engine`` given (default: native), and
compares: the report (error cells and their messages, cells written, engine, warnings, or
the error refusing the workbook) and the output zip part by part (names, order, content).
Prints one line per workbook and engine, and ``identical``/``DIFFERENT`` totals; the exit
status is 1 when anything differs. Zip-level identity (the compressed bytes) is reported too,
as information: a change of compression level changes it without changing any part.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What each child may take (the formulas library on whole-column references would take
#: tens of GB): past it, the run is "not finished" (the same in both trees counts as the same).
MEMORY_BYTES = 3 * 2**30
SECONDS = 300

_WORKER = """
import json, resource, sys, time
from xl_addin import recalc
src, out, engine = sys.argv[1:4]
limit = int(sys.argv[5])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
overrides = json.loads(sys.argv[4])
t = time.perf_counter()
try:
    r = recalc.recalculate(src, out, allow_errors=True, engine=engine, overrides=overrides)
except Exception as exc:
    print(json.dumps({"refused": f"{type(exc).__name__}: {exc}"}))
    raise SystemExit(0)
print(json.dumps({
    "errors": [[str(e), e.not_computed] for e in r.errors],
    "cells": r.cells, "engine": r.engine, "warnings": r.warnings, "written": r.written,
    "overrides": r.overrides, "timings": r.timings,
}))
"""


def run(tree: Path, src: Path, out: Path, engine: str, overrides: dict[str, str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = [str(src), str(out), engine, json.dumps(overrides), str(MEMORY_BYTES)]
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _WORKER, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tree,
            check=False,
            timeout=SECONDS,
        )
    except subprocess.TimeoutExpired:
        out.unlink(missing_ok=True)
        return {"not finished": f"past {SECONDS} s"}
    if proc.returncode != 0:
        out.unlink(missing_ok=True)
        last = proc.stderr.strip().splitlines()[-1:]
        if last and "MemoryError" in last[0]:
            return {"not finished": f"past {MEMORY_BYTES // 2**30} GiB"}
        return {"crashed": last}
    report: dict = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


def parts(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def workbooks() -> list[Path]:
    found = sorted((ROOT / "tests" / "corpus").rglob("*.xls[xm]"))
    found += sorted((ROOT / "workbook_templates").glob("*.xlsx"))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="the tree to compare with (its xl_addin/)")
    parser.add_argument("workbooks", type=Path, nargs="*")
    parser.add_argument(
        "--engine",
        dest="engines",
        action="append",
        choices=("native", "auto", "libreoffice", "formulas"),
        help="the engine (repeatable; default: native)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE"
    )
    args = parser.parse_args()
    overrides = dict(x.split("=", 1) for x in args.overrides)
    base = args.base.resolve()
    different = same = 0
    with tempfile.TemporaryDirectory(prefix="recalc-diff-") as tmp:
        for wb in [p.resolve() for p in args.workbooks] or workbooks():
            for engine in args.engines or ["native"]:
                a, b = Path(tmp) / "base.xlsx", Path(tmp) / "new.xlsx"
                for p in (a, b):
                    p.unlink(missing_ok=True)
                ra = run(base, wb, a, engine, overrides)
                rb = run(ROOT, wb, b, engine, overrides)
                ta, tb = ra.pop("timings", {}), rb.pop("timings", {})
                why = []
                if ra != rb:
                    keys = [k for k in sorted({*ra, *rb}) if ra.get(k) != rb.get(k)]
                    shown = {k: (ra.get(k), rb.get(k)) for k in keys}
                    why.append(f"report differs: {str(shown)[:300]}")
                if a.exists() != b.exists():
                    why.append(f"written: {a.exists()} != {b.exists()}")
                zip_same = None
                if a.exists() and b.exists():
                    pa, pb = parts(a), parts(b)
                    if [n for n, _ in pa] != [n for n, _ in pb]:
                        why.append("part names or order differ")
                    for (n, x), (_, y) in zip(pa, pb, strict=False):
                        if x != y:
                            why.append(f"part {n} differs")
                    zip_same = a.read_bytes() == b.read_bytes()
                name = wb.relative_to(ROOT) if wb.is_relative_to(ROOT) else wb
                edit = (
                    f"edit+write {ta.get('edit', 0) + ta.get('write', 0):.2f} s -> "
                    f"{tb.get('edit', 0) + tb.get('write', 0):.2f} s"
                )
                what = next((k for k in ("refused", "not finished") if k in ra), "")
                what = what or f"{ra.get('cells', 0)} cells"
                zipped = {None: "", True: ", zip identical", False: ", zip bytes differ"}
                if why and a.exists():
                    # a volatile function (RAND) computed by LibreOffice: the base tree again
                    again = Path(tmp) / "again.xlsx"
                    again.unlink(missing_ok=True)
                    run(base, wb, again, engine, overrides)
                    if again.exists() and parts(again) != parts(a):
                        why.append("NOT DETERMINISTIC: two runs of the base differ too")
                if why:
                    different += 1
                    print(f"DIFFERENT {name} [{engine}]: " + "; ".join(why))
                else:
                    same += 1
                    print(f"identical {name} [{engine}] ({what}{zipped[zip_same]}; {edit})")
    print(f"{same} identical, {different} DIFFERENT")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
