"""Section 7: Triggering Events -- from a log of violations, whether one has occurred, since
when, and whether it is continuing on a date (what Section 8's remedies depend on).

Section 7 lists five kinds, with different cure and notice periods:

=====================  =======  ===============================================================
kind (log column)      section  a Triggering Event when
=====================  =======  ===============================================================
``DIVIDEND``           7(a)     a failure to pay a dividend required by Section 2 (or another
                                violation of Section 2) "not ... cured within a period of 30
                                days after such violation"
``VOTING``             7(b)     an action needing the Series A's approval taken without it:
                                at once, no cure period
``CONVERSION``         7(c)     a failure to issue Common Stock on conversion or to comply
                                with Section 5 (5(f) reservation included): at once
``REGISTRATION``       7(d)     a material failure under the Registration Rights Agreement of
                                June 15, 2000 that "shall continue for a period of 30 days after
                                notice from any such holder"
``PURCHASE_AGREEMENT`` 7(e)     a failure to comply with Section 3, 6(e) or 6(g) of the
                                Preferred Stock Purchase Agreement that continues "for a period
                                of 30 days after notice from the Purchasers"
``MISREPRESENTATION``  7(e)     a representation under 4(c), 4(u) (or another material one) of
                                the Purchase Agreement that "shall prove to have been
                                incorrect": at once, on the log date (when it proves incorrect)
=====================  =======  ===============================================================

``7(a)`` ... ``7(d)`` are accepted for the first four kinds, ``7(e)`` for ``PURCHASE_AGREEMENT``.

Violation log: a range whose first row is the header (as CPHISTORY's event log: names in any
order and case, spaces and underscores alike, blank rows skipped, rows numbered as selected):
``kind`` and ``date`` (of the violation) compulsory; ``notice date`` (notice from a holder,
7(d), or from the Purchasers, 7(e)), ``cure date`` (the day the failure was cured or waived),
``note`` optional.

Readings (documented choices)
    *Counting the 30 days.* "Within a period of 30 days after" a day excludes that day: a
    violation (7(a)) or notice (7(d), 7(e)) on day ``t`` leaves until the end of day ``t + 30``
    to cure (the *cure deadline*); uncured, the Triggering Event exists from day ``t + 31``.
    A cure on or before the deadline means no Triggering Event occurred.
    *No notice, no Triggering Event* under 7(d) and the covenant part of 7(e): the 30 days run
    from the notice.
    *A late cure ends it.* Section 8 applies while a Triggering Event "shall occur and be
    continuing": a Triggering Event continues until the failure is cured (or waived) -- the
    ``cure date`` -- and is not continuing on that date (states are taken at the close of
    business of a day). To model a Triggering Event that lasts until the holders waive it,
    leave ``cure date`` empty until the waiver.
    *Since when.* Overlapping or back-to-back Triggering Events (one ends the day another
    starts) make one continuous period; "since" is its first day.

Worked example: a dividend due 2001-06-30 and not paid: the cure deadline is 2001-07-30, the
Triggering Event exists from 2001-07-31; paid on 2001-08-15, it is continuing on 2001-08-14 and
not on 2001-08-15.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .constants import TRIGGER_CURE_DAYS
from .daycount import serial_to_date
from .errors import TermsError, describe
from .parse import MAX_SERIAL, Grid, parse_date

__all__ = [
    "KINDS",
    "Status",
    "Violation",
    "continuing_on",
    "read_violation_log",
    "status_on",
    "violation_table",
]

#: kind → (section, what it is, cure rule: "violation", "notice" or None).
KINDS: dict[str, tuple[str, str, str | None]] = {
    "DIVIDEND": ("7(a)", "failure to pay a dividend (Section 2)", "violation"),
    "VOTING": ("7(b)", "action without the Series A's required approval", None),
    "CONVERSION": ("7(c)", "failure to convert or to comply with Section 5", None),
    "REGISTRATION": ("7(d)", "failure under the Registration Rights Agreement", "notice"),
    "PURCHASE_AGREEMENT": (
        "7(e)",
        "failure under Section 3, 6(e) or 6(g) of the Purchase Agreement",
        "notice",
    ),
    "MISREPRESENTATION": ("7(e)", "representation proved incorrect", None),
}
_ALIASES = {
    "7(A)": "DIVIDEND",
    "DIVIDENDS": "DIVIDEND",
    "7(B)": "VOTING",
    "7(C)": "CONVERSION",
    "7(D)": "REGISTRATION",
    "7(E)": "PURCHASE_AGREEMENT",
}
COLUMNS = ("kind", "date", "notice date", "cure date", "note")
_REQUIRED = ("kind", "date")


@dataclass(frozen=True)
class Violation:
    """One row of the violation log and what Section 7 makes of it (dates as Excel serials).

    ``deadline``: the last day to cure (None when there is no cure period, or no notice yet);
    ``start``: the first day of the Triggering Event (None: no Triggering Event);
    ``end``: the cure date that ends it (None: not cured).
    """

    row: int
    kind: str
    date: int
    notice: int | None
    cure: int | None
    note: str
    deadline: int | None
    start: int | None

    @property
    def section(self) -> str:
        return KINDS[self.kind][0]

    @property
    def end(self) -> int | None:
        return None if self.start is None else self.cure

    def known_on(self, as_of: int) -> Violation:
        """The row as known at the close of ``as_of``: a later notice or cure has not happened."""
        notice = self.notice if self.notice is not None and self.notice <= as_of else None
        cure = self.cure if self.cure is not None and self.cure <= as_of else None
        if (notice, cure) == (self.notice, self.cure):
            return self
        return _judge(self.row, self.kind, self.date, notice, cure, self.note)

    def continuing(self, as_of: int) -> bool:
        """A Triggering Event from this row is continuing at the close of ``as_of``."""
        v = self.known_on(as_of)
        return v.start is not None and v.start <= as_of and (v.cure is None or as_of < v.cure)

    def explain(self, as_of: int | None = None) -> str:
        """Plain English, with the dates; ``as_of``: the day the row is judged on."""
        what = f"{self.section} {KINDS[self.kind][1]} on {_d(self.date)}"
        rule = KINDS[self.kind][2]
        if as_of is not None and self.date > as_of:
            return f"{what}: after {_d(as_of)}, not yet"
        if rule == "notice" and self.notice is None:
            return f"{what}: no notice yet, so no Triggering Event (the 30 days run from notice)"
        if as_of is not None and self.start is not None and self.start > as_of:
            return (
                f"{what}: cure deadline {_d(self.deadline)} not yet passed on {_d(as_of)}; "
                f"uncured, a Triggering Event from {_d(self.start)}"
            )
        if rule is not None:
            since = "violation" if rule == "violation" else f"notice on {_d(self.notice)}"
            if self.start is None:
                assert self.cure is not None and self.deadline is not None
                return (
                    f"{what}: cured on {_d(self.cure)}, within {TRIGGER_CURE_DAYS} days after the "
                    f"{since} (deadline {_d(self.deadline)}): no Triggering Event"
                )
            what += f", not cured within {TRIGGER_CURE_DAYS} days after the {since}"
            what += f" (deadline {_d(self.deadline)})"
        else:
            what += " (no cure period)"
        assert self.start is not None
        text = f"{what}: Triggering Event from {_d(self.start)}"
        if self.cure is not None:
            text += f", cured on {_d(self.cure)}"
        return text


def _d(serial: int | None) -> str:
    if serial is None:
        return ""
    return "after 9999-12-31" if serial > MAX_SERIAL else serial_to_date(serial).isoformat()


def _judge(
    row: int, kind: str, date: int, notice: int | None, cure: int | None, note: str
) -> Violation:
    rule = KINDS[kind][2]
    deadline: int | None = None
    start: int | None
    if rule is None:
        start = date
    else:
        base = date if rule == "violation" else notice
        if base is None:
            start = None
        else:
            deadline = base + TRIGGER_CURE_DAYS
            start = deadline + 1 if cure is None or cure > deadline else None
    return Violation(row, kind, date, notice, cure, note, deadline, start)


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, str) and not v.strip())
        or (isinstance(v, float) and math.isnan(v))
    )


def _key(v: Any) -> str:
    return " ".join(str(v).strip().lower().replace("_", " ").split())


def _kind(v: Any, where: str) -> str:
    if isinstance(v, str):
        key = "_".join(v.strip().upper().replace(" ", "_").split("_"))
        key = "_".join(p for p in key.split("_") if p)
        key = _ALIASES.get(key, key)
        if key in KINDS:
            return key
    shown = "an empty cell" if _blank(v) else describe(v)
    raise TermsError(
        f"{where} must be one of {', '.join(KINDS)} or 7(a)-7(e) (got {shown})",
        argument="violation_log",
    )


def read_violation_log(log: Any, name: str = "violation_log") -> list[Violation]:
    """Validate a violation log (header row first) into :class:`Violation` s, in log order.

    Errors name the row and column: ``violation log row 3, column 'cure date': must not be
    before the violation date 2001-06-30 (got 2001-06-01)``.
    """
    table = [list(r) for r in Grid(log, name).rows]
    header, index = table[0], {}
    for j, h in enumerate(header):
        if _blank(h):
            if any(not _blank(r[j]) for r in table[1:]):
                raise TermsError(
                    f"violation log row 1, column {j + 1}: a column with values needs a header "
                    f"(one of {', '.join(COLUMNS)})",
                    argument=name,
                )
            continue
        key = _key(h) if isinstance(h, str) else ""
        if key not in COLUMNS:
            raise TermsError(
                f"violation log row 1, column {j + 1}: unknown header {describe(h)} "
                f"(expected {', '.join(COLUMNS)})",
                argument=name,
            )
        if key in index:
            raise TermsError(
                f"violation log row 1, column {j + 1}: header {key!r} appears twice",
                argument=name,
            )
        index[key] = j
    for c in _REQUIRED:
        if c not in index:
            raise TermsError(f"violation log row 1: missing column {c!r}", argument=name)
    out: list[Violation] = []
    for i, raw in enumerate(table[1:], start=2):
        if all(_blank(v) for v in raw):
            continue

        def cell(col: str, raw: list[Any] = raw) -> Any:
            return None if col not in index or _blank(raw[index[col]]) else raw[index[col]]

        def where(col: str, i: int = i) -> str:
            return f"violation log row {i}, column {col!r}:"

        kind = _kind(cell("kind"), where("kind"))
        if cell("date") is None:
            raise TermsError(f"{where('date')} required (got an empty cell)", argument=name)
        date = parse_date(cell("date"), where("date"))
        dates: dict[str, int | None] = {}
        for col in ("notice date", "cure date"):
            value = cell(col)
            dates[col] = None if value is None else parse_date(value, where(col))
            if dates[col] is not None and dates[col] < date:  # type: ignore[operator]
                raise TermsError(
                    f"{where(col)} must not be before the violation date {_d(date)} "
                    f"(got {_d(dates[col])})",
                    argument=name,
                )
        note = cell("note")
        text = "" if note is None else str(note)
        out.append(_judge(i, kind, date, dates["notice date"], dates["cure date"], text))
    return out


@dataclass(frozen=True)
class Status:
    """Whether a Triggering Event is continuing at the close of a day, since when, and why;
    ``first``: the day the first Triggering Event of the log occurred (None: none has yet)."""

    continuing: bool
    since: int | None
    reason: str
    causes: tuple[Violation, ...]
    first: int | None = None


def _periods(violations: list[Violation], as_of: int) -> list[tuple[int, int | None]]:
    """The Triggering Events known at ``as_of`` as [start, end) day intervals (end None: open)."""
    out = []
    for v in violations:
        k = v.known_on(as_of)
        if k.start is not None and k.start <= as_of:
            out.append((k.start, k.end))
    return sorted(out, key=lambda p: p[0])


def status_on(violations: list[Violation], as_of: Any, name: str = "as_of") -> Status:
    """Section 7 on ``as_of`` (close of business): is a Triggering Event continuing, since when.

    >>> v = [_judge(2, "DIVIDEND", 37072, None, 37118, "")]  # 2001-06-30, paid 2001-08-15
    >>> status_on(v, 37117).since == 37103  # 2001-07-31
    True
    """
    day = parse_date(as_of, name)
    causes = tuple(v for v in violations if v.continuing(day))
    periods = _periods(violations, day)
    first = periods[0][0] if periods else None
    if not causes:
        ended = [
            (p[1], v)
            for v in violations
            for p in _periods([v], day)
            if p[1] is not None and p[1] <= day
        ]
        reason = f"no Triggering Event continuing on {_d(day)}"
        if ended:
            last_end, last = max(ended, key=lambda e: (e[0], e[1].row))
            reason += f" (the last, log row {last.row}, ended {_d(last_end)})"
        else:
            reason += ": none has occurred"
        return Status(False, None, reason, (), first)
    since = _run_start(periods, day)
    parts = "; ".join(f"row {v.row}: {v.known_on(day).explain(day)}" for v in causes)
    reason = f"Triggering Event continuing since {_d(since)}: {parts}"
    return Status(True, since, reason, causes, first)


def _run_start(periods: list[tuple[int, int | None]], day: int) -> int:
    """First day of the continuous run of Triggering Events that covers ``day``."""
    runs: list[tuple[int, int | None]] = []
    for start, end in periods:  # sorted by start
        if runs:
            first, last_end = runs[-1]
            if last_end is None or start <= last_end:  # overlapping or back to back
                open_ended = last_end is None or end is None
                runs[-1] = (first, None if open_ended else max(last_end, end))  # type: ignore[type-var]
                continue
        runs.append((start, end))
    for start, end in runs:
        if start <= day and (end is None or day < end):
            return start
    raise AssertionError("no run covers the day")  # pragma: no cover - callers check first


def continuing_on(log: Any, as_of: Any) -> Status:
    """:func:`status_on` from a log range (header first)."""
    return status_on(read_violation_log(log), as_of)


VIOLATION_HEADER = (
    "row",
    "kind",
    "section",
    "violation date",
    "notice date",
    "cure deadline",
    "Triggering Event from",
    "cured on",
    "continuing",
    "explanation",
)


def violation_table(violations: list[Violation], as_of: Any) -> list[list[Any]]:
    """One row per violation as known on ``as_of``: the columns of :data:`VIOLATION_HEADER`
    (dates as serials, ``None`` where there is none)."""
    day = parse_date(as_of, "as_of")
    rows: list[list[Any]] = []
    for v in violations:
        k = v.known_on(day)
        started = k.start is not None and k.start <= day
        rows.append(
            [
                v.row,
                v.kind,
                v.section,
                v.date,
                k.notice,
                k.deadline,
                k.start if started else None,
                k.cure if started else None,
                v.continuing(day),
                k.explain(day),
            ]
        )
    return rows
