"""GRAM's ranking metrics, recomputed from a prediction file, strictly and on item identity.

GRAM's ``evaluate.rel_results`` sorts a user's ``generate_num`` predictions by beam score
(Python's ``sorted(..., reverse=True)``: descending and stable, so equal scores keep the
beam order) and marks position ``j`` relevant when ``prediction == gold`` as strings.
``hit@k`` is 1 when one of the first ``k`` is relevant; ``ndcg@k`` adds
``rel_j / math.log(j + 2, 2)`` over them (one gold, so the ideal DCG is 1; a gold
predicted twice counts twice). The reported figures are means over users.

`Audit` streams the rows of a file (`gramfix.io.predictions.RowBlock`) once and keeps
counters only: per sorted position, how many rows have their first hit there and how
many relevant predictions sit there, which give every mean; plus the counts of the
audit and a few example rows. Each row is recomputed twice: strictly (string equality,
as GRAM) and on item identity (a prediction is relevant when it resolves to the gold's
item, both unambiguously, through `gramfix.engine.lexical.LexicalIndex`).

Tolerances. A row's four values are the ``str`` of numpy float64 values GRAM computed
with the same formula, so a faithful file agrees to the last bit; `ROW_TOLERANCE` (1e-9)
only absorbs another log implementation (``math.log2`` differs from ``math.log(x, 2)`` by
an ulp), while two different achievable values of ``ndcg@10`` differ by at least 8.5e-5
(`smallest_ndcg_gap`; a test pins both). A trailing total printed by torch is rounded to
torch's print precision (4 decimals, or 4 in the mantissa in scientific notation):
half a unit of its last printed digit is the most it can honestly differ by. A plain
Python float is printed exactly, so it gets `ROW_TOLERANCE` (a mean over a million rows
summed in another order moves by about 1e-10).
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from gramfix.engine.lexical import AMBIGUOUS, LEVELS, NONE, LexicalIndex
from gramfix.engine.results import (
    PROBLEM_NAMES,
    AuditResult,
    Counts,
    Example,
    Metrics,
    MetricSet,
    Problem,
    TotalCheck,
)
from gramfix.model.errors import InputError, UsageError
from gramfix.engine.tokens import FRONT
from gramfix.io.predictions import (
    REPORTED,
    Chunk,
    PredictionFile,
    ReportedTotal,
    RowBlock,
    parse_chunk,
)
from gramfix.io.spans import MAX_BYTES, Spans, SpanTable
from gramfix.io.targets import SPLITS, Targets, read_targets

__all__ = [
    "PROBLEM_NAMES",
    "Audit",
    "AuditResult",
    "Counts",
    "Example",
    "MetricSet",
    "Metrics",
    "Problem",
    "TotalCheck",
    "audit",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

K_VALUES = (1, 5, 10)
DEFAULT_GENERATE_NUM = 10
ROW_TOLERANCE = 1e-9
EXAMPLES = 5
_METRIC_NAME = re.compile(r"(hit|ndcg)@([1-9][0-9]*)", re.IGNORECASE)


# -- GRAM's formulas, per row ------------------------------------------------------------


def gram_order(scores: Sequence[float]) -> list[int]:
    """Positions of ``scores`` in GRAM's ranking: by score, descending, stable."""
    return sorted(range(len(scores)), key=scores.__getitem__, reverse=True)


def rel_results(predictions: Sequence[str], gold: str, scores: Sequence[float]) -> list[int]:
    """GRAM's ``rel_results`` for one user: 1 where the ranked prediction equals the gold."""
    return [1 if predictions[j] == gold else 0 for j in gram_order(scores)]


def hit_at(relevance: Sequence[int], k: int) -> float:
    """GRAM's ``hit@k`` of one ranked relevance list."""
    return 1.0 if sum(relevance[:k]) > 0 else 0.0


def ndcg_at(relevance: Sequence[int], k: int) -> float:
    """GRAM's ``ndcg@k`` of one ranked relevance list (its very summation order)."""
    total = 0.0
    for position, rel in enumerate(relevance[:k]):
        total += rel / math.log(position + 2, 2)
    return total


def smallest_ndcg_gap(k: int) -> float:
    """The smallest difference between two distinct achievable ``ndcg@k`` values (every
    subset of the k positions can be relevant, with repeated golds): the margin that
    `ROW_TOLERANCE` must stay far below."""
    values = sorted(
        {ndcg_at([1 if (mask >> j) & 1 else 0 for j in range(k)], k) for mask in range(1 << k)}
    )
    return min(b - a for a, b in itertools.pairwise(values))


# -- the entry point -----------------------------------------------------------------------


def audit(
    predictions_path: Path | str,
    indexing_path: Path | str,
    sequences_path: Path | str | None = None,
    split: str = "test",
    generate_num: int = DEFAULT_GENERATE_NUM,
    threads: int | None = None,
) -> AuditResult:
    """Audit one prediction file against the dataset's indexing file (and sequences).

    ``threads``: worker threads for the columnar parse and the per-block counts (numpy
    releases the GIL); None takes up to 2. The result does not depend on it.
    """
    if split not in SPLITS:
        raise UsageError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    if generate_num < 1:
        raise UsageError(f"generate_num must be at least 1, not {generate_num}")
    index = LexicalIndex.from_file(Path(indexing_path))
    targets = None
    if sequences_path is not None:
        targets = read_targets(Path(sequences_path), "test" if split == "test" else "valid")
    source = PredictionFile(Path(predictions_path))
    accumulator = Audit(source.path, index, generate_num, targets)
    workers = threads if threads is not None else min(2, os.cpu_count() or 1)

    def work(chunk: Chunk) -> tuple[RowBlock | None, int, Partial | None]:
        taken, used = parse_chunk(chunk)
        return taken, used, accumulator.measure(taken) if taken is not None else None

    def settle(chunk: Chunk, taken: RowBlock | None, used: int, part: Partial | None) -> None:
        rest = source.settle(chunk, taken, used)
        if part is not None:
            accumulator.merge(part)
        if rest is not None:
            accumulator.merge(accumulator.measure(rest))
        source.recycle(chunk)  # counted and merged: nothing reads its buffer again

    if workers <= 1:
        for chunk in source.chunks():
            if source.totals:  # rows after the totals: the line reader says so
                settle(chunk, None, 0, None)
            else:
                settle(chunk, *work(chunk))
    else:
        # Parse and count blocks in workers, settle them in file order; a bounded
        # number in flight keeps memory to a few blocks.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            flight: deque[tuple[Chunk, Future[tuple[RowBlock | None, int, Partial | None]]]]
            flight = deque()
            try:
                for chunk in source.chunks():
                    flight.append((chunk, pool.submit(work, chunk)))
                    if len(flight) > 2 * workers:
                        done, future = flight.popleft()
                        settle(done, *future.result())
                while flight:
                    done, future = flight.popleft()
                    settle(done, *future.result())
            finally:
                for _, future in flight:
                    future.cancel()
    return accumulator.finish(source.totals, Path(indexing_path))


# -- the accumulator ---------------------------------------------------------------------


@dataclass
class Partial:
    """The counts of one block of rows (made in a worker, merged in file order)."""

    rows: int = 0
    audited: int = 0
    predictions: int = 0
    invalid: int = 0
    ambiguous: int = 0
    batched: int = 0
    pred_levels: I64 = field(default_factory=lambda: np.zeros(len(LEVELS), np.int64))
    gold_levels: I64 = field(default_factory=lambda: np.zeros(len(LEVELS), np.int64))
    strict_first: I64 | None = None
    strict_rel: I64 | None = None
    item_first: I64 | None = None
    item_rel: I64 | None = None
    duplicate_rows: int = 0
    tied_rows: int = 0
    near_miss: int = 0
    gold_unresolved: int = 0
    gold_ambiguous: int = 0
    gold_not_target: int = 0
    unknown_users: int = 0
    mismatched_rows: int = 0
    users: I64 | None = None  # sequence position of each audited row's user (-1: none)
    examples: dict[str, list[Example]] = field(default_factory=dict)

    def example(self, name: str, example: Example) -> None:
        self.examples.setdefault(name, []).append(example)

    def room(self, name: str) -> int:
        return EXAMPLES - len(self.examples.get(name, []))


class _TargetIndex:
    """User -> target item index and sequence position, looked up in bulk."""

    NO_TARGET = -2  # the user has too few items for the split

    def __init__(self, targets: Targets, index: LexicalIndex) -> None:
        item_of = {item: code for code, item in enumerate(index.items)}
        fits = [u for u in targets.target if len(u.encode("utf-8")) <= MAX_BYTES]
        odd = [u for u in targets.target if len(u.encode("utf-8")) > MAX_BYTES]
        self.target = np.array(
            [
                self.NO_TARGET if (t := targets.target[u]) is None else item_of.get(t, NONE)
                for u in fits + odd
            ],
            np.int64,
        )
        # Users too long for a span table (none in real data) are looked up one by one.
        self._odd = {u: len(fits) + i for i, u in enumerate(odd)}
        self.size = len(fits) + len(odd)
        self._table = SpanTable(fits)

    def users(self, block: RowBlock, rows: I64) -> I64:
        """Sequence position of each row's user (-1: not in the sequences)."""
        starts, lengths = block.user_start[rows], block.user_length[rows]
        spans = Spans.of(block.data, starts, lengths)
        out = np.full(len(rows), -1, np.int64)
        out[spans.cut] = self._table.find(spans)
        if self._odd:
            for position in np.flatnonzero(lengths > MAX_BYTES).tolist():
                user = block.text(int(starts[position]), int(lengths[position]))
                out[position] = self._odd.get(user, -1)
        return out


class Audit:
    """Counters over the rows of one prediction file: `measure` a block (pure, safe in
    worker threads), `merge` the parts in file order, `finish`."""

    def __init__(
        self,
        path: Path,
        index: LexicalIndex,
        generate_num: int = DEFAULT_GENERATE_NUM,
        targets: Targets | None = None,
    ) -> None:
        self.path = path
        self.index = index
        self.g = generate_num
        self.targets = targets
        self._targets = _TargetIndex(targets, index) if targets is not None else None
        self._seen = np.zeros(self._targets.size if self._targets else 0, np.bool_)
        self._log = np.array([math.log(j + 2, 2) for j in range(generate_num)])
        self.total = Partial(
            strict_first=np.zeros(generate_num, np.int64),
            strict_rel=np.zeros(generate_num, np.int64),
            item_first=np.zeros(generate_num, np.int64),
            item_rel=np.zeros(generate_num, np.int64),
        )
        self.repeated_users = 0

    def add(self, block: RowBlock) -> None:
        """Count one block (``merge(measure(block))``)."""
        self.merge(self.measure(block))

    # -- one block -------------------------------------------------------------------

    def measure(self, block: RowBlock) -> Partial:
        """The counts of one block of rows."""
        part = Partial()
        n = len(block)
        if n == 0:
            return part
        g = self.g
        counts = block.counts
        odd = np.flatnonzero(counts % g != 0)
        if len(odd):
            row = int(odd[0])
            raise InputError(
                self.path,
                f"{int(counts[row])} predictions in a row; with generate_num {g} a row holds "
                f"{g} (or a multiple of {g} when written with a test batch above 1): "
                "was the file written with another generate_num?",
                line=int(block.lines[row]),
            )
        part.rows = n
        # A hit@k above 1 is a sum over a batch: the row is a batch even when its
        # prediction count happens to be generate_num (the file's was smaller).
        batched = (counts > g) | (block.reported[:, :2] > 1 + ROW_TOLERANCE).any(axis=1)
        rows = np.flatnonzero(~batched)
        # One cut of every prediction and of the audited rows' golds: lookups and string
        # equality share it.
        golds_at = len(block.pred_start)
        starts = np.concatenate([block.pred_start, block.gold_start[rows]])
        lengths = np.concatenate([block.pred_length, block.gold_length[rows]])
        spans = Spans.of(block.data, starts, lengths)
        entries, levels = self.index.lookup(block.data, starts, lengths, spans)
        pred_entries, pred_levels = entries[:golds_at], levels[:golds_at]
        part.predictions = golds_at
        self._strings(part, block, pred_entries, pred_levels)
        for row in np.flatnonzero(batched)[: part.room("batched-rows")].tolist():
            count = int(counts[row])
            part.example(
                "batched-rows",
                self._example(
                    block,
                    row,
                    f"{count} predictions ({count // g} x generate_num {g}); H@5 "
                    f"{block.reported[row, 0]!r}, H@10 {block.reported[row, 1]!r}",
                ),
            )
        part.batched = int(batched.sum())
        if len(rows):
            gold = _Golds(entries[golds_at:], levels[golds_at:], golds_at)
            self._rows(part, block, rows, pred_entries, gold, spans, starts, lengths)
        return part

    def _strings(self, part: Partial, block: RowBlock, entries: I64, levels: I64) -> None:
        """Per prediction string: level, no item, several items."""
        part.pred_levels = np.bincount(levels[levels >= 0], minlength=len(LEVELS))
        invalid = np.flatnonzero(entries == NONE)
        ambiguous = np.flatnonzero(entries <= AMBIGUOUS)
        part.invalid = len(invalid)
        part.ambiguous = len(ambiguous)
        for name, found in (("invalid-predictions", invalid), ("ambiguous-ids", ambiguous)):
            positions = found[: part.room(name)]
            row_of = np.searchsorted(block.first, positions, side="right") - 1
            for position, row in zip(positions.tolist(), row_of.tolist(), strict=True):
                text = block.text(int(block.pred_start[position]), int(block.pred_length[position]))
                detail = f"prediction {text!r}"
                if name == "ambiguous-ids":
                    detail += f" names {self._items(int(entries[position]))} (at level "
                    detail += f"{LEVELS[int(levels[position])]})"
                part.example(name, self._example(block, row, detail))

    def _rows(
        self,
        part: Partial,
        block: RowBlock,
        rows: I64,
        entries: I64,
        gold: _Golds,
        spans: Spans,
        starts: I64,
        lengths: I64,
    ) -> None:
        """The per-user audit of the rows that hold one user each."""
        g = self.g
        n = len(rows)
        part.audited = n
        at = block.first[rows][:, None] + np.arange(g)
        scores = block.scores[at]
        item = entries[at]
        part.gold_levels = np.bincount(gold.levels[gold.levels >= 0], minlength=len(LEVELS))

        strict = _equal_to_gold(block, at, gold.position + np.arange(n), spans, starts, lengths)
        identity = (item == gold.entries[:, None]) & (gold.entries[:, None] >= 0)
        if bool((scores[:, :-1] >= scores[:, 1:]).all()):  # NaN compares False: not here
            # Beam search returns its sequences by score: the stable sort keeps each row.
            order: I64 = np.broadcast_to(np.arange(g), (n, g))
            strict_ranked, item_ranked = strict, identity
            tied = (scores[:, 1:] == scores[:, :-1]).any(axis=1)
        else:
            order = np.argsort(-scores, axis=1, kind="stable")
            nan_rows = np.flatnonzero(np.isnan(scores).any(axis=1))
            for r in nan_rows.tolist():  # NaN: reproduce Python's sort exactly
                order[r] = gram_order(scores[r].tolist())
            ranked_scores = np.take_along_axis(scores, order, axis=1)
            tied = (ranked_scores[:, 1:] == ranked_scores[:, :-1]).any(axis=1)
            for r in nan_rows.tolist():
                finite = [v for v in scores[r].tolist() if not math.isnan(v)]
                tied[r] = len(set(finite)) < len(finite)
            strict_ranked = np.take_along_axis(strict, order, axis=1)
            item_ranked = np.take_along_axis(identity, order, axis=1)
        part.strict_first, part.strict_rel = self._positions(strict_ranked)
        part.item_first, part.item_rel = self._positions(item_ranked)

        top = min(10, g)
        near: Bools = np.logical_and(
            item_ranked[:, :top].any(axis=1), ~strict_ranked[:, :top].any(axis=1)
        )
        # Unresolved and ambiguous predictions get values no item and no other slot has.
        named = np.sort(np.where(item >= 0, item, -1 - np.arange(g)), axis=1)
        duplicate = (named[:, 1:] == named[:, :-1]).any(axis=1)
        unresolved = gold.entries == NONE
        ambiguous_gold = gold.entries <= AMBIGUOUS
        recomputed = self._row_values(strict_ranked)
        mismatch = ~(np.abs(block.reported[rows] - recomputed) <= ROW_TOLERANCE)  # NaN too

        part.tied_rows = int(tied.sum())
        part.near_miss = int(near.sum())
        part.duplicate_rows = int(duplicate.sum())
        part.gold_unresolved = int(unresolved.sum())
        part.gold_ambiguous = int(ambiguous_gold.sum())
        part.mismatched_rows = int(mismatch.any(axis=1).sum())
        self._examples(part, block, rows, order, scores, item, gold, near, duplicate, tied)
        self._examples_mismatch(part, block, rows, recomputed, mismatch)
        if self._targets is not None:
            self._gold_targets(part, block, rows, gold)

    def _positions(self, ranked: Bools) -> tuple[I64, I64]:
        """Rows with their first hit at each position; relevant predictions there."""
        hit = ranked.any(axis=1)
        first = np.bincount(ranked.argmax(axis=1)[hit], minlength=self.g).astype(np.int64)
        return first, ranked.sum(axis=0).astype(np.int64)

    def _row_values(self, ranked: Bools) -> F64:
        """H@5, H@10, NDCG@5, NDCG@10 of each row, exactly as GRAM computes them."""
        n = len(ranked)
        out = np.zeros((n, 4), np.float64)
        for column, name in enumerate(REPORTED):
            kind, k = name.split("@")
            top = min(int(k), self.g)
            if kind == "hit":
                out[:, column] = ranked[:, :top].any(axis=1)
            else:
                total = np.zeros(n, np.float64)
                for j in range(top):  # GRAM's summation order, bit for bit
                    total = total + ranked[:, j] / self._log[j]
                out[:, column] = total
        return out

    def _gold_targets(self, part: Partial, block: RowBlock, rows: I64, gold: _Golds) -> None:
        assert self._targets is not None
        users = self._targets.users(block, rows)
        part.users = users
        known = users >= 0
        target = np.where(known, self._targets.target[np.maximum(users, 0)], _TargetIndex.NO_TARGET)
        has_target = target != _TargetIndex.NO_TARGET
        part.unknown_users = int((~has_target).sum())
        wrong = has_target & (gold.entries >= 0) & (gold.entries != target)
        for r in np.flatnonzero(has_target & (gold.entries <= AMBIGUOUS)).tolist():
            wrong[r] = int(target[r]) not in self.index.candidates(int(gold.entries[r]))
        part.gold_not_target = int(wrong.sum())
        split = self.targets.split if self.targets else "test"
        for r in np.flatnonzero(wrong)[: part.room("gold-not-target")].tolist():
            row = int(rows[r])
            t = int(target[r])
            named = self.index.items[t] if t >= 0 else "an item not in the indexing file"
            part.example(
                "gold-not-target",
                self._example(
                    block,
                    row,
                    f"gold {self._gold_text(block, row)!r} names "
                    f"{self._items(int(gold.entries[r]))}; the user's {split} target is {named}",
                ),
            )

    # -- examples ------------------------------------------------------------------------

    def _example(self, block: RowBlock, row: int, detail: str) -> Example:
        user = block.text(int(block.user_start[row]), int(block.user_length[row]))
        return Example(int(block.lines[row]), user, detail)

    def _gold_text(self, block: RowBlock, row: int) -> str:
        return block.text(int(block.gold_start[row]), int(block.gold_length[row]))

    def _pred_text(self, block: RowBlock, row: int, j: int) -> str:
        p = int(block.first[row]) + j
        return block.text(int(block.pred_start[p]), int(block.pred_length[p]))

    def _items(self, entry: int) -> str:
        names = [self.index.items[i] for i in self.index.candidates(entry)]
        if not names:
            return "no item"
        return names[0] if len(names) == 1 else "items " + ", ".join(names[:4])

    def _examples(
        self,
        part: Partial,
        block: RowBlock,
        rows: I64,
        order: I64,
        scores: F64,
        item: I64,
        gold: _Golds,
        near: Bools,
        duplicate: Bools,
        tied: Bools,
    ) -> None:
        for r in np.flatnonzero(near)[: part.room("strict-undercount")].tolist():
            row = int(rows[r])
            ranks = [k for k, j in enumerate(order[r].tolist()) if item[r, j] == gold.entries[r]]
            j = int(order[r, ranks[0]])
            text = self._pred_text(block, row, j)
            level = LEVELS[self.index.resolve(text).level]
            part.example(
                "strict-undercount",
                self._example(
                    block,
                    row,
                    f"gold {self._gold_text(block, row)!r}; prediction {text!r} at rank "
                    f"{ranks[0] + 1} names the same item {self._items(int(gold.entries[r]))} "
                    f"(matched at level {level})",
                ),
            )
        for r in np.flatnonzero(duplicate)[: part.room("duplicate-predictions")].tolist():
            row = int(rows[r])
            first_at: dict[int, int] = {}
            detail = ""
            for j, named in enumerate(item[r].tolist()):
                if named < 0:
                    continue
                if named in first_at:
                    k = first_at[named]
                    detail = (
                        f"predictions {k + 1} {self._pred_text(block, row, k)!r} and {j + 1} "
                        f"{self._pred_text(block, row, j)!r} both name {self.index.items[named]}"
                    )
                    break
                first_at[named] = j
            part.example("duplicate-predictions", self._example(block, row, detail))
        for r in np.flatnonzero(tied)[: part.room("tied-scores")].tolist():
            values = scores[r].tolist()
            repeated = sorted({v for v in values if values.count(v) > 1}, reverse=True)
            part.example(
                "tied-scores",
                self._example(
                    block,
                    int(rows[r]),
                    "equal scores "
                    + ", ".join(repr(v) for v in repeated[:3])
                    + " (their order is the beam's)",
                ),
            )
        for r in np.flatnonzero(gold.entries == NONE)[: part.room("gold-unresolved")].tolist():
            row = int(rows[r])
            part.example(
                "gold-unresolved",
                self._example(block, row, f"gold {self._gold_text(block, row)!r} names no item"),
            )
        for r in np.flatnonzero(gold.entries <= AMBIGUOUS)[: part.room("ambiguous-ids")].tolist():
            row = int(rows[r])
            part.example(
                "ambiguous-ids",
                self._example(
                    block,
                    row,
                    f"gold {self._gold_text(block, row)!r} names "
                    f"{self._items(int(gold.entries[r]))} (at level "
                    f"{LEVELS[int(gold.levels[r])]})",
                ),
            )

    def _examples_mismatch(
        self, part: Partial, block: RowBlock, rows: I64, recomputed: F64, mismatch: Bools
    ) -> None:
        for r in np.flatnonzero(mismatch.any(axis=1))[: part.room("metric-mismatch")].tolist():
            row = int(rows[r])
            parts = [
                f"{REPORTED[c]} written {float(block.reported[row, c])!r}, recomputed "
                f"{float(recomputed[r, c])!r}"
                for c in np.flatnonzero(mismatch[r]).tolist()
            ]
            part.example("metric-mismatch", self._example(block, row, "; ".join(parts)))

    # -- in file order -------------------------------------------------------------------

    def merge(self, part: Partial) -> None:
        """Add one block's counts (blocks must come in file order)."""
        t = self.total
        for name in (
            "rows",
            "audited",
            "predictions",
            "invalid",
            "ambiguous",
            "batched",
            "duplicate_rows",
            "tied_rows",
            "near_miss",
            "gold_unresolved",
            "gold_ambiguous",
            "gold_not_target",
            "unknown_users",
            "mismatched_rows",
        ):
            setattr(t, name, getattr(t, name) + getattr(part, name))
        t.pred_levels += part.pred_levels
        t.gold_levels += part.gold_levels
        for name in ("strict_first", "strict_rel", "item_first", "item_rel"):
            mine, theirs = getattr(t, name), getattr(part, name)
            if theirs is not None:
                mine += theirs
        if part.users is not None:
            users = part.users[part.users >= 0]
            _, first = np.unique(users, return_index=True)
            # A user seen in an earlier block, or earlier in this one, is a repeat.
            self.repeated_users += len(users) - len(first) + int(self._seen[users[first]].sum())
            self._seen[users] = True
        for name, examples in part.examples.items():
            room = EXAMPLES - len(t.examples.get(name, []))
            if room > 0:
                t.examples.setdefault(name, []).extend(examples[:room])

    def finish(self, totals: Sequence[ReportedTotal], indexing: Path | None = None) -> AuditResult:
        """The result, once every block has been merged."""
        t = self.total
        assert t.strict_first is not None
        assert t.strict_rel is not None
        assert t.item_first is not None
        assert t.item_rel is not None
        per_user = t.batched == 0
        audited = t.audited if per_user else 0
        strict = self._means(t.strict_first, t.strict_rel, audited)
        item = self._means(t.item_first, t.item_rel, audited)
        checks = tuple(self._check(total, audited) for total in totals)
        with_targets = per_user and self.targets is not None

        def per_user_count(value: int) -> int | None:
            return value if per_user else None

        def target_count(value: int) -> int | None:
            return value if with_targets else None

        counts = Counts(
            rows=t.rows,
            predictions=t.predictions,
            invalid_predictions=t.invalid,
            ambiguous_predictions=t.ambiguous,
            duplicate_rows=per_user_count(t.duplicate_rows),
            tied_rows=per_user_count(t.tied_rows),
            near_miss_hits=per_user_count(t.near_miss),
            gold_unresolved=per_user_count(t.gold_unresolved),
            gold_not_target=target_count(t.gold_not_target),
            gold_ambiguous=per_user_count(t.gold_ambiguous),
            batched_rows=t.batched,
            mismatched_rows=per_user_count(t.mismatched_rows),
            unknown_users=target_count(t.unknown_users),
            repeated_users=target_count(self.repeated_users),
        )
        metrics = MetricSet(
            strict=strict,
            item=item,
            reported={total.name: total.value for total in totals} if totals else None,
            difference=item.minus(strict) if item is not None and strict is not None else None,
        )
        return AuditResult(
            path=self.path,
            indexing=indexing or Path(),
            sequences=self.targets.path if self.targets else None,
            split=self.targets.split if self.targets else "test",
            generate_num=self.g,
            per_user=per_user,
            metrics=metrics,
            counts=counts,
            prediction_levels=dict(zip(LEVELS, t.pred_levels.tolist(), strict=True)),
            gold_levels=dict(zip(LEVELS, t.gold_levels.tolist(), strict=True))
            if per_user
            else None,
            totals=checks,
            problems=self._problems(counts, metrics, checks),
        )

    def _means(self, first: I64, rel: I64, rows: int) -> Metrics | None:
        if rows == 0:
            return None
        return Metrics(
            *(self._mean(first, rel, kind, k, rows) for kind in ("hit", "ndcg") for k in K_VALUES)
        )

    def _mean(self, first: I64, rel: I64, kind: str, k: int, rows: int) -> float:
        top = min(k, self.g)
        if kind == "hit":
            return int(first[:top].sum()) / rows
        total = 0.0
        for j in range(top):
            total += int(rel[j]) / float(self._log[j])
        return total / rows

    def _check(self, total: ReportedTotal, rows: int) -> TotalCheck:
        tolerance = total_tolerance(total)
        match = _METRIC_NAME.fullmatch(total.name)
        recomputed = None
        t = self.total
        if match and rows and t.strict_first is not None and t.strict_rel is not None:
            kind, k = match.group(1).lower(), int(match.group(2))
            recomputed = self._mean(t.strict_first, t.strict_rel, kind, k, rows)
        agrees = None if recomputed is None else abs(total.value - recomputed) <= tolerance
        return TotalCheck(total.name, total.line, total.value, recomputed, tolerance, agrees)

    def _problems(
        self, counts: Counts, metrics: MetricSet, checks: tuple[TotalCheck, ...]
    ) -> tuple[Problem, ...]:
        found: list[Problem] = []
        examples = {name: list(rows) for name, rows in self.total.examples.items()}
        split = self.targets.split if self.targets else "test"

        def add(name: str, count: int | None, message: str) -> None:
            if count:
                shown = tuple(examples.get(name, [])[:EXAMPLES])
                found.append(Problem(name, count, message, shown))

        wrong_totals = [c for c in checks if c.agrees is False]
        # A wrong total says more than a wrong row: its lines come first.
        examples["metric-mismatch"] = [
            Example(
                c.line,
                "",
                f"{c.name} total written {c.reported!r}, recomputed {c.recomputed!r} "
                f"(tolerance {c.tolerance:.1e})",
            )
            for c in wrong_totals
        ] + examples.get("metric-mismatch", [])
        parts = []
        if counts.mismatched_rows:
            parts.append(
                f"{counts.mismatched_rows:,} rows whose own metric values are not what GRAM's "
                "formula gives for their predictions"
            )
        for c in wrong_totals:
            parts.append(
                f"the {c.name} total (line {c.line}) reads {c.reported!r}; the rows give "
                f"{c.recomputed!r}"
            )
        add("metric-mismatch", (counts.mismatched_rows or 0) + len(wrong_totals), "; ".join(parts))
        if metrics.strict is not None and metrics.item is not None and metrics.difference:
            top = min(10, self.g)
            add(
                "strict-undercount",
                counts.near_miss_hits,
                f"{counts.near_miss_hits or 0:,} rows name the gold item in their top {top} "
                f"only in another surface form: hit@10 {metrics.strict.hit_10:.4f} strictly, "
                f"{metrics.item.hit_10:.4f} on item identity "
                f"(+{metrics.difference.hit_10:.4f}); ndcg@10 "
                f"+{metrics.difference.ndcg_10:.4f}",
            )
        add(
            "invalid-predictions",
            counts.invalid_predictions,
            f"{counts.invalid_predictions:,} of {counts.predictions:,} predictions name no item "
            "of the indexing file at any level (outside the decoding trie, or the indexing "
            "changed since training)",
        )
        add(
            "duplicate-predictions",
            counts.duplicate_rows,
            f"{counts.duplicate_rows or 0:,} rows name one item twice in their top {self.g}",
        )
        add(
            "tied-scores",
            counts.tied_rows,
            f"{counts.tied_rows or 0:,} rows have equal scores; their order is the beam's "
            "(a stable sort), not the model's",
        )
        add(
            "gold-unresolved",
            counts.gold_unresolved,
            f"{counts.gold_unresolved or 0:,} golds name no item of the indexing file",
        )
        add(
            "gold-not-target",
            counts.gold_not_target,
            f"{counts.gold_not_target or 0:,} golds are not the user's {split} target in the "
            "sequences",
        )
        add(
            "ambiguous-ids",
            counts.ambiguous_predictions + (counts.gold_ambiguous or 0),
            f"{counts.ambiguous_predictions:,} predictions and {counts.gold_ambiguous or 0:,} "
            "golds name several items at once (a lexical-ID collision): never a hit",
        )
        add(
            "batched-rows",
            counts.batched_rows,
            f"{counts.batched_rows:,} rows hold a batch of users (written with a test batch "
            "above 1): their metric values are sums over the batch and only the first user "
            "and gold are written, so the file cannot be audited per user",
        )
        return tuple(found)


@dataclass(frozen=True)
class _Golds:
    """The audited rows' golds: entry and level each, and where their spans start
    among the spans cut for the block."""

    entries: I64
    levels: I64
    position: int


def _equal_to_gold(
    block: RowBlock, at: I64, gold_at: I64, spans: Spans, starts: I64, lengths: I64
) -> Bools:
    """``prediction == gold`` as strings (equal UTF-8 bytes), shape ``at.shape``: ``at``
    and ``gold_at`` index the spans that ``spans`` was cut from."""
    n, g = at.shape
    if len(spans.cut) == len(starts):  # every span was cut: span i is row i
        mine, theirs = at, np.broadcast_to(gold_at[:, None], (n, g))
    else:
        where = np.full(len(starts), -1, np.int64)
        where[spans.cut] = np.arange(len(spans.cut))
        mine = where[at]
        theirs = np.broadcast_to(where[gold_at][:, None], (n, g))
    both = (mine >= 0) & (theirs >= 0)
    equal = np.zeros((n, g), np.bool_)
    equal[both] = spans.same(mine[both], theirs[both])
    for r, j in zip(*np.nonzero(~both), strict=True):  # long: compare the bytes
        p, q = int(at[r, j]), int(gold_at[r])
        equal[r, j] = _span(block, int(starts[p]), int(lengths[p])) == _span(
            block, int(starts[q]), int(lengths[q])
        )
    return equal


def total_tolerance(total: ReportedTotal) -> float:
    """How far a trailing total may honestly be from the exact mean (module docstring)."""
    if not total.torch:
        return ROW_TOLERANCE
    mantissa, _, exponent = total.text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if decimals == 0:  # torch prints integral values as "1.": exact
        return ROW_TOLERANCE
    try:
        power = int(exponent) if exponent else 0
    except ValueError:
        power = 0
    return 0.5 * 10.0 ** (power - decimals) + ROW_TOLERANCE


def _span(block: RowBlock, start: int, length: int) -> bytes:
    return bytes(block.data[FRONT + start : FRONT + start + length])
