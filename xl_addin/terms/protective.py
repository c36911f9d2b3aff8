"""Section 4(b): the protective provisions -- which actions need the Series A majority's consent.

Until a Qualified Public Offering, or until the Series A holders (with Affiliates) hold less than
50% of the Series A shares issued under the Preferred Stock Purchase Agreement (as adjusted,
determined after the Subsequent Closing), the Corporation may not without "the affirmative vote
or written consent of the holders of a majority of the shares of Series A" take the actions of
4(b)(A)-(U). This module checks the quantitative ones ("in excess of $15 million" is strict:
exactly $15,000,000 does not need consent):

========================= ======= ==========================================================
kind                      clause  consent needed when
========================= ======= ==========================================================
COMMITMENT                (H)     financial commitment beyond the Annual Budget > $15M
LIEN                      (J)     encumbered assets > $15M, unless ordinary-course financing
CAPEX                     (K)     capital expenditure in the fiscal year > $15M, not in budget
ACQUISITION               (L),(P) (L) > $15M not in budget; (P) > $15M not in normal course
DEBT                      (M)     indebtedness, guarantees, leases > $15M, not in budget
DISPOSAL                  (P)     assets disposed of > $15M other than in normal course
STOCK_ACQUISITION         (B)     Common Stock as acquisition consideration (Board approval
                                  without the Series A director) > $15M (B)(iv)
ISSUANCE                  (B)     any other capital stock, options or warrants (always;
                                  the (B)(i)-(vii) exceptions are for the user to judge)
JUNIOR_DIVIDEND           (F)     any dividend or distribution on Junior Stock (always)
========================= ======= ==========================================================

``amount`` is the aggregate for the Corporation and its subsidiaries taken together;
``in_budget`` means "prescribed in the Annual Budget"; ``ordinary_course`` means in the
normal/ordinary course of business (for (J) and (P)).

Worked example: new debt of $20,000,000 not in the Annual Budget, Series A at 60% of its issued
shares, no QPO → consent required under 4(b)(M).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .constants import PROTECTIVE_SURVIVAL_FRACTION, PROTECTIVE_THRESHOLD
from .parse import parse_bool, parse_number, parse_optional, parse_text
from .qualified_public_offering import money

__all__ = ["ACTION_KINDS", "ConsentResult", "consent_required"]

ACTION_KINDS = (
    "COMMITMENT",
    "LIEN",
    "CAPEX",
    "ACQUISITION",
    "DEBT",
    "DISPOSAL",
    "STOCK_ACQUISITION",
    "ISSUANCE",
    "JUNIOR_DIVIDEND",
)

_WHAT = {
    "COMMITMENT": "financial commitment beyond the Annual Budget",
    "LIEN": "lien on assets",
    "CAPEX": "capital expenditure",
    "ACQUISITION": "acquisition",
    "DEBT": "indebtedness",
    "DISPOSAL": "asset disposal",
    "STOCK_ACQUISITION": "Common Stock issued for an acquisition",
}


@dataclass(frozen=True)
class ConsentResult:
    """Whether the Series A majority must consent, the clauses, and the reason in one line."""

    required: bool
    clauses: tuple[str, ...]
    reason: str


def consent_required(
    kind: Any,
    amount: Any = 0,
    in_budget: Any = False,
    ordinary_course: Any = False,
    holdings_fraction: Any = 1,
    after_qpo: Any = False,
) -> ConsentResult:
    """Section 4(b): whether an action needs the consent of a Series A majority, and why.

    ``holdings_fraction``: Series A held now / Series A issued under the Preferred Stock
    Purchase Agreement (as adjusted); below 50% the provisions have lapsed, as after a QPO.

    >>> consent_required("DEBT", 20_000_000).clauses
    ('4(b)(M)',)
    """
    k = parse_text(kind, "kind", ACTION_KINDS)
    amt = parse_number(parse_optional(amount, 0), "amount", minimum=0)
    budget = parse_bool(parse_optional(in_budget, False), "in_budget", False)
    normal = parse_bool(parse_optional(ordinary_course, False), "ordinary_course", False)
    held = parse_number(parse_optional(holdings_fraction, 1), "holdings_fraction", minimum=0)
    qpo = parse_bool(parse_optional(after_qpo, False), "after_qpo", False)
    if qpo:
        return ConsentResult(False, (), "no consent: 4(b) ended at the Qualified Public Offering")
    if held < Fraction(PROTECTIVE_SURVIVAL_FRACTION):
        return ConsentResult(
            False, (), "no consent: 4(b) lapsed, Series A holds less than 50% of shares issued"
        )
    limit = Fraction(PROTECTIVE_THRESHOLD)
    over = amt > limit
    clauses: list[tuple[str, str]] = []
    if k == "ISSUANCE":
        clauses.append(("4(b)(B)", "issue of capital stock, options or warrants"))
    elif k == "JUNIOR_DIVIDEND":
        clauses.append(("4(b)(F)", "dividend or distribution on Junior Stock"))
    elif over:
        size = f"{_WHAT[k]} {money(amt)} > {money(limit)}"
        if k == "STOCK_ACQUISITION":
            clauses.append(("4(b)(B)", size + " (B)(iv)"))
        if k == "COMMITMENT" and not budget:
            clauses.append(("4(b)(H)", size))
        if k == "LIEN" and not normal:
            clauses.append(("4(b)(J)", size + " not ordinary-course financing"))
        if k == "CAPEX" and not budget:
            clauses.append(("4(b)(K)", size + " not in the Annual Budget"))
        if k == "ACQUISITION" and not budget:
            clauses.append(("4(b)(L)", size + " not in the Annual Budget"))
        if k == "DEBT" and not budget:
            clauses.append(("4(b)(M)", size + " not in the Annual Budget"))
        if k in ("ACQUISITION", "DISPOSAL") and not normal:
            clauses.append(("4(b)(P)", size + " not in the normal course of business"))
    if not clauses:
        return ConsentResult(False, (), f"no consent needed under 4(b) for {k}")
    return ConsentResult(
        True,
        tuple(c for c, _ in clauses),
        "consent required: " + "; ".join(f"{c} {why}" for c, why in clauses),
    )
