"""The report of ``gramfix eval``: the shared report (verdict, findings ...) and the audit.

`EvalReport` is a `gramfix.model.report.ReportBase`: the same verdict, exit code,
findings and selection as ``check``'s report, rendered by the same renderers; its own
sections are the audit's (`gramfix.model.eval_sections`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, PrivateAttr

from gramfix.model.eval_rows import RowSource
from gramfix.model.eval_sections import (
    EvalCounts,
    EvalMetrics,
    ExampleRow,
    Levels,
    TotalCheck,
    other_split,
    target_index,
    wrong_split,
)
from gramfix.model.options import EvalSettings
from gramfix.model.report import InputsBase, ReportBase

if TYPE_CHECKING:
    import pandas as pd


class EvalInputs(InputsBase):
    """The files read (as given, or found in the dataset folder)."""

    predictions: str
    dataset: str | None
    indexing: str
    sequences: str | None = Field(
        description="user_sequence.txt, for gold-not-target; null when absent."
    )


class EvalReport(ReportBase):
    """Everything ``gramfix eval`` established about one prediction file."""

    command: ClassVar[str] = "eval"

    settings: EvalSettings
    inputs: EvalInputs
    per_user: bool = Field(
        description="Every row holds one user (a test batch of 1): the per-user figures "
        "exist. false: rows hold batches; the recomputed metrics and per-user counts are null."
    )
    metrics: EvalMetrics
    counts: EvalCounts
    levels: Levels
    totals: list[TotalCheck] = Field(
        description="The trailing totals, each against the figure the rows give."
    )
    examples: dict[str, list[ExampleRow]] = Field(
        description="Example rows of each finding, by its name (the first rows in the file)."
    )
    _rows: RowSource | None = PrivateAttr(None)

    def subject(self) -> str:
        return self.inputs.predictions

    def headline(self) -> str:
        """The one sentence that says what the reported metrics are worth."""
        m, c = self.metrics, self.counts
        if not self.per_user:
            return (
                f"{c.batched_rows:,} of {c.rows:,} rows hold a batch of users: the file cannot "
                "be audited per user."
            )
        if c.rows == 0 or m.strict is None or m.item is None:
            return "The file holds no prediction row: nothing was audited."
        mismatch = any(f.name == "metric-mismatch" for f in self.findings)
        s, i = m.strict, m.item
        split = self.settings.split
        if wrong_split(c):
            # Every figure compares with the wrong targets: that is the news, not matching.
            other = other_split(split)
            sentence = (
                f"The golds are the users' {other} targets (items[{target_index(other)}]), not "
                f"their {split} targets ({c.gold_other_split:,} of {c.rows:,} rows): the file "
                f"is of the {other} split; audit it with --split {other}."
            )
        elif c.near_miss_hits:
            sentence = (
                f"Exact matching under-counts: hit@10 {s.hit_10:.4f} as GRAM counts it, "
                f"{i.hit_10:.4f} on item identity ({c.near_miss_hits:,} of {c.rows:,} rows "
                "name the gold in another form)."
            )
        elif i != s:
            sentence = (
                f"hit@10 {s.hit_10:.4f} as GRAM counts it, {i.hit_10:.4f} on item identity "
                f"(ndcg@10 {s.ndcg_10:.4f} and {i.ndcg_10:.4f}) over {c.rows:,} rows."
            )
            if c.gold_unresolved_hits:  # why item identity gives less (GE103)
                sentence += (
                    f" {c.gold_unresolved_hits:,} rows hit strictly on a gold that names no "
                    "item, which item identity cannot credit."
                )
        else:
            sentence = (
                f"hit@10 {s.hit_10:.4f} and ndcg@10 {s.ndcg_10:.4f} over {c.rows:,} rows: item "
                "identity gives the same."
            )
        if mismatch and c.mismatched_rows:
            sentence += " The file's own metrics do not follow from its predictions."
        elif mismatch:
            sentence += (
                " The reported totals do not follow from the rows (every row's own values "
                "are consistent with its predictions)."
            )
        return sentence

    def reading_rows(self, source: RowSource) -> EvalReport:
        """This report, able to read its rows again for `rows_frame` (never in the JSON)."""
        kept = self.model_copy()
        kept._rows = source
        return kept

    def rows_frame(self) -> pd.DataFrame:
        """One row per row of the prediction file, in file order (needs
        ``gramfix[pandas]``): ``line``, ``user``, ``gold``; ``gold_item`` and
        ``gold_level`` (the item the gold names and the level it resolved at: raw,
        decoded, whitespace, folded; NA when it names none or several);
        ``strict_rank`` and ``item_rank`` (the rank of the first hit as GRAM ranks the
        predictions, strictly and on item identity; NA: no hit); ``strict_hit@1`` ...
        ``strict_ndcg@10`` and ``item_hit@1`` ... ``item_ndcg@10``; the row's own
        ``reported_hit@5`` ... ``reported_ndcg@10``; ``predictions``,
        ``invalid_predictions``, ``ambiguous_predictions``; the flags
        ``duplicate_items``, ``tied_scores``, ``near_miss``, ``metric_mismatch``,
        ``gold_unresolved``, ``gold_ambiguous``, ``gold_not_target``,
        ``gold_other_split`` (the gold is the user's target of the other split),
        ``unknown_user``, ``repeated_user``, ``batched``.

        The numbers are the report's: the means of the hit and ndcg columns are
        ``metrics.strict`` and ``metrics.item``, the sums of the counts and flags are
        ``counts``. A column the report has as null is NA (per-user columns of a batched
        file, target flags without ``user_sequence.txt``).

        The audit keeps counters only, so the file is read again, with every row kept:
        memory grows with the rows here, never in the audit. The report holds how to read
        it (not the rows, and not in its JSON): a report read back from JSON, or whose
        file changed since, raises ValueError or `gramfix.InputError`.
        """
        from gramfix.model.eval_frames import rows_frame

        return rows_frame(self, self._rows)

    def findings_frame(self) -> pd.DataFrame:
        """The findings as a pandas frame, as `Report.findings_frame`."""
        from gramfix.model.frames import findings_frame

        return findings_frame(self)
