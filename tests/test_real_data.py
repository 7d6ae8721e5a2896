"""Acceptance on the real GRAM / GRAM-C data (skipped when ../shared is absent)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gramfix import check_dataset
from tests.conftest import Run


def _whole_line_beauty(shared: Path, folder: Path) -> Path:
    """Beauty with the original bug: each key is the whole metadata line (same values, order)."""
    real = json.loads((shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json").read_text())
    broken = {
        f"{key} title: product {row}; brand: na; price: 1.0": row for key, row in real.items()
    }
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(broken, indent=2))
    (folder / "user_sequence.txt").write_bytes(
        (shared / "gram" / "Beauty" / "user_sequence.txt").read_bytes()
    )
    return folder


def test_beauty_with_whole_line_keys(
    shared: Path, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _whole_line_beauty(shared, tmp_path)
    run = gramfix("check", folder, "--format", "json")
    assert run.code == 1
    report = json.loads(run.out)
    families = {f["family"]: f for f in report["mapping"]["families"]}
    assert list(families) == ["whole-line"]
    assert families["whole-line"]["count"] == 12101
    assert families["whole-line"]["safe"] is True
    coverage = report["coverage"]
    assert coverage["as_written"]["all"]["items_resolved"] == 0
    assert coverage["normalised"]["all"]["items_resolved"] == 12101
    assert coverage["normalised"]["all"]["interactions_resolved"] == 198502
    for split in ("train", "valid", "test"):
        assert report["fill"]["as_written"][split]["fill"] == 0.0
        assert report["fill"]["normalised"][split]["fill"] == 1.0
        assert (
            report["fill"]["as_written"][split]["dead_samples"]
            == (report["fill"]["as_written"][split]["samples"])
        )


def test_beauty_with_the_real_mapping_passes(shared: Path, gramfix: Callable[..., Run]) -> None:
    """The real mapping is fine; the random table found beside it is the only failure."""
    args = [
        "check",
        "--sequences",
        shared / "gram" / "Beauty" / "user_sequence.txt",
        "--mapping",
        shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json",
        "--format",
        "json",
    ]
    run = gramfix(*args)
    report = json.loads(run.out)
    assert run.code == 1
    assert [f["code"] for f in report["findings"] if f["severity"] == "error"] == ["GF609"]
    assert report["embeddings"]["file"].endswith("gram-c/Beauty/gcn_item_embeddings.pt")
    assert gramfix(*args, "--ignore", "GF609").code == 0


@pytest.mark.parametrize(
    ("dataset", "padded"),
    [("Beauty", (0.699, 0.834, 0.936)), ("Toys", (0.688, 0.825, 0.932))],
)
def test_fill_matches_the_published_health_numbers(
    shared: Path, tmp_path: Path, dataset: str, padded: tuple[float, float, float]
) -> None:
    sequences = shared / "gram" / dataset / "user_sequence.txt"
    items = dict.fromkeys(i for line in sequences.open() for i in line.split()[1:])
    mapping = tmp_path / "item_id_to_gcn_index.json"
    mapping.write_text(json.dumps({item: row for row, item in enumerate(items, start=1)}))
    report = check_dataset(sequences=sequences, mapping=mapping)
    assert report.fill is not None
    got = (report.fill.as_written.train, report.fill.as_written.valid, report.fill.as_written.test)
    assert tuple(round(s.padded_fill, 3) for s in got) == padded
    assert all(s.fill == 1.0 and s.dead_samples == 0 for s in got)
    assert report.fill.complete == report.fill.as_written


# Whole-dataset checks on the real data: the embedding table, the item files, hygiene.


@pytest.mark.parametrize("dataset", ["Beauty", "Toys"])
def test_real_folders_check_clean(shared: Path, dataset: str) -> None:
    """Only what is truly there: the GRAM folders have no GRAM-C mapping (GF001)."""
    report = check_dataset(shared / "gram" / dataset)
    assert [f.code for f in report.findings] == ["GF001"]
    assert report.exit_code() == 0
    assert [f.kind for f in report.item_files] == ["indexing", "similar-items"]
    for stats in report.item_files:
        assert stats.vs_sequences is not None
        assert (stats.vs_sequences.missing, stats.vs_sequences.extra) == (0, 0)
        assert stats.ids == stats.distinct_ids == report.sequences.items  # type: ignore[union-attr]
    similar = report.item_files[1]
    assert similar.skipped_header_lines == 1
    assert similar.neighbours is not None
    assert (similar.neighbours.fewest_per_line, similar.neighbours.most_per_line) == (20, 20)
    assert similar.neighbours.unknown == 0


@pytest.mark.parametrize(
    ("dataset", "items"), [("Beauty", 12101), ("Toys", 11924), ("Yelp", 20033)]
)
def test_no_lexical_id_collisions_in_gram(shared: Path, dataset: str, items: int) -> None:
    report = check_dataset(shared / "gram" / dataset)
    (lexical,) = report.lexical_ids
    assert lexical.items == items
    assert [(c.comparison, c.groups, c.items, c.pairs) for c in lexical.collisions] == [
        ("exact", 0, 0, 0),
        ("without-markers", 0, 0, 0),
        ("normalised", 0, 0, 0),
    ]


def test_the_real_gram_c_pair_is_a_placeholder(shared: Path) -> None:
    report = check_dataset(
        shared / "gram-c" / "Beauty", sequences=shared / "gram" / "Beauty" / "user_sequence.txt"
    )
    assert [(f.code, f.severity.value) for f in report.findings] == [("GF609", "error")]
    assert report.exit_code() == 1  # GRAM-C would train on noise
    assert report.coverage is not None
    assert report.coverage.as_written.all.items_resolved == 12101  # the mapping is fine
    e = report.embeddings
    assert e is not None
    assert (e.format, e.dtype, e.shape, e.expected_rows) == ("pt", "float32", [12102, 64], 12102)
    assert e.padding_row_zero
    assert (e.non_finite_rows, e.zero_rows, e.duplicate_rows, e.unit_norm_rows) == (0, 0, 0, 12101)
    assert e.signal is not None
    assert e.signal.verdict == "no-signal"
    assert abs(e.signal.ratio - 1.0) < 0.01
    assert abs(e.signal.cooccurring) < 0.01
    assert abs(e.signal.random) < 0.01


def _cooccurrence_table(shared: Path, seed: int = 0) -> np.ndarray:  # type: ignore[type-arg]
    """A table with real collaborative structure: random vectors smoothed twice over the
    user-item graph (item <- its users <- their items), as graph embeddings are."""
    mapping = json.loads((shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json").read_text())
    lines = (shared / "gram" / "Beauty" / "user_sequence.txt").read_text().splitlines()
    histories = [[mapping[i] for i in line.split()[1:]] for line in lines]
    items = np.concatenate([np.array(h) for h in histories])
    users = np.repeat(np.arange(len(histories)), [len(h) for h in histories])
    rows = len(mapping) + 1

    def smooth(table: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
        per_user = np.zeros((len(histories), table.shape[1]))
        np.add.at(per_user, users, table[items])
        per_user /= np.bincount(users)[:, None]
        out = np.zeros_like(table)
        np.add.at(out, items, per_user[users])
        counts = np.bincount(items, minlength=rows)
        out[counts > 0] /= counts[counts > 0][:, None]
        return out

    start = np.random.default_rng(seed).standard_normal((rows, 64))
    table = smooth(smooth(start)) + 0.01 * start
    table[0] = 0
    return table.astype(np.float32)


@pytest.fixture(scope="module")
def beauty_with_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import SHARED

    if not (SHARED / "gram" / "Beauty" / "user_sequence.txt").is_file():
        pytest.skip("../shared/datasets is not available")
    folder = tmp_path_factory.mktemp("beauty")
    for source in (SHARED / "gram" / "Beauty").iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    mapping = SHARED / "gram-c" / "Beauty" / "item_id_to_gcn_index.json"
    (folder / mapping.name).write_bytes(mapping.read_bytes())
    np.save(folder / "gcn_item_embeddings.npy", _cooccurrence_table(SHARED))
    return folder


def test_a_table_built_from_cooccurrence_has_signal(beauty_with_table: Path) -> None:
    report = check_dataset(beauty_with_table)
    assert [f.code for f in report.findings] == []
    assert report.embeddings is not None
    signal = report.embeddings.signal
    assert signal is not None
    assert signal.verdict == "signal"
    assert signal.best_order == "row = mapping value"
    assert signal.ratio > 1.3
    assert signal.cooccurring > signal.random + 0.2


def _variant(folder: Path, tmp_path: Path) -> Path:
    for source in folder.iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    return tmp_path


@pytest.mark.parametrize(
    ("corruption", "code", "exit_code"),
    [
        ("duplicate-users", "GF501", 1),
        ("short-users", "GF502", 1),
        ("nonzero-row-0", "GF604", 1),
        ("too-few-rows", "GF602", 1),
        ("permuted-table", "GF610", 1),
        ("sorted-table", "GF610", 1),
        ("malicious-pickle", None, 2),
    ],
)
def test_corrupted_beauty(
    beauty_with_table: Path,
    tmp_path: Path,
    gramfix: Callable[..., Run],
    corruption: str,
    code: str | None,
    exit_code: int,
) -> None:
    folder = _variant(beauty_with_table, tmp_path)
    sequences = folder / "user_sequence.txt"
    table_path = folder / "gcn_item_embeddings.npy"
    table = np.load(table_path)
    lines = sequences.read_text().splitlines(keepends=True)
    if corruption == "duplicate-users":
        sequences.write_text("".join([*lines, lines[10]]))
    elif corruption == "short-users":
        sequences.write_text("".join([*lines, lines[10].split()[0] + " B004756YJA\n"]))
    elif corruption == "nonzero-row-0":
        table[0] = 0.5
        np.save(table_path, table)
    elif corruption == "too-few-rows":
        np.save(table_path, table[:-100])
    elif corruption == "permuted-table":
        table[1:] = table[1:][np.random.default_rng(0).permutation(len(table) - 1)]
        np.save(table_path, table)
    elif corruption == "sorted-table":
        mapping = json.loads((folder / "item_id_to_gcn_index.json").read_text())
        reordered = np.zeros_like(table)
        for row, item in enumerate(sorted(mapping), start=1):
            reordered[row] = table[mapping[item]]
        np.save(table_path, reordered)
    elif corruption == "malicious-pickle":
        (folder / "item_id_to_gcn_index.json").unlink()
        (folder / "item_id_to_gcn_index.pkl").write_bytes(
            b"cos\nsystem\n(S'touch " + str(tmp_path / "pwned").encode() + b"'\ntR."
        )
    run = gramfix("check", folder, "--format", "json")
    assert run.code == exit_code, run.err or run.out[:2000]
    if code is None:
        assert "refused to load os.system" in run.err
        assert not (tmp_path / "pwned").exists()
        return
    codes = [f["code"] for f in json.loads(run.out)["findings"]]
    assert code in codes


def _lightgcn_like(shared: Path, rng: np.random.Generator, dim: int = 64) -> np.ndarray:  # type: ignore[type-arg]
    """A table as LightGCN propagates it: random item vectors smoothed twice over the
    user-item graph (symmetric degree normalisation), layers summed, rows normalised."""
    mapping = json.loads((shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json").read_text())
    lines = (shared / "gram" / "Beauty" / "user_sequence.txt").read_text().splitlines()
    rows = [np.array([mapping[i] for i in line.split()[1:]]) for line in lines]
    users = np.concatenate([np.full(len(r), k) for k, r in enumerate(rows)])
    items = np.concatenate(rows)
    n = len(mapping) + 1
    user_degree = np.bincount(users).astype(float)
    item_degree = np.maximum(np.bincount(items, minlength=n), 1).astype(float)
    weight = (1 / np.sqrt(user_degree[users] * item_degree[items]))[:, None]
    layer = rng.standard_normal((n, dim))
    layer[0] = 0
    total = np.zeros_like(layer)
    for _ in range(2):
        user_rows = np.zeros((len(rows), dim))
        np.add.at(user_rows, users, layer[items] * weight)
        layer = np.zeros((n, dim))
        np.add.at(layer, items, user_rows[users] * weight)
        total += layer
    norms = np.linalg.norm(total, axis=1, keepdims=True)
    table = (total / np.where(norms == 0, 1, norms)).astype(np.float32)
    table[0] = 0
    return table


@pytest.mark.parametrize("seed", [0, 16, 19, 39])
def test_a_permuted_trained_table_is_told_from_a_placeholder(
    shared: Path, tmp_path: Path, seed: int
) -> None:
    """Rows of a trained table moved to other items keep their structure: GF610 (the rows
    belong to other items), never GF609 (a placeholder) -- the structure figure used to sit
    within its own sampling noise of the cut (0.035 to 0.039 against 0.04 for these seeds)."""
    rng = np.random.default_rng(seed)
    table = _lightgcn_like(shared, rng)
    moved = table.copy()
    moved[1:] = table[1 + rng.permutation(len(table) - 1)]
    np.save(tmp_path / "gcn_item_embeddings.npy", moved)
    report = check_dataset(
        sequences=shared / "gram" / "Beauty" / "user_sequence.txt",
        mapping=shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json",
        embeddings=tmp_path / "gcn_item_embeddings.npy",
    )
    codes = [f.code for f in report.findings if f.code in ("GF609", "GF610", "GF611", "GF613")]
    assert codes == ["GF610"], [f.message for f in report.findings]
