"""The exact integer fast paths of LIQPREF, CONVSHARES, CASHINLIEU and ADJPRICE (issue 15).

A cell of plain numbers is computed in Python ints over a common denominator (every number held
as ``x × 10**6``) instead of Fractions. These tests hold the fast path to the exact Fraction path
of the same module (the fast path switched off) on random inputs -- and at the boundaries where a
floor or a comparison decides: a conversion exactly at a whole share (97 × 12.31 / 12.31) or a
millionth below it, a price equal to the Conversion Price, a new price exactly at par.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from exact_paths import exact_path_only
from hypothesis import assume, example, given
from hypothesis import strategies as st

from xl_addin import udfs
from xl_addin.terms import adjustments, conversion, liquidation, preemptive
from xl_addin.terms.parse import exact, parse_date, scaled, serial


@pytest.fixture
def text_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")


def reference(fn: Callable[..., Any], *args: Any) -> Any:
    with exact_path_only():
        try:
            return fn(*args)
        except Exception as exc:  # the error itself is compared
            return type(exc), str(exc)


def fast(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:
        return type(exc), str(exc)


def assert_cell(shown: Any, want: Fraction) -> None:
    """What a cell shows for the exact value: the float nearest it, or #NUM! beyond ±1.8E308."""
    try:
        value = float(want)
    except OverflowError:
        assert isinstance(shown, str) and shown.startswith("#NUM! ")
    else:
        assert shown == value


def decimals(places: int = 6, low: int = 0, high: int = 10**12) -> st.SearchStrategy[float]:
    """Floats that are exact decimals of at most ``places`` places (what a typed cell holds)."""
    return st.builds(
        lambda m, k: float(Decimal(m).scaleb(-k)), st.integers(low, high), st.integers(0, places)
    )


#: Any float, including ones that are no short decimal (0.1 + 0.2, 1/3) and extremes.
any_float = st.floats(allow_nan=True, allow_infinity=True)
number = st.one_of(decimals(), decimals(2, 0, 10**6), st.integers(0, 10**15), any_float)
price = st.one_of(decimals(4, 1, 10**6), decimals(6, 1, 10**8), any_float)
serials = st.integers(-5, 2_958_470)


# --------------------------------------------------------------------------- reading numbers
@given(st.one_of(any_float, decimals(), st.integers(-(10**20), 10**20)))
@example(96.99999999999999)
@example(0.1 + 0.2)
@example(12.31)
@example(2.0**53 + 2)
@example(999_999_999.999999)
@example(-0.0)
@example(1e-7)
def test_scaled_is_the_exact_reading_or_nothing(x: float | int) -> None:
    m = scaled(x)
    if m is not None:
        assert Fraction(m, 10**6) == exact(x)


def test_scaled_reads_typed_decimals() -> None:
    # what a typed cell holds: 12.31 is 12,310,000 millionths, 0.1 + 0.2 reads as 0.3
    assert scaled(12.31) == 12_310_000
    assert scaled(0.1) == 100_000
    # 0.1 + 0.2 is not the double nearest 0.3: the Fraction path reads it (as 0.3)
    assert scaled(0.1 + 0.2) is None
    assert scaled(1_210_398.0) == 1_210_398_000_000
    assert scaled(5e12) == 5 * 10**18  # whole and below 2**53
    assert scaled(1 / 3) is None  # not a decimal of 6 places: the Fraction path
    assert scaled(2.0**53 + 2) is None  # read at 15 digits by exact(): the Fraction path
    assert scaled(True) is None and scaled("1") is None and scaled(Decimal("1")) is None
    assert scaled(math.nan) is None and scaled(math.inf) is None


@given(st.one_of(serials, st.floats(-10, 3e6), st.dates(dt.date(1899, 12, 30)), st.datetimes()))
def test_serial_is_parse_date_or_nothing(value: Any) -> None:
    s = serial(value)
    if s is not None:
        assert s == parse_date(value, "d")


# --------------------------------------------------------------------------- LIQPREF
@given(
    number,
    st.one_of(price, st.just(12.31)),
    serials,
    serials,
    st.one_of(st.just(0), decimals(2, 0, 10**5), any_float),
    st.one_of(st.just(0.1), decimals(4, 0, 10**4), any_float),
    st.one_of(st.integers(-1, 5), st.floats(-1, 6), st.none()),
)
@example(1000.0, 12.31, 36703, 37068, 0, 0.1, 3)  # 1,000 × 12.31 × 1.1 = 13,541
def test_liqpref_fast_equals_exact(
    n: Any, sv: Any, start: int, end: int, div: Any, rate: Any, basis: Any
) -> None:
    args = (n, sv, start, end, div, rate, basis)
    want = reference(liquidation.liquidation_preference, *args)
    assert fast(liquidation.liquidation_preference, *args) == want
    if isinstance(want, Fraction):
        assert_cell(udfs.LIQPREF(*args), want)


def test_liqpref_fast_path_is_taken_and_hand_worked() -> None:
    # 1,000 × (12.31 + 12.31 × 0.10 × 365/365) = 13,541 (Section 3(a), basis 3)
    assert liquidation.liquidation_preference_ratio(1000.0, 12.31, 36703, 37068) is not None
    assert udfs.LIQPREF(1000.0, 12.31, 36703, 37068) == 13_541.0
    # dates as classic xlwings passes them; basis 2: 12.31 × 0.1 × 365/360 per share on top
    assert udfs.LIQPREF(
        1000.0, 12.31, dt.datetime(2000, 6, 26), dt.datetime(2001, 6, 26), 0, 0.1, 2
    ) == (
        float(1000 * (Fraction("12.31") + Fraction("12.31") * Fraction(1, 10) * Fraction(365, 360)))
    )


# --------------------------------------------------------------------------- CONVSHARES, CASHINLIEU
@given(
    number,
    st.one_of(price, st.just(12.31)),
    price,
    st.one_of(st.just(0), decimals(2, 0, 10**5), any_float),
    st.sampled_from([True, False, None, 1.0]),
)
@example(97.0, 12.31, 12.31, 0, True)  # exactly 97: naive floats give 96.99999999999999
def test_convshares_fast_equals_exact(n: Any, sv: Any, cp: Any, div: Any, whole: Any) -> None:
    args = (n, sv, cp, div, whole)
    want = reference(conversion.conversion_shares, *args)
    assert fast(conversion.conversion_shares, *args) == want
    if isinstance(want, Fraction):
        assert_cell(udfs.CONVSHARES(*args), want)


@given(number, st.one_of(price, st.just(12.31)), price, price, st.one_of(st.just(0), any_float))
@example(100.0, 12.31, 10.0, 8.0, 0)  # 123.1 shares: 0.1 × $8.00 = $0.80
def test_cashinlieu_fast_equals_exact(n: Any, sv: Any, cp: Any, close: Any, div: Any) -> None:
    args = (n, sv, cp, close, div)
    want = reference(conversion.cash_in_lieu, *args)
    assert fast(conversion.cash_in_lieu, *args) == want
    if isinstance(want, Fraction):
        assert_cell(udfs.CASHINLIEU(*args), want)


# exactly at a whole share: (sv + div) × n / cp = a × k with sv + div = cp × a / b, n = b × k
@given(
    st.integers(1, 10**6),  # cp in cents
    st.integers(1, 50),  # a
    st.sampled_from([1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 100]),  # b divides 10**4
    st.integers(1, 10**5),  # k
    st.integers(0, 100),  # dividends' share of sv + div, percent
)
def test_convshares_at_and_just_below_a_whole_share(
    cents: int, a: int, b: int, k: int, pct: int
) -> None:
    cp = Fraction(cents, 100)
    total = cp * a / b  # sv + div, a decimal of at most 6 places
    div = Fraction(math.floor(total * pct / 100 * 100), 100)
    sv = total - div
    assume(sv > 0)
    n = b * k
    as_float = [float(x) for x in (n, sv, cp, div)]
    assert [exact(x) for x in as_float] == [n, sv, cp, div]  # the cells hold these decimals
    assert conversion.conversion_shares_ratio(*as_float) == (a * k, 1)  # exactly a × k shares
    assert udfs.CONVSHARES(*as_float) == a * k
    assert udfs.CASHINLIEU(as_float[0], as_float[1], as_float[2], 10.0, as_float[3]) == 0.0
    # a millionth of a share fewer: one whole share fewer, and a fraction left
    below = float(Fraction(n) - Fraction(1, 10**6))
    assert udfs.CONVSHARES(below, *as_float[1:]) == a * k - 1
    want = reference(conversion.cash_in_lieu, below, as_float[1], as_float[2], 10.0, as_float[3])
    assert udfs.CASHINLIEU(below, as_float[1], as_float[2], 10.0, as_float[3]) == float(want)


def test_convshares_97_at_12_31() -> None:
    # 97 × 12.31 / 12.31 = 97 exactly (floats: 96.99999999999999, floored to 96)
    assert 97 * 12.31 / 12.31 < 97
    assert conversion.conversion_shares_ratio(97.0, 12.31, 12.31) == (97, 1)
    assert udfs.CONVSHARES(97.0, 12.31, 12.31) == 97.0
    assert udfs.CASHINLIEU(97.0, 12.31, 12.31, 8.0) == 0.0


# --------------------------------------------------------------------------- ADJPRICE
EVENTS = st.sampled_from(
    [
        *("SPLIT", "DIVIDEND", "COMBINATION", "ISSUE", "WARRANT", "CONVERTIBLE", "PERMITTED"),
        *("issue", "Split", " ISSUE", "bogus"),
    ]
)


@given(
    price,
    EVENTS,
    st.one_of(st.integers(1, 10**9).map(float), number),
    st.one_of(st.integers(-(10**9), 10**9).map(float), any_float),
    st.one_of(price, st.none(), st.just(0.0)),
    st.sampled_from([True, False, None, 1.0]),
    st.one_of(st.just(0.02), decimals(2, 0, 10**4), any_float),
)
@example(12.31, "ISSUE", 10_000_000.0, 1_000_000.0, 10.0, True, 0.02)  # 12.10, hand-worked
@example(12.31, "ISSUE", 10_000_000.0, 1_000_000.0, 12.31, True, 0.02)  # price = cp: unchanged
@example(12.31, "ISSUE", 10_000_000.0, 1_000_000.0, 0.0, False, 0.02)  # ratchet to 0 → par
@example(0.01, "SPLIT", 100.0, 100.0, None, False, 0.02)  # below par already: not lifted
def test_adjprice_fast_equals_exact(
    cp: Any, event: str, fd: Any, n: Any, p: Any, qpo: Any, par: Any
) -> None:
    args = (cp, event, fd, n, p, qpo, par)
    want = reference(adjustments.adjusted_conversion_price, *args)
    assert fast(adjustments.adjusted_conversion_price, *args) == want
    if isinstance(want, Fraction):
        assert_cell(udfs.ADJPRICE(*args), want)


@given(
    st.integers(1, 10**6),  # par in millionths... of the price below
    st.integers(1, 10**7),
    st.integers(1, 10**7),
)
def test_adjprice_exactly_at_par(par_micro: int, fd: int, extra: int) -> None:
    # a split that takes the price exactly to par: cp × fd / (fd + n) = par with
    # cp = par × (fd + n) / fd -- pick fd + n a multiple of fd so cp is a decimal
    par = Fraction(par_micro, 10**6)
    n = fd * extra
    cp = par * (fd + n) / fd  # = par × (1 + extra)
    args = (float(cp), "SPLIT", float(fd), float(n), None, False, float(par))
    assert adjustments.adjusted_conversion_price_ratio(*args) is not None
    assert udfs.ADJPRICE(*args) == float(par)
    # one share more: the split would go below par, which stops it at par
    args2 = (float(cp), "SPLIT", float(fd), float(n + 1), None, False, float(par))
    assert udfs.ADJPRICE(*args2) == float(par)
    assert reference(adjustments.adjusted_conversion_price, *args2) == par


def test_adjprice_hand_worked_on_the_fast_path() -> None:
    # 6(c)(ii): (10,000,000 × 12.31 + 1,000,000 × 10.00) / 11,000,000 = 133,100,000 / 11,000,000
    # = 12.10
    args = (12.31, "ISSUE", 10_000_000.0, 1_000_000.0, 10.0, True, 0.02)
    assert Fraction(*adjustments.adjusted_conversion_price_ratio(*args)) == Fraction("12.10")
    assert udfs.ADJPRICE(*args) == 12.1
    # 6(b) 2-for-1 split: 12.31 × 10,000,000 / 20,000,000 = 6.155
    assert udfs.ADJPRICE(12.31, "SPLIT", 10_000_000.0, 10_000_000.0) == 6.155
    # before the QPO a lower issue price ratchets fully: 10.00
    assert udfs.ADJPRICE(12.31, "ISSUE", 10_000_000.0, 1_000_000.0, 10.0, False) == 10.0


# --------------------------------------------------------------------------- errors unchanged
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: udfs.LIQPREF(-5.0, 12.31, 36703, 37068), "#VALUE! shares must be >= 0 (got -5)"),
        (
            lambda: udfs.CONVSHARES(5.0, 12.31, 0.0),
            "#VALUE! conversion_price must be > 0 (got 0)",
        ),
        (
            lambda: udfs.ADJPRICE(12.31, "ISSUE", 10.0, 1.0),
            "#VALUE! price is required for ISSUE",
        ),
        (
            lambda: udfs.ADJPRICE(12.31, "SPLIT", 10.0, -1.0),
            "#VALUE! shares must be >= 0 for SPLIT (got -1)",
        ),
    ],
)
@pytest.mark.usefixtures("text_errors")
def test_bad_input_still_named_by_the_careful_path(call: Callable[[], Any], message: str) -> None:
    assert call() == message


@pytest.mark.usefixtures("text_errors")
def test_overflow_on_the_fast_path_is_num() -> None:
    # whole numbers of any size take the fast path; a result beyond ±1.8E308 is #NUM!, never inf
    assert conversion.conversion_shares_ratio(10**300, 10**10, 1, 0, False) is not None
    assert udfs.CONVSHARES(10**300, 10**10, 1, 0, False).startswith("#NUM! ")
    # 1e15 shares × $1e9 / $0.000001 = 1e30 shares: a float, exactly rounded
    assert udfs.CONVSHARES(1e15, 999_999_999.0, 0.000001, 0, False) == float(
        Fraction(10**15 * 999_999_999 * 10**6)
    )


# --------------------------------------------------------------------------- PRORATA with requests
@given(
    st.lists(st.integers(0, 2**53 - 1), min_size=1, max_size=50),
    st.integers(0, 10**40),
    st.integers(1, 10**40),
)
@example([3, 6, 9, 1], 1, 6)  # 0.5, 1, 1.5: exact halves decided in ints
@example([1, 3], 2**53 + 1, 1)  # 2**53 + 1: a tie between two floats, half to even
@example([10**15 + 1], 10**18 + 7, 10**18 + 9)
def test_scaled_exactly_is_the_nearest_float(h: list[int], top: int, bottom: int) -> None:
    got = preemptive._scaled_exactly(np.array(h, dtype=np.int64), top, bottom)
    assert got.tolist() == [float(Fraction(x * top, bottom)) for x in h]


def test_prorata_over_allotment_vectorised_matches_fractions() -> None:
    # 10,000 holders, nearly all asking more than their share: one water level for all
    rng = np.random.default_rng(15)
    holdings = rng.integers(0, 100_000, 10_000).tolist()
    requests = rng.integers(0, 80_000, 10_000).tolist()
    total = Fraction(sum(holdings) * 5, 4)
    got = udfs.PRORATA(
        [[float(x)] for x in holdings], float(total), 1_000_000.0, [[float(x)] for x in requests]
    )
    want = preemptive.allocate(
        [Fraction(x) for x in holdings], total, Fraction(1_000_000), [Fraction(x) for x in requests]
    )
    assert [row[0] for row in got] == [float(x) for x in want]


# --------------------------------------------------------------------------- warm cells' keys
def test_range_keys_tell_shapes_cells_and_types_apart() -> None:
    from xl_addin.excel import _frozen

    block = [[1.0, 2.0], [3.0, 4.0]]
    assert _frozen(block) == _frozen([[1.0, 2.0], [3.0, 4.0]])  # a fresh copy: a hit
    assert _frozen(block) != _frozen([[1.0], [2.0], [3.0], [4.0]])  # same cells, other shape
    assert _frozen(block) != _frozen([[1.0, 2.0, 3.0, 4.0]])
    assert _frozen(block) != _frozen([[1, 2.0], [3.0, 4.0]])  # 1 and 1.0: other types
    assert _frozen([[True]]) != _frozen([[1]])
    assert _frozen([[None, "x"]]) != _frozen([["x", None]])
    hash(_frozen(block))
