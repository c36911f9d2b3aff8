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

__all__ = ["SAMPLE", "Scenario"]


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
