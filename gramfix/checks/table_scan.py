"""One pass over the embedding table: norms, non-finite, all-zero and duplicate rows.

The table is read in chunks of rows (it may be a memory map of gigabytes): one pass gives
the norms, non-finite rows, all-zero rows and a 64-bit hash per row, from which duplicate
rows are found and then confirmed by comparing their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from gramfix.engine.tokens import mix_words
from gramfix.io.embeddings import row_blocks

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

CHUNK_BYTES = 1 << 24  # 16 MB of rows at a time (and twice that as float64)


@dataclass(frozen=True)
class TableScan:
    """Per-row facts from one pass over the table."""

    norms: F64  # nan for non-finite rows
    finite: Bools
    zero: Bools
    duplicates: list[tuple[int, int]]  # (row, the earlier row it equals), every such row

    @property
    def usable(self) -> Bools:
        usable: Bools = self.finite & ~self.zero
        return usable


def scan_table(array: npt.NDArray[Any]) -> TableScan:
    """Norms, finiteness, zero rows and duplicate rows of a 2-D numeric table, in chunks."""
    rows, dim = array.shape
    norms = np.empty(rows, np.float64)
    finite = np.empty(rows, np.bool_)
    zero = np.empty(rows, np.bool_)
    hashes = np.empty(rows, np.uint64)
    step = max(1, CHUNK_BYTES // max(1, dim * array.dtype.itemsize))
    for start, chunk in row_blocks(array, step):
        end = start + len(chunk)
        values = chunk.astype(np.float64, copy=False)
        finite[start:end] = np.isfinite(values).all(axis=1)
        zero[start:end] = ~(values != 0).any(axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            norms[start:end] = np.sqrt(np.einsum("ij,ij->i", values, values))
        hashes[start:end] = _row_hashes(chunk)
    norms[~finite] = np.nan
    return TableScan(norms, finite, zero, _duplicates(array, hashes, finite & ~zero))


def _row_hashes(chunk: npt.NDArray[Any]) -> U64:
    """A 64-bit hash of each row's bytes (the engine's one mixing, over 8-byte words)."""
    raw = chunk.view(np.uint8).reshape(len(chunk), -1)
    width = raw.shape[1]
    padded = (width + 7) // 8 * 8
    if padded != width:
        raw = np.concatenate([raw, np.zeros((len(chunk), padded - width), np.uint8)], axis=1)
    words = np.ascontiguousarray(raw).view(np.uint64)
    return mix_words(words, np.full(len(chunk), width, np.uint64))


def _duplicates(array: npt.NDArray[Any], hashes: U64, candidates: Bools) -> list[tuple[int, int]]:
    """Rows (>= 1, finite, non-zero) equal to an earlier such row, confirmed by value."""
    candidates = candidates.copy()
    if len(candidates):
        candidates[0] = False
    at = np.flatnonzero(candidates)
    if len(at) < 2:
        return []
    _, first, inverse, counts = np.unique(
        hashes[at], return_index=True, return_inverse=True, return_counts=True
    )
    repeated = np.flatnonzero((counts[inverse] > 1) & (first[inverse] != np.arange(len(at))))
    if len(repeated) == 0:
        return []
    rows = at[repeated]
    earlier = at[first[inverse[repeated]]]
    same = np.all(np.asarray(array[rows]) == np.asarray(array[earlier]), axis=1)
    return list(zip(rows[same].tolist(), earlier[same].tolist(), strict=True))
