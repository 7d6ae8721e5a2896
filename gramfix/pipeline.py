"""``check``: read a dataset as the trainer does, run every check, return one report."""

from __future__ import annotations

from pathlib import Path

from gramfix.checks.context import Dataset
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
from gramfix.io import progress
from gramfix.io.discover import EMBEDDINGS, DatasetFiles, locate
from gramfix.io.embeddings import EmbeddingTable, read_embeddings
from gramfix.io.itemfiles import read_first_id, read_item_file
from gramfix.io.mapping import read_mapping
from gramfix.io.sequences import read_sequences
from gramfix.model.errors import InputError
from gramfix.model.options import Settings
from gramfix.model.policy import checked_codes, judge, verdict
from gramfix.model.report import Finding, Inputs, Report, summarise
from gramfix.model.rules import INPUTS, Severity
from gramfix.model.sections import KeyFamily, MappingStats, SequenceStats


def load(files: DatasetFiles, settings: Settings) -> Dataset:
    """Read the inputs (`InputError` when one cannot be read) into a `Dataset`."""
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
    data = Dataset(
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
    return data


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


def build_report(data: Dataset, *, hygiene: bool = True) -> Report:
    """Run the checks, in a fixed order, over a dataset.

    ``hygiene=False`` leaves out the line-level checks of the sequence file (what a
    repair re-checks is the mapping; the sequences are the same ones it just read).
    """
    findings: list[Finding] = []
    sequence_stats = mapping_stats = coverage = fill = None
    if data.sequences is None:
        findings.append(_sequences_absent(data))
    else:
        s = data.sequences
        sequence_stats = SequenceStats(
            file=data.name("sequences"),
            lines=s.hygiene.lines,
            users=len(s.lengths),
            interactions=s.interactions,
            items=len(s.items),
        )
        if hygiene:
            findings += check_hygiene(data) + check_history_order(data)
    if data.mapping is None:
        findings.append(
            Finding.of("GF001", "no item_id_to_gcn_index.json: GRAM-C checks skipped", 0)
        )
    else:
        values, found = check_values(data)
        findings += found + check_duplicate_keys(data)
        families: list[KeyFamily] = []
        conflicts = 0
        if data.sequences is None:
            findings += check_key_shapes(data)
        else:
            families, conflicts, found = check_key_formats(data)
            findings += found
            coverage, found = check_coverage(data)
            findings += found
            fill, found = check_fill(data)
            findings += found
        duplicates = data.mapping.duplicates
        mapping_stats = MappingStats(
            file=data.name("mapping"),
            format="pickle" if data.mapping.pickled else "json",
            keys=len(data.mapping.entries),
            members=data.mapping.members,
            duplicate_keys=len(duplicates),
            conflicting_duplicate_keys=sum(d.conflicting for d in duplicates),
            values=values,
            families=families,
            conflicts=conflicts,
        )
    if data.mapping is not None and data.files.table_searched:
        findings.append(
            Finding.of(
                "GF612",
                f"no {' or '.join(EMBEDDINGS)} in {data.files.table_search()}: the embedding "
                "table was not checked (pass it with --embeddings FILE)",
                0,
            )
        )
    embeddings, found = check_embeddings(data)
    findings += found
    item_files, found = check_item_files(data)
    findings += found
    lexical_ids, found = check_lexical_ids(data)
    findings += found
    findings.sort(key=lambda f: f.code)
    findings = judge(findings, coverage, fill, data.settings)
    read = {name for name in ("sequences", "mapping") if getattr(data, name) is not None}
    read |= _other_inputs(data)
    return Report(
        verdict=verdict(findings, data.settings.fail_on),
        summary=summarise(findings),
        settings=data.settings,
        inputs=Inputs(
            dataset=data.files.folder.as_posix() if data.files.folder else None,
            sequences=data.files.display(data.files.sequences),
            mapping=data.files.display(data.files.mapping),
            paths=data.files.paths(),
            read=[name for name in INPUTS if name in read],
        ),
        findings=findings,
        checked=checked_codes(data.settings, read),
        sequences=sequence_stats,
        mapping=mapping_stats,
        coverage=coverage,
        fill=fill,
        embeddings=embeddings,
        item_files=item_files,
        lexical_ids=lexical_ids,
    )


def _sequences_absent(data: Dataset) -> Finding:
    """GF002: an error when a mapping is checked (its coverage and fill are unknown, and a
    gate must not pass what it could not judge); info for a folder without a mapping,
    where nothing the sequences would judge for GRAM-C is checked (the item files alone
    are still judged in full)."""
    if data.mapping is None:
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


def _other_inputs(data: Dataset) -> set[str]:
    """The whole-dataset inputs that were read (the ``needs`` of their findings)."""
    read = set()
    if data.embeddings is not None:
        read.add("table file")
    if isinstance(data.embeddings, EmbeddingTable):
        read.add("embeddings")
    if data.other_mappings:
        read.add("second mapping")
    if data.item_files:
        read.add("item files")
    if any(f.kind == "indexing" for f in data.item_files):
        read.add("indexing file")
    return read
