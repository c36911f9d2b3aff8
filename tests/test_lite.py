"""The xlwings Lite bundle: the generated main.py under CPython with a stand-in for Lite.

The stand-in follows Lite's conventions (DEVELOPERS.md, "Facts already established"): custom
functions are ``main.py``'s functions decorated with ``@func``/``@arg``; dates arrive as serial
numbers, omitted arguments as None (or, in the current xlwings, as the Python default: both are
tried), a 1×1 range as a scalar, and a raised error is shown as an error value with its message.
Every function is compared with the classic one (``xl_addin.udfs`` called as classic xlwings
calls it: dates as datetimes, errors as one line of text). The arguments are the valid calls of
``tests/test_fuzz_functions.py`` (which must cover every function).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import inspect
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from test_fuzz_functions import VALID

import xl_addin.udfs as udfs
from xl_addin.functions import table
from xl_addin.hosts import lite

EPOCH = dt.date(1899, 12, 30)


def stand_in_xlwings() -> types.ModuleType:
    """``xlwings`` as main.py sees it in Lite: ``func`` and ``arg`` that record what Excel is
    told (name, description, each argument's help and whether it is optional)."""
    module = types.ModuleType("xlwings")

    def func(f: Any = None, **kwargs: Any) -> Any:
        def inner(g: Any) -> Any:
            info = g.__dict__.setdefault("lite", {"args": {}, "func": {}})
            info["func"] = {"name": g.__name__.upper(), "description": g.__doc__, **kwargs}
            return g

        return inner(f) if f is not None else inner

    def arg(name: str, **kwargs: Any) -> Any:
        def inner(g: Any) -> Any:
            assert name in inspect.signature(g).parameters, name
            g.__dict__.setdefault("lite", {"args": {}, "func": {}})["args"][name] = kwargs
            return g

        return inner

    module.func, module.arg = func, arg  # type: ignore[attr-defined]
    return module


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lite")
    lite.write_bundle(folder)
    return folder


@pytest.fixture(autouse=True)
def _environment_restored() -> Any:
    """main.py sets XL_ADDIN_ERRORS / XL_ADDIN_XLWINGS as Lite needs: never past one test."""
    import os

    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def main(bundle_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> types.ModuleType:
    """The generated main.py, imported as Lite would: its own embedded xl_addin, not ours."""
    monkeypatch.setitem(sys.modules, "xlwings", stand_in_xlwings())
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the embedded package is unpacked here
    monkeypatch.delenv("XL_ADDIN_ERRORS", raising=False)
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    saved = {n: m for n, m in sys.modules.items() if n.split(".")[0] == "xl_addin"}
    saved_path = list(sys.path)
    spec = importlib.util.spec_from_file_location("main", bundle_dir / "main.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.delenv("XL_ADDIN_XLWINGS", raising=False)
    try:
        with monkeypatch.context() as inside_lite:
            inside_lite.setattr(sys, "platform", "emscripten")  # Pyodide, as main.py runs in Lite
            spec.loader.exec_module(module)
        yield module
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "xl_addin"]:
            del sys.modules[name]
        sys.modules.update(saved)
        sys.path[:] = saved_path
        import os

        os.environ.pop("XL_ADDIN_ERRORS", None)


def lite_value(value: Any) -> Any:
    """A cell as Lite passes it: a date is its serial number."""
    if isinstance(value, list):
        return [lite_value(v) for v in value]
    if isinstance(value, dt.date):
        return float((value - EPOCH).days)
    return value


def classic_value(value: Any) -> Any:
    """A cell as classic xlwings passes it: a date cell is a datetime."""
    if isinstance(value, list):
        return [classic_value(v) for v in value]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def call_lite(fn: Any, args: list[Any]) -> Any:
    """Call as Lite does: in Pyodide (``sys.platform == "emscripten"``); a raised error is
    shown as an error value carrying the message."""
    import os

    saved = sys.platform, os.environ.pop("XL_ADDIN_ERRORS", None)
    sys.platform = "emscripten"
    try:
        return fn(*args)
    except Exception as exc:  # Lite shows #VALUE! with the message
        return ("error value", str(exc))
    finally:
        sys.platform = saved[0]
        if saved[1] is not None:
            os.environ["XL_ADDIN_ERRORS"] = saved[1]


def call_classic(name: str, args: list[Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")  # classic: the message as the cell's text
    try:
        return getattr(udfs, name)(*args)
    finally:
        monkeypatch.delenv("XL_ADDIN_ERRORS")


def same(lite_result: Any, classic_result: Any) -> bool:
    if isinstance(classic_result, str) and classic_result.startswith("#"):
        return lite_result == ("error value", classic_result)
    return lite_result == classic_result


def test_valid_calls_cover_every_function() -> None:
    assert set(VALID) == {f.name for f in table()}


def test_requirements_are_only_what_the_functions_import(bundle_dir: Path) -> None:
    lines = (bundle_dir / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == ["numpy"]


def test_same_names_arguments_defaults_and_help(main: types.ModuleType) -> None:
    exposed = {n for n, f in vars(main).items() if callable(f) and "lite" in vars(f)}
    assert exposed == set(udfs.__all__)
    for f in table():
        wrapper = getattr(main, f.name)
        sig = inspect.signature(wrapper)
        assert list(sig.parameters) == [p.name for p in f.parameters], f.name
        for p in f.parameters:
            q = sig.parameters[p.name]
            assert (q.default is not q.empty) == p.optional, (f.name, p.name)
            if p.optional:
                assert q.default == p.default and type(q.default) is type(p.default)
            told = wrapper.lite["args"][p.name]
            assert told["doc"] == p.help, (f.name, p.name)
            assert (told.get("ndim") == 2) == p.takes_range, (f.name, p.name)
        assert wrapper.lite["func"]["description"] == f.description
        assert wrapper.lite["func"]["name"] == f.name


def test_main_uses_its_embedded_package_not_the_installed_one(main: types.ModuleType) -> None:
    assert ".zip" in main._udfs.__file__
    assert main._udfs is not udfs
    # only main.py's wrappers are custom functions: the package's own stay undecorated
    assert not [n for n in udfs.__all__ if "lite" in vars(getattr(main._udfs, n))]


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_function_equals_the_classic_one(
    name: str, main: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = VALID[name]
    fn = getattr(main, name)
    expected = call_classic(name, classic_value(args), monkeypatch)
    assert not (isinstance(expected, str) and expected.startswith("#")), expected
    assert same(call_lite(fn, lite_value(args)), expected)
    # omitted optional arguments: None (Lite's blank) or the default (xlwings' officejs)
    n_required = len(next(f for f in table() if f.name == name).required)
    classic_short = call_classic(name, classic_value(args[:n_required]), monkeypatch)
    none_padded = lite_value(args[:n_required]) + [None] * (len(args) - n_required)
    assert same(call_lite(fn, none_padded), classic_short)
    assert same(call_lite(fn, lite_value(args[:n_required])), classic_short)
    # a bad first argument: the same one-line message, raised (Lite shows it as #VALUE!)
    bad = ["abc", *args[1:]]
    expected_error = call_classic(name, classic_value(bad), monkeypatch)
    assert isinstance(expected_error, str) and expected_error.startswith("#"), expected_error
    got = call_lite(fn, lite_value(bad))
    assert got == ("error value", expected_error)


def test_a_known_value_through_lite(main: types.ModuleType) -> None:
    # 1,000 × (12.31 + 12.31 × 10% × 365/365) = 13,541.00 (README's LIQPREF example);
    # 36703 = 2000-06-26 and 37068 = 2001-06-26 as Excel serials
    assert main.LIQPREF(1000, 12.31, 36703, 37068, None, None, None) == 13541.0
    assert call_lite(main.LIQPREF, [-5, 12.31, 36703, 37068]) == (
        "error value",
        "#VALUE! shares must be >= 0 (got -5)",
    )


def test_1904_date_system_is_refused_where_dates_are_read(
    main: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 1904-system serial is 1,462 days less than the 1900-system one for the same date
    # (1904-01-01 is serial 1462 in the 1900 system): read as 1900, every date is 4 years and
    # 1 day early. Custom functions cannot see the workbook's option: main.py's DATE_SYSTEM.
    # the functions of the certificate that take a date (hand-listed from their arguments)
    dated = {"LIQPREF", "PUTPRICE", "PUTDATE", "SECVALUE", "WATERFALL", "WFBREAKS", "CPHISTORY"}
    dated |= {"CPASOF"}
    # Sections 7, 8, 9(c)-(d): violation logs, as-of, notice-receipt and sale dates
    dated |= {"BOARDSEATS", "TRIGGERED", "TRIGGERLOG", "REMEDYEXIT", "PREEMPTDATES", "PREEMPTSALE"}
    assert set(lite.date_functions()) == dated
    monkeypatch.setattr(main, "DATE_SYSTEM", 1904)
    for name, args in VALID.items():
        got = call_lite(getattr(main, name), lite_value(args))
        if name in dated:
            assert isinstance(got, tuple) and "1904 date system" in got[1], name
            assert got[1].startswith(f"#VALUE! {name}: DATE_SYSTEM = 1904"), got
        else:  # unaffected: the same as the classic function
            assert same(got, call_classic(name, classic_value(args), monkeypatch)), name
            assert not isinstance(got, tuple), (name, got)


def test_wheel_url_bundle(tmp_path: Path) -> None:
    url = "https://example.org/xl_addin-0.1.0-py3-none-any.whl"
    files = lite.bundle(embed=False, wheel_url=url)
    assert "_PACKAGE" not in files["main.py"]
    assert files["requirements.txt"].splitlines()[-2:] == ["numpy", url]


def test_existing_files_are_not_replaced_without_force(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("mine")
    with pytest.raises(FileExistsError, match="already exists"):
        lite.write_bundle(tmp_path)
    assert (tmp_path / "main.py").read_text() == "mine"
    lite.write_bundle(tmp_path, force=True)
    assert "def LIQPREF(" in (tmp_path / "main.py").read_text()


def test_cli(tmp_path: Path, capsys) -> None:
    from xl_addin.cli import main as cli

    assert cli(["lite", "-o", str(tmp_path / "out")]) == 0
    assert "requirements.txt" in capsys.readouterr().out
    assert cli(["lite", "-o", str(tmp_path / "out")]) == 2
    assert "already exists (use --force" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert cli(["lite", "-o", str(tmp_path / "file")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a folder" in err[0], err
