"""Embedding tables for calibrating the collaborative-signal verdict.

Histories are arrays of table rows (item ``i`` at row ``i``, row 0 padding). From them:
noise tables (what a placeholder is), tables with real collaborative structure of several
strengths, and those tables with their rows permuted or shifted (what an order mismatch
is). A synthetic universe stands in for a real dataset when ../shared is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

NOISE = ("normal", "uniform", "unit-norm", "gram-c")


def synthetic_histories(seed: int, *, users: int, items: int, topics: int, own: float) -> list[I64]:
    """Users who each follow one topic: every item is of the user's topic with chance
    ``own`` (else any item), drawn by a Zipf-like popularity; 3 items or more each.
    A small ``own`` over many topics gives a sparse, Beauty-like co-occurrence. The
    items no user has are left out: rows 1..k are the k items of the histories."""
    rng = np.random.default_rng(seed)
    topic = rng.integers(topics, size=items)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.8
    popularity = popularity[rng.permutation(items)]
    members = [np.flatnonzero(topic == t) for t in range(topics)]
    anywhere = popularity / popularity.sum()
    histories = []
    for _ in range(users):
        n = 3 + int(rng.geometric(0.2))
        group = members[int(rng.integers(topics))]
        if len(group) == 0:
            group = np.arange(items)
        mine = rng.choice(group, size=n, p=popularity[group] / popularity[group].sum())
        other = rng.choice(items, size=n, p=anywhere)
        histories.append(np.where(rng.random(n) < own, mine, other).astype(np.int64))
    # Rows for the items some user has (every key of a mapping then names an item).
    used = np.unique(np.concatenate(histories))
    row = np.zeros(items, np.int64)
    row[used] = np.arange(1, len(used) + 1)
    return [row[h] for h in histories]


def real_histories(sequences: Path, mapping: Path) -> list[I64]:
    """The histories of a GRAM ``user_sequence.txt`` as rows of a GRAM-C mapping."""
    rows: dict[str, int] = json.loads(mapping.read_text(encoding="utf-8"))
    lines = sequences.read_text(encoding="utf-8").splitlines()
    return [np.array([rows[i] for i in line.split()[1:]], np.int64) for line in lines]


def codes_and_lengths(histories: list[I64]) -> tuple[I32, I64]:
    """What ``sample_pairs`` reads: item codes (row - 1) and history lengths."""
    codes = (np.concatenate(histories) - 1).astype(np.int32)
    return codes, np.array([len(h) for h in histories], np.int64)


def noise(kind: str, rows: int, dim: int, rng: np.random.Generator) -> F32:
    """A placeholder: independent random rows (row 0 zero). ``gram-c`` is what GRAM-C's
    generate_example_gcn_embeddings.py writes: randn * 0.1, then each row L2-normalised."""
    if kind == "normal":
        table = rng.standard_normal((rows, dim))
    elif kind == "uniform":
        table = rng.random((rows, dim))
    elif kind == "unit-norm":
        table = _normalised(rng.standard_normal((rows, dim)))
    elif kind == "gram-c":
        table = _normalised(rng.standard_normal((rows, dim)) * 0.1)
    else:
        raise ValueError(kind)
    table[0] = 0
    return table.astype(np.float32)


def neighbour_sum(histories: list[I64], rows: int, dim: int, rng: np.random.Generator) -> F32:
    """Each row the normalised sum of random vectors of the items it follows or precedes
    in a history: on Beauty a weak but real signal (the table of issue 10). A hundredth
    of the item's own vector keeps apart two items whose only neighbour is the same."""
    a = np.concatenate([h[:-1] for h in histories])
    b = np.concatenate([h[1:] for h in histories])
    base = rng.standard_normal((rows, dim))
    table = _sum_by(a, b, base, rows) + _sum_by(b, a, base, rows) + 0.01 * base
    return _normalised(table).astype(np.float32)


def smoothed(histories: list[I64], rows: int, dim: int, rng: np.random.Generator) -> F32:
    """Random vectors smoothed twice over the user-item graph (item <- its users <- their
    items), as graph embeddings are: a strong signal."""
    items = np.concatenate(histories)
    lengths = np.array([len(h) for h in histories], np.int64)
    users = np.repeat(np.arange(len(histories)), lengths)
    counts = np.bincount(items, minlength=rows).astype(np.float64)
    seen = counts > 0

    def smooth(table: F64) -> F64:
        per_user = _sum_by(users, items, table, len(histories)) / lengths[:, None]
        out = _sum_by(items, users, per_user, rows)
        out[seen] /= counts[seen][:, None]
        return out

    start = rng.standard_normal((rows, dim))
    table = smooth(smooth(start)) + 0.01 * start
    table[0] = 0
    return table.astype(np.float32)


def blend(structured: F32, weight: float, rng: np.random.Generator) -> F32:
    """``weight`` parts of a structured table to one of noise (rows normalised first):
    the smaller the weight, the weaker the signal."""
    rows, dim = structured.shape
    mixed = weight * _normalised(structured.astype(np.float64))
    mixed += _normalised(rng.standard_normal((rows, dim)))
    return _normalised(mixed).astype(np.float32)


def permuted(table: F32, rng: np.random.Generator) -> F32:
    """The same rows, given to other items at random (row 0 stays padding)."""
    out = table.copy()
    out[1:] = table[1:][rng.permutation(len(table) - 1)]
    return out


def shifted(table: F32) -> F32:
    """Every item row moved down by one: a table padded twice (one row longer)."""
    out = np.zeros((len(table) + 1, table.shape[1]), table.dtype)
    out[2:] = table[1:]
    return out


def _sum_by(index: I64, source: I64, table: F64, size: int) -> F64:
    """``out[index[k]] += table[source[k]]`` for every k, one column at a time (bincount
    over a column is several times faster than ``np.add.at`` and needs no copy of the
    gathered rows)."""
    out = np.empty((table.shape[1], size))
    for column, values in enumerate(np.ascontiguousarray(table.T)):
        out[column] = np.bincount(index, weights=values[source], minlength=size)
    return out.T.copy()


def _normalised(table: F64) -> F64:
    norms = np.linalg.norm(table, axis=1)
    out = np.zeros_like(table)
    nonzero = norms > 0
    out[nonzero] = table[nonzero] / norms[nonzero][:, None]
    out[0] = 0
    return out
