"""Exact lookup of byte spans in a fixed table of strings, and span equality, in bulk.

An audit compares eleven strings per user (ten predictions and the gold) with each
other and with the ~10^4 forms of the indexing file. A Python string per prediction
would cost more than reading the whole file with ``csv``, so spans stay in the block's
bytes: each is cut into a row ``[length, word 0, ..., word 7]`` (8-byte words, zero past
its end, the layout of `gramfix.engine.tokens`), hashed with one multiply-add per word, and
found through a narrow open-addressing table of (hash, code) pairs. The hash only picks
the candidate; a span matches only when its whole row equals the candidate's: lookups
and equality are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import gramfix._native as native
from gramfix.engine.tokens import FRONT, pack_strings

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Bools = npt.NDArray[np.bool_]

#: Longest span cut into words (longer ones are compared as bytes, one by one).
MAX_BYTES = 128
#: Zero bytes a buffer needs after its last span (the widest gather).
PADDING = MAX_BYTES

_U = np.uint64
_K0 = _U(0x9E3779B97F4A7C15)


def _splitmix(seed: int) -> int:
    z = (seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


#: One odd multiplier per word position: the hash must see where a word sits.
_WORD_K = [_U(_splitmix(j) | 1) for j in range(MAX_BYTES // 8)]
_MIX = _U(0xFF51AFD7ED558CCD)
_KEEP = np.array([(1 << (8 * i)) - 1 for i in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


@dataclass(frozen=True)
class Spans:
    """Spans cut into rows. ``cut`` lists the positions (among the spans asked for) that
    were cut -- those at most MAX_BYTES long -- in order; ``hashes`` and ``rows`` follow
    it."""

    cut: I64
    hashes: U64
    rows: U64

    @classmethod
    def of(cls, padded: bytes | bytearray, starts: I64, lengths: I64) -> Spans:
        """Cut the spans ``[starts, starts + lengths)`` of ``padded`` (positions count
        after FRONT bytes; PADDING bytes must follow the last span)."""
        cut = np.flatnonzero(lengths <= MAX_BYTES)
        length = lengths[cut]
        n = len(cut)
        words = (int(length.max()) + 7) // 8 if n else 0
        size = 8 * (1 + words)
        items = np.ndarray(
            shape=(len(padded) - size + 1,), dtype=f"V{size}", buffer=padded, strides=(1,)
        )
        # The 8 bytes before each span come along and become its length word.
        rows: U64 = items[FRONT - 8 + starts[cut]].view("<u8").reshape(n, 1 + words)
        rows[:, 0] = length
        if n:
            shortest = int(length.min())
            for j in range(words):
                if shortest < 8 * (j + 1):  # some span ends inside this word
                    rows[:, 1 + j] &= _KEEP[np.clip(length - 8 * j, 0, 8)]
        h = rows[:, 0] * _K0
        for j in range(words):
            h += rows[:, 1 + j] * _WORD_K[j]
        h ^= h >> _U(31)
        h *= _MIX
        h ^= h >> _U(29)
        h |= _U(1)  # never 0: 0 marks an empty slot
        return cls(cut, h, rows)

    def take(self, positions: I64) -> Spans:
        """The cut spans at ``positions`` (indices into ``cut``)."""
        return Spans(self.cut[positions], self.hashes[positions], self.rows[positions])

    def same(self, a: I64, b: I64) -> Bools:
        """Whether the cut spans at indices ``a`` and ``b`` (into ``cut``) are equal."""
        equal: Bools = self.hashes[a] == self.hashes[b]
        check = np.flatnonzero(equal)
        if len(check):
            equal[check] = _rows_equal(self.rows, a[check], self.rows, b[check])
        return equal


class SpanTable:
    """Distinct strings (each at most MAX_BYTES bytes of UTF-8), found by span; a
    string's code is its position."""

    def __init__(self, strings: Sequence[str]) -> None:
        buffer, starts, lengths = pack_strings(list(strings))
        spans = Spans.of(buffer + b"\0" * PADDING, starts, lengths)
        if len(spans.cut) != len(strings):
            raise ValueError("a string is longer than MAX_BYTES bytes")
        self.size = len(strings)
        # Column by column: a lookup reads only the words it compares.
        self._columns = np.ascontiguousarray(spans.rows.T)
        bits = max(4, (4 * max(self.size, 1) - 1).bit_length())  # load <= 1/4
        self._shift = _U(64 - bits)
        self._mask = (1 << bits) - 1
        self._hash = np.zeros(1 << bits, np.uint64)
        self._code = np.full(1 << bits, -1, np.int32)
        slot = (spans.hashes >> self._shift).astype(np.int64)
        todo = np.arange(self.size)
        while len(todo):  # linear probing: a batch claims free slots, the losers move on
            at = slot[todo]
            free = self._hash[at] == 0
            claim, at = todo[free], at[free]
            self._code[at] = claim
            won = self._code[at] == claim
            self._hash[at[won]] = spans.hashes[claim[won]]
            todo = np.concatenate([todo[~free], claim[~won]])
            slot[todo] = (slot[todo] + 1) & self._mask

    def find(self, spans: Spans) -> I64:
        """Code of each cut span (-1: not in the table); safe from several threads."""
        n = len(spans.hashes)
        if n and self.size and native.AVAILABLE:  # one probe loop, no GIL, no temporaries
            from gramfix._native.scan import span_find

            rows = np.ascontiguousarray(spans.rows)
            shift = int(self._shift)
            hashes = np.ascontiguousarray(spans.hashes)
            return span_find(self._hash, self._code, self._columns, shift, hashes, rows)
        return self.find_in_numpy(spans)

    def find_in_numpy(self, spans: Spans) -> I64:
        """`find` on the pure engine (the compiled one's reference)."""
        n = len(spans.hashes)
        codes = np.full(n, -1, np.int64)
        if n == 0 or self.size == 0:
            return codes
        slot = (spans.hashes >> self._shift).astype(np.int64)
        todo = np.arange(n)
        while len(todo):
            at = slot[todo]
            stored = self._hash[at]
            hit = stored == spans.hashes[todo]
            if hit.any():
                who, code = todo[hit], self._code[at[hit]].astype(np.int64)
                mine = spans.rows if len(who) == n else np.take(spans.rows, who, axis=0)
                # Equal lengths (column 0) mean equal widths: the common columns decide.
                differ = np.zeros(len(who), np.uint64)
                for column in range(min(mine.shape[1], len(self._columns))):
                    differ |= mine[:, column] ^ self._columns[column][code]
                equal = differ == 0
                codes[who[equal]] = code[equal]
                hit[hit] = equal
            go_on = ~hit & (stored != 0)
            todo = todo[go_on]
            slot[todo] = (slot[todo] + 1) & self._mask
        return codes


def _rows_equal(a: U64, at: I64 | None, b: U64, bt: I64) -> Bools:
    """Whether row ``at[i]`` of ``a`` (``a[i]`` when ``at`` is None) equals row ``bt[i]``
    of ``b`` on their common columns (column 0, the length, tells the rest)."""
    width = min(a.shape[1], b.shape[1])
    mine = a if at is None else np.take(a, at, axis=0)
    theirs = np.take(b, bt, axis=0)
    equal: Bools = (mine[:, :width] == theirs[:, :width]).all(axis=1)
    return equal
