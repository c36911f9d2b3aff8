"""The well-formedness check of a large sheet part, made by a forked child while the part is
read (native/sheetread.Check): a broken part is still refused with ElementTree's message, and
no child process is left behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from native_book import SHEET, evaluate, sheet_xml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import recalc_scale

from xl_addin.workbook.native import evaluator, sheetread
from xl_addin.workbook.native.cells import CorruptPart


def _sheet(rows: int, broken: bool = False) -> bytes:
    body = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><f>A{r}*2</f></c></row>'
        for r in range(1, rows + 1)
    )
    tail = "</sheetData></worksheet>" if not broken else "</sheetData></worksheet"
    return sheet_xml(body, tail).encode()


def _no_children() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("rows", [10, 200_000])  # in this process; by a forked child (> 8 MB)
def test_a_well_formed_part_is_read(rows: int) -> None:
    data = _sheet(rows)
    assert (len(data) >= sheetread.BACKGROUND_BYTES) == (rows > 10)
    ev = evaluate({SHEET: data})
    assert ev.done[("S", rows, 2)] == rows * 2.0
    assert _no_children()


@pytest.mark.parametrize("rows", [10, 200_000])
def test_a_broken_part_is_refused_as_before(rows: int) -> None:
    data = _sheet(rows, broken=True)
    with pytest.raises(CorruptPart) as got:
        evaluator.Workbook({SHEET: data}, [("S", SHEET)], [])
    # ElementTree's message, with the line and column, as the reader gave before
    assert "xl/worksheets/sheet1.xml" in str(got.value)
    assert "line 2" in str(got.value)
    assert _no_children()


def test_the_check_answers_without_a_child_too() -> None:
    assert sheetread.Check(b"<a/>").ok() is True
    assert sheetread.Check(b"<a>").ok() is False
    big = b"<a>" + b"<b/>" * (sheetread.BACKGROUND_BYTES // 4) + b"</a>"
    check = sheetread.Check(big)
    assert check.ok() is True and check.ok() is True  # the answer is kept
    assert _no_children()
    broken = sheetread.Check(big[:-1])
    broken.cancel()  # no answer wanted: the child is ended and reaped
    assert _no_children()


def test_a_zip_of_a_large_broken_sheet_is_one_line(tmp_path: os.PathLike[str]) -> None:
    from xl_addin import recalc

    src = os.path.join(tmp_path, "broken.xlsx")
    recalc_scale.zip_workbook(Path(src), _sheet(200_000, broken=True), "S")
    with pytest.raises(recalc.RecalcError) as got:
        recalc.recalculate(src, os.path.join(tmp_path, "out.xlsx"), engine="native")
    assert "\n" not in str(got.value)
    assert "sheet1.xml" in str(got.value)
    assert _no_children()
