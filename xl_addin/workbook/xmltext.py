"""Text in SpreadsheetML parts: tag attributes, XML escaping, Excel's ``_xHHHH_`` escape."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*("[^"]*"|\'[^\']*\')')


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2)[1:-1] for m in _ATTR.finditer(tag)}


def _unescape(text: str) -> str:
    """XML's five entities replaced (as ``xml.sax.saxutils.unescape`` with ``&quot;`` and
    ``&apos;``: that module imports urllib, ~0.05 s of every command's start-up)."""
    if "&" not in text:
        return text
    text = text.replace("&lt;", "<").replace("&gt;", ">")
    text = text.replace("&quot;", '"').replace("&apos;", "'")
    return text.replace("&amp;", "&")


#: Characters XML 1.0 cannot hold, not even as a character reference: Excel writes them as
#: ``_xHHHH_`` (ECMA-376 Part 1, 22.9.2.19 ST_Xstring).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: Text that already looks like an escape: Excel escapes its underscore (``_x005F_``) so that
#: the text reads back as itself.
_LOOKS_ESCAPED = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")


def excel_text(text: str) -> str:
    """``text`` as the content of a SpreadsheetML text element (``<v>``, ``<t>``), escaped as
    Excel escapes it: a literal ``_xHHHH_`` becomes ``_x005F_xHHHH_``, a character XML cannot
    hold becomes ``_xHHHH_``, ``&``, ``<``, ``>`` become entities and a carriage return
    ``&#13;`` (a raw one would read back as a line feed: XML end-of-line normalisation)."""
    text = _LOOKS_ESCAPED.sub("_x005F_", text)
    text = _NOT_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")


def excel_unescape(text: str) -> str:
    """The text an ``_xHHHH_``-escaped string stands for (what Excel shows): the inverse of
    :func:`excel_text` after XML parsing. ``excel_unescape("_x005F_x0041_") == "_x0041_"``."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def needs_preserve(text: str) -> bool:
    """Whether a ``<t>`` holding ``text`` needs ``xml:space="preserve"`` (leading or trailing
    white space, which a reader may otherwise strip)."""
    return bool(text) and (text[0] in " \t\r\n" or text[-1] in " \t\r\n")


def parse_part(name: str, data: bytes, error: type[Exception]) -> ET.Element:
    """A part parsed with defusedxml (no DTD entities, no external entities); a part that is
    not well-formed or is forbidden raises ``error`` with one line naming ``name``."""
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise error(f"{name}: forbidden XML ({type(exc).__name__}): refused") from None
    except ET.ParseError as exc:
        raise error(f"{name}: corrupt XML ({exc})") from None
