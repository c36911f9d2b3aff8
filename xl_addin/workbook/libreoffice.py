"""LibreOffice as a recalculation engine: ``xl-addin recalc IN... --engine libreoffice``.

One headless LibreOffice is started for a run (:class:`LibreOffice`, shared by every workbook of
the run through :func:`shared`), in a fresh, temporary user profile into which the add-in's Calc
extension (:mod:`xl_addin.hosts.libreoffice`) is installed first, so ``=LIQPREF(...)`` computes
in Calc; LibreOffice is then started again on that profile, so that the extension's Python runs
inside LibreOffice's own process (added to a running LibreOffice, it runs in a separate process
and every add-in call crosses a pipe twice: ~25 times slower). That prepared profile is kept
between runs (:func:`_prepared_profile`): later runs start once, on a fresh copy of it. For
each workbook LibreOffice loads it hidden, recalculates every cell and the value of every
formula cell is read back through UNO (by a small driver, :mod:`._lo_driver`, running under
the Python that has LibreOffice's ``uno`` module). :mod:`xl_addin.recalc` then writes those
values into the original file exactly as for the native engine: only cached values change.

Safety: soffice always runs under ``timeout`` (:data:`SOFFICE_SECONDS`) in its own process group,
with its own ``-env:UserInstallation``; closing the engine (at the end of the run, or at exit)
ends the process group and removes the profile, so no soffice is left behind.

What Calc gives back, translated to Excel's values: numbers, text, a 0/1 result formatted as a
boolean as TRUE/FALSE (Calc has no boolean type), and Calc's error numbers as Excel's error
codes (:data:`CALC_ERRORS`); an error of Calc's own with no Excel equivalent (``Err:5xx``: a
formula Calc could not parse, a circular reference) is reported as ``#VALUE!`` with its number
and meaning, never as a value.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "CALC_ERRORS",
    "LibreOffice",
    "LibreOfficeError",
    "available",
    "evaluate",
    "not_for",
    "shared",
    "shutdown",
]

#: Longest a LibreOffice process may live (``timeout``), whatever happens.
SOFFICE_SECONDS = 3600


def _soffice_seconds() -> int:
    """:data:`SOFFICE_SECONDS`, or ``XL_ADDIN_SOFFICE_SECONDS`` as set when LibreOffice starts
    (the corpus comparison sets it in each child to the child's own time limit, so a child
    killed for its time takes its LibreOffice with it soon after)."""
    try:
        return max(1, int(os.environ.get("XL_ADDIN_SOFFICE_SECONDS", SOFFICE_SECONDS)))
    except ValueError:
        return SOFFICE_SECONDS


#: Longest one request (start, install, one workbook) may take.
REQUEST_SECONDS = float(os.environ.get("XL_ADDIN_SOFFICE_REQUEST_SECONDS", "900"))

#: Calc's error numbers (FormulaError) → Excel's error codes.
CALC_ERRORS = {
    521: "#NULL!",
    532: "#DIV/0!",
    519: "#VALUE!",
    524: "#REF!",
    525: "#NAME?",
    503: "#NUM!",
    502: "#NUM!",  # invalid argument (Calc's Err:502), e.g. SQRT(-1)
    523: "#NUM!",  # no convergence
    0x7FFF: "#N/A",
}
_CALC_ONLY = {
    501: "invalid character",
    504: "error in the parameter list",
    507: "missing pair (bracket)",
    508: "missing bracket",
    509: "missing operator",
    510: "missing variable",
    511: "missing variable",
    512: "formula overflow",
    513: "string overflow",
    514: "internal overflow",
    516: "internal syntax error",
    517: "internal syntax error",
    518: "internal syntax error",
    520: "internal syntax error",
    522: "circular reference",
    526: "internal syntax error",
    527: "nesting too deep",
    539: "unsupported inline array content",
}


class LibreOfficeError(RuntimeError):
    """LibreOffice is missing, did not start, or failed on a workbook (one line)."""


def soffice() -> str | None:
    """The ``soffice`` program, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@functools.cache
def _uno_python() -> str | None:
    """A Python that can ``import uno`` (LibreOffice's bridge), or None."""
    candidates = [sys.executable, shutil.which("python3"), "/usr/bin/python3"]
    office = soffice()
    if office:
        program = Path(os.path.realpath(office)).parent
        candidates += [str(program / "python"), str(program / "python.exe")]
    for exe in dict.fromkeys(c for c in candidates if c):
        if not os.path.exists(exe):
            continue
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            ok = subprocess.run(
                [exe, "-c", "import uno"], capture_output=True, timeout=30, check=False
            )
            if ok.returncode == 0:
                return exe
    return None


def available() -> str | None:
    """None when the LibreOffice engine can run here, else why not (one line)."""
    if soffice() is None:
        return "LibreOffice (soffice) is not installed"
    if _uno_python() is None:
        return (
            "LibreOffice's Python bridge (uno) is not installed "
            "(Debian/Ubuntu: python3-uno libreoffice-script-provider-python)"
        )
    return None


def not_for(why: str) -> str | None:
    """None when LibreOffice is the engine for what the native evaluator lacks (``why``, its
    :class:`~xl_addin.fastcalc.Unsupported` message), else why not: a formula the native
    evaluator cannot read, or a function that is neither Excel's nor the add-in's, is no case
    for another spreadsheet (``formulas`` then reports it cell by cell, starting no program)."""
    if why.startswith(("cannot read formula", "unexpected", "unbalanced", "formula ends")):
        return "LibreOffice is not used for a formula that cannot be read"
    m = re.match(r"function (\S+)$", why)
    if m:
        import formulas

        name = m.group(1).upper()
        for prefix in ("_XLFN.", "_XLWS."):
            name = name.removeprefix(prefix)
        if name not in formulas.get_functions():
            return f"LibreOffice is not used for an unknown function ({name})"
    return None


class LibreOffice:
    """One headless LibreOffice with the add-in's extension, for many workbooks."""

    def __init__(self, oxt: Path | None = None) -> None:
        why = available()
        if why is not None:
            raise LibreOfficeError(why)
        self._oxt = oxt
        self._lock = threading.Lock()
        self._dir = Path(tempfile.mkdtemp(prefix="xl-addin-soffice-"))
        self._office: subprocess.Popen[bytes] | None = None
        self._driver: subprocess.Popen[str] | None = None
        self._starts = 0
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _env(self) -> dict[str, str]:
        """The environment of LibreOffice and its driver: this process's, with the add-in's
        conventions for Calc fixed (errors raised as error values, no xlwings decorators), so
        a setting of the caller's (e.g. ``XL_ADDIN_ERRORS=text`` for classic Excel) never
        reaches the cells."""
        return {
            **os.environ,
            "XL_ADDIN_CALC_MESSAGES": str(self._dir / "messages.log"),
            "XL_ADDIN_ERRORS": "raise",
            "XL_ADDIN_XLWINGS": "0",
        }

    def _start(self) -> None:
        oxt = self._oxt
        if oxt is None:
            from ..hosts.libreoffice import build

            oxt = self._dir / "xl_addin.oxt"
            oxt.write_bytes(build())
        profile = self._dir / "profile"
        prepared = _prepared_profile(oxt)
        if prepared is not None and _copy_profile(prepared, profile):
            # a copy of a profile this LibreOffice prepared with this very extension: one start
            try:
                self._launch("start LibreOffice with the extension")
                if self.request({"op": "installed", "id": _extension_id()}, "check")["found"]:
                    return
            except LibreOfficeError:
                pass
            self._stop()  # a copy that does not work: forget it, prepare a profile again
            shutil.rmtree(profile, ignore_errors=True)
            shutil.rmtree(prepared, ignore_errors=True)
        self._launch("start LibreOffice")
        self.request({"op": "install", "oxt": str(oxt)}, "install the extension")
        # An extension added to a running LibreOffice has its Python component run in a
        # separate process (uno.bin): every add-in call then crosses a pipe twice (~1 ms a
        # call, 25,000 LIQPREF cells 20 s). Started again on the same profile, LibreOffice
        # loads the extension at start-up, in its own process (2,500 cells: 0.12 s, was 2.9 s).
        self._stop()
        if prepared is not None:
            _keep_profile(profile, prepared)
        self._launch("start LibreOffice again with the extension")

    def _launch(self, what: str) -> None:
        """Start soffice on the run's profile and the driver connected to it."""
        profile = self._dir / "profile"
        self._starts += 1
        pipe = f"xl_addin_{os.getpid()}_{id(self)}_{self._starts}"
        office = soffice()
        assert office is not None
        self._office = subprocess.Popen(
            [
                "timeout",
                "-s",
                "KILL",
                str(_soffice_seconds()),
                office,
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nolockcheck",
                f"-env:UserInstallation={profile.as_uri()}",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self._env(),
            start_new_session=True,  # its own process group: ended as a whole in close()
        )
        python = _uno_python()
        assert python is not None
        self._driver = subprocess.Popen(
            [python, str(Path(__file__).with_name("_lo_driver.py")), pipe],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._env(),
            text=True,
            encoding="utf-8",
        )
        self._answer(what)

    def _answer(self, what: str) -> dict[str, Any]:
        driver = self._driver
        assert driver is not None and driver.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(driver.stdout.readline()))  # type: ignore[union-attr]
        reader.daemon = True
        reader.start()
        reader.join(REQUEST_SECONDS)
        if reader.is_alive() or not line or not line[0]:
            err = ""
            if driver.poll() is not None and driver.stderr is not None:
                err = (driver.stderr.read().strip().splitlines() or [""])[-1]
            self.close()
            how = "timed out" if reader.is_alive() else "LibreOffice ended"
            raise LibreOfficeError(f"LibreOffice: {what}: {how}" + (f" ({err})" if err else ""))
        answer: dict[str, Any] = json.loads(line[0])
        if not answer.get("ok"):
            raise LibreOfficeError(f"LibreOffice: {what}: {answer.get('error')}")
        return answer

    def request(self, message: dict[str, Any], what: str) -> dict[str, Any]:
        with self._lock:
            driver = self._driver
            if driver is None or driver.stdin is None or driver.poll() is not None:
                raise LibreOfficeError("LibreOffice: not running")
            driver.stdin.write(json.dumps(message) + "\n")
            driver.stdin.flush()
            return self._answer(what)

    def values(self, path: Path) -> dict[str, dict[tuple[int, int], Any]]:
        """Every formula cell's value, by sheet name, as LibreOffice computes it: numbers,
        text, booleans, :class:`~xl_addin.fastcalc.Err` error values."""
        from ..fastcalc import Err

        answer = self.request({"op": "recalc", "path": str(Path(path).resolve())}, str(path))
        out: dict[str, dict[tuple[int, int], Any]] = {}
        for name, cells in answer["sheets"]:
            values: dict[tuple[int, int], Any] = {}
            for r, c, kind, v, *message in cells:
                if kind == "e":
                    code = CALC_ERRORS.get(int(v))
                    if code is None:
                        why = _CALC_ONLY.get(int(v), "error")
                        values[(r, c)] = Err("#VALUE!", f"LibreOffice Err:{int(v)} ({why})")
                    else:
                        text = message[0] if message and message[0] else ""
                        values[(r, c)] = Err(code, text or "computed by LibreOffice")
                elif kind == "b":
                    values[(r, c)] = bool(v)
                else:
                    values[(r, c)] = v
            out[name] = values
        return out

    def close(self) -> None:
        """End LibreOffice (its whole process group) and remove the temporary profile."""
        self._stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _stop(self) -> None:
        """End the driver and LibreOffice (its whole process group); the profile is kept."""
        driver, office = self._driver, self._office
        self._driver = self._office = None
        if driver is not None:
            with contextlib.suppress(Exception):
                if driver.poll() is None and driver.stdin is not None:
                    driver.stdin.write(json.dumps({"op": "quit"}) + "\n")
                    driver.stdin.flush()
                    driver.wait(10)
            if driver.poll() is None:
                driver.kill()
                driver.wait()
            for stream in (driver.stdin, driver.stdout, driver.stderr):
                with contextlib.suppress(Exception):
                    stream.close()  # type: ignore[union-attr]
        if office is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                office.wait(10)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(office.pid, signal.SIGKILL)  # soffice.bin and anything it started
            office.wait()

    def __enter__(self) -> LibreOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _extension_id() -> str:
    from ..hosts.libreoffice import EXTENSION_ID

    return EXTENSION_ID


def _prepared_profile(oxt: Path) -> Path | None:
    """Where a user profile prepared for this extension and this LibreOffice is kept between
    runs (started once, the extension installed, LibreOffice ended): under
    ``$XL_ADDIN_CACHE`` (default ``$XDG_CACHE_HOME/xl-addin``, else ``~/.cache/xl-addin``),
    named by a hash of the extension's bytes and of the soffice program (path, size, time).
    Every run starts on its own COPY of it (a fresh profile, removed at the end), saving two of
    the three LibreOffice start-ups of a first run. ``XL_ADDIN_CACHE=off``: no cache."""
    root = os.environ.get("XL_ADDIN_CACHE", "")
    if root.strip().lower() in ("off", "0", "no", "false"):
        return None
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        root = str(Path(xdg) / "xl-addin") if xdg else str(Path.home() / ".cache" / "xl-addin")
    office = soffice()
    try:
        program = Path(office).resolve() if office else None
        stat = program.stat() if program else None
        digest = hashlib.sha256(oxt.read_bytes())
    except OSError:
        return None
    digest.update(
        f"{program}|{stat.st_size if stat else 0}|{stat.st_mtime_ns if stat else 0}".encode()
    )
    return Path(root) / f"lo-profile-{digest.hexdigest()[:20]}"


_READY = "xl-addin-ready"  # written last into a prepared profile: the copy is complete


def _copy_profile(prepared: Path, profile: Path) -> bool:
    if not (prepared / _READY).is_file():
        return False
    try:
        shutil.copytree(prepared, profile, symlinks=True)
    except OSError:
        shutil.rmtree(profile, ignore_errors=True)
        return False
    return True


def _keep_profile(profile: Path, prepared: Path) -> None:
    """Keep a copy of ``profile`` (LibreOffice ended, the extension installed) as ``prepared``:
    copied beside it, marked complete, then renamed into place (atomic; a concurrent run that
    got there first wins). A cache that cannot be written is no error: the next run prepares
    its profile again."""
    if prepared.exists():
        return
    tmp = prepared.with_name(f"{prepared.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        prepared.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(profile, tmp, symlinks=True)
        (tmp / _READY).write_text("prepared by xl-addin\n", encoding="utf-8")
        os.rename(tmp, prepared)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


_SHARED: list[LibreOffice] = []
_SHARED_LOCK = threading.Lock()


def shared() -> LibreOffice:
    """The run's LibreOffice (started on first use, kept warm, ended at exit or
    :func:`shutdown`)."""
    with _SHARED_LOCK:
        if _SHARED and _SHARED[0]._driver is not None:
            return _SHARED[0]
        _SHARED.clear()
        office = LibreOffice()
        _SHARED.append(office)
        return office


def shutdown() -> None:
    """End the shared LibreOffice, if one was started."""
    with _SHARED_LOCK:
        while _SHARED:
            _SHARED.pop().close()


atexit.register(shutdown)


def _forget_in_child() -> None:
    """In a forked child: the parent's LibreOffice is not this process's to use or to end (its
    driver is the parent's child); the child starts its own if it needs one."""
    global _SHARED_LOCK
    _SHARED.clear()
    _SHARED_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


_NAMES: list[re.Pattern[str]] = []


def _call_pattern() -> re.Pattern[str]:
    if not _NAMES:
        from ..functions import table

        names = sorted((f.name for f in table()), key=len, reverse=True)
        # NAME( -- also as other hosts write it: _xludf.NAME( -- not ns.NAME( or xNAME(
        _NAMES.append(
            re.compile(rf"(?<![\w.])(?:_xludf\.)?({'|'.join(names)})(\s*\()", re.IGNORECASE)
        )
    return _NAMES[0]


def calc_formula(formula: str) -> str:
    """``formula`` with each add-in call under the name Calc binds in an .xlsx file, the long
    programmatic name (``LIQPREF(`` → ``ORG.IFX.XLADDIN.XLADDIN.LIQPREF(``); text inside string
    literals is left alone."""
    from ..hosts.libreoffice import long_name

    pattern = _call_pattern()
    parts = re.split(r'("(?:[^"]|"")*"|&quot;(?:(?!&quot;).)*&quot;)', formula)
    for i in range(0, len(parts), 2):  # outside string literals
        parts[i] = pattern.sub(lambda m: long_name(m.group(1).upper()) + m.group(2), parts[i])
    return "".join(parts)


_LONG: list[re.Pattern[str]] = []


def excel_formula(formula: str) -> str:
    """The inverse of :func:`calc_formula`: each add-in call Calc saved under its long
    programmatic name (``ORG.IFX.XLADDIN.XLADDIN.LIQPREF(``) under its Excel name (``LIQPREF(``),
    as Excel (xlwings) and the native engine know it; string literals are left alone."""
    from ..hosts.libreoffice import long_name

    if not _LONG:
        from ..functions import table

        prefix = re.escape(long_name("")[:-1])  # ORG.IFX.XLADDIN.XLADDIN (without the dot)
        names = "|".join(sorted((f.name for f in table()), key=len, reverse=True))
        _LONG.append(re.compile(rf"(?<![\w.]){prefix}\.({names})(\s*\()", re.IGNORECASE))
    parts = re.split(r'("(?:[^"]|"")*"|&quot;(?:(?!&quot;).)*&quot;)', formula)
    for i in range(0, len(parts), 2):  # outside string literals
        parts[i] = _LONG[0].sub(lambda m: m.group(1).upper() + m.group(2), parts[i])
    return "".join(parts)


_FORMULA = re.compile(rb"(<(?:[\w.-]+:)?f\b[^>]*>)([^<]*)(</(?:[\w.-]+:)?f>)")


def calc_parts(
    src: Path, transform: Callable[[str], str] = calc_formula
) -> tuple[list[tuple[Any, bytes]], int]:
    """The zip members of the workbook ``src`` with each sheet's formulas calling the add-in's
    functions under Calc's names (:func:`calc_formula`; or ``transform``, e.g. the inverse
    :func:`excel_formula`), and how many formulas changed. The
    workbook is read with :mod:`xl_addin.recalc`'s guards (zip bombs, DTDs, corrupt parts)."""
    from ..recalc import _read_zip

    count = 0
    members: list[tuple[Any, bytes]] = []
    for info, data in _read_zip(Path(src)):
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):

            def fix(m: re.Match[bytes]) -> bytes:
                nonlocal count
                text = m.group(2).decode("utf-8")
                new = transform(text)
                if new == text:
                    return m[0]
                count += 1
                return m.group(1) + new.encode("utf-8") + m.group(3)

            data = _FORMULA.sub(fix, data)
        members.append((info, data))
    return members, count


def calc_copy(src: Path, dst: Path) -> bool:
    """Write to ``dst`` the workbook ``src`` as Calc must load it (:func:`calc_parts`);
    False (nothing written) when no formula calls the add-in."""
    from .. import _files

    members, count = calc_parts(src)
    if count:
        dst.write_bytes(_files.zip_bytes(members))
    return bool(count)


def evaluate(path: Path) -> dict[tuple[str, int, int], Any]:
    """Every formula cell's value keyed as :mod:`xl_addin.recalc` keys them:
    ``(SHEET upper-case, row, col)``. The add-in's functions are bound by their Excel names
    (a private copy with Calc's names is what LibreOffice loads; the file is not changed)."""
    cells: dict[tuple[str, int, int], Any] = {}
    with tempfile.TemporaryDirectory(prefix="xl-addin-calc-") as tmp:
        copy = Path(tmp) / ("calc" + (Path(path).suffix or ".xlsx"))
        computed = shared().values(copy if calc_copy(Path(path), copy) else Path(path))
    for name, values in computed.items():
        key = name.upper()
        for (r, c), v in values.items():
            cells[(key, r, c)] = v
    return cells
