"""The sample scenario the demo and the template start from.

The certificate fixes the Class I figures; the rest is not in it and is a clearly marked sample
a user replaces: the Class II Stated Value (the "Closing Per Share Price" of the Preferred Stock
Purchase Agreement), the issue dates and the shares outstanding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .terms import constants as c

__all__ = ["SAMPLE", "SAMPLE_AS_OF", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    class_i_shares: int
    class_ii_shares: int
    class_i_stated_value: Decimal
    class_ii_stated_value: Decimal
    class_i_issue_date: dt.date
    class_ii_issue_date: dt.date
    class_i_conversion_price: Decimal
    class_ii_conversion_price: Decimal
    rate: Decimal = c.ACCRUAL_RATE
    basis: int = c.DEFAULT_DAYCOUNT_BASIS


SAMPLE = Scenario(
    class_i_shares=c.CLASS_I_AUTHORIZED,  # Section 1: all authorized Class I shares issued
    class_ii_shares=c.CLASS_II_AUTHORIZED,  # Section 6(a)(v): the Subsequent Closing, in full
    class_i_stated_value=c.CLASS_I_STATED_VALUE,  # Section 1
    # SAMPLE: the Closing Per Share Price (Section 1) is an input; taken equal to Class I here
    class_ii_stated_value=c.CLASS_I_STATED_VALUE,
    class_i_issue_date=dt.date(2000, 6, 15),  # SAMPLE: date of the Purchase Agreement
    class_ii_issue_date=dt.date(2000, 9, 15),  # SAMPLE: Subsequent Closing
    class_i_conversion_price=c.CLASS_I_STATED_VALUE,  # Section 5(c): initial price
    class_ii_conversion_price=c.CLASS_I_STATED_VALUE,  # Section 5(c): = Class II Stated Value
)

#: The sample scenario's valuation date (``xl-addin demo --as-of``): one year after the sample
#: Class I issue date, so Class I shows exactly one year of the 10% accrual of Section 3(a)
#: ($12.31 × 10% × 365/365 = $1.231 a share), a figure a reader can check by hand, and after the
#: sample Section 6 events of the template. (Today's date would add decades of accrual to a
#: scenario of 2000-2001.)
SAMPLE_AS_OF = dt.date(2001, 6, 15)
