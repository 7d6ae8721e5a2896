"""``check``: read a dataset as the trainer does, run every check, return one report."""

from __future__ import annotations

from pathlib import Path

from gramfix import progress
from gramfix.analysis import Analysis
from gramfix.checks.coverage import check_coverage
from gramfix.checks.fill import check_fill
from gramfix.checks.hygiene import check_hygiene
from gramfix.checks.key_formats import check_duplicate_keys, check_key_formats
from gramfix.checks.values import check_values
from gramfix.dataset import DatasetFiles, locate
from gramfix.errors import InputError
from gramfix.policy import checked_codes, judge, verdict
from gramfix.readers.mapping import read_mapping
from gramfix.readers.sequences import read_sequences
from gramfix.report import (
    Finding,
    Inputs,
    KeyFamily,
    MappingStats,
    Report,
    SequenceStats,
    SettingsEcho,
    summarise,
)
from gramfix.settings import Settings


def load(files: DatasetFiles, settings: Settings) -> Analysis:
    """Read the inputs (`InputError` when one cannot be read) into an `Analysis`."""
    # The mapping is read first so that its keys pre-fill the sequence reader's item
    # index; an unreadable sequence file is still the error reported first.
    progress.expect([files.sequences, files.mapping])
    progress.stage("reading mapping")
    mapping = mapping_error = None
    try:
        mapping = read_mapping(files.mapping) if files.mapping else None
    except InputError as error:
        mapping_error = error
    known = mapping.entries if mapping is not None else None
    progress.stage("reading sequences")
    sequences = read_sequences(files.sequences, known) if files.sequences else None
    if mapping_error is not None:
        raise mapping_error
    progress.stage("checking")
    return Analysis(files=files, settings=settings, sequences=sequences, mapping=mapping)


def check_dataset(
    folder: Path | str | None = None,
    *,
    sequences: Path | str | None = None,
    mapping: Path | str | None = None,
    settings: Settings | None = None,
    config: Path | str | None = None,
) -> Report:
    """Check a GRAM / GRAM-C dataset folder (or explicit files) and return the report.

    ``config`` is only recorded: the configuration file ``settings`` came from.
    """
    files = locate(
        Path(folder) if folder is not None else None,
        sequences=Path(sequences) if sequences is not None else None,
        mapping=Path(mapping) if mapping is not None else None,
    )
    report = build_report(load(files, settings or Settings()))
    if config is None:
        return report
    inputs = report.inputs.model_copy(update={"config": Path(config).as_posix()})
    return report.model_copy(update={"inputs": inputs})


def build_report(a: Analysis) -> Report:
    """Run the checks, in a fixed order, over an analysis."""
    findings: list[Finding] = []
    sequence_stats = mapping_stats = coverage = fill = None
    if a.sequences is None:
        findings.append(
            Finding.of("GF002", "no user_sequence.txt: key formats, coverage and fill skipped", 0)
        )
    else:
        s = a.sequences
        sequence_stats = SequenceStats(
            file=a.name("sequences"),
            lines=s.hygiene.lines,
            users=len(s.lengths),
            interactions=s.interactions,
            items=len(s.items),
        )
        findings += check_hygiene(a)
    if a.mapping is None:
        findings.append(
            Finding.of("GF001", "no item_id_to_gcn_index.json: GRAM-C checks skipped", 0)
        )
    else:
        values, found = check_values(a)
        findings += found + check_duplicate_keys(a)
        families: list[KeyFamily] = []
        conflicts = 0
        if a.sequences is not None:
            families, conflicts, found = check_key_formats(a)
            findings += found
            coverage, found = check_coverage(a)
            findings += found
            fill, found = check_fill(a)
            findings += found
        duplicates = a.mapping.duplicates
        mapping_stats = MappingStats(
            file=a.name("mapping"),
            format="pickle" if a.mapping.pickled else "json",
            keys=len(a.mapping.entries),
            members=a.mapping.members,
            duplicate_keys=len(duplicates),
            conflicting_duplicate_keys=sum(d.conflicting for d in duplicates),
            values=values,
            families=families,
            conflicts=conflicts,
        )
    findings.sort(key=lambda f: f.code)
    findings = judge(findings, coverage, fill, a.settings)
    read = {name for name in ("sequences", "mapping") if getattr(a, name) is not None}
    return Report(
        verdict=verdict(findings, a.settings.fail_on),
        summary=summarise(findings),
        settings=SettingsEcho.of(a.settings),
        inputs=Inputs(
            dataset=a.files.folder.as_posix() if a.files.folder else None,
            sequences=a.files.display(a.files.sequences),
            mapping=a.files.display(a.files.mapping),
            paths=a.files.paths(),
        ),
        findings=findings,
        checked=checked_codes(a.settings, read),
        sequences=sequence_stats,
        mapping=mapping_stats,
        coverage=coverage,
        fill=fill,
    )
