"""Each user's evaluation target, from ``user_sequence.txt``, as GRAM's test loader sets it.

GRAM reads the file as UTF-8 text with universal newlines, cuts each line at its first
space (user before, items = ``rest.split()``) and keeps the last line of a user. Leave
one out: the test target is ``items[-1]``, the validation target ``items[-2]``; both are
read, so an audit can tell a file of the other split from golds that are simply wrong. The
sequence checks of ``gramfix check`` judge the file itself; this reader only needs the
targets, so lines GRAM would crash on (no space) simply give no target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gramfix.io.blocks import blocks
from gramfix.io.source import decode_utf8, describe_os_error, open_input, refuse_binary
from gramfix.model.errors import InputError
from gramfix.model.option_types import SPLITS, Split

__all__ = ["SPLITS", "Split", "Targets", "read_targets"]

BLOCK_BYTES = 1 << 22
_NEWLINE = re.compile("\r\n|\r|\n")


@dataclass(frozen=True)
class Targets:
    """``{user: target item}`` of the split, and of the other split (``other``); None for
    a user with too few items for that split."""

    path: Path
    split: Split
    target: dict[str, str | None]
    other: dict[str, str | None]


def read_targets(path: Path, split: Split = "test") -> Targets:
    """The target of every user of a sequence file; `InputError` when it is unreadable."""
    positions = (-1, -2) if split == "test" else (-2, -1)
    target: dict[str, str | None] = {}
    other: dict[str, str | None] = {}
    lines = 0  # lines before the block
    with open_input(path) as handle:
        try:
            for _, block in blocks(handle, BLOCK_BYTES):  # whole lines, the last one ended
                refuse_binary(path, block, lines)
                for line in _NEWLINE.split(decode_utf8(path, block, lines))[:-1]:
                    _add((target, other), line, positions)
                lines += block.count(b"\n")
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None
    return Targets(path, split, target, other)


def _add(into: tuple[dict[str, str | None], ...], line: str, positions: tuple[int, ...]) -> None:
    if " " not in line:
        return
    user, rest = line.split(" ", 1)
    items = rest.split()
    for found, position in zip(into, positions, strict=True):
        found[user] = items[position] if len(items) >= -position else None
