"""CONVSHARES and CASHINLIEU -- Sections 5(a)(i), 5(e)(ii), hand-worked."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_addin.terms import TermsError, cash_in_lieu, conversion_shares

# (shares, stated value, conversion price, dividends/share, whole shares, exact quotient, why)
CASES = [
    (97, 12.31, 12.31, 0, 97, F(97), "97 × 12.31 / 12.31; naive float gives 96.99999999999999"),
    (1000, 12.31, 10.00, 0, 1231, F(1231), "12,310 / 10"),
    (100, 12.31, 1.231, 0, 1000, F(1000), "1,231 / 1.231 (float: 999.9999999999999)"),
    (1000, 12.31, 11.00, 0.50, 1164, F(12810, 11), "(12.31 + 0.50) × 1000 / 11 = 1164.54…"),
    (3, 12.31, 12.30, 0, 3, F("36.93") / F("12.30"), "36.93 / 12.30 = 3.0024…"),
    (1_210_398, 12.31, 12.31, 0, 1_210_398, F(1_210_398), "all authorized Class I shares"),
    (0, 12.31, 12.31, 0, 0, F(0), "nothing converted"),
]


@pytest.mark.parametrize(("shares", "sv", "cp", "div", "whole", "exact", "why"), CASES)
def test_hand_worked(shares, sv, cp, div, whole, exact, why) -> None:
    assert conversion_shares(shares, sv, cp, div) == whole, why
    assert conversion_shares(shares, sv, cp, div, whole=False) == exact, why


def test_naive_float_would_be_wrong() -> None:
    # the reason for exact arithmetic: this is what the certificate must not produce
    assert math.floor(97 * 12.31 / 12.31) == 96
    assert conversion_shares(97, 12.31, 12.31) == 97


def test_column_is_exact_too() -> None:
    got = conversion_shares(
        [[97], [100], [1000]], 12.31, [[12.31], [1.231], [11.0]], [[0], [0], [0.5]]
    )
    assert got.ravel().tolist() == [97, 1000, 1164]


@pytest.mark.parametrize(
    ("args", "expected", "why"),
    [
        ((100, 12.31, 10, 8), F("0.80"), "123.1 shares → 0.1 × $8.00"),
        ((97, 12.31, 12.31, 15), F(0), "exactly 97 shares: no fraction"),
        ((1000, 12.31, 11, 9.00, 0.5), F(54, 11), "12810/11 = 1164 + 6/11 → 6/11 × $9"),
    ],
)
def test_cash_in_lieu(args, expected, why) -> None:
    assert cash_in_lieu(*args) == expected, why


def test_cash_in_lieu_column() -> None:
    got = cash_in_lieu([[100], [97]], [[12.31], [12.31]], [[10], [12.31]], [[8], [15]])
    assert got.ravel().tolist() == pytest.approx([0.8, 0.0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100, 12.31, 0), "conversion_price must be > 0 (got 0)"),
        ((100, 12.31, -1), "conversion_price must be > 0 (got -1)"),
        ((-5, 12.31, 12.31), "shares must be >= 0 (got -5)"),
        (("1,000", 12.31, 12.31), "shares must be a number (got text '1,000')"),
        ((100, "$12.31", 12.31), "stated_value must be a number (got text '$12.31')"),
        ((100, 12.31, 12.31, 0, "yes"), "whole must be TRUE or FALSE"),
    ],
)
def test_bad_input(args, message) -> None:
    with pytest.raises(TermsError) as err:
        conversion_shares(*args)
    assert message in str(err.value)


money = st.decimals("0.01", "100", places=2)


@given(st.integers(0, 10**8), money, money, st.decimals("0", "5", places=2))
def test_whole_is_the_floor_of_exact(shares, sv, cp, div) -> None:
    whole = conversion_shares(shares, float(sv), float(cp), float(div))
    exact = conversion_shares(shares, float(sv), float(cp), float(div), whole=False)
    assert whole <= exact < whole + 1
    arr = conversion_shares([[shares]], [[float(sv)]], float(cp), float(div))
    assert arr[0, 0] == whole  # array path decides exactly as well


def test_a_long_column_of_exact_conversions() -> None:
    # every row converts into exactly its own number of shares at $12.31 / $12.31 and into ten
    # times as many at $1.231; no row may lose a share to floating point
    shares = [[n] for n in range(1, 5001)]
    assert conversion_shares(shares, 12.31, 12.31).ravel().tolist() == list(range(1, 5001))
    assert conversion_shares(shares, 12.31, 1.231).ravel().tolist() == list(range(10, 50001, 10))
    assert cash_in_lieu(shares, 12.31, 12.31, 9.99).ravel().tolist() == [0.0] * 5000


def test_more_than_six_decimals_still_exact() -> None:
    # 7 decimal places are outside the scaled-integer path: decided one by one, exactly
    assert conversion_shares([[3], [7]], 0.1234567, 0.1234567).ravel().tolist() == [3, 7]
