"""``repair --diff``: ``patch`` and ``git apply`` turn the mapping into the written file,
byte for byte, whatever the original's layout."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gramfix.engine.textdiff import unified_diff
from gramfix.repairing import repair_dataset
from tests.conftest import ROOT, Run
from tests.test_real_data import _whole_line_beauty
from tests.test_repair_properties import datasets

MAPPING = "item_id_to_gcn_index.json"
TOOLS = [
    pytest.param("patch", marks=pytest.mark.skipif(not shutil.which("patch"), reason="no patch")),
    pytest.param("git", marks=pytest.mark.skipif(not shutil.which("git"), reason="no git")),
]
HAVE_TOOLS = [name for name in ("patch", "git") if shutil.which(name)]


@contextlib.contextmanager
def _cwd(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _apply(tool: str, original: bytes, diff: bytes) -> bytes:
    """``original`` (as ./item_id_to_gcn_index.json) after ``tool`` applied ``diff``."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name) / "work"
        folder.mkdir()
        (folder / MAPPING).write_bytes(original)
        patch_file = Path(name) / "fix.diff"
        patch_file.write_bytes(diff)
        command = {
            "patch": ["patch", "-p0", "--batch", "--no-backup-if-mismatch", "-i", str(patch_file)],
            "git": ["git", "apply", "-p0", "--whitespace=nowarn", str(patch_file)],
        }[tool]
        done = subprocess.run(command, cwd=folder, capture_output=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert sorted(p.name for p in folder.iterdir()) == [MAPPING]  # no .rej, no .orig
        return (folder / MAPPING).read_bytes()


LAYOUTS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    # json.dump as the trainer's scripts call it: no final newline
    "indent-2": lambda m: json.dumps(m, indent=2, ensure_ascii=False).encode(),
    "indent-2-newline": lambda m: json.dumps(m, indent=2, ensure_ascii=False).encode() + b"\n",
    "ascii-escapes": lambda m: json.dumps(m, indent=4).encode() + b"\n",
    "one-line": lambda m: json.dumps(m).encode(),
    "one-line-newline": lambda m: json.dumps(m, ensure_ascii=False).encode() + b"\n",
    "crlf": lambda m: json.dumps(m, indent=2).replace("\n", "\r\n").encode() + b"\r\n",
    "crlf-no-newline": lambda m: json.dumps(m, indent=1).replace("\n", "\r\n").encode(),
}


def _mixed_mapping(folder: Path) -> dict[str, Any]:
    """The mixed case's mapping, with a non-ASCII key that ensure_ascii escapes."""
    mapping: dict[str, Any] = json.loads((folder / MAPPING).read_text(encoding="utf-8"))
    mapping["B0FOREIGNé"] = 99
    return mapping


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_diff_turns_the_mapping_into_the_written_file(
    layout: str, tool: str, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "cases" / "mixed", folder)
    original = LAYOUTS[layout](_mixed_mapping(folder))
    (folder / MAPPING).write_bytes(original)
    with _cwd(folder):
        run = gramfix("repair", ".", "-o", "../out.json", "--diff")
    assert run.code == 0, run.err
    written = (tmp_path / "out.json").read_bytes()
    diff = run.out.encode("utf-8")
    assert diff.startswith(f"--- {MAPPING}\n+++ {MAPPING}\n".encode())
    assert _apply(tool, original, diff) == written
    assert (folder / MAPPING).read_bytes() == original


@pytest.mark.parametrize("tool", TOOLS)
def test_in_place_diff_turns_the_backup_into_the_new_mapping(
    tool: str, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "cases" / "decorated", folder)
    with _cwd(folder):
        run = gramfix("repair", ".", "--in-place", "--diff")
    assert run.code == 0, run.err
    backup = (folder / f"{MAPPING}.bak").read_bytes()
    assert _apply(tool, backup, run.out.encode("utf-8")) == (folder / MAPPING).read_bytes()


@pytest.mark.parametrize("tool", TOOLS)
def test_the_example_round_trips_through_a_real_pipe(tool: str, tmp_path: Path) -> None:
    folder = tmp_path / "beauty-broken"
    shutil.copytree(ROOT / "examples" / "beauty-broken", folder)
    original = (folder / MAPPING).read_bytes()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "gramfix", "repair", ".", "--dry-run", "--diff"]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    with _cwd(folder):
        _, plan = repair_dataset(".", output=tmp_path / "fixed.json")
    assert _apply(tool, original, done.stdout) == (tmp_path / "fixed.json").read_bytes()
    # Every key of the example is a whole line: each of its lines goes once and comes once.
    assert done.stdout.count(b"\n-  ") == done.stdout.count(b"\n+  ") == len(plan.keys)


@pytest.mark.parametrize("tool", TOOLS)
def test_real_beauty_whole_line_round_trips(
    tool: str, shared: Path, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = tmp_path / "beauty"
    folder.mkdir()
    _whole_line_beauty(shared, folder)
    original = (folder / MAPPING).read_bytes()
    with _cwd(folder):
        run = gramfix("repair", ".", "-o", "../fixed.json", "--diff")
    assert run.code == 0, run.err
    fixed = (tmp_path / "fixed.json").read_bytes()
    assert _apply(tool, original, run.out.encode("utf-8")) == fixed
    real = (shared / "gram-c" / "Beauty" / MAPPING).read_text(encoding="utf-8")
    assert list(json.loads(fixed).items()) == list(json.loads(real).items())


@pytest.mark.skipif(not HAVE_TOOLS, reason="neither patch nor git")
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(datasets(), st.sampled_from(list(LAYOUTS)))
def test_generated_repairs_round_trip(dataset: tuple[str, dict[str, Any]], layout: str) -> None:
    sequences, mapping = dataset
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "user_sequence.txt").write_text(sequences, encoding="utf-8")
        original = LAYOUTS[layout](mapping)
        (folder / MAPPING).write_bytes(original)
        with _cwd(folder):
            report, plan = repair_dataset(".", output="out.json", diff=True)
        assume(report.status != "refused")
        written = (folder / "out.json").read_bytes()
        assert (plan.diff == b"") == (written == original)
        for tool in HAVE_TOOLS if plan.diff else []:
            assert _apply(tool, original, plan.diff) == written


@given(
    st.lists(st.sampled_from([b"{", b"}", b"a,", b"b", b"c\r", b""]), max_size=12),
    st.lists(st.sampled_from([b"{", b"}", b"a", b"b,", b"c\r", b""]), max_size=12),
    st.booleans(),
    st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_any_two_texts_round_trip(
    old_lines: list[bytes], new_lines: list[bytes], old_end: bool, new_end: bool
) -> None:
    # Repeated and empty lines, CRs, missing final newlines: what the alignment must survive.
    old = b"\n".join(old_lines) + (b"\n" if old_end and old_lines else b"")
    new = b"\n".join(new_lines) + (b"\n" if new_end and new_lines else b"")
    assume(old)  # patch deletes a file that becomes empty; a mapping never is
    assume(new)
    diff = unified_diff(old, new, MAPPING)
    assert (diff == b"") == (old == new)
    for tool in HAVE_TOOLS if diff else []:
        assert _apply(tool, old, diff) == new


def test_a_refused_repair_prints_no_diff(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "cases" / "conflicting-fixes", folder)
    run = gramfix("repair", folder, "--dry-run", "--diff")
    assert run.code == 1
    assert run.out == ""  # nothing to apply: the repair would write nothing
    assert "REFUSED" in run.err


def test_diff_of_a_pickle_is_a_usage_error(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "cases" / "whole-line", folder)
    run = gramfix("repair", folder, "-o", tmp_path / "out.pkl", "--diff")
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert not (tmp_path / "out.pkl").exists()
