"""Every input of the bad-input corpus gets a clear answer and changes nothing.

For each case: the documented exit code; a finding (exit 0/1) or exactly one stderr line
naming the problem (exit 2); never a traceback; every file byte-identical afterwards
(``check`` and ``repair --dry-run`` both run); and nothing executed (no pwned.txt).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.bad_inputs.build import CORPUS, runtime_cases
from tests.conftest import Run

COMMITTED = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def _snapshot(folder: Path) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            state[key] = ("link", os.readlink(path))
        elif path.is_file():
            state[key] = (path.stat().st_mode, path.read_bytes())
        else:
            state[key] = ("dir",)
    return state


def _verify(
    folder: Path,
    expect: dict[str, Any],
    gramfix: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(folder)
    before = _snapshot(folder)
    run = gramfix("check", *expect["args"], "--format", "json")
    assert "Traceback" not in run.err
    assert run.code == expect["exit"], run.err or run.out[:500]
    if run.code == 2:
        assert run.out == ""
        assert run.err.count("\n") == 1, run.err
        assert run.err.startswith("gramfix: error: ")
        assert expect["expect"] in run.err
    else:
        assert run.err == ""
        codes = [f["code"] for f in json.loads(run.out)["findings"]]
        if expect["expect"]:
            assert expect["expect"] in codes, codes
    repair = gramfix("repair", *expect["args"], "--dry-run", "--format", "json")
    assert "Traceback" not in repair.err
    assert repair.code in (0, 1, 2)
    if run.code == 2 and not folder.name.startswith("table-"):
        assert repair.code == 2  # repair reads the same sequences and mapping (no table)
    assert _snapshot(folder) == before
    assert not (folder / "pwned.txt").exists()


def _torch_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


@pytest.mark.parametrize("case", COMMITTED, ids=lambda p: p.name)
def test_committed_bad_input(
    case: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    expect = json.loads((case / "expect.json").read_text())
    if "without_torch" in expect and not _torch_installed():
        expect.update(expect.pop("without_torch"))
    _verify(case, expect, gramfix, monkeypatch)


def test_runtime_bad_inputs(
    tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = runtime_cases(tmp_path)
    assert len(made) >= 4
    for folder, expect in made:
        _verify(folder, expect, gramfix, monkeypatch)


def test_the_corpus_is_big_enough() -> None:
    assert len(COMMITTED) >= 60
