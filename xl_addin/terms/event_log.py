"""Section 6's inputs: the starting capitalization and the event log.

:func:`capitalization` builds the :class:`Capitalization` a history starts from and
:func:`read_event_log` reads the event log (a range whose first row is the header) into
:class:`LogRow` records, refusing a bad row with one line naming the row and the column. The
columns, the event types and the Permitted Issuance categories of Section 6(a) are described in
:mod:`.history`, which applies the log (:func:`~.history.history_steps`).

Moved out of :mod:`.history` (which re-exports the public names).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from .constants import (
    BOARD_BASKET_APPROVED_WITH_SERIES_A_DIRECTOR,
    BOARD_BASKET_MAJORITY,
    CLASS_I_STATED_VALUE,
    COMMON_PAR_VALUE,
    OPTION_PLAN_CAP,
    SPINWAY_WARRANT_SHARES,
    SUBSEQUENT_CLOSING_SHARES,
)
from .conversion import conversion_quotient
from .daycount import serial_to_date
from .errors import TermsError, describe
from .parse import Grid, exact, parse_bool, parse_date, parse_number, parse_optional, serial

#: The event-log columns, canonical names (header matching is case-insensitive).
COLUMNS = (
    "date",
    "event",
    "shares",
    "price",
    "ratio",
    "instrument",
    "class",
    "category",
    "gross_proceeds",
    "note",
)
_REQUIRED_COLUMNS = ("date", "event")

#: Event types of the log.
EVENT_TYPES = (
    "SPLIT",
    "COMBINATION",
    "DIVIDEND",
    "ISSUE",
    "WARRANT",
    "CONVERTIBLE",
    "EXERCISE",
    "EXPIRE",
    "REPRICE",
    "ABANDON",
    "QPO",
    "CONVERSION",
    "SUBSEQUENT_CLOSING",
)
_CREATORS = ("WARRANT", "CONVERTIBLE")
_ISSUING = ("ISSUE", "WARRANT", "CONVERTIBLE")
#: Rows that create an instrument id (or a record date's), and rows that must name one.
_RECORDS = (*_CREATORS, "DIVIDEND")
_REFERRING = (*_CREATORS, "EXERCISE", "EXPIRE", "REPRICE", "ABANDON")


@dataclass(frozen=True)
class _Category:
    clause: str
    label: str
    cap: int | None
    split_adjusted: bool
    events: tuple[str, ...]


#: Permitted Issuance categories (6(a)): clause, description, cap, split-adjusted, allowed rows.
CATEGORIES: dict[str, _Category] = {
    "OPTION_PLAN": _Category(
        "(i)", "Stock Option Plan options", OPTION_PLAN_CAP, False, ("WARRANT",)
    ),
    "PUBLIC_OFFERING": _Category(
        "(ii)", "Qualified Public Offering shares", None, False, ("ISSUE",)
    ),
    "ACQUISITION": _Category("(iv)", "approved acquisition consideration", None, False, _ISSUING),
    "BOARD_BASKET": _Category(
        "(vi)", "Board-majority basket", BOARD_BASKET_MAJORITY, True, ("ISSUE",)
    ),
    "DIRECTOR_BASKET": _Category(
        "(vii)",
        "Series A Director basket",
        BOARD_BASKET_APPROVED_WITH_SERIES_A_DIRECTOR,
        True,
        ("ISSUE",),
    ),
    "SPINWAY_WARRANT": _Category(
        "(viii)-(ix)", "Spinway Warrant", SPINWAY_WARRANT_SHARES, False, ("WARRANT",)
    ),
    "CONVERSION": _Category(
        "(iii)", "Common issued on conversion of Series A", None, False, ("CONVERSION",)
    ),
    "SUBSEQUENT_CLOSING": _Category(
        "(v)",
        "Series A shares at the Subsequent Closing",
        SUBSEQUENT_CLOSING_SHARES,
        False,
        ("SUBSEQUENT_CLOSING",),
    ),
}
_ZERO = Fraction(0)

#: Event types that are themselves a Permitted Issuance category (category column optional).
_PERMITTED_EVENTS = ("CONVERSION", "SUBSEQUENT_CLOSING")


# =========================================================================== inputs
@dataclass(frozen=True)
class SeriesAClass:
    """One class of Series A: shares outstanding, Stated Value and current Conversion Price."""

    name: str
    shares: Fraction
    stated_value: Fraction
    conversion_price: Fraction

    @property
    def key(self) -> str:
        return self.name.lower().replace(" ", "_")

    @functools.cached_property
    def as_converted(self) -> Fraction:
        """5(a)(i): the Common shares issuable on the class, full shares only (5(e)(ii)).
        Computed once per set of figures: a class's figures change only on an adjustment."""
        quotient = conversion_quotient(self.shares, self.stated_value, self.conversion_price, _ZERO)
        return Fraction(math.floor(quotient))

    @functools.cached_property
    def price_text(self) -> str:
        """The Conversion Price as the explanations show it (:func:`format_money`)."""
        return format_money(self.conversion_price)


@dataclass(frozen=True)
class Capitalization:
    """The starting figures (see the module docstring)."""

    common_outstanding: Fraction
    rights_outstanding: Fraction
    classes: tuple[SeriesAClass, ...]
    option_plan_used: Fraction = Fraction(0)
    qpo_closed: bool = False
    par_value: Fraction = field(default_factory=lambda: exact(COMMON_PAR_VALUE))
    #: TRUE: the unexercised option-plan part of an expired grant returns to the 6(a)(i) cap
    #: on the expiry date; FALSE (default): every grant counts against the cap for good.
    expired_options_free_cap: bool = False


def capitalization(
    common_outstanding: Any,
    rights_outstanding: Any = 0,
    class_i_shares: Any = 0,
    class_ii_shares: Any = 0,
    class_ii_stated_value: Any = None,
    class_i_price: Any = None,
    class_ii_price: Any = None,
    *,
    class_i_stated_value: Any = None,
    option_plan_used: Any = 0,
    qpo_closed: Any = False,
    par_value: Any = None,
    expired_options_free_cap: Any = False,
) -> Capitalization:
    """Parse and validate the starting capitalization (each argument named in errors).

    Class I: Stated Value $12.31 and price = Stated Value unless given (5(c)). Class II is
    tracked only when ``class_ii_stated_value`` is given; its price defaults to it (5(c)).
    """
    common = parse_number(common_outstanding, "common_outstanding", minimum=0)
    rights = parse_number(parse_optional(rights_outstanding, 0), "rights_outstanding", minimum=0)
    sv1 = parse_number(
        parse_optional(class_i_stated_value, CLASS_I_STATED_VALUE),
        "class_i_stated_value",
        minimum=0,
        strict=True,
    )
    n1 = parse_number(parse_optional(class_i_shares, 0), "class_i_shares", minimum=0)
    cp1 = parse_number(parse_optional(class_i_price, sv1), "class_i_price", minimum=0, strict=True)
    classes = [SeriesAClass("Class I", n1, sv1, cp1)]
    n2 = parse_number(parse_optional(class_ii_shares, 0), "class_ii_shares", minimum=0)
    sv2_raw = parse_optional(class_ii_stated_value, None)
    if sv2_raw is None:
        if n2 > 0:
            raise TermsError(
                "class_ii_stated_value is required when class_ii_shares > 0 (got an empty cell)",
                argument="class_ii_stated_value",
            )
    else:
        sv2 = parse_number(sv2_raw, "class_ii_stated_value", minimum=0, strict=True)
        cp2 = parse_number(
            parse_optional(class_ii_price, sv2), "class_ii_price", minimum=0, strict=True
        )
        classes.append(SeriesAClass("Class II", n2, sv2, cp2))
    return Capitalization(
        common_outstanding=common,
        rights_outstanding=rights,
        classes=tuple(classes),
        option_plan_used=parse_number(
            parse_optional(option_plan_used, 0), "option_plan_used", minimum=0
        ),
        qpo_closed=parse_bool(parse_optional(qpo_closed, False), "qpo_closed", False),
        par_value=parse_number(parse_optional(par_value, COMMON_PAR_VALUE), "par_value", minimum=0),
        expired_options_free_cap=parse_bool(
            parse_optional(expired_options_free_cap, False), "expired_options_free_cap", False
        ),
    )


class LogRow(NamedTuple):
    """One validated event-log row. ``row`` counts the header as row 1. (An immutable record:
    a named tuple, as a log holds one per event and a tuple is quicker to make.)"""

    row: int
    date: int
    event: str
    shares: Fraction | None = None
    price: Fraction | None = None
    ratio: Fraction | None = None
    instrument: str | None = None
    category: str | None = None
    gross_proceeds: Fraction | None = None
    note: str = ""
    series_class: str | None = None  # "Class I" / "Class II" (the ``class`` column)


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, str) and not v.strip())
        or (isinstance(v, float) and math.isnan(v))
    )


@functools.lru_cache(maxsize=256)
def _event_type(text: str) -> str:
    """An event cell's text as an event type: ``Subsequent closing`` -> ``SUBSEQUENT_CLOSING``."""
    return "_".join(text.upper().split())


@functools.lru_cache(maxsize=4096, typed=True)
def _exact_cell(value: float) -> Fraction:
    """:func:`~.parse.exact` of a plain int or finite float. Cached: a log repeats its share
    counts and prices. (Typed: beyond 2**53 an int and the equal float read differently.)"""
    return exact(value)


def _header_key(v: Any) -> str:
    return " ".join(str(v).strip().lower().replace("_", " ").split())


def _instrument_id(v: Any, where: str) -> str:
    if isinstance(v, str):
        return v.strip().upper()
    if isinstance(v, (int, float, Fraction)) and not isinstance(v, bool):
        f = exact(v)
        return str(f.numerator) if f.denominator == 1 else format(float(f), ".15g")
    raise TermsError(
        f"{where} must be an id, text or a number (got {describe(v)})", argument="event_log"
    )


_CLASS_NAMES = {"I": "Class I", "II": "Class II", "1": "Class I", "2": "Class II"}


def _class_name(v: Any, where: str) -> str:
    """``I`` / ``II`` / ``Class I`` / ``class_ii`` / 1 / 2 -> ``Class I`` or ``Class II``."""
    key: str | None = None
    if isinstance(v, str):
        key = " ".join(v.upper().replace("_", " ").split()).removeprefix("CLASS ").strip()
    elif isinstance(v, (int, float, Fraction)) and not isinstance(v, bool):
        key = str(int(v)) if float(v).is_integer() else None
    if key not in _CLASS_NAMES:
        raise TermsError(
            f"{where} must be I or II (Class I / Class II) (got {describe(v)})",
            argument="event_log",
        )
    return _CLASS_NAMES[key]


def read_event_log(log: Any) -> list[LogRow]:
    """Validate an event-log range (header row first) or a DataFrame into :class:`LogRow` s.

    Checks: known header names, the required columns, event types, the fields each event type
    needs, non-negative shares, instruments referring to an earlier row of the right kind,
    unique ids, dates in order. Errors name the row and column.
    """
    if type(log).__module__.startswith("pandas") and hasattr(log, "columns"):  # DataFrame
        table: list[list[Any]] = [list(log.columns), *log.astype(object).values.tolist()]
    else:
        table = [list(r) for r in Grid(log, "event_log").rows]
    header = table[0]
    names = {_header_key(c): c for c in COLUMNS}
    index: dict[str, int] = {}
    for j, h in enumerate(header):
        if _blank(h):
            if any(not _blank(r[j]) for r in table[1:]):
                raise TermsError(
                    f"event log row 1, column {j + 1}: a column with values needs a header "
                    f"(one of {', '.join(COLUMNS)})",
                    argument="event_log",
                )
            continue
        key = _header_key(h) if isinstance(h, str) else ""
        if key not in names:
            raise TermsError(
                f"event log row 1, column {j + 1}: unknown header {describe(h)} "
                f"(expected {', '.join(COLUMNS)})",
                argument="event_log",
            )
        if names[key] in index:
            raise TermsError(
                f"event log row 1, column {j + 1}: header {names[key]!r} appears twice",
                argument="event_log",
            )
        index[names[key]] = j
    for c in _REQUIRED_COLUMNS:
        if c not in index:
            raise TermsError(f"event log row 1: missing column {c!r}", argument="event_log")

    rows: list[LogRow] = []
    created: dict[str, LogRow] = {}
    last_date: tuple[int, int] | None = None
    i, raw = 1, header  # the row being read: the helpers below read these two

    def cell(col: str) -> Any:
        j = index.get(col)
        if j is None:
            return None
        v = raw[j]
        kind = type(v)  # the usual kinds first, then _blank()
        if kind is int or v is None:
            return v
        if kind is str:
            return v if v.strip() else None
        if kind is float:
            return None if math.isnan(v) else v
        return None if _blank(v) else v

    def where(col: str) -> str:
        return f"event log row {i}, column {col!r}:"

    def need(col: str, event: str) -> Any:
        v = cell(col)
        if v is None:
            raise TermsError(
                f"event log row {i}, column {col!r}: required for {event} (got an empty cell)",
                argument="event_log",
            )
        return v

    def num(col: str, value: Any, *, strict: bool = False) -> Fraction:
        """A number >= 0 (> 0 if ``strict``); the message names the row and column."""
        kind = type(value)
        if kind is int or (kind is float and math.isfinite(value)):
            # the common case, a plain number as a cell passes it: no message built
            number = _exact_cell(value)
            sign = number.numerator
            if sign > 0 or (sign == 0 and not strict):
                return number
        return parse_number(value, where(col), minimum=0, strict=strict)

    for i, raw in enumerate(table[1:], start=2):  # cell(), where() read i and raw
        ev_raw = cell("event")
        if ev_raw is None and all(_blank(v) for v in raw):
            continue
        ev = _event_type(ev_raw) if isinstance(ev_raw, str) else None
        if ev not in EVENT_TYPES:
            shown = "an empty cell" if ev_raw is None else describe(ev_raw)
            raise TermsError(
                f"{where('event')} must be one of {', '.join(EVENT_TYPES)} (got {shown})",
                argument="event_log",
            )
        date_value = need("date", ev)
        date = serial(date_value)  # a plain serial or date: read at once
        if date is None:
            date = parse_date(date_value, where("date"))
        if last_date is not None and date < last_date[0]:
            raise TermsError(
                f"{where('date')} dates must not go backwards ({serial_to_date(date)} is before "
                f"{serial_to_date(last_date[0])} on row {last_date[1]}); the log is not re-sorted",
                argument="event_log",
            )
        last_date = (date, i)

        shares = price = ratio = gross = None
        instrument = category = series_class = None
        if ev in ("SPLIT", "COMBINATION"):
            ratio = num("ratio", need("ratio", ev), strict=True)
            if (ev == "SPLIT") != (ratio > 1) or ratio == 1:
                expected = "> 1" if ev == "SPLIT" else "< 1"
                raise TermsError(
                    f"{where('ratio')} must be {expected} for {ev} (got {_count(ratio)})",
                    argument="event_log",
                )
        elif ev == "DIVIDEND":
            shares = num("shares", need("shares", ev), strict=True)
        elif ev in _ISSUING or ev == "QPO":
            shares = num("shares", need("shares", ev))
            price = num("price", need("price", ev))
        elif ev == "EXERCISE":
            shares = num("shares", need("shares", ev), strict=True)
            if cell("price") is not None:
                price = num("price", cell("price"))
        elif ev == "REPRICE":
            price = num("price", need("price", ev))
        elif ev == "CONVERSION":
            shares = num("shares", need("shares", ev), strict=True)
            series_class = _class_name(need("class", ev), where("class"))
        elif ev == "SUBSEQUENT_CLOSING":
            shares = num("shares", need("shares", ev), strict=True)
            if cell("price") is not None:
                price = num("price", cell("price"), strict=True)
            if cell("class") is not None:
                series_class = _class_name(cell("class"), where("class"))
                if series_class != "Class II":
                    raise TermsError(
                        f"{where('class')} the Subsequent Closing issues Class II shares only "
                        f"(got {describe(cell('class'))})",
                        argument="event_log",
                    )
            series_class = "Class II"
        if ev == "QPO":
            gross = num("gross_proceeds", need("gross_proceeds", ev))
        if ev in ("EXPIRE", "ABANDON") and cell("shares") is not None:
            raise TermsError(
                f"{where('shares')} leave blank for {ev}: the whole unexercised remainder "
                f"is affected (got {describe(cell('shares'))})",
                argument="event_log",
            )

        # instrument ids
        inst_raw = cell("instrument")
        if ev in _REFERRING:
            instrument = _instrument_id(need("instrument", ev), where("instrument"))
        elif ev == "DIVIDEND" and inst_raw is not None:
            instrument = _instrument_id(inst_raw, where("instrument"))
        if ev in _RECORDS and instrument is not None:
            if instrument in created:
                raise TermsError(
                    f"{where('instrument')} id {instrument!r} is already used on row "
                    f"{created[instrument].row}",
                    argument="event_log",
                )
        elif instrument is not None:
            origin = created.get(instrument)
            kinds = ("WARRANT", "CONVERTIBLE", "DIVIDEND") if ev == "ABANDON" else _CREATORS
            if origin is None or origin.event not in kinds:
                raise TermsError(
                    f"{where('instrument')} no {' or '.join(kinds)} row above has instrument "
                    f"{instrument!r}",
                    argument="event_log",
                )

        # category
        cat_raw = cell("category")
        if cat_raw is not None:
            cat_key = cat_raw.strip().upper().replace(" ", "_") if isinstance(cat_raw, str) else ""
            if cat_key not in CATEGORIES:
                raise TermsError(
                    f"{where('category')} must be blank or one of {', '.join(CATEGORIES)} "
                    f"(got {describe(cat_raw)})",
                    argument="event_log",
                )
            if ev not in CATEGORIES[cat_key].events:
                raise TermsError(
                    f"{where('category')} {cat_key} applies to "
                    f"{' or '.join(CATEGORIES[cat_key].events)} rows, not {ev}",
                    argument="event_log",
                )
            category = cat_key
        if ev in _PERMITTED_EVENTS:
            category = ev
        note = cell("note")
        row = LogRow(  # positional, in the order of the fields (quicker than by keyword)
            i,
            date,
            ev,
            shares,
            price,
            ratio,
            instrument,
            category,
            gross,
            "" if note is None else str(note).strip(),
            series_class,
        )
        if ev in _RECORDS and instrument is not None:
            created[instrument] = row
        rows.append(row)
    return rows


# =========================================================================== formatting
def format_money(x: Fraction | int) -> str:
    """``$12.10``; up to 6 decimals, with ``…`` when the exact value was rounded."""
    return _format_money(x.numerator, x.denominator)


@functools.lru_cache(maxsize=4096)
def _format_money(numerator: int, denominator: int) -> str:
    # keyed by the exact value's two ints (hashing a Fraction costs more than formatting it):
    # a history repeats its prices on every row
    exact = 10**6 % denominator == 0  # the value has at most 6 decimals
    if exact:
        r = numerator * (10**6 // denominator)
    else:
        r = round(Fraction(numerator, denominator) * 10**6)
    whole, frac = divmod(abs(r), 10**6)
    decimals = f"{frac:06d}".rstrip("0").ljust(2, "0")
    sign = "-" if r < 0 else ""
    text = f"{sign}${whole:,}.{decimals}"
    return text if exact else text + "…"


def format_shares(x: Fraction | int) -> str:
    """``1,000,000``; a fractional count to 6 decimals, with ``…`` when rounded."""
    if x.denominator == 1:
        return f"{x.numerator:,}"
    r = round(x * 10**6)
    whole, frac = divmod(abs(r), 10**6)
    text = f"{'-' if r < 0 else ''}{whole:,}.{f'{frac:06d}'.rstrip('0') or '0'}"
    return text if Fraction(r, 10**6) == x else text + "…"


_money = format_money
_count = format_shares


def _where(row: LogRow, col: str) -> str:
    return f"event log row {row.row}, column {col!r}:"
