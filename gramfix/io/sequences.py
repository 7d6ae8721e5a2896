"""Reading ``user_sequence.txt`` exactly as the GRAM trainer reads it.

The trainer opens the file as UTF-8 text (universal newlines), cuts every line at its
first space (user before, items = ``rest.split()``) and stores users in a dict, so:

* a line without a space, the empty line included, makes it crash (`IndexError`);
* a user on several lines: the last line silently wins;
* items are split on any whitespace, the user only on a real space.

Two readers give the same result. The fast one works on the bytes with numpy and takes
the files real pipelines write (printable ASCII, spaces, ``\\n`` or ``\\r\\n``); the exact
one goes line by line in Python and takes everything else (tabs, non-ASCII, NBSP, BOM).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import (
    FRONT,
    MAX_TOKEN_BYTES,
    PADDING,
    HashIndex,
    StringIndex,
    Tokens,
    cut_strings,
    cut_tokens,
)
from gramfix.io.source import (
    decode_utf8,
    describe_os_error,
    ensure_fits,
    file_size,
    open_input,
    refuse_binary,
)
from gramfix.model.errors import InputError

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
Bools = npt.NDArray[np.bool_]
U64 = npt.NDArray[np.uint64]

BLOCK_BYTES = 1 << 20
EXAMPLES = 5
#: Whitespace that ``str.split()`` splits items on but a GRAM writer never uses (no tab,
#: listed apart, and no CR, which universal newlines turn into a line break).
_ODD_SPACE = re.compile(
    "[\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


@dataclass
class LineExamples:
    """How many lines have a property, and the first few of them (1-based numbers)."""

    count: int = 0
    lines: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # e.g. the user of each example line

    def add(self, numbers: I64 | list[int]) -> None:
        """Record lines (in file order)."""
        self.count += len(numbers)
        room = EXAMPLES - len(self.lines)
        if room > 0:
            self.lines.extend(int(n) for n in numbers[:room])


@dataclass
class Hygiene:
    """Line-level facts about the sequence file that the trainer trips on or hides."""

    lines: int = 0
    empty_lines: LineExamples = field(default_factory=LineExamples)
    no_space_lines: LineExamples = field(default_factory=LineExamples)
    overridden_lines: LineExamples = field(default_factory=LineExamples)  # labels: users
    short_users: LineExamples = field(default_factory=LineExamples)  # < 3 items; labels: users
    crlf_lines: int = 0
    cr_lines: int = 0  # lines ending in a lone CR (old Mac), a line break to the trainer
    bom: bool = False
    tab_lines: LineExamples = field(default_factory=LineExamples)
    odd_space_lines: LineExamples = field(default_factory=LineExamples)


@dataclass(frozen=True)
class Sequences:
    """The user sequences as the trainer keeps them (one line per user, the last)."""

    path: Path
    items: StringIndex  # the universe: distinct item IDs, code = position
    codes: I32  # item code of every interaction, user after user
    lengths: I64  # items of each kept user, in the same order
    user_lines: I64  # 1-based line number of each kept user
    hygiene: Hygiene
    exact_reader: bool  # True when the line-by-line reader was needed
    #: The mapping keys the item index was pre-filled with (the very object given to
    #: `read_sequences`), and the universe code of each (-1: not an item).
    known: Collection[str] | None = None
    known_codes: I64 | None = None

    @property
    def interactions(self) -> int:
        return len(self.codes)

    def codes_of(self, keys: Collection[str]) -> I64 | None:
        """Universe code of every key when ``keys`` is what the index was filled with."""
        return self.known_codes if keys is self.known else None


class _NotSimple(Exception):
    """The fast reader cannot take this file; the exact reader must."""


def read_sequences(path: Path, known: Collection[str] | None = None) -> Sequences:
    """Read a sequence file; `InputError` when it is not a readable sequence file.

    ``known`` (the mapping's keys, when there is a mapping) pre-fills the item index:
    most tokens then find their item at once instead of being added one block at a
    time, and the universe code of every key comes out of the read for free
    (`Sequences.codes_of`). The result is the same with or without it.
    """
    # Streamed: what stays is an int32 code per interaction (~11 bytes of text each)
    # plus the per-item index; half the file size is a safe upper bound.
    with open_input(path) as handle:
        ensure_fits(path, 0.5 * file_size(path), "reading these sequences")
        try:  # a read can fail in either reader, and in the rewind between them
            try:
                return _FastReader(path, known).read(handle)
            except _NotSimple:
                handle.seek(0)
                return _ExactReader(path).read(handle)
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None


def _blocks(path: Path, handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines with their offsets; the last line always ends in ``\\n``."""
    offset = 0
    pending: list[bytes] = []
    while True:
        data = handle.read(BLOCK_BYTES)
        if not data:
            break
        cut = data.rfind(b"\n")
        if cut < 0:
            pending.append(data)
            continue
        block = b"".join([*pending, data[: cut + 1]])
        pending = [data[cut + 1 :]]
        yield offset, block
        offset += len(block)
    rest = b"".join(pending)
    if rest:
        yield offset, rest + b"\n"
    if offset == 0 and not rest:
        raise InputError(path, "the sequence file is empty")


@dataclass
class _Block:
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


def _scan(offset: int, block: bytes, index: HashIndex | None = None) -> _Block:
    """Cut a block into users and items with numpy (runs in worker threads)."""
    buf = np.frombuffer(block, np.uint8)
    if int(buf.max()) > 126:
        raise _NotSimple
    sep = np.flatnonzero(buf <= 32)
    sep_byte = buf[sep]
    is_nl = sep_byte == 10
    padded = b"\0" * FRONT + block + b"\0" * PADDING
    block_ = None
    if _tidy(sep, sep_byte, is_nl):
        with contextlib.suppress(_NotTidy):
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


def _scan_tidy(offset: int, block: bytes, padded: bytes, sep: I64, is_nl: Bools) -> _Block:
    starts = np.empty_like(sep)
    starts[0] = 0
    starts[1:] = sep[:-1] + 1
    first = np.empty(len(sep), np.bool_)
    first[0] = True
    first[1:] = is_nl[:-1]
    if np.any(first & is_nl):
        raise _NotTidy  # a line with a user and nothing else
    user_at = np.flatnonzero(first)
    item_at = np.flatnonzero(~first)
    lengths = sep - starts
    if int(lengths.max()) > MAX_TOKEN_BYTES:
        raise _NotSimple
    item_starts, item_ends = starts[item_at], sep[item_at]
    user_start = starts[user_at]
    n_lines = len(user_at)
    no_lines = np.zeros(0, np.int64)
    return _Block(
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


class _NotTidy(Exception):
    """The block needs the general numpy scan."""


def _scan_any(
    offset: int,
    block: bytes,
    padded: bytes,
    buf: npt.NDArray[np.uint8],
    sep: I64,
    sep_byte: npt.NDArray[np.uint8],
    is_nl: Bools,
) -> _Block:
    """The numpy scan for any printable-ASCII block: CRLF, blank lines, extra spaces."""
    is_cr = sep_byte == 13
    if not np.all(is_nl | is_cr | (sep_byte == 32)):
        raise _NotSimple  # tabs or control characters
    crlf = int(np.count_nonzero(is_cr))
    if crlf and not np.all(buf[sep[is_cr] + 1] == 10):
        raise _NotSimple  # a lone CR is a line break of its own
    newline_at = sep[is_nl]
    n_lines = len(newline_at)
    line_start = np.concatenate([[0], newline_at[:-1] + 1])
    if np.any(buf[line_start] == 32):
        raise _NotSimple  # a line starting with a space has the user ""
    line_of_sep: I64 = np.cumsum(is_nl) - is_nl
    starts = np.concatenate([[0], sep[:-1] + 1])
    nonempty = sep > starts
    starts, ends = starts[nonempty], sep[nonempty]
    token_line = line_of_sep[nonempty]
    ends_on_space = sep_byte[nonempty] == 32
    if len(starts) and int((ends - starts).max()) > MAX_TOKEN_BYTES:
        raise _NotSimple
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
    return _Block(
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


class _Collector:
    """What both readers gather block by block, merged into `Sequences` at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.hygiene = Hygiene()
        self.names: list[str] = []
        self.codes: list[I32] = []
        self.codes_buffer: _Codes | None = None  # the fast reader's single array
        self.n_items: list[I64] = []
        self.user_codes: list[I64] = []
        self.user_lines: list[I64] = []
        self.n_users = 0

    def finish(
        self,
        items: StringIndex,
        exact_reader: bool,
        user_names: Callable[[I64], list[str]],
        known: Collection[str] | None = None,
        known_codes: I64 | None = None,
    ) -> Sequences:
        """Apply the trainer's dict semantics and return the sequences.

        ``user_names`` gives the user IDs of some user lines (positions in file order),
        for the few examples a report shows.
        """
        user_codes = _concat(self.user_codes, np.int64)
        if len(user_codes) == 0:
            raise InputError(self.path, "no line of the form 'USER ITEM ...' (not a sequence file)")
        n_items = _concat(self.n_items, np.int64)
        lines = _concat(self.user_lines, np.int64)
        codes = self.codes_buffer.array() if self.codes_buffer else _concat(self.codes, np.int32)
        if len(codes) == 0:
            raise InputError(self.path, "no item IDs on any line (not a sequence file)")
        keep = np.ones(len(user_codes), np.bool_)
        if self.n_users < len(user_codes):  # a user on several lines: the last one wins
            position = np.arange(len(user_codes))
            last = np.full(self.n_users, -1, np.int64)
            np.maximum.at(last, user_codes, position)
            keep = last[user_codes] == position
            overridden = np.flatnonzero(~keep)
            self.hygiene.overridden_lines.add(lines[overridden])
            self.hygiene.overridden_lines.labels = user_names(overridden[:EXAMPLES])
            codes = codes[np.repeat(keep, n_items)]
            codes, compacted = _compact(codes, items)
            if compacted is not items:
                items, known_codes = compacted, None  # keys are looked up again
        kept = np.flatnonzero(keep)
        short = kept[n_items[kept] < 3]
        self.hygiene.short_users.add(lines[short])
        self.hygiene.short_users.labels = user_names(short[:EXAMPLES])
        return Sequences(
            path=self.path,
            items=items,
            codes=codes,
            lengths=n_items[kept],
            user_lines=lines[kept],
            hygiene=self.hygiene,
            exact_reader=exact_reader,
            known=known if known_codes is not None else None,
            known_codes=known_codes,
        )


def _concat(parts: list[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _compact(codes: I32, items: StringIndex) -> tuple[I32, StringIndex]:
    """Drop items that only occurred on overridden lines (the trainer never sees them)."""
    present = np.bincount(codes, minlength=len(items)) > 0
    if present.all():
        return codes, items
    new_code = (np.cumsum(present) - 1).astype(np.int32)
    names = [name for name, kept in zip(items.names, present.tolist(), strict=True) if kept]
    return new_code[codes], StringIndex.from_names(names)


class _FastReader:
    def __init__(self, path: Path, known: Collection[str] | None = None) -> None:
        self.path = path
        self.known = known

    def read(self, handle: BinaryIO) -> Sequences:
        out = _Collector(self.path)
        hy = out.hygiene
        item_index = HashIndex()
        seeded, seed_at = self._seed(item_index)
        extra: list[str] = []  # names of the items added while reading, in code order
        universe = _Universe()
        codes_out = out.codes_buffer = _Codes(_file_size(handle))
        user_hashes: list[U64] = []
        line_starts: list[I64] = []
        line_base = 0
        with ThreadPoolExecutor(max_workers=2) as pool:
            for block in _pipelined(pool, self.path, handle, item_index):
                hy.empty_lines.add(block.empty_lines + line_base + 1)
                hy.no_space_lines.add(block.no_space_lines + line_base + 1)
                hy.crlf_lines += block.crlf
                codes, new = item_index.find_or_add(block.items, block.known)
                if len(new):
                    extra.extend(_slices(block.data, block.item_starts[new], block.item_ends[new]))
                codes_out.append(universe.codes(codes, item_index.size))
                user_hashes.append(block.users.hashes)
                out.n_items.append(block.n_items)
                out.user_lines.append(block.user_line + line_base + 1)
                line_starts.append(block.user_start + block.offset)
                line_base += block.n_lines
        hy.lines = line_base
        starts = _concat(line_starts, np.int64)

        def user_names(positions: I64) -> list[str]:
            return _read_users(handle, starts[positions])

        user_codes, out.n_users = _user_codes(_concat(user_hashes, np.uint64), user_names)
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


def _file_size(handle: BinaryIO) -> int:
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return 0


class _Codes:
    """The item codes of all interactions in one array, written block by block.

    An interaction takes at least two bytes of the file (an ID byte and a separator),
    so half the file size bounds their number. The array is allocated at that bound
    but only the pages written are ever touched: resident memory is four bytes per
    interaction, without the transient copy that joining per-block arrays would cost.
    """

    def __init__(self, file_size: int) -> None:
        self._array: I32 = np.empty(max(file_size // 2 + 1, 1 << 16), np.int32)
        self.size = 0

    def append(self, codes: I32) -> None:
        end = self.size + len(codes)
        if end > len(self._array):  # the file grew while being read
            grown = np.empty(2 * end, np.int32)
            grown[: self.size] = self._array[: self.size]
            self._array = grown
        self._array[self.size : end] = codes
        self.size = end

    def array(self) -> I32:
        return self._array[: self.size]


class _Universe:
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
        order: I64 = _concat(self._order, np.int64)
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


def _slices(data: bytes, starts: I64, ends: I64) -> list[str]:
    """``data[start:end]`` for each range, decoded, in one vectorised gather."""
    if len(starts) == 0:
        return []
    lengths = ends - starts + 1  # each slice and a newline
    total = np.cumsum(lengths)
    gather = np.arange(int(total[-1])) + np.repeat(starts - (total - lengths), lengths)
    gather[total - 1] = len(data) - 1  # every block ends with a newline
    text: str = np.frombuffer(data, np.uint8)[gather].tobytes().decode("ascii")
    return text.split("\n")[:-1]


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
    pool: ThreadPoolExecutor, path: Path, handle: BinaryIO, index: HashIndex
) -> Iterator[_Block]:
    """Scan blocks in worker threads, at most three ahead, yielding them in order.

    Workers also look the items up in ``index`` while this thread adds to it (see
    `HashIndex` for why that is safe); this thread only settles what they missed.
    """
    ahead: list[Future[_Block]] = []
    line_base = 0
    try:
        for offset, block in _blocks(path, handle):
            refuse_binary(path, block, line_base)
            line_base += block.count(b"\n")
            ahead.append(pool.submit(_scan, offset, block, index))
            if len(ahead) >= 3:
                yield ahead.pop(0).result()
        while ahead:
            yield ahead.pop(0).result()
    finally:
        for future in ahead:
            future.cancel()


class _ExactReader:
    """Line by line in Python: the reference semantics, for files the fast path refuses."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, handle: BinaryIO) -> Sequences:
        out = _Collector(self.path)
        hy = out.hygiene
        item_codes: dict[str, int] = {}
        user_codes: dict[str, int] = {}
        user_of_line: list[str] = []
        number = 0
        for offset, block in _blocks(self.path, handle):
            refuse_binary(self.path, block, number)
            text = decode_utf8(self.path, block, number)
            if offset == 0 and text.startswith("\ufeff"):
                hy.bom = True
            hy.crlf_lines += block.count(b"\r\n")
            hy.cr_lines += block.count(b"\r") - block.count(b"\r\n")
            codes: list[int] = []
            n_items: list[int] = []
            users: list[int] = []
            user_lines: list[int] = []
            for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:-1]:
                number += 1
                if "\t" in line:
                    hy.tab_lines.add([number])
                if _ODD_SPACE.search(line):
                    hy.odd_space_lines.add([number])
                if " " not in line:
                    (hy.empty_lines if line == "" else hy.no_space_lines).add([number])
                    continue
                user, rest = line.split(" ", 1)
                items = rest.split()
                users.append(user_codes.setdefault(user, len(user_codes)))
                user_of_line.append(user)
                for item in items:
                    code = item_codes.setdefault(item, len(item_codes))
                    if code == len(out.names):
                        out.names.append(item)
                    codes.append(code)
                n_items.append(len(items))
                user_lines.append(number)
            out.codes.append(np.array(codes, np.int32))
            out.n_items.append(np.array(n_items, np.int64))
            out.user_codes.append(np.array(users, np.int64))
            out.user_lines.append(np.array(user_lines, np.int64))
        hy.lines = number
        out.n_users = len(user_codes)

        def user_names(positions: I64) -> list[str]:
            return [user_of_line[p] for p in positions.tolist()]

        return out.finish(StringIndex.from_names(out.names), True, user_names)
