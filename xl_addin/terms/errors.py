"""The one exception family of the terms engine.

Every rule the certificate or Excel's conventions impose on an input is checked in the core
and reported as a :class:`TermsError`: a ``ValueError`` whose message is one short line naming
the argument, what was expected and what came, e.g. ``shares must be >= 0 (got -5)``.

``code`` says which Excel error a cell shows for it: ``#VALUE!`` for a wrong kind of input,
``#NUM!`` for a number outside its domain (as Excel's own YEARFRAC does for a bad basis).
The translation to what a cell shows happens in exactly one place, the UDF adapter
(:mod:`xl_addin.udfs`).
"""

from __future__ import annotations

__all__ = ["TermsError", "describe"]

VALUE = "#VALUE!"
NUM = "#NUM!"


class TermsError(ValueError):
    """A bad input or an impossible computation, with the Excel error code it maps to."""

    def __init__(self, message: str, *, code: str = VALUE, argument: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.argument = argument

    def __str__(self) -> str:
        return self.message

    def excel_text(self) -> str:
        """The one line a cell shows, e.g. ``#VALUE! shares must be >= 0 (got -5)``."""
        return f"{self.code} {self.message}"


def describe(value: object) -> str:
    """A short, safe rendering of a bad value for an error message (never a multi-line dump)."""
    if isinstance(value, str):
        text = value if len(value) <= 30 else value[:27] + "..."
        return f"text {text!r}"
    if value is None:
        return "an empty cell"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (list, tuple)):
        return "a range"
    text = repr(value) if not isinstance(value, float) else format(value, ".15g")
    return text if len(text) <= 40 else text[:37] + "..."
