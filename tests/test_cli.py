"""The command line contract: exit codes, one-line errors, clean stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, Run

CLEAN = ROOT / "examples" / "beauty-clean"
BROKEN = ROOT / "examples" / "beauty-broken"


def test_examples_pass_and_fail(gramfix: Callable[..., Run]) -> None:
    assert gramfix("check", CLEAN).code == 0
    broken = gramfix("check", BROKEN)
    assert broken.code == 1
    assert "GF101" in broken.out
    assert "plain GRAM" in broken.out


def test_json_is_the_only_thing_on_stdout(gramfix: Callable[..., Run]) -> None:
    run = gramfix("check", BROKEN, "--format", "json")
    report = json.loads(run.out)
    assert report["schema_version"] == 1
    assert report["verdict"] == "fail"
    assert run.err == ""


def test_text_has_no_colour_codes_when_not_a_terminal(gramfix: Callable[..., Run]) -> None:
    assert "\x1b[" not in gramfix("check", BROKEN).out


def test_current_directory_is_the_default_folder(
    gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BROKEN)
    assert gramfix("check").code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--no-such-option"],
        ["check", "--recent-k", "0"],
        ["check", "--format", "yaml"],
        ["no-such-command"],
        ["check", "/no/such/folder"],
    ],
)
def test_wrong_usage_is_one_line_and_exit_2(gramfix: Callable[..., Run], args: list[str]) -> None:
    run = gramfix(*args)
    assert run.code == 2
    assert run.err.startswith("gramfix: error: ")
    assert run.err.count("\n") == 1
    assert run.out == ""


def test_a_bug_is_exit_3_without_traceback(
    gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("gramfix.pipeline.check_dataset", broken)
    run = gramfix("check", CLEAN)
    assert run.code == 3
    assert "bug in gramfix" in run.err
    assert "Traceback" not in run.err


def test_help_and_version(gramfix: Callable[..., Run]) -> None:
    assert gramfix("--help").code == 0
    assert "check" in gramfix("--help").out
    assert gramfix("check", "--help").code == 0
    assert gramfix("--version").out.startswith("gramfix, version ")


def test_version_names_the_engine(
    gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gramfix._native as native
    from gramfix import __version__

    lines = gramfix("--version").out.splitlines()
    assert lines == [f"gramfix, version {__version__}", f"engine: {native.ENGINE}"]
    monkeypatch.setattr(native, "AVAILABLE", False)
    assert gramfix("--version").out.splitlines()[1].startswith("engine: pure Python/numpy (")
    # Forced from the environment, in a fresh interpreter: the pure path and why.
    done = subprocess.run(
        [sys.executable, "-m", "gramfix", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GRAMFIX_PURE": "1"},
    )
    assert done.stdout.splitlines()[1] == "engine: pure Python/numpy (GRAMFIX_PURE is set)"


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gramfix", "check", str(BROKEN), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["verdict"] == "fail"


def test_unreadable_input_names_the_file_and_position(
    gramfix: Callable[..., Run], tmp_path: Path
) -> None:
    (tmp_path / "user_sequence.txt").write_text("U1 A B C\n")
    (tmp_path / "item_id_to_gcn_index.json").write_text('{\n  "A": 1,\n  "B": 2\n')
    run = gramfix("check", tmp_path)
    assert run.code == 2
    assert "item_id_to_gcn_index.json:4:1: invalid JSON" in run.err


def test_input_larger_than_memory_is_refused_early(
    gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gramfix.io.source.available_memory", lambda: 1000)
    run = gramfix("check", BROKEN)
    assert run.code == 2
    assert "GiB of memory" in run.err
    assert "refused rather than swap" in run.err


def test_a_file_without_read_permission_is_one_line(
    gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Root reads every file, so the denial is simulated where the readers open files.
    import errno

    (tmp_path / "user_sequence.txt").write_text("U1 A B C\n")
    (tmp_path / "item_id_to_gcn_index.json").write_text('{"A": 1, "B": 2, "C": 3}')
    import io
    import types

    def deny(path: object, mode: str = "r") -> io.FileIO:
        if str(path).endswith("item_id_to_gcn_index.json"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return io.FileIO(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr("gramfix.io.source.io", types.SimpleNamespace(FileIO=deny))
    run = gramfix("check", tmp_path)
    assert run.code == 2
    assert "item_id_to_gcn_index.json: permission denied" in run.err
    assert run.err.count("\n") == 1
