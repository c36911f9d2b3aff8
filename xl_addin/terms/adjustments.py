"""Section 6: adjustment of the Conversion Price for one event.

``fd_before`` is Fully Diluted Outstanding Common Stock (Section 6(a)) just before the event and
``shares`` the change in it that the event makes.

* ``SPLIT``, ``DIVIDEND`` (a dividend in Additional Shares), ``COMBINATION`` -- Section 6(b)::

      conversion_price × fd_before / (fd_before + shares)

  (``shares`` > 0 for a split or stock dividend, < 0 for a combination).
* ``ISSUE`` -- Section 6(c): only when the consideration per Additional Share (``price``) is
  below the applicable Conversion Price. Before (or in connection with) a Qualified Private
  Offering the price falls to ``price`` (full ratchet, 6(c)(i)); after it::

      (fd_before × conversion_price + shares × price) / (fd_before + shares)

  (weighted average, 6(c)(ii): "(x) ... Fully Diluted Outstanding ... multiplied by the then
  existing Conversion Price plus (y) the aggregate consideration ..., by (B) the total number of
  Fully Diluted Outstanding shares ... immediately after").
* ``WARRANT``, ``CONVERTIBLE`` -- Sections 6(d), 6(e): as ``ISSUE`` with ``shares`` the maximum
  issuable and ``price`` the lowest total consideration per share (6(g)(i): what was paid for the
  instrument plus the exercise or conversion payment, per share).
* ``PERMITTED`` -- a Permitted Issuance (Section 6(a)): no adjustment.

Section 6(i): the Corporation may not enter into a transaction that would take the Conversion
Price below the par value of the Common Stock ($.02), so an adjusted price is never below
``par_value``. The price is not rounded.

Worked example (6(c)(ii)): $12.31, 1,000,000 shares issued at $10.00 after the QPO, 10,000,000
Fully Diluted before: (10,000,000 × 12.31 + 1,000,000 × 10.00) / 11,000,000 = $12.10.

A consideration of zero is allowed: the certificate contemplates issues for no consideration
("the aggregate consideration, if any", 6(c)(ii)); the par floor then applies.
"""

from __future__ import annotations

from enum import Enum
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ._vector import broadcast_all, common_decimal_ints, exact_where, refine
from .constants import COMMON_PAR_VALUE
from .errors import TermsError
from .parse import (
    SCALE,
    Grid,
    at,
    first_bad,
    flat_rows,
    is_range,
    location,
    number_array,
    parse_bool,
    parse_number,
    parse_number_grid,
    parse_optional,
    parse_text,
    scaled,
)

__all__ = ["Event", "adjust", "adjusted_conversion_price", "adjusted_conversion_price_ratio"]


class Event(str, Enum):
    """The one-event kinds ADJPRICE takes, with the section each applies."""

    SPLIT = "SPLIT"
    DIVIDEND = "DIVIDEND"
    COMBINATION = "COMBINATION"
    ISSUE = "ISSUE"
    WARRANT = "WARRANT"
    CONVERTIBLE = "CONVERTIBLE"
    PERMITTED = "PERMITTED"

    @property
    def section(self) -> str:
        return _SECTIONS[self]


_SECTIONS = {
    Event.SPLIT: "6(b)(ii)",
    Event.DIVIDEND: "6(b)(i)",
    Event.COMBINATION: "6(b)(iii)",
    Event.ISSUE: "6(c)",
    Event.WARRANT: "6(d)",
    Event.CONVERTIBLE: "6(e)",
    Event.PERMITTED: "6(a) Permitted Issuances",
}
_SUBDIVISIONS = (Event.SPLIT, Event.DIVIDEND, Event.COMBINATION)
_ISSUES = (Event.ISSUE, Event.WARRANT, Event.CONVERTIBLE)
_NAMES = tuple(e.value for e in Event)
_CODES = {name: i for i, name in enumerate(_NAMES)}
#: Event names as commonly typed (upper, lower, title case) → code, for the fast path.
_EXACT_CODES = {
    form: code for name, code in _CODES.items() for form in (name, name.lower(), name.title())
}


def adjust(
    conversion_price: Fraction,
    event: Event,
    fd_before: Fraction,
    shares: Fraction | int,
    price: Fraction | None,
    after_qpo: bool,
    par_value: Fraction,
) -> Fraction:
    """The exact rule of Section 6 for one event, on already-validated inputs."""
    if event in _SUBDIVISIONS:
        new = conversion_price * fd_before / (fd_before + shares)
    elif event in _ISSUES:
        assert price is not None
        if price >= conversion_price:
            return conversion_price
        if after_qpo:
            new = (fd_before * conversion_price + shares * price) / (fd_before + shares)
        else:
            new = price
    else:
        return conversion_price
    if new < conversion_price and new < par_value:
        # Section 6(i) stops a decrease at par; it never lifts a price already below par.
        return min(conversion_price, par_value)
    return new


def _check_event_shares(event: Event, shares: Fraction, fd_before: Fraction, where: str) -> None:
    if fd_before + shares <= 0:
        raise TermsError(
            f"fd_before + shares must be > 0 (got {_show(fd_before + shares)}{where})",
            argument="shares",
        )
    if event in (Event.SPLIT, Event.DIVIDEND) and shares < 0:
        raise TermsError(
            f"shares must be >= 0 for {event.value} (got {_show(shares)}{where})", argument="shares"
        )
    if event is Event.COMBINATION and shares > 0:
        raise TermsError(
            f"shares must be <= 0 for COMBINATION (got {_show(shares)}{where})", argument="shares"
        )
    if event in _ISSUES and shares < 0:
        raise TermsError(
            f"shares must be >= 0 for {event.value} (got {_show(shares)}{where})", argument="shares"
        )


def _show(x: Fraction | float) -> str:
    f = float(x)
    return str(int(f)) if f.is_integer() else format(f, ".15g")


def adjusted_conversion_price(
    conversion_price: Any,
    event_type: Any,
    fd_before: Any,
    shares: Any,
    price: Any = None,
    after_qpo: Any = False,
    par_value: Any = COMMON_PAR_VALUE,
) -> Fraction | npt.NDArray[np.float64]:
    """Section 6: the Conversion Price after one event (see the module docstring for rules).

    Single values give an exact :class:`~fractions.Fraction`; if any argument is a range, the
    result is a float array of the broadcast shape, element by element.
    """
    fast = adjusted_conversion_price_ratio(
        conversion_price, event_type, fd_before, shares, price, after_qpo, par_value
    )
    if fast is not None:
        return Fraction(*fast)
    par_value = parse_optional(par_value, COMMON_PAR_VALUE)
    after_qpo = parse_optional(after_qpo, False)
    args = (conversion_price, event_type, fd_before, shares, price, after_qpo, par_value)
    if not any(is_range(a) for a in args):
        cp = parse_number(conversion_price, "conversion_price", minimum=0, strict=True)
        kind = Event(parse_text(event_type, "event_type", _NAMES))
        fd = parse_number(fd_before, "fd_before", minimum=0, strict=True)
        n = parse_number(shares, "shares")
        qpo = parse_bool(after_qpo, "after_qpo", False)
        par = parse_number(par_value, "par_value", minimum=0)
        p: Fraction | None = None
        if kind in _ISSUES:
            if price is None or (isinstance(price, str) and not price.strip()):
                raise TermsError(f"price is required for {kind.value}", argument="price")
            p = parse_number(price, "price", minimum=0)
        _check_event_shares(kind, n, fd, "")
        return adjust(cp, kind, fd, n, p, qpo, par)
    return _adjust_array(
        conversion_price, event_type, fd_before, shares, price, after_qpo, par_value
    )


#: Section 6(i)'s par value in units of 10**-6 (exact: the constant is a Decimal).
_PAR = int(COMMON_PAR_VALUE * SCALE)
_SUBDIVISION_CODES = frozenset(_CODES[e.value] for e in _SUBDIVISIONS)
_ISSUE_CODES = frozenset(_CODES[e.value] for e in _ISSUES)
_NONNEGATIVE_CODES = frozenset(_CODES[e.value] for e in (Event.SPLIT, Event.DIVIDEND, *_ISSUES))
_COMBINATION = _CODES[Event.COMBINATION.value]


def adjusted_conversion_price_ratio(
    conversion_price: Any,
    event_type: Any,
    fd_before: Any,
    shares: Any,
    price: Any = None,
    after_qpo: Any = False,
    par_value: Any = COMMON_PAR_VALUE,
) -> tuple[int, int] | None:
    """:func:`adjusted_conversion_price` of single plain numbers as an exact ``(numerator,
    denominator)`` of ints (the fast path of a cell, no Fraction made); None when an argument
    is anything else or invalid -- :func:`adjusted_conversion_price` then reads it or says what
    is wrong. The rules of :func:`adjust`, with every number ``x`` held as ``X = x × 10**6``
    (:func:`~.parse.scaled`) and comparisons of ratios cross-multiplied (denominators > 0)::

        6(b):      cp × fd / (fd + n)            = CP × FD / (10**6 × (FD + N))
        6(c)(ii):  (fd × cp + n × p) / (fd + n)  = (FD × CP + N × P) / (10**6 × (FD + N))
    """
    code = _EXACT_CODES.get(event_type) if type(event_type) is str else None
    if after_qpo is None or after_qpo is False:
        qpo = False
    elif after_qpo is True:
        qpo = True
    else:
        return None
    cp = scaled(conversion_price)
    fd = scaled(fd_before)
    n = scaled(shares)
    par = _PAR if par_value is None or par_value is COMMON_PAR_VALUE else scaled(par_value)
    if code is None or cp is None or fd is None or n is None or par is None:
        return None
    if cp <= 0 or fd <= 0 or par < 0 or fd + n <= 0:
        return None
    if (code in _NONNEGATIVE_CODES and n < 0) or (code == _COMBINATION and n > 0):
        return None
    if code in _SUBDIVISION_CODES:
        num, den = cp * fd, SCALE * (fd + n)
    elif code in _ISSUE_CODES:
        p = scaled(price)
        if p is None or p < 0:
            return None
        if p >= cp:
            return cp, SCALE
        if qpo:
            num, den = fd * cp + n * p, SCALE * (fd + n)
        else:
            num, den = p, SCALE
    else:  # a Permitted Issuance: no adjustment
        return cp, SCALE
    # Section 6(i): a decrease stops at par; a price already below par is not lifted
    if num * SCALE < cp * den and num * SCALE < par * den:
        return min(cp, par), SCALE
    return num, den


def _event_codes(event: Any) -> npt.NDArray[np.int64]:
    if not is_range(event):
        return np.asarray(_CODES[parse_text(event, "event_type", _NAMES)], dtype=np.int64)
    fast = flat_rows(event)
    if fast is not None:
        # the common case: every cell an event name as typed -- a C-level dictionary lookup
        try:  # an unknown name maps to None, which fromiter refuses: the careful path says why
            found = np.fromiter(map(_EXACT_CODES.get, fast[0]), dtype=np.int64, count=len(fast[0]))
        except TypeError:
            pass
        else:
            return found.reshape(fast[1])
    grid = Grid(event, "event_type")
    flat = grid.values()
    codes = np.empty(len(flat), dtype=np.int64)
    for key in set(map(_event_key, flat)):
        if key not in _CODES:
            i = next(j for j, v in enumerate(flat) if _event_key(v) == key)
            try:
                parse_text(flat[i], "event_type", _NAMES)
            except TermsError as exc:
                raise TermsError(
                    at(exc.message, location(grid.shape, i)), argument="event_type"
                ) from None
    keys = np.array([_CODES.get(_event_key(v), -1) for v in flat], dtype=np.int64)
    codes[:] = keys
    return codes.reshape(grid.shape)


def _event_key(v: Any) -> str:
    return v.strip().upper() if isinstance(v, str) else f"\x00{type(v).__name__}"


def _bool_array(value: Any) -> npt.NDArray[np.bool_]:
    if not is_range(value):
        return np.asarray(parse_bool(value, "after_qpo", False))
    fast = flat_rows(value)
    if fast is not None and set(map(type, fast[0])) == {bool}:
        flags: npt.NDArray[np.bool_] = np.fromiter(fast[0], dtype=np.bool_, count=len(fast[0]))
        return flags.reshape(fast[1])
    grid = Grid(value, "after_qpo")
    flat = grid.values()
    out = np.empty(len(flat), dtype=bool)
    for i, v in enumerate(flat):
        try:
            out[i] = parse_bool(v, "after_qpo", False)
        except TermsError as exc:
            raise TermsError(
                at(exc.message, location(grid.shape, i)), argument="after_qpo"
            ) from None
    return out.reshape(grid.shape)


def _adjust_array(
    conversion_price: Any,
    event_type: Any,
    fd_before: Any,
    shares: Any,
    price: Any,
    after_qpo: Any,
    par_value: Any,
) -> npt.NDArray[np.float64]:
    if price is None:
        price_arr = np.asarray(np.nan)
    elif is_range(price):
        price_arr = parse_number_grid(price, "price", minimum=0, allow_empty=True)
    else:
        price_arr = np.asarray(float(parse_number(price, "price", minimum=0)))
    a = broadcast_all(
        {
            "conversion_price": number_array(
                conversion_price, "conversion_price", minimum=0, strict=True
            ),
            "event": _event_codes(event_type),
            "fd_before": number_array(fd_before, "fd_before", minimum=0, strict=True),
            "shares": number_array(shares, "shares"),
            "price": price_arr,
            "after_qpo": _bool_array(after_qpo),
            "par_value": number_array(par_value, "par_value", minimum=0),
        }
    )
    cp, ev, fd, n = a["conversion_price"], a["event"], a["fd_before"], a["shares"]
    p, qpo, par = a["price"], a["after_qpo"], a["par_value"]
    shape = cp.shape
    sub = np.isin(ev, [_CODES[e.value] for e in _SUBDIVISIONS])
    iss = np.isin(ev, [_CODES[e.value] for e in _ISSUES])
    # validation, first offending element named
    checks: list[tuple[npt.NDArray[np.bool_], str, str]] = [
        (fd + n <= 0, "fd_before + shares must be > 0", "shares"),
        (
            np.isin(ev, [_CODES["SPLIT"], _CODES["DIVIDEND"]]) & (n < 0),
            "shares must be >= 0 for SPLIT and DIVIDEND",
            "shares",
        ),
        ((ev == _CODES["COMBINATION"]) & (n > 0), "shares must be <= 0 for COMBINATION", "shares"),
        (iss & (n < 0), "shares must be >= 0 for ISSUE, WARRANT and CONVERTIBLE", "shares"),
        (iss & np.isnan(p), "price is required for ISSUE, WARRANT and CONVERTIBLE", "price"),
    ]
    for mask, message, arg in checks:
        bad = first_bad(mask)
        if bad is not None:
            raise TermsError(f"{message} (in {location(shape, bad)})", argument=arg)
    out, ok = _adjust_lane(cp, ev, fd, n, p, qpo, par, sub, iss)
    if not ok.all():
        names = [e.value for e in Event]
        refine(
            out,
            ~ok,
            lambda c, e, f, s, pr, q, pv: adjust(c, Event(names[e]), f, s, pr, bool(q), pv),
            cp,
            ev,
            fd,
            n,
            p,
            qpo,
            par,
        )
    result: npt.NDArray[np.float64] = np.ascontiguousarray(out, dtype=np.float64)
    return result


def _adjust_lane(
    cp: npt.NDArray[np.float64],
    ev: npt.NDArray[np.int64],
    fd: npt.NDArray[np.float64],
    n: npt.NDArray[np.float64],
    p: npt.NDArray[np.float64],
    qpo: npt.NDArray[np.bool_],
    par: npt.NDArray[np.float64],
    sub: npt.NDArray[np.bool_],
    iss: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The rules of :func:`adjust` on exact integers (:func:`~._vector.decimal_ints`), where
    every integer is below 2**53 (``ok``); the others are left to the exact path.

    Prices (``cp``, ``p``, ``par``) are held over one power of ten ``10**c`` and share counts
    (``fd``, ``n``) over another, which cancels; the new price is ``NUM / (10**c × DEN)``::

        6(b):                      NUM = CP × FD,           DEN = FD + N
        6(c)(ii) after the QPO:    NUM = FD × CP + N × P,   DEN = FD + N
        6(c)(ii) before the QPO:   NUM = P,                 DEN = 1
        price >= cp, PERMITTED:    NUM = CP,                DEN = 1

    and 6(i)'s floor compares ``NUM < CP × DEN`` and ``NUM < PAR × DEN`` (``DEN > 0``), exactly
    as :func:`adjusted_conversion_price_ratio` does. The one division of two exact integers is
    correctly rounded, as the scalar form's ``int / int`` is.
    """
    (cpi, pi, pari), kc, (ok_cp, ok_p, ok_par) = common_decimal_ints(cp, np.where(iss, p, 0.0), par)
    (fdi, ni), _, (ok_fd, ok_n) = common_decimal_ints(fd, n)  # their power of ten cancels
    lower = iss & (pi < cpi)
    with np.errstate(invalid="ignore", over="ignore"):
        total = fdi + ni
        diluted = cpi * fdi
        added = ni * pi
        weighted = diluted + added
    num = np.where(sub, diluted, np.where(lower, np.where(qpo, weighted, pi), cpi))
    den = np.where(sub | (lower & qpo), total, 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        at_cp = cpi * den
        at_par = pari * den
        scale = 10.0**kc
        bottom = scale * den
    below = (num < at_cp) & (num < at_par)
    ok = exact_where(
        ok_cp & ok_p & ok_par & ok_fd & ok_n, total, diluted, added, weighted, at_cp, at_par, bottom
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(below, np.minimum(cpi, pari) / scale, num / np.where(ok, bottom, 1.0))
    return np.where(ok, out, 0.0), ok
