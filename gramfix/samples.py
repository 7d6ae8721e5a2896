"""The trainer's samples, counted in one vectorised pass over the interactions.

GRAM-C builds, for a user with items ``s`` (n = len(s)): training samples with targets
s[i], i in 1..n-3, and history s[:i]; a validation sample with target s[-2] and history
s[:-2]; a test sample with target s[-1] and history s[:-1]. Histories are cut to the last
``max_his`` items (when > 0) and the recent-item window is their last ``recent_k``.

So the interaction at position p of its user is the target of at most one sample, whose
window is s[p - w : p] with w = min(p, window). Per interaction this module labels that
sample's split and counts its window's resolved slots with a running sum -- no Python
object per sample, and memory bounded by the chunk size at any scale.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
Bools = npt.NDArray[np.bool_]

SPLITS = ("train", "valid", "test")
_NONE, _TRAIN, _VALID, _TEST = 0, 1, 2, 3


@dataclass(frozen=True)
class WindowSums:
    """Recent-window totals of one split under one resolution view."""

    samples: int
    slots: int
    resolved_slots: int
    dead_samples: int


@dataclass(frozen=True)
class SampleTables:
    """Per-item interaction counts by split, and window sums per view and split."""

    counts: dict[str, I64]  # "all", "train" (s[:-2]), "valid" (s[-2]), "test" (s[-1])
    windows: list[dict[str, WindowSums]]  # one per view given, then the complete view


def chunks(lengths: I64, max_tokens: int = 1 << 20) -> Iterator[tuple[slice, I32, I32]]:
    """Whole users about a million interactions at a time: slice, positions, user lengths."""
    ends = np.cumsum(lengths)
    first_user, offset = 0, 0
    while first_user < len(lengths):
        last_user = int(np.searchsorted(ends, offset + max_tokens, side="right"))
        last_user = max(last_user, first_user + 1)
        part = lengths[first_user:last_user].astype(np.int32)
        total = int(part.sum())
        n = np.repeat(part, part)
        position = np.arange(total, dtype=np.int32) - np.repeat(np.cumsum(part) - part, part)
        yield slice(offset, offset + total), position, n
        first_user, offset = last_user, offset + total


def count_samples(
    codes: I32, lengths: I64, n_items: int, window: int, views: Sequence[Bools]
) -> SampleTables:
    """Count every split of every item, and the windows under each ``views`` (per-item
    resolved flags) plus the complete view (every item resolved).

    Chunks are counted in two threads (numpy releases the GIL in these loops).
    """
    per_item = np.zeros(3 * n_items, np.int64)  # item * 3 + (train, valid, test)
    sums = np.zeros((len(views) + 1, 4, 4), np.int64)  # view, label, (samples..dead)

    def count(task: tuple[slice, I32, I32]) -> tuple[I64, I64]:
        return _count_chunk(codes, task, n_items, window, views)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for items, totals in pool.map(count, chunks(lengths)):
            per_item += items
            sums += totals
    sums[:, _NONE] = 0
    split_counts = per_item.reshape(n_items, 3)
    counts = {
        "all": split_counts.sum(axis=1),
        "train": split_counts[:, 0].copy(),
        "valid": split_counts[:, 1].copy(),
        "test": split_counts[:, 2].copy(),
    }
    windows = [
        {
            split: WindowSums(*(int(x) for x in sums[v, label]))
            for label, split in ((_TRAIN, "train"), (_VALID, "valid"), (_TEST, "test"))
        }
        for v in range(len(views) + 1)
    ]
    return SampleTables(counts=counts, windows=windows)


def _count_chunk(
    codes: I32,
    task: tuple[slice, I32, I32],
    n_items: int,
    window: int,
    views: Sequence[Bools],
) -> tuple[I64, I64]:
    part, position, n = task
    chunk = codes[part]
    sums = np.zeros((len(views) + 1, 4, 4), np.int64)
    # 1 train (s[:-2]), 2 valid (s[-2]), 3 test (s[-1]): by distance from the end.
    label = (3 - np.minimum(n - 1 - position, 2)).astype(np.int8)
    per_item = np.bincount(chunk.astype(np.int64) * 3 + (label - 1), minlength=3 * n_items)
    label[position == 0] = _NONE  # an empty history makes no sample
    width = np.minimum(position, window)
    samples = np.bincount(label, minlength=4)
    slots = np.bincount(label, weights=width, minlength=4).astype(np.int64)
    for v, resolved in enumerate(views):
        running = np.zeros(len(chunk) + 1, np.int32)
        np.cumsum(resolved[chunk], out=running[1:])
        hits = running[:-1] - running[np.arange(len(chunk), dtype=np.int32) - width]
        sums[v, :, 0] = samples
        sums[v, :, 1] = slots
        sums[v, :, 2] = np.bincount(label, weights=hits, minlength=4).astype(np.int64)
        sums[v, :, 3] = np.bincount(label, weights=hits == 0, minlength=4).astype(np.int64)
    sums[-1, :, 0] = samples
    sums[-1, :, 1] = slots
    sums[-1, :, 2] = slots
    return per_item, sums
