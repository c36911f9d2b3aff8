"""Section 8(a) inside the Section 3(a) waterfall: an exit while a Triggering Event continues.

Section 8(a): "In the event that a Triggering Event described in Section 7 shall occur and be
continuing, each holder of Series A Convertible Preferred Stock shall be entitled to receive all
cash and other dividends, distributions and other payments which would be paid or payable to a
holder of a number of shares of Common Stock into which the shares of Series A ... held by such
holder are convertible at such time (without regard to the number of shares of Common Stock
which are authorized or reserved ...)".

Reading (the one of :mod:`.remedies`, documented there and in the README): a liquidating
distribution is a "distribution" on the Common Stock, and nothing in 8(a) takes the Liquidation
Preference of 3(a) away. So while a Triggering Event continues at the exit, each Series A row
that does not convert receives

* its 3(a) Liquidation Preference (below the total preference: its 3(a) shortfall share, the
  ``shortfall`` rule as in :class:`~.waterfall.Waterfall`; the Common Stock then receives
  nothing, so 8(a) adds nothing), and
* on top, its as-converted share of what the exit distributes to the Common Stock: the
  residual after every Liquidation Preference and Parity Security, shared per share among the
  Common Stock, the exercised options and every Series A row as converted (full shares, 5(a)),
  exactly what REMEDYEXIT (:func:`~.remedies.exit_participation`) computes for that residual.

The 5(a) conversion choice is kept (a holder may still convert; it then holds Common and takes
the per-share value like any holder of Common) and is solved by the same rule as the ordinary
waterfall; above the total preference converting never pays (row ``i`` would give up its
preference ``LP_i`` for ``c_i × LP_i / S`` more in value per share, ``c_i < S``), so no row
converts there.

Which date: the waterfall's ``payment_date`` (the date the Liquidation Preference is paid, i.e.
the exit) is the day the violation log is judged, at the close of business, as TRIGGERED judges
``as_of`` and REMEDYEXIT ``exit_date``. With a log and no Triggering Event continuing on that
day, the ordinary waterfall applies; without a log, nothing changes (the ordinary waterfall --
unlike REMEDYEXIT, whose purpose is the "what if", WATERFALL does not assume a Triggering Event).

Worked example (tests/test_remedy_waterfall.py): Class I 1,000,000 × $12.31 at CP $10 → 1,231,000
Common; Class II 500,000 × $20 at CP $20 → 500,000; 8,269,000 Common; paid on the issue date:
preferences $12,310,000 + $10,000,000 = $22,310,000. Exit $250,000,000 during a Triggering Event:
residual $227,690,000 over 10,000,000 shares = $22.769; Class I $12,310,000 + 1,231,000 × $22.769
= $40,338,639 (converting, in the ordinary waterfall: $30,775,000).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from .constants import ACCRUAL_RATE, DEFAULT_DAYCOUNT_BASIS
from .daycount import serial_to_date
from .parse import parse_optional
from .remedies import triggering_status
from .triggering_events import Status
from .waterfall import (
    SHORTFALL_SHARES,
    OptionGrant,
    SeriesAClass,
    Waterfall,
    _Lin,
    _State,
    waterfall_from_ranges,
)

__all__ = ["RemedyWaterfall", "remedy_note", "waterfall_with_remedies"]


class RemedyWaterfall(Waterfall):
    """:class:`~.waterfall.Waterfall` with Section 8(a) applied: every Series A row shares the
    residual as converted on top of its Liquidation Preference (see the module docstring).

    ``status``: the Section 7 status on the payment date that made 8(a) apply (None when built
    directly, "what if").

    >>> a = SeriesAClass(Fraction(1_000_000), Fraction("12.31"), 36703, Fraction("10"))
    >>> w = RemedyWaterfall([a], Fraction(8_769_000), 36703)
    >>> w.distribution(Fraction(22_310_000)).series_a  # 12,310,000 + 1,231,000 × 1
    (Fraction(13541000, 1),)
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
        status: Status | None = None,
    ) -> None:
        super().__init__(
            series_a, common_shares, payment_date, parity, options, rate, basis, shortfall
        )
        self.status = status

    def _compute_totals(self, conv: tuple[bool, ...], j: int) -> tuple[Fraction, Fraction]:
        """(T, S): T the preferences of the rows not converting and parity, as in 3(a); S every
        Series A row's as-converted shares with the Common and the ``j`` options exercised --
        8(a) counts the rows that keep their preference as converted too."""
        t = sum(
            (lp for lp, cv in zip(self.preferences, conv, strict=True) if not cv), Fraction(0)
        ) + sum(self.parity, Fraction(0))
        s = self.common_shares + sum(self.conversion_shares, Fraction(0)) + self._opt_shares[j]
        return t, s

    def _compute_lines(self, state: _State) -> list[_Lin]:
        conv, j, full = state
        lines = super()._compute_lines(state)
        if not full:  # the 3(a) shortfall: nothing reaches the Common Stock, 8(a) adds nothing
            return lines
        a, b = self._price_line(conv, j)
        for i, (c, cv) in enumerate(zip(self.conversion_shares, conv, strict=True)):
            if not cv:  # preference (3(a)) + as-converted share of the residual (8(a))
                lp, _ = lines[i]
                lines[i] = (lp + c * a, c * b)
        return lines


def remedy_note(status: Status, payment_date: str) -> str:
    """The WFBREAKS note on Section 8(a) for the status on the payment date."""
    if status.continuing:
        return (
            f"Section 8(a) applies on the payment date {payment_date}: each Series A row not "
            "converting receives its Liquidation Preference and also its as-converted share of "
            f"what the Common Stock receives (as REMEDYEXIT). {status.reason}"
        )
    return (
        f"Section 8(a) does not apply on the payment date {payment_date}: the ordinary "
        f"waterfall. {status.reason[0].upper()}{status.reason[1:]}"
    )


def waterfall_with_remedies(
    series_a: Any,
    common_shares: Any,
    payment_date: Any,
    parity: Any = None,
    options: Any = None,
    rate: Any = ACCRUAL_RATE,
    basis: Any = DEFAULT_DAYCOUNT_BASIS,
    shortfall: Any = SHORTFALL_SHARES,
    violation_log: Any = None,
) -> tuple[Waterfall, str]:
    """The waterfall of :func:`~.waterfall.waterfall_from_ranges` and a note: without a
    ``violation_log`` the ordinary waterfall and ``""``; with one, judged on ``payment_date``
    (Section 7), a :class:`RemedyWaterfall` when a Triggering Event is continuing, else the
    ordinary waterfall, and the :func:`remedy_note` saying which."""
    w = waterfall_from_ranges(
        series_a, common_shares, payment_date, parity, options, rate, basis, shortfall
    )
    if parse_optional(violation_log, None) is None:
        return w, ""
    status = triggering_status(violation_log, w.payment_date, "payment_date")
    assert status is not None
    note = remedy_note(status, serial_to_date(w.payment_date).isoformat())
    if not status.continuing:
        return w, note
    remedy = RemedyWaterfall(
        w.classes,
        w.common_shares,
        w.payment_date,
        w.parity,
        w.options,
        w.rate,
        w.basis,
        w.shortfall,
        status,
    )
    return remedy, note
