"""The main job: ``xl-addin demo``."""

from __future__ import annotations

import subprocess
import sys

from xl_addin.cli import main


def test_demo_prints_the_sample_scenario(capsys) -> None:
    assert main(["demo", "--as-of", "2001-06-15"]) == 0
    out = capsys.readouterr().out
    # Class I: 1,210,398 × (12.31 + 1.231 × 365/365) = 1,210,398 × 13.541 = 16,389,999.318
    assert "16,389,999.32" in out
    # converts 1:1 at the initial Conversion Price of $12.31
    assert "1,210,398" in out


def test_demo_rejects_a_bad_date() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "xl_addin.cli", "demo", "--as-of", "June 2000"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "expected a date YYYY-MM-DD" in run.stderr


def test_valuation_before_issue_is_a_clear_error(capsys) -> None:
    assert main(["demo", "--as-of", "1999-01-01"]) == 2
    assert "payment_date must not be before issue_date" in capsys.readouterr().err
