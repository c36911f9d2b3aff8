"""The main job: ``xl-addin demo``."""

from __future__ import annotations

import subprocess
import sys

from xl_addin.cli import main


def test_demo_prints_the_sample_scenario(capsys, tmp_path) -> None:
    assert main(["demo", "--as-of", "2001-06-15", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    # Class I: 1,210,398 × (12.31 + 1.231 × 365/365) = 1,210,398 × 13.541 = 16,389,999.318
    assert "16,389,999.32" in out
    assert "1,210,398" in out
    # waterfall at $10M, below total preference: ratably by shares (3(a)):
    # Class I 10,000,000 × 1,210,398 / 2,030,869 = 5,960,000.37
    assert "5,960,000.37" in out
    assert (tmp_path / "series_a_model.recalc.xlsx").is_file()
    assert str(tmp_path / "series_a_model.recalc.xlsx") in out


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
