"""Section 4(b): the protective provisions -- which actions need the Series A majority's consent.

Until a Qualified Public Offering, or until the Series A holders (with Affiliates) hold less than
50% of the Series A shares issued under the Preferred Stock Purchase Agreement (as adjusted,
determined after the Subsequent Closing), the Corporation may not without "the affirmative vote
or written consent of the holders of a majority of the shares of Series A" (one vote per share,
4(d): see :mod:`.means_of_voting`) take any action of 4(b)(A)-(U). Every clause is a ``kind``;
where a number decides, the number is checked ("in excess of $15 million" is strict: exactly
$15,000,000 needs no consent); where none does, the answer is TRUE with the condition in words
("qualitative: consent required if ..."): the kind names the action, the reason what makes it one.

================= ====== ==========================================================================
kind              clause consent needed when
================= ====== ==========================================================================
AMENDMENT         (A)    any amendment of the certificate of incorporation, this Certificate of
                         Designation or the Bylaws (always)
ISSUANCE          (B)    any capital stock, options, warrants or rights, unless ``category`` is an
                         exception (B)(i)-(vii) -- see below
STOCK_ACQUISITION (B)    = ISSUANCE with category STOCK_ACQUISITION ((B)(iv))
RECLASSIFY        (C)    qualitative: if Common is reclassified into shares ranking senior to or on
                         a parity with the Series A as to dividends or liquidation
LIQUIDATION       (D)(1) liquidation, winding up, dissolution, or a plan for one (always)
LIQ_EVENT         (D)(2) qualitative: if the transaction is a Liquidation Event (3(b): LIQEVENT)
REPURCHASE        (D)(3) any purchase of capital stock of the Corporation or a subsidiary, except
                  (F)    the Series A under its own terms (category SERIES_A); of Common or other
                         Junior Stock also (F), whose employee-repurchase exception
                         (EMPLOYEE_REPURCHASE) leaves (D)(3) standing
CONTROL_SALE      (E)    an agreement under which shareholders transfer stock electing a Board
                         majority to independent third parties (always)
JUNIOR_DIVIDEND   (F)    any dividend, distribution or payment on Common or other Junior Stock
BUDGET            (G)    approval of the Annual Budget (always)
COMMITMENT        (H)    financial commitments beyond the Annual Budget > $15M in the aggregate
OFFICER_PAY       (I)    qualitative: if with the President, CEO, CFO or an equivalent or senior
                         officer (hiring, dismissal, employment, non-compete, bonus, stock, fringe)
LIEN              (J)    encumbered assets > $15M, unless part of ordinary-course financing
CAPEX             (K)    capital expenditure in the fiscal year > $15M, not in the Annual Budget
ACQUISITION       (L)(P) (L) > $15M not in the Annual Budget; (P) > $15M not in the normal course
DEBT              (M)    indebtedness, guarantees, leases > $15M, not in the Annual Budget
PLAN_CHANGE       (N)    any change to a Stock Option Plan as in effect on June 15, 2000 (always)
NEW_PLAN          (O)    a new option, SAR, bonus or similar plan, unless approved by the
                         Compensation Committee (category COMPENSATION_COMMITTEE)
DISPOSAL          (P)    assets disposed of > $15M other than in the normal course
BANKRUPTCY        (Q)    liquidation, dissolution or a voluntary bankruptcy/insolvency filing
NEW_BUSINESS      (R)    qualitative: if the nature of the business changes in a material respect
AFFILIATE         (S)    a transaction with an affiliate, unless a wholly-owned subsidiary
                         (category WHOLLY_OWNED)
TUTOPIA           (T)    soliciting, negotiating or discussing a sale, issue, merger ... of LGI,
                         Tutopia or its subsidiaries (always)
AGREE_TO          (U)    qualitative: if the agreement is to do an action above that needs consent
================= ====== ==========================================================================

ISSUANCE exceptions, ``category`` (4(b)(B)):

================== ===== =================================================================
SERIES_A_PSPA      (i)   Series A under the Preferred Stock Purchase Agreement
CONVERSION         (ii)  Common on conversion of the Series A
OPTION_EXERCISE    (ii)  Common on exercise of stock options, up to 2,460,000 shares
                         (``shares``, ``used``: shares already issued under it). A *grant* of
                         options is not excepted (reading: (ii) names the exercise only).
ACQUISITION        (iii) consideration for an acquisition approved by the Board with the
                         Series A Preferred Directors' vote
STOCK_ACQUISITION  (iv)  Common as consideration for an acquisition approved without them: up
                         to $15 million (``amount``; ``used``: $ already issued, to read the $15M
                         as one basket -- 0, the default, reads it per acquisition), valued at no
                         less than the greater of (1) the Stated Value as adjusted for splits
                         (``stated_value``, default Class I $12.31) and (2) the average closing
                         price over the 30 days before the issuance (``average_price``, a number
                         or a range of closes); ``price`` = the value per share issued at
SPINWAY_WARRANT    (v)   the Spinway Warrant
SPINWAY_SHARES     (vi)  210,000 Common on its exercise (``shares``, ``used``)
TUTOPIA            (vii) Common for Tutopia common stock on a change in control
================== ===== =================================================================

Any other category (e.g. PUBLIC_OFFERING, BOARD_BASKET: Permitted Issuances of 6(a) and
exclusions of 9(b) that 4(b)(B) does not repeat) needs consent. ``amount`` is the aggregate for
the Corporation and its subsidiaries; ``in_budget`` = "prescribed in the Annual Budget";
``ordinary_course`` = in the normal/ordinary course of business ((J), (P)).

Worked example: new debt of $20,000,000 not in the Annual Budget, Series A at 60% of its issued
shares, no QPO → consent required under 4(b)(M).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .constants import (
    CLASS_I_STATED_VALUE,
    OPTION_PLAN_CAP,
    PROTECTIVE_SURVIVAL_FRACTION,
    PROTECTIVE_THRESHOLD,
    SPINWAY_WARRANT_SHARES,
    STOCK_ACQUISITION_BASKET,
)
from .errors import TermsError, describe
from .parse import Grid, is_range, parse_bool, parse_number, parse_optional, parse_text
from .qualified_public_offering import money

__all__ = ["ACTION_KINDS", "ISSUANCE_CATEGORIES", "ConsentResult", "consent_required"]

_FIRST = ("COMMITMENT", "LIEN", "CAPEX", "ACQUISITION", "DEBT", "DISPOSAL", "STOCK_ACQUISITION",
          "ISSUANCE", "JUNIOR_DIVIDEND")  # fmt: skip
#: kind → (clause, the action, qualitative condition or "" when always / decided by numbers).
_KINDS: dict[str, tuple[str, str, str]] = {
    "AMENDMENT": ("4(b)(A)", "amendment of the charter, Bylaws or Certificate of Designation", ""),
    "ISSUANCE": ("4(b)(B)", "issue of capital stock, options, warrants or rights", ""),
    "STOCK_ACQUISITION": ("4(b)(B)", "Common Stock issued for an acquisition", ""),
    "RECLASSIFY": (
        "4(b)(C)",
        "reclassification of Common Stock",
        "the new shares rank senior to or on a parity with the Series A as to dividends or "
        "liquidation",
    ),
    "LIQUIDATION": ("4(b)(D)(1)", "liquidation, winding up or dissolution (or a plan)", ""),
    "LIQ_EVENT": (
        "4(b)(D)(2)",
        "merger, sale or transfer",
        "it is a Liquidation Event under 3(b) (test it with LIQEVENT)",
    ),
    "REPURCHASE": (
        "4(b)(D)(3)",
        "purchase of capital stock of the Corporation or a subsidiary",
        "",
    ),
    "CONTROL_SALE": (
        "4(b)(E)",
        "agreement transferring stock that elects a Board majority to third parties",
        "",
    ),
    "JUNIOR_DIVIDEND": ("4(b)(F)", "dividend or distribution on Junior Stock", ""),
    "BUDGET": ("4(b)(G)", "approval of the Annual Budget", ""),
    "COMMITMENT": ("4(b)(H)", "financial commitment beyond the Annual Budget", ""),
    "OFFICER_PAY": (
        "4(b)(I)",
        "hiring, dismissal or compensation arrangement of an officer",
        "the officer is the President, CEO, CFO or an equivalent or senior-level officer",
    ),
    "LIEN": ("4(b)(J)", "lien on assets", ""),
    "CAPEX": ("4(b)(K)", "capital expenditure", ""),
    "ACQUISITION": ("4(b)(L)", "acquisition", ""),
    "DEBT": ("4(b)(M)", "indebtedness", ""),
    "PLAN_CHANGE": ("4(b)(N)", "change to a Stock Option Plan in effect on June 15, 2000", ""),
    "NEW_PLAN": ("4(b)(O)", "new stock option, SAR, bonus or similar plan", ""),
    "DISPOSAL": ("4(b)(P)", "asset disposal", ""),
    "BANKRUPTCY": ("4(b)(Q)", "liquidation, dissolution or voluntary bankruptcy filing", ""),
    "NEW_BUSINESS": (
        "4(b)(R)",
        "change in the nature of the business",
        "the change is material for the Corporation and its subsidiaries as a whole",
    ),
    "AFFILIATE": ("4(b)(S)", "transaction with an affiliate", ""),
    "TUTOPIA": ("4(b)(T)", "solicitation or negotiation concerning LGI or Tutopia", ""),
    "AGREE_TO": (
        "4(b)(U)",
        "agreement to take an action",
        "the action agreed to is one of 4(b)(A)-(T) that needs consent",
    ),
}
#: The kinds, those of the first version first (the template's list validation keeps its order).
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
    *(k for k in _KINDS if k not in _FIRST),
)

#: ISSUANCE exceptions of 4(b)(B): category → (clause, what).
ISSUANCE_CATEGORIES: dict[str, tuple[str, str]] = {
    "SERIES_A_PSPA": ("(i)", "Series A under the Preferred Stock Purchase Agreement"),
    "CONVERSION": ("(ii)", "Common Stock upon conversion of the Series A"),
    "OPTION_EXERCISE": ("(ii)", "Common Stock upon exercise of stock options"),
    "ACQUISITION": ("(iii)", "acquisition approved with the Series A Preferred Directors"),
    "STOCK_ACQUISITION": ("(iv)", "Common Stock for an acquisition approved without them"),
    "SPINWAY_WARRANT": ("(v)", "the Spinway Warrant"),
    "SPINWAY_SHARES": ("(vi)", "Common Stock upon exercise of the Spinway Warrant"),
    "TUTOPIA": ("(vii)", "Common Stock exchanged for Tutopia common stock"),
}
#: Exceptions of other kinds: kind → (category, why it is excepted).
_OTHER_EXCEPTIONS = {
    "NEW_PLAN": ("COMPENSATION_COMMITTEE", "approved by the Compensation Committee (4(b)(O))"),
    "AFFILIATE": ("WHOLLY_OWNED", "with a wholly-owned subsidiary (4(b)(S))"),
}
_WHAT = {k: v[1] for k, v in _KINDS.items()}


@dataclass(frozen=True)
class ConsentResult:
    """Whether the Series A majority must consent, the clauses, and the reason in one line."""

    required: bool
    clauses: tuple[str, ...]
    reason: str


def _category(value: Any) -> str | None:
    v = parse_optional(value, None)
    if v is None:
        return None
    if not isinstance(v, str):
        raise TermsError(f"category must be text (got {describe(v)})", argument="category")
    return "_".join(str(v).strip().upper().replace("-", " ").split())


def _average(value: Any) -> Fraction:
    if not is_range(value):
        return parse_number(value, "average_price", minimum=0, strict=True)
    cells = [
        c for c in Grid(value, "average_price").values() if parse_optional(c, None) is not None
    ]
    if not cells:
        raise TermsError(
            "average_price must hold at least one closing price", argument="average_price"
        )
    prices = [parse_number(c, "average_price", minimum=0, strict=True) for c in cells]
    return sum(prices, Fraction(0)) / len(prices)


def consent_required(
    kind: Any,
    amount: Any = 0,
    in_budget: Any = False,
    ordinary_course: Any = False,
    holdings_fraction: Any = 1,
    after_qpo: Any = False,
    category: Any = None,
    price: Any = None,
    stated_value: Any = None,
    average_price: Any = None,
    shares: Any = None,
    used: Any = 0,
) -> ConsentResult:
    """Section 4(b): whether an action needs the consent of a Series A majority, and why.

    ``holdings_fraction``: Series A held now / Series A issued under the Preferred Stock
    Purchase Agreement (as adjusted); below 50% the provisions have lapsed, as after a QPO.
    ``category``: an exception (see the module docstring); ``price``, ``stated_value``,
    ``average_price``: the (B)(iv) valuation; ``shares``, ``used``: the capped exceptions.

    >>> consent_required("DEBT", 20_000_000).clauses
    ('4(b)(M)',)
    """
    k = parse_text("_".join(kind.split()) if isinstance(kind, str) else kind, "kind", ACTION_KINDS)
    amt = parse_number(parse_optional(amount, 0), "amount", minimum=0)
    budget = parse_bool(parse_optional(in_budget, False), "in_budget", False)
    normal = parse_bool(parse_optional(ordinary_course, False), "ordinary_course", False)
    held = parse_number(parse_optional(holdings_fraction, 1), "holdings_fraction", minimum=0)
    qpo = parse_bool(parse_optional(after_qpo, False), "after_qpo", False)
    cat = _category(category)
    issue = _issue_inputs(amt, price, stated_value, average_price, shares, used)
    if k == "STOCK_ACQUISITION":
        k, cat = "ISSUANCE", cat or "STOCK_ACQUISITION"
    if cat is not None and k not in ("ISSUANCE", "REPURCHASE", *_OTHER_EXCEPTIONS):
        raise TermsError(
            f"category must be empty for {k}: 4(b) names no exception for it (got {cat!r})",
            argument="category",
        )
    if qpo:
        return ConsentResult(False, (), "no consent: 4(b) ended at the Qualified Public Offering")
    if held < Fraction(PROTECTIVE_SURVIVAL_FRACTION):
        return ConsentResult(
            False, (), "no consent: 4(b) lapsed, Series A holds less than 50% of shares issued"
        )
    if k == "ISSUANCE":
        return _issuance(cat, issue)
    if k == "REPURCHASE":
        return _repurchase(cat)
    if k in _OTHER_EXCEPTIONS and cat is not None:
        name, why = _OTHER_EXCEPTIONS[k]
        if cat != name:
            raise TermsError(
                f"category must be {name} or empty for {k} (got {cat!r})", argument="category"
            )
        return ConsentResult(False, (), f"no consent needed: {why}")
    clause, what, condition = _KINDS[k]
    if condition:
        return ConsentResult(
            True, (clause,), f"qualitative: consent required ({clause} {what}) if {condition}"
        )
    if k in ("COMMITMENT", "LIEN", "CAPEX", "ACQUISITION", "DEBT", "DISPOSAL"):
        return _amounts(k, amt, budget, normal)
    return ConsentResult(True, (clause,), f"consent required: {clause} {what}")


def _repurchase(cat: str | None) -> ConsentResult:
    """4(b)(D)(3) and, for Common or other Junior Stock, 4(b)(F)."""
    if cat == "SERIES_A":
        return ConsentResult(
            False, (), "no consent needed: Series A purchased under its own terms (4(b)(D)(3))"
        )
    if cat == "EMPLOYEE_REPURCHASE":
        return ConsentResult(
            True,
            ("4(b)(D)(3)",),
            "consent required: 4(b)(D)(3) purchase of capital stock; the 4(b)(F) exception for "
            "repurchases from directors, consultants or employees does not lift (D)(3)",
        )
    if cat is not None:
        raise TermsError(
            f"category must be SERIES_A, EMPLOYEE_REPURCHASE or empty for REPURCHASE (got {cat!r})",
            argument="category",
        )
    return ConsentResult(
        True,
        ("4(b)(D)(3)", "4(b)(F)"),
        "consent required: 4(b)(D)(3) purchase of capital stock of the Corporation or a "
        "subsidiary (other than Series A under its terms); of Common or other Junior Stock also "
        "4(b)(F)",
    )


def _amounts(k: str, amt: Fraction, budget: bool, normal: bool) -> ConsentResult:
    limit = Fraction(PROTECTIVE_THRESHOLD)
    size = f"{_WHAT[k]} {money(amt)} > {money(limit)}"
    clauses: list[tuple[str, str]] = []
    if amt > limit:
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
        why = f"{money(amt)} <= {money(limit)}" if amt <= limit else "within the exceptions"
        return ConsentResult(False, (), f"no consent needed under 4(b) for {k}: {why}")
    return ConsentResult(
        True,
        tuple(c for c, _ in clauses),
        "consent required: " + "; ".join(f"{c} {why}" for c, why in clauses),
    )


@dataclass(frozen=True)
class _Issue:
    """The (B) inputs, parsed (None: not given)."""

    amount: Fraction
    price: Fraction | None
    stated_value: Fraction
    average: Fraction | None
    shares: Fraction | None
    used: Fraction


def _issue_inputs(
    amt: Fraction, price: Any, stated_value: Any, average_price: Any, shares: Any, used: Any
) -> _Issue:
    p = parse_optional(price, None)
    n = parse_optional(shares, None)
    avg = parse_optional(average_price, None)
    return _Issue(
        amt,
        None if p is None else parse_number(p, "price", minimum=0),
        parse_number(
            parse_optional(stated_value, CLASS_I_STATED_VALUE),
            "stated_value",
            minimum=0,
            strict=True,
        ),
        None if avg is None else _average(avg),
        None if n is None else parse_number(n, "shares", minimum=0),
        parse_number(parse_optional(used, 0), "used", minimum=0),
    )


def _issuance(cat: str | None, x: _Issue) -> ConsentResult:
    need = ConsentResult
    if cat is None:
        return need(True, ("4(b)(B)",), "consent required: 4(b)(B) issue of capital stock, "
                    "options, warrants or rights (no exception claimed)")  # fmt: skip
    if cat not in ISSUANCE_CATEGORIES:
        return need(
            True,
            ("4(b)(B)",),
            f"consent required: 4(b)(B) has no exception for {cat} (exceptions: "
            f"{', '.join(ISSUANCE_CATEGORIES)})",
        )
    clause, what = ISSUANCE_CATEGORIES[cat]
    prior = x.used
    if cat in ("OPTION_EXERCISE", "SPINWAY_SHARES"):
        cap = OPTION_PLAN_CAP if cat == "OPTION_EXERCISE" else SPINWAY_WARRANT_SHARES
        if x.shares is None:
            raise TermsError(
                f"shares must be a number for {cat} (cap {cap:,} under 4(b)(B){clause}) "
                "(got an empty cell)",
                argument="shares",
            )
        n = x.shares
        if prior + n > cap:
            return need(
                True,
                ("4(b)(B)",),
                f"consent required: 4(b)(B){clause} {what} {_n(prior)} + {_n(n)} = "
                f"{_n(prior + n)} > cap {cap:,}",
            )
        return need(False, (), f"no consent: 4(b)(B){clause} {what}, {_n(prior + n)} of {cap:,}")
    if cat != "STOCK_ACQUISITION":
        return need(False, (), f"no consent: 4(b)(B){clause} exception, {what}")
    basket = Fraction(STOCK_ACQUISITION_BASKET)
    amt = x.amount
    if prior + amt > basket:  # beyond the basket: consent, whatever the price
        total = f"{money(prior)} + {money(amt)} = " if prior else ""
        return need(
            True,
            ("4(b)(B)",),
            f"consent required: outside 4(b)(B)(iv): {total}{money(prior + amt)} > {money(basket)}",
        )
    if x.price is None:
        raise TermsError(
            "price must be the value per share of the Common Stock issued, for the 4(b)(B)(iv) "
            "floor (got an empty cell)",
            argument="price",
        )
    if x.average is None:
        raise TermsError(
            "average_price must be the average closing price for the 30 days before the "
            "issuance (a number or the closes), for the 4(b)(B)(iv) floor (got an empty cell)",
            argument="average_price",
        )
    p, sv, avg = x.price, x.stated_value, x.average
    floor = max(sv, avg)
    if p < floor:
        return need(
            True,
            ("4(b)(B)",),
            f"consent required: outside 4(b)(B)(iv): valued at {money(p)} < {money(floor)}, "
            f"the greater of the Stated Value {money(sv)} and the 30-day average {money(avg)}",
        )
    return need(
        False,
        (),
        f"no consent: 4(b)(B)(iv) {money(prior + amt)} <= {money(basket)}, valued at "
        f"{money(p)} >= {money(floor)}",
    )


def _n(x: Fraction) -> str:
    """A share count for a message: ``1,015,434.5`` (up to 4 decimals, never an exponent)."""
    if x.denominator == 1:
        return f"{x.numerator:,}"
    return f"{float(x):,.4f}".rstrip("0").rstrip(".")
