"""Issue #13 item 5: the Section 6(j) certificate from CPHISTORY's inputs, worked by hand.

Class I Stated Value $12.31 (Section 1) throughout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from fractions import Fraction
from pathlib import Path

import pytest

from xl_addin.cli import main
from xl_addin.terms import TermsError
from xl_addin.terms.certificate_of_adjustment import certificate_markdown, consideration
from xl_addin.terms.history import capitalization, history_steps

TEMPLATE = Path(__file__).resolve().parent.parent / "workbook_templates" / "series_a_model.xlsx"
D = dt.date


def _csv(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "events.csv"
    path.write_text("date,event,shares,price,ratio,instrument,category\n" + "\n".join(rows) + "\n")
    return str(path)


def test_option_plan_usage_is_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _csv(tmp_path, "2001-01-01,WARRANT,100000,1,,OPT-1,OPTION_PLAN")
    start = ["--common-outstanding", "10000000", "--class-i-shares", "100000"]
    assert main(["certificate", log, "--row", "2", *start, "--option-plan-used", "2400000"]) == 0
    md = capsys.readouterr().out
    # 2,460,000 - 2,400,000 = 60,000 left under the 6(a)(i) cap: 40,000 options beyond it at
    # $1 < $12.31, before the QPO -> 6(c)(i), 6(d) full ratchet to $1; Class I converts into
    # 100,000 × 12.31 / 1 = 1,231,000 Common shares
    assert "| Class I | $12.31 | $1.00 | 100,000 | 1,231,000 |" in md
    assert "CAP EXCEEDED: 40,000 of 100,000" in md
    # without the usage the grant is within the cap: no adjustment
    assert main(["certificate", log, "--row", "2", *start]) == 0
    assert "| Class I | $12.31 | $12.31 | 100,000 | 100,000 |" in capsys.readouterr().out


def test_expired_options_free_cap_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _csv(
        tmp_path,
        "2001-01-01,WARRANT,2460000,1,,OPT-1,OPTION_PLAN",
        "2001-02-01,EXPIRE,,,,OPT-1,",
        "2001-03-01,WARRANT,2000000,3,,OPT-2,OPTION_PLAN",
    )
    start = ["--common-outstanding", "10000000", "--class-i-shares", "100000"]
    # the cap stays used by OPT-1's 2,460,000: OPT-2's 2,000,000 at $3 ratchet Class I to $3
    assert main(["certificate", log, "--row", "4", *start]) == 0
    assert "| Class I | $12.31 | $3.00 |" in capsys.readouterr().out
    # freed on expiry: 2,000,000 ≤ 2,460,000 are permitted, no adjustment
    assert main(["certificate", log, "--row", "4", *start, "--expired-options-free-cap"]) == 0
    assert "| Class I | $12.31 | $12.31 |" in capsys.readouterr().out


def _facts(md: str) -> dict[str, str]:
    table = md.split("## The event", 1)[1].split("## Method", 1)[0]
    cells = [line.strip("|").split(" | ") for line in table.splitlines() if line.startswith("| ")]
    return {k.strip(): v.strip() for k, v in cells if k.strip()}


def test_fully_diluted_in_the_facts_and_in_the_formula_are_the_same() -> None:
    # 9,900,000 Common + 100,000 Class I = 10,000,000 FD; after the QPO (weighted average);
    # 2,400,000 option-plan shares used: 60,000 room under the 2,460,000 cap (6(a)(i))
    cap = capitalization(9_900_000, 0, 100_000, qpo_closed=True, option_plan_used=2_400_000)
    steps = history_steps(
        cap,
        [
            ["date", "event", "shares", "price", "instrument", "category"],
            [D(2001, 1, 1), "WARRANT", 100_000, 10, "OPT-1", "OPTION_PLAN"],
        ],
    )
    md = certificate_markdown(steps[0])
    formula = re.search(r"\(([\d,]+) × \$12\.31 \+ \$[\d,.]+\) / ([\d,]+) = ", md)
    assert formula is not None
    # 60,000 permitted first: FD 10,000,000 -> 10,060,000; the 40,000 beyond the cap at $10:
    # (10,060,000 × 12.31 + 400,000) / 10,100,000 (6(c)(ii), 6(d))
    assert formula.groups() == ("10,060,000", "10,100,000")
    facts = _facts(md)
    assert set(formula.groups()) <= set(facts.values())
    assert facts["Fully Diluted Outstanding before this event (6(a))"] == "10,000,000"


def test_fully_diluted_same_numbers_without_a_cap() -> None:
    cap = capitalization(9_900_000, 0, 100_000, qpo_closed=True)
    steps = history_steps(
        cap,
        [
            ["date", "event", "shares", "price", "instrument"],
            [D(2001, 1, 1), "WARRANT", 10**6, 10, "W"],
        ],
    )
    md = certificate_markdown(steps[0])
    # (10,000,000 × 12.31 + 1,000,000 × 10) / 11,000,000 = $12.10 (6(c)(ii), 6(d))
    assert "(10,000,000 × $12.31 + $10,000,000.00) / 11,000,000 = $12.10" in md
    facts = _facts(md)
    assert "10,000,000" in facts.values() and "11,000,000" in facts.values()
    # after the event Class I converts at $12.10: 9,900,000 + 1,000,000 + floor(1,231,000 /
    # 12.10 = 101,735.5...) = 11,001,735, labelled as the count at the new price
    after = [k for k, v in facts.items() if v == "11,001,735"]
    assert after and "after this event" in after[0]


@pytest.mark.parametrize(
    ("event_row", "what"),
    [
        ("2001-01-01,SPLIT,,,2,,", "subdivision"),
        ("2001-01-01,DIVIDEND,1000000,,,,", "dividend payable in Common Stock"),
    ],
)
def test_no_cash_consideration_claimed_without_consideration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], event_row: str, what: str
) -> None:
    log = _csv(tmp_path, event_row)
    start = ["--common-outstanding", "10000000", "--class-i-shares", "100000"]
    assert main(["certificate", log, "--row", "2", *start]) == 0
    md = capsys.readouterr().out
    assert "Cash consideration" not in md and "cash received" not in md
    assert "No consideration" in md and what in md
    # a fair-value basis for an event without consideration is refused, in one line
    assert main(["certificate", log, "--row", "2", *start, "--fair-value-basis", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fair_value_basis" in err and "no consideration" in err


def test_expiry_claims_no_cash_and_non_cash_issue_states_the_board_basis() -> None:
    cap = capitalization(9_900_000, 0, 100_000)
    steps = history_steps(
        cap,
        [
            ["date", "event", "shares", "price", "instrument"],
            [D(2001, 1, 1), "WARRANT", 1_000, 8, "W1"],
            [D(2001, 2, 1), "EXPIRE", None, None, "W1"],
            [D(2001, 3, 1), "ISSUE", 1_000, 9, None],
        ],
    )
    assert "Cash consideration" not in consideration(steps[1])
    assert "No consideration" in consideration(steps[1])
    text = consideration(steps[2], "independent appraisal of the patents received")
    assert "Consideration other than cash" in text
    assert "as determined in good faith by the Board of Directors" in text
    assert "independent appraisal of the patents received" in text
    assert consideration(steps[2]).startswith("Cash consideration: $9.00 per share")
    with pytest.raises(TermsError, match="fair_value_basis"):
        consideration(
            history_steps(cap, [["date", "event", "ratio"], [D(2001, 1, 1), "SPLIT", 2]])[0], "x"
        )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_certificate_from_the_template_workbook_read_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "model.xlsx"
    book.write_bytes(TEMPLATE.read_bytes())
    digest, mtime = _digest(book), book.stat().st_mtime_ns
    assert main(["certificate", str(book), "--row", "3"]) == 0
    md = capsys.readouterr().out
    # the template's CPHISTORY inputs: Common 14,000,000, rights 460,000, Class I 1,210,398
    # and Class II 820,471 shares at $12.31 -> FD 16,490,869; row 2 grants 60,000 plan options
    # (within the cap) -> 16,550,869; row 3 issues 500,000 at $10 < $12.31 before the QPO:
    # 6(c)(i) full ratchet of both classes to $10. Class I: 1,210,398 × 12.31 / 10
    # = 14,899,999.38 / 10 -> 1,489,999; Class II: 820,471 × 12.31 / 10 = 1,009,999.8 -> 1,009,999
    assert "| Class I | $12.31 | $10.00 | 1,210,398 | 1,489,999 |" in md
    assert "| Class II | $12.31 | $10.00 | 820,471 | 1,009,999 |" in md
    assert _facts(md)["Fully Diluted Outstanding before this event (6(a))"] == "16,550,869"
    # an option overrides the workbook: 2,440,000 used leaves 20,000 room, so 40,000 of the
    # 60,000 options at $5 are beyond the cap -> both classes ratchet to $5 on row 2
    assert main(["certificate", str(book), "--row", "2", "--option-plan-used", "2440000"]) == 0
    md = capsys.readouterr().out
    assert "| Class I | $12.31 | $5.00 |" in md and "CAP EXCEEDED: 40,000 of 60,000" in md
    assert _digest(book) == digest and book.stat().st_mtime_ns == mtime  # never written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.xlsx"]


def test_workbook_without_cphistory_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    book = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(book)
    assert main(["certificate", str(book), "--row", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no CPHISTORY formula" in err


def test_csv_without_the_required_capitalization_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _csv(tmp_path, "2001-01-01,SPLIT,,,2,,")
    assert main(["certificate", log, "--row", "2", "--class-i-shares", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--common-outstanding" in err


def test_cphistory_arguments_are_read_at_the_top_level_only() -> None:
    from xl_addin.certificate_cmd import _arguments

    formula = '=IFERROR(_xludf.CPHISTORY(EventLog,Sheet1!$C$4,"a,b",MAX(1,2),,TRUE),"")'
    assert _arguments(formula) == ["EventLog", "Sheet1!$C$4", '"a,b"', "MAX(1,2)", "", "TRUE"]
    assert _arguments("=XCPHISTORY(1)+CPHISTORY(A1)") == ["A1"]


def test_rescission_certificate_shows_every_recomputed_adjustment() -> None:
    # 9,850,000 Common + 100,000 Class I ($12.31) + 50,000 Class II ($10) = 10,000,000 FD,
    # after the QPO (weighted average)
    cap = capitalization(9_850_000, 0, 100_000, 50_000, 10, qpo_closed=True)
    steps = history_steps(
        cap,
        [
            ["date", "event", "shares", "price", "instrument"],
            [D(2001, 1, 1), "WARRANT", 1_000_000, 11, "W1"],  # adjusts Class I only
            [D(2001, 2, 1), "EXERCISE", 400_000, 11, "W1"],
            [D(2001, 3, 1), "ISSUE", 1_000_000, 5, None],
            [D(2001, 4, 1), "EXPIRE", None, None, "W1"],
        ],
    )
    md = certificate_markdown(steps[3])
    # 6(f) recomputation of Class I without the 600,000 unexercised warrants:
    #   row 3 (6(f)(iii)): 400,000 issued at $11 on 2001-02-01:
    #     (10,000,000 × 12.31 + 4,400,000) / 10,400,000 = 127,500,000 / 10,400,000 = 1275/104
    #   row 4: FD = 10,250,000 Common + floor(1,231,000 × 104 / 1275 = 100,410.98) = 100,410
    #     + 50,000 Class II (at its own $10: not recomputed) = 10,400,410;
    #     (10,400,410 × 1275/104 + 5,000,000) / 11,400,410
    assert "(10,000,000 × $12.31 + $4,400,000.00) / 10,400,000 = $12.259615…" in md
    assert "row 4 recomputed" in md and "/ 11,400,410 = $11.62283…" in md
    facts = _facts(md)
    for figure in ("10,000,000", "10,400,000", "10,400,410", "11,400,410"):
        assert figure in facts.values(), figure
    expected = (10_400_410 * Fraction(1275, 104) + 5_000_000) / 11_400_410
    assert steps[3].prices_after["Class I"] == expected
    assert steps[3].prices_after["Class II"] == steps[2].prices_after["Class II"]
