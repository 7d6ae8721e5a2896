"""Shared fixtures: the real datasets (skipped when absent) and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from gramfix.cli import main

# No wall-clock limit inside a test: hypothesis's default 200 ms deadline per example
# fails a correct test on a busy machine. Speed is measured by benchmarks/, not here.
settings.register_profile("gramfix", deadline=None)
settings.load_profile("gramfix")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GRAMFIX_SHARED", ROOT.parent / "shared")) / "datasets"


@pytest.fixture
def shared() -> Path:
    """The real GRAM / GRAM-C data of ../shared/datasets; the test skips without it."""
    if not (SHARED / "gram" / "Beauty" / "user_sequence.txt").is_file():
        pytest.skip("../shared/datasets is not available")
    return SHARED


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def gramfix(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the command line in-process: ``gramfix("check", "dir")`` -> exit code and output."""

    def run(*args: str | Path) -> Run:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
