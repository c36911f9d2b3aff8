"""What an engine hands back to :mod:`xl_addin.recalc`: every formula cell's value, the
values of array formulas' ranges, the functions it knew and used. Moved out of
:mod:`xl_addin.recalc` unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .sheetxml import (
    _split_ref,
)


@dataclass
class _Results:
    cells: dict[tuple[str, int, int], Any]  # (SHEET upper-case, row, col) → value
    ranges: dict[tuple[str, str], Any]  # (SHEET upper-case, "B2:B10") → 2-D array
    functions: frozenset[str]  # the function names the engine knew
    engine: str = "formulas"
    used: frozenset[str] = frozenset()  # the function names the workbook's formulas call
    date1904: bool = False  # the workbook uses the 1904 date system

    def get(self, sheet: str, r: int, c: int, array_ref: str | None) -> Any:
        """A cell's value; for a cell of an array formula's range, from the formula's result
        (the cell's own node would hold the file's stale cached value)."""
        if array_ref is not None and (sheet, array_ref) in self.ranges:
            arr = np.asarray(self.ranges[(sheet, array_ref)], dtype=object)
            r1, c1 = _split_ref(array_ref.split(":")[0])
            i, j = r - r1, c - c1
            if i < arr.shape[0] and j < arr.shape[1]:
                return arr[i, j]
            import schedula as sh

            return sh.EMPTY
        return self.cells.get((sheet, r, c), _MISSING)


_MISSING = object()
