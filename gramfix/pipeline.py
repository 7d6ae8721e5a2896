"""``check``: read a dataset as the trainer does, run every check, return one report."""

from __future__ import annotations

from pathlib import Path

from gramfix.checks.context import Dataset
from gramfix.checks.graph_ranges import refuse_out_of_range
from gramfix.checks.registry import registered
from gramfix.io import progress
from gramfix.io.discover import DatasetFiles, locate
from gramfix.io.embeddings import read_embeddings
from gramfix.io.graph import read_graph
from gramfix.io.itemfiles import read_first_id, read_item_file
from gramfix.io.mapping import Mapping, read_mapping
from gramfix.io.sequences import read_sequences
from gramfix.model.errors import InputError
from gramfix.model.options import Settings
from gramfix.model.policy import checked, judge, verdict
from gramfix.model.report import Finding, Inputs, Report, summarise
from gramfix.model.rules import Input
from gramfix.model.sections import Coverage, Fill


def load(files: DatasetFiles, settings: Settings) -> Dataset:
    """Read the inputs (`InputError` when one cannot be read) into a `Dataset`."""
    # The mapping's keys pre-fill the sequence reader's item index (the pure readers
    # read the mapping first; the compiled one while it scans, in a second thread); an
    # unreadable sequence file is still the error reported first.
    progress.expect([files.sequences, files.mapping])
    mapping: Mapping | None = None
    mapping_error: InputError | None = None

    def mapping_keys() -> dict[str, object] | None:
        nonlocal mapping, mapping_error
        progress.stage("reading mapping")
        try:
            mapping = read_mapping(files.mapping) if files.mapping else None
        except InputError as error:
            mapping_error = error
        progress.stage("reading sequences")
        return mapping.entries if mapping is not None else None

    if files.sequences:
        sequences = read_sequences(files.sequences, mapping_keys)
    else:
        sequences = None
        mapping_keys()
    if mapping_error is not None:
        raise mapping_error
    if files.embeddings or files.item_files or files.graph.files():
        progress.stage("reading the other files")
    graph = None
    if files.graph.files():
        lines = sequences.user_lines if sequences is not None else None
        graph = read_graph(files.graph, files.sequences, lines)
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
        graph=graph,
    )
    refuse_out_of_range(data)
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
    graph_dir: Path | str | None = None,
    user_index: Path | str | None = None,
    graph_export: Path | str | None = None,
) -> Report:
    """Check a GRAM / GRAM-C dataset folder (or explicit files) and return the report.

    ``config`` is only recorded: the configuration file ``settings`` came from. The
    LightGCN files (``graph_dir``, ``user_index``, ``graph_export``) are found by their
    conventional names when not given.
    """

    def path(value: Path | str | None) -> Path | None:
        return Path(value) if value is not None else None

    files = locate(
        path(folder),
        sequences=path(sequences),
        mapping=path(mapping),
        embeddings=path(embeddings),
        graph_dir=path(graph_dir),
        user_index=path(user_index),
        graph_export=path(graph_export),
    )
    report = build_report(load(files, settings or Settings()))
    if config is None:
        return report
    inputs = report.inputs.model_copy(update={"config": Path(config).as_posix()})
    return report.model_copy(update={"inputs": inputs})


def build_report(data: Dataset, *, lines: bool = True) -> Report:
    """Run the registered checks, in their order, over a dataset.

    ``lines=False`` leaves out the checks of the text files' lines (what a repair
    re-checks is the mapping; the sequences are the same ones it just read).
    """
    findings: list[Finding] = []
    sections: dict[str, object] = {}
    ran: set[str] = set()
    for check in registered():
        if not check.ready(data.inputs) or (check.lines and not lines):
            continue
        result = check.run(data)
        stray = {f.code for f in result.findings} - set(check.codes)
        if stray:
            raise AssertionError(f"check {check.name} found codes it does not own: {stray}")
        findings += result.findings
        sections.update(result.sections)
        ran.update(check.codes)
    findings.sort(key=lambda f: f.code)  # stable: one code's findings keep their order
    coverage, fill = sections.get("coverage"), sections.get("fill")
    assert coverage is None or isinstance(coverage, Coverage)
    assert fill is None or isinstance(fill, Fill)
    findings = judge(findings, coverage, fill, data.settings)
    return Report(
        verdict=verdict(findings, data.settings.fail_on),
        summary=summarise(findings),
        settings=data.settings,
        inputs=Inputs(
            dataset=data.files.folder.as_posix() if data.files.folder else None,
            sequences=data.files.display(data.files.sequences),
            mapping=data.files.display(data.files.mapping),
            paths=data.files.paths(),
            read=[need.value for need in Input if need in data.inputs],
        ),
        findings=findings,
        checked=checked(data.settings, data.inputs, ran),
        **sections,  # validated by the Report model
    )
