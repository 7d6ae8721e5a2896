"""Reading ``item_plain_text.txt``, ``item_generative_indexing_*.txt`` and ``similar_item_*.txt``.

GRAM reads each of them line by line as UTF-8 text with universal newlines and cuts every
line at its first **space**: the ID before it, the rest after it (``line.split(" ", 1)``,
the ``\\n`` removed). A line without a space crashes it (IndexError); a repeated ID keeps
its last line (a dict). Only the similar-items reader skips lines starting with
``anchor`` (its header); it splits the rest on any whitespace into neighbour IDs.

Two readers give the same result: a numpy one for the files pipelines write (no lone CR,
printable ASCII IDs, and for similar items nothing but spaces between IDs), and a
line-by-line one for everything else. Both read the blocks of `gramfix.io.blocks` and
gather into one `_Builder`; neither keeps more than one block of text, and neighbour
IDs are never held one Python string per occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import HashIndex
from gramfix.engine.lexical import LexicalIndex
from gramfix.engine.tokens import FRONT, MAX_TOKEN_BYTES, PADDING, cut_tokens
from gramfix.io.blocks import LineExamples, NeedsExactReader, blocks, slices
from gramfix.io.discover import ItemKind as Kind
from gramfix.io.source import decode_utf8, describe_os_error, open_input, refuse_binary
from gramfix.model.errors import InputError

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

BLOCK_BYTES = 1 << 22
SKIPPED_PREFIX = "anchor"  # similar_item_*.txt: the trainer skips lines starting with it
#: First IDs that are column names, not items or users (compared lower-cased).
HEADER_WORDS = frozenset(
    {
        "anchor",
        "asin",
        "business_id",
        "id",
        "iid",
        "item",
        "item_id",
        "itemid",
        "items",
        "parent_asin",
        "reviewerid",
        "reviewer_id",
        "uid",
        "user",
        "user_id",
        "userid",
        "users",
    }
)
#: Characters that do not belong in an ID: controls (tab included), NBSP and other
#: unusual spaces, zero-width marks and a BOM that is not the file's first character.
ODD_ID_CHARACTER = re.compile(
    "[\x00-\x1f\x7f\x85\xa0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]"
)
_NEWLINES = re.compile("\r\n|\r|\n")


@dataclass
class TextHygiene:
    """Line-level facts about one item file."""

    lines: int = 0
    empty_lines: LineExamples = field(default_factory=LineExamples)
    no_space_lines: LineExamples = field(default_factory=LineExamples)
    crlf_lines: int = 0
    cr_lines: int = 0  # lines ended by a lone CR (old Mac), a line break to the trainer
    bom: bool = False
    skipped_headers: int = 0  # 'anchor ...' lines the similar-items reader skips
    header_lines: LineExamples = field(default_factory=LineExamples)  # read as data; labels
    odd_id_lines: LineExamples = field(default_factory=LineExamples)  # labels: the IDs


@dataclass(frozen=True)
class ItemFile:
    """One item file as the trainer reads it."""

    path: Path
    kind: Kind
    ids: list[str]  # the ID of every line the trainer keeps, in file order
    id_lines: I64  # their 1-based line numbers
    values: list[str] | None  # indexing: each line's lexical ID (the rest of the line)
    neighbours: list[str]  # similar items: distinct neighbour IDs, in order of first sighting
    neighbour_counts: I64  # occurrences of each
    neighbours_per_line: tuple[int, int] | None  # fewest and most neighbours on a line
    hygiene: TextHygiene


def is_header_word(token: str) -> bool:
    """Whether a first ID is a column name such as ``item_id`` or ``user``."""
    return token.lower() in HEADER_WORDS


def read_first_id(path: Path) -> str | None:
    """The text before the first space of the file's first line (for header detection)."""
    with open_input(path) as handle:
        try:
            line = handle.readline(4096)
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None
    text = line.decode("utf-8", "replace").removeprefix("\ufeff")
    text = _NEWLINES.split(text, 1)[0]
    return text.split(" ", 1)[0] if " " in text else None


def read_item_file(path: Path, kind: Kind) -> ItemFile:
    """Read one item file; `InputError` when it is not UTF-8 text."""
    with open_input(path) as handle:
        try:
            try:
                return FastReader(path, kind).read(handle)
            except NeedsExactReader:
                handle.seek(0)
                return ExactReader(path, kind).read(handle)
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None


def read_lexical_index(path: Path) -> LexicalIndex:
    """The `LexicalIndex` of an ``item_generative_indexing_*.txt`` file, as the trainer's
    dict holds it (`InputError` when it cannot be read or names no item)."""
    item_file = read_item_file(path, "indexing")
    assert item_file.values is not None
    table = dict(zip(item_file.ids, item_file.values, strict=True))
    if not table:
        raise InputError(path, "no item line ('ITEM lexical-id') in the indexing file")
    return LexicalIndex(list(table), list(table.values()))


class _Builder:
    """What both readers collect, turned into an `ItemFile` at the end."""

    def __init__(self, path: Path, kind: Kind) -> None:
        self.path = path
        self.kind = kind
        self.hygiene = TextHygiene()
        self.ids: list[str] = []
        self.id_lines: list[I64] = []
        self.values: list[str] | None = [] if kind == "indexing" else None
        self.neighbours: list[str] = []
        self.counts = np.zeros(0, np.int64)
        self.fewest: int | None = None
        self.most: int | None = None

    def add_counts(self, codes: I64) -> None:
        size = max(len(self.neighbours), len(self.counts))
        if size > len(self.counts):
            grown = np.zeros(max(size, 2 * len(self.counts)), np.int64)
            grown[: len(self.counts)] = self.counts
            self.counts = grown
        self.counts[: len(self.neighbours)] += np.bincount(codes, minlength=len(self.neighbours))

    def per_line(self, counts: I64) -> None:
        if len(counts):
            low, high = int(counts.min()), int(counts.max())
            self.fewest = low if self.fewest is None else min(self.fewest, low)
            self.most = high if self.most is None else max(self.most, high)

    def finish(self) -> ItemFile:
        lines = np.concatenate(self.id_lines) if self.id_lines else np.zeros(0, np.int64)
        if len(lines) and lines[0] == 1 and is_header_word(self.ids[0].removeprefix("\ufeff")):
            # A header the trainer reads as an item (only 'anchor' lines are skipped).
            self.hygiene.header_lines.add([1])
            self.hygiene.header_lines.labels = [self.ids[0]]
        per_line = None
        if self.kind == "similar-items" and self.fewest is not None and self.most is not None:
            per_line = (self.fewest, self.most)
        return ItemFile(
            path=self.path,
            kind=self.kind,
            ids=self.ids,
            id_lines=lines.astype(np.int64),
            values=self.values,
            neighbours=self.neighbours,
            neighbour_counts=self.counts[: len(self.neighbours)].copy(),
            neighbours_per_line=per_line,
            hygiene=self.hygiene,
        )


class ExactReader:
    """Line by line in Python: the reference semantics."""

    def __init__(self, path: Path, kind: Kind) -> None:
        self.path = path
        self.kind = kind

    def read(self, handle: BinaryIO) -> ItemFile:
        out = _Builder(self.path, self.kind)
        hy = out.hygiene
        codes: dict[str, int] = {}
        number = 0
        for _, block in blocks(handle, BLOCK_BYTES):
            refuse_binary(self.path, block, number)
            text = decode_utf8(self.path, block, number)
            if number == 0 and text.startswith("\ufeff"):
                hy.bom = True
            hy.crlf_lines += block.count(b"\r\n")
            hy.cr_lines += block.count(b"\r") - block.count(b"\r\n")
            lines = _NEWLINES.split(text)
            lines.pop()  # the block ends with a line break
            numbers: list[int] = []
            occurrences: list[int] = []
            per_line: list[int] = []
            for line in lines:
                number += 1
                if self.kind == "similar-items" and line.startswith(SKIPPED_PREFIX):
                    hy.skipped_headers += 1
                    continue
                if " " not in line:
                    (hy.empty_lines if line == "" else hy.no_space_lines).add([number])
                    continue
                key, rest = line.split(" ", 1)
                out.ids.append(key)
                numbers.append(number)
                shown = key.removeprefix("\ufeff") if number == 1 else key
                if ODD_ID_CHARACTER.search(shown):
                    _add_labelled(hy.odd_id_lines, number, key)
                if out.values is not None:
                    out.values.append(rest)
                if self.kind == "similar-items":
                    neighbours = rest.split()
                    per_line.append(len(neighbours))
                    for neighbour in neighbours:
                        code = codes.setdefault(neighbour, len(codes))
                        if code == len(out.neighbours):
                            out.neighbours.append(neighbour)
                        occurrences.append(code)
            out.id_lines.append(np.array(numbers, np.int64))
            if self.kind == "similar-items":
                out.add_counts(np.array(occurrences, np.int64))
                out.per_line(np.array(per_line, np.int64))
        hy.lines = number
        return out.finish()


def _add_labelled(examples: LineExamples, number: int, label: str) -> None:
    if len(examples.lines) < 5:
        examples.labels.append(label)
    examples.add([number])


class FastReader:
    """numpy over whole blocks, for the files real pipelines write."""

    def __init__(self, path: Path, kind: Kind) -> None:
        self.path = path
        self.kind = kind

    def read(self, handle: BinaryIO) -> ItemFile:
        out = _Builder(self.path, self.kind)
        index = HashIndex() if self.kind == "similar-items" else None
        line_base = 0
        for _, block in blocks(handle, BLOCK_BYTES):
            refuse_binary(self.path, block, line_base)
            line_base += self._block(out, index, block, line_base)
        out.hygiene.lines = line_base
        return out.finish()

    def _block(self, out: _Builder, index: HashIndex | None, block: bytes, line_base: int) -> int:
        hy = out.hygiene
        buf: U8 = np.frombuffer(block, np.uint8)
        if line_base == 0 and block.startswith(b"\xef\xbb\xbf"):
            raise NeedsExactReader  # the BOM stays in the first ID: the exact reader shows it
        ascii_only = int(buf.max()) < 128
        if not ascii_only:
            decode_utf8(self.path, block, line_base)  # only to refuse what is not UTF-8
        newline = np.flatnonzero(buf == 10)
        starts = np.concatenate([[0], newline[:-1] + 1]).astype(np.int64)
        ends = newline.astype(np.int64)
        n_lines = len(ends)
        cr = np.flatnonzero(buf == 13)
        crlf = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13)
        if len(cr) != int(crlf.sum()):
            raise NeedsExactReader  # a lone CR is a line break of its own
        ends = ends - crlf
        hy.crlf_lines += int(crlf.sum())
        spaces = np.flatnonzero(buf == 32)
        at = np.searchsorted(spaces, starts)
        first_space = np.append(spaces, len(buf))[at]
        has_space = first_space < ends
        data = has_space.copy()
        if self.kind == "similar-items":
            skipped = _starts_with(buf, starts, ends, SKIPPED_PREFIX.encode())
            hy.skipped_headers += int(skipped.sum())
            data &= ~skipped
        else:
            skipped = np.zeros(n_lines, np.bool_)
        empty = ~skipped & (starts == ends)
        hy.empty_lines.add(np.flatnonzero(empty) + line_base + 1)
        hy.no_space_lines.add(np.flatnonzero(~skipped & ~empty & ~has_space) + line_base + 1)
        # Bytes that are not printable ASCII: none may fall inside an ID (the exact reader
        # then names them), nor anywhere on a similar-items line (it splits on them).
        odd = np.flatnonzero((buf < 33) | (buf > 126))
        odd = odd[(buf[odd] != 10) & (buf[odd] != 13) & (buf[odd] != 32)]
        if len(odd):
            line_of = np.searchsorted(starts, odd, side="right") - 1
            inside = data[line_of]
            if self.kind != "similar-items":
                inside &= odd < first_space[line_of]
            if inside.any():
                raise NeedsExactReader
        rows = np.flatnonzero(data)
        out.id_lines.append(rows + line_base + 1)
        out.ids.extend(slices(block, starts[rows], first_space[rows]))
        if out.values is not None:
            out.values.extend(slices(block, first_space[rows] + 1, ends[rows]))
        if index is not None:
            self._neighbours(out, index, block, buf, starts, first_space, data)
        return n_lines

    def _neighbours(
        self,
        out: _Builder,
        index: HashIndex,
        block: bytes,
        buf: U8,
        starts: I64,
        first_space: I64,
        data: npt.NDArray[np.bool_],
    ) -> None:
        """Neighbour IDs: runs of non-space bytes after the first space of data lines."""
        word = (buf != 32) & (buf != 10) & (buf != 13)
        edge = np.diff(np.concatenate([[False], word, [False]]).astype(np.int8))
        token_start = np.flatnonzero(edge == 1)
        token_end = np.flatnonzero(edge == -1)
        line_of = np.searchsorted(starts, token_start, side="right") - 1
        keep = data[line_of] & (token_start > first_space[line_of])
        token_start, token_end, line_of = token_start[keep], token_end[keep], line_of[keep]
        out.per_line(np.bincount(line_of, minlength=len(starts))[data])
        if len(token_start) == 0:
            return
        if int((token_end - token_start).max()) > MAX_TOKEN_BYTES:
            raise NeedsExactReader
        padded = b"\0" * FRONT + block + b"\0" * PADDING
        tokens = cut_tokens(padded, token_start, token_end - token_start)
        codes, new = index.find_or_add(tokens)
        out.neighbours.extend(slices(block, token_start[new], token_end[new]))
        out.add_counts(codes)


def _starts_with(buf: U8, starts: I64, ends: I64, prefix: bytes) -> npt.NDArray[np.bool_]:
    """Per line: whether it starts with ``prefix``."""
    result = ends - starts >= len(prefix)
    for offset, byte in enumerate(prefix):
        at = np.minimum(starts + offset, len(buf) - 1)
        result &= buf[at] == byte
    return result
