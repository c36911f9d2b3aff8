"""Section 5(b): the Qualified Public Offering test (mandatory conversion).

A Qualified Public Offering is "an underwritten public offering of shares of Common Stock for
which the Corporation has obtained a firm commitment from one or more underwriter(s) for at least
$75 million of Common Stock and in which the Corporation receives gross proceeds from the sale of
Common Stock to the public of at least $56.25 million (before deduction of underwriter's
discounts and commissions), and which values the equity of the Corporation at no less than $400
million pre-offering". On its closing every Series A share converts automatically.

All three thresholds are inclusive ("at least", "no less than").

Worked example: firm commitment $80,000,000, gross proceeds $50,000,000, pre-offering equity
$450,000,000 → not qualified: ``fails 5(b): gross proceeds $50,000,000 < $56,250,000``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .constants import QPO_FIRM_COMMITMENT, QPO_GROSS_PROCEEDS, QPO_PRE_OFFERING_EQUITY
from .parse import parse_bool, parse_number, parse_optional

__all__ = ["QPOResult", "money", "qualified_public_offering"]


def money(value: Fraction | Decimal | int) -> str:
    """Dollars for a message: ``$56,250,000``, ``$12.31``, or up to six decimals (``$16.2492``).

    >>> money(Fraction(225, 4))
    '$56.25'
    """
    v = Fraction(value)
    sign = "-" if v < 0 else ""
    v = abs(v)
    if v.denominator == 1:
        return f"{sign}${v.numerator:,}"
    if (v * 100).denominator == 1:
        cents = int(v * 100)
        return f"{sign}${cents // 100:,}.{cents % 100:02d}"
    micro = round(v * 10**6)  # not whole cents: up to six decimals, trailing zeros dropped
    return f"{sign}${micro // 10**6:,}.{micro % 10**6:06d}".rstrip("0")


@dataclass(frozen=True)
class QPOResult:
    """The 5(b) answer: ``qualified`` and one line per failing condition."""

    qualified: bool
    failures: tuple[str, ...]

    def message(self) -> str:
        if self.qualified:
            return "Qualified Public Offering (5(b))"
        return "fails 5(b): " + "; ".join(self.failures)


def qualified_public_offering(
    firm_commitment: Any,
    gross_proceeds: Any,
    pre_offering_equity: Any,
    underwritten: Any = True,
) -> QPOResult:
    """Section 5(b): whether an offering is a Qualified Public Offering, and what fails.

    ``firm_commitment``: dollars of Common Stock the underwriters firmly committed to;
    ``gross_proceeds``: to the Corporation, before underwriting discounts and commissions;
    ``pre_offering_equity``: the equity value the offering implies before it;
    ``underwritten``: whether it is an underwritten public offering of Common Stock.

    >>> qualified_public_offering(75_000_000, 56_250_000, 400_000_000).qualified
    True
    """
    fc = parse_number(firm_commitment, "firm_commitment", minimum=0)
    gp = parse_number(gross_proceeds, "gross_proceeds", minimum=0)
    eq = parse_number(pre_offering_equity, "pre_offering_equity", minimum=0)
    uw = parse_bool(parse_optional(underwritten, True), "underwritten", True)
    fails: list[str] = []
    if not uw:
        fails.append("not an underwritten public offering of Common Stock")
    if fc < Fraction(QPO_FIRM_COMMITMENT):
        fails.append(f"firm commitment {money(fc)} < {money(QPO_FIRM_COMMITMENT)}")
    if gp < Fraction(QPO_GROSS_PROCEEDS):
        fails.append(f"gross proceeds {money(gp)} < {money(QPO_GROSS_PROCEEDS)}")
    if eq < Fraction(QPO_PRE_OFFERING_EQUITY):
        fails.append(f"pre-offering equity {money(eq)} < {money(QPO_PRE_OFFERING_EQUITY)}")
    return QPOResult(not fails, tuple(fails))
