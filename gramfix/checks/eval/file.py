"""GE0xx: the file as a whole -- rows of a batch of users, no rows at all."""

from __future__ import annotations

from gramfix.checks.eval.registry import Audited, AuditSpec
from gramfix.model.report import Finding
from gramfix.model.rules import Input


def run(audit: Audited) -> list[Finding]:
    c = audit.result.counts
    found = []
    if c.batched_rows:
        found.append(
            audit.finding(
                "GE001",
                f"{c.batched_rows:,} of {c.rows:,} rows hold a batch of users (written with a "
                "test batch above 1): their metric values are sums over the batch and only "
                "the first user and gold are written, so the file cannot be audited per user",
                c.batched_rows,
            )
        )
    if c.rows == 0:
        found.append(
            audit.finding(
                "GE002", "the file has the header line and no prediction row: nothing to audit", 1
            )
        )
    return found


AUDIT = AuditSpec("file", ("GE001", "GE002"), frozenset({Input.PREDICTIONS}), run)
