"""The UNO names of the LibreOffice Calc add-in, without the extension builder's imports: the
native engine reads them too (a Calc-saved .xlsx calls the add-in under :func:`long_name`)."""

from __future__ import annotations

__all__ = ["EXTENSION_ID", "IMPLEMENTATION", "long_name"]

#: The extension's identifier (Extension Manager) and the add-in's implementation name.
EXTENSION_ID = "org.ifx.xladdin"
IMPLEMENTATION = "org.ifx.xladdin.XlAddin"


def long_name(function: str) -> str:
    """The programmatic name Calc gives an add-in function (e.g. in ODF files):
    the implementation name and the method, ``ORG.IFX.XLADDIN.XLADDIN.LIQPREF``."""
    return f"{IMPLEMENTATION}.{function}".upper()
