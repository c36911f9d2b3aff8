"""Sections 9(b)-(e): what is a "New Security", the notice, election and sale periods, and when
the Preemptive Right ends. (Section 9(a), the pro rata share and over-allotment, is
:mod:`.preemptive`.)

9(b) "New Securities" are (a) "any capital stock ..., rights, options or warrants to purchase
capital stock and securities of any type whatsoever that are, or may become convertible into or
exchangeable for capital stock" and (b) "so-called 'high yield' bonds, debt instruments with
equity like features or other similar debt instruments, which bear a rating lower than
investment-grade or are unrated". ``instrument``:

===================== ===== ===============================================================
COMMON, PREFERRED     (a)   capital stock
OPTION, WARRANT,      (a)   rights, options or warrants to purchase capital stock
RIGHT
CONVERTIBLE           (a)   anything convertible into or exchangeable for capital stock
                            (convertible debt included, whatever its rating)
HIGH_YIELD            (b)   "high yield" bonds        } New Securities unless rated
EQUITY_LINKED_DEBT    (b)   debt with equity-like     } investment-grade (``investment_grade``
                            features                  } TRUE); unrated ones are New Securities
SIMILAR_DEBT          (b)   other similar debt        }
DEBT                  --    ordinary borrowing (bank loans, investment-grade notes): neither
                            (a) nor (b). Reading: "similar" means similar to high-yield bonds;
                            if you read unrated ordinary debt as caught by "or are unrated",
                            enter it as SIMILAR_DEBT.
===================== ===== ===============================================================

The exclusions of 9(b)(i)-(viii), as ``category`` -- compared clause by clause with the
Permitted Issuances of 6(a), which decide the Conversion Price adjustment, and with the
exceptions of 4(b)(B), which decide consent:

================== ======= ======================================================= ==========
category           9(b)    excluded from New Securities                            6(a)
================== ======= ======================================================= ==========
OPTION_PLAN        (i)     up to 2,460,000 Common shares issuable under the        (i), but
                           *outstanding* options under the Stock Option Plan       any plan
                                                                                   options
OPTION_GRANT       --      a grant of new options: NOT excluded (9(b)(i) names     (i)
                           the outstanding options only; if you read it as the
                           plan in general, as 6(a)(i), enter OPTION_PLAN)
PUBLIC_OFFERING    (ii)    Common issued or issuable in connection with a QPO      (ii)
CONVERSION         (iii)   Common issued on conversion of Series A                 (iii)
ACQUISITION        (iv)    consideration for an acquisition approved by the Board  (iv)
                           with the Series A Preferred Directors' vote
STOCK_ACQUISITION  --      Common for an acquisition approved without them: NOT    --
                           excluded (4(b)(B)(iv) exempts it from consent only)
SUBSEQUENT_CLOSING (v)     up to 820,471 Series A shares at the Subsequent Closing (v)
BOARD_BASKET       --      NOT excluded (a Permitted Issuance only, 6(a)(vi))      (vi)
DIRECTOR_BASKET    --      NOT excluded (a Permitted Issuance only, 6(a)(vii))     (vii)
SPINWAY_WARRANT    (vi)    the Spinway Warrant                                     (viii)
SPINWAY_SHARES     (vii)   210,000 Common shares on its exercise                   (ix)
TUTOPIA            (viii)  Common exchanged for Tutopia common stock on a change   --
                           in control (Tutopia Stockholders Agreement)
================== ======= ======================================================= ==========

Each exclusion reaches only the security it names: (i), (ii), (iii), (vii), (viii) shares of
Common Stock (``COMMON``), (v) Series A (``PREFERRED``), (vi) the Spinway Warrant (``WARRANT``),
(iv) "securities" of any kind. Another instrument claiming it is New Securities, and the answer
says why (e.g. warrants to the underwriters of a QPO: (ii) excludes only Common Stock).

Capped exclusions need ``shares`` (and ``used``, what earlier issuances already took of the
cap): the part beyond the cap is New Securities. The caps are not adjusted for splits (9(b),
unlike 6(a)(vi)-(vii), says nothing of it).

9(c): each holder has "twenty (20) business days from the date of receipt" of the notice to
elect -- the 20th business day after the receipt date (the day of receipt excluded; business
days as for the put, :mod:`.remedies`: FEDERAL or NYSE). 9(d): the Corporation then has "ninety
(90) days after expiration" of that period to sell what was not taken, "at a price not less
than and upon terms no more favorable in the aggregate to the purchasers" than in the notice;
after that it must offer again. 9(e): the right expires at the earlier of the closing of a QPO
and the holders (with Affiliates) holding less than 50% of the Series A issued under the
Purchase Agreement (Common issued on conversion counted).

Worked example: notice received Friday 2001-06-01: the 20 business days (FEDERAL) are June 4-8,
11-15, 18-22, 25-29, so the holders may elect until 2001-06-29; the sale period ends 90 days
later, 2001-09-27.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .constants import (
    OPTION_PLAN_CAP,
    PREEMPTIVE_ELECTION_BUSINESS_DAYS,
    PREEMPTIVE_SALE_DAYS,
    PREEMPTIVE_SURVIVAL_FRACTION,
    SPINWAY_WARRANT_SHARES,
    SUBSEQUENT_CLOSING_SHARES,
)
from .daycount import serial_to_date
from .errors import TermsError
from .means_of_voting import percent
from .parse import parse_bool, parse_date, parse_number, parse_optional, parse_text
from .qualified_public_offering import money
from .remedies import CALENDARS, add_business_days

__all__ = [
    "CATEGORIES",
    "INSTRUMENTS",
    "NewSecurities",
    "Periods",
    "Verdict",
    "new_securities",
    "preemptive_periods",
    "preemptive_right",
    "preemptive_sale",
]

INSTRUMENTS: dict[str, tuple[str, str]] = {
    "COMMON": ("(a)", "capital stock"),
    "PREFERRED": ("(a)", "capital stock"),
    "OPTION": ("(a)", "options to purchase capital stock"),
    "WARRANT": ("(a)", "warrants to purchase capital stock"),
    "RIGHT": ("(a)", "rights to purchase capital stock"),
    "CONVERTIBLE": ("(a)", "securities convertible into or exchangeable for capital stock"),
    "HIGH_YIELD": ("(b)", '"high yield" bonds'),
    "EQUITY_LINKED_DEBT": ("(b)", "debt instruments with equity like features"),
    "SIMILAR_DEBT": ("(b)", "other similar debt instruments"),
    "DEBT": ("", "ordinary borrowing"),
}

#: category → (9(b) clause or "" when not excluded, what, cap in shares or None).
CATEGORIES: dict[str, tuple[str, str, int | None]] = {
    "OPTION_PLAN": (
        "(i)",
        "Common Stock issuable under the outstanding Stock Option Plan options",
        OPTION_PLAN_CAP,
    ),
    "OPTION_GRANT": ("", "a grant of new options (9(b)(i) names the outstanding options)", None),
    "PUBLIC_OFFERING": (
        "(ii)",
        "Common Stock in connection with a Qualified Public Offering",
        None,
    ),
    "CONVERSION": ("(iii)", "Common Stock issued upon conversion of Series A", None),
    "ACQUISITION": (
        "(iv)",
        "acquisition consideration approved with the Series A Preferred Directors",
        None,
    ),
    "STOCK_ACQUISITION": (
        "",
        "acquisition approved without the Series A Preferred Directors (only 4(b)(B)(iv))",
        None,
    ),
    "SUBSEQUENT_CLOSING": (
        "(v)",
        "Series A issued at the Subsequent Closing",
        SUBSEQUENT_CLOSING_SHARES,
    ),
    "BOARD_BASKET": ("", "the 6(a)(vi) Board basket (a Permitted Issuance only)", None),
    "DIRECTOR_BASKET": ("", "the 6(a)(vii) basket (a Permitted Issuance only)", None),
    "SPINWAY_WARRANT": ("(vi)", "the Spinway Warrant", None),
    "SPINWAY_SHARES": (
        "(vii)",
        "Common Stock upon exercise of the Spinway Warrant",
        SPINWAY_WARRANT_SHARES,
    ),
    "TUTOPIA": ("(viii)", "Common Stock exchanged for Tutopia common stock", None),
}


#: The security each exclusion of 9(b) names (category → instruments, words); the others the
#: exclusion does not reach. (iv) says "securities" (any kind); the rest name one kind.
_COVERS: dict[str, tuple[tuple[str, ...], str]] = {
    "OPTION_PLAN": (("COMMON",), "shares of Common Stock"),
    "PUBLIC_OFFERING": (("COMMON",), "shares of Common Stock"),
    "CONVERSION": (("COMMON",), "shares of Common Stock"),
    "ACQUISITION": (tuple(INSTRUMENTS), "securities"),
    "SUBSEQUENT_CLOSING": (("PREFERRED",), "shares of Series A Convertible Preferred Stock"),
    "SPINWAY_WARRANT": (("WARRANT",), "the Spinway Warrant"),
    "SPINWAY_SHARES": (("COMMON",), "shares of Common Stock"),
    "TUTOPIA": (("COMMON",), "shares of Common Stock"),
}


@dataclass(frozen=True)
class NewSecurities:
    """Whether an issuance is (in part) New Securities, how many units are, and why."""

    is_new: bool
    units: Fraction | None
    reason: str


def _key(value: Any, name: str, choices: Any) -> str:
    if isinstance(value, str):
        value = "_".join(value.replace("-", " ").split())
    return parse_text(value, name, choices)


def new_securities(
    instrument: Any,
    category: Any = None,
    shares: Any = None,
    used: Any = 0,
    investment_grade: Any = False,
) -> NewSecurities:
    """Section 9(b): whether an issuance is New Securities (see the module docstring).

    >>> new_securities("COMMON", "OPTION_PLAN", 100_000, 2_400_000).units
    Fraction(40000, 1)
    """
    kind = _key(instrument, "instrument", INSTRUMENTS)
    clause, what = INSTRUMENTS[kind]
    grade = parse_bool(parse_optional(investment_grade, False), "investment_grade", False)
    cat = parse_optional(category, None)
    cat = None if cat is None else _key(cat, "category", CATEGORIES)
    n = parse_optional(shares, None)
    units = None if n is None else parse_number(n, "shares", minimum=0)
    prior = parse_number(parse_optional(used, 0), "used", minimum=0)
    if not clause:
        return NewSecurities(
            False,
            None if units is None else Fraction(0),
            "not New Securities: ordinary borrowing is neither 9(b)(a) nor (b) (for a debt "
            "instrument similar to high-yield bonds, enter SIMILAR_DEBT)",
        )
    if clause == "(b)" and grade:
        return NewSecurities(
            False,
            None if units is None else Fraction(0),
            f"not New Securities: 9(b)(b) {what} rated investment-grade",
        )
    head = f"9(b){clause} {what}"
    if clause == "(b)":
        head += " rated below investment-grade or unrated"
    if cat is None:
        return NewSecurities(True, units, f"New Securities: {head}")
    excl, described, cap = CATEGORIES[cat]
    if not excl:
        return NewSecurities(True, units, f"New Securities: {head}; {described} is not excluded")
    covered, words = _COVERS[cat]
    if kind not in covered:  # the exclusion names another kind of security
        return NewSecurities(
            True,
            units,
            f"New Securities: {head}; 9(b){excl} excludes only {words}, not {kind}",
        )
    if cap is None:
        return NewSecurities(
            False,
            None if units is None else Fraction(0),
            f"not New Securities: excluded by 9(b){excl}, {described}",
        )
    if units is None:
        raise TermsError(
            f"shares must be a number for {cat} (cap {cap:,} under 9(b){excl}) (got an empty cell)",
            argument="shares",
        )
    room = max(Fraction(0), cap - prior)
    beyond = max(Fraction(0), units - room)
    if beyond == 0:
        return NewSecurities(
            False,
            Fraction(0),
            f"not New Securities: excluded by 9(b){excl}, {described} "
            f"({_n(prior + units)} of the {cap:,} cap)",
        )
    return NewSecurities(
        True,
        beyond,
        f"New Securities: {_n(beyond)} beyond the 9(b){excl} cap of {cap:,} "
        f"({_n(prior)} already used, {_n(room)} left)",
    )


def _n(x: Fraction) -> str:
    """A share count for a message: ``1,015,434.5`` (up to 4 decimals, never an exponent)."""
    if x.denominator == 1:
        return f"{x.numerator:,}"
    return f"{float(x):,.4f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Periods:
    """Section 9(c)-(d) dates (Excel serials): last day to elect, last day to sell."""

    election_deadline: int
    sale_deadline: int


def preemptive_periods(receipt_date: Any, calendar: Any = "FEDERAL") -> Periods:
    """9(c): the 20th business day after the receipt of the notice; 9(d): 90 days after it.

    >>> p = preemptive_periods(37043)  # Friday 2001-06-01
    >>> serial_to_date(p.election_deadline), serial_to_date(p.sale_deadline)
    (datetime.date(2001, 6, 29), datetime.date(2001, 9, 27))
    """
    cal = parse_text(parse_optional(calendar, "FEDERAL"), "calendar", CALENDARS)
    start = parse_date(receipt_date, "receipt_date")
    election = add_business_days(start, PREEMPTIVE_ELECTION_BUSINESS_DAYS, cal, "receipt_date")
    sale = election + PREEMPTIVE_SALE_DAYS
    if sale > 2_958_465:
        raise TermsError(
            f"receipt_date must leave the 9(d) period before 9999-12-31 (got "
            f"{serial_to_date(start)})",
            argument="receipt_date",
        )
    return Periods(election, sale)


@dataclass(frozen=True)
class Verdict:
    """A yes/no answer and the reason in one line."""

    ok: bool
    reason: str


def preemptive_sale(
    receipt_date: Any,
    sale_date: Any,
    sale_price: Any,
    offer_price: Any,
    more_favorable: Any = False,
    calendar: Any = "FEDERAL",
) -> Verdict:
    """9(c)-(d): may the Corporation sell New Securities the holders did not take, on
    ``sale_date`` at ``sale_price``, without offering them again?

    >>> preemptive_sale(37043, 37100, 10, 10).ok  # 2001-07-28, at the notice's price
    True
    """
    p = preemptive_periods(receipt_date, calendar)
    day = parse_date(sale_date, "sale_date")
    price = parse_number(sale_price, "sale_price", minimum=0)
    offer = parse_number(offer_price, "offer_price", minimum=0)
    better = parse_bool(parse_optional(more_favorable, False), "more_favorable", False)
    e, s = serial_to_date(p.election_deadline), serial_to_date(p.sale_deadline)
    if day <= p.election_deadline:
        return Verdict(
            False, f"no: the holders may elect until {e} (20 business days, 9(c)); sell after it"
        )
    if day > p.sale_deadline:
        return Verdict(
            False, f"no: the 90 days of 9(d) ended {s}; offer the securities to the holders again"
        )
    if price < offer:
        return Verdict(False, f"no: price {money(price)} below the notice's {money(offer)} (9(d))")
    if better:
        return Verdict(False, "no: terms more favorable in the aggregate than the notice's (9(d))")
    return Verdict(
        True,
        f"yes: within the 9(d) period {e} to {s}, at {money(price)} >= the notice's {money(offer)}",
    )


def preemptive_right(held: Any, issued: Any, qpo_closed: Any = False) -> Verdict:
    """9(e): does the Preemptive Right still exist?

    ``held``: Series A held by the holders and their Affiliates, counting Common Stock issued on
    conversion that they still hold (reading: as the Series A shares it was converted from; to
    count each Common share as one, enter that count instead); ``issued``: Series A issued under
    the Purchase Agreement, determined after the Subsequent Closing (as adjusted under 6).

    >>> preemptive_right(1000, 2000).ok  # exactly 50%: "at least 50%"
    True
    """
    h = parse_number(held, "held", minimum=0)
    n = parse_number(issued, "issued", minimum=0, strict=True)
    qpo = parse_bool(parse_optional(qpo_closed, False), "qpo_closed", False)
    if qpo:
        return Verdict(False, "expired: 9(e)(i) a Qualified Public Offering has closed")
    frac = Fraction(PREEMPTIVE_SURVIVAL_FRACTION)
    share = h / n
    pct = percent(share, frac)
    if share < frac:
        return Verdict(
            False,
            f"expired: 9(e)(ii) holders hold {pct} (< {float(frac):.0%}) of the Series A issued",
        )
    return Verdict(True, f"continues: holders hold {pct} (>= {float(frac):.0%}) of the Series A")
