"""The well-formedness check of a large sheet part, made by a forked child while the part is
read (native/sheetread.Check): a broken part is still refused with ElementTree's message, and
no child process is left behind."""

from __future__ import annotations

import os
import zipfile

import pytest

from xl_addin.workbook.native import evaluator, sheetread
from xl_addin.workbook.native.cells import CorruptPart

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def _sheet(rows: int, broken: bool = False) -> bytes:
    body = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><f>A{r}*2</f></c></row>'
        for r in range(1, rows + 1)
    )
    tail = "</sheetData></worksheet>" if not broken else "</sheetData></worksheet"
    return (_HEAD + body + tail).encode()


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
    book = evaluator.Workbook(
        {"xl/worksheets/sheet1.xml": data}, [("S", "xl/worksheets/sheet1.xml")], []
    )
    ev = evaluator.Evaluator(book, {})
    ev.run()
    assert ev.done[("S", rows, 2)] == rows * 2.0
    assert _no_children()


@pytest.mark.parametrize("rows", [10, 200_000])
def test_a_broken_part_is_refused_as_before(rows: int) -> None:
    data = _sheet(rows, broken=True)
    parts = {"xl/worksheets/sheet1.xml": data}
    with pytest.raises(CorruptPart) as got:
        evaluator.Workbook(parts, [("S", "xl/worksheets/sheet1.xml")], [])
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
    with zipfile.ZipFile(src, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", _sheet(200_000, broken=True))
    with pytest.raises(recalc.RecalcError) as got:
        recalc.recalculate(src, os.path.join(tmp_path, "out.xlsx"), engine="native")
    assert "\n" not in str(got.value)
    assert "sheet1.xml" in str(got.value)
    assert _no_children()
