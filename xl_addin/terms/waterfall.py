"""Sections 3(a) and 5(a): the liquidation waterfall, with each class's choice to convert.

Section 3(a): on a liquidation each Series A share first receives its Liquidation Preference
(Stated Value + declared unpaid dividends + 10% of Stated Value per annum to the payment date,
:func:`~xl_addin.terms.liquidation.liquidation_preference`); "the remaining assets ... shall be
distributed ratably to the holders of the Common Stock". If the assets are insufficient:

* Series A alone: "distributed ratably among holders of Series A ... in proportion to the number
  of shares ... owned by each holder" -- by NUMBER OF SHARES, even though Class I and Class II may
  have different Stated Values (the literal text; see *Ambiguities* below);
* with Parity Securities (any positive parity amount): Series A and Parity Securities "share
  ratably ... in proportion to the full respective preferential amounts".

Series A takes no part in the remainder unless it converts (Section 5(a)): a converting class
gives up its preference and receives the full shares of Common Stock of
:func:`~xl_addin.terms.conversion.conversion_shares` (whole shares per class; no cash in lieu of
fractions). Parity Securities are non-participating. Options and warrants are exercised exactly
when they are in the money (exercise price < the common value per share); their exercise price is
added to the proceeds and their payout is shown net of it, so all payouts add up to the proceeds.

The model
    A *state* is (which classes convert, which options are exercised). For a given state and
    exit value ``P`` the payouts are exact and linear in ``P``. Options are solved exactly: with
    strikes sorted, the exercised set is the longest prefix whose next strike is below the common
    value per share including the options already exercised (which is unique). A conversion
    choice is *stable* when no class would receive strictly more by switching alone (options
    re-solved). The rule below never looks at the position of a row: permuting the rows of
    Series A (or of parity) permutes the payouts and changes nothing else.

    * Rows identical in every term are lots of one security and choose alike.
    * **Several stable choices**: the one with the fewest converting rows (a holder converts
      only when that pays strictly more); among those, the one whose converting rows are
      deepest in the money -- the lowest conversion thresholds (Liquidation Preference per
      Common share converted into), compared smallest first; remaining ties by the rows' other
      terms. Where stable choices pay differently the exit is flagged (:data:`SEVERAL_STABLE`).
    * **No stable choice** -- possible below the total preference, where the shares-ratable rule
      can pay a class more than its own preference (e.g. a 1-share class beside a large one) and
      the choices then cycle, or where identical rows would have to choose differently: **no
      row converts** (the Section 3(a) preference is what a holder has without the Section 5(a)
      notice to convert, and no self-consistent set of notices exists). Flagged
      (:data:`NONE_STABLE`); :meth:`Waterfall.is_stable` is then False.

    :meth:`Waterfall.choice_note` gives the flag of one exit; the breakpoints say from where
    each flag holds.

Breakpoints
    Every condition above is the sign of a linear function of ``P``, so the state changes only
    at zeros of those functions. :meth:`Waterfall.breakpoints` enumerates those zeros exactly,
    evaluates the state between them and reports where it changes (a class converts, an option
    is exercised, the preferences are paid in full, a flag above starts or ends) and which
    payouts jump there (right limit − left limit, e.g. ``payouts jump: Class I -$2,563,333.33,
    Class II +$2,563,333.33`` at the total preference under the shares-ratable rule).
    :meth:`Waterfall.table` then evaluates a column of exits piecewise-linearly between
    breakpoints, each cell the float of the exact value, as :meth:`Waterfall.row` gives
    (:mod:`._exactfloat`; exits within a hair of a candidate breakpoint are solved exactly).

Worked example (1,000,000 Class I shares at $12.31, Conversion Price $12.31, issued and paid the
same day so the preference is $12,310,000; 9,000,000 common; no options):

* $10,000,000: below the preference, all to Class I; common nil.
* Class I converts when 1,000,000/10,000,000 × (P) ≥ $12,310,000, i.e. at P = $123,100,000
  (the breakpoint): there Class I receives $12,310,000 either way and common $110,790,000.

Ambiguities (documented choices)
    The shares-ratable shortfall rule can pay a low-Stated-Value class more than its full
    preference just below the total preference; the payout then jumps at the total preference.
    The text is followed literally by default (``shortfall="SHARES"``); ``shortfall="AMOUNTS"``
    shares a Series A shortfall ratably by preferential amounts instead (as the text does with
    Parity Securities), which has no jump -- for counsel to compare. Conversion is per row (one
    holder per row), whole shares.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ._exactfloat import SCALES, affine_coefficients, nearest_affine, short_decimals
from .constants import ACCRUAL_RATE, DEFAULT_DAYCOUNT_BASIS
from .conversion import conversion_quotient
from .errors import TermsError
from .liquidation import liquidation_preference
from .parse import (
    Grid,
    at,
    exact,
    is_range,
    parse_basis,
    parse_date,
    parse_number,
    parse_optional,
    parse_text,
)
from .qualified_public_offering import money

__all__ = [
    "NONE_STABLE",
    "SEVERAL_STABLE",
    "SHORTFALL_AMOUNTS",
    "SHORTFALL_SHARES",
    "Breakpoint",
    "Distribution",
    "OptionGrant",
    "SeriesAClass",
    "Waterfall",
    "waterfall_from_ranges",
]

#: Most Series A rows a waterfall takes (every subset of classes is examined: 2**n).
MAX_CLASSES = 8
#: Relative distance from a breakpoint within which an exit is decided exactly.
_NEAR = 1e-9
#: Single exits solved directly before the breakpoint segments are computed for the lookup
#: (the segments cost about as much as this many direct solves of a 2-class capitalization).
_SOLVE_FIRST = 32

#: ``shortfall`` readings of Section 3(a) for Series A alone (see the module docstring).
SHORTFALL_SHARES = "SHARES"
SHORTFALL_AMOUNTS = "AMOUNTS"
#: Notes of :meth:`Waterfall.choice_note` (also in the descriptions of the breakpoints).
NONE_STABLE = (
    "no conversion choice is stable (a row would gain by switching whatever is chosen): "
    "no Series A row converts"
)
SEVERAL_STABLE = (
    "several stable conversion choices pay differently: shown is the one with the fewest "
    "conversions, rows deepest in the money converting"
)

_State = tuple[tuple[bool, ...], int, bool]  # (converts per class, options exercised, full)
_Lin = tuple[Fraction, Fraction]  # payout = a + b × proceeds


@dataclass(frozen=True)
class SeriesAClass:
    """One class (or lot) of Series A: Section 1 shares and Stated Value, 5(c) Conversion Price.

    ``dividends`` are declared and unpaid dividends per share; ``issue_date`` an Excel serial.
    """

    shares: Fraction
    stated_value: Fraction
    issue_date: int
    conversion_price: Fraction
    dividends: Fraction = Fraction(0)
    name: str = ""


@dataclass(frozen=True)
class OptionGrant:
    """Options or warrants for ``shares`` Common shares at ``exercise_price`` each."""

    shares: Fraction
    exercise_price: Fraction
    name: str = ""


@dataclass(frozen=True)
class Distribution:
    """Who gets what at one exit value (exact dollars; options net of their exercise price)."""

    proceeds: Fraction
    series_a: tuple[Fraction, ...]
    parity: tuple[Fraction, ...]
    common: Fraction
    options: tuple[Fraction, ...]
    converts: tuple[bool, ...]
    exercised: tuple[bool, ...]
    common_per_share: Fraction
    series_a_per_share: tuple[Fraction, ...]
    preferences_paid_in_full: bool

    def total(self) -> Fraction:
        return (
            sum(self.series_a, Fraction(0))
            + sum(self.parity, Fraction(0))
            + self.common
            + sum(self.options, Fraction(0))
        )


@dataclass(frozen=True)
class Breakpoint:
    """An exit value where the waterfall's state changes, and what changes there."""

    proceeds: Fraction
    description: str


class Waterfall:
    """Section 3(a) with the 5(a) conversion choice for one capitalization and payment date.

    >>> a = SeriesAClass(Fraction(1_000_000), Fraction("12.31"), 36703, Fraction("12.31"))
    >>> w = Waterfall([a], Fraction(9_000_000), 36703)
    >>> [b.proceeds for b in w.breakpoints()]
    [Fraction(12310000, 1), Fraction(123100000, 1)]
    >>> w.distribution(Fraction(200_000_000)).series_a
    (Fraction(20000000, 1),)
    """

    def __init__(
        self,
        series_a: Sequence[SeriesAClass],
        common_shares: Fraction,
        payment_date: int,
        parity: Sequence[Fraction] = (),
        options: Sequence[OptionGrant] = (),
        rate: Fraction | Any = ACCRUAL_RATE,
        basis: int = DEFAULT_DAYCOUNT_BASIS,
        shortfall: str = SHORTFALL_SHARES,
    ) -> None:
        if shortfall not in (SHORTFALL_SHARES, SHORTFALL_AMOUNTS):
            raise TermsError(
                f"shortfall must be one of {SHORTFALL_SHARES}, {SHORTFALL_AMOUNTS} "
                f"(got {shortfall!r})",
                argument="shortfall",
            )
        #: Section 3(a) shortfall among Series A alone: by number of shares (the text) or by
        #: preferential amounts (the alternative reading, for comparison).
        self.shortfall = shortfall
        #: The payment date (Excel serial), accrual rate and day-count basis of the preferences.
        self.payment_date, self.rate, self.basis = payment_date, rate, basis
        if not series_a:
            raise TermsError("series_a must have at least one class", argument="series_a")
        if len(series_a) > MAX_CLASSES:
            raise TermsError(
                f"series_a must have at most {MAX_CLASSES} rows (got {len(series_a)})",
                argument="series_a",
            )
        if common_shares <= 0:
            raise TermsError(
                f"common_shares must be > 0 (got {float(common_shares):.15g})",
                argument="common_shares",
            )
        self.classes = tuple(series_a)
        self.common_shares = Fraction(common_shares)
        self.parity = tuple(Fraction(q) for q in parity)
        self.options = tuple(options)
        prefs: list[Fraction] = []
        for k, c in enumerate(self.classes):
            if payment_date < c.issue_date:
                raise TermsError(
                    f"payment_date must not be before issue_date (series_a row {k + 1})",
                    argument="payment_date",
                )
            lp = liquidation_preference(
                c.shares, c.stated_value, c.issue_date, payment_date, c.dividends, rate, basis
            )
            assert isinstance(lp, Fraction)
            prefs.append(lp)
        #: Section 3(a): each class's full Liquidation Preference at the payment date.
        self.preferences = tuple(prefs)
        #: Section 5(a): whole Common shares each class converts into.
        self.conversion_shares = tuple(
            Fraction(
                math.floor(
                    conversion_quotient(c.shares, c.stated_value, c.conversion_price, c.dividends)
                )
            )
            for c in self.classes
        )
        self._has_parity = sum(self.parity, Fraction(0)) > 0
        self._order = sorted(range(len(self.options)), key=lambda k: self.options[k].exercise_price)
        strikes = [self.options[k].exercise_price for k in self._order]
        counts = [self.options[k].shares for k in self._order]
        self._strikes = strikes
        self._opt_shares = [sum(counts[:j], Fraction(0)) for j in range(len(strikes) + 1)]
        self._opt_cash = [
            sum((counts[i] * strikes[i] for i in range(j)), Fraction(0))
            for j in range(len(strikes) + 1)
        ]
        self._subsets = list(itertools.product((False, True), repeat=len(self.classes)))
        # Rows identical in every term are lots of one security: they choose alike (a rule that
        # does not depend on row order cannot tell them apart).
        keys = [self._row_key(i) for i in range(len(self.classes))]
        self._candidates_alike = [
            conv
            for conv in self._subsets
            if all(
                conv[i] == conv[k] for i in range(len(keys)) for k in range(i) if keys[i] == keys[k]
            )
        ]
        self._keys = keys
        self._breaks: list[Breakpoint] | None = None
        self._segments: list[tuple[Fraction, _State]] | None = None
        self._starts: list[Fraction] = []  # of the segments, for a lookup by bisection
        self._candidates_found: frozenset[Fraction] = frozenset()
        self._solved = 0  # exits solved one by one, before the segments are known
        # the object never changes after __init__: its linear pieces are computed once
        self._totals_cache: dict[tuple[tuple[bool, ...], int], tuple[Fraction, Fraction]] = {}
        self._lines_cache: dict[_State, list[_Lin]] = {}
        # table(): segment starts and candidates as floats; coefficients; rows solved exactly
        self._floats: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
        self._coef_cache: dict[int, npt.NDArray[np.float64]] = {}
        self._table_exact_rows = 0

    # ------------------------------------------------------------------ linear pieces
    def _totals(self, conv: tuple[bool, ...], j: int) -> tuple[Fraction, Fraction]:
        """(total preference T, common shares S) with ``conv`` converting and ``j`` options."""
        found = self._totals_cache.get((conv, j))
        if found is None:
            found = self._totals_cache[conv, j] = self._compute_totals(conv, j)
        return found

    def _compute_totals(self, conv: tuple[bool, ...], j: int) -> tuple[Fraction, Fraction]:
        t = sum(
            (lp for lp, cv in zip(self.preferences, conv, strict=True) if not cv), Fraction(0)
        ) + sum(self.parity, Fraction(0))
        s = (
            self.common_shares
            + sum(
                (c for c, cv in zip(self.conversion_shares, conv, strict=True) if cv), Fraction(0)
            )
            + self._opt_shares[j]
        )
        return t, s

    def _price_line(self, conv: tuple[bool, ...], j: int) -> _Lin:
        """Common value per share in the full regime: (P + option cash − T) / S."""
        t, s = self._totals(conv, j)
        return (self._opt_cash[j] - t) / s, 1 / s

    def _weights(self, conv: tuple[bool, ...]) -> tuple[list[Fraction], list[Fraction]]:
        """Shortfall weights: by shares (Series A alone, the text) or full amounts (with parity,
        or Series A alone with ``shortfall="AMOUNTS"``)."""
        if self._has_parity or self.shortfall == SHORTFALL_AMOUNTS:
            wa = [Fraction(0) if cv else lp for lp, cv in zip(self.preferences, conv, strict=True)]
        else:
            wa = [Fraction(0) if cv else c.shares for c, cv in zip(self.classes, conv, strict=True)]
        return wa, list(self.parity)

    def _lines(self, state: _State) -> list[_Lin]:
        """Payout lines: Series A classes, parity, common, options (original order, net)."""
        found = self._lines_cache.get(state)
        if found is None:
            found = self._lines_cache[state] = self._compute_lines(state)
        return found

    def _compute_lines(self, state: _State) -> list[_Lin]:
        conv, j, full = state
        zero = (Fraction(0), Fraction(0))
        if not full:
            wa, wq = self._weights(conv)
            w = sum(wa, Fraction(0)) + sum(wq, Fraction(0))
            if w == 0:  # nothing ranks ahead of common: the shortfall regime cannot occur
                w = Fraction(1)
            lines = [(Fraction(0), x / w) for x in wa] + [(Fraction(0), q / w) for q in wq]
            return lines + [zero] + [zero] * len(self.options)
        a, b = self._price_line(conv, j)
        out: list[_Lin] = []
        for lp, c, cv in zip(self.preferences, self.conversion_shares, conv, strict=True):
            out.append((c * a, c * b) if cv else (lp, Fraction(0)))
        out += [(q, Fraction(0)) for q in self.parity]
        out.append((self.common_shares * a, self.common_shares * b))
        opts: list[_Lin] = [zero] * len(self.options)
        for rank in range(j):
            k = self._order[rank]
            m, x = self.options[k].shares, self.options[k].exercise_price
            opts[k] = (m * a - m * x, m * b)
        return out + opts

    # ------------------------------------------------------------------ exact solve
    def _full(self, p: Fraction, conv: tuple[bool, ...], j: int) -> bool:
        t, _ = self._totals(conv, j)
        return p + self._opt_cash[j] >= t

    def _price(self, p: Fraction, conv: tuple[bool, ...], j: int) -> Fraction:
        if not self._full(p, conv, j):
            return Fraction(0)
        a, b = self._price_line(conv, j)
        return a + b * p

    def _with_options(self, p: Fraction, conv: tuple[bool, ...]) -> _State:
        j = 0
        while j < len(self._strikes) and self._strikes[j] < self._price(p, conv, j):
            j += 1
        return conv, j, self._full(p, conv, j)

    def _class_payout(self, p: Fraction, state: _State, i: int) -> Fraction:
        a, b = self._lines(state)[i]
        return a + b * p

    def _row_key(self, i: int) -> tuple[int, Fraction, Fraction, Fraction, int, Fraction, Fraction]:
        """Row ``i``'s terms, ordered by its conversion threshold first: the Liquidation
        Preference per Common share it converts into (lowest = deepest in the money; a row
        converting into no share last). Independent of the row's position."""
        c, cs = self.classes[i], self.conversion_shares[i]
        threshold = self.preferences[i] / cs if cs else Fraction(0)
        return (
            0 if cs else 1,
            threshold,
            c.shares,
            c.stated_value,
            c.issue_date,
            c.conversion_price,
            c.dividends,
        )

    def _choice_key(self, conv: tuple[bool, ...]) -> tuple[int, list[Any]]:
        """Order of preference among stable choices: fewest converting rows, then the rows
        deepest in the money converting (the sorted conversion thresholds, smallest first)."""
        return sum(conv), sorted(self._keys[i] for i, cv in enumerate(conv) if cv)

    def _solve(self, p: Fraction) -> tuple[_State, str]:
        """The choices at ``p`` and a note: ``""`` (a stable choice, all stable choices pay the
        same), :data:`SEVERAL_STABLE` or :data:`NONE_STABLE` (see the module docstring)."""
        states = {conv: self._with_options(p, conv) for conv in self._subsets}
        pays = {
            conv: [self._class_payout(p, st, i) for i in range(len(conv))]
            for conv, st in states.items()
        }
        stable = []
        for conv in self._candidates_alike:
            ok = True
            for i in range(len(conv)):
                other = (*conv[:i], not conv[i], *conv[i + 1 :])
                if pays[other][i] > pays[conv][i]:
                    ok = False
                    break
            if ok:
                stable.append(conv)
        if not stable:  # no row converts: the preference of Section 3(a) is the default
            return states[(False,) * len(self.classes)], NONE_STABLE
        best = min(stable, key=self._choice_key)
        note = ""
        if len(stable) > 1:
            first = self._values(p, states[best])
            if any(self._values(p, states[c]) != first for c in stable if c != best):
                note = SEVERAL_STABLE
        return states[best], note

    def _values(self, p: Fraction, state: _State) -> list[Fraction]:
        return [a + b * p for a, b in self._lines(state)]

    def _state(self, p: Fraction) -> _State:
        return self._solve(p)[0]

    def choice_note(self, proceeds: Fraction) -> str:
        """``""`` where the conversion choice at ``proceeds`` is stable and every stable choice
        pays the same; otherwise which rule was applied (:data:`NONE_STABLE`,
        :data:`SEVERAL_STABLE`)."""
        return self._solve(proceeds)[1]

    def is_stable(self, proceeds: Fraction) -> bool:
        """Whether the choice at ``proceeds`` is stable (see the module docstring)."""
        st = self._state(proceeds)
        return all(
            self._class_payout(proceeds, st, i) >= self.switch_payout(proceeds, i)
            for i in range(len(self.classes))
        )

    def _distribution(self, p: Fraction, state: _State) -> Distribution:
        conv, j, full = state
        values = [a + b * p for a, b in self._lines(state)]
        n, q = len(self.classes), len(self.parity)
        sa = tuple(values[:n])
        common = values[n + q]
        exercised = [False] * len(self.options)
        for rank in range(j):
            exercised[self._order[rank]] = True
        return Distribution(
            proceeds=p,
            series_a=sa,
            parity=tuple(values[n : n + q]),
            common=common,
            options=tuple(values[n + q + 1 :]),
            converts=conv,
            exercised=tuple(exercised),
            common_per_share=common / self.common_shares,
            series_a_per_share=tuple(
                v / c.shares if c.shares else Fraction(0)
                for v, c in zip(sa, self.classes, strict=True)
            ),
            preferences_paid_in_full=full,
        )

    def distribution(self, proceeds: Fraction) -> Distribution:
        """Section 3(a)/5(a): the exact payouts at one exit value ``proceeds`` (>= 0).

        Between two candidate breakpoints the choices do not change, so once the segments are
        known (:meth:`breakpoints`, :meth:`table`, or after :data:`_SOLVE_FIRST` single exits)
        an exit is looked up; an exit exactly at a candidate is still solved. Same result."""
        if proceeds < 0:
            raise TermsError(
                f"proceeds must be >= 0 (got {float(proceeds):.15g})", argument="proceeds"
            )
        if self._segments is None:
            self._solved += 1
            if self._solved <= _SOLVE_FIRST:
                return self._distribution(proceeds, self._state(proceeds))
            self._compute_segments()
        return self._distribution(proceeds, self._segment_state(proceeds))

    def _segment_state(self, p: Fraction) -> _State:
        """The choices at ``p`` from the segments (solved exactly at a candidate point)."""
        assert self._segments is not None
        if p in self._candidates_found:
            return self._state(p)
        return self._segments[bisect.bisect_right(self._starts, p) - 1][1]

    def switch_payout(self, proceeds: Fraction, index: int) -> Fraction:
        """What Series A row ``index`` would receive at ``proceeds`` by making the other choice
        (the other classes' choices held, options re-solved) -- never more than it receives."""
        conv = self._state(proceeds)[0]
        other = (*conv[:index], not conv[index], *conv[index + 1 :])
        return self._class_payout(proceeds, self._with_options(proceeds, other), index)

    # ------------------------------------------------------------------ breakpoints
    def _candidates(self) -> list[Fraction]:
        cands: set[Fraction] = set()
        nopt = len(self._strikes)
        n = len(self.classes)
        for conv in self._subsets:
            for j in range(nopt + 1):
                t, s = self._totals(conv, j)
                cands.add(t - self._opt_cash[j])  # preferences just paid in full
                for x in self._strikes:  # an option exactly at the money
                    cands.add(x * s + t - self._opt_cash[j])
        for conv in self._subsets:
            for i in range(n):
                if conv[i]:
                    continue
                other = (*conv[:i], True, *conv[i + 1 :])
                for j, j2 in itertools.product(range(nopt + 1), repeat=2):
                    for full, full2 in itertools.product((False, True), repeat=2):
                        a1, b1 = self._lines((conv, j, full))[i]
                        a2, b2 = self._lines((other, j2, full2))[i]
                        if b1 != b2:
                            cands.add((a2 - a1) / (b1 - b2))
        return sorted(c for c in cands if c > 0)

    def _describe(self, before: _State, after: _State) -> str:
        parts = []
        for k, (c0, c1) in enumerate(zip(before[0], after[0], strict=True)):
            if c0 != c1:
                name = self.classes[k].name or f"Series A row {k + 1}"
                parts.append(f"{name} {'converts' if c1 else 'stops converting'}")
        if before[1] != after[1]:
            lo, hi = sorted((before[1], after[1]))
            names = [
                self.options[self._order[r]].name or f"option row {self._order[r] + 1}"
                for r in range(lo, hi)
            ]
            verb = "exercised" if after[1] > before[1] else "no longer exercised"
            parts.append(f"{', '.join(names)} {verb}")
        if before[2] != after[2]:
            parts.append(
                "preferences paid in full" if after[2] else "preferences no longer paid in full"
            )
        return "; ".join(parts)

    def _label(self, k: int) -> str:
        """Name of payout line ``k`` of :meth:`_lines` (for the descriptions)."""
        n, q = len(self.classes), len(self.parity)
        if k < n:
            return self.classes[k].name or f"Series A row {k + 1}"
        if k < n + q:
            return f"Parity {k - n + 1}"
        if k == n + q:
            return "Common"
        o = k - n - q - 1
        return self.options[o].name or f"option row {o + 1}"

    def _jump(self, p: Fraction, before: _State, after: _State) -> str:
        """The payouts that jump at ``p`` (right limit − left limit), e.g. at the total
        preference under the shares-ratable shortfall rule; ``""`` where all are continuous."""
        left, right = self._values(p, before), self._values(p, after)
        moves = [
            f"{self._label(k)} {_signed_money(r - lft)}"
            for k, (lft, r) in enumerate(zip(left, right, strict=True))
            if r != lft
        ]
        return "payouts jump: " + ", ".join(moves) if moves else ""

    def _compute_segments(self) -> None:
        cands = self._candidates()
        points = [Fraction(0), *cands]
        segs: list[tuple[Fraction, _State]] = []
        breaks: list[Breakpoint] = []
        prev: _State | None = None
        prev_note = ""
        for k, lo in enumerate(points):
            hi = points[k + 1] if k + 1 < len(points) else lo * 2 + 1
            st, note = self._solve((lo + hi) / 2)
            if prev is not None and st == prev and note == prev_note:
                continue
            parts = []
            if prev is not None and st != prev:
                parts += [self._describe(prev, st), self._jump(lo, prev, st)]
            if note != prev_note:
                parts.append(f"from here {note}" if note else "from here a single stable choice")
            if any(parts):
                breaks.append(Breakpoint(lo, "; ".join(x for x in parts if x)))
            if st != prev:
                segs.append((lo, st))
            prev, prev_note = st, note
        self._segments = segs
        self._breaks = breaks
        self._starts = [lo for lo, _ in segs]
        self._candidates_found = frozenset(points)
        self._floats = (np.array([float(v) for v in self._starts]), np.array(points, dtype=float))

    def breakpoints(self) -> list[Breakpoint]:
        """The exact exit values where a class's choice, an option's exercise or the
        preference coverage changes, each with what changes there."""
        if self._breaks is None:
            self._compute_segments()
        assert self._breaks is not None
        return list(self._breaks)

    # ------------------------------------------------------------------ columns
    def columns(self) -> list[str]:
        """Labels of the columns of :meth:`table` and :meth:`row`."""
        names = [c.name or f"A{k + 1}" for k, c in enumerate(self.classes)]
        cols = [f"{n} payout" for n in names]
        cols += [f"Parity {k + 1} payout" for k in range(len(self.parity))]
        cols.append("Common payout")
        cols += [f"{o.name or f'Option {k + 1}'} net payout" for k, o in enumerate(self.options)]
        cols += [f"{n} per share" for n in names]
        cols.append("Common per share")
        cols += [f"{n} converts" for n in names]
        return cols

    def row(self, proceeds: Fraction) -> list[Fraction]:
        """One exit as a row of :meth:`columns` (converts as 1/0), exact."""
        d = self.distribution(proceeds)
        return [
            *d.series_a,
            *d.parity,
            d.common,
            *d.options,
            *d.series_a_per_share,
            d.common_per_share,
            *(Fraction(int(c)) for c in d.converts),
        ]

    def table(self, exits: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """A column of exits → one row per exit (see :meth:`columns`): each cell exactly
        ``float`` of the cell of :meth:`row` at ``exact(exit)``, as a single exit gives.

        Between candidate breakpoints every column is ``A + B × D`` (``D`` the exit's exact
        decimal ``m / 10**k``, per-share columns divided by the exact share count), evaluated
        and rounded by :func:`~._exactfloat.nearest_affine`; an exit within a hair of a
        candidate, one not read as a short decimal, or a cell whose rounding is not proven is
        computed exactly from :meth:`row` instead."""
        x = np.asarray(exits, dtype=np.float64).reshape(-1)
        if x.size and (not np.all(np.isfinite(x)) or np.min(x) < 0):
            bad = int(np.flatnonzero(~np.isfinite(x) | (x < 0))[0])
            raise TermsError(
                f"proceeds must be a number >= 0 (got {x[bad]:.15g} in row {bad + 1})",
                argument="proceeds",
            )
        if self._segments is None:
            self._compute_segments()
        assert self._floats is not None
        starts, candidates = self._floats
        m, scale = short_decimals(x)
        group = (np.searchsorted(starts, x, side="right") - 1) * len(SCALES) + scale
        exact_rows = (scale < 0) | _near_any(x, candidates)
        group[exact_rows] = -1
        out = np.empty((x.size, len(self.columns())), dtype=np.float64)
        for g in np.flatnonzero(np.bincount(group + 1)[1:]).tolist():
            rows = np.flatnonzero(group == g)
            out[rows], ok = nearest_affine(self._coefficients(g), m[rows])
            exact_rows[rows[~ok]] = True
        for i in np.flatnonzero(exact_rows).tolist():
            out[i] = [float(v) for v in self.row(exact(float(x[i])))]
        self._table_exact_rows = int(exact_rows.sum())
        return out

    def _coefficients(self, group: int) -> npt.NDArray[np.float64]:
        """:func:`~._exactfloat.affine_coefficients` of every column of :meth:`row` on a
        segment, in terms of the exit's scaled decimal ``m`` (``D = m / 10**k``)."""
        found = self._coef_cache.get(group)
        if found is not None:
            return found
        assert self._segments is not None
        segment, scale = divmod(group, len(SCALES))
        state = self._segments[segment][1]
        lines = self._lines(state)
        n, q = len(self.classes), len(self.parity)
        per_share = [
            (a / c.shares, b / c.shares) if c.shares else (Fraction(0), Fraction(0))
            for (a, b), c in zip(lines[:n], self.classes, strict=True)
        ]
        a, b = lines[n + q]
        per_share.append((a / self.common_shares, b / self.common_shares))
        unit = Fraction(1, 10 ** SCALES[scale])
        cols = [(a, b * unit) for a, b in [*lines, *per_share]]
        cols += [(Fraction(int(c)), Fraction(0)) for c in state[0]]
        found = self._coef_cache[group] = affine_coefficients(cols)
        return found


def _signed_money(value: Fraction) -> str:
    """``+$1,234.57`` / ``-$0.01``: a change in dollars, to the cent (under half a cent: to
    the millionth, so that a jump never reads as zero)."""
    sign = "-" if value < 0 else "+"
    cents = round(abs(value) * 100)
    if cents == 0:
        return sign + (money(abs(value)) if round(abs(value) * 10**6) else "<$0.000001")
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"


def _near_any(x: npt.NDArray[np.float64], pts: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(x.shape, dtype=bool)
    if not pts.size:
        return mask
    idx = np.clip(np.searchsorted(pts, x), 0, len(pts) - 1)
    for cand in (idx, np.clip(idx - 1, 0, len(pts) - 1)):
        mask |= np.abs(x - pts[cand]) <= _NEAR * np.maximum(1.0, np.abs(x))
    return mask


# ---------------------------------------------------------------------- building from ranges
def _cell_number(v: Any, what: str, arg: str, row: int, *, strict: bool = False) -> Fraction:
    try:
        return parse_number(v, what, minimum=0, strict=strict)
    except TermsError as exc:
        raise TermsError(at(exc.message, f"{arg} row {row}"), argument=arg) from None


def _rows(value: Any, name: str, widths: tuple[int, ...]) -> list[list[Any]]:
    grid = Grid(value if is_range(value) else [[value]], name)
    rows = [list(r) for r in grid.rows if any(v is not None and v != "" for v in r)]
    if grid.shape[1] not in widths:
        expected = " or ".join(str(w) for w in widths)
        raise TermsError(
            f"{name} must have {expected} columns (got {grid.shape[1]})", argument=name
        )
    return rows


def waterfall_from_ranges(
    series_a: Any,
    common_shares: Any,
    payment_date: Any,
    parity: Any = None,
    options: Any = None,
    rate: Any = ACCRUAL_RATE,
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
    shortfall: Any = SHORTFALL_SHARES,
) -> Waterfall:
    """Build a :class:`Waterfall` from Excel-shaped inputs (blank rows are skipped).

    ``series_a``: one row per class: shares, Stated Value, issue date, Conversion Price and
    optionally declared unpaid dividends per share. ``parity``: a column of full preferential
    amounts. ``options``: rows of (shares, exercise price). ``shortfall``: ``"SHARES"`` (the
    text, default) or ``"AMOUNTS"`` (any case).
    """
    rows = _rows(series_a, "series_a", (4, 5))
    if not rows:
        raise TermsError("series_a must have at least one class", argument="series_a")
    classes = []
    for r, row in enumerate(rows, start=1):
        shares = _cell_number(row[0], "shares", "series_a", r)
        sv = _cell_number(row[1], "stated_value", "series_a", r, strict=True)
        try:
            issue = parse_date(row[2], "issue_date")
        except TermsError as exc:
            raise TermsError(at(exc.message, f"series_a row {r}"), argument="series_a") from None
        cp = _cell_number(row[3], "conversion_price", "series_a", r, strict=True)
        div = (
            _cell_number(parse_optional(row[4], 0), "dividends", "series_a", r)
            if len(row) > 4
            else Fraction(0)
        )
        classes.append(SeriesAClass(shares, sv, issue, cp, div))
    common = parse_number(common_shares, "common_shares", minimum=0, strict=True)
    pay = parse_date(payment_date, "payment_date")
    par: list[Fraction] = []
    if parse_optional(parity, None) is not None:
        for r, row in enumerate(_rows(parity, "parity", (1,)), start=1):
            par.append(_cell_number(row[0], "amount", "parity", r))
    opts: list[OptionGrant] = []
    if parse_optional(options, None) is not None:
        for r, row in enumerate(_rows(options, "options", (2,)), start=1):
            opts.append(
                OptionGrant(
                    _cell_number(row[0], "shares", "options", r),
                    _cell_number(row[1], "exercise_price", "options", r),
                )
            )
    r_ = parse_number(parse_optional(rate, ACCRUAL_RATE), "rate", minimum=0)
    b_ = parse_basis(parse_optional(basis, DEFAULT_DAYCOUNT_BASIS))
    how = parse_text(
        parse_optional(shortfall, SHORTFALL_SHARES),
        "shortfall",
        (SHORTFALL_SHARES, SHORTFALL_AMOUNTS),
    )
    return Waterfall(classes, common, pay, par, opts, r_, b_, how)
