"""Progress on long inputs: a rich bar on stderr, only when stderr is a terminal.

The command line opens a `display` around a check; the check says how many bytes it
is about to read (`expect`) and the readers report what they read (`advance`, through
`gramfix.io.source`). The bar appears only when the inputs are large and the
stream is a terminal, and never when ``CI`` is set or ``TERM=dumb``: CI logs stay
clean. Without a display every call here does nothing, so the library stays silent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

#: Inputs smaller than this are read in about a second: no display.
MIN_BYTES = 64 << 20


class _Display:
    """A bar that starts only once the size of the inputs is known to be worth it."""

    def __init__(self, stream: TextIO, force: bool) -> None:
        self.stream = stream
        self.force = force
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def expect(self, total: int) -> None:
        if self.bar is not None or not (self.force or wanted(total, self.stream)):
            return
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
        from rich.progress import TimeElapsedColumn as Elapsed

        console = Console(file=self.stream, force_terminal=True if self.force else None)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            Elapsed(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("reading", total=total)
        self.bar.start()

    def advance(self, n: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task, n)

    def stage(self, description: str) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, description=description)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


_display: ContextVar[_Display | None] = ContextVar("gramfix_progress", default=None)


def wanted(total_bytes: int, stream: TextIO) -> bool:
    """Whether inputs of ``total_bytes`` deserve a bar on ``stream``."""
    if total_bytes < MIN_BYTES or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


@contextmanager
def display(stream: TextIO, *, force: bool = False) -> Iterator[None]:
    """Show progress on ``stream`` while the body runs, if the inputs turn out long."""
    shown = _Display(stream, force)
    token = _display.set(shown)
    try:
        yield
    finally:
        _display.reset(token)
        shown.close()


def expect(paths: Iterable[Path | None]) -> None:
    """The check is about to read these files."""
    shown = _display.get()
    if shown is not None:
        shown.expect(sum(_size(path) for path in paths if path is not None))


def advance(n: int) -> None:
    """``n`` more input bytes were read."""
    shown = _display.get()
    if shown is not None:
        shown.advance(n)


def stage(description: str) -> None:
    """The check moved on to another step (shown next to the bar)."""
    shown = _display.get()
    if shown is not None:
        shown.stage(description)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the reader reports it
