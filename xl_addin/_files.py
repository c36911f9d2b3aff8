"""Writing files safely, for every command that writes one (``recalc``, ``template``, ``demo``,
``certificate``).

* :func:`write_atomically`: the bytes go to a temporary file next to the destination, which then
  replaces it with :func:`os.replace`. The destination is complete or as it was; on any failure or
  interruption the temporary file is removed.
* :func:`hold_signals`: SIGINT and SIGTERM that arrive inside the block are held and delivered,
  to whatever handler was installed, when the block ends. :func:`zip_bytes` holds them while
  each zip member is written. A :class:`zipfile.ZipFile` interrupted half-way through a member
  cannot be closed any more (``ValueError: Can't close the ZIP file while there is an open
  writing handle``), and that error would replace the interruption.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType

__all__ = ["OutputExistsError", "file_mode", "hold_signals", "write_atomically", "zip_bytes"]

_HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def hold_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM during the block; deliver the first one held when it ends.

    The handler in place before the block gets the signal: the ``signals_interrupt`` handler
    raises ``Interrupted``, Python's default SIGINT handler raises ``KeyboardInterrupt``, and the
    default SIGTERM action ends the process. Ignored signals stay ignored. Only in the main
    thread; elsewhere signal handlers cannot be changed and the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    saved: dict[int, object] = {}
    for sig in _HELD:
        current = signal.getsignal(sig)
        if current is None or current is signal.SIG_IGN:
            continue  # installed outside Python (cannot be restored), or ignored
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, hold)
            saved[sig] = current
    try:
        yield
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)  # type: ignore[arg-type]  # a handler getsignal gave
        if held:
            signal.raise_signal(held[0])  # runs the restored handler now


def zip_bytes(members: Iterable[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip archive of ``members`` (each written with its own :class:`~zipfile.ZipInfo`: name,
    date, attributes and compression type), in the given order, built in memory.
    Signals are held while each member is written (see :func:`hold_signals`)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        for info, data in members:
            with hold_signals():
                archive.writestr(info, data)
        with hold_signals():
            archive.close()
    return raw.getvalue()


def file_mode(path: Path) -> int:
    """The mode for a written file: that of the file it replaces, else 0o666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class OutputExistsError(FileExistsError):
    """The destination exists and replacing it was not asked for (``--force``)."""


def write_atomically(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and
    :func:`os.replace`. A file being replaced keeps its permissions.

    ``overwrite=False``: an existing ``path`` is never replaced (:class:`OutputExistsError`); the
    check and the write are one atomic step (a hard link, which fails if the name exists), so a file
    that appears in between is not lost either. ``path`` must be a regular file or absent: a
    device, FIFO, socket or folder is refused and left as it is, never replaced by a file.

    On an interruption (``KeyboardInterrupt``) the temporary file is removed and ``path`` is as
    it was. An :class:`OSError` names ``path`` (``exc.filename``), never the temporary file.
    """
    if os.path.lexists(path) and not os.path.isfile(path):
        kind = "a folder" if os.path.isdir(path) else "not a regular file"
        raise OSError(errno.EEXIST, f"{kind}: refused", str(path))
    if not overwrite and os.path.lexists(path):
        raise OutputExistsError(errno.EEXIST, "exists; pass --force to replace it", str(path))
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, file_mode(path))
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic: fails if the name exists by now
            except FileExistsError:
                raise OutputExistsError(
                    errno.EEXIST, "exists; pass --force to replace it", str(path)
                ) from None
            except OSError:  # a file system without hard links: check, then rename
                if os.path.lexists(path):
                    raise
                os.replace(tmp, path)
                tmp = None
            if tmp is not None:
                os.unlink(tmp)
                tmp = None
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OutputExistsError):
            raise
        if isinstance(exc, OSError):
            why = exc.strerror or str(exc) or type(exc).__name__
            raise OSError(exc.errno, why, str(path)) from exc
        raise
