"""The few exceptions that mean "cannot proceed" (data problems are findings, not these),
and the exit codes everything ends in."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """The exit-code contract CI relies on."""

    OK = 0  # no finding at or above the failing severity (or --exit-zero)
    FINDINGS = 1  # at least one such finding (or nothing safe to repair)
    INPUT_ERROR = 2  # unreadable input or wrong options
    BUG = 3  # a bug in gramfix


class GramfixError(Exception):
    """Base of the errors the command line turns into one line on stderr and exit 2."""


class InputError(GramfixError):
    """An input cannot be read as what it claims to be (missing, not UTF-8, bad JSON ...)."""

    def __init__(
        self, path: Path | str, problem: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.column = column
        where = self.path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {problem}")


class UsageError(GramfixError):
    """The options or the configuration are wrong."""


class WriteError(GramfixError):
    """A file could not be written; nothing was changed."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: cannot write ({reason}); nothing was changed")
        self.path = path
