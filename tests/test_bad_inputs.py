"""Every input of the bad-input corpus gets a clear answer and changes nothing.

For each case: the documented exit code; a finding (exit 0/1) or exactly one stderr line
naming the problem (exit 2); never a traceback; every file byte-identical afterwards
(``check`` and ``repair --dry-run`` both run; ``eval`` for a prediction file); and
nothing executed (no pwned.txt).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.bad_inputs.build import CORPUS, cases, expectation, runtime_cases
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
    command = expect.get("command", "check")
    run = gramfix(command, *expect["args"], "--format", "json")
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
    if command == "eval":  # a prediction file is no input of repair
        assert _snapshot(folder) == before
        return
    repair = gramfix("repair", *expect["args"], "--dry-run", "--format", "json")
    assert "Traceback" not in repair.err
    assert repair.code in (0, 1, 2)
    if run.code == 2 and not folder.name.startswith(("table-", "graph-")):
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


def test_the_committed_corpus_is_the_one_build_makes() -> None:
    """Every case of build.py is committed, byte for byte, with its expectations, and
    nothing else is: a case added, edited or deleted by hand is caught here."""
    pytest.importorskip("torch")  # build.py writes the .pt tables with torch
    built = {case.name: case for case in cases()}
    assert [folder.name for folder in COMMITTED] == sorted(built)
    for folder in COMMITTED:
        case = built[folder.name]
        assert json.loads((folder / "expect.json").read_text()) == expectation(case), folder.name
        made = {"expect.json", *case.files}
        made |= {f"{arg}/.keep" for arg in case.args if arg.startswith("folder.")}
        committed = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert committed == made, folder.name
        for name, data in case.files.items():
            assert _content(folder / name) == _content_of(data), (folder.name, name)


def test_the_corpus_breaks_every_reader_both_ways() -> None:
    """Each input kind has inputs refused on one line (exit 2) and, but for the folder
    itself, inputs read and judged with a named finding (exit 0 or 1)."""
    outcomes: dict[str, set[str]] = {}
    for folder in COMMITTED:
        expect = json.loads((folder / "expect.json").read_text())
        kind = folder.name.split("-")[0]
        judged = expect["exit"] in (0, 1) and expect["expect"].startswith(("GF", "GE"))
        outcomes.setdefault(kind, set()).add("judged" if judged else "refused")
    assert outcomes == {
        "map": {"judged", "refused"},
        "pkl": {"refused"},  # a pickle that loads is the same dict as a JSON mapping
        "seq": {"judged", "refused"},
        "table": {"judged", "refused"},
        "graph": {"judged", "refused"},
        "folder": {"refused"},
        "pred": {"judged", "refused"},
    }
    assert len(COMMITTED) >= 60


def _content(path: Path) -> object:
    return _content_of(path.read_bytes())


def _content_of(data: bytes) -> object:
    """Bytes, or a zip's members (zip headers carry the time the file was written)."""
    import io
    import zipfile

    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return {info.filename: archive.read(info) for info in archive.infolist()}
        except zipfile.BadZipFile:
            pass  # a damaged zip (table-pt-truncated): compared byte for byte
    return data
