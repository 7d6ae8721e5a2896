"""Item IDs in sorted order, vectorised: the order a pipeline produces when it sorts IDs.

Used twice: to tell whether histories were sorted by ID (their chronological order lost),
and to try the sorted-ID order when an embedding table's rows do not fit the mapping.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

import gramfix._native as native

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

_MAX_DIGITS = 18  # all-digit IDs up to this length fit in an int64


def id_keys(names: list[str]) -> U64:
    """Sort keys of the names, one row each, compared column by column: the number when
    every ID is a number, else the UTF-8 bytes as big-endian 8-byte words (zero-padded, so
    a prefix sorts first; UTF-8 keeps Python's code point order)."""
    joined = "".join(names)
    if names and joined.isascii() and joined.isdigit() and max(map(len, names)) <= _MAX_DIGITS:
        numbers: U64 = np.array(names, dtype=np.int64).astype(np.uint64).reshape(-1, 1)
        return numbers
    encoded = names if joined.isascii() else [name.encode("utf-8") for name in names]
    width = max(map(len, encoded), default=1) or 1
    width = (width + 7) // 8 * 8
    fixed = np.array(encoded, dtype=f"S{width}")
    columns: U64 = fixed.view(">u8").reshape(len(names), width // 8).astype(np.uint64)
    return columns


def id_ranks(names: list[str]) -> I64:
    """The rank of every name when the IDs are sorted (see `id_keys`)."""
    if not names:
        return np.zeros(0, np.int64)
    if native.AVAILABLE:  # a radix sort; None for non-ASCII names, which numpy sorts
        from gramfix._native.scan import id_ranks as compiled_ranks

        ranks = compiled_ranks(names)
        if ranks is not None:
            return ranks
    keys = id_keys(names)
    order = np.lexsort(keys.T[::-1])
    ranks = np.empty(len(names), np.int64)
    ranks[order] = np.arange(len(names), dtype=np.int64)
    return ranks
