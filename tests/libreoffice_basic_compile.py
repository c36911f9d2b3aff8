"""Compile VBA modules with LibreOffice Basic (``Option VBASupport 1``); run by the system
``python3`` that has LibreOffice's ``uno`` module (``tests/test_vba.py`` starts it).

    python3 tests/libreoffice_basic_compile.py modules.json result.json

``modules.json``: {name: VBA source}. Each module goes into its own Basic library of a new,
hidden Calc document, with ``Option VBASupport 1`` and a ``Function XlAddinProbe()`` returning a
token prepended. Calling the probe makes Basic compile the whole module first: a module that
does not compile is never run, so the call returns nothing instead of the token.
``result.json``: {name: true if it compiled}. soffice runs headless with a fresh profile under
``timeout`` and is ended before this script exits.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

TOKEN = "xl_addin compiled " + uuid.uuid4().hex
HEADER = (
    f'Option VBASupport 1\nFunction XlAddinProbe()\n    XlAddinProbe = "{TOKEN}"\nEnd Function\n'
)


def main(src: str, dst: str) -> int:
    # LibreOffice's Python bridge (python3-uno): imported here, so that pytest's doctest
    # collection can import this file under any Python
    import uno  # type: ignore[import-not-found]
    from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

    with open(src, encoding="utf-8") as fh:
        modules: dict[str, str] = json.load(fh)
    profile = tempfile.mkdtemp(prefix="xl-addin-lo-basic-")
    pipe = f"xl_addin_basic_{uuid.uuid4().hex}"
    proc = subprocess.Popen(
        [
            "timeout",
            "180",
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        ctx = None
        for _ in range(300):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        if ctx is None:
            print("soffice did not start", file=sys.stderr)
            return 2
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        doc = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, (hidden,))
        result = {}
        provider = doc.getScriptProvider()
        for i, (name, source) in enumerate(modules.items()):
            library = f"XlAddinCheck{i}"
            doc.BasicLibraries.createLibrary(library).insertByName("Wrappers", HEADER + source)
            url = (
                f"vnd.sun.star.script:{library}.Wrappers.XlAddinProbe"
                "?language=Basic&location=document"
            )
            try:
                got = provider.getScript(url).invoke((), (), ())[0]
            except Exception:
                got = None
            result[name] = got == TOKEN
        doc.close(True)
        with contextlib.suppress(Exception):  # the bridge closes as soffice exits
            desktop.terminate()
        with open(dst, "w", encoding="utf-8") as fh:
            json.dump(result, fh)
        return 0
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.terminate()  # timeout passes SIGTERM on to soffice's process group
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
