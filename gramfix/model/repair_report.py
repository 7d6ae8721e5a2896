"""The report of ``repair``: what it planned, why it wrote or refused, the check of its result."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gramfix.model.base import FrozenModel
from gramfix.model.report import Finding
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
