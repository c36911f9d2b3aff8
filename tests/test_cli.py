"""The main job: ``xl-addin demo``."""

from __future__ import annotations

import subprocess
import sys

from xl_addin.cli import main


def test_demo_prints_the_sample_scenario(capsys, tmp_path) -> None:
    assert main(["demo", "-o", str(tmp_path)]) == 0  # the sample scenario's own date
    out = capsys.readouterr().out
    assert "As of 15 June 2001" in out  # dated, not today: one year after the Class I issue
    # Class I: 1,210,398 × (12.31 + 1.231 × 365/365) = 1,210,398 × 13.541 = 16,389,999.318
    assert "$16,389,999.32" in out and "$13.5410" in out and "$1.2310" in out
    assert "1,210,398" in out
    # Class II, issued 2000-09-15: 273 days, 12.31 + 1.231 × 273/365 = 13.23071233 a share;
    # × 820,471 = 10,855,422.52; total preference 27,245,421.84
    assert "$10,855,422.52" in out and "$27,245,421.84" in out
    # waterfall at $10M, below total preference: ratably by shares (3(a)):
    # Class I 10,000,000 × 1,210,398 / 2,030,869 = 5,960,000.37
    assert "$5,960,000.37" in out
    # the breakpoints are printed, named by class; the first is the total preference
    assert "$27,245,421.84  preferences paid in full" in out
    assert "Class I converts" in out and "Class II converts" in out
    # conversion at the ratcheted $10: 1,210,398 × 12.31 / 10 = 1,489,999.9 → 1,489,999 full
    # shares; 820,471 × 1.231 = 1,009,999.8 → 1,009,999; 2,499,998 above the 2,030,869 reserved
    assert "1,489,999" in out and "1,009,999" in out
    assert "ABOVE RESERVE" in out and "2,499,998 vs 2,030,869" in out
    # both Fully Diluted figures, each labelled: 14,000,000 + 2,670,000 + 2,499,998 and
    # 14,460,000 + 560,000 + 2,499,998
    flat = " ".join(out.split())  # long sentences wrap
    assert "= 19,169,998" in flat and "= 17,519,998" in flat and "differ by 1,650,000" in flat
    assert (tmp_path / "series_a_model.recalc.xlsx").is_file()
    assert str(tmp_path / "series_a_model.recalc.xlsx") in out
    # one page: nothing wider than a terminal of 120 columns
    assert max(len(line) for line in out.splitlines() if "recalc.xlsx" not in line) <= 120


def test_demo_rejects_a_bad_date() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "xl_addin.cli", "demo", "--as-of", "June 2000"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "expected a date YYYY-MM-DD" in run.stderr


def test_valuation_before_issue_is_a_clear_error(capsys, tmp_path) -> None:
    assert main(["demo", "--as-of", "1999-01-01", "--out", str(tmp_path)]) == 2
    assert "payment_date must not be before issue_date" in capsys.readouterr().err


LOG = """date,event,shares,price,instrument,note
2001-01-01,WARRANT,1000000,8,W1,bridge warrant
2001-06-01,EXPIRE,,,W1,expired unexercised
"""


def test_certificate_of_adjustment_from_the_cli(tmp_path, capsys) -> None:
    log = tmp_path / "events.csv"
    log.write_text(LOG)
    out = tmp_path / "cert.html"
    args = [str(log), "--common-outstanding", "10,000,000", "--class-i-shares", "100000"]
    assert main(["certificate", *args, "--row", "2"]) == 0
    md = capsys.readouterr().out
    # 6(d) before the QPO: 1,000,000 warrants at $8 < $12.31 → full ratchet (6(c)(i)) to $8;
    # Class I then converts into 100,000 × 12.31 / 8 = 153,875 Common shares
    assert "| Class I | $12.31 | $8.00 | 100,000 | 153,875 |" in md
    assert main(["certificate", *args, "--row", "3", "--format", "html", "-o", str(out)]) == 0
    page = out.read_text()
    # 6(f): expired wholly unexercised → rescinded, back to $12.31 (100,000 shares → 100,000)
    assert "<td>$12.31</td>" in page and "rescinded" in page


def test_certificate_bad_input_is_one_line(tmp_path, capsys) -> None:
    log = tmp_path / "events.csv"
    log.write_text(LOG)
    args = [str(log), "--common-outstanding", "1e7", "--class-i-shares", "100000"]
    assert main(["certificate", *args, "--row", "two"]) == 2
    assert "--row must be a number (got 'two')" in capsys.readouterr().err
    assert main(["certificate", str(tmp_path / "missing.csv"), *args[1:], "--row", "2"]) == 2
    assert "event log not found" in capsys.readouterr().err
