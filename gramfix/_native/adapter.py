"""`Sequences` from the compiled scan: the same result as `read_sequences`, faster.

This is the bridge the final wiring will call from the sequence reader (see
docs/native.md): the compiled scan cuts and codes the file, and this module applies
the trainer's dict semantics (the last line of a user wins; items only on overridden
lines leave the universe) and fills the hygiene facts, exactly as the numpy reader's
collector does. Files the scan does not take (tabs, non-ASCII, a lone CR, ...) go to
the line-by-line reader, as with the numpy reader.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import numpy.typing as npt

from gramfix import _native
from gramfix.errors import InputError
from gramfix.hashindex import MAX_TOKEN_BYTES, StringIndex
from gramfix.readers.sequences import (
    EXAMPLES,
    Hygiene,
    LineExamples,
    Sequences,
    _ExactReader,
    _file_size,
    read_sequences,
)
from gramfix.readers.source import describe_os_error, ensure_fits, file_size, open_input

if TYPE_CHECKING:
    from gramfix._native.scan import Scanner

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]

#: Bytes handed to the scan at a time (tests make it tiny: lines then cross blocks).
BLOCK_BYTES = 1 << 20


class NativeStringIndex(StringIndex):
    """The universe, looked up in the compiled scan's item table (no second index).

    ``remap`` turns the scan's universe codes into this universe's (-1: dropped) when
    overridden lines took items out of it.
    """

    def __init__(self, names: list[str], scanner: Scanner, remap: I64 | None, hashed: bool) -> None:
        self.names = names
        self._index = None
        self._remap = None
        self._dict = None
        self._scanner = scanner
        self._native_remap = remap
        self._hashed = hashed

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


def read_sequences_native(path: Path, known: Collection[str] | None = None) -> Sequences:
    """`read_sequences` through the compiled scan when it is available (same result)."""
    if not _native.AVAILABLE:
        return read_sequences(path, known)
    from gramfix._native.scan import NeedsExactReader

    with open_input(path) as handle:
        ensure_fits(path, 0.5 * file_size(path), "reading these sequences")
        try:
            try:
                return _read(path, handle, known)
            except NeedsExactReader:
                handle.seek(0)
                return _ExactReader(path).read(handle)
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None


def _read(path: Path, handle: BinaryIO, known: Collection[str] | None) -> Sequences:
    from gramfix._native.scan import Scanner

    scanner = Scanner(known, _file_size(handle))
    while data := handle.read(BLOCK_BYTES):
        scanner.feed(data)
    scan = scanner.finish()
    if scan.bytes_read == 0:
        raise InputError(path, "the sequence file is empty")
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
        return _users_of_lines(handle, numbers[positions].tolist())

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
    items = NativeStringIndex(names, scanner, remap, scan.longest_name <= MAX_TOKEN_BYTES)
    return Sequences(
        path=path,
        items=items,
        codes=codes,
        lengths=lengths,
        user_lines=user_lines,
        hygiene=hygiene,
        exact_reader=False,
        known=known if known_codes is not None else None,
        known_codes=known_codes,
    )


def _users_of_lines(handle: BinaryIO, numbers: list[int]) -> list[str]:
    """The user IDs on the lines ``numbers`` (1-based, a handful: the examples of a
    report), found by counting line breaks in a second pass over the file; the scan
    keeps no per-line offsets for them."""
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
    return [found[n] for n in numbers]
