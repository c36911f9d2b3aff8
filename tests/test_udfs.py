"""The Excel functions as xlwings calls them, and their registration by xlwings' own code."""

from __future__ import annotations

import datetime as dt
import importlib.util
import inspect
import io
import sys
import types
from pathlib import Path
from unittest import mock

import pytest

import xl_addin.udfs as udfs
from xl_addin.terms import TermsError

FUNCTIONS = {
    # name: (required args, optional args) in Excel order
    "LIQPREF": (
        ["shares", "stated_value", "issue_date", "payment_date"],
        ["dividends", "rate", "basis"],
    ),
    "CONVSHARES": (["shares", "stated_value", "conversion_price"], ["dividends", "whole"]),
    "CASHINLIEU": (
        ["shares", "stated_value", "conversion_price", "closing_price"],
        ["dividends"],
    ),
    "ADJPRICE": (
        ["conversion_price", "event_type", "fd_before", "shares"],
        ["price", "after_qpo", "par_value"],
    ),
    "PRORATA": (["holdings", "total_fd", "offered"], ["requested", "whole"]),
    # Section 6 history (xl_addin.udfs_history, re-exported by xl_addin.udfs)
    "CPHISTORY": (
        ["event_log", "common_outstanding", "rights_outstanding", "class_i_shares"],
        [
            "class_i_price",
            "class_ii_shares",
            "class_ii_stated_value",
            "class_ii_price",
            "qpo_closed",
            "option_plan_used",
            "expired_options_free_cap",
        ],
    ),
    "CPASOF": (
        [
            "event_log",
            "class_name",
            "as_of",
            "common_outstanding",
            "rights_outstanding",
            "class_i_shares",
        ],
        [
            "class_i_price",
            "class_ii_shares",
            "class_ii_stated_value",
            "class_ii_price",
            "qpo_closed",
            "option_plan_used",
            "expired_options_free_cap",
        ],
    ),
    # Sections 4(a), 4(d), 7, 8(a), 9(b)-(e) (xl_addin.udfs_rights) and the 8(b), 8(c), 4(b)
    # functions they feed (xl_addin.udfs_exits)
    "TRIGGERED": (["violation_log", "as_of"], []),
    "TRIGGERLOG": (["violation_log", "as_of"], []),
    "REMEDYEXIT": (
        ["residual", "common_shares", "shares", "stated_value", "conversion_price"],
        ["dividends", "options", "violation_log", "exit_date"],
    ),
    "NEWSEC": (["instrument"], ["category", "shares", "used", "investment_grade"]),
    "PREEMPTDATES": (["receipt_date"], ["calendar"]),
    "PREEMPTSALE": (
        ["receipt_date", "sale_date", "sale_price", "offer_price"],
        ["more_favorable", "calendar"],
    ),
    "PREEMPTRIGHT": (["held", "issued"], ["qpo_closed"]),
    "DIRECTORRIGHT": (["held", "initial"], ["qpo_closed", "floor_always"]),
    "CLASSVOTE": (["shares_for", "outstanding"], ["matter"]),
    "BOARDSEATS": (["board_size", "series_a_directors"], ["violation_log", "as_of"]),
    "PUTDATE": (["notice_date"], ["calendar", "violation_log"]),
    "CONSENT": (
        ["kind"],
        [
            "amount",
            "in_budget",
            "ordinary_course",
            "holdings_fraction",
            "after_qpo",
            "category",
            "price",
            "stated_value",
            "average_price",
            "shares",
            "used",
        ],
    ),
}
ADAPTER_MODULES = ("xl_addin.udfs_history", "xl_addin.udfs_exits", "xl_addin.udfs_rights")


@pytest.fixture
def text_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")


# --- what classic xlwings passes: datetimes for date cells, 2-D lists (ndim=2), None for blanks


def test_scalars_in_plain_python() -> None:
    assert udfs.LIQPREF(1000, 12.31, dt.datetime(2000, 6, 26), dt.datetime(2001, 6, 26)) == 13541.0
    assert udfs.CONVSHARES(97, 12.31, 12.31) == 97.0
    assert udfs.CASHINLIEU(100, 12.31, 10, 8) == pytest.approx(0.8)
    assert udfs.ADJPRICE(12.31, "ISSUE", 10_000_000, 1_000_000, 10.00, True) == pytest.approx(12.1)
    assert udfs.PRORATA([[600], [400]], 2000, 100, [[10], [50]]) == [[10.0], [40.0]]


def test_single_cells_arrive_as_1x1_lists_and_return_one_number() -> None:
    got = udfs.LIQPREF(
        [[1000]], [[12.31]], [[dt.datetime(2000, 6, 26)]], [[dt.datetime(2001, 6, 26)]]
    )
    assert got == 13541.0 and isinstance(got, float)


def test_ranges_return_lists_of_rows() -> None:
    got = udfs.CONVSHARES([[97, 1000]], 12.31, [[12.31, 10.0]])
    assert got == [[97.0, 1231.0]]


def test_omitted_optionals_take_the_certificate_defaults() -> None:
    # classic xlwings hands an omitted optional argument over as its default; a blank cell as None
    a = udfs.LIQPREF(
        1000, 12.31, dt.datetime(2000, 6, 26), dt.datetime(2001, 6, 26), None, None, None
    )
    assert a == 13541.0  # dividends 0, rate 10%, basis 3


def test_xlwings_lite_passes_serials_and_zero_for_blanks() -> None:
    # Lite: dates are serial numbers, an empty dividends cell is 0
    assert udfs.LIQPREF(1000, 12.31, 36703, 37068, 0) == 13541.0


@pytest.mark.usefixtures("text_errors")
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: udfs.LIQPREF(-5, 12.31, 36703, 37068), "#VALUE! shares must be >= 0 (got -5)"),
        (
            lambda: udfs.LIQPREF(5, 12.31, 37068, 36703),
            "#VALUE! payment_date must not be before issue_date",
        ),
        (
            lambda: udfs.LIQPREF(5, 12.31, 36703, 37068, 0, 0.1, 9),
            "#NUM! basis must be 0, 1, 2, 3 or 4 (got 9)",
        ),
        (
            lambda: udfs.CONVSHARES("abc", 12.31, 12.31),
            "#VALUE! shares must be a number (got text 'abc')",
        ),
        (
            lambda: udfs.ADJPRICE(12.31, "MERGER", 10, 1, 1),
            "#VALUE! event_type must be one of SPLIT, DIVIDEND, COMBINATION, ISSUE, WARRANT, "
            "CONVERTIBLE, "
            "PERMITTED (got 'MERGER')",
        ),
        (lambda: udfs.PRORATA([[1], [2]], 2, 1), "#VALUE! holdings add up to more than total_fd"),
        (
            lambda: udfs.CASHINLIEU(1, 12.31, 12.31, float("nan")),
            "#VALUE! closing_price must be a number (got NaN)",
        ),
    ],
)
def test_classic_cells_show_one_line(call, expected) -> None:
    text = call()
    assert isinstance(text, str)
    assert text.startswith(expected)
    assert "\n" not in text and "Traceback" not in text


def test_lite_raises_a_real_error_with_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "raise")
    with pytest.raises(TermsError, match=r"^#VALUE! shares must be >= 0 \(got -5\)$"):
        udfs.CONVSHARES(-5, 12.31, 12.31)


def test_pyodide_means_lite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XL_ADDIN_ERRORS", raising=False)
    monkeypatch.setattr(sys, "platform", "emscripten")
    with pytest.raises(TermsError):
        udfs.CONVSHARES(-5, 12.31, 12.31)


@pytest.mark.usefixtures("text_errors")
def test_unexpected_errors_are_one_line_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(udfs, "conversion_shares", boom)
    monkeypatch.setattr(udfs, "conversion_shares_ratio", boom)  # the fast path of plain numbers
    assert udfs.CONVSHARES(1, 1, 1) == (
        "#VALUE! internal error in CONVSHARES: RuntimeError: disk on fire"
    )


# --- registration: xlwings' own code writes the VBA that 'Import Functions' would write


@pytest.fixture
def registered_module(monkeypatch: pytest.MonkeyPatch):
    """xl_addin.udfs loaded with xlwings' real Windows decorators (COM modules stubbed)."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, mock.MagicMock(name=name))
    sys.modules["pywintypes"].com_error = Exception  # type: ignore[attr-defined]
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xlwings_udfs = importlib.import_module("xlwings.udfs")
    import xlwings

    monkeypatch.setattr(xlwings, "func", xlwings_udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xlwings_udfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", xlwings_udfs.xlret)
    monkeypatch.setenv("XL_ADDIN_XLWINGS", "1")  # import xlwings' decorators, not the no-ops
    import xl_addin

    for name in ("xl_addin._xlwings", *ADAPTER_MODULES):  # re-imported under the real ones
        attr = name.rpartition(".")[2]
        if hasattr(xl_addin, attr):  # the re-import rebinds it on the package: put it back after
            monkeypatch.setattr(xl_addin, attr, getattr(xl_addin, attr))
        monkeypatch.delitem(sys.modules, name, raising=False)
    path = Path(udfs.__file__)
    spec = importlib.util.spec_from_file_location("xl_addin._udfs_as_on_windows", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return xlwings_udfs, module


def test_import_functions_writes_every_function_with_its_optionals(registered_module) -> None:
    xlwings_udfs, module = registered_module
    out = io.StringIO()
    workbook = types.SimpleNamespace(Name="series_a_model.xlsm")
    xlwings_udfs.generate_vba_wrapper("xl_addin.udfs", module, out, workbook)
    vba = out.getvalue()
    for name, (required, optional) in FUNCTIONS.items():
        params = ", ".join(required + [f"Optional {o}" for o in optional])
        assert f"Function {name}({params})" in vba, name
        assert f'XLPy.CallUDF("xl_addin.udfs", "{name}"' in vba


def test_each_function_has_a_description_and_argument_help(registered_module) -> None:
    _, module = registered_module
    for name, (required, optional) in FUNCTIONS.items():
        info = getattr(module, name).__xlfunc__
        assert info["category"] == "IFX Series A"
        assert 20 < len(info["ret"]["doc"]) <= 255, name  # Excel's description limit
        assert "Section" in info["ret"]["doc"]
        docs = {a["name"]: a["doc"] for a in info["args"]}
        assert list(docs) == required + optional
        for arg, doc in docs.items():
            assert not doc.startswith("Positional argument"), (name, arg)
        for arg in optional:
            assert "optional" in {a["name"]: a for a in info["args"]}[arg], (name, arg)


def test_every_exported_function_is_registered_with_its_signature(registered_module) -> None:
    """Every name in xl_addin.udfs.__all__ is an Excel function; defaults become Optional."""
    xlwings_udfs, module = registered_module
    out = io.StringIO()
    xlwings_udfs.generate_vba_wrapper(
        "xl_addin.udfs", module, out, types.SimpleNamespace(Name="model.xlsm")
    )
    vba = out.getvalue()
    assert len(module.__all__) >= 19
    for name in module.__all__:
        sig = inspect.signature(getattr(module, name))
        params = ", ".join(
            ("Optional " if p.default is not p.empty else "") + p.name
            for p in sig.parameters.values()
        )
        assert f"Function {name}({params})" in vba, name
        info = getattr(module, name).__xlfunc__
        assert info["category"] == "IFX Series A", name
        assert 20 < len(info["ret"]["doc"]) <= 255, name
        assert all(not a["doc"].startswith("Positional argument") for a in info["args"]), name


def test_memoized_keys_every_cell_with_its_type() -> None:
    import numpy as np

    from xl_addin.excel import memoized

    cache: dict[object, object] = {}
    builds: list[object] = []

    def build(tag: object):  # type: ignore[no-untyped-def]
        def make() -> object:
            builds.append(tag)
            return tag

        return make

    # 1, 1.0 and TRUE are different cells in Excel: never each other's cached result
    for cell in (1, 1.0, True, "1"):
        assert memoized(cache, ([[cell], [2.0]], 5), build(repr(cell))) == repr(cell)
    assert len(builds) == 4
    assert memoized(cache, ([[1.0], [2.0]], 5), build("again")) == "1.0"  # a hit
    assert memoized(cache, ([[1.0], [2.0]], 6), build("other arg")) == "other arg"
    # what cannot be keyed is computed every time, never cached
    for unkeyable in ([[[1.0]], [2.0]], np.array([[1.0], [2.0]])):
        assert memoized(cache, (unkeyable,), build("fresh")) == "fresh"
        assert memoized(cache, (unkeyable,), build("fresh 2")) == "fresh 2"
    # errors are not cached
    with pytest.raises(TermsError):
        memoized(cache, ([[9.0]],), lambda: (_ for _ in ()).throw(TermsError("bad", argument="x")))
    assert memoized(cache, ([[9.0]],), build("ok")) == "ok"
    # at most 16 kept, the oldest dropped first
    for k in range(20):
        memoized(cache, (k,), build(k))
    assert len(cache) == 16 and memoized(cache, (19,), build("miss")) == 19
    small: dict[object, object] = {}
    for k in range(3):
        memoized(small, (k,), build(k), size=2)
    assert list(small) == [((int, 1),), ((int, 2),)]  # the oldest went first
