"""The fast sequence reader: numpy over whole blocks, for the files real pipelines write.

Blocks are scanned in worker threads (`gramfix.io.sequences.scan`), which also look
their items up in the shared `HashIndex`; this thread settles what they missed, numbers
new items in order of first sighting and keeps one int32 code per interaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import HashIndex, StringIndex
from gramfix.engine.tokens import MAX_TOKEN_BYTES, cut_strings
from gramfix.io.blocks import slices
from gramfix.io.sequences.collect import (
    BLOCK_BYTES,
    Codes,
    Collector,
    Sequences,
    concat,
    sequence_blocks,
)
from gramfix.io.sequences.scan import Block, scan_block
from gramfix.io.source import file_size, refuse_binary

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]


class FastReader:
    """numpy over whole blocks; `NeedsExactReader` when a block is not simple enough."""

    def __init__(
        self, path: Path, known: Collection[str] | None = None, block_bytes: int = BLOCK_BYTES
    ) -> None:
        self.path = path
        self.known = known
        self.block_bytes = block_bytes

    def read(self, handle: BinaryIO) -> Sequences:
        out = Collector(self.path)
        hy = out.hygiene
        item_index = HashIndex()
        seeded, seed_at = self._seed(item_index)
        extra: list[str] = []  # names of the items added while reading, in code order
        universe = FirstSeenCodes()
        codes_out = out.codes_buffer = Codes(file_size(self.path))  # a pipe's too, spooled
        user_hashes: list[U64] = []
        line_starts: list[I64] = []
        line_base = 0
        with ThreadPoolExecutor(max_workers=2) as pool:
            for block in _pipelined(pool, self.path, handle, item_index, self.block_bytes):
                hy.empty_lines.add(block.empty_lines + line_base + 1)
                hy.no_space_lines.add(block.no_space_lines + line_base + 1)
                hy.crlf_lines += block.crlf
                codes, new = item_index.find_or_add(block.items, block.known)
                if len(new):
                    extra.extend(slices(block.data, block.item_starts[new], block.item_ends[new]))
                codes_out.append(universe.codes(codes, item_index.size))
                user_hashes.append(block.users.hashes)
                out.n_items.append(block.n_items)
                out.user_lines.append(block.user_line + line_base + 1)
                line_starts.append(block.user_start + block.offset)
                line_base += block.n_lines
        hy.lines = line_base
        starts = concat(line_starts, np.int64)

        def user_names(positions: I64) -> list[str]:
            return _read_users(handle, starts[positions])

        user_codes, out.n_users = _user_codes(concat(user_hashes, np.uint64), user_names)
        out.user_codes = [user_codes]
        order = universe.order()
        by_index = np.empty(len(seeded) + len(extra), dtype=object)
        by_index[: len(seeded)] = seeded
        by_index[len(seeded) :] = extra
        names: list[str] = by_index[order].tolist()
        remap = universe.remap(item_index.size)
        known_codes = None
        if self.known is not None:
            known_codes = np.full(len(self.known), -1, np.int64)
            known_codes[seed_at] = remap[: len(seed_at)]
        items = StringIndex(names, item_index, remap)
        return out.finish(items, False, user_names, self.known, known_codes)

    def _seed(self, index: HashIndex) -> tuple[list[str], I64]:
        """Add the known keys that can be tokens to ``index`` (codes 0..n-1 in key order);
        return them and their positions among the keys."""
        if not self.known:
            return [], np.zeros(0, np.int64)
        keys = list(self.known)
        chars = np.fromiter(map(len, keys), np.int64, count=len(keys))
        short = (chars >= 1) & (chars <= MAX_TOKEN_BYTES)  # more characters: more bytes
        at = np.flatnonzero(short)
        if len(at) < len(keys):
            keys = [keys[i] for i in at.tolist()]
        tokens, ok = cut_strings(keys)
        if not ok.all():
            keys = [k for k, good in zip(keys, ok.tolist(), strict=True) if good]
            at = at[ok]
        if isinstance(self.known, (dict, set, frozenset)):
            index.add(tokens)  # distinct keys, an empty index: codes in key order
        else:
            _, first = index.find_or_add(tokens)
            if len(first) < len(keys):
                raise ValueError("known keys must be distinct")
        return keys, at


class FirstSeenCodes:
    """Universe codes (order of first sighting in the file) of item-index codes."""

    def __init__(self) -> None:
        self._of: I64 = np.full(1024, -1, np.int64)  # index code -> universe code
        self._order: list[I64] = []
        self.size = 0

    def codes(self, index_codes: I64, index_size: int) -> I32:
        """Universe codes of one block's tokens (in file order), numbering new items."""
        if index_size > len(self._of):
            grown = np.full(max(2 * len(self._of), index_size), -1, np.int64)
            grown[: len(self._of)] = self._of
            self._of = grown
        codes = self._of[index_codes]
        fresh = np.flatnonzero(codes < 0)
        if len(fresh):
            seen = index_codes[fresh]
            distinct, first = np.unique(seen, return_index=True)
            ordered = distinct[np.argsort(first, kind="stable")]
            self._of[ordered] = np.arange(self.size, self.size + len(ordered))
            self._order.append(ordered)
            self.size += len(ordered)
            codes[fresh] = self._of[seen]
        return codes.astype(np.int32)

    def order(self) -> I64:
        """Item-index code of each universe code."""
        order: I64 = concat(self._order, np.int64)
        return order

    def remap(self, index_size: int) -> I64:
        """Universe code of each item-index code, -1 for index entries never seen."""
        remap: I64 = self._of[:index_size].copy()
        return remap


def _user_codes(hashes: U64, user_names: Callable[[I64], list[str]]) -> tuple[I64, int]:
    """Dense user codes from user hashes, exact: lines sharing a hash are compared by name."""
    ordered = np.sort(hashes)
    if not np.any(ordered[1:] == ordered[:-1]):  # the usual case: one line per user
        return np.arange(len(hashes), dtype=np.int64), len(hashes)
    distinct, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    codes = inverse.astype(np.int64)
    n_users = len(distinct)
    shared = np.flatnonzero(counts[inverse] > 1)
    if len(shared) == 0:
        return codes, n_users
    owner: dict[int, str] = {}  # hash group -> the name that keeps the group's code
    extra: dict[tuple[int, str], int] = {}
    for position, name in zip(shared.tolist(), user_names(shared), strict=True):
        group = int(inverse[position])
        if owner.setdefault(group, name) != name:
            codes[position] = extra.setdefault((group, name), n_users + len(extra))
    return codes, n_users + len(extra)


def _read_users(handle: BinaryIO, offsets: I64) -> list[str]:
    """The user IDs of the lines starting at ``offsets`` (a handful, for examples)."""
    names = []
    position = handle.tell()
    for offset in offsets.tolist():
        handle.seek(offset)
        line = handle.readline(4096)
        names.append(line.split(b" ", 1)[0].decode("ascii", "replace"))
    handle.seek(position)
    return names


def _pipelined(
    pool: ThreadPoolExecutor, path: Path, handle: BinaryIO, index: HashIndex, size: int
) -> Iterator[Block]:
    """Scan blocks in worker threads, at most three ahead, yielding them in order.

    Workers also look the items up in ``index`` while this thread adds to it (see
    `HashIndex` for why that is safe); this thread only settles what they missed.
    """
    ahead: list[Future[Block]] = []
    line_base = 0
    try:
        for offset, block in sequence_blocks(path, handle, size):
            refuse_binary(path, block, line_base)
            line_base += block.count(b"\n")
            ahead.append(pool.submit(scan_block, offset, block, index))
            if len(ahead) >= 3:
                yield ahead.pop(0).result()
        while ahead:
            yield ahead.pop(0).result()
    finally:
        for future in ahead:
            future.cancel()
