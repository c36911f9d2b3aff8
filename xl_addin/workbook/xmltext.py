"""Text in SpreadsheetML parts: tag attributes, XML escaping, Excel's ``_xHHHH_`` escape."""

from __future__ import annotations

import re
from xml.sax.saxutils import unescape as _sax_unescape

_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*("[^"]*"|\'[^\']*\')')


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2)[1:-1] for m in _ATTR.finditer(tag)}


def _unescape(text: str) -> str:
    return _sax_unescape(text, {"&quot;": '"', "&apos;": "'"})
