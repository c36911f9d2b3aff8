"""Hostile and broken workbooks (issue 7, "Workbooks"): every bad input gets one line
``xl-addin recalc: <file>: <reason>``, a non-zero exit, within seconds, with the input untouched
and nothing left in the destination folder; formulas are data (no code, no other files, no
network, external links reported and not followed); an interrupted recalculation leaves the old
output or none; recalculating twice gives the same bytes."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from xl_addin import _files, cli, fastcalc, recalc
from xl_addin.recalc import OutputError, RecalcError, recalculate
from xl_addin.template import build_template
from xl_addin.workbook import zipio

SECONDS = 5.0  # "within seconds"


# ============================================================================ fixtures, helpers
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "series_a_model.xlsx")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A small workbook with shared strings, two sheets and a cross-sheet formula."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"], ws["A2"], ws["B1"] = 2, "text", "=A1*3"
    wb.create_sheet("Sheet2")["A1"] = "=Sheet1!B1+1"
    path = tmp_path_factory.mktemp("small") / "small.xlsx"
    wb.save(path)
    data = path.read_bytes()
    # openpyxl writes inline strings here: make A2 a shared string, as Excel writes it
    sheet = part(data, "xl/worksheets/sheet1.xml")
    inline = b'<c r="A2" t="inlineStr"><is><t>text</t></is></c>'
    assert inline in sheet
    return rezip(
        data,
        {
            "xl/worksheets/sheet1.xml": sheet.replace(inline, b'<c r="A2" t="s"><v>0</v></c>'),
            "xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>text</t></si></sst>',
            "xl/_rels/workbook.xml.rels": part(data, "xl/_rels/workbook.xml.rels").replace(
                b"</Relationships>",
                b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                b"</Relationships>",
            ),
            "[Content_Types].xml": part(data, "[Content_Types].xml").replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            ),
        },
    )


def rezip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """``data`` (a zip) with members replaced, removed (None) or added."""
    out = io.BytesIO()
    todo = dict(replace)
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in todo:
                new = todo.pop(info.filename)
                if new is not None:
                    dst.writestr(info, new)
            else:
                dst.writestr(info, src.read(info))
        for name, new in todo.items():
            if new is not None:
                dst.writestr(zipfile.ZipInfo(name), new, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


BOMB_SIZE = 300 * 2**20  # past MAX_PART_BYTES


@pytest.fixture(scope="module")
def bomb_member() -> tuple[bytes, int]:
    """300 MiB of spaces, raw-deflated (about 300 KB), and its CRC."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b" " * 2**20
    body = b"".join(co.compress(chunk) for _ in range(BOMB_SIZE // 2**20)) + co.flush()
    crc = 0
    for _ in range(BOMB_SIZE // 2**20):
        crc = zlib.crc32(chunk, crc)
    return body, crc


def with_raw_member(data: bytes, name: str, body: bytes, crc: int, declared: int) -> bytes:
    """``data`` plus a deflated member written by hand, declaring ``declared`` bytes inflated
    (a zip's headers can lie)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
    zipped = buf.getvalue()
    eocd = zipped.rindex(b"PK\x05\x06")
    n, cd_size, cd_offset = struct.unpack("<HII", zipped[eocd + 10 : eocd + 20])
    files, central = zipped[:cd_offset], zipped[cd_offset : cd_offset + cd_size]
    raw = name.encode()
    local = struct.pack(
        "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(body), declared, len(raw), 0
    )
    entry = struct.pack(
        "<4sHHHHHHIIIHHHHHII",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        0,
        0x21,
        crc,
        len(body),
        declared,
        len(raw),
        0,
        0,
        0,
        0,
        0,
        len(files),
    )
    new_files = files + local + raw + body
    new_central = central + entry + raw
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, n + 1, n + 1, len(new_central), len(new_files), 0
    )
    return new_files + new_central + end


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], float]:
    t0 = time.perf_counter()
    rc = cli.main(argv)
    seconds = time.perf_counter() - t0
    return rc, capsys.readouterr().err.strip().splitlines(), seconds


def assert_refused(
    path: Path, capsys: pytest.CaptureFixture[str], reason: str, *extra: str
) -> None:
    """recalc of ``path`` fails cleanly: one line naming the file, exit 2, within seconds,
    the input untouched, nothing new in the folder (no output, no temporary file)."""
    before = snapshot(path.parent)
    rc, err, seconds = run_cli(["recalc", str(path), *extra], capsys)
    assert rc == 2, err
    assert len(err) == 1, err
    assert err[0].startswith(f"xl-addin recalc: {path}: "), err
    assert re.search(reason, err[0]), err
    assert seconds < SECONDS
    assert snapshot(path.parent) == before


# ============================================================================ bad input files
def _ole2(stream_name: str) -> bytes:
    """An OLE2/CFB container's first sector and a directory entry naming ``stream_name``."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    name = stream_name.encode("utf-16-le")
    entry = name + b"\0" * (64 - len(name)) + struct.pack("<H", len(name) + 2)
    return header + entry + b"\0" * (512 - len(entry))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _with_dtd(xml: bytes, dtd: bytes, entity: bytes) -> bytes:
    """``xml`` with a DTD in front and an entity reference in its first text."""
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
    body = re.sub(rb"(<(?:v|t)>)", rb"\1" + entity, body, count=1)
    return dtd + body


BAD_FILES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "not a zip": (lambda ok: os.urandom(64) + b"\0\xff" * 100, "not a zip file"),
    "empty file": (lambda ok: b"", "empty file"),
    "csv renamed .xlsx": (lambda ok: b"date,event,shares\n2001-01-01,SPLIT,2\n", "CSV"),
    "html renamed .xlsx": (lambda ok: b"<html><body><table></table></body></html>", "HTML"),
    "truncated zip": (lambda ok: ok[: len(ok) // 2], "truncated or corrupt zip"),
    "truncated central directory": (lambda ok: ok[:-10], "truncated or corrupt zip"),
    "password-protected": (lambda ok: _ole2("EncryptionInfo"), "password-protected"),
    "legacy .xls": (lambda ok: _ole2("Workbook"), r"legacy Excel 97-2003 \.xls"),
    "zip without a workbook": (
        lambda ok: rezip(ok, {"xl/workbook.xml": None}),
        "without xl/workbook.xml",
    ),
    "missing sheet part": (
        lambda ok: rezip(ok, {"xl/worksheets/sheet2.xml": None}),
        r"xl/worksheets/sheet2\.xml: missing \(the part of sheet 'Sheet2'\)",
    ),
    "missing workbook relationships": (
        lambda ok: rezip(ok, {"xl/_rels/workbook.xml.rels": None}),
        "workbook.xml.rels: missing",
    ),
    "garbage sheet part": (
        lambda ok: rezip(ok, {"xl/worksheets/sheet1.xml": os.urandom(300)}),
        r"xl/worksheets/sheet1\.xml: ",
    ),
    "sheet part not well-formed": (
        lambda ok: rezip(
            ok, {"xl/worksheets/sheet1.xml": part(ok, "xl/worksheets/sheet1.xml")[:-12]}
        ),
        r"xl/worksheets/sheet1\.xml: corrupt XML",
    ),
    "unreadable shared string index": (
        lambda ok: rezip(
            ok,
            {
                "xl/worksheets/sheet1.xml": part(ok, "xl/worksheets/sheet1.xml").replace(
                    b'<c r="A2" t="s"><v>0</v>', b'<c r="A2" t="s"><v>99</v>'
                )
            },
        ),
        r"xl/worksheets/sheet1\.xml: cell A2: unreadable value",
    ),
    "corrupt workbook part": (
        lambda ok: rezip(ok, {"xl/workbook.xml": b"<workbook><sheets><sheet"}),
        r"xl/workbook\.xml: corrupt XML",
    ),
    "billion laughs in a sheet": (
        lambda ok: rezip(
            ok,
            {
                "xl/worksheets/sheet1.xml": _with_dtd(
                    part(ok, "xl/worksheets/sheet1.xml"), BILLION_LAUGHS, b"&lol9;"
                )
            },
        ),
        r"xl/worksheets/sheet1\.xml: XML with a DTD",
    ),
    "billion laughs in shared strings": (
        lambda ok: rezip(
            ok,
            {
                "xl/sharedStrings.xml": _with_dtd(
                    part(ok, "xl/sharedStrings.xml"), BILLION_LAUGHS, b"&lol9;"
                )
            },
        ),
        r"xl/sharedStrings\.xml: XML with a DTD",
    ),
    "billion laughs in the workbook part": (
        lambda ok: rezip(
            ok, {"xl/workbook.xml": _with_dtd(part(ok, "xl/workbook.xml"), BILLION_LAUGHS, b"")}
        ),
        r"xl/workbook\.xml: XML with a DTD",
    ),
    "external entity in a sheet": (
        lambda ok: rezip(
            ok,
            {
                "xl/worksheets/sheet1.xml": _with_dtd(
                    part(ok, "xl/worksheets/sheet1.xml"), XXE, b"&xxe;"
                )
            },
        ),
        r"xl/worksheets/sheet1\.xml: XML with a DTD",
    ),
    "external entity in shared strings, UTF-16": (
        lambda ok: rezip(
            ok,
            {
                "xl/sharedStrings.xml": _with_dtd(
                    part(ok, "xl/sharedStrings.xml"),
                    XXE.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"'),
                    b"&xxe;",
                )
                .decode()
                .encode("utf-16")
            },
        ),
        r"xl/sharedStrings\.xml: XML with a DTD",
    ),
    "corrupt deflate data": (
        lambda ok: _flip_member_bytes(ok, "xl/worksheets/sheet1.xml"),
        r"xl/worksheets/sheet1\.xml: corrupt zip member",
    ),
}


def _flip_member_bytes(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    buf = bytearray(data)
    for i in range(start + 5, start + min(info.compress_size, 60)):
        buf[i] ^= 0x5A
    return bytes(buf)


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_input_is_one_line_and_leaves_everything_as_it_was(
    case: str, small: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, reason = BAD_FILES[case]
    path = tmp_path / "book.xlsx"
    path.write_bytes(make(small))
    assert_refused(path, capsys, reason)
    # and the same through the library: a RecalcError naming the file, nothing written
    with pytest.raises(RecalcError, match=re.escape(f"{path}: ")):
        recalculate(path)
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


@pytest.mark.parametrize("engine", ["native", "formulas"])
def test_bad_input_with_either_engine(
    engine: str, small: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(BAD_FILES["billion laughs in a sheet"][0](small))
    assert_refused(path, capsys, "XML with a DTD", "--engine", engine)
    path.write_bytes(BAD_FILES["sheet part not well-formed"][0](small))
    assert_refused(path, capsys, "sheet1.xml", "--engine", engine)


def test_the_small_workbook_itself_recalculates(small: bytes, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(small)
    report = recalculate(path)
    assert report.ok and report.written
    assert recalc.named_values  # the values: B1 = 6, Sheet2!A1 = 7
    wb = openpyxl.load_workbook(report.output, data_only=True)
    assert wb["Sheet1"]["B1"].value == 6 and wb["Sheet2"]["A1"].value == 7


def test_zip_bomb_refused_from_its_headers(
    small: bytes, bomb_member: tuple[bytes, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body, crc = bomb_member
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(with_raw_member(small, "xl/worksheets/sheet1.xml", body, crc, BOMB_SIZE))
    assert path.stat().st_size < 2 * 2**20
    assert_refused(path, capsys, r"sheet1\.xml: inflates to 300 MiB \(more than 256 MiB per part")


def test_zip_bomb_with_lying_headers_is_stopped_while_inflating(
    small: bytes, bomb_member: tuple[bytes, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body, crc = bomb_member
    path = tmp_path / "liar.xlsx"
    path.write_bytes(with_raw_member(small, "xl/worksheets/sheet1.xml", body, crc, 4000))
    assert_refused(path, capsys, r"sheet1\.xml: (corrupt zip member|inflates past)")


def test_inflating_is_capped_whatever_the_headers_say(
    bomb_member: tuple[bytes, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader itself stops at the cap (per part and what is left of the total): it never
    holds more than the cap, even when a header claims more."""
    body, crc = bomb_member
    path = tmp_path / "bomb.zip"
    path.write_bytes(with_raw_member(b"PK\x05\x06" + b"\0" * 18, "big.xml", body, crc, BOMB_SIZE))
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("big.xml")
        t0 = time.perf_counter()
        with pytest.raises(RecalcError, match="inflates past the 1 MiB limit"):
            recalc._read_member(z, info, budget=2**20)
        monkeypatch.setattr(zipio, "MAX_PART_BYTES", 3 * 2**20)
        with pytest.raises(RecalcError, match="inflates past the 3 MiB limit"):
            recalc._read_member(z, info, budget=recalc.MAX_TOTAL_BYTES)
        assert time.perf_counter() - t0 < SECONDS


def test_total_size_cap(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "model.xlsx"
    shutil.copy(template, path)
    monkeypatch.setattr(zipio, "MAX_TOTAL_BYTES", 50_000)
    assert_refused(path, capsys, r"inflates to \d+ KiB \(more than 49 KiB\): refused")
    monkeypatch.setattr(zipio, "MAX_MEMBERS", 10)
    members = len(zipfile.ZipFile(path).namelist())  # the template's parts (charts, sheets...)
    assert_refused(path, capsys, rf"{members} zip members \(at most 10\)")


def test_xml_parsers_are_defused() -> None:
    """Behind the DTD check, every part is parsed with defusedxml: no entity expansion, no
    external entities, in both the native evaluator and recalc."""
    sheet = BILLION_LAUGHS + b'<worksheet><sheetData><row r="1"><c r="A1"><v>&lol9;</v></c>'
    sheet += b"</row></sheetData></worksheet>"
    t0 = time.perf_counter()
    with pytest.raises(fastcalc.CorruptPart, match="forbidden XML"):
        fastcalc.parse_xml("xl/worksheets/sheet1.xml", sheet)
    with pytest.raises(RecalcError, match="forbidden XML"):
        recalc._xml("xl/workbook.xml", XXE + b"<workbook>&xxe;</workbook>")
    with pytest.raises(fastcalc.CorruptPart, match="forbidden XML"):
        fastcalc.defined_names(XXE + b"<workbook>&xxe;</workbook>")
    assert time.perf_counter() - t0 < SECONDS


# ============================================================================ paths
def test_paths_that_do_not_exist_or_cannot_be_written(
    small: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "book.xlsx"
    src.write_bytes(small)
    assert_refused(tmp_path / "missing.xlsx", capsys, "no such file")
    (tmp_path / "empty").mkdir()  # a folder stands for its workbooks (issue #10): none here
    assert_refused(tmp_path / "empty", capsys, "is a folder with no .xlsx")
    cases = {
        str(tmp_path / "no" / "such" / "dir" / "o.xlsx"): "no such folder",
        str(src / "under-a-file.xlsx"): "not a folder",  # a path under a file
        "/proc/xl-addin-test.xlsx": "cannot write",  # not writable, even by root
        str(tmp_path): "is a folder",
    }
    for out, reason in cases.items():
        before = snapshot(tmp_path)
        rc, err, seconds = run_cli(["recalc", str(src), "-o", out], capsys)
        assert rc == 2 and len(err) == 1, err
        assert err[0].startswith("xl-addin recalc: ") and reason in err[0], err
        assert ".tmp" not in err[0] and seconds < SECONDS
        assert snapshot(tmp_path) == before
        with pytest.raises(OutputError, match=reason):
            recalculate(src, out)


def test_other_commands_report_unwritable_outputs_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for argv in (
        ["template", "-o", "/proc/xl-addin-test.xlsx"],
        ["template", "-o", str(blocker / "t.xlsx")],
        ["demo", "--out", str(blocker / "demo")],
    ):
        rc, err, _ = run_cli(argv, capsys)
        assert rc == 2 and len(err) == 1, err
        assert err[0].startswith(f"xl-addin {argv[0]}: ") and "cannot write" in err[0], err
        assert ".tmp" not in err[0]
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
    log = tmp_path / "log.csv"
    log.write_text("date,event,shares,price,instrument\n2001-01-01,WARRANT,1000,8,W1\n")
    args = ["certificate", str(log), "--row", "2", "--common-outstanding", "1e6"]
    args += ["--class-i-shares", "100", "-o", str(blocker / "c.md")]
    rc, err, _ = run_cli(args, capsys)
    assert rc == 2 and len(err) == 1 and "cannot write" in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "log.csv"]
    assert cli.main([*args[:-1], str(tmp_path / "c.md")]) == 0  # the same, writable: fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.md", "file", "log.csv"]


# ============================================================================ formulas are data
_EVENTS: list[tuple[str, tuple[object, ...]]] | None = None
_WATCHED = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "socket.")


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _EVENTS is not None and (event == "open" or event.startswith(_WATCHED)):
        _EVENTS.append((event, args))


sys.addaudithook(_audit)


@pytest.fixture
def audit() -> Iterator[list[tuple[str, tuple[object, ...]]]]:
    """Every process, shell, network and file-open event while the test runs."""
    global _EVENTS
    events: list[tuple[str, tuple[object, ...]]] = []
    _EVENTS = events
    try:
        yield events
    finally:
        _EVENTS = None


def _external_link_parts(data: bytes, target: str) -> bytes:
    """``data`` with an external link ``[1]`` to ``target`` (as Excel writes one)."""
    wb_xml = part(data, "xl/workbook.xml")
    wb_xml = wb_xml.replace(
        b"</sheets>",
        b'</sheets><externalReferences><externalReference xmlns:r="http://schemas.openxml'
        b'formats.org/officeDocument/2006/relationships" r:id="rIdX1"/></externalReferences>',
    )
    rels = part(data, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/externalLink" Target="externalLinks/externalLink1.xml"/>'
        b"</Relationships>",
    )
    types = part(data, "[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
    )
    link = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        b'<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>7</v></cell></row>'
        b"</sheetData></sheetDataSet></externalBook></externalLink>"
    )
    link_rels = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/externalLinkPath" Target="' + target.encode() + b'" TargetMode="External"/>'
        b"</Relationships>"
    )
    return rezip(
        data,
        {
            "xl/workbook.xml": wb_xml,
            "xl/_rels/workbook.xml.rels": rels,
            "[Content_Types].xml": types,
            "xl/externalLinks/externalLink1.xml": link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels,
        },
    )


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A workbook whose formulas try to run code, a shell, DDE, other files; a secret workbook
    next to it (A1 = 424242) that an external reference would read if it were followed."""
    marker = tmp_path / "PWNED"
    secret = openpyxl.Workbook()
    secret.active.title = "Sheet1"
    secret.active["A1"] = 424242
    secret.save(tmp_path / "secret.xlsx")
    formulas = {
        "B1": f"=EVAL(\"__import__('os').system('touch {marker}')\")",
        "B2": "=__builtins__",
        "B3": f'=CALL("libc.so.6","system","JC","touch {marker}")',
        "B4": "=cmd|' /C touch PWNED'!A0",
        "B5": "=[1]Sheet1!A1",
        "B6": "='[secret.xlsx]Sheet1'!A1",
        "B7": "=INDIRECT(\"'[secret.xlsx]Sheet1'!A1\")",
        "B8": "=__class__",
        "B9": f'=HYPERLINK("file://{tmp_path}/secret.xlsx")&WEBSERVICE("http://127.0.0.1:9/x")',
        "B10": "=SUM(__dunder__)",
        "B11": "=B5*2",
        "B12": "=A1+1",
    }
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = 1
    for ref, text in formulas.items():
        ws[ref] = text
    wb.defined_names["__dunder__"] = openpyxl.workbook.defined_name.DefinedName(
        "__dunder__", attr_text="[1]Sheet1!$A$1"
    )
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(_external_link_parts(plain.read_bytes(), "secret.xlsx"))
    plain.unlink()
    return path, marker, formulas


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_formulas_are_data_never_code_files_or_network(
    engine: str,
    hostile: tuple[Path, Path, dict[str, str]],
    audit: list[tuple[str, tuple[object, ...]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, marker, formulas = hostile
    folder = path.parent
    out = folder / "out.xlsx"
    rc = cli.main(
        ["recalc", str(path), "-o", str(out), "--allow-errors", "--verbose", "--engine", engine]
    )
    err = capsys.readouterr().err
    assert rc == 0, err
    assert not marker.exists() and not (Path.cwd() / "PWNED").exists()
    # no process, shell or network; no file of the folder opened but the workbook and output
    assert not [e for e in audit if e[0] != "open"], audit
    opened = {
        Path(os.fsdecode(a[0])).name
        for e, a in audit
        if e == "open" and isinstance(a[0], (str, bytes)) and str(folder) in os.fsdecode(a[0])
    }
    assert "secret.xlsx" not in opened
    # every hostile cell is an error value, or (a function of Excel the native engine does not
    # compute, such as INDIRECT) reported as not computed and left without a value; nothing read
    # from secret.xlsx
    ws = openpyxl.load_workbook(out, data_only=True)["Sheet1"]
    for ref in formulas:
        if ref != "B12":
            value = ws[ref].value
            reported = f"error: Sheet1!{ref}: not computed:" in err
            is_error = isinstance(value, str) and value.startswith("#")
            assert is_error or (value is None and reported), (ref, value)
    assert ws["B12"].value == 2
    assert 424242 not in [c.value for row in ws.iter_rows() for c in row]
    # external links are reported, one line naming the part or the cell
    assert "warning: xl/externalLinks/externalLink1.xml: link to 'secret.xlsx' not followed" in err
    assert "warning: xl/workbook.xml: defined name __dunder__: reference to another workbook" in err
    # a cell that refers to another workbook (or a DDE link) is not computed: reported, and it
    # keeps what Excel cached (here nothing), never a value read through the link
    nc = "error: Sheet1!{}: not computed: {}"
    assert nc.format("B5", "reference to another workbook [1]Sheet1!A1 not followed") in err
    assert nc.format("B6", "reference to another workbook '[secret.xlsx]Sheet1'!A1") in err
    assert nc.format("B4", "DDE link cmd|' /C touch PWNED'!A0 not run") in err
    assert re.search(r"error: Sheet1!B1: #NAME\? unknown function EVAL", err)
    # and the input is untouched, without --allow-errors nothing is written
    before = path.read_bytes()
    out.unlink()
    assert cli.main(["recalc", str(path), "-o", str(out), "--engine", engine]) == 1
    assert not out.exists() and path.read_bytes() == before


UNREADABLE = [
    '=__import__("os").system("touch {marker}")',
    "=__class__.__subclasses__()[0]",
    "=A1;import os;os.system('touch {marker}')",
    "=\"\")+__import__('os').system('touch {marker}')+(\"\"",
]


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_python_in_a_formula_is_refused_not_run(
    engine: str,
    tmp_path: Path,
    audit: list[tuple[str, tuple[object, ...]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    marker = tmp_path / "PWNED"
    for formula in UNREADABLE:
        wb = openpyxl.Workbook()
        wb.active["A1"] = 1
        wb.active["B1"] = formula.format(marker=marker)
        path = tmp_path / "py.xlsx"
        wb.save(path)
        rc = cli.main(["recalc", str(path), "--allow-errors", "--force", "--engine", engine])
        err = capsys.readouterr().err.strip().splitlines()
        if rc != 0:  # refused: one line naming the file and the formula
            assert rc == 2 and len(err) == 1 and err[0].startswith(f"xl-addin recalc: {path}: ")
        assert not marker.exists()
    assert not [e for e in audit if e[0] != "open"], audit


def test_foreign_reference_detection() -> None:
    fr = recalc.foreign_reference
    assert fr("=[1]Sheet1!A1*2") == "[1]Sheet1!A1"
    assert fr("='[1]My Sheet'!$A$1:$B$2") == "'[1]My Sheet'!$A$1:$B$2"
    assert fr("=[1]!Rate") == "[1]!Rate"
    assert fr(r"='C:\x\[b.xlsx]S'!A1") == r"'C:\x\[b.xlsx]S'!A1"
    assert fr("=cmd|' /C calc'!A0") == "cmd|' /C calc'!A0"
    assert fr("=SUM(Table1[Amount])*Sheet2!A1") is None  # a structured reference
    assert fr("=Table1[[#This Row],[Amount]]") is None
    assert fr('="[1]Sheet1!A1"&"a|b!c"') is None  # text, not references
    assert fr("=A1+1") is None


# ============================================================================ interruption
_SLOW_RECALC = textwrap.dedent(
    """
    import os, signal, sys, time
    # as from a terminal, even when the test run itself ignores SIGINT (a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from xl_addin import recalc
    real = os.replace
    def slow(src, dst):  # the temporary file is written; the move waits
        time.sleep(5)
        return real(src, dst)
    os.replace = slow
    real_link = os.link
    def slow_link(src, dst):  # the same, for a new output (never replacing one: a hard link)
        time.sleep(5)
        return real_link(src, dst)
    os.link = slow_link
    sys.exit(recalc.main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize(
    ("signum", "previous", "in_place"),
    [
        (signal.SIGTERM, True, False),
        (signal.SIGINT, False, False),
        (signal.SIGTERM, False, True),
    ],
    ids=["SIGTERM-old-output-kept", "SIGINT-no-output", "SIGTERM-in-place"],
)
def test_interrupted_write_leaves_the_old_output_or_none(
    signum: int, previous: bool, in_place: bool, template: Path, tmp_path: Path
) -> None:
    src = tmp_path / "model.xlsx"
    shutil.copy(template, src)
    out = tmp_path / "model.recalc.xlsx"
    old = b""
    if previous:
        recalculate(src, out, overrides={"ValuationDate": "2003-01-01"})
        old = out.read_bytes()
    source = src.read_bytes()
    args = [str(src), "--in-place"] if in_place else [str(src), "-o", str(out), "--force"]
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_RECALC, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    dest = src if in_place else out
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(f".{dest.name}.*.tmp")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.1)  # the temporary file is complete; it is being moved into place
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*"))
    assert src.read_bytes() == source  # in place: the input as it was
    if in_place:
        assert not out.exists()
    elif previous:
        assert out.read_bytes() == old  # the previous complete output
        zipfile.ZipFile(out).testzip()
    else:
        assert not out.exists()


@pytest.fixture
def terminal_signals() -> Iterator[None]:
    """SIGINT and SIGTERM as a process started from a terminal has them, for the test's
    duration: a test run started in the background (SIGINT ignored) must not change what is
    tested."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)  # type: ignore[arg-type]


@pytest.fixture
def signal_inside_a_zip_member(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Arrange for a signal to arrive while a zip member is half-written: inside the member's
    close, before the archive marks it finished. This is the window CI once hit at random
    (the archive could then not be closed, and that ValueError replaced the interruption)."""

    def arm(signum: int) -> None:
        real = zipfile._ZipWriteFile.close  # type: ignore[attr-defined]
        fired: list[int] = []

        def close(self: object) -> None:
            if not fired and not getattr(self, "closed", False):
                fired.append(signum)
                signal.raise_signal(signum)
            real(self)

        monkeypatch.setattr(zipfile._ZipWriteFile, "close", close)  # type: ignore[attr-defined]

    return arm


@pytest.mark.parametrize("in_place", [False, True], ids=["output", "in-place"])
@pytest.mark.usefixtures("terminal_signals")
def test_sigterm_inside_a_zip_member_is_a_clean_interruption(
    in_place: bool,
    template: Path,
    tmp_path: Path,
    signal_inside_a_zip_member: Callable[[int], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    src = tmp_path / "model.xlsx"
    shutil.copy(template, src)
    source = src.read_bytes()
    out = tmp_path / "model.recalc.xlsx"
    signal_inside_a_zip_member(signal.SIGTERM)
    args = [str(src), "--in-place"] if in_place else [str(src), "-o", str(out)]
    assert cli.main(["recalc", *args]) == 128 + signal.SIGTERM
    err = capsys.readouterr().err
    assert "interrupted; no output written" in err and "cannot recalculate" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.xlsx"]
    assert src.read_bytes() == source


@pytest.mark.usefixtures("terminal_signals")
def test_ctrl_c_inside_a_zip_member_without_our_handler_is_a_keyboard_interrupt(
    template: Path, tmp_path: Path, signal_inside_a_zip_member: Callable[[int], None]
) -> None:
    # library use: Python's own SIGINT handler, no signals_interrupt()
    out = tmp_path / "out.xlsx"
    signal_inside_a_zip_member(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        recalculate(template, out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("terminal_signals")
def test_sigterm_while_writing_the_template(
    tmp_path: Path,
    signal_inside_a_zip_member: Callable[[int], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    signal_inside_a_zip_member(signal.SIGTERM)
    assert cli.main(["template", "-o", str(tmp_path / "t.xlsx")]) == 128 + signal.SIGTERM
    assert "interrupted; no output written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("terminal_signals")
def test_hold_signals_delivers_the_held_signal_to_the_previous_handler() -> None:
    got: list[int] = []

    def previous(signum: int, frame: object) -> None:
        got.append(signum)

    old = signal.signal(signal.SIGTERM, previous)
    try:
        with _files.hold_signals():
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGTERM)
            assert got == []  # held
        assert got == [signal.SIGTERM]  # delivered once, on leaving
        assert signal.getsignal(signal.SIGTERM) is previous
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with _files.hold_signals():
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN  # ignored stays ignored
    finally:
        signal.signal(signal.SIGTERM, old)


@pytest.mark.usefixtures("terminal_signals")
def test_sigterm_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with recalc.signals_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


# ============================================================================ idempotence
def test_recalculating_twice_gives_identical_bytes(template: Path, tmp_path: Path) -> None:
    a, b, a2 = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "a2.xlsx"
    assert recalculate(template, a).written
    assert recalculate(a, b).written
    assert a.read_bytes() == b.read_bytes()
    assert recalc.main([str(template), "-o", str(a2), "-q"]) == 0
    assert a2.read_bytes() == a.read_bytes()
    c = tmp_path / "c.xlsx"
    shutil.copy(a, c)
    recalculate(c, in_place=True)
    assert c.read_bytes() == a.read_bytes()


def test_recalculating_twice_with_the_formulas_engine(small: bytes, tmp_path: Path) -> None:
    src, a, b = tmp_path / "s.xlsx", tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    src.write_bytes(small)
    recalculate(src, a, engine="formulas")
    recalculate(a, b, engine="formulas")
    assert a.read_bytes() == b.read_bytes()


def test_a_reference_to_another_workbook_keeps_excels_cached_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #11 item 2: a cell the engine cannot compute keeps Excel's cached value. A link to
    another workbook is never followed: B1 (=[1]Sheet1!A1, cached 7 as Excel last read it) is
    reported as not computed and keeps 7; B2 (=B1*2) computes with it, 14, as Excel does while
    links are not updated; B3 (a link with no cached value) stays empty and its dependent B4 is an
    error, never 0."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["B1"] = "=[1]Sheet1!A1"
    ws["B2"] = "=B1*2"
    ws["B3"] = "=[1]Sheet1!A2"
    ws["B4"] = "=B3+1"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    data = _external_link_parts(plain.read_bytes(), "other.xlsx")
    sheet = part(data, "xl/worksheets/sheet1.xml")
    cached = re.sub(rb'(<c r="B1"[^>]*>.*?<f>[^<]*</f>)<v\s*/?>(?:</v>)?', rb"\1<v>7</v>", sheet)
    assert cached != sheet
    src = tmp_path / "linked.xlsx"
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(src, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            zout.writestr(info, cached if info.filename == "xl/worksheets/sheet1.xml" else body)
    out = tmp_path / "out.xlsx"
    rc = cli.main(["recalc", str(src), "-o", str(out), "--allow-errors", "--verbose", "-q"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "Sheet1!B1: not computed: reference to another workbook [1]Sheet1!A1" in err
    assert "Excel's cached value kept" in err
    got = openpyxl.load_workbook(out, data_only=True)["Sheet1"]
    assert got["B1"].value == 7
    assert got["B2"].value == 14
    assert got["B3"].value is None
    assert isinstance(got["B4"].value, str) and got["B4"].value.startswith("#")
