"""Import Functions writes valid VBA: every name xlwings puts into the one VBA module is legal.

xlwings writes all the add-in's wrappers into one VBA module; one reserved word as an argument
name (ADJPRICE's old ``event``) is a compile error that takes every function down (xlwings
issues #384, #563). The wrappers checked here are the ones xlwings' own code generates.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path
from unittest import mock

import pytest

import xl_addin.udfs as udfs
from xl_addin.functions import table
from xl_addin.hosts import vba

#: Excel functions newer than the lists of openpyxl and formulas (Excel 365, 2021-2025).
_RECENT_EXCEL = """
LET LAMBDA MAP REDUCE SCAN MAKEARRAY BYROW BYCOL ISOMITTED VSTACK HSTACK TAKE DROP CHOOSECOLS
CHOOSEROWS TOCOL TOROW WRAPCOLS WRAPROWS EXPAND TEXTSPLIT TEXTBEFORE TEXTAFTER IMAGE GROUPBY
PIVOTBY PERCENTOF TRIMRANGE REGEXTEST REGEXEXTRACT REGEXREPLACE TRANSLATE DETECTLANGUAGE PY
ARRAYTOTEXT VALUETOTEXT STOCKHISTORY FIELDVALUE SORTBY UNIQUE FILTER SEQUENCE RANDARRAY XMATCH
XLOOKUP SORT COPILOT
"""
RECENT_EXCEL = frozenset(_RECENT_EXCEL.split())


def excel_builtins() -> set[str]:
    """Excel's own function names: openpyxl's list (Excel 2010), the formulas library's
    (incl. ``_xlfn.`` functions) and the recent ones above."""
    from formulas import get_functions
    from openpyxl.utils import FORMULAE

    names = set(FORMULAE) | set(RECENT_EXCEL)
    names |= {n.rsplit(".", 1)[-1] for n in get_functions()}
    assert {"VALUE", "RATE", "DAYS", "XLOOKUP", "YEARFRAC"} <= names
    return {n.upper() for n in names}


def generated_vba() -> str:
    """The VBA module xlwings' ``Import Functions`` writes for ``xl_addin.udfs`` (COM stubbed)."""
    saved = {k: v for k, v in sys.modules.items() if k.startswith(("xlwings", "xl_addin"))}
    stubs = {n: mock.MagicMock(name=n) for n in ("pythoncom", "pywintypes", "win32com")}
    stubs["win32com.client"] = mock.MagicMock(name="win32com.client")
    stubs["pywintypes"].com_error = Exception
    try:
        with (
            mock.patch.dict(sys.modules, stubs),
            mock.patch.dict(os.environ, {"XL_ADDIN_XLWINGS": "1"}),
        ):
            sys.modules.pop("xlwings.udfs", None)
            xlwings_udfs = importlib.import_module("xlwings.udfs")
            import xlwings

            with mock.patch.multiple(
                xlwings, func=xlwings_udfs.xlfunc, arg=xlwings_udfs.xlarg, ret=xlwings_udfs.xlret
            ):
                for name in [n for n in sys.modules if n.startswith("xl_addin.udfs")]:
                    del sys.modules[name]
                sys.modules.pop("xl_addin._xlwings", None)
                module = importlib.import_module("xl_addin.udfs")
                out = io.StringIO()
                book = types.SimpleNamespace(Name="series_a_model.xlsm")
                xlwings_udfs.generate_vba_wrapper("xl_addin.udfs", module, out, book)
                return out.getvalue()
    finally:
        for name in [n for n in sys.modules if n.startswith(("xlwings", "xl_addin"))]:
            if name not in saved:
                del sys.modules[name]
        sys.modules.update(saved)
        for name, module in saved.items():  # the packages' attributes point at them again
            parent, _, child = name.rpartition(".")
            if parent in sys.modules:
                setattr(sys.modules[parent], child, module)


@pytest.fixture(scope="module")
def module_text() -> str:
    return generated_vba()


def test_every_function_is_in_the_generated_module(module_text: str) -> None:
    signatures = dict(vba.wrapper_signatures(module_text))
    assert sorted(signatures) == sorted(udfs.__all__)
    for f in table():
        assert signatures[f.name] == [p.name for p in f.parameters], f.name


def test_generated_wrappers_use_only_legal_names(module_text: str) -> None:
    assert vba.problems(vba.wrapper_signatures(module_text), excel_builtins()) == []


def test_function_table_uses_only_legal_names() -> None:
    functions = [(f.name, [p.name for p in f.parameters]) for f in table()]
    assert vba.problems(functions, excel_builtins()) == []


def test_help_texts_fit_insert_function() -> None:
    # Import Functions passes each argument's help to Application.MacroOptions, which refuses
    # a description over 255 characters (the whole import then stops)
    for f in table():
        for p in f.parameters:
            assert 0 < len(p.help) <= 255, (f.name, p.name, len(p.help))
        assert len(f.parameters) <= 60, f.name  # VBA's limit on a procedure's arguments


def test_adjprice_argument_is_meaningful_and_legal(module_text: str) -> None:
    assert "Function ADJPRICE(conversion_price, event_type, fd_before, shares," in module_text
    assert not re.search(r"\bevent\b", module_text, re.I)


@pytest.mark.parametrize(
    ("functions", "expected"),
    [
        # the bug of issue #12: 'Event' is a VBA statement keyword (RaiseEvent / Event)
        ([("ADJPRICE", ["conversion_price", "event"])], "'event' is a VBA reserved word"),
        ([("F", ["Next"])], "'Next' is a VBA reserved word"),
        ([("F", ["array"])], "'array' is a VBA reserved word"),  # would break Array(...)
        ([("F", ["date"])], "'date' is a VBA reserved word"),
        ([("F", ["application"])], "shadows 'application' in xlwings' wrapper"),
        ([("F", ["failed"])], "shadows 'failed'"),
        ([("F", ["a" * 256])], "is 256 characters (VBA allows 255)"),
        ([("F", ["_x"])], "is not a VBA identifier"),
        ([("F", ["x y"])], "is not a VBA identifier"),
        ([("F", ["shares", "Shares"])], "repeats 'shares' (VBA ignores case)"),
        ([("F", ["f"])], "is the function's own name"),
        ([("VALUE", [])], "'VALUE' is an Excel built-in function"),
        ([("LIQ1", [])], "'LIQ1' is a cell reference"),
        ([("R1C1", [])], "'R1C1' is a cell reference"),
        ([("Type", [])], "function name 'Type' is a VBA reserved word"),
    ],
)
def test_the_checks_can_fail(functions, expected) -> None:
    found = vba.problems(functions, excel_builtins())
    assert any(expected in line for line in found), found


def test_reserved_words_cover_the_specification() -> None:
    # a sample from each production of MS-VBAL 3.3.5.2 and the VBA keyword list
    for word in (
        "Event", "RaiseEvent", "Next", "Property", "ParamArray", "TypeOf", "AddressOf", "CVErr",
        "DoEvents", "LBound", "LongPtr", "Nothing", "Empty", "VB_Name", "CDecl", "PtrSafe",
        "Alias", "Lib", "Step", "Currency", "Variant", "Me", "Friend", "WithEvents",
    ):  # fmt: skip
        assert word.upper() in vba.RESERVED, word
    assert len(vba.RESERVED) >= 190
    assert not vba.is_cell_reference("LIQPREF") and vba.is_cell_reference("XFD1048576")
    assert not vba.is_cell_reference("XFE1")  # past the last column


# --- a real VBA-dialect compiler: LibreOffice Basic with Option VBASupport 1

SYSTEM_PYTHON = "/usr/bin/python3"


def _libreoffice_basic() -> str | None:
    """Why LibreOffice Basic cannot run here, or None if it can."""
    if shutil.which("soffice") is None:
        return "soffice (LibreOffice) is not installed"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, check=False, timeout=60
    ) if Path(SYSTEM_PYTHON).exists() else None  # fmt: skip
    if probe is None or probe.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot import uno (apt-get install python3-uno)"
    return None


def _compile(modules: dict[str, str], tmp_path: Path) -> dict[str, bool]:
    src, dst = tmp_path / "modules.json", tmp_path / "result.json"
    src.write_text(json.dumps(modules), encoding="utf-8")
    script = Path(__file__).with_name("libreoffice_basic_compile.py")
    run = subprocess.run(
        [SYSTEM_PYTHON, str(script), str(src), str(dst)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(dst.read_text(encoding="utf-8"))


def test_libreoffice_basic_compiles_the_generated_module(module_text: str, tmp_path) -> None:
    why = _libreoffice_basic()
    if why:
        pytest.skip(why)
    # the control: the same module with one argument renamed to a reserved word must fail,
    # else this test could not fail. ('Type' is refused by LibreOffice Basic; it accepts some
    # reserved words VBA refuses, e.g. Event and Array: the word list above covers those.)
    first, args = vba.wrapper_signatures(module_text)[0]
    broken = re.sub(rf"\b{args[0]}\b", "Type", module_text)
    assert broken != module_text
    blocks = re.split(r"(?m)^(?=Function )", module_text)[1:]
    per_function = {vba.wrapper_signatures(b)[0][0]: b for b in blocks}  # names the culprit
    assert sorted(per_function) == sorted(udfs.__all__)
    result = _compile({"all": module_text, "broken": broken, **per_function}, tmp_path)
    assert result.pop("broken") is False, f"a module with {first}(Type, ...) compiled"
    assert result == dict.fromkeys(result, True), [k for k, ok in result.items() if not ok]


def test_generating_leaves_the_modules_as_they_were() -> None:
    import xl_addin

    before = xl_addin.udfs
    generated_vba()
    assert xl_addin.udfs is before is sys.modules["xl_addin.udfs"] is udfs
    assert not hasattr(udfs.LIQPREF, "__xlfunc__")  # the no-op decorators, as before
