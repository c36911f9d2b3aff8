"""``xl-addin recalc IN -o -``: the workbook on standard output (issue #11 item 6: "written
through where that is the meaning, e.g. ``-o -`` for standard output"), never a file named -."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from xl_addin import recalc


def _book(path: Path, formula: str = "=A1*3") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = 2
    ws["B1"] = formula
    wb.save(path)
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "xl_addin.cli", "recalc", *args],
        cwd=cwd,
        capture_output=True,
        check=False,
        timeout=300,
    )


def test_the_workbook_goes_to_standard_output(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    got = _cli(str(src), "-o", "-", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout[:2] == b"PK"  # a zip: the workbook itself
    out = tmp_path / "piped.xlsx"
    out.write_bytes(got.stdout)
    ws = openpyxl.load_workbook(out, data_only=True).active
    assert ws is not None
    assert ws["B1"].value == 6  # =A1*3 with A1 = 2
    assert b"(standard output): 1 formula cells recalculated" in got.stderr
    assert not (tmp_path / "-").exists()  # never a file named -
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "piped.xlsx"]


def test_nothing_on_standard_output_when_cells_are_errors(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx", "=A1/0")
    got = _cli(str(src), "-o", "-", cwd=tmp_path)
    assert got.returncode == 1
    assert got.stdout == b""
    assert b"#DIV/0!" in got.stderr
    with_errors = _cli(str(src), "-o", "-", "--allow-errors", cwd=tmp_path)
    assert with_errors.returncode == 0 and with_errors.stdout[:2] == b"PK"


def test_a_terminal_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _book(tmp_path / "in.xlsx")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    assert recalc.main([str(src), "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert "standard output is a terminal" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "-").exists()


def test_in_place_and_standard_output_conflict(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    got = _cli(str(src), "-o", "-", "--in-place", cwd=tmp_path)
    assert got.returncode == 2
    assert got.stdout == b""
    assert got.stderr.decode().count("\n") == 1


def test_a_file_named_dash_is_dot_slash_dash(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    got = _cli(str(src), "-o", "./-", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "-").read_bytes()[:2] == b"PK"
