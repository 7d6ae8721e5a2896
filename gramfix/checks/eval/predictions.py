"""GE2xx: the predictions -- items or not, one item or several, repeated, tied."""

from __future__ import annotations

from gramfix.checks.eval.registry import Audited, AuditSpec
from gramfix.model.report import Finding
from gramfix.model.rules import Input


def run(audit: Audited) -> list[Finding]:
    r = audit.result
    c = r.counts
    found = []
    if c.invalid_predictions:
        found.append(
            audit.finding(
                "GE201",
                f"{c.invalid_predictions:,} of {c.predictions:,} predictions name no item of "
                "the indexing file at any level (outside the decoding trie, or the indexing "
                "changed since training)",
                c.invalid_predictions,
            )
        )
    golds = c.gold_ambiguous or 0
    if c.ambiguous_predictions or golds:
        found.append(
            audit.finding(
                "GE202",
                f"{c.ambiguous_predictions:,} predictions and {golds:,} golds name several "
                "items at once (a lexical-ID collision): never a hit on item identity",
                c.ambiguous_predictions + golds,
            )
        )
    if c.duplicate_rows:
        found.append(
            audit.finding(
                "GE203",
                f"{c.duplicate_rows:,} rows name one item twice in their top {r.generate_num}",
                c.duplicate_rows,
            )
        )
    if c.tied_rows:
        found.append(
            audit.finding(
                "GE204",
                f"{c.tied_rows:,} rows have equal scores; their order is the beam's (a stable "
                "sort), not the model's",
                c.tied_rows,
            )
        )
    return found


AUDIT = AuditSpec(
    "predictions",
    ("GE201", "GE202", "GE203", "GE204"),
    frozenset({Input.PREDICTIONS}),
    run,
)
