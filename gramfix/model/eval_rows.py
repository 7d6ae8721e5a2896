"""Whole prediction rows, beside the eval report's aggregates: never in its JSON.

The audit streams a prediction file and keeps counters only, so the JSON report holds
means, counts and a few example rows in words. Two things a person wants go further and
live on the report object only (as check's `Coverage.unresolved` does):

* `ShownRow`: an example row as GRAM ranked it -- the gold, and each prediction with its
  score, the item it names, the level it resolved at and whether it matched -- which the
  HTML page draws under each finding (`ExampleRow.row`);
* `RowSource`: how to read every row again for `EvalReport.rows_frame`: the audit runs
  once more over the same file with a per-row collector, so the audit that made the
  report stays bounded in memory and the frame costs memory only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from gramfix.model.eval_sections import METRICS


@dataclass(frozen=True)
class ShownPrediction:
    """One prediction of a shown row, at its place in GRAM's ranking."""

    rank: int  # 1-based, predictions sorted by score (descending, stable) as GRAM does
    beam: int  # 1-based position in the file's row (the beam's order)
    text: str
    score: float
    items: tuple[str, ...]  # the items it names: none, one, or several (ambiguous)
    level: str | None  # the normalisation level it resolved at (None: no item)
    strict: bool  # equal to the gold string: a hit as GRAM counts it
    identity: bool  # names the gold's item, both unambiguously: a hit on item identity


@dataclass(frozen=True)
class ShownRow:
    """An audited row, whole: its gold and its predictions in GRAM's rank order."""

    gold: str
    gold_items: tuple[str, ...]
    gold_level: str | None
    predictions: tuple[ShownPrediction, ...]


class RowSource(Protocol):
    """Reads the audited file again and returns its rows as columns (name -> values, one
    entry per row, in file order): what `EvalReport.rows_frame` turns into a frame."""

    def __call__(self) -> dict[str, Any]: ...


def metric_columns(kind: str) -> list[str]:
    """The hit@k / ndcg@k columns of one kind (``strict`` or ``item``), in METRICS order."""
    return [f"{kind}_{name}" for name in METRICS]


#: The file's own four values of a row (GRAM writes H@5, H@10, NDCG@5, NDCG@10).
REPORTED_COLUMNS = ["reported_hit@5", "reported_hit@10", "reported_ndcg@5", "reported_ndcg@10"]
#: Columns that hold for any row.
ROW_COLUMNS = ["line", "user", "gold"]
#: Columns of a row audited per user: blank (NA) when the report is not per user.
PER_USER_COLUMNS = [
    "gold_item",
    "gold_level",
    "strict_rank",
    "item_rank",
    *metric_columns("strict"),
    *metric_columns("item"),
]
#: Counts and flags of a row: the sums of each are the report's ``counts``.
COUNT_COLUMNS = ["predictions", "invalid_predictions", "ambiguous_predictions"]
FLAG_COLUMNS = [
    "duplicate_items",
    "tied_scores",
    "near_miss",
    "metric_mismatch",
    "gold_unresolved",
    "gold_ambiguous",
]
#: Flags that need user_sequence.txt: blank without it.
TARGET_COLUMNS = ["gold_not_target", "gold_other_split", "unknown_user", "repeated_user"]
#: Every column of `EvalReport.rows_frame`, in order.
FRAME_COLUMNS = [
    *ROW_COLUMNS,
    *PER_USER_COLUMNS,
    *REPORTED_COLUMNS,
    *COUNT_COLUMNS,
    *FLAG_COLUMNS,
    *TARGET_COLUMNS,
    "batched",
]
