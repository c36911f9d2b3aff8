"""Columns of copied-down formulas evaluated a column at a time (native/columns.py, issue #11
item 5): the same values, type for type, as the cell-at-a-time evaluator -- compared on random
workbooks (Hypothesis) and on hand-made cases at the edges (near-zero results, ROUND's halfway
points, empty and text inputs, errors, formulas reading formulas, runs that must not form)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from native_book import SHEET, evaluate, sheet_xml

from xl_addin.workbook.native import columns, evaluator
from xl_addin.workbook.native.cells import Err


def _cell(ref: str, value: Any, strings: list[str]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, Err):
        return f'<c r="{ref}" t="e"><v>{value.code}</v></c>'
    strings.append(value)
    return f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>'


def _parts(
    inputs: list[list[Any]], formulas: list[str], rows: int, shared: bool = False
) -> dict[str, bytes]:
    """A one-sheet workbook: input columns A.. (``inputs[j][r-1]``), then one column per
    formula template (``{r}`` is the row), ``rows`` rows; ``shared``: each formula column
    written as Excel writes a formula filled down (the first cell's text, ``t="shared"``)."""
    strings: list[str] = []
    body = []
    first = len(inputs)
    for r in range(1, rows + 1):
        cells = [
            _cell(f"{evaluator.col_letters(j + 1)}{r}", col[r - 1], strings)
            for j, col in enumerate(inputs)
        ]
        for k, template in enumerate(formulas):
            ref = f"{evaluator.col_letters(first + k + 1)}{r}"
            text = template.format(r=r, p=r - 1, n=r + 1).replace("&", "&amp;")
            text = text.replace(">", "&gt;").replace("<", "&lt;")
            if not shared:
                cells.append(f'<c r="{ref}"><f>{text}</f><v>0</v></c>')
            elif r == 1:
                span = f"{ref}:{evaluator.col_letters(first + k + 1)}{rows}"
                cells.append(f'<c r="{ref}"><f t="shared" ref="{span}" si="{k}">{text}</f></c>')
            else:
                cells.append(f'<c r="{ref}"><f t="shared" si="{k}"/><v>0</v></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = sheet_xml("".join(body))
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return {
        SHEET: sheet.encode(),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sst}</sst>'
        ).encode(),
    }


def _both(parts: dict[str, bytes]) -> tuple[dict[Any, Any], dict[Any, Any], int]:
    """(values a column at a time, values cell at a time, how many runs were found)."""
    fast = evaluate(parts)
    slow = evaluate(parts, columns=False)
    return fast.done, slow.done, len(fast.book.runs)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == b.hex()  # -0.0 and 0.0 told apart
    return repr(a) == repr(b)


def _assert_same(fast: dict[Any, Any], slow: dict[Any, Any]) -> None:
    assert fast.keys() == slow.keys()
    bad = [(k, fast[k], slow[k]) for k in slow if not _same(fast[k], slow[k])]
    assert not bad, bad[:5]


#: Formulas copied down (``{r}`` the row, ``{p}`` the row above, ``{n}`` the row below),
#: over inputs in columns A, B, C; the formulas are in columns D on (D = first, E = second...)
TEMPLATES = [
    "A{r}*B{r}+1",
    "A{r}-B{r}",  # Excel's near-zero rule on the last subtraction
    "(A{r}-B{r})",  # ... not inside parentheses
    "A{r}+B{r}-C{r}",
    "A{r}/B{r}",  # #DIV/0! where B is 0
    "-A{r}%+B{r}",
    "ROUND(A{r}/3,2)",
    "ROUND(A{r}*B{r},0)",
    "ROUND(A{r},-1)",
    "IF(A{r}>B{r},A{r},B{r})",
    "IF(A{r}<=C{r},A{r}*2,C{r}/2)",
    "IF(A{r}-B{r},1,2)",
    "SUM(A{r}:C{r})",
    "SUM(A{r},B{r}*2,$A$1)",
    "MIN(A{r}:C{r})",
    "MAX(A{r},B{r})",
    "ABS(A{r}-$B$1)",
    "D{r}*2+E{r}",  # reads the formulas to its left (earlier runs)
    "SUM(A{r}:A{n})",  # a window of two rows (the last row reads an empty cell)
]

_NUMBERS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 2.675, 1.005, 0.5, 2.5, -2.5, 1e15]),
    st.sampled_from([0.1 + 0.2, 1 - 0.9, 1e-300, 5e-324, 1.7976931348623157e308]),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
    st.integers(-1000, 1000).map(float),
    st.integers(-(10**6), 10**6).map(lambda i: i / 1000),
)
_VALUES = st.one_of(
    _NUMBERS,
    _NUMBERS,
    _NUMBERS,
    st.sampled_from([None, "text", "3", True, False, Err("#DIV/0!"), Err("#N/A")]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(columns.MIN_RUN, 40),
    data=st.data(),
    templates=st.lists(st.sampled_from(TEMPLATES), min_size=1, max_size=5),
)
def test_a_column_at_a_time_equals_cell_at_a_time(
    rows: int, data: Any, templates: list[str]
) -> None:
    inputs = [data.draw(st.lists(_VALUES, min_size=rows, max_size=rows)) for _ in range(3)]
    shared = data.draw(st.booleans())
    fast, slow, _ = _both(_parts(inputs, templates, rows, shared))
    _assert_same(fast, slow)


@pytest.mark.parametrize("shared", [False, True])
def test_the_lane_is_taken_and_agrees_on_numbers(shared: bool) -> None:
    """Numbers only: every template forms a run (the test above would pass with no run)."""
    rng = np.random.default_rng(11)
    rows = 200
    inputs = [
        [float(x) for x in rng.integers(-50, 50, rows) / 4],
        [float(x) for x in rng.integers(1, 30, rows) / 8],
        [float(x) for x in rng.normal(0, 1e3, rows)],
    ]
    fast, slow, runs = _both(_parts(inputs, TEMPLATES, rows, shared))
    assert runs == len(TEMPLATES)
    _assert_same(fast, slow)


def test_near_zero_rule_and_parentheses() -> None:
    # 0.1 + 0.2 = 0.30000000000000004; minus 0.3 is 5.55e-17: Excel shows 0 for =A-B, not
    # for =(A-B) (cells._near_zero_is_zero; Microsoft, "Floating-point arithmetic may give
    # inaccurate results in Excel")
    rows = columns.MIN_RUN
    inputs = [[0.1 + 0.2] * rows, [0.3] * rows, [1.0] * rows]
    fast, slow, runs = _both(_parts(inputs, ["A{r}-B{r}", "(A{r}-B{r})"], rows))
    assert runs == 2
    _assert_same(fast, slow)
    assert fast[("S", 1, 4)] == 0.0
    assert fast[("S", 1, 5)] == 0.1 + 0.2 - 0.3


def test_errors_empty_and_text_rows_are_left_to_the_cell_evaluator() -> None:
    rows = 12
    a = [float(r) for r in range(rows)]
    b = [2.0] * rows
    b[3] = 0.0  # A/B: #DIV/0!
    b[5] = None  # an empty cell: 0 in arithmetic
    b[7] = "4"  # a number as text: 4 in arithmetic
    b[9] = Err("#N/A")
    fast, slow, runs = _both(_parts([a, b], ["A{r}/B{r}", "A{r}*B{r}"], rows))
    assert runs == 2
    _assert_same(fast, slow)
    assert fast[("S", 4, 3)] == Err("#DIV/0!")
    assert fast[("S", 8, 3)] == 7.0 / 4.0
    assert fast[("S", 10, 4)] == Err("#N/A")


@pytest.mark.parametrize(
    ("template", "forms"),
    [
        ("A{r}*2", True),
        ("A{r}*{r}", False),  # a constant that changes with the row: not one formula
        ("A1*A{r}", False),  # a relative reference that does not move: not one formula
        ("$A$1*A{r}", True),
        ("B{p}+A{r}", False),  # a running total reads its own column (B): cell by cell
        ("SUM(A$1:A{r})", False),  # a growing range
        ("A{r}^2", False),  # not taken (pow): cell by cell
        ('A{r}&"x"', False),  # text
    ],
)
def test_what_forms_a_run(template: str, forms: bool) -> None:
    rows = 20
    inputs = [[float(r) for r in range(1, rows + 1)]]
    parts = _parts(inputs, [template], rows)
    if "{p}" in template:  # the first row reads row 0: start the formulas on row 2
        sheet = parts[SHEET].decode()
        parts[SHEET] = sheet.replace("<f>B0+A1</f>", "<f>A1</f>").encode()
    fast, slow, runs = _both(parts)
    _assert_same(fast, slow)
    taken = bool(evaluate(parts)._completed)
    assert taken == forms, (template, runs)


def test_runs_break_at_gaps_and_changes() -> None:
    cells = [(r, 3, f"A{r}*2") for r in range(1, 11)]  # rows 1-10
    cells += [(r, 3, f"A{r}*2") for r in range(12, 22)]  # a gap at row 11
    cells += [(r, 3, f"A{r}*3") for r in range(22, 32)]  # another constant
    runs, alone = columns.find_runs("S", cells)
    assert [(x.r0, x.r1) for x in runs] == [(1, 10), (12, 21), (22, 31)]
    assert alone == []
    short = [(r, 4, f"B{r}+1") for r in range(1, columns.MIN_RUN)]  # one row too few
    runs, alone = columns.find_runs("S", short)
    assert runs == [] and len(alone) == columns.MIN_RUN - 1


def _decimal_round(x: float, d: int) -> float:
    """ROUND as Excel: half away from zero on the 15-significant-digit decimal (independent
    of functions._excel_round: written again here)."""
    q = Decimal(1).scaleb(-d)
    return float(Decimal(format(x, ".15g")).quantize(q, rounding=ROUND_HALF_UP))


@settings(max_examples=400, deadline=None)
@given(
    x=st.one_of(
        st.floats(-1e14, 1e14, allow_nan=False, allow_infinity=False),
        st.integers(-(10**9), 10**9).map(lambda i: i / 200),  # halfway points at 2 decimals
        st.integers(-(10**9), 10**9).map(lambda i: (i + 0.5) / 1000),
        st.sampled_from([2.675, 1.005, -1.005, 0.5, -0.5, 2.5, 1e-20, -0.0, 0.0, 1e14 + 0.5]),
    ),
    d=st.integers(-6, 12),
)
def test_round_by_integers_equals_the_decimal_round(x: float, d: int) -> None:
    arr = np.array([x, -x, x * 3, x / 7], dtype=np.float64)
    got = columns._round(columns._Rows(arr, np.ones(4, dtype=bool)), d)
    for value, rounded in zip(arr.tolist(), got.x.tolist(), strict=True):
        want = _decimal_round(value, d)
        assert rounded.hex() == want.hex(), (value, d, rounded, want)


def test_round_of_a_large_number_is_the_number() -> None:
    """ROUND(1E20, 10): 1E20 has no decimals to round (it raised decimal.InvalidOperation, the
    default 28-digit context being too narrow for 1E20 with 10 decimals: 31 digits)."""
    rows = columns.MIN_RUN
    inputs = [[1e20] * rows, [123456789012.5] * rows]
    fast, slow, _ = _both(_parts(inputs, ["ROUND(A{r},10)", "ROUND(B{r},0)"], rows))
    _assert_same(fast, slow)
    assert fast[("S", 1, 3)] == 1e20
    assert fast[("S", 1, 4)] == 123456789013.0  # half away from zero


@pytest.mark.parametrize("shared", [False, True])
def test_parentheses_keep_every_cell_of_a_filled_formula_from_the_near_zero_rule(
    shared: bool,
) -> None:
    """=(A1-B1) filled down: every cell is (An-Bn), and Excel stores the difference itself,
    5.551115123125783e-17 for 0.1+0.2 and 0.3 (the cells of a shared formula were read with
    no text, and so lost their parentheses: 0)."""
    rows = columns.MIN_RUN + 2
    inputs = [[0.1 + 0.2] * rows, [0.3] * rows]
    fast, slow, runs = _both(_parts(inputs, ["(A{r}-B{r})", "A{r}-B{r}"], rows, shared))
    assert runs == 2
    _assert_same(fast, slow)
    for r in range(1, rows + 1):
        assert fast[("S", r, 3)] == 5.551115123125783e-17
        assert fast[("S", r, 4)] == 0.0


def test_a_shared_formula_cell_read_whole_still_has_its_master() -> None:
    """A cell of a shared formula in a layout the one-pass reader hands back whole (``<v/>``)
    is read with ElementTree; its master was read without a tree."""
    rows = 20
    parts = _parts([[float(r) for r in range(rows)]], ["A{r}*2"], rows, shared=True)
    sheet = parts[SHEET].decode()
    child = '<c r="B5"><f t="shared" si="0"/><v>0</v></c>'
    assert child in sheet
    sheet = sheet.replace(child, '<c r="B5"><f t="shared" si="0"/><v/></c>')
    parts[SHEET] = sheet.encode()
    fast, slow, runs = _both(parts)
    _assert_same(fast, slow)
    assert fast[("S", 5, 2)] == 8.0  # A5 is 4
    assert fast[("S", 20, 2)] == 38.0
    assert runs == 0  # rows 1-4 only before the cell read whole: too few for a run


def test_run_texts_with_percent_constants_and_a_changed_row() -> None:
    cells = [(r, 3, f"A{r}*10%+$B$1") for r in range(1, 21)]  # % and an absolute reference
    cells += [(r, 4, "$A$1*2") for r in range(1, 21)]  # nothing moves: the same text
    cells += [(r, 5, f"A{r}+1") for r in range(1, 21)]
    cells[44] = (5, 5, "A5+2")  # one row of column E differs: two runs, around it
    runs, alone = columns.find_runs("S", cells)
    assert [(x.col, x.r0, x.r1) for x in runs] == [(3, 1, 20), (4, 1, 20), (5, 6, 20)]
    assert [(r, c) for r, c, _ in alone] == [(r, 5) for r in range(1, 6)]  # E1:E4 too few
    zeros = [(r, 3, f"A0{r}*2") for r in range(1, 21)]  # A01: not the tokenizer's text for A1
    assert columns.find_runs("S", zeros)[0] == []
