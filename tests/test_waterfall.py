"""Liquidation waterfall -- Sections 3(a), 5(a); expected values worked by hand in comments."""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_addin.terms import TermsError, waterfall
from xl_addin.terms.parse import parse_date
from xl_addin.terms.waterfall import (
    OptionGrant,
    SeriesAClass,
    Waterfall,
    waterfall_from_ranges,
)

DAY = parse_date(dt.date(2000, 6, 26), "d")  # issue = payment: no 3(a)(y) accrual
YEAR_LATER = parse_date(dt.date(2001, 6, 26), "d")  # 365 days, basis 3 → YEARFRAC 1

# Class I: 1,000,000 sh, SV 12.31, CP 10.00 → converts into 12,310,000/10 = 1,231,000 common;
#          preference 12,310,000 (threshold value per common share 12,310,000/1,231,000 = 10).
CLASS_I = SeriesAClass(F(1_000_000), F("12.31"), DAY, F(10), name="Class I")
# Class II: 500,000 sh, SV 20, CP 20 → 500,000 common; preference 10,000,000 (threshold 20).
CLASS_II = SeriesAClass(F(500_000), F(20), DAY, F(20), name="Class II")
COMMON = F(8_269_000)  # with both converted: 8,269,000 + 1,231,000 + 500,000 = 10,000,000


def two_classes() -> Waterfall:
    return Waterfall([CLASS_I, CLASS_II], COMMON, DAY)


def test_preferences_and_conversion_shares() -> None:
    w = two_classes()
    assert w.preferences == (F(12_310_000), F(10_000_000))
    assert w.conversion_shares == (F(1_231_000), F(500_000))


def test_preference_accrues_to_payment_date() -> None:
    # 3(a)(y): one year at 10% → 1,000,000 × 12.31 × 1.10 = 13,541,000
    w = Waterfall([CLASS_I], COMMON, YEAR_LATER)
    assert w.preferences == (F(13_541_000),)


def test_below_total_preference_ratable_by_shares() -> None:
    # Total preference 22,310,000 > 15,000,000: Series A alone → by NUMBER OF SHARES
    # (1,000,000 : 500,000), not by amounts: Class I 15M × 2/3 = 10,000,000; II 5,000,000.
    # Converting pays less: Class I would get 1,231,000 × (15M − 10M)/9,500,000 = 647,894.74.
    d = two_classes().distribution(F(15_000_000))
    assert d.series_a == (F(10_000_000), F(5_000_000))
    assert d.common == 0 and d.converts == (False, False)
    assert not d.preferences_paid_in_full


def test_shares_rule_taken_literally_just_below_total_preference() -> None:
    # Documented ambiguity: at 22,000,000 (< 22,310,000) Class I gets 22M × 2/3 =
    # 14,666,666.67, more than its own preference 12,310,000; Class II gets 7,333,333.33.
    d = two_classes().distribution(F(22_000_000))
    assert d.series_a == (F(44_000_000, 3), F(22_000_000, 3))


def test_parity_security_ratable_by_amounts() -> None:
    # Class I preference 12,310,000 + parity 7,690,000 = 20,000,000 > 10,000,000 →
    # by full preferential amounts: Class I 10M × 12.31/20 = 6,155,000; parity 3,845,000.
    w = Waterfall([CLASS_I], COMMON, DAY, parity=[F(7_690_000)])
    d = w.distribution(F(10_000_000))
    assert d.series_a == (F(6_155_000),)
    assert d.parity == (F(3_845_000),)
    assert d.common == 0


def test_only_one_class_converts() -> None:
    # 150,000,000: Class I converts, Class II keeps its preference:
    # common value per share p = (150M − 10M) / (8,269,000 + 1,231,000) = 140/9.5 = 280/19
    # Class I 1,231,000 × 280/19 = 344,680,000/19 = 18,141,052.63 (> 12,310,000 preference)
    # Class II 10,000,000 (converting: 500,000 × 150M/10M = 7,500,000, less)
    # Common 8,269,000 × 280/19 = 2,315,320,000/19 = 121,858,947.37; total 150,000,000
    d = two_classes().distribution(F(150_000_000))
    assert d.converts == (True, False)
    assert d.series_a == (F(344_680_000, 19), F(10_000_000))
    assert d.common == F(2_315_320_000, 19)
    assert d.common_per_share == F(280, 19)
    assert d.total() == 150_000_000


def test_breakpoints_two_classes() -> None:
    # preferences covered at 12,310,000 + 10,000,000 = 22,310,000;
    # Class I converts when (P − 22,310,000)/8,269,000 = 10 → P = 105,000,000;
    # Class II when (P − 10,000,000)/9,500,000 = 20 → P = 200,000,000 (both convert above).
    bps = two_classes().breakpoints()
    assert [b.proceeds for b in bps] == [F(22_310_000), F(105_000_000), F(200_000_000)]
    # 3(a) literally: just below 22,310,000 the shortfall is shared by number of shares,
    # 1,000,000 : 500,000, so as P → 22,310,000 from below Class I → 22,310,000 × 2/3 =
    # 14,873,333.33 and Class II → 7,436,666.67; at 22,310,000 each gets its preference
    # (12,310,000; 10,000,000): Class I −2,563,333.33, Class II +2,563,333.33.
    assert bps[0].description == (
        "preferences paid in full; payouts jump: Class I -$2,563,333.33, Class II +$2,563,333.33"
    )
    # one cent below: Class I 22,309,999.99 × 2/3 = 14,873,333.326..., at it 12,310,000
    w = two_classes()
    below, at = w.distribution(F(2_230_999_999, 100)), w.distribution(F(22_310_000))
    assert below.series_a[0] == F(2_230_999_999, 150) and at.series_a[0] == 12_310_000
    assert below.series_a[0] - at.series_a[0] > F("2563333.32")
    assert bps[1].description == "Class I converts"
    assert bps[2].description == "Class II converts"


def test_exact_breakpoint_where_both_convert() -> None:
    # At 200,000,000 Class II is indifferent: keep 10,000,000, or convert at
    # p = 200M/10M = 20 → 500,000 × 20 = 10,000,000. Rule: fewest conversions → it keeps.
    w = two_classes()
    d = w.distribution(F(200_000_000))
    assert d.converts == (True, False)
    assert d.series_a == (F(24_620_000), F(10_000_000))  # Class I 1,231,000 × 20
    assert w.switch_payout(F(200_000_000), 1) == F(10_000_000)
    # one dollar above, both convert: p = 200,000,001/10,000,000
    d2 = w.distribution(F(200_000_001))
    assert d2.converts == (True, True)
    assert d2.series_a[1] == F(500_000) * F(200_000_001, 10_000_000)


def test_options_in_the_money_exercised() -> None:
    # Class I (CP 12.31 → 1,000,000 common, pref 12,310,000), 9,000,000 common,
    # options 1,000,000 @ 5.00. At 100,000,000: without exercise p = 87.69M/9M = 9.74 > 5 →
    # exercised: p = (100M + 5M − 12.31M)/10M = 9.269; Class I converting would get
    # 1M × 105M/11M = 9.55M < 12.31M. Common 83,421,000; options net 1M × 4.269 = 4,269,000.
    a = SeriesAClass(F(1_000_000), F("12.31"), DAY, F("12.31"))
    w = Waterfall([a], F(9_000_000), DAY, options=[OptionGrant(F(1_000_000), F(5))])
    d = w.distribution(F(100_000_000))
    assert d.exercised == (True,)
    assert d.common == F(83_421_000) and d.options == (F(4_269_000),)
    assert d.series_a == (F(12_310_000),)
    # breakpoints: 12,310,000 covered; option at the money (P − 12.31M)/9M = 5 → 57,310,000;
    # conversion (P + 5M)/11M = 12.31 → 130,410,000.
    assert [b.proceeds for b in w.breakpoints()] == [
        F(12_310_000),
        F(57_310_000),
        F(130_410_000),
    ]
    # out of the money at 50,000,000: p = 37.69M/9M = 4.19 < 5 → ignored
    assert w.distribution(F(50_000_000)).exercised == (False,)


def test_table_matches_exact_rows_and_columns() -> None:
    w = two_classes()
    exits = [0, 15_000_000, 22_310_000, 105_000_000, 150_000_000, 200_000_000, 250_000_000]
    table = w.table(np.array(exits, dtype=float))
    assert table.shape == (7, len(w.columns()))
    for row, p in zip(table, exits, strict=True):
        assert row == pytest.approx([float(v) for v in w.row(F(p))], rel=1e-12, abs=1e-6)
    # 250,000,000: both convert, p = 25: Class I 30,775,000; II 12,500,000; common 206,725,000
    assert table[-1][:3].tolist() == [30_775_000, 12_500_000, 206_725_000]
    assert w.columns()[:3] == ["Class I payout", "Class II payout", "Common payout"]


def test_from_ranges_and_bad_input_names_argument() -> None:
    w = waterfall_from_ranges([[1_000_000, 12.31, DAY, 10], [500_000, 20, DAY, 20]], 8_269_000, DAY)
    assert w.distribution(F(150_000_000)).converts == (True, False)
    with pytest.raises(TermsError, match=r"shares must be >= 0 \(got -5 in series_a row 2\)"):
        waterfall_from_ranges([[1, 12.31, DAY, 10], [-5, 20, DAY, 20]], 100, DAY)
    with pytest.raises(TermsError, match="series_a must have 4 or 5 columns"):
        waterfall_from_ranges([[1, 12.31, DAY]], 100, DAY)
    with pytest.raises(TermsError, match=r"common_shares must be > 0 \(got 0\)"):
        waterfall_from_ranges([[1, 12.31, DAY, 10]], 0, DAY)
    with pytest.raises(TermsError, match=r"exercise_price must be >= 0 .* in options row 1"):
        waterfall_from_ranges([[1, 12.31, DAY, 10]], 100, DAY, options=[[10, -1]])
    with pytest.raises(TermsError, match=r"proceeds must be >= 0 \(got -1\)"):
        two_classes().distribution(F(-1))
    with pytest.raises(TermsError, match="proceeds must be a number >= 0"):
        two_classes().table([1.0, -2.0])


def test_no_stable_choice_no_row_converts_in_any_row_order() -> None:
    # Class 1: 1 share, SV 1, CP 0.5 → 2 common, preference 1. Class 2: 1,000 shares, SV 10,
    # CP 5 → 2,000 common, preference 10,000. Common 1 share. Proceeds 9,000 (< 10,001).
    #   none:  by shares: class 1 9,000/1,001 = 8.99, class 2 9,000,000/1,001 = 8,991.01
    #   {2}:   p = (9,000 − 1)/2,001; class 2 17,998,000/2,001 = 8,994.50 > 8,991.01; class 1 1
    #   {1,2}: p = 9,000/2,003; class 1 18,000/2,003 = 8.99 > 1; class 2 8,986.52
    #   {1}:   10,000 > 9,000 shortfall: class 2 takes all 9,000 > 8,986.52; class 1 gets 0
    # Every choice has a class that gains by switching (a cycle). Deciding in list order gave
    # {2} (class 1 $1.00) and, rows reversed, {1,2} (class 1 $8.99, class 2 $8,986.52). Rule:
    # no row converts → class 1 9,000/1,001, class 2 9,000,000/1,001, common 0, in any order.
    a1 = SeriesAClass(F(1), F(1), DAY, F(1, 2))
    a2 = SeriesAClass(F(1000), F(10), DAY, F(5))
    w = Waterfall([a1, a2], F(1), DAY)
    d = w.distribution(F(9000))
    assert not w.is_stable(F(9000))
    assert d.converts == (False, False)
    assert d.series_a == (F(9000, 1001), F(9_000_000, 1001))
    assert d.common == 0
    assert w.choice_note(F(9000)) == waterfall.NONE_STABLE
    r = Waterfall([a2, a1], F(1), DAY).distribution(F(9000))
    assert r.series_a == (F(9_000_000, 1001), F(9000, 1001)) and r.converts == (False, False)
    # Where the cycle starts: "none" is stable while class 2 gains nothing by converting,
    # 2,000 (P − 1)/2,001 <= 1,000 P/1,001 ⇔ 1,000 P <= 2,002,000 ⇔ P <= 2,002 (below it the
    # other three choices are unstable as above). WFBREAKS marks it.
    first = w.breakpoints()[0]
    assert first.proceeds == 2002
    assert first.description == "from here " + waterfall.NONE_STABLE
    assert w.choice_note(F(2002)) == ""


# R1: 100 sh, SV 1, CP 5 → 20 common, preference 100 (100/20 = $5 per common share);
# R2: 1 sh, SV 5, CP 1 → 5 common, preference 5 ($1); R3: 2 sh, SV 5, CP 2 → 5 common,
# preference 10 ($2). Common 10. Total preference 115.
R1 = SeriesAClass(F(100), F(1), DAY, F(5), name="R1")
R2 = SeriesAClass(F(1), F(5), DAY, F(1), name="R2")
R3 = SeriesAClass(F(2), F(5), DAY, F(2), name="R3")


def test_several_stable_choices_deepest_in_the_money_converts_in_any_row_order() -> None:
    # P = 114 (< 115):
    #   none:    shortfall by shares (103): R1 11,400/103, R2 114/103 = 1.107, R3 228/103
    #   {R2}:    T = 110, 15 common sh, p = 4/15: R2 5 × 4/15 = 4/3; R1 100, R3 10, common 8/3
    #   {R3}:    T = 105, p = 9/15 = 3/5: R3 3; R1 100, R2 5, common 6
    #   {R2,R3}: T = 100, p = 14/20: R2 3.5, R3 3.5
    #   {R1}: p = 99/30, R1 66; {R1,R2}: p = 104/35, R1 59.43; {R1,R3}: R1 62.29; all: R1 57
    # Stable: {R2} (R2 4/3 > 1.107 keeping; R3 10 > 3.5; R1 100 > 59.43) and {R3} (R3 3 >
    # 228/103 = 2.21; R2 5 > 3.5; R1 100 > 62.29); none (R2 gains 4/3) and the rest unstable.
    # They pay differently. Both convert one row; R2 is deeper in the money ($1 < $2 of
    # preference per common share): {R2} → R1 100, R2 4/3, R3 10, common 8/3 (total 114).
    # The old rule (earlier rows keep) chose {R3} in this order and {R2} with rows reversed.
    w = Waterfall([R1, R2, R3], F(10), DAY)
    d = w.distribution(F(114))
    assert d.converts == (False, True, False)
    assert d.series_a == (F(100), F(4, 3), F(10)) and d.common == F(8, 3)
    assert w.choice_note(F(114)) == waterfall.SEVERAL_STABLE
    r = Waterfall([R3, R2, R1], F(10), DAY).distribution(F(114))
    assert r.series_a == (F(10), F(4, 3), F(100)) and r.converts == (False, True, False)
    # {R2} becomes stable when R2 keeping pays no more: P/103 = (P − 110)/3 ⇔ P = 113.3;
    # at 115 nothing converts (R2 5 > 5/3, R3 10 > 10/3): a single stable choice again, and
    # R2 jumps from 5 × (115 − 110)/15 = 5/3 to 5 (+3.33), common from 10/3 to 0.
    notes = {b.proceeds: b.description for b in w.breakpoints()}
    assert notes[F(1133, 10)].endswith("from here " + waterfall.SEVERAL_STABLE)
    assert notes[F(115)] == (
        "R2 stops converting; payouts jump: R2 +$3.33, Common -$3.33; "
        "from here a single stable choice"
    )


def test_shortfall_by_amounts_alternative_has_no_jump() -> None:
    # shortfall="AMOUNTS": 15,000,000 shared 12,310,000 : 10,000,000 → Class I
    # 15,000,000 × 1,231/2,231 = 8,276,557.60, Class II 15,000,000 × 1,000/2,231 = 6,723,442.40;
    # at 22,310,000 − 0.01 each is within a cent of its preference: no jump at 22,310,000.
    w = Waterfall([CLASS_I, CLASS_II], COMMON, DAY, shortfall="AMOUNTS")
    assert w.distribution(F(15_000_000)).series_a == (
        F(15_000_000 * 1231, 2231),
        F(15_000_000 * 1000, 2231),
    )
    bps = w.breakpoints()
    assert [b.proceeds for b in bps] == [F(22_310_000), F(105_000_000), F(200_000_000)]
    assert bps[0].description == "preferences paid in full"
    assert (
        waterfall_from_ranges(
            [[1_000_000, 12.31, DAY, 10], [500_000, 20, DAY, 20]],
            8_269_000,
            DAY,
            shortfall="amounts",
        )
        .distribution(F(15_000_000))
        .series_a
        == w.distribution(F(15_000_000)).series_a
    )
    with pytest.raises(TermsError, match=r"shortfall must be one of SHARES, AMOUNTS \(got 'x'\)"):
        waterfall_from_ranges([[1, 12.31, DAY, 10]], 100, DAY, shortfall="x")


# ------------------------------------------------------------------------ properties
@st.composite
def capitalizations(draw: st.DrawFn) -> Waterfall:
    n = draw(st.integers(1, 2))
    classes = [
        SeriesAClass(
            F(draw(st.integers(0, 2_000_000))),
            F(draw(st.integers(100, 5_000)), 100),
            DAY - draw(st.integers(0, 2_000)),
            F(draw(st.integers(50, 5_000)), 100),
            F(draw(st.integers(0, 200)), 100),
        )
        for _ in range(n)
    ]
    parity = [F(draw(st.integers(0, 20_000_000)))] if draw(st.booleans()) else []
    options = [
        OptionGrant(F(draw(st.integers(0, 2_000_000))), F(draw(st.integers(0, 5_000)), 100))
        for _ in range(draw(st.integers(0, 2)))
    ]
    return Waterfall(classes, F(draw(st.integers(1, 20_000_000))), DAY, parity, options)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(capitalizations(), st.fractions(min_value=0, max_value=500_000_000))
def test_payouts_add_up_and_choices_are_stable(w: Waterfall, proceeds: F) -> None:
    d = w.distribution(proceeds)
    assert d.total() == proceeds
    if w.is_stable(proceeds):  # the sequential fallback applies only where nothing is stable
        for i, pay in enumerate(d.series_a):
            assert pay >= w.switch_payout(proceeds, i)
    for k, o in enumerate(w.options):  # exercised exactly when in the money
        assert d.exercised[k] == (o.exercise_price < d.common_per_share)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(capitalizations(), st.lists(st.integers(0, 500_000_000), min_size=1, max_size=5))
def test_piecewise_table_agrees_with_exact(w: Waterfall, exits: list[int]) -> None:
    table = w.table(np.array(exits, dtype=float))
    for row, p in zip(table, exits, strict=True):
        exact_row = [float(v) for v in w.row(F(p))]
        assert row == pytest.approx(exact_row, rel=1e-9, abs=1e-4)
        assert sum(row[: len(w.classes) + len(w.parity) + 1 + len(w.options)]) == pytest.approx(
            p, abs=0.005
        )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    capitalizations(),
    st.lists(st.fractions(min_value=0, max_value=500_000_000), min_size=1, max_size=8),
)
def test_lookup_by_segments_equals_solving_each_exit(w: Waterfall, exits: list[F]) -> None:
    # Once the breakpoints are known, an exit is looked up in its segment instead of solved;
    # the result must be the same Fractions as solving it, at random exits, at every
    # breakpoint and a hair either side of it.
    points = list(exits)
    for b in w.breakpoints():
        points += [b.proceeds, b.proceeds - F(1, 10**6), b.proceeds + F(1, 10**6)]
    for p in (q for q in points if q >= 0):
        assert w.distribution(p) == w._distribution(p, w._state(p)), p


def test_single_exits_switch_to_the_lookup_after_a_few() -> None:
    options = [OptionGrant(F(2_460_000), F(5))]
    w = Waterfall([CLASS_I, CLASS_II], F(14_000_000), DAY, options=options)
    exits = [F(k * 3_000_000) for k in range(waterfall._SOLVE_FIRST + 10)]
    got = [w.distribution(p) for p in exits]
    assert w._segments is not None  # computed after _SOLVE_FIRST single exits
    fresh = Waterfall([CLASS_I, CLASS_II], F(14_000_000), DAY, options=options)
    assert got == [fresh._distribution(p, fresh._state(p)) for p in exits]


@st.composite
def permuted_capitalizations(draw: st.DrawFn) -> tuple[Waterfall, Waterfall, list[int], list[int]]:
    """A capitalization (1-3 Series A rows, sometimes two identical; 0-2 parity rows) and the
    same one with the rows of series_a and of parity permuted."""
    classes: list[SeriesAClass] = []
    for _ in range(draw(st.integers(1, 3))):
        if classes and draw(st.integers(0, 4)) == 0:
            classes.append(classes[-1])  # identical rows: lots of one security
            continue
        # small round terms make ties, cycles and several stable choices likely
        classes.append(
            SeriesAClass(
                F(draw(st.sampled_from([0, 1, 2, 10, 100, 1_000]))),
                F(draw(st.sampled_from([1, 2, 5, 10]))),
                DAY - draw(st.sampled_from([0, 365])),
                F(draw(st.sampled_from([1, 2, 5, 10]))),
                F(draw(st.sampled_from([0, 1]))),
            )
        )
    parity = [F(draw(st.sampled_from([0, 1, 10, 1_000]))) for _ in range(draw(st.integers(0, 2)))]
    options = [
        OptionGrant(F(draw(st.sampled_from([1, 10, 100]))), F(draw(st.sampled_from([1, 2, 5]))))
        for _ in range(draw(st.integers(0, 1)))
    ]
    common = F(draw(st.sampled_from([1, 10, 100])))
    pa = draw(st.permutations(range(len(classes))))
    pq = draw(st.permutations(range(len(parity))))
    w = Waterfall(classes, common, DAY, parity, options)
    v = Waterfall([classes[k] for k in pa], common, DAY, [parity[k] for k in pq], options)
    return w, v, pa, pq


@settings(max_examples=150, deadline=None, derandomize=True)
@given(permuted_capitalizations(), st.lists(st.integers(0, 10_000), min_size=1, max_size=4))
def test_permuting_rows_permutes_payouts_and_nothing_else(
    caps: tuple[Waterfall, Waterfall, list[int], list[int]], exits: list[int]
) -> None:
    w, v, pa, pq = caps
    # every breakpoint, and a point inside every stretch between two (each state is visited)
    bps = [b.proceeds for b in w.breakpoints()]
    points = (
        [F(p) for p in exits] + bps + [(a + b) / 2 for a, b in itertools.pairwise([F(0), *bps])]
    )
    points.append(bps[-1] + 1 if bps else F(1))
    for p in points:
        d, e = w.distribution(p), v.distribution(p)
        assert e.series_a == tuple(d.series_a[k] for k in pa)
        assert e.converts == tuple(d.converts[k] for k in pa)
        assert e.series_a_per_share == tuple(d.series_a_per_share[k] for k in pa)
        assert e.parity == tuple(d.parity[k] for k in pq)
        assert (e.common, e.options, e.exercised) == (d.common, d.options, d.exercised)
        assert e.preferences_paid_in_full == d.preferences_paid_in_full
        assert v.choice_note(p) == w.choice_note(p)
    assert [b.proceeds for b in v.breakpoints()] == [b.proceeds for b in w.breakpoints()]
