"""Section 9(a): the Preemptive Right -- each holder's pro rata share of New Securities, and the
allocation after the over-allotment.

Pro rata share (Section 9(a)): the ratio of (i) the Common Stock a holder owns, counting Series A
as converted and options, warrants and convertible securities it holds, to (ii) all Common Stock
"determined on a fully diluted basis"::

    share_i = offered × holding_i / total_fd

Over-allotment: "if any holder ... does not elect to purchase its entire pro rata share ... then
each other holder that has elected to purchase its entire pro rata share shall have the right to
purchase up to a number of such unpurchased portion, in addition to its own, in the proportion
that" its holding bears to the holders' holdings; "repeatedly applied until all New Securities
available for purchase by holders ... have been purchased or no holders remain who have indicated
a desire to purchase any unsubscribed for portion".

So a holder requesting less than its share gets its request; the unpurchased part of the
holders' shares is shared among the holders who requested at least their whole share, in
proportion to holdings, never beyond what each asked. Applying the mechanism repeatedly
converges to one closed form, which is what is computed (exactly): every elector ``i`` gets
``share_i + min(extra_i, λ × holding_i)`` where ``extra_i`` is what it asked beyond its share and
``λ`` is the one level at which the unpurchased portion is used up (or every elector is full).
Whether each round divides by all holders' holdings (the text's literal "(2)") or by the
electors' only changes the speed of convergence, not the limit.

Whole units (``whole=True``): each allocation is rounded down, then the units left -- the
rounded-down total minus the sum of rounded-down allocations -- go one each to the largest
fractional remainders (earlier rows first on ties), never beyond a holder's request.

Worked example: holdings 600 and 400 of 2,000 fully diluted, 100 offered: shares 30 and 20. If
the first asks 10 and the second 50: the first gets 10; 20 is unpurchased; the second elected its
whole share and may take up to 30 more, so it gets 20 + 20 = 40.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import TermsError
from .parse import Grid, is_range, location, parse_bool, parse_number, parse_optional

__all__ = ["allocate", "pro_rata_allocation"]


def allocate(
    holdings: list[Fraction],
    total_fd: Fraction,
    offered: Fraction,
    requested: list[Fraction] | None = None,
    whole: bool = False,
) -> list[Fraction]:
    """Section 9(a) on exact, validated inputs: one allocation per holder, in order."""
    shares = [offered * h / total_fd for h in holdings]
    if requested is None:
        alloc = shares
    else:
        alloc = [min(r, s) for r, s in zip(requested, shares, strict=True)]
        pool = sum((s - a for s, a in zip(shares, alloc, strict=True)), Fraction(0))
        electors = [i for i, (r, s) in enumerate(zip(requested, shares, strict=True)) if r >= s]
        _overallot(alloc, electors, holdings, requested, pool)
    if whole:
        alloc = _whole_units(alloc, requested)
    return alloc


def _overallot(
    alloc: list[Fraction],
    electors: list[int],
    holdings: list[Fraction],
    requested: list[Fraction],
    pool: Fraction,
) -> None:
    """Water-filling: electors get min(extra_i, λ·holding_i) with the pool used up."""
    want = {i: requested[i] - alloc[i] for i in electors if requested[i] > alloc[i]}
    if pool <= 0 or not want:
        return
    weights = {i: holdings[i] for i in want if holdings[i] > 0}
    if not weights:
        return
    total_want = sum((want[i] for i in weights), Fraction(0))
    if total_want <= pool:
        for i in weights:
            alloc[i] += want[i]
        return
    # Sort by the level at which each elector is full; find λ where the pool runs out.
    order = sorted(weights, key=lambda i: want[i] / weights[i])
    filled = Fraction(0)
    active_weight = sum(weights.values(), Fraction(0))
    k = 0
    lam = Fraction(0)
    while k < len(order):
        i = order[k]
        level = want[i] / weights[i]
        # amount used if λ = level
        used = filled + level * active_weight
        if used >= pool:
            break
        filled += want[i]
        active_weight -= weights[i]
        k += 1
    lam = (pool - filled) / active_weight
    for j, i in enumerate(order):
        alloc[i] += want[i] if j < k else lam * weights[i]


def _whole_units(alloc: list[Fraction], requested: list[Fraction] | None) -> list[Fraction]:
    floors = [Fraction(math.floor(a)) for a in alloc]
    left = math.floor(sum(alloc, Fraction(0))) - int(sum(floors, Fraction(0)))
    order = sorted(range(len(alloc)), key=lambda i: (-(alloc[i] - floors[i]), i))
    for i in order:
        if left <= 0:
            break
        if alloc[i] == floors[i]:
            break  # remaining remainders are zero
        if requested is not None and floors[i] + 1 > requested[i]:
            continue
        floors[i] += 1
        left -= 1
    return floors


def _values(value: Any, name: str) -> tuple[list[Fraction], tuple[int, int] | None]:
    if not is_range(value):
        return [parse_number(value, name, minimum=0)], None
    grid = Grid(value, name)
    out: list[Fraction] = []
    for i, v in enumerate(grid.values()):
        try:
            out.append(parse_number(v, name, minimum=0))
        except TermsError as exc:
            raise TermsError(f"{exc.message} in {location(grid.shape, i)}", argument=name) from None
    return out, grid.shape


def pro_rata_allocation(
    holdings: Any,
    total_fd: Any,
    offered: Any,
    requested: Any = None,
    whole: Any = False,
) -> Fraction | npt.NDArray[np.float64]:
    """Section 9(a): each holder's pro rata share, or (with ``requested``) its final allocation.

    ``holdings``: one number or a range, a cell per holder; ``total_fd``: Fully Diluted Common
    Stock before the issue; ``offered``: the New Securities. The result has the shape of
    ``holdings`` (a Fraction for a single holder, else a float array).
    """
    hold, shape = _values(holdings, "holdings")
    total = parse_number(total_fd, "total_fd", minimum=0, strict=True)
    offer = parse_number(offered, "offered", minimum=0)
    whole_flag = parse_bool(parse_optional(whole, False), "whole", False)
    if sum(hold, Fraction(0)) > total:
        raise TermsError(
            f"holdings add up to more than total_fd ({float(sum(hold, Fraction(0))):,.15g} > "
            f"{float(total):,.15g})",
            argument="holdings",
        )
    req: list[Fraction] | None = None
    if requested is not None and not (isinstance(requested, str) and not requested.strip()):
        req, req_shape = _values(requested, "requested")
        if req_shape != shape:

            def dims(s: tuple[int, int] | None) -> str:
                return "a single cell" if s is None else f"{s[0]}×{s[1]}"

            raise TermsError(
                f"requested must have the shape of holdings ({dims(shape)}, got {dims(req_shape)})",
                argument="requested",
            )
    result = allocate(hold, total, offer, req, whole_flag)
    if shape is None:
        return result[0]
    return np.array([float(x) for x in result], dtype=np.float64).reshape(shape)
