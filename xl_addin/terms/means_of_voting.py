"""Sections 4(a) and 4(d): the Series A's own class votes and how long the director right lasts.

4(d) "Means of Voting": on the matters of 4(a) (the Series A Preferred Director) and 4(b) (the
protective provisions) "each holder ... shall be entitled to one vote for each share held" --
one vote per Series A share, not as converted (4(c), the vote together with the Common Stock,
is as converted: VOTES). ``matter``:

============== ======== ==================================================================
CONSENT        4(b)     "the holders of a majority of the shares": more than half of the
                        outstanding Series A shares
REMOVAL        4(a)(iii) "a majority of the outstanding shares": more than half
ELECTION       4(a)(i)  the certificate sets no threshold for electing the director by a
                        class vote; reading: a majority of the outstanding shares, as for
                        removal (a meeting under the By-Laws may need less)
CALL_MEETING   4(d)(iii) "holders of record of 25% or more" may call a Series A meeting
PROCEDURE      4(d)     "holders of 75% of the Series A" may depart from the By-Laws'
                        meeting rules: 75% or more
============== ======== ==================================================================

4(a)(v): the director right "shall survive a Qualified Public Offering until such time as the
holders ... and their Affiliates own in the aggregate less than 25% of their initial holdings of
Series A Shares determined after the Subsequent Closing". Reading: before a QPO the right lasts
"so long as the Series A ... is outstanding" (4(a)(ii)) and the 25% test applies only after the
QPO; ``floor_always`` = TRUE applies it before the QPO too, to compare. Common Stock received on
conversion does not count here (4(a)(v) speaks of Series A Shares; 9(e) counts it expressly).

Worked example: 600,000 of 1,000,000 shares vote for a 4(b) consent: 600,000 > 500,000, carried;
250,000 of 1,000,000 may call a meeting (25% or more).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .constants import (
    DIRECTOR_SURVIVAL_FRACTION,
    MEETING_CALL_FRACTION,
    MEETING_PROCEDURE_FRACTION,
)
from .errors import TermsError
from .parse import Grid, at, is_range, parse_bool, parse_number, parse_optional, parse_text

__all__ = ["MATTERS", "class_vote", "director_right", "percent"]

_HALF = Fraction(1, 2)
#: matter → (section, what, threshold, strictly more than the threshold?).
MATTERS: dict[str, tuple[str, str, Fraction, bool]] = {
    "CONSENT": ("4(b), 4(d)", "consent of a majority of the shares", _HALF, True),
    "REMOVAL": ("4(a)(iii)", "removal of the Series A Preferred Director", _HALF, True),
    "ELECTION": ("4(a)(i), 4(d)", "election of the Series A Preferred Director", _HALF, True),
    "CALL_MEETING": (
        "4(d)(iii)",
        "call of a Series A meeting",
        Fraction(MEETING_CALL_FRACTION),
        False,
    ),
    "PROCEDURE": (
        "4(d)",
        "meeting rules other than the By-Laws'",
        Fraction(MEETING_PROCEDURE_FRACTION),
        False,
    ),
}


def _votes(value: Any) -> Fraction:
    if not is_range(value):
        return parse_number(value, "shares_for", minimum=0)
    grid = Grid(value, "shares_for")
    total = Fraction(0)
    for i, v in enumerate(grid.values(), start=1):
        if parse_optional(v, None) is None:
            continue
        try:
            total += parse_number(v, "shares_for", minimum=0)
        except TermsError as exc:
            raise TermsError(at(exc.message, f"cell {i}"), argument="shares_for") from None
    return total


def _n(x: Fraction) -> str:
    """A share count for a message: ``1,015,434.5`` (up to 4 decimals, never an exponent)."""
    if x.denominator == 1:
        return f"{x.numerator:,}"
    return f"{float(x):,.4f}".rstrip("0").rstrip(".")


def percent(share: Fraction, threshold: Fraction) -> str:
    """``share`` as a percentage for a message, to 2 decimals -- more where 2 would read as the
    ``threshold`` it is compared with (499,999 of 1,000,000 against 50% is ``49.9999%``, never
    ``50.00%``).

    >>> quarter = Fraction(1, 4)
    >>> percent(Fraction(249_999, 1_000_000), quarter), percent(quarter, quarter)
    ('24.9999%', '25.00%')
    """
    text = f"{float(share):.2%}"
    for digits in range(3, 12):
        if share == threshold or text != f"{float(threshold):.{digits - 1}%}":
            break
        text = f"{float(share):.{digits}%}"
    return text


def class_vote(shares_for: Any, outstanding: Any, matter: Any = "CONSENT") -> tuple[bool, str]:
    """Section 4(d): does a Series A class vote carry? One vote per share.

    ``shares_for``: the shares voting for (a number, or a column of holders' shares, added up);
    ``outstanding``: Series A shares outstanding.

    >>> class_vote(500_000, 1_000_000)[0]  # exactly half is not a majority
    False
    """
    m = parse_optional(matter, "CONSENT")
    key = parse_text("_".join(m.split()) if isinstance(m, str) else m, "matter", MATTERS)
    votes = _votes(shares_for)
    total = parse_number(outstanding, "outstanding", minimum=0, strict=True)
    if votes > total:
        raise TermsError(
            f"shares_for must be <= outstanding {_n(total)} (got {_n(votes)})",
            argument="shares_for",
        )
    section, what, threshold, strict = MATTERS[key]
    need = threshold * total
    ok = votes > need if strict else votes >= need
    op = (">" if ok else "<=") if strict else (">=" if ok else "<")
    word = "more than" if strict else "at least"
    verdict = "carried" if ok else "fails"
    return ok, (
        f"{verdict}: {section} {what}: {_n(votes)} of {_n(total)} Series A shares "
        f"({percent(votes / total, threshold)}) {op} {_n(need)} "
        f"({word} {float(threshold):.0%}; one vote per share)"
    )


def director_right(
    held: Any, initial: Any, qpo_closed: Any = False, floor_always: Any = False
) -> tuple[bool, str]:
    """Section 4(a)(v): does the right to elect the Series A Preferred Director continue?

    ``held``: Series A shares the holders and their Affiliates own; ``initial``: their initial
    holdings determined after the Subsequent Closing.

    >>> director_right(249, 1000, qpo_closed=True)[0]
    False
    """
    h = parse_number(held, "held", minimum=0)
    n = parse_number(initial, "initial", minimum=0, strict=True)
    qpo = parse_bool(parse_optional(qpo_closed, False), "qpo_closed", False)
    always = parse_bool(parse_optional(floor_always, False), "floor_always", False)
    floor = Fraction(DIRECTOR_SURVIVAL_FRACTION)
    pct = percent(h / n, floor)
    if qpo or always:
        when = "after the Qualified Public Offering" if qpo else "(25% floor applied before a QPO)"
        if h < floor * n:
            return (
                False,
                f"ended: 4(a)(v) holders own {pct} (< 25%) of their initial Series A {when}",
            )
        return (
            True,
            f"continues: 4(a)(v) holders own {pct} (>= 25%) of their initial Series A {when}",
        )
    if h == 0:
        return False, "ended: no Series A outstanding (4(a)(ii))"
    return True, f"continues: Series A outstanding, no QPO (4(a)(ii)); holders own {pct}"
