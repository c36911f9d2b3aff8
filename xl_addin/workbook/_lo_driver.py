"""Driver of a headless LibreOffice, run by :mod:`xl_addin.workbook.libreoffice` under a Python that
has LibreOffice's ``uno`` module (on Debian/Ubuntu ``/usr/bin/python3`` with ``python3-uno``; on
Windows and macOS the ``python`` LibreOffice bundles). Standard library and ``uno`` only.

``python _lo_driver.py PIPE_NAME``: connects to the soffice listening on ``PIPE_NAME`` and answers
one JSON request per line on stdin with one JSON line on stdout:

* ``{"op": "install", "oxt": PATH}``: adds the extension to the (fresh) user profile;
* ``{"op": "installed", "id": ID}``: ``{"found": true}`` if the extension is in the profile;
* ``{"op": "recalc", "path": PATH}``: loads the workbook hidden, recalculates every cell and
  returns every formula cell's value: ``{"sheets": [[name, [[row, col, kind, value], ...]], ...]}``
  with 1-based rows and columns, ``kind`` ``n`` (number), ``s`` (text), ``b`` (a 0/1 result
  formatted as a boolean: Calc has no boolean type) or ``e`` (value: Calc's error number,
  then the add-in's message for it when the formula calls the add-in, else "");
* ``{"op": "quit"}``: closes LibreOffice.

Every answer is ``{"ok": true, ...}`` or ``{"ok": false, "error": "one line"}``.
"""

import contextlib
import json
import os
import re
import sys
import time

import uno  # type: ignore[import-not-found]
import unohelper  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.task import XInteractionHandler  # type: ignore[import-not-found]
from com.sun.star.ucb import XCommandEnvironment  # type: ignore[import-not-found]

# com.sun.star.sheet.FormulaResult: VALUE 1, STRING 2, ERROR 4
_VALUE, _STRING, _ERROR = 1, 2, 4
_BOOLEAN = 1024  # com.sun.star.util.NumberFormat.LOGICAL


class _Approve(unohelper.Base, XInteractionHandler):  # type: ignore[misc]
    """Installing an extension asks for a confirmation: the first continuation (approve)."""

    def handle(self, request):  # type: ignore[no-untyped-def]
        continuations = request.getContinuations()
        if continuations:
            continuations[0].select()


class _Environment(unohelper.Base, XCommandEnvironment):  # type: ignore[misc]
    def getInteractionHandler(self):  # type: ignore[no-untyped-def]
        return _Approve()

    def getProgressHandler(self):  # type: ignore[no-untyped-def]
        return None


def _prop(name, value):  # type: ignore[no-untyped-def]
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe, seconds=60.0):  # type: ignore[no-untyped-def]
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + seconds
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def install(ctx, oxt):  # type: ignore[no-untyped-def]
    manager = ctx.getValueByName("/singletons/com.sun.star.deployment.ExtensionManager")
    manager.addExtension(uno.systemPathToFileUrl(oxt), (), "user", None, _Environment())
    return {}


def installed(ctx, identifier):  # type: ignore[no-untyped-def]
    """Is the extension ``identifier`` deployed in the user profile LibreOffice started on?"""
    manager = ctx.getValueByName("/singletons/com.sun.star.deployment.ExtensionManager")
    found = False
    for package in manager.getDeployedExtensions("user", None, _Environment()):
        ident = package.getIdentifier()
        if ident.IsPresent and ident.Value == identifier:
            found = True
    return {"found": found}


def _boolean_cells(doc, sheet):  # type: ignore[no-untyped-def]
    """(row, col) of every cell whose number format is a boolean one."""
    formats = doc.getNumberFormats()
    out = set()
    ranges = sheet.getUniqueCellFormatRanges()
    for i in range(ranges.getCount()):
        group = ranges.getByIndex(i)
        addresses = group.getRangeAddresses()
        if not addresses:
            continue
        a = addresses[0]
        key = sheet.getCellByPosition(a.StartColumn, a.StartRow).NumberFormat
        try:
            kind = formats.getByKey(key).Type
        except Exception:
            continue
        if kind & _BOOLEAN:
            for a in addresses:
                out.add((a.StartRow, a.EndRow, a.StartColumn, a.EndColumn))
    return out


_LOG = os.environ.get("XL_ADDIN_CALC_MESSAGES", "")
_ADDIN = re.compile(r"ORG\.IFX\.XLADDIN\.XLADDIN\.(\w+)\(", re.IGNORECASE)


def _message(sheet, r, c, formula=None):  # type: ignore[no-untyped-def]
    """The add-in's message for the error in cell (r, c) (1-based), or "": the cell's formula is
    entered again and the first message the add-in logs (``XL_ADDIN_CALC_MESSAGES``) from a
    function the formula calls is the cell's. Not for array formulas (re-entering one cell of
    a block is not possible)."""
    if not _LOG or (formula is not None and not _ADDIN.search(formula)):
        return ""  # (a formula read in bulk that calls no add-in function: no UNO call)
    cell = sheet.getCellByPosition(c - 1, r - 1)
    formula = cell.getFormula()
    called = {m.upper() for m in _ADDIN.findall(formula)}
    if not called or cell.getArrayFormula():
        return ""
    start = os.path.getsize(_LOG) if os.path.exists(_LOG) else 0
    cell.setFormula(formula)
    cell.getError()
    if not os.path.exists(_LOG):
        return ""
    with open(_LOG, encoding="utf-8") as log:
        log.seek(start)
        for line in log:
            name, _code, message = [*line.rstrip("\n").split("\t"), "", ""][:3]
            if name.upper() in called:
                return f"{name}: {message}"
    return ""


_MAX_MESSAGES = 5000  # error cells whose message is looked for (each a formula entered again)


def _inherited(names, sheets, index, r, c, code, codes_of, messages):  # type: ignore[no-untyped-def]
    """The message of the add-in error cell, with the same error, the error of (r, c) comes
    from: followed back through its precedents that show the same error (on any sheet, through
    names), or ""."""
    todo, seen = [(index, r, c)], set()
    while todo and len(seen) < 10_000:
        key = todo.pop(0)
        if key in seen:
            continue
        seen.add(key)
        if key in messages and codes_of.get(key) == code:
            return messages[key]
        tab, rr, cc = key
        try:
            cell = sheets.getByIndex(tab).getCellByPosition(cc - 1, rr - 1)
            found = list(cell.queryPrecedents(False).getRangeAddresses())
            # Calc's precedents do not go through defined names: those are followed here
            for word in set(
                re.findall(r"[A-Za-z_][\w.]*", re.sub(r'"[^"]*"', "", cell.getFormula()))
            ):
                if names.hasByName(word):
                    referred = names.getByName(word).getReferredCells()
                    if referred is not None:
                        found.append(referred.getRangeAddress())
        except Exception:
            continue
        for a in found:
            for r2 in range(a.StartRow + 1, a.EndRow + 2):
                for c2 in range(a.StartColumn + 1, a.EndColumn + 2):
                    if codes_of.get((a.Sheet, r2, c2)) == code:
                        todo.append((a.Sheet, r2, c2))
    return ""


_SCRATCH = "xl_addin_error_codes"


def _error_codes(doc, error_ranges):  # type: ignore[no-untyped-def]
    """Calc's error number and the formula of every error cell of ``error_ranges`` ((sheet
    index, sheet, [CellRangeAddress], _) per sheet), keyed ``(index, row, col)`` 0-based, read in
    bulk: one formula array of ``ERRORTYPE(cell)`` per range on a scratch sheet added at the end
    (removed after), and one formula array per range; not one UNO call per cell (each is a
    round trip to LibreOffice). A cell whose number is not found this way is left out (the
    caller asks the cell), and so is every cell when no sheet can be added (a workbook whose
    structure is protected); no scratch sheet at all when there is no error cell."""
    codes, formulas = {}, {}
    if not any(errors for _i, _s, errors, _c in error_ranges):
        return codes, formulas
    sheets = doc.getSheets()
    name = _SCRATCH
    while sheets.hasByName(name):
        name += "_"
    try:
        sheets.insertNewByName(name, sheets.getCount())
    except Exception:  # e.g. a workbook whose structure is protected: cell by cell
        return codes, formulas
    try:
        scratch = sheets.getByName(name)
        for index, sheet, errors, _cells in error_ranges:
            quoted = sheet.getName().replace("'", "''")
            for a in errors:
                box = (a.StartColumn, a.StartRow, a.EndColumn, a.EndRow)
                rows = range(a.StartRow, a.EndRow + 1)
                cols = range(a.StartColumn, a.EndColumn + 1)
                target = scratch.getCellRangeByPosition(*box)
                target.setFormulaArray(
                    tuple(
                        tuple(f"=ERRORTYPE($'{quoted}'.{_column(c)}{r + 1})" for c in cols)
                        for r in rows
                    )
                )
                found = target.getDataArray()
                text = sheet.getCellRangeByPosition(*box).getFormulaArray()
                for i, r in enumerate(rows):
                    for j, c in enumerate(cols):
                        v = found[i][j]
                        if isinstance(v, float) and v > 0 and v == int(v):
                            codes[(index, r, c)] = int(v)
                        formulas[(index, r, c)] = text[i][j]
    finally:
        sheets.removeByName(name)
    return codes, formulas


def _column(c):  # type: ignore[no-untyped-def]
    """The letters of 0-based column ``c`` (0 → A, 26 → AA)."""
    out = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        out = chr(65 + rest) + out
    return out


def recalc(ctx, path):  # type: ignore[no-untyped-def]
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    url = uno.systemPathToFileUrl(path)
    load = (  # hidden; no macro runs, no link to another file or program is updated
        _prop("Hidden", True),
        _prop("MacroExecutionMode", 0),
        _prop("UpdateDocMode", 0),
    )
    doc = desktop.loadComponentFromURL(url, "_blank", 0, load)
    if doc is None:
        raise RuntimeError("LibreOffice could not open the workbook")
    try:
        doc.calculateAll()
        result = []
        errors_by_sheet = []
        error_ranges = []
        sheets = doc.getSheets()
        codes_of = {}
        for index in range(sheets.getCount()):
            sheet = sheets.getByIndex(index)
            cells = []
            found = sheet.queryFormulaCells(_VALUE | _STRING | _ERROR)
            booleans = None
            for a in found.getRangeAddresses():
                block = sheet.getCellRangeByPosition(
                    a.StartColumn, a.StartRow, a.EndColumn, a.EndRow
                )
                data = block.getDataArray()
                for i, row in enumerate(data):
                    for j, v in enumerate(row):
                        r, c = a.StartRow + i, a.StartColumn + j
                        if isinstance(v, str):
                            cells.append([r + 1, c + 1, "s", v])
                        else:
                            if v in (0.0, 1.0):
                                if booleans is None:
                                    booleans = _boolean_cells(doc, sheet)
                                if any(
                                    r0 <= r <= r1 and c0 <= c <= c1 for r0, r1, c0, c1 in booleans
                                ):
                                    cells.append([r + 1, c + 1, "b", v])
                                    continue
                            cells.append([r + 1, c + 1, "n", v])
            errors = list(sheet.queryFormulaCells(_ERROR).getRangeAddresses())
            error_ranges.append((index, sheet, errors, cells))
            result.append([sheet.getName(), cells])
        found_codes, formulas = _error_codes(doc, error_ranges)
        for index, sheet, errors, cells in error_ranges:
            codes = {}
            for a in errors:
                for r in range(a.StartRow, a.EndRow + 1):
                    for c in range(a.StartColumn, a.EndColumn + 1):
                        code = found_codes.get((index, r, c))
                        if code is None:  # not read in bulk: from the cell
                            code = sheet.getCellByPosition(c, r).getError()
                        codes[(r + 1, c + 1)] = codes_of[(index, r + 1, c + 1)] = code
            if codes:
                cells[:] = [x for x in cells if (x[0], x[1]) not in codes]
                errors_by_sheet.append((index, sheet, codes, cells))
        # the add-in's message of each error cell that calls it, then of the cells whose error
        # comes from one of those (its precedents, followed through references and names)
        messages = {}
        for index, sheet, codes, _cells in errors_by_sheet:
            for r, c in list(codes)[:_MAX_MESSAGES]:
                text = _message(sheet, r, c, formulas.get((index, r - 1, c - 1)))
                if text:
                    messages[(index, r, c)] = text
        with_message = {codes_of[k] for k in messages}  # only an error of these codes inherits
        for index, _sheet, codes, cells in errors_by_sheet:
            for n, ((r, c), code) in enumerate(codes.items()):
                text = messages.get((index, r, c), "")
                if not text and code in with_message and n < _MAX_MESSAGES:
                    text = _inherited(
                        doc.NamedRanges, sheets, index, r, c, code, codes_of, messages
                    )
                cells.append([r, c, "e", code, text])
        return {"sheets": result}
    finally:
        doc.close(True)


def main():  # type: ignore[no-untyped-def]
    ctx = connect(sys.argv[1])
    print(json.dumps({"ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        op = request.get("op")
        try:
            if op == "install":
                answer = install(ctx, request["oxt"])
            elif op == "installed":
                answer = installed(ctx, request["id"])
            elif op == "recalc":
                answer = recalc(ctx, request["path"])
            elif op == "quit":
                with contextlib.suppress(Exception):  # the connection closes as it ends
                    ctx.ServiceManager.createInstanceWithContext(
                        "com.sun.star.frame.Desktop", ctx
                    ).terminate()
                print(json.dumps({"ok": True}), flush=True)
                return
            else:
                answer = {"ok": False, "error": f"unknown request {op!r}"}
        except Exception as exc:
            message = getattr(exc, "Message", None) or str(exc) or type(exc).__name__
            answer = {"ok": False, "error": message.strip().splitlines()[0]}
        answer.setdefault("ok", True)
        print(json.dumps(answer, allow_nan=True), flush=True)


if __name__ == "__main__":
    main()
