"""Section 8(a) inside WATERFALL and WFBREAKS: a Triggering Event continuing at the exit.

Expected values are worked by hand from the text of 8(a) and 3(a) (arithmetic in comments).

Capitalization (as tests/test_exits.py): Class I 1,000,000 shares × $12.31 at Conversion Price
$10 → 12,310,000 / 10 = 1,231,000 Common; Class II 500,000 × $20 at $20 → 500,000 Common;
8,269,000 Common outstanding. Paid on the issue date, so each Liquidation Preference is the
Stated Value: $12,310,000 and $10,000,000, in total $22,310,000.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_addin import udfs
from xl_addin import udfs_exits as udf
from xl_addin.terms import TermsError
from xl_addin.terms.parse import parse_date
from xl_addin.terms.remedies import exit_participation
from xl_addin.terms.remedy_waterfall import RemedyWaterfall, waterfall_with_remedies
from xl_addin.terms.waterfall import OptionGrant, SeriesAClass

D = dt.date
ISSUE = parse_date(D(2000, 6, 26), "d")
CAP = [[1_000_000, 12.31, ISSUE, 10], [500_000, 20, ISSUE, 20]]
COMMON = 8_269_000
HEADER = ["kind", "date", "notice date", "cure date", "note"]
#: 7(b) has no cure period: a Triggering Event from 2000-06-01, never cured.
CONTINUING = [HEADER, ["VOTING", D(2000, 6, 1), None, None, None]]
#: the same, cured (waived) on 2000-06-20: not continuing on the payment date 2000-06-26.
ENDED = [HEADER, ["VOTING", D(2000, 6, 1), None, D(2000, 6, 20), None]]


def waterfall(exits: list[float], log: object = None, parity: object = None,
              options: object = None) -> list[list[float]]:  # fmt: skip
    return udf.WATERFALL(
        [[x] for x in exits], CAP, COMMON, ISSUE, parity, options, None, None, None, None, log
    )


def test_8a_pays_the_preference_and_the_residual_as_converted() -> None:
    # Exit $250,000,000 while a Triggering Event continues: residual after the preferences
    # 250,000,000 − 22,310,000 = 227,690,000 over 8,269,000 + 1,231,000 + 500,000 = 10,000,000
    # shares = $22.769 each. Class I: 12,310,000 + 1,231,000 × 22.769 = 12,310,000 + 28,028,639
    # = 40,338,639 (per share 40.338639); Class II: 10,000,000 + 500,000 × 22.769 = 21,384,500
    # (42.769); Common 8,269,000 × 22.769 = 188,276,861. Total 250,000,000. Neither converts.
    ((a1, a2, common, ps1, ps2, pc, c1, c2),) = waterfall([250e6], CONTINUING)
    assert (a1, a2, common) == (40_338_639, 21_384_500, 188_276_861)
    assert (ps1, ps2, pc) == pytest.approx((40.338639, 42.769, 22.769), rel=1e-15)
    assert (c1, c2) == (0, 0)
    # the ordinary waterfall (no log, or no Triggering Event at the exit): both convert,
    # Class I 1,231,000 × 250,000,000 / 10,000,000 = 30,775,000, Class II 12,500,000
    ordinary = [[30_775_000, 12_500_000, 206_725_000, 30.775, 25, 25, 1, 1]]
    assert waterfall([250e6]) == ordinary
    assert waterfall([250e6], ENDED) == ordinary


def test_8a_below_the_total_preference_adds_nothing() -> None:
    # $15,000,000 < 22,310,000: 3(a) shares it by number of shares, 2:1 → 10,000,000 and
    # 5,000,000; the Common Stock receives nothing, so 8(a) adds nothing. At exactly the total
    # preference the residual is 0: 12,310,000 and 10,000,000.
    got = waterfall([15e6, 22_310_000], CONTINUING)
    assert [r[:3] for r in got] == [[10_000_000, 5_000_000, 0], [12_310_000, 10_000_000, 0]]


def test_waterfall_equals_liqpref_plus_remedyexit() -> None:
    # WATERFALL's Series A payout = LIQPREF + REMEDYEXIT's payment for the residual, Common
    # and options as REMEDYEXIT, at several exits with options (500,000 at $3, 1,000,000 at $1).
    options = [[500_000, 3], [1_000_000, 1]]
    shares, sv, cp = [[1_000_000], [500_000]], [[12.31], [20]], [[10], [20]]
    exits = [22_310_000, 30_000_000, 42_310_000, 60_000_000, 250_000_000]
    rows = waterfall([float(x) for x in exits], CONTINUING, None, options)
    for x, row in zip(exits, rows, strict=True):
        remedy = udfs.REMEDYEXIT(x - 22_310_000, COMMON, shares, sv, cp, 0, options,
                                 CONTINUING, ISSUE)  # fmt: skip
        prefs = [udfs.LIQPREF(n, v, ISSUE, ISSUE) for n, v in ((1_000_000, 12.31), (500_000, 20))]
        assert row[0] == pytest.approx(prefs[0] + remedy[0][2], rel=1e-12, abs=1e-6)
        assert row[1] == pytest.approx(prefs[1] + remedy[1][2], rel=1e-12, abs=1e-6)
        assert row[2] == pytest.approx(remedy[2][2], rel=1e-12, abs=1e-6)  # Common
        assert row[3:5] == pytest.approx([remedy[3][2], remedy[4][2]], rel=1e-12, abs=1e-6)


def test_8a_with_options_exact() -> None:
    # Exit 42,310,000: residual 20,000,000 over 10,000,000 shares = $2 > $1 → the $1 options are
    # exercised: (20,000,000 + 1,000,000) / 11,000,000 = 21/11 per share; $3 > 21/11, not.
    # Class I 12,310,000 + 1,231,000 × 21/11; Class II 10,000,000 + 500,000 × 21/11;
    # Common 8,269,000 × 21/11; $1 options 1,000,000 × (21/11 − 1) = 1,000,000 × 10/11.
    a = SeriesAClass(F(1_000_000), F("12.31"), ISSUE, F(10))
    b = SeriesAClass(F(500_000), F(20), ISSUE, F(20))
    opts = [OptionGrant(F(500_000), F(3)), OptionGrant(F(1_000_000), F(1))]
    w = RemedyWaterfall([a, b], F(COMMON), ISSUE, (), opts)
    d = w.distribution(F(42_310_000))
    assert d.series_a == (12_310_000 + F(1_231_000 * 21, 11), 10_000_000 + F(500_000 * 21, 11))
    assert d.common == F(COMMON * 21, 11)
    assert d.options == (0, F(10_000_000, 11)) and d.exercised == (False, True)
    assert d.converts == (False, False) and d.total() == 42_310_000
    # the same residual through REMEDYEXIT's core
    p = exit_participation(F(20_000_000), F(COMMON), [F(1_231_000), F(500_000)],
                           [(F(500_000), F(3)), (F(1_000_000), F(1))])  # fmt: skip
    assert tuple(x - y for x, y in zip(d.series_a, w.preferences, strict=True)) == p.series_a


def test_parity_is_paid_before_the_residual() -> None:
    # Parity Security $1,000,000: exit 251,000,000 leaves 251,000,000 − 22,310,000 − 1,000,000
    # = 227,690,000, the residual of the first test: the same Series A and Common payouts.
    ((a1, a2, parity, common, *_),) = waterfall([251e6], CONTINUING, [[1_000_000]])
    assert (a1, a2, parity, common) == (40_338_639, 21_384_500, 1_000_000, 188_276_861)


def test_wfbreaks_notes_the_remedy() -> None:
    # Under 8(a) no row converts (converting gives up the preference for more value per share,
    # e.g. Class I at 250,000,000: 1,231,000 × 240,000,000 / 10,000,000 = 29,544,000 <
    # 40,338,639): only the total preference is a breakpoint, with the 3(a) jump (shares 2:1:
    # Class I 22,310,000 × 2/3 = 14,873,333.33 just below, 12,310,000 at it).
    rows = udf.WFBREAKS(CAP, COMMON, ISSUE, None, None, None, None, None, CONTINUING)
    assert len(rows) == 2 and rows[0][0] == ""
    assert rows[0][1].startswith(
        "Section 8(a) applies on the payment date 2000-06-26: each Series A row not converting "
        "receives its Liquidation Preference and also its as-converted share"
    )
    assert "Triggering Event continuing since 2000-06-01" in rows[0][1]
    assert rows[1] == [
        22_310_000.0,
        "preferences paid in full; payouts jump: Series A row 1 -$2,563,333.33, "
        "Series A row 2 +$2,563,333.33",
    ]
    # a log with no Triggering Event on the payment date: a note, then the ordinary breakpoints
    ordinary = udf.WFBREAKS(CAP, COMMON, ISSUE)
    rows = udf.WFBREAKS(CAP, COMMON, ISSUE, None, None, None, None, None, ENDED)
    assert rows[1:] == ordinary and len(ordinary) == 3
    assert rows[0] == [
        "",
        "Section 8(a) does not apply on the payment date 2000-06-26: the ordinary waterfall. "
        "No Triggering Event continuing on 2000-06-26 (the last, log row 2, ended 2000-06-20)",
    ]


def test_the_cure_period_is_judged_on_the_payment_date() -> None:
    # 7(a): a dividend violation uncured "within a period of 30 days after such violation".
    # Violation 2000-05-27: deadline 2000-06-26 (the payment date) → no Triggering Event yet.
    # Violation 2000-05-26: deadline 2000-06-25, Triggering Event from 2000-06-26 → 8(a).
    late = [HEADER, ["DIVIDEND", D(2000, 5, 27), None, None, None]]
    early = [HEADER, ["DIVIDEND", D(2000, 5, 26), None, None, None]]
    w_late, note_late = waterfall_with_remedies(CAP, COMMON, ISSUE, violation_log=late)
    w_early, note_early = waterfall_with_remedies(CAP, COMMON, ISSUE, violation_log=early)
    assert type(w_late).__name__ == "Waterfall" and "does not apply" in note_late
    assert isinstance(w_early, RemedyWaterfall) and "since 2000-06-26" in note_early
    assert w_early.status is not None and w_early.status.continuing


def test_without_a_log_nothing_changes() -> None:
    w, note = waterfall_with_remedies(CAP, COMMON, ISSUE)
    assert note == "" and not isinstance(w, RemedyWaterfall)
    assert udf.WFBREAKS(CAP, COMMON, ISSUE, None, None, None, None, None, None) == udf.WFBREAKS(
        CAP, COMMON, ISSUE
    )


def test_a_bad_log_names_the_argument() -> None:
    bad = [HEADER, ["LATE", D(2000, 6, 1), None, None, None]]
    with pytest.raises(TermsError, match=r"row 2, column 'kind': must be one of") as exc:
        waterfall_with_remedies(CAP, COMMON, ISSUE, violation_log=bad)
    assert exc.value.argument == "violation_log"


# ------------------------------------------------------------------------ properties
@st.composite
def remedy_waterfalls(draw: st.DrawFn) -> RemedyWaterfall:
    classes = [
        SeriesAClass(
            F(draw(st.integers(0, 2_000_000))),
            F(draw(st.integers(100, 5_000)), 100),
            ISSUE - draw(st.integers(0, 2_000)),
            F(draw(st.integers(50, 5_000)), 100),
            F(draw(st.integers(0, 200)), 100),
        )
        for _ in range(draw(st.integers(1, 2)))
    ]
    parity = [F(draw(st.integers(0, 20_000_000)))] if draw(st.booleans()) else []
    options = [
        OptionGrant(F(draw(st.integers(0, 2_000_000))), F(draw(st.integers(0, 5_000)), 100))
        for _ in range(draw(st.integers(0, 2)))
    ]
    common = F(draw(st.integers(1, 20_000_000)))
    return RemedyWaterfall(classes, common, ISSUE, parity, options)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(remedy_waterfalls(), st.fractions(min_value=0, max_value=500_000_000))
def test_above_the_preferences_8a_is_preference_plus_remedyexit(
    w: RemedyWaterfall, extra: F
) -> None:
    # At any exit covering every preference and parity amount: no row converts, each row gets
    # its preference plus exit_participation's share of the residual, and it all adds up.
    total = sum(w.preferences, F(0)) + sum(w.parity, F(0))
    d = w.distribution(total + extra)
    assert d.total() == total + extra and not any(d.converts)
    p = exit_participation(extra, w.common_shares, list(w.conversion_shares),
                           [(o.shares, o.exercise_price) for o in w.options])  # fmt: skip
    assert d.series_a == tuple(lp + s for lp, s in zip(w.preferences, p.series_a, strict=True))
    assert d.common == p.common and d.options == p.options


@settings(max_examples=30, deadline=None, derandomize=True)
@given(remedy_waterfalls(), st.lists(st.integers(0, 500_000_000), min_size=1, max_size=5))
def test_lookup_and_table_agree_with_exact_under_8a(w: RemedyWaterfall, exits: list[int]) -> None:
    # the breakpoints found for the 8(a) lines are complete: looking an exit up in its segment
    # gives the same Fractions as solving it (at random exits, at every breakpoint and a hair
    # either side), and the float column agrees
    points = [F(x) for x in exits]
    for b in w.breakpoints():
        points += [b.proceeds, b.proceeds - F(1, 10**6), b.proceeds + F(1, 10**6)]
    for p in (q for q in points if q >= 0):
        assert w.distribution(p) == w._distribution(p, w._state(p)), p
    table = w.table(np.array(exits, dtype=float))
    for x, row in zip(exits, table, strict=True):
        exact = [float(v) for v in w._distribution(F(x), w._state(F(x))).series_a]
        assert row[: len(w.classes)].tolist() == pytest.approx(exact, rel=1e-9, abs=1e-4)
