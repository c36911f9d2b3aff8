"""Every command that writes refuses to replace an existing file unless asked (--force); the
demo replaces only what it wrote itself; special files are never replaced by a regular file."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import openpyxl
import pytest

from xl_addin import _files
from xl_addin.cli import main

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook_templates" / "series_a_model.xlsx"


def test_template_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    model = tmp_path / "model.xlsx"
    model.write_bytes(b"my edited model")
    assert main(["template", "-o", str(model)]) == 2
    err = capsys.readouterr().err
    assert f"{model}: exists; pass --force to replace it" in err
    assert model.read_bytes() == b"my edited model"  # untouched
    assert main(["template", "-o", str(model), "--force"]) == 0
    assert model.read_bytes() == TEMPLATE.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["model.xlsx"]  # no temporary file left


def test_demo_replaces_its_own_files_but_not_an_edited_model(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    assert main(["demo", "-o", str(out)]) == 0  # a second run replaces what the first wrote
    capsys.readouterr()
    model = out / "series_a_model.xlsx"
    model.write_bytes(model.read_bytes() + b"edited")  # the user worked in the demo folder
    edited = model.read_bytes()
    assert main(["demo", "-o", str(out)]) == 2
    assert "exists and was not written by the demo" in capsys.readouterr().err
    assert model.read_bytes() == edited
    assert main(["demo", "-o", str(out), "--force"]) == 0


def test_demo_output_option_spellings(tmp_path: Path, capsys) -> None:
    for flag in ("-o", "--output", "--out"):
        folder = tmp_path / flag.strip("-")
        assert main(["demo", flag, str(folder)]) == 0
        assert (folder / "series_a_model.recalc.xlsx").is_file()
    capsys.readouterr()


def test_events_export_round_trips_the_template_log(tmp_path: Path, capsys) -> None:
    assert main(["events", str(TEMPLATE)]) == 0
    text = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(text)))
    # the log as the template's cells hold it, read independently with openpyxl
    wb = openpyxl.load_workbook(TEMPLATE)
    sheet, ref = next(iter(wb.defined_names["EventLog"].destinations))
    cells = [[c.value for c in row] for row in wb[sheet][ref.replace("$", "")]]
    header = [str(v) for v in cells[0] if v is not None]
    body = [r for r in cells[1:] if any(v is not None for v in r)]
    assert rows[0] == header
    assert len(rows) == 1 + len(body)
    for got, row in zip(rows[1:], body, strict=True):
        assert got[0] == row[0].date().isoformat()
        assert got[1] == row[1]
        assert float(got[2]) == row[2]
    out = tmp_path / "events.csv"
    assert main(["events", str(TEMPLATE), "-o", str(out)]) == 0
    assert out.read_text() == text
    assert main(["events", str(TEMPLATE), "-o", str(out)]) == 2  # exists
    assert "pass --force" in capsys.readouterr().err
    assert main(["events", str(TEMPLATE), "-o", str(out), "--force"]) == 0


def test_sample_events_csv_is_the_templates_log(capsys) -> None:
    """workbook_templates/sample_events.csv is what `xl-addin events` exports from the template
    (regenerate: xl-addin events workbook_templates/series_a_model.xlsx -o ... --force)."""
    assert main(["events", str(TEMPLATE)]) == 0
    sample = TEMPLATE.parent / "sample_events.csv"
    assert sample.read_text() == capsys.readouterr().out


def test_exported_log_feeds_the_certificate(tmp_path: Path, capsys) -> None:
    log = tmp_path / "events.csv"
    assert main(["events", str(TEMPLATE), "-o", str(log)]) == 0
    args = ["--common-outstanding", "14000000", "--class-i-shares", "1210398"]
    assert main(["certificate", str(log), "--row", "3", *args]) == 0
    md = capsys.readouterr().out
    # row 3: ISSUE of 500,000 shares at $10 < $12.31 before the QPO: full ratchet (6(c)(i)) to $10
    assert "$10.00" in md


def test_events_bad_workbook_is_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    assert main(["events", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"xl-addin events: {bad}: cannot read")
    assert main(["events", str(TEMPLATE), "--name", "NoSuchLog"]) == 2
    assert "no defined name 'NoSuchLog'" in capsys.readouterr().err


def test_certificate_output_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    log = tmp_path / "events.csv"
    log.write_text("date,event,shares,price\n2001-01-01,ISSUE,100,5\n")
    out = tmp_path / "cert.md"
    out.write_text("signed copy")
    args = [str(log), "--row", "2", "--common-outstanding", "1e6", "--class-i-shares", "100"]
    assert main(["certificate", *args, "-o", str(out)]) == 2
    assert out.read_text() == "signed copy"
    assert main(["certificate", *args, "-o", str(out), "--force"]) == 0
    assert "6(c)" in out.read_text()
    capsys.readouterr()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_special_file_is_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for overwrite in (True, False):
        with pytest.raises(OSError, match="not a regular file"):
            _files.write_atomically(fifo, b"data", overwrite=overwrite)
        assert fifo.is_fifo()
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(OSError, match="a folder"):
        _files.write_atomically(folder, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "pipe"]


def test_no_overwrite_is_atomic_against_a_file_appearing(tmp_path: Path, monkeypatch) -> None:
    """A file that appears between the check and the write is not replaced either."""
    target = tmp_path / "out.xlsx"
    real_link = os.link

    def link(src, dst, **kw):  # the user saves the file just before the write lands
        Path(dst).write_bytes(b"appeared")
        return real_link(src, dst, **kw)

    monkeypatch.setattr(os, "link", link)
    with pytest.raises(_files.OutputExistsError):
        _files.write_atomically(target, b"ours", overwrite=False)
    assert target.read_bytes() == b"appeared"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]
