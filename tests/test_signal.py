"""The collaborative-signal statistics: pair sampling, the estimate, the structure figure."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.checks.table_scan import scan_table
from gramfix.engine.cooccurrence import (
    MIN_EFFECT,
    STRUCTURE,
    Rows,
    clearly_better,
    estimate,
    sample_pairs,
    structure,
)

I64 = npt.NDArray[np.int64]


def _rows(table: npt.NDArray[np.float32]) -> Rows:
    scan = scan_table(table)
    return Rows(table, scan.norms, scan.usable)


def _histories(n_users: int, n_items: int, clusters: int, seed: int) -> tuple[I64, I64]:
    """Users who each buy 6 items of one cluster (item i is in cluster i % clusters)."""
    rng = np.random.default_rng(seed)
    codes, lengths = [], []
    for _ in range(n_users):
        cluster = rng.integers(clusters)
        members = np.arange(cluster, n_items, clusters)
        codes.append(rng.choice(members, size=6, replace=False))
        lengths.append(6)
    return np.concatenate(codes).astype(np.int32), np.array(lengths, np.int64)


def _clustered_table(n_items: int, clusters: int, dim: int, seed: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    table = np.zeros((n_items + 1, dim), np.float32)
    for item in range(n_items):
        table[item + 1] = centres[item % clusters] + 0.5 * rng.standard_normal(dim)
    return table


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=40), st.integers(0, 2**32 - 1))
def test_cooccurring_pairs_are_consecutive_distinct_items_of_one_user(
    lengths_list: list[int], seed: int
) -> None:
    lengths = np.array(lengths_list, np.int64)
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 5, size=int(lengths.sum())).astype(np.int32)
    pairs = sample_pairs(codes, lengths, seed=seed, size=25)
    users = np.split(codes, np.cumsum(lengths)[:-1])
    allowed = {(int(a), int(b)) for u in users for a, b in itertools.pairwise(u) if a != b}
    got = set(zip(pairs.co_a.tolist(), pairs.co_b.tolist(), strict=True))
    assert got <= allowed
    candidates = sum(max(len(u) - 1, 0) for u in users)
    if candidates <= 25:  # every pair is used, none sampled
        expected = [(int(a), int(b)) for u in users for a, b in itertools.pairwise(u)]
        assert list(zip(pairs.co_a.tolist(), pairs.co_b.tolist(), strict=True)) == [
            (a, b) for a, b in expected if a != b
        ]
    assert np.all(pairs.random_a != pairs.random_b)


def test_sampling_is_reproducible() -> None:
    codes, lengths = _histories(5000, 300, 10, seed=1)
    one, two = sample_pairs(codes, lengths), sample_pairs(codes, lengths)
    assert np.array_equal(one.co_a, two.co_a)
    assert np.array_equal(one.random_b, two.random_b)
    other = sample_pairs(codes, lengths, seed=1)
    assert not np.array_equal(one.co_a, other.co_a)


def test_clustered_table_has_signal_and_noise_has_none() -> None:
    codes, lengths = _histories(2000, 300, 10, seed=2)
    pairs = sample_pairs(codes, lengths)
    item_rows = np.arange(1, 301, dtype=np.int64)
    trained = estimate(_rows(_clustered_table(300, 10, 32, seed=3)), item_rows, pairs)
    assert trained.verdict == "signal"
    assert trained.ratio > 2
    noise_table = np.random.default_rng(4).standard_normal((301, 32)).astype(np.float32)
    noise = estimate(_rows(noise_table), item_rows, pairs)
    assert noise.verdict == "no-signal"
    assert abs(noise.ratio - 1) < MIN_EFFECT
    assert clearly_better(trained, noise)
    assert not clearly_better(noise, trained)


def test_too_few_pairs_is_inconclusive() -> None:
    codes, lengths = _histories(3, 30, 3, seed=5)
    pairs = sample_pairs(codes, lengths)
    e = estimate(_rows(_clustered_table(30, 3, 8, seed=6)), np.arange(1, 31), pairs)
    assert e.verdict == "inconclusive"


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_relabelling_rows_consistently_changes_nothing(seed: int) -> None:
    """Permute the table's rows and the item -> row lookup the same way: same figures."""
    codes, lengths = _histories(300, 40, 4, seed=seed % 1000)
    pairs = sample_pairs(codes, lengths, seed=seed)
    table = _clustered_table(40, 4, 16, seed=seed % 997)
    item_rows = np.arange(1, 41, dtype=np.int64)
    permutation = np.random.default_rng(seed).permutation(40)
    moved = table.copy()
    moved[1 + permutation] = table[1:]
    a = estimate(_rows(table), item_rows, pairs)
    b = estimate(_rows(moved), 1 + permutation[item_rows - 1], pairs)
    assert (a.pairs, a.random_pairs) == (b.pairs, b.random_pairs)
    assert a.cooccurring == pytest.approx(b.cooccurring, abs=1e-6)
    assert a.random == pytest.approx(b.random, abs=1e-6)


@pytest.mark.parametrize(
    ("shape", "kind"),
    [((12102, 64), "normal"), ((12102, 64), "uniform"), ((41, 8), "normal"), ((301, 2), "normal")],
)
def test_noise_has_no_structure(shape: tuple[int, int], kind: str) -> None:
    for seed in range(5):
        rng = np.random.default_rng(seed)
        table = rng.standard_normal(shape) if kind == "normal" else rng.random(shape)
        table[0] = 0
        assert not structure(_rows(table.astype(np.float32)), seed=seed).clustered


def test_clustered_rows_have_structure_whatever_their_order() -> None:
    table = _clustered_table(3000, 30, 32, seed=9)
    shuffled = table.copy()
    shuffled[1:] = table[1:][np.random.default_rng(10).permutation(3000)]
    assert structure(_rows(table)).value > 2 * STRUCTURE
    assert structure(_rows(shuffled)).clustered
