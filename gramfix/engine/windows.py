"""The trainer's samples, counted without a Python object per sample.

GRAM-C builds, for a user with items ``s`` (n = len(s)): training samples with targets
s[i], i in 1..n-3, and history s[:i]; a validation sample with target s[-2] and history
s[:-2]; a test sample with target s[-1] and history s[:-1]. Histories are cut to the last
``max_his`` items (when > 0) and the recent-item window is their last ``recent_k``.

So the interaction at position p of its user is the target of at most one sample, whose
window is s[p - w : p] with w = min(p, window). Three facts keep the counting cheap:

* how many samples and window slots each split has depends on the user lengths alone
  (a closed form per user);
* per-item counts need one bincount of all interactions plus the last two of each user;
* a resolution view in which every item resolves, or none does, fills every slot or
  none; only a mixed view needs the per-interaction pass (a running sum of the
  resolved flags per chunk of whole users).

Chunks are produced lazily and at most a few are in flight, so the memory beyond the
interactions themselves is bounded by the chunk size and the number of items.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import gramfix._native as native

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
Bools = npt.NDArray[np.bool_]

SPLITS = ("train", "valid", "test")
_NONE, _TRAIN, _VALID, _TEST = 0, 1, 2, 3
CHUNK = 1 << 21  # interactions per chunk of the per-interaction passes


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


def chunks(lengths: I64, max_tokens: int = CHUNK) -> Iterator[tuple[slice, I32, I32]]:
    """Whole users about ``max_tokens`` interactions at a time: slice, positions, lengths."""
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
    resolved flags) plus the complete view (every item resolved)."""
    samples, slots = _samples_and_slots(lengths, window)
    counts = _item_counts(codes, lengths, n_items)
    sums: list[npt.NDArray[np.int64]] = []
    for resolved in [*views, np.ones(n_items, np.bool_)]:
        if n_items == 0 or resolved.all():
            sums.append(np.stack([samples, slots, slots, np.zeros(4, np.int64)], axis=1))
        elif not resolved.any():
            sums.append(np.stack([samples, slots, np.zeros(4, np.int64), samples], axis=1))
        else:
            hits, dead = _window_hits(codes, lengths, window, resolved)
            sums.append(np.stack([samples, slots, hits, dead], axis=1))
    windows = [
        {
            split: WindowSums(*(int(x) for x in s[label]))
            for label, split in ((_TRAIN, "train"), (_VALID, "valid"), (_TEST, "test"))
        }
        for s in sums
    ]
    return SampleTables(counts=counts, windows=windows)


def _samples_and_slots(lengths: I64, window: int) -> tuple[I64, I64]:
    """Samples and window slots per label, from the user lengths alone.

    A user of n items has training targets at positions 1..n-3 (window min(p, w)),
    validation at n-2 and test at n-1 (each only with a non-empty history).
    """
    if native.AVAILABLE:  # one pass instead of a dozen temporaries per user
        from gramfix._native.scan import samples_and_slots

        return samples_and_slots(lengths.astype(np.int64, copy=False), window)
    n = lengths.astype(np.int64)
    w = window
    m = np.maximum(n - 3, 0)  # training samples of each user
    inside = np.minimum(m, w)  # positions 1..min(m, w) have window p, the rest w
    train_slots = inside * (inside + 1) // 2 + (m - inside) * w
    samples = np.zeros(4, np.int64)
    slots = np.zeros(4, np.int64)
    samples[_TRAIN] = int(m.sum())
    slots[_TRAIN] = int(train_slots.sum())
    has_valid = n >= 3
    samples[_VALID] = int(has_valid.sum())
    slots[_VALID] = int(np.minimum(n[has_valid] - 2, w).sum())
    has_test = n >= 2
    samples[_TEST] = int(has_test.sum())
    slots[_TEST] = int(np.minimum(n[has_test] - 1, w).sum())
    return samples, slots


def _item_counts(codes: I32, lengths: I64, n_items: int) -> dict[str, I64]:
    """Interactions of each item: all, and as s[-2] / s[-1] of its users; train is the rest."""
    if native.AVAILABLE:  # one pass instead of a bincount and two gathers
        from gramfix._native.scan import item_counts

        total, valid, test = item_counts(codes, lengths, n_items)
        return {"all": total, "train": total - valid - test, "valid": valid, "test": test}
    total = np.zeros(n_items, np.int64)
    # Chunks of at least n_items interactions: each bincount costs O(chunk) amortised.
    step = max(CHUNK, 2 * n_items)
    for start in range(0, len(codes), step):
        total += np.bincount(codes[start : start + step], minlength=n_items)
    ends = np.cumsum(lengths)
    valid = np.bincount(codes[ends[lengths >= 2] - 2], minlength=n_items)
    test = np.bincount(codes[ends[lengths >= 1] - 1], minlength=n_items)
    return {"all": total, "train": total - valid - test, "valid": valid, "test": test}


def _window_hits(codes: I32, lengths: I64, window: int, resolved: Bools) -> tuple[I64, I64]:
    """Resolved slots and dead samples per label for a mixed view, chunk by chunk in two
    threads (numpy releases the GIL in these loops), at most three chunks in flight."""
    if native.AVAILABLE:  # one pass, a running count of the window's resolved items
        from gramfix._native.scan import window_hits

        return window_hits(codes, lengths, window, resolved.view(np.uint8))
    hits = np.zeros(4, np.int64)
    dead = np.zeros(4, np.int64)

    def count(task: tuple[slice, I32, I32]) -> tuple[I64, I64]:
        return _hits_in_chunk(codes, task, window, resolved)

    with ThreadPoolExecutor(max_workers=2) as pool:
        ahead: list[Future[tuple[I64, I64]]] = []
        for task in chunks(lengths):
            ahead.append(pool.submit(count, task))
            if len(ahead) >= 3:
                h, d = ahead.pop(0).result()
                hits += h
                dead += d
        for future in ahead:
            h, d = future.result()
            hits += h
            dead += d
    return hits, dead


def _hits_in_chunk(
    codes: I32, task: tuple[slice, I32, I32], window: int, resolved: Bools
) -> tuple[I64, I64]:
    part, position, n = task
    chunk = codes[part]
    # 1 train (s[:-2]), 2 valid (s[-2]), 3 test (s[-1]): by distance from the end.
    label = (3 - np.minimum(n - 1 - position, 2)).astype(np.intp)
    label[position == 0] = _NONE  # an empty history makes no sample
    width = np.minimum(position, window)
    running = np.zeros(len(chunk) + 1, np.int32)
    np.cumsum(resolved[chunk], out=running[1:])
    hit = running[:-1] - running[np.arange(len(chunk), dtype=np.int32) - width]
    hits = np.bincount(label, weights=hit, minlength=4).astype(np.int64)
    dead = np.bincount(label, weights=hit == 0, minlength=4).astype(np.int64)
    hits[_NONE] = dead[_NONE] = 0
    return hits, dead
