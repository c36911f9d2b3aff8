"""How each recalculation engine fares on the corpus of Excel-saved workbooks (tests/corpus/).

For every workbook (default: all of tests/corpus/MANIFEST.csv) and engine, a private copy is
recalculated (:func:`xl_addin.workbook.compare.compare`) and every formula cell classified
against the value Excel saved: matched, computed differently, not computed. Prints the figures
per workbook and the totals per engine.

    python scripts/corpus_report.py                      # native and formulas, every workbook
    python scripts/corpus_report.py --engine native      # one engine
    python scripts/corpus_report.py --causes             # + the cells not matched, by cause
    python scripts/corpus_report.py --golden --force     # regenerate the golden file:
                                                         # tests/golden/corpus_figures.csv

The golden file is what tests/test_corpus.py checks the figures against: regenerate it (and
review its diff) after an engine change or a corpus change; a figure that moves the wrong way
(fewer matched, more computed differently) is a regression, not a new golden value.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from make_corpus import CORPUS, read_manifest  # noqa: E402

from xl_addin.workbook.compare import (  # noqa: E402
    DIFFERENT,
    MATCHED,
    Figures,
    Limits,
    compare,
)

GOLDEN = ROOT / "tests" / "golden" / "corpus_figures.csv"
ENGINES = ("native", "formulas")
#: Each engine on each workbook runs in a child process held to these; past them, the
#: workbook's cells are "not computed" (the formulas library on whole-column references).
LIMITS = Limits(seconds=300.0, memory_bytes=3 * 2**30)
GOLDEN_FIELDS = ("workbook", "engine", "formula_cells", "matched", "different", "not_computed")


def figures_for(workbooks: list[str], engines: list[str]) -> list[Figures]:
    out = []
    for engine in engines:
        for wb in workbooks:
            out.append(compare(CORPUS / wb, engine, name=wb, limits=LIMITS))
    return out


def golden_text(figures: list[Figures]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=GOLDEN_FIELDS, lineterminator="\n")
    w.writeheader()
    for f in sorted(figures, key=lambda f: (f.engine, f.workbook)):
        w.writerow(f.row())
    return buf.getvalue()


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:5.1f}%" if total else "    -"


def print_table(figures: list[Figures]) -> None:
    by_engine: dict[str, list[Figures]] = defaultdict(list)
    for f in figures:
        by_engine[f.engine].append(f)
    for engine, rows in by_engine.items():
        print(f"\nengine {engine}")
        print(f"  {'workbook':<40} {'cells':>7} {'matched':>8} {'different':>9} {'not comp.':>9}")
        for f in rows:
            print(
                f"  {f.workbook:<40} {f.formula_cells:>7,} {f.matched:>8,} "
                f"{f.different:>9,} {f.not_computed:>9,}"
            )
        cells = sum(f.formula_cells for f in rows)
        m = sum(f.matched for f in rows)
        d = sum(f.different for f in rows)
        n = sum(f.not_computed for f in rows)
        print(
            f"  {'TOTAL (' + str(len(rows)) + ' workbooks)':<40} {cells:>7,} {m:>8,} {d:>9,} "
            f"{n:>9,}   matched {_pct(m, cells)}, different {_pct(d, cells)}, "
            f"not computed {_pct(n, cells)}"
        )


def print_causes(figures: list[Figures], limit: int = 5) -> None:
    """The cells not matched, grouped by engine, status and cause: for a cell computed
    differently, the functions its formula calls (or its form, when it calls none); for a cell
    not computed, the engine's reason."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for f in figures:
        for c in f.cells:
            if c.status == MATCHED:
                continue
            if c.status == DIFFERENT:
                cause = "+".join(c.functions) or "no function (operators/references)"
            else:
                cause = c.note.split(": ", 1)[-1] if c.note else "reported by the engine"
            line = f"{f.workbook} {c.sheet}!{c.ref} ={c.formula[:70]}  Excel {c.excel!r}" + (
                f", engine {c.engine!r}" if c.status == DIFFERENT else ""
            )
            groups[(f.engine, c.status, cause)].append(line)
    for (engine, status, cause), lines in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] != DIFFERENT, -len(kv[1]))
    ):
        print(f"\n[{engine}] {status}: {cause} -- {len(lines)} cell(s)")
        for line in lines[:limit]:
            print(f"    {line}")
        if len(lines) > limit:
            print(f"    ... and {len(lines) - limit} more")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbooks", nargs="*", help="paths under tests/corpus/ (default: all)")
    parser.add_argument(
        "--engine", action="append", help=f"engine to run (repeatable; default {ENGINES})"
    )
    parser.add_argument("--causes", action="store_true", help="list the cells not matched")
    parser.add_argument("--golden", action="store_true", help=f"write {GOLDEN.relative_to(ROOT)}")
    parser.add_argument("--force", action="store_true", help="with --golden: replace it")
    args = parser.parse_args(argv)
    engines = args.engine or list(ENGINES)
    listed = [e.file for e in read_manifest()]
    workbooks = args.workbooks or listed
    unknown = [w for w in workbooks if w not in listed]
    if unknown:
        print(f"workbooks: not in the MANIFEST: {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.golden and (workbooks != listed or set(engines) != set(ENGINES)):
        print("--golden: run on every workbook with the default engines", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    figures = figures_for(workbooks, engines)
    print_table(figures)
    if args.causes:
        print_causes(figures)
    print(f"\n{time.perf_counter() - t0:.1f} s")
    if args.golden:
        from xl_addin._files import write_atomically

        try:
            write_atomically(GOLDEN, golden_text(figures).encode(), overwrite=args.force)
        except FileExistsError:
            print(f"{GOLDEN}: exists; pass --force to replace it", file=sys.stderr)
            return 1
        print(f"wrote {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
