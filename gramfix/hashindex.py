"""Exact string-to-code index on numpy: the engine that lets gramfix read 10^8 tokens.

A Python object per token costs about 2 s per 10 million tokens before any analysis, so
the sequence reader never builds one. It cuts each token out of the file buffer as a
row of 8-byte words (a few vectorised passes), and this index turns the rows into dense
item codes with an open-addressing table kept in numpy arrays.

The index is exact, not probabilistic: a 64-bit hash only chooses the slot, and a token
matches an entry only when its row -- its length and every word of its bytes -- is
equal to the row of the entry's first token, i.e. when the bytes are equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_K0 = np.uint64(0x9E3779B97F4A7C15)
_K1 = np.uint64(0xBF58476D1CE4E5B9)
_K2 = np.uint64(0x94D049BB133111EB)
_S29 = np.uint64(29)
_S33 = np.uint64(33)
_LOW_MASK = np.array([(1 << (8 * i)) - 1 for i in range(8)], dtype=np.uint64)

#: Bytes of zero padding a buffer needs after its last token (one 8-byte word).
PADDING = 8
#: Tokens longer than this are not indexed; readers use their exact path instead.
MAX_TOKEN_BYTES = 64


def words_view(padded: bytes | bytearray | memoryview) -> U64:
    """Every unaligned little-endian 8-byte word of ``padded``, without a copy."""
    size = len(padded) - PADDING + 1
    view: U64 = np.ndarray(shape=(max(size, 0),), dtype="<u8", buffer=padded, strides=(1,))
    return view


@dataclass(frozen=True)
class Tokens:
    """Tokens cut out of a buffer: the slot hash and the row of each.

    A row is ``[length, word 0, word 1, ...]`` where word ``j`` holds the 8 bytes at
    ``min(start + 8j, end - 8)`` (short tokens: the first word, zero-masked past the
    end). Equal rows therefore mean equal bytes.
    """

    hashes: U64
    rows: U64  # shape (n, 1 + words)

    def __len__(self) -> int:
        return len(self.hashes)

    def take(self, positions: I64) -> Tokens:
        """The tokens at ``positions``."""
        return Tokens(self.hashes[positions], np.take(self.rows, positions, axis=0))


def cut_tokens(words: U64, starts: I64, ends: I64) -> Tokens:
    """Cut the byte ranges ``[starts, ends)`` (1..MAX_TOKEN_BYTES long) of a padded buffer."""
    lengths = ends - starts
    if len(lengths) == 0:
        return Tokens(np.zeros(0, np.uint64), np.zeros((0, 2), np.uint64))
    n_words = int((int(lengths.max()) + 7) // 8)
    rows = np.empty((len(lengths), 1 + n_words), np.uint64)
    rows[:, 0] = lengths
    short = np.flatnonzero(lengths < 8)
    last_word_at = np.maximum(ends - 8, starts)
    h = lengths.astype(np.uint64) * _K0
    for j in range(n_words):
        word = words[np.minimum(starts + 8 * j, last_word_at) if j else starts]
        if len(short):
            word[short] &= _LOW_MASK[lengths[short]]
        rows[:, 1 + j] = word
        # The hash must not depend on the other tokens of the batch: mix only own words.
        own = None if j == 0 else np.flatnonzero(lengths > 8 * j)
        if own is None or len(own) == len(h):
            h ^= word
            h *= _K1
            h ^= h >> _S29
        elif len(own):
            mixed = (h[own] ^ word[own]) * _K1
            h[own] = mixed ^ (mixed >> _S29)
    h ^= h >> _S33
    h *= _K2
    h ^= h >> _S33
    return Tokens(h, rows)


def pack_strings(strings: Sequence[str]) -> tuple[bytes, I64, I64]:
    """UTF-8 encode ``strings`` into one padded buffer with the start and end of each."""
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    ends = np.cumsum(lengths)
    return b"".join(encoded) + b"\0" * PADDING, ends - lengths, ends


def cut_strings(strings: Sequence[str]) -> tuple[Tokens, Bools]:
    """Cut Python strings as `cut_tokens` cuts the same bytes in a file.

    Also returns which strings could be cut at all (1..MAX_TOKEN_BYTES bytes); the
    returned tokens are those strings only.
    """
    buffer, starts, ends = pack_strings(strings)
    lengths = ends - starts
    ok = (lengths >= 1) & (lengths <= MAX_TOKEN_BYTES)
    return cut_tokens(words_view(buffer), starts[ok], ends[ok]), ok


def _widen(rows: U64, width: int) -> U64:
    """Rows with more word columns, each new column repeating the last word."""
    if rows.shape[1] >= width:
        return rows
    extra = np.repeat(rows[:, -1:], width - rows.shape[1], axis=1)
    return np.concatenate([rows, extra], axis=1)


def _same(stored: U64, rows: U64) -> Bools:
    """Row equality on the common columns (equal lengths imply equal widths)."""
    width = min(stored.shape[1], rows.shape[1])
    same: Bools = stored[:, 0] == rows[:, 0]
    for column in range(1, width):
        same &= stored[:, column] == rows[:, column]
    return same


class HashIndex:
    """Open-addressing table (linear probing, load <= 1/2) from tokens to codes 0..n-1."""

    def __init__(self, bits: int = 16) -> None:
        self._bits = bits
        self._slots = np.full(1 << bits, -1, np.int32)  # code held by each slot
        self._hashes = np.zeros(1024, np.uint64)  # per code, to re-place on growth
        self._rows = np.zeros((1024, 2), np.uint64)  # per code
        self.size = 0

    def _home(self, h: U64) -> I64:
        home: I64 = (h >> np.uint64(64 - self._bits)).astype(np.int64)
        return home

    def find(self, tokens: Tokens) -> I64:
        """Code of each token, -1 where absent."""
        if self.size == 0:
            return np.full(len(tokens), -1, np.int64)
        # First probe on whole arrays: nearly every token is settled here.
        slot = self._home(tokens.hashes)
        held = self._slots[slot].astype(np.int64)
        occupied = held >= 0
        codes = np.where(occupied, held, 0)
        match = occupied & _same(np.take(self._rows, codes, axis=0), tokens.rows)
        codes[~match] = -1
        # Collisions on the home slot: follow the probe sequence for the few left.
        mask = (1 << self._bits) - 1
        todo = np.flatnonzero(occupied & ~match)
        while len(todo):
            slot[todo] = (slot[todo] + 1) & mask
            held = self._slots[slot[todo]].astype(np.int64)
            occupied = held >= 0
            todo, held = todo[occupied], held[occupied]
            match = _same(np.take(self._rows, held, axis=0), np.take(tokens.rows, todo, axis=0))
            codes[todo[match]] = held[match]
            todo = todo[~match]
        return codes

    def add(self, tokens: Tokens) -> I64:
        """Add distinct tokens that are not in the index yet; return their new codes."""
        n = len(tokens)
        if 2 * (self.size + n) > len(self._slots):
            self._grow(self.size + n)
        self._reserve(self.size + n, tokens.rows.shape[1])
        codes = np.arange(self.size, self.size + n, dtype=np.int64)
        self._hashes[codes] = tokens.hashes
        self._rows[codes] = _widen(tokens.rows, self._rows.shape[1])
        self._place(tokens.hashes, codes)
        self.size += n
        return codes

    def find_or_add(self, tokens: Tokens) -> tuple[I64, I64]:
        """Codes of the tokens, adding new ones; also where each new code was first seen."""
        codes = self.find(tokens)
        missing = np.flatnonzero(codes < 0)
        if len(missing) == 0:
            return codes, missing
        new = tokens.take(missing)
        # Distinct new tokens: group by hash, then check each group holds one string.
        _, first, inverse = np.unique(new.hashes, return_index=True, return_inverse=True)
        if not _same(new.rows[first][inverse], new.rows).all():
            # Rare: two different new tokens share a 64-bit hash. Add them one at a time.
            local = np.full(len(new), -1, np.int64)
            for position in range(len(new)):
                one = new.take(np.array([position]))
                code = self.find(one)
                local[position] = code[0] if code[0] >= 0 else self.add(one)[0]
            codes[missing] = local
            _, first_seen = np.unique(local, return_index=True)
            return codes, missing[first_seen]
        order = np.argsort(first, kind="stable")  # codes in order of first sighting
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        codes[missing] = self.add(new.take(first[order]))[rank[inverse]]
        return codes, missing[first[order]]

    def _reserve(self, size: int, width: int) -> None:
        capacity, stored_width = self._rows.shape
        if size <= capacity and width <= stored_width:
            return
        new_capacity = capacity if size <= capacity else max(2 * capacity, size)
        hashes = np.zeros(new_capacity, np.uint64)
        rows = np.zeros((new_capacity, max(width, stored_width)), np.uint64)
        hashes[: self.size] = self._hashes[: self.size]
        rows[: self.size] = _widen(self._rows[: self.size], rows.shape[1])
        self._hashes, self._rows = hashes, rows

    def _place(self, h: U64, codes: I64) -> None:
        mask = (1 << self._bits) - 1
        slot = self._home(h)
        todo = np.arange(len(h))
        while len(todo):
            free = self._slots[slot[todo]] < 0
            claim = todo[free]
            self._slots[slot[claim]] = codes[claim]
            won = self._slots[slot[claim]] == codes[claim]
            todo = np.concatenate([todo[~free], claim[~won]])
            slot[todo] = (slot[todo] + 1) & mask

    def _grow(self, needed: int) -> None:
        while 2 * needed > (1 << self._bits):
            self._bits += 1
        self._slots = np.full(1 << self._bits, -1, np.int32)
        self._place(self._hashes[: self.size], np.arange(self.size, dtype=np.int64))


class StringIndex:
    """Distinct strings with dense codes (their list order), looked up in bulk.

    Names of 1..MAX_TOKEN_BYTES bytes go through a `HashIndex`; a universe with other
    names (rare: only the exact per-line reader produces them) uses a plain dict.
    """

    def __init__(self, names: list[str], index: HashIndex | None) -> None:
        self.names = names
        self._index = index
        self._dict: dict[str, int] | None = None
        if index is None:
            self._dict = {name: code for code, name in enumerate(names)}
            if len(self._dict) != len(names):
                raise ValueError("names are not distinct")

    @classmethod
    def from_names(cls, names: list[str]) -> StringIndex:
        """Index distinct strings; raises ValueError when they are not distinct."""
        tokens, ok = cut_strings(names)
        if not ok.all():
            return cls(names, None)
        index = HashIndex()
        codes, _ = index.find_or_add(tokens)
        if not np.array_equal(codes, np.arange(len(names))):
            raise ValueError("names are not distinct")
        return cls(names, index)

    def __len__(self) -> int:
        return len(self.names)

    def lookup(self, strings: Sequence[str]) -> I64:
        """Code of each string, -1 for strings not in the index."""
        if self._dict is not None:
            get = self._dict.get
            return np.fromiter((get(s, -1) for s in strings), np.int64, count=len(strings))
        codes = np.full(len(strings), -1, np.int64)
        if len(strings) and self._index is not None:
            tokens, ok = cut_strings(strings)
            codes[ok] = self._index.find(tokens)
        return codes
