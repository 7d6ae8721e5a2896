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
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    joined = "".join(strings)
    if joined.isascii():  # one C-level encode; characters are bytes
        buffer = joined.encode("ascii")
    else:
        encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        buffer = b"".join(encoded)
    ends = np.cumsum(lengths)
    return buffer + b"\0" * PADDING, ends - lengths, ends


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


_WINDOW = 8  # slots compared per probe step after the home slot
_CODE = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


class HashIndex:
    """Open-addressing table (linear probing, load <= 1/2) from tokens to codes 0..n-1.

    Each slot holds a whole entry, ``[length << 32 | code + 1, word 0, word 1, ...]``
    (0: empty), so a lookup costs one random memory access: compare the entry in the
    token's home slot, then, for the few tokens displaced by collisions, a window of 8
    neighbouring slots at a time. Matching compares the length and every word, never
    the hash alone: the index is exact.

    One thread adds; any number of threads may `find` at the same time. A reader racing
    an add can only miss a token (an entry it reads half-written has zero words where
    a real token has none), never get a wrong code; growth builds a new table and
    publishes it by one attribute assignment. The adding thread looks misses up again.
    """

    def __init__(self, bits: int = 16) -> None:
        self._table = (np.zeros((1 << bits, 3), np.uint64), bits)  # replaced as a whole
        self._hashes = np.zeros(1024, np.uint64)  # per code, to re-place on growth
        self.size = 0

    def find(self, tokens: Tokens) -> I64:
        """Code of each token, -1 where absent (safe while another thread adds)."""
        table, bits = self._table
        n = len(tokens)
        codes = np.full(n, -1, np.int64)
        if self.size == 0 or n == 0:
            return codes
        mask = (1 << bits) - 1
        start = _home(tokens.hashes, bits)
        entry = np.take(table, start, axis=0)
        hit = _match(entry, tokens.rows)
        codes[hit] = (entry[hit, 0] & _CODE).astype(np.int64) - 1
        todo = np.flatnonzero(~hit & (entry[:, 0] != 0))
        start[todo] += 1
        window = np.arange(_WINDOW)
        while len(todo):  # displaced tokens: windows of slots along their probe sequences
            at = (start[todo, None] + window) & mask
            entries = np.take(table, at, axis=0)  # (m, window, width)
            rows = np.take(tokens.rows, todo, axis=0)
            same = _match(entries, rows[:, None, :])
            found = same.any(axis=1)
            column = same.argmax(axis=1)
            first = entries[np.arange(len(todo)), column, 0]
            codes[todo[found]] = (first[found] & _CODE).astype(np.int64) - 1
            todo = todo[~found & np.all(entries[:, :, 0] != 0, axis=1)]
            start[todo] += _WINDOW
        return codes

    def add(self, tokens: Tokens) -> I64:
        """Add distinct tokens that are not in the index yet; return their new codes."""
        n = len(tokens)
        codes = np.arange(self.size, self.size + n, dtype=np.int64)
        if self.size + n > len(self._hashes):
            grown = np.zeros(max(2 * len(self._hashes), self.size + n), np.uint64)
            grown[: self.size] = self._hashes[: self.size]
            self._hashes = grown
        self._hashes[codes] = tokens.hashes
        table, bits = self._table
        width = max(table.shape[1], tokens.rows.shape[1])
        if 2 * (self.size + n) > len(table) or width > table.shape[1]:
            table, bits = self._rebuilt(self.size + n, width)
            _place(table, bits, tokens, codes)
            self._table = (table, bits)  # publish
        else:
            _place(table, bits, tokens, codes)
        self.size += n
        return codes

    def find_or_add(self, tokens: Tokens, known: I64 | None = None) -> tuple[I64, I64]:
        """Codes of the tokens, adding new ones; also where each new code was first seen.

        ``known`` may hold codes found beforehand (e.g. by a worker thread), -1 where
        that lookup missed: only those are looked up again.
        """
        if known is None:
            codes = self.find(tokens)
        else:
            codes = known.copy()
            again = np.flatnonzero(codes < 0)
            if len(again):
                codes[again] = self.find(tokens.take(again))
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

    def _rebuilt(self, needed: int, width: int) -> tuple[U64, int]:
        """A larger or wider table holding every entry (not yet published)."""
        table, bits = self._table
        while 2 * needed > (1 << bits):
            bits += 1
        occupied = table[table[:, 0] != 0]
        codes = (occupied[:, 0] & _CODE).astype(np.int64) - 1
        rows = occupied.copy()
        rows[:, 0] = occupied[:, 0] >> _S32
        grown = np.zeros((1 << bits, width), np.uint64)
        _place(grown, bits, Tokens(self._hashes[codes], _widen(rows, width)), codes)
        return grown, bits


def _match(entries: U64, rows: U64) -> Bools:
    """Entries (any leading shape) holding the token rows (broadcast against them)."""
    width = min(entries.shape[-1], rows.shape[-1])
    same: Bools = (entries[..., 0] >> _S32) == rows[..., 0]
    for column in range(1, width):
        same &= entries[..., column] == rows[..., column]
    return same


def _home(h: U64, bits: int) -> I64:
    home: I64 = (h >> np.uint64(64 - bits)).astype(np.int64)
    return home


def _place(table: U64, bits: int, tokens: Tokens, codes: I64) -> None:
    """Write the entries of ``tokens`` into the first free slot of their probe sequences.

    Slots are claimed through the first column alone (one scatter per round); the
    words of the winners follow. A reader meanwhile sees a claimed slot with zero words,
    which matches no token: a miss, never a wrong code.
    """
    mask = (1 << bits) - 1
    words = _widen(tokens.rows, table.shape[1])
    first = (words[:, 0] << _S32) | (codes.astype(np.uint64) + np.uint64(1))
    slot = _home(tokens.hashes, bits)
    placed = np.empty(len(codes), np.int64)
    todo = np.arange(len(codes))
    column = table[:, 0]
    while len(todo):
        at = slot[todo]
        free = column[at] == 0
        claim, at = todo[free], at[free]
        column[at] = first[claim]
        won = column[at] == first[claim]
        placed[claim[won]] = at[won]
        todo = np.concatenate([todo[~free], claim[~won]])
        slot[todo] = (slot[todo] + 1) & mask
    for j in range(1, table.shape[1]):
        table[placed, j] = words[:, j]


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
