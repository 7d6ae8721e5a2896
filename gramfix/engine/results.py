"""What an audit of a GRAM prediction file established: frozen, typed, JSON-ready.

The later report model mirrors these: ``to_dict`` gives the JSON names of issue 13
(``metrics.strict`` / ``metrics.item`` with ``hit@1`` ... ``ndcg@10``, ``metrics.reported``,
``counts.rows`` ... ``counts.gold_not_target``) and `Problem.name` the finding names.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from gramfix.io.targets import Split


@dataclass(frozen=True)
class Metrics:
    """Means over rows of hit@k and ndcg@k for k in 1, 5, 10 (JSON: ``hit@1`` ...)."""

    hit_1: float
    hit_5: float
    hit_10: float
    ndcg_1: float
    ndcg_5: float
    ndcg_10: float

    def to_dict(self) -> dict[str, float]:
        return {f.name.replace("_", "@"): getattr(self, f.name) for f in fields(self)}

    def minus(self, other: Metrics) -> Metrics:
        """Field by field ``self - other``."""
        return Metrics(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class MetricSet:
    """JSON ``metrics``: ``strict`` (GRAM's own comparison), ``item`` (item identity),
    ``reported`` (the file's trailing totals) and ``difference`` (item - strict). The
    recomputed ones are None when the file cannot be audited per user (or has no row)."""

    strict: Metrics | None
    item: Metrics | None
    reported: dict[str, float] | None
    difference: Metrics | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "strict": self.strict.to_dict() if self.strict else None,
            "item": self.item.to_dict() if self.item else None,
            "reported": dict(self.reported) if self.reported is not None else None,
            "difference": self.difference.to_dict() if self.difference else None,
        }


@dataclass(frozen=True)
class Counts:
    """JSON ``counts``. The per-user ones are None when the file cannot be audited per
    user (rows written with a test batch above 1); the ones that need the sequences are
    None without them."""

    rows: int
    predictions: int
    invalid_predictions: int  # resolve to no item at any level
    ambiguous_predictions: int  # resolve to several items
    duplicate_rows: int | None  # rows where two predictions resolve to one item
    tied_rows: int | None  # rows where two predictions have equal scores
    near_miss_hits: int | None  # rows with hit@10 on item identity but not strictly
    gold_unresolved: int | None  # golds that resolve to no item
    gold_not_target: int | None  # golds whose item is not the user's target
    # Beyond the list:
    gold_ambiguous: int | None  # golds that resolve to several items
    batched_rows: int  # rows holding a batch of users
    mismatched_rows: int | None  # rows whose own metric values differ from GRAM's formula
    unknown_users: int | None  # rows whose user has no target in the sequences
    repeated_users: int | None  # rows of a user seen before (DistributedSampler padding)

    def to_dict(self) -> dict[str, int | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class TotalCheck:
    """One trailing total against the figure recomputed from the rows."""

    name: str
    line: int
    reported: float
    recomputed: float | None  # None: not a hit@k / ndcg@k total, or no per-user audit
    tolerance: float
    agrees: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Example:
    """One example row of a problem: where, whose, and what."""

    line: int
    user: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "user": self.user, "detail": self.detail}


@dataclass(frozen=True)
class Problem:
    """A problem the audit found, named as the finding it becomes (``metric-mismatch``
    ...), with how many rows (or strings) show it, a message and example rows."""

    name: str
    count: int
    message: str
    examples: tuple[Example, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "count": self.count,
            "message": self.message,
            "examples": [e.to_dict() for e in self.examples],
        }


PROBLEM_NAMES = (
    "metric-mismatch",
    "strict-undercount",
    "invalid-predictions",
    "duplicate-predictions",
    "tied-scores",
    "gold-unresolved",
    "gold-not-target",
    "ambiguous-ids",
    "batched-rows",
)


@dataclass(frozen=True)
class AuditResult:
    """Everything an audit of one prediction file established."""

    path: Path
    indexing: Path
    sequences: Path | None
    split: Split
    generate_num: int
    per_user: bool  # False: rows hold batches of users; the per-user figures are None
    metrics: MetricSet
    counts: Counts
    prediction_levels: dict[str, int]  # predictions resolved at each level
    gold_levels: dict[str, int] | None  # golds resolved at each level (per user only)
    totals: tuple[TotalCheck, ...]
    problems: tuple[Problem, ...]

    def problem(self, name: str) -> Problem | None:
        """The problem of that name, if the audit found it."""
        return next((p for p in self.problems if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "indexing": str(self.indexing),
            "sequences": str(self.sequences) if self.sequences else None,
            "split": self.split,
            "generate_num": self.generate_num,
            "per_user": self.per_user,
            "metrics": self.metrics.to_dict(),
            "counts": self.counts.to_dict(),
            "levels": {"predictions": self.prediction_levels, "golds": self.gold_levels},
            "totals": [t.to_dict() for t in self.totals],
            "problems": [p.to_dict() for p in self.problems],
        }
