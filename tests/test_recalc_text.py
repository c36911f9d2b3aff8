"""Text written by ``recalc`` is valid XML and reads back as the text computed (issue #11 item 1).

Excel's escape (ECMA-376 Part 1, 22.9.2.19 ST_Xstring): a character XML 1.0 cannot hold
(U+0000-U+0008, U+000B, U+000C, U+000E-U+001F) is written ``_xHHHH_``; text that itself looks
like ``_xHHHH_`` gets its underscore escaped (``_x005F_``) so that it reads back as itself.
openpyxl does not decode ``_xHHHH_`` in cell values (it returns the escaped form, which
``openpyxl.utils.escape.unescape`` decodes); every other character reads back exactly.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.utils.escape import unescape as openpyxl_unescape
from openpyxl.workbook.defined_name import DefinedName

from xl_addin.recalc import recalculate
from xl_addin.workbook.xmltext import excel_text, excel_unescape

#: Hand-written: what Excel writes for each text (the escapes above).
ESCAPED = {
    "\x00": "_x0000_",
    "\x01": "_x0001_",
    "\x08": "_x0008_",
    "\x0b": "_x000B_",
    "\x0c": "_x000C_",
    "\x1f": "_x001F_",
    "\t": "\t",
    "\n": "\n",
    "\r": "&#13;",
    "_x0041_": "_x005F_x0041_",
    "_x00e9_ & <b>": "_x005F_x00e9_ &amp; &lt;b&gt;",
    "_x12_": "_x12_",  # not four hex digits: not an escape
}


@pytest.mark.parametrize(("text", "written"), sorted(ESCAPED.items()))
def test_excel_escape_by_hand(text: str, written: str) -> None:
    assert excel_text(text) == written
    assert excel_unescape(ET.fromstring(f"<v>{written}</v>").text or "") == text


ALL_CONTROL = [chr(n) for n in range(0x20)]
TEXTS = [
    *(f"<{c}>" for c in ALL_CONTROL),
    "  leading",
    "trailing  ",
    " both\t",
    "\nline first",
    "a\rb",
    "a\r\nb",
    "_x0041_",
    "x_x005F_y",
    "plain & <simple> 'text' \"quoted\"",
]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each text set (``--set``) into an input cell and copied by a formula (``=A1&""``),
    plus ``="<"&CHAR(n)&">"`` for every code CHAR takes below 32."""
    tmp = tmp_path_factory.mktemp("text")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for i, _ in enumerate(TEXTS, start=1):
        ws[f"A{i}"] = "placeholder"
        ws[f"B{i}"] = f'=A{i}&""'
        wb.defined_names[f"In{i}"] = DefinedName(f"In{i}", attr_text=f"S!$A${i}")
    for n in range(1, 32):
        ws[f"C{n}"] = f'="<"&CHAR({n})&">"'
    src = tmp / "in.xlsx"
    wb.save(src)
    report = recalculate(src, overrides={f"In{i}": t for i, t in enumerate(TEXTS, start=1)})
    assert report.ok and report.written, [str(e) for e in report.errors]
    assert report.engine == "native"
    assert report.output is not None
    return report.output


def test_every_part_is_well_formed(written: Path) -> None:
    with zipfile.ZipFile(written) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(z.read(name))  # raises on a raw control character


def _expected_openpyxl(text: str) -> str:
    """What openpyxl returns for ``text`` (it does not decode ``_xHHHH_``): exact, except
    for the characters XML cannot hold and text that looks like an escape."""
    return (
        excel_text(text)
        .replace("&#13;", "\r")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )


@pytest.mark.parametrize("i", range(1, len(TEXTS) + 1))
def test_openpyxl_reads_back_the_text(written: Path, i: int) -> None:
    ws = openpyxl.load_workbook(written, data_only=True)["S"]
    text = TEXTS[i - 1]
    for cell in (f"A{i}", f"B{i}"):  # the input cell (inline string), the formula (t="str")
        got = ws[cell].value
        assert got == _expected_openpyxl(text), cell
        assert openpyxl_unescape(got) == text, cell
        if all(c >= " " or c in "\t\n\r" for c in text) and "_x" not in text:
            assert got == text, cell  # no escape involved: exactly the same string


def test_char_results_read_back(written: Path) -> None:
    ws = openpyxl.load_workbook(written, data_only=True)["S"]
    for n in range(1, 32):
        assert openpyxl_unescape(ws[f"C{n}"].value) == f"<{chr(n)}>", n
    assert ws["C13"].value == "<\r>"  # a carriage return is a character reference: exact
    assert ws["C10"].value == "<\n>"


def test_leading_and_trailing_spaces_are_preserved_in_inline_strings(written: Path) -> None:
    with zipfile.ZipFile(written) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<t xml:space="preserve">  leading</t>' in sheet
    assert '<t xml:space="preserve">trailing  </t>' in sheet
    assert "<t>_x005F_x0041_</t>" in sheet
