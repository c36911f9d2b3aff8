"""Every constant is the certificate's own number, quoted from its text at the cited section.

The quotations live here, in the repository, so a fresh clone checks each constant against the
words it comes from. Where the certificate's full text is available (``../shared`` beside the
clone, or ``XL_ADDIN_CERTIFICATE=path``), each quotation is also found in it, word for word;
where it is not (a clone with nothing beside it, as the README's commands must work), those
checks are skipped with the path they looked at, and the quotations still check every constant.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from xl_addin.terms import constants as c

ROOT = Path(__file__).resolve().parents[1]
CERTIFICATE = Path(
    os.environ.get("XL_ADDIN_CERTIFICATE")
    or ROOT.parent / "shared" / "certificate_of_designation.txt"
)


@pytest.fixture(scope="module")
def text() -> str:
    if not CERTIFICATE.is_file():
        pytest.skip(f"the certificate's text is not beside this clone ({CERTIFICATE})")
    return re.sub(r"\s+", " ", CERTIFICATE.read_text())


QUOTATIONS = pytest.mark.parametrize(
    ("value", "phrase"),
    [
        (c.CLASS_I_AUTHORIZED, "Class I Preferred shall be 1,210,398 shares"),
        (c.CLASS_II_AUTHORIZED, "Class II Preferred shall be 820,471 shares"),
        (c.CLASS_I_STATED_VALUE, "Twelve and 31/100 Dollars ($12.31) per share"),
        (c.PREFERRED_PAR_VALUE, "shall have $1.00 par value per share"),
        (c.COMMON_PAR_VALUE, "par value $.02 per share"),
        (c.ACCRUAL_RATE, "10% of such Stated Value per annum"),
        (c.MERGER_VALUE_TEST, "greater than 120% of the Liquidation Preference"),
        (c.MERGER_VOLUME_MULTIPLE, "at least 10 times the aggregate number of Merger Shares"),
        (c.VALUATION_WINDOW_DAYS, "thirty (30) day period ending three (3) days prior"),
        (c.QPO_FIRM_COMMITMENT, "firm commitment from one or more underwriter(s) for at least $75"),
        (c.QPO_GROSS_PROCEEDS, "at least $56.25 million (before deduction"),
        (c.QPO_PRE_OFFERING_EQUITY, "no less than $400 million pre-offering"),
        (
            c.QUALIFIED_PRIVATE_OFFERING_PROCEEDS,
            "gross proceeds to the Corporation of at least $30",
        ),
        (c.OPTION_PLAN_CAP, "issuance of up to 2,460,000 shares of Common Stock"),
        (c.SUBSEQUENT_CLOSING_SHARES, "up to 820,471 shares of Series A Convertible"),
        (c.BOARD_BASKET_MAJORITY, "an aggregate of up to 100,000 additional shares"),
        (c.BOARD_BASKET_APPROVED_WITH_SERIES_A_DIRECTOR, "up to another 100,000 additional"),
        (c.SPINWAY_WARRANT_SHARES, "(ix) 210,000 shares of Common Stock upon exercise"),
        (c.RESERVED_COMMON_SHARES, "2,030,869 shares of Common Stock"),
        (c.PROTECTIVE_THRESHOLD, "in excess of $15 million"),
        (c.DIRECTOR_SURVIVAL_FRACTION, "less than 25% of their initial holdings"),
        (c.PROTECTIVE_SURVIVAL_FRACTION, "less than an aggregate of 50% of the number of shares"),
        (c.MEETING_CALL_FRACTION, "holders of record of 25% or more of the Series A"),
        (c.MEETING_PROCEDURE_FRACTION, "extent that holders of 75% of the Series A"),
        (c.STOCK_ACQUISITION_BASKET, "(iv) up to $15 million of Common Stock"),
        (c.TRIGGER_CURE_DAYS, "within a period of 30 days after such violation"),
        (c.TRIGGER_CURE_DAYS, "continue for a period of 30 days after notice"),
        (c.PUT_NOTICE_BUSINESS_DAYS, "not less than 10 business days after"),
        (c.PREEMPTIVE_ELECTION_BUSINESS_DAYS, "twenty (20) business days from the date of receipt"),
        (c.PREEMPTIVE_SALE_DAYS, "ninety (90) days after expiration"),
        (c.PREEMPTIVE_SURVIVAL_FRACTION, "in the aggregate at least 50% of the number of shares"),
    ],
)


@QUOTATIONS
def test_quotation_is_in_the_certificate(text: str, value, phrase: str) -> None:
    assert phrase in text


@QUOTATIONS
def test_constant_is_the_number_quoted(value, phrase: str) -> None:
    numbers = re.findall(r"\$?\.?\d[\d,]*(?:\.\d+)?", phrase)
    as_values = set()
    for n in numbers:
        raw = n.replace("$", "").replace(",", "")
        raw = "0" + raw if raw.startswith(".") else raw
        v = float(raw)
        as_values |= {v, v * 1_000_000, v / 100}
    assert float(value) in as_values


def test_class_ii_stated_value_is_an_input() -> None:
    # Section 1: Class II Stated Value is "the Closing Per Share Price (as defined in the
    # Preferred Stock Purchase Agreement)"
    assert c.CLASS_II_STATED_VALUE is None


def test_no_other_module_types_a_certificate_number() -> None:
    """The constants live in one module: the engine's other modules don't type them."""
    numbers = {
        int(v)
        for k, v in vars(c).items()
        if k.isupper() and isinstance(v, int) and not isinstance(v, bool) and v > 1000
    }
    numbers |= {12.31, 0.02, 56.25}
    offenders = []
    for path in (ROOT / "xl_addin").rglob("*.py"):
        if path.name == "constants.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, (int, float))
                and not isinstance(node.value, bool)
                and node.value in numbers
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value}")
    assert offenders == []
