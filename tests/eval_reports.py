"""Eval's golden cases as live reports: `gramfix.evaluate` with each case's arguments, run
from the case's folder (the arguments are relative to it), so the report keeps what only
a live report has (its rows, every example row whole)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gramfix
from gramfix.model.eval_report import EvalReport
from tests.eval_cases.build import HERE

#: The cases that make a report (not a one-line error), by name.
CASES = sorted(p for p in HERE.iterdir() if p.is_dir() and (p / "expected.json").exists())


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    here = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def keywords(args: list[str]) -> tuple[list[str], dict[str, Any]]:
    """``gramfix eval`` arguments as `gramfix.evaluate`'s: the positionals, the options."""
    positional: list[str] = []
    options: dict[str, Any] = {}
    it = iter(args)
    for arg in it:
        if not arg.startswith("--"):
            positional.append(arg)
            continue
        name = arg[2:].replace("-", "_")
        value = next(it)
        options[name] = int(value) if name == "generate_num" else value
    return positional, options


def live_report(case: Path) -> EvalReport:
    """The case's report, made in this process from the case's folder."""
    positional, options = keywords((case / "args").read_text(encoding="utf-8").split())
    with inside(case):
        return gramfix.evaluate(*positional, config=False, **options)
