"""LIQPREF -- Section 3(a), hand-worked."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_addin.terms import TermsError, liquidation_preference

D = dt.date

# (shares, stated value, issue, payment, dividends, rate, basis, expected, arithmetic)
CASES = [
    (
        1000,
        12.31,
        D(2000, 6, 26),
        D(2001, 6, 26),
        0,
        0.10,
        3,
        F("13541"),
        "1000 × (12.31 + 12.31 × 0.10 × 365/365) = 12,310 + 1,231",
    ),
    (
        1000,
        12.31,
        D(2000, 6, 26),
        D(2001, 6, 26),
        0,
        0.10,
        1,
        F("13541"),
        "basis 1: 365/365 (2001 not leap, start after Feb) -> same",
    ),
    (
        1000,
        12.31,
        D(2000, 6, 26),
        D(2001, 6, 26),
        0,
        0.10,
        2,
        F(12310) + F(1231) * F(365, 360),
        "basis 2: 12,310 + 1,231 × 365/360 = 13,558.097222…",
    ),
    (
        100,
        12.31,
        D(2000, 6, 15),
        D(2000, 12, 31),
        0.50,
        0.10,
        0,
        F(1281) + F("123.1") * F(196, 360),
        "basis 0: 6×30 + (31−15) = 196 days; 100 × (12.31 + 0.50) + 100 × 1.231 × 196/360",
    ),
    (
        820_471,
        10,
        D(2000, 9, 15),
        D(2005, 9, 15),
        0,
        0.10,
        3,
        F(820_471 * 5476, 365),
        "1,826 days (5 × 365 + 29 Feb 2004): 820,471 × (10 + 1 × 1826/365) = 12,309,312.8657…",
    ),
    (
        10,
        12.31,
        D(2000, 1, 31),
        D(2000, 3, 31),
        0,
        0.08,
        4,
        F("123.1") + F("9.848") / 6,
        "basis 4: 31→30 both ends = 60/360; 10 × (12.31 + 12.31 × 0.08 / 6)",
    ),
    (100, 12.31, D(2000, 6, 26), D(2000, 6, 26), 0, 0.10, 3, F(1231), "paid on issue day"),
    (0, 12.31, D(2000, 6, 26), D(2010, 6, 26), 0, 0.10, 3, F(0), "no shares"),
    (1000, 12.31, 36703, 37068, 0, 0.10, 3, F("13541"), "Excel serials (xlwings Lite)"),
]


@pytest.mark.parametrize(
    ("shares", "sv", "issued", "paid", "div", "rate", "basis", "expected", "why"), CASES
)
def test_hand_worked(shares, sv, issued, paid, div, rate, basis, expected, why) -> None:
    assert liquidation_preference(shares, sv, issued, paid, div, rate, basis) == expected, why


def test_defaults_are_the_certificate_terms() -> None:
    # 10% (Section 3(a)(y)) and basis 3: 1000 × (12.31 + 1.231) = 13,541
    assert liquidation_preference(1000, 12.31, D(2000, 6, 26), D(2001, 6, 26)) == 13541


def test_a_column_in_one_call() -> None:
    got = liquidation_preference([[1000], [2000], [0]], 12.31, D(2000, 6, 26), D(2001, 6, 26))
    assert got.shape == (3, 1)
    assert got.ravel().tolist() == pytest.approx([13541, 27082, 0], rel=1e-15)


def test_a_block_broadcasts_against_a_row_of_dates() -> None:
    paid = [[D(2001, 6, 26), D(2002, 6, 26)]]  # 1 and 2 years (basis 3: 365, 730 days)
    got = liquidation_preference([[100], [200]], 12.31, D(2000, 6, 26), paid)
    # 100 × (12.31 + 1.231 × 1) = 1354.1; 100 × (12.31 + 1.231 × 2) = 1477.2; ×2 for 200
    np.testing.assert_allclose(got, [[1354.1, 1477.2], [2708.2, 2954.4]], rtol=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shares": -5}, "shares must be >= 0 (got -5)"),
        ({"shares": "100"}, "shares must be a number (got text '100')"),
        ({"stated_value": 0}, "stated_value must be > 0 (got 0)"),
        ({"payment_date": D(2000, 1, 1)}, "payment_date must not be before issue_date"),
        ({"basis": 5}, "basis must be 0, 1, 2, 3 or 4 (got 5)"),
        ({"rate": float("inf")}, "rate must be a finite number"),
        ({"dividends": float("nan")}, "dividends must be a number (got NaN)"),
        ({"shares": []}, "shares must not be an empty range"),
        ({"shares": [[1], [2, 3]]}, "shares must be a rectangular range"),
        # a column whose later rows are short, long, text or a bare cell (the column fast path)
        ({"shares": [[1], [2], []]}, "shares must be a rectangular range (rows of 1 and 0"),
        ({"shares": [[1], [2], [3, 4]]}, "shares must be a rectangular range (rows of 1 and 2"),
        ({"shares": [[1], [2], "ab"]}, "shares must be a rectangular range"),
        ({"shares": [[1], [2], "a"]}, "shares must be a rectangular range"),
        ({"shares": [[1], [2], 3]}, "shares must be a rectangular range"),
        ({"issue_date": [[D(2000, 6, 26)], [D(2000, 6, 26), 1]]}, "issue_date must be a rectan"),
        ({"shares": [[1], [-2]]}, "shares must be >= 0 (got -2 in row 2)"),
        ({"shares": [[1], [2]], "stated_value": [[1], [2], [3]]}, "ranges must have the same"),
    ],
)
def test_bad_input_names_the_argument(kwargs, message) -> None:
    args = {
        "shares": 100,
        "stated_value": 12.31,
        "issue_date": D(2000, 6, 26),
        "payment_date": D(2001, 6, 26),
    } | kwargs
    with pytest.raises(TermsError) as err:
        liquidation_preference(**args)
    assert message in str(err.value)


@given(
    st.integers(0, 10**7),
    st.decimals("0.01", "1000", places=2),
    st.integers(61, 60_000),
    st.integers(0, 20_000),
    st.integers(0, 4),
)
def test_array_path_agrees_with_exact_path(shares, sv, start, span, basis) -> None:
    exact = liquidation_preference(shares, float(sv), start, start + span, 0, 0.1, basis)
    arr = liquidation_preference(
        [[shares]], [[float(sv)]], [[start]], [[start + span]], 0, 0.1, basis
    )
    assert float(arr[0, 0]) == pytest.approx(float(exact), rel=1e-13, abs=1e-9)
    assert isinstance(arr, np.ndarray)


def test_liqpref_to_the_last_day_of_excels_calendar_on_basis_1() -> None:
    """Basis 1 to 9999-12-31 (serial 2,958,465) from 2000-01-01 (36,526): YEARFRAC =
    2,921,939 x 8,000 / 2,921,940 (the 8,000 years 2000-9999 hold 2,921,940 days); one share at
    12.31 accrues 10% of that: 12.31 x (1 + 0.1 x YEARFRAC). It used to be an internal error
    (Python has no year 10000 for the day after)."""
    from fractions import Fraction

    from xl_addin import udfs

    yf = Fraction(2_921_939 * 8_000, 2_921_940)
    expected = float(Fraction("12.31") * (1 + Fraction(1, 10) * yf))
    assert udfs.LIQPREF(1, 12.31, 36_526, 2_958_465, 0, 0.1, 1) == pytest.approx(
        expected, rel=1e-15
    )
