"""The corpus of workbooks saved by Microsoft Excel (tests/corpus/), and how the engines fare on it.

Excel's cached value in every formula cell is the answer (issue #11 item 4): the figures per
workbook and engine -- formula cells matched, computed differently, not computed -- must be
those tests/golden/corpus_figures.csv records (regenerated with
``python scripts/corpus_report.py --golden --force``, its diff reviewed), and the native engine
must never compute a cell differently from Excel (a cell it cannot compute is reported as not
computed instead).
"""

from __future__ import annotations

import csv
import functools
import shutil
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from xl_addin.workbook import compare as cmp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_corpus  # noqa: E402
from corpus_report import ENGINES, LIMITS  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "corpus_figures.csv"
ENTRIES = make_corpus.read_manifest()
WORKBOOKS = [e.file for e in ENTRIES]


def _golden() -> list[dict[str, str]]:
    with GOLDEN.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def _figures(workbook: str, engine: str) -> cmp.Figures:
    return cmp.compare(make_corpus.CORPUS / workbook, engine, name=workbook, limits=LIMITS)


# ---------------------------------------------------------------------------------------------
# The corpus and its MANIFEST
# ---------------------------------------------------------------------------------------------
def test_corpus_matches_its_manifest() -> None:
    """Every listed workbook is there with its recorded SHA-256 and size, its docProps/app.xml
    names Microsoft Excel as the application that saved it, and no workbook is unlisted."""
    assert make_corpus.check(ENTRIES) == []


def test_corpus_size_origin_and_licences() -> None:
    assert 40 <= len(ENTRIES) <= 100
    assert sum(e.bytes for e in ENTRIES) < 15 * 2**20
    licences = (make_corpus.CORPUS / "LICENSES").read_text(encoding="utf-8")
    for e in ENTRIES:
        assert e.registry in ("pypi", "debian", "debian-source", "github"), e.file
        assert e.package in licences, f"{e.file}: {e.package} has no section in LICENSES"
        assert e.licence in ("MIT", "MPL-2.0", "Apache-2.0"), e.file
        assert e.member.endswith(Path(e.file).name), e.file


def test_a_github_row_is_pinned_and_never_downloaded(tmp_path: Path) -> None:
    """A file no registry ships (registry github) is pinned by commit and by its own SHA-256;
    --rebuild cannot download it and says what to copy instead of writing anything."""
    rows = [e for e in ENTRIES if e.registry == "github"]
    assert [e.file for e in rows] == ["sheetjs/1904.xlsx"]
    header = ",".join(make_corpus.FIELDS)
    good = make_corpus.MANIFEST.read_text(encoding="utf-8").splitlines()
    line = next(x for x in good if x.startswith("sheetjs/1904.xlsx,"))
    manifest = tmp_path / "MANIFEST.csv"
    manifest.write_text(f"{header}\n{line}\n", encoding="utf-8")
    assert [e.file for e in make_corpus.read_manifest(manifest)] == ["sheetjs/1904.xlsx"]
    for bad in (line.replace(rows[0].version, "master"), line.replace(rows[0].sha256, "0" * 64, 1)):
        manifest.write_text(f"{header}\n{bad}\n", encoding="utf-8")
        with pytest.raises(ValueError, match="github row"):
            make_corpus.read_manifest(manifest)
    missing = make_corpus.Entry(**{**vars(rows[0]), "file": "sheetjs/not-there.xlsx"})
    found = make_corpus.rebuild([missing], force=False)
    assert found == [
        "sheetjs/not-there.xlsx: not in a package registry; copy 1904/1904.xlsx of the GitHub "
        f"repository SheetJS/test_files at commit {rows[0].version} (SHA-256 {rows[0].sha256})"
    ]
    assert not missing.path.exists()


def test_a_tampered_workbook_is_caught(tmp_path: Path) -> None:
    """The check can fail: one byte changed, or a workbook saved by another application."""
    entry = next(e for e in ENTRIES if e.file == "xlcalculator/ABS.xlsx")
    data = bytearray(entry.path.read_bytes())
    data[-30] ^= 1
    assert any("SHA-256" in p for p in make_corpus.problems(entry, bytes(data)))
    src = zipfile.ZipFile(entry.path)
    out = tmp_path / "other.xlsx"
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/app.xml":
                body = body.replace(b"Microsoft Excel", b"LibreOffice")
            z.writestr(info, body)
    found = make_corpus.problems(entry, out.read_bytes())
    assert any("not Excel" in p for p in found)


# ---------------------------------------------------------------------------------------------
# The comparison's rules (expected values from Excel's rules as the issue states them)
# ---------------------------------------------------------------------------------------------
def test_same_value_rules() -> None:
    same = cmp.same_value
    assert same(1.0, 1.0 + 1e-10)  # within 1e-9 relative
    assert not same(1.0, 1.0 + 1e-8)
    assert same(3014115.0, 3014115.0 * (1 + 5e-10))
    assert not same(0.0, 1e-10)  # Excel's 0 is 0: -1e-10 is a different value
    assert not same(1.0, True) and not same(True, 1.0)
    assert same(True, True) and not same(True, False)
    assert same("abc", "abc") and not same("abc", "ABC") and not same("1", 1.0)
    assert same(cmp.ExcelError("#N/A"), cmp.ExcelError("#N/A"))
    assert not same(cmp.ExcelError("#N/A"), cmp.ExcelError("#VALUE!"))
    assert not same(cmp.ExcelError("#N/A"), "#N/A")  # an error is not its text
    assert not same(5.0, None)


def test_formula_functions() -> None:
    assert cmp.formula_functions('IF(A1>0,SUM(B:B),"x(")') == ("IF", "SUM")
    assert cmp.formula_functions("_xlfn.FORECAST.ETS(A14,B2:B13,A2:A13)") == ("FORECAST.ETS",)
    assert cmp.formula_functions("Sheet1!A1+2") == ()


def test_read_formula_cells_reads_excels_cached_values() -> None:
    """Values checked by hand in the sheet XML of xlcalculator's DATE.xlsx (Excel 16):
    Sheet1!A18 is =DATE(2000, 1, 1) cached as 36526 (days from 1899-12-30 to 2000-01-01:
    100 years of 365 days + 24 leap days (1904..1996) + 2 = 36526; Excel counts 1900-02-29)."""
    cells = {
        (c.sheet, c.ref): c
        for c in cmp.read_formula_cells(make_corpus.CORPUS / "xlcalculator/DATE.xlsx")
    }
    a18 = cells[("Sheet1", "A18")]
    assert a18.formula == "DATE(2000, 1, 1)"
    assert a18.value == 36526.0
    assert a18.kind == "normal"


def test_read_formula_cells_shared_and_array_formulas() -> None:
    """LibreOffice's shared-formula/basic.xlsx: B2 =A2*10 and B3:B19 one shared formula
    (<f t="shared" ref="B3:B19">A3*10</f>): 18 formula cells; matrix-multiplication.xlsx: one
    array formula over G5:G6, so two formula cells."""
    basic = cmp.read_formula_cells(
        make_corpus.CORPUS / "libreoffice/xlsx/shared-formula/basic.xlsx"
    )
    assert len(basic) == 18
    assert {c.kind for c in basic} == {"normal", "shared"}
    mmult = cmp.read_formula_cells(
        make_corpus.CORPUS / "libreoffice/xlsx/matrix-multiplication.xlsx"
    )
    assert [(c.ref, c.kind) for c in mmult] == [("G5", "array"), ("G6", "array")]


def test_a_value_unlike_excels_is_computed_differently(tmp_path: Path) -> None:
    """The harness can fail: in a copy of DATE.xlsx whose cached A2 (=DATE(B2,C2,D2), the first
    <v>36526</v> of the sheet) says 1 instead of 36526,
    the native engine's (right) value no longer matches, and only that cell."""
    src = make_corpus.CORPUS / "xlcalculator/DATE.xlsx"
    bad = tmp_path / "DATE.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert body.count(b"<v>36526</v>") >= 1
                body = body.replace(b"<v>36526</v>", b"<v>1</v>", 1)
            zout.writestr(info, body)
    good = cmp.compare(src, "native")
    assert good.different == 0 and good.matched == good.formula_cells > 0
    tampered = cmp.compare(bad, "native")
    wrong = [c for c in tampered.cells if c.status == cmp.DIFFERENT]
    assert [(c.ref, c.excel, c.engine) for c in wrong] == [("A2", 1.0, 36526.0)]


def test_a_cell_the_engine_cannot_compute_is_not_computed(tmp_path: Path) -> None:
    """LibreOffice's vba-user-function.xlsm calls a VBA function, myfunc() (Excel saved 42): no
    engine runs a workbook's macros, so the native engine must report the cell as not computed
    (today it refuses the whole workbook, naming the function). The workbook is only read."""
    src = tmp_path / "vba-user-function.xlsm"
    shutil.copyfile(make_corpus.CORPUS / "libreoffice/xlsm/vba-user-function.xlsm", src)
    before = src.read_bytes()
    figures = cmp.compare(src, "native")
    assert (figures.formula_cells, figures.not_computed) == (1, 1)
    (cell,) = figures.cells
    assert (cell.ref, cell.excel, cell.engine) == ("A1", 42.0, None)
    assert "MYFUNC" in cell.note.upper()
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vba-user-function.xlsm"]


def test_not_computed_cells_from_a_report() -> None:
    err = SimpleNamespace
    report = SimpleNamespace(
        errors=[
            err(sheet="S", cell="A1", code="#N/A", message="not evaluated"),
            err(sheet="S", cell="A2", code="#DIV/0!", message="division by zero"),
            err(sheet="S", cell="A3", code="#NAME?", message="MYFUNC", not_computed=True),
        ],
        not_computed=[
            err(sheet="T", cell="$B$2", code="", message="3-D reference"),
            "'My Sheet'!C3",
        ],
    )
    got = cmp.not_computed_cells(report)
    assert set(got) == {("S", "A1"), ("S", "A3"), ("T", "B2"), ("My Sheet", "C3")}


# ---------------------------------------------------------------------------------------------
# The figures per workbook and engine
# ---------------------------------------------------------------------------------------------
def test_golden_covers_every_workbook_and_engine() -> None:
    rows = _golden()
    keys = {(r["workbook"], r["engine"]) for r in rows}
    assert len(keys) == len(rows)
    assert keys == {(w, e) for w in WORKBOOKS for e in ENGINES}


@pytest.mark.parametrize(
    "row", _golden(), ids=lambda r: f"{r['engine']}:{r['workbook']}" if isinstance(r, dict) else ""
)
def test_figures_are_the_golden_ones(row: dict[str, str]) -> None:
    figures = _figures(row["workbook"], row["engine"])
    got = {k: str(v) for k, v in figures.row().items()}
    assert got == row, "\n".join(
        f"{c.sheet}!{c.ref} ={c.formula} Excel {c.excel!r} engine {c.engine!r} ({c.status})"
        for c in figures.cells
        if c.status != cmp.MATCHED
    )[:4000]


def test_native_engine_never_computes_a_cell_differently() -> None:
    """Issue #11 item 2: for every formula cell, the native engine computes Excel's value or
    reports the cell as not computed -- never a different value in silence."""
    wrong = []
    for workbook in WORKBOOKS:
        for c in _figures(workbook, "native").cells:
            if c.status == cmp.DIFFERENT:
                wrong.append(
                    f"{workbook} {c.sheet}!{c.ref} ={c.formula[:80]}: "
                    f"Excel {c.excel!r}, native {c.engine!r}"
                )
    assert not wrong, f"{len(wrong)} cell(s) computed differently:\n" + "\n".join(wrong[:60])


def test_an_engine_past_its_limits_computed_nothing() -> None:
    """An engine that does not finish within its time or memory on a workbook computed none of
    its cells (they are "not computed", with the reason), and the comparison goes on."""
    src = make_corpus.CORPUS / "xlcalculator/DATE.xlsx"
    late = cmp.compare(src, "native", limits=cmp.Limits(seconds=0))
    assert late.not_computed == late.formula_cells == 24
    assert late.matched == late.different == 0
    assert late.refused == "the engine ran past 0 s"
    # the formulas library on a whole-column INDEX, held to 200 MiB
    whole = make_corpus.CORPUS / "libreoffice/xlsx/tdf131536.xlsx"
    starved = cmp.compare(whole, "formulas", limits=cmp.Limits(memory_bytes=200 * 2**20))
    assert starved.not_computed == starved.formula_cells == 9
    assert starved.refused
    fine = cmp.compare(src, "native", limits=cmp.Limits())
    assert fine.matched == 24
