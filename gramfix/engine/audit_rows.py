"""One block of prediction rows audited at once: the counts of a `RowBlock`, as a `Partial`.

Every prediction and every gold of the block is cut into spans once; the spans are
looked up in the lexical index (`gramfix.engine.lexical`) and compared with each other
(GRAM's ``prediction == gold``) without a Python string each. Each row holding one user
is then ranked as GRAM ranks it and counted twice: strictly (string equality) and on
item identity (a prediction is relevant when it names the gold's item, both
unambiguously). Per sorted position the block keeps how many rows have their first hit
there and how many relevant predictions sit there: every mean follows from those.
`BlockAudit.measure` is pure: worker threads run it on several blocks at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from gramfix.engine import audit_examples as show
from gramfix.engine.audit_detail import RowDetail, first_rank, ndcg
from gramfix.engine.audit_examples import Example, Ranked, attach_rows
from gramfix.engine.audit_targets import TargetIndex
from gramfix.engine.gram_metrics import ROW_TOLERANCE, discounts, gram_order
from gramfix.engine.lexical import AMBIGUOUS, LEVELS, NONE, LexicalIndex
from gramfix.engine.prediction_rows import REPORTED, RowBlock
from gramfix.engine.spans import Spans
from gramfix.engine.tokens import FRONT
from gramfix.model.errors import InputError

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

#: Example rows kept per finding.
EXAMPLES = 5


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
    gold_other_split: int = 0  # of gold_not_target: the user's target of the other split
    gold_unresolved_hits: int = 0  # golds naming no item that a prediction repeats (top 10)
    unknown_users: int = 0
    mismatched_rows: int = 0
    users: I64 | None = None  # sequence position of each audited row's user (-1: none)
    user_lines: I64 | None = None  # the line of each audited row
    examples: dict[str, list[Example]] = field(default_factory=dict)
    detail: RowDetail | None = None  # every row's values (an audit that keeps rows)
    # Findings whose examples the whole audit already has (those of earlier blocks):
    # a block makes none of them, as they would be dropped.
    full: frozenset[str] = frozenset()

    def room(self, name: str) -> int:
        """How many more examples of ``name`` are kept."""
        if name in self.full:
            return 0
        return EXAMPLES - len(self.examples.get(name, []))

    def add(self, name: str, examples: list[Example]) -> None:
        self.examples.setdefault(name, []).extend(examples[: self.room(name)])


@dataclass(frozen=True)
class Golds:
    """The audited rows' golds: entry and level each, and where their spans start
    among the spans cut for the block."""

    entries: I64
    levels: I64
    position: int


class BlockAudit:
    """Counts blocks of rows of one file: the index, ``generate_num`` and the targets."""

    def __init__(
        self,
        path: Path,
        index: LexicalIndex,
        generate_num: int,
        targets: TargetIndex | None,
        split: str,
        keep_rows: bool = False,
    ) -> None:
        self.path = path
        self.index = index
        self.g = generate_num
        self.targets = targets
        self.split = split
        self.keep_rows = keep_rows
        self.log = np.array(discounts(generate_num))
        #: Findings with all their examples already merged (`Partial.full`); set by the
        #: merging thread, read by workers: a stale set only means examples made in vain.
        self.full: frozenset[str] = frozenset()

    def measure(self, block: RowBlock) -> Partial:
        """The counts of one block of rows."""
        part = Partial(full=self.full)
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
        batch_rows = np.flatnonzero(batched)
        part.add("batched-rows", show.batched(block, batch_rows[: part.room("batched-rows")], g))
        part.batched = len(batch_rows)
        if self.keep_rows:
            part.detail = RowDetail.of(block, pred_entries, batched)
        if len(rows):
            gold = Golds(entries[golds_at:], levels[golds_at:], golds_at)
            order, strict, identity = self._rows(
                part, block, rows, pred_entries, gold, spans, starts, lengths
            )
            ranked = Ranked(
                rows=rows,
                order=order,
                entries=pred_entries,
                levels=pred_levels,
                strict=strict,
                identity=identity,
                gold_entries=gold.entries,
                gold_levels=gold.levels,
            )
            attach_rows(part.examples, block, ranked)
        return part

    def _strings(self, part: Partial, block: RowBlock, entries: I64, levels: I64) -> None:
        """Per prediction string: level, no item, several items."""
        part.pred_levels = np.bincount(levels[levels >= 0], minlength=len(LEVELS))
        invalid = np.flatnonzero(entries == NONE)
        ambiguous = np.flatnonzero(entries <= AMBIGUOUS)
        part.invalid = len(invalid)
        part.ambiguous = len(ambiguous)
        for name, found in (("invalid-predictions", invalid), ("ambiguous-ids", ambiguous)):
            # Every position: a row repeating a string gives one example, not several.
            several = name == "ambiguous-ids"
            made = show.strings(self.index, block, found, entries, levels, several, part.room(name))
            part.add(name, made)

    def _rows(
        self,
        part: Partial,
        block: RowBlock,
        rows: I64,
        entries: I64,
        gold: Golds,
        spans: Spans,
        starts: I64,
        lengths: I64,
    ) -> tuple[I64, Bools, Bools]:
        """The per-user audit of the rows that hold one user each: their rank order,
        and which predictions equal the gold and name its item (in beam order)."""
        g = self.g
        n = len(rows)
        part.audited = n
        at = block.first[rows][:, None] + np.arange(g)
        scores = block.scores[at]
        item = entries[at]
        part.gold_levels = np.bincount(gold.levels[gold.levels >= 0], minlength=len(LEVELS))

        strict = equal_to_gold(block, at, gold.position + np.arange(n), spans, starts, lengths)
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
        # A gold that names no item, repeated word for word by a prediction: a strict hit
        # that item identity can never credit (metrics.item falls below metrics.strict).
        echoed = unresolved & strict_ranked[:, :top].any(axis=1)
        part.gold_unresolved_hits = int(echoed.sum())
        part.gold_ambiguous = int(ambiguous_gold.sum())
        mismatched: Bools = np.any(mismatch, axis=1)
        part.mismatched_rows = int(mismatched.sum())
        if part.detail is not None:
            d = part.detail
            d.gold_entry[rows], d.gold_level[rows] = gold.entries, gold.levels
            d.strict_rank[rows] = first_rank(strict_ranked)
            d.item_rank[rows] = first_rank(item_ranked)
            d.strict_ndcg[rows] = ndcg(strict_ranked, self.log)
            d.item_ndcg[rows] = ndcg(item_ranked, self.log)
            d.duplicate[rows], d.tied[rows], d.near_miss[rows] = duplicate, tied, near
            d.mismatch[rows] = mismatched

        def first(mask: Bools, name: str) -> I64:
            return np.flatnonzero(mask)[: part.room(name)]

        index = self.index
        near_rows = first(near, "strict-undercount")
        undercount = show.undercounts(index, block, rows, order, item, gold.entries, near_rows)
        part.add("strict-undercount", undercount)
        chosen = first(duplicate, "duplicate-predictions")
        part.add("duplicate-predictions", show.duplicates(index, block, rows, item, chosen))
        part.add("tied-scores", show.ties(block, rows, scores, first(tied, "tied-scores")))
        chosen = first(echoed, "unresolved-gold-hits")
        part.add("unresolved-gold-hits", show.echoes(block, rows, order, strict, chosen))
        for name, mask, several in (
            ("gold-unresolved", unresolved, False),
            ("ambiguous-ids", ambiguous_gold, True),
        ):
            chosen = first(mask, name)
            part.add(
                name, show.golds(index, block, rows, gold.entries, gold.levels, chosen, several)
            )
        bad = first(mismatched, "metric-mismatch")
        made = show.mismatches(block, rows[bad], recomputed[bad], mismatch[bad])
        part.add("metric-mismatch", made)
        if self.targets is not None:
            self._gold_targets(part, block, rows, gold)
        return order, strict, identity

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
                    total = total + ranked[:, j] / self.log[j]
                out[:, column] = total
        return out

    def _gold_targets(self, part: Partial, block: RowBlock, rows: I64, gold: Golds) -> None:
        assert self.targets is not None
        judged = self.targets.judge(block, rows, gold.entries)
        wrong, elsewhere, has_target = judged.wrong, judged.elsewhere, judged.has_target
        part.users = judged.users
        part.user_lines = block.lines[rows]
        part.unknown_users = int((~has_target).sum())
        part.gold_not_target = int(wrong.sum())
        part.gold_other_split = int(elsewhere.sum())
        if part.detail is not None:
            d = part.detail
            d.gold_not_target[rows], d.unknown_user[rows] = wrong, ~has_target
            d.user[rows], d.gold_other_split[rows] = judged.users, elsewhere
        chosen = np.flatnonzero(wrong)[: part.room("gold-not-target")]
        made = show.not_targets(
            self.index, block, rows, gold.entries, judged.target, elsewhere, chosen, self.split
        )
        part.add("gold-not-target", made)
        chosen = np.flatnonzero(~has_target)[: part.room("unknown-users")]
        what = f"the user has no {self.split} target in the sequences"
        part.add("unknown-users", show.users(block, rows, chosen, what))


def equal_to_gold(
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


def _span(block: RowBlock, start: int, length: int) -> bytes:
    return bytes(block.data[FRONT + start : FRONT + start + length])
