"""The audit of a GRAM prediction file: blocks of rows counted, merged in file order, and
turned into the eval report's sections (`gramfix.model.eval_sections`).

`Audit` streams the rows (`gramfix.engine.prediction_rows.RowBlock`) once and keeps
counters only: `measure` a block (pure, safe in worker threads;
`gramfix.engine.audit_rows`), `merge` the parts in file order, `finish`. Memory is the
lexical index, the targets and the counters, whatever the file's size. Reading the
file and running the threads is `gramfix.evaluation.audit`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from gramfix.engine.audit_detail import RowDetail, columns
from gramfix.engine.audit_examples import Example, shown_row
from gramfix.engine.audit_rows import EXAMPLES, BlockAudit, Partial
from gramfix.engine.audit_targets import TargetIndex
from gramfix.engine.gram_metrics import (
    DEFAULT_GENERATE_NUM,
    K_VALUES,
    METRIC_NAME,
    total_agrees,
    total_tolerance,
)
from gramfix.engine.lexical import LEVELS, LexicalIndex
from gramfix.engine.prediction_rows import ReportedTotal, RowBlock
from gramfix.model.eval_sections import (
    EvalCounts,
    EvalMetrics,
    ExampleRow,
    Levels,
    MetricValues,
    TotalCheck,
    number,
)

I64 = npt.NDArray[np.int64]

#: The counters of `Partial` that add up.
_SUMS = (
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
    "gold_other_split",
    "gold_unresolved_hits",
    "unknown_users",
    "mismatched_rows",
)


@dataclass(frozen=True)
class AuditResult:
    """Everything an audit of one prediction file established."""

    split: str
    generate_num: int
    per_user: bool  # False: rows hold batches of users; the per-user figures are None
    with_targets: bool  # the sequences were read (and the file is audited per user)
    metrics: EvalMetrics
    counts: EvalCounts
    levels: Levels
    totals: tuple[TotalCheck, ...]
    examples: dict[str, tuple[ExampleRow, ...]]  # by finding name, at most EXAMPLES each
    rows: dict[str, object] | None = None  # every row's values (an audit that keeps rows)

    def shown(self, name: str) -> tuple[ExampleRow, ...]:
        """The example rows of finding ``name`` (none when it has none)."""
        return self.examples.get(name, ())


class Audit:
    """Counters over the rows of one prediction file."""

    def __init__(
        self,
        path: Path,
        index: LexicalIndex,
        generate_num: int = DEFAULT_GENERATE_NUM,
        targets: Mapping[str, str | None] | None = None,
        split: str = "test",
        keep_rows: bool = False,
        *,
        other_targets: Mapping[str, str | None] | None = None,
    ) -> None:
        self.path = path
        self.index = index
        self.g = generate_num
        self.split = split
        self._targets = TargetIndex(targets, index, other_targets) if targets is not None else None
        self._block = BlockAudit(path, index, generate_num, self._targets, split, keep_rows)
        self.keep_rows = keep_rows
        self._details: list[RowDetail] = []  # with keep_rows: every block's rows, in order
        # The first line of each user of the sequences seen in the file (0: not yet).
        self._seen = np.zeros(self._targets.size if self._targets else 0, np.int64)
        self.total = Partial(
            strict_first=np.zeros(generate_num, np.int64),
            strict_rel=np.zeros(generate_num, np.int64),
            item_first=np.zeros(generate_num, np.int64),
            item_rel=np.zeros(generate_num, np.int64),
        )
        self.repeated_users = 0

    def measure(self, block: RowBlock) -> Partial:
        """The counts of one block of rows (pure: safe in worker threads)."""
        return self._block.measure(block)

    def add(self, block: RowBlock) -> None:
        """Count one block (``merge(measure(block))``)."""
        self.merge(self.measure(block))

    def merge(self, part: Partial) -> None:
        """Add one block's counts (blocks must come in file order)."""
        t = self.total
        for name in _SUMS:
            setattr(t, name, getattr(t, name) + getattr(part, name))
        t.pred_levels += part.pred_levels
        t.gold_levels += part.gold_levels
        for name in ("strict_first", "strict_rel", "item_first", "item_rel"):
            mine, theirs = getattr(t, name), getattr(part, name)
            if theirs is not None:
                mine += theirs
        if part.users is not None and part.user_lines is not None:
            self._repeats(part.users, part.user_lines)
        for name, examples in part.examples.items():
            t.add(name, examples)
        full = frozenset(name for name in t.examples if not t.room(name))
        if full != self._block.full:
            self._block.full = full
        if part.detail is not None:
            self._details.append(part.detail)

    def _repeats(self, users: I64, lines: I64) -> None:
        """Count the rows of users seen before, in an earlier block or earlier in this one."""
        known = users >= 0
        users, lines = users[known], lines[known]
        _, first = np.unique(users, return_index=True)
        repeat = np.ones(len(users), np.bool_)
        repeat[first] = False
        repeat[first[self._seen[users[first]] > 0]] = True
        self.repeated_users += int(repeat.sum())
        assert self._targets is not None
        room = self.total.room("repeated-users")
        made = []
        for r in np.flatnonzero(repeat)[:room].tolist():
            user = int(users[r])
            earlier = int(self._seen[user]) or int(lines[np.flatnonzero(users == user)[0]])
            made.append(
                Example(
                    int(lines[r]),
                    self._targets.names[user],
                    f"the user's row of line {earlier} again",
                )
            )
        self.total.add("repeated-users", made)
        fresh = first[self._seen[users[first]] == 0]
        self._seen[users[fresh]] = lines[fresh]

    def finish(self, totals: Sequence[ReportedTotal]) -> AuditResult:
        """The result, once every block has been merged."""
        t = self.total
        per_user = t.batched == 0
        audited = t.audited if per_user else 0
        strict = self._means(t.strict_first, t.strict_rel, audited)
        item = self._means(t.item_first, t.item_rel, audited)
        checks = tuple(self._check(total, audited) for total in totals)
        with_targets = per_user and self._targets is not None

        def per_user_count(value: int) -> int | None:
            return value if per_user else None

        def target_count(value: int) -> int | None:
            return value if with_targets else None

        counts = EvalCounts(
            rows=t.rows,
            predictions=t.predictions,
            invalid_predictions=t.invalid,
            ambiguous_predictions=t.ambiguous,
            duplicate_rows=per_user_count(t.duplicate_rows),
            tied_rows=per_user_count(t.tied_rows),
            near_miss_hits=per_user_count(t.near_miss),
            gold_unresolved=per_user_count(t.gold_unresolved),
            gold_not_target=target_count(t.gold_not_target),
            gold_other_split=target_count(t.gold_other_split),
            gold_unresolved_hits=per_user_count(t.gold_unresolved_hits),
            gold_ambiguous=per_user_count(t.gold_ambiguous),
            batched_rows=t.batched,
            mismatched_rows=per_user_count(t.mismatched_rows),
            unknown_users=target_count(t.unknown_users),
            repeated_users=target_count(self.repeated_users),
        )
        metrics = EvalMetrics(
            strict=strict,
            item=item,
            reported={total.name: total.value for total in totals} if totals else None,
            difference=item.minus(strict) if item is not None and strict is not None else None,
        )
        levels = Levels(
            predictions=dict(zip(LEVELS, t.pred_levels.tolist(), strict=True)),
            golds=dict(zip(LEVELS, t.gold_levels.tolist(), strict=True)) if per_user else None,
        )
        # A wrong total says more than a wrong row: its line comes first.
        wrong = [
            Example(
                c.line,
                "",
                f"{c.name} total written {number(c.reported)}, recomputed "
                f"{'-' if c.recomputed is None else number(c.recomputed)} "
                f"(tolerance {c.tolerance:.1e})",
            )
            for c in checks
            if c.agrees is False
        ]
        found = {**t.examples, "metric-mismatch": wrong + t.examples.get("metric-mismatch", [])}
        if not per_user:  # only what holds for batches of users is shown
            found = {n: found.get(n, []) for n in ("batched-rows", "invalid-predictions")}
            found["ambiguous-ids"] = [
                e for e in t.examples.get("ambiguous-ids", []) if e.detail.startswith("prediction")
            ]
        examples = {
            name: tuple(self._example(e, per_user) for e in rows[:EXAMPLES])
            for name, rows in found.items()
            if rows
        }
        return AuditResult(
            split=self.split,
            generate_num=self.g,
            per_user=per_user,
            with_targets=with_targets,
            metrics=metrics,
            counts=counts,
            levels=levels,
            totals=checks,
            examples=examples,
            rows=columns(self._details, self.index) if self.keep_rows else None,
        )

    def _example(self, e: Example, per_user: bool) -> ExampleRow:
        """An example in words, and whole when the file is audited per user (a file
        holding batches of users is ranked per row nowhere, not even for its rows of one)."""
        shown = ExampleRow(line=e.line, user=e.user, detail=e.detail)
        if e.row is None or not per_user:
            return shown
        return shown.showing(shown_row(self.index, e.row))

    def _means(self, first: I64 | None, rel: I64 | None, rows: int) -> MetricValues | None:
        if rows == 0 or first is None or rel is None:
            return None
        return MetricValues.of(
            {
                f"{kind}@{k}": self._mean(first, rel, kind, k, rows)
                for kind in ("hit", "ndcg")
                for k in K_VALUES
            }
        )

    def _mean(self, first: I64, rel: I64, kind: str, k: int, rows: int) -> float:
        top = min(k, self.g)
        if kind == "hit":
            return int(first[:top].sum()) / rows
        log = self._block.log
        total = 0.0
        for j in range(top):
            total += int(rel[j]) / float(log[j])
        return total / rows

    def _check(self, total: ReportedTotal, rows: int) -> TotalCheck:
        tolerance = total_tolerance(total)
        match = METRIC_NAME.fullmatch(total.name)
        recomputed = None
        t = self.total
        if match and rows and t.strict_first is not None and t.strict_rel is not None:
            kind, k = match.group(1).lower(), int(match.group(2))
            recomputed = self._mean(t.strict_first, t.strict_rel, kind, k, rows)
        agrees = None if recomputed is None else total_agrees(total, recomputed)
        return TotalCheck(
            name=total.name,
            line=total.line,
            reported=total.value,
            recomputed=recomputed,
            tolerance=tolerance,
            agrees=agrees,
        )
