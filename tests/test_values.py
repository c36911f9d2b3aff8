"""Workbooks that read right without the add-in (issue #12, item 5).

* The recalculated file (``xl-addin recalc``) does not ask for a recalculation on open.
* ``xl-addin values IN -o OUT``: every add-in formula replaced by its cached value.
* In LibreOffice without the add-in: the values copy shows no ``#NAME?`` anywhere and the same
  values as the recalculated file; the recalculated file shows none outside array blocks
  (LibreOffice recomputes legacy array formulas on load whatever the file says).
The expected values are the recalculated file's cached values (``xl-addin recalc``, itself
checked against LibreOffice in tests/test_recalc.py) and what LibreOffice saved.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from xl_addin import udfs
from xl_addin.cli import main
from xl_addin.recalc import OutputError, RecalcError, recalculate
from xl_addin.template import build_template
from xl_addin.workbook.values import addin_call, cached_values_on_load, values_copy

CALLS = re.compile(rf"\b(?:{'|'.join(udfs.__all__)})\s*\(", re.I)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("values") / "series_a_model.xlsx")


@pytest.fixture(scope="module")
def recalculated(template: Path) -> Path:
    report = recalculate(template)
    assert report.ok and report.written and report.output is not None
    return report.output


@pytest.fixture(scope="module")
def shared(recalculated: Path) -> Path:
    out = recalculated.with_name("series_a_model.values.xlsx")
    report = values_copy(recalculated, out)
    assert report.cells >= len(udfs.__all__)
    assert set(report.functions) == set(udfs.__all__)  # the template calls every function
    return out


def calc_pr(path: Path) -> bytes:
    data = zipfile.ZipFile(path).read("xl/workbook.xml")
    m = re.search(rb"<calcPr\b[^>]*>", data)
    assert m is not None
    return m.group(0)


def formulas(path: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                text = v.text if isinstance(v, ArrayFormula) else v
                if isinstance(text, str) and text.startswith("="):
                    out[(ws.title, c.coordinate)] = text
    return out


def cells(path: Path) -> dict[tuple[str, str], object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {(ws.title, c.coordinate): c.value for ws in wb for row in ws.iter_rows() for c in row}


def array_blocks(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    blocks: dict[str, list[tuple[int, int, int, int]]] = {}
    for ws in openpyxl.load_workbook(path):
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, ArrayFormula):
                    blocks.setdefault(ws.title, []).append(range_boundaries(c.value.ref))
    return blocks


def same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return b == pytest.approx(a, rel=1e-13, abs=1e-9)
    return a == b


# --- no recalculation on open


def test_calc_pr_keeps_cached_values() -> None:
    wb = b'<workbook><definedNames/><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    assert (
        cached_values_on_load(wb)
        == b'<workbook><definedNames/><calcPr calcId="191029"/></workbook>'
    )
    assert cached_values_on_load(cached_values_on_load(wb)) == cached_values_on_load(wb)
    prefixed = b'<x:workbook><x:calcPr forceFullCalc="1" fullCalcOnLoad="true"/></x:workbook>'
    assert (
        cached_values_on_load(prefixed) == b'<x:workbook><x:calcPr calcId="191029"/></x:workbook>'
    )
    assert cached_values_on_load(b"<workbook/>") == b"<workbook/>"  # Excel's default: no recalc


def test_recalculated_file_does_not_recalculate_on_open(template: Path, recalculated: Path) -> None:
    assert b'fullCalcOnLoad="1"' in calc_pr(template)  # what openpyxl writes: the bug
    assert calc_pr(recalculated) == b'<calcPr calcId="191029"/>'


# --- the values copy


def test_no_addin_formula_is_left_and_builtin_formulas_stay(
    recalculated: Path, shared: Path
) -> None:
    before, after = formulas(recalculated), formulas(shared)
    assert not [k for k, f in after.items() if CALLS.search(f)]
    kept = {k: f for k, f in before.items() if not CALLS.search(f)}
    assert after == kept and len(kept) >= 40  # Excel's own formulas are untouched


def test_values_equal_the_recalculated_values(recalculated: Path, shared: Path) -> None:
    a, b = cells(recalculated), cells(shared)
    assert a.keys() == b.keys()
    assert all(same(a[k], b[k]) for k in a), [k for k in a if not same(a[k], b[k])][:5]
    # 16,389,999.318 (tests/test_recalc.py): 1,210,398 sh × $12.31 × (1 + 10% × YEARFRAC)
    assert b[("Liquidation Preference", "G4")] == pytest.approx(16_389_999.318, abs=1e-6)


def test_only_sheets_and_calc_settings_change(recalculated: Path, shared: Path) -> None:
    za, zb = zipfile.ZipFile(recalculated), zipfile.ZipFile(shared)
    assert za.namelist() == zb.namelist()
    for name in za.namelist():
        if not name.startswith("xl/worksheets/sheet"):
            assert za.read(name) == zb.read(name), name


def test_addin_calls_are_found_as_written_by_any_host() -> None:
    assert addin_call("=LIQPREF(A1,B1)") == "LIQPREF"
    assert addin_call("=1+_xludf.liqpref(A1)") == "LIQPREF"  # LibreOffice's lower case
    assert addin_call('=IF(A1="LIQPREF(",1,2)') is None  # inside a string
    assert addin_call("=MYLIQPREF(A1)") is None and addin_call("=SUM(A1)") is None


def test_refusals(template: Path, recalculated: Path, shared: Path, tmp_path: Path) -> None:
    with pytest.raises(RecalcError, match=r"no cached value \(\w+\): recalculate the workbook"):
        values_copy(template, tmp_path / "x.xlsx")  # openpyxl's template: no values yet
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(OutputError, match="already exists"):
        values_copy(recalculated, shared)
    with pytest.raises(RecalcError, match="is the input"):
        values_copy(recalculated, recalculated, force=True)
    with pytest.raises(RecalcError, match=r"extension \.xlsx"):
        values_copy(recalculated, tmp_path / "x.xlsm")
    text = tmp_path / "notes.xlsx"
    text.write_text("a,b\n1,2\n")
    with pytest.raises(RecalcError, match=r"notes.xlsx: a text or CSV file"):
        values_copy(text, tmp_path / "y.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.xlsx"]  # nothing left behind


def test_cli(recalculated: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "share.xlsx"
    assert main(["values", str(recalculated), "-o", str(out)]) == 0
    assert "add-in formula cells replaced by their values" in capsys.readouterr().out
    assert main(["values", str(recalculated), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("already exists (use --force to replace it)")
    assert main(["values", str(recalculated), "-o", str(out), "--force"]) == 0


# --- LibreOffice, without the add-in

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_lo = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def open_in_libreoffice(files: list[Path], workdir: Path, *, recalc_always: bool) -> list[Path]:
    """Open each file in LibreOffice Calc (a fresh profile: no add-in), save it as .xlsx."""
    profile = workdir / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    if recalc_always:  # "Recalculation on file load: Always" for Excel 2007 and newer files
        (profile / "user" / "registrymodifications.xcu").write_text(_ALWAYS)
    outdir = workdir / "out"
    cmd = [str(SOFFICE), "--headless", f"-env:UserInstallation={profile.as_uri()}"]
    cmd += ["--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    outs = [outdir / f.name for f in files]
    assert proc.returncode == 0 and all(o.exists() for o in outs), proc.stderr[-500:]
    return outs


def name_errors(values: dict[tuple[str, str], object]) -> list[tuple[str, str]]:
    return [k for k, v in values.items() if isinstance(v, str) and v.startswith("#NAME")]


@needs_lo
def test_libreoffice_shows_the_values(recalculated: Path, shared: Path, tmp_path: Path) -> None:
    lo_recalc, lo_shared = open_in_libreoffice(
        [recalculated, shared], tmp_path, recalc_always=False
    )
    ours = cells(recalculated)
    seen = cells(lo_shared)
    assert name_errors(seen) == []
    compared = [k for k, v in ours.items() if v is not None]
    assert all(same(ours[k], seen.get(k)) for k in compared), [
        (k, ours[k], seen.get(k)) for k in compared if not same(ours[k], seen.get(k))
    ][:5]
    # the recalculated file: #NAME? only inside the add-in's array blocks
    blocks = array_blocks(recalculated)
    outside = []
    for sheet, ref in name_errors(cells(lo_recalc)):
        m = re.match(r"([A-Z]+)(\d+)", ref)
        assert m is not None
        col, row = openpyxl.utils.column_index_from_string(m.group(1)), int(m.group(2))
        if not any(c1 <= col <= c2 and r1 <= row <= r2 for c1, r1, c2, r2 in blocks.get(sheet, [])):
            outside.append((sheet, ref))
    assert outside == []


@needs_lo
def test_values_copy_survives_a_full_recalculation(shared: Path, tmp_path: Path) -> None:
    """Even with LibreOffice set to recalculate every file on load, nothing is #NAME?, and the
    chart's data (the Waterfall payouts) are numbers."""
    (lo_shared,) = open_in_libreoffice([shared], tmp_path, recalc_always=True)
    seen = cells(lo_shared)
    assert name_errors(seen) == []
    chart = zipfile.ZipFile(shared).read("xl/charts/chart1.xml").decode()
    # the plotted values: <val> (bar/line) or <yVal>/<xVal> (scatter), then
    # <numRef><f>'Waterfall'!$B$16:$B$20</f> (prefix c: or none)
    refs = re.findall(r"<(?:c:)?(?:val|yVal|xVal)>\s*<(?:c:)?numRef>\s*<(?:c:)?f>([^<]+)<", chart)
    numbers = 0
    for ref in refs:
        sheet, _, area = ref.rpartition("!")
        sheet = sheet.strip("'")
        c1, r1, c2, r2 = range_boundaries(area.replace("$", ""))
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                v = seen.get((sheet, f"{openpyxl.utils.get_column_letter(c)}{r}"))
                # #N/A is array padding (the breakpoint markers beyond WFBREAKS' result): a chart
                # leaves it out, as Excel does; any other error would be a broken chart
                assert not (isinstance(v, str) and v.startswith("#") and v != "#N/A"), (sheet, r, v)
                numbers += isinstance(v, (int, float))
    assert refs and numbers >= 5


# --- what Excel writes: shared formulas, formula strings, a calculation chain

SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">CONVSHARES(97,12.31,12.31)</f>'
    '<v>97</v></c><c r="B1"><f>SUM(A1:A3)</f><v>291</v></c>'
    '<c r="C1" t="str"><f>INDEX(CONSENT("DEBT",20000000),1,2)</f><v> clause (B)(iv) </v></c>'
    '</row><row r="2"><c r="A2"><f t="shared" si="0"/><v>97</v></c>'
    '<c r="B2"><f t="shared" ref="B2:B3" si="1">A2*2</f><v>194</v></c></row>'
    '<row r="3"><c r="A3"><f t="shared" si="0"/><v>97</v></c>'
    '<c r="B3"><f t="shared" si="1"/><v>194</v></c></row>'
    "</sheetData></worksheet>"
)


def excel_like(path: Path) -> Path:
    """A workbook as Excel writes one: shared formulas and xl/calcChain.xml."""
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/worksheets/sheet1.xml"] = SHEET.encode()
    parts["xl/calcChain.xml"] = (
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<c r="A1" i="1"/><c r="B1"/><c r="C1"/><c r="A2"/><c r="B2"/><c r="A3"/><c r="B3"/>'
        b"</calcChain>"
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdCC" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_shared_formulas_strings_and_calc_chain(tmp_path: Path) -> None:
    src = excel_like(tmp_path / "excel.xlsx")
    report = values_copy(src, tmp_path / "copy.xlsx")
    assert report.cells == 4  # A1 (master), A2, A3 (its shared cells), C1
    with zipfile.ZipFile(tmp_path / "copy.xlsx") as z:
        names = z.namelist()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    assert "xl/calcChain.xml" not in names and "calcChain" not in rels + types
    assert '<c r="A1"><v>97</v></c>' in sheet and '<c r="A2"><v>97</v></c>' in sheet
    # the formula string becomes inline text (a formula-less t="str" is not valid)
    assert (
        '<c r="C1" t="inlineStr"><is><t xml:space="preserve"> clause (B)(iv) </t></is></c>' in sheet
    )
    # Excel's formulas stay, shared ones included
    assert "<f>SUM(A1:A3)</f>" in sheet and '<f t="shared" ref="B2:B3" si="1">A2*2</f>' in sheet
    wb = openpyxl.load_workbook(tmp_path / "copy.xlsx")
    assert [wb["S"][c].value for c in ("A1", "A3", "C1", "B1")] == [
        97,
        97,
        " clause (B)(iv) ",
        "=SUM(A1:A3)",
    ]


@needs_lo
def test_a_libreoffice_written_workbook(template: Path, tmp_path: Path) -> None:
    """LibreOffice writes the functions in lower case (=convshares(...)): found all the same."""
    (saved,) = open_in_libreoffice([template], tmp_path / "lo", recalc_always=False)
    report = recalculate(saved, tmp_path / "lo.recalc.xlsx")
    assert report.ok and report.output is not None
    assert any(re.search(r"\bconvshares\(", f) for f in formulas(report.output).values())
    copy = tmp_path / "lo.values.xlsx"
    assert set(values_copy(report.output, copy).functions) == set(udfs.__all__)
    assert not [f for f in formulas(copy).values() if CALLS.search(f)]
    a, b = cells(report.output), cells(copy)
    assert all(same(a[k], b[k]) for k in a)
