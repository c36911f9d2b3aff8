"""The xlwings Lite bundle: ``xl-addin lite [-o DIR]`` writes ``main.py`` and ``requirements.txt``.

xlwings Lite (Excel on Windows, Mac and the web) runs Python inside the add-in (Pyodide) and keeps
a workbook's ``main.py`` and ``requirements.txt`` inside the workbook. Its custom functions are
the functions of ``main.py`` decorated with ``@func`` (``@arg`` gives each argument's help).

``main.py`` is generated from the function table (:func:`xl_addin.functions.table`): one wrapper
per function with the same name, arguments (order, defaults), description and argument help as
in classic Excel; each calls the same function of :mod:`xl_addin.udfs`. Nothing is listed by hand:
a function added to ``xl_addin.udfs.__all__`` is in the next bundle.

How the package gets into Lite (``embed=True``, the default): ``main.py`` carries the modules
``xl_addin.udfs`` imports -- found by importing it in a fresh interpreter, so a new module is
never forgotten -- as a zip (base64) that it writes to Pyodide's temporary folder and imports
from (``zipimport``). Why inline rather than a wheel URL: the package is not on PyPI, and Lite
installs a wheel from a URL only if that server allows cross-origin requests (CORS) from every
user's Excel; inline, the code travels inside the workbook, so a colleague who opens it with
xlwings Lite has the functions with nothing to host, install or reach. ``requirements.txt`` then
lists only the third-party packages those modules import (numpy, which Pyodide ships). With
``wheel_url`` (a URL serving ``xl_addin-*.whl`` with CORS) ``requirements.txt`` names that URL
instead and ``main.py`` holds only the wrappers.

Lite's conventions, which the wrappers rely on: dates arrive as serial numbers, omitted or
empty optional arguments as None (or their default), and a raised error becomes an error value
showing its message. Dates: Excel serial numbers of the 1900 date system. A workbook on the 1904
date system (Excel's option "Use 1904 date system") numbers days from 1904-01-01, so every date
would be read 4 years and 1 day off; a custom function cannot see the workbook's option, so
``main.py`` has a setting ``DATE_SYSTEM = 1900``: set to 1904, the functions that take a date
refuse with a message saying so (the others are unaffected).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..functions import Function, Parameter, table

__all__ = ["bundle", "date_functions", "package_modules", "takes_dates", "write_bundle"]

#: A parameter's help that says it takes dates (``_DATE_DOC`` of the udfs modules, a column of
#: ``dates``, a row's ``issue date``, the event log's ``date`` column).
_DATE_HELP = re.compile(r"Excel date serial|\bdates\b|\bissue date\b|\bfirst: date\b", re.I)


def takes_dates(p: Parameter) -> bool:
    """True if the parameter holds dates (so a 1904-system serial would be misread)."""
    return bool(_DATE_HELP.search(p.help)) or bool(re.search(r"(^|_)dates?$", p.name))


def date_functions(functions: Sequence[Function] | None = None) -> list[str]:
    """The functions that read dates: refused in a workbook on the 1904 date system."""
    return [f.name for f in functions or table() if any(takes_dates(p) for p in f.parameters)]


# Only what the import itself loads: modules the interpreter loaded at start-up (site's
# sitecustomize on Debian's Python, .pth hooks) are not the functions' requirements.
_PROBE = """
import json, sys
before = set(sys.modules)
import xl_addin.udfs
mods = {n: getattr(m, "__file__", None) for n, m in list(sys.modules.items()) if n not in before}
print(json.dumps(mods))
"""


def package_modules() -> tuple[dict[str, Path], list[str]]:
    """What ``import xl_addin.udfs`` loads, in a fresh interpreter: the package's own modules
    (zip path → file) and the third-party distributions it imports (for requirements.txt)."""
    run = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False, timeout=120
    )
    if run.returncode != 0:
        raise RuntimeError(f"import xl_addin.udfs failed: {run.stderr.strip().splitlines()[-1:]}")
    loaded: dict[str, str | None] = json.loads(run.stdout)
    own: dict[str, Path] = {}
    third: set[str] = set()
    for name, file in loaded.items():
        top = name.split(".")[0]
        if top == "xl_addin":
            if file is None:
                raise RuntimeError(f"{name}: no source file to bundle")
            path = Path(file)
            parts = name.split(".")
            arc = "/".join(parts) + ("/__init__.py" if path.name == "__init__.py" else ".py")
            own[arc] = path
        elif top not in sys.stdlib_module_names and not top.startswith("_") and file:
            third.add(top)
    dists = metadata.packages_distributions()
    requirements = sorted({d for top in third for d in dists.get(top, [top])}, key=str.lower)
    return dict(sorted(own.items())), requirements


def _package_zip(files: dict[str, Path]) -> bytes:
    """The modules as a deterministic zip (fixed dates, sorted names)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for arc, path in files.items():
            info = zipfile.ZipInfo(arc, date_time=(2000, 6, 26, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, path.read_bytes())
    return raw.getvalue()


def _literal(value: object, where: str) -> str:
    text = repr(value)
    if ast.literal_eval(text) != value or type(ast.literal_eval(text)) is not type(value):
        raise ValueError(f"{where}: default {value!r} cannot be written into main.py")
    return text


def _wrapper(f: Function, dates: bool) -> str:
    lines = ["@func"]
    for p in f.parameters:
        dims = ", ndim=2" if p.takes_range else ""
        lines.append(f"@arg({p.name!r}{dims}, doc={p.help!r})")
    params = ", ".join(
        f"{p.name}={_literal(p.default, f'{f.name}({p.name})')}" if p.optional else p.name
        for p in f.parameters
    )
    names = ", ".join(p.name for p in f.parameters)
    lines.append(f"def {f.name}({params}):")
    lines.append(f"    {f.description!r}")
    if dates:
        lines.append(f"    _dates_in_1900_system({f.name!r})")
    lines.append(f"    return _udfs.{f.name}({names})")
    return "\n".join(lines) + "\n"


_HEADER = '''\
"""xl_addin {version} for xlwings Lite: the IFX Corporation Series A Convertible Preferred Stock
(certificate of designation, June 2000) as Excel functions -- {names}.

To load: in Excel open the xlwings Lite pane (Home tab), replace the content of its main.py tab
with this file and of its requirements.txt tab with the requirements.txt written next to it,
then restart xlwings Lite if it asks. The code is kept inside the workbook.

Generated by `xl-addin lite`; regenerate rather than edit (only DATE_SYSTEM is yours to set).
Each function below has the same name, arguments and help as in classic Excel and calls the same
code (xl_addin.udfs). Errors show as #VALUE! carrying a one-line message naming the argument.
"""

#: This workbook's date system: 1900 (Excel's default). Set to 1904 if the workbook uses the
#: 1904 date system (File > Options > Advanced > "Use 1904 date system"): the functions that take
#: dates then refuse with a message instead of reading every date 4 years and 1 day off.
DATE_SYSTEM = 1900

import os
import sys

from xlwings import arg, func

os.environ.setdefault("XL_ADDIN_ERRORS", "raise")  # a raised error is a real error value
os.environ["XL_ADDIN_XLWINGS"] = "0"  # only the functions below are registered, not xl_addin's
'''

_LOADER = '''
#: xl_addin's modules ({count} files: what `import xl_addin.udfs` loads), zipped, base64.
_PACKAGE = (
{chunks}
)
_PACKAGE_SHA256 = "{digest}"


def _load_package():
    """Write the zip to the temporary folder once and import xl_addin from it (zipimport)."""
    import base64
    import hashlib
    import tempfile

    data = base64.b64decode("".join(_PACKAGE))
    if hashlib.sha256(data).hexdigest() != _PACKAGE_SHA256:
        raise ImportError("main.py: the embedded xl_addin package is damaged; regenerate it")
    path = os.path.join(tempfile.gettempdir(), f"xl_addin-{{_PACKAGE_SHA256[:16]}}.zip")
    if not os.path.exists(path) or os.path.getsize(path) != len(data):
        with open(path + ".tmp", "wb") as fh:
            fh.write(data)
        os.replace(path + ".tmp", path)
    for name in [n for n in sys.modules if n == "xl_addin" or n.startswith("xl_addin.")]:
        if not (getattr(sys.modules[name], "__file__", "") or "").startswith(path):
            del sys.modules[name]  # another copy imported earlier: use this one
    if path not in sys.path:
        sys.path.insert(0, path)


_load_package()
'''

_FOOTER = """
import xl_addin.udfs as _udfs  # noqa: E402


def _dates_in_1900_system(name):
    if DATE_SYSTEM != 1900:
        from xl_addin.terms import TermsError

        raise TermsError(
            f"#VALUE! {{name}}: DATE_SYSTEM = {{DATE_SYSTEM}} in main.py: dates of the 1904 date "
            "system are not supported; untick File > Options > Advanced > 'Use 1904 date "
            "system' (re-enter the dates) and set DATE_SYSTEM = 1900"
        )


"""


def bundle(*, embed: bool = True, wheel_url: str | None = None) -> dict[str, str]:
    """``{"main.py": ..., "requirements.txt": ...}`` for xlwings Lite."""
    if embed == bool(wheel_url):
        raise ValueError("give either embed=True or a wheel_url")
    functions = table()
    files, requirements = package_modules()
    names = ", ".join(f.name for f in functions)
    main = _HEADER.format(version=__version__, names=names)
    if embed:
        data = _package_zip(files)
        text = base64.b64encode(data).decode("ascii")
        chunks = "\n".join(f'    "{text[i : i + 88]}"' for i in range(0, len(text), 88))
        main += _LOADER.format(
            count=len(files), chunks=chunks, digest=hashlib.sha256(data).hexdigest()
        )
        reqs = requirements
    else:
        reqs = [*[r for r in requirements if r != "xl_addin"], str(wheel_url)]
    main += _FOOTER.format()
    dated = set(date_functions(functions))
    main += "\n\n".join(_wrapper(f, f.name in dated) for f in functions)
    header = (
        f"# xl_addin {__version__} for xlwings Lite (generated by `xl-addin lite`): only what\n"
        "# the functions import. numpy comes with Pyodide: not pinned.\n"
    )
    return {"main.py": main, "requirements.txt": header + "".join(f"{r}\n" for r in reqs)}


def write_bundle(folder: Path, *, wheel_url: str | None = None, force: bool = False) -> list[Path]:
    """Write ``main.py`` and ``requirements.txt`` into ``folder`` (created if missing), each
    atomically; an existing file is only replaced with ``force``. Returns the paths written."""
    from .._files import write_atomically

    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(20, "not a folder", str(folder))
    files = bundle(embed=wheel_url is None, wheel_url=wheel_url)
    folder.mkdir(parents=True, exist_ok=True)
    targets = [folder / name for name in files]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise FileExistsError(f"{', '.join(existing)}: already exists (use --force to replace)")
    for target in targets:
        write_atomically(target, files[target.name].encode("utf-8"))
    return targets
