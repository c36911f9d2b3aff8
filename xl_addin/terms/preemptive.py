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
from .parse import (
    Grid,
    at,
    is_range,
    location,
    number_array,
    parse_bool,
    parse_number,
    parse_optional,
)

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
            raise TermsError(at(exc.message, location(grid.shape, i)), argument=name) from None
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
    total = parse_number(total_fd, "total_fd", minimum=0, strict=True)
    offer = parse_number(offered, "offered", minimum=0)
    whole_flag = parse_bool(parse_optional(whole, False), "whole", False)
    if is_range(holdings) and _cells(holdings) >= _FAST_FROM:
        fast = _fast_allocation(holdings, total, offer, requested, whole_flag)
        if fast is not None:
            return fast
    hold, shape = _values(holdings, "holdings")
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
            raise TermsError(
                f"requested must have the shape of holdings ({_dims(shape)}, "
                f"got {_dims(req_shape)})",
                argument="requested",
            )
    result = allocate(hold, total, offer, req, whole_flag)
    if shape is None:
        return result[0]
    return np.array([float(x) for x in result], dtype=np.float64).reshape(shape)


def _dims(s: tuple[int, int] | None) -> str:
    return "a single cell" if s is None else f"{s[0]}×{s[1]}"


#: Holders from which the vectorised integer path pays off (below it, Fractions are quicker).
_FAST_FROM = 32


def _cells(value: Any) -> int:
    """About how many cells a range has (it only picks the quicker path): rows × first width."""
    if isinstance(value, np.ndarray):
        return int(value.size)
    first = value[0] if len(value) else None
    return len(value) * (len(first) if isinstance(first, (list, tuple)) else 1)


#: Bound of the integer path: every product it forms stays below this (int64 is 2**63).
_LIMIT = 2**62


def _fast_allocation(
    holdings: Any, total: Fraction, offer: Fraction, requested: Any, whole: bool
) -> npt.NDArray[np.float64] | None:
    """Section 9(a) over ranges of whole numbers, exactly, without a Python loop per holder.

    The common case -- share counts and requests whole numbers (the offer and the Fully Diluted
    count may be any numbers) -- is computed in integers over one common denominator (int64
    where the products fit, Python ints where a product may not); anything else returns None
    and :func:`allocate` (Fractions) does it. Same answers as :func:`allocate` (a Hypothesis
    test checks it).
    """
    h_f = number_array(holdings, "holdings", minimum=0)
    r_f = None
    if requested is not None and not (isinstance(requested, str) and not requested.strip()):
        if not is_range(requested):
            raise TermsError(
                f"requested must have the shape of holdings ({_dims(h_f.shape)}, "
                "got a single cell)",
                argument="requested",
            )
        r_f = number_array(requested, "requested", minimum=0)
        if r_f.shape != h_f.shape:
            raise TermsError(
                f"requested must have the shape of holdings ({_dims(h_f.shape)}, "
                f"got {_dims(r_f.shape)})",
                argument="requested",
            )
    arrays = [h_f] if r_f is None else [h_f, r_f]
    if any((a.size and (np.floor(a) != a).any()) or (a >= 2.0**53).any() for a in arrays):
        return None  # fractional or huge: the Fraction path
    # share_i = offer × h_i / total = units × h_i / fd, with integers units and fd
    units = offer.numerator * total.denominator
    fd = total.numerator * offer.denominator
    h = h_f.astype(np.int64).ravel()
    held = sum(h.tolist())
    if held > total:
        raise TermsError(
            f"holdings add up to more than total_fd ({held:,} > {float(total):,.15g})",
            argument="holdings",
        )
    r = None if r_f is None else r_f.astype(np.int64).ravel()
    if units * fd >= _LIMIT or (h.size and int(h.max()) * units >= _LIMIT):
        return None
    if r is not None and r.size and int(r.max()) * fd >= _LIMIT:
        return None
    if r is not None and not whole:
        floats = _float_allocation(h, fd, units, r)
        if floats is None:
            return None
        return floats.reshape(h_f.shape)
    num, den = _integer_allocation(h, fd, units, r)
    if num is None:
        return None
    # Python int / int division rounds exactly once
    out = _whole_integer(num, den, r) if whole else np.array((num / den).tolist(), np.float64)
    return out.reshape(h_f.shape)


def _integer_allocation(
    h: npt.NDArray[np.int64], fd: int, units: int, r: npt.NDArray[np.int64] | None
) -> tuple[Any, int]:
    """Allocation numerators (an object array of ints) over one denominator, or (None, 0)."""
    share_num = units * h  # each pro rata share is share_num / fd
    if r is None:
        return share_num.astype(object), fd
    req_num = r * fd
    base = np.minimum(req_num, share_num)
    pool = int((share_num - base).sum())
    want = np.where((req_num >= share_num) & (h > 0), req_num - share_num, 0)
    total_want = sum(want.tolist())
    if pool <= 0 or total_want == 0:
        return base.astype(object), fd
    if total_want <= pool:
        return (base + want).astype(object), fd
    # water level λ: electors get min(want, λ·h); find it by the sorted levels, then verify
    electors = np.flatnonzero(want > 0)
    w, hh = want[electors], h[electors]
    order = np.argsort(w / hh, kind="stable")
    w, hh, electors = w[order], hh[order], electors[order]
    filled = np.concatenate(([0.0], np.cumsum(w, dtype=np.float64)[:-1]))
    rest = np.cumsum(hh[::-1], dtype=np.float64)[::-1]
    k = int(np.argmax(filled + (w / hh) * rest >= pool))
    level_num = pool - sum(w[:k].tolist())  # λ = level_num / level_den exactly
    level_den = sum(hh[k:].tolist())
    wo, ho = w.astype(object), hh.astype(object)
    capped_ok = (wo[:k] * level_den <= level_num * ho[:k]).all() and (
        wo[k:] * level_den >= level_num * ho[k:]
    ).all()
    if level_num < 0 or level_den <= 0 or not capped_ok:
        return None, 0  # float ordering was not decisive: exact Fractions instead
    num = base.astype(object) * level_den
    extra = np.concatenate((wo[:k] * level_den, level_num * ho[k:]))
    num[electors] += extra
    return num, fd * level_den


#: Below this, an int64 and its float64 are the same number; a quotient of two such is rounded once.
_EXACT_FLOAT = 2**53
#: Relative margin within which a float comparison of two products is re-decided in Python ints
#: (the float products are within a few ulps, 1e-15, of the exact ones).
_MARGIN = 1e-12


def _exact_quotients(num: npt.NDArray[np.int64], den: int) -> npt.NDArray[np.float64]:
    """``num / den`` element-wise, each the float nearest the exact quotient."""
    if den < _EXACT_FLOAT and (num.size == 0 or int(np.abs(num).max()) < _EXACT_FLOAT):
        # both exactly representable: IEEE division rounds the exact quotient once
        quotient: npt.NDArray[np.float64] = num.astype(np.float64) / float(den)
        return quotient
    return np.array([n / den for n in num.tolist()], dtype=np.float64)


def _all_at_most(a: npt.NDArray[np.int64], x: int, b: npt.NDArray[np.int64], y: int) -> bool:
    """Whether ``a × x <= b × y`` for every element, exactly: decided in floats where the two
    products are farther apart than a float's error, in Python ints where they are close."""
    fa = a.astype(np.float64) * float(x)
    fb = b.astype(np.float64) * float(y)
    close = np.abs(fa - fb) <= _MARGIN * np.maximum(np.abs(fa), np.abs(fb))
    if (~close & (fa > fb)).any():
        return False
    idx = np.flatnonzero(close)
    return all(int(a[i]) * x <= int(b[i]) * y for i in idx.tolist())


def _float_allocation(
    h: npt.NDArray[np.int64], fd: int, units: int, r: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64] | None:
    """:func:`_integer_allocation` with requests, straight to the floats a cell shows, each the
    float nearest the exact allocation, without a Python int per holder where none is needed:

    * a holder asking less than its share, or an elector capped by its request, gets its request
      ``r_i`` (a whole number, exact as a float);
    * any other holder its pro rata share ``units × h_i / fd`` (one rounding);
    * an elector below the water level ``λ = level_num / (fd × level_den)`` its share plus
      ``λ × h_i``: ``h_i × (units × level_den + level_num) / (fd × level_den)`` (Python ints,
      one rounding).

    None when the float ordering of the water levels is not confirmed exactly (then Fractions).
    """
    share_num = units * h  # each pro rata share is share_num / fd
    req_num = r * fd
    asks_less = req_num < share_num
    shares = _exact_quotients(share_num, fd)
    requests = r.astype(np.float64)
    out: npt.NDArray[np.float64] = np.where(asks_less, requests, shares)
    pool = sum(np.where(asks_less, share_num - req_num, 0).tolist())
    want = np.where(~asks_less & (h > 0), req_num - share_num, 0)
    total_want = sum(want.tolist())
    if pool <= 0 or total_want == 0:
        return out
    if total_want <= pool:
        return np.where(want > 0, requests, out)
    electors = np.flatnonzero(want > 0)
    w, hh = want[electors], h[electors]
    order = np.argsort(w / hh, kind="stable")
    w, hh, electors = w[order], hh[order], electors[order]
    filled = np.concatenate(([0.0], np.cumsum(w, dtype=np.float64)[:-1]))
    rest = np.cumsum(hh[::-1], dtype=np.float64)[::-1]
    k = int(np.argmax(filled + (w / hh) * rest >= pool))
    level_num = pool - sum(w[:k].tolist())  # λ = level_num / (fd × level_den) exactly
    level_den = sum(hh[k:].tolist())
    if level_num < 0 or level_den <= 0:
        return None
    # the first k are full at λ (want_i <= λ·h_i), the others are not (want_i >= λ·h_i)
    if not (
        _all_at_most(w[:k], level_den, hh[:k], level_num)
        and _all_at_most(hh[k:], level_num, w[k:], level_den)
    ):
        return None  # float ordering was not decisive: exact Fractions instead
    out[electors[:k]] = requests[electors[:k]]
    out[electors[k:]] = _scaled_exactly(hh[k:], units * level_den + level_num, fd * level_den)
    return out


_SPLIT = 134_217_729.0  # 2**27 + 1: Veltkamp's split of a double into two 26-bit halves


def _split(a: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    t = _SPLIT * a
    hi = t - (t - a)
    return hi, a - hi


def _scaled_exactly(h: npt.NDArray[np.int64], top: int, bottom: int) -> npt.NDArray[np.float64]:
    """``h_i × top / bottom`` element-wise (``0 <= h_i < 2**53``, ``top >= 0``, ``bottom > 0``),
    each the float nearest the exact value, vectorised.

    ``c = top / bottom`` is held as two doubles ``c_hi + c_lo`` (to about 2**-106). Each
    ``h × c_hi`` is split exactly into ``p + e`` (Dekker's product), ``d = e + h × c_lo``, and
    ``p + d = s + z`` exactly (Knuth's sum), so ``h × c = s + z`` to within 2**-100 relative:
    ``s`` is the float nearest ``h × c`` unless ``s + z`` lies within that of a midpoint between
    ``s`` and a neighbour. Those few are divided in Python ints instead.
    """
    c = Fraction(top, bottom)
    c_hi = top / bottom
    c_lo = float(c - Fraction(c_hi))
    a = h.astype(np.float64)
    if not (0.0 < c_hi < 2.0**900 and c_hi > 2.0**-900):
        return np.array([x * top / bottom for x in h.tolist()], dtype=np.float64)
    p = a * c_hi
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(np.asarray(c_hi, dtype=np.float64))
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo  # p + e = a × c_hi exactly
    d = e + a * c_lo
    out = p + d
    back = out - p
    z = (p - (out - back)) + (d - back)  # p + d = out + z exactly
    below = out - np.nextafter(out, 0.0)
    above = np.nextafter(out, np.inf) - out
    tol = np.abs(out) * 2.0**-90
    safe = np.where(z >= 0, z < above / 2 - tol, -z < below / 2 - tol)
    for i in np.flatnonzero(~safe).tolist():
        out[i] = int(h[i]) * top / bottom
    return out


def _whole_integer(num: Any, den: int, r: npt.NDArray[np.int64] | None) -> npt.NDArray[np.float64]:
    """Whole units (see :func:`_whole_units`) from exact numerators over ``den``."""
    floors = num // den
    rem = num - floors * den
    left = sum(num.tolist()) // den - sum(floors.tolist())
    if left > 0:
        order = sorted(np.flatnonzero(rem > 0).tolist(), key=lambda i: (-rem[i], i))
        for i in order:
            if left <= 0:
                break
            if r is not None and floors[i] + 1 > r[i]:
                continue
            floors[i] += 1
            left -= 1
    return np.array(floors.tolist(), dtype=np.float64)
