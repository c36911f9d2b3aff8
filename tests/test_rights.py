"""Sections 4(a)(v), 4(d), 7, 8 and 9(b)-(e): hand-worked tests, and the Excel adapters.

Every expected value is worked by hand from the certificate's words, quoted where relied on.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest

from xl_addin import udfs
from xl_addin.terms import TermsError
from xl_addin.terms.means_of_voting import class_vote, director_right
from xl_addin.terms.new_securities import (
    new_securities,
    preemptive_periods,
    preemptive_right,
    preemptive_sale,
)
from xl_addin.terms.parse import parse_date
from xl_addin.terms.remedies import (
    directors_to_add,
    earliest_repurchase_date,
    exit_participation,
    remedy_at_exit,
)
from xl_addin.terms.triggering_events import read_violation_log, status_on, violation_table

D = dt.date
HEADER = ["Kind", "Date", "Notice Date", "Cure Date", "Note"]


def serial(d: dt.date) -> int:
    return parse_date(d, "d")


def status(log: list[list[object]], day: dt.date):  # type: ignore[no-untyped-def]
    return status_on(read_violation_log(log), day)


# ------------------------------------------------------------------------ Section 7
def test_7a_thirty_days_after_the_violation() -> None:
    # 7(a): a failure "not ... cured within a period of 30 days after such violation".
    # Dividend due and unpaid 2001-06-30: the 30 days are Jul 1 .. Jul 30 (deadline 2001-07-30);
    # uncured, the Triggering Event exists from 2001-07-31. Paid 2001-08-15: continuing on
    # 2001-08-14, not on 2001-08-15 (states at the close of business).
    log = [HEADER, ["DIVIDEND", D(2001, 6, 30), None, D(2001, 8, 15), "Q2 dividend"]]
    assert not status(log, D(2001, 7, 30)).continuing
    s = status(log, D(2001, 7, 31))
    assert s.continuing and s.since == serial(D(2001, 7, 31))
    assert s.reason.startswith("Triggering Event continuing since 2001-07-31: row 2: 7(a)")
    assert status(log, D(2001, 8, 14)).continuing
    after = status(log, D(2001, 8, 15))
    assert not after.continuing and after.since is None
    assert after.reason == (
        "no Triggering Event continuing on 2001-08-15 (the last, log row 2, ended 2001-08-15)"
    )
    # cured on the 30th day (2001-07-30): "within" the period, so no Triggering Event at all
    cured = [HEADER, ["7(a)", D(2001, 6, 30), None, D(2001, 7, 30), None]]
    assert not any(status(cured, D(2001, 7, d)).continuing for d in (30, 31))
    (row,) = violation_table(read_violation_log(cured), D(2001, 12, 31))
    assert row[5] == serial(D(2001, 7, 30)) and row[6] is None
    assert "within 30 days after the violation (deadline 2001-07-30): no Triggering Event" in row[9]


def test_7b_7c_at_once_and_7d_7e_thirty_days_after_notice() -> None:
    log = [
        HEADER,
        ["VOTING", D(2001, 3, 1), None, D(2001, 4, 1), "4(b)(M) debt without consent"],
        ["conversion", D(2001, 4, 1), None, None, "5(f) shortfall"],
        ["Registration", D(2001, 5, 1), D(2001, 5, 10), None, None],
        ["PURCHASE_AGREEMENT", D(2001, 5, 1), None, None, "no notice yet"],
        ["MISREPRESENTATION", D(2001, 9, 3), None, None, None],
    ]
    v = read_violation_log(log)
    # 7(b): no cure period -- continuing on the day of the violation
    assert status_on(v[:1], D(2001, 3, 1)).since == serial(D(2001, 3, 1))
    assert not status_on(v[:1], D(2001, 2, 28)).continuing
    # 7(b) cured 2001-04-01 and 7(c) from 2001-04-01 back to back: one run since 2001-03-01
    assert status_on(v[:2], D(2001, 5, 1)).since == serial(D(2001, 3, 1))
    # 7(d): notice 2001-05-10, 30 days after it end 2001-06-09; from 2001-06-10
    assert not status_on(v[2:3], D(2001, 6, 9)).continuing
    assert status_on(v[2:3], D(2001, 6, 10)).since == serial(D(2001, 6, 10))
    # ... and before the notice was given (as of 2001-05-05) not even the deadline is known
    early = violation_table(v[2:3], D(2001, 5, 5))[0]
    assert early[4] is None and early[5] is None and early[8] is False
    # 7(e) covenant without notice: never a Triggering Event; misrepresentation: at once
    assert not status_on(v[3:4], D(2009, 1, 1)).continuing
    assert "no notice yet" in violation_table(v[3:4], D(2009, 1, 1))[0][9]
    assert status_on(v[4:], D(2001, 9, 3)).since == serial(D(2001, 9, 3))


def test_since_is_the_start_of_the_current_run() -> None:
    # 7(b) from 2001-03-01 cured 2001-03-20; 7(c) from 2001-04-02: a gap, so since 2001-04-02
    log = [
        HEADER,
        ["VOTING", D(2001, 3, 1), None, D(2001, 3, 20), None],
        ["CONVERSION", D(2001, 4, 2), None, None, None],
    ]
    assert status(log, D(2001, 5, 1)).since == serial(D(2001, 4, 2))
    assert not status(log, D(2001, 3, 25)).continuing


def test_violation_log_errors_name_row_and_column() -> None:
    with pytest.raises(TermsError, match=r"row 2, column 'kind': must be one of DIVIDEND"):
        read_violation_log([HEADER, ["LATE", D(2001, 1, 1), None, None, None]])
    with pytest.raises(TermsError, match=r"row 2, column 'cure date': must not be before the"):
        read_violation_log([HEADER, ["VOTING", D(2001, 1, 2), None, D(2001, 1, 1), None]])
    with pytest.raises(TermsError, match="missing column 'date'"):
        read_violation_log([["kind"], ["VOTING"]])
    with pytest.raises(TermsError, match="column 2: unknown header text 'when'"):
        read_violation_log([["kind", "when"], ["VOTING", 1]])


# ------------------------------------------------------------------------ Section 8 fed by 7
LOG_2024 = [HEADER, ["VOTING", D(2024, 8, 1), None, D(2024, 9, 1), None]]


def test_boardseats_and_putdate_follow_the_log() -> None:
    # 8(b), 8(c): "during the continuance of any Triggering Event" -- from 2024-08-01 to the
    # cure on 2024-09-01. Board of 7 with 1 Series A director: 6 new seats (7 of 13).
    assert directors_to_add(7, 1, LOG_2024, D(2024, 7, 31)) == 0
    assert directors_to_add(7, 1, LOG_2024, D(2024, 8, 1)) == 6
    assert directors_to_add(7, 1) == 6  # no log: the "what if" answer
    # Put Notice Friday 2024-08-30 during the Triggering Event: 10 business days, Labor Day
    # 2024-09-02 skipped → 2024-09-16 (as in tests/test_exits.py)
    assert earliest_repurchase_date(D(2024, 8, 30), "FEDERAL", LOG_2024) == serial(D(2024, 9, 16))
    with pytest.raises(TermsError, match="no Put Notice under 8\\(c\\): no Triggering Event"):
        earliest_repurchase_date(D(2024, 9, 3), "FEDERAL", LOG_2024)
    with pytest.raises(TermsError, match="as_of must be a date when violation_log is given"):
        directors_to_add(7, 1, LOG_2024)


def test_8a_at_an_exit_shares_the_residual_as_converted() -> None:
    # Capitalization of tests/test_exits.py: Class I 1,000,000 × $12.31 at CP $10 → 1,231,000
    # Common; Class II 500,000 × $20 at CP $20 → 500,000; 8,269,000 Common; preferences at the
    # issue date 12,310,000 + 10,000,000 = 22,310,000. Exit $250,000,000 → residual after the
    # preferences 227,690,000 over 8,269,000 + 1,231,000 + 500,000 = 10,000,000 shares = $22.769.
    # Class I: 1,231,000 × 22.769 = 28,028,639 (plus its 12,310,000 preference = 40,338,639,
    # against 30,775,000 converting in the ordinary waterfall); Class II 11,384,500; Common
    # 8,269,000 × 22.769 = 188,276,861. 28,028,639 + 11,384,500 + 188,276,861 = 227,690,000.
    _, conv, p = remedy_at_exit(227_690_000, 8_269_000, [[1_000_000], [500_000]], [[12.31], [20]],
                                [[10], [20]])  # fmt: skip
    assert conv == [1_231_000, 500_000]
    assert p.series_a == (F(28_028_639), F(11_384_500)) and p.common == F(188_276_861)
    assert p.per_share == F("22.769")
    cap = ([[1_000_000], [500_000]], [[12.31], [20]], [[10], [20]])
    assert udfs.REMEDYEXIT(227_690_000, 8_269_000, *cap) == [
        ["Series A row 1", 1_231_000.0, 28_028_639.0],
        ["Series A row 2", 500_000.0, 11_384_500.0],
        ["Common", 8_269_000.0, 188_276_861.0],
    ]
    # with the log: no Triggering Event at the exit → 8(a) pays the Series A nothing
    rows = udfs.REMEDYEXIT(100, 100, 10, 1, 1, 0, None, LOG_2024, D(2024, 9, 1))
    assert rows == [["Series A row 1", 10.0, 0.0], ["Common", 100.0, 100.0]]


def test_8a_options_exercised_when_in_the_money() -> None:
    # residual 20,000,000 over 8,269,000 Common + 1,731,000 as converted = 10,000,000 → $2.
    # 1,000,000 options at $1: (20,000,000 + 1,000,000) / 11,000,000 = 21/11 > 1 → exercised;
    # 500,000 at $3 > 21/11 → not. Common 8,269,000 × 21/11; options 1,000,000 × (21/11 − 1).
    p = exit_participation(F(20_000_000), F(8_269_000), [F(1_231_000), F(500_000)],
                           [(F(500_000), F(3)), (F(1_000_000), F(1))])  # fmt: skip
    assert p.exercised == (False, True) and p.per_share == F(21, 11)
    assert p.options == (0, F(1_000_000) * F(10, 11))
    assert p.common == F(8_269_000 * 21, 11)
    assert sum(p.series_a) + p.common + sum(p.options) == 20_000_000


def test_triggered_and_triggerlog_adapters() -> None:
    day = serial(D(2024, 8, 15))
    ((on, since, first, why),) = udfs.TRIGGERED(LOG_2024, day)
    assert on is True and since == first == serial(D(2024, 8, 1)) and "7(b)" in why
    # after the cure: not continuing, but one has occurred (first 2024-08-01)
    assert udfs.TRIGGERED(LOG_2024, serial(D(2024, 9, 1)))[0][:3] == [False, "", first]
    assert udfs.TRIGGERED(LOG_2024, serial(D(2024, 7, 1)))[0][:3] == [False, "", ""]
    table = udfs.TRIGGERLOG(LOG_2024, day)
    assert table[0][:3] == ["row", "kind", "section"]
    assert table[1][:9] == [2, "VOTING", "7(b)", serial(D(2024, 8, 1)), "", "",
                            serial(D(2024, 8, 1)), "", True]  # fmt: skip


# ------------------------------------------------------------------------ Section 9(b)-(e)
def test_new_securities_differ_from_permitted_issuances() -> None:
    # 6(a)(vi) Board basket: a Permitted Issuance, but not among 9(b)(i)-(viii)
    r = new_securities("COMMON", "BOARD_BASKET", 50_000)
    assert r.is_new and r.units == 50_000
    # 9(b)(viii) Tutopia exchange: excluded, though not a 6(a) Permitted Issuance
    assert not new_securities("COMMON", "TUTOPIA").is_new
    # 9(b)(i) "up to 2,460,000 shares": 2,400,000 used + 100,000 → 40,000 beyond the cap
    r = new_securities("COMMON", "OPTION_PLAN", 100_000, 2_400_000)
    assert r.is_new and r.units == 40_000
    assert not new_securities("COMMON", "OPTION_PLAN", 60_000, 2_400_000).is_new  # = 2,460,000
    # a grant of new options: 9(b)(i) names "the outstanding options" only
    assert new_securities("OPTION", "OPTION_GRANT", 10_000).is_new
    # (b): high yield unless investment-grade; ordinary debt never; convertible always (a)
    assert new_securities("HIGH_YIELD").is_new
    assert not new_securities("HIGH_YIELD", investment_grade=True).is_new
    assert not new_securities("DEBT").is_new
    assert new_securities("CONVERTIBLE", investment_grade=True).is_new
    with pytest.raises(TermsError, match="shares must be a number for SUBSEQUENT_CLOSING"):
        new_securities("PREFERRED", "SUBSEQUENT_CLOSING")
    assert udfs.NEWSEC("common", "board basket", 50_000)[0][:2] == [True, 50_000.0]


def test_each_9b_exclusion_reaches_only_the_security_it_names() -> None:
    # 9(b)(ii) "shares of Common Stock issued or issuable in connection with a Qualified Public
    # Offering": warrants to the underwriters are not shares of Common Stock → New Securities
    r = new_securities("WARRANT", "PUBLIC_OFFERING", 50_000)
    assert r.is_new and r.units == 50_000
    assert r.reason.endswith("9(b)(ii) excludes only shares of Common Stock, not WARRANT")
    # (viii) Tutopia exchange: Common Stock only; (v) Series A only; (vi) the Spinway Warrant
    assert new_securities("HIGH_YIELD", "TUTOPIA").is_new
    assert new_securities("COMMON", "SUBSEQUENT_CLOSING", 100).is_new
    assert not new_securities("PREFERRED", "SUBSEQUENT_CLOSING", 100).is_new
    assert new_securities("COMMON", "SPINWAY_WARRANT").is_new
    assert not new_securities("WARRANT", "SPINWAY_WARRANT").is_new
    # (i) names the Common Stock issuable under the outstanding options, not options
    assert new_securities("OPTION", "OPTION_PLAN", 1_000, 0).is_new
    # (iv) "securities issued as consideration for any acquisition": any kind
    assert not new_securities("PREFERRED", "ACQUISITION").is_new
    assert not new_securities("CONVERTIBLE", "ACQUISITION").is_new


def test_a_share_just_under_a_threshold_never_reads_as_the_threshold() -> None:
    # 249,999 of 1,000,000 = 24.9999%: to 2 decimals "25.00%", next to "< 25%" -- the message
    # shows the digits that tell them apart; exactly at the threshold, 2 decimals
    assert "24.9999% (< 25%)" in director_right(249_999, 1_000_000, True)[1]
    assert "25.00% (>= 25%)" in director_right(250_000, 1_000_000, True)[1]
    assert "49.9999% (< 50%)" in preemptive_right(499_999, 1_000_000).reason
    assert "(50.0001%) > 500,000" in class_vote(500_001, 1_000_000)[1]
    assert "(33.33%)" in class_vote(1, 3)[1]


def test_preemptive_periods_and_sale() -> None:
    # 9(c) "twenty (20) business days from the date of receipt": received Friday 2001-06-01 →
    # June 4-8, 11-15, 18-22, 25-29 → 2001-06-29; 9(d) 90 days after → 2001-09-27.
    p = preemptive_periods(D(2001, 6, 1))
    assert (p.election_deadline, p.sale_deadline) == (
        serial(D(2001, 6, 29)),
        serial(D(2001, 9, 27)),
    )
    # received Wednesday 2001-06-20: Jun 21-22 (2), 25-29 (7), Jul 2-3 (9), Jul 4 a holiday,
    # Jul 5-6 (11), 9-13 (16), 16-19 (20) → 2001-07-19; + 90 days → 2001-10-17
    assert udfs.PREEMPTDATES(D(2001, 6, 20)) == [[serial(D(2001, 7, 19)), serial(D(2001, 10, 17))]]
    assert not preemptive_sale(D(2001, 6, 1), D(2001, 6, 29), 10, 10).ok  # still electing
    assert preemptive_sale(D(2001, 6, 1), D(2001, 6, 30), 10, 10).ok
    assert preemptive_sale(D(2001, 6, 1), D(2001, 9, 27), 10, 10).ok  # the 90th day
    late = preemptive_sale(D(2001, 6, 1), D(2001, 9, 28), 10, 10)
    assert not late.ok and "ended 2001-09-27" in late.reason
    assert not preemptive_sale(D(2001, 6, 1), D(2001, 7, 2), 9.99, 10).ok
    assert not preemptive_sale(D(2001, 6, 1), D(2001, 7, 2), 10, 10, True).ok


def test_preemptive_right_ends() -> None:
    # 9(e)(ii) "no longer ... at least 50%": 1,000 of 2,000 keeps it, 999 ends it
    assert preemptive_right(1000, 2000).ok
    assert not preemptive_right(999, 2000).ok
    assert not preemptive_right(2000, 2000, True).ok  # 9(e)(i) QPO closed
    assert udfs.PREEMPTRIGHT(999, 2000)[0][0] is False


# ------------------------------------------------------------------------ Section 4(a)(v), 4(d)
def test_director_right_survives_a_qpo_down_to_25_percent() -> None:
    assert director_right(250, 1000, True)[0]  # 25% is not "less than 25%"
    assert not director_right(249, 1000, True)[0]
    assert director_right(100, 1000)[0]  # before a QPO: while Series A is outstanding
    assert not director_right(100, 1000, False, True)[0]  # the other reading, to compare
    assert udfs.DIRECTORRIGHT(249, 1000, True)[0][0] is False


def test_class_votes_one_vote_per_share() -> None:
    # 4(b) "a majority of the shares": 500,000 of 1,000,000 is not more than half
    assert not class_vote(500_000, 1_000_000)[0]
    ok, why = class_vote([[300_000], [200_001]], 1_000_000)
    assert ok and why.startswith("carried: 4(b), 4(d) consent of a majority of the shares: "
                                 "500,001 of 1,000,000")  # fmt: skip
    # 4(d)(iii) "25% or more" calls a meeting; 4(d) "75%" changes the meeting rules
    assert class_vote(250_000, 1_000_000, "call meeting")[0]
    assert not class_vote(249_999, 1_000_000, "CALL_MEETING")[0]
    assert class_vote(750_000, 1_000_000, "PROCEDURE")[0]
    assert not class_vote(500_000, 1_000_000, "REMOVAL")[0]
    with pytest.raises(TermsError, match="shares_for must be <= outstanding"):
        class_vote(2, 1)
    assert udfs.CLASSVOTE(500_001, 1_000_000)[0][0] is True


# ------------------------------------------------------------------------ invariants
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

counts = st.integers(0, 10**7).map(F)
strikes = st.fractions(min_value=0, max_value=50, max_denominator=100)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    residual=st.integers(0, 10**9).map(F),
    common=st.integers(1, 10**7).map(F),
    series_a=st.lists(counts, max_size=4),
    options=st.lists(st.tuples(counts, strikes), max_size=4),
)
def test_8a_split_adds_up_and_options_follow_the_price(
    residual: F, common: F, series_a: list[F], options: list[tuple[F, F]]
) -> None:
    p = exit_participation(residual, common, series_a, options)
    assert sum(p.series_a) + p.common + sum(p.options) == residual  # nothing lost or created
    assert all(pay == n * p.per_share for pay, n in zip(p.series_a, series_a, strict=True))
    for (n, strike), exercised, net in zip(options, p.exercised, p.options, strict=True):
        if exercised:  # exercised only in the money, net of the exercise price
            assert strike < p.per_share and net == n * (p.per_share - strike)
        else:  # an option left out is not in the money at the resulting price
            assert strike >= p.per_share and net == 0


kinds = st.sampled_from(["DIVIDEND", "VOTING", "CONVERSION", "REGISTRATION", "MISREPRESENTATION"])
days = st.integers(36892, 36892 + 400)  # 2001-01-01 onwards


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    rows=st.lists(
        st.tuples(kinds, days, st.none() | st.integers(0, 60), st.none() | st.integers(0, 90)),
        min_size=1,
        max_size=5,
    ),
    as_of=days,
)
def test_continuing_means_inside_a_row_interval(
    rows: list[tuple[str, int, int | None, int | None]], as_of: int
) -> None:
    """Continuing on a day iff some row's [start, cure) covers it, judging each row by hand:
    no cure period for 7(b), 7(c), misrepresentation; 7(a) from day + 31 unless cured by
    day + 30; 7(d) from notice + 31 unless cured by notice + 30, never without notice."""
    log = [HEADER] + [
        [k, d, None if n is None else d + n, None if c is None else d + c, None]
        for k, d, n, c in rows
    ]
    expected = False
    for k, d, n, c in rows:
        notice = None if n is None or d + n > as_of else d + n
        cure = None if c is None or d + c > as_of else d + c
        if k in ("VOTING", "CONVERSION", "MISREPRESENTATION"):
            start = d
        elif k == "DIVIDEND":
            start = None if cure is not None and cure <= d + 30 else d + 31
        else:
            base = notice
            start = None if base is None or (cure is not None and cure <= base + 30) else base + 31
        if start is not None and start <= as_of and (cure is None or as_of < cure):
            expected = True
    s = status(log, as_of)  # type: ignore[arg-type]
    assert s.continuing is expected
    if expected:
        assert s.since is not None and s.since <= as_of


def test_triggered_over_a_column_of_dates() -> None:
    # LOG_2024: 7(b) from 2024-08-01, cured 2024-09-01 -- a timeline, one row per date
    days = [[serial(D(2024, 7, 31))], [serial(D(2024, 8, 1))], [serial(D(2024, 9, 1))]]
    rows = udfs.TRIGGERED(LOG_2024, days)
    assert [r[:3] for r in rows] == [
        [False, "", ""],
        [True, serial(D(2024, 8, 1)), serial(D(2024, 8, 1))],
        [False, "", serial(D(2024, 8, 1))],
    ]
    assert udfs.TRIGGERED(LOG_2024, [[serial(D(2024, 8, 1))], ["soon"]]).startswith(
        "#VALUE! as_of must be a date or an Excel date serial number (got text 'soon' in row 2)"
    )
