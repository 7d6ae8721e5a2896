"""``eval``: audit a GRAM prediction file against its dataset and return one report.

`evaluate_file` is the library call behind ``gramfix eval``: it finds the inputs
(`gramfix.io.discover.locate_eval`), streams the file through the audit (`audit`) and
turns the result into an `EvalReport` through the registered audits
(`gramfix.checks.eval.registry`), judged by the settings as ``check``'s report is.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gramfix.checks.eval.registry import Audited, registered
from gramfix.engine.audit import Audit, AuditResult
from gramfix.engine.audit_rows import Partial
from gramfix.engine.gram_metrics import DEFAULT_GENERATE_NUM
from gramfix.engine.prediction_columns import parse_chunk
from gramfix.engine.prediction_rows import Chunk, RowBlock
from gramfix.io import progress
from gramfix.io.discover import EvalFiles, locate_eval
from gramfix.io.itemfiles import read_lexical_index
from gramfix.io.predictions import PredictionFile
from gramfix.io.targets import SPLITS, read_targets
from gramfix.model.errors import InputError, UsageError
from gramfix.model.eval_report import EvalInputs, EvalReport
from gramfix.model.eval_sections import EvalCounts
from gramfix.model.options import EvalSettings
from gramfix.model.policy import checked, verdict
from gramfix.model.report import Finding, summarise
from gramfix.model.rules import Input

__all__ = ["PredictionRows", "audit", "build_eval_report", "evaluate_file"]


def evaluate_file(
    predictions: Path | str,
    dataset: Path | str | None = None,
    *,
    indexing: Path | str | None = None,
    sequences: Path | str | None = None,
    settings: EvalSettings | None = None,
    config: Path | str | None = None,
    threads: int | None = None,
) -> EvalReport:
    """Audit a prediction file (GRAM's ``--save_predictions``) and return the report.

    ``dataset``: the dataset folder, where the indexing file and ``user_sequence.txt``
    are found (the current directory when neither it nor ``indexing`` is given);
    ``indexing`` / ``sequences`` override them. ``settings`` holds the split,
    ``generate_num`` and the policy (select, ignore, fail-on). ``config`` is only
    recorded: the configuration file the settings came from. ``threads``: see `audit`.
    """
    s = settings or EvalSettings()
    files = locate_eval(
        Path(predictions),
        Path(dataset) if dataset is not None else None,
        indexing=Path(indexing) if indexing is not None else None,
        sequences=Path(sequences) if sequences is not None else None,
    )
    result = audit(
        files.predictions, files.indexing, files.sequences, s.split, s.generate_num, threads
    )
    report = build_eval_report(files, result, s, config)
    return report.reading_rows(PredictionRows.of(files, s, report))


def build_eval_report(
    files: EvalFiles,
    result: AuditResult,
    settings: EvalSettings,
    config: Path | str | None = None,
) -> EvalReport:
    """The report of an audit: the registered audits' findings, judged by ``settings``."""
    read = {Input.PREDICTIONS, Input.INDEXING}
    if files.sequences is not None:
        read.add(Input.SEQUENCES)
    if result.per_user:
        read.add(Input.PER_USER)
    inputs = frozenset(read)
    shown = files.display(files.predictions) or files.predictions.as_posix()
    audited = Audited(result, shown)
    findings: list[Finding] = []
    ran: set[str] = set()
    for spec in registered():
        if not spec.ready(inputs):
            continue
        made = spec.run(audited)
        stray = {f.code for f in made} - set(spec.codes)
        if stray:
            raise AssertionError(f"audit {spec.name} found codes it does not own: {stray}")
        findings += made
        ran.update(spec.codes)
    findings.sort(key=lambda f: f.code)
    findings = [f for f in findings if settings.selects(f.code)]
    return EvalReport(
        verdict=verdict(findings, settings.fail_on),
        summary=summarise(findings),
        settings=settings,
        inputs=EvalInputs(
            predictions=shown,
            dataset=files.folder.as_posix() if files.folder else None,
            indexing=files.display(files.indexing) or files.indexing.as_posix(),
            sequences=files.display(files.sequences),
            config=Path(config).as_posix() if config is not None else None,
            paths=files.paths(),
            read=[need.value for need in Input if need in inputs],
        ),
        findings=findings,
        checked=checked(settings, inputs, ran),
        per_user=result.per_user,
        metrics=result.metrics,
        counts=result.counts,
        levels=result.levels,
        totals=list(result.totals),
        examples={name: list(rows) for name, rows in result.examples.items()},
    )


def audit(
    predictions: Path | str,
    indexing: Path | str,
    sequences: Path | str | None = None,
    split: str = "test",
    generate_num: int = DEFAULT_GENERATE_NUM,
    threads: int | None = None,
    *,
    keep_rows: bool = False,
) -> AuditResult:
    """Audit one prediction file against the dataset's indexing file (and sequences).

    The file is read once, in blocks: worker threads cut blocks into columns and count
    them (numpy releases the GIL), the counts are merged in file order; memory is a few
    blocks, the index and the counters. ``threads``: None takes up to 2 (1: no worker
    thread). The result does not depend on it. ``keep_rows``: also keep every row's
    values (``result.rows``, the columns of `EvalReport.rows_frame`): memory then grows
    with the rows.
    """
    if split not in SPLITS:
        raise UsageError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    if generate_num < 1:
        raise UsageError(f"generate_num must be at least 1, not {generate_num}")
    progress.expect([Path(p) for p in (predictions, indexing, sequences) if p is not None])
    index = read_lexical_index(Path(indexing))
    targets = other = None
    if sequences is not None:
        read = read_targets(Path(sequences), "test" if split == "test" else "valid")
        targets, other = read.target, read.other
    source = PredictionFile(Path(predictions))
    accumulator = Audit(
        source.path, index, generate_num, targets, split, keep_rows, other_targets=other
    )
    workers = threads if threads is not None else min(2, os.cpu_count() or 1)

    def work(chunk: Chunk) -> tuple[RowBlock | None, int, Partial | None]:
        taken, used = parse_chunk(chunk)
        return taken, used, accumulator.measure(taken) if taken is not None else None

    def settle(chunk: Chunk, taken: RowBlock | None, used: int, part: Partial | None) -> None:
        rest = source.settle(chunk, taken, used)
        if part is not None:
            accumulator.merge(part)
        if rest is not None:
            accumulator.merge(accumulator.measure(rest))
        source.recycle(chunk)  # counted and merged: nothing reads its buffer again

    if workers <= 1:
        for chunk in source.chunks():
            if source.totals:  # rows after the totals: the line reader says so
                settle(chunk, None, 0, None)
            else:
                settle(chunk, *work(chunk))
    else:
        # Parse and count blocks in workers, settle them in file order; a bounded
        # number in flight keeps memory to a few blocks.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            flight: deque[tuple[Chunk, Future[tuple[RowBlock | None, int, Partial | None]]]]
            flight = deque()
            try:
                for chunk in source.chunks():
                    flight.append((chunk, pool.submit(work, chunk)))
                    if len(flight) > 2 * workers:
                        done, future = flight.popleft()
                        settle(done, *future.result())
                while flight:
                    done, future = flight.popleft()
                    settle(done, *future.result())
            finally:
                for _, future in flight:
                    future.cancel()
    return accumulator.finish(source.totals)


@dataclass(frozen=True)
class PredictionRows:
    """How an eval report reads its rows again (`EvalReport.rows_frame`): the same files
    and settings, audited once more with every row kept. Refuses a file that changed
    since the report was made (its size, modification time or counts differ)."""

    predictions: Path  # absolute: a notebook may change directory in between
    indexing: Path
    sequences: Path | None
    split: str
    generate_num: int
    stamp: tuple[int, int]  # the prediction file's size and modification time (ns)
    counts: EvalCounts  # the report's

    @classmethod
    def of(cls, files: EvalFiles, settings: EvalSettings, report: EvalReport) -> PredictionRows:
        return cls(
            files.predictions.absolute(),
            files.indexing.absolute(),
            files.sequences.absolute() if files.sequences is not None else None,
            settings.split,
            settings.generate_num,
            _stamp(files.predictions),
            report.counts,
        )

    def __call__(self) -> dict[str, Any]:
        changed = InputError(self.predictions, "changed since it was audited: audit it again")
        if _stamp(self.predictions) != self.stamp:
            raise changed
        result = audit(
            self.predictions,
            self.indexing,
            self.sequences,
            self.split,
            self.generate_num,
            keep_rows=True,
        )
        if result.counts != self.counts or result.rows is None:
            raise changed
        return result.rows


def _stamp(path: Path) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError:
        return (-1, -1)
    return (status.st_size, status.st_mtime_ns)
