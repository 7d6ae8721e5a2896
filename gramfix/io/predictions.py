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

Two readers give the same rows. `PredictionFile.rows` goes line by line in Python and
yields typed rows: it is the reference, and every error message comes from it.
`PredictionFile.blocks` cuts whole blocks of lines with numpy into columns (spans into
the block's bytes, parsed numbers) and hands the rest of a block to the line reader from
the first line it does not take (a trailing total, a CR, a malformed row), so odd input
costs speed, never meaning. Neither keeps more than one block of text.
"""

from __future__ import annotations

import codecs
import functools
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import numpy.typing as npt

from gramfix.io import progress
from gramfix.model.errors import InputError
from gramfix.engine.tokens import FRONT
from gramfix.io.numbers import PADDING as NUMBER_PADDING
from gramfix.io.numbers import parse_numbers
from gramfix.io.spans import PADDING as SPAN_PADDING
from gramfix.io.spans import Spans, SpanTable
from gramfix.io.source import decode_utf8, describe_os_error, open_input, refuse_binary

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

COLUMNS = ("idx", "H@5", "H@10", "NDCG@5", "NDCG@10", "gold", "pred", "scores")
HEADER = "\t".join(COLUMNS)
#: The four per-row metric columns, as metric names (the order GRAM writes them in).
REPORTED = ("hit@5", "hit@10", "ndcg@5", "ndcg@10")
SEPARATOR = "||"
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

#: Zero bytes after a block's text: the most that span hashing (`gramfix.io.spans`) or
#: number parsing (`gramfix.io.numbers`) reads past a span.
PADDING = max(SPAN_PADDING, NUMBER_PADDING)

_TOTAL = re.compile(r"([^\s:]+)\s*:\s*(.*?)\s*")
_TENSOR = re.compile(r"tensor\(\s*([^\s,()]+)\s*(?:,[^()]*(?:\([^()]*\))?[^()]*)?\)")


@dataclass(frozen=True)
class PredictionRow:
    """One line of predictions, as written (nothing sorted, nothing resolved)."""

    line: int  # 1-based line number in the file
    user: str
    reported: tuple[float, float, float, float]  # H@5, H@10, NDCG@5, NDCG@10 as written
    gold: str
    predictions: tuple[str, ...]  # beam order
    scores: tuple[float, ...]  # same order


@dataclass(frozen=True)
class ReportedTotal:
    """One trailing ``name: value`` line."""

    name: str
    value: float
    text: str  # the number as printed
    torch: bool  # printed by torch (``tensor(...)``): rounded to torch's print precision
    line: int


@dataclass(frozen=True)
class RowBlock:
    """Consecutive prediction rows as columns.

    Text columns are spans ``[start, start + length)`` of ``data``'s text, which sits
    between FRONT and PADDING zero bytes (the layout of `gramfix.engine.tokens`, with room
    for every span reader). Predictions and scores are flat: row ``i`` owns
    ``counts[i]`` of them from ``first[i]`` on.
    """

    data: bytes | bytearray
    lines: I64
    user_start: I64
    user_length: I64
    gold_start: I64
    gold_length: I64
    counts: I64
    first: I64
    pred_start: I64
    pred_length: I64
    scores: F64
    reported: F64  # shape (rows, 4): H@5, H@10, NDCG@5, NDCG@10

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, start: int, length: int) -> str:
        """The text of one span."""
        return self.data[FRONT + start : FRONT + start + length].decode("utf-8")

    def row(self, i: int) -> PredictionRow:
        """Row ``i`` as a typed row."""
        first, count = int(self.first[i]), int(self.counts[i])
        starts = self.pred_start[first : first + count].tolist()
        lengths = self.pred_length[first : first + count].tolist()
        rep = self.reported[i].tolist()
        return PredictionRow(
            line=int(self.lines[i]),
            user=self.text(int(self.user_start[i]), int(self.user_length[i])),
            reported=(rep[0], rep[1], rep[2], rep[3]),
            gold=self.text(int(self.gold_start[i]), int(self.gold_length[i])),
            predictions=tuple(self.text(s, n) for s, n in zip(starts, lengths, strict=True)),
            scores=tuple(self.scores[first : first + count].tolist()),
        )


@dataclass(frozen=True)
class Chunk:
    """Whole lines of the file after its header (``size`` bytes from FRONT on in
    ``buffer``, PADDING bytes of room after them) and the number of lines before them.

    The file is read straight into ``buffer``: its text is never copied on the way to
    the columns."""

    line_base: int
    buffer: bytearray
    size: int

    @property
    def data(self) -> bytes:
        """The text (a copy)."""
        return bytes(self.buffer[FRONT : FRONT + self.size])


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


# -- the columnar reader -----------------------------------------------------------------


def parse_chunk(chunk: Chunk) -> tuple[RowBlock | None, int]:
    """The leading lines of a chunk that are plain rows, as columns, and the bytes they
    take (a pure function: safe in worker threads). A plain row has exactly 7 tabs, no
    CR before its line break, as many predictions as scores, and numbers that parse;
    the first other line ends the run, and `PredictionFile.settle` reads the rest."""
    padded = chunk.buffer
    buf = np.frombuffer(padded, np.uint8, chunk.size, FRONT)
    # Tabs and line breaks in one pass (the other control bytes are field text).
    control = np.flatnonzero(buf < 11)
    byte = buf[control]
    newlines = control[byte == 10]
    tabs = control[byte == 9]
    n = len(newlines)
    starts = np.empty(n, np.int64)
    starts[:1] = 0
    starts[1:] = newlines[:-1] + 1
    if len(tabs) == 7 * n:
        # Each line's 7 tabs lie between its start and its line break, or some do not.
        grid = tabs.reshape(n, 7)
        plain = (grid[:, 0] >= starts) & (grid[:, 6] < newlines)
    else:
        plain = np.bincount(np.searchsorted(newlines, tabs), minlength=n) == 7
    plain &= buf[np.maximum(newlines - 1, 0)] != 13  # a CR the line reader strips
    taken = _first_false(plain)
    while taken > 0:
        lines = newlines[:taken]
        result, good = _columns(padded, buf, starts[:taken], lines, tabs, chunk.line_base)
        if good == taken:
            return result, int(lines[-1]) + 1
        taken = good  # the rows before the first bad one are plain: one more pass
    return None, 0


def _first_false(mask: Bools) -> int:
    bad = np.flatnonzero(~mask)
    return int(bad[0]) if len(bad) else len(mask)


def _columns(
    padded: bytearray, buf: npt.NDArray[np.uint8], starts: I64, ends: I64, tabs: I64, line_base: int
) -> tuple[RowBlock, int]:
    """Columns of lines of exactly 7 tabs each (the first ``7 * len(ends)`` of ``tabs``),
    and how many of the leading lines are plain rows."""
    n = len(ends)
    tab = tabs[: 7 * n].reshape(n, 7)
    seps = _separators(buf[: int(ends[-1])])
    pred_seps, score_seps, counts, score_counts = _fields(seps, tab, starts, ends)
    good = counts == score_counts

    pred_start, pred_end, first = _tokens(tab[:, 5] + 1, tab[:, 6], pred_seps, counts)
    score_start, score_end, _ = _tokens(tab[:, 6] + 1, ends, score_seps, score_counts)
    scores, ok = parse_numbers(padded, score_start, score_end - score_start)
    if not ok.all():
        bad = _fallback(padded, scores, ok, score_start, score_end)
        good[np.repeat(np.arange(n), score_counts)[bad]] = False

    metric_lo = (tab[:, 0:4] + 1).ravel()
    metric_hi = tab[:, 1:5].ravel()
    reported, ok = _metric_values(padded, metric_lo, metric_hi)
    if not ok.all():
        good[_fallback(padded, reported, ok, metric_lo, metric_hi) // 4] = False

    plain = _first_false(good)
    if plain < n:
        return _empty(), plain
    block = RowBlock(
        data=padded,
        lines=np.arange(line_base + 1, line_base + 1 + n, dtype=np.int64),
        user_start=starts,
        user_length=tab[:, 0] - starts,
        gold_start=tab[:, 4] + 1,
        gold_length=tab[:, 5] - tab[:, 4] - 1,
        counts=counts.astype(np.int64),
        first=first,
        pred_start=pred_start,
        pred_length=pred_end - pred_start,
        scores=scores,
        reported=reported.reshape(n, 4),
    )
    return block, n


#: A row's metric values are nearly all "0.0" (no hit): one 3-byte compare, no parsing.
_ZERO = int.from_bytes(b"0.0", "little")


@functools.cache
def _known_values() -> tuple[SpanTable, F64]:
    """Every text GRAM writes as a user's row value, and its value: ``str`` of the
    numpy float64 of 0, 1, and of ``ndcg@5`` / ``ndcg@10`` for each set of relevant
    positions, summed in GRAM's order. Most are 17 digits long, past the exact fast
    path of `parse_numbers`; a table finds them all at once (built on first use)."""
    log = [math.log(j + 2, 2) for j in range(10)]
    values = {0.0, 1.0}
    for k in (5, 10):
        for mask in range(1 << k):
            total = 0.0
            for j in range(k):
                total += ((mask >> j) & 1) / log[j]
            values.add(total)
    texts = {str(np.float64(v)): v for v in values}
    return SpanTable(list(texts)), np.array(list(texts.values()), np.float64)


def _metric_values(padded: bytearray, lo: I64, hi: I64) -> tuple[F64, Bools]:
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    zero = ((hi - lo) == 3) & ((words[FRONT + lo] & np.uint64(0xFFFFFF)) == np.uint64(_ZERO))
    values = np.zeros(len(lo), np.float64)
    ok = zero.copy()
    rest = np.flatnonzero(~zero)
    if len(rest):
        table, known = _known_values()
        spans = Spans.of(padded, lo[rest], hi[rest] - lo[rest])
        codes = np.full(len(rest), -1, np.int64)
        codes[spans.cut] = table.find(spans)
        found = codes >= 0
        values[rest[found]] = known[codes[found]]
        ok[rest[found]] = True
        rest = rest[~found]
        values[rest], ok[rest] = parse_numbers(padded, lo[rest], hi[rest] - lo[rest])
    return values, ok


def _fields(seps: I64, tab: I64, starts: I64, ends: I64) -> tuple[I64, I64, I64, I64]:
    """The separators of the prediction fields and of the score fields, and how many
    predictions and scores each line has."""
    n = len(ends)
    per_line, extra = divmod(len(seps), n)
    if not extra and per_line % 2 == 0:
        # The usual file: every line as many separators, half in each field.
        grid = seps.reshape(n, per_line)
        half = per_line // 2
        if per_line == 0 or (
            bool((grid[:, 0] > tab[:, 5]).all())
            and bool((grid[:, half - 1] < tab[:, 6]).all() if half else True)
            and bool((grid[:, half] > tab[:, 6]).all())
            and bool((grid[:, -1] < ends).all())
        ):
            counts = np.full(n, half + 1, np.int64)
            pred = grid[:, :half].ravel()
            score = grid[:, half:].ravel()
            return pred, score, counts, counts
    line_of = np.searchsorted(ends, seps)
    in_pred = (seps > tab[line_of, 5]) & (seps < tab[line_of, 6])
    in_score = seps > tab[line_of, 6]
    counts = np.bincount(line_of[in_pred], minlength=n) + 1
    score_counts = np.bincount(line_of[in_score], minlength=n) + 1
    return seps[in_pred], seps[in_score], counts, score_counts


def _separators(buf: npt.NDArray[np.uint8]) -> I64:
    """Where ``str.split("||")`` cuts: in a run of pipes, every other pair from its start
    (``a|||b`` splits into ``a`` and ``|b``)."""
    pipe = buf == 124
    pairs = np.flatnonzero(pipe[:-1] & pipe[1:])
    if len(pairs) < 2 or not (np.diff(pairs) == 1).any():
        return pairs.astype(np.int64)  # the usual case: no run of three pipes
    pipes = np.flatnonzero(pipe)
    new_run = np.ones(len(pipes), np.bool_)
    new_run[1:] = pipes[1:] != pipes[:-1] + 1
    run = np.cumsum(new_run) - 1
    run_start = pipes[new_run][run]
    run_length = np.bincount(run)[run]
    offset = pipes - run_start
    cut: I64 = pipes[(offset % 2 == 0) & (offset + 1 < run_length)].astype(np.int64)
    return cut


def _tokens(lo: I64, hi: I64, seps: I64, counts: I64) -> tuple[I64, I64, I64]:
    """Flat starts and ends of the tokens of each field (``seps`` in field order), and
    the index of each field's first token."""
    total = int(counts.sum())
    first = np.cumsum(counts) - counts
    last = first + counts - 1
    starts = np.empty(total, np.int64)
    ends = np.empty(total, np.int64)
    inner = np.ones(total, np.bool_)
    inner[first] = False
    starts[first] = lo
    starts[inner] = seps + 2
    inner[:] = True
    inner[last] = False
    ends[last] = hi
    ends[inner] = seps
    return starts, ends, first.astype(np.int64)


#: Texts ``float`` parsed lately: GRAM's row values repeat (an ndcg@10 is one of at most
#: 1024 sums), so most long ones are found here. Bounded; shared by worker threads
#: (a dict's get and set are atomic).
_PARSED: dict[bytes, float | None] = {}
_PARSED_MAX = 1 << 14


def _fallback(padded: bytearray, values: F64, ok: Bools, starts: I64, ends: I64) -> I64:
    """Parse with ``float`` what the vectorised parser left; the positions that are not
    numbers at all."""
    bad = []
    seen = _PARSED if len(_PARSED) < _PARSED_MAX else {}
    for position in np.flatnonzero(~ok).tolist():
        text = bytes(padded[FRONT + int(starts[position]) : FRONT + int(ends[position])])
        if text in seen:
            value = seen[text]
        else:
            try:
                value = float(text.decode("utf-8"))
            except ValueError:
                value = None
            seen[text] = value
        if value is None:
            bad.append(position)
        else:
            values[position] = value
    return np.array(bad, np.int64)


def _empty() -> RowBlock:
    none = np.zeros(0, np.int64)
    return RowBlock(
        b"", none, none, none, none, none, none, none, none, none, np.zeros(0), np.zeros((0, 4))
    )


def pack(rows: list[PredictionRow]) -> RowBlock:
    """Typed rows as a `RowBlock` (the columns of lines the numpy path did not take)."""
    texts: list[bytes] = []
    for row in rows:
        texts.append(row.user.encode("utf-8"))
        texts.append(row.gold.encode("utf-8"))
        texts.extend(p.encode("utf-8") for p in row.predictions)
    lengths = np.fromiter(map(len, texts), np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    counts = np.array([len(row.predictions) for row in rows], np.int64)
    # Each row holds 2 + count texts: user, gold, then its predictions.
    row_first = np.cumsum(counts + 2) - (counts + 2)
    is_pred = np.ones(len(texts), np.bool_)
    is_pred[row_first] = False
    is_pred[row_first + 1] = False
    scores = [score for row in rows for score in row.scores]
    return RowBlock(
        data=b"\0" * FRONT + b"".join(texts) + b"\0" * PADDING,
        lines=np.array([row.line for row in rows], np.int64),
        user_start=starts[row_first],
        user_length=lengths[row_first],
        gold_start=starts[row_first + 1],
        gold_length=lengths[row_first + 1],
        counts=counts,
        first=(np.cumsum(counts) - counts).astype(np.int64),
        pred_start=starts[is_pred],
        pred_length=lengths[is_pred],
        scores=np.array(scores, np.float64),
        reported=np.array([row.reported for row in rows], np.float64).reshape(len(rows), 4),
    )
