"""The native formula evaluator used by ``xl-addin recalc`` (fallback: the formulas library)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from xl_addin import fastcalc, udfs
from xl_addin.fastcalc import Err, Unsupported

FUNCTIONS = {n: getattr(udfs, n) for n in udfs.__all__}


def run(path: Path) -> tuple[dict, dict]:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    from xl_addin.recalc import _sheet_parts

    sheets = _sheet_parts(parts)
    names = fastcalc.defined_names(parts["xl/workbook.xml"])
    return fastcalc.evaluate(parts, sheets, names, FUNCTIONS)


def book(
    tmp_path: Path,
    cells: dict[str, object],
    *,
    names: dict[str, str] | None = None,
    arrays: dict[str, str] | None = None,
) -> dict:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    other = wb.create_sheet("Other Sheet")
    other["A1"] = 7
    for ref, v in cells.items():
        ws[ref] = v
    for ref, (formula) in (arrays or {}).items():
        top = ref.split(":")[0]
        ws[top] = ArrayFormula(ref, formula)
    for name, target in (names or {}).items():
        wb.defined_names[name] = openpyxl.workbook.defined_name.DefinedName(name, attr_text=target)
    path = tmp_path / "b.xlsx"
    wb.save(path)
    cells_out, ranges = run(path)
    return {"cells": cells_out, "ranges": ranges}


def val(result: dict, ref: str) -> object:
    from xl_addin.fastcalc import _CELL, col_index

    m = _CELL.fullmatch(ref)
    assert m
    return result["cells"][("S", int(m.group(4)), col_index(m.group(2)))]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=1+2*3", 7.0),  # * before +
        ("=-2^2", 4.0),  # Excel: negation binds tighter than ^
        ("=2^3^2", 64.0),  # ^ is left-associative in Excel: (2^3)^2
        ("=50%*4", 2.0),
        ('="a"&"b"&1', "ab1"),
        ("=1/0", Err("#DIV/0!")),
        ('="3"*2', 6.0),  # numeric text is coerced in arithmetic
        ('="x"*2', Err("#VALUE!")),
        ("=A2+1", 1.0),  # empty cell is 0
        ("=1<2", True),
        ('="B"="b"', True),  # case-insensitive text comparison
        ('=IF(1>2,"yes","no")', "no"),
        ("=IFERROR(1/0,-1)", -1.0),
        ("=ROUND(2.675,2)", 2.68),  # as Excel: decided on the 15-digit decimal
        ("=ROUNDDOWN(-2.5,0)", -2.0),
        ("=ROUNDUP(2.01,0)", 3.0),
        ("=DATE(2000,6,26)", 36703.0),  # 36526 + 31+29+31+30+31 + 25
        ("=YEAR(36703)+MONTH(36703)/100", 2000.06),
        ("=YEARFRAC(DATE(2008,3,1),DATE(2008,12,31),1)", 305 / 366),
        ("=YEARFRAC(DATE(2007,2,28),DATE(2007,3,31))", 31 / 360),  # basis 0 by default
        ('=SUM(1,2,"3")', 6.0),
        ("=AND(TRUE,1)", True),
        ("=MOD(-3,2)", 1.0),
        ("='Other Sheet'!A1*2", 14.0),
        ("=CONVSHARES(97,12.31,12.31)", 97.0),  # the add-in, exact
        ("=LIQPREF(1000,12.31,DATE(2000,6,26),DATE(2001,6,26))", 13541.0),
        ("=LIQPREF(1000,12.31,DATE(2000,6,26),DATE(2001,6,26),,,)", 13541.0),  # omitted → default
    ],
)
def test_formulas(tmp_path: Path, formula: str, expected: object) -> None:
    got = val(book(tmp_path, {"A1": formula}), "A1")
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-15)
    else:
        assert got == expected


def test_ranges_names_and_dependency_order(tmp_path: Path) -> None:
    # C1 depends on B1..B3 which are formulas written after it
    r = book(
        tmp_path,
        {
            "A1": 1,
            "A2": 2,
            "A3": 3,
            "C1": "=SUM(B1:B3)*Rate",
            "B1": "=A1*10",
            "B2": "=A2*10",
            "B3": "=A3*10",
            "D1": 0.5,
            "E1": '=SUMIF(A1:A3,">1",B1:B3)',
            "E2": "=INDEX(A1:A3,2)",
        },
        names={"Rate": "S!$D$1"},
    )
    assert val(r, "C1") == 30.0  # (10 + 20 + 30) × 0.5
    assert val(r, "E1") == 50.0  # A2, A3 > 1 → 20 + 30
    assert val(r, "E2") == 2.0


def test_array_formula_fills_its_range(tmp_path: Path) -> None:
    r = book(
        tmp_path,
        {"A1": 1, "A2": 2, "A3": 3},
        arrays={"B1:B3": "=A1:A3*2", "C1:C3": "=PRORATA(A1:A3,10,5)"},
    )
    arr = r["ranges"][("S", "B1:B3")]
    assert [x for x in arr.flat] == [2.0, 4.0, 6.0]
    # PRORATA: 5 × holding / 10 → 0.5, 1, 1.5
    assert [x for x in r["ranges"][("S", "C1:C3")].flat] == [0.5, 1.0, 1.5]


def test_addin_errors_are_error_values_with_the_message(tmp_path: Path) -> None:
    got = val(book(tmp_path, {"A1": "=CONVSHARES(-5,12.31,12.31)"}), "A1")
    assert got == Err("#VALUE!", "CONVSHARES: shares must be >= 0 (got -5)")


@pytest.mark.parametrize(
    "formula",
    ["=VLOOKUP(1,A2:B3,2,FALSE)", "=SUM(A:A)", "=[1]Sheet1!A1", "=A1"],  # last: circular
)
def test_outside_the_subset_needs_the_full_engine(tmp_path: Path, formula: str) -> None:
    with pytest.raises(Unsupported):
        book(tmp_path, {"A1": formula})


def test_shared_formulas_shift_relative_references() -> None:
    tokens = fastcalc.tokenize("A1*$B$1+B2")
    moved = fastcalc.shift(tokens, 2, 1)
    assert [t.ref[1] for t in moved if t.kind == "ref"] == ["B3", "$B$1", "C4"]


def test_template_values_equal_the_formulas_engine() -> None:
    """Every formula cell of the template: the native evaluator agrees with formulas."""
    from xl_addin import recalc

    path = Path(__file__).resolve().parents[1] / "workbook_templates" / "series_a_model.xlsx"
    cells, ranges = run(path)
    reference = recalc._evaluate_with_formulas(path, False)
    checked = 0
    for (sheet, r, c), v in cells.items():
        array_ref = next((a for (s, a) in ranges if s == sheet and _inside(a, r, c)), None)
        w = reference.get(sheet, r, c, array_ref)
        assert recalc._v_and_t(v) == recalc._v_and_t(w) or _close(v, w), (
            sheet,
            r,
            c,
            v,
            w,
        )
        checked += 1
    assert checked > 150


def _inside(a: str, r: int, c: int) -> bool:
    from xl_addin.recalc import _split_ref

    lo, hi = a.split(":")
    r1, c1 = _split_ref(lo)
    r2, c2 = _split_ref(hi)
    return r1 <= r <= r2 and c1 <= c <= c2


def _close(v: object, w: object) -> bool:
    try:
        return abs(float(v) - float(w)) <= 1e-9 * max(1.0, abs(float(v)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def test_dates_in_cells(tmp_path: Path) -> None:
    r = book(tmp_path, {"A1": dt.date(2000, 6, 26), "B1": "=A1+1"})
    assert val(r, "B1") == 36704.0


def test_progress_is_reported_every_thousand_formulas(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r in range(1, 2502):
        ws[f"A{r}"] = f"={r}*2"
    path = tmp_path / "many.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    from xl_addin.recalc import _sheet_parts

    calls: list[tuple[int, int]] = []
    fastcalc.evaluate(parts, _sheet_parts(parts), [], {}, lambda d, t: calls.append((d, t)))
    assert calls == [(0, 2501), (1000, 2501), (2000, 2501)]  # 2,501 formulas, every 1,000


def test_progress_line_only_after_half_a_second(capsys) -> None:
    from xl_addin.recalc import _ProgressLine

    line = _ProgressLine()
    line(0, 10)  # too early: nothing shown
    line.start -= 1.0
    line(5, 10)
    line.close()
    err = capsys.readouterr().err
    assert "5/10 formulas" in err and err.endswith("\r")


def test_a_formula_is_parsed_once_per_sheet() -> None:
    first = fastcalc.parse("=LIQPREF(A1,B1,C1,D1)*2", "MODEL")
    assert fastcalc.parse("=LIQPREF(A1,B1,C1,D1)*2", "MODEL") is first  # kept, not re-parsed
    other = fastcalc.parse("=LIQPREF(A1,B1,C1,D1)*2", "OTHER")
    assert other is not first and other != first  # the references belong to the other sheet
