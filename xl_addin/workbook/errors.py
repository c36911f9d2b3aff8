"""The errors of reading and writing a workbook (:mod:`xl_addin.recalc` and its helpers)."""

from __future__ import annotations

__all__ = ["OutputError", "RecalcError"]


class RecalcError(Exception):
    """A one-line reason the workbook could not be recalculated (nothing was written)."""


class OutputError(RecalcError, OSError):
    """The output could not be written (``<output>: cannot write (reason)``); nothing was."""
