"""Excel functions over a Section 6 event log: CPHISTORY (the table) and CPASOF (one price).

Adapter only: arguments are converted by :func:`xl_addin.terms.history.capitalization` and the
event log is read by :func:`xl_addin.terms.history.read_event_log`; the history is computed in
:mod:`xl_addin.terms.history`. Errors become cell text in :func:`xl_addin.excel.excel_function`.
The column spec of the event log is in the docstring of :mod:`xl_addin.terms.history`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ._xlwings import arg, func
from .excel import CATEGORY, excel_function, memoized
from .terms.constants import CLASS_I_STATED_VALUE, OPTION_PLAN_CAP
from .terms.history import (
    Capitalization,
    Step,
    capitalization,
    history_steps,
    history_table,
    price_as_of,
)

__all__ = ["CPASOF", "CPHISTORY"]

_F = TypeVar("_F", bound=Callable[..., Any])

_LOG_DOC = "event log range, header row first: date, event, shares, price, ratio, instrument, class, category, gross proceeds, note"  # noqa: E501


_CAPITALIZATION_DOCS = (
    ("common_outstanding", "Common Stock Outstanding at the start (6(a))"),
    (
        "rights_outstanding",
        "shares issuable under options, warrants, Convertible Securities at the start",
    ),
    ("class_i_shares", "Class I Series A shares outstanding"),
    (
        "class_i_price",
        f"[optional] Class I Conversion Price at the start (default {CLASS_I_STATED_VALUE})",
    ),
    ("class_ii_shares", "[optional] Class II Series A shares outstanding (default 0)"),
    ("class_ii_stated_value", "[optional] Class II Stated Value; blank: no Class II"),
    ("class_ii_price", "[optional] Class II Conversion Price (default its Stated Value)"),
    ("qpo_closed", "[optional] TRUE if the Qualified Private Offering closed before the log"),
    ("option_plan_used", "[optional] option-plan shares already granted (default 0)"),
    (
        "expired_options_free_cap",
        "[optional] TRUE: unexercised options of an expired grant return to the "
        f"{OPTION_PLAN_CAP:,} option-plan cap on expiry; FALSE (default): every grant uses the "
        "cap for good",
    ),
)


def _capitalization_args(fn: _F) -> _F:
    """The help of the starting-capitalization arguments CPHISTORY and CPASOF share."""
    for name, doc in _CAPITALIZATION_DOCS:
        fn = arg(name, ndim=2, doc=doc)(fn)
    return fn


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The history of a long log makes a few objects per event and keeps them all: the cyclic
    garbage collector would rescan them again and again (a tenth of the time) and could free
    nothing -- they form no cycles. Off while the history is built (as ``excel._rows`` does)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _start(
    common_outstanding: Any,
    rights_outstanding: Any,
    class_i_shares: Any,
    class_i_price: Any,
    class_ii_shares: Any,
    class_ii_stated_value: Any,
    class_ii_price: Any,
    qpo_closed: Any,
    option_plan_used: Any,
    expired_options_free_cap: Any,
) -> Any:
    return capitalization(
        common_outstanding,
        rights_outstanding,
        class_i_shares,
        class_ii_shares,
        class_ii_stated_value,
        class_i_price,
        class_ii_price,
        option_plan_used=option_plan_used,
        qpo_closed=qpo_closed,
        expired_options_free_cap=expired_options_free_cap,
    )


@func(category=CATEGORY)
@arg("event_log", ndim=2, doc=_LOG_DOC)
@_capitalization_args
@excel_function
def CPHISTORY(
    event_log: Any,
    common_outstanding: Any,
    rights_outstanding: Any,
    class_i_shares: Any,
    class_i_price: Any = None,
    class_ii_shares: Any = 0,
    class_ii_stated_value: Any = None,
    class_ii_price: Any = None,
    qpo_closed: Any = False,
    option_plan_used: Any = 0,
    expired_options_free_cap: Any = False,
) -> Any:
    """Conversion Price history (Section 6): per event, Fully Diluted before/after, each class's price before/after, section and explanation."""  # noqa: E501
    cap = _start(
        common_outstanding,
        rights_outstanding,
        class_i_shares,
        class_i_price,
        class_ii_shares,
        class_ii_stated_value,
        class_ii_price,
        qpo_closed,
        option_plan_used,
        expired_options_free_cap,
    )
    with _no_cycle_collection():
        header, rows = history_table(cap, history_steps(cap, event_log), cells=True)
    return [header, *rows]


@func(category=CATEGORY)
@arg("event_log", ndim=2, doc=_LOG_DOC)
@arg("class_name", ndim=2, doc='"I" or "II" (or "Class I", "Class II")')
@arg("as_of", ndim=2, doc="a date or an Excel date serial number (events on it included)")
@_capitalization_args
@excel_function
def CPASOF(
    event_log: Any,
    class_name: Any,
    as_of: Any,
    common_outstanding: Any,
    rights_outstanding: Any,
    class_i_shares: Any,
    class_i_price: Any = None,
    class_ii_shares: Any = 0,
    class_ii_stated_value: Any = None,
    class_ii_price: Any = None,
    qpo_closed: Any = False,
    option_plan_used: Any = 0,
    expired_options_free_cap: Any = False,
) -> Any:
    """Conversion Price of one class at the close of business on a date (Sections 6, 6(g)(ii)), after every event in the log dated on or before it."""  # noqa: E501
    args = (
        common_outstanding,
        rights_outstanding,
        class_i_shares,
        class_i_price,
        class_ii_shares,
        class_ii_stated_value,
        class_ii_price,
        qpo_closed,
        option_plan_used,
        expired_options_free_cap,
    )
    key = (event_log, *args)
    cap, steps = memoized(_HISTORIES, key, lambda: _replay(event_log, args), size=4)
    return price_as_of(cap, event_log, class_name, as_of, steps=steps)


#: Replayed logs: a column of CPASOF cells over one log and capitalization replays it once.
#: Only 4 are kept: a 10,000-event replay holds some 6 MB.
_HISTORIES: dict[Any, tuple[Capitalization, list[Step]]] = {}


def _replay(event_log: Any, args: tuple[Any, ...]) -> tuple[Capitalization, list[Step]]:
    cap = _start(*args)
    with _no_cycle_collection():
        return cap, history_steps(cap, event_log)
