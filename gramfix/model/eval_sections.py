"""The sections of the eval report: the metrics recomputed, the counts, the levels at which
strings resolved, the trailing totals checked and the example rows.

The audit (`gramfix.engine.audit`) fills them; `gramfix.model.eval_report.EvalReport`
holds them. The JSON names are issue 13's: ``metrics.strict`` / ``metrics.item`` with
``hit@1`` ... ``ndcg@10``, ``metrics.reported``, ``counts.rows`` ... ``counts.gold_not_target``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ConfigDict, Field, PrivateAttr

from gramfix.model.base import FrozenModel

if TYPE_CHECKING:  # eval_rows names the METRICS of this module
    from gramfix.model.eval_rows import ShownRow

#: The recomputed metrics, in the order of their JSON keys (``hit@1`` ...).
METRICS = ("hit@1", "hit@5", "hit@10", "ndcg@1", "ndcg@5", "ndcg@10")


def number(value: float) -> str:
    """A number as eval's messages and examples write it: every digit a float has, as
    people read it (``1.0``, ``0.6309297535714574``, ``nan``), whatever its type: a numpy
    scalar's ``repr`` would read ``np.float64(1.0)``."""
    return repr(float(value))


def other_split(split: str) -> str:
    """The split whose targets a file of ``split`` must not hold."""
    return "valid" if split == "test" else "test"


def target_index(split: str) -> int:
    """Where a user's target of ``split`` is in their sequence: ``items[-1]`` (test) or
    ``items[-2]`` (valid)."""
    return -1 if split == "test" else -2


def wrong_split(counts: EvalCounts) -> bool:
    """Whether most golds are the users' targets of the other split: the file is of that
    split, audited as this one (GE302 says so, and the headline)."""
    return 2 * (counts.gold_other_split or 0) > counts.rows


class MetricValues(FrozenModel):
    """Means over rows of hit@k and ndcg@k for k in 1, 5, 10 (JSON: ``hit@1`` ...)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", serialize_by_alias=True, validate_by_name=True
    )

    hit_1: float = Field(alias="hit@1")
    hit_5: float = Field(alias="hit@5")
    hit_10: float = Field(alias="hit@10")
    ndcg_1: float = Field(alias="ndcg@1")
    ndcg_5: float = Field(alias="ndcg@5")
    ndcg_10: float = Field(alias="ndcg@10")

    @classmethod
    def of(cls, values: dict[str, float]) -> MetricValues:
        """From ``{"hit@1": ..., ...}``."""
        return cls.model_validate(values, by_alias=True)

    def by_name(self) -> dict[str, float]:
        """``{"hit@1": ..., ...}`` in `METRICS` order."""
        values: dict[str, float] = self.model_dump(by_alias=True)
        return values

    def minus(self, other: MetricValues) -> MetricValues:
        """Metric by metric ``self - other``."""
        theirs = other.by_name()
        return MetricValues.of(
            {name: value - theirs[name] for name, value in self.by_name().items()}
        )


class EvalMetrics(FrozenModel):
    """``strict``: GRAM's own comparison (string equality); ``item``: the same ranking,
    relevant where a prediction names the gold's item; ``difference``: item - strict;
    ``reported``: the file's trailing totals as written."""

    strict: MetricValues | None = Field(
        description="null when the file cannot be audited per user, or has no row."
    )
    item: MetricValues | None
    reported: dict[str, float] | None = Field(
        description="The trailing 'metric: value' lines, by name; null without them."
    )
    difference: MetricValues | None


class EvalCounts(FrozenModel):
    """What the audit counted. The per-user counts are null when the rows hold batches of
    users; the ones that need the sequences are null without them."""

    rows: int = Field(description="Prediction rows (lines of the file but the header and totals).")
    predictions: int
    invalid_predictions: int = Field(description="Predictions that name no item at any level.")
    ambiguous_predictions: int = Field(description="Predictions that name several items.")
    duplicate_rows: int | None = Field(description="Rows where two predictions name one item.")
    tied_rows: int | None = Field(description="Rows where two scores are equal.")
    near_miss_hits: int | None = Field(
        description="Rows that hit@10 on item identity but not strictly."
    )
    gold_unresolved: int | None = Field(description="Golds that name no item.")
    gold_not_target: int | None = Field(
        description="Golds whose item is not the user's target (items[-1] for test, "
        "items[-2] for valid); users without a target are counted in unknown_users."
    )
    gold_ambiguous: int | None = Field(description="Golds that name several items.")
    gold_other_split: int | None = Field(
        description="Of gold_not_target, golds that are the user's target of the other split "
        "(items[-2] under test, items[-1] under valid). When they are most of the rows, the "
        "file is of the other split (GE302 and the headline say so)."
    )
    gold_unresolved_hits: int | None = Field(
        description="Of gold_unresolved, rows that hit@10 strictly: a prediction repeats the "
        "gold word for word. Strict hits that item identity never credits (no item to name), "
        "so metrics.item is below metrics.strict by them."
    )
    batched_rows: int = Field(description="Rows that hold a batch of users (test batch above 1).")
    mismatched_rows: int | None = Field(
        description="Rows whose own four metric values are not what GRAM's formula gives."
    )
    unknown_users: int | None = Field(
        description="Rows whose user has no target in the sequences for the split."
    )
    repeated_users: int | None = Field(
        description="Rows of a user already seen (DistributedSampler pads ranks with repeats)."
    )


class Levels(FrozenModel):
    """How many strings resolved at each normalisation level (raw, decoded, whitespace,
    folded); a string that resolves at no level is counted in neither."""

    predictions: dict[str, int]
    golds: dict[str, int] | None = Field(description="null when not audited per user.")


class TotalCheck(FrozenModel):
    """One trailing total against the figure recomputed from the rows."""

    name: str
    line: int
    reported: float
    recomputed: float | None = Field(
        description="null: not a hit@k / ndcg@k total, or the file is not audited per user."
    )
    tolerance: float = Field(
        description="Half a unit of the total's last printed digit, plus 1e-9 (1e-9 for an "
        "integral value): a tensor(...) and a plain number alike."
    )
    agrees: bool | None


class ExampleRow(FrozenModel):
    """One row that shows a finding: where, whose, and what."""

    line: int
    user: str
    detail: str
    _row: ShownRow | None = PrivateAttr(None)

    @property
    def row(self) -> ShownRow | None:
        """The whole row as GRAM ranked it (the gold, every prediction, what each names
        and matched), when the audit ran in this process and the row holds one user:
        never in the JSON, which says the row's problem in ``detail``."""
        return self._row

    def showing(self, row: ShownRow | None) -> ExampleRow:
        """This example with its whole row attached (never in the JSON)."""
        kept = self.model_copy()
        kept._row = row
        return kept

    def __str__(self) -> str:
        who = f" ({self.user})" if self.user else ""
        return f"line {self.line}{who}: {self.detail}"
