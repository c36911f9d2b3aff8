"""Which engine is trusted for what (xl_addin.workbook.trust): forms as well as functions."""

from __future__ import annotations

from xl_addin.workbook.trust import (
    DOUBLE_NEGATION,
    FORMULAS_KNOWN_WRONG,
    formulas_untrusted,
    functions_in,
)


def _sheet(*formulas: str) -> bytes:
    cells = "".join(f'<c r="A{i}"><f>{f}</f></c>' for i, f in enumerate(formulas, 1))
    return f"<worksheet><sheetData><row>{cells}</row></sheetData></worksheet>".encode()


def test_double_negation_is_a_form_the_formulas_library_is_not_trusted_for() -> None:
    """formulas 1.2 drops a pair of minus signs: =--("A"="B") gives FALSE (Excel: 0) and
    =SUM(--(1=1)) 0 (Excel: 1). A workbook with that form never goes to it."""
    assert DOUBLE_NEGATION in FORMULAS_KNOWN_WRONG
    used = functions_in(_sheet('SUM(--(A1:A3="x"))', "B1*2"))
    assert used == {"SUM", DOUBLE_NEGATION}
    assert formulas_untrusted(used, []) == (
        f"the formulas library is not trusted for {DOUBLE_NEGATION}"
    )
    assert DOUBLE_NEGATION in functions_in(_sheet("- -B1"))
    # a minus in a string or in a quoted sheet name, one minus, a subtraction: no such form
    quiet = _sheet('"a--b"&A1', "'Q1--Q2'!A1*2", "-A1", "A1-B1", "A1--B1")
    assert functions_in(quiet) == {DOUBLE_NEGATION}  # A1--B1 is A1-(-B1): the form again
    assert functions_in(_sheet('"a--b"&A1', "'Q1--Q2'!A1*2", "-A1", "A1-B1")) == set()
