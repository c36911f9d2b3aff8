"""Correctly rounded floats of exact affine values, vectorised (double-double with a proof).

A column of exits in WATERFALL must give, cell for cell, the float a single cell gives: the
exact rational value rounded once (``float(Fraction)``, round to nearest, ties to even). The
values are affine in the exit's exact decimal ``D = m / 10**k``: ``X = A + B × m`` with exact
rationals ``A``, ``B`` (``B`` already divided by ``10**k`` and by any share count). Computing
``A + B × m`` in float64 rounds several times; here it is evaluated to about 106 bits
(double-double, error-free transformations) with a proven error bound ``delta``, and the float
``hi`` is kept only where the bound shows it is the correct rounding of ``X``. The rest -- rare
on ordinary inputs -- is left to the caller's exact path (``ok`` False).

Everything is IEEE binary64 with round to nearest, one rounding per numpy operation (numpy
does not fuse a multiply and an add). ``u = 2**-53``; for a result ``y = fl(x)`` (normal range)
``|x - y| <= u·|y|``.

Error-free transformations
    * Knuth's TwoSum: ``s = fl(a + b)``, ``z = fl(s - a)``,
      ``e = fl(fl(a - fl(s - z)) + fl(b - z))`` gives ``s + e = a + b`` exactly (any order of
      magnitudes, no overflow).
    * Veltkamp's split with ``2**27 + 1`` and Dekker's product: ``a = a_hi + a_lo`` (26 and 27
      bits), ``p = fl(a × b)``, ``e = (((a_hi·b_hi − p) + a_hi·b_lo) + a_lo·b_hi) + a_lo·b_lo``
      gives ``p + e = a × b`` exactly (no overflow, no underflow).

Evaluation of ``X = A + B × m`` (``0 <= m < 2**53`` a whole float)
    ``A = Ah + Al + rA`` with ``Ah = float(A)``, ``Al = float(A − Ah)`` (Python's
    ``float(Fraction)`` is correctly rounded), so ``|rA| <= u·|Al|``; likewise ``B = Bh + Bl
    + rB``, ``|rB| <= u·|Bl|``. Then

    1. ``p + e = Bh × m`` exactly (Dekker);
    2. ``t = fl(Bl × m)``: ``|t − Bl·m| <= u·|t|``, so also ``|Bl|·m <= (1 + u)·|t|``;
    3. ``s + se = Ah + p`` exactly (TwoSum);
    4. ``l = fl(fl(fl(Al + e) + t) + se)``: three roundings, the partial sums ``l1, l2, l`` at
       most ``(1 + u)**i × L`` with ``L = |Al| + |e| + |t| + |se|``, so ``l`` is within
       ``u·(|l1| + |l2| + |l|) <= u·(3 + 7u)·L`` of ``Al + e + t + se``;
    5. ``hi = fl(s + l)``, ``lo = fl(l − fl(hi − s))``: ``hi + lo = s + l`` exactly when
       ``|s| >= |l|`` (Dekker's Fast2Sum). When ``|s| < |l|`` (``Ah`` and ``p`` cancel),
       ``lo`` may be inexact, but such a cell fails the test below whatever ``lo`` is:
       ``|hi| <= (1 + u)·(|s| + |l|) < 2(1 + u)**4·L``, so ``half <= u·|hi| < delta``.

    ``X − (hi + lo) = (Al + e + t + se − l) − (t − Bl·m) + rA + rB·m``, so
    ``|X − (hi + lo)| <= u·(3 + 7u)·L + u·|t| + u·|Al| + u·(1 + u)·|t| <= u·(5 + 9u)·L``
    (``|Al|, |t| <= L``). ``L`` is bounded without looking at the cell: ``|e| <= u·|p|``,
    ``|se| <= u·|s|``, ``|s| <= (1 + u)·(|Ah| + |p|)``, ``|p| <= (1 + u)·|Bh|·m``, so
    ``L <= |Al| + u(1 + u)·|Ah| + ((1 + u)·|Bl| + u(2 + u)(1 + u)·|Bh|)·m``, computed per
    column as ``alpha + beta·m`` with ``alpha = |Al| + u·|Ah|``, ``beta = |Bl| + 2u·|Bh|`` (the
    factors ``1 + u`` round to 1). The error bound used is ``delta = 16u·(alpha + beta·M)``
    with ``M`` the largest ``m`` of the block of rows computed together (so ``>= m``):
    over three times ``u·(5 + 9u)·L``, a margin that covers those factors, the roundings in
    computing ``alpha``, ``beta``, ``delta`` and ``|lo| + delta`` (a few factors ``1 ± u``),
    and the ``u·|lo| <= u²·|hi| <= 2u²·(|Ah| + |p|) <= 2u·(alpha + beta·m)`` that rounding
    ``|lo| + delta`` may lose.

    No underflow or overflow: a column is evaluated only when each of ``Ah, Al, Bh, Bl`` is 0
    or of magnitude in ``[2**-800, 2**800]`` (else its coefficients are NaN, so every test
    below fails and the caller takes the exact path). Every intermediate is then 0 or a
    multiple of ``2**-905`` below ``2**856``: normal, finite, and the bounds above hold.
    A column with ``B = 0`` is ``float(A) = Ah`` itself (no arithmetic).

Rounding test
    For ``hi`` normal, let ``2**e`` be the exponent of ``|hi|``'s neighbour towards zero
    (``hi``'s own exponent bits, one less when ``|hi|`` is a power of two, whose neighbour
    below is half as far as the one above). Both neighbours of ``hi`` are then at least
    ``2**(e − 52)`` away, so ``float(X) == hi`` whenever ``|X − hi| < half = 2**(e − 53)``
    (exact: the exponent bits times ``u``). ``|X − hi| <= |lo| + delta``; the test is
    ``fl(|lo| + delta) < half``. Rounding is monotone and ``half`` a float, so passing it
    implies ``|lo| + delta < half`` (the margin above absorbs the rounding of the sum): a cell
    passing the test is exactly ``float(X)``. A cell with ``X`` exactly a midpoint, or closer
    to one than ``delta``, fails and is computed exactly by the caller; so does a cell whose
    ``hi`` is 0 or subnormal (``half`` is then 0) -- rare, and exact anyway on that path.

Exits as exact decimals (:func:`short_decimals`)
    :func:`~xl_addin.terms.parse.exact` reads a float ``x`` at 15 significant digits (a whole
    float below ``2**53`` as itself). When ``m = round(x × 10**k)`` has ``|m| < 10**15`` and
    ``fl(m / 10**k) == x``, ``x`` is the double nearest ``D = m / 10**k`` (IEEE division of
    exact operands is correctly rounded), ``|x − D| <= u·|D|``, less than half the spacing of
    15-digit decimals near ``D`` (at least ``10**-15·|D|``), and ``D`` has at most 15
    significant digits: so ``exact(x) == D``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt

__all__ = ["SCALES", "affine_coefficients", "nearest_affine", "short_decimals"]

_Array = npt.NDArray[np.float64]

#: Decimal scales ``k`` tried by :func:`short_decimals`, in this order (6: to the millionth,
#: below 10**9; 0: whole floats below 2**53; 2: cents, below 10**13).
SCALES = (6, 0, 2)
_SPLIT = 134_217_729.0  # 2**27 + 1: Veltkamp's split of a double into 26 + 27 bits
_U = 2.0**-53
_DELTA = 2.0**-49  # 16u: delta = 16u·(alpha + beta·M), see the module docstring
_EXPONENT = np.int64(0x7FF0_0000_0000_0000)
_LOW, _HIGH = 2.0**-800, 2.0**800  # the range of coefficients evaluated without fallback
_CHUNK = 8192  # cells per block of nearest_affine


def _split(a: _Array) -> tuple[_Array, _Array]:
    t = _SPLIT * a
    hi = t - (t - a)
    return hi, a - hi


def short_decimals(x: _Array) -> tuple[_Array, npt.NDArray[np.intp]]:
    """``(m, scale)`` with ``exact(x) == m / 10**SCALES[scale]`` exactly, ``m`` a whole float
    ``0 <= m < 2**53``; ``scale == -1`` where ``x`` (finite, ``>= 0``) is not read that way
    (then ``m`` is meaningless). See the module docstring for why the reading is exact.

    >>> m, s = short_decimals(np.array([12.31, 0.1 + 0.2, 2.0**52, 1e10 + 0.25]))
    >>> m.tolist(), s.tolist()
    ([12310000.0, 300000.0, 4503599627370496.0, 1000000000025.0], [0, -1, 1, 2])
    """
    with np.errstate(over="ignore", invalid="ignore"):
        m = np.rint(x * 1e6)
        hit = (m < 1e15) & (m / 1e6 == x)
        if hit.all():  # the common case: every exit a decimal of at most 6 places below 1e9
            return m, np.zeros(x.shape, dtype=np.intp)
        scale = np.where(hit, 0, -1).astype(np.intp)
        rest = np.flatnonzero(~hit)
        if rest.size:
            xr = x[rest]
            whole = (xr < 2.0**53) & (xr == np.floor(xr))
            m[rest[whole]] = xr[whole]
            scale[rest[whole]] = 1
            m2 = np.rint(xr * 100.0)
            cents = ~whole & (m2 < 1e15) & (m2 / 100.0 == xr)
            m[rest[cents]] = m2[cents]
            scale[rest[cents]] = 2
    return m, scale


def _double_double(q: Fraction) -> tuple[float, float]:
    hi = float(q)
    return hi, float(q - Fraction(hi))


def affine_coefficients(lines: Sequence[tuple[Fraction, Fraction]]) -> _Array:
    """The coefficients :func:`nearest_affine` takes for the columns ``A + B × m``: rows
    ``Ah, Al, Bh, Bh_hi, Bh_lo, Bl`` (``Bh = Bh_hi + Bh_lo`` split by Veltkamp) and the
    bound's ``delta0, delta1`` (``delta = delta0 + delta1 × m``), one column per line; NaN in
    a column outside the range proven safe (its cells then always fail the test)."""
    out = np.empty((8, len(lines)), dtype=np.float64)
    for j, (a, b) in enumerate(lines):
        ah, al = _double_double(a)
        bh, bl = _double_double(b)
        if all(v == 0 or _LOW <= abs(v) <= _HIGH for v in (ah, al, bh, bl)):
            bhh, bhl = _split(np.array(bh))
            # L <= alpha + beta·m; delta = 16u·(alpha + beta·M), M >= m (module docstring)
            alpha = abs(al) + _U * abs(ah)  # the factors 1 + u round to 1: in the margin
            beta = abs(bl) + 2 * _U * abs(bh)
            out[:, j] = (ah, al, bh, float(bhh), float(bhl), bl, _DELTA * alpha, _DELTA * beta)
        else:
            out[:, j] = np.nan
    return out


def nearest_affine(coef: _Array, m: _Array) -> tuple[_Array, npt.NDArray[np.bool_]]:
    """``float(A_j + B_j × m_i)`` for every ``m_i`` (whole floats, ``0 <= m < 2**53``) and
    column ``j`` of ``coef`` (from :func:`affine_coefficients`), and per row ``i`` whether
    all its floats are proven to be the correctly rounded exact values (module docstring).

    >>> coef = affine_coefficients([(Fraction(1, 3), Fraction(1, 10)), (Fraction(1, 3), 0)])
    >>> v, ok = nearest_affine(coef, np.array([0.0, 7.0]))
    >>> v[:, 0].tolist() == [float(Fraction(1, 3)), float(Fraction(1, 3) + Fraction(7, 10))]
    True
    >>> ok.tolist(), v[:, 1].tolist() == [float(Fraction(1, 3))] * 2
    ([True, True], True)
    """
    hi = np.empty((m.size, coef.shape[1]), dtype=np.float64)
    constant = (coef[2] == 0) & (coef[5] == 0)  # B = 0: the value is float(A) = Ah
    hi[:, constant] = coef[0, constant]
    linear = np.flatnonzero(~constant)
    if not linear.size or not m.size:
        return hi, np.ones(m.size, dtype=np.bool_)
    part = coef[:, linear, None]  # columns × rows: numpy's inner loops run along the rows
    vals = np.empty((linear.size, m.size), dtype=np.float64)
    good = np.empty(vals.shape, dtype=np.bool_)
    step = max(1, _CHUNK // linear.size)  # cache-sized blocks: far fewer page faults
    for i in range(0, m.size, step):
        _nearest_block(part, m[i : i + step], vals[:, i : i + step], good[:, i : i + step])
    hi[:, linear] = vals.T
    ok: npt.NDArray[np.bool_] = np.logical_and.reduce(good, axis=0)
    return hi, ok


def _nearest_block(coef: _Array, m: _Array, hi: _Array, ok: npt.NDArray[np.bool_]) -> None:
    ah, al, bh, bhh, bhl, bl, delta0, delta1 = coef
    delta = delta0 + delta1 * m.max()  # >= the delta of every cell of the block
    mm = m[None, :]
    mh, ml = _split(m)
    mh, ml = mh[None, :], ml[None, :]
    p = mm * bh
    e = mh * bhh
    e -= p
    e += mh * bhl
    e += ml * bhh
    e += ml * bhl  # p + e = Bh × m exactly (Dekker)
    t = mm * bl
    s = ah + p
    z = s - ah
    se = s - z
    np.subtract(ah, se, out=se)
    p -= z
    se += p  # s + se = Ah + p exactly (TwoSum)
    e += al
    e += t
    e += se  # low
    np.add(s, e, out=hi)
    np.subtract(hi, s, out=z)
    e -= z  # lo: hi + lo = s + low exactly when |s| >= |low| (Fast2Sum)
    np.abs(e, out=e)
    e += delta  # |lo| + delta
    bits = hi.view(np.int64)
    half = (bits & _EXPONENT).view(np.float64)
    below = bits - 1  # |hi|'s neighbour towards zero (hi != 0)
    below &= _EXPONENT
    np.minimum(half, below.view(np.float64), out=half)
    half *= _U  # the smaller half-spacing around hi (0 if hi is 0 or subnormal)
    np.less(e, half, out=ok)
