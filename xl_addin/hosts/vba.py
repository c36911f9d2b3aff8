"""What classic xlwings' *Import Functions* needs from every function name and argument name.

xlwings writes one VBA wrapper per function, all into one VBA module (``xlwings_udfs``)::

    Function ADJPRICE(conversion_price, event_type, fd_before, shares, Optional price, ...)
        ...
        ADJPRICE = XLPy.CallUDF("xl_addin.udfs", "ADJPRICE", Array(conversion_price, ...), ...)
    failed:
        ADJPRICE = Err.Description
    End Function

A name VBA refuses (a reserved word such as ``Event``, ``Next`` or ``Property``) is a compile
error in that module, and a module that does not compile takes every function in it down
(xlwings issues #384 and #563). So every function name and argument name must be a valid VBA
identifier (a letter, then letters, digits or ``_``; at most 255 characters), must not be a VBA
reserved word, must not shadow a name the wrapper itself uses (``Array``, ``Application``,
``Range``, ``Err``, ``XLPy``, the label ``failed`` ...), must not repeat another argument of the
same function (VBA ignores case) and, for a function name, must not be an Excel built-in
function or a cell reference (Excel would call its own ``VALUE`` or read cell ``ABC1``).

:func:`problems` checks names given as data (the function table, or the wrapper text that
xlwings generates: :func:`wrapper_signatures`). The reserved words are :data:`RESERVED`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "MAX_IDENTIFIER",
    "RESERVED",
    "WRAPPER_NAMES",
    "is_cell_reference",
    "problems",
    "wrapper_signatures",
]

#: VBA's longest identifier (MS-VBAL 3.3.5: "at most 255 characters").
MAX_IDENTIFIER = 255

# The VBA language specification, [MS-VBAL] 3.3.5.2 "Reserved Identifiers and IDENTIFIER"
# (learn.microsoft.com/openspecs/microsoft_general_purpose_programming_languages/ms-vbal):
# reserved-identifier = statement-keyword / marker-keyword / operator-identifier / special-form
# / reserved-type-identifier / reserved-name / literal-identifier / rem-keyword /
# reserved-for-implementation-use / future-reserved -- every production below in full; plus the
# words of the VBA reference's "Keywords (Visual Basic for Applications)" page and the grammar
# spelled elsewhere (Alias, Base, Binary, Compare, Error, Explicit, Lib, Mid, Property, PtrSafe,
# Step, Text, Time, ...) and the statement words of file I/O (Access, Append, Output, ...).
_STATEMENT_KEYWORDS = """
Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefInt DefLng DefLngLng
DefLngPtr DefObj DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase Event Exit For
Friend Function Get Global GoSub GoTo If Implements Input Let Lock Loop LSet Next On Open Option
Print Private Public Put RaiseEvent ReDim Resume Return RSet Seek Select Set Static Stop Sub Type
Unlock Wend While With Write
"""
_MARKER_KEYWORDS = """
Any As ByRef ByVal Case Each Else In New Shared Until WithEvents Write Optional ParamArray
Preserve Spc Tab Then To
"""
_OPERATORS = "AddressOf And Eqv Imp Is Like New Mod Not Or TypeOf Xor"
_RESERVED_NAMES = """
Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar CVErr Date Debug
DoEvents Fix Int Len LenB Me PSet Scale Sgn String
"""
_SPECIAL_FORMS = "Array Circle Input InputB LBound Scale UBound"
_TYPES = "Boolean Byte Currency Date Double Integer Long LongLong LongPtr Single String Variant"
_LITERALS = "True False Nothing Empty Null"
_IMPLEMENTATION = """
Attribute LineInput VB_Base VB_Control VB_Creatable VB_Customizable VB_Description VB_Exposed
VB_Ext_KEY VB_GlobalNameSpace VB_HelpID VB_Invoke_Func VB_Invoke_Property VB_Invoke_PropertyPut
VB_Invoke_PropertyPutRef VB_MemberFlags VB_Name VB_PredeclaredId VB_ProcData VB_TemplateDerived
VB_UserMemId VB_VarDescription VB_VarHelpID VB_VarMemberFlags VB_VarProcData VB_VarUserMemId
"""
_REM = "Rem"
_FUTURE = "CDecl Decimal DefDec"
_LANGUAGE_REFERENCE = """
Access Alias Append Base Binary Compare Database DefDouble Error Explicit Lib Line Module Name
Object Output Property PtrSafe Random Read Rem Reset Step Text Time Width Mid MidB
"""

#: Every reserved word, upper-case (VBA ignores case).
RESERVED: frozenset[str] = frozenset(
    word.upper()
    for block in (
        _STATEMENT_KEYWORDS,
        _MARKER_KEYWORDS,
        _OPERATORS,
        _RESERVED_NAMES,
        _SPECIAL_FORMS,
        _TYPES,
        _LITERALS,
        _REM,
        _IMPLEMENTATION,
        _FUTURE,
        _LANGUAGE_REFERENCE,
    )
    for word in block.split()
)

#: Names xlwings' wrapper body uses besides the function's own: an argument with one of these
#: names would shadow it (``Array(...)`` would index the argument; ``Application.Caller`` fail).
WRAPPER_NAMES: frozenset[str] = frozenset(
    n.upper() for n in ("Application", "Range", "Err", "XLPy", "ThisWorkbook", "failed")
)

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_A1 = re.compile(r"([A-Z]{1,3})([0-9]+)\Z")
_R1C1 = re.compile(r"R[0-9]*C[0-9]*\Z|R[0-9]*\Z|C[0-9]*\Z")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def is_cell_reference(name: str) -> bool:
    """True if Excel would read ``name`` as a cell (``ABC1``, ``XFD1048576``) or an R1C1
    reference (``R1C1``, ``R``, ``C``): such a function name can never be called."""
    upper = name.upper()
    m = _A1.match(upper)
    if m and _column_number(m.group(1)) <= 16384 and 1 <= int(m.group(2)) <= 1048576:
        return True
    return bool(_R1C1.match(upper))


def _identifier_problem(name: str, what: str) -> str | None:
    if not _IDENTIFIER.match(name):
        return f"{what} {name!r} is not a VBA identifier (a letter, then letters, digits or _)"
    if len(name) > MAX_IDENTIFIER:
        return f"{what} {name[:20]}... is {len(name)} characters (VBA allows {MAX_IDENTIFIER})"
    if name.upper() in RESERVED:
        return (
            f"{what} {name!r} is a VBA reserved word or keyword: "
            "the whole VBA module would not compile"
        )
    return None


def problems(
    functions: Iterable[tuple[str, Iterable[str]]],
    excel_builtins: Iterable[str] = (),
) -> list[str]:
    """One line per name that would break or confuse *Import Functions*; empty when all is well.

    ``functions``: (function name, argument names); ``excel_builtins``: Excel's own function
    names (a function of the same name would never be called: Excel's wins)."""
    builtins = {b.upper() for b in excel_builtins}
    out: list[str] = []
    seen: dict[str, str] = {}
    for name, args in functions:
        args = list(args)
        where = f"{name}:"
        why = _identifier_problem(name, "function name")
        if why:
            out.append(f"{where} {why}")
        if name.upper() in builtins:
            out.append(f"{where} function name {name!r} is an Excel built-in function")
        if is_cell_reference(name):
            out.append(f"{where} function name {name!r} is a cell reference in Excel")
        if name.upper() in WRAPPER_NAMES:
            out.append(f"{where} function name {name!r} is used by xlwings' wrapper")
        if name.upper() in seen:
            out.append(f"{where} function name repeats {seen[name.upper()]!r} (VBA ignores case)")
        seen[name.upper()] = name
        args_seen: dict[str, str] = {}
        for arg in args:
            why = _identifier_problem(arg, "argument")
            if why:
                out.append(f"{where} {why}")
            if arg.upper() in WRAPPER_NAMES:
                out.append(f"{where} argument {arg!r} shadows {arg!r} in xlwings' wrapper")
            if arg.upper() == name.upper():
                out.append(f"{where} argument {arg!r} is the function's own name")
            if arg.upper() in args_seen:
                out.append(
                    f"{where} argument {arg!r} repeats {args_seen[arg.upper()]!r} "
                    "(VBA ignores case)"
                )
            args_seen[arg.upper()] = arg
    return out


_SIGNATURE = re.compile(r"^Function\s+(\S+?)\s*\(([^)]*)\)\s*$", re.M)


def wrapper_signatures(vba: str) -> list[tuple[str, list[str]]]:
    """(function name, argument names) of every ``Function`` line of a generated VBA module
    (``Optional`` and ``ByVal``/``ByRef`` markers dropped)."""
    out = []
    for m in _SIGNATURE.finditer(vba):
        args = []
        for part in m.group(2).split(","):
            words = part.split()
            while len(words) > 1 and words[0].upper() in ("OPTIONAL", "BYVAL", "BYREF"):
                words = words[1:]
            if words:
                args.append(" ".join(words))
        out.append((m.group(1), args))
    return out
