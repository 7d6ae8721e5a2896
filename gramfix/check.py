"""``check``: read a dataset as the trainer does, run every check, return one report."""

from __future__ import annotations

from pathlib import Path

from gramfix import progress
from gramfix.analysis import Analysis
from gramfix.checks.coverage import check_coverage
from gramfix.checks.embeddings import check_embeddings
from gramfix.checks.fill import check_fill
from gramfix.checks.history_order import check_history_order
from gramfix.checks.hygiene import check_hygiene
from gramfix.checks.item_files import check_item_files
from gramfix.checks.key_formats import (
    check_duplicate_keys,
    check_key_formats,
    check_key_shapes,
)
from gramfix.checks.lexical_ids import check_lexical_ids
from gramfix.checks.values import check_values
from gramfix.dataset import EMBEDDINGS, DatasetFiles, locate
from gramfix.errors import InputError
from gramfix.findings import INPUTS, Severity
from gramfix.policy import checked_codes, judge, verdict
from gramfix.readers.embeddings import EmbeddingTable, read_embeddings
from gramfix.readers.itemfiles import read_first_id, read_item_file
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
    if files.embeddings or files.item_files:
        progress.stage("reading the other files")
    analysis = Analysis(
        files=files,
        settings=settings,
        sequences=sequences,
        mapping=mapping,
        embeddings=read_embeddings(files.embeddings) if files.embeddings else None,
        item_files=tuple(read_item_file(path, kind) for kind, path in files.item_files),
        sequences_first_id=read_first_id(files.sequences) if files.sequences else None,
        # Read (safely) too: the trainer may be configured to load this one instead.
        other_mappings=tuple(read_mapping(path) for path in files.other_mappings),
    )
    progress.stage("checking")
    return analysis


def check_dataset(
    folder: Path | str | None = None,
    *,
    sequences: Path | str | None = None,
    mapping: Path | str | None = None,
    settings: Settings | None = None,
    config: Path | str | None = None,
    embeddings: Path | str | None = None,
) -> Report:
    """Check a GRAM / GRAM-C dataset folder (or explicit files) and return the report.

    ``config`` is only recorded: the configuration file ``settings`` came from.
    """
    files = locate(
        Path(folder) if folder is not None else None,
        sequences=Path(sequences) if sequences is not None else None,
        mapping=Path(mapping) if mapping is not None else None,
        embeddings=Path(embeddings) if embeddings is not None else None,
    )
    report = build_report(load(files, settings or Settings()))
    if config is None:
        return report
    inputs = report.inputs.model_copy(update={"config": Path(config).as_posix()})
    return report.model_copy(update={"inputs": inputs})


def build_report(a: Analysis, *, hygiene: bool = True) -> Report:
    """Run the checks, in a fixed order, over an analysis.

    ``hygiene=False`` leaves out the line-level checks of the sequence file (what a
    repair re-checks is the mapping; the sequences are the same ones it just read).
    """
    findings: list[Finding] = []
    sequence_stats = mapping_stats = coverage = fill = None
    if a.sequences is None:
        findings.append(_sequences_absent(a))
    else:
        s = a.sequences
        sequence_stats = SequenceStats(
            file=a.name("sequences"),
            lines=s.hygiene.lines,
            users=len(s.lengths),
            interactions=s.interactions,
            items=len(s.items),
        )
        if hygiene:
            findings += check_hygiene(a) + check_history_order(a)
    if a.mapping is None:
        findings.append(
            Finding.of("GF001", "no item_id_to_gcn_index.json: GRAM-C checks skipped", 0)
        )
    else:
        values, found = check_values(a)
        findings += found + check_duplicate_keys(a)
        families: list[KeyFamily] = []
        conflicts = 0
        if a.sequences is None:
            findings += check_key_shapes(a)
        else:
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
    if a.mapping is not None and a.files.table_searched:
        findings.append(
            Finding.of(
                "GF612",
                f"no {' or '.join(EMBEDDINGS)} in {a.files.table_search()}: the embedding "
                "table was not checked (pass it with --embeddings FILE)",
                0,
            )
        )
    embeddings, found = check_embeddings(a)
    findings += found
    item_files, found = check_item_files(a)
    findings += found
    lexical_ids, found = check_lexical_ids(a)
    findings += found
    findings.sort(key=lambda f: f.code)
    findings = judge(findings, coverage, fill, a.settings)
    read = {name for name in ("sequences", "mapping") if getattr(a, name) is not None}
    read |= _other_inputs(a)
    return Report(
        verdict=verdict(findings, a.settings.fail_on),
        summary=summarise(findings),
        settings=SettingsEcho.of(a.settings),
        inputs=Inputs(
            dataset=a.files.folder.as_posix() if a.files.folder else None,
            sequences=a.files.display(a.files.sequences),
            mapping=a.files.display(a.files.mapping),
            paths=a.files.paths(),
            read=[name for name in INPUTS if name in read],
        ),
        findings=findings,
        checked=checked_codes(a.settings, read),
        sequences=sequence_stats,
        mapping=mapping_stats,
        coverage=coverage,
        fill=fill,
        embeddings=embeddings,
        item_files=item_files,
        lexical_ids=lexical_ids,
    )


def _sequences_absent(a: Analysis) -> Finding:
    """GF002: an error when a mapping is checked (its coverage and fill are unknown, and a
    gate must not pass what it could not judge); info for a folder without a mapping,
    where nothing the sequences would judge for GRAM-C is checked (the item files alone
    are still judged in full)."""
    if a.mapping is None:
        return Finding.of(
            "GF002",
            "no user_sequence.txt: key formats, coverage and fill skipped",
            0,
            severity=Severity.INFO,
        )
    return Finding.of(
        "GF002",
        "no user_sequence.txt: the mapping's coverage and recent-window fill are unknown "
        "(pass --sequences FILE, or --ignore GF002 to accept a mapping checked alone)",
        0,
    )


def _other_inputs(a: Analysis) -> set[str]:
    """The whole-dataset inputs that were read (the ``needs`` of their findings)."""
    read = set()
    if a.embeddings is not None:
        read.add("table file")
    if isinstance(a.embeddings, EmbeddingTable):
        read.add("embeddings")
    if a.other_mappings:
        read.add("second mapping")
    if a.item_files:
        read.add("item files")
    if any(f.kind == "indexing" for f in a.item_files):
        read.add("indexing file")
    return read
