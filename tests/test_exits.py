"""Sections 2(b)-(c), 3(b)-(c), 4(b)-(c), 5(b), 5(f), 5(g), 8: hand-worked tests, and adapters."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import numpy as np
import pytest

from xl_addin import udfs_exits as udf
from xl_addin.terms import TermsError
from xl_addin.terms.liquidation_event import liquidation_event, security_value, valuation_window
from xl_addin.terms.merger import merger_consideration
from xl_addin.terms.parse import parse_date
from xl_addin.terms.participation import parity_dividends, participating_dividend
from xl_addin.terms.protective import consent_required
from xl_addin.terms.qualified_public_offering import qualified_public_offering
from xl_addin.terms.remedies import (
    as_converted_distribution,
    directors_to_add,
    earliest_repurchase_date,
    holidays,
    is_business_day,
    put_price,
)
from xl_addin.terms.reservation import reservation_check
from xl_addin.terms.voting import as_converted_votes

D = dt.date
ISSUE, CLOSE = D(2000, 6, 26), D(2001, 6, 26)  # 365 days: preference 12.31 × 1.10 = 13.541


def serial(d: dt.date) -> int:
    return parse_date(d, "d")


# ------------------------------------------------------------------------ 5(b) QPO
def test_qpo_at_the_thresholds_qualifies() -> None:
    r = qualified_public_offering(75_000_000, 56_250_000, 400_000_000)
    assert r.qualified and r.message() == "Qualified Public Offering (5(b))"


def test_qpo_missing_one_condition() -> None:
    r = qualified_public_offering(80_000_000, 50_000_000, 450_000_000)
    assert not r.qualified
    assert r.message() == "fails 5(b): gross proceeds $50,000,000 < $56,250,000"
    r2 = qualified_public_offering(74_999_999, 60_000_000, 400_000_000)
    assert r2.failures == ("firm commitment $74,999,999 < $75,000,000",)
    assert not qualified_public_offering(80e6, 60e6, 500e6, underwritten=False).qualified


# ------------------------------------------------------------------------ 3(b) Liquidation Event
# 1,210,398 Class I shares receive 1.5 Merger Shares each: 1,815,597 Merger Shares;
# (III) needs volume >= 10 × 1,815,597 = 18,155,970. (II): 120% × 13.541 = 16.2492.
MERGER = dict(
    keeps_majority=False,
    public_buyer=True,
    registered_unrestricted=True,
    exchange_ratio=1.5,
    preference_per_share=13.541,
    merger_shares=1_815_597,
)


def test_merger_passes_the_exception() -> None:
    # 11.00 × 1.5 = 16.50 > 16.2492 and 20,000,000 >= 18,155,970 → not a Liquidation Event
    r = liquidation_event(average_price=11, trading_volume=20_000_000, **MERGER)
    assert not r.is_event
    assert r.reason == "not a Liquidation Event: merger with a public company meets 3(b)(I)-(III)"


def test_merger_fails_the_120_percent_test() -> None:
    # 10.00 × 1.5 = 15.00, not greater than 16.2492 → Liquidation Event, fails (II)
    r = liquidation_event(average_price=10, trading_volume=20_000_000, **MERGER)
    assert r.is_event
    assert r.reason == (
        "Liquidation Event: fails 3(b)(II): value $15 per share <= 120% of Liquidation "
        "Preference $16.2492"
    )
    # exactly 120%: 10.8328 × 1.5 = 16.2492 is not "greater than" → still fails
    assert liquidation_event(average_price=10.8328, trading_volume=2e7, **MERGER).is_event
    # a range of closing prices is averaged: (10.5 + 11.5) / 2 = 11 → passes
    assert not liquidation_event(
        average_price=[[10.5], [11.5]], trading_volume=2e7, **MERGER
    ).is_event


def test_merger_volume_and_majority() -> None:
    r = liquidation_event(average_price=11, trading_volume=18_155_969, **MERGER)
    assert (
        r.is_event
        and "3(b)(III): trading volume 18,155,969 < 10× Merger Shares 18,155,970" in r.reason
    )
    assert not liquidation_event(True).is_event
    assert liquidation_event(True, asset_sale=True).is_event
    assert "not a public company" in liquidation_event(False).reason
    with pytest.raises(TermsError, match=r"keeps_majority must be TRUE or FALSE \(got an empty"):
        liquidation_event(None)
    with pytest.raises(TermsError, match=r"exchange_ratio must be a number \(got an empty cell\)"):
        liquidation_event(False, public_buyer=True, registered_unrestricted=True, average_price=11)


def test_merger_shares_restricted_is_an_event_without_price_inputs() -> None:
    # 3(b): the exception needs (I) AND (II) AND (III); (I) fails → a Liquidation Event
    # whatever the price: no (II)/(III) input is needed.
    r = liquidation_event(False, public_buyer=True)
    assert r.is_event
    assert r.reason == (
        "Liquidation Event: fails 3(b)(I): Merger Shares not registered and freely transferable"
    )
    assert udf.LIQEVENT(False, False, True) == [[True, r.reason]]
    # inputs that are given are still tested and reported: 18,155,969 < 18,155,970 (III)
    r2 = liquidation_event(
        False, public_buyer=True, trading_volume=18_155_969, merger_shares=1_815_597
    )
    assert r2.reason.endswith(
        "; 3(b)(III): trading volume 18,155,969 < 10× Merger Shares 18,155,970"
    )


def test_120_percent_test_for_each_class() -> None:
    # "for each share of Series A": Class I preference 13.541 → 120% = 16.2492; Class II
    # (say a higher Stated Value) preference 14.00 → 120% = 16.80. At $11.00 × 1.5 = $16.50:
    # Class I passes (16.50 > 16.2492), Class II fails (16.50 <= 16.80) → a Liquidation Event,
    # naming Class II.
    both = dict(MERGER, class_ii_preference=14, trading_volume=20_000_000)
    r = liquidation_event(average_price=11, **both)
    assert r.is_event
    assert r.reason == (
        "Liquidation Event: fails 3(b)(II): Class II value $16.50 per share <= 120% of "
        "Liquidation Preference $16.80"
    )
    # Class II receiving 1.6 Merger Shares per share: 11 × 1.6 = 17.60 > 16.80 → both pass
    assert not liquidation_event(average_price=11, class_ii_ratio=1.6, **both).is_event
    # at $10.00 both fail: Class I 15.00 <= 16.2492, Class II 15.00 <= 16.80
    r3 = liquidation_event(average_price=10, **both)
    assert r3.reason == (
        "Liquidation Event: fails 3(b)(II): Class I value $15 per share <= 120% of Liquidation "
        "Preference $16.2492; 3(b)(II): Class II value $15 per share <= 120% of Liquidation "
        "Preference $16.80"
    )
    # the Excel function takes both, appended after merger_shares
    assert udf.LIQEVENT(False, False, True, True, 11, 1.5, 13.541, 2e7, 1_815_597, 14) == [
        [True, r.reason]
    ]
    with pytest.raises(TermsError, match=r"class_ii_ratio must be >= 0 \(got -1\)"):
        liquidation_event(average_price=11, class_ii_ratio=-1, **both)
    with pytest.raises(TermsError, match=r"class_ii_preference must be given with class_ii_ratio"):
        liquidation_event(average_price=11, trading_volume=2e7, class_ii_ratio=1.6, **MERGER)


# ------------------------------------------------------------------------ 3(c) valuation
def test_security_value_window_and_discount() -> None:
    # closing 2001-01-31: window ends 3 days before, 2001-01-28, and starts 29 days earlier,
    # 2000-12-30. 2000-12-29 and 2001-01-29 fall outside; (10 + 12)/2 = 11; 25% off → 8.25.
    assert valuation_window(D(2001, 1, 31)) == (serial(D(2000, 12, 30)), serial(D(2001, 1, 28)))
    dates = [[D(2000, 12, 29)], [D(2001, 1, 2)], [D(2001, 1, 26)], [D(2001, 1, 29)]]
    prices = [[100], [10], [12], [100]]
    assert security_value(dates, prices, D(2001, 1, 31)) == 11
    assert security_value(dates, prices, D(2001, 1, 31), 0.25) == F("8.25")
    with pytest.raises(TermsError, match="prices must include a day from 2000-12-30"):
        security_value([[D(2000, 1, 3)]], [[5]], D(2001, 1, 31))
    with pytest.raises(TermsError, match=r"discount must be < 1 \(got 1\)"):
        security_value(dates, prices, D(2001, 1, 31), 1)
    # a day twice inside the window is an error; twice outside it does not count
    twice = [*dates, [D(2001, 1, 2)]]
    with pytest.raises(TermsError, match=r"dates must not repeat \(got 2001-01-02 twice\)"):
        security_value(twice, [*prices, [11]], D(2001, 1, 31))
    outside = [*dates, [D(2000, 12, 29)]]
    assert security_value(outside, [*prices, [7]], D(2001, 1, 31)) == 11
    # rows where both cells are empty are skipped; in order or not, the same average
    assert security_value([*dates[::-1], [None]], [*prices[::-1], [None]], D(2001, 1, 31)) == 11


# ------------------------------------------------------------------------ 4(c), 2(b), 5(f)
def test_votes_as_converted() -> None:
    # 1,000 × 12.31 / 10 = 1,231 and 2,000 → 2,462 votes; 96,307 common → total 100,000
    rows = as_converted_votes([[1000], [2000]], 12.31, 10, 96_307)
    assert rows == [(1231, F(1231, 100_000)), (2462, F(2462, 100_000))]
    # full shares only: 999 × 12.31 / 10 = 1,229.769 → 1,229 votes
    assert as_converted_votes(999, 12.31, 10, 0)[0][0] == 1229
    with pytest.raises(TermsError, match=r"conversion_price must be > 0 \(got 0 in row 2\)"):
        as_converted_votes([[1], [2]], 12.31, [[10], [0]], 5)
    with pytest.raises(TermsError, match="stated_value must have 2 cells like shares"):
        as_converted_votes([[1], [2]], [[1], [2], [3]], 10, 5)


def test_participating_dividend_and_8a() -> None:
    # 1,000 × 12.31 / 12.31 = 1,000 common × $0.50 = $500; CP 10 → 1,231 × 0.50 = $615.50
    assert participating_dividend(1000, 12.31, 12.31, 0.5) == [F(500)]
    assert participating_dividend([[1000]], 12.31, [[10]], 0.5) == [F("615.5")]
    assert as_converted_distribution(1000, 12.31, 10, 0.5) == [F("615.5")]


def test_reservation() -> None:
    # initial prices: 1,210,398 + 820,471 = 2,030,869 = the reserve exactly → no shortfall
    r = reservation_check([[1_210_398], [820_471]], [[12.31], [15]], [[12.31], [15]], 3_000_000)
    assert (r.issuable, r.reserved_shortfall, r.authorized_shortfall) == (2_030_869, 0, 0)
    assert r.sufficient
    # CP 10: floor(1,210,398 × 1.231) = floor(1,489,999.938) = 1,489,999; 1,000,000 authorized
    r2 = reservation_check(1_210_398, 12.31, 10, 1_000_000)
    assert (r2.issuable, r2.reserved_shortfall, r2.authorized_shortfall) == (1_489_999, 0, 489_999)


# ------------------------------------------------------------------------ 8(b), 8(c)
def test_board_of_seven_with_one_series_a_director() -> None:
    # need 2(1 + x) > 7 + x → x > 5 → 6 new seats: 7 of 13. (5 would give 6 of 12.)
    assert directors_to_add(7, 1) == 6
    assert directors_to_add(7, 4) == 0  # already 4 of 7
    assert directors_to_add(8, 3) == 3  # 6 of 11; 2 would give 5 of 10
    with pytest.raises(TermsError, match="series_a_directors must be <= board_size 7"):
        directors_to_add(7, 8)
    with pytest.raises(TermsError, match=r"board_size must be a whole number \(got 7.5\)"):
        directors_to_add(7.5, 1)


def test_put_price_is_the_liquidation_preference() -> None:
    p = put_price(1000, 12.31, ISSUE, CLOSE)
    assert (p.per_share, p.total) == (F("13.541"), F(13_541))
    with pytest.raises(TermsError, match="repurchase_date must not be before issue_date"):
        put_price(1000, 12.31, CLOSE, ISSUE)


def test_put_notice_before_labor_day_weekend() -> None:
    # Friday 2024-08-30; Monday 2024-09-02 is Labor Day. Business days after the notice:
    # Sep 3, 4, 5, 6 (4), 9-13 (9), 16 (10) → 2024-09-16 (2024-09-13 without the holiday).
    assert earliest_repurchase_date(D(2024, 8, 30)) == serial(D(2024, 9, 16))
    assert earliest_repurchase_date(D(2024, 8, 30), "NYSE") == serial(D(2024, 9, 16))
    assert not is_business_day(D(2024, 9, 2))


def test_put_notice_calendars_differ() -> None:
    # Thursday 2024-03-21; Good Friday 2024-03-29 is an NYSE holiday, not a federal one.
    # FEDERAL: Mar 22, 25-29 (6), Apr 1-4 (10) → 2024-04-04; NYSE skips Mar 29 → 2024-04-05.
    assert earliest_repurchase_date(D(2024, 3, 21)) == serial(D(2024, 4, 4))
    assert earliest_repurchase_date(D(2024, 3, 21), "nyse") == serial(D(2024, 4, 5))
    # Saturday holidays: Christmas 2021 → Fri Dec 24 (both); New Year 2022 → Fri Dec 31
    # (federal only). From Thu 2021-12-23, FEDERAL: Dec 27-30 (4), Jan 3-7 (9), Jan 10;
    # NYSE: Dec 27-31 (5), Jan 3-7 (10) → 2022-01-07.
    assert D(2021, 12, 31) in holidays(2021) and D(2021, 12, 31) not in holidays(2021, "NYSE")
    assert earliest_repurchase_date(D(2021, 12, 23)) == serial(D(2022, 1, 10))
    assert earliest_repurchase_date(D(2021, 12, 23), "NYSE") == serial(D(2022, 1, 7))
    with pytest.raises(TermsError, match="calendar must be one of FEDERAL, NYSE"):
        earliest_repurchase_date(D(2024, 3, 21), "LSE")


# ------------------------------------------------------------------------ 4(b)
def test_consent_quantitative_clauses() -> None:
    r = consent_required("DEBT", 20_000_000)
    assert r.required and r.clauses == ("4(b)(M)",)
    assert r.reason == (
        "consent required: 4(b)(M) indebtedness $20,000,000 > $15,000,000 not in the Annual Budget"
    )
    assert not consent_required("DEBT", 15_000_000).required  # "in excess of": exactly 15M ok
    assert not consent_required("DEBT", 20_000_000, in_budget=True).required
    # (P) has no budget exception: an acquisition in the budget still needs (P)
    assert consent_required("ACQUISITION", 20e6, in_budget=True).clauses == ("4(b)(P)",)
    assert consent_required("ACQUISITION", 20e6).clauses == ("4(b)(L)", "4(b)(P)")
    assert consent_required("JUNIOR_DIVIDEND").clauses == ("4(b)(F)",)
    assert consent_required("STOCK_ACQUISITION", 16e6).clauses == ("4(b)(B)",)
    # (B)(iv) "up to $15 million": exactly $15M valued at the floor needs no consent
    assert not consent_required("STOCK_ACQUISITION", 15e6, price=12.31, average_price=12).required


def test_consent_survival() -> None:
    assert not consent_required("DEBT", 20e6, after_qpo=True).required
    assert not consent_required("DEBT", 20e6, holdings_fraction=0.49).required
    assert consent_required("DEBT", 20e6, holdings_fraction=0.5).required
    with pytest.raises(
        TermsError, match="kind must be one of COMMITMENT, LIEN, CAPEX, ACQUISITION, DEBT, DISPOSAL"
    ):
        consent_required("LOAN", 1)


def test_consent_b_iv_price_floor() -> None:
    # 4(b)(B)(iv): Common for an acquisition "valued at no less than the greater of (1) the
    # Stated Value (as adjusted ...) and (2) the average of the closing price for the Common
    # Stock for the 30 days prior to the issuance". $10M at $12.00 a share, average $11.50:
    # floor = max(12.31, 11.50) = 12.31 > 12.00 → consent (before: $10M <= $15M, no consent).
    r = consent_required("STOCK_ACQUISITION", 10e6, price=12, average_price=11.5)
    assert r.required and r.reason == (
        "consent required: outside 4(b)(B)(iv): valued at $12 < $12.31, the greater of the "
        "Stated Value $12.31 and the 30-day average $11.50"
    )
    # closes 12 and 14 average 13 = the floor: $12.50 needs consent, $13.00 does not
    closes = [[12], [14]]
    assert consent_required("STOCK_ACQUISITION", 1e6, price=12.5, average_price=closes).required
    assert not consent_required("STOCK_ACQUISITION", 1e6, price=13, average_price=closes).required
    # a split-adjusted Stated Value (2-for-1: 6.155) lowers floor (1): max(6.155, 6) = 6.155
    assert not consent_required(
        "STOCK_ACQUISITION", 1e6, price=6.2, stated_value=6.155, average_price=6
    ).required
    # the $15M read as one basket: $10M already issued + $6M = $16M > $15M
    assert consent_required("STOCK_ACQUISITION", 6e6, price=20, average_price=5, used=10e6).required
    with pytest.raises(TermsError, match="price must be the value per share"):
        consent_required("STOCK_ACQUISITION", 1e6)


def test_consent_b_exceptions() -> None:
    # 4(b)(B) "other than (i) ... (vii)": before, every ISSUANCE needed consent
    for category in ("SERIES_A_PSPA", "CONVERSION", "ACQUISITION", "SPINWAY_WARRANT", "TUTOPIA"):
        assert not consent_required("ISSUANCE", category=category).required, category
    # (ii) "the exercise of stock options to purchase up to 2,460,000 shares":
    # 2,400,000 used + 60,000 = 2,460,000 is within; + 60,001 is not
    assert not consent_required("ISSUANCE", category="OPTION_EXERCISE", shares=60_000,
                                used=2_400_000).required  # fmt: skip
    r = consent_required("ISSUANCE", category="OPTION_EXERCISE", shares=60_001, used=2_400_000)
    assert r.required and "2,460,001 > cap 2,460,000" in r.reason
    # (vi) 210,000 Spinway shares
    assert consent_required("ISSUANCE", category="SPINWAY_SHARES", shares=210_001).required
    # no public-offering or Board-basket exception in 4(b)(B) (6(a)(ii), (vi) are not repeated)
    assert consent_required("ISSUANCE", category="PUBLIC_OFFERING").required
    assert consent_required("ISSUANCE", category="BOARD_BASKET").required
    assert consent_required("ISSUANCE").required


def test_consent_every_clause_is_a_kind() -> None:
    # before, (A), (C)-(E), (G), (I), (N), (O), (Q)-(U) were rejected as unknown kinds
    always = {
        "AMENDMENT": "4(b)(A)",
        "LIQUIDATION": "4(b)(D)(1)",
        "CONTROL_SALE": "4(b)(E)",
        "BUDGET": "4(b)(G)",
        "PLAN_CHANGE": "4(b)(N)",
        "NEW_PLAN": "4(b)(O)",
        "BANKRUPTCY": "4(b)(Q)",
        "AFFILIATE": "4(b)(S)",
        "TUTOPIA": "4(b)(T)",
    }
    for kind, clause in always.items():
        r = consent_required(kind)
        assert r.required and r.clauses == (clause,) and r.reason.startswith("consent"), kind
    qualitative = {
        "RECLASSIFY": "4(b)(C)",
        "LIQ_EVENT": "4(b)(D)(2)",
        "OFFICER_PAY": "4(b)(I)",
        "NEW_BUSINESS": "4(b)(R)",
        "AGREE_TO": "4(b)(U)",
    }
    for kind, clause in qualitative.items():
        r = consent_required(kind)
        assert r.required and r.clauses == (clause,), kind
        assert r.reason.startswith(f"qualitative: consent required ({clause} "), kind
        assert ") if " in r.reason, kind
    assert "President, CEO, CFO" in consent_required("OFFICER_PAY").reason
    # exceptions named in the clauses
    assert not consent_required("NEW_PLAN", category="COMPENSATION_COMMITTEE").required
    assert not consent_required("AFFILIATE", category="wholly owned").required
    assert not consent_required("REPURCHASE", category="SERIES_A").required
    # (F)'s employee-repurchase exception leaves (D)(3) "any ... purchase ... of any capital
    # stock" standing
    assert consent_required("REPURCHASE", category="EMPLOYEE_REPURCHASE").clauses == ("4(b)(D)(3)",)
    assert consent_required("REPURCHASE").clauses == ("4(b)(D)(3)", "4(b)(F)")
    with pytest.raises(TermsError, match="category must be WHOLLY_OWNED or empty for AFFILIATE"):
        consent_required("AFFILIATE", category="SISTER")
    with pytest.raises(TermsError, match="category must be empty for DEBT"):
        consent_required("DEBT", 20e6, category="OPTION_EXERCISE")
    # the template's list validation of the kinds fits Excel's 255-character limit
    from xl_addin.terms.protective import ACTION_KINDS

    assert len('"' + ",".join(ACTION_KINDS) + '"') <= 255


# ------------------------------------------------------------------------ Excel adapters
CAP = [[1_000_000, 12.31, serial(ISSUE), 10], [500_000, 20, serial(ISSUE), 20]]


def test_each_udf_through_the_adapter() -> None:
    pay = serial(ISSUE)
    # WATERFALL over a column: one row per exit (see tests/test_waterfall.py for the numbers)
    block = udf.WATERFALL([[15_000_000], [250_000_000]], CAP, [[8_269_000]], [[pay]])
    assert block[0][:3] == [10_000_000, 5_000_000, 0]
    assert block[1][:3] == [30_775_000, 12_500_000, 206_725_000]
    assert block[1][-2:] == [1, 1]  # both rows convert
    single = udf.WATERFALL([[150_000_000]], CAP, 8_269_000, pay, None, None, [[True]])
    assert single[0][0] == "A1 payout" and len(single) == 2
    # the jump at the total preference 22,310,000 (shares 2:1 below it: row 1 → 14,873,333.33
    # vs its preference 12,310,000), see tests/test_waterfall.py
    assert udf.WFBREAKS(CAP, 8_269_000, pay) == [
        [
            22_310_000.0,
            "preferences paid in full; payouts jump: Series A row 1 -$2,563,333.33, "
            "Series A row 2 +$2,563,333.33",
        ],
        [105_000_000.0, "Series A row 1 converts"],
        [200_000_000.0, "Series A row 2 converts"],
    ]
    # shortfall "AMOUNTS" (appended last): by preferences 1,231 : 1,000, no jump; at 15,000,000
    # row 1 gets 15,000,000 × 1,231/2,231 = 8,276,557.60
    by_amounts = udf.WFBREAKS(CAP, 8_269_000, pay, None, None, None, None, "amounts")
    assert by_amounts[0] == [22_310_000.0, "preferences paid in full"]
    row = udf.WATERFALL(15_000_000, CAP, 8_269_000, pay, None, None, None, None, None, "AMOUNTS")
    assert row[0][0] == pytest.approx(15_000_000 * 1231 / 2231, rel=1e-15)
    assert udf.QPOTEST(80e6, 50e6, 450e6) == [
        [False, "fails 5(b): gross proceeds $50,000,000 < $56,250,000"]
    ]
    assert udf.LIQEVENT(True) == [
        [False, "not a Liquidation Event: the shareholders keep a majority (3(b))"]
    ]
    assert udf.SECVALUE([[serial(D(2001, 1, 2))]], [[10]], serial(D(2001, 1, 31))) == 10
    assert udf.VOTES([[1000], [2000]], [[12.31]], [[10]], 96_307) == [
        [1231.0, 0.01231],
        [2462.0, 0.02462],
    ]
    assert udf.PARTDIV([[1000]], [[12.31]], [[12.31]], 0.5) == [[500.0]]
    assert udf.RESERVATION([[1_210_398]], [[12.31]], [[10]], 1_000_000) == [
        [1_489_999.0, 0.0, 489_999.0]
    ]
    assert udf.BOARDSEATS(7, 1) == 6
    assert udf.PUTPRICE(1000, 12.31, ISSUE, CLOSE) == [[13.541, 13_541.0]]
    assert udf.PUTDATE(D(2024, 8, 30)) == serial(D(2024, 9, 16))
    assert udf.CONSENT("debt", 20e6)[0][0] is True
    assert udf.CONSENT("stock acquisition", 1e6, None, None, None, None, None, 12, None,
                       [[11], [11.5]])[0][0] is True  # fmt: skip


def test_udf_bad_input_is_one_line_of_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")
    assert udf.WATERFALL(-5, CAP, 8_269_000, serial(ISSUE)) == (
        "#VALUE! proceeds must be >= 0 (got -5)"
    )
    assert udf.WATERFALL([[1], [-2]], CAP, 8_269_000, serial(ISSUE)) == (
        "#VALUE! proceeds must be >= 0 (got -2 in row 2)"
    )
    assert udf.QPOTEST("lots", 1, 1) == "#VALUE! firm_commitment must be a number (got text 'lots')"
    monkeypatch.setenv("XL_ADDIN_ERRORS", "raise")
    with pytest.raises(TermsError, match=r"^#VALUE! board_size must be >= 0 \(got -1\)$"):
        udf.BOARDSEATS(-1, 0)


# ------------------------------------------------------------------------ 2(c), 5(g)
def test_parity_dividends_shared_ratably() -> None:
    # 2(c): no full dividend on Parity Securities unless the Series A is "ratably" paid.
    # Series A rows entitled to $300 and $200, a Parity Security to $1,000: total $1,500.
    # $600 paid → 600/1,500 = 40% of each: $120, $80, $400; unpaid $180, $120, $600.
    assert parity_dividends(600, [[300], [200]], [[1000]]) == [
        (F(120), F(180)),
        (F(80), F(120)),
        (F(400), F(600)),
    ]
    # $2,000 covers $1,500: each in full, nothing unpaid (the other $500 is not theirs)
    assert parity_dividends(2000, [[300], [200]], 1000) == [
        (F(300), F(0)),
        (F(200), F(0)),
        (F(1000), F(0)),
    ]
    # no Parity Securities: the Series A rows alone, $100 of $500 → 20%: $60, $40
    assert parity_dividends(100, [[300], [200]]) == [(F(60), F(240)), (F(40), F(160))]
    assert udf.PARITYDIV(600, [[300], [200]], [[1000]]) == [
        [120.0, 180.0],
        [80.0, 120.0],
        [400.0, 600.0],
    ]
    with pytest.raises(TermsError, match=r"available must be >= 0 \(got -1\)"):
        parity_dividends(-1, 300)
    with pytest.raises(TermsError, match=r"parity_full must be >= 0 \(got -5 in row 2\)"):
        parity_dividends(1, 300, [[1], [-5]])


def test_merger_conversion_into_what_the_common_receives() -> None:
    # 5(g)(i): each holder converts into what a holder of its Common shares (deliverable on
    # conversion just before the closing) receives. 1,000 sh × 12.31 / 10 = 1,231 Common;
    # 999 sh → 1,229.769 → 1,229 full shares. Each Common share receives 0.5 acquirer shares
    # and $3.00: 615.5 shares and $3,693.00; 614.5 shares and $3,687.00.
    out = merger_consideration([[1000], [999]], 12.31, 10, [[0.5, 3]])
    assert out == [[F(1231), F(1231, 2), F(3693)], [F(1229), F(1229, 2), F(3687)]]
    # declared unpaid dividends enter the 5(a) quotient: (12.31 + 0.69) × 1,000 / 10 = 1,300
    assert merger_consideration(1000, 12.31, 10, 2, 0.69) == [[F(1300), F(2600)]]
    assert udf.MERGERCONV([[1000], [999]], [[12.31]], [[10]], [[0.5, 3]]) == [
        [1231.0, 615.5, 3693.0],
        [1229.0, 614.5, 3687.0],
    ]
    with pytest.raises(TermsError, match=r"per_common must be one row"):
        merger_consideration(1000, 12.31, 10, [[0.5], [3]])
    with pytest.raises(TermsError, match=r"per_common must be >= 0 \(got -3 in column 2\)"):
        merger_consideration(1000, 12.31, 10, [[0.5, -3]])


def test_waterfall_column_with_labels_is_plain_rows_checked_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A column of exits is checked for NaN/infinity in one vectorised pass (excel.table), and
    reaches the host as a plain list of rows: labels first when header is TRUE."""
    from xl_addin import excel

    pay = serial(ISSUE)
    block = udf.WATERFALL([[15_000_000], [250_000_000]], CAP, 8_269_000, pay, None, None, True)
    assert type(block) is list and all(type(r) is list for r in block)
    assert block[0][:2] == ["A1 payout", "A2 payout"]
    assert block[1][:3] == [10_000_000, 5_000_000, 0]  # as in the test above
    assert block[2][:3] == [30_775_000, 12_500_000, 206_725_000]
    # a non-finite cell anywhere in such a table is #NUM!, never shown as a number
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")
    bad = np.array([[1.0, 2.0], [3.0, np.inf]])
    wrapped = excel.excel_function(lambda x: excel.table(bad, ["a", "b"]))
    assert wrapped([[1], [2]]).startswith("#NUM! result is beyond Excel's number range")
    ok = excel.excel_function(lambda x: excel.table(bad[:1], ["a", "b"]))
    assert ok([[1], [2]]) == [["a", "b"], [1.0, 2.0]]
