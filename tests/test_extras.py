"""The core installs with numpy only; the rest are extras (pyproject.toml, xl_addin/_extras.py).

xlwings Lite installs what ``requirements.txt`` names into Pyodide, and a finance user's Windows
machine may have only the core: ``import xl_addin.udfs`` and every function must work with numpy
alone, and a command that needs an extra must say so in one line. Checked in a fresh interpreter
in which the extras' packages cannot be imported (a meta-path hook refuses them).
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_fuzz_functions import VALID

import xl_addin.udfs as udfs
from xl_addin import _extras

ROOT = Path(__file__).resolve().parents[1]
#: Everything outside the core: the extras' packages and what they pull in.
BLOCKED = (
    "pandas", "openpyxl", "formulas", "defusedxml", "scipy", "xlwings", "schedula", "lxml",
    "et_xmlfile", "pytz", "dateutil", "regex", "numpy_financial", "hypothesis",
)  # fmt: skip

HOOK = f"""
import importlib.abc, sys
STARTED = set(sys.modules)  # loaded at start-up (e.g. sitecustomize of Debian's Python)
BLOCKED = {BLOCKED!r}
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: not in the core)",
                                      name=name)
        return None
sys.meta_path.insert(0, Blocker())
for name in [n for n in sys.modules if n.split(".")[0] in BLOCKED]:
    del sys.modules[name]
"""


def run_core_only(body: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "core_only.py"
    script.write_text(HOOK + body, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "XL_ADDIN_ERRORS": "text", "PYTHONPATH": str(ROOT)},
        check=False,
    )


def classic(value):
    if isinstance(value, list):
        return [classic(v) for v in value]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def test_every_function_works_with_numpy_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XL_ADDIN_ERRORS", "text")
    calls = {name: classic(args) for name, args in VALID.items()}
    expected = {name: getattr(udfs, name)(*args) for name, args in calls.items()}
    (tmp_path / "calls.pickle").write_bytes(pickle.dumps(calls))
    run = run_core_only(
        """
import pickle, sys
import xl_addin.udfs as udfs
calls = pickle.load(open("calls.pickle", "rb"))
assert set(calls) == set(udfs.__all__), sorted(set(udfs.__all__) ^ set(calls))
got = {name: getattr(udfs, name)(*args) for name, args in calls.items()}
pickle.dump(got, open("got.pickle", "wb"))
new = {n.split(".")[0] for n in set(sys.modules) - STARTED}
loaded = sorted(new - set(sys.stdlib_module_names))
print(" ".join(n for n in loaded if not n.startswith("_")))
""",
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    got = pickle.loads((tmp_path / "got.pickle").read_bytes())
    assert set(got) == set(udfs.__all__)
    for name in udfs.__all__:
        assert got[name] == expected[name], name
        assert not (isinstance(got[name], str) and "internal error" in got[name]), got[name]
    assert run.stdout.split() == ["numpy", "xl_addin"]  # nothing else was imported


@pytest.mark.parametrize(
    "argv",
    [
        ["recalc", "in.xlsx"],
        ["template"],
        ["demo"],
        ["values", "in.xlsx"],
        ["certificate", "log.csv", "--row", "2", "--common-outstanding", "1",
         "--class-i-shares", "1"],
    ],
)  # fmt: skip
def test_commands_that_need_an_extra_say_so_in_one_line(argv, tmp_path: Path) -> None:
    run = run_core_only(
        f"import sys\nfrom xl_addin.cli import main\nsys.exit(main({argv!r}))\n", tmp_path
    )
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert lines[0].startswith(f"xl-addin {argv[0]}: needs the 'recalc' extra (missing: ")
    assert 'pip install "xl_addin[recalc]"' in lines[0]


def test_lite_needs_only_the_core(tmp_path: Path) -> None:
    run = run_core_only(
        "import sys\nfrom xl_addin.cli import main\nsys.exit(main(['lite', '-o', 'out']))\n",
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "main.py").is_file()


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()


def test_pyproject_extras() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert [_name(d) for d in project["dependencies"]] == ["numpy"]
    extras = project["optional-dependencies"]
    assert {"recalc", "xlwings", "test"} <= set(extras)
    for extra, packages in _extras.EXTRAS.items():
        assert {_name(d) for d in extras[extra]} == set(packages), extra
    # test = the test tools and everything the tests need (recalc and xlwings)
    assert any(
        re.fullmatch(r"xl_addin\[(recalc,xlwings|xlwings,recalc)\]", d) for d in extras["test"]
    )
    assert _extras.missing("recalc") is None and _extras.missing("xlwings") is None


def test_the_wheel_installs_the_core_with_numpy_only(tmp_path: Path) -> None:
    """The install path without a package index: `python -m pip wheel --no-deps -w dist .`"""
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    (wheel,) = tmp_path.glob("xl_addin-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry = z.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "xl_addin").rglob("*.py")}
    assert sources <= names, sorted(sources - names)
    requires = [
        line.split(":", 1)[1].strip()
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:")
    ]
    assert [r for r in requires if "extra ==" not in r] == ["numpy>=1.24"]
    for extra in ("recalc", "xlwings", "test"):
        assert f"Provides-Extra: {extra}" in meta
    assert "xl-addin = xl_addin.cli:main" in entry


def test_readme_install_steps() -> None:
    """The README's "Using it in Excel" builds the wheel as tested above and walks through
    every step classic xlwings needs (the ones issue #12 found missing)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Using it in Excel") : text.index("## What a cell shows")]
    for step in (
        "python3 -m pip wheel --no-deps -w dist .",
        'py -m pip install "xl_addin-0.1.0-py3-none-any.whl[xlwings]"',
        "xlwings addin install",
        "Trust access to the VBA project object model",
        "*Tools › References…*",
        "**xlwings**",
        "`UDF Modules`",
        "**Import Functions**",
        "=LIQPREF(1000, 12.31, DATE(2000,6,26), DATE(2001,6,26))",
        "xl-addin lite -o lite",
        "xl-addin values",
    ):
        assert step in section, step
    assert "pip install xl_addin`" not in section  # not on PyPI
    from xl_addin import __version__

    assert f"xl_addin-{__version__}-py3-none-any.whl" in section
