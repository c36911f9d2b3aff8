"""Issue #13 items 1-4: Section 6 corrections of the history engine, each worked by hand.

Starting figures (unless a test says otherwise): Class I 100,000 shares, Stated Value $12.31,
price $12.31 -> 100,000 Common as converted (5(a)(i)); Class II 50,000 shares, Stated Value
$10, price $10 -> 50,000 as converted; Common Outstanding 9,850,000. Fully Diluted (6(a)):
9,850,000 + 100,000 + 50,000 = 10,000,000.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xl_addin.udfs_history as udfs_history
from xl_addin.terms.history import capitalization, history_steps, price_as_of

HEADER = ["Date", "Event", "Shares", "Price", "Instrument", "Category", "Class"]
D = dt.date
SV1 = Fraction(1231, 100)


def row(
    date: dt.date,
    event: str,
    shares: Any = None,
    price: Any = None,
    instrument: Any = None,
    category: Any = None,
    klass: Any = None,
) -> list[Any]:
    return [date, event, shares, price, instrument, category, klass]


def two_classes(qpo_closed: bool = True, **kw: Any) -> Any:
    return capitalization(9_850_000, 0, 100_000, 50_000, 10, qpo_closed=qpo_closed, **kw)


# =========================================================================== item 1
def test_expiry_of_a_warrant_that_adjusted_no_price_moves_no_price() -> None:
    # after the QPO (weighted average, 6(c)(ii))
    steps = history_steps(
        two_classes(),
        [
            HEADER,
            # $15 is below neither $12.31 nor $10: no adjustment; FD 10,000,000 -> 11,000,000
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 15, "W1"),
            # FD before 11,000,000 (the warrant counted, 6(d)):
            #   Class I:  (11,000,000 × 12.31 + 5,000,000) / 12,000,000
            #             = 140,410,000 / 12,000,000 = 14041/1200
            #   Class II: (11,000,000 × 10 + 5,000,000) / 12,000,000 = 115/12
            row(D(2001, 2, 1), "ISSUE", 1_000_000, 5),
            row(D(2001, 3, 1), "EXPIRE", None, None, "W1"),
        ],
    )
    assert steps[0].prices_after == {"Class I": SV1, "Class II": 10}
    assert steps[1].prices_after == {
        "Class I": Fraction(14041, 1200),
        "Class II": Fraction(115, 12),
    }
    # 6(f) applies only "after any adjustment ... pursuant to Section 6(d) or 6(e)": none was
    # made for W1, so nothing is rescinded. (The old replay without W1 gave Class I
    # (10,000,000 × 12.31 + 5,000,000) / 11,000,000 = 1281/110 and Class II 105/11.)
    assert steps[2].prices_after == steps[1].prices_after
    # FD: 10,850,000 Common + 1,000,000 W1 + floor(1,231,000 × 1200/14041) = 105,206
    #     + floor(500,000 × 12/115) = 52,173 -> 12,007,379; W1's 1,000,000 leave at expiry
    assert steps[1].fd_after == 12_007_379
    assert steps[2].fd_after == 11_007_379
    assert "rescinded" not in steps[2].explanation
    assert "nothing to undo" in steps[2].explanation


def test_expiry_of_a_warrant_that_adjusted_one_class_moves_only_that_class() -> None:
    steps = history_steps(
        two_classes(),
        [
            HEADER,
            # $11 < $12.31: Class I (10,000,000 × 12.31 + 11,000,000) / 11,000,000 = 1341/110;
            # $11 is not below Class II's $10: Class II not adjusted
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 11, "W1"),
            # FD before: 10,850,000 + floor(1,231,000 × 110/1341) = 100,976 (1341 × 100,976
            # = 135,408,816 ≤ 135,410,000) + 50,000 = 11,000,976; both classes average down
            row(D(2001, 2, 1), "ISSUE", 1_000_000, 5),
            row(D(2001, 3, 1), "EXPIRE", None, None, "W1"),
        ],
    )
    assert steps[0].prices_after == {"Class I": Fraction(1341, 110), "Class II": 10}
    # Class II: (11,000,976 × 10 + 5,000,000) / 12,000,976 = 115,009,760 / 12,000,976
    class_ii = Fraction(115_009_760, 12_000_976)
    assert steps[1].prices_after["Class II"] == class_ii
    # 6(f): Class I's adjustment is rescinded and recomputed as if W1 never issued:
    #   row 3 again with FD 10,000,000: (10,000,000 × 12.31 + 5,000,000) / 11,000,000
    #   = 128,100,000 / 11,000,000 = 1281/110.
    # Class II was never adjusted by W1: its price does not move (the old replay gave
    #   (10,000,000 × 10 + 5,000,000) / 11,000,000 = 105/11).
    assert steps[2].prices_after == {"Class I": Fraction(1281, 110), "Class II": class_ii}
    text = steps[2].explanation
    assert "the adjustment of Class I made on row 2 is rescinded" in text
    assert "Class II: not adjusted on row 2, so its price does not move" in text


def test_reprice_of_a_warrant_that_adjusted_no_price_moves_no_price() -> None:
    steps = history_steps(
        two_classes(qpo_closed=False),
        [
            HEADER,
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 15, "W1"),  # below neither price
            row(D(2001, 2, 1), "REPRICE", None, 4, "W1"),
        ],
    )
    # 6(f)(ii) recomputes a previous adjustment; W1 made none: $12.31 and $10 stay
    assert steps[1].prices_after == {"Class I": SV1, "Class II": 10}
    assert "rescinded" not in steps[1].explanation
    assert steps[1].fd_after == 11_000_000  # 10,000,000 + 1,000,000 W1, unchanged


# =========================================================================== item 2
def test_expiry_after_full_exercise_is_not_a_superseding_event() -> None:
    # 9,900,000 Common + 100,000 Class I = 10,000,000 FD; before the QPO: full ratchet
    cap = capitalization(9_900_000, 0, 100_000)
    steps = history_steps(
        cap,
        [
            HEADER,
            row(D(2001, 1, 1), "WARRANT", 100_000, 5, "W1"),  # 6(d), 6(c)(i): $12.31 -> $5
            row(D(2001, 2, 1), "EXERCISE", 100_000, 6, "W1"),  # all of it, at $6
            row(D(2001, 3, 1), "EXPIRE", None, None, "W1"),
        ],
    )
    assert steps[0].prices_after == {"Class I": 5}
    # 6(f)(i) needs "all or a portion ... shall not have been exercised": nothing is left, so
    # the row changes nothing (the old engine jumped back to the $6 paid).
    assert steps[2].prices_after == {"Class I": 5}
    assert steps[2].fd_after == steps[1].fd_after
    assert "not a superseding event" in steps[2].explanation
    assert "rescinded" not in steps[2].explanation


# =========================================================================== item 3
@pytest.mark.parametrize("first_grant", [2_500_000, 2_460_000], ids=["over-cap", "at-cap"])
@pytest.mark.parametrize("free", [False, True])
def test_option_plan_capacity_after_an_expiry_does_not_depend_on_the_cap(
    first_grant: int, free: bool
) -> None:
    # 10,000,000 Common + 100,000 Class I = 10,100,000 FD; no option-plan shares used yet;
    # before the QPO: full ratchet
    cap = capitalization(10_000_000, 0, 100_000, expired_options_free_cap=free)
    steps = history_steps(
        cap,
        [
            HEADER,
            row(D(2001, 1, 1), "WARRANT", first_grant, 1, "OPT-1", "OPTION_PLAN"),
            row(D(2001, 2, 1), "EXPIRE", None, None, "OPT-1"),
            row(D(2001, 3, 1), "WARRANT", 2_000_000, 3, "OPT-2", "OPTION_PLAN"),
        ],
    )
    # over-cap: 2,460,000 permitted, 40,000 beyond the 6(a)(i) cap at $1 -> ratchet to $1,
    # rescinded by the expiry (6(f)); at-cap: wholly permitted, no adjustment.
    assert steps[0].prices_after == {"Class I": 1 if first_grant > 2_460_000 else SV1}
    assert steps[1].prices_after == {"Class I": SV1}
    # OPT-2, 2,000,000 at $3:
    #   expired_options_free_cap FALSE: the cap stays used by OPT-1's 2,460,000 -> all
    #     2,000,000 beyond it -> 6(c)(i) ratchet $12.31 -> $3, in both cases;
    #   TRUE: the 2,460,000 unexercised option-plan shares came back on 2001-02-01 ->
    #     2,000,000 ≤ 2,460,000 permitted -> no adjustment, in both cases.
    assert steps[2].prices_after == {"Class I": SV1 if free else 3}
    assert ("return to the 6(a) (i) cap" in steps[1].explanation) is free


def test_expired_options_free_cap_is_an_argument_of_cphistory_and_cpasof() -> None:
    log = [
        HEADER,
        row(D(2001, 1, 1), "WARRANT", 2_460_000, 1, "OPT-1", "OPTION_PLAN"),
        row(D(2001, 2, 1), "EXPIRE", None, None, "OPT-1"),
        row(D(2001, 3, 1), "WARRANT", 2_000_000, 3, "OPT-2", "OPTION_PLAN"),
    ]
    args = (10_000_000, 0, 100_000, None, 0, None, None, False, 0)
    default = udfs_history.CPHISTORY(log, *args)
    freed = udfs_history.CPHISTORY(log, *args, True)
    after = default[0].index("class_i_after")
    assert default[-1][after] == 3.0 and freed[-1][after] == 12.31  # see the test above
    # CPASOF(event_log, class, as_of, capitalization..., expired_options_free_cap)
    assert udfs_history.CPASOF(log, "I", D(2001, 3, 1), *args) == 3
    assert udfs_history.CPASOF(log, "I", D(2001, 3, 1), *args, True) == 12.31
    bad = udfs_history.CPASOF(log, "I", D(2001, 3, 1), *args, "sometimes")
    assert isinstance(bad, str) and "expired_options_free_cap" in bad


def test_partly_exercised_grant_frees_only_its_unexercised_permitted_part() -> None:
    cap = capitalization(10_000_000, 0, 100_000, expired_options_free_cap=True)
    steps = history_steps(
        cap,
        [
            HEADER,
            row(D(2001, 1, 1), "WARRANT", 2_460_000, 1, "OPT-1", "OPTION_PLAN"),  # permitted
            row(D(2001, 1, 15), "EXERCISE", 460_000, None, "OPT-1"),
            row(D(2001, 2, 1), "EXPIRE", None, None, "OPT-1"),  # 2,000,000 return to the cap
            # 2,000,001 at $3: 2,000,000 room, 1 share beyond the cap -> ratchet to $3
            row(D(2001, 3, 1), "WARRANT", 2_000_001, 3, "OPT-2", "OPTION_PLAN"),
        ],
    )
    assert "2,460,000 used → 460,000" in steps[2].explanation
    assert steps[3].prices_after == {"Class I": 3}
    assert any("1 of 2,000,001" in f for f in steps[3].flags)


# =========================================================================== item 4
@pytest.mark.parametrize("conversion_last", [True, False])
def test_conversion_on_an_adjustment_date_converts_at_the_price_before_it(
    conversion_last: bool,
) -> None:
    # 9,900,000 Common + 100,000 Class I = 10,000,000 FD; before the QPO: full ratchet
    cap = capitalization(9_900_000, 0, 100_000)
    issue = row(D(2001, 1, 1), "ISSUE", 1_000_000, 8)
    conversion = row(D(2001, 1, 1), "CONVERSION", 10_000, None, None, None, "I")
    rows = [issue, conversion] if conversion_last else [conversion, issue]
    steps = history_steps(cap, [HEADER, *rows])
    # 5(e)(i): the conversion is made immediately prior to the close of business, the issue
    # adjusts at the close of business (6(g)(ii)): whatever the row order, the conversion
    # comes first, at $12.31: 10,000 × 12.31 / 12.31 = 10,000 Common (not 10,000 × 12.31 / 8
    # = 15,387.5 -> 15,387 at the ratcheted price).
    assert [s.event for s in steps] == ["CONVERSION", "ISSUE"]
    assert steps[0].prices_before == {"Class I": SV1}
    assert steps[0].converts_into == {"Class I": 90_000}  # 90,000 × 12.31 / 12.31
    # FD after: 9,910,000 + 90,000 = 10,000,000 (unchanged: only rounding could move it)
    assert steps[0].fd_after == 10_000_000
    # then the issue at $8 ratchets Class I to $8: FD 10,910,000 + floor(90,000 × 12.31 / 8)
    #   = floor(138,487.5) = 138,487 -> 11,048,487
    assert steps[1].prices_after == {"Class I": 8}
    assert steps[1].fd_after == 11_048_487
    moved = "before row(s) 2 of that date" in steps[0].explanation
    assert moved is conversion_last
    assert price_as_of(cap, None, "I", D(2001, 1, 1), steps=steps) == 8


def test_class_ii_conversion_stays_after_the_same_date_subsequent_closing() -> None:
    # Class I only at the start: 9,900,000 Common + 100,000 Class I = 10,000,000 FD
    cap = capitalization(9_900_000, 0, 100_000)
    steps = history_steps(
        cap,
        [
            HEADER,
            row(D(2001, 1, 1), "ISSUE", 1_000, 20),  # not below $12.31: no adjustment
            # Class II first issued: 1,000 shares at Stated Value = price $10 (Section 1, 5(c))
            row(D(2001, 1, 1), "SUBSEQUENT_CLOSING", 1_000, 10),
            row(D(2001, 1, 1), "CONVERSION", 400, None, None, None, "II"),
            row(D(2001, 1, 1), "CONVERSION", 100, None, None, None, "I"),
        ],
    )
    # the Class II conversion needs the closing's shares: it stays after the closing (and so
    # after the ISSUE logged before it); the Class I conversion moves ahead of both
    assert [s.row for s in steps] == [5, 2, 3, 4]
    # 400 × $10 / $10 = 400 Common; 600 Class II shares left, converting into 600
    assert steps[3].converts_into["Class II"] == 600
    assert "before row(s) 2, 3 of that date" in steps[0].explanation


def test_reprice_of_a_warrant_that_adjusted_one_class_recomputes_only_that_class() -> None:
    steps = history_steps(
        two_classes(qpo_closed=False),  # before the QPO: full ratchet (6(c)(i))
        [
            HEADER,
            # $11 < $12.31: Class I ratchets to $11; $11 is not below Class II's $10
            row(D(2001, 1, 1), "WARRANT", 1_000_000, 11, "W1"),
            # 6(f)(ii): Class I's adjustment is rescinded and recomputed with the 1,000,000
            # treated as issued at $4 immediately after the change (6(f)(iv)): Class I -> $4.
            # Class II was never adjusted by W1: 6(f) does not reach it, it stays $10 (the old
            # replay ratcheted it to $4 as well)
            row(D(2001, 2, 1), "REPRICE", None, 4, "W1"),
            # 6(f)(i): wholly unexercised, the (recomputed) Class I adjustment is rescinded:
            # Class I back to $12.31; Class II still $10
            row(D(2001, 3, 1), "EXPIRE", None, None, "W1"),
        ],
    )
    assert steps[0].prices_after == {"Class I": 11, "Class II": 10}
    assert steps[1].prices_after == {"Class I": 4, "Class II": 10}
    assert steps[2].prices_after == {"Class I": SV1, "Class II": 10}
    # FD after the expiry: 9,850,000 + 100,000 + 50,000 = 10,000,000 again
    assert steps[2].fd_after == 10_000_000


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    issues=st.lists(
        st.tuples(
            st.integers(1, 2_000_000),
            st.fractions(Fraction(1, 10), Fraction(20)).map(lambda f: f.limit_denominator(100)),
        ),
        min_size=1,
        max_size=5,
    ),
    warrant=st.tuples(
        st.integers(1, 3_000_000),
        st.fractions(SV1, Fraction(20)).map(lambda f: f.limit_denominator(100)),
    ),
    qpo_closed=st.booleans(),
)
def test_expiry_of_a_warrant_below_no_price_never_moves_a_price(
    issues: list[tuple[int, Fraction]], warrant: tuple[int, Fraction], qpo_closed: bool
) -> None:
    # a warrant at $12.31 or more is below no Conversion Price (they start at $12.31 and $10
    # and only fall): it adjusts nothing (6(d)), so its expiry is not a 6(f) event -- whatever
    # the issues between its grant and its expiry did with it counted in Fully Diluted
    n, p = warrant
    log = [HEADER, row(D(2001, 1, 1), "WARRANT", n, p, "W")]
    log += [row(D(2001, 1, 2), "ISSUE", k, q) for k, q in issues]
    log.append(row(D(2001, 1, 3), "EXPIRE", None, None, "W"))
    steps = history_steps(two_classes(qpo_closed=qpo_closed), log)
    assert steps[0].prices_after == {"Class I": SV1, "Class II": 10}
    assert steps[-1].prices_after == steps[-2].prices_after
    assert steps[-1].fd_after == steps[-2].fd_after - n
