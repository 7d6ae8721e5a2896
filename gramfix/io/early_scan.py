"""Start the compiled scan of a sequence file before the checks are even imported.

A command spends its first 0.1 to 0.2 s importing numpy, the report models and the
checks before it reads a byte. The compiled scan needs none of them and runs without
the GIL, so `begin` starts it in a thread as soon as the command knows the file, and
`read_compiled` takes it (`take`) instead of starting its own: the imports and the
mapping's parse then run on one core while the scan runs on the other.

Only a regular file is scanned early, and the scan is taken only by a read of the same
file as it was then (device, inode, size, modification time); anything else reads as
before. A scan nobody takes is dropped (its thread is a daemon and closes its file), at the
latest when a read takes another.
This module imports no numpy (it runs on the command line's start-up path).
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import gramfix._native as native
from gramfix.io.source import SEQUENCE_MEMORY, fits

if TYPE_CHECKING:
    from gramfix._native.scan import Scanner

Identity = tuple[int, int, int, int]


@dataclass
class Scan:
    """A scan under way: `wait` returns its scanner once the whole file is read, or
    raises what the scan raised (`NeedsExactReader`, `OSError`)."""

    scanner: Scanner
    _done: threading.Event = field(default_factory=threading.Event)
    _error: BaseException | None = None

    def run(self, fd: int) -> None:
        try:
            self.scanner.scan_file(fd)
        except BaseException as error:  # handed to the reader, which decides
            self._error = error
        finally:
            os.close(fd)
            self._done.set()

    def wait(self) -> Scanner:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self.scanner


_started: dict[Identity, Scan] = {}
_lock = threading.Lock()


def _identity(status: os.stat_result) -> Identity:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def begin(path: Path | None) -> None:
    """Start scanning ``path`` in a thread when the compiled engine runs and it is a
    regular file; otherwise do nothing (every error is left to the reader)."""
    if path is None or not native.AVAILABLE:
        return
    from gramfix._native.scan import Scanner

    try:  # stat first: opening a FIFO would wait for its writer
        if not stat.S_ISREG(os.stat(path).st_mode):
            return
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        status = os.fstat(fd)
        too_big = not fits(SEQUENCE_MEMORY * status.st_size)  # the reader refuses it
        if not stat.S_ISREG(status.st_mode) or status.st_size == 0 or too_big:
            os.close(fd)
            return
        scan = Scan(Scanner(None, status.st_size))
    except MemoryError:  # the reader says what it says about this file
        os.close(fd)
        return
    except BaseException:
        os.close(fd)
        raise
    with _lock:
        if _identity(status) in _started:  # begun twice: the first scan serves
            os.close(fd)
            return
        _started[_identity(status)] = scan
    threading.Thread(target=scan.run, args=(fd,), name="gramfix-scan", daemon=True).start()


def take(fd: int) -> Scan | None:
    """The scan begun for the file open as ``fd``, if it is the same file as then."""
    try:
        status = os.fstat(fd)
    except OSError:
        return None
    with _lock:
        scan = _started.pop(_identity(status), None)
        _started.clear()  # scans of files changed since: their memory goes when they end
    return scan
