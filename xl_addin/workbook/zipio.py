"""The workbook's zip, read safely (sizes capped, no DTDs) and written atomically; its structure
(sheets in workbook order, defined names)."""

from __future__ import annotations

import copy
import posixpath
import zipfile
from pathlib import Path
from typing import Any

from .. import _files
from .errors import OutputError, RecalcError
from .xmltext import parse_part

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

#: Largest a single zip member may inflate to (the biggest real sheet parts are tens of MiB).
MAX_PART_BYTES = 256 * 2**20
#: Largest the whole workbook may inflate to.
MAX_TOTAL_BYTES = 512 * 2**20
#: Most members a workbook may have.
MAX_MEMBERS = 20_000
#: A member written larger than this is deflated at level 1, not zlib's default 6 (issue #11
#: item 5): the 42 MB sheet of 500,000 formula cells deflates in 0.3 s instead of 1.1-1.6 s,
#: into 10.4 MB instead of 8.8 MB. Smaller members (a sheet of up to ~200,000 such formula
#: cells) are written as before, byte for byte.
FAST_DEFLATE_BYTES = 16 * 2**20

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
#: A DTD (entity definitions: "billion laughs", external entities) in UTF-8/ASCII or UTF-16.
_DTD_MARKS = tuple(
    mark.encode(enc)
    for mark in ("<!DOCTYPE", "<!ENTITY")
    for enc in ("utf-8", "utf-16-le", "utf-16-be")
)


def _mib(n: int) -> str:
    if n < 2**20:
        return f"{n / 2**10:,.0f} KiB"
    return f"{n / 2**20:,.0f} MiB" if n < 2**30 else f"{n / 2**30:,.1f} GiB"


def _sniff(path: Path, head: bytes) -> str:
    """Why a file that is not a zip is not a workbook (one line)."""
    if not head:
        return "empty file, not an .xlsx/.xlsm workbook"
    if head.startswith(_OLE2):
        with open(path, "rb") as fh:
            blob = fh.read(4 * 2**20)  # the OLE2 directory names its streams (UTF-16)
        if "EncryptionInfo".encode("utf-16-le") in blob:
            return (
                "password-protected (encrypted) workbook: save a copy without a password "
                "(File > Info > Protect Workbook) and recalculate that"
            )
        return "legacy Excel 97-2003 .xls (OLE2) file, not .xlsx: save it as .xlsx first"
    if head.startswith(b"PK"):
        return "truncated or corrupt zip, not a readable .xlsx/.xlsm workbook"
    sample = head.lstrip(b"\xef\xbb\xbf")
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and all(ch.isprintable() or ch in "\r\n\t" for ch in text[:-4]):
        kind = "an HTML/XML" if text.lstrip().startswith("<") else "a text or CSV"
        return f"{kind} file, not an .xlsx/.xlsm workbook (a zip): renamed?"
    return "not an .xlsx/.xlsm workbook (not a zip file)"


def _read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """One member, inflated in chunks and refused as soon as it passes its declared size,
    :data:`MAX_PART_BYTES` or ``budget`` (what is left of :data:`MAX_TOTAL_BYTES`)."""
    limit = min(info.file_size, MAX_PART_BYTES, budget)
    chunks: list[bytes] = []
    size = 0
    with z.open(info) as fh:
        while True:
            chunk = fh.read(min(2**20, limit - size + 1))
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise RecalcError(
                    f"{info.filename}: inflates past "
                    + (
                        "its declared size"
                        if limit == info.file_size
                        else f"the {_mib(min(MAX_PART_BYTES, budget))} limit"
                    )
                    + ": refused (a zip bomb?)"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _check_xml(name: str, data: bytes) -> None:
    if name.lower().endswith(_XML_SUFFIXES) and any(m in data for m in _DTD_MARKS):
        raise RecalcError(
            f"{name}: XML with a DTD or entity declarations (not allowed in a workbook; "
            "an entity-expansion or external-entity attack?): refused"
        )


def _read_zip(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    """Every member of the workbook, with its sizes capped and its XML free of DTDs."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
            if not head.startswith(b"PK"):
                raise RecalcError(_sniff(path, head))
            fh.seek(0)
            try:
                z = zipfile.ZipFile(fh)
            except (zipfile.BadZipFile, ValueError, EOFError) as exc:
                why = f"truncated or corrupt zip ({exc}), not a readable workbook"
                raise RecalcError(why) from None
            with z:
                infos = z.infolist()
                if len(infos) > MAX_MEMBERS:
                    raise RecalcError(f"{len(infos):,} zip members (at most {MAX_MEMBERS:,})")
                total = 0
                for info in infos:
                    if info.file_size > MAX_PART_BYTES:
                        raise RecalcError(
                            f"{info.filename}: inflates to {_mib(info.file_size)} (more than "
                            f"{_mib(MAX_PART_BYTES)} per part): refused (a zip bomb?)"
                        )
                    total += info.file_size
                if total > MAX_TOTAL_BYTES:
                    raise RecalcError(
                        f"inflates to {_mib(total)} (more than {_mib(MAX_TOTAL_BYTES)}): "
                        "refused (a zip bomb?)"
                    )
                out = []
                budget = MAX_TOTAL_BYTES
                for info in infos:
                    if info.flag_bits & 0x1:
                        raise RecalcError(f"{info.filename}: encrypted zip member")
                    try:
                        data = _read_member(z, info, budget)
                    except RecalcError:
                        raise
                    except Exception as exc:  # CRC, zlib, EOF, unsupported method, ...
                        why = f"{type(exc).__name__}: {exc}".splitlines()[0]
                        raise RecalcError(f"{info.filename}: corrupt zip member ({why})") from None
                    budget -= len(data)
                    _check_xml(info.filename, data)
                    out.append((info, data))
                return out
    except FileNotFoundError:
        raise RecalcError("no such file") from None
    except IsADirectoryError:
        raise RecalcError("is a folder, not a workbook") from None
    except OSError as exc:
        raise RecalcError(f"cannot read ({exc.strerror or exc})") from None


def _xml(name: str, data: bytes) -> Any:
    """A part parsed with defusedxml (no DTD, no entities), or a one-line error."""
    return parse_part(name, data, RecalcError)


def _sheet_parts(members: dict[str, bytes]) -> list[tuple[str, str]]:
    """(sheet name, part path) of every worksheet, in workbook order."""
    if "xl/workbook.xml" not in members:
        raise RecalcError("not an .xlsx/.xlsm workbook (a zip without xl/workbook.xml)")
    wb = _xml("xl/workbook.xml", members["xl/workbook.xml"])
    rels_name = "xl/_rels/workbook.xml.rels"
    sheets = list(wb.iter(f"{{{_NS_MAIN}}}sheet"))
    if sheets and rels_name not in members:
        raise RecalcError(f"{rels_name}: missing (the workbook's sheets cannot be found)")
    rels = _xml(rels_name, members.get(rels_name, b"<Relationships/>"))
    targets = {}
    for rel in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id")] = posixpath.normpath(path)
    out = []
    for sh in sheets:
        name = sh.get("name", "")
        part = targets.get(sh.get(f"{{{_NS_REL}}}id"))
        if part is None:
            raise RecalcError(f"sheet {name!r}: no relationship to its part in {rels_name}")
        if part.startswith("xl/worksheets/"):
            if part not in members:
                raise RecalcError(f"{part}: missing (the part of sheet {name!r})")
            out.append((name, part))
    return out


def _defined_names(members: dict[str, bytes]) -> dict[str, str]:
    """Global defined names (upper-case name → formula text)."""
    wb = _xml("xl/workbook.xml", members["xl/workbook.xml"])
    names = {}
    for dn in wb.iter(f"{{{_NS_MAIN}}}definedName"):
        if dn.get("localSheetId") is None and dn.text:
            names[dn.get("name", "").upper()] = dn.text.strip()
    return names


def _write_zip(
    dst: Path,
    members: list[tuple[zipfile.ZipInfo, bytes]],
    replaced: dict[str, bytes],
    *,
    overwrite: bool = True,
) -> None:
    """Write the workbook's zip (each member with its own name, order, date and compression;
    the ``replaced`` ones with new content) atomically (:func:`_files.write_atomically`).
    On any failure or interruption (``KeyboardInterrupt``, and SIGTERM through
    ``signals_interrupt``) no temporary file is left and ``dst`` is as it was.
    A write failure, or an existing ``dst`` without ``overwrite``, is an :class:`OutputError`;
    a device, FIFO or socket is never replaced."""
    data = _files.zip_bytes(
        _deflated(info, replaced.get(info.filename, body)) for info, body in members
    )
    try:
        _files.write_atomically(dst, data, overwrite=overwrite)
    except OSError as exc:
        raise OutputError(f"{dst}: cannot write ({exc.strerror or exc})") from exc


def _deflated(info: zipfile.ZipInfo, data: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    """The member as written: past :data:`FAST_DEFLATE_BYTES`, deflated at level 1 (a copy of
    its ``ZipInfo``: name, date, attributes kept)."""
    if info.compress_type != zipfile.ZIP_DEFLATED or len(data) <= FAST_DEFLATE_BYTES:
        return info, data
    fast = copy.copy(info)
    fast._compresslevel = 1  # type: ignore[attr-defined]  # what writestr(compresslevel=) sets
    return fast, data


def date1904(members: dict[str, bytes]) -> bool:
    """Whether the workbook uses the 1904 date system (``<workbookPr date1904="1"/>``, common
    in files from Excel for Mac): serial 0 is 1904-01-01 instead of 1900-01-00."""
    wb = _xml("xl/workbook.xml", members["xl/workbook.xml"])
    pr = wb.find(f"{{{_NS_MAIN}}}workbookPr")
    return pr is not None and pr.get("date1904", "0").strip().lower() in ("1", "true")
