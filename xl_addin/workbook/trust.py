"""Which engine is trusted for what: the functions and reference forms each engine computes as
Excel does, and those it is known to get wrong (issue #11: "keep, per engine, which functions
and forms it is trusted for ... and report the rest").

* The native engine (:mod:`xl_addin.workbook.native.evaluator`) is trusted for exactly what it
  implements (``NATIVE_FUNCTIONS`` and the add-in's functions); anything else is a
  :class:`~xl_addin.workbook.native.evaluator.NotComputed` cell, never a guess.
* The ``formulas`` library is trusted for everything except :data:`FORMULAS_KNOWN_WRONG` and every
  reference form the native engine lacks (whole rows/columns and large ranges, 3-D references,
  structured references, the union operator, circular references): the differences from Excel
  that issue #11 reports on Excel-saved workbooks. ``recalc`` hands a workbook to ``formulas``
  only when none of its formulas uses one of those and it uses the 1900 date system; otherwise
  the cells are reported as not computed.

Measured on the corpus (tests/corpus/, ``scripts/corpus_report.py --causes``, figures in
tests/golden/corpus_figures.csv): the native engine computes no cell differently from Excel
(21,276 of 25,615 formula cells matched, the rest reported as not computed, references to other
workbooks among them, with Excel's cached value kept). The ``formulas`` engine, run on every
workbook, computed 1,637 cells differently: the functions it got wrong there are in
:data:`FORMULAS_MEASURED_WRONG` (part of :data:`FORMULAS_KNOWN_WRONG`). It also gave ``FALSE``
for ``=--("A"="B")`` (Excel: 0): that form, the double negation, is listed with the functions
(:data:`DOUBLE_NEGATION`), so a workbook using it is never handed to ``formulas``.
"""

from __future__ import annotations

import re

__all__ = [
    "DOUBLE_NEGATION",
    "FORMULAS_KNOWN_WRONG",
    "FORMULAS_MEASURED_WRONG",
    "LIBREOFFICE_KNOWN_WRONG",
    "formulas_untrusted",
    "functions_in",
]

#: Functions the ``formulas`` library computed differently from Excel's cached values on the
#: corpus (``scripts/corpus_report.py --engine formulas --causes``): base conversions (#VALUE! for
#: Excel's #NUM!), the CEILING/FLOOR variants on negative numbers, functions it lacks (AGGREGATE,
#: SUBTOTAL, FORECAST.ETS), AND over ranges, YEAR of an out-of-range serial, VDB, WORKDAY.INTL,
#: POISSON.DIST.
FORMULAS_MEASURED_WRONG = frozenset(
    {
        *(f"{a}2{b}" for a in ("BIN", "OCT", "DEC", "HEX") for b in ("BIN", "OCT", "DEC", "HEX")),
        "CEILING.MATH",
        "CEILING.PRECISE",
        "ISO.CEILING",
        "FLOOR.MATH",
        "FLOOR.PRECISE",
        "AGGREGATE",
        "SUBTOTAL",
        "FORECAST.ETS",
        "FORECAST.ETS.CONFINT",
        "AND",
        "OR",
        "YEAR",
        "MONTH",
        "DAY",
        "VDB",
        "WORKDAY.INTL",
        "POISSON.DIST",
    }
)

#: Functions the ``formulas`` library computes differently from Excel (issue #11): TEXT's
#: number formats, the lookups, INDEX with array arguments, ISNUMBER/N on booleans, the
#: statistical and financial families.
FORMULAS_KNOWN_WRONG = frozenset(
    {
        "TEXT",
        "LOOKUP",
        "VLOOKUP",
        "HLOOKUP",
        "MATCH",
        "INDEX",
        "XLOOKUP",
        "XMATCH",
        "OFFSET",
        "INDIRECT",
        "ISNUMBER",
        "N",
        # statistical
        "AVERAGEA",
        "AVERAGEIF",
        "AVERAGEIFS",
        "COUNTIF",
        "COUNTIFS",
        "SUMIFS",
        "MEDIAN",
        "MODE",
        "MODE.SNGL",
        "STDEV",
        "STDEV.S",
        "STDEV.P",
        "STDEVA",
        "STDEVP",
        "VAR",
        "VAR.S",
        "VAR.P",
        "VARA",
        "VARP",
        "PERCENTILE",
        "PERCENTILE.INC",
        "PERCENTILE.EXC",
        "QUARTILE",
        "QUARTILE.INC",
        "QUARTILE.EXC",
        "RANK",
        "RANK.EQ",
        "RANK.AVG",
        "LARGE",
        "SMALL",
        "CORREL",
        "COVAR",
        "SLOPE",
        "INTERCEPT",
        "FORECAST",
        "TREND",
        "GROWTH",
        "NORMDIST",
        "NORM.DIST",
        "NORMSDIST",
        "NORM.S.DIST",
        "NORMINV",
        "NORM.INV",
        "NORMSINV",
        "NORM.S.INV",
        # financial
        "NPV",
        "XNPV",
        "IRR",
        "XIRR",
        "MIRR",
        "PMT",
        "IPMT",
        "PPMT",
        "PV",
        "FV",
        "RATE",
        "NPER",
        "DB",
        "DDB",
        "SLN",
        "SYD",
        "-- (double negation)",  # DOUBLE_NEGATION, a form (see below)
        *FORMULAS_MEASURED_WRONG,
    }
)

#: Functions LibreOffice (the next engine after the native one, with the add-in's extension)
#: computes differently from Excel: TEXT's number-format codes (issue #11), and what
#: ``scripts/corpus_report.py --engine libreoffice --causes`` measured on the corpus: a logical
#: value joined into text (CONCATENATE gives "1-Z" for Excel's "TRUE-Z"), VDB, AGGREGATE,
#: FORECAST.ETS. Its error codes for invalid arguments differ too: an error value from
#: LibreOffice is never taken (``recalc._libreoffice_fills``). A workbook that calls one of these
#: is not handed to LibreOffice; its cells stay reported.
LIBREOFFICE_KNOWN_WRONG = frozenset(
    {"TEXT", "CONCATENATE", "VDB", "AGGREGATE", "FORECAST.ETS", "FORECAST.ETS.CONFINT"}
)

_STRING = re.compile(rb'"(?:[^"]|"")*"')
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f\b[^>]*>(.*?)</(?:[\w.-]+:)?f>", re.S)
_CALL = re.compile(rb"([A-Za-z_][\w.]*)\s*\(")


#: A form, not a function, that ``formulas`` gets wrong: the double negation ``--x`` that turns
#: a logical into a number (``=--("A"="B")`` gives FALSE for Excel's 0, ``=SUM(--(1=1))`` 0 for
#: Excel's 1: it drops the pair of minus signs). :func:`functions_in` reports it under this name.
DOUBLE_NEGATION = "-- (double negation)"
_QUOTED_SHEET = re.compile(rb"'(?:[^']|'')*'")
_DOUBLE_MINUS = re.compile(rb"-\s*-")


def functions_in(sheet_xml: bytes) -> set[str]:
    """The names of the functions the formulas of a sheet part call (upper case, without the
    ``_xlfn.`` prefix), and :data:`DOUBLE_NEGATION` if a formula uses that form."""
    out: set[str] = set()
    for m in _FORMULA.finditer(sheet_xml):
        bare = _STRING.sub(b'""', m.group(1))
        if _DOUBLE_MINUS.search(_QUOTED_SHEET.sub(b"''", bare)):
            out.add(DOUBLE_NEGATION)
        for name in _CALL.findall(bare):
            text = name.decode("ascii", "replace").upper()
            out.add(text.removeprefix("_XLFN.").removeprefix("_XLWS."))
    return out


def formulas_untrusted(used: set[str], not_computed: list[tuple[str, str | None]]) -> str | None:
    """Why the ``formulas`` library must not compute a workbook that calls ``used`` and whose
    cells ``not_computed`` (reason, function or None for a reference form) the native engine
    left; None if it may."""
    wrong = sorted(used & FORMULAS_KNOWN_WRONG)
    if wrong:
        return "the formulas library is not trusted for " + ", ".join(wrong[:5])
    for reason, function in not_computed:
        if function is None:
            return f"the formulas library is not trusted there either ({reason})"
    return None
