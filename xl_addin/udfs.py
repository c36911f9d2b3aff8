"""The Excel functions of the add-in, registered through xlwings.

Set ``UDF Modules`` to ``xl_addin.udfs`` (xlwings add-in or the ``xlwings.conf`` sheet) and click
*Import Functions*; in xlwings Lite, import these functions in ``main.py``. Each function only
converts its arguments, calls :mod:`xl_addin.terms` and converts the result back.

What a cell shows on bad input is decided in :mod:`xl_addin.excel` (``excel_function``), and
nowhere else: one line such as ``#VALUE! shares must be >= 0 (got -5)`` in classic xlwings, a real
error value carrying that message in xlwings Lite.
"""

from __future__ import annotations

from typing import Any

from ._xlwings import arg, func
from .excel import BASIS_DOC, CATEGORY, RATE_DOC, excel_function
from .terms import (
    adjusted_conversion_price,
    cash_in_lieu,
    conversion_shares,
    liquidation_preference,
    pro_rata_allocation,
)
from .terms.adjustments import adjusted_conversion_price_ratio
from .terms.constants import (
    ACCRUAL_RATE,
    CLASS_I_STATED_VALUE,
    COMMON_PAR_VALUE,
    DEFAULT_DAYCOUNT_BASIS,
)
from .terms.conversion import cash_in_lieu_ratio, conversion_shares_ratio
from .terms.liquidation import liquidation_preference_ratio
from .udfs_exits import (
    BOARDSEATS,
    CONSENT,
    LIQEVENT,
    MERGERCONV,
    PARITYDIV,
    PARTDIV,
    PUTDATE,
    PUTPRICE,
    QPOTEST,
    RESERVATION,
    SECVALUE,
    VOTES,
    WATERFALL,
    WFBREAKS,
)
from .udfs_history import CPASOF, CPHISTORY
from .udfs_rights import (
    CLASSVOTE,
    DIRECTORRIGHT,
    NEWSEC,
    PREEMPTDATES,
    PREEMPTRIGHT,
    PREEMPTSALE,
    REMEDYEXIT,
    TRIGGERED,
    TRIGGERLOG,
)

# Core (this module): Sections 3(a), 5, 6, 9(a). Section 6 history: xl_addin.udfs_history.
# Exits and the rest of the certificate: xl_addin.udfs_exits. Sections 4(a), 4(d), 7, 8(a),
# 9(b)-(e): xl_addin.udfs_rights.
__all__ = [
    "ADJPRICE",
    "BOARDSEATS",
    "CASHINLIEU",
    "CLASSVOTE",
    "CONSENT",
    "CONVSHARES",
    "CPASOF",
    "CPHISTORY",
    "DIRECTORRIGHT",
    "LIQEVENT",
    "LIQPREF",
    "MERGERCONV",
    "NEWSEC",
    "PARITYDIV",
    "PARTDIV",
    "PREEMPTDATES",
    "PREEMPTRIGHT",
    "PREEMPTSALE",
    "PRORATA",
    "PUTDATE",
    "PUTPRICE",
    "QPOTEST",
    "REMEDYEXIT",
    "RESERVATION",
    "SECVALUE",
    "TRIGGERED",
    "TRIGGERLOG",
    "VOTES",
    "WATERFALL",
    "WFBREAKS",
]

_DATE_DOC = "a date or an Excel date serial number"


@func(category=CATEGORY)
@arg("shares", ndim=2, doc="Series A shares (>= 0); a cell or a range")
@arg("stated_value", ndim=2, doc=f"Stated Value per share, $ (Class I: {CLASS_I_STATED_VALUE})")
@arg("issue_date", ndim=2, doc="date of issuance of the shares: " + _DATE_DOC)
@arg("payment_date", ndim=2, doc="date of payment of the preference: " + _DATE_DOC)
@arg("dividends", ndim=2, doc="[optional] declared and unpaid dividends per share, $ (default 0)")
@arg("rate", ndim=2, doc=RATE_DOC)
@arg("basis", ndim=2, doc=BASIS_DOC)
@excel_function
def LIQPREF(
    shares: Any,
    stated_value: Any,
    issue_date: Any,
    payment_date: Any,
    dividends: Any = 0,
    rate: Any = float(ACCRUAL_RATE),
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
) -> Any:
    """Liquidation Preference in $ (Section 3(a)): shares × (Stated Value + unpaid dividends + Stated Value × rate × YEARFRAC(issue, payment, basis))."""  # noqa: E501
    fast = liquidation_preference_ratio(
        shares, stated_value, issue_date, payment_date, dividends, rate, basis
    )
    if fast is not None:  # plain numbers: the exact value in integers, rounded once
        return fast[0] / fast[1]
    return liquidation_preference(
        shares, stated_value, issue_date, payment_date, dividends, rate, basis
    )


@func(category=CATEGORY)
@arg("shares", ndim=2, doc="Series A shares converted (>= 0); a cell or a range")
@arg("stated_value", ndim=2, doc="Stated Value per share, $")
@arg("conversion_price", ndim=2, doc="Conversion Price, $ (> 0)")
@arg("dividends", ndim=2, doc="[optional] declared and unpaid dividends per share, $ (default 0)")
@arg("whole", doc="[optional] TRUE: full shares only (default); FALSE: the exact quotient")
@excel_function
def CONVSHARES(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    dividends: Any = 0,
    whole: Any = True,
) -> Any:
    """Common shares on conversion (Section 5(a), 5(e)(ii)): (Stated Value + dividends) × shares / Conversion Price; full shares only unless whole is FALSE."""  # noqa: E501
    fast = conversion_shares_ratio(shares, stated_value, conversion_price, dividends, whole)
    if fast is not None:  # plain numbers: the exact value in integers, rounded once
        return fast[0] / fast[1]
    return conversion_shares(shares, stated_value, conversion_price, dividends, whole)


@func(category=CATEGORY)
@arg("shares", ndim=2, doc="Series A shares converted (>= 0); a cell or a range")
@arg("stated_value", ndim=2, doc="Stated Value per share, $")
@arg("conversion_price", ndim=2, doc="Conversion Price, $ (> 0)")
@arg("closing_price", ndim=2, doc="closing price of the Common Stock on the conversion date, $")
@arg("dividends", ndim=2, doc="[optional] declared and unpaid dividends per share, $ (default 0)")
@excel_function
def CASHINLIEU(
    shares: Any,
    stated_value: Any,
    conversion_price: Any,
    closing_price: Any,
    dividends: Any = 0,
) -> Any:
    """Cash in lieu of the fractional share, $ (Section 5(e)(ii)): the fraction left after full shares × the closing price."""  # noqa: E501
    fast = cash_in_lieu_ratio(shares, stated_value, conversion_price, closing_price, dividends)
    if fast is not None:  # plain numbers: the exact value in integers, rounded once
        return fast[0] / fast[1]
    return cash_in_lieu(shares, stated_value, conversion_price, closing_price, dividends)


@func(category=CATEGORY)
@arg("conversion_price", ndim=2, doc="Conversion Price before the event, $")
@arg(
    "event_type",
    ndim=2,
    doc="SPLIT, DIVIDEND, COMBINATION, ISSUE, WARRANT, CONVERTIBLE or PERMITTED",
)
@arg("fd_before", ndim=2, doc="Fully Diluted Outstanding Common Stock just before the event")
@arg("shares", ndim=2, doc="change in Fully Diluted Outstanding (negative for a COMBINATION)")
@arg(
    "price",
    ndim=2,
    doc="[optional] consideration per share; required for ISSUE, WARRANT, CONVERTIBLE",
)
@arg("after_qpo", ndim=2, doc="[optional] TRUE once the Qualified Private Offering has closed")
@arg(
    "par_value",
    ndim=2,
    doc=f"[optional] floor: par value of the Common Stock (default {COMMON_PAR_VALUE})",
)
@excel_function
def ADJPRICE(
    conversion_price: Any,
    event_type: Any,
    fd_before: Any,
    shares: Any,
    price: Any = None,
    after_qpo: Any = False,
    par_value: Any = float(COMMON_PAR_VALUE),
) -> Any:
    """Conversion Price after one Section 6 event: 6(b) Fully Diluted ratio; 6(c)-(e) full ratchet before the QPO, weighted average after; never below par (6(i))."""  # noqa: E501
    fast = adjusted_conversion_price_ratio(
        conversion_price, event_type, fd_before, shares, price, after_qpo, par_value
    )
    if fast is not None:  # plain numbers: the exact value in integers, rounded once
        return fast[0] / fast[1]
    return adjusted_conversion_price(
        conversion_price, event_type, fd_before, shares, price, after_qpo, par_value
    )


@func(category=CATEGORY)
@arg("holdings", ndim=2, doc="Common Stock owned per holder, as converted, incl. options/warrants")
@arg("total_fd", doc="Fully Diluted Common Stock before the issue")
@arg("offered", doc="New Securities offered")
@arg("requested", ndim=2, doc="[optional] what each holder asks for (shape of holdings)")
@arg("whole", doc="[optional] TRUE: whole units, remainders to the largest fractions")
@excel_function
def PRORATA(
    holdings: Any,
    total_fd: Any,
    offered: Any,
    requested: Any = None,
    whole: Any = False,
) -> Any:
    """Preemptive Right (Section 9(a)): each holder's pro rata share of New Securities, or with requests the allocation after the repeated over-allotment."""  # noqa: E501
    return pro_rata_allocation(holdings, total_fd, offered, requested, whole)
