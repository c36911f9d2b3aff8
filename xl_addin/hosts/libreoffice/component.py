"""The Calc add-in: a Python UNO component, copied into the extension as ``xl_addin_calc.py``.

It runs inside LibreOffice's own Python (``import uno`` works only there); the ``xl_addin`` package
travels in the extension's ``pythonpath/`` folder, which LibreOffice's Python loader puts on
``sys.path``. Every method of the interface (:mod:`xl_addin.hosts.libreoffice` generates its IDL
from the function table) is bound here, from the same table, to the function of
:mod:`xl_addin.udfs` of the same name: no function, argument or help text is listed in this file.

Conventions of Calc this module bridges (checked by tests/test_libreoffice_extension.py):

* the first argument, hidden from the user, is the document's properties: a function that
  reads dates refuses (``#VALUE!``) in a document whose dates do not count from 1899-12-30
  (the 1904 date system), as the xlwings Lite bundle does;
* arguments are declared ``any``, so every one may be omitted; an omitted argument arrives as
  ``None`` and the function's own default applies (a required one omitted is the function's
  own one-line error);
* a range arrives as a tuple of rows, an empty cell inside it as ``''`` (passed on as None, as
  xlwings does), a single empty cell as ``0.0`` (Calc's choice: it cannot be told from a typed
  0); for the optional range arguments whose blank means "none" (:func:`blank_means_none`)
  that ``0.0`` is passed on as blank;
* results are declared ``sequence<sequence<any>>`` (a single value is a 1×1 array, which a
  normal cell shows as that value): numbers as floats (Calc has no boolean: TRUE is 1.0,
  and integers inside arrays must be floats), text as text, an empty result cell as ``''``;
* an error is a real error value of the same code as Excel's (``#VALUE!``, ``#NUM!``, ...):
  Calc reads a NaN whose low 32 bits carry its error number as that error. Its message is
  written to the log named by ``XL_ADDIN_CALC_MESSAGES`` when set (the LibreOffice engine's
  report of each error cell).
"""

from __future__ import annotations

import os
import struct
import threading
from typing import Any

os.environ["XL_ADDIN_ERRORS"] = "raise"  # errors as exceptions, not text cells
os.environ["XL_ADDIN_XLWINGS"] = "0"  # no xlwings decorators inside LibreOffice

import unohelper  # type: ignore[import-not-found]
from com.sun.star.lang import (  # type: ignore[import-not-found]
    XLocalizable,
    XServiceInfo,
    XServiceName,
)
from com.sun.star.sheet import XAddIn  # type: ignore[import-not-found]

#: Filled in by the builder: the UNO names of this extension.
IMPLEMENTATION = "@IMPLEMENTATION@"
INTERFACE_MODULE = "@INTERFACE_MODULE@"
INTERFACE = "@INTERFACE@"
#: The functions that read dates (as for the xlwings Lite bundle), space-separated.
_DATES = "@DATE_FUNCTIONS@"
DATE_FUNCTIONS = frozenset(_DATES.split())

_mod = __import__(INTERFACE_MODULE, fromlist=[INTERFACE])
XInterfaceOfAddIn = getattr(_mod, INTERFACE)

from xl_addin.functions import Function, Parameter, table  # noqa: E402
from xl_addin.terms.errors import TermsError  # noqa: E402

#: Calc's internal error numbers (FormulaError) for Excel's error codes.
CALC_ERRORS = {
    "#NULL!": 521,
    "#DIV/0!": 532,
    "#VALUE!": 519,
    "#REF!": 524,
    "#NAME?": 525,
    "#NUM!": 503,
    "#N/A": 0x7FFF,
}


def error_value(code: str) -> float:
    """The double Calc shows as the error ``code``: a quiet NaN carrying Calc's error number."""
    number = CALC_ERRORS.get(code, CALC_ERRORS["#VALUE!"])
    return float(struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000000 | number))[0])


def _arg(value: Any) -> Any:
    """One argument as xlwings passes it: a range as a list of rows, empty cells as None."""
    if isinstance(value, tuple):
        return [[None if v == "" else v for v in row] for row in value]
    return value


def _out(value: Any) -> Any:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int):
        return float(value)
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return error_value("#NUM!")
    return value


def _result(value: Any) -> tuple[tuple[Any, ...], ...]:
    if isinstance(value, (list, tuple)):
        rows = [r if isinstance(r, (list, tuple)) else [r] for r in value]
        if not rows:
            return ((error_value("#N/A"),),)
        width = max(len(r) for r in rows)
        return tuple(tuple(_out(v) for v in r) + ("",) * (width - len(r)) for r in rows)
    return ((_out(value),),)


#: Where each error's message is appended (``NAME<TAB>code<TAB>message``), when set: the
#: LibreOffice engine (:mod:`xl_addin.workbook.libreoffice`) starts LibreOffice with it, to
#: report which cell failed and why.
MESSAGE_LOG = os.environ.get("XL_ADDIN_CALC_MESSAGES", "")
_LOCK = threading.Lock()


def _log(name: str, code: str, message: str) -> None:
    if not MESSAGE_LOG:
        return
    line = "\t".join(x.replace("\t", " ").replace("\n", " ") for x in (name, code, message))
    with _LOCK, open(MESSAGE_LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def _date_system_1900(caller: Any) -> bool:
    """True when the document's serial numbers count from 1899-12-30, as Excel's (1900 date
    system, Calc's default); a document on the 1904 system (or another null date) is not."""
    try:
        null = caller.getPropertyValue("NullDate")
    except Exception:
        return True  # no document properties: Calc's default
    return (null.Year, null.Month, null.Day) == (1899, 12, 30)


def blank_means_none(p: Parameter) -> bool:
    """A range argument whose blank means "none" (optional, default None). Calc passes a blank
    single cell as 0.0 (it cannot be told from a typed 0): for these arguments that 0.0 is
    read as blank, as Excel passes it."""
    return p.takes_range and p.optional and p.default is None


def _method(fn: Function) -> Any:
    names = [p.name for p in fn.parameters]
    blank = [blank_means_none(p) for p in fn.parameters]

    dates = fn.name in DATE_FUNCTIONS

    def method(self: Any, caller: Any, *args: Any) -> Any:
        if dates and not _date_system_1900(caller):
            message = (
                "the document's dates do not count from 1899-12-30 (Excel's 1900 date system; "
                "a workbook on the 1904 date system?): "
                "this function's dates would be misread (Tools > Options > LibreOffice Calc > "
                "Calculate > Date)"
            )
            _log(fn.name, "#VALUE!", message)
            return ((error_value("#VALUE!"),),)
        values = list(args[: len(names)])
        while values and values[-1] is None and fn.parameters[len(values) - 1].optional:
            values.pop()  # trailing omitted optionals: the function's defaults
        call = [
            (p.default if v is None and p.optional else None if b and v == 0.0 else _arg(v))
            for p, b, v in zip(fn.parameters, blank, values, strict=False)
        ]
        try:
            return _result(fn.call(*call))
        except TermsError as exc:
            code = exc.code
            message = exc.message.removeprefix(code + " ")  # raise mode: "#VALUE! why"
        except Exception as exc:  # never a traceback: one line
            message = f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
            code = "#VALUE!"
        _log(fn.name, code, message)
        return ((error_value(code),),)

    method.__name__ = fn.name
    return method


class XlAddin(unohelper.Base, XInterfaceOfAddIn, XAddIn, XServiceName, XServiceInfo, XLocalizable):  # type: ignore[misc]
    """The add-in: one method per function of the table (bound below)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.locale = None
        self._functions = {f.name: f for f in table()}

    # XAddIn (CalcAddIns.xcu carries the same texts; Calc asks here when it lacks one)
    def getProgrammaticFuntionName(self, display: str) -> str:
        return display.upper() if display.upper() in self._functions else ""

    def getDisplayFunctionName(self, name: str) -> str:
        return name

    def getFunctionDescription(self, name: str) -> str:
        f = self._functions.get(name)
        return f.description if f else ""

    def getDisplayArgumentName(self, name: str, n: int) -> str:
        f = self._functions.get(name)
        return f.parameters[n].name if f and 0 <= n < len(f.parameters) else ""

    def getArgumentDescription(self, name: str, n: int) -> str:
        f = self._functions.get(name)
        return f.parameters[n].help if f and 0 <= n < len(f.parameters) else ""

    def getProgrammaticCategoryName(self, name: str) -> str:
        return "Add-In"

    def getDisplayCategoryName(self, name: str) -> str:
        f = self._functions.get(name)
        return f.category if f else "Add-In"

    # XLocalizable
    def setLocale(self, locale: Any) -> None:
        self.locale = locale

    def getLocale(self) -> Any:
        return self.locale

    # XServiceName, XServiceInfo
    def getServiceName(self) -> str:
        return IMPLEMENTATION

    def getImplementationName(self) -> str:
        return IMPLEMENTATION

    def supportsService(self, name: str) -> bool:
        return name in self.getSupportedServiceNames()

    def getSupportedServiceNames(self) -> tuple[str, ...]:
        return (IMPLEMENTATION, "com.sun.star.sheet.AddIn")


for _f in table():
    setattr(XlAddin, _f.name, _method(_f))

g_ImplementationHelper = unohelper.ImplementationHelper()  # noqa: N816 -- LibreOffice reads it
g_ImplementationHelper.addImplementation(
    XlAddin, IMPLEMENTATION, (IMPLEMENTATION, "com.sun.star.sheet.AddIn")
)
