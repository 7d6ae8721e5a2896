"""Golden cases: each folder of tests/cases is a dataset with the report it must produce.

Set GRAMFIX_UPDATE_GOLDEN=1 to rewrite the expected files, then review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gramfix import check_dataset
from tests.conftest import Run

#: Every test here runs on both engines (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("engine")

#: Every case folder (not a __pycache__ that importing tests/cases/build.py leaves).
CASES = sorted(
    p for p in (Path(__file__).parent / "cases").glob("*/") if not p.name.startswith("_")
)
UPDATE = bool(os.environ.get("GRAMFIX_UPDATE_GOLDEN"))


def _args(case: Path) -> list[str]:
    """The case's extra arguments; a case without its own configuration file reads none,
    so a gramfix.toml above the checkout cannot change the result."""
    args = case / "args"
    extra = args.read_text(encoding="utf-8").split() if args.exists() else []
    configured = (case / "gramfix.toml").exists() or (case / "pyproject.toml").exists()
    return extra if configured else ["--no-config", *extra]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden_case(
    case: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    run = gramfix("check", ".", "--format", "json", *_args(case))
    held_to_its_files(case, run)


def held_to_its_files(case: Path, run: Run) -> Any:
    """Hold a run to the case's files (rewritten first with GRAMFIX_UPDATE_GOLDEN=1): its
    exit code, then one line on stderr for exit 2, else its JSON report (returned; None
    for exit 2). Golden cases of every command use it."""
    if UPDATE:
        (case / "exit_code").write_text(f"{run.code}\n")
        for name in ("expected.json", "expected.stderr"):
            (case / name).unlink(missing_ok=True)
        if run.code == 2:
            (case / "expected.stderr").write_text(run.err)
        else:
            (case / "expected.json").write_text(run.out)
    assert run.code == int((case / "exit_code").read_text())
    if run.code == 2:
        assert run.out == ""
        assert run.err == (case / "expected.stderr").read_text()
        assert run.err.count("\n") == 1
        return None
    assert run.err == ""
    report = json.loads(run.out)
    assert report == json.loads((case / "expected.json").read_text())
    return report


@pytest.mark.parametrize("name", ["clean", "whole-line", "mixed", "sequence-hygiene"])
def test_cli_json_is_the_library_report(
    name: str, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = Path(__file__).parent / "cases" / name
    monkeypatch.chdir(case)
    run = gramfix("check", ".", "--format", "json")
    assert json.loads(run.out) == check_dataset(".").model_dump(mode="json")
