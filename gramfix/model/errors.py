"""The few exceptions that mean "cannot proceed" (data problems are findings, not these)."""

from __future__ import annotations

from pathlib import Path


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
