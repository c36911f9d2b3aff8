"""The reference of the fast-path tests: every fast path of LIQPREF, CONVSHARES, CASHINLIEU and
ADJPRICE switched off, so the public functions take the exact Fraction path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from xl_addin.terms import adjustments, conversion, liquidation


@contextmanager
def exact_path_only() -> Iterator[None]:
    """Every fast path off: the public functions take the Fraction path (the reference)."""
    off = mock.Mock(return_value=None)
    with (
        mock.patch.object(liquidation, "liquidation_preference_ratio", off),
        mock.patch.object(conversion, "conversion_shares_ratio", off),
        mock.patch.object(conversion, "cash_in_lieu_ratio", off),
        mock.patch.object(adjustments, "adjusted_conversion_price_ratio", off),
    ):
        yield
