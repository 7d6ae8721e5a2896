"""Cutting a block of a sequence file into users and items with numpy (in worker threads).

A block of printable ASCII is cut at its separators. The tidy scan takes what writers
produce (single spaces, LF, no blank lines); the general scan also takes CRLF, blank
lines and runs of spaces. Anything else (tabs, control characters, a lone CR, a line
starting with a space, a token too long to index) is `NeedsExactReader`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import HashIndex
from gramfix.engine.tokens import FRONT, MAX_TOKEN_BYTES, PADDING, Tokens, cut_tokens
from gramfix.io.blocks import NeedsExactReader

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass
class Block:
    offset: int
    data: bytes
    n_lines: int
    user_line: I64  # block-local index of every line with a space
    user_start: I64  # block-local byte offset of those lines
    users: Tokens
    n_items: I64  # items on each of those lines
    item_starts: I64
    item_ends: I64
    items: Tokens
    empty_lines: I64
    no_space_lines: I64
    crlf: int
    known: I64 | None = None  # item codes a worker already found (-1: look again)


def scan_block(offset: int, block: bytes, index: HashIndex | None = None) -> Block:
    """Cut a block into users and items with numpy (runs in worker threads)."""
    buf = np.frombuffer(block, np.uint8)
    if int(buf.max()) > 126:
        raise NeedsExactReader
    sep = np.flatnonzero(buf <= 32)
    sep_byte = buf[sep]
    is_nl = sep_byte == 10
    padded = b"\0" * FRONT + block + b"\0" * PADDING
    block_ = None
    if _tidy(sep, sep_byte, is_nl):
        with contextlib.suppress(NeedsGeneralScan):
            block_ = _scan_tidy(offset, block, padded, sep, is_nl)
    if block_ is None:
        block_ = _scan_any(offset, block, padded, buf, sep, sep_byte, is_nl)
    if index is not None:  # the lookup, off the main thread
        block_.known = index.find(block_.items)
    return block_


def _tidy(sep: I64, sep_byte: npt.NDArray[np.uint8], is_nl: Bools) -> bool:
    """Whether the block is what writers produce: single spaces, LF, no blank lines, no
    leading or trailing spaces (then `_scan_tidy` takes it)."""
    if len(sep) < 2 or sep[0] == 0 or not is_nl[-1]:
        return False
    # No CR or control characters, and never two separators in a row.
    return bool(np.all((sep_byte == 32) | is_nl)) and not np.any(np.diff(sep) < 2)


def _scan_tidy(offset: int, block: bytes, padded: bytes, sep: I64, is_nl: Bools) -> Block:
    starts = np.empty_like(sep)
    starts[0] = 0
    starts[1:] = sep[:-1] + 1
    first = np.empty(len(sep), np.bool_)
    first[0] = True
    first[1:] = is_nl[:-1]
    if np.any(first & is_nl):
        raise NeedsGeneralScan  # a line with a user and nothing else
    user_at = np.flatnonzero(first)
    item_at = np.flatnonzero(~first)
    lengths = sep - starts
    if int(lengths.max()) > MAX_TOKEN_BYTES:
        raise NeedsExactReader
    item_starts, item_ends = starts[item_at], sep[item_at]
    user_start = starts[user_at]
    n_lines = len(user_at)
    no_lines = np.zeros(0, np.int64)
    return Block(
        offset=offset,
        data=block,
        n_lines=n_lines,
        user_line=np.arange(n_lines, dtype=np.int64),
        user_start=user_start,
        users=cut_tokens(padded, user_start, lengths[user_at]),
        n_items=np.diff(user_at, append=len(sep)) - 1,
        item_starts=item_starts,
        item_ends=item_ends,
        items=cut_tokens(padded, item_starts, lengths[item_at]),
        empty_lines=no_lines,
        no_space_lines=no_lines,
        crlf=0,
    )


class NeedsGeneralScan(Exception):
    """The block needs the general numpy scan."""


def _scan_any(
    offset: int,
    block: bytes,
    padded: bytes,
    buf: npt.NDArray[np.uint8],
    sep: I64,
    sep_byte: npt.NDArray[np.uint8],
    is_nl: Bools,
) -> Block:
    """The numpy scan for any printable-ASCII block: CRLF, blank lines, extra spaces."""
    is_cr = sep_byte == 13
    if not np.all(is_nl | is_cr | (sep_byte == 32)):
        raise NeedsExactReader  # tabs or control characters
    crlf = int(np.count_nonzero(is_cr))
    if crlf and not np.all(buf[sep[is_cr] + 1] == 10):
        raise NeedsExactReader  # a lone CR is a line break of its own
    newline_at = sep[is_nl]
    n_lines = len(newline_at)
    line_start = np.concatenate([[0], newline_at[:-1] + 1])
    if np.any(buf[line_start] == 32):
        raise NeedsExactReader  # a line starting with a space has the user ""
    line_of_sep: I64 = np.cumsum(is_nl) - is_nl
    starts = np.concatenate([[0], sep[:-1] + 1])
    nonempty = sep > starts
    starts, ends = starts[nonempty], sep[nonempty]
    token_line = line_of_sep[nonempty]
    ends_on_space = sep_byte[nonempty] == 32
    if len(starts) and int((ends - starts).max()) > MAX_TOKEN_BYTES:
        raise NeedsExactReader
    per_line = np.bincount(token_line, minlength=n_lines)
    first = np.ones(len(starts), np.bool_)
    first[1:] = token_line[1:] != token_line[:-1]
    first_at = np.flatnonzero(first)
    spaced = np.zeros(n_lines, np.bool_)
    spaced[token_line[first_at]] = (per_line[token_line[first_at]] >= 2) | ends_on_space[first_at]
    user_line = np.flatnonzero(spaced)
    item_at = np.flatnonzero(~first)  # lines with >= 2 tokens always have a space
    first_of_line = np.full(n_lines, -1, np.int64)
    first_of_line[token_line[first_at]] = first_at
    user_at = first_of_line[user_line]
    item_starts, item_ends = starts[item_at], ends[item_at]
    return Block(
        offset=offset,
        data=block,
        n_lines=n_lines,
        user_line=user_line,
        user_start=line_start[user_line],
        users=cut_tokens(padded, starts[user_at], ends[user_at] - starts[user_at]),
        n_items=per_line[user_line] - 1,
        item_starts=item_starts,
        item_ends=item_ends,
        items=cut_tokens(padded, item_starts, item_ends - item_starts),
        empty_lines=np.flatnonzero(per_line == 0),
        no_space_lines=np.flatnonzero((per_line >= 1) & ~spaced),
        crlf=crlf,
    )
