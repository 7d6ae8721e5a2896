"""What both sequence readers gather, block by block, and the sequences they make of it.

The trainer keeps users in a dict: the last line of a user wins, and items that only
occur on overridden lines are never seen. `Collector.finish` applies that to what
either reader collected.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import StringIndex
from gramfix.io.blocks import EXAMPLES, LineExamples, blocks
from gramfix.model.errors import InputError

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]

#: Bytes read at a time (the fast reader scans up to three blocks ahead in threads).
BLOCK_BYTES = 1 << 20


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


class PendingKeys:
    """The keys to pre-fill a reader with: given, or a function that reads them (the
    mapping), called once, when first needed -- by the compiled reader in a second
    thread while it scans."""

    def __init__(self, known: Collection[str] | Callable[[], Collection[str] | None] | None):
        self._read = known if callable(known) else None
        self._keys: Collection[str] | None = None if callable(known) else known

    @property
    def ready(self) -> bool:
        """Whether the keys are at hand (given, or read already)."""
        return self._read is None

    def get(self) -> Collection[str] | None:
        """The keys, read now if they were not yet."""
        if self._read is not None:
            read, self._read = self._read, None
            self._keys = read()
        return self._keys


def sequence_blocks(path: Path, handle: BinaryIO, size: int) -> Iterator[tuple[int, bytes]]:
    """The blocks of a sequence file (`gramfix.io.blocks.blocks`); an empty file is an
    `InputError` once the blocks run out."""
    empty = True
    for offset, block in blocks(handle, size):
        empty = False
        yield offset, block
    if empty:
        raise InputError(path, "the sequence file is empty")


class Codes:
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


class Collector:
    """What both readers gather block by block, merged into `Sequences` at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.hygiene = Hygiene()
        self.names: list[str] = []
        self.codes: list[I32] = []
        self.codes_buffer: Codes | None = None  # the fast reader's single array
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
        user_codes = concat(self.user_codes, np.int64)
        if len(user_codes) == 0:
            raise InputError(self.path, "no line of the form 'USER ITEM ...' (not a sequence file)")
        n_items = concat(self.n_items, np.int64)
        lines = concat(self.user_lines, np.int64)
        codes = self.codes_buffer.array() if self.codes_buffer else concat(self.codes, np.int32)
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


def concat(parts: list[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _compact(codes: I32, items: StringIndex) -> tuple[I32, StringIndex]:
    """Drop items that only occurred on overridden lines (the trainer never sees them)."""
    present = np.bincount(codes, minlength=len(items)) > 0
    if present.all():
        return codes, items
    new_code = (np.cumsum(present) - 1).astype(np.int32)
    names = [name for name, kept in zip(items.names, present.tolist(), strict=True) if kept]
    return new_code[codes], StringIndex.from_names(names)
