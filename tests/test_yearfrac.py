"""YEARFRAC, Excel's way: against LibreOffice Calc (a real spreadsheet engine) and by hand."""

from __future__ import annotations

import csv
import datetime as dt
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_addin.terms import TermsError, yearfrac, yearfrac_array
from xl_addin.terms.daycount import yearfrac_float
from xl_addin.terms.parse import parse_date

GOLDEN = Path(__file__).parent / "golden" / "yearfrac_libreoffice.csv"


def serial(text: str) -> int:
    return parse_date(dt.date.fromisoformat(text), "date")


def golden_rows() -> list[dict[str, str]]:
    with GOLDEN.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_golden_file_is_substantial() -> None:
    rows = golden_rows()
    assert len(rows) >= 1500
    assert {r["basis"] for r in rows} == {"0", "1", "2", "3", "4"}


def test_vectorised_yearfrac_equals_libreoffice_bit_for_bit() -> None:
    rows = golden_rows()
    start = np.array([serial(r["start"]) for r in rows])
    end = np.array([serial(r["end"]) for r in rows])
    basis = np.array([int(r["basis"]) for r in rows])
    expected = np.array([float(r["yearfrac"]) for r in rows])
    got = yearfrac_array(start, end, basis)
    mismatches = [(rows[i], got[i]) for i in np.flatnonzero(got != expected)]
    assert mismatches == []


def test_exact_yearfrac_is_within_an_ulp_of_libreoffice() -> None:
    for r in golden_rows():
        exact = yearfrac(serial(r["start"]), serial(r["end"]), int(r["basis"]))
        expected = float(r["yearfrac"])
        assert abs(float(exact) - expected) <= 2 * np.spacing(expected), r


# Hand-worked: (start, end, basis, exact value, how)
HAND = [
    ("2008-03-01", "2008-12-31", 1, Fraction(305, 366), "same leap year: 305 days / 366"),
    ("2000-06-26", "2001-06-26", 3, Fraction(1), "365 days / 365"),
    ("2000-06-26", "2001-06-26", 1, Fraction(1), "one year, no Feb 29 inside: 365/365"),
    ("2007-03-01", "2008-03-01", 1, Fraction(1), "366 days; end year leap, month 3 -> 366"),
    ("2008-02-29", "2009-02-28", 1, Fraction(365, 366), "starts in leap Feb -> 366"),
    ("2007-02-28", "2007-03-31", 0, Fraction(31, 360), "Feb-end start -> 30; end 31 kept"),
    ("2007-01-30", "2007-03-31", 0, Fraction(60, 360), "start 30 and end 31 -> end 30"),
    ("2007-01-31", "2007-03-31", 0, Fraction(60, 360), "both 31 -> both 30"),
    ("2007-02-28", "2008-02-29", 0, Fraction(360, 360), "both Feb-ends -> both 30"),
    ("2007-01-31", "2007-03-31", 4, Fraction(60, 360), "European: 31 -> 30 on both ends"),
    ("2000-06-15", "2000-12-31", 0, Fraction(196, 360), "6 x 30 + (31 - 15)"),
    ("2000-01-01", "2000-12-27", 2, Fraction(361, 360), "361 days / 360"),
    ("2000-01-01", "2003-01-01", 1, Fraction(1096 * 4, 1461), "1096 days / (1461/4)"),
    ("2001-06-26", "2000-06-26", 3, Fraction(1), "reversed dates are swapped"),
    ("2000-06-26", "2000-06-26", 1, Fraction(0), "same day"),
    # the last day of Excel's calendar: 2,921,939 days over 8,000 years (2000-9999) that hold
    # 2,921,940 days (1 January 2000, serial 36,526, to 1 January 10000, serial 2,958,466)
    ("2000-01-01", "9999-12-31", 1, Fraction(2_921_939 * 8_000, 2_921_940), "to 9999-12-31"),
]


@pytest.mark.parametrize(("start", "end", "basis", "expected", "why"), HAND)
def test_hand_worked(start: str, end: str, basis: int, expected: Fraction, why: str) -> None:
    assert yearfrac(serial(start), serial(end), basis) == expected, why


@pytest.mark.parametrize(
    ("value", "serial_number"),
    [
        (dt.date(2000, 6, 26), 36703),  # 36526 (2000-01-01) + 31+29+31+30+31 + 25
        (dt.datetime(2000, 6, 26, 17, 30), 36703),  # time of day dropped
        (36703, 36703),
        (36703.75, 36703),  # serial with a time fraction
        (np.datetime64("2000-06-26"), 36703),
        (dt.date(1900, 3, 1), 61),
    ],
)
def test_dates_arrive_as_dates_or_serials(value: object, serial_number: int) -> None:
    assert parse_date(value, "issue_date") == serial_number


@pytest.mark.parametrize("bad", [60, 0, -1, 2958466, "2000-06-26", None, True, float("nan")])
def test_bad_dates_are_rejected(bad: object) -> None:
    with pytest.raises(TermsError, match="issue_date"):
        parse_date(bad, "issue_date")


@given(
    st.integers(61, 80_000),
    st.integers(61, 80_000),
    st.integers(0, 4),
)
def test_vector_and_exact_agree(start: int, end: int, basis: int) -> None:
    got = yearfrac_array(np.array([start]), np.array([end]), np.array([basis]))[0]
    exact = float(yearfrac(start, end, basis))
    assert abs(got - exact) <= 2 * np.spacing(max(abs(exact), 1e-300))


@given(
    st.one_of(st.integers(61, 80_000), st.integers(2_950_000, 2_958_465)),
    st.one_of(st.integers(61, 80_000), st.integers(2_950_000, 2_958_465)),
    st.integers(0, 4),
)
def test_scalar_float_is_the_vectorised_result_bit_for_bit(
    start: int, end: int, basis: int
) -> None:
    """yearfrac_float (the native engine's YEARFRAC, one cell at a time) repeats
    yearfrac_array's float operations: the same bits, to the end of Excel's calendar."""
    vector = yearfrac_array(np.array([start]), np.array([end]), np.array([basis]))[0]
    assert yearfrac_float(start, end, basis).hex() == float(vector).hex()


def test_scalar_float_equals_libreoffice_bit_for_bit() -> None:
    """Every row of the LibreOffice-computed golden file, one call each."""
    for r in golden_rows():
        got = yearfrac_float(serial(r["start"]), serial(r["end"]), int(r["basis"]))
        assert got == float(r["yearfrac"]), r
