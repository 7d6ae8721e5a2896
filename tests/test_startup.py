"""Fast start: the command line loads pydantic, numpy and rich only when a command needs them."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys

import click
import pytest

from gramfix.cli import COMMANDS, cli
from tests.conftest import ROOT

HEAVY = ("pydantic", "numpy", "rich")


def _loaded(code: str) -> list[str]:
    """The heavy modules loaded by ``code`` in a fresh interpreter using this tree."""
    report = f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    probe = f"{code}\nimport json, sys\n{report}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    loaded: list[str] = json.loads(run.stdout.splitlines()[-1])
    return loaded


def _cli(*args: str) -> str:
    return f"from gramfix.cli import main\nmain({list(args)!r})"


@pytest.mark.parametrize(
    ("code", "allowed"),
    [
        ("import gramfix.cli", ()),
        ("import gramfix", ()),
        (_cli("--version"), ()),
        (_cli("--help"), ()),
        (_cli("check", "--help"), ("pydantic",)),  # the options model, not the checks
        (_cli("repair", "--help"), ("pydantic",)),
        (_cli("eval", "--help"), ("pydantic",)),
        (_cli("schema", "--help"), ()),
    ],
    ids=[
        *("import", "import-package", "version", "help"),
        *("check-help", "repair-help", "eval-help", "schema-help"),
    ],
)
def test_the_command_line_imports_only_what_it_needs(code: str, allowed: tuple[str, ...]) -> None:
    assert set(_loaded(code)) <= set(allowed)


def test_the_command_table_says_what_each_command_says() -> None:
    # gramfix --help lists the commands from a static table, without importing them.
    for name, first in COMMANDS.items():
        command = getattr(importlib.import_module(f"gramfix.commands.{name}"), name)
        assert isinstance(command, click.Command)
        assert command.name == name
        assert first == inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")


def test_every_command_module_is_in_the_table() -> None:
    modules = {p.stem for p in (ROOT / "gramfix" / "commands").glob("*.py")}
    assert set(COMMANDS) == modules - {"__init__", "options"}
    assert cli.list_commands(click.Context(cli)) == list(COMMANDS)
