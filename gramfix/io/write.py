"""The only code that writes files: atomic replace, backups that are never overwritten.

Every write goes to a temporary file in the target's folder, is flushed and fsynced, and
is then renamed over the target (``os.replace``: atomic on POSIX and Windows), after
which the folder is fsynced too. A failure at any step removes the temporary file and
leaves the target as it was; a kill at any moment leaves either the old or the new file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from gramfix.io.source import describe_os_error
from gramfix.model.errors import WriteError

_CHUNK = 8 << 20


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace (or create) ``path`` with ``data`` atomically.

    ``mode`` sets the permission bits; by default an existing file keeps its own and a
    new file gets the usual ``0o666 & ~umask``.
    """
    _publish(path, data, _existing_mode(path) if mode is None else mode, os.replace)


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` atomically; never replace a file that exists.

    The complete temporary file is hard-linked to its name, which fails when the name
    is taken, even by a file that appeared after the caller looked (a rename would
    replace it silently).
    """
    _publish(path, data, _existing_mode(path), _link_new)


def refuse_in_place(path: Path) -> None:
    """Refuse an in-place replacement that would not replace what the user means.

    A symbolic or hard link would be split (the rename replaces this name only, the
    other names keep the old data), and a read-only file says "do not modify".
    """
    try:
        info = os.lstat(path)
    except OSError as error:
        raise WriteError(path, describe_os_error(error)) from None
    if stat.S_ISLNK(info.st_mode):
        target = os.readlink(path)
        raise WriteError(path, f"it is a symbolic link to {target}: repair that file, or use -o")
    if info.st_nlink > 1:
        raise WriteError(path, "it has other hard links that an atomic replace would split")
    if not os.access(path, os.W_OK):
        raise WriteError(path, "it is read-only")


def replace_keeping_backup(path: Path, data: bytes) -> Path:
    """Keep ``path`` as ``<name>.bak`` (see `keep_backup`), then replace it atomically.

    When the replacement fails, a backup made by this call is removed again, so the
    folder is exactly as it was.
    """
    backup = path.with_name(path.name + ".bak")
    existed = backup.exists() or backup.is_symlink()
    keep_backup(path)
    try:
        write_atomic(path, data)
    except BaseException:
        if not existed:
            with contextlib.suppress(OSError):
                os.unlink(backup)
        raise
    return backup


def keep_backup(original: Path) -> Path:
    """Copy ``original`` to ``<name>.bak`` atomically, never overwriting a different backup.

    An existing backup with the same bytes is kept as it is (it already holds the data),
    unless it is the original itself under another name (a link): that is no backup.
    """
    backup = original.with_name(original.name + ".bak")
    try:
        data = original.read_bytes()
        if backup.exists() or backup.is_symlink():
            if backup.is_symlink() or os.path.samefile(backup, original):
                raise WriteError(backup, "it is a link, not a copy; move it away first")
            if backup.is_file() and backup.read_bytes() == data:
                return backup
            raise WriteError(backup, "a different backup already exists; move it away first")
    except OSError as error:
        raise WriteError(backup, describe_os_error(error)) from None
    # Unlike a rename, a hard link never replaces a file that appeared meanwhile.
    _publish(backup, data, _existing_mode(original), os.link)
    return backup


def _publish(path: Path, data: bytes, mode: int, move: Callable[[str, Path], None]) -> None:
    """Write a temporary file next to ``path``, make it durable, ``move`` it into place."""
    folder = path.parent if str(path.parent) else Path(".")
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "wb") as out:
            _write_all(out, data)
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), mode)
        move(temporary, path)
    except BaseException as error:  # KeyboardInterrupt included: never leave a temp file
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(error, OSError) and error.errno == errno.EEXIST:
            raise WriteError(path, "it appeared meanwhile; move it away first") from None
        if isinstance(error, OSError):
            raise WriteError(path, describe_os_error(error)) from None
        raise
    if move is not os.replace:  # a link: the data has its own name; drop the temporary
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    _sync_folder(folder)


def _link_new(source: str, path: Path) -> None:
    """``os.link``; where the file system has no hard links, a rename after a last look."""
    try:
        os.link(source, path)
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        if os.path.lexists(path):
            raise OSError(errno.EEXIST, os.strerror(errno.EEXIST)) from None
        os.replace(source, path)


#: What ``os.link`` fails with on file systems without hard links (FAT, some mounts).
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EXDEV}


def _write_all(out: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        out.write(view[start : start + _CHUNK])


def _existing_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform allows it)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
