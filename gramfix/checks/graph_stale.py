"""GF907: is the exported table from this graph?

The exporter writes ``n_items + 1`` rows (row 0 zero) for the ``n_items`` the trainer
counts: the largest item index of train.txt and test.txt + 1, also the checkpoint's
``n_items``. Another row count names its cause only from the files: a non-zero row 0 one
row short is an export without its padding row; indices past the export's rows are
shown where they are (file and line), so that a whole larger graph and a few lines
edited after the export read differently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gramfix.checks.context import Dataset
from gramfix.engine.graph import IndexLines
from gramfix.io.embeddings import EmbeddingTable
from gramfix.model.report import Finding
from gramfix.model.wording import count

#: How to make a stale export again, when the latest checkpoint is of these files.
REEXPORT = "re-run export_lightgcn_embeddings.py on the latest checkpoint of this graph"
#: ... when the checkpoint is of other lines than train.txt and test.txt.
RETRAIN = "re-train with train_lightgcn.py on these files and export that checkpoint"
#: ... when the export is that checkpoint's: the lines changed after training.
RESTORE = f"restore train.txt and test.txt as they were for training, or {RETRAIN}"


@dataclass(frozen=True)
class Stale:
    """GF907's finding (none: the export is of this graph) and how to renew the export."""

    findings: list[Finding]
    advice: str


def stale_export(data: Dataset, file: str, rows: int | None, size: int | None) -> Stale:
    """GF907: the export's rows against the graph's and the checkpoint's n_items + 1."""
    g = data.graph
    assert g is not None
    if rows is None or size is None:
        return Stale([], REEXPORT)
    expected = size + 1
    c = g.checkpoint
    trained = c.n_items if c is not None else None
    latest = ""
    if c is not None:
        name = data.files.display(c.path) or c.path.as_posix()
        latest = f"the latest checkpoint {name} (epoch {c.epoch if c.epoch is not None else '?'})"
    if trained is not None and trained != size and rows in (trained + 1, expected):
        # Two of the three agree: the odd one out is named, not the export by default.
        past = f" ({_past(data, trained)})" if trained < size else ""
        if rows == trained + 1:  # the checkpoint's export: the lines changed since
            what = (
                f"for the {trained:,} items of {latest} and the padding row, but train.txt "
                f"and test.txt index {size:,} items{past}, so that checkpoint and its "
                "export are of other lines than these (lines written, cut or dropped "
                "after training; GF904 names users without a line)"
            )
            advice = RESTORE
        else:  # the lines' export: the checkpoint the exporter reads is another graph's
            what = (
                f"as train.txt and test.txt need ({size:,} items and the padding row), but "
                f"{latest} has n_items {trained:,}{past}, so it is of other lines, and "
                "exporting it again would not give these rows"
            )
            advice = RETRAIN
        message = f"the export {file} has {rows:,} rows, {what}; {advice}"
        return Stale([Finding.of("GF907", message, abs(trained - size), file=file)], advice)
    reasons = []
    if rows != expected:
        reasons.append(
            f"train.txt and test.txt index {size:,} items, so the export needs {expected:,} "
            f"rows (row 0 padding); {_why(data, rows, expected)}"
        )
    if trained is not None and trained + 1 != rows:
        reasons.append(f"{latest} has n_items {trained:,}, so its export has {trained + 1:,} rows")
    if not reasons:
        return Stale([], REEXPORT)
    advice = REEXPORT
    if trained is not None and trained != size:
        reasons.append(
            f"and that checkpoint was trained on {trained:,} items, not the {size:,} of "
            "train.txt and test.txt, so it is not of these files either"
        )
        advice = RETRAIN
    message = f"the export {file} has {rows:,} rows, but " + "; ".join(reasons) + f"; {advice}"
    return Stale([Finding.of("GF907", message, abs(rows - expected), file=file)], advice)


def _why(data: Dataset, rows: int, expected: int) -> str:
    """What the files say about an export of ``rows`` rows where ``expected`` are due."""
    if rows > expected:
        return (
            f"{count(rows - expected, 'row', 'rows')} too many, so it is an export of another, "
            "larger graph"
        )
    if rows == expected - 1 and not _padded(data):
        return (
            "it has exactly one row fewer and its row 0 is not zero, so it was written "
            "without the padding row (0-based)"
        )
    missing = count(expected - rows, "item has", "items have")
    return (
        f"{missing} no row ({_past(data, rows - 1)}), so it is an export of an older, "
        "smaller graph, or lines were written after it"
    )


def _padded(data: Dataset) -> bool:
    """Whether the export's row 0 is the zero padding row."""
    g = data.graph
    assert g is not None
    export = g.export
    if not isinstance(export, EmbeddingTable) or export.array.ndim != 2 or not len(export.array):
        return False
    row = np.asarray(export.array[0])
    return bool(row.dtype.kind in "fiub" and not np.any(row != 0))


def _past(data: Dataset, n: int) -> str:
    """Where train.txt and test.txt hold item indices of ``n`` or more, in words."""
    g = data.graph
    assert g is not None
    assert g.train is not None
    assert g.test is not None
    lines, first = 0, ""
    for f in (g.train, g.test):
        at = np.flatnonzero(f.items >= n)
        lines += len(np.unique(f.line_of_item[at]))
        if len(at) and not first:
            first = _where(f, int(at[0]))
    held = count(lines, "line", "lines")
    return f"indices from {n:,} up are on {held} of train.txt and test.txt, e.g. {first}"


def _where(f: IndexLines, entry: int) -> str:
    return (
        f"{f.path.name} line {int(f.lines[f.line_of_item[entry]]):,}: index {int(f.items[entry])}"
    )
