"""Sections 6(f) and 6(g)(iii): superseding adjustments, by replay of the event log.

6(f): "If, at any time after any adjustment of the applicable Conversion Price shall have been
made pursuant to Section 6(d) or 6(e) as the result of any issuance of warrants, rights or
Convertible Securities, and either (i) such warrants or rights ... shall expire, and all or a
portion ... shall not have been exercised, or (ii) the consideration per share ... shall be
increased or decreased ..., then such previous adjustment shall be rescinded and annulled ...
Thereupon, a recomputation shall be made ... on the basis of (iii) treating the number of
Additional Shares ... actually issued ... pursuant to the previous exercise ... as having been
issued on the date or dates of any such exercise and for the consideration actually received ...,
and (iv) treating any such warrants or rights ... which then remain outstanding as having been
granted or issued immediately after the time of such increase or decrease".
6(g)(iii): a record date whose distribution is legally abandoned requires no adjustment.

The history engine (:func:`.history.history_steps`) calls :func:`rescind` at such a row; the
rules, and what is and is not a 6(f) event, are set out in the docstring of :mod:`.history`
("Rescission"). This module rewrites the log (:func:`action_for`) and replays it, recomputing
only the classes whose price the instrument's deemed issue adjusted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fractions import Fraction

from .errors import TermsError
from .event_log import CATEGORIES, Capitalization, LogRow, _count, _money, _where
from .history import Step
from .history_rules import _Action, _apply, _initial, _Instrument, _Outcome, _State

__all__ = ["action_for", "check_abandon", "rescind"]

#: Recomputed rows spelled out in a rescission's explanation (an Excel cell holds 32,767
#: characters); the rest are counted.
_SHOWN = 10


def action_for(
    rows: Sequence[LogRow], i: int, triggers: dict[str, int], creators: dict[str, LogRow]
) -> _Action:
    """How row ``i`` reads given the rescission triggers in force (see the module docstring).

    A struck WARRANT / CONVERTIBLE leaves a *ghost* in the replay: it counts nowhere (not in
    Fully Diluted, no adjustment) but follows splits, exercises and reprices, so that the
    6(f)(iii) exercises and the 6(f)(iv) remainder are in the share units of their own date.
    """
    row = rows[i]
    inst = row.instrument
    if inst is None or inst not in triggers or i > triggers[inst]:
        return _Action(row, row.event, row.shares, row.price, row.category)
    t = triggers[inst]
    origin = creators[inst]
    if row.event == "EXERCISE":
        return _Action(row, "DEEMED_ISSUE", row.shares, row.price, origin.category, origin.event)
    if i == t and row.event == "REPRICE":
        return _Action(row, "DEEMED_WARRANT", None, row.price, origin.category, origin.event)
    # the creating row, an earlier REPRICE, or the EXPIRE / ABANDON trigger itself
    return _Action(row, "STRUCK", row.shares, row.price)


def check_abandon(
    rows: Sequence[LogRow],
    i: int,
    row: LogRow,
    creators: dict[str, LogRow],
    triggers: dict[str, int],
    inst: _Instrument | None,
) -> None:
    assert row.instrument is not None
    origin = creators[row.instrument]
    done = [
        r.row
        for r in rows[:i]
        if r.instrument == row.instrument and r.event in ("EXERCISE", "EXPIRE")
    ]
    if row.instrument in triggers:
        raise TermsError(
            f"{_where(row, 'instrument')} {row.instrument!r} was already abandoned on "
            f"row {rows[triggers[row.instrument]].row}",
            argument="event_log",
        )
    if done:
        raise TermsError(
            f"{_where(row, 'instrument')} cannot abandon {row.instrument!r}: it was "
            f"exercised or expired on row {done[0]}",
            argument="event_log",
        )
    if origin.event != "DIVIDEND" and inst is None:
        raise TermsError(
            f"{_where(row, 'instrument')} instrument {row.instrument!r} is no longer outstanding",
            argument="event_log",
        )


def _names(names: Sequence[str]) -> str:
    return " and ".join(names)


def rescind(
    cap: Capitalization,
    state: _State,
    rows: Sequence[LogRow],
    i: int,
    steps: Sequence[Step],
    before: dict[str, Fraction],
    triggers: dict[str, int],
    creators: dict[str, LogRow],
) -> tuple[_Outcome, _State]:
    """6(f) / 6(g)(iii) at row ``i``: replay the history from the start on the rewritten log.

    Only the classes whose price the instrument's deemed issue adjusted are recomputed
    ("such previous adjustment shall be rescinded and annulled"); every other class is
    *frozen*: after each replayed row its price is the history's own figure, so a price the
    instrument never adjusted does not move, and the Fully Diluted counts of the replay count
    that class as converted at the price it really had. A record date abandoned (6(g)(iii))
    undoes a stock dividend in every class.
    """
    row = rows[i]
    assert row.instrument is not None
    origin = creators[row.instrument]
    inst = state.instruments.get(row.instrument)
    names = [c.name for c in state.classes]
    if inst is None:  # an abandoned stock-dividend record date: 6(b) adjusted every class
        adjusted, made_on = frozenset(names), origin.row
    else:
        adjusted, made_on = inst.adjusted, inst.row
    frozen = frozenset(names) - adjusted
    triggers[row.instrument] = i
    actions = [action_for(rows, j, triggers, creators) for j in range(i + 1)]
    new = _initial(cap)
    new.converted = dict(state.converted)  # conversions stay as issued
    new.frozen, new.frozen_for = frozen, row.instrument
    recomputed: list[str] = []
    figures: list[tuple[str, Fraction]] = []
    last = _Outcome("", "", [])
    created = next(j for j, r in enumerate(rows) if r.row == origin.row)
    own_exercises, hidden = False, 0
    for j, a in enumerate(actions):
        prior = {c.name: c.conversion_price for c in new.classes}
        last = _apply(new, a)
        if frozen:  # the history's own price after row j (before the trigger, on row i)
            fixed = steps[j].prices_after if j < i else before
            new.classes = [
                dataclasses.replace(c, conversion_price=fixed[c.name])
                if c.name in frozen and c.name in fixed
                else c
                for c in new.classes
            ]
        # the method: the instrument's exercises (6(f)(iii)) and every later row whose
        # recomputation moved a recomputed price (at most _SHOWN of them, for a cell's sake)
        own = a.kind == "DEEMED_ISSUE" and a.row.instrument == row.instrument
        own_exercises = own_exercises or own
        moved = (
            created < j < i
            and a.kind != "STRUCK"
            and any(
                c.name in prior and c.name not in frozen and c.conversion_price != prior[c.name]
                for c in new.classes
            )
        )
        if own or moved:
            if len(recomputed) >= _SHOWN:
                hidden += 1
                continue
            recomputed.append(f"row {a.row.row} recomputed: {last.explanation}")
            figures += [(f"row {a.row.row} recomputed: {k}", v) for k, v in last.fd_figures]
    if hidden:
        recomputed.append(f"{hidden} more rows recomputed likewise")
    new.frozen, new.frozen_for = frozenset(), None
    exercised = sum(
        (
            r.shares or Fraction(0)
            for r in rows[:i]
            if r.instrument == row.instrument and r.event == "EXERCISE"
        ),
        Fraction(0),
    )
    what = {
        "EXPIRE": f"6(f)(i): {row.instrument!r} expires with {_count(exercised)} of "
        f"{_count(origin.shares or Fraction(0))} shares exercised",
        "REPRICE": f"6(f)(ii): the price of {row.instrument!r} changes to "
        f"{_money(row.price or Fraction(0))}",
        "ABANDON": f"6(g)(iii): the distribution of record-date row {origin.row} "
        f"({row.instrument!r}) is abandoned",
    }[row.event]
    section = "6(g)(iii)" if row.event == "ABANDON" else "6(f)"
    kept = [n for n in names if n in frozen]
    moves = "; ".join(
        f"{c.name}: {_money(before[c.name])} → {_money(c.conversion_price)}"
        for c in new.classes
        if c.name in before and c.name not in frozen
    )
    if adjusted:
        explanation = (
            f"{what}; the adjustment of {_names([n for n in names if n in adjusted])} made on "
            f"row {made_on} is rescinded and annulled and the history recomputed from the start"
            + (
                ", exercised shares as issued on their exercise dates for the consideration "
                "paid (6(f)(iii))"
                if row.event != "ABANDON"
                else ""
            )
            + f": {moves}"
        )
    else:
        explanation = (
            f"{what}; no Conversion Price was adjusted for it on row {made_on}, so there is "
            "nothing to undo; its shares leave Fully Diluted"
        )
    if kept and adjusted:
        explanation += (
            f"; {_names(kept)}: not adjusted on row {made_on}, so its price does not move "
            f"({_money(before[kept[0]]) if len(kept) == 1 else 'unchanged'}; "
            f"{section} undoes only what was adjusted)"
        )
    flags = list(last.flags) if row.event == "REPRICE" else []
    if recomputed:
        explanation += "; " + "; ".join(recomputed)
    if own_exercises:
        section += ", 6(f)(iii)"
    if row.event == "REPRICE":
        explanation += "; then " + last.explanation
        section += ", " + last.section
        figures += list(last.fd_figures)
    if row.event == "EXPIRE" and inst is not None:
        explanation += _freed_text(state, new, inst)
    return _Outcome(section, explanation, flags, figures), new


def _freed_text(old: _State, new: _State, inst: _Instrument) -> str:
    """The cap note of a rescinding EXPIRE (the replay applied :func:`_free_cap`)."""
    if inst.category is None or inst.permitted == 0 or CATEGORIES[inst.category].cap is None:
        return ""
    c = CATEGORIES[inst.category]
    was, now = old.used.get(inst.category, Fraction(0)), new.used.get(inst.category, Fraction(0))
    if now < was:
        return (
            f"; {_count(was - now)} unexercised shares return to the 6(a) {c.clause} cap "
            f"(expired_options_free_cap TRUE): {_count(was)} used → {_count(now)}"
        )
    if inst.category == "OPTION_PLAN":
        return (
            f"; its {_count(inst.permitted)} unexercised option-plan shares stay counted "
            "against the 6(a)(i) cap (expired_options_free_cap FALSE: a grant uses the cap "
            "for good)"
        )
    return ""
