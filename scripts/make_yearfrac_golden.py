#!/usr/bin/env python3
"""Generate a golden CSV of YEARFRAC values computed by LibreOffice Calc.

Golden data generated with: LibreOffice 7.4.7.2 40(Build:2) (Debian 12
package libreoffice-calc-nogui); the version actually used is printed on
every run.

Usage (from the repository root):

    python scripts/make_yearfrac_golden.py

Requirements: Python 3 standard library + openpyxl, and ``soffice`` on PATH.
This script deliberately does NOT import xl_addin: the values must come from
an independent, real spreadsheet engine.

What it does:
  1. Builds a deterministic list of (start, end) date pairs that exercise the
     hard cases of YEARFRAC (end of February in leap / non-leap years, 30th and
     31st of months, spans around Feb 29, century years, identical dates,
     reversed pairs) plus seeded random pairs (random.Random(20000626)).
  2. Writes an .xlsx (openpyxl) with real date cells in A/B and the formulas
     =YEARFRAC(A,B,0) .. =YEARFRAC(A,B,4) in C..G, into a temp directory.
  3. Has headless LibreOffice (fresh user profile, forced recalculation on
     load) convert it to .xlsx, and reads the cached formula results with
     openpyxl(data_only=True).  LibreOffice 7.4 stores cached values with only
     15 significant digits, so each result is also split exactly inside Calc
     into two integers and rebuilt bit-exactly here (see _HI/_LO below); the
     15-digit value is used as a cross-check.
  4. Writes tests/golden/yearfrac_libreoffice.csv with header
     ``start,end,basis,yearfrac`` (ISO dates, basis 0..4, repr(float)),
     one row per (pair, basis), in pair order then basis order.
"""

import csv
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile

import openpyxl

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_CSV = os.path.join(REPO, "tests", "golden", "yearfrac_libreoffice.csv")
MIN_DATE = dt.date(1900, 3, 1)
SEED = 20000626
N_RANDOM = 60
BASES = (0, 1, 2, 3, 4)

D = dt.date


def _last_day(y, m):
    nxt = D(y + (m == 12), m % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


def _feb_end(y):
    return D(y, 2, _last_day(y, 2))


def build_pairs():
    pairs = []

    def add(a, b):
        pairs.append((a, b))

    # --- Certificate dates -------------------------------------------------
    cert = [D(2000, 6, 15), D(2000, 6, 26), D(2000, 6, 30), D(2005, 6, 30)]
    for a in cert:
        for b in cert:
            if a != b:
                add(a, b)
    add(D(2000, 6, 26), D(2001, 6, 26))

    # --- Identical start and end -------------------------------------------
    for d in (
        D(2000, 6, 26),
        D(2008, 2, 29),
        D(2007, 2, 28),
        D(1900, 3, 1),
        D(2099, 12, 31),
        D(2010, 1, 31),
    ):
        add(d, d)

    # --- End of February (leap and non-leap) as start and/or end -----------
    febs = [
        D(2007, 2, 28),
        D(2008, 2, 28),
        D(2008, 2, 29),
        D(2000, 2, 29),
        D(2000, 2, 28),
        D(2100, 2, 28),
        D(2009, 2, 28),
        D(2012, 2, 29),
    ]
    others = [
        D(2007, 3, 31),
        D(2008, 3, 31),
        D(2007, 3, 1),
        D(2008, 3, 1),
        D(2007, 3, 30),
        D(2008, 3, 30),
        D(2008, 12, 31),
        D(2009, 2, 28),
        D(2010, 2, 28),
        D(2012, 2, 29),
        D(2008, 8, 31),
        D(2008, 1, 31),
    ]
    for a in febs:
        for b in others:
            if a < b:
                add(a, b)
    # Feb-end to Feb-end
    for a, b in [
        (D(2007, 2, 28), D(2008, 2, 29)),
        (D(2008, 2, 29), D(2009, 2, 28)),
        (D(2008, 2, 29), D(2012, 2, 29)),
        (D(2007, 2, 28), D(2009, 2, 28)),
        (D(2000, 2, 29), D(2100, 2, 28)),
        (D(1900, 3, 1), D(2000, 2, 29)),
        (D(2008, 2, 28), D(2008, 2, 29)),
        (D(2007, 2, 28), D(2007, 3, 1)),
    ]:
        add(a, b)

    # --- 30th / 31st combinations ------------------------------------------
    # start day in {28/29-Feb-end, 30, 31, other}, end day in {30, 31, other}
    starts = [
        D(2007, 1, 30),
        D(2007, 1, 31),
        D(2007, 3, 30),
        D(2007, 3, 31),
        D(2008, 1, 30),
        D(2008, 1, 31),
        D(2007, 4, 30),
        D(2008, 4, 30),
        D(2007, 1, 15),
        D(2007, 2, 28),
        D(2008, 2, 29),
    ]
    ends = [
        D(2007, 5, 30),
        D(2007, 5, 31),
        D(2007, 6, 30),
        D(2007, 7, 31),
        D(2008, 3, 30),
        D(2008, 3, 31),
        D(2008, 5, 30),
        D(2008, 5, 31),
        D(2008, 7, 15),
        D(2009, 1, 31),
    ]
    for a in starts:
        for b in ends:
            if a < b:
                add(a, b)

    # --- Same year within a leap year, before / after Feb 29 ---------------
    for y in (2008, 2000, 2004, 2096):
        add(D(y, 1, 1), D(y, 2, 28))
        add(D(y, 1, 1), D(y, 2, 29))
        add(D(y, 1, 15), D(y, 3, 15))
        add(D(y, 3, 1), D(y, 12, 31))
        add(D(y, 3, 1), D(y, 12, 30))
        add(D(y, 2, 29), D(y, 12, 31))
        add(D(y, 1, 1), D(y, 12, 31))
        add(D(y, 6, 1), D(y, 9, 30))
    for y in (2007, 2100, 2001):  # non-leap same year
        add(D(y, 1, 1), D(y, 12, 31))
        add(D(y, 3, 1), D(y, 12, 31))
        add(D(y, 1, 1), D(y, 2, 28))

    # --- Around one year, crossing (or not) Feb 29 -------------------------
    around = [
        (D(2007, 3, 1), D(2008, 3, 1)),
        (D(2007, 2, 28), D(2008, 2, 29)),
        (D(2007, 2, 28), D(2008, 2, 28)),
        (D(2008, 2, 29), D(2009, 2, 28)),
        (D(2008, 2, 29), D(2009, 3, 1)),
        (D(2008, 1, 1), D(2009, 1, 1)),
        (D(2008, 1, 1), D(2008, 12, 31)),
        (D(2008, 1, 1), D(2009, 1, 2)),
        (D(2007, 1, 1), D(2008, 1, 1)),
        (D(2007, 3, 1), D(2008, 2, 29)),
        (D(2007, 3, 1), D(2008, 3, 2)),
        (D(2008, 3, 1), D(2009, 3, 1)),
        (D(2008, 3, 1), D(2009, 2, 28)),
        (D(2008, 2, 28), D(2009, 2, 28)),
        (D(2008, 2, 28), D(2009, 3, 1)),
        (D(2007, 6, 15), D(2008, 6, 15)),
        (D(2007, 6, 15), D(2008, 6, 14)),
        (D(2007, 6, 15), D(2008, 6, 16)),
        (D(2011, 3, 1), D(2012, 3, 1)),
        (D(2011, 3, 2), D(2012, 3, 1)),
        (D(2012, 2, 29), D(2013, 2, 28)),
        (D(2012, 2, 29), D(2013, 3, 1)),
        (D(1999, 12, 31), D(2000, 12, 31)),
        (D(2000, 1, 1), D(2001, 1, 1)),
        (D(1900, 3, 1), D(1901, 3, 1)),
        (D(1900, 3, 1), D(1901, 2, 28)),
        (D(2099, 3, 1), D(2100, 3, 1)),
        (D(2100, 2, 28), D(2101, 2, 28)),
        (D(2007, 12, 31), D(2008, 12, 31)),
        (D(2008, 12, 31), D(2009, 12, 31)),
        (D(2007, 1, 31), D(2008, 1, 31)),
        (D(2007, 3, 31), D(2008, 3, 31)),
        (D(2006, 12, 31), D(2007, 12, 31)),
        (D(2007, 1, 2), D(2008, 1, 1)),
    ]
    for a, b in around:
        add(a, b)

    # --- Multi-year spans across century years -----------------------------
    anchors = [
        D(1900, 3, 1),
        D(1900, 12, 31),
        D(1999, 2, 28),
        D(1999, 6, 30),
        D(2000, 2, 29),
        D(2000, 3, 1),
        D(2086, 1, 31),
        D(2095, 8, 15),
    ]
    for a in anchors:
        for years in (2, 3, 4, 5, 7, 10, 15, 20, 30):
            y = a.year + years
            b = D(y, a.month, min(a.day, _last_day(y, a.month)))
            add(a, b)
    for a, b in [
        (D(1900, 3, 1), D(1930, 3, 1)),
        (D(1980, 2, 29), D(2010, 2, 28)),
        (D(2080, 2, 29), D(2110, 3, 1)),
        (D(1901, 1, 1), D(1931, 12, 31)),
        (D(1996, 2, 29), D(2004, 2, 29)),
        (D(1996, 1, 1), D(2004, 12, 31)),
        (D(2098, 2, 28), D(2102, 2, 28)),
        (D(1900, 3, 1), D(2099, 12, 31)),
        (D(2000, 1, 1), D(2100, 1, 1)),
        (D(2000, 6, 30), D(2030, 6, 30)),
    ]:
        add(a, b)

    # --- Reversed pairs (YEARFRAC swaps start and end) ---------------------
    rev_src = [
        (D(2007, 2, 28), D(2007, 3, 31)),
        (D(2008, 2, 29), D(2008, 3, 31)),
        (D(2007, 1, 30), D(2007, 3, 31)),
        (D(2007, 1, 31), D(2007, 3, 31)),
        (D(2007, 3, 1), D(2008, 3, 1)),
        (D(2008, 2, 29), D(2009, 2, 28)),
        (D(2007, 2, 28), D(2008, 2, 29)),
        (D(2008, 1, 1), D(2009, 1, 1)),
        (D(2000, 6, 26), D(2005, 6, 30)),
        (D(2000, 6, 15), D(2000, 6, 30)),
        (D(1900, 3, 1), D(2000, 2, 29)),
        (D(2008, 3, 1), D(2008, 12, 31)),
        (D(2007, 1, 15), D(2007, 5, 31)),
        (D(2007, 4, 30), D(2007, 7, 31)),
        (D(2099, 2, 28), D(2100, 2, 28)),
        (D(2012, 2, 29), D(2013, 3, 1)),
    ]
    for a, b in rev_src:
        add(b, a)

    # --- Hand-checkable rows ------------------------------------------------
    add(D(2007, 1, 31), D(2007, 3, 31))  # basis 4: 60/360
    add(D(2007, 1, 1), D(2007, 12, 27))  # 360 actual days: basis 2 == 1.0
    add(D(2008, 1, 1), D(2008, 12, 26))  # 360 actual days in a leap year

    # --- Seeded random fill --------------------------------------------------
    rng = random.Random(SEED)
    lo = D(1901, 1, 1).toordinal()
    hi = D(2099, 12, 31).toordinal()
    for i in range(N_RANDOM):
        a = D.fromordinal(rng.randint(lo, hi))
        if i % 3 == 0:  # short spans (< ~2 years) are the interesting ones
            b = D.fromordinal(min(hi, max(lo, a.toordinal() + rng.randint(-800, 800))))
        elif i % 3 == 1:  # snap both ends to month ends
            a = D(a.year, a.month, _last_day(a.year, a.month))
            b = D.fromordinal(rng.randint(lo, hi))
            b = D(b.year, b.month, _last_day(b.year, b.month))
        else:
            b = D.fromordinal(rng.randint(lo, hi))
        add(a, b)

    # Drop exact duplicates, keeping first occurrence (deterministic order).
    seen = set()
    unique = []
    for pr in pairs:
        assert pr[0] >= MIN_DATE and pr[1] >= MIN_DATE, pr
        if pr not in seen:
            seen.add(pr)
            unique.append(pr)
    return unique


def soffice_version():
    out = subprocess.run(
        ["soffice", "--version"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    return out.strip()


# Force "always recalculate" for OOXML files on load in the fresh profile,
# so the cached values we read are computed by this LibreOffice instance.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


# LibreOffice 7.4 writes cached cell values (xlsx, ods, csv) with only 15
# significant digits, which is not enough to pin down a double.  So each
# YEARFRAC result x (0 <= x < 256; if non-zero then x >= 1/366 > 2^-9, hence
# M = x * 2^61 is an integer < 2^69) is also split *inside Calc*, using only
# operations that are exact in IEEE double arithmetic (and not affected by
# Calc's approxAdd/approxSub snapping), into two integers below 10^15 that
# survive the 15-digit export unchanged:
#   HI = ((x*2^61 + 1.5*2^87) - 1.5*2^87) / 2^35    (x*2^61 rounded to 2^35)
#   LO = x*2^61 - (HI*2^35 - 2^35)                  (in [2^34, 3*2^34])
# and M = HI*2^35 + LO - 2^35 exactly, x = M / 2^61.  The 15-digit value is
# kept as a cross-check.
_HI = "=((%s*2^61+1.5*2^87)-1.5*2^87)/2^35"
_LO = "=%s*2^61-(%s*2^35-2^35)"


def _col(n):
    return openpyxl.utils.get_column_letter(n)


def _reconstruct(hi, lo, shown, where):
    for v in (hi, lo):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
            sys.exit(f"{where}: non-integer split parts {hi!r} {lo!r}")
    m = int(hi) * 2**35 + int(lo) - 2**35
    x = float(m) / 2**61
    if m < 0 or float(m) != m or x * 2**61 != m:
        sys.exit(f"{where}: bad split {hi!r} {lo!r}")
    if abs(x - shown) > 1e-14 * max(abs(x), 1e-3):
        sys.exit(f"{where}: split value {x!r} disagrees with shown {shown!r}")
    return x


def compute(pairs, tmp):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "yf"
    nb = len(BASES)
    header = ["start", "end"] + [f"basis{b}" for b in BASES]
    for b in BASES:
        header += [f"hi{b}", f"lo{b}"]
    ws.append(header)
    for i, (a, b) in enumerate(pairs, start=2):
        ws.cell(row=i, column=1, value=a).number_format = "yyyy-mm-dd"
        ws.cell(row=i, column=2, value=b).number_format = "yyyy-mm-dd"
        for j, basis in enumerate(BASES):
            ref = f"{_col(3 + j)}{i}"
            c = ws.cell(row=i, column=3 + j, value=f"=YEARFRAC(A{i},B{i},{basis})")
            c.number_format = "0.000000000000000000"
            hcol = 3 + nb + 2 * j
            href = f"{_col(hcol)}{i}"
            ws.cell(row=i, column=hcol, value=_HI % ref).number_format = "0"
            ws.cell(row=i, column=hcol + 1, value=_LO % (ref, href)).number_format = "0"
    in_dir = os.path.join(tmp, "in")
    out_dir = os.path.join(tmp, "out")
    prof = os.path.join(tmp, "profile")
    os.makedirs(in_dir)
    os.makedirs(out_dir)
    os.makedirs(os.path.join(prof, "user"))
    with open(os.path.join(prof, "user", "registrymodifications.xcu"), "w") as f:
        f.write(_REGISTRY)
    src = os.path.join(in_dir, "yearfrac.xlsx")
    wb.save(src)

    cmd = [
        "timeout",
        "120",
        "soffice",
        "--headless",
        "--norestore",
        "-env:UserInstallation=file://" + prof,
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML",
        "--outdir",
        out_dir,
        src,
    ]
    r = subprocess.run(cmd, capture_output=True, text=True)
    dst = os.path.join(out_dir, "yearfrac.xlsx")
    if r.returncode != 0 or not os.path.exists(dst):
        sys.exit(f"soffice conversion failed (rc={r.returncode})\n{r.stdout}\n{r.stderr}")

    ws2 = openpyxl.load_workbook(dst, data_only=True).active
    results = []
    for i, (a, b) in enumerate(pairs, start=2):
        ra, rb = ws2.cell(row=i, column=1).value, ws2.cell(row=i, column=2).value
        if not (hasattr(ra, "date") and ra.date() == a and rb.date() == b):
            sys.exit(f"row {i}: dates did not round-trip: {ra!r} {rb!r} vs {a} {b}")
        vals = []
        for j, basis in enumerate(BASES):
            where = f"row {i} basis {basis}"
            shown = ws2.cell(row=i, column=3 + j).value
            if isinstance(shown, bool) or not isinstance(shown, (int, float)):
                sys.exit(f"{where}: LibreOffice gave no numeric value: {shown!r}")
            hcol = 3 + nb + 2 * j
            hi = ws2.cell(row=i, column=hcol).value
            lo = ws2.cell(row=i, column=hcol + 1).value
            vals.append(_reconstruct(hi, lo, float(shown), where))
        results.append(vals)
    return results


def main():
    version = soffice_version()
    print("Engine:", version)
    pairs = build_pairs()
    tmp = tempfile.mkdtemp(prefix="yearfrac_golden_")
    try:
        results = compute(pairs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(OUT_CSV), exist_ok=True)
    n = 0
    with open(OUT_CSV, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["start", "end", "basis", "yearfrac"])
        for (a, b), vals in zip(pairs, results, strict=False):
            for basis, v in zip(BASES, vals, strict=False):
                w.writerow([a.isoformat(), b.isoformat(), basis, repr(v)])
                n += 1
    print(f"pairs: {len(pairs)}, rows: {n} -> {OUT_CSV}")


if __name__ == "__main__":
    main()
