"""ADJPRICE -- Section 6, one event, hand-worked."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xl_addin.terms import TermsError, adjusted_conversion_price

# (conversion price, event, FD before, shares, price, after QPO, expected, arithmetic)
CASES = [
    (
        12.31,
        "ISSUE",
        10_000_000,
        1_000_000,
        10.00,
        True,
        F("12.10"),
        "6(c)(ii): (10,000,000 × 12.31 + 1,000,000 × 10) / 11,000,000 = 133,100,000 / 11,000,000",
    ),
    (12.31, "ISSUE", 10_000_000, 1_000_000, 10.00, False, F("10"), "6(c)(i): full ratchet"),
    (12.31, "ISSUE", 10_000_000, 1_000_000, 13.00, False, F("12.31"), "price above: unchanged"),
    (12.31, "ISSUE", 10_000_000, 1_000_000, 12.31, True, F("12.31"), "equal is not 'less than'"),
    (12.31, "ISSUE", 10_000_000, 0, 10.00, True, F("12.31"), "no shares: (FD × CP) / FD"),
    (12.31, "SPLIT", 10_000_000, 10_000_000, None, False, F("6.155"), "6(b): 12.31 × 10M / 20M"),
    (
        12.31,
        "DIVIDEND",
        10_000_000,
        1_000_000,
        None,
        False,
        F("12.31") * 10 / 11,
        "6(b)(i) 10% stock dividend: 12.31 × 10/11 = 11.1909…",
    ),
    (
        12.31,
        "COMBINATION",
        10_000_000,
        -5_000_000,
        None,
        False,
        F("24.62"),
        "6(b)(iii) 1-for-2: 12.31 × 10M / 5M",
    ),
    (
        12.31,
        "WARRANT",
        10_000_000,
        500_000,
        10.00,
        True,
        F("12.2"),
        "6(d): $1 per warrant + $9 exercise = $10; (123,100,000 + 5,000,000) / 10,500,000",
    ),
    (12.31, "CONVERTIBLE", 10_000_000, 500_000, 8.50, False, F("8.5"), "6(e) before QPO: ratchet"),
    (12.31, "PERMITTED", 10_000_000, 2_460_000, 0.01, False, F("12.31"), "6(a): no adjustment"),
    (
        12.31,
        "ISSUE",
        10_000_000,
        1_000,
        0.01,
        False,
        F("0.02"),
        "6(i): ratchet to $0.01 is below par $.02 → $.02",
    ),
    (
        12.31,
        "ISSUE",
        1_000,
        1_000_000,
        0,
        True,
        F("0.02"),
        "6(i): 12,310 / 1,001,000 = 0.0123 → par $.02; zero consideration allowed ('if any')",
    ),
    (0.03, "SPLIT", 1_000, 99_000, None, False, F("0.02"), "6(i): 0.03 × 1/100 → par"),
    (12.31, " issue ", 10_000_000, 1_000_000, 10.00, True, F("12.10"), "case and spaces ignored"),
]


@pytest.mark.parametrize(("cp", "event", "fd", "shares", "price", "qpo", "expected", "why"), CASES)
def test_hand_worked(cp, event, fd, shares, price, qpo, expected, why) -> None:
    assert adjusted_conversion_price(cp, event, fd, shares, price, qpo) == expected, why


def test_worked_example_of_the_issue() -> None:
    assert adjusted_conversion_price(12.31, "ISSUE", 10_000_000, 1_000_000, 10.00, True) == F(
        "12.10"
    )


def test_custom_par_value() -> None:
    # par 0 removes the floor: ratchet all the way to $0.01
    assert adjusted_conversion_price(12.31, "ISSUE", 10, 1, 0.01, False, 0) == F("0.01")


def test_columns_of_events_in_one_call() -> None:
    got = adjusted_conversion_price(
        12.31,
        [[c[1]] for c in CASES],
        [[c[2]] for c in CASES[:-1]] + [[CASES[-1][2]]],
        [[c[3]] for c in CASES],
        [[c[4]] for c in CASES],
        [[c[5]] for c in CASES],
    )
    # conversion price is 12.31 everywhere in this call, so the 0.03 SPLIT row differs
    expected = [float(c[6]) for c in CASES]
    expected[13] = 12.31 * 1_000 / 100_000  # 0.1231: above par, no floor
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-15)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((12.31, "MERGER", 10, 1, 1), "event_type must be one of SPLIT, DIVIDEND, COMBINATION"),
        ((12.31, "", 10, 1, 1), "event_type must be one of"),
        ((12.31, "ISSUE", 10, 1), "price is required for ISSUE"),
        ((12.31, "ISSUE", 10, 1, -1), "price must be >= 0 (got -1)"),
        ((12.31, "ISSUE", 10, -1, 1), "shares must be >= 0 for ISSUE (got -1)"),
        ((12.31, "COMBINATION", 10, -10, None), "fd_before + shares must be > 0 (got 0)"),
        ((12.31, "SPLIT", 10, -1, None), "shares must be >= 0 for SPLIT"),
        ((12.31, "COMBINATION", 10, 5, None), "shares must be <= 0 for COMBINATION"),
        ((0, "SPLIT", 10, 10, None), "conversion_price must be > 0 (got 0)"),
        ((12.31, "SPLIT", 0, 10, None), "fd_before must be > 0 (got 0)"),
        ((12.31, "SPLIT", "10", 10, None), "fd_before must be a number (got text '10')"),
        (
            (12.31, [["ISSUE"], ["ISSUE"]], 10, 1, [[1], [None]]),
            "price is required for ISSUE, WARRANT and CONVERTIBLE (in row 2)",
        ),
        ((12.31, [["SPLIT"], ["BOGUS"]], 10, 1, None), "(got 'BOGUS' in row 2)"),
    ],
)
def test_bad_input(args, message) -> None:
    with pytest.raises(TermsError) as err:
        adjusted_conversion_price(*args)
    assert message in str(err.value)


prices = st.decimals("0.01", "100", places=4).map(F)
counts = st.integers(1, 10**9)


@given(prices, counts, st.integers(0, 10**9), prices, st.booleans())
def test_an_issue_never_raises_the_price(cp, fd, shares, price, qpo) -> None:
    assert adjusted_conversion_price(cp, "ISSUE", fd, shares, price, qpo) <= cp


@given(prices, counts, st.integers(1, 10**9), prices)
def test_ratchet_le_weighted_average_le_old_price(cp, fd, shares, price) -> None:
    assume(price < cp)
    ratchet = adjusted_conversion_price(cp, "ISSUE", fd, shares, price, False)
    weighted = adjusted_conversion_price(cp, "ISSUE", fd, shares, price, True)
    assert ratchet <= weighted <= cp


@given(
    prices,
    counts,
    st.integers(0, 10**9),
    prices,
    st.booleans(),
    st.sampled_from(["ISSUE", "WARRANT", "SPLIT", "DIVIDEND", "PERMITTED"]),
)
def test_array_form_matches_exact_form(cp, fd, shares, price, qpo, event) -> None:
    exact = adjusted_conversion_price(float(cp), event, fd, shares, float(price), qpo)
    arr = adjusted_conversion_price([[float(cp)]], [[event]], fd, shares, [[float(price)]], qpo)
    assert float(arr[0, 0]) == pytest.approx(float(exact), rel=1e-12)
