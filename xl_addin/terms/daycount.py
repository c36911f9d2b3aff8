"""Excel's YEARFRAC, exactly as Excel computes it, for the "per annum" of Section 3(a)(y).

The certificate accrues "10% of such Stated Value per annum, calculated from the date of
issuance of such share through date of payment" without naming a day count; the add-in lets the
user pick Excel's YEARFRAC basis:

====== ===================================================================================
basis  day count
====== ===================================================================================
0      US (NASD) 30/360, with Excel's own end-of-month rules (below)
1      actual/actual: actual days over the length of the year(s) spanned
2      actual/360
3      actual/365 (the add-in's default for LIQPREF)
4      European 30/360
====== ===================================================================================

This follows the algorithm Microsoft gave the OASIS OpenFormula committee in 2008, which Apache
POI's ``YearFracCalculator`` and LibreOffice implement and which matches Excel, including:

* basis 0 turns an end day of 31 into 30 only when the *original* start day is 30 or 31, and
  treats a start on the last day of February as day 30 (an end on the last day of February
  becomes 30 only when the start was also the last day of February);
* basis 1 uses 366 or 365 for spans of up to one year (366 when a 29 February can fall in the
  span by Excel's rule), and the average year length of every calendar year touched otherwise.

Worked examples (checked against LibreOffice in ``tests/golden/yearfrac_libreoffice.csv``):

>>> from xl_addin.terms.parse import parse_date
>>> import datetime as dt
>>> start, end = parse_date(dt.date(2008, 3, 1), "s"), parse_date(dt.date(2008, 12, 31), "e")
>>> yearfrac(start, end, 1)  # 305/366
Fraction(5, 6)
>>> start, end = parse_date(dt.date(2007, 2, 28), "s"), parse_date(dt.date(2007, 3, 31), "e")
>>> yearfrac(start, end, 0)
Fraction(31, 360)
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from .parse import EXCEL_EPOCH

__all__ = [
    "serial_to_date",
    "yearfrac",
    "yearfrac_array",
    "yearfrac_float",
    "yearfrac_ratio_array",
]


def serial_to_date(serial: int) -> dt.date:
    """The calendar date of an Excel serial (1900 system, serial >= 61)."""
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _last_of_february(d: dt.date) -> bool:
    return d.month == 2 and d.day == (29 if _is_leap(d.year) else 28)


def _days360(d1: dt.date, day1: int, d2: dt.date, day2: int) -> int:
    return (d2.year - d1.year) * 360 + (d2.month - d1.month) * 30 + (day2 - day1)


def yearfrac(start: int, end: int, basis: int) -> Fraction:
    """YEARFRAC of two Excel serials (whole days) on ``basis`` 0-4, as an exact fraction.

    Like Excel, the dates are swapped when ``start`` is after ``end``.
    """
    if start == end:
        return Fraction(0)
    if start > end:
        start, end = end, start
    days = end - start
    if basis == 2:
        return Fraction(days, 360)
    if basis == 3:
        return Fraction(days, 365)
    d1, d2 = serial_to_date(start), serial_to_date(end)
    if basis == 4:
        return Fraction(_days360(d1, min(d1.day, 30), d2, min(d2.day, 30)), 360)
    if basis == 0:
        day1, day2 = d1.day, d2.day
        if day1 == 31 and day2 == 31:
            day1 = day2 = 30
        elif day1 == 31:
            day1 = 30
        elif day1 == 30 and day2 == 31:
            day2 = 30
        elif _last_of_february(d1):
            day1 = 30
            if _last_of_february(d2):
                day2 = 30
        return Fraction(_days360(d1, day1, d2, day2), 360)
    if basis == 1:
        if _more_than_a_year(d1, d2):
            years = d2.year - d1.year + 1
            # days from 1 January of the first year to 1 January after the last (9999-12-31
            # included: the last day of Excel's calendar has no next year in Python's)
            total = (dt.date(d2.year, 12, 31) - dt.date(d1.year, 1, 1)).days + 1
            return Fraction(days * years, total)
        return Fraction(days, 366 if _counts_feb29(d1, d2) else 365)
    raise ValueError(f"basis must be 0-4 (got {basis})")  # callers parse the basis first


def _more_than_a_year(d1: dt.date, d2: dt.date) -> bool:
    if d1.year == d2.year:
        return False
    if d1.year + 1 != d2.year:
        return True
    return (d1.month, d1.day) < (d2.month, d2.day)


def _counts_feb29(d1: dt.date, d2: dt.date) -> bool:
    if _is_leap(d1.year):
        return d1.year == d2.year or d1.month <= 2
    if _is_leap(d2.year):
        return d2.month > 2 or (d2.month == 2 and d2.day == 29)
    return False


def yearfrac_float(start: int, end: int, basis: int) -> float:
    """:func:`yearfrac_array` for one pair of serials: the same float operations in the same
    order, so the same bits (Excel's), without numpy's cost per call (a spreadsheet's YEARFRAC
    cells are computed one at a time)."""
    lo, hi = (start, end) if start <= end else (end, start)
    if lo == hi:
        return 0.0
    days = float(hi - lo)
    if basis == 2:
        return days / 360.0
    if basis == 3:
        return days / 365.0
    a, z = serial_to_date(lo), serial_to_date(hi)
    y1, m1, d1, y2, m2, d2 = a.year, a.month, a.day, z.year, z.month, z.day
    base360 = (y2 - y1) * 360 + (m2 - m1) * 30
    if basis == 4:
        return (base360 + min(d2, 30) - min(d1, 30)) / 360.0
    if basis == 0:
        feb_end1 = m1 == 2 and d1 == (29 if _is_leap(y1) else 28)
        feb_end2 = m2 == 2 and d2 == (29 if _is_leap(y2) else 28)
        both31 = d1 == 31 and d2 == 31
        only31 = d1 == 31 and not both31
        thirty31 = d1 == 30 and d2 == 31
        feb = not both31 and not only31 and not thirty31 and feb_end1
        u1 = 30 if (both31 or only31 or feb) else d1
        u2 = 30 if (both31 or thirty31 or (feb and feb_end2)) else d2
        return (base360 + u2 - u1) / 360.0
    if basis == 1:
        more = y1 != y2 and (y1 + 1 != y2 or (m1 * 100 + d1) < (m2 * 100 + d2))
        if more:
            years = float(y2 - y1 + 1)
            total = float((dt.date(y2, 12, 31) - dt.date(y1, 1, 1)).days + 1)
            return days / (total / years)  # the average year length as a double, as Excel
        if _is_leap(y1):
            feb29 = y1 == y2 or m1 <= 2
        else:
            feb29 = _is_leap(y2) and (m2 > 2 or (m2 == 2 and d2 == 29))
        return days / (366.0 if feb29 else 365.0)
    raise ValueError(f"basis must be 0-4 (got {basis})")  # callers parse the basis first


# --------------------------------------------------------------------------- vectorised
_EPOCH64 = np.datetime64(EXCEL_EPOCH.isoformat(), "D")

IntArray = npt.NDArray[np.int64]


def _ymd(serials: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    days = _EPOCH64 + serials.astype("timedelta64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    d = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, d


def _leap(y: IntArray) -> npt.NDArray[np.bool_]:
    leap: npt.NDArray[np.bool_] = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return leap


def _jan1(y: IntArray) -> IntArray:
    # serial of 1 January of year y
    return ((y - 1970).astype("datetime64[Y]").astype("datetime64[D]") - _EPOCH64).astype(np.int64)


def yearfrac_array(start: IntArray, end: IntArray, basis: IntArray) -> npt.NDArray[np.float64]:
    """:func:`yearfrac` element-wise over broadcast arrays of serials and bases, as floats.

    Vectorised with numpy: no Python loop per element. The floats are Excel's to the last bit
    (basis 1 over more than a year divides by the average year length computed as a double, as
    Excel does); :func:`yearfrac` is the exact rational, within an ulp of it.
    """
    s, e, b = np.broadcast_arrays(
        np.asarray(start, np.int64), np.asarray(end, np.int64), np.asarray(basis, np.int64)
    )
    lo, hi = np.minimum(s, e), np.maximum(s, e)
    days = (hi - lo).astype(np.float64)
    if b.size and (b == b.flat[0]).all() and int(b.flat[0]) in (2, 3):
        # one actual/360 or actual/365 basis for every element (LIQPREF's default): days only
        single: npt.NDArray[np.float64] = days / (360.0 if int(b.flat[0]) == 2 else 365.0)
        return single
    p = _Parts(lo, hi)
    # Excel divides by the average year length as a double: two roundings, reproduced here so
    # the float path matches Excel (and LibreOffice) to the last bit.
    r1 = np.where(
        p.more,
        days / (p.total.astype(np.float64) / p.years.astype(np.float64)),
        days / np.where(p.feb29, 366.0, 365.0),
    )
    out = np.select(
        [b == 0, b == 1, b == 2, b == 3, b == 4],
        [p.days360_us / 360.0, r1, days / 360.0, days / 365.0, p.days360_eu / 360.0],
    )
    return np.where(lo == hi, 0.0, out)


def yearfrac_ratio_array(
    start: IntArray, end: IntArray, basis: IntArray
) -> tuple[IntArray, IntArray]:
    """:func:`yearfrac` element-wise as exact ratios ``(numerator, denominator)`` of int64
    arrays (not reduced): the same rationals as :func:`yearfrac`, with no Fraction made.

    Basis 0 and 4: days360 / 360; 2: days / 360; 3: days / 365; 1: days / 365 or 366 within a
    year, else days × years / (the days of the calendar years touched). The largest numerator,
    basis 1 over Excel's whole calendar, is below 2.4e10.
    """
    s, e, b = np.broadcast_arrays(
        np.asarray(start, np.int64), np.asarray(end, np.int64), np.asarray(basis, np.int64)
    )
    lo, hi = np.minimum(s, e), np.maximum(s, e)
    days = hi - lo
    if b.size and (b == b.flat[0]).all() and int(b.flat[0]) in (2, 3):
        return days, np.full_like(days, 360 if int(b.flat[0]) == 2 else 365)
    p = _Parts(lo, hi)
    num = np.select(
        [b == 0, b == 1, b == 4],
        [p.days360_us, np.where(p.more, days * p.years, days), p.days360_eu],
        days,
    )
    den = np.select(
        [b == 0, b == 1, b == 2, b == 4],
        [360, np.where(p.more, p.total, np.where(p.feb29, 366, 365)), 360, 360],
        365,
    )
    return np.where(lo == hi, 0, num), np.where(lo == hi, 1, den)


class _Parts:
    """The calendar parts of YEARFRAC for arrays of serials ``lo <= hi``, as integers."""

    __slots__ = ("days360_eu", "days360_us", "feb29", "more", "total", "years")

    def __init__(self, lo: IntArray, hi: IntArray) -> None:
        y1, m1, d1 = _ymd(lo)
        y2, m2, d2 = _ymd(hi)
        base360 = (y2 - y1) * 360 + (m2 - m1) * 30

        # basis 4: European 30/360
        self.days360_eu = base360 + np.minimum(d2, 30) - np.minimum(d1, 30)

        # basis 0: Excel's US 30/360, rules applied in order on the original days
        feb_end1 = (m1 == 2) & (d1 == np.where(_leap(y1), 29, 28))
        feb_end2 = (m2 == 2) & (d2 == np.where(_leap(y2), 29, 28))
        both31 = (d1 == 31) & (d2 == 31)
        only31 = (d1 == 31) & ~both31
        thirty31 = (d1 == 30) & (d2 == 31)
        feb = ~both31 & ~only31 & ~thirty31 & feb_end1
        u1 = np.where(both31 | only31 | feb, 30, d1)
        u2 = np.where(both31 | thirty31 | (feb & feb_end2), 30, d2)
        self.days360_us = base360 + u2 - u1

        # basis 1: actual/actual
        self.more = (y1 != y2) & ((y1 + 1 != y2) | ((m1 * 100 + d1) < (m2 * 100 + d2)))
        self.years = y2 - y1 + 1
        self.total = _jan1(y2 + 1) - _jan1(y1)
        self.feb29 = np.where(
            _leap(y1),
            (y1 == y2) | (m1 <= 2),
            _leap(y2) & ((m2 > 2) | ((m2 == 2) & (d2 == 29))),
        )
