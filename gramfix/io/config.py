"""Configuration: ``[tool.gramfix]`` in a ``pyproject.toml``, or a ``gramfix.toml``.

The file is found upward from the dataset folder (from the current directory when no
folder is given): in each directory ``gramfix.toml`` first, then a ``pyproject.toml``
that has a ``[tool.gramfix]`` table (one without it is passed over, as ruff does). The
first file found is the only one read. Its keys mirror the options of ``check``; an
option given on the command line wins over its key. Paths in the file are relative to
the file's directory.

An unknown key or a bad value is a `UsageError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gramfix.model.errors import UsageError
from gramfix.model.options import FAIL_ON, Settings
from gramfix.model.rules import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

GRAMFIX_TOML = "gramfix.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Options:
    """What the user asked for, on the command line or in a file; None: not given."""

    dataset: Path | None = None
    sequences: Path | None = None
    mapping: Path | None = None
    recent_k: int | None = None
    max_his: int | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fail_on: Severity | None = None
    max_missing: int | None = None
    min_coverage: float | None = None
    min_fill: float | None = None
    exit_zero: bool | None = None
    embeddings: Path | None = None

    def over(self, base: Options) -> Options:
        """These options where given, ``base`` elsewhere."""
        given = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return dataclasses.replace(base, **{k: v for k, v in given.items() if v is not None})

    def settings(self) -> Settings:
        """The settings these options ask for (defaults where not given)."""
        given = {
            name: value
            for name in (
                "recent_k",
                "max_his",
                "select",
                "ignore",
                "fail_on",
                "max_missing",
                "min_coverage",
                "min_fill",
                "exit_zero",
            )
            if (value := getattr(self, name)) is not None
        }
        return Settings(**given)


@dataclass(frozen=True)
class Resolved:
    """The options in force, and the configuration file they partly came from."""

    options: Options
    settings: Settings
    config: Path | None


def resolve(cli: Options, *, config: Path | None = None, use_config: bool = True) -> Resolved:
    """Merge the command line over the configuration file (``config``, or the one found)."""
    if config is None and use_config:
        config = find_config(_start(cli))
    elif config is not None and not config.is_file():
        raise UsageError(f"{config}: no such configuration file")
    options = cli
    if config is not None:
        from_file = read_config(config)
        if cli.dataset is not None:
            # A folder named on the command line brings its own files: the file paths
            # of the configuration belong to the configured folder, not to this one.
            from_file = dataclasses.replace(
                from_file, dataset=None, sequences=None, mapping=None, embeddings=None
            )
        options = cli.over(from_file)
    try:
        settings = options.settings()
    except UsageError as error:  # the file's values were checked: this is an option's
        raise UsageError(f"--{error}") from None
    return Resolved(options, settings, config)


def _start(cli: Options) -> Path:
    """Where the search for a configuration file starts."""
    if cli.dataset is not None:
        return cli.dataset
    if cli.sequences is not None:
        return cli.sequences.parent
    if cli.mapping is not None:
        return cli.mapping.parent
    if cli.embeddings is not None:
        return cli.embeddings.parent
    return Path.cwd()


def find_config(start: Path) -> Path | None:
    """The configuration file that applies to ``start``, searching upward."""
    folder = start.resolve()
    for directory in (folder, *folder.parents):
        candidate = directory / GRAMFIX_TOML
        if candidate.is_file():
            return candidate
        candidate = directory / PYPROJECT
        if candidate.is_file() and "gramfix" in _load(candidate).get("tool", {}):
            return candidate
    return None


def read_config(path: Path) -> Options:
    """The options a configuration file sets (`UsageError` naming the file and key)."""
    document = _load(path)
    if path.name == PYPROJECT:
        table = document.get("tool", {}).get("gramfix")
        if table is None:
            raise UsageError(f"{shown(path)}: no [tool.gramfix] table")
    else:
        table = document
    if not isinstance(table, dict):
        raise UsageError(f"{shown(path)}: [tool.gramfix] is not a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise UsageError(f"{_where(path)} unknown key {key!r} (known keys: {known})")
        parse, expected = _KEYS[key]
        try:
            values[key.replace("-", "_")] = parse(value, path.parent)
        except (TypeError, ValueError):
            raise UsageError(f"{_where(path)} {key}: expected {expected}, got {value!r}") from None
    options = Options(**values)
    try:  # the ranges, and the codes of select / ignore, even where an option wins
        options.settings()
    except UsageError as error:
        raise UsageError(f"{_where(path)} {error}") from None
    return options


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            document: dict[str, Any] = tomllib.load(handle)
            return document
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{shown(path)}: invalid TOML: {error}") from None
    except OSError as error:
        raise UsageError(f"{shown(path)}: cannot read ({error.strerror})") from None


def _where(path: Path) -> str:
    """The file (and table) an error is in: ``pyproject.toml: [tool.gramfix]``."""
    return f"{shown(path)}:" + (" [tool.gramfix]" if path.name == PYPROJECT else "")


def shown(path: Path) -> str:
    """``path`` as messages and reports show it: from the working directory when inside it."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


# Parsers of the values of each key: raise TypeError / ValueError on a bad value.


def _int(value: object, _: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def _share(value: object, _: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    return float(value)


def _bool(value: object, _: Path) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def _codes(value: object, _: Path) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise TypeError
    return tuple(i.strip() for i in items if i.strip())


def _severity(value: object, _: Path) -> Severity:
    severity = Severity(value)
    if severity not in FAIL_ON:
        raise ValueError
    return severity


def _path(value: object, base: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise TypeError
    path = base.resolve() / value
    return Path(os.path.relpath(path)) if path.is_relative_to(Path.cwd()) else path


_KEYS: dict[str, tuple[Callable[[Any, Path], Any], str]] = {
    "dataset": (_path, "a folder path (relative to this file)"),
    "sequences": (_path, "a file path (relative to this file)"),
    "mapping": (_path, "a file path (relative to this file)"),
    "embeddings": (_path, "a file path (relative to this file)"),
    "recent-k": (_int, "an integer"),
    "max-his": (_int, "an integer"),
    "select": (_codes, "a list of finding codes or prefixes"),
    "ignore": (_codes, "a list of finding codes or prefixes"),
    "fail-on": (_severity, "'error' or 'warning'"),
    "max-missing": (_int, "an integer"),
    "min-coverage": (_share, "a number between 0 and 1"),
    "min-fill": (_share, "a number between 0 and 1"),
    "exit-zero": (_bool, "true or false"),
}
