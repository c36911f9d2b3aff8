"""SAMPLE figures of the template that are not certificate terms (marked SAMPLE in the workbook)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..terms.adjustments import Event

#: Sample figures that are not certificate terms (marked SAMPLE in the workbook).
SAMPLE_FIGURES: dict[str, Any] = {
    "valuation_date": dt.date(2001, 6, 15),  # one year after the Class I issue date
    "closing_price": 9.50,  # closing price of the Common Stock, for cash in lieu
    "founders_common": 6_000_000,
    "public_common": 8_000_000,
    # Adjustments: a Permitted Issuance (options under the plan) and an issue below the price
    "events": [
        (dt.date(2000, 12, 1), Event.PERMITTED.value, 16_490_869, 60_000, None, False),
        (dt.date(2001, 3, 1), Event.ISSUE.value, 16_550_869, 500_000, 10.00, False),
    ],
    # CPHISTORY / CPASOF: the capitalization when the Series A was issued, consistent with the
    # ADJPRICE log (16,490,869 Fully Diluted = 14,000,000 + 2,030,869 as converted + 460,000)
    "history_common": 14_000_000,
    "history_rights": 460_000,
    # the same two events in CPHISTORY's columns (date, event, shares, price, instrument, category)
    "history_events": [
        (dt.date(2000, 12, 1), "WARRANT", 60_000, 5.00, "OPT-2000-1", "OPTION_PLAN"),
        (dt.date(2001, 3, 1), "ISSUE", 500_000, 10.00, None, None),
    ],
    "offered": 1_000_000,  # New Securities offered (Section 9(a))
    "option_strike": 5.00,  # exercise price of the Stock Option Plan options
    "warrant_strike": 15.00,  # exercise price of the Spinway Warrant
    "common_dividend": 0.10,  # a common dividend per share (Section 2(b))
    "exit_values": [10_000_000, 25_000_000, 50_000_000, 100_000_000, 200_000_000],
    "schedule_years": [0, 1, 2, 3, 4, 5],
    # the payout curve (Waterfall charts) runs to this multiple of the last breakpoint
    "curve_margin": 1.25,
}

#: Sample inputs of the Checks sheet (all SAMPLE: none is a certificate term).
CHECK_INPUTS: dict[str, Any] = {
    "qpo": (80_000_000, 60_000_000, 350_000_000),  # firm commitment, gross, pre-offering
    "liq_event": {
        "keeps_majority": False,
        "asset_sale": False,
        "public_buyer": True,
        "registered": True,
        "average_price": 10.00,
        "exchange_ratio": 1.5,
        "trading_volume": 40_000_000,
    },
    "authorized_unissued": 3_000_000,
    "board_size": 7,
    "series_a_directors": 1,
    "put_notice": dt.date(2001, 6, 25),  # a Monday, before Independence Day
    "consent": ("DEBT", 20_000_000, False, False, 1),
    "price_series": [
        (dt.date(2001, 5, 10), 9.00),  # before the 3(c) window: not averaged
        (dt.date(2001, 5, 15), 10.00),
        (dt.date(2001, 5, 20), 10.50),
        (dt.date(2001, 5, 25), 11.00),
        (dt.date(2001, 6, 1), 9.50),
        (dt.date(2001, 6, 10), 9.00),
    ],
    "closing_date": dt.date(2001, 6, 15),
    "discount": 0,
}
