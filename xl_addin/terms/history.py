"""Section 6 in full: the Conversion Price history of both classes over an event log.

ADJPRICE (:mod:`.adjustments`) applies one event to a Fully Diluted count typed in by hand. This
module keeps the whole capitalization and applies an event log in order, deriving Fully Diluted
Outstanding at every step, so each line shows what each class's price became and why -- the
content of the Section 6(j) certificate (:mod:`.certificate_of_adjustment`).

Starting capitalization (:class:`Capitalization`, built with :func:`capitalization`)
    ``common_outstanding``   Common Stock Outstanding (6(a): treasury and subsidiary-held shares
                             excluded; scrip and fractional certificates included).
    ``rights_outstanding``   shares issuable under options, warrants and Convertible Securities
                             outstanding at the start (not listed in the log).
    each class               Series A shares, Stated Value and current Conversion Price. Class I
                             defaults to Stated Value $12.31 and price = Stated Value (5(c));
                             Class II (Stated Value = the Closing Per Share Price, Section 1) is
                             tracked only when its Stated Value is given.
    ``option_plan_used``     option-plan shares already granted against the 2,460,000 cap.
    ``qpo_closed``           TRUE if the Qualified Private Offering closed before the log starts.
    ``expired_options_free_cap``  what an expired option grant does to the 2,460,000 cap
                             (6(a)(i): "the issuance of up to 2,460,000 shares ... issuable
                             pursuant to options"). FALSE (default): every grant counts against
                             the cap for good, expired or not -- the cap limits grants. TRUE:
                             the unexercised part of an expired grant that was within the cap
                             returns to it on the expiry date -- the cap limits options
                             outstanding or exercised. Either way the rule is the same whether
                             or not the expired grant crossed the cap, and capacity never moves
                             retroactively (rows before the expiry keep their reading).

Event log: a range whose first row is the header. Header names are case-insensitive; spaces and
underscores are interchangeable; columns may come in any order; only ``date`` and ``event`` are
compulsory columns. Entirely blank rows are skipped. Row numbers in messages count the header as
row 1, as in the range you selected.

    ==============  ==================================================================
    date            date of the event (a date or an Excel serial). Dates must not go
                    backwards; events on one date apply in log order, except that the
                    date's CONVERSION rows come first: a conversion is deemed made
                    "immediately prior to the close of business" (5(e)(i)) and an
                    adjusting event at the close of business (6(g)(ii)). (A Class II
                    conversion logged after the date's SUBSEQUENT_CLOSING stays after
                    it: the closing issues the shares.) The output lists the rows in
                    that order; a conversion moved up says so.
    event           one of the event types below (case-insensitive).
    shares          number of shares (see each event type). Never negative.
    price           consideration per share, $: cash, or non-cash at the Board's good-
                    faith fair value (6(g)(i)). For a warrant or Convertible Security,
                    the lowest total consideration per Common share: what is paid for
                    the instrument plus the exercise/conversion payment (6(d), 6(e),
                    6(g)(i)).
    ratio           SPLIT and COMBINATION only: new shares per old share (2 for a
                    2-for-1 split, 0.1 for a 1-for-10 combination).
    instrument      an id you choose (e.g. ``W-2001-1``) on a WARRANT, CONVERTIBLE or
                    DIVIDEND row; later EXERCISE / EXPIRE / REPRICE / ABANDON rows
                    repeat it.
    class           CONVERSION rows: the Series A class converted, ``I`` or ``II``
                    (``Class I``, ``Class II``, 1 and 2 also accepted). SUBSEQUENT_CLOSING
                    rows: blank or ``II`` (only Class II is issued there). Ignored on
                    other rows.
    category        the Permitted Issuance claimed, if any (see below); blank = none.
    gross proceeds  QPO rows only: gross proceeds of the offering, $.
    note            free text, copied to the output.
    ==============  ==================================================================

Event types
    ``SPLIT`` / ``COMBINATION`` (ratio)  6(b)(ii)/(iii) subdivision or combination.
    ``DIVIDEND`` (shares)                6(b)(i) record date of a dividend of ``shares``
                                         Additional Shares of Common Stock.
    ``ISSUE`` (shares, price)            6(c) issue or sale of Additional Shares.
    ``WARRANT`` (shares, price, id)      6(d) warrants, options or rights (or a record date
                                         for distributing them): ``shares`` = maximum issuable.
    ``CONVERTIBLE`` (shares, price, id)  6(e) Convertible Securities: ``shares`` = maximum
                                         Common shares issuable on conversion.
    ``EXERCISE`` (id, shares, [price])   exercise of a warrant or conversion of a Convertible
                                         Security; ``price`` = consideration actually paid per
                                         share (blank: the instrument's price).
    ``EXPIRE`` (id)                      the unexercised remainder expires (6(f)(i)). On an
                                         instrument exercised in full it changes nothing and
                                         says so: 6(f)(i) needs an unexercised part.
    ``REPRICE`` (id, price)              the consideration per share changes (6(f)(ii)).
    ``ABANDON`` (id)                     the plan for a record date's distribution is legally
                                         abandoned (6(g)(iii)).
    ``QPO`` (shares, price, gross proceeds)  the Qualified Private Offering closes.
    ``CONVERSION`` (shares, class)       holders convert ``shares`` Series A shares of the
                                         class into Common (6(a) Permitted Issuance (iii)).
    ``SUBSEQUENT_CLOSING`` (shares, [price])  ``shares`` Class II Series A shares issued at
                                         the Subsequent Closing (6(a) Permitted Issuance (v));
                                         ``price`` = the Class II Stated Value, i.e. the
                                         Closing Per Share Price (Section 1): required when
                                         Class II is not yet tracked, otherwise blank or equal
                                         to the Stated Value already known.
    Event types may be typed with a space for the underscore (``Subsequent Closing``).

Permitted Issuance categories (6(a)), on ISSUE / WARRANT / CONVERTIBLE rows
    ``OPTION_PLAN``       (i) options under the Stock Option Plan, cap 2,460,000 (WARRANT rows).
    ``PUBLIC_OFFERING``   (ii) shares issued in connection with a Qualified *Public* Offering.
    ``ACQUISITION``       (iv) consideration for an acquisition approved with the Series A
                          Preferred Director's vote.
    ``BOARD_BASKET``      (vi) up to 100,000 Common shares approved by a Board majority.
    ``DIRECTOR_BASKET``   (vii) up to another 100,000 approved with the Series A Director.
    ``SPINWAY_WARRANT``   (viii)-(ix) the Spinway Warrant, 210,000 shares (WARRANT rows).
    ``CONVERSION``        (iii) Common issued on conversion of Series A: implied by (and only
                          allowed on) CONVERSION rows; no cap.
    ``SUBSEQUENT_CLOSING`` (v) up to 820,471 Series A shares at the Subsequent Closing:
                          implied by (and only allowed on) SUBSEQUENT_CLOSING rows; counted in
                          Series A shares, not split-adjusted. Class II shares in the starting
                          figures count as already used (Class II is only issued there).
    The two baskets are split-adjusted (every 6(b) event multiplies the cap). Caps are
    cumulative over the log; an issue beyond a cap is not a Permitted Issuance for the excess:
    the permitted part is issued first (no adjustment) and the excess is adjusted for, flagged.
    Exercise of a permitted option or warrant is never adjusted (6(c)(iii)); exercises draw on
    an instrument's permitted part first. A grant uses its cap on its own date even if it is
    later rescinded (6(f)); only ``expired_options_free_cap`` (option plan, on the expiry
    date) or an abandoned record date (6(g)(iii)) gives capacity back.

Rules (each cited in the output)
    * Fully Diluted Outstanding (6(a)) is derived at every step: Common Outstanding + each
      class's Series A shares as converted at that class's then-current price (5(a)(i)
      ``conversion_quotient``; **full shares only**, since no fractional share is issuable,
      5(e)(ii); declared dividends ignored) + shares issuable under rights outstanding.
    * Each class compares the price per share with its own Conversion Price (6(c)); every step
      uses :func:`.adjustments.adjust`, the one-event rule.
    * Before, or in connection with, the QPO: full ratchet (6(c)(i)); after it: weighted average
      (6(c)(ii)) with the "immediately after" count taken as Fully Diluted before + the shares
      issued (the Series A's own as-converted growth is a consequence of the adjustment, counted
      from the next event on). A QPO row below $30 million gross proceeds is not a Qualified
      Private Offering: it is treated as an ordinary issue and ratcheting continues.
    * 6(b) events: the count of every Fully Diluted component is multiplied by the event's
      factor (``ratio``; for a DIVIDEND, (Outstanding + shares) / Outstanding), i.e. options,
      warrants and Convertible Securities are assumed to be adjusted proportionally under their
      own terms, so the Conversion Price is divided by the factor. Excluded from 6(c) (6(c)(iii)).
    * Warrants and Convertible Securities are deemed issued at the maximum number of shares and
      the lowest price (6(d)(i)-(ii), 6(e)(i)-(ii)); exercise or conversion adjusts nothing
      (6(c)(iii)) and leaves Fully Diluted unchanged (the shares were already counted).
    * Par floor (6(i)): a price that would fall below par ($.02) is clamped at par and flagged
      as a transaction the Corporation may not enter into.
    * CONVERSION (6(a) (iii), 5(a)(i), 5(e)(ii)): the class loses ``shares`` Series A shares;
      Common Outstanding gains floor(shares × Stated Value / the class's current Conversion
      Price) -- full shares only; cash paid in lieu of the fraction is not Common. Declared
      but unpaid dividends are ignored, as in the Fully Diluted count. A Permitted Issuance:
      no price changes. Fully Diluted changes only by the rounding of the as-converted shares
      (0 or -1: floor(n·q) + floor((N-n)·q) - floor(N·q)). Converting more shares than the
      class has is an error. A 6(f) replay keeps the Common shares a conversion actually
      issued (at the price then in force), even if that price is later rescinded: the
      recomputation concerns the Conversion Price, not shares already issued.
    * SUBSEQUENT_CLOSING (6(a) (v)): Class II gains the shares; their as-converted Common (at
      the Class II price) enters Fully Diluted. Class II, if new, starts with Conversion Price
      = Stated Value = ``price`` (5(c)); adjustments made before it existed do not apply to
      it. Within the cumulative 820,471 cap: no adjustment. Beyond it, the excess Series A
      shares are (our reading) shares of stock convertible into Additional Shares of Common,
      i.e. Convertible Securities (6(a)), issued outside the Permitted Issuances; 6(e) applies:
      deemed issued are the maximum Common issuable on their conversion -- the increase in
      Class II's as-converted full shares (5(e)(ii)) that the excess causes -- at a price per
      Common share of Stated Value / (Stated Value / Conversion Price) = the Class II
      Conversion Price then in force (6(e)(ii), 6(g)(i): no further payment on conversion).
      So Class II itself never adjusts for its own excess (the price is not below its own
      price), while Class I ratchets (6(c)(i)) or averages (6(c)(ii)) if the Class II price is
      below its own. The permitted part is issued first; the excess is flagged CAP EXCEEDED.
      (Section 1 authorizes only 820,471 Class II shares: an excess presupposes an amendment;
      the engine models the anti-dilution consequence only.)

Rescission (6(f), 6(g)(iii)) -- by replay
    6(f) applies "after any adjustment of the applicable Conversion Price shall have been made
    pursuant to Section 6(d) or 6(e) as the result of any issuance of warrants, rights or
    Convertible Securities": it undoes what 6(d)/(e) did, and nothing else. Each instrument
    remembers the classes its deemed issue adjusted (its price below theirs, beyond any cap).

    * An EXPIRE or REPRICE of an instrument that adjusted no class (a Permitted Issuance, or a
      price at or above every Conversion Price) is not a 6(f) event: no price moves, the
      explanation says nothing is rescinded; an expiry just removes the unexercised shares
      from Fully Diluted. (A REPRICE below a price it never adjusted therefore adjusts
      nothing: our reading of 6(f)(ii), which recomputes a previous adjustment only.)
    * An EXPIRE of an instrument exercised in full is not a superseding event (6(f)(i):
      "all or a portion ... shall not have been exercised"): nothing changes.
    * Otherwise, the classes the instrument adjusted are recomputed; every other class keeps
      the price the history gave it (in the replay its price is set, after each row, to the
      history's own figure, so the Fully Diluted counts of the recomputation count it as
      converted at the price it really had).

    The engine is a pure function of (starting capitalization, log). When an instrument that
    adjusted a price EXPIRES (with an unexercised part) or is REPRICED, or a record date is
    ABANDONED, the history up to and including that row is *recomputed from the start* on a
    rewritten log in which:

    * the instrument's WARRANT / CONVERTIBLE (or DIVIDEND) row is struck out -- its deemed
      Additional Shares "shall no longer be deemed to have been issued" (6(f)), so they also
      leave the Fully Diluted counts of the replay;
    * each earlier EXERCISE of it becomes an ISSUE on its own date for the consideration
      actually paid (6(f)(iii));
    * on REPRICE, the unexercised remainder becomes a new deemed 6(d)/(e) issue at the new
      price immediately after the REPRICE row (6(f)(iv)); on EXPIRE it simply disappears;
      earlier REPRICE rows of the same instrument are superseded.

    Rows that are not such triggers never change how an earlier row is read, so between
    triggers the engine continues incrementally from the previous state; at a trigger the state
    is the replay's final state. The output rows already printed are not rewritten: they are the
    history as adjusted at the time. The rescinding row's explanation spells out the
    recomputation: the instrument's exercises (6(f)(iii)) and every later row whose
    recomputation moved a recomputed price (the first 10; the rest are counted), with the Fully
    Diluted figures each formula uses. Consequence (tested as a property): a warrant that adjusted
    every class and expires wholly unexercised leaves exactly the prices that never issuing it
    would have left. Instruments that adjusted nothing are not replayed.

Output columns: a class first issued in the log (Class II at a SUBSEQUENT_CLOSING) gets its
columns in the table, empty on the rows before it exists; on its first row its "before"
price is its initial Conversion Price.

Not modelled: Other Property (6(h), 5(g)), escrow (6(g)(iv)), declared dividends in
conversions.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

from .adjustments import Event, adjust
from .constants import (
    BOARD_BASKET_APPROVED_WITH_SERIES_A_DIRECTOR,
    BOARD_BASKET_MAJORITY,
    CLASS_I_STATED_VALUE,
    COMMON_PAR_VALUE,
    OPTION_PLAN_CAP,
    QUALIFIED_PRIVATE_OFFERING_PROCEEDS,
    SPINWAY_WARRANT_SHARES,
    SUBSEQUENT_CLOSING_SHARES,
)
from .conversion import conversion_quotient
from .daycount import serial_to_date
from .errors import TermsError, describe
from .parse import Grid, exact, parse_bool, parse_date, parse_number, parse_optional, serial

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "EVENT_TYPES",
    "Capitalization",
    "LogRow",
    "SeriesAClass",
    "Step",
    "capitalization",
    "conversion_price_history",
    "format_money",
    "format_shares",
    "history_frame",
    "history_steps",
    "history_table",
    "price_as_of",
    "read_event_log",
]

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
#: Event types that are themselves a Permitted Issuance category (category column optional).
_PERMITTED_EVENTS = ("CONVERSION", "SUBSEQUENT_CLOSING")

_QPO_MIN = exact(QUALIFIED_PRIVATE_OFFERING_PROCEEDS)
_ZERO = Fraction(0)


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


# =========================================================================== state
# Share counts inside the engine's state (Common Outstanding, rights outstanding, each
# instrument's remaining and permitted shares) are exact rationals held as an ``int`` while
# whole -- nearly always -- and as a Fraction otherwise: the Fraction operators cost ~10x the
# int ones, and an int mixes exactly with Fractions (never divided by another int here). What
# leaves the engine (a Step's figures) is a Fraction.
Count = int | Fraction


@dataclass
class _Instrument:
    id: str
    kind: str  # WARRANT or CONVERTIBLE
    remaining: Count
    price: Fraction
    category: str | None
    # the classes whose Conversion Price its (latest) deemed issuance adjusted under 6(d)/(e):
    # 6(f) rescinds and recomputes those prices only; empty: 6(f) does not apply
    adjusted: frozenset[str]
    row: int  # the row of that deemed issuance (the creating row, or a 6(f)(iv) REPRICE)
    # unexercised shares within a Permitted Issuance cap (exercises draw on them first)
    permitted: Count = 0
    scale: Fraction = Fraction(1)  # the cumulative 6(b) factor when the cap was counted


@dataclass
class _State:
    common: Count
    rights: Count  # starting rights outstanding
    classes: list[SeriesAClass]
    instruments: dict[str, _Instrument]
    qpo_closed: bool
    qpo_row: int | None
    used: dict[str, Fraction]
    scale: Fraction  # cumulative 6(b) factor (split-adjusted caps)
    par: Fraction
    # struck instruments (see superseding_adjustment.action_for)
    ghosts: dict[str, _Instrument] = field(default_factory=dict)
    # CONVERSION row -> Common actually issued; kept through replays (a fact, not a deeming)
    converted: dict[int, Fraction] = field(default_factory=dict)
    # running total of ``instruments[*].remaining`` (None: recount); keeps each step O(1)
    rights_total: Count | None = None
    free_cap: bool = False  # Capitalization.expired_options_free_cap
    # during a 6(f) replay: the classes the rescinded instrument never adjusted (their prices
    # follow the history as it was), and that instrument's id
    frozen: frozenset[str] = frozenset()
    frozen_for: str | None = None
    # the last Fully Diluted count and the figures it was computed from (see fully_diluted)
    _fd_key: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)
    _fd: Fraction = field(default=_ZERO, init=False, repr=False, compare=False)

    def rights_changed(self, delta: Count | None) -> None:
        """Record a change of the instruments' remaining shares (None: recount next time)."""
        if delta is None or self.rights_total is None:
            self.rights_total = None
        else:
            self.rights_total = _plus(self.rights_total, delta)

    def copy(self) -> _State:
        return dataclasses.replace(
            self,
            classes=list(self.classes),
            instruments={k: dataclasses.replace(v) for k, v in self.instruments.items()},
            ghosts={k: dataclasses.replace(v) for k, v in self.ghosts.items()},
            used=dict(self.used),
            converted=dict(self.converted),
        )

    def as_converted(self, c: SeriesAClass) -> Fraction:
        """5(a)(i): Common shares issuable on the class, full shares only (5(e)(ii))."""
        return c.as_converted

    def fully_diluted(self) -> Fraction:
        """6(a) Fully Diluted Outstanding."""
        if self.rights_total is None:
            self.rights_total = _total(i.remaining for i in self.instruments.values())
        # the same figures as last time (compared by identity first, then by value): the same
        # count -- a step asks for it before, during and after the event
        common, rights, total = self.common, self.rights, self.rights_total
        key = (common, rights, total, *self.classes)  # ints, mostly: cheap to compare
        if key == self._fd_key:
            return self._fd
        if common.denominator == 1 and rights.denominator == 1 and total.denominator == 1:
            # whole shares (as converted, always: 5(e)(ii)): a plain integer sum
            whole = common.numerator + rights.numerator + total.numerator
            for c in self.classes:
                whole += c.as_converted.numerator
            fd = Fraction(whole)
        else:
            fd = Fraction(sum((c.as_converted for c in self.classes), common + rights + total))
        self._fd_key, self._fd = key, fd
        return fd


def _plus(a: Count, b: Count) -> Count:
    """``a + b``, exactly; an int when both are whole."""
    if a.denominator == 1 and b.denominator == 1:
        return a.numerator + b.numerator
    return a + b


def _times(a: Count, factor: Fraction) -> Count:
    """``a × factor``, exactly; an int when both are whole (a 6(b) event scales every count)."""
    if a.denominator == 1 and factor.denominator == 1:
        return a.numerator * factor.numerator
    return a * factor


def _below(a: Fraction, b: Fraction) -> bool:
    """``a < b``, exactly, by integer cross-multiplication (denominators are positive)."""
    return a.numerator * b.denominator < b.numerator * a.denominator


def _total(values: Iterable[Count]) -> Count:
    """``sum(values)``, exactly; an int when all are whole."""
    whole = 0
    rest: list[Count] = []
    for v in values:
        if v.denominator == 1:
            whole += v.numerator
        else:
            rest.append(v)
    return sum(rest, whole)


def _initial(cap: Capitalization) -> _State:
    return _State(
        common=cap.common_outstanding,
        rights=cap.rights_outstanding,
        classes=list(cap.classes),
        instruments={},
        qpo_closed=cap.qpo_closed,
        qpo_row=None,
        used={
            "OPTION_PLAN": cap.option_plan_used,
            "SUBSEQUENT_CLOSING": sum(
                (c.shares for c in cap.classes if c.name == "Class II"), Fraction(0)
            ),
        },
        scale=Fraction(1),
        par=cap.par_value,
        free_cap=cap.expired_options_free_cap,
    )


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


# =========================================================================== actions
class _Action(NamedTuple):
    """What a log row means in a (possibly rewritten) log. ``kind`` is an event type or one of
    DEEMED_ISSUE (6(f)(iii)), DEEMED_WARRANT (6(f)(iv)), STRUCK (rescinded, 6(f)/6(g)(iii))."""

    row: LogRow
    kind: str
    shares: Count | None = None
    price: Fraction | None = None
    category: str | None = None
    creator: str | None = None  # WARRANT/CONVERTIBLE for deemed actions
    # deemed actions of a rescinded instrument: how many of ``shares`` are within the Permitted
    # Issuance counted when it was granted (no new cap is consumed); None: claim ``category``
    permitted: Count | None = None


@dataclass(slots=True)
class _Outcome:
    section: str
    explanation: str
    flags: list[str]
    # every Fully Diluted figure the explanation's arithmetic uses, labelled (the 6(j)
    # certificate's facts table shows these very numbers)
    fd_figures: list[tuple[str, Fraction]] = field(default_factory=list)


def _split_by_cap(state: _State, category: str | None, n: Count) -> tuple[Count, str]:
    """(permitted part, text) of an issue claiming ``category``; consumes the cap."""
    if category is None:
        return _ZERO, ""
    c = CATEGORIES[category]
    if c.cap is None:
        return n, f"6(a) Permitted Issuance {c.clause} ({c.label}), no cap"
    cap = Fraction(c.cap) * (state.scale if c.split_adjusted else 1)
    used = state.used.get(category, Fraction(0))
    permitted = min(n, max(cap - used, Fraction(0)))
    state.used[category] = used + permitted
    adj = " as split-adjusted" if c.split_adjusted and state.scale != 1 else ""
    return permitted, (
        f"6(a) Permitted Issuance {c.clause} ({c.label}): cap {_count(cap)}{adj}, "
        f"{_count(used)} used before"
    )


def _adjust_classes(
    state: _State,
    event: Event,
    fd: Fraction,
    n: Count,
    p: Fraction,
    parts: list[str],
    sections: list[str],
    flags: list[str],
    figures: list[tuple[str, Fraction]],
    instrument: str | None = None,
) -> frozenset[str]:
    """6(c)(i)/(ii) and 6(i) for ``n`` (deemed) Additional Shares at ``p``, every class
    against its own price, ``fd`` = Fully Diluted immediately before; explains as it goes.
    Returns the classes adjusted (``p`` below their price).

    During a 6(f) replay a class the rescinded instrument never adjusted is *frozen*: its price
    is not recomputed (the replay sets it to the history's own figure after each row). It still
    counts as adjusted by other rows when ``p`` is below its price, so their own later 6(f)
    rescissions reach it; the rescinded instrument's own deemed issue never adjusts it."""
    after_qpo = state.qpo_closed
    own = instrument is not None and instrument == state.frozen_for
    adjusted: set[str] = set()
    new_classes = []
    for c in state.classes:
        cp = c.conversion_price
        if c.name in state.frozen:
            if _below(p, cp) and not own:
                adjusted.add(c.name)
            parts.append(
                f"{c.name}: not recomputed (the instrument rescinded never adjusted its price, "
                "6(f))"
            )
            new_classes.append(c)
            continue
        if not _below(p, cp):  # no adjustment: the price stands (adjust() would return cp)
            parts.append(
                f"{c.name}: {_money(p)} is not below its {c.price_text}; no adjustment (6(c))"
            )
            new_classes.append(c)
            continue
        adjusted.add(c.name)
        new = adjust(cp, event, fd, n, p, after_qpo, state.par)
        raw = adjust(cp, event, fd, n, p, after_qpo, Fraction(0))
        if after_qpo:
            sections.append("6(c)(ii)")
            if not any("(6(c)(ii))" in label for label, _ in figures):
                figures += [
                    ("Fully Diluted Outstanding immediately before the issue (6(c)(ii))", fd),
                    ("Fully Diluted Outstanding immediately after the issue (6(c)(ii))", fd + n),
                ]
            parts.append(
                f"{c.name} 6(c)(ii) weighted average: ({_count(fd)} × {_money(cp)} + "
                f"{_money(n * p)}) / {_count(fd + n)} = {_money(raw)}"
            )
        else:
            sections.append("6(c)(i)")
            parts.append(f"{c.name} 6(c)(i) full ratchet: {_money(cp)} → {_money(raw)}")
        if new != raw:
            sections.append("6(i)")
            flags.append(
                f"PAR FLOOR 6(i): {c.name} would fall to {_money(raw)}, below par "
                f"{_money(state.par)}; clamped at par -- a transaction the Corporation "
                "may not enter into"
            )
        new_classes.append(dataclasses.replace(c, conversion_price=new))
    state.classes = new_classes
    return frozenset(adjusted)


def _class_index(state: _State, row: LogRow) -> int | None:
    return next((j for j, c in enumerate(state.classes) if c.name == row.series_class), None)


def _convert(state: _State, a: _Action) -> _Outcome:
    """6(a) Permitted Issuance (iii): Series A converted into Common (5(a)(i), 5(e)(ii))."""
    row = a.row
    assert row.shares is not None and row.series_class is not None
    j = _class_index(state, row)
    if j is None:
        raise TermsError(
            f"{_where(row, 'class')} {row.series_class} is not tracked, so it has no shares to "
            "convert: give class_ii_stated_value in the starting figures or put a "
            "SUBSEQUENT_CLOSING row above",
            argument="event_log",
        )
    c = state.classes[j]
    n = row.shares
    if n > c.shares:
        raise TermsError(
            f"{_where(row, 'shares')} conversion of {_count(n)} {c.name} shares exceeds the "
            f"{_count(c.shares)} {c.name} shares outstanding",
            argument="event_log",
        )
    fd_before = state.fully_diluted()
    quotient = conversion_quotient(n, c.stated_value, c.conversion_price, Fraction(0))
    issued = state.converted.setdefault(row.row, Fraction(math.floor(quotient)))
    state.classes[j] = dataclasses.replace(c, shares=c.shares - n)
    state.common += issued
    fd_after = state.fully_diluted()
    parts = [
        f"6(a) Permitted Issuance (iii): {_count(n)} {c.name} shares converted into "
        f"{_count(issued)} Common shares at {_money(c.conversion_price)}; no adjustment "
        "(6(c) except Permitted Issuances)",
        f"5(a)(i): {_count(n)} × {_money(c.stated_value)} / {_money(c.conversion_price)} = "
        f"{_count(quotient)}",
    ]
    if issued != math.floor(quotient):  # a 6(f) replay at a since-rescinded price
        parts.append(f"the {_count(issued)} Common shares actually issued on this row stand")
    elif issued != quotient:
        parts.append(
            f"5(e)(ii): no fractional share; the {_count(quotient - issued)} share is paid in "
            "cash in lieu, not Common"
        )
    if fd_after == fd_before:
        parts.append(
            f"Fully Diluted unchanged at {_count(fd_after)}: the shares were already counted "
            "as converted"
        )
    else:
        parts.append(
            f"Fully Diluted {_count(fd_before)} → {_count(fd_after)}: only the rounding of the "
            f"as-converted shares (full shares only, 5(e)(ii))"
        )
    return _Outcome("6(a) (iii), 5(a)(i), 5(e)(ii)", "; ".join(parts), [])


def _subsequent_closing(state: _State, a: _Action) -> _Outcome:
    """6(a) Permitted Issuance (v): Class II shares at the Subsequent Closing; the excess over
    the cap is an issue of Convertible Securities (6(e)), see the module docstring."""
    row = a.row
    assert row.shares is not None
    n = row.shares
    j = _class_index(state, row)
    parts: list[str] = []
    if j is None:
        if row.price is None:
            raise TermsError(
                f"{_where(row, 'price')} required for SUBSEQUENT_CLOSING while Class II is not "
                "tracked: the Class II Stated Value, i.e. the Closing Per Share Price "
                "(Section 1) (got an empty cell)",
                argument="event_log",
            )
        state.classes.append(SeriesAClass("Class II", Fraction(0), row.price, row.price))
        j = len(state.classes) - 1
        parts.append(
            f"Class II first issued: Stated Value = Closing Per Share Price = initial "
            f"Conversion Price {_money(row.price)} (Section 1, 5(c))"
        )
    elif row.price is not None and row.price != state.classes[j].stated_value:
        raise TermsError(
            f"{_where(row, 'price')} the Class II Stated Value (the Closing Per Share Price, "
            f"Section 1) is {_money(state.classes[j].stated_value)}; leave blank or repeat it "
            f"(got {_money(row.price)})",
            argument="event_log",
        )
    c = state.classes[j]
    fd_start = state.fully_diluted()
    permitted, cap_text = _split_by_cap(state, "SUBSEQUENT_CLOSING", n)
    excess = n - permitted
    c = dataclasses.replace(c, shares=c.shares + permitted)
    state.classes[j] = c
    fd = state.fully_diluted()
    parts.append(
        f"Subsequent Closing: {_count(n)} Class II shares at Stated Value "
        f"{_money(c.stated_value)}, converting at {_money(c.conversion_price)}"
    )
    parts.append(cap_text)
    sections = ["6(a) (v)"]
    flags: list[str] = []
    if excess == 0:
        parts.append(
            "within the cap: no adjustment (6(c), 6(e) except Permitted Issuances); Fully "
            f"Diluted {_count(fd_start)} → {_count(fd)} (the new shares as converted, 6(a))"
        )
        return _Outcome(", ".join(sections), "; ".join(parts), flags)
    with_excess = dataclasses.replace(c, shares=c.shares + excess)
    deemed = state.as_converted(with_excess) - state.as_converted(c)
    p = c.conversion_price
    flags.append(
        f"CAP EXCEEDED: {_count(excess)} of {_count(n)} shares are beyond the "
        "SUBSEQUENT_CLOSING cap and not a Permitted Issuance; adjusted for"
    )
    parts.append(
        f"{_count(permitted)} permitted, no adjustment (Fully Diluted {_count(fd_start)} → "
        f"{_count(fd)}); {_count(excess)} beyond the cap adjusted for"
    )
    parts.append(
        f"6(e): the {_count(excess)} excess Class II shares are Convertible Securities deemed "
        f"converted into the maximum {_count(deemed)} Common shares (full shares, 5(e)(ii)) at "
        f"the lowest price {_money(p)} per share (Stated Value / shares issuable per Series A "
        "share = the Class II Conversion Price)"
    )
    sections.append(Event.CONVERTIBLE.section)
    figures = [("Fully Diluted Outstanding after the permitted shares (6(a))", fd)]
    _adjust_classes(state, Event.CONVERTIBLE, fd, deemed, p, parts, sections, flags, figures)
    state.classes[j] = dataclasses.replace(
        state.classes[j], shares=state.classes[j].shares + excess
    )
    return _Outcome(", ".join(dict.fromkeys(sections)), "; ".join(parts), flags, figures)


_RIGHTS = (*_CREATORS, "DEEMED_WARRANT")
_EVENTS = {e.value: e for e in Event}
_SECTION_OF = {e.value: e.section for e in Event}
#: What an issue is deemed to be (6(c), 6(d), 6(e)): {shares}, {price}.
_DEEMED = {
    "WARRANT": "6(d): warrants/rights deemed issued for the maximum {} shares at the lowest "
    "price {}",
    "CONVERTIBLE": "6(e): Convertible Securities deemed converted into the maximum {} shares at "
    "the lowest price {}",
    "ISSUE": "{} Additional Shares at {}",
}
_PREFIXES = {
    "DEEMED_ISSUE": "6(f)(iii) recomputation: exercised shares treated as issued on the "
    "exercise date for the consideration paid; ",
    "DEEMED_WARRANT": "6(f)(iv) recomputation: the remainder treated as issued immediately "
    "after the change; ",
}


@functools.lru_cache(maxsize=4096)
def _deemed(kind: str, n_num: int, n_den: int, p_num: int, p_den: int) -> str:
    """What ``n`` shares at ``p`` are deemed (_DEEMED), by the values' ints: a log repeats its
    share counts and prices."""
    return _DEEMED[kind].format(_count(Fraction(n_num, n_den)), _money(Fraction(p_num, p_den)))


def _issue(state: _State, a: _Action) -> _Outcome:
    """6(c)/(d)/(e): an issue (or deemed issue) of ``a.shares`` at ``a.price`` per share."""
    assert a.shares is not None and a.price is not None
    n, p = a.shares, a.price
    creator = a.creator or a.kind
    is_right = a.kind in _RIGHTS
    kind = creator if is_right else "ISSUE"
    event = _EVENTS[kind]
    parts = [
        _PREFIXES.get(a.kind, "")
        + _deemed(kind, n.numerator, n.denominator, p.numerator, p.denominator)
    ]
    sections = [_SECTION_OF[kind]]
    flags: list[str] = []
    if a.permitted is not None:  # a rescinded instrument's shares: cap counted at its grant
        permitted = min(n, a.permitted)
        cap_text = (
            f"6(a) Permitted Issuance {CATEGORIES[a.category].clause} "
            f"({CATEGORIES[a.category].label}): {_count(permitted)} of these shares within the "
            f"cap as counted when {a.row.instrument!r} was granted"
            if a.category is not None
            else ""
        )
    else:
        permitted, cap_text = _split_by_cap(state, a.category, n)
    excess = n if permitted.numerator == 0 else n - permitted
    if a.category is not None:
        parts.append(cap_text)
        sections.append(f"6(a) {CATEGORIES[a.category].clause}")
        if excess > 0:
            flags.append(
                f"CAP EXCEEDED: {_count(excess)} of {_count(n)} shares are beyond the "
                f"{a.category} cap and not a Permitted Issuance; adjusted for"
            )
            parts.append(
                f"{_count(permitted)} permitted, no adjustment; "
                f"{_count(excess)} beyond the cap adjusted for"
            )
        else:
            parts.append(
                "within the cap: no adjustment (6(c), 6(d), 6(e) except Permitted Issuances)"
            )
    # the permitted part first, then the excess (the only part 6(c) applies to)
    if is_right:
        inst = _Instrument(
            a.row.instrument or "",
            creator,
            permitted,  # the permitted part first
            p,
            a.category,
            frozenset(),
            row=a.row.row,
            permitted=permitted,
            scale=state.scale,
        )
        state.instruments[inst.id] = inst
        if permitted.numerator:
            state.rights_changed(permitted)
    elif permitted.numerator:
        state.common = _plus(state.common, permitted)
    fd = state.fully_diluted()
    figures: list[tuple[str, Fraction]] = []
    if excess.numerator > 0:
        if permitted.numerator > 0:
            figures.append(("Fully Diluted Outstanding after the permitted shares (6(a))", fd))
        adjusted = _adjust_classes(
            state, event, fd, excess, p, parts, sections, flags, figures, a.row.instrument
        )
        if is_right:
            inst.remaining = _plus(inst.remaining, excess)
            inst.adjusted = adjusted
            state.rights_changed(excess)
        else:
            state.common = _plus(state.common, excess)
    section = sections[0] if len(sections) == 1 else ", ".join(dict.fromkeys(sections))
    return _Outcome(section, "; ".join(parts), flags, figures)


def _subdivide(state: _State, a: _Action) -> _Outcome:
    """6(b): the Fully Diluted ratio; every component scales by the factor."""
    row = a.row
    if row.event == "DIVIDEND":
        assert row.shares is not None
        if state.common == 0:
            raise TermsError(
                f"{_where(row, 'shares')} a stock dividend needs Common Stock "
                "Outstanding > 0 (got 0)",
                argument="event_log",
            )
        factor = Fraction(state.common + row.shares) / state.common  # exact, never int / int
        how = (
            f"{_count(row.shares)} shares on {_count(state.common)} Outstanding: "
            f"factor {_count(factor)}"
        )
    else:
        assert row.ratio is not None
        factor = row.ratio
        how = f"ratio {_count(factor)}"
    event = _EVENTS[row.event]
    fd = state.fully_diluted()
    fd_after = fd * factor
    parts = [f"6(b): {row.event.lower()}, {how}; excluded from 6(c) (6(c)(iii))"]
    flags: list[str] = []
    new_classes = []
    for c in state.classes:
        cp = c.conversion_price
        new = adjust(cp, event, fd, fd_after - fd, None, state.qpo_closed, state.par)
        raw = adjust(cp, event, fd, fd_after - fd, None, state.qpo_closed, Fraction(0))
        parts.append(
            f"{c.name} {event.section}: {_money(cp)} × {_count(fd)} / "
            f"{_count(fd_after)} = {_money(raw)}"
        )
        if new != raw:
            flags.append(
                f"PAR FLOOR 6(i): {c.name} would fall to {_money(raw)}, below par "
                f"{_money(state.par)}; clamped at par -- a transaction the "
                "Corporation may not enter into"
            )
        new_classes.append(dataclasses.replace(c, conversion_price=new))
    state.classes = new_classes
    state.common *= factor
    state.rights *= factor
    divided: dict[tuple[int, int], Fraction] = {}  # instruments share their prices
    for inst in (*state.instruments.values(), *state.ghosts.values()):
        inst.remaining = _times(inst.remaining, factor)
        inst.permitted = _times(inst.permitted, factor)
        key = (inst.price.numerator, inst.price.denominator)
        price = divided.get(key)
        if price is None:
            price = divided[key] = inst.price / factor
        inst.price = price
    state.rights_changed(None)
    for k in state.used:
        state.used[k] *= factor if CATEGORIES[k].split_adjusted else 1
    state.scale *= factor
    figures = [
        ("Fully Diluted Outstanding before the 6(b) event", fd),
        ("Fully Diluted Outstanding after the 6(b) event", fd_after),
    ]
    return _Outcome(event.section + (", 6(i)" if flags else ""), "; ".join(parts), flags, figures)


def _apply(state: _State, a: _Action) -> _Outcome:
    row = a.row
    k = a.kind
    if k in ("SPLIT", "COMBINATION", "DIVIDEND"):
        return _subdivide(state, a)
    if k in _ISSUING:
        return _issue(state, a)
    if k == "CONVERSION":
        return _convert(state, a)
    if k == "SUBSEQUENT_CLOSING":
        return _subsequent_closing(state, a)
    if k in ("DEEMED_ISSUE", "DEEMED_WARRANT"):
        ghost = state.ghosts[row.instrument or ""]
        if k == "DEEMED_WARRANT":  # 6(f)(iv): the remainder, in today's share units
            del state.ghosts[ghost.id]
            return _issue(
                state,
                a._replace(shares=ghost.remaining, permitted=ghost.permitted),
            )
        assert a.shares is not None  # 6(f)(iii): exercised, at the price paid (or in force)
        if a.shares > ghost.remaining:
            raise TermsError(
                f"{_where(row, 'shares')} exercise of {_count(a.shares)} exceeds the "
                f"{_count(ghost.remaining)} remaining on instrument {ghost.id!r}",
                argument="event_log",
            )
        ghost.remaining -= a.shares
        drawn = min(a.shares, ghost.permitted)  # exercises draw on the permitted part first
        ghost.permitted -= drawn
        return _issue(
            state,
            a._replace(price=ghost.price if a.price is None else a.price, permitted=drawn),
        )
    if k == "QPO":
        if state.qpo_closed:
            where = f"on row {state.qpo_row}" if state.qpo_row else "before the log starts"
            raise TermsError(
                f"{_where(row, 'event')} the Qualified Private Offering already closed {where}",
                argument="event_log",
            )
        assert row.gross_proceeds is not None
        out = _issue(state, a._replace(kind="ISSUE", category=None))
        if row.gross_proceeds >= _QPO_MIN:
            state.qpo_closed, state.qpo_row = True, row.row
            out.explanation = (
                f"6(a) Qualified Private Offering closes: gross proceeds "
                f"{_money(row.gross_proceeds)} ≥ {_money(_QPO_MIN)}; its own issue is "
                f"ratcheted ('in connection with', 6(c)(i)); weighted average (6(c)(ii)) from "
                f"the next event: " + out.explanation
            )
        else:
            out.flags.append(
                f"NOT A QPO: gross proceeds {_money(row.gross_proceeds)} < "
                f"{_money(_QPO_MIN)} (6(a)); treated as an ordinary issue, full ratchet continues"
            )
            out.explanation = "not a Qualified Private Offering; " + out.explanation
        out.section = "6(a), " + out.section
        return out
    if k == "STRUCK":
        key = row.instrument or ""
        if row.event in _CREATORS:
            assert a.shares is not None and a.price is not None
            # its grant still counts against a Permitted Issuance cap on its own date: capacity
            # never depends on whether a grant later expires (see _free_cap)
            permitted, _ = _split_by_cap(state, row.category, a.shares)
            state.ghosts[key] = _Instrument(
                key,
                row.event,
                a.shares,
                a.price,
                row.category,
                frozenset(),
                row=row.row,
                permitted=permitted,
                scale=state.scale,
            )
        elif row.event == "REPRICE" and key in state.ghosts:
            assert a.price is not None
            state.ghosts[key].price = a.price
        elif row.event in ("EXPIRE", "ABANDON") and key in state.ghosts:
            _free_cap(state, state.ghosts.pop(key), abandoned=row.event == "ABANDON")
        return _Outcome("6(f)", "struck out by a later rescission", [])
    inst = state.instruments.get(row.instrument or "")
    if inst is None:
        raise TermsError(
            f"{_where(row, 'instrument')} instrument {row.instrument!r} is no longer outstanding",
            argument="event_log",
        )
    if k == "EXERCISE":
        assert row.shares is not None
        if row.shares > inst.remaining:
            raise TermsError(
                f"{_where(row, 'shares')} exercise of {_count(row.shares)} exceeds the "
                f"{_count(inst.remaining)} remaining on instrument {inst.id!r}",
                argument="event_log",
            )
        inst.remaining -= row.shares
        inst.permitted -= min(row.shares, inst.permitted)  # the permitted part first
        state.rights_changed(-row.shares)
        state.common += row.shares
        return _Outcome(
            "6(c)(iii)",
            f"6(c)(iii), 6(d): {_count(row.shares)} shares issued on exercise/conversion of "
            f"{inst.id!r}; no further adjustment; Fully Diluted unchanged (already counted); "
            f"{_count(inst.remaining)} remain",
            [],
        )
    if k == "EXPIRE":  # nothing adjusted (or nothing left): 6(f) has nothing to rescind
        gone = inst.remaining
        del state.instruments[inst.id]
        state.rights_changed(-gone)
        freed = _free_cap(state, inst)
        if gone == 0:
            return _Outcome(
                "6(f)(i)",
                f"{inst.id!r} expires with every share exercised: 6(f)(i) applies only where "
                "all or a portion 'shall not have been exercised', so this is not a superseding "
                "event; nothing changes (no price moves, Fully Diluted unchanged)",
                [],
            )
        return _Outcome(
            "6(f)" if inst.category is None else "6(a), 6(f)",
            f"{inst.id!r} expires: {_count(gone)} unexercised shares leave Fully Diluted; "
            + _not_adjusted(inst)
            + "so 6(f) has nothing to undo and no Conversion Price moves"
            + freed,
            [],
        )
    if k == "REPRICE":
        assert row.price is not None
        old, inst.price = inst.price, row.price
        return _Outcome(
            "6(f)" if inst.category is None else "6(a), 6(f)",
            f"{inst.id!r} repriced {_money(old)} → {_money(row.price)}; "
            + _not_adjusted(inst)
            + "so 6(f)(ii) has nothing to recompute: no Conversion Price moves",
            [],
        )
    raise AssertionError(k)  # pragma: no cover


def _not_adjusted(inst: _Instrument) -> str:
    """Why 6(f) does not apply to an instrument that adjusted no Conversion Price."""
    if inst.category is not None and inst.permitted == inst.remaining:
        return (
            "it was a Permitted Issuance (6(a)), so no adjustment was made for it on row "
            f"{inst.row}; "
        )
    return (
        f"its deemed issue on row {inst.row} adjusted no Conversion Price (its price was not "
        "below any class's price) and 6(f) applies only 'after any adjustment ... pursuant to "
        "Section 6(d) or 6(e)', "
    )


def _free_cap(state: _State, inst: _Instrument, *, abandoned: bool = False) -> str:
    """6(a)(i) capacity after an instrument ends unexercised; the text for the explanation.

    A grant counts against its Permitted Issuance cap on its own date, whether or not it later
    expires and whether or not it crossed the cap. With ``expired_options_free_cap`` the
    unexercised permitted part of an expired option-plan grant returns to the cap on the
    expiry date (never earlier rows); an abandoned record date (6(g)(iii)) always returns it.
    """
    if inst.category is None or CATEGORIES[inst.category].cap is None or inst.permitted == 0:
        return ""
    c = CATEGORIES[inst.category]
    if not abandoned and not (state.free_cap and inst.category == "OPTION_PLAN"):
        if inst.category != "OPTION_PLAN":
            return ""
        return (
            f"; its {_count(inst.permitted)} unexercised option-plan shares stay counted "
            "against the 6(a)(i) cap (expired_options_free_cap FALSE: a grant uses the cap "
            "for good)"
        )
    # the cap is counted in the units of the grant unless it is split-adjusted
    freed = inst.permitted if c.split_adjusted else inst.permitted * inst.scale / state.scale
    used = state.used.get(inst.category, Fraction(0))
    state.used[inst.category] = max(used - freed, Fraction(0))
    inst.permitted = Fraction(0)
    why = "abandoned" if abandoned else "expired_options_free_cap TRUE"
    return (
        f"; {_count(freed)} unexercised shares return to the 6(a) {c.clause} cap ({why}): "
        f"{_count(used)} used → {_count(state.used[inst.category])}"
    )


# =========================================================================== the engine
class Step(NamedTuple):
    """One output line: the event, the counts and prices around it, and why. (An immutable
    record: a named tuple, as a history makes one per event and a tuple is quicker to make.)"""

    row: int
    date: int
    event: str
    instrument: str | None
    shares: Fraction | None
    price: Fraction | None
    fd_before: Fraction
    fd_after: Fraction
    prices_before: dict[str, Fraction]
    prices_after: dict[str, Fraction]
    converts_into: dict[str, Fraction]  # Common shares each class converts into, after
    class_shares: dict[str, Fraction]
    section: str
    explanation: str
    flags: tuple[str, ...]
    note: str
    qpo_closed: bool
    # the Fully Diluted figures the explanation's arithmetic uses, labelled
    fd_figures: tuple[tuple[str, Fraction], ...] = ()

    @property
    def changed(self) -> bool:
        return self.prices_before != self.prices_after


def _close_of_business_order(rows: list[LogRow]) -> tuple[list[LogRow], dict[int, list[int]]]:
    """5(e)(i), 6(g)(ii): the rows in the order they take effect.

    A conversion is deemed made "immediately prior to the close of business on the date of
    such surrender"; an adjusting event is deemed to occur "at the close of business on the
    date of its occurrence". So the CONVERSION rows of a date come before the other rows of
    that date (among themselves, and the other rows among themselves, in log order) -- except
    that a Class II conversion logged after the date's SUBSEQUENT_CLOSING stays after it (the
    closing issues the shares it may convert). Returns the rows so ordered and, for each
    conversion moved up, the rows it now precedes.
    """
    if not any(r.event == "CONVERSION" for r in rows):
        return rows, {}  # only conversions move
    ordered: list[LogRow] = []
    start = 0
    for end in range(1, len(rows) + 1):
        if end < len(rows) and rows[end].date == rows[start].date:
            continue
        first: list[LogRow] = []  # conversions that take effect before the date's other rows
        others: list[LogRow] = []
        after: dict[int, list[LogRow]] = {}  # other-row index -> Class II conversions after it
        last_closing: int | None = None
        for r in rows[start:end]:
            if r.event != "CONVERSION":
                if r.event == "SUBSEQUENT_CLOSING":
                    last_closing = len(others)
                others.append(r)
            elif r.series_class == "Class II" and last_closing is not None:
                after.setdefault(last_closing, []).append(r)
            else:
                first.append(r)
        ordered += first
        for k, r in enumerate(others):
            ordered += [r, *after.get(k, [])]
        start = end
    # each date's other rows, with their places: a conversion looks at its own date's only
    others_on: dict[int, list[tuple[int, LogRow]]] = {}
    for i, r in enumerate(ordered):
        if r.event != "CONVERSION":
            others_on.setdefault(r.date, []).append((i, r))
    moved: dict[int, list[int]] = {}
    for i, r in enumerate(ordered):
        if r.event == "CONVERSION":
            ahead = [q.row for j, q in others_on.get(r.date, []) if j > i and q.row < r.row]
            if ahead:
                moved[r.row] = ahead
    return ordered, moved


def history_steps(cap: Capitalization, log: Any) -> list[Step]:
    """Run the log (a range with header, a DataFrame, or parsed :class:`LogRow` s).

    The steps come in the order the rows take effect (:func:`_close_of_business_order`):
    log order, except that a date's conversions come first.
    """
    rows: list[LogRow]
    if isinstance(log, list) and log and all(isinstance(r, LogRow) for r in log):
        rows = log
    else:
        rows = read_event_log(log)
    rows, moved = _close_of_business_order(rows)
    creators = {r.instrument: r for r in rows if r.instrument is not None and r.event in _RECORDS}
    state = _initial(cap)
    triggers: dict[str, int] = {}
    steps: list[Step] = []
    # each class's price, as-converted shares and shares after the last step, and the class
    # objects they describe: most rows change no class, and their steps share these dicts
    # (never modified once a step holds them)
    shown: list[SeriesAClass] = []
    after: dict[str, Fraction] = {c.name: c.conversion_price for c in state.classes}
    into: dict[str, Fraction] = {}
    held: dict[str, Fraction] = {}
    for i, row in enumerate(rows):
        fd_before = state.fully_diluted()
        before = after  # the prices the last step left
        inst = state.instruments.get(row.instrument or "")
        # 6(f) applies only after an adjustment was made for the instrument, and (i) only
        # while part of it is unexercised; 6(g)(iii) always undoes an abandoned record date
        is_trigger = row.event == "ABANDON" or (
            row.event in ("EXPIRE", "REPRICE")
            and inst is not None
            and bool(inst.adjusted)
            and not (row.event == "EXPIRE" and inst.remaining == 0)
        )
        if row.event == "ABANDON":
            _superseding.check_abandon(rows, i, row, creators, triggers, inst)
        if is_trigger:
            outcome, state = _superseding.rescind(
                cap, state, rows, i, steps, before, triggers, creators
            )
        elif row.instrument not in triggers:  # as logged (action_for's first case, inline)
            outcome = _apply(state, _Action(row, row.event, row.shares, row.price, row.category))
        else:
            outcome = _apply(state, _superseding.action_for(rows, i, triggers, creators))
        now = state.classes
        if now != shown:  # the same objects (compared by identity first) or equal figures
            shown = list(now)
            after = {c.name: c.conversion_price for c in now}
            into = {c.name: c.as_converted for c in now}
            held = {c.name: c.shares for c in now}
        if len(before) < len(after):  # a class first issued on this row: its initial price (5(c))
            before = dict(before)
            for c in now:
                before.setdefault(c.name, c.conversion_price)
        explanation = outcome.explanation
        if row.row in moved:
            ahead = ", ".join(str(r) for r in moved[row.row])
            explanation = (
                f"5(e)(i): deemed made immediately prior to the close of business on "
                f"{serial_to_date(row.date)}, so before row(s) {ahead} of that date, which take "
                f"effect at the close of business (6(g)(ii)); " + explanation
            )
        steps.append(
            Step(  # positional, in the order of the fields (quicker than by keyword)
                row.row,
                row.date,
                row.event,
                row.instrument,
                row.shares,
                row.price,
                fd_before,
                state.fully_diluted(),
                before,  # prices_before
                after,  # prices_after
                into,  # converts_into
                held,  # class_shares
                outcome.section,
                explanation,
                tuple(outcome.flags),
                row.note,
                state.qpo_closed,
                tuple(outcome.fd_figures),
            )
        )
    return steps


def history_table(
    cap: Capitalization, steps: Sequence[Step], *, cells: bool = False
) -> tuple[list[str], list[list[Any]]]:
    """The steps as (column names, one row per step): exact Fractions; dates as
    ``datetime.date``. What :func:`history_frame` puts in a DataFrame and CPHISTORY in cells.

    ``cells``: the same values as an Excel cell holds them -- each Fraction as a float, a date
    as its serial number, a missing value (a class before it exists, no instrument) as ``""``.
    """
    names = [c.name for c in cap.classes]
    for s in steps:  # classes first issued in the log (Class II at a SUBSEQUENT_CLOSING)
        names += [n for n in s.prices_after if n not in names]
    keys = [n.lower().replace(" ", "_") for n in names]
    columns = ["row", "date", "event", "instrument", "fd_before", "fd_after"]
    for k in keys:
        columns += [f"{k}_before", f"{k}_after", f"{k}_converts_into"]
    columns += ["section", "explanation", "flags", "note"]
    if cells:
        # one float per Fraction *object*: a step shares its figures with the steps around it
        # (a price that did not move, Fully Diluted after = the next step's before)
        floats: dict[int, float] = {}

        def number(x: Fraction | None) -> Any:
            if x is None:
                return ""
            value = floats.get(id(x))
            if value is None:
                value = floats[id(x)] = float(x)
            return value

        def day(serial: int) -> Any:
            return float(serial)

        missing: Any = ""
    else:

        def number(x: Fraction | None) -> Any:
            return x

        day = serial_to_date
        missing = None
    rows: list[list[Any]] = []
    # the class columns of a step, by its three dicts (shared by the steps around it, see
    # history_steps; alive as long as ``steps``, so their ids are theirs)
    by_dicts: dict[tuple[int, int, int], list[Any]] = {}
    for s in steps:
        row: list[Any] = [
            s.row,
            day(s.date),
            s.event,
            missing if s.instrument is None else s.instrument,
            number(s.fd_before),
            number(s.fd_after),
        ]
        before, after, into = s.prices_before, s.prices_after, s.converts_into
        key = (id(before), id(after), id(into))
        figures = by_dicts.get(key)
        if figures is None:
            figures = by_dicts[key] = [
                number(d.get(n)) for n in names for d in (before, after, into)
            ]
        row += figures
        row += [s.section, s.explanation, "; ".join(s.flags), s.note]
        rows.append(row)
    return columns, rows


def history_frame(cap: Capitalization, steps: Sequence[Step]) -> pd.DataFrame:
    """The steps as a DataFrame (exact Fractions in object columns; dates as ``datetime.date``)."""
    import pandas as pd  # only for the DataFrame output: Excel calls don't pay its import

    columns, rows = history_table(cap, steps)
    return pd.DataFrame.from_records(rows, columns=columns)


def conversion_price_history(cap: Capitalization, log: Any) -> pd.DataFrame:
    """Section 6 over an event log: one row per event (see the module docstring)."""
    return history_frame(cap, history_steps(cap, log))


def price_as_of(
    cap: Capitalization,
    log: Any,
    class_name: Any,
    as_of: Any,
    *,
    steps: Sequence[Step] | None = None,
) -> Fraction:
    """The Conversion Price of one class at the close of business on ``as_of`` (6(g)(ii)).

    A class first issued in the log (Class II at a SUBSEQUENT_CLOSING) has a price only from
    that row's date on; asking for an earlier date is an error. ``steps``: the log's
    :func:`history_steps` from ``cap``, if the caller has them already (``log`` is then unused).
    """
    if steps is None:
        steps = history_steps(cap, log)
    known = [c.name for c in cap.classes]
    last: dict[str, Fraction] | None = None
    for s in steps:  # consecutive steps share the dict while no class changes: looked at once
        if s.prices_after is not last:
            last = s.prices_after
            known += [n for n in last if n not in known]
    names = {n.upper(): n for n in known}
    names.update({n.upper().replace("CLASS ", ""): n for n in known})
    key = class_name.strip().upper() if isinstance(class_name, str) else None
    if isinstance(class_name, (int, float)) and not isinstance(class_name, bool):
        key = {1: "I", 2: "II"}.get(int(class_name)) if float(class_name).is_integer() else None
    if key not in names:
        raise TermsError(
            f"class must be one of {', '.join(known)} (got {describe(class_name)})",
            argument="class",
        )
    name = names[key]
    day = parse_date(as_of, "as_of")
    price = next((c.conversion_price for c in cap.classes if c.name == name), None)
    last = None
    for s in steps:
        if s.date > day:
            break
        if s.prices_after is not last:
            last = s.prices_after
            price = last.get(name, price)
    if price is None:
        first = next(s for s in steps if name in s.prices_after)
        raise TermsError(
            f"as_of: {name} has no Conversion Price on {serial_to_date(day)}: its first shares "
            f"are issued on {serial_to_date(first.date)} (event log row {first.row})",
            argument="as_of",
        )
    return price


# 6(f) / 6(g)(iii): the replay. Imported last: it builds on the engine above (every host
# that imports this module, e.g. the xlwings Lite bundle, gets it too).
from . import superseding_adjustment as _superseding  # noqa: E402
