"""The compiled sequence reader: `gramfix._native`'s scan, the same `Sequences`.

The compiled scan (`gramfix._native.scan`) cuts and codes the file in one pass; this
module applies the trainer's dict semantics (the last line of a user wins; items only
on overridden lines leave the universe) and fills the hygiene facts, exactly as the
pure readers' `Collector` does. The scan raises its `NeedsExactReader` on the files the
numpy reader also refuses (tabs, non-ASCII, a lone CR, ...): `read_sequences` then
hands them to the exact reader.
"""

from __future__ import annotations

import contextvars
import io
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import StringIndex
from gramfix.engine.tokens import MAX_TOKEN_BYTES
from gramfix.io import early_scan, progress
from gramfix.io.blocks import EXAMPLES, LineExamples
from gramfix.io.sequences.collect import BLOCK_BYTES, Hygiene, PendingKeys, Sequences
from gramfix.model.errors import InputError

if TYPE_CHECKING:
    from gramfix._native.scan import Scanner

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
Bools = npt.NDArray[np.bool_]
U64 = npt.NDArray[np.uint64]

_CHANGED = "the file changed while it was read (read it again once it is written)"


class NativeStringIndex(StringIndex):
    """The universe, looked up in the compiled scan's item table (no second index).

    ``remap`` turns the scan's universe codes into this universe's (-1: dropped) when
    overridden lines took items out of it.
    """

    def __init__(
        self,
        names: list[str],
        scanner: Scanner,
        remap: I64 | None,
        hashed: bool,
        sort_keys: tuple[U64, bool] | None = None,
    ) -> None:
        self.names = names
        self._index = None
        self._remap = None
        self._dict = None
        self._scanner = scanner
        self._native_remap = remap
        self._hashed = hashed
        self._sort_keys = sort_keys

    def sort_keys(self) -> tuple[U64, bool] | None:
        """The sort keys the scan made of the names (`StringIndex.sort_keys`)."""
        return self._sort_keys

    @property
    def hashed(self) -> bool:
        """Whether every name is at most MAX_TOKEN_BYTES long (as `StringIndex` means
        it: lookups of longer strings work too)."""
        return self._hashed

    def lookup(self, strings: Sequence[str]) -> I64:
        codes = self._scanner.lookup(strings)
        if self._native_remap is not None:
            found = codes >= 0
            codes[found] = self._native_remap[codes[found]]
        return codes

    def lookup_short(self, strings: Sequence[str]) -> I64:
        return self.lookup(strings)

    def key_readings(self, keys: list[str], positions: I64) -> tuple[I64, I64, Bools] | None:
        """The compiled `analyse_keys` readings (`StringIndex.key_readings`)."""
        first, second, cut = self._scanner.key_readings(keys, positions)
        if self._native_remap is not None:
            for codes in (first, second):
                found = codes >= 0
                codes[found] = self._native_remap[codes[found]]
        return first, second, cut


def read_compiled(
    path: Path,
    handle: BinaryIO,
    known: PendingKeys,
    size_hint: int,
    block_bytes: int = BLOCK_BYTES,
) -> Sequences:
    """`read_sequences` through the compiled scan (``size_hint``: the file's size, or 0);
    the scan's `NeedsExactReader` when the file needs the exact reader.

    When the keys are still to be read (``known`` holds a function) and the input is a
    file, the scan reads it without the GIL while another thread reads the keys (the
    mapping: orjson holds the GIL throughout); the keys are looked up afterwards.
    """
    from gramfix._native.scan import Scanner

    fd = _descriptor(handle)

    def read_users(offsets: I64) -> list[bytes]:
        return _users_at(handle, offsets)

    begun = early_scan.take(fd) if fd is not None else None
    if begun is not None:  # the command began the scan before its imports (early_scan)
        try:
            keys_read = known.get()  # the mapping, parsed while the scan runs
        finally:
            scanner = begun.wait()
        scan = scanner.finish(keys_read, read_users)
        progress.advance(scan.bytes_read)
    elif known.ready or fd is None:
        scanner = Scanner(known.get(), size_hint)
        while data := handle.read(block_bytes):
            scanner.feed(data)
        scan = scanner.finish(None, read_users)
    else:
        scanner = Scanner(None, size_hint)
        context = contextvars.copy_context()  # the progress display of this thread
        with ThreadPoolExecutor(max_workers=1) as pool:
            keys = pool.submit(context.run, known.get)
            try:
                scanner.scan_file(fd, block_bytes)
            finally:
                keys.result()  # read whatever the scan found, as the pure readers do
        scan = scanner.finish(known.get(), read_users)
        progress.advance(scan.bytes_read)
    if scan.bytes_read == 0:
        raise InputError(path, "the sequence file is empty")
    if fd is not None and os.fstat(fd).st_size != scan.bytes_read:
        raise InputError(path, _CHANGED)  # its lines are read again below, for examples
    hygiene = Hygiene(lines=scan.lines, crlf_lines=scan.crlf_lines)
    hygiene.empty_lines = LineExamples(scan.empty_lines, scan.empty_examples)
    hygiene.no_space_lines = LineExamples(scan.no_space_lines, scan.no_space_examples)
    n_items, numbers = scan.n_items, scan.line_numbers
    if len(n_items) == 0:
        raise InputError(path, "no line of the form 'USER ITEM ...' (not a sequence file)")
    codes: I32 = scan.codes
    if len(codes) == 0:
        raise InputError(path, "no item IDs on any line (not a sequence file)")

    def user_names(positions: I64) -> list[str]:
        return _users_of_lines(path, handle, numbers[positions].tolist())

    names, known_codes, remap = scan.names, scan.known_codes, None
    kept: I64 | None = None
    if scan.keep is not None:  # a user on several lines: the trainer keeps the last
        keep = scan.keep
        overridden = np.flatnonzero(~keep)
        hygiene.overridden_lines.add(numbers[overridden])
        hygiene.overridden_lines.labels = user_names(overridden[:EXAMPLES])
        codes = codes[np.repeat(keep, n_items)]
        present = np.bincount(codes, minlength=len(names)) > 0
        if not present.all():  # items seen only on overridden lines are not items
            new_code = np.cumsum(present) - 1
            remap = np.where(present, new_code, -1)
            codes = new_code[codes].astype(np.int32)
            names = [name for name, p in zip(names, present.tolist(), strict=True) if p]
            if known_codes is not None:
                found = known_codes >= 0
                known_codes[found] = remap[known_codes[found]]
        kept = np.flatnonzero(keep)
    lengths, user_lines = (n_items, numbers) if kept is None else (n_items[kept], numbers[kept])
    short = np.flatnonzero(lengths < 3)
    hygiene.short_users.add(user_lines[short])
    examples = short[:EXAMPLES] if kept is None else kept[short[:EXAMPLES]]
    hygiene.short_users.labels = user_names(examples)
    longest, digits_only, order_keys = scan.longest_name, scan.digits_only, scan.order_keys
    if remap is not None:  # the scan's facts counted the items dropped since: recount
        longest = max(map(len, names), default=0)  # ASCII: characters are bytes
        digits_only = all(map(str.isdigit, names))
        order_keys = order_keys[remap >= 0]
    sort_keys = None
    if longest <= 16:  # longer names need their bytes beyond 16 to be sorted
        sort_keys = (order_keys, digits_only)
    hashed = longest <= MAX_TOKEN_BYTES
    items = NativeStringIndex(names, scanner, remap, hashed, sort_keys)
    return Sequences(
        path=path,
        items=items,
        codes=codes,
        lengths=lengths,
        user_lines=user_lines,
        hygiene=hygiene,
        exact_reader=False,
        known=known.get() if known_codes is not None else None,
        known_codes=known_codes,
    )


def _users_at(handle: BinaryIO, offsets: I64) -> list[bytes]:
    """The users (the bytes before the first space) of the lines starting at
    ``offsets``: only lines whose users share a hash are read again."""
    users = []
    position = handle.tell()
    for offset in offsets.tolist():
        handle.seek(offset)
        user = b""
        while b" " not in user:  # a user line has a space; a user may be long
            chunk = handle.read(256)
            if not chunk:
                break
            user += chunk
        users.append(user.split(b" ", 1)[0])
    handle.seek(position)
    return users


def _descriptor(handle: BinaryIO) -> int | None:
    """The file descriptor of a file on disk (None for a spooled pipe in memory)."""
    try:
        return handle.fileno()
    except (OSError, io.UnsupportedOperation):
        return None


def _users_of_lines(path: Path, handle: BinaryIO, numbers: list[int]) -> list[str]:
    """The user IDs on the lines ``numbers`` (1-based, a handful: the examples of a
    report), found by counting line breaks in a second pass over the file; the scan
    keeps no per-line offsets for them. `InputError` when the file no longer has them
    (it changed since the scan)."""
    wanted = sorted(set(numbers))
    found: dict[int, str] = {}
    position = handle.tell()
    handle.seek(0)
    first = 1  # the line number of the first line in `data`
    carry = b""
    while len(found) < len(wanted):
        block = handle.read(BLOCK_BYTES)
        data = carry + block if block else carry + b"\n"
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        whole, carry = data[: cut + 1], data[cut + 1 :]
        last = first + whole.count(b"\n")  # one past the last line number in `whole`
        start, number = 0, first
        for target in wanted:
            if not first <= target < last:
                continue
            while number < target:
                start = whole.index(b"\n", start) + 1
                number += 1
            line = whole[start : whole.index(b"\n", start)]
            found[target] = line.split(b" ", 1)[0].decode("ascii", "replace")
        first = last
        if not block:
            break
    handle.seek(position)
    if len(found) < len(wanted) or not all(found.values()):  # a user ID is never empty here
        raise InputError(path, _CHANGED)
    return [found[n] for n in numbers]
