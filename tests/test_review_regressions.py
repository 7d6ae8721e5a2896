"""Defects found in review, each pinned by the input that showed it."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Run

BROKEN = ROOT / "examples" / "beauty-broken"
CLEAN = ROOT / "examples" / "beauty-clean"
MAP = "item_id_to_gcn_index.json"


def _folder(tmp_path: Path, name: str, sequences: str, mapping: dict[str, Any]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "user_sequence.txt").write_text(sequences, encoding="utf-8")
    (folder / MAP).write_text(json.dumps(mapping, indent=2), encoding="utf-8")
    return folder


def _state(folder: Path) -> dict[str, bytes | str]:
    return {
        p.name: (os.readlink(p) if p.is_symlink() else p.read_bytes())
        for p in sorted(folder.iterdir())
    }


def test_in_place_repair_of_a_pickle_writes_a_pickle(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = tmp_path / "pkl"
    folder.mkdir()
    shutil.copy(BROKEN / "user_sequence.txt", folder)
    broken = json.loads((BROKEN / MAP).read_text(encoding="utf-8"))
    (folder / "item_id_to_gcn_index.pkl").write_bytes(pickle.dumps(broken))
    assert gramfix("repair", folder, "--in-place").code == 0
    with (folder / "item_id_to_gcn_index.pkl").open("rb") as handle:
        repaired = pickle.load(handle)  # what the trainer does with a .pkl
    assert list(repaired.values()) == list(broken.values())
    assert list(repaired) == list(json.loads((CLEAN / MAP).read_text(encoding="utf-8")))
    assert gramfix("check", folder).code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["check", ".", "-o", MAP],
        ["check", ".", "--format", "sarif", "-o", "user_sequence.txt"],
        ["check", ".", "-o", "item_plain_text.txt"],
        ["repair", ".", "-o", "item_plain_text.txt"],
        ["repair", ".", "-o", f"{MAP}.bak"],
    ],
)
def test_no_output_may_overwrite_a_dataset_file(
    args: list[str], tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(BROKEN, folder)
    (folder / f"{MAP}.bak").write_text("{}")
    monkeypatch.chdir(folder)
    before = _state(folder)
    run = gramfix(*args)
    assert run.code == 2
    assert "is an input of this dataset" in run.err
    assert _state(folder) == before


def test_a_folder_on_the_command_line_ignores_the_configured_files(
    tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(CLEAN, tmp_path / "A")
    shutil.copytree(BROKEN, tmp_path / "B")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.gramfix]\ndataset = "A"\nmapping = "A/{MAP}"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert gramfix("check").code == 0  # the configured folder, clean
    assert gramfix("check", "B").code == 1  # B with its own (broken) mapping
    before = _state(tmp_path / "A")
    assert gramfix("repair", "B", "--in-place").code == 0
    assert _state(tmp_path / "A") == before
    assert (tmp_path / "B" / f"{MAP}.bak").exists()


def test_a_lone_surrogate_key_is_written_as_json_load_reads_it(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    mapping = {"A title": 1, "B": 2, "C": 3, "D": 4, "\ud800zz": 5}
    folder = _folder(tmp_path, "sur", "u1 A B C D\n", mapping)
    assert gramfix("repair", folder, "--dry-run", "--diff").code == 0
    assert gramfix("repair", folder, "-o", tmp_path / "out.json").code == 0
    with (tmp_path / "out.json").open(encoding="utf-8") as handle:
        repaired = json.load(handle)
    assert repaired == {"A": 1, "B": 2, "C": 3, "D": 4, "\ud800zz": 5}
    assert gramfix("check", folder, "--mapping", tmp_path / "out.json").code == 0


def test_numeric_item_ids_with_extra_keys_are_not_internal_ids(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _folder(tmp_path, "ints", "u1 1 2 3\nu2 3 2 1\n", {"1": 1, "2": 2, "3": 3, "4": 4})
    run = gramfix("check", folder, "--format", "json")
    codes = [f["code"] for f in json.loads(run.out)["findings"]]
    assert "GF105" not in codes
    assert "GF106" in codes  # key 4: an item the sequences never use
    assert run.code == 0
    assert gramfix("repair", folder, "-o", tmp_path / "out.json").code == 0


def test_whole_line_keys_fail_even_without_the_sequences(gramfix: Callable[..., Run]) -> None:
    run = gramfix("check", "--mapping", BROKEN / MAP, "--format", "json")
    assert run.code == 1
    assert "GF101" in [f["code"] for f in json.loads(run.out)["findings"]]
    # Clean keys have no shape error; without the sequences only GF002 fails (issue 10.4).
    assert gramfix("check", "--mapping", CLEAN / MAP).code == 1
    assert gramfix("check", "--mapping", CLEAN / MAP, "--ignore", "GF002").code == 0


def test_a_broken_pickle_beside_a_good_json_is_an_error(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = tmp_path / "both"
    shutil.copytree(CLEAN, folder)
    broken = json.loads((BROKEN / MAP).read_text(encoding="utf-8"))
    (folder / "item_id_to_gcn_index.pkl").write_bytes(pickle.dumps(broken))
    run = gramfix("check", folder, "--format", "json")
    assert run.code == 1
    gf707 = [f for f in json.loads(run.out)["findings"] if f["code"] == "GF707"]
    assert gf707[0]["severity"] == "error"
    assert "resolves 0 of 2,795" in gf707[0]["message"]


def test_in_place_refuses_a_symlinked_mapping(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    central = tmp_path / "central"
    shutil.copytree(BROKEN, central)
    folder = tmp_path / "linked"
    folder.mkdir()
    shutil.copy(BROKEN / "user_sequence.txt", folder)
    (folder / MAP).symlink_to(central / MAP)
    before, central_before = _state(folder), _state(central)
    run = gramfix("repair", folder, "--in-place")
    assert run.code == 2
    assert "symbolic link" in run.err
    assert _state(folder) == before
    assert _state(central) == central_before


def test_a_backup_that_links_to_the_mapping_is_no_backup(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = tmp_path / "bk"
    shutil.copytree(BROKEN, folder)
    (folder / f"{MAP}.bak").symlink_to(MAP)
    original = (folder / MAP).read_bytes()
    run = gramfix("repair", folder, "--in-place")
    assert run.code == 2
    assert "a link, not a copy" in run.err
    assert (folder / MAP).read_bytes() == original


def test_a_failed_in_place_write_removes_the_backup_it_made(
    tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    folder = tmp_path / "ro"
    shutil.copytree(BROKEN, folder)
    before = _state(folder)
    real_replace = os.replace

    def refuse_the_mapping(source: str, target: str | Path) -> None:
        if Path(target).name == MAP:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))
        real_replace(source, target)

    monkeypatch.setattr("os.replace", refuse_the_mapping)
    run = gramfix("repair", folder, "--in-place")
    assert run.code == 2
    assert "nothing was changed" in run.err
    assert _state(folder) == before  # no backup left behind either


def test_quotes_that_may_belong_to_an_id_are_not_stripped_on_a_guess(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    mapping = {"'A'": 1, "'A' ": 2, "B": 3}
    folder = _folder(tmp_path, "quoted", "u1 'A' A B\nu2 B A 'A'\n", mapping)
    run = gramfix("repair", folder, "-o", tmp_path / "out.json", "--format", "json")
    assert run.code == 1  # item A has no provable key: refused, nothing written
    assert not (tmp_path / "out.json").exists()


def test_an_integer_too_long_for_python_is_exit_2(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = tmp_path / "huge"
    folder.mkdir()
    (folder / "user_sequence.txt").write_text("u1 A B C\n")
    (folder / MAP).write_text('{"A": ' + "9" * 5000 + "}")
    run = gramfix("check", folder)
    assert run.code == 2
    assert "Traceback" not in run.err
    assert run.err.count("\n") == 1
