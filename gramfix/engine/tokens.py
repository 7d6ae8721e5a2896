"""Tokens as rows of 8-byte words, and the one hash mixing of gramfix.

A Python object per token costs about 2 s per 10 million tokens before any analysis, so
the sequence reader never builds one. It cuts each token out of the file buffer as a
row of 8-byte words (a few vectorised passes) with a 64-bit hash (`mix_words`, which
also hashes the rows of an embedding table); `gramfix.engine.hashindex` turns the rows
into dense item codes.
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
_K2 = np.uint64(0x94D049BB133111EB)
_K3 = np.uint64(0xFF51AFD7ED558CCD)
#: One odd multiplier per word position: the hash must see where a word sits.
_WORD_K = [
    np.uint64(k)
    for k in (
        0xBF58476D1CE4E5B9, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
        0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3, 0x589965CC75374CC3,
    )
]  # fmt: skip
_S29 = np.uint64(29)
_S33 = np.uint64(33)
#: Per count of a word's bytes that belong to its token (0..8): the mask keeping them.
_KEEP = np.array([(1 << (8 * i)) - 1 for i in range(8)] + [(1 << 64) - 1], dtype=np.uint64)

#: Tokens longer than this are not indexed; readers use their exact path instead.
MAX_TOKEN_BYTES = 64
#: Zero bytes a buffer needs before its first token (the length word of a row) and after
#: its last (the widest gather reads MAX_TOKEN_BYTES from a token's start).
FRONT = 8
PADDING = MAX_TOKEN_BYTES


@dataclass(frozen=True)
class Tokens:
    """Tokens cut out of a buffer: the slot hash and the row of each.

    A row is ``[length, word 0, word 1, ...]`` where word ``j`` holds bytes
    ``8j .. 8j + 7`` of the token, zero past its end (rows of one batch share the width
    of its longest token). Equal lengths and equal words therefore mean equal bytes;
    the hash depends on the token alone, never on the width of its batch.
    """

    hashes: U64
    rows: U64  # shape (n, 1 + words)

    def __len__(self) -> int:
        return len(self.hashes)

    def take(self, positions: I64) -> Tokens:
        """The tokens at ``positions``."""
        return Tokens(self.hashes[positions], np.take(self.rows, positions, axis=0))


def cut_tokens(padded: bytes | bytearray, starts: npt.NDArray[np.integer], lengths: I64) -> Tokens:
    """Cut the byte ranges ``[starts, starts + lengths)`` of ``padded``, which holds FRONT
    zero bytes before position 0 and, after its end, as many as the longest range (PADDING
    for tokens of at most MAX_TOKEN_BYTES; `gramfix.engine.spans` cuts longer ones).
    Positions count from the first byte after the front padding."""
    n = len(lengths)
    if n == 0:
        return Tokens(np.zeros(0, np.uint64), np.zeros((0, 2), np.uint64))
    shortest, longest = int(lengths.min()), int(lengths.max())
    n_words = (longest + 7) // 8
    # One fixed-size copy per token: the 8 bytes before it (overwritten by the length)
    # and its words. numpy copies a void item of any size without alignment rules.
    size = 8 * (1 + n_words)
    items = np.ndarray(
        shape=(len(padded) - size + 1,), dtype=f"V{size}", buffer=padded, strides=(1,)
    )
    rows: U64 = items[starts].view("<u8").reshape(n, 1 + n_words)
    rows[:, 0] = lengths
    for j in range(n_words):
        if shortest >= 8 * (j + 1):
            continue  # the word lies inside every token
        column = rows[:, 1 + j]
        if shortest == longest:
            column &= _KEEP[longest - 8 * j]
        else:
            column &= _KEEP[np.clip(lengths - 8 * j, 0, 8)]
    return Tokens(mix_words(rows[:, 1:], rows[:, 0]), rows)


def mix_words(words: U64, lengths: U64) -> U64:
    """The 64-bit hash of each row of 8-byte ``words``, seeded by its length: every word
    is mixed with a multiplier of its position and the results summed, then finalised.

    The one mixing of gramfix: tokens (here) and embedding-table rows
    (`gramfix.checks.table_scan`) alike. A zero word adds zero, so a token hashes alike
    in a batch of any width.
    """
    h: U64 = lengths * _K0
    for j in range(words.shape[1]):
        mixed = words[:, j] * _word_multiplier(j)
        mixed ^= mixed >> _S29
        h += mixed
    h ^= h >> _S33
    h *= _K2
    h ^= h >> _S33
    h *= _K3
    h ^= h >> _S33
    return h


def _word_multiplier(position: int) -> np.uint64:
    """An odd multiplier per word position: the hash must see where a word sits. Tokens
    have at most 8 words; a table row may have more, which take derived multipliers."""
    if position < len(_WORD_K):
        given: np.uint64 = _WORD_K[position]
        return given
    derived = (int(_WORD_K[position % len(_WORD_K)]) * (2 * position + 1)) % (1 << 64)
    multiplier: np.uint64 = np.uint64(derived | 1)
    return multiplier


def pack_strings(strings: Sequence[str]) -> tuple[bytes, I64, I64]:
    """UTF-8 encode ``strings`` into one buffer padded for `cut_tokens`, with the start
    and length of each."""
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    joined = "".join(strings)
    if joined.isascii():  # one C-level encode; characters are bytes
        buffer = joined.encode("ascii")
    else:
        encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        buffer = b"".join(encoded)
    ends = np.cumsum(lengths)
    return b"\0" * FRONT + buffer + b"\0" * PADDING, ends - lengths, lengths


def cut_strings(strings: Sequence[str]) -> tuple[Tokens, Bools]:
    """Cut Python strings as `cut_tokens` cuts the same bytes in a file.

    Also returns which strings could be cut at all (1..MAX_TOKEN_BYTES bytes); the
    returned tokens are those strings only.
    """
    buffer, starts, lengths = pack_strings(strings)
    ok = (lengths >= 1) & (lengths <= MAX_TOKEN_BYTES)
    return cut_tokens(buffer, starts[ok], lengths[ok]), ok
