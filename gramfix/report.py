"""The one report model every output format renders, and the exit code it implies.

The JSON form is versioned (``schema_version``), has a stable key order and no
timestamps, so it can be diffed and kept as a golden file.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gramfix.findings import Severity, rule
from gramfix.settings import Settings

SCHEMA_VERSION = 1
EXAMPLES = 5


class ExitCode(IntEnum):
    """The exit-code contract CI relies on."""

    OK = 0  # no finding at or above the failing severity (or --exit-zero)
    FINDINGS = 1  # at least one such finding (or nothing safe to repair)
    INPUT_ERROR = 2  # unreadable input or wrong options
    BUG = 3  # a bug in gramfix


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Finding(_Model):
    """One problem (or fact) found in the data, with a stable code."""

    code: str
    name: str
    severity: Severity
    message: str
    count: int = Field(description="How many keys, items, lines ... the finding covers.")
    examples: list[str] = Field(default_factory=list)
    file: str | None = None
    line: int | None = None

    @classmethod
    def of(
        cls,
        code: str,
        message: str,
        count: int,
        examples: list[str] | None = None,
        *,
        severity: Severity | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> Finding:
        """A finding of catalogue entry ``code`` (its severity unless overridden)."""
        entry = rule(code)
        return cls(
            code=code,
            name=entry.name,
            severity=severity or entry.severity,
            message=message,
            count=count,
            examples=(examples or [])[:EXAMPLES],
            file=file,
            line=line,
        )


class SettingsEcho(_Model):
    """The settings the report was computed and judged with."""

    recent_k: int
    max_his: int
    fail_on: Severity = Field(description="Findings at or above this severity fail.")
    select: list[str] = Field(description="Code prefixes reported; empty: every code.")
    ignore: list[str] = Field(description="Code prefixes not reported.")
    max_missing: int | None = Field(description="Threshold: sequence items allowed to miss.")
    min_coverage: float | None = Field(description="Threshold: share of items to resolve.")
    min_fill: float | None = Field(description="Threshold: lowest recent-window fill.")
    exit_zero: bool = Field(description="Exit 0 even when the verdict is fail.")

    @classmethod
    def of(cls, settings: Settings) -> SettingsEcho:
        """The echo of ``settings``."""
        return cls(
            recent_k=settings.recent_k,
            max_his=settings.max_his,
            fail_on=settings.fail_on,
            select=list(settings.selected_prefixes),
            ignore=list(settings.ignored_prefixes),
            max_missing=settings.max_missing,
            min_coverage=settings.min_coverage,
            min_fill=settings.min_fill,
            exit_zero=settings.exit_zero,
        )


class Inputs(_Model):
    """The files read (relative to the dataset folder when inside it)."""

    dataset: str | None
    sequences: str | None
    mapping: str | None
    config: str | None = Field(None, description="The configuration file applied, if any.")
    paths: dict[str, str] = Field(
        default_factory=dict,
        description="Each file as findings name it -> its path from the working directory.",
    )
    read: list[str] = Field(
        default_factory=list,
        description="The inputs the checks had, as rules name what they need: sequences, "
        "mapping, second mapping, table file, embeddings (the table read as an array), item "
        "files, indexing file. A rule needing one that is absent was skipped.",
    )


class SequenceStats(_Model):
    file: str
    lines: int
    users: int
    interactions: int
    items: int = Field(description="Distinct item IDs: the universe keys are checked against.")


class KeyExample(_Model):
    key: str
    fixed: str | None = Field(description="The item ID the fix leads to, if any.")


class KeyFamily(_Model):
    family: str
    count: int
    examples: list[KeyExample]
    fix: str | None
    safe: bool | None = Field(description="null for exact keys, which need no fix.")


class ValueStats(_Model):
    count: int
    integers: int
    non_integers: int
    zero: int
    negative: int
    min: int | None
    max: int | None
    distinct: int
    contiguous: bool = Field(description="The values are exactly 1..N for N keys.")


class MappingStats(_Model):
    file: str
    format: Literal["json", "pickle"]
    keys: int = Field(description="Keys as json.load returns them.")
    members: int = Field(description="Key-value pairs in the text (more when keys repeat).")
    duplicate_keys: int
    conflicting_duplicate_keys: int
    values: ValueStats
    families: list[KeyFamily] = Field(default_factory=list)
    conflicts: int = Field(0, description="Keys whose fix collides with another key's value.")


class Counts(_Model):
    items: int
    items_resolved: int
    interactions: int
    interactions_resolved: int


class CoverageView(_Model):
    all: Counts
    train: Counts = Field(description="Training history: s[:-2].")
    valid: Counts = Field(description="Validation target: s[-2].")
    test: Counts = Field(description="Test target: s[-1].")


class MissingItem(_Model):
    id: str
    interactions: int


class Coverage(_Model):
    as_written: CoverageView
    normalised: CoverageView = Field(description="After every applicable, safe key fix.")
    top_missing: list[MissingItem]
    top_missing_normalised: list[MissingItem]
    unused_keys: int = Field(description="Keys that match no sequence item even after fixes.")


class FillSplit(_Model):
    samples: int = Field(description="Samples with a non-empty history.")
    slots: int = Field(description="Real history slots in their recent-item windows.")
    resolved_slots: int
    fill: float = Field(description="resolved_slots / slots: 1.0 when every item resolves.")
    dead_samples: int = Field(description="Samples whose prefix is a zero vector.")
    padded_fill: float = Field(description="resolved_slots / (samples * recent_k).")


class FillView(_Model):
    train: FillSplit
    valid: FillSplit
    test: FillSplit


class Fill(_Model):
    window: int = Field(description="Real slots at most: min(recent_k, max_his).")
    as_written: FillView
    normalised: FillView
    complete: FillView = Field(description="What a mapping resolving every item gives.")


class SignalOrder(_Model):
    """The collaborative signal under one way of looking items up in the table (estimated
    on a first 4,000 pairs when those already show no signal)."""

    order: str
    pairs: int
    cooccurring: float
    random: float
    ratio: float


class Signal(_Model):
    """Are rows of items that follow each other in user histories closer than random pairs?"""

    seed: int = Field(description="Seed of the pair sample: the same data gives the same figures.")
    pairs: int = Field(description="Sampled pairs of consecutive items of one user (two rows).")
    random_pairs: int = Field(description="Random pairs, both items drawn like interactions.")
    cooccurring: float = Field(description="Mean cosine similarity of co-occurring items' rows.")
    random: float = Field(description="Mean cosine similarity of random pairs' rows.")
    ratio: float = Field(
        description="(1 - random) / (1 - cooccurring): how much closer co-occurring items are "
        "in mean cosine distance; 1.0 means no collaborative signal."
    )
    verdict: Literal["signal", "no-signal", "inconclusive"]
    structure: float = Field(
        description="Mean nearest-neighbour cosine of sampled rows minus the same with each "
        "coordinate shuffled across rows: about 0 when rows are independent noise."
    )
    best_order: str = Field(description="The lookup under which the signal is strongest.")
    orders: list[SignalOrder] = Field(
        description="Other lookups tried: rows shifted by one always, other item orders when "
        "the mapping's own shows no signal."
    )


class EmbeddingStats(_Model):
    """The embedding table: shape, values and whether it carries collaborative signal."""

    file: str
    format: Literal["npy", "pt"]
    dtype: str
    shape: list[int]
    rows: int
    dim: int | None = Field(description="Columns of a 2-D table.")
    expected_rows: int | None = Field(description="Largest mapping value + 1 (row 0 is padding).")
    padding_row_zero: bool | None
    non_finite_rows: int
    zero_rows: int = Field(description="All-zero rows other than row 0.")
    duplicate_rows: int = Field(description="Non-zero rows equal to an earlier row.")
    unit_norm_rows: int = Field(description="Rows other than row 0 with norm 1 (to 1e-3).")
    norm_min: float | None
    norm_mean: float | None
    norm_max: float | None
    signal: Signal | None = None


class IdComparison(_Model):
    """An item file's IDs against another ID set."""

    missing: int = Field(description="IDs of the other set that the file lacks.")
    missing_examples: list[str]
    extra: int = Field(description="IDs of the file that the other set lacks.")
    extra_examples: list[str]


class Neighbours(_Model):
    """The neighbour lists of a similar-items file."""

    fewest_per_line: int
    most_per_line: int
    distinct: int
    occurrences: int
    unknown: int = Field(description="Distinct neighbours that are not known items.")
    unknown_occurrences: int


class ItemFileStats(_Model):
    """One of item_plain_text.txt, item_generative_indexing_*.txt, similar_item_*.txt."""

    file: str
    kind: Literal["item-text", "indexing", "similar-items"]
    lines: int
    ids: int = Field(description="Lines the trainer reads as 'ID rest'.")
    distinct_ids: int
    skipped_header_lines: int = Field(description="'anchor ...' lines the trainer skips.")
    vs_sequences: IdComparison | None
    vs_mapping: IdComparison | None
    neighbours: Neighbours | None = None


class LexicalCollisions(_Model):
    """Items whose lexical IDs are equal under one comparison."""

    comparison: Literal["exact", "without-markers", "normalised"]
    groups: int = Field(description="Lexical IDs shared by several items.")
    items: int
    pairs: int = Field(description="Item pairs the evaluation cannot tell apart.")
    examples: list[str]


class LexicalIdStats(_Model):
    file: str
    items: int
    collisions: list[LexicalCollisions] = Field(
        description="exact; without the | and ▁ markers; and that, stripped and lower-cased."
    )


class Summary(_Model):
    errors: int
    warnings: int
    infos: int


class Report(_Model):
    """Everything ``gramfix check`` found, in one versioned object."""

    schema_version: int = SCHEMA_VERSION
    verdict: Literal["pass", "fail"] = Field(
        description="fail exactly when a finding is at or above settings.fail_on "
        "(after thresholds and selection); exit_zero does not change it."
    )
    summary: Summary
    settings: SettingsEcho
    inputs: Inputs
    findings: list[Finding]
    checked: list[str] = Field(
        default_factory=list,
        description="Codes whose checks ran: selected, with every input they need. "
        "A checked code without findings passed.",
    )
    sequences: SequenceStats | None = None
    mapping: MappingStats | None = None
    coverage: Coverage | None = None
    fill: Fill | None = None
    # Whole-dataset sections: left out of the JSON when the dataset has no such file.
    embeddings: EmbeddingStats | None = Field(None, exclude_if=lambda v: v is None)
    item_files: list[ItemFileStats] = Field(default_factory=list, exclude_if=lambda v: not v)
    lexical_ids: list[LexicalIdStats] = Field(default_factory=list, exclude_if=lambda v: not v)

    def failing(self) -> list[Finding]:
        """Findings at or above the failing severity."""
        threshold = self.settings.fail_on.rank
        return [f for f in self.findings if f.severity.rank >= threshold]

    def exit_code(self) -> ExitCode:
        """The exit status of ``check`` for this report (the one place it is decided)."""
        if self.verdict == "fail" and not self.settings.exit_zero:
            return ExitCode.FINDINGS
        return ExitCode.OK

    def path(self, finding: Finding) -> str | None:
        """The file of ``finding`` from the working directory (for CI annotations)."""
        if finding.file is None:
            return None
        return self.inputs.paths.get(finding.file, finding.file)

    @model_validator(mode="after")
    def _verdict_follows_findings(self) -> Report:
        expected = "fail" if self.failing() else "pass"
        if self.verdict != expected:
            raise ValueError(f"verdict {self.verdict!r} but the findings say {expected!r}")
        return self


def summarise(findings: list[Finding]) -> Summary:
    """Counts of findings per severity."""
    return Summary(
        errors=sum(f.severity is Severity.ERROR for f in findings),
        warnings=sum(f.severity is Severity.WARNING for f in findings),
        infos=sum(f.severity is Severity.INFO for f in findings),
    )


def json_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of the json report."""
    schema = Report.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }


def json_schema_text() -> str:
    """`json_schema` as indented JSON text ending in a newline (docs/report.schema.json)."""
    import json

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
