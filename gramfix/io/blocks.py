"""The one block reader every text reader uses: blocks of whole lines, and what readers
record about lines.

A reader asks for a block of bytes at a time and cuts it at the last ``\\n``; the
rest waits for the next read. What waits is kept as a list of the reads it came in and
joined once, when a line ends (or the file does), so a line of any length -- a 50 MB
line without a newline included -- costs one copy, not one per read: reading is linear
in the input. Each reader has a fast numpy path and an exact line-by-line path over the
same blocks; `NeedsExactReader` is how the fast path hands a file over.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]

#: Example lines a finding shows.
EXAMPLES = 5


class NeedsExactReader(Exception):
    """The fast reader cannot take this file; the exact (line-by-line) reader must."""


def blocks(handle: BinaryIO, size: int) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines with their byte offsets, read ``size`` bytes at a time.

    Every block ends with ``\\n`` (one is added to a last line without it); an empty
    file gives no block. Joined, the blocks are the input (plus that newline).
    """
    offset = 0
    pending: list[bytes] = []  # the reads since the last line break, joined once
    while True:
        data = handle.read(size)
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


def slices(data: bytes, starts: I64, ends: I64) -> list[str]:
    """``data[start:end]`` decoded as UTF-8, for each range, in one vectorised gather."""
    if len(starts) == 0:
        return []
    lengths = ends - starts + 1  # each slice and a separating newline
    total = np.cumsum(lengths)
    gather = np.arange(int(total[-1])) + np.repeat(starts - (total - lengths), lengths)
    raw = np.frombuffer(data, np.uint8)
    picked = raw[np.minimum(gather, len(raw) - 1)]
    picked[total - 1] = 10
    text: str = picked.tobytes().decode("utf-8")
    return text.split("\n")[:-1]


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
