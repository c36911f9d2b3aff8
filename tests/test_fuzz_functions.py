"""Hostile input: every Excel function, called as xlwings calls it, with what cells really hold.

Contract (README, "What a cell shows on bad input"): each call returns a finite, correctly typed
result (float/int/bool/str label, or a 2-D list of those; no NaN, no infinity, no numpy type) or
exactly one line ``#VALUE! ...`` / ``#NUM! ...`` -- never ``#VALUE! internal error`` (an exception
escaping the core), never a traceback. With ``XL_ADDIN_ERRORS=raise`` only ``TermsError`` escapes.
Text is never a number: ``"1,000"``, ``"$12.31"``, ``"12.31"`` are an error naming the argument.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import time
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xl_addin.udfs as udfs
from xl_addin.terms import TermsError
from xl_addin.terms.parse import Grid

D = dt.date
# numpy warns when the float path overflows; the result is re-decided exactly or is #NUM!
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def serial(d: dt.date) -> int:
    return (d - D(1899, 12, 30)).days


CAP = [[1_000_000, 12.31, serial(D(2000, 6, 26)), 10], [500_000, 20, serial(D(2000, 6, 26)), 20]]
HEADER = ["Date", "Event", "Shares", "Price", "Ratio", "Instrument", "Category", "Gross Proceeds",
          "Note"]  # fmt: skip
LOG = [
    HEADER,
    [D(2001, 1, 1), "WARRANT", 1_000_000, 8, None, "W1", None, None, None],
    [D(2001, 6, 1), "EXPIRE", None, None, None, "W1", None, None, None],
    [D(2001, 7, 1), "SPLIT", None, None, 2, None, None, None, None],
    [D(2001, 8, 1), "ISSUE", 1000, 9, None, None, None, None, None],
]
#: A Section 7 violation log: a 7(a) Triggering Event from 2001-07-31, cured 2001-08-15; a 7(d)
#: one from 2001-08-10 (notice 2001-07-10), cured 2001-09-01 (the last cell a date).
VLOG = [
    ["Kind", "Date", "Notice Date", "Cure Date"],
    ["DIVIDEND", D(2001, 6, 30), None, D(2001, 8, 15)],
    ["REGISTRATION", D(2001, 7, 1), D(2001, 7, 10), D(2001, 9, 1)],
]
#: A valid call of each function (all arguments, Excel order); the fuzz mutates these.
VALID: dict[str, list[Any]] = {
    "LIQPREF": [1000, 12.31, D(2000, 6, 26), D(2001, 6, 26), 0, 0.1, 3],
    "CONVSHARES": [97, 12.31, 12.31, 0, True],
    "CASHINLIEU": [100, 12.31, 10, 8, 0],
    "ADJPRICE": [12.31, "ISSUE", 10_000_000, 1_000_000, 10.0, True, 0.02],
    "PRORATA": [[[600], [400]], 2000, 100, [[10], [50]], False],
    "CPHISTORY": [LOG, 9_850_000, 0, 100_000, 12.31, 50_000, 10, 10, False, 0],
    "CPASOF": [LOG, "I", 37500, 9_850_000, 0, 100_000, 12.31, 50_000, 10, 10, False, 0],
    "WATERFALL": [
        [[15e6], [250e6]],
        CAP,
        8_269_000,
        serial(D(2001, 8, 20)),  # a Triggering Event of VLOG continuing: Section 8(a)
        [[1e6]],
        [[100_000, 5]],
        True,
        0.1,
        3,
        "SHARES",
        VLOG,
    ],
    "WFBREAKS": [
        CAP,
        8_269_000,
        serial(D(2001, 8, 20)),
        [[1e6]],
        [[100_000, 5]],
        0.1,
        3,
        "AMOUNTS",
        VLOG,
    ],
    "LIQEVENT": [False, False, True, True, 20.0, 1.0, 13.0, 1e6, 50_000, 12.5, 1.2],
    "PARITYDIV": [600, [[300], [200]], [[1000]]],
    "MERGERCONV": [[[1000]], [[12.31]], [[10]], [[0.5, 3]], 0],
    "SECVALUE": [
        [[serial(D(2001, 1, 2))], [serial(D(2001, 1, 3))]],
        [[10], [11]],
        serial(D(2001, 1, 31)),
        0.1,
    ],
    "QPOTEST": [80e6, 60e6, 450e6, True],
    "VOTES": [[[1000], [2000]], [[12.31]], [[10]], 96_307, 0],
    "PARTDIV": [[[1000]], [[12.31]], [[12.31]], 0.5, 0],
    "RESERVATION": [[[1_210_398]], [[12.31]], [[10]], 1_000_000, 0, 2_030_869],
    "BOARDSEATS": [7, 1, VLOG, D(2001, 8, 1)],
    "PUTPRICE": [1000, 12.31, D(2000, 6, 26), D(2001, 6, 26), 0, 0.1, 3],
    "PUTDATE": [D(2001, 8, 1), "FEDERAL", VLOG],
    "CONSENT": [
        "STOCK_ACQUISITION",
        10e6,
        False,
        False,
        1,
        False,
        None,
        13.0,
        12.31,
        [[12.0], [13.0]],
        100.0,
        0,
    ],
    "TRIGGERED": [VLOG, D(2001, 8, 20)],
    "TRIGGERLOG": [VLOG, D(2001, 8, 20)],
    "REMEDYEXIT": [
        227_690_000,
        8_269_000,
        [[1_000_000], [500_000]],
        [[12.31], [20]],
        [[10], [20]],
        0,
        [[100_000, 5.0]],
        VLOG,
        D(2001, 8, 20),
    ],
    "NEWSEC": ["COMMON", "OPTION_PLAN", 100_000, 2_400_000, False],
    "PREEMPTDATES": [D(2001, 6, 1), "FEDERAL"],
    "PREEMPTSALE": [D(2001, 6, 1), D(2001, 7, 2), 10.0, 10.0, False, "FEDERAL"],
    "PREEMPTRIGHT": [1000, 2000, False],
    "DIRECTORRIGHT": [250, 1000, True, False],
    "CLASSVOTE": [[[300_000], [200_001]], 1_000_000, "CONSENT"],
}
NAMES = sorted(VALID)

TEXTS = ["", " ", "1", "0", "1,000", "$12.31", "12.31", " 5 ", "1e5", "-3", "NaN", "inf", "TRUE",
         "abc", "I", "II", "ISSUE", "SPLIT", "DEBT", "NYSE", "#N/A", "2001-01-01", "x" * 80,
         "two\nlines"]  # fmt: skip
EXTREMES = [math.nan, math.inf, -math.inf, 1e308, -1e308, 1.7e308, 1e200, -0.0, 5e-324, 1e-300,
            0.5, 2.0**53 + 1, 59.0, 60.0, 60.5, 61.0, 2958465.0, 2958466.0]  # fmt: skip
cells = st.one_of(
    st.none(),
    st.just(0),  # xlwings Lite's empty cell
    st.booleans(),
    st.sampled_from(TEXTS),
    st.integers(-(10**20), 10**20),
    st.integers(-5, 100),  # serials before 1900-03-01, incl. 60 (the fictitious 1900-02-29)
    st.floats(),
    st.sampled_from(EXTREMES),
    st.dates(),
    st.datetimes(),
    st.dates(min_value=D(1899, 12, 1), max_value=D(1900, 3, 2)),
    st.dates(min_value=D(9999, 12, 1)),
)
ranges = st.lists(st.lists(cells, max_size=3), max_size=3)  # ragged and empty included
arguments = st.one_of(cells, ranges, cells.map(lambda c: [[c]]), st.lists(cells, max_size=3))
FUZZ = settings(max_examples=100, derandomize=True, deadline=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip


def required(name: str) -> int:
    params = inspect.signature(getattr(udfs, name)).parameters.values()
    return sum(p.default is inspect.Parameter.empty for p in params)


def check_cell(value: Any, where: str) -> None:
    if isinstance(value, bool) or type(value) is int:
        return
    if type(value) is float:
        assert math.isfinite(value), f"{value} at {where}"
        return
    assert type(value) is str, f"{type(value).__name__} {value!r} at {where}"
    assert not value.startswith(("#VALUE!", "#NUM!")), f"an error inside a range at {where}"


def check_contract(result: Any) -> None:
    """A finite, correctly typed result, or one line of #VALUE!/#NUM! text (no internal error)."""
    if isinstance(result, str) and result.startswith("#"):
        assert result.startswith(("#VALUE! ", "#NUM! ")), result
        assert "\n" not in result and "internal error" not in result, result
        assert "Traceback" not in result
        return
    if isinstance(result, list):
        assert result and all(isinstance(r, list) and r for r in result), result
        for i, row in enumerate(result):
            for j, value in enumerate(row):
                check_cell(value, f"[{i}][{j}]")
        return
    check_cell(result, "the result")


def call(name: str, args: list[Any]) -> Any:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy overflow in the float path
        result = getattr(udfs, name)(*args)
    assert time.perf_counter() - start < 5, f"{name} took too long"
    return result


@st.composite
def hostile_call(draw: st.DrawFn, name: str) -> list[Any]:
    """A valid call with one to three arguments replaced, optionals sometimes omitted."""
    args = list(VALID[name])
    for _ in range(draw(st.integers(1, 3))):
        args[draw(st.integers(0, len(args) - 1))] = draw(arguments)
    if draw(st.booleans()):
        args = args[: draw(st.integers(required(name), len(args)))]
    return args


@st.composite
def extreme_call(draw: st.DrawFn, name: str) -> list[Any]:
    """Huge, tiny and non-finite numbers, alone or in 1×1, 2×1 and 1×2 ranges."""
    args = list(VALID[name])
    for _ in range(draw(st.integers(1, 3))):
        x = draw(st.one_of(st.sampled_from(EXTREMES), cells))
        args[draw(st.integers(0, len(args) - 1))] = draw(
            st.sampled_from([x, [[x]], [[x], [x]], [[x, x]]])
        )
    return args


@st.composite
def hostile_log(draw: st.DrawFn) -> list[list[Any]]:
    log = [list(r) for r in LOG]
    for _ in range(draw(st.integers(1, 4))):
        log[draw(st.integers(0, len(log) - 1))][draw(st.integers(0, 8))] = draw(cells)
    return log


def test_every_function_is_fuzzed() -> None:
    assert set(VALID) == set(udfs.__all__)
    for name in NAMES:  # the valid calls really are valid
        result = call(name, VALID[name])
        check_contract(result)
        assert not (isinstance(result, str) and result.startswith("#")), (name, result)


@pytest.mark.parametrize("name", NAMES)
def test_hostile_cells_give_a_result_or_one_line_error(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")

    @FUZZ
    @given(hostile_call(name))
    def run(args: list[Any]) -> None:
        check_contract(call(name, args))

    run()


@pytest.mark.parametrize("name", NAMES)
def test_extreme_numbers_never_nan_inf_or_internal_error(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")

    @settings(FUZZ, max_examples=60)
    @given(extreme_call(name))
    def run(args: list[Any]) -> None:
        check_contract(call(name, args))

    run()


@pytest.mark.parametrize("name", NAMES)
def test_raise_mode_lets_only_terms_error_escape(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "raise")

    @settings(FUZZ, max_examples=60)
    @given(st.one_of(hostile_call(name), extreme_call(name)))
    def run(args: list[Any]) -> None:
        try:
            result = call(name, args)
        except TermsError as exc:
            text = str(exc)
            assert text.startswith(("#VALUE! ", "#NUM! ")) and "\n" not in text, text
            assert "internal error" not in text, text
        else:
            assert not (isinstance(result, str) and result.startswith("#")), result
            check_contract(result)

    run()


@pytest.mark.parametrize("name", ["CPHISTORY", "CPASOF"])
def test_hostile_event_log_cells(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")

    @settings(FUZZ, max_examples=150)
    @given(hostile_log())
    def run(log: list[list[Any]]) -> None:
        check_contract(call(name, [log, *VALID[name][1:]]))

    run()


# --------------------------------------------------------------- text is never a number
NUMBER_TEXTS = ["1,000", "$12.31", "12.31", " 5 ", "1e5", "2001-01-01"]


def numeric_positions() -> list[tuple[str, int]]:
    out = []
    for name in NAMES:
        for i, value in enumerate(VALID[name]):
            is_number = isinstance(value, (int, float, dt.date)) and not isinstance(value, bool)
            if is_number or isinstance(value, list):
                out.append((name, i))
    return out


@pytest.mark.parametrize(("name", "position"), numeric_positions())
def test_text_is_never_a_number(name: str, position: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Decision: a number or date typed as text is a #VALUE! naming the argument, never read."""
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")
    param = list(inspect.signature(getattr(udfs, name)).parameters)[position]
    for text in NUMBER_TEXTS:
        args = list(VALID[name])
        value = args[position]
        if isinstance(value, list):  # one cell of the range (a number column of the log)
            value = [list(r) for r in value]
            row, col = (1, 2) if param == "event_log" else (-1, -1)
            value[row][col] = text
        args[position] = value if isinstance(value, list) else text
        result = call(name, args)
        assert isinstance(result, str) and result.startswith("#VALUE! "), (param, text, result)
        assert param.replace("_", " ") in result.replace("_", " "), (param, result)
        assert repr(text) in result, result


def test_blank_text_in_an_optional_argument_is_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decision: "" (a formula's blank) in an optional argument means omitted, as an empty cell."""
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")
    assert udfs.LIQPREF(1000, 12.31, 36703, 37068, "", " ", "") == 13541.0
    assert udfs.LIQPREF(1000, 12.31, 36703, 37068, None, None, None) == 13541.0
    assert udfs.LIQPREF(1000, 12.31, 36703, 37068, 0) == 13541.0  # Lite's empty cell
    assert udfs.LIQPREF("", 12.31, 36703, 37068) == (
        "#VALUE! shares must be a number (got text '')"
    )
    assert udfs.LIQPREF(None, 12.31, 36703, 37068) == (
        "#VALUE! shares must be a number (got an empty cell)"
    )


# --------------------------------------------------------------- regressions found by the fuzz
@pytest.fixture
def text_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")


@pytest.mark.usefixtures("text_errors")
def test_event_log_as_a_single_cell_is_an_error() -> None:
    # xlwings passes a one-cell range as [[x]]; the adapter unwraps it to x
    for cell in (5, 1e308, D(2001, 1, 1), True, "log"):
        result = udfs.CPHISTORY([[cell]], 9_850_000, 0, 100_000)
        assert result.startswith("#VALUE! event_log must be a range (got "), result
        assert udfs.CPASOF(cell, "I", 37500, 9_850_000, 0, 100_000).startswith(
            "#VALUE! event_log must be a range"
        )
    with pytest.raises(TermsError, match="must be a range"):
        Grid("abc", "holdings")  # text was read as a column of its characters


@pytest.mark.usefixtures("text_errors")
def test_overflow_is_num_not_internal_error_or_infinity() -> None:
    too_large = "#NUM! result is beyond Excel's number range"
    assert udfs.LIQPREF(1000, 1e308, 36703, 37068).startswith(too_large)  # exact → float
    assert udfs.LIQPREF(1000, [[1e308], [1]], 36703, 37068).startswith(too_large)  # was [[inf]]
    assert udfs.VOTES([[1000]], [[1e308]], [[10]], 96_307).startswith(too_large)
    assert udfs.PARTDIV([[1000]], [[12.31]], [[12.31]], 1e308).startswith(too_large)
    assert udfs.CONVSHARES(1e300, 1e300, 1e-300).startswith(too_large)


@pytest.mark.usefixtures("text_errors")
def test_array_forms_agree_with_scalars_past_float_range() -> None:
    # fd_before + shares overflows float64: the array form was NaN (or par), now exact
    one = udfs.ADJPRICE(12.31, "SPLIT", 1e308, 1e308)
    assert one == pytest.approx(6.155)
    assert udfs.ADJPRICE([[12.31], [12.31]], "SPLIT", 1e308, 1e308) == [[one], [one]]
    one = udfs.ADJPRICE(0.5, "SPLIT", 1e308, 1e308)  # the float path gave par, 0.02
    assert udfs.ADJPRICE([[0.5], [0.5]], "SPLIT", 1e308, 1e308) == [[one], [one]] == [[0.25]] * 2
    q = udfs.CONVSHARES(1e300, 1e10, 1e3, 0, False)
    assert udfs.CONVSHARES([[1e300], [1e300]], 1e10, 1e3, 0, False) == [[q], [q]]


@pytest.mark.usefixtures("text_errors")
def test_range_form_does_not_round_a_near_decimal_input() -> None:
    # 96.9999999999 shares was read as 97 by the vectorised exact path (97 vs 96 full shares)
    assert udfs.CONVSHARES(96.9999999999, 12.31, 12.31) == 96
    assert udfs.CONVSHARES([[96.9999999999], [97]], 12.31, 12.31) == [[96.0], [97.0]]
    cash = udfs.CASHINLIEU(96.9999999999, 12.31, 12.31, 8)
    # 96.9999999999 × 12.31 / 12.31 → 96 full shares and 0.9999999999 × $8 = $7.9999999992
    assert cash == pytest.approx(7.9999999992, abs=1e-12)
    assert udfs.CASHINLIEU([[96.9999999999], [97]], 12.31, 12.31, 8) == [[cash], [0.0]]
    # a computed 12.309999999999999 still reads as 12.31
    assert udfs.CONVSHARES([[97], [1]], 12.309999999999999, 12.31) == [[97.0], [1.0]]


@pytest.mark.usefixtures("text_errors")
def test_putdate_at_the_end_of_excel_dates() -> None:
    assert udfs.PUTDATE(D(9999, 12, 16)) == serial(D(9999, 12, 31))
    assert udfs.PUTDATE(D(9999, 12, 1), "NYSE") > serial(D(9999, 12, 1))
    assert udfs.PUTDATE(D(9999, 12, 17)) == (
        "#VALUE! notice_date must leave 10 business days before 9999-12-31 (got 9999-12-17)"
    )
    assert udfs.PUTDATE(2958465).startswith("#VALUE! notice_date must leave")


@pytest.mark.usefixtures("text_errors")
def test_putprice_range_and_bad_repurchase_date() -> None:
    # arguments without ndim=2: a two-cell range arrives as a list
    assert udfs.PUTPRICE(1000, [[1], [1]], 36703, 37068) == (
        "#VALUE! stated_value must be a single cell (got a range)"
    )
    # a bad repurchase date was reported as "must not be before issue_date"
    assert udfs.PUTPRICE(1000, 12.31, 36703, "12.31") == (
        "#VALUE! repurchase_date must be a date or an Excel date serial number (got text '12.31')"
    )
    assert udfs.PUTPRICE(1000, 12.31, 36703, 36000) == (
        "#VALUE! repurchase_date must not be before issue_date"
    )
