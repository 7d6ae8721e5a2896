"""End to end as the GPU pipeline consumes the mapping (needs torch; CI installs it).

GRAM-C's dataset code takes the last ``recent_k`` history items of each sample, looks
each up with ``mapping.get(raw_id, 0)``, left-pads with 0, and its encoder averages the
embedding rows of the non-zero slots from a frozen table whose row 0 is zero. With the
broken mapping every prefix is a zero vector; after ``gramfix repair`` none is.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, Run

torch = pytest.importorskip("torch")

RECENT_K = 5


def _samples(sequences: Path) -> list[list[str]]:
    """Histories of the training, validation and test samples (empty ones skipped)."""
    histories = []
    for line in sequences.open(encoding="utf-8"):
        items = line.rstrip("\n").split(" ", 1)[1].split()
        histories += [items[:i] for i in range(1, len(items) - 2)]
        histories += [items[:-2], items[:-1]]
    return [h[-20:] for h in histories if h]


def _prefixes(mapping: dict[str, int], histories: list[list[str]]) -> torch.Tensor:
    rows = max(mapping.values()) + 1
    table = torch.nn.Embedding(rows, 16, padding_idx=0)
    torch.manual_seed(0)
    with torch.no_grad():
        table.weight.normal_()
        table.weight[0].zero_()
    table.weight.requires_grad_(False)
    ids = []
    for history in histories:
        recent = [mapping.get(raw_id, 0) for raw_id in history[-RECENT_K:]]
        ids.append([0] * (RECENT_K - len(recent)) + recent)
    recent_item_ids = torch.tensor(ids, dtype=torch.long)
    mask = (recent_item_ids != 0).float().unsqueeze(-1)
    valid_counts = mask.sum(dim=1).clamp(min=1)
    result: torch.Tensor = (table(recent_item_ids) * mask).sum(dim=1) / valid_counts
    return result


def _check(folder: Path, gramfix: Callable[..., Run], tmp_path: Path) -> None:
    broken = json.loads((folder / "item_id_to_gcn_index.json").read_text(encoding="utf-8"))
    histories = _samples(folder / "user_sequence.txt")
    assert torch.all(_prefixes(broken, histories).norm(dim=1) == 0)
    assert gramfix("repair", folder, "-o", tmp_path / "fixed.json").code == 0
    with (tmp_path / "fixed.json").open() as handle:
        fixed = json.load(handle)
    assert torch.all(_prefixes(fixed, histories).norm(dim=1) > 0)


def test_bundled_example(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    folder = tmp_path / "beauty-broken"
    shutil.copytree(ROOT / "examples" / "beauty-broken", folder)
    _check(folder, gramfix, tmp_path)


def test_real_beauty(shared: Path, tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    real = json.loads((shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json").read_text())
    broken = {f"{key} title: item {row}; brand: na": row for key, row in real.items()}
    folder = tmp_path / "beauty"
    folder.mkdir()
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(broken, indent=2))
    shutil.copy(shared / "gram" / "Beauty" / "user_sequence.txt", folder / "user_sequence.txt")
    _check(folder, gramfix, tmp_path)
