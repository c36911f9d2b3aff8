"""WATERFALL's column form gives exactly the single-cell numbers (issue 15 item 4).

:meth:`Waterfall.table` evaluates a column of exits with double-double arithmetic and a
proven rounding test (xl_addin/terms/_exactfloat.py); every cell must be, bit for bit,
``float`` of the exact Fraction of :meth:`Waterfall.row` at ``exact(exit)`` -- what the
scalar form returns. Python's ``float(Fraction)`` is correctly rounded (ties to even), so it
is the reference for the rounding; the exact rows themselves are checked by hand-worked
values in tests/test_waterfall.py.
"""

from __future__ import annotations

import random
import sys
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_waterfall import DAY, capitalizations

from xl_addin import udfs
from xl_addin.terms import _exactfloat
from xl_addin.terms._exactfloat import affine_coefficients, nearest_affine, short_decimals
from xl_addin.terms.parse import exact
from xl_addin.terms.remedy_waterfall import RemedyWaterfall
from xl_addin.terms.waterfall import OptionGrant, SeriesAClass, Waterfall


def exact_table(w: Waterfall, exits: list[float]) -> np.ndarray:
    return np.array([[float(v) for v in w.row(exact(x))] for x in exits], dtype=np.float64)


def assert_bitwise(got: np.ndarray, want: np.ndarray, exits: list[float]) -> None:
    assert got.shape == want.shape
    differ = np.argwhere(got.view(np.int64) != want.view(np.int64))
    if differ.size:
        i, j = differ[0]
        pytest.fail(
            f"{len(differ)} cells differ; first: exit {exits[i]!r} column {j}: "
            f"{got[i, j]!r} != {want[i, j]!r}"
        )


# ------------------------------------------------------------------ exits
def _cents(c: int) -> float:
    return c / 100


def _millionths(m: int) -> float:
    return m / 1e6


short_exits = st.one_of(
    st.integers(0, 10**11).map(_cents),
    st.integers(0, 10**15 - 1).map(_millionths),
    st.integers(0, 2**53 - 1).map(float),
)
any_exits = st.one_of(
    short_exits,
    st.floats(0, 1e13, allow_nan=False, allow_infinity=False),
    st.floats(0, 1e30, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 0.1 + 0.2, 1 / 3, 2.0**53, 2.0**53 + 2, 1e15, 1e20, 5e-324, 8.0]),
)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    capitalizations(),
    st.lists(any_exits, min_size=1, max_size=12),
    st.lists(st.floats(-1e-9, 1e-9), min_size=1, max_size=4),
    st.lists(st.floats(1e-9, 1e-5), min_size=1, max_size=4),
)
def test_table_is_exactly_the_rows(
    w: Waterfall, exits: list[float], hair: list[float], beyond: list[float]
) -> None:
    # exits at every candidate breakpoint (breakpoints() and the points where a state might
    # change), within 1e-9 relative of it (decided exactly) and just beyond (evaluated in
    # double-double where cancellation is largest: payouts that start at 0 there)
    breaks = {b.proceeds for b in w.breakpoints()}
    points = sorted(w._candidates_found)
    assert breaks <= set(points)
    for p in points:
        x = float(p)
        exits += [x, np.nextafter(x, 0.0), np.nextafter(x, np.inf)]
        exits += [x * (1 + r) for r in hair] + [x * (1 + r) for r in beyond]
        exits += [x * (1 - r) for r in beyond]
    exits = [x for x in exits if x >= 0]
    assert_bitwise(w.table(np.array(exits)), exact_table(w, exits), exits)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(capitalizations(), st.lists(short_exits, min_size=50, max_size=200))
def test_fallback_is_rare_on_short_decimals(w: Waterfall, exits: list[float]) -> None:
    # Cells the rounding test cannot certify are computed exactly, one row at a time: on
    # ordinary exits (not at a breakpoint) that must be rare, or the column is not fast.
    w.breakpoints()
    points = np.array([float(p) for p in w._candidates_found])
    far = [x for x in exits if np.all(np.abs(points - x) > 1e-6 * max(1.0, x))]
    w.table(np.array(far))
    assert w._table_exact_rows == 0


# ------------------------------------------------------------------ the benchmark's column
def test_bench_column_equals_single_cells() -> None:
    # bench/run.py: the capitalization and exits measured for issue 15; before the
    # double-double evaluation 10,160 of 55,000 cells of this column differed in the last bit.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from run import OPTIONS, PARITY, SERIES_A, columns

    cap = (SERIES_A, 14_000_000, 46000, PARITY, OPTIONS)
    exits = columns(3000, seed=9).data["exit"]
    column = np.array(udfs.WATERFALL([[x] for x in exits], *cap), dtype=np.float64)
    cells = np.array([udfs.WATERFALL(x, *cap)[0] for x in exits], dtype=np.float64)
    assert_bitwise(column, cells, exits)


def test_column_of_odd_floats_equals_single_cells() -> None:
    # exits that are not short decimals: read at 15 significant digits by both forms
    cap = ([[1_210_398, 12.31, 36692, 12.31, 0], [820_471, 12.31, 36784, 12.31, 0]], 14e6, 46000)
    exits = [0.1 + 0.2, 1 / 3, 123_456_789.123_456_78, 2.0**53, 9.87654321e17, 1e20, 0.0]
    column = np.array(udfs.WATERFALL([[x] for x in exits], *cap), dtype=np.float64)
    cells = np.array([udfs.WATERFALL(x, *cap)[0] for x in exits], dtype=np.float64)
    assert_bitwise(column, cells, exits)


# ------------------------------------------------------------------ adversarial rounding
def test_short_decimals_read_as_exact_does() -> None:
    xs = [12.31, 0.1 + 0.2, 2.0**52 + 1, 1e10 + 0.25, 999_999_999.999_999, 1e9, 0.0, 1e15]
    m, scale = short_decimals(np.array(xs))
    for x, mi, k in zip(xs, m.tolist(), scale.tolist(), strict=True):
        if k >= 0:
            assert F(int(mi), 10 ** _exactfloat.SCALES[k]) == exact(x), x
    # 0.1 + 0.2 = 0.30000000000000004 is read as 0.3 by exact(): not m / 10**k of the float
    assert scale.tolist() == [0, -1, 1, 2, 0, 1, 0, 1]  # 1e9 × 10**6 = 10**15: too long


def _near_midpoints(rng: random.Random, eta: F, power_of_two: bool) -> list[tuple[F, F, int]]:
    """(A, B, m) with A + B·m within ``eta`` (relative) of a midpoint between two doubles
    (exactly on it for eta = 0), B with a large odd denominator (as a share count gives)."""
    out = []
    for _ in range(40):
        e = rng.randint(10, 45)
        if power_of_two:  # the midpoint below 2**e: its lower neighbour is closer
            mid = F(2) ** e - F(2) ** (e - 54)
        else:
            y = F(rng.randint(2**52, 2**53 - 1), 2**52) * F(2) ** e  # a double
            mid = y + F(2) ** (e - 53)  # half its spacing above
        x = mid * (1 + eta)
        m = rng.randint(1, 2**50)
        num = rng.randint(10**6, 10**9)  # B·m about 0.7 of the value: little cancellation
        b = F(num, int(num * m / (0.7 * float(x))) | 1)
        out.append((x - b * m, b, m))
    return out


@pytest.mark.parametrize("power_of_two", [False, True])
@pytest.mark.parametrize("eta", [F(0), F(1, 10**25), F(1, 10**31), F(1, 10**33), F(1, 10**40)])
@pytest.mark.parametrize("sign", [1, -1])
def test_values_at_and_near_midpoints_round_exactly(eta: F, power_of_two: bool, sign: int) -> None:
    # The exact value sits on (eta = 0) or within 1e-25..1e-40 relative of a midpoint -- far
    # below what 106 bits resolve at 1e-33 and 1e-40. A cell passed by the rounding test
    # must be float(exact) (correctly rounded, ties to even); the others go to the exact path.
    rng = random.Random(f"{eta}{power_of_two}{sign}")
    passed = []
    for a, b, m in _near_midpoints(rng, sign * eta, power_of_two):
        # the cell alone, and among 20 ordinary rows (a block shares one bound per column)
        ms = [m, *(rng.randint(0, m) for _ in range(20))]
        values, ok = nearest_affine(affine_coefficients([(a, b)]), np.array(ms, dtype=float))
        for i, mi in enumerate(ms):
            if ok[i]:
                assert values[i, 0] == float(a + b * mi), (a, b, mi)
        passed.append(bool(ok[0]))
    if eta <= F(1, 10**33):
        assert not any(passed)  # unresolvable: all left to the exact path
    elif eta >= F(1, 10**25):
        assert all(passed)  # resolved by 106 bits: no fallback needed


def test_random_affine_cells_are_exact_and_rarely_fall_back() -> None:
    rng = random.Random(15)
    lines = [
        (F(rng.randint(-(10**12), 10**12), rng.randint(1, 10**9)), F(rng.randint(0, 10**9), d))
        for d in [rng.randint(1, 10**14) for _ in range(30)]
    ]
    lines += [(F(0), F(0)), (F(5_000_000), F(0)), (F(1, 3), F(0))]
    coef = affine_coefficients(lines)
    m = np.array([float(rng.randint(0, 4 * 10**14)) for _ in range(1000)] + [0.0, 2.0**53 - 1])
    values, ok = nearest_affine(coef, m)
    for i, mi in enumerate(m.tolist()):
        if ok[i]:
            for j, (a, b) in enumerate(lines):
                assert values[i, j] == float(a + b * int(mi)), (i, j)
    assert ok.mean() > 0.99
    # 2**-900 is outside the proven range: always the exact path
    assert not nearest_affine(affine_coefficients([(F(2) ** -900, F(1, 3))]), m)[1].any()


def _midpoint_waterfall(tau: F) -> tuple[Waterfall, list[float], list[F]]:
    """A capitalization whose Common payout is exactly a midpoint between two doubles at the
    exits returned, moved by ``c·tau/2**21`` when the parity amount is moved by ``tau``.

    One Series A share (SV $1, CP $1,000,000: converts into 0 shares, never converts;
    preference $1), parity Q = 5,000,000 + tau, common c = 1,048,577, options o = 1,048,575
    at $1 (c + o = 2**21), all exercised at these exits. Full regime: price per share
    (P + o·1 − 1 − Q) / 2**21, Common payout c × price. With P = N/64 (a short decimal) and
    K = N + 64·(o − 1 − 5,000,000) = 64·(P + o − 1 − 5,000,000):
    Common payout = c·K / 2**27 − c·tau/2**21. For c·K odd in [2**53, 2**54) the first term
    is an odd multiple of 2**-27 in [2**26, 2**27), where doubles are 2**-26 apart: a midpoint.
    """
    c, o = 1_048_577, 1_048_575
    a = SeriesAClass(F(1), F(1), DAY, F(1_000_000))
    w = Waterfall([a], F(c), DAY, [F(5_000_000) + tau], [OptionGrant(F(o), F(1))])
    rng = random.Random(str(tau))
    exits: list[float] = []
    mids: list[F] = []
    while len(exits) < 60:
        k = rng.randrange(2**53 // c + 1, 2**54 // c) | 1
        n = k - 64 * (o - 1 - 5_000_000)
        if c * k < 2**54:
            exits.append(n / 64)  # exact: n < 2**53
            mids.append(F(c * k, 2**27))
    return w, exits, mids


@pytest.mark.parametrize("tau", [F(0), F(1, 10**20), F(1, 3 * 10**31), F(-1, 7 * 10**30)])
def test_waterfall_payouts_at_midpoints_round_as_single_cells(tau: F) -> None:
    w, exits, mids = _midpoint_waterfall(tau)
    rows = exact_table(w, exits)
    for x, mid in zip(exits, mids, strict=True):  # the construction holds
        common = w.distribution(exact(x)).common
        assert common == mid - 1_048_577 * tau / 2**21
    assert_bitwise(w.table(np.array(exits)), rows, exits)
    if tau == 0 or abs(tau) < F(1, 10**29):
        assert w._table_exact_rows == len(exits)  # no midpoint passed the rounding test
    else:  # 1e-20: 5e-21 from the midpoint, far more than the 3e-23 bound: no fallback
        assert w._table_exact_rows == 0


def test_cancelling_terms_round_exactly_or_fall_back() -> None:
    # A + B·m0 = tiny: the terms cancel (as an option's payout just past its strike); the
    # sum of the large terms is then no longer larger than the low-order part
    rng = random.Random(7)
    passed = []
    for k in range(60):
        b = F(rng.randint(10**6, 10**9), rng.randint(10**6, 10**14) | 1)
        m0 = rng.randint(1, 2**50)
        a = -b * m0 + F(rng.choice([0, 1, -1]), 10 ** (k % 30))
        ms = [m0, m0 + 1, m0 - 1]
        values, ok = nearest_affine(affine_coefficients([(a, b)]), np.array(ms, dtype=float))
        for i, mi in enumerate(ms):
            if ok[i]:
                assert values[i, 0] == float(a + b * mi), (a, b, mi)
        passed.append(bool(ok[0]))
    assert any(passed) and not all(passed)  # both outcomes occur: 1e-0 resolves, 1e-29 not


def test_remedy_waterfall_column_is_exactly_its_rows() -> None:
    # Section 8(a) changes the lines (preference + as-converted share), not the evaluation
    classes = [
        SeriesAClass(F(1_000_000), F("12.31"), DAY, F(10)),
        SeriesAClass(F(500_000), F(20), DAY - 400, F(20), F("0.35")),
    ]
    options = [OptionGrant(F(2_460_000), F(5)), OptionGrant(F(210_000), F("15.5"))]
    w = RemedyWaterfall(classes, F(8_269_000), DAY, [F(5_000_000)], options)
    rng = random.Random(8)
    exits = [rng.randrange(0, 50_000_000_000) / 100 for _ in range(400)]
    exits += [float(b.proceeds) for b in w.breakpoints()]
    assert_bitwise(w.table(np.array(exits)), exact_table(w, exits), exits)
