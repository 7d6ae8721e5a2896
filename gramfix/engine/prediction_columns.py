"""The columnar reader: whole lines of a prediction file cut into `RowBlock` columns with
numpy, no Python object per field.

Tabs and line breaks are found in one pass; a line with exactly seven tabs, no CR, as
many predictions as scores and numbers that parse is a *plain* row. `parse_chunk` takes
the leading run of plain rows of a `Chunk` and says how many bytes they took; the line
reader (`gramfix.io.predictions`) reads the rest, so odd input costs speed, never
meaning. Pure functions of a buffer: safe in worker threads.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

from gramfix.engine.numbers import parse_numbers
from gramfix.engine.prediction_rows import Chunk, RowBlock, empty_block
from gramfix.engine.spans import Spans, SpanTable
from gramfix.engine.tokens import FRONT

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


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
        return empty_block(), plain
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
