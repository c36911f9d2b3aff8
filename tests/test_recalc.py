"""Headless recalculation: values (worked out by hand), --set, preservation of every other byte,
atomic writes, error reporting, the Excel-exact YEARFRAC, and LibreOffice as a real engine."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import LineChart, Reference
from openpyxl.comments import Comment

from xl_addin import recalc, udfs
from xl_addin.recalc import OutputError, RecalcError, excel_yearfrac, recalculate
from xl_addin.template import build_template

GOLDEN = Path(__file__).parent / "golden" / "yearfrac_libreoffice.csv"
ADDIN = tuple(udfs.__all__)


def serial(y: int, m: int, d: int) -> int:
    return (dt.date(y, m, d) - dt.date(1899, 12, 30)).days


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "series_a_model.xlsx")


@pytest.fixture(scope="module")
def recalculated(template: Path) -> Path:
    report = recalculate(template)
    assert report.ok and report.written, [str(e) for e in report.errors]
    assert report.output == template.with_name("series_a_model.recalc.xlsx")
    return report.output


def values(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path, data_only=True)


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    """(sheet, cell) → formula, for every formula cell and every cell of an array range."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, openpyxl.worksheet.formula.ArrayFormula):
                    for r in ws[v.ref]:
                        for member in r:
                            out[(ws.title, member.coordinate)] = v.text
                elif isinstance(v, str) and v.startswith("="):
                    out[(ws.title, cell.coordinate)] = v
    return out


# ============================================================================ YEARFRAC
@pytest.mark.parametrize(
    ("start", "end", "basis", "expected"),
    [
        # basis 1, within one leap year: 305 actual days / 366
        ((2008, 3, 1), (2008, 12, 31), 1, 305 / 366),
        # basis 0: start on the last day of February counts as day 30; the end day 31 stays 31
        # because the original start day is not 30/31: (3-2)*30 + 31 - 30 = 31 days
        ((2007, 2, 28), (2007, 3, 31), 0, 31 / 360),
        # basis 1, 29 Feb 2008 to 28 Feb 2009: not more than a year, a 29 February in the span:
        # 365 days / 366 (formulas' own YEARFRAC gives 365/365.5)
        ((2008, 2, 29), (2009, 2, 28), 1, 365 / 366),
        # basis 0, last of February to last of February: both become day 30 -> 360/360
        # (formulas' own YEARFRAC keeps the end day 29: 359/360)
        ((2007, 2, 28), (2008, 2, 29), 0, 1.0),
        # basis 3: 365 days / 365; dates swapped like Excel
        ((2001, 6, 15), (2000, 6, 15), 3, 1.0),
    ],
)
def test_yearfrac_hand_worked(start, end, basis, expected) -> None:  # type: ignore[no-untyped-def]
    assert excel_yearfrac(serial(*start), serial(*end), basis) == pytest.approx(expected, abs=0)


def test_formulas_own_yearfrac_is_wrong_where_ours_is_right() -> None:
    from formulas.functions.date import xyearfrac

    assert xyearfrac(serial(2008, 2, 29), serial(2009, 2, 28), 1) != 365 / 366
    assert xyearfrac(serial(2007, 2, 28), serial(2008, 2, 29), 0) != 1.0


def test_yearfrac_errors_like_excel() -> None:
    assert str(excel_yearfrac(serial(2008, 1, 1), serial(2009, 1, 1), 5)) == "#NUM!"
    assert str(excel_yearfrac(-1, serial(2009, 1, 1), 1)) == "#NUM!"
    assert str(excel_yearfrac(True, serial(2009, 1, 1), 1)) == "#VALUE!"
    assert str(excel_yearfrac("x", serial(2009, 1, 1), 1)) == "#VALUE!"
    # fractional serials and bases are truncated
    assert excel_yearfrac(serial(2001, 1, 1) + 0.9, serial(2002, 1, 1), 3.7) == 1.0


def test_yearfrac_matches_the_libreoffice_golden_table() -> None:
    rows = list(csv.DictReader(GOLDEN.open()))
    assert len(rows) > 1000
    for row in rows:
        s = serial(*map(int, row["start"].split("-")))
        e = serial(*map(int, row["end"].split("-")))
        got = excel_yearfrac(s, e, int(row["basis"]))
        assert got == pytest.approx(float(row["yearfrac"]), rel=1e-14), row


def test_native_yearfrac_cells_use_the_override(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = dt.date(2008, 2, 29), dt.date(2009, 2, 28)
    ws["C1"] = "=YEARFRAC(A1,B1,1)"
    ws["A2"], ws["B2"] = dt.date(2007, 2, 28), dt.date(2008, 2, 29)
    ws["C2"] = "=YEARFRAC(A2,B2)"  # basis omitted: 0
    src = tmp_path / "yf.xlsx"
    wb.save(src)
    report = recalculate(src)
    assert report.ok
    ws = values(report.output).active
    assert ws["C1"].value == 365 / 366
    assert ws["C2"].value == 1.0


# ============================================================================ template values
def test_every_formula_cell_of_the_template_has_a_value(template: Path, recalculated: Path) -> None:
    headers = ("row", "date", "event", "instrument", "flags", "note", "section")
    wb = values(recalculated)
    cells = formula_cells(template)
    assert len(cells) > 150
    padding = 0
    for (sheet, ref), text in cells.items():
        v = wb[sheet][ref].value
        if v == "#N/A" and text.startswith(("=CPHISTORY(", "=WFBREAKS(", "=TRIGGERLOG(")):
            padding += 1  # spare rows of an array block larger than the result, as in Excel
            continue
        # CPHISTORY's instrument / flags / note columns are legitimately empty text ("" cached
        # as <v></v>, which openpyxl reads as None)
        if v is None and text.startswith("=CPHISTORY("):
            cell = wb[sheet][ref]
            above = [wb[sheet].cell(r, cell.column).value for r in range(cell.row - 1, 0, -1)]
            assert next(h for h in above if h in headers) in ("instrument", "flags", "note")
            continue
        # TRIGGERLOG: no notice date / cure date on a row is empty text
        if v is None and text.startswith("=TRIGGERLOG("):
            cell = wb[sheet][ref]
            above = [wb[sheet].cell(r, cell.column).value for r in range(cell.row - 1, 0, -1)]
            header = next(h for h in above if isinstance(h, str) and h.islower())
            assert header in ("notice date", "cure deadline", "Triggering Event from", "cured on")
            continue
        assert v is not None, (sheet, ref, text)
        assert not (isinstance(v, str) and v.startswith("#")), (sheet, ref, v)
    # CPHISTORY: 11-row block, header + 2 sample events = 3 rows → 8 spare rows × 16 columns;
    # WFBREAKS: 10-row block, 5 breakpoints in the sample → 5 spare rows × 2 columns;
    # TRIGGERLOG: 7-row block, header + 2 sample violations → 4 spare rows × 10 columns
    assert padding == 8 * 16 + 5 * 2 + 4 * 10


def test_template_values_worked_out_by_hand(recalculated: Path) -> None:
    wb = values(recalculated)
    liq, conv = wb["Liquidation Preference"], wb["Conversion"]
    # Class I: issued 2000-06-15, paid 2001-06-15: 365 days, basis 3 -> exactly one year.
    # 1,210,398 x (12.31 + 12.31 x 10% x 1) = 1,210,398 x 13.541 = 16,389,999.318
    assert liq["F4"].value == 1.0
    assert liq["G4"].value == pytest.approx(16_389_999.318, abs=1e-6)
    assert liq["H4"].value == pytest.approx(13.541, abs=1e-12)
    # Class II: issued 2000-09-15: 273 days / 365; 820,471 x 12.31 = 10,099,998.01
    # 10,099,998.01 x (1 + 0.1 x 273/365) = 10,855,422.5186931...
    assert liq["F5"].value == pytest.approx(273 / 365, abs=0)
    assert liq["G5"].value == pytest.approx(10_099_998.01 * (1 + 27.3 / 365), rel=1e-14)
    assert liq["G5"].value == pytest.approx(10_855_422.518693, abs=1e-5)
    assert liq["G6"].value == pytest.approx(16_389_999.318 + 10_855_422.518693, abs=1e-5)
    # the schedule, one year later: 1,210,398 x (12.31 + 2 x 1.231) = 1,210,398 x 14.772
    assert liq["C13"].value == pytest.approx(17_879_999.256, abs=1e-6)
    assert liq["C12"].value == liq["G4"].value

    # Adjustments: a PERMITTED issuance changes nothing (12.31); an ISSUE at $10.00 before the
    # Qualified Private Offering ratchets to $10.00 (6(c)(i)); blank rows pass it through.
    adj = wb["Adjustments"]
    assert (adj["G5"].value, adj["H5"].value) == (12.31, 12.31)
    assert (adj["G6"].value, adj["H6"].value) == (10, 10)
    assert (adj["G15"].value, adj["H15"].value) == (10, 10)

    # Conversion at $10: Class I 12.31 x 1,210,398 / 10 = 1,489,999.938 -> 1,489,999 shares,
    # cash in lieu 0.938 x $9.50 = $8.911; Class II 12.31 x 820,471 / 10 = 1,009,999.801 ->
    # 1,009,999 shares, 0.801 x 9.50 = $7.6095.
    assert conv["F4"].value == 1_489_999
    assert conv["G4"].value == pytest.approx(1_489_999.938, abs=1e-6)
    assert conv["H4"].value == pytest.approx(8.911, abs=1e-9)
    assert conv["F5"].value == 1_009_999
    assert conv["H5"].value == pytest.approx(7.6095, abs=1e-9)
    assert conv["F6"].value == 2_499_998

    # Fully Diluted: 1,489,999 + 1,009,999 + 6,000,000 + 8,000,000 + 2,460,000 + 210,000
    cap = wb["Cap Table"]
    assert cap["J10"].value == 19_169_998
    assert cap["K10"].value == pytest.approx(1.0)
    assert cap["L4"].value == 1_489_999  # votes as converted

    # Preemptive: 1,000,000 offered; only the two UBS holders ask (for everything), so they
    # share it in proportion to holdings: 1,000,000 x 1,489,999 / 2,499,998 = 595,999.68 and
    # 404,000.32 -> floors 595,999 and 404,000, the one unit left to the larger remainder (.68).
    pre = wb["Preemptive Rights"]
    assert pre["D6"].value == pytest.approx(1_000_000 * 1_489_999 / 19_169_998, rel=1e-14)
    assert [pre[f"E{r}"].value for r in range(6, 12)] == [596_000, 404_000, 0, 0, 0, 0]

    checks = wb["Checks"]
    assert checks["E4"].value == "OK" and checks["C4"].value == 0  # no error cell anywhere
    # 2,499,998 needed <= 3,000,000 authorized but unissued (SAMPLE): 5(f) holds, but above
    # the 2,030,869 reserved at issue
    assert [checks[f"E{r}"].value for r in range(5, 12)] == ["OK"] * 7
    assert checks["E12"].value == "ABOVE RESERVE"
    assert wb["Terms"]["B29"].value == liq["G4"].value


def test_set_overrides_inputs_and_values_follow(template: Path, tmp_path: Path) -> None:
    out = tmp_path / "scenario.xlsx"
    code = recalc.main(
        [
            str(template),
            "-o",
            str(out),
            "--set",
            "ValuationDate=2002-06-15",
            "--set",
            "ClassI_Shares=1,000",
            "--set",
            "QPOClosed=TRUE",
            "-q",
        ]
    )
    assert code == 0
    wb = values(out)
    terms = wb["Terms"]
    assert terms["B20"].value == dt.datetime(2002, 6, 15)  # the input cell itself changed
    assert terms["B11"].value == 1000
    assert terms["B21"].value is True
    # 1,000 x (12.31 + 12.31 x 10% x 2) = 1,000 x 14.772 (730 days / 365 on basis 3)
    assert wb["Liquidation Preference"]["G4"].value == pytest.approx(14_772.0, abs=1e-9)
    # Class I held in the Cap Table (1,210,398) no longer matches Class I outstanding
    assert wb["Checks"]["E6"].value == "MISMATCH"
    # the input file is untouched by --set
    assert values(template)["Terms"]["B11"].value == 1_210_398


def test_set_errors_are_one_line_and_write_nothing(template: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    with pytest.raises(RecalcError, match="no such defined name"):
        recalculate(template, out, overrides={"NoSuchName": "1"})
    with pytest.raises(RecalcError, match="is a formula cell"):
        recalculate(template, out, overrides={"ClassI_CP": "1"})
    assert not out.exists()
    assert recalc.main([str(template), "-o", str(out), "--set", "novalue"]) == 2


def test_parse_value() -> None:
    assert recalc.parse_value("1,000") == 1000
    assert recalc.parse_value("12.5") == 12.5
    assert recalc.parse_value("10%") == pytest.approx(0.1)
    assert recalc.parse_value("false") is False
    assert recalc.parse_value("2001-06-15") == dt.date(2001, 6, 15)
    assert recalc.parse_value("ISSUE") == "ISSUE"
    assert recalc.parse_value('"123"') == "123"


def test_set_text_value_becomes_an_inline_string(template: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(template)
    ws = wb["Adjustments"]
    ws["B7"], ws["C7"], ws["D7"] = "SPLIT", 20_000_000, 20_000_000  # a 2-for-1 split
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["Event3"] = DefinedName("Event3", attr_text="Adjustments!$B$7")
    src = tmp_path / "split.xlsx"
    wb.save(src)
    report = recalculate(src, overrides={"Event3": "COMBINATION"}, allow_errors=True)
    # a COMBINATION with a positive change is refused by ADJPRICE: a real error with a message
    assert any(e.cell == "G7" and "ADJPRICE" in e.message for e in report.errors)
    report = recalculate(src, overrides={"Event3": "SPLIT"})
    assert report.ok
    adj = values(report.output)["Adjustments"]
    assert adj["B7"].value == "SPLIT"
    assert adj["G7"].value == 5.0  # $10 x 20M / (20M + 20M)


# ============================================================================ errors
@pytest.fixture()
def bad_book(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bad Sheet"
    ws["A1"] = -5
    ws["B1"] = "=LIQPREF(A1,12.31,36692,37057)"
    ws["C1"] = "=1/0"
    ws["D1"] = "=NOSUCHFN(1)"
    ws["E1"] = "=B1+1"
    ws["F1"] = "=SUM(1,2)"
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    return path


def test_error_cells_are_reported_and_nothing_written(
    bad_book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert recalc.main([str(bad_book)]) == 1
    err = capsys.readouterr().err
    assert "'Bad Sheet'!B1: #VALUE! LIQPREF: shares must be >= 0 (got -5)" in err
    assert "'Bad Sheet'!C1: #DIV/0!" in err
    assert "'Bad Sheet'!D1: #NAME? unknown function NOSUCHFN" in err
    assert "'Bad Sheet'!E1: #VALUE!" in err
    assert "nothing written" in err
    assert not recalc.default_output(bad_book).exists()


def test_allow_errors_writes_real_error_values(bad_book: Path) -> None:
    assert recalc.main([str(bad_book), "--allow-errors", "-q"]) == 0
    out = recalc.default_output(bad_book)
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="B1" t="e"><f>LIQPREF(A1,12.31,36692,37057)</f><v>#VALUE!</v></c>' in sheet
    assert '<c r="F1"><f>SUM(1,2)</f><v>3</v></c>' in sheet
    ws = values(out).active
    assert ws["C1"].value == "#DIV/0!" and ws["F1"].value == 3


def test_unreadable_input_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a zip")
    assert recalc.main([str(bad)]) == 2
    assert recalc.main([str(tmp_path / "missing.xlsx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("xl-addin recalc: ") for line in err)


# ============================================================================ writing
def test_atomic_write_nothing_when_evaluation_fails(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.xlsx"

    def boom(*a: object, **k: object) -> None:
        raise RecalcError("engine failed")

    monkeypatch.setattr(recalc, "_evaluate", boom)
    with pytest.raises(RecalcError):
        recalculate(template, out)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_nothing_half_written(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in.xlsx"
    shutil.copy(template, src)
    before = src.read_bytes()
    real_fdopen = os.fdopen

    class DiskFull(io.BufferedWriter):
        def write(self, data):  # type: ignore[no-untyped-def]
            super().write(bytes(data)[: len(data) // 2])  # half of it, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fdopen(fd, *a, **k):  # type: ignore[no-untyped-def]
        return DiskFull(real_fdopen(fd, "wb", buffering=0))

    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(OutputError, match=re.escape("cannot write (No space left on device)")):
        recalculate(src, in_place=True)
    assert src.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["in.xlsx"]


def test_outputs_in_place_and_refusals(template: Path, tmp_path: Path) -> None:
    src = tmp_path / "model.xlsx"
    shutil.copy(template, src)
    with pytest.raises(RecalcError, match="would overwrite the input"):
        recalculate(src, src)
    report = recalculate(src, in_place=True)
    assert report.output == src and report.written
    assert values(src)["Conversion"]["F4"].value == 1_489_999
    # recalculating a recalculated file changes nothing
    before = src.read_bytes()
    recalculate(src, in_place=True)
    assert zip_parts(src.read_bytes()) == zip_parts(before)


def test_no_progress_output_when_not_a_terminal(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert recalc.main([str(template), "-o", str(tmp_path / "o.xlsx")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "formula cells recalculated" in captured.out


# ============================================================================ preservation
def zip_parts(data: bytes) -> list[tuple[str, tuple[int, ...], int, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, i.date_time, i.compress_type, z.read(i)) for i in z.infolist()]


def strip_cached_values(xml: bytes, cells: set[str]) -> bytes:
    """Remove <v> and the t attribute of the given cells (formula cells and array members)."""

    def fix(m: re.Match[bytes]) -> bytes:
        ref = re.search(rb'\sr="([A-Z]+\d+)"', m.group(1))
        if not ref or ref.group(1).decode() not in cells:
            return m.group(0)
        open_attrs = re.sub(rb'\st="[^"]*"', b"", m.group(1))
        inner = re.sub(rb"<v>.*?</v>|<v/>", b"", m.group(2) or b"", flags=re.S)
        return b"<c" + open_attrs + (b">" + inner + b"</c>" if inner else b"/>")

    return re.sub(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", fix, xml, flags=re.S)


def tiny_png() -> bytes | None:
    try:
        from PIL import Image
    except ImportError:
        return None
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def test_preservation_of_charts_images_comments(template: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(template)
    ws = wb["Liquidation Preference"]
    chart = LineChart()
    chart.title = "Schedule"
    chart.add_data(
        Reference(ws, min_col=3, max_col=4, min_row=11, max_row=17), titles_from_data=True
    )
    ws.add_chart(chart, "K3")
    ws["A4"].comment = Comment("reviewed", "tester")
    png = tiny_png()
    if png is not None:
        from openpyxl.drawing.image import Image as XLImage

        (tmp_path / "logo.png").write_bytes(png)
        wb["Terms"].add_image(XLImage(str(tmp_path / "logo.png")), "F2")
    src = tmp_path / "decorated.xlsx"
    wb.save(src)

    report = recalculate(src)
    assert report.ok and report.written
    before, after = zip_parts(src.read_bytes()), zip_parts(report.output.read_bytes())
    names = [p[0] for p in before]
    assert names == [p[0] for p in after]  # same members, same order
    assert any(n.startswith("xl/charts/") for n in names)
    assert any(n.startswith("xl/comments") for n in names)
    if png is not None:
        assert any(n.startswith("xl/media/") for n in names)

    formula = formula_cells(src)
    by_part = {}
    wbx = openpyxl.load_workbook(src)
    for i, sheet in enumerate(wbx.sheetnames, start=1):
        by_part[f"xl/worksheets/sheet{i}.xml"] = {c for (s, c) in formula if s == sheet}
    changed = 0
    for (name, date0, comp0, data0), (_, date1, comp1, data1) in zip(before, after, strict=True):
        assert (date0, comp0) == (date1, comp1), name
        if name in by_part:
            if data0 != data1:
                changed += 1
            assert strip_cached_values(data0, by_part[name]) == strip_cached_values(
                data1, by_part[name]
            ), name
        elif name == "xl/workbook.xml":  # only <calcPr>: no recalculation on open (issue #12)
            from xl_addin.workbook.values import cached_values_on_load

            assert data1 == cached_values_on_load(data0) != data0, name
        else:
            assert data0 == data1, name  # every other part byte-identical
    assert changed >= 6
    # and the values are there for openpyxl data_only / pandas
    assert values(report.output)["Liquidation Preference"]["G4"].value == pytest.approx(
        16_389_999.318, abs=1e-6
    )


def test_missing_array_cells_are_inserted(tmp_path: Path) -> None:
    """Cells of an array range that the file does not contain get a <c> (and a <row>)."""
    from openpyxl.worksheet.formula import ArrayFormula

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 4):
        ws.cell(r, 1, r * 100)
    ws["B1"] = ArrayFormula("B1:B5", "=PRORATA(A1:A3,1000,10)")
    src = tmp_path / "arr.xlsx"
    wb.save(src)
    report = recalculate(src, allow_errors=True)
    ws = values(report.output).active
    assert [ws.cell(r, 2).value for r in range(1, 4)] == [1.0, 2.0, 3.0]
    # beyond the result: #N/A, as Excel shows -- array padding, not reported as an error
    assert ws["B4"].value == "#N/A" and ws["B5"].value == "#N/A"
    assert report.errors == []


# ============================================================================ LibreOffice
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_lo = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def libreoffice(src: Path, workdir: Path) -> Path:
    """Open ``src`` in LibreOffice Calc headlessly, recalculate everything, save as .xlsx."""
    profile = workdir / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS)
    outdir = workdir / "out"
    cmd = [
        str(SOFFICE),
        "--headless",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(outdir),
        str(src),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    out = outdir / src.name
    assert proc.returncode == 0 and out.exists(), proc.stderr[-500:]
    return out


def same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return b == pytest.approx(a, rel=1e-13, abs=1e-9)
    return a == b


@needs_lo
def test_libreoffice_agrees_on_every_native_cell(
    template: Path, recalculated: Path, tmp_path: Path
) -> None:
    lo = values(libreoffice(template, tmp_path / "a"))
    ours = values(recalculated)
    compared, skipped = [], []
    for (sheet, ref), text in formula_cells(template).items():
        if any(f"{fn}(" in text for fn in ADDIN):
            continue
        theirs = lo[sheet][ref].value
        if isinstance(theirs, str) and theirs.startswith(("#", "ERROR")):
            skipped.append((sheet, ref))  # depends on an add-in cell: #NAME? in LibreOffice
            continue
        if "ISERROR(" in text or (sheet, ref) == ("Checks", "C4"):
            skipped.append((sheet, ref))  # error counts: LibreOffice counts its #NAME? cells
            continue
        assert same(theirs, ours[sheet][ref].value), (sheet, ref, text, theirs)
        compared.append((sheet, ref))
    assert ("Liquidation Preference", "F4") in compared  # YEARFRAC
    assert ("Liquidation Preference", "I5") in compared  # the native preference formula
    assert ("Liquidation Preference", "B17") in compared  # DATE/YEAR/MONTH/DAY
    assert len(compared) >= 40, len(compared)
    # LibreOffice opens the recalculated file too
    assert values(libreoffice(recalculated, tmp_path / "b"))["Terms"]["B11"].value == 1_210_398


@needs_lo
def test_a_libreoffice_written_file_recalculates_like_the_template(
    template: Path, recalculated: Path, tmp_path: Path
) -> None:
    """LibreOffice writes other XML (lower-case UDF names, #NAME? cached in every cell of an
    array range, extra attributes): our values must be the same as for the template."""
    saved = libreoffice(template, tmp_path)
    report = recalculate(saved)
    assert report.ok, [str(e) for e in report.errors][:5]
    ours, again = values(recalculated), values(report.output)
    for (sheet, ref), text in formula_cells(template).items():
        assert same(ours[sheet][ref].value, again[sheet][ref].value), (sheet, ref, text)


@needs_lo
def test_yearfrac_agrees_with_libreoffice_on_hard_pairs(tmp_path: Path) -> None:
    pairs = [
        ((2007, 2, 28), (2008, 2, 29)),
        ((2008, 2, 29), (2009, 2, 28)),
        ((2008, 2, 29), (2012, 2, 29)),
        ((2007, 2, 28), (2007, 3, 31)),
        ((2007, 1, 31), (2007, 2, 28)),
        ((2007, 3, 30), (2007, 3, 31)),
        ((2007, 3, 31), (2008, 3, 31)),
        ((2000, 6, 15), (2001, 6, 15)),
        ((2000, 1, 1), (2000, 12, 31)),
        ((1999, 12, 31), (2000, 12, 31)),
        ((2003, 3, 1), (2004, 3, 1)),
        ((2004, 1, 15), (2004, 2, 29)),
        ((2000, 9, 15), (2006, 6, 15)),
        ((2001, 6, 15), (2000, 6, 15)),
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    r = 0
    for start, end in pairs:
        for basis in range(5):
            r += 1
            ws.cell(r, 1, dt.date(*start))
            ws.cell(r, 2, dt.date(*end))
            ws.cell(r, 3, basis)
            ws.cell(r, 4, f"=YEARFRAC(A{r},B{r},C{r})")
    src = tmp_path / "yearfrac.xlsx"
    wb.save(src)
    report = recalculate(src)
    assert report.ok
    ours, lo = values(report.output).active, values(libreoffice(src, tmp_path)).active
    for row in range(1, r + 1):
        assert ours.cell(row, 4).value == pytest.approx(lo.cell(row, 4).value, rel=1e-14), row


def test_xlsm_parts_and_unknown_parts_are_copied_byte_for_byte(
    template: Path, tmp_path: Path
) -> None:
    src = tmp_path / "model.xlsm"
    shutil.copy(template, src)
    blob = bytes(range(256)) * 8  # stands in for xl/vbaProject.bin
    with zipfile.ZipFile(src, "a", zipfile.ZIP_STORED) as z:
        z.writestr(zipfile.ZipInfo("xl/vbaProject.bin", (2001, 2, 3, 4, 5, 6)), blob)
        z.writestr(zipfile.ZipInfo("customXml/item1.xml", (2001, 2, 3, 4, 5, 6)), b"<x/>")
    report = recalculate(src)
    assert report.output == tmp_path / "model.recalc.xlsm"
    with zipfile.ZipFile(report.output) as z:
        info = z.getinfo("xl/vbaProject.bin")
        assert z.read(info) == blob
        assert (info.date_time, info.compress_type) == ((2001, 2, 3, 4, 5, 6), zipfile.ZIP_STORED)
        assert z.namelist()[-2:] == ["xl/vbaProject.bin", "customXml/item1.xml"]


def test_named_values_for_a_summary(recalculated: Path) -> None:
    named = recalc.named_values(recalculated)
    assert named["ClassI_LiqPref"] == pytest.approx(16_389_999.318, abs=1e-6)
    assert named["ClassI_CP"] == 10
    assert named["ClassI_ConvShares"] == 1_489_999
    assert named["ValuationDate"] == dt.datetime(2001, 6, 15)
