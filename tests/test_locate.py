"""Finding a dataset's files: the embedding table beside the mapping as well as in the
dataset folder, and an info finding (GF612) saying where it looked when there is none."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gramfix import check_dataset
from gramfix.io.discover import locate
from tests.conftest import ROOT, Run

TRAINED = ROOT / "tests" / "cases" / "embeddings-trained"
LEGACY_PT = ROOT / "tests" / "fixtures" / "torchsave" / "legacy.pt"


@pytest.fixture
def split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GRAM's sequences in gram/Beauty, GRAM-C's mapping and table in gram-c/Beauty."""
    gram, gram_c = tmp_path / "gram" / "Beauty", tmp_path / "gram-c" / "Beauty"
    gram.mkdir(parents=True)
    gram_c.mkdir(parents=True)
    shutil.copy(TRAINED / "user_sequence.txt", gram)
    shutil.copy(TRAINED / "item_id_to_gcn_index.json", gram_c)
    shutil.copy(TRAINED / "gcn_item_embeddings.npy", gram_c)
    monkeypatch.chdir(tmp_path)
    return tmp_path


SEQUENCES = Path("gram/Beauty/user_sequence.txt")
MAPPING = Path("gram-c/Beauty/item_id_to_gcn_index.json")
TABLE = Path("gram-c/Beauty/gcn_item_embeddings.npy")


def _codes(run: Run) -> list[str]:
    return [f["code"] for f in json.loads(run.out)["findings"]]


def test_the_table_beside_the_mapping_is_read_and_checked(
    split: Path, gramfix: Callable[..., Run]
) -> None:
    run = gramfix(
        "check", "--no-config", "--sequences", SEQUENCES, "--mapping", MAPPING, "--format", "json"
    )
    report = json.loads(run.out)
    assert report["embeddings"]["file"] == TABLE.as_posix()
    assert report["embeddings"]["shape"] == list(np.load(TABLE).shape)
    assert report["embeddings"]["signal"] is not None
    assert "embeddings" in report["inputs"]["read"]
    assert report["inputs"]["paths"][TABLE.as_posix()] == TABLE.as_posix()
    assert "GF612" not in _codes(run)
    assert run.code == 0


def test_the_table_beside_the_mapping_is_never_an_output(
    split: Path, gramfix: Callable[..., Run]
) -> None:
    before = TABLE.read_bytes()
    args = ["check", "--no-config", "--sequences", SEQUENCES, "--mapping", MAPPING]
    run = gramfix(*args, "--output", TABLE)
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        f"gramfix: error: {TABLE} is an input of this dataset; write the report to another file\n"
    )
    assert TABLE.read_bytes() == before


def test_the_dataset_folder_wins_over_the_mapping_folder(split: Path) -> None:
    np.save(split / "gram" / "Beauty" / "gcn_item_embeddings.npy", np.zeros((3, 2)))
    files = locate(Path("gram/Beauty"), mapping=MAPPING)
    assert files.embeddings == Path("gram/Beauty/gcn_item_embeddings.npy")
    assert files.table_searched == ()
    assert locate(None, mapping=MAPPING, embeddings=Path("x.npy")).embeddings == Path("x.npy")


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (
            ["--sequences", SEQUENCES, "--mapping", MAPPING],
            "gram-c/Beauty/ (beside the mapping)",
        ),
        (
            ["gram/Beauty", "--mapping", MAPPING],
            "gram/Beauty/ (the dataset folder) and gram-c/Beauty/ (beside the mapping)",
        ),
        (["gram-c/Beauty", "--sequences", SEQUENCES], "gram-c/Beauty/ (the dataset folder)"),
    ],
)
def test_without_a_table_an_info_finding_says_where_it_looked(
    split: Path, gramfix: Callable[..., Run], args: list[str | Path], where: str
) -> None:
    TABLE.unlink()
    run = gramfix("check", "--no-config", *args, "--format", "json")
    (finding,) = [f for f in json.loads(run.out)["findings"] if f["code"] == "GF612"]
    assert finding["severity"] == "info"
    assert finding["message"] == (
        f"no gcn_item_embeddings.npy or gcn_item_embeddings.pt in {where}: the embedding "
        "table was not checked (pass it with --embeddings FILE)"
    )
    assert run.code == 0


def test_no_table_finding_without_a_mapping_or_with_a_given_table(split: Path) -> None:
    assert "GF612" not in [f.code for f in check_dataset("gram/Beauty").findings]
    given = check_dataset(sequences=SEQUENCES, mapping=MAPPING, embeddings=TABLE)
    assert "GF612" not in [f.code for f in given.findings]
    assert given.embeddings is not None


def test_a_legacy_pt_beside_the_mapping_without_torch_is_reported_unchecked(
    split: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    TABLE.unlink()
    shutil.copy(LEGACY_PT, TABLE.with_suffix(".pt"))  # torch < 1.6: read only through torch
    monkeypatch.setitem(sys.modules, "torch", None)
    report = check_dataset(sequences=SEQUENCES, mapping=MAPPING)
    assert [(f.code, f.severity.value) for f in report.findings] == [("GF601", "info")]


def test_the_real_split_layout_checks_the_table_beside_the_mapping(
    shared: Path, gramfix: Callable[..., Run]
) -> None:
    # The layout of ../shared: GRAM's sequences and GRAM-C's mapping + table apart.
    run = gramfix(
        "check",
        "--no-config",
        "--sequences",
        shared / "gram" / "Beauty" / "user_sequence.txt",
        "--mapping",
        shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json",
        "--format",
        "json",
    )
    report = json.loads(run.out)
    table = report["embeddings"]
    assert table["file"] == (shared / "gram-c" / "Beauty" / "gcn_item_embeddings.pt").as_posix()
    assert (table["format"], table["shape"], table["expected_rows"]) == ("pt", [12102, 64], 12102)
    assert table["padding_row_zero"] is True
    assert table["signal"] is not None
    assert "GF612" not in _codes(run)
