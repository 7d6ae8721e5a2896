"""The exact sequence reader: line by line in Python, the trainer's own semantics.

It takes every file the fast reader refuses: tabs, non-ASCII, NBSP, a BOM, a lone CR.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import StringIndex
from gramfix.io.sequences.collect import BLOCK_BYTES, Collector, Sequences, sequence_blocks
from gramfix.io.source import decode_utf8, refuse_binary

I64 = npt.NDArray[np.int64]

#: Whitespace that ``str.split()`` splits items on but a GRAM writer never uses (no tab,
#: listed apart, and no CR, which universal newlines turn into a line break).
_ODD_SPACE = re.compile(
    "[\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


class ExactReader:
    """Line by line in Python: the reference semantics, for files the fast path refuses."""

    def __init__(self, path: Path, block_bytes: int = BLOCK_BYTES) -> None:
        self.path = path
        self.block_bytes = block_bytes

    def read(self, handle: BinaryIO) -> Sequences:
        out = Collector(self.path)
        hy = out.hygiene
        item_codes: dict[str, int] = {}
        user_codes: dict[str, int] = {}
        user_of_line: list[str] = []
        number = 0
        for offset, block in sequence_blocks(self.path, handle, self.block_bytes):
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
