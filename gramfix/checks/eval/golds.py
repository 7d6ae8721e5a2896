"""GE3xx: the golds and the users -- an item, the user's target, each user once."""

from __future__ import annotations

from gramfix.checks.eval.registry import Audited, AuditSpec
from gramfix.model.eval_sections import other_split, target_index, wrong_split
from gramfix.model.report import Finding
from gramfix.model.rules import Input


def run(audit: Audited) -> list[Finding]:
    r = audit.result
    c = r.counts
    found = []
    if c.gold_unresolved:
        message = f"{c.gold_unresolved:,} of {c.rows:,} golds name no item of the indexing file"
        found.append(audit.finding("GE301", message, c.gold_unresolved))
    if c.gold_not_target:
        message = (
            f"{c.gold_not_target:,} golds are not the user's {r.split} target in the "
            f"sequences (items[{target_index(r.split)}])"
        )
        other = other_split(r.split)
        if c.gold_other_split:
            message += (
                f"; {c.gold_other_split:,} of them are the user's {other} target "
                f"(items[{target_index(other)}])"
            )
        if wrong_split(c):
            message += f": the file is of the {other} split; audit it with --split {other}"
        found.append(audit.finding("GE302", message, c.gold_not_target))
    if c.unknown_users:
        found.append(
            audit.finding(
                "GE303",
                f"{c.unknown_users:,} rows are of users with no {r.split} target in the "
                "sequences: their golds could not be checked",
                c.unknown_users,
            )
        )
    if c.repeated_users:
        found.append(
            audit.finding(
                "GE304",
                f"{c.repeated_users:,} rows repeat a user of an earlier row: the means count "
                "those users more than once",
                c.repeated_users,
            )
        )
    return found


AUDIT = AuditSpec(
    "golds",
    ("GE301", "GE302", "GE303", "GE304"),
    frozenset({Input.PREDICTIONS, Input.PER_USER}),
    run,
)
