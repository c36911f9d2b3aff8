"""The certificate's numbers, each with the section it comes from.

Source: Certificate of Designation of the Series A Convertible Preferred Stock of
IFX Corporation, Annex A (June 2000), ``shared/certificate_of_designation.txt``.
Every other module takes these as defaults; nothing else types them.

Money is held as :class:`decimal.Decimal` so that ``12.31`` means exactly twelve dollars and
thirty-one cents.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "ACCRUAL_RATE",
    "BOARD_BASKET_APPROVED_WITH_SERIES_A_DIRECTOR",
    "BOARD_BASKET_MAJORITY",
    "CLASS_II_AUTHORIZED",
    "CLASS_II_STATED_VALUE",
    "CLASS_I_AUTHORIZED",
    "CLASS_I_STATED_VALUE",
    "COMMON_PAR_VALUE",
    "DEFAULT_DAYCOUNT_BASIS",
    "DIRECTOR_SURVIVAL_FRACTION",
    "MEETING_CALL_FRACTION",
    "MEETING_PROCEDURE_FRACTION",
    "MERGER_VALUE_TEST",
    "MERGER_VOLUME_MULTIPLE",
    "OPTION_PLAN_CAP",
    "PREEMPTIVE_ELECTION_BUSINESS_DAYS",
    "PREEMPTIVE_SALE_DAYS",
    "PREEMPTIVE_SURVIVAL_FRACTION",
    "PREFERRED_PAR_VALUE",
    "PROTECTIVE_SURVIVAL_FRACTION",
    "PROTECTIVE_THRESHOLD",
    "PUT_NOTICE_BUSINESS_DAYS",
    "QPO_FIRM_COMMITMENT",
    "QPO_GROSS_PROCEEDS",
    "QPO_PRE_OFFERING_EQUITY",
    "QUALIFIED_PRIVATE_OFFERING_PROCEEDS",
    "RESERVED_COMMON_SHARES",
    "SPINWAY_WARRANT_SHARES",
    "STOCK_ACQUISITION_BASKET",
    "SUBSEQUENT_CLOSING_SHARES",
    "TRIGGER_CURE_DAYS",
    "VALUATION_LAG_DAYS",
    "VALUATION_WINDOW_DAYS",
]

# --- Section 1: Designation and amount -------------------------------------------------------
#: Section 1: authorized shares of Class I Series A Preferred Stock.
CLASS_I_AUTHORIZED = 1_210_398
#: Section 1: authorized shares of Class II Series A Preferred Stock.
CLASS_II_AUTHORIZED = 820_471
#: Section 1: Stated Value of a Class I share, "Twelve and 31/100 Dollars ($12.31)".
#: Section 5(c): it is also the initial Class I Conversion Price.
CLASS_I_STATED_VALUE = Decimal("12.31")
#: Section 1: the Class II Stated Value is "the Closing Per Share Price" under the Preferred
#: Stock Purchase Agreement -- not fixed by the certificate, so it is an input everywhere.
#: Section 5(c): it is also the initial Class II Conversion Price.
CLASS_II_STATED_VALUE = None
#: Section 1: par value of the Series A Convertible Preferred Stock ($1.00 per share).
PREFERRED_PAR_VALUE = Decimal("1.00")
#: Section 2(b): par value of the Common Stock ($.02 per share); Section 6(i): the Conversion
#: Price may never be adjusted below it.
COMMON_PAR_VALUE = Decimal("0.02")

# --- Section 3: Liquidation preference --------------------------------------------------------
#: Section 3(a)(y): "10% of such Stated Value per annum".
ACCRUAL_RATE = Decimal("0.10")
#: The certificate does not name a day count for "per annum"; the add-in defaults to Excel's
#: YEARFRAC basis 3 (actual/365) and lets the user choose 0-4.
DEFAULT_DAYCOUNT_BASIS = 3
#: Section 3(b)(II): merger consideration must be "greater than 120% of the Liquidation
#: Preference per share".
MERGER_VALUE_TEST = Decimal("1.20")
#: Section 3(b)(III): 30-calendar-day trading volume of "at least 10 times" the Merger Shares.
MERGER_VOLUME_MULTIPLE = 10
#: Section 3(c)(i)(A)-(B): "the thirty (30) day period ending three (3) days prior to the closing".
VALUATION_WINDOW_DAYS = 30
VALUATION_LAG_DAYS = 3

# --- Section 4: Voting rights -----------------------------------------------------------------
#: Section 4(a)(v): the director right survives a QPO until holdings fall below 25% of the
#: initial holdings after the Subsequent Closing.
DIRECTOR_SURVIVAL_FRACTION = Decimal("0.25")
#: Section 4(b): protective provisions last until holdings fall below 50% of the shares issued
#: under the Preferred Stock Purchase Agreement (as adjusted under Section 6).
PROTECTIVE_SURVIVAL_FRACTION = Decimal("0.50")
#: Section 4(b)(B)(iv), (H), (J), (K), (L), (M), (P): the "$15 million" thresholds.
PROTECTIVE_THRESHOLD = Decimal("15000000")

# --- Section 5: Conversion --------------------------------------------------------------------
#: Section 5(b): a Qualified Public Offering needs a firm commitment "for at least $75 million".
QPO_FIRM_COMMITMENT = Decimal("75000000")
#: Section 5(b): gross proceeds "of at least $56.25 million (before deduction of underwriter's
#: discounts and commissions)".
QPO_GROSS_PROCEEDS = Decimal("56250000")
#: Section 5(b): values the equity "at no less than $400 million pre-offering".
QPO_PRE_OFFERING_EQUITY = Decimal("400000000")
#: Section 5(f): Common Stock reserved for conversion.
RESERVED_COMMON_SHARES = 2_030_869

# --- Section 6: Adjustments ---------------------------------------------------------------------
#: Section 6(a) "Qualified Private Offering": gross proceeds "of at least $30 million".
QUALIFIED_PRIVATE_OFFERING_PROCEEDS = Decimal("30000000")
#: Section 6(a) "Permitted Issuances" (i): options under the Stock Option Plan, up to 2,460,000.
OPTION_PLAN_CAP = 2_460_000
#: Section 6(a) "Permitted Issuances" (v): up to 820,471 Series A shares at the Subsequent Closing.
SUBSEQUENT_CLOSING_SHARES = 820_471
#: Section 6(a) "Permitted Issuances" (vi): up to 100,000 common shares (split-adjusted) in
#: transactions approved by a majority of the Board.
BOARD_BASKET_MAJORITY = 100_000
#: Section 6(a) "Permitted Issuances" (vii): another 100,000 (split-adjusted) approved with the
#: affirmative vote of the Series A Preferred Director.
BOARD_BASKET_APPROVED_WITH_SERIES_A_DIRECTOR = 100_000
#: Section 6(a) "Permitted Issuances" (viii)-(ix): the Spinway Warrant and the 210,000 shares
#: issuable on its exercise.
SPINWAY_WARRANT_SHARES = 210_000

# --- Sections 4(d), 7, 8, 9: votes, Triggering Events, remedies, the Preemptive Right -----------
#: Section 4(d)(iii): a meeting of the Series A may be called by "the holders of record of 25%
#: or more" of the Series A.
MEETING_CALL_FRACTION = Decimal("0.25")
#: Section 4(d): meetings follow the By-Laws "except ... to the extent that holders of 75% of the
#: Series A ... decide otherwise".
MEETING_PROCEDURE_FRACTION = Decimal("0.75")
#: Section 4(b)(B)(iv): "up to $15 million of Common Stock, issued as consideration for any
#: acquisition" approved without the Series A Preferred Directors.
STOCK_ACQUISITION_BASKET = Decimal("15000000")
#: Section 7(a): a failure "not ... cured within a period of 30 days after such violation";
#: 7(d), 7(e): a failure that "shall continue for a period of 30 days after notice".
TRIGGER_CURE_DAYS = 30
#: Section 8(c): the repurchase date is "not less than 10 business days after" the Put Notice.
PUT_NOTICE_BUSINESS_DAYS = 10
#: Section 9(c): "twenty (20) business days from the date of receipt" of the notice to elect.
PREEMPTIVE_ELECTION_BUSINESS_DAYS = 20
#: Section 9(d): "ninety (90) days after expiration of the twenty (20) business day period" to
#: sell what the holders did not take.
PREEMPTIVE_SALE_DAYS = 90
#: Section 9(e)(ii): the right expires when the holders no longer hold "at least 50%" of the
#: Series A issued under the Preferred Stock Purchase Agreement.
PREEMPTIVE_SURVIVAL_FRACTION = Decimal("0.50")
