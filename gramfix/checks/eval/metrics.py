"""GE1xx: the metrics -- do they follow from the predictions, and what exact matching misses."""

from __future__ import annotations

from gramfix.checks.eval.registry import Audited, AuditSpec
from gramfix.model.eval_sections import number
from gramfix.model.report import Finding
from gramfix.model.rules import Input


def run(audit: Audited) -> list[Finding]:
    r = audit.result
    c, m = r.counts, r.metrics
    found = []
    wrong = [t for t in r.totals if t.agrees is False]
    parts = []
    if c.mismatched_rows:
        parts.append(
            f"{c.mismatched_rows:,} rows whose own metric values are not what GRAM's formula "
            "gives for their predictions"
        )
    parts += [
        f"the {t.name} total (line {t.line}) reads {number(t.reported)}; the rows give "
        f"{number(t.recomputed)}"
        for t in wrong
        if t.recomputed is not None
    ]
    if parts:
        found.append(
            audit.finding("GE101", "; ".join(parts), (c.mismatched_rows or 0) + len(wrong))
        )
    if c.near_miss_hits and m.strict is not None and m.item is not None:
        d = m.item.minus(m.strict)
        top = min(10, r.generate_num)
        found.append(
            audit.finding(
                "GE102",
                f"{c.near_miss_hits:,} rows name the gold item in their top {top} only in "
                f"another surface form: hit@10 {m.strict.hit_10:.4f} strictly, "
                f"{m.item.hit_10:.4f} on item identity (+{d.hit_10:.4f}); ndcg@10 "
                f"+{d.ndcg_10:.4f}",
                c.near_miss_hits,
            )
        )
    if c.gold_unresolved_hits:
        n = c.gold_unresolved_hits
        found.append(
            audit.finding(
                "GE103",
                f"{n:,} of {c.rows:,} rows hit strictly on a gold that names no item (a "
                "prediction repeats it word for word): item identity cannot credit them, so "
                f"hit@10 on item identity is {n / c.rows:.4f} below the strict hit@10 from "
                "these rows",
                n,
            )
        )
    return found


AUDIT = AuditSpec(
    "metrics",
    ("GE101", "GE102", "GE103"),
    frozenset({Input.PREDICTIONS, Input.PER_USER}),
    run,
)
