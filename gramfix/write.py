"""Writing files: the only module that does. A reader never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from gramfix.errors import GramfixError
from gramfix.readers.source import describe_os_error


def write_atomic(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then a rename.

    An existing file keeps its permissions; a new one gets the usual ``0o666 & ~umask``.
    `GramfixError` names the file when it cannot be written.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise GramfixError(f"{target}: cannot write (no such folder: {folder})")
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else _default_mode()
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise GramfixError(f"{target}: cannot write ({describe_os_error(error)})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise GramfixError(f"{target}: cannot write ({describe_os_error(error)})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
