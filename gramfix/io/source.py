"""Opening input files: every OS failure becomes one `InputError` naming the file."""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

from gramfix.io import progress
from gramfix.model.errors import InputError

_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a directory, not a file",
    errno.ELOOP: "symbolic link loop",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENOTDIR: "a parent of this path is not a directory",
}


def describe_os_error(error: OSError) -> str:
    """A short human reason for an OS error (without the path, which callers add)."""
    if error.errno in _REASONS:
        return _REASONS[error.errno]
    return error.strerror or type(error).__name__


class _Counted(io.BufferedReader):
    """A buffered file that reports the bytes read to the progress display."""

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        progress.advance(len(data))
        return data


#: What was read from inputs that are not regular files (a pipe, ``<(cat file)``,
#: ``/dev/stdin``), by device and inode: such a stream can be read once, and readers open
#: an input more than once (a header peek, the exact reader after the fast one), so its
#: bytes are kept. A new pipe is a new inode, so a later run never sees an old one's data.
_SPOOLED: dict[tuple[int, int], bytes] = {}


def _stream_key(path: Path) -> tuple[int, int] | None:
    """The key of ``path`` in `_SPOOLED` when it is not a regular file, else None."""
    status = os.stat(path)
    return None if stat.S_ISREG(status.st_mode) else (status.st_dev, status.st_ino)


def open_input(path: Path) -> BinaryIO:
    """Open ``path`` for binary reading, or raise `InputError` saying why not.

    A pipe or another stream that is not a regular file is read whole on first use and
    served from memory from then on, seekable like a file.
    """
    try:
        if path.is_dir():
            raise InputError(path, "is a directory, not a file")
        key = _stream_key(path)
        if key is None:
            return _Counted(io.FileIO(path, "rb"))
        if key not in _SPOOLED:
            with io.FileIO(path, "rb") as stream:
                _SPOOLED[key] = stream.readall()
    except OSError as error:
        raise InputError(path, describe_os_error(error)) from None
    return io.BytesIO(_SPOOLED[key])


def read_bytes(path: Path) -> bytes:
    """The whole content of ``path``, or `InputError`."""
    with open_input(path) as handle:
        try:
            return handle.read()
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None


def file_size(path: Path) -> int:
    """Size in bytes, or `InputError` (a pipe's, once read: see `open_input`)."""
    try:
        key = _stream_key(path)
        return os.stat(path).st_size if key is None else len(_SPOOLED.get(key, b""))
    except OSError as error:
        raise InputError(path, describe_os_error(error)) from None


def available_memory() -> int | None:
    """Bytes of memory the system can still give without swapping (None: unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


#: Memory a sequence file's reading keeps, per byte of the file: an int32 code per
#: interaction (~11 bytes of text each) plus the per-item index; a safe upper bound.
SEQUENCE_MEMORY = 0.5


def fits(needed: float) -> bool:
    """Whether ``needed`` bytes of memory are available (True when that is unknown)."""
    free = available_memory()
    return free is None or needed <= free


def ensure_fits(path: Path, needed: float, what: str) -> None:
    """Refuse early, rather than swap, when reading ``path`` needs ``needed`` bytes of
    memory and the system has fewer available."""
    free = available_memory()
    if free is not None and needed > free:  # as `fits`, with the figure for the message
        raise InputError(
            path,
            f"{what} needs about {needed / 2**30:.1f} GiB of memory; "
            f"{free / 2**30:.1f} GiB are available (refused rather than swap)",
        )


def refuse_binary(path: Path, block: bytes, line_base: int) -> None:
    """Refuse binary data: a NUL byte never occurs in a text file."""
    at = block.find(b"\0")
    if at >= 0:
        line = line_base + block.count(b"\n", 0, at) + 1
        raise InputError(path, "not a text file (NUL byte)", line=line)


def decode_utf8(path: Path, block: bytes, line_base: int = 0) -> str:
    """``block`` as UTF-8 text, or `InputError` naming the line and column of the first
    bad byte (``line_base``: lines before the block)."""
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError as error:
        line = line_base + block.count(b"\n", 0, error.start) + 1
        column = error.start - (block.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError(
            path, f"not UTF-8 text (byte 0x{block[error.start]:02x})", line=line, column=column
        ) from None
