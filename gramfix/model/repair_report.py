"""The report of ``repair``: what it planned, why it wrote or refused, the check of its result."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gramfix.model.base import FrozenModel
from gramfix.model.options import Settings
from gramfix.model.policy import fill_conditions, item_conditions
from gramfix.model.report import EXAMPLES, Finding, Report
from gramfix.model.sections import FillView, KeyExample, MissingItem

Status = Literal["written", "nothing-to-repair", "refused", "planned"]


class Change(FrozenModel):
    """The keys one fix renames."""

    family: str
    count: int
    fix: str
    examples: list[KeyExample]


class StillMissing(FrozenModel):
    """Sequence items the repaired mapping does not resolve (tolerated or blocking)."""

    items: int
    of_items: int
    interactions: int
    of_interactions: int
    examples: list[MissingItem] = Field(description="Most interactions first.")


class Threshold(FrozenModel):
    """A threshold of ``check`` measured on the repaired mapping."""

    name: str
    required: str
    actual: str
    passed: bool


class RepairReport(FrozenModel):
    """What ``repair`` planned, why it wrote or refused, and the check of its result."""

    schema_version: int = 1
    status: Status
    mapping: str
    output: str | None = None
    overwrote: bool = Field(False, description="The output replaced an existing file (--force).")
    backup: str | None = None
    keys_before: int
    keys_after: int
    renamed: int
    collapsed: int = Field(description="Keys dropped as exact duplicates (same ID, same value).")
    changes: list[Change]
    blockers: list[Finding] = Field(description="Error findings that forbid writing.")
    fill_after: FillView | None = Field(description="Recent-window fill of the repaired mapping.")
    still_missing: StillMissing | None = Field(
        None, description="Items the repaired mapping leaves unresolved; null when none."
    )
    thresholds: list[Threshold] = Field(
        default_factory=list,
        description="The thresholds set (none: nothing may stay missing), on the result.",
    )


def still_missing(after: Report) -> StillMissing | None:
    """The items the repaired mapping (checked as ``after``) leaves unresolved."""
    if after.coverage is None:
        return None
    counts = after.coverage.as_written.all
    if counts.items_resolved == counts.items:
        return None
    return StillMissing(
        items=counts.items - counts.items_resolved,
        of_items=counts.items,
        interactions=counts.interactions - counts.interactions_resolved,
        of_interactions=counts.interactions,
        examples=after.coverage.top_missing[:EXAMPLES],
    )


def thresholds(after: Report, settings: Settings) -> list[Threshold]:
    """check's conditions, measured on what the trainer will read: the repaired mapping."""
    if after.coverage is None or after.fill is None:
        return []
    conditions = item_conditions(after.coverage.as_written.all, settings)
    conditions += fill_conditions(after.fill.as_written, settings)
    return [
        Threshold(name=c.name, required=c.required, actual=c.actual, passed=c.passed)
        for c in conditions
    ]


class RepairRefused(Exception):
    """`gramfix.RepairPlan.write` on a plan that blocking findings refuse: nothing was
    written. ``report`` is the repair report; the message names each blocking finding."""

    def __init__(self, report: RepairReport) -> None:
        self.report = report
        lines = [f"the repair of {report.mapping} is refused; nothing was written"]
        lines += [f"  {f.code} {f.name}: {f.message}" for f in report.blockers]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[RepairRefused], tuple[RepairReport]]:
        return RepairRefused, (self.report,)
