"""Exact string-to-code index on numpy: the engine that lets gramfix read 10^8 tokens.

The tokens (`gramfix.engine.tokens`) go into an open-addressing table kept in numpy
arrays, which turns them into dense item codes. The index is exact, not probabilistic:
a 64-bit hash only chooses the slot, and a token matches an entry only when its row --
its length and every word of its bytes -- is equal to the row of the entry's first
token, i.e. when the bytes are equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from gramfix.engine.tokens import MAX_TOKEN_BYTES, Tokens, cut_strings

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def _entry_width(words: int) -> int:
    """Columns of a table whose tokens have up to ``words`` words: 1 + words, rounded up
    to a power of two (16, 32, 64 or 128-byte entries take numpy's fast copy path)."""
    width = 2
    while width < 1 + words:
        width *= 2
    return width


def _widen(rows: U64, width: int) -> U64:
    """Rows with more word columns, the new ones zero (as in a wider batch)."""
    if rows.shape[1] >= width:
        return rows
    wide = np.zeros((len(rows), width), np.uint64)
    wide[:, : rows.shape[1]] = rows
    return wide


def _same(stored: U64, rows: U64) -> Bools:
    """Row equality on the common columns (equal lengths imply equal widths)."""
    width = min(stored.shape[1], rows.shape[1])
    same: Bools = stored[:, 0] == rows[:, 0]
    for column in range(1, width):
        same &= stored[:, column] == rows[:, column]
    return same


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
        self._table = (np.zeros((1 << bits, 4), np.uint64), bits)  # replaced as a whole
        self._hashes = np.zeros(1024, np.uint64)  # per code, to re-place on growth
        self.size = 0

    def find(self, tokens: Tokens) -> I64:
        """Code of each token, -1 where absent (safe while another thread adds)."""
        table, bits = self._table
        n = len(tokens)
        if self.size == 0 or n == 0:
            return np.full(n, -1, np.int64)
        mask = (1 << bits) - 1
        slot = _home(tokens.hashes, bits)
        # Entries of 2, 4, 8 or 16 words take numpy's fast fixed-size copy (one cache line
        # for the usual 10-byte IDs); most tokens are settled by their home slot.
        entry = np.take(table, slot, axis=0, mode="clip")
        head = entry[:, 0]
        hit = _match(entry, tokens.rows)
        codes = np.where(hit, (head & _CODE).astype(np.int64) - 1, -1)
        todo = np.flatnonzero(~hit & (head != 0))  # an empty slot ends a probe: absent
        slot = (slot[todo] + 1) & mask
        rows = tokens.rows[todo]
        while len(todo):  # the displaced few: one slot further per round
            entry = np.take(table, slot, axis=0, mode="clip")
            hit = _match(entry, rows)
            codes[todo[hit]] = (entry[hit, 0] & _CODE).astype(np.int64) - 1
            go_on = ~hit & (entry[:, 0] != 0)
            todo, slot, rows = todo[go_on], (slot[go_on] + 1) & mask, rows[go_on]
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
        width = max(table.shape[1], _entry_width(tokens.rows.shape[1] - 1))
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
    names (rare: only the exact per-line reader produces them) uses a plain dict. The
    hash index may hold more strings than the names, under other codes: ``remap`` then
    turns its codes into name positions (-1 for strings that are not names).
    """

    def __init__(self, names: list[str], index: HashIndex | None, remap: I64 | None = None) -> None:
        self.names = names
        self._index = index
        self._remap = remap
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

    @property
    def hashed(self) -> bool:
        """Whether every name is in the hash index (1..MAX_TOKEN_BYTES bytes each)."""
        return self._index is not None

    def lookup(self, strings: Sequence[str]) -> I64:
        """Code of each string, -1 for strings not in the index."""
        if self._dict is not None:
            get = self._dict.get
            return np.fromiter((get(s, -1) for s in strings), np.int64, count=len(strings))
        codes = np.full(len(strings), -1, np.int64)
        if len(strings) == 0 or self._index is None:
            return codes
        # Only strings of at most MAX_TOKEN_BYTES characters can be names: never pack
        # the long ones (whole metadata lines as keys are hundreds of bytes each).
        chars = np.fromiter(map(len, strings), np.int64, count=len(strings))
        short = (chars >= 1) & (chars <= MAX_TOKEN_BYTES)
        if not short.all():
            at = np.flatnonzero(short)
            codes[at] = self.lookup_short([strings[i] for i in at.tolist()])
            return codes
        return self.lookup_short(strings)

    def sort_keys(self) -> tuple[U64, bool] | None:
        """The names' sort keys made by the compiled scan (rows of two big-endian words,
        and whether every name is a number), or None: make them from the names."""
        return None

    def key_readings(self, keys: list[str], positions: I64) -> tuple[I64, I64, Bools] | None:
        """A compiled universe's lookup of the two readings `analyse_keys` makes of each
        key at ``positions`` (first, second, cut; -2 in first: not read here), or None:
        this index has no compiled form, and `analyse_keys` reads them in Python."""
        return None

    def lookup_short(self, strings: Sequence[str]) -> I64:
        assert self._index is not None
        codes = np.full(len(strings), -1, np.int64)
        tokens, ok = cut_strings(strings)
        found = self._index.find(tokens)
        if self._remap is not None:
            found = np.where(found >= 0, self._remap[np.maximum(found, 0)], -1)
        codes[ok] = found
        return codes
