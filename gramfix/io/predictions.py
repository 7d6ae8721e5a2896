"""Reading the prediction files GRAM's ``--save_predictions 1`` writes.

What GRAM writes (skleee/GRAM ``src/runner/distributed_runner_gram.py``): a header line
``idx<TAB>H@5<TAB>H@10<TAB>NDCG@5<TAB>NDCG@10<TAB>gold<TAB>pred<TAB>scores``, then one line
per test batch: the batch's first user, four metric values (``str`` of a numpy float64:
``1.0``, ``0.6309297535714574``), the decoded gold, the decoded predictions joined by
``||`` in beam order, and their beam scores (``str`` of a numpy float32: ``-0.0123``,
``-1.2345678e-05``) joined the same way. Predictions contain spaces and may be empty;
there is no quoting. The merged ``..._all.tsv`` ends with one ``name: value`` line per
metric, the value printed by torch (``tensor(0.0741, device='cuda:0',
dtype=torch.float64)``) or as a plain float; a per-rank file has no such lines, and a rank
without test users writes the header alone.

Two readers give the same rows (`gramfix.engine.prediction_rows`). `PredictionFile.rows`
goes line by line in Python and yields typed rows: it is the reference, and every error
message comes from it. `PredictionFile.blocks` cuts whole blocks of lines into columns
with `gramfix.engine.prediction_columns` (spans into the block's bytes, parsed numbers)
and hands the rest of a block to the line reader from the first line it does not take
(a trailing total, a CR, a malformed row), so odd input costs speed, never meaning.
Neither keeps more than one block of text.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np

from gramfix.engine.prediction_columns import parse_chunk
from gramfix.engine.prediction_rows import (
    COLUMNS,
    HEADER,
    PADDING,
    SEPARATOR,
    Chunk,
    PredictionRow,
    ReportedTotal,
    RowBlock,
    pack,
)
from gramfix.engine.tokens import FRONT
from gramfix.io import progress
from gramfix.io.source import decode_utf8, describe_os_error, open_input, refuse_binary
from gramfix.model.errors import InputError

#: 2 MiB: each block's temporary arrays then stay under glibc's trim threshold. With
#: 4 MiB blocks malloc gave the memory back to the kernel after every block and faulted
#: it in again: 600,000 page faults and a quarter of the CPU for a million users
#: (benchmarks/eval.py; 1 MiB blocks cost more in per-block overhead).
BLOCK_BYTES = 1 << 21
#: Buffers kept for reuse by `PredictionFile.recycle`.
RECYCLED = 8
#: A line longer than this is not a prediction row (a batch of 1000 users x 50
#: predictions is about 3 MB); refusing it bounds the memory a file without line breaks
#: can take.
MAX_LINE_BYTES = 1 << 28

_TOTAL = re.compile(r"([^\s:]+)\s*:\s*(.*?)\s*")
_TENSOR = re.compile(r"tensor\(\s*([^\s,()]+)\s*(?:,[^()]*(?:\([^()]*\))?[^()]*)?\)")


class PredictionFile:
    """A prediction file, read in one pass; `totals` once the pass has finished.

    `rows` and `blocks` read it alone. A caller that parses in worker threads takes
    `chunks`, runs `parse_chunk` on each wherever it likes, and hands every result to
    `settle`, in file order: the line reader is stateful (the trailing totals end the
    rows), so it runs there.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._totals: list[ReportedTotal] = []
        self._free: list[bytearray] = []  # buffers of settled chunks, for later blocks

    def recycle(self, chunk: Chunk) -> None:
        """Give back the buffer of a chunk that nothing will read again: the next blocks
        are read into it, which spares a fresh allocation (zeroing and page faults cost
        as much as reading the file)."""
        if len(self._free) < RECYCLED:
            self._free.append(chunk.buffer)

    @property
    def totals(self) -> tuple[ReportedTotal, ...]:
        """The trailing ``name: value`` lines (complete once a pass has finished)."""
        return tuple(self._totals)

    def rows(self) -> Iterator[PredictionRow]:
        """Every prediction row, line by line; `InputError` on the first malformed line."""
        for chunk in self.chunks():
            yield from self._slow(chunk.buffer, FRONT, FRONT + chunk.size, chunk.line_base)

    def blocks(self) -> Iterator[RowBlock]:
        """The same rows as `rows`, as columns, a block of lines at a time."""
        for chunk in self.chunks():
            taken, used = parse_chunk(chunk) if not self._totals else (None, 0)
            rest = self.settle(chunk, taken, used)
            if taken is not None:
                yield taken
            if rest is not None:
                yield rest

    def chunks(self) -> Iterator[Chunk]:
        """Blocks of whole lines after the header (which is checked); starts a pass."""
        self._totals = []
        with open_input(self.path) as handle:
            line_base = 0
            lines_seen = [0]  # lines before the block being read, for a NUL's line number
            for buffer, read in _blocks(self.path, handle, lines_seen, self._free):
                size = read
                text = np.frombuffer(buffer, np.uint8, size, FRONT)
                lines = int(np.count_nonzero(text == 10))
                if not buffer.isascii():  # then refuse what is not UTF-8
                    try:
                        codecs.utf_8_decode(memoryview(buffer)[FRONT : FRONT + size], None, True)
                    except UnicodeDecodeError:
                        decode_utf8(self.path, bytes(buffer[FRONT : FRONT + size]), line_base)
                if line_base == 0:
                    cut = buffer.index(b"\n", FRONT) + 1
                    self._header(bytes(buffer[FRONT:cut]))
                    # The rows start at FRONT, as in every other block.
                    buffer[FRONT : FRONT + size - (cut - FRONT)] = buffer[cut : FRONT + size]
                    size -= cut - FRONT
                    buffer[FRONT + size : FRONT + size + PADDING] = bytes(PADDING)
                    line_base, lines = 1, lines - 1
                if size:
                    yield Chunk(line_base, buffer, size)
                line_base += lines
                lines_seen[0] = line_base
            if line_base == 0:
                raise InputError(self.path, "empty file (GRAM writes at least the header line)")

    def settle(self, chunk: Chunk, taken: RowBlock | None, used: int) -> RowBlock | None:
        """Accept a chunk's `parse_chunk` result, in file order, and read the lines it
        left with the line reader: their rows, if any."""
        if taken is not None and len(taken) and self._totals:
            raise InputError(
                self.path, "a prediction row after the trailing totals", line=int(taken.lines[0])
            )
        if used >= chunk.size:
            return None
        done = chunk.buffer.count(b"\n", FRONT, FRONT + used)
        end = FRONT + chunk.size
        rows = list(self._slow(chunk.buffer, FRONT + used, end, chunk.line_base + done))
        return pack(rows) if rows else None

    def _header(self, line: bytes) -> None:
        text = line.decode("utf-8").removeprefix("\ufeff").rstrip("\n").removesuffix("\r")
        if text != HEADER:
            shown = " ".join(COLUMNS)
            raise InputError(
                self.path,
                f"not a GRAM prediction file: the first line is not the header {shown!r} "
                "(tab-separated)",
                line=1,
            )

    def _slow(
        self, buffer: bytearray, start: int, end: int, line_base: int
    ) -> Iterator[PredictionRow]:
        lines = codecs.utf_8_decode(memoryview(buffer)[start:end], None, True)[0].split("\n")
        lines.pop()  # the block ends with a line break
        for offset, line in enumerate(lines):
            row = self._line(line.removesuffix("\r"), line_base + offset + 1)
            if row is not None:
                yield row

    def _line(self, line: str, number: int) -> PredictionRow | None:
        """One line: a row, or None for a trailing total or a blank line."""
        if "\t" not in line:
            if line.strip():
                self._totals.append(self._total(line, number))
            return None
        if self._totals:
            raise InputError(self.path, "a prediction row after the trailing totals", line=number)
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            raise InputError(
                self.path,
                f"{len(fields)} tab-separated fields where GRAM writes {len(COLUMNS)} "
                f"({' '.join(COLUMNS)})",
                line=number,
            )
        user, h5, h10, n5, n10, gold, pred, scores = fields
        reported = (
            self._number(h5, "H@5", number),
            self._number(h10, "H@10", number),
            self._number(n5, "NDCG@5", number),
            self._number(n10, "NDCG@10", number),
        )
        predictions = pred.split(SEPARATOR)
        score_texts = scores.split(SEPARATOR)
        if len(predictions) != len(score_texts):
            raise InputError(
                self.path,
                f"{len(predictions)} predictions but {len(score_texts)} scores",
                line=number,
            )
        values = tuple(
            self._number(text, f"score {position}", number)
            for position, text in enumerate(score_texts, start=1)
        )
        return PredictionRow(number, user, reported, gold, tuple(predictions), values)

    def _number(self, text: str, what: str, number: int) -> float:
        try:
            return float(text)
        except ValueError:
            raise InputError(
                self.path, f"{what} {_show(text)} is not a number", line=number
            ) from None

    def _total(self, line: str, number: int) -> ReportedTotal:
        match = _TOTAL.fullmatch(line)
        if match is None or not match.group(2):
            raise InputError(
                self.path,
                f"neither a prediction row ({len(COLUMNS)} tab-separated fields) nor a "
                f"trailing 'metric: value' line: {_show(line)}",
                line=number,
            )
        name, value = match.group(1), match.group(2)
        tensor = _TENSOR.fullmatch(value)
        text = tensor.group(1) if tensor else value
        try:
            number_value = float(text)
        except ValueError:
            raise InputError(
                self.path, f"the {name} total {_show(value)} is not a number", line=number
            ) from None
        return ReportedTotal(name, number_value, text, tensor is not None, number)


def _show(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _blocks(
    path: Path, handle: BinaryIO, lines_seen: list[int], free: list[bytearray]
) -> Iterator[tuple[bytearray, int]]:
    """Blocks of whole lines, each read into a buffer (a recycled one from ``free`` when
    one is large enough): ``size`` bytes of text from FRONT on, ending with ``\\n`` (one
    is added to the last line), then PADDING zero bytes. ``lines_seen[0]``: the lines
    of the blocks already yielded (the caller counts them)."""
    reader = cast(io.BufferedIOBase, handle)  # what open_input opens
    pending = b""  # the start of a line the last block cut
    while True:
        buffer = _buffer(free, FRONT + len(pending) + BLOCK_BYTES + PADDING)
        start = FRONT + len(pending)
        buffer[FRONT:start] = pending
        try:
            got = reader.readinto(memoryview(buffer)[start : start + BLOCK_BYTES])
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None
        progress.advance(got)  # readinto passes by the counting read
        end = start + got
        # Refused before it is kept: a binary file without line breaks must not pile up.
        if buffer.find(b"\0", start, end) >= 0:  # the helper names the line
            refuse_binary(path, bytes(buffer[FRONT:end]), lines_seen[0])
        if got == 0:
            if pending:
                buffer[start] = 10
                buffer[start + 1 : start + 1 + PADDING] = bytes(PADDING)
                yield buffer, len(pending) + 1
            return
        cut = buffer.rfind(b"\n", FRONT, end) + 1
        if cut == 0:
            if end - FRONT > MAX_LINE_BYTES:
                raise InputError(
                    path,
                    f"a line longer than {MAX_LINE_BYTES >> 20} MiB: not a prediction file",
                    line=lines_seen[0] + 1,
                )
            pending = bytes(buffer[FRONT:end])
            continue
        pending = bytes(buffer[cut:end])
        buffer[cut : cut + PADDING] = bytes(PADDING)
        yield buffer, cut - FRONT


def _buffer(free: list[bytearray], size: int) -> bytearray:
    """A recycled buffer of at least ``size`` bytes, or a new one with room to spare (the
    carried-over start of a line varies). Its first FRONT bytes are zero: nothing is
    ever written there."""
    while free:
        buffer = free.pop()
        if len(buffer) >= size:
            return buffer
    return bytearray(size + (1 << 16))
