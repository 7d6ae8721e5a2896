"""Exact lookup of byte spans in a fixed table of strings, and span equality, in bulk.

An audit compares eleven strings per user (ten predictions and the gold) with each
other and with the ~10^4 forms of the indexing file. A Python string per prediction
would cost more than reading the whole file with ``csv``, so spans stay in the block's
bytes: each is cut into a row ``[length, word 0, ..., word 7]`` (8-byte words, zero past
its end: the layout and the hash of `gramfix.engine.tokens`) and found through a narrow
open-addressing table of (hash, code) pairs. The hash only picks the candidate; a span
matches only when its whole row equals the candidate's: lookups and equality are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import gramfix._native as native
from gramfix.engine.tokens import cut_tokens, pack_strings

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Bools = npt.NDArray[np.bool_]

#: Longest span cut into words (longer ones are compared as bytes, one by one).
MAX_BYTES = 128
#: Zero bytes a buffer needs after its last span (the widest gather).
PADDING = MAX_BYTES

_U = np.uint64


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
        # The rows and hash of the sequence reader's tokens (`cut_tokens`), of any length
        # up to MAX_BYTES; never 0, which marks an empty slot of a table.
        tokens = cut_tokens(padded, starts[cut], lengths[cut])
        return cls(cut, tokens.hashes | _U(1), tokens.rows)

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
