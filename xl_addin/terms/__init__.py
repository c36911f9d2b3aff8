"""The terms engine: the economic terms of the IFX Corporation Series A Convertible Preferred
Stock (certificate of designation, June 2000), in pure Python.

This package imports neither xlwings nor openpyxl; the Excel functions in :mod:`xl_addin.udfs`
only convert arguments and delegate here.
"""

from __future__ import annotations

from .adjustments import Event, adjust, adjusted_conversion_price
from .conversion import cash_in_lieu, conversion_quotient, conversion_shares
from .daycount import serial_to_date, yearfrac, yearfrac_array
from .errors import TermsError
from .liquidation import liquidation_preference
from .preemptive import allocate, pro_rata_allocation

__all__ = [
    "Event",
    "TermsError",
    "adjust",
    "adjusted_conversion_price",
    "allocate",
    "cash_in_lieu",
    "conversion_quotient",
    "conversion_shares",
    "liquidation_preference",
    "pro_rata_allocation",
    "serial_to_date",
    "yearfrac",
    "yearfrac_array",
]
