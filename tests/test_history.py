"""Section 6 history engine: multi-event scenarios worked by hand, bad input, a property.

Every expected number below was computed by hand in the comment next to it. Class I Stated Value
is $12.31 throughout (Section 1); 100,000 Class I shares convert at $12.31 into exactly 100,000
Common shares (5(a)(i)), so they contribute 100,000 to Fully Diluted Outstanding at the start.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xl_addin.udfs_history as udfs_history
from xl_addin.terms import TermsError
from xl_addin.terms.certificate_of_adjustment import (
    certificate_html,
    certificate_markdown,
    certificate_of_adjustment,
)
from xl_addin.terms.history import (
    capitalization,
    conversion_price_history,
    history_steps,
    price_as_of,
    read_event_log,
)

HEADER = ["Date", "Event", "Shares", "Price", "Ratio", "Instrument", "Category",
          "Gross Proceeds", "Note"]  # fmt: skip
D = dt.date


def row(
    date: dt.date,
    event: str,
    shares: Any = None,
    price: Any = None,
    ratio: Any = None,
    instrument: Any = None,
    category: Any = None,
    gross: Any = None,
    note: Any = None,
) -> list[Any]:
    return [date, event, shares, price, ratio, instrument, category, gross, note]


def log(*rows: list[Any]) -> list[list[Any]]:
    return [HEADER, *rows]


def start(common: int = 9_900_000, qpo_closed: bool = False, **kw: Any) -> Any:
    # 9,900,000 common + 100,000 Class I as converted = 10,000,000 Fully Diluted
    return capitalization(common, 0, 100_000, qpo_closed=qpo_closed, **kw)


def class_i(df: Any, i: int) -> Fraction:
    value: Fraction = df["class_i_after"].iloc[i]
    return value


# =========================================================================== scenarios
def test_warrant_below_price_ratchets_then_expiry_restores() -> None:
    cap = start(common=10_000_000)  # FD = 10,000,000 + 100,000 = 10,100,000
    df = conversion_price_history(
        cap,
        log(
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 8, instrument="W1"),
            row(D(2001, 6, 1), "EXPIRE", instrument="W1"),
        ),
    )
    # row 2: 6(d) deemed 1,000,000 at $8 < $12.31 before the QPO -> full ratchet to $8.
    assert df["class_i_before"].iloc[0] == Fraction(1231, 100)
    assert class_i(df, 0) == 8
    assert df["fd_before"].iloc[0] == 10_100_000
    # FD after: 10,000,000 + 1,000,000 warrant + 1,231,000 / 8 = 153,875 -> 11,153,875
    assert df["fd_after"].iloc[0] == 11_153_875
    assert df["class_i_converts_into"].iloc[0] == 153_875
    assert "6(c)(i)" in df["section"].iloc[0] and "6(d)" in df["section"].iloc[0]
    assert "$12.31 → $8.00" in df["explanation"].iloc[0]
    # row 3: 6(f) expiry wholly unexercised: rescinded, $12.31 and FD 10,100,000 again
    assert class_i(df, 1) == Fraction(1231, 100)
    assert df["fd_after"].iloc[1] == 10_100_000
    assert df["section"].iloc[1].startswith("6(f)")
    assert "rescinded" in df["explanation"].iloc[1]


def test_partial_exercise_then_expiry_recomputes_on_exercised_part() -> None:
    cap = start(qpo_closed=True)  # FD 10,000,000; weighted average applies
    df = conversion_price_history(
        cap,
        log(
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 10, instrument="W1"),
            row(D(2001, 2, 1), "EXERCISE", 400_000, 10, instrument="W1"),
            row(D(2001, 6, 1), "EXPIRE", instrument="W1"),
        ),
    )
    # row 2: (10,000,000 × 12.31 + 1,000,000 × 10) / 11,000,000 = 133,100,000 / 11,000,000
    #        = $12.10 (the issue's example)
    assert class_i(df, 0) == Fraction(121, 10)
    assert (
        "(10,000,000 × $12.31 + $10,000,000.00) / 11,000,000 = $12.10"
        in (df["explanation"].iloc[0])
    )
    # FD after: 9,900,000 + 1,000,000 + floor(1,231,000 / 12.10 = 101,735.5...) = 11,001,735
    assert df["fd_after"].iloc[0] == 11_001_735
    # row 3: exercise, 6(c)(iii): no adjustment, FD unchanged
    assert class_i(df, 1) == Fraction(121, 10)
    assert df["fd_after"].iloc[1] == 11_001_735
    # row 4: recomputed as if 400,000 issued on 2001-02-01 at $10 with FD 10,000,000 before:
    #   (10,000,000 × 12.31 + 400,000 × 10) / 10,400,000 = 127,100,000 / 10,400,000 = 1271/104
    assert class_i(df, 2) == Fraction(1271, 104)
    # FD: 10,300,000 common + floor(1,231,000 × 104 / 1271 = 128,024,000 / 1271 = 100,726.98)
    #   = 10,400,726 (1271 × 100,726 = 128,022,746; remainder 1,254 < 1,271)
    assert df["fd_after"].iloc[2] == 10_400_726


def test_split_then_weighted_average_counts_series_a_as_converted() -> None:
    cap = start(qpo_closed=True)  # FD 10,000,000
    df = conversion_price_history(
        cap,
        log(
            row(D(2001, 1, 1), "SPLIT", ratio=2),
            row(D(2001, 2, 1), "ISSUE", 2_000_000, 5),
            row(D(2001, 3, 1), "ISSUE", 1_000, 100),
        ),
    )
    # 6(b)(ii): 12.31 × 10,000,000 / 20,000,000 = 6.155
    assert class_i(df, 0) == Fraction(6155, 1000)
    assert "$12.31 × 10,000,000 / 20,000,000 = $6.155" in df["explanation"].iloc[0]
    # FD after split: 19,800,000 + 1,231,000 / 6.155 = 200,000 -> 20,000,000
    assert df["fd_after"].iloc[0] == 20_000_000
    # 6(c)(ii): (20,000,000 × 6.155 + 2,000,000 × 5) / 22,000,000 = 133,100,000 / 22,000,000
    #   = 6.05
    assert class_i(df, 1) == Fraction(605, 100)
    assert df["fd_before"].iloc[1] == 20_000_000
    # Series A as converted at $6.05: 1,231,000 / 6.05 = 203,471.07 -> 203,471 full shares,
    # so the next event sees 21,800,000 + 203,471 = 22,003,471
    assert df["class_i_converts_into"].iloc[1] == 203_471
    assert df["fd_before"].iloc[2] == 22_003_471
    # $100 is not below $6.05: no adjustment
    assert class_i(df, 2) == Fraction(605, 100)


def test_qpo_test_then_weighted_average() -> None:
    cap = start()  # FD 10,000,000, QPO not closed
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "QPO", 1_000_000, 11, gross=11_000_000),
            row(D(2001, 2, 1), "QPO", 3_000_000, 10, gross=30_000_000),
            row(D(2001, 3, 1), "ISSUE", 1_000_000, 8),
        ),
    )
    # $11m < $30m: not a QPO, an ordinary issue: ratchet 12.31 -> 11, flagged
    assert steps[0].prices_after["Class I"] == 11
    assert any(f.startswith("NOT A QPO") for f in steps[0].flags)
    assert not steps[0].qpo_closed
    # FD: 10,900,000 + floor(1,231,000 / 11 = 111,909.09) = 11,011,909
    assert steps[0].fd_after == 11_011_909
    # $30m: a QPO; its own issue ratchets (in connection with, 6(c)(i)): 11 -> 10
    assert steps[1].prices_after["Class I"] == 10
    assert steps[1].qpo_closed
    # FD: 13,900,000 + 1,231,000 / 10 = 123,100 -> 14,023,100
    assert steps[1].fd_after == 14_023_100
    # then weighted average: (14,023,100 × 10 + 1,000,000 × 8) / 15,023,100
    #   = 148,231,000 / 15,023,100
    assert steps[2].prices_after["Class I"] == Fraction(148_231_000, 15_023_100)
    assert "6(c)(ii)" in steps[2].section


def test_basket_overflow_adjusts_the_excess_only() -> None:
    cap = start()  # FD 10,000,000, before the QPO
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "ISSUE", 60_000, 5, category="board basket"),
            row(D(2001, 2, 1), "ISSUE", 50_000, 6, category="BOARD_BASKET"),
        ),
    )
    # 60,000 of the 100,000 basket: permitted, no adjustment
    assert steps[0].prices_after["Class I"] == Fraction(1231, 100)
    assert steps[0].flags == ()
    # 40,000 permitted, 10,000 beyond the cap: ratchet to $6, flagged
    assert steps[1].prices_after["Class I"] == 6
    assert any("CAP EXCEEDED: 10,000 of 50,000" in f for f in steps[1].flags)
    # FD: 10,010,000 common + 1,231,000 / 6 = 205,166.67 -> 205,166 = 10,215,166
    assert steps[1].fd_after == 10_215_166


def test_basket_is_split_adjusted() -> None:
    cap = start()
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "SPLIT", ratio=2),
            row(D(2001, 2, 1), "ISSUE", 150_000, 1, category="DIRECTOR_BASKET"),
            row(D(2001, 3, 1), "ISSUE", 60_000, 1, category="DIRECTOR_BASKET"),
        ),
    )
    assert steps[0].prices_after["Class I"] == Fraction(6155, 1000)  # 12.31 / 2
    # cap 100,000 × 2 = 200,000: 150,000 within it
    assert steps[1].prices_after["Class I"] == Fraction(6155, 1000)
    # 50,000 left: 10,000 excess at $1 -> ratchet to $1
    assert steps[2].prices_after["Class I"] == 1
    assert any("10,000 of 60,000" in f for f in steps[2].flags)


def test_abandoned_record_date_rescinds() -> None:
    cap = start(common=10_000_000)  # FD 10,100,000
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "DIVIDEND", 1_000_000, instrument="D1"),
            row(D(2001, 1, 20), "ABANDON", instrument="D1"),
        ),
    )
    # factor (10,000,000 + 1,000,000) / 10,000,000 = 1.1: 12.31 / 1.1 = 1231/110
    assert steps[0].prices_after["Class I"] == Fraction(1231, 110)
    # FD: 11,000,000 + 1,231,000 × 110 / 1231 = 110,000 -> 11,110,000 (= 10,100,000 × 1.1)
    assert steps[0].fd_after == 11_110_000
    assert steps[1].prices_after["Class I"] == Fraction(1231, 100)
    assert steps[1].fd_after == 10_100_000
    assert steps[1].section == "6(g)(iii)"


def test_par_floor_clamp_is_flagged() -> None:
    cap = start(common=10_000_000)
    steps = history_steps(cap, log(row(D(2001, 1, 1), "ISSUE", 1_000, Fraction(1, 100))))
    # ratchet to $0.01 < par $.02 -> clamped at $0.02 (6(i))
    assert steps[0].prices_after["Class I"] == Fraction(2, 100)
    assert "6(i)" in steps[0].section
    assert any("PAR FLOOR 6(i)" in f and "$0.01" in f for f in steps[0].flags)


def test_reprice_recomputes_remainder_after_the_change() -> None:
    cap = start(common=10_000_000)
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 8, instrument="W1"),
            row(D(2001, 3, 1), "REPRICE", price=10, instrument="W1"),
            row(D(2001, 4, 1), "EXERCISE", 1_000_000, instrument="W1"),
        ),
    )
    assert steps[0].prices_after["Class I"] == 8
    # rescinded: back to 12.31, then 1,000,000 deemed issued at $10 after the change:
    # ratchet to $10 (6(f)(iv)); FD 10,000,000 + 1,000,000 + 123,100 = 11,123,100
    assert steps[1].prices_after["Class I"] == 10
    assert steps[1].fd_after == 11_123_100
    assert "6(f)(iv)" in steps[1].explanation
    # exercise after the change: no adjustment, FD unchanged
    assert steps[2].prices_after["Class I"] == 10
    assert steps[2].fd_after == 11_123_100


def test_option_plan_cap_overflow_then_expiry() -> None:
    cap = start(common=10_000_000, option_plan_used=2_400_000)
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "WARRANT", 100_000, 1, instrument="OPT-1", category="OPTION_PLAN"),
            row(D(2001, 2, 1), "WARRANT", 5, 1, instrument="OPT-2", category="OPTION_PLAN"),
            row(D(2001, 5, 1), "EXPIRE", instrument="OPT-1"),
        ),
    )
    # 60,000 left under the 2,460,000 cap; 40,000 excess at $1 -> ratchet to $1
    assert steps[0].prices_after["Class I"] == 1
    assert any("40,000 of 100,000" in f for f in steps[0].flags)
    # the cap is used up: 5 more options at $1 are all excess (not below $1: no change)
    assert steps[1].prices_after["Class I"] == 1
    assert any("5 of 5" in f for f in steps[1].flags)
    # OPT-1 expires unexercised: its $1 adjustment is rescinded and the history replayed
    # without it (6(f)); but its grant still used the last 60,000 of the cap on 2001-01-01
    # (issue #13 item 3: capacity never depends on whether a grant crossed the cap), so
    # OPT-2 is still wholly beyond the cap and, against the recomputed $12.31, ratchets
    # Class I to $1 (6(c)(i), 6(d)): the price stays $1.
    assert steps[2].prices_after["Class I"] == 1


def test_permitted_option_expiry_only_reduces_fully_diluted() -> None:
    cap = start(common=10_000_000)
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "WARRANT", 100_000, 1, instrument="O1", category="OPTION_PLAN"),
            row(D(2001, 2, 1), "EXPIRE", instrument="O1"),
        ),
    )
    assert steps[0].prices_after["Class I"] == Fraction(1231, 100)
    assert steps[0].fd_after == 10_200_000
    assert steps[1].fd_after == 10_100_000
    assert "Permitted Issuance" in steps[1].explanation


def test_two_classes_each_against_its_own_price() -> None:
    # Class II: 50,000 shares, Stated Value $10, price $10 -> 50,000 as converted
    cap = capitalization(9_850_000, 0, 100_000, 50_000, 10)  # FD 10,000,000
    steps = history_steps(cap, log(row(D(2001, 1, 1), "ISSUE", 1_000, 11)))
    # $11 is below Class I's $12.31 (ratchet to $11) but not below Class II's $10
    assert steps[0].prices_after == {"Class I": 11, "Class II": 10}


def test_same_date_in_log_order_and_price_as_of() -> None:
    cap = start(common=10_000_000)
    events = log(
        row(D(2001, 1, 1), "ISSUE", 1_000, 9),
        row(D(2001, 1, 1), "ISSUE", 1_000, 7),
        row(D(2001, 3, 1), "ISSUE", 1_000, 5),
    )
    assert price_as_of(cap, events, "I", D(2000, 12, 31)) == Fraction(1231, 100)
    assert price_as_of(cap, events, "Class I", D(2001, 1, 1)) == 7
    assert price_as_of(cap, events, "i", D(2001, 2, 28)) == 7
    assert price_as_of(cap, events, 1, D(2001, 3, 1)) == 5


# =========================================================================== bad input
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [row(D(2001, 1, 1), "MERGE", 5, 1)],
            "event log row 2, column 'event': must be one of SPLIT,",
        ),
        (
            [row(D(2001, 1, 1), "EXPIRE", instrument="W9")],
            "event log row 2, column 'instrument': no WARRANT or CONVERTIBLE row above has "
            "instrument 'W9'",
        ),
        (
            [row(D(2001, 1, 1), "EXPIRE")],
            "event log row 2, column 'instrument': required for EXPIRE (got an empty cell)",
        ),
        (
            [
                row(D(2001, 1, 1), "WARRANT", 500, 20, instrument="W1"),
                row(D(2001, 1, 2), "EXERCISE", 600, instrument="W1"),
            ],
            "event log row 3, column 'shares': exercise of 600 exceeds the 500 remaining on "
            "instrument 'W1'",
        ),
        (
            [row(D(2001, 1, 1), "ISSUE", 10, 1), row(D(2001, 1, 2), "ISSUE", -5, 1)],
            "event log row 3, column 'shares': must be >= 0 (got -5)",
        ),
        (
            [row(D(2001, 1, 1), "ISSUE", 10)],
            "event log row 2, column 'price': required for ISSUE (got an empty cell)",
        ),
        (
            [
                row(D(2001, 1, 1), "QPO", 3_000_000, 20, gross=60_000_000),
                row(D(2001, 1, 2), "QPO", 3_000_000, 20, gross=60_000_000),
            ],
            "event log row 3, column 'event': the Qualified Private Offering already closed "
            "on row 2",
        ),
        (
            [row(D(2001, 2, 1), "ISSUE", 10, 20), row(D(2001, 1, 1), "ISSUE", 10, 20)],
            "event log row 3, column 'date': dates must not go backwards (2001-01-01 is before "
            "2001-02-01 on row 2)",
        ),
        (
            [row(D(2001, 1, 1), "ISSUE", 10, 20, category="SPINWAY_WARRANT")],
            "event log row 2, column 'category': SPINWAY_WARRANT applies to WARRANT rows",
        ),
        (
            [
                row(D(2001, 1, 1), "WARRANT", 10, 20, instrument="w1"),
                row(D(2001, 1, 1), "WARRANT", 10, 20, instrument="W1"),
            ],
            "event log row 3, column 'instrument': id 'W1' is already used on row 2",
        ),
        (
            [row(D(2001, 1, 1), "QPO", 10, 20)],
            "event log row 2, column 'gross_proceeds': required for QPO",
        ),
        (
            [row(D(2001, 1, 1), "SPLIT", ratio=Fraction(1, 2))],
            "event log row 2, column 'ratio': must be > 1 for SPLIT (got 0.5)",
        ),
    ],
)
def test_bad_input_names_row_and_column(rows: list[list[Any]], message: str) -> None:
    with pytest.raises(TermsError) as info:
        history_steps(start(), log(*rows))
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_bad_headers() -> None:
    with pytest.raises(TermsError, match=r"row 1, column 3: unknown header text 'Amount'"):
        read_event_log([["date", "event", "Amount"], [D(2001, 1, 1), "ISSUE", 1]])
    with pytest.raises(TermsError, match="missing column 'event'"):
        read_event_log([["date", "shares"], [D(2001, 1, 1), 1]])


def test_headers_any_case_order_and_blank_rows_skipped() -> None:
    rows = read_event_log(
        [
            ["PRICE", " event ", "gross proceeds", "Date", "SHARES", None],
            [8, "issue", None, D(2001, 1, 1), 10, None],
            [None, None, None, None, None, None],
            [9, "Issue", None, 36900, 20, None],
        ]
    )
    assert [(r.row, r.event, r.shares, r.price) for r in rows] == [
        (2, "ISSUE", 10, 8),
        (4, "ISSUE", 20, 9),
    ]


def test_exercise_after_expiry_is_an_error() -> None:
    with pytest.raises(TermsError, match=r"row 4, column 'instrument': instrument 'W1' is no"):
        history_steps(
            start(),
            log(
                row(D(2001, 1, 1), "WARRANT", 10, 1, instrument="W1"),
                row(D(2001, 1, 2), "EXPIRE", instrument="W1"),
                row(D(2001, 1, 3), "EXERCISE", 5, instrument="W1"),
            ),
        )


# =========================================================================== property
_base_event = st.one_of(
    st.tuples(
        st.just("ISSUE"),
        st.integers(0, 2_000_000),
        st.fractions(Fraction(1, 10), Fraction(20)).map(lambda f: f.limit_denominator(100)),
    ),
    st.tuples(st.just("SPLIT"), st.just(None), st.sampled_from([Fraction(2), Fraction(3, 2)])),
    st.tuples(st.just("QPO"), st.integers(0, 5_000_000), st.sampled_from([Fraction(10)])),
)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    base=st.lists(_base_event, min_size=0, max_size=6),
    warrants=st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 6),
            st.integers(1, 3_000_000),
            st.fractions(Fraction(1, 10), Fraction(20)).map(lambda f: f.limit_denominator(100)),
        ),
        min_size=1,
        max_size=3,
    ),
    qpo_closed=st.booleans(),
)
def test_expired_unexercised_warrants_leave_the_prices_of_never_issuing_them(
    base: list[tuple[str, Any, Fraction]],
    warrants: list[tuple[int, int, int, Fraction]],
    qpo_closed: bool,
) -> None:
    cap = capitalization(9_850_000, 0, 100_000, 50_000, 10, qpo_closed=qpo_closed)

    def base_row(kind: str, n: Any, x: Fraction) -> list[Any]:
        if kind == "SPLIT":
            return row(D(2001, 1, 1), "SPLIT", ratio=x)
        if kind == "QPO":  # proceeds at or above / below the $30 million test
            return row(D(2001, 1, 1), "QPO", n, x, gross=n * x)
        return row(D(2001, 1, 1), "ISSUE", n, x)

    plain = [base_row(*e) for e in base]
    # one QPO row at most (a second one is an error once the first qualifies)
    seen_qpo = qpo_closed
    kept: list[list[Any]] = []
    for r in plain:
        if r[1] == "QPO":
            if seen_qpo:
                continue
            seen_qpo = True
        kept.append(r)
    # slot i holds events inserted before base event i; each warrant is issued in one slot
    # and expires in the same or a later one
    slots: list[list[list[Any]]] = [[] for _ in range(len(kept) + 1)]
    for k, (a, b, n, p) in enumerate(warrants):
        issue_at, expire_at = sorted((a % (len(kept) + 1), b % (len(kept) + 1)))
        slots[issue_at].append(row(D(2001, 1, 1), "WARRANT", n, p, instrument=f"W{k}"))
        slots[expire_at].append(row(D(2001, 1, 1), "EXPIRE", instrument=f"W{k}"))
    # an EXPIRE must follow its WARRANT within a slot
    for s in slots:
        s.sort(key=lambda r: r[1] == "EXPIRE")
    with_warrants: list[list[Any]] = []
    for i in range(len(kept) + 1):
        with_warrants += slots[i]
        if i < len(kept):
            with_warrants.append(kept[i])

    never = history_steps(cap, log(*kept)) if kept else []
    both = history_steps(cap, log(*with_warrants))
    # a warrant at or above $12.31 is below no price (prices never rise above their starting
    # $12.31 and $10): it adjusts nothing, so its expiry moves no price (6(f), issue #13 item 1)
    high = {f"W{k}" for k, (_, _, _, p) in enumerate(warrants) if p >= Fraction(1231, 100)}
    for s in both:
        if s.event == "EXPIRE" and s.instrument in high:
            assert s.prices_after == s.prices_before
    # 6(f) undoes only what 6(d) did (issue #13 item 1): the property holds for warrants that
    # adjusted every class's price when issued (a rescission only raises prices, so they still
    # do in any replay); a warrant that adjusted a class less leaves that class alone.
    if not all(
        s.prices_after[n] != s.prices_before[n]
        for s in both
        if s.event == "WARRANT"
        for n in s.prices_before
    ):
        return
    expected = never[-1].prices_after if never else {"Class I": Fraction(1231, 100),
                                                     "Class II": Fraction(10)}  # fmt: skip
    assert both[-1].prices_after == expected
    if never:
        assert both[-1].fd_after == never[-1].fd_after


# =========================================================================== Excel + 6(j)
def test_cphistory_udf_returns_table_with_header() -> None:
    table = udfs_history.CPHISTORY(
        log(
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 8, instrument="W1"),
            row(D(2001, 6, 1), "EXPIRE", instrument="W1"),
        ),
        10_000_000,
        0,
        100_000,
    )
    assert table[0][:6] == ["row", "date", "event", "instrument", "fd_before", "fd_after"]
    assert table[0][6:9] == ["class_i_before", "class_i_after", "class_i_converts_into"]
    assert len(table) == 3
    assert table[1][:9] == [2, 36892.0, "WARRANT", "W1", 10_100_000.0, 11_153_875.0, 12.31, 8.0,
                            153_875.0]  # fmt: skip
    assert table[2][7] == 12.31
    assert all(isinstance(v, (int, float, str)) for r in table for v in r)


def test_cpasof_udf() -> None:
    events = log(row(D(2001, 1, 1), "ISSUE", 1_000, 9))
    assert udfs_history.CPASOF(events, "II", 36892, 9_850_000, 0, 100_000, None, 50_000, 10) == 9
    assert udfs_history.CPASOF(events, "I", 36891, 9_850_000, 0, 100_000) == 12.31


def test_cpasof_column_replays_the_log_once_and_never_serves_a_stale_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")
    udfs_history._HISTORIES.clear()
    replays: list[int] = []
    real = udfs_history.history_steps

    def counted(cap, events):  # type: ignore[no-untyped-def]
        replays.append(1)
        return real(cap, events)

    monkeypatch.setattr(udfs_history, "history_steps", counted)
    # 2001-01-01 ISSUE 1,000 at $9 < $12.31 (no QPO: the price falls to 9); the day before, 12.31
    events = log(row(D(2001, 1, 1), "ISSUE", 1_000, 9))
    column = [
        udfs_history.CPASOF(events, "I", day, 9_850_000, 0, 100_000) for day in (36891, 36892)
    ]
    assert column == [12.31, 9.0] and len(replays) == 1
    # another log (a different price) or another capitalization: replayed, not the cached answer
    other = log(row(D(2001, 1, 1), "ISSUE", 1_000, 8))
    assert udfs_history.CPASOF(other, "I", 36892, 9_850_000, 0, 100_000) == 8.0
    assert udfs_history.CPASOF(events, "I", 36892, 9_850_000, 0, 100_001) == 9.0
    assert len(replays) == 3
    # errors are not cached: a bad log says so every time
    bad = log(row(D(2001, 1, 1), "ISSUE", -5, 9))
    for _ in range(2):
        assert udfs_history.CPASOF(bad, "I", 36892, 9_850_000, 0, 100_000).startswith("#VALUE!")
    assert len(udfs_history._HISTORIES) == 3


def test_udf_bad_input_is_one_line_of_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")
    result = udfs_history.CPHISTORY(
        log(row(D(2001, 1, 1), "ISSUE", 10, 1), row(D(2001, 1, 2), "ISSUE", -5, 1)),
        10_000_000,
        0,
        100_000,
    )
    assert result == "#VALUE! event log row 3, column 'shares': must be >= 0 (got -5)"


def test_certificate_of_adjustment_markdown_and_html() -> None:
    cap = start(common=10_000_000)
    events = log(
        row(D(2001, 1, 1), "WARRANT", 1_000_000, 8, instrument="W1", note="<b>Bridge</b> & co"),
    )
    md = certificate_of_adjustment(cap, events, 2)
    assert md.startswith("# Certificate of Adjustment")
    assert "Section 6(j)" in md
    assert "| Class I | $12.31 | $8.00 | 100,000 | 153,875 |" in md
    assert "6(c)(i) full ratchet: $12.31 → $8.00" in md
    assert "Chief Financial Officer" in md
    page = certificate_of_adjustment(cap, events, 2, "HTML")
    assert "&lt;b&gt;Bridge&lt;/b&gt; &amp; co" in page and "<b>Bridge" not in page
    assert "<td>153,875</td>" in page
    step = history_steps(cap, events)[0]
    assert certificate_markdown(step) == md
    assert certificate_html(step) == page
    with pytest.raises(TermsError, match="row must be an event-log row number"):
        certificate_of_adjustment(cap, events, 5)


def test_abandoned_warrant_distribution_and_bad_abandons() -> None:
    cap = start(common=10_000_000)
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "CONVERTIBLE", 500_000, 9, instrument="C1"),
            row(D(2001, 1, 5), "WARRANT", 1_000_000, 8, instrument="R1", note="rights record"),
            row(D(2001, 1, 9), "ABANDON", instrument="R1"),
        ),
    )
    # 6(e): 500,000 at $9 -> ratchet to $9; 6(d) rights at $8 -> $8; abandoned -> back to $9
    assert [s.prices_after["Class I"] for s in steps] == [9, 8, 9]
    # FD after the abandonment: 10,000,000 + 500,000 + 1,231,000 / 9 = 136,777.8 -> 136,777
    assert steps[2].fd_after == 10_636_777
    with pytest.raises(TermsError, match="row 4, column 'instrument': 'R1' was already abandoned"):
        history_steps(
            cap,
            log(
                row(D(2001, 1, 5), "WARRANT", 1_000_000, 8, instrument="R1"),
                row(D(2001, 1, 9), "ABANDON", instrument="R1"),
                row(D(2001, 1, 9), "ABANDON", instrument="R1"),
            ),
        )
    with pytest.raises(TermsError, match="row 4, column 'instrument': cannot abandon 'R1'"):
        history_steps(
            cap,
            log(
                row(D(2001, 1, 5), "WARRANT", 1_000_000, 8, instrument="R1"),
                row(D(2001, 1, 6), "EXERCISE", 10, instrument="R1"),
                row(D(2001, 1, 9), "ABANDON", instrument="R1"),
            ),
        )


def test_rescission_explanation_shows_the_recomputation() -> None:
    cap = start(qpo_closed=True)
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 10, instrument="W1"),
            row(D(2001, 2, 1), "EXERCISE", 400_000, 10, instrument="W1"),
            row(D(2001, 6, 1), "EXPIRE", instrument="W1"),
            row(D(2001, 7, 1), "WARRANT", 10, 100, instrument="W2"),
            row(D(2001, 8, 1), "EXPIRE", instrument="W2"),
        ),
    )
    # (10,000,000 × 12.31 + 400,000 × 10) / 10,400,000 = 12.2211538... (shown to 6 places)
    assert "row 3 recomputed" in steps[2].explanation
    assert "(10,000,000 × $12.31 + $4,000,000.00) / 10,400,000 = $12.221154…" in (
        steps[2].explanation
    )
    # W2's rescission lists only W2's own recomputed exercises (none)
    assert "row 3 recomputed" not in steps[4].explanation
    assert steps[4].prices_after["Class I"] == Fraction(1271, 104)


def test_reprice_after_split_uses_split_adjusted_remainder() -> None:
    cap = start(qpo_closed=True)  # FD 10,000,000
    steps = history_steps(
        cap,
        log(
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 10, instrument="W1"),
            row(D(2001, 2, 1), "EXERCISE", 200_000, instrument="W1"),  # paid the $10 in force
            row(D(2001, 3, 1), "SPLIT", ratio=2),
            row(D(2001, 4, 1), "REPRICE", price=Fraction(11, 2), instrument="W1"),
        ),
    )
    assert steps[0].prices_after["Class I"] == Fraction(121, 10)  # $12.10, as above
    # Recomputation from the start:
    #  row 3 as an issue: (10,000,000 × 12.31 + 200,000 × 10) / 10,200,000 = 1251/102;
    #    FD 10,100,000 + floor(1,231,000 × 102 / 1251 = 100,369.3) = 10,200,369
    #  row 4 split: 1251/204; FD 20,200,000 + floor(1,231,000 × 204 / 1251 = 200,738.6)
    #    = 20,400,738; the 800,000 unexercised become 1,600,000
    #  row 5: 1,600,000 deemed issued at $5.50 < 1251/204 = $6.13:
    #    (20,400,738 × 1251/204 + 1,600,000 × 5.5) / 22,000,738
    expected = (20_400_738 * Fraction(1251, 204) + 8_800_000) / 22_000_738
    assert steps[3].prices_after["Class I"] == expected


# =========================================================================== Permitted Issuances
# (iii) conversion of Series A and (v) the Subsequent Closing. These logs carry a ``Class`` column.
HEADER_C = [*HEADER, "Class"]


def crow(date: dt.date, event: str, shares: Any = None, price: Any = None, cls: Any = None,
         instrument: Any = None, category: Any = None) -> list[Any]:  # fmt: skip
    return [*row(date, event, shares, price, instrument=instrument, category=category), cls]


def clog(*rows: list[Any]) -> list[list[Any]]:
    return [HEADER_C, *rows]


def common_after(step: Any) -> Fraction:
    # no rights outstanding in these scenarios: Common = FD - every class as converted
    total: Fraction = step.fd_after - sum(step.converts_into.values())
    return total


def test_conversion_at_stated_value_is_one_for_one() -> None:
    steps = history_steps(start(), clog(crow(D(2001, 1, 1), "CONVERSION", 100_000, cls="I")))
    # 100,000 × $12.31 / $12.31 = 100,000 Common; FD 9,900,000 + 100,000 = 10,000,000 before,
    # 10,000,000 Common + 0 as converted after: unchanged; no price change.
    s = steps[0]
    assert (s.fd_before, s.fd_after) == (10_000_000, 10_000_000)
    assert s.prices_after == {"Class I": Fraction(1231, 100)}
    assert s.class_shares == {"Class I": 0}
    assert common_after(s) == 10_000_000
    assert s.explanation.startswith(
        "6(a) Permitted Issuance (iii): 100,000 Class I shares converted into 100,000 Common "
        "shares at $12.31; no adjustment"
    )
    assert s.section.startswith("6(a) (iii)")
    assert s.flags == ()


def test_conversion_after_ratchet_floors_and_moves_fd_only_by_rounding() -> None:
    steps = history_steps(
        start(),  # 9,900,000 Common + 100,000 Class I at $12.31 = 10,000,000 FD
        clog(
            crow(D(2001, 1, 1), "ISSUE", 1_000, 11),
            crow(D(2001, 2, 1), "CONVERSION", 50_000, cls="Class I"),
            crow(D(2001, 3, 1), "conversion", 50_000, cls=1),
        ),
    )
    # row 2: $11 < $12.31 before the QPO -> full ratchet to $11. Class I as converted:
    # 1,231,000 / 11 = 111,909 1/11 -> 111,909. FD = 9,901,000 + 111,909 = 10,012,909.
    assert steps[0].prices_after["Class I"] == 11
    assert steps[0].fd_after == 10_012_909
    # row 3: 50,000 × 12.31 / 11 = 615,500 / 11 = 55,954 6/11 -> 55,954 Common issued (5(e)(ii));
    # Common 9,901,000 -> 9,956,954; the remaining 50,000 convert into 55,954.
    # FD = 9,956,954 + 55,954 = 10,012,908: one less, only the rounding; price stays $11.
    s = steps[1]
    assert (s.fd_before, s.fd_after) == (10_012_909, 10_012_908)
    assert s.prices_before == s.prices_after == {"Class I": 11}
    assert s.class_shares == {"Class I": 50_000}
    assert s.converts_into == {"Class I": 55_954}
    assert common_after(s) == 9_956_954
    assert "50,000 Class I shares converted into 55,954 Common shares at $11.00" in s.explanation
    assert "5(e)(ii)" in s.explanation and "rounding" in s.explanation
    # row 4: the last 50,000 -> 55,954 more Common: 10,012,908 Common, FD unchanged 10,012,908.
    s = steps[2]
    assert (s.fd_before, s.fd_after) == (10_012_908, 10_012_908)
    assert common_after(s) == 10_012_908
    assert s.class_shares == {"Class I": 0} and s.prices_after == {"Class I": 11}


def test_conversion_survives_rescission_of_the_price_it_used() -> None:
    steps = history_steps(
        start(),
        clog(
            crow(D(2001, 1, 1), "WARRANT", 1_000_000, 8, instrument="W1"),
            crow(D(2001, 2, 1), "CONVERSION", 50_000, cls="I"),
            crow(D(2001, 3, 1), "EXPIRE", instrument="W1"),
        ),
    )
    # row 2: ratchet to $8; FD = 9,900,000 + 1,000,000 + 1,231,000 / 8 (= 153,875) = 11,053,875.
    assert steps[0].fd_after == 11_053_875
    # row 3: 615,500 / 8 = 76,937.5 -> 76,937 Common; remaining 50,000 -> 76,937.
    # FD = 9,976,937 + 1,000,000 + 76,937 = 11,053,874.
    assert steps[1].fd_after == 11_053_874
    assert common_after(steps[1]) - 1_000_000 == 9_976_937  # less the W1 warrant shares
    # row 4: W1 expires unexercised: $12.31 restored; the 76,937 Common actually issued stay.
    # FD = 9,976,937 + 50,000 × 12.31 / 12.31 (= 50,000) = 10,026,937.
    assert steps[2].prices_after == {"Class I": Fraction(1231, 100)}
    assert steps[2].fd_after == 10_026_937


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [crow(D(2001, 1, 1), "CONVERSION", 100_001, cls="I")],
            "event log row 2, column 'shares': conversion of 100,001 Class I shares exceeds the "
            "100,000 Class I shares outstanding",
        ),
        (
            [
                crow(D(2001, 1, 1), "CONVERSION", 60_000, cls="I"),
                crow(D(2001, 1, 2), "CONVERSION", 40_001, cls="I"),
            ],
            "event log row 3, column 'shares': conversion of 40,001 Class I shares exceeds the "
            "40,000 Class I shares outstanding",
        ),
        (
            [crow(D(2001, 1, 1), "CONVERSION", 10)],
            "event log row 2, column 'class': required for CONVERSION (got an empty cell)",
        ),
        (
            [crow(D(2001, 1, 1), "CONVERSION", 10, cls="III")],
            "event log row 2, column 'class': must be I or II",
        ),
        (
            [crow(D(2001, 1, 1), "CONVERSION", 10, cls="II")],
            "event log row 2, column 'class': Class II is not tracked",
        ),
        (
            [crow(D(2001, 1, 1), "SUBSEQUENT_CLOSING", 10)],
            "event log row 2, column 'price': required for SUBSEQUENT_CLOSING while Class II is "
            "not tracked",
        ),
        (
            [
                crow(D(2001, 1, 1), "SUBSEQUENT_CLOSING", 10, 10),
                crow(D(2001, 1, 2), "SUBSEQUENT_CLOSING", 10, 11),
            ],
            "event log row 3, column 'price': the Class II Stated Value (the Closing Per Share "
            "Price, Section 1) is $10.00",
        ),
        (
            [crow(D(2001, 1, 1), "SUBSEQUENT_CLOSING", 10, 10, cls="I")],
            "event log row 2, column 'class': the Subsequent Closing issues Class II shares only",
        ),
        (
            [crow(D(2001, 1, 1), "ISSUE", 10, 20, category="SUBSEQUENT_CLOSING")],
            "event log row 2, column 'category': SUBSEQUENT_CLOSING applies to "
            "SUBSEQUENT_CLOSING rows, not ISSUE",
        ),
    ],
)
def test_permitted_issuance_bad_input(rows: list[list[Any]], message: str) -> None:
    with pytest.raises(TermsError) as info:
        history_steps(start(), clog(*rows))
    assert str(info.value).startswith(message)


def test_subsequent_closing_within_the_cap() -> None:
    cap = start()  # Class II not tracked: the log gives its Stated Value
    events = clog(
        crow(D(2001, 1, 1), "ISSUE", 100, 20),
        crow(D(2001, 2, 1), "Subsequent Closing", 400_000, 10),
        crow(D(2001, 2, 1), "SUBSEQUENT_CLOSING", 420_471, cls="II"),
    )
    steps = history_steps(cap, events)
    # row 2: $20 is not below $12.31: FD 10,000,000 -> 10,000,100.
    assert steps[0].fd_after == 10_000_100
    # row 3: 400,000 Class II at Stated Value = Conversion Price $10 (Section 1, 5(c)):
    # 400,000 as converted; FD 10,400,100. $10 < $12.31 but permitted: Class I unchanged.
    s = steps[1]
    assert (s.fd_before, s.fd_after) == (10_000_100, 10_400_100)
    assert s.prices_before == {"Class I": Fraction(1231, 100), "Class II": 10}
    assert s.prices_after == {"Class I": Fraction(1231, 100), "Class II": 10}
    assert s.converts_into["Class II"] == 400_000
    assert "cap 820,471, 0 used before" in s.explanation and s.flags == ()
    # row 4: 420,471 more: 820,471 in all, exactly the cap. FD 10,820,571, no adjustment.
    s = steps[2]
    assert (s.fd_before, s.fd_after) == (10_400_100, 10_820_571)
    assert s.class_shares["Class II"] == 820_471
    assert s.prices_after == {"Class I": Fraction(1231, 100), "Class II": 10}
    assert "cap 820,471, 400,000 used before" in s.explanation and s.flags == ()
    assert s.section == "6(a) (v)"
    df = conversion_price_history(cap, events)
    assert df["class_ii_after"].iloc[0] is None and df["class_ii_after"].iloc[2] == 10
    assert price_as_of(cap, events, "II", D(2001, 2, 1)) == 10
    with pytest.raises(TermsError, match="Class II has no Conversion Price on 2001-01-15"):
        price_as_of(cap, events, "II", D(2001, 1, 15))
    md = certificate_of_adjustment(cap, events, 3)  # log row 3: Class II's first row
    assert "| Class II | $10.00 | $10.00 | 400,000 | 400,000 |" in md


def test_subsequent_closing_beyond_the_cap_ratchets_class_i() -> None:
    cap = start(class_ii_stated_value=10)  # Class II tracked, 0 shares, $10
    steps = history_steps(cap, clog(crow(D(2001, 1, 1), "SUBSEQUENT_CLOSING", 830_471)))
    # 830,471 = the 820,471 cap + 10,000. Permitted part first: FD 10,000,000 + 820,471 =
    # 10,820,471. The 10,000 excess: 6(e) Convertible Securities deemed converted into
    # 10,000 × 10 / 10 = 10,000 Common at $10 < $12.31 before the QPO -> Class I ratchets to $10;
    # Class II: $10 is not below its own $10. After: Class I 1,231,000 / 10 = 123,100 as converted;
    # FD = 9,900,000 + 123,100 + 830,471 = 10,853,571.
    s = steps[0]
    assert s.prices_after == {"Class I": 10, "Class II": 10}
    assert (s.fd_before, s.fd_after) == (10_000_000, 10_853_571)
    assert s.class_shares["Class II"] == 830_471
    assert s.flags[0].startswith("CAP EXCEEDED: 10,000 of 830,471 shares are beyond the")
    assert "maximum 10,000 Common shares" in s.explanation
    assert "Class I 6(c)(i) full ratchet: $12.31 → $10.00" in s.explanation
    assert s.section == "6(a) (v), 6(e), 6(c)(i)"


def test_subsequent_closing_cap_is_cumulative_weighted_average_after_qpo() -> None:
    cap = start(qpo_closed=True, class_ii_stated_value=10)
    steps = history_steps(
        cap,
        clog(
            crow(D(2001, 1, 1), "SUBSEQUENT_CLOSING", 800_000),
            crow(D(2001, 2, 1), "SUBSEQUENT_CLOSING", 30_471, 10),
        ),
    )
    # row 2: within the cap: FD 10,000,000 + 800,000 = 10,800,000, no change.
    assert steps[0].fd_after == 10_800_000 and steps[0].flags == ()
    # row 3: 20,471 permitted (cap 820,471 - 800,000), 10,000 beyond. FD after the permitted part:
    # 10,820,471. 6(c)(ii) for the 10,000 deemed Common at $10:
    # (10,820,471 × 12.31 + 10,000 × 10) / 10,830,471 = (133,199,998.01 + 100,000) / 10,830,471
    # = 13,329,999,801 / 1,083,047,100 (≈ $12.30787).
    s = steps[1]
    assert s.prices_after["Class I"] == Fraction(13_329_999_801, 1_083_047_100)
    assert s.prices_after["Class II"] == 10
    # Class I as converted: 1,231,000 × 10,830,471 / 133,299,998.01 = 13,332,309,801,000 /
    # 133,299,998.01; 100,017 × 133,299,998.01 = 13,332,265,900,966.17, short by 43,900,033.83
    # < one divisor -> 100,017. FD = 9,900,000 + 100,017 + 830,471 = 10,830,488.
    assert s.converts_into["Class I"] == 100_017
    assert s.fd_after == 10_830_488
    assert "cap 820,471, 800,000 used before" in s.explanation
    assert (
        "Class I 6(c)(ii) weighted average: (10,820,471 × $12.31 + $100,000.00) / 10,830,471"
        in s.explanation
    )
    assert s.flags[0].startswith("CAP EXCEEDED: 10,000 of 30,471 shares")
