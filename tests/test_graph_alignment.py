"""The calibration of `gramfix.engine.graph.CONSISTENT` and the alignment math.

A reading of train.txt (a numbering of its users) identifies the users when its position
pairs agree with one item per index at least CONSISTENT of the time. Under the right
numbering every pair agrees (1.0); under wrong ones (shuffled, shifted by one, the line
order of user_sequence.txt) the pairs come from other users' histories. The threshold
must sit between the two on real data (Beauty, Toys) and on the small clustered data of
the golden cases.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from gramfix import check_dataset
from gramfix.engine.graph import (
    CONSISTENT,
    Histories,
    IndexLines,
    read_lines,
    sorted_users,
    users_of,
)
from gramfix.io.sequences import read_sequences
from tests.conftest import ROOT, SHARED
from tests.graph_build import clustered_sequences, convert, read_histories


def _consistencies(sequences: Path) -> tuple[float, list[float]]:
    """The right numbering's consistency, and those of three wrong ones."""
    text = sequences.read_text(encoding="utf-8")
    s = read_sequences(sequences)
    names = [line.split(" ", 1)[0] for line in text.splitlines()]
    h = Histories(s.codes, s.lengths, names, len(s.items))
    chain = convert(read_histories(text)[0], target=-2)
    lines = IndexLines(
        path=sequences,
        users=np.array([u for u, _ in chain.train], np.int64),
        lengths=np.array([len(i) for _, i in chain.train], np.int64),
        items=np.array([i for _, row in chain.train for i in row], np.int64),
        lines=np.arange(1, len(chain.train) + 1, dtype=np.int64),
    )
    size = int(lines.items.max()) + 1
    right = sorted_users(h)
    wrong = [
        right[np.random.default_rng(0).permutation(len(right))],  # shuffled
        np.roll(right, 1),  # every index one user off
        np.flatnonzero(h.converted),  # the line order of user_sequence.txt
    ]

    def consistency(by_index: np.ndarray) -> float:  # type: ignore[type-arg]
        return read_lines("x", lines, users_of(lines, by_index), h, size).consistency

    return consistency(right), [consistency(w) for w in wrong]


def _check(right: float, wrong: list[float]) -> None:
    assert right == 1.0
    assert max(wrong) <= 0.3 < CONSISTENT < right, wrong


@pytest.mark.parametrize("dataset", ["Beauty", "Toys"])
def test_the_threshold_separates_right_and_wrong_users_on_real_data(dataset: str) -> None:
    sequences = SHARED / "gram" / dataset / "user_sequence.txt"
    if not sequences.is_file():
        pytest.skip("../shared/datasets is not available")
    _check(*_consistencies(sequences))


@pytest.mark.parametrize("seed", [7, 11, 19])
def test_the_threshold_separates_right_and_wrong_users_on_small_data(
    seed: int, tmp_path: Path
) -> None:
    path = tmp_path / "user_sequence.txt"
    path.write_text(clustered_sequences(users=200, seed=seed))
    _check(*_consistencies(path))


def test_a_few_users_swapped_in_the_index_are_named_line_by_line(tmp_path: Path) -> None:
    """Few wrong entries keep the index file's numbering consistent: the lines it misreads
    are reported, exactly those."""
    shutil.copytree(ROOT / "tests" / "cases" / "graph-clean", tmp_path / "d")
    path = tmp_path / "d" / "user_id_to_index.json"
    index = json.loads(path.read_text())
    users = sorted(index, key=index.__getitem__)
    for a, b in [(0, 1), (10, 20), (100, 150)]:
        index[users[a]], index[users[b]] = index[users[b]], index[users[a]]
    path.write_text(json.dumps(index, indent=2))
    report = check_dataset(tmp_path / "d")
    finding = next(f for f in report.findings if f.name == "graph-user-index-mismatch")
    assert finding.count == 6
    assert report.graph is not None
    assert report.graph.users_identified_by == "user_id_to_index.json"
    assert report.graph.alignment == "mismatch"
