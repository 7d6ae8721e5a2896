"""The LightGCN chain checks on real Beauty and Toys (skipped without ../shared).

Each chain is built from the real user_sequence.txt by tests/graph_build.py (the
converter's rules, re-implemented), correct or broken in one way of graph-data.md; the
expected counts are computed from the written files alone, per line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gramfix import check_dataset
from gramfix.io.torchzip import load_torch_zip
from gramfix.model.report import Report
from tests.conftest import SHARED, Run
from tests.graph_build import real_chains
from tests.test_graph import independent_leaks

ERRORS = {
    "graph-leakage",
    "graph-index-mismatch",
    "graph-user-index-mismatch",
    "trained-table-unused",
    "stale-export",
}


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """``chains(dataset, variant)``: a folder with that chain, built once per module."""
    if not (SHARED / "gram" / "Beauty" / "user_sequence.txt").is_file():
        pytest.skip("../shared/datasets is not available")
    return real_chains(tmp_path_factory.mktemp("chains"), SHARED)


def _graph_findings(report: Report) -> dict[str, int]:
    return {f.name: f.count for f in report.findings if f.code.startswith("GF9")}


@pytest.mark.parametrize("dataset", ["Beauty", "Toys"])
def test_a_correct_chain_passes_with_the_alignment_proven(
    dataset: str, chains: Callable[[str, str], Path], gramfix: Callable[..., Run]
) -> None:
    folder = chains(dataset, "clean")
    run = gramfix("check", folder, "--no-config", "--format", "json")
    assert run.code == 0, run.out[:2000]
    report = json.loads(run.out)
    assert [f["code"] for f in report["findings"] if f["code"].startswith("GF9")] == []
    graph = report["graph"]
    assert graph["alignment"] == "proven"
    assert graph["users_identified_by"] == "user_id_to_index.json"
    assert graph["leaked_interactions"] == 0
    assert graph["test_holds"] == "validation targets"
    assert graph["export"]["installed"] == "yes"
    assert report["embeddings"]["signal"]["verdict"] == "signal"
    text = gramfix("check", folder, "--no-config").out
    # The verdict in the table, its long sentence whole below it (piped: no wrapping).
    assert "alignment        proven (below)" in text
    assert "\nalignment proven: read back through user_id_to_index.json" in text


def _lines(path: Path) -> list[list[int]]:
    return [[int(t) for t in line.split()] for line in path.read_text().splitlines()]


def _expected(folder: Path, variant: str) -> int:
    """The count the variant's finding must give, from the files alone."""
    graph = folder / "lightgcn_data"
    if variant.startswith("leak"):
        return independent_leaks(folder)[0]
    if variant == "selected-on-test":
        histories = {}
        for line in (folder / "user_sequence.txt").read_text().splitlines():
            user, rest = line.split(" ", 1)
            histories[user] = rest.split()
        users = {
            i: u for u, i in json.loads((folder / "user_id_to_index.json").read_text()).items()
        }
        mapping = json.loads((folder / "item_id_to_gcn_index.json").read_text())
        items = {v - 1: k for k, v in mapping.items()}
        return sum(
            items[line[1]] == histories[users[line[0]]][-1] for line in _lines(graph / "test.txt")
        )
    if variant.startswith("mapping"):
        # The converter's index is the position in sorted order of the graph's items.
        mapping = json.loads((folder / "item_id_to_gcn_index.json").read_text())
        used = {
            i for line in _lines(graph / "train.txt") + _lines(graph / "test.txt") for i in line[1:]
        }
        universe = sorted(
            {
                i
                for line in (folder / "user_sequence.txt").read_text().splitlines()
                for part in [line.split()[1:]]
                for i in part[:-2] + part[-1:]
            }
        )
        return sum(
            mapping.get(item, -1) != index + 1
            for index, item in enumerate(universe)
            if index in used
        )
    if variant == "user-order":
        index = json.loads((folder / "user_id_to_index.json").read_text())
        return sum(i != n for n, (_, i) in enumerate(sorted(index.items())))
    if variant == "export-fewer-items":
        rows = (
            max(
                i
                for line in _lines(graph / "train.txt") + _lines(graph / "test.txt")
                for i in line[1:]
            )
            + 2
        )
        export = load_torch_zip(graph / "lightgcn_item_embeddings.pt").value
        assert isinstance(export, np.ndarray)
        return rows - len(export)
    return 1  # trained-table-unused: one table


@pytest.mark.parametrize(
    ("dataset", "variant", "name"),
    [
        ("Beauty", "selected-on-test", "graph-selected-on-test"),
        ("Beauty", "leak-validation", "graph-leakage"),
        ("Beauty", "leak-both", "graph-leakage"),
        ("Beauty", "mapping-order", "graph-index-mismatch"),
        ("Beauty", "mapping-zero-based", "graph-index-mismatch"),
        ("Beauty", "user-order", "graph-user-index-mismatch"),
        ("Beauty", "placeholder-installed", "trained-table-unused"),
        ("Beauty", "export-fewer-items", "stale-export"),
        ("Toys", "leak-both", "graph-leakage"),
        ("Toys", "user-order", "graph-user-index-mismatch"),
        ("Toys", "mapping-order", "graph-index-mismatch"),
    ],
)
def test_each_broken_chain_gives_its_finding_with_the_counts_of_the_files(
    dataset: str, variant: str, name: str, chains: Callable[[str, str], Path]
) -> None:
    folder = chains(dataset, variant)
    report = check_dataset(folder)
    assert _graph_findings(report) == {name: _expected(folder, variant)}
    assert report.exit_code() == (1 if name in ERRORS else 0)
    assert report.graph is not None
    if name in ("graph-index-mismatch", "graph-user-index-mismatch"):
        assert report.graph.alignment == "mismatch"
        assert report.graph.leaked_interactions is None  # not judged through misread indices
    else:
        assert report.graph.alignment == "proven"
    if name == "graph-leakage":
        assert report.graph.leaked_users == independent_leaks(folder)[1]
