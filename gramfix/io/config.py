"""Configuration: ``[tool.gramfix]`` in a ``pyproject.toml``, or a ``gramfix.toml``.

The file is found upward from the dataset folder (from the current directory when no
folder is given): in each directory ``gramfix.toml`` first, then a ``pyproject.toml``
that has a ``[tool.gramfix]`` table (one without it is passed over, as ruff does). The
first file found is the only one read. Its keys are the options' names (`gramfix.model.options`,
which also validates their values); an option given on the command line wins over its
key. Paths in the file are relative to the file's directory.

An unknown key or a bad value is a `UsageError` naming the file and the key.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gramfix.model.errors import UsageError
from gramfix.model.flag import problems
from gramfix.model.options import Options, Settings, config_keys, input_fields

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

GRAMFIX_TOML = "gramfix.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Resolved:
    """The options in force, and the configuration file they partly came from."""

    options: Options
    settings: Settings
    config: Path | None


def resolve(
    cli: Options, *, config: Path | None = None, use_config: bool = True, command: str = ""
) -> Resolved:
    """Merge the command line over the configuration file (``config``, or the one found).

    ``cli`` holds the options given on the command line (``Options.model_construct``:
    they are validated here, after the file, and their errors name the flags);
    ``command``: the command they are for (an error points to its help), "" for any.
    """
    if config is None and use_config:
        config = find_config(_start(cli))
    elif config is not None and not config.is_file():
        raise UsageError(f"{config}: no such configuration file")
    values = cli.given()
    if config is not None:
        from_file = read_config(config, command).given()
        if cli.dataset is not None:
            # A folder named on the command line brings its own files: the file paths
            # of the configuration belong to the configured folder, not to this one.
            for name in _INPUTS:
                from_file.pop(name, None)
        values = {**from_file, **values}
    # The file's values were checked: an error is a flag's.
    options = Options.model_validate(values, context={"command": command})
    return Resolved(options, options.settings(), config)


def _start(cli: Options) -> Path:
    """Where the search for a configuration file starts: the folder, else the folder of
    the first input file given, else the working directory."""
    if cli.dataset is not None:
        return cli.dataset
    for name in _INPUTS:
        path = getattr(cli, name)
        if isinstance(path, Path):
            return path.parent
    return Path.cwd()


#: The options that name inputs (the dataset folder and its files), in declaration order.
_INPUTS = input_fields()


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


def read_config(path: Path, command: str = "") -> Options:
    """The options a configuration file sets (`UsageError` naming the file and key);
    ``command``: the command they are read for ("": any)."""
    document = _load(path)
    if path.name == PYPROJECT:
        table = document.get("tool", {}).get("gramfix")
        if table is None:
            raise UsageError(f"{shown(path)}: no [tool.gramfix] table")
    else:
        table = document
    if not isinstance(table, dict):
        raise UsageError(f"{shown(path)}: [tool.gramfix] is not a table")
    keys = config_keys()
    stray = next((key for key in table if key not in keys), None)
    if stray is not None:  # a field that is no key (predictions) is as unknown as a typo
        known = ", ".join(sorted(keys))
        raise UsageError(f"{_where(path)} unknown key {stray!r} (known keys: {known})")
    try:
        # The values as the file spells them (kebab-case keys only), checked by the model
        # with the file's folder as the base of its paths, even where an option wins.
        return Options.model_validate(
            table,
            by_alias=True,
            by_name=False,
            context={"base": path.parent, "raw": True, "command": command},
        )
    except ValidationError as error:
        first = problems(error, Options.model_fields, list(table), command)[0]
    if first.key not in keys:
        known = ", ".join(sorted(keys))
        raise UsageError(f"{_where(path)} unknown key {first.key!r} (known keys: {known})")
    raise UsageError(first.message(f"{_where(path)} {first.key}"))


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
