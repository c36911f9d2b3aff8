"""Section 6's rules applied to a whole capitalization: the engine's state and one event.

:func:`_apply` applies one row of the event log to the state (:class:`_State`: Common
Outstanding, rights outstanding, each instrument, each class's Conversion Price, the Permitted
Issuance caps used) and says why: 6(b) subdivisions and combinations, 6(c)-(e) issues below the
Conversion Price (full ratchet before the Qualified Private Offering, weighted average after),
6(a) Permitted Issuances and their caps, 6(g) deemed prices, 6(i)'s par floor, conversions and
the Subsequent Closing. The rules are described in :mod:`.history`, whose engine
(:func:`~.history.history_steps`) runs them in order.

Moved out of :mod:`.history` (which re-exports the public names).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from .adjustments import Event, adjust
from .constants import QUALIFIED_PRIVATE_OFFERING_PROCEEDS
from .conversion import conversion_quotient
from .errors import TermsError
from .event_log import (
    _CREATORS,
    _ISSUING,
    _ZERO,
    CATEGORIES,
    Capitalization,
    LogRow,
    SeriesAClass,
    _count,
    _money,
    _where,
)
from .parse import exact

_QPO_MIN = exact(QUALIFIED_PRIVATE_OFFERING_PROCEEDS)


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
