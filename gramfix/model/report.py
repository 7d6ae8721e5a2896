"""The report models every output format renders, and the exit code they imply.

`ReportBase` is what every command's report has: a verdict that follows from the
findings, their summary, the settings the report was judged with (the command's own
`gramfix.model.options.CommonSettings` subclass), the inputs read, the findings and the
codes checked. `Report` is ``check``'s; ``eval``'s is
`gramfix.model.eval_report.EvalReport`. The JSON form is versioned
(``schema_version``), has a stable key order and no timestamps, so it can be diffed and
kept as a golden file.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, model_validator

from gramfix.model.base import FrozenModel
from gramfix.model.errors import ExitCode
from gramfix.model.graph_section import GraphStats
from gramfix.model.options import CommonSettings, Settings
from gramfix.model.rules import Severity, rule
from gramfix.model.sections import (
    Coverage,
    EmbeddingStats,
    Fill,
    ItemFileStats,
    LexicalIdStats,
    MappingStats,
    SequenceStats,
)

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 1
EXAMPLES = 5


class Finding(FrozenModel):
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


class InputsBase(FrozenModel):
    """What every report says of its inputs: the configuration, the paths, what was read."""

    config: str | None = Field(None, description="The configuration file applied, if any.")
    paths: dict[str, str] = Field(
        default_factory=dict,
        description="Each file as findings name it -> its path from the working directory.",
    )
    read: list[str] = Field(
        default_factory=list,
        description="The inputs the checks had, as rules name what they need: sequences, "
        "mapping, second mapping, table file, embeddings (the table read as an array), item "
        "files, indexing file, graph (lightgcn_data/train.txt and test.txt), user index, "
        "graph checkpoint, graph export (check); predictions, rows of one user (eval). A rule "
        "needing one that is absent was skipped.",
    )


class Inputs(InputsBase):
    """The files read (relative to the dataset folder when inside it)."""

    dataset: str | None
    sequences: str | None
    mapping: str | None


class Summary(FrozenModel):
    errors: int
    warnings: int
    infos: int


class ReportBase(FrozenModel):
    """What every command's report holds, and the exit code it implies."""

    #: The command that makes this report (its rules: `gramfix.model.rules.rules_of`).
    command: ClassVar[str] = ""

    schema_version: int = SCHEMA_VERSION
    verdict: Literal["pass", "fail"] = Field(
        description="fail exactly when a finding is at or above settings.fail_on "
        "(after thresholds and selection); exit_zero does not change it."
    )
    summary: Summary
    settings: CommonSettings
    inputs: InputsBase
    findings: list[Finding]
    checked: list[str] = Field(
        default_factory=list,
        description="Codes whose checks ran: selected, with every input they need. "
        "A checked code without findings passed.",
    )

    def failing(self) -> list[Finding]:
        """Findings at or above the failing severity."""
        threshold = self.settings.fail_on.rank
        return [f for f in self.findings if f.severity.rank >= threshold]

    def exit_code(self) -> ExitCode:
        """The exit status of the command for this report (the one place it is decided)."""
        if self.verdict == "fail" and not self.settings.exit_zero:
            return ExitCode.FINDINGS
        return ExitCode.OK

    def path(self, finding: Finding) -> str | None:
        """The file of ``finding`` from the working directory (for CI annotations)."""
        if finding.file is None:
            return None
        return self.inputs.paths.get(finding.file, finding.file)

    @abstractmethod
    def subject(self) -> str:
        """What the report is about, as a title names it (a folder, a file)."""

    @model_validator(mode="after")
    def _verdict_follows_findings(self) -> ReportBase:
        expected = "fail" if self.failing() else "pass"
        if self.verdict != expected:
            raise ValueError(f"verdict {self.verdict!r} but the findings say {expected!r}")
        return self


class Report(ReportBase):
    """Everything ``gramfix check`` found, in one versioned object."""

    command: ClassVar[str] = "check"

    settings: Settings
    inputs: Inputs
    sequences: SequenceStats | None = None
    mapping: MappingStats | None = None
    coverage: Coverage | None = None
    fill: Fill | None = None
    # Whole-dataset sections: left out of the JSON when the dataset has no such file.
    embeddings: EmbeddingStats | None = Field(None, exclude_if=lambda v: v is None)
    item_files: list[ItemFileStats] = Field(default_factory=list, exclude_if=lambda v: not v)
    lexical_ids: list[LexicalIdStats] = Field(default_factory=list, exclude_if=lambda v: not v)
    graph: GraphStats | None = Field(None, exclude_if=lambda v: v is None)

    def subject(self) -> str:
        i = self.inputs
        return i.dataset or i.sequences or i.mapping or "."

    def headline(self) -> str:
        """The one sentence that says what the model will get (the reports' first line)."""
        from gramfix.model.headline import headline

        return headline(self)

    def raise_for_verdict(self) -> Report:
        """This report, or `CheckFailed` when the check fails.

        It fails exactly when ``gramfix check`` exits 1: the verdict is ``fail`` and the
        settings do not say ``exit-zero`` (a report-only rollout, which warns instead).
        """
        if self.exit_code() is ExitCode.FINDINGS:
            raise CheckFailed(self)
        if self.verdict == "fail":
            import warnings

            from gramfix.model.display import failure

            warnings.warn(f"{failure(self)} (exit-zero: not raised)", stacklevel=2)
        return self

    def findings_frame(self) -> pd.DataFrame:
        """The findings as a pandas frame: ``code``, ``name``, ``severity``, ``count``,
        ``message``, ``file``, ``line``, ``examples`` (needs ``gramfix[pandas]``)."""
        from gramfix.model.frames import findings_frame

        return findings_frame(self)

    def coverage_frame(self) -> pd.DataFrame:
        """Coverage per ``split`` (all, train, valid, test) and ``view`` (``as_written``,
        ``normalised``: after the safe key fixes, ``complete``): ``items``,
        ``items_resolved``, ``interactions``, ``interactions_resolved``."""
        from gramfix.model.frames import coverage_frame

        return coverage_frame(self)

    def fill_frame(self) -> pd.DataFrame:
        """Recent-window fill per ``split`` (train, valid, test) and ``view`` (as
        `coverage_frame`): ``samples``, ``slots``, ``resolved_slots``, ``fill``,
        ``dead_samples``, ``padded_fill``."""
        from gramfix.model.frames import fill_frame

        return fill_frame(self)

    def missing_items_frame(self) -> pd.DataFrame:
        """Every item unresolved as written, most interactions first: ``item``,
        ``interactions``, ``splits`` (those it occurs in: ``train,valid,test``).

        The full list is kept on the report object, not in its JSON: a report read back
        from JSON raises ValueError here (its ``coverage.top_missing`` has the top 10).
        """
        from gramfix.model.frames import missing_items_frame

        return missing_items_frame(self)

    def __repr__(self) -> str:
        from gramfix.model.display import short_repr

        return short_repr(self)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """What a notebook shows: verdict, headline, fill per split, findings."""
        from gramfix.model.display import notebook_html

        return notebook_html(self)


class CheckFailed(Exception):
    """The check failed (`Report.raise_for_verdict`, `gramfix.preflight`).

    ``report`` is the whole report; the message is its headline and failing findings.
    """

    def __init__(self, report: Report) -> None:
        from gramfix.model.display import failure

        self.report = report
        super().__init__(failure(report))

    def __reduce__(self) -> tuple[type[CheckFailed], tuple[Report]]:
        return CheckFailed, (self.report,)


def summarise(findings: list[Finding]) -> Summary:
    """Counts of findings per severity."""
    return Summary(
        errors=sum(f.severity is Severity.ERROR for f in findings),
        warnings=sum(f.severity is Severity.WARNING for f in findings),
        infos=sum(f.severity is Severity.INFO for f in findings),
    )


def json_schema(report: type[ReportBase] = Report) -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a command's json report (check's by default)."""
    schema = report.model_json_schema(mode="serialization")
    # The report echoes the settings it was judged with: every key is always there, and
    # the defaults and bounds of the options belong to their input (a flag, a key), which
    # the options model validates; the report's schema describes the echo only.
    definitions = schema["$defs"]
    assert isinstance(definitions, dict)
    settings = report.model_fields["settings"].annotation
    assert isinstance(settings, type)
    for prop in definitions[settings.__name__]["properties"].values():
        prop.pop("default", None)
        for variant in [prop, *prop.get("anyOf", [])]:
            variant.pop("minimum", None)
            variant.pop("maximum", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }


def json_schema_text(report: type[ReportBase] = Report) -> str:
    """`json_schema` as indented JSON text ending in a newline (docs/report.schema.json,
    docs/eval.schema.json)."""
    import json

    return json.dumps(json_schema(report), indent=2, ensure_ascii=False) + "\n"
