"""PRORATA -- Section 9(a) Preemptive Right, hand-worked."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_addin.terms import TermsError, allocate, pro_rata_allocation


def col(*xs):
    return [[x] for x in xs]


def test_pro_rata_shares() -> None:
    # 100 × 600/2000 = 30; 100 × 400/2000 = 20
    assert pro_rata_allocation(col(600, 400), 2000, 100).ravel().tolist() == [30, 20]


def test_holders_need_not_own_all_of_fully_diluted() -> None:
    # 50 × 100/1000 = 5 each; the rest of the offer is not theirs to take
    assert pro_rata_allocation(col(100, 100), 1000, 50).ravel().tolist() == [5, 5]


def test_single_holder_gives_a_single_number() -> None:
    assert pro_rata_allocation(250, 1000, 40) == 10  # 40 × 250/1000


# holdings, total FD, offered, requested, expected, arithmetic
ALLOCATIONS = [
    (
        [600, 400],
        2000,
        100,
        [10, 50],
        [F(10), F(40)],
        "shares 30/20; holder 1 takes 10, leaves 20; holder 2 elected all and wants 30 more → 20",
    ),
    (
        [600, 400, 500],
        2000,
        100,
        [10, 50, 100],
        [F(10), F(20) + F(80, 9), F(25) + F(100, 9)],
        "shares 30/20/25; pool 20 split 400:500 → 8.89 and 11.11 (neither capped)",
    ),
    (
        [600, 400, 500],
        2000,
        100,
        [10, 22, 100],
        [F(10), F(22), F(43)],
        "pool 20; holder 2 capped at 2 more; holder 3 takes the other 18 → 25 + 18",
    ),
    (
        [600, 400],
        2000,
        100,
        [10, 15],
        [F(10), F(15)],
        "nobody elected the whole share: 25 stays unpurchased",
    ),
    (
        [600, 400],
        2000,
        100,
        [100, 100],
        [F(30), F(20)],
        "everybody elected all; nothing unpurchased",
    ),
    (
        [600, 400, 0],
        2000,
        100,
        [0, 100, 100],
        [F(0), F(50), F(0)],
        "holder 3 holds nothing: pro rata 0, weight 0 → gets nothing; holder 2 takes all 30",
    ),
]


@pytest.mark.parametrize(("holdings", "fd", "offered", "requested", "expected", "why"), ALLOCATIONS)
def test_over_allotment(holdings, fd, offered, requested, expected, why) -> None:
    got = pro_rata_allocation(col(*holdings), fd, offered, col(*requested))
    assert got.ravel().tolist() == pytest.approx([float(x) for x in expected], rel=1e-15), why
    exact = allocate([F(h) for h in holdings], F(fd), F(offered), [F(r) for r in requested])
    assert exact == expected, why


def test_whole_units_largest_remainder() -> None:
    # 10 × 1/3 = 3.33 each: floors 3,3,3; floor(10) − 9 = 1 unit → largest remainder, first row
    assert pro_rata_allocation(col(1, 1, 1), 3, 10, whole=True).ravel().tolist() == [4, 3, 3]


def test_whole_units_never_exceed_a_request() -> None:
    # shares 2.5 each, requests 2.5: floors 2,2; the spare unit would breach both requests
    got = pro_rata_allocation(col(1, 1), 2, 5, col(2.5, 2.5), whole=True)
    assert got.ravel().tolist() == [2, 2]


def test_whole_units_with_over_allotment() -> None:
    # exact: 10, 28.888…, 36.111… → floors 10, 28, 36 = 74; floor(75) − 74 = 1 unit, to the
    # largest remainder: row 2 (.888 > .111) → 10, 29, 36
    got = pro_rata_allocation(col(600, 400, 500), 2000, 100, col(10, 50, 100), whole=True)
    assert got.ravel().tolist() == [10, 29, 36]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((col(600, 400), 900, 100), {}, "holdings add up to more than total_fd"),
        ((col(600, -1), 2000, 100), {}, "holdings must be >= 0 (got -1 in row 2)"),
        ((col(600, 400), 0, 100), {}, "total_fd must be > 0 (got 0)"),
        ((col(600, 400), 2000, -1), {}, "offered must be >= 0 (got -1)"),
        (
            (col(600, 400), 2000, 100),
            {"requested": col(1, 2, 3)},
            "requested must have the shape of holdings (2×1, got 3×1)",
        ),
        (([], 2000, 100), {}, "holdings must not be an empty range"),
        ((col(600, "x"), 2000, 100), {}, "holdings must be a number (got text 'x' in row 2)"),
    ],
)
def test_bad_input(args, kwargs, message) -> None:
    with pytest.raises(TermsError) as err:
        pro_rata_allocation(*args, **kwargs)
    assert message in str(err.value)


holders = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=12)


@given(holders, st.integers(0, 10**6), st.integers(0, 10**6), st.booleans())
def test_allocation_invariants(rows, extra_fd, offered, whole) -> None:
    holdings = [F(h) for h, _ in rows]
    requested = [F(r) for _, r in rows]
    total = sum(holdings) + extra_fd + 1
    got = allocate(holdings, F(total), F(offered), requested, whole)
    shares = [F(offered) * h / total for h in holdings]
    assert all(a <= r for a, r in zip(got, requested, strict=False))  # never beyond a request
    assert sum(got) <= offered  # never beyond the offer
    assert all(a >= 0 for a in got)
    if not whole:
        # conservation: the unpurchased portion is all taken unless electors want less
        base = sum(min(r, s) for r, s in zip(requested, shares, strict=False))
        wants = sum(
            r - s for r, s, h in zip(requested, shares, holdings, strict=False) if r >= s and h > 0
        )
        assert sum(got) == min(sum(shares), base + wants)
    else:
        exact = allocate(holdings, F(total), F(offered), requested, False)
        assert sum(got) <= math.floor(sum(exact))
        assert all(
            math.floor(e) <= g <= math.floor(e) + 1 for g, e in zip(got, exact, strict=False)
        )


@given(holders, st.integers(1, 10**6))
def test_array_form_matches(rows, offered) -> None:
    holdings = [h for h, _ in rows]
    total = sum(holdings) + 1
    got = pro_rata_allocation(col(*holdings), total, offered)
    assert isinstance(got, np.ndarray)
    assert got.ravel().tolist() == pytest.approx([offered * h / total for h in holdings])


@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=32, max_size=60),
    st.integers(0, 10**6),
    st.integers(0, 10**7),
    st.booleans(),
)
def test_integer_path_equals_the_fraction_path(rows, extra_fd, offered, whole) -> None:
    """Ranges of whole numbers take the vectorised integer path: same answers as allocate()."""
    holdings = [h for h, _ in rows]
    requested = [r for _, r in rows]
    total = sum(holdings) + extra_fd + 1
    got = pro_rata_allocation(col(*holdings), total, offered, col(*requested), whole)
    exact = allocate(
        [F(h) for h in holdings], F(total), F(offered), [F(r) for r in requested], whole
    )
    assert got.ravel().tolist() == [float(x) for x in exact]
    plain = pro_rata_allocation(col(*holdings), total, offered, whole=whole)
    exact_plain = allocate([F(h) for h in holdings], F(total), F(offered), None, whole)
    assert plain.ravel().tolist() == [float(x) for x in exact_plain]


def test_integer_path_water_level_with_caps() -> None:
    # holdings 600/400/500 of 2,000, 100 offered, requests 10/22/100 (hand-worked above):
    # holder 2 capped at 22, holder 3 takes the rest → 10, 22, 43; whole units change nothing.
    # 40 holders of 0 added (pro rata 0, asking nothing) take the vectorised path.
    zeros = [0] * 40
    got = pro_rata_allocation(
        col(600, 400, 500, *zeros), 2000, 100, col(10, 22, 100, *zeros), whole=True
    )
    assert got.ravel().tolist() == [10, 22, 43, *zeros]


def test_ten_thousand_holders_in_one_call() -> None:
    # 10,000 holders of 100 each of 1,000,000 fully diluted, 10,000 offered: 1 unit each
    # (10,000 × 100 / 1,000,000); everybody asks 2, only even rows ask 0 → the odd rows elected
    # their whole share and split the 5,000 units the even rows left: 1 + 1 = 2 each
    n = 10_000
    got = pro_rata_allocation(
        [[100]] * n, 1_000_000, n, [[0] if i % 2 == 0 else [2] for i in range(n)]
    )
    assert got.ravel().tolist() == [0.0 if i % 2 == 0 else 2.0 for i in range(n)]
