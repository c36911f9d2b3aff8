"""Issue 15: the quick paths of the Section 6 history engine give the exact results.

To run 10,000 events in well under 0.2 s the engine keeps whole share counts as ``int``
(Fraction otherwise), computes a class's as-converted shares once per set of figures, keeps
the last Fully Diluted count until one of its figures changes, formats money through a cache,
lets consecutive steps share unchanged dicts and builds CPHISTORY's cells in the same pass as
the table. Each is checked here against an independent exact computation -- integer floor
division for the 5(a)(i)/5(e)(ii) floor, Fraction sums for 6(a), round-half-even on integers
for the explanations' money -- on random inputs, including the boundaries where a floor or a
rounding decides.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xl_addin.udfs_history as udfs_history
from xl_addin.terms import TermsError
from xl_addin.terms.history import (
    LogRow,
    SeriesAClass,
    Step,
    capitalization,
    format_money,
    format_shares,
    history_steps,
    history_table,
    read_event_log,
)
from xl_addin.terms.history_rules import _below, _initial, _Instrument, _plus, _times, _total

D = dt.date
EPOCH = dt.date(1899, 12, 30)
counts = st.one_of(
    st.integers(0, 10**12),
    st.fractions(Fraction(0), Fraction(10**9), max_denominator=10**6),
)


# =========================================================================== whole counts as int
@given(a=counts, b=counts, factor=st.fractions(Fraction(1, 20), Fraction(100), max_denominator=20))
def test_int_counts_are_the_exact_sums_and_products(a: Any, b: Any, factor: Fraction) -> None:
    assert _plus(a, b) == Fraction(a) + Fraction(b)
    assert _times(a, factor) == Fraction(a) * factor
    assert _total([a, b, a]) == 2 * Fraction(a) + Fraction(b)
    whole = Fraction(a).denominator == 1 and Fraction(b).denominator == 1
    # an int exactly when both are whole: an int is never divided by an int (-> float)
    assert isinstance(_plus(a, b), int) == whole
    assert isinstance(_total([a, b]), int) == whole
    assert not isinstance(_plus(a, b), float) and not isinstance(_times(a, factor), float)


prices = st.fractions(Fraction(0), Fraction(100), max_denominator=10**7)


@given(a=prices, b=prices, nudge=st.sampled_from([0, 1, -1]))
def test_below_is_the_exact_comparison(a: Fraction, b: Fraction, nudge: int) -> None:
    # 6(c): an issue adjusts a class only at a price *below* its own; equal is not below
    b = a + Fraction(nudge, 10**9) if nudge or a == b else b
    assert _below(a, b) == (a < b)
    assert not _below(a, a) and not _below(Fraction(1231, 100), Fraction(12_310_000, 10**6))


# =========================================================================== 5(a)(i), 5(e)(ii)
def _floor_quotient(shares: Fraction, sv: Fraction, cp: Fraction) -> int:
    """floor(shares × sv / cp) by integer division of the numerators (independent of the
    engine's Fraction arithmetic)."""
    num = shares.numerator * sv.numerator * cp.denominator
    den = shares.denominator * sv.denominator * cp.numerator
    return num // den


@given(
    shares=st.integers(1, 5_000_000),
    sv=st.integers(1, 10_000).map(lambda c: Fraction(c, 100)),
    whole=st.integers(1, 10_000_000),
    nudge=st.sampled_from(
        [Fraction(0), Fraction(1, 10**6), Fraction(-1, 10**6), Fraction(1, 10**12)]
    ),
)
def test_as_converted_is_the_floor_at_the_boundary(
    shares: int, sv: Fraction, whole: int, nudge: Fraction
) -> None:
    # the price at which the shares convert into exactly ``whole`` Common shares, and a hair
    # either side of it: the floor decides between whole and whole - 1
    cp = Fraction(shares) * sv / whole + nudge
    if cp <= 0:
        return
    c = SeriesAClass("Class I", Fraction(shares), sv, cp)
    expected = _floor_quotient(Fraction(shares), sv, cp)
    assert c.as_converted == expected
    # exactly at the price: exactly ``whole``; above it: fewer full shares; below: no fewer
    if nudge == 0:
        assert c.as_converted == whole
    elif nudge > 0:
        assert c.as_converted <= whole - 1
    else:
        assert c.as_converted >= whole
    assert type(c.as_converted) is Fraction


def test_as_converted_worked_by_hand() -> None:
    # 100,000 × $12.31 / $12.31 = 100,000 exactly; at $12.310001: 1,231,000 / 12.310001 =
    # 99,999.9918... -> 99,999 full shares (5(e)(ii)); at $12.309999: 100,000.0081... -> 100,000
    sv = Fraction(1231, 100)
    assert SeriesAClass("Class I", Fraction(100_000), sv, sv).as_converted == 100_000
    up, down = sv + Fraction(1, 10**6), sv - Fraction(1, 10**6)
    assert SeriesAClass("Class I", Fraction(100_000), sv, up).as_converted == 99_999
    assert SeriesAClass("Class I", Fraction(100_000), sv, down).as_converted == 100_000


# =========================================================================== 6(a) kept count
@settings(max_examples=60, deadline=None)
@given(
    moves=st.lists(
        st.tuples(
            st.sampled_from(["common", "same", "rights", "instrument", "price", "split"]), counts
        ),
        min_size=1,
        max_size=25,
    )
)
def test_fully_diluted_follows_every_change_of_its_figures(moves: list[tuple[str, Any]]) -> None:
    state = _initial(capitalization(9_850_000, 460_000, 100_000, 50_000, 10))
    for k, (what, x) in enumerate(moves):
        if what == "common":
            state.common = _plus(state.common, x)
        elif what == "same":  # an equal value in another object (int <-> Fraction): same count
            c = state.common
            if isinstance(c, int):
                state.common = Fraction(c)
            elif c.denominator == 1:
                state.common = c.numerator
            else:
                state.common = Fraction(c.numerator, c.denominator)
        elif what == "rights":
            state.rights = _plus(state.rights, x)
        elif what == "instrument":
            inst = _Instrument(f"W{k}", "WARRANT", x, Fraction(5), None, frozenset(), row=k)
            state.instruments[inst.id] = inst
            state.rights_changed(x)
        elif what == "price":
            j = k % len(state.classes)
            c = state.classes[j]
            new_price = Fraction(1, 100) + Fraction(x) / 10**7
            state.classes[j] = SeriesAClass(c.name, c.shares, c.stated_value, new_price)
        else:
            for inst in state.instruments.values():
                inst.remaining = _times(inst.remaining, Fraction(3, 2))
            state.rights_changed(None)
        # the count from scratch: 6(a) with each class as converted, full shares only
        expected = (
            Fraction(state.common)
            + Fraction(state.rights)
            + sum((Fraction(i.remaining) for i in state.instruments.values()), Fraction(0))
            + sum(
                _floor_quotient(c.shares, c.stated_value, c.conversion_price) for c in state.classes
            )
        )
        fd = state.fully_diluted()
        assert fd == expected and type(fd) is Fraction
        assert state.fully_diluted() == expected  # asked again: the kept count


# =========================================================================== money in the text
def _money_reference(x: Fraction) -> str:
    """$ with thousands separators, up to 6 decimals (at least 2), round half to even, "…"
    when rounded -- on integers only."""
    q, rem = divmod(abs(x.numerator) * 10**6, x.denominator)
    if 2 * rem > x.denominator or (2 * rem == x.denominator and q % 2 == 1):
        q += 1
    whole, frac = divmod(q, 10**6)
    decimals = f"{frac:06d}".rstrip("0")
    decimals += "0" * (2 - len(decimals))
    sign = "-" if x < 0 and q else ""
    return f"{sign}${whole:,}.{decimals}" + ("…" if rem else "")


@given(
    x=st.one_of(
        st.fractions(Fraction(-1000), Fraction(10**7), max_denominator=10**9),
        # exact halves at the 7th decimal: round half to even decides
        st.integers(0, 10**9).map(lambda n: Fraction(2 * n + 1, 2 * 10**6)),
    )
)
def test_format_money_matches_an_integer_reference(x: Fraction) -> None:
    assert format_money(x) == _money_reference(x)
    assert format_money(x) == format_money(Fraction(x.numerator, x.denominator))  # cached


def test_format_money_and_shares_worked_by_hand() -> None:
    assert format_money(Fraction(1231, 100)) == "$12.31"
    assert format_money(Fraction(2)) == format_money(2) == "$2.00"
    # 12.31 × 10,000,000 / 10,100,000 = 12.18811881188... -> $12.188119…
    assert format_money(Fraction(1231, 100) * 10_000_000 / 10_100_000) == "$12.188119…"
    assert format_money(Fraction(1, 2 * 10**6)) == "$0.00…"  # 0.0000005: half to even, 0
    assert format_money(Fraction(3, 2 * 10**6)) == "$0.000002…"  # 0.0000015 -> 0.000002
    assert format_shares(1_000_000) == format_shares(Fraction(1_000_000)) == "1,000,000"


# =========================================================================== CPHISTORY cells
_RARE_EVENTS = ["EXERCISE", "EXPIRE", "REPRICE", "SPLIT", "COMBINATION", "DIVIDEND", "CONVERSION",
                "SUBSEQUENT_CLOSING", "ABANDON"]  # fmt: skip


def _random_log(seed: int) -> tuple[list[list[Any]], Any]:
    """A random event log over the event types (some invalid: the engine's error stands)."""
    r = random.Random(seed)
    header = ["date", "event", "shares", "price", "ratio", "instrument", "class", "category",
              "gross proceeds", "note"]  # fmt: skip
    rows: list[list[Any]] = []
    day, open_ids, record_ids = 36_900, [], []
    class_ii = r.random() < 0.5
    for i in range(r.choice([2, 6, 15, 40])):
        day += r.choice([0, 0, 1, 30])
        ev = r.choice(["ISSUE"] * 5 + ["WARRANT"] * 3 + _RARE_EVENTS)
        cells: dict[str, Any] = {"date": r.choice([day, float(day), EPOCH + dt.timedelta(day)])}
        price = r.choice([12.31, 12.3, 10, 5.5, 0.02, 0.01, 20, round(r.uniform(0, 25), 4)])
        if ev in ("EXERCISE", "EXPIRE", "REPRICE") and not open_ids:
            ev = "ISSUE"
        if ev == "ABANDON" and not (open_ids or record_ids):
            ev = "ISSUE"
        cells["event"] = ev
        if ev == "ISSUE":
            cells.update(shares=r.choice([0, 100, 50_000, r.randint(1, 3_000_000)]), price=price)
            if r.random() < 0.3:
                cells["category"] = r.choice(["BOARD_BASKET", "DIRECTOR_BASKET", "ACQUISITION"])
        elif ev == "WARRANT":
            cells.update(shares=r.choice([10, 1_000, r.randint(1, 3_000_000)]), price=price,
                         instrument=f"W{i}")  # fmt: skip
            if r.random() < 0.3:
                cells["category"] = r.choice(["OPTION_PLAN", "SPINWAY_WARRANT"])
            open_ids.append(f"W{i}")
        elif ev == "EXERCISE":
            cells.update(instrument=r.choice(open_ids), shares=r.choice([1, 5, 10]))
        elif ev in ("EXPIRE", "REPRICE", "ABANDON"):
            iid = r.choice(open_ids + record_ids if ev == "ABANDON" else open_ids)
            cells["instrument"] = iid
            for ids in (open_ids, record_ids):
                if iid in ids and ev != "REPRICE":
                    ids.remove(iid)
            if ev == "REPRICE":
                cells["price"] = price
        elif ev in ("SPLIT", "COMBINATION"):
            cells["ratio"] = r.choice([2, 1.5]) if ev == "SPLIT" else r.choice([0.5, 0.1])
        elif ev == "DIVIDEND":
            cells.update(shares=100_000, instrument=f"D{i}")
            record_ids.append(f"D{i}")
        elif ev == "CONVERSION":
            cells.update(shares=r.choice([1, 7, 1_000]), **{"class": r.choice(["I", "II"])})
        else:
            cells.update(shares=r.choice([1_000, 820_471, 900_000]), price=10)
        rows.append([cells.get(h) for h in header])
    start = capitalization(9_850_000, r.choice([0, 460_000]), 100_000,
                           50_000 if class_ii else 0, 10 if class_ii else None,
                           qpo_closed=r.random() < 0.3,
                           expired_options_free_cap=r.random() < 0.5)  # fmt: skip
    return [header, *rows], start


def _cell_reference(value: Any) -> Any:
    """What a cell shows of one exact table value: Fraction -> float, date -> serial,
    missing -> empty (the conversion CPHISTORY applied to the exact table before)."""
    if value is None:
        return ""
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, dt.date):
        return float((value - EPOCH).days)
    return value


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_cells_table_is_the_exact_table_as_cells(seed: int) -> None:
    log, start = _random_log(seed)
    try:
        steps = history_steps(start, log)
    except TermsError:
        return  # an invalid random log: the error is the engine's (tested elsewhere)
    header, exact_rows = history_table(start, steps)
    cell_header, cell_rows = history_table(start, steps, cells=True)
    assert cell_header == header
    assert cell_rows == [[_cell_reference(v) for v in r] for r in exact_rows]
    for cells, exact in zip(cell_rows, exact_rows, strict=True):  # floats, not just equal
        assert [type(c) for c in cells] == [type(_cell_reference(v)) for v in exact]
    # parsed rows in, the same history
    assert history_steps(start, read_event_log(log)) == steps


def test_cphistory_cells_worked_by_hand() -> None:
    # 10,000,000 Common + 100,000 Class I at $12.31 = 10,100,000 Fully Diluted; a warrant for
    # 1,000,000 at $8 ratchets Class I to $8 (6(d), 6(c)(i)): 100,000 × 12.31 / 8 = 153,875
    table = udfs_history.CPHISTORY(
        [["date", "event", "shares", "price", "instrument"],
         [D(2001, 1, 1), "WARRANT", 1_000_000, 8, "W1"],
         [36_893, "ISSUE", 100, 30, None]],
        10_000_000, 0, 100_000,
    )  # fmt: skip
    assert table[1][:9] == [2, 36892.0, "WARRANT", "W1", 10_100_000.0, 11_153_875.0, 12.31, 8.0,
                            153_875.0]  # fmt: skip
    # 11,153,875 + 100 issued at $30 (not below $8: no adjustment); no instrument: empty cell
    assert table[2][:9] == [3, 36893.0, "ISSUE", "", 11_153_875.0, 11_153_975.0, 8.0, 8.0,
                            153_875.0]  # fmt: skip


def test_steps_share_no_dict_a_later_step_changes() -> None:
    # Class II first issued on row 3 (Subsequent Closing, Stated Value $10): row 2's prices
    # after are Class I only; row 3's before gains Class II at its initial price $10 (5(c))
    # without touching row 2's; row 4 (no class changes) has the same figures as row 3 after
    start = capitalization(9_900_000, 0, 100_000)
    steps = history_steps(start, [
        ["date", "event", "shares", "price"],
        [D(2001, 1, 1), "ISSUE", 100, 30],
        [D(2001, 1, 2), "SUBSEQUENT_CLOSING", 1_000, 10],
        [D(2001, 1, 3), "ISSUE", 100, 30],
    ])  # fmt: skip
    assert steps[0].prices_after == {"Class I": Fraction(1231, 100)}
    assert steps[1].prices_before == {"Class I": Fraction(1231, 100), "Class II": Fraction(10)}
    assert steps[1].class_shares == {"Class I": 100_000, "Class II": 1_000}
    assert steps[0].class_shares == {"Class I": 100_000}
    assert steps[2].prices_before == steps[2].prices_after == steps[1].prices_after
    # 10,000,000 + 1,000 Class II shares × $10 / $10 = 10,001,000; + 100 = 10,001,100
    assert [s.fd_after for s in steps] == [10_000_100, 10_001_100, 10_001_200]


def test_records_are_immutable() -> None:
    rows = read_event_log([["date", "event", "shares", "price"], [36_892, "ISSUE", 1, 30]])
    assert isinstance(rows[0], LogRow)
    steps = history_steps(capitalization(1_000, 0, 0), rows)
    assert isinstance(steps[0], Step)
    with pytest.raises(AttributeError):
        rows[0].shares = Fraction(2)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        steps[0].fd_after = Fraction(2)  # type: ignore[misc]


@pytest.mark.parametrize("enabled", [True, False])
def test_cycle_collection_is_restored(monkeypatch: pytest.MonkeyPatch, enabled: bool) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")
    log = [["date", "event", "shares", "price"], [36_892, "ISSUE", 1, 30]]
    bad = [["date", "event", "shares", "price"], [36_892, "ISSUE", -1, 30]]
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert udfs_history.CPHISTORY(log, 1_000, 0, 0)[1][2] == "ISSUE"
        assert gc.isenabled() == enabled
        assert udfs_history.CPHISTORY(bad, 1_000, 0, 0).startswith("#VALUE!")
        assert gc.isenabled() == enabled
        udfs_history._HISTORIES.clear()
        assert udfs_history.CPASOF(log, "I", 36_892, 1_000, 0, 0) == 12.31
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_fractional_count_stays_exact() -> None:
    # a 3-for-2 split of 1,001 Common: 1,501.5 (a Fraction, never a float); a warrant for 3
    # shares after it: Fully Diluted 1,501.5 + 3 = 1,504.5 (no Series A)
    steps = history_steps(capitalization(1_001, 0, 0), [
        ["date", "event", "shares", "price", "ratio", "instrument"],
        [36_892, "SPLIT", None, None, 1.5, None],
        [36_893, "WARRANT", 3, 30, None, "W1"],
    ])  # fmt: skip
    assert steps[0].fd_after == Fraction(3003, 2) and steps[1].fd_after == Fraction(3009, 2)
    assert all(type(s.fd_after) is Fraction for s in steps)
    assert not any(isinstance(v, float) for s in steps for v in (s.fd_before, s.fd_after))
    table = udfs_history.CPHISTORY(
        [["date", "event", "ratio"], [36_892, "SPLIT", 1.5]], 1_001, 0, 0
    )
    assert math.isclose(table[1][5], 1501.5)


def test_cached_cell_numbers_keep_int_and_float_apart() -> None:
    # beyond 2**53 an int is read as itself and a float at Excel's 15 significant digits
    # (parse.exact): 12,345,678,901,234,568 vs 12,345,678,901,234,600, whichever comes first
    big = 12_345_678_901_234_568
    assert float(big) == big  # an int and a float equal as Python numbers ...
    for order in ((big, float(big)), (float(big), big)):
        rows = read_event_log(
            [["date", "event", "shares", "price"], *[[36_892, "ISSUE", n, 30] for n in order]]
        )
        got = {type(n): row.shares for n, row in zip(order, rows, strict=True)}
        assert got[int] == Fraction(big)  # ... but not the same count
        assert got[float] == Fraction(12_345_678_901_234_600)
