"""A worksheet's cells read in one pass over the part's bytes (issue #11 item 5: at scale).

Building an ElementTree of a 500,000-cell sheet costs seconds and hundreds of MB; this reader
checks the part is well-formed XML with expat (no callbacks: fast) and then finds every
``<c>`` of ``<sheetData>`` with one compiled regular expression, taking the common cell
layouts (``<c ...><f ...>text</f><v>text</v></c>`` and their parts) directly. It answers only
where it reads exactly what an XML parser would read; anything else -- a DTD, comments,
CDATA or processing instructions in the part, an encoding other than UTF-8, the main
namespace under a prefix or a default namespace declared twice -- makes :func:`cells` return
``None``, and the caller reads the part with ElementTree as before. A cell of another layout
(an inline string, white space between the children, ``<v/>``) is handed back whole, to be read
with ElementTree on its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import xml.parsers.expat
from collections.abc import Iterator

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"

#: A cell: its r="B3" (column letters, row) and t="..." when written plainly (lookaheads), its
#: attributes, the <f> attributes and text, the <v> text, anything else inside.
_CELL = re.compile(
    rb"<c\b(?=[^>]*?\sr=\"([A-Z]{1,3})([0-9]+)\")?(?=[^>]*?\st=\"([A-Za-z]+)\")?([^>]*?)"
    rb"(?:/>|>(?:<f\b([^>]*?)(?:/>|>([^<]*)</f>))?(?:<v>([^<]*)</v>)?(.*?)</c>)",
    re.S,
)
CELL = _CELL  # groups: letters, digits, t, attributes, <f> attributes, <f> text, <v> text, rest
_COLUMNS: dict[bytes, int] = {}
COLUMNS = _COLUMNS  # column letters (bytes) → number, as met
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_ENTITY = re.compile(r"&(?:#([0-9]+)|#x([0-9A-Fa-f]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")

#: One cell: (row, column, its ``r``, its ``t`` or None, <f> attributes or None, <f> text or
#: None, <v> text (bytes, as in the file) or None, None) -- or, when its layout is not the
#: common one, (0, 0, "", None, None, None, None, the whole element).
Cell = tuple[
    int, int, str, str | None, dict[str, str] | None, str | None, bytes | None, bytes | None
]


def text(raw: bytes) -> str:
    """Character data as an XML parser returns it: line ends normalised, entities replaced."""
    s = raw.decode("utf-8")
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in s:
        if "&#" in s:
            s = _ENTITY.sub(_entity, s)
        else:  # named entities only: replaced one after the other, &amp; last (one pass)
            s = s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            s = s.replace("&apos;", "'").replace("&amp;", "&")
    return s


def _entity(m: re.Match[str]) -> str:
    if m.group(1):
        return chr(int(m.group(1)))
    if m.group(2):
        return chr(int(m.group(2), 16))
    return _NAMED[m.group(3)]


def attrs(tag: bytes) -> dict[str, str]:
    """A tag's attributes as an XML parser returns them (white space in values normalised)."""
    out = {}
    for name, dq, sq in _ATTR.findall(tag):
        value = text(dq or sq)
        if "\n" in value or "\t" in value:
            value = value.replace("\n", " ").replace("\t", " ")
        out[name.decode()] = value
    return out


def cells(data: bytes) -> Iterator[Cell] | None:
    """The cells of a worksheet part in document order, or None where this reader cannot
    promise to read what an XML parser reads (the caller then uses ElementTree)."""
    at = span(data)
    return None if at is None else _cells(data, *at)


def span(data: bytes, *, check: bool = True) -> tuple[int, int] | None:
    """Where the cells of ``<sheetData>`` are, for :data:`CELL` (each match one ``<c>``), or
    None where this reader cannot promise to read what an XML parser reads. ``check=False``:
    the part is not parsed with expat here (the caller checks it: :func:`check_in_background`)."""
    enc = _ENCODING.match(data)
    if enc is not None and enc.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"<!" in data or data.count(b"<?") > 1:
        return None  # UTF-16, a DTD, comments or CDATA, processing instructions
    if data.count(MAIN) != 1 or data.count(b"xmlns=") != 1:
        return None  # the main namespace must be the one default namespace
    if not re.search(rb"\sxmlns\s*=\s*[\"']" + re.escape(MAIN) + rb"[\"']", data):
        return None
    if check and not well_formed(data):
        return None  # ElementTree names the error
    m = re.search(rb"<sheetData\b[^>]*?(/?)>", data)
    if m is None or m.group(1):
        return (0, 0)
    end = data.find(b"</sheetData>", m.end())
    return m.end(), (end if end >= 0 else len(data))


def well_formed(data: bytes) -> bool:
    """Whether ``data`` is well-formed XML (expat, no callbacks)."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError:
        return False
    return True


#: Parts smaller than this are checked in this process (a fork costs more than it saves)
BACKGROUND_BYTES = 8 << 20


class Check:
    """Whether a part is well-formed XML, found while the caller reads it: by a forked child
    process on the machine's other core where that is possible (a large part, ``os.fork``, one
    thread), else here and now. :meth:`ok` waits for the answer (always call it: it reaps the
    child)."""

    def __init__(self, data: bytes) -> None:
        self._answer: bool | None = None
        self._pid = 0
        self._pipe = -1
        self._data = data
        if len(data) < BACKGROUND_BYTES or not hasattr(os, "fork"):
            return
        if threading.active_count() != 1:
            return  # forking a process with threads can deadlock the child
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: check, answer with one byte, end without any cleanup
            answer = b"?"  # interrupted, or anything unforeseen: the parent checks itself
            try:
                os.close(read)
                answer = b"1" if well_formed(data) else b"0"
            except BaseException:  # the child must reach os._exit
                pass
            finally:
                os.write(write, answer)
                os._exit(0)
        os.close(write)
        self._pid, self._pipe = pid, read

    def ok(self) -> bool:
        if self._answer is None:
            if self._pid:
                try:
                    got = os.read(self._pipe, 1)
                finally:
                    os.close(self._pipe)
                    os.waitpid(self._pid, 0)
                    self._pid = 0
                # no answer (the child was killed or interrupted): check here
                self._answer = got == b"1" if got in (b"0", b"1") else well_formed(self._data)
            else:
                self._answer = well_formed(self._data)
            self._data = b""
        return self._answer

    def cancel(self) -> None:
        """No answer wanted (the caller was interrupted): the child ended and reaped."""
        if self._pid:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
            os.close(self._pipe)
            self._pid = 0
        self._data = b""


def check_in_background(data: bytes) -> Check:
    """:class:`Check` of ``data``."""
    return Check(data)


def _cells(data: bytes, start: int, end: int) -> Iterator[Cell]:
    columns = _COLUMNS
    for m in _CELL.finditer(data, start, end):
        letters, digits, t, cattrs, fattrs, ftext, vtext, rest = m.groups()
        if rest or letters is None or (t is None and b"t" in cattrs):
            yield 0, 0, "", None, None, None, None, m.group(0)
            continue
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = _column(letters.decode())
        yield (
            int(digits),
            col,
            (letters + digits).decode(),
            None if t is None else t.decode(),
            None if fattrs is None else (attrs(fattrs) if fattrs else {}),
            None if ftext is None else text(ftext),
            vtext,
            None,
        )


def column(letters: bytes) -> int:
    """The number of column ``letters`` (kept in :data:`COLUMNS`)."""
    col = _COLUMNS[letters] = _column(letters.decode())
    return col


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
