"""An array form gives, element by element, exactly the number its scalar form gives (issue 15,
item 4: "no exactness is given up for speed").

LIQPREF, CONVSHARES, CASHINLIEU and ADJPRICE over a range compute each element in an exact
integer lane (every integer below 2**53 in float64, one correctly rounded division) and fall back
to the scalar form itself where the lane cannot hold the numbers. Before this, the array forms
computed in floats: on 20,000 ordinary rows 40% of LIQPREF's elements and nearly all of
CASHINLIEU's differed from the scalar form in the last bits (CASHINLIEU by up to 1.5e-9 $).

The reference is the exact Fraction path (every fast path switched off), rounded once to the
nearest float: the number a cell of the scalar form shows. Rows mix short decimals (what typed
cells hold), decimals of 6 places large enough to overflow the lane (the fallback), and arbitrary
floats that are no short decimal (0.1 + 0.2, 1/3).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from exact_paths import exact_path_only
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xl_addin import udfs
from xl_addin.terms import _vector, adjustments, conversion, liquidation


def reference(fn: Callable[..., Any], *row: Any) -> float:
    with exact_path_only():
        value = fn(*row)
    assert isinstance(value, Fraction)
    return float(value)


def decimals(places: int, low: int, high: int) -> st.SearchStrategy[float]:
    """Floats that are exact decimals of at most ``places`` places (what a typed cell holds)."""
    return st.builds(
        lambda m, k: float(Decimal(m).scaleb(-k)), st.integers(low, high), st.integers(0, places)
    )


#: Non-negative finite floats, most of them no short decimal.
any_nonnegative = st.floats(0, 1e12, allow_nan=False, allow_infinity=False)
#: Share counts: whole, typed decimals, decimals big enough to overflow the lane, anything.
shares = st.one_of(
    st.integers(0, 10**7).map(float),
    decimals(2, 0, 10**9),
    decimals(6, 10**12, 10**15),
    any_nonnegative,
)
prices = st.one_of(
    decimals(4, 1, 10**6), decimals(6, 1, 10**9), st.floats(1e-6, 1e6, allow_nan=False)
)


def column(values: list[Any]) -> list[list[Any]]:
    return [[v] for v in values]


def elements(result: Any, rows: int) -> list[Any]:
    """The array form's elements in row order (one row: xlwings shows the one number)."""
    if rows == 1:
        return [result]
    assert isinstance(result, list) and len(result) == rows, result
    return [r[0] for r in result]


def check(
    udf: Callable[..., Any],
    exact_fn: Callable[..., Any],
    rows: list[tuple[Any, ...]],
    single: tuple[bool, ...] = (),
) -> None:
    """``udf`` over columns of ``rows`` (an argument marked in ``single`` passed as one cell,
    the first row's) against the exact reference and the scalar form, row by row."""
    width = len(rows[0])
    flags = (*single, *(False,) * (width - len(single)))
    rows = [tuple(rows[0][j] if flags[j] else r[j] for j in range(width)) for r in rows]
    if all(flags):  # no range at all: one cell
        rows = rows[:1]
    args = [rows[0][j] if flags[j] else column([r[j] for r in rows]) for j in range(width)]
    got = elements(udf(*args), len(rows))
    for i, row in enumerate(rows):
        want = reference(exact_fn, *row)
        assert got[i] == want, (i, row, got[i], want)
        assert udf(*row) == want, (i, row)


# --------------------------------------------------------------------------- LIQPREF
@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            shares,
            st.one_of(st.just(12.31), prices),
            st.integers(61, 60_000),
            st.integers(0, 20_000),
            st.one_of(st.just(0.0), decimals(2, 0, 10**5), any_nonnegative),
            st.one_of(st.just(0.1), decimals(4, 0, 10**4)),
            st.integers(0, 4),
        ),
        min_size=1,
        max_size=25,
    ),
    st.tuples(*[st.booleans()] * 7),
)
@example([(1000.0, 12.31, 36703, 365, 0.0, 0.1, 3)], (False,) * 7)  # $13,541.00, hand-worked
def test_liqpref_array_is_the_scalar_form(rows: list[tuple[Any, ...]], single: Any) -> None:
    rows = [(n, sv, start, start + span, div, r, b) for n, sv, start, span, div, r, b in rows]
    single = (*single[:2], False, False, *single[4:])  # a date column's rows stay paired
    check(udfs.LIQPREF, liquidation.liquidation_preference, rows, single)


# --------------------------------------------------------------------------- CONVSHARES, CASHINLIEU
conv_rows = st.lists(
    st.tuples(
        shares,
        st.one_of(st.just(12.31), prices),
        prices,
        st.one_of(st.just(0.0), decimals(2, 0, 10**5), any_nonnegative),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(conv_rows, st.tuples(*[st.booleans()] * 4), st.booleans())
@example([(97.0, 12.31, 12.31, 0.0)], (False,) * 4, True)  # 97 exactly (floats: 96.999...)
@example([(97.0, 12.31, 12.31, 0.0), (96.999999, 12.31, 12.31, 0.0)], (False,) * 4, True)
def test_convshares_array_is_the_scalar_form(
    rows: list[tuple[Any, ...]], single: Any, whole: bool
) -> None:
    check(
        lambda *a: udfs.CONVSHARES(*a, whole),
        lambda *a: conversion.conversion_shares(*a, whole),
        rows,
        single,
    )


@settings(max_examples=150, deadline=None)
@given(conv_rows, prices, st.tuples(*[st.booleans()] * 4))
@example([(100.0, 12.31, 10.0, 0.0)], 8.0, (False,) * 4)  # 123.1 shares: 0.1 × $8 = $0.80
def test_cashinlieu_array_is_the_scalar_form(
    rows: list[tuple[Any, ...]], closing: float, single: Any
) -> None:
    rows5 = [(n, sv, cp, closing * (1 + i % 3), div) for i, (n, sv, cp, div) in enumerate(rows)]
    check(udfs.CASHINLIEU, conversion.cash_in_lieu, rows5, (*single[:3], False, single[3]))


def test_whole_shares_at_the_boundary_in_a_column() -> None:
    # (12.31 + 0) × 97 / 12.31 = 97 exactly; floats give 96.99999999999999 and floor to 96.
    # 96.999999 shares: 96.999999 × 12.31 / 12.31 = 96.999999 → 96 whole shares, and the
    # fraction 0.999999 × $8.00 = $7.999992 in cash.
    got = udfs.CONVSHARES([[97.0], [96.999999]], 12.31, 12.31)
    assert got == [[97.0], [96.0]]
    cash = udfs.CASHINLIEU([[97.0], [96.999999]], 12.31, 12.31, 8.0)
    assert cash == [[0.0], [float(Fraction("7.999992"))]]


# --------------------------------------------------------------------------- ADJPRICE
EVENTS = ["SPLIT", "DIVIDEND", "COMBINATION", "ISSUE", "WARRANT", "CONVERTIBLE", "PERMITTED"]


@st.composite
def adjprice_row(draw: st.DrawFn) -> tuple[Any, ...]:
    event = draw(st.sampled_from(EVENTS))
    cp = draw(prices)
    fd = draw(st.one_of(st.integers(1, 10**9).map(float), decimals(6, 10**6, 10**15)))
    if event == "COMBINATION":
        n = -draw(st.floats(0, fd * 0.999, allow_nan=False))
    else:
        n = draw(st.one_of(st.integers(0, 10**9).map(float), decimals(3, 0, 10**12)))
    p = draw(st.one_of(prices, st.just(cp), st.just(0.0)))
    qpo = draw(st.booleans())
    par = draw(st.one_of(st.just(0.02), decimals(2, 0, 10**4)))
    return cp, event, fd, n, p, qpo, par


@settings(max_examples=200, deadline=None)
@given(st.lists(adjprice_row(), min_size=1, max_size=25), st.tuples(*[st.booleans()] * 7))
@example([(12.31, "ISSUE", 1e7, 1e6, 10.0, True, 0.02)], (False,) * 7)  # $12.10, hand-worked
@example([(12.31, "ISSUE", 1e7, 1e6, 0.0, False, 0.02)], (False,) * 7)  # ratchet to 0: par
@example([(0.01, "SPLIT", 100.0, 100.0, 1.0, False, 0.02)], (False,) * 7)  # below par: kept
def test_adjprice_array_is_the_scalar_form(rows: list[tuple[Any, ...]], single: Any) -> None:
    single = (single[0], False, False, False, *single[4:])  # event, fd, shares stay paired
    check(udfs.ADJPRICE, adjustments.adjusted_conversion_price, rows, single)


@given(st.integers(1, 10**6), st.integers(1, 10**7), st.integers(1, 10**7))
def test_adjprice_exactly_at_par_in_a_column(par_micro: int, fd: int, extra: int) -> None:
    # a split taking the price exactly to par: cp × fd / (fd + n) = par with cp = par × (fd +
    # n) / fd; fd + n a multiple of fd (n = extra × fd) keeps cp a decimal: cp = par × (1 +
    # extra). At par the new price is par itself (not below it): the floor does not apply.
    par = Fraction(par_micro, 10**6)
    cp = par * (1 + extra)
    row = (float(cp), "SPLIT", float(fd), float(extra * fd), None, False, float(par))
    got = udfs.ADJPRICE(*[column([v, v]) for v in row])
    assert got == [[float(par)], [float(par)]]


# --------------------------------------------------------------------------- a bench-sized case
def test_ordinary_columns_agree_row_for_row() -> None:
    """20,000 rows like the benchmark's (share counts, Stated Value 12.31, prices of 2 and 4
    places, events): every element equals the scalar form's number."""
    rng = np.random.default_rng(20000626)
    n = 20_000
    sh = rng.integers(1, 2_000_000, n).astype(float).tolist()
    issue = rng.integers(36692, 40000, n)
    paid = (issue + rng.integers(0, 5000, n)).astype(float).tolist()
    cp = np.round(rng.uniform(5, 15, n), 4).tolist()
    closing = np.round(rng.uniform(1, 30, n), 2).tolist()
    ev = np.array(EVENTS)[rng.integers(0, 7, n)].tolist()
    fd = rng.integers(10_000_000, 30_000_000, n).astype(float).tolist()
    delta = rng.integers(1, 1_000_000, n).astype(float).tolist()
    price = np.round(rng.uniform(1, 20, n), 2).tolist()
    starts = issue.astype(float).tolist()
    for basis in (0, 1, 3):
        got = udfs.LIQPREF(column(sh), 12.31, column(starts), column(paid), 0, 0.1, basis)
        want = [udfs.LIQPREF(sh[i], 12.31, starts[i], paid[i], 0, 0.1, basis) for i in range(n)]
        assert [r[0] for r in got] == want
    got = udfs.CONVSHARES(column(sh), 12.31, column(cp), 0, False)
    assert [r[0] for r in got] == [udfs.CONVSHARES(sh[i], 12.31, cp[i], 0, False) for i in range(n)]
    got = udfs.CASHINLIEU(column(sh), 12.31, column(cp), column(closing))
    want = [udfs.CASHINLIEU(sh[i], 12.31, cp[i], closing[i]) for i in range(n)]
    assert [r[0] for r in got] == want
    combos = [-d if e == "COMBINATION" else d for e, d in zip(ev, delta, strict=True)]
    got = udfs.ADJPRICE(12.31, column(ev), column(fd), column(combos), column(price), True)
    want = [udfs.ADJPRICE(12.31, ev[i], fd[i], combos[i], price[i], True) for i in range(n)]
    assert [r[0] for r in got] == want


# --------------------------------------------------------------------------- the lane itself
@pytest.mark.parametrize(
    ("values", "ints", "k", "ok"),
    [
        # whole numbers: over 10**0
        ([1.0, 2_000_000.0, 0.0], [1, 2_000_000, 0], 0, [True] * 3),
        # 12.31 and 0.5: two places (1231 / 100, 50 / 100)
        ([12.31, 0.5], [1231, 50], 2, [True, True]),
        # six places; 0.1 + 0.2 is no decimal of 6 places (its reading is left to the exact path)
        ([0.000001, 0.1 + 0.2], [1, 0], 6, [True, False]),
        # a whole 1e15 over 10**2 is 1e17, beyond 2**53: left to the exact path
        ([1e15, 0.01], [0, 1], 2, [False, True]),
        # cents above 1e9 (10,000,000,000.25 = 1,000,000,000,025 cents) next to 0.5 = 50 cents
        ([1e10 + 0.25, 0.5], [1_000_000_000_025, 50], 2, [True, True]),
        # signs kept (a COMBINATION's shares), and -0.0 is 0
        ([-12.31, 3.0, -0.0], [-1231, 300, 0], 2, [True, True, True]),
    ],
)
def test_decimal_ints(values: list[float], ints: list[int], k: int, ok: list[bool]) -> None:
    x, got_k, got_ok = _vector.decimal_ints(np.array(values))
    assert got_k == k
    assert got_ok.tolist() == ok
    assert [int(v) for v, o in zip(x.tolist(), ok, strict=True) if o] == [
        i for i, o in zip(ints, ok, strict=True) if o
    ]


def test_no_negative_zero() -> None:
    # -0.0 shares is 0 shares: the scalar form's int 0 gives +0.0; so must a column's element
    # (Excel would show either as 0, but a copied value or a comparison of signs would differ)
    import math

    for got in (
        udfs.LIQPREF([[-0.0], [1.0]], 12.31, 36700, 36800)[0][0],
        udfs.CONVSHARES([[-0.0], [1.0]], 12.31, 10.0, 0, False)[0][0],
        udfs.CASHINLIEU([[-0.0], [1.0]], 12.31, 10.0, 8.0)[0][0],
    ):
        assert got == 0.0 and math.copysign(1.0, got) == 1.0
    assert math.copysign(1.0, udfs.LIQPREF(-0.0, 12.31, 36700, 36800)) == 1.0


# exactly at a whole share, in a column: (sv + div) × n / cp = a × k with sv + div = cp × a / b
# and n = b × k (as in test_fast_paths), next to a millionth of a share fewer
@given(
    st.lists(
        st.tuples(
            st.integers(1, 10**6),  # cp in cents
            st.integers(1, 50),  # a
            st.sampled_from([1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 100]),  # b divides 10**4
            st.integers(1, 10**5),  # k
        ),
        min_size=1,
        max_size=10,
    )
)
def test_whole_shares_decided_exactly_in_a_column(cases: list[tuple[int, int, int, int]]) -> None:
    rows, wholes = [], []
    for cents, a, b, k in cases:
        cp = Fraction(cents, 100)
        sv = cp * a / b  # a decimal of at most 6 places
        rows.append((float(b * k), float(sv), float(cp)))
        wholes.append(a * k)
        rows.append((float(Fraction(b * k) - Fraction(1, 10**6)), float(sv), float(cp)))
        wholes.append(a * k - 1)
    cols = [column([r[j] for r in rows]) for j in range(3)]
    assert [r[0] for r in udfs.CONVSHARES(*cols)] == [float(w) for w in wholes]
    cash = [r[0] for r in udfs.CASHINLIEU(*cols, column([10.0] * len(rows)))]
    assert cash[0::2] == [0.0] * len(cases)  # no fraction at a whole share
    for i in range(1, len(rows), 2):  # a fraction just below a whole share, exactly
        n, sv, cp = (Fraction(str(v)) for v in rows[i])
        q = sv * n / cp
        assert cash[i] == float((q - (q.numerator // q.denominator)) * 10)
