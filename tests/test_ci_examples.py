"""The CI configurations in examples/ci and .pre-commit-hooks.yaml say what gramfix does:
their gramfix commands are run here on the bundled examples."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Run

yaml = pytest.importorskip("yaml")  # PyYAML comes with pre-commit

CI = ROOT / "examples" / "ci"
BROKEN = ROOT / "examples" / "beauty-broken"
CLEAN = ROOT / "examples" / "beauty-clean"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _gramfix_commands(scripts: list[str]) -> list[list[str]]:
    """The gramfix command lines of a list of shell scripts, split as the shell would."""
    found = []
    for script in scripts:
        for line in script.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["gramfix"]:
                found.append(words[1:])
    return found


def _run(
    gramfix: Callable[..., Run], words: list[str], dataset: Path, folder: Path
) -> tuple[Run, str | None]:
    """Run one command line with $DATASET set; returns the run and what `>>` appended."""
    args = [dataset.as_posix() if w == "$DATASET" else w for w in words]
    appended_to = None
    if ">>" in args:
        at = args.index(">>")
        appended_to, args = args[at + 1], args[:at]
    args = [str(folder / a) if a.endswith((".sarif", ".xml")) else a for a in args]
    run = gramfix(*args, "--no-config")
    return run, appended_to


@pytest.fixture
def in_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")


def test_github_actions_example(
    gramfix: Callable[..., Run], tmp_path: Path, in_actions: None
) -> None:
    workflow = _load(CI / "github-actions.yml")
    steps = workflow["jobs"]["gramfix"]["steps"]
    gate, summary, sarif = _gramfix_commands([s["run"] for s in steps if "run" in s])
    assert workflow["env"]["DATASET"]

    run, _ = _run(gramfix, gate, BROKEN, tmp_path)
    assert run.code == 1
    assert " FAIL " in run.out
    assert "::error file=examples/beauty-broken/item_id_to_gcn_index.json,title=GF101" in run.out
    assert _run(gramfix, gate, CLEAN, tmp_path)[0].code == 0

    run, appended_to = _run(gramfix, summary, BROKEN, tmp_path)
    assert (run.code, appended_to) == (0, "$GITHUB_STEP_SUMMARY")
    assert run.out.startswith("### ❌ gramfix check: fail")

    run, _ = _run(gramfix, sarif, BROKEN, tmp_path)
    assert run.code == 0
    assert json.loads((tmp_path / "gramfix.sarif").read_text())["version"] == "2.1.0"
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action"))
    assert upload["with"]["sarif_file"] == "gramfix.sarif"


def test_gitlab_example(gramfix: Callable[..., Run], tmp_path: Path) -> None:
    job = _load(CI / "gitlab-ci.yml")["data-gate"]
    (command,) = _gramfix_commands(job["script"])
    run, _ = _run(gramfix, command, BROKEN, tmp_path)
    assert run.code == 1
    assert (tmp_path / job["artifacts"]["reports"]["junit"]).read_text().startswith("<?xml")


def test_pre_commit_hook_definition() -> None:
    (hook,) = _load(ROOT / ".pre-commit-hooks.yaml")
    assert hook["id"] == "gramfix-check"
    assert hook["entry"] == "gramfix check"
    assert hook["pass_filenames"] is False
    assert hook["language"] == "python"
    example = _load(CI / "pre-commit-config.yaml")
    assert [h["id"] for h in example["repos"][0]["hooks"]] == [hook["id"]]
