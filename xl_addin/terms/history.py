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

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

from .daycount import serial_to_date
from .errors import TermsError, describe
from .event_log import _RECORDS
from .event_log import CATEGORIES as CATEGORIES
from .event_log import COLUMNS as COLUMNS
from .event_log import EVENT_TYPES as EVENT_TYPES
from .event_log import Capitalization as Capitalization
from .event_log import LogRow as LogRow
from .event_log import SeriesAClass as SeriesAClass
from .event_log import capitalization as capitalization
from .event_log import format_money as format_money
from .event_log import format_shares as format_shares
from .event_log import read_event_log as read_event_log
from .history_rules import _Action, _apply, _initial
from .parse import parse_date

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
