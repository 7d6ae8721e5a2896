"""The fast path gives exactly the report of the straightforward per-line reference.

The fast path is what `check_dataset` does: the numpy block reader with the mapping's
keys pre-filling its item index, and the vectorised sample tables. The reference reads
the same files with the line-by-line reader and counts every sample one by one
(`tests/oracle.py`). Datasets of several shapes are generated here; blocks are made
small so that lines and tokens cross block boundaries many times.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from gramfix import Settings, check_dataset
from gramfix.checks import context as analysis_module
from gramfix.io import sequences as reader
from tests import oracle

#: Every test here runs on both engines (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("engine")

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _asin(rng: random.Random) -> str:
    return "B0" + "".join(rng.choice(ALPHABET) for _ in range(8))


def _item(rng: random.Random, shape: str) -> str:
    if shape == "mixed-widths":
        kind = rng.randrange(5)
        if kind == 0:
            return f"{rng.randrange(10**9):010d}"  # ISBN-like, often a leading zero
        if kind == 1:
            return "".join(rng.choice(ALPHABET + "abcxyz_-") for _ in range(22))  # Yelp-like
        if kind == 2:
            return str(rng.randrange(1, 500))  # short integer IDs
        if kind == 3:
            return "X" * rng.randrange(1, 64)  # up to the widest indexed token
    return _asin(rng)


def _dataset(folder: Path, shape: str, seed: int) -> None:
    rng = random.Random(seed)
    catalogue = list(dict.fromkeys(_item(rng, shape) for _ in range(300)))
    weights = [1 / (rank + 1) ** 0.5 for rank in range(len(catalogue))]
    users = [f"A{rng.randrange(10**11):011d}" for _ in range(120)]
    lines = []
    for number, name in enumerate(users):
        low, high = {"long-lines": (200, 3000), "short-users": (0, 4)}.get(shape, (1, 40))
        n = rng.randint(low, high)
        user = name
        if shape == "duplicate-users" and number % 3 == 0 and lines:
            user = rng.choice(users[:number])  # a user on two lines: the later one wins
        items = rng.choices(catalogue, weights, k=n)
        lines.append(" ".join([user, *items]))
    if shape == "non-ascii":
        for at in rng.sample(range(len(lines)), 3):
            lines[at] = lines[at].replace(" ", " café ", 1)  # forces the exact reader
    newline = "\r\n" if shape == "crlf" else "\n"
    (folder / "user_sequence.txt").write_bytes((newline.join(lines) + newline).encode())
    # A mapping with most families at once: exact keys, whole lines, decorated keys,
    # lost leading zeros, missing items and foreign keys, so every view is mixed.
    mapping: dict[str, Any] = {}
    for row, item in enumerate(catalogue, start=1):
        kind = rng.randrange(10)
        if kind == 0:
            continue  # partial coverage
        if kind == 1:
            mapping[f"{item} title: a thing; brand: b"] = row
        elif kind == 2:
            mapping[f" {item}\r"] = row
        elif kind == 3 and item.isdigit() and item.startswith("0"):
            mapping[str(int(item))] = row
        else:
            mapping[item] = row
    mapping["B0FOREIGN1"] = len(catalogue) + 1
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(mapping), encoding="utf-8")


def _reference(folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    def exact_only(path: Path, known: Any = None) -> reader.Sequences:
        if callable(known):  # the pipeline's reading of the mapping (see read_sequences)
            known()
        with path.open("rb") as handle:
            return reader.ExactReader(path).read(handle)

    with monkeypatch.context() as patch:
        patch.setattr("gramfix.pipeline.read_sequences", exact_only)
        patch.setattr(analysis_module, "count_samples", oracle.sample_tables)
        return check_dataset(folder, settings=settings).model_dump_json(indent=2)


SHAPES = ["plain", "long-lines", "duplicate-users", "short-users", "mixed-widths", "crlf"]


@pytest.mark.parametrize("shape", [*SHAPES, "non-ascii"])
@pytest.mark.parametrize("seed", [1, 2])
def test_fast_path_report_equals_the_reference(
    shape: str, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dataset(tmp_path, shape, seed)
    settings = Settings(recent_k=seed + 3, max_his=20 if seed == 1 else 0)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 4096)  # many blocks
    monkeypatch.setattr("gramfix.engine.windows.CHUNK", 1000)  # many chunks
    fast = check_dataset(tmp_path, settings=settings)
    assert fast.sequences is not None
    if shape != "non-ascii":
        assert not _used_exact_reader(tmp_path), shape  # the fast path really ran
    assert fast.model_dump_json(indent=2) == _reference(tmp_path, settings, monkeypatch)


def _used_exact_reader(folder: Path) -> bool:
    return reader.read_sequences(folder / "user_sequence.txt").exact_reader


@pytest.mark.parametrize("shape", SHAPES)
def test_prefilled_reader_keeps_the_order_of_first_sighting(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mapping's keys pre-fill the index in key order; the universe must still be
    # numbered in order of first appearance in the file, exactly as the exact reader does.
    _dataset(tmp_path, shape, 7)
    path = tmp_path / "user_sequence.txt"
    keys = list(json.loads((tmp_path / "item_id_to_gcn_index.json").read_text()))
    monkeypatch.setattr(reader, "BLOCK_BYTES", 4096)
    fast = reader.read_sequences(path, keys)
    with path.open("rb") as handle:
        exact = reader.ExactReader(path).read(handle)
    assert not fast.exact_reader
    assert fast.items.names == exact.items.names
    assert fast.codes.tolist() == exact.codes.tolist()
    assert fast.lengths.tolist() == exact.lengths.tolist()
    assert fast.user_lines.tolist() == exact.user_lines.tolist()
    assert fast.hygiene == exact.hygiene
    # The read also gives the universe code of every key it was pre-filled with (-1: a
    # key that is no item), which the key analysis uses instead of looking keys up again.
    codes = fast.codes_of(keys)
    assert codes is not None
    assert codes.tolist() == exact.items.lookup(keys).tolist()
    assert fast.codes_of(list(keys)) is None  # only for the very keys it was given
