"""The graph's tables: is the exported table from this graph (GF907), and is it the table
GRAM-C reads (GF906)?

The exporter writes ``n_items + 1`` rows (row 0 zero) for the ``n_items`` the trainer
counts (the largest item index of train.txt and test.txt + 1, also the checkpoint's
``n_items``). The trainer reads ``gcn_item_embeddings.pt`` from the dataset folder, never
the export: the export must be copied there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.checks.table_scan import scan_table
from gramfix.engine.cooccurrence import Rows, estimate, sample_pairs
from gramfix.io.discover import EMBEDDINGS
from gramfix.io.embeddings import EmbeddingTable, TableUnavailable
from gramfix.model.graph_section import GraphCheckpoint, GraphExport
from gramfix.model.report import Finding
from gramfix.model.wording import count

I64 = npt.NDArray[np.int64]
Installed = Literal["yes", "no", "no table", "unknown"]


def graph_items(data: Dataset) -> int | None:
    """The trainer's n_items: the largest item index of train.txt and test.txt + 1."""
    g = data.graph
    if g is None or g.train is None or g.test is None:
        return None
    return int(max(g.train.items.max(initial=-1), g.test.items.max(initial=-1))) + 1


def export_rows(data: Dataset) -> int | None:
    """Rows of the export when it is a 2-D table."""
    g = data.graph
    if g is None or not isinstance(g.export, EmbeddingTable) or g.export.array.ndim != 2:
        return None
    return int(g.export.array.shape[0])


def installed(data: Dataset) -> Installed | None:
    """Whether the table GRAM-C reads holds the export's rows (None: no export)."""
    g = data.graph
    if g is None or not isinstance(g.export, EmbeddingTable):
        return None
    table = data.embeddings
    if table is None:
        return "no table"
    if _same_file(table.path, g.export.path):
        return "yes"
    if isinstance(table, TableUnavailable):
        return "unknown"
    return "yes" if _same_rows(table.array, g.export.array) else "no"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _same_rows(a: npt.NDArray[np.generic], b: npt.NDArray[np.generic]) -> bool:
    """The same table: equal values, or equal to the precision of the narrower copy (a
    float16 or .npy copy of the export is the export)."""
    if a.shape != b.shape:
        return False
    if a.dtype == b.dtype:
        return bool(np.array_equal(a, b))
    if a.dtype.kind not in "fiu" or b.dtype.kind not in "fiu":
        return False
    return bool(np.allclose(a, b, rtol=1e-2, atol=1e-4, equal_nan=True))


def rows_proven(data: Dataset) -> bool:
    """Whether the graph proves that the installed table's rows follow the mapping: the
    alignment is proven, the installed table is the export, and the export has the
    graph's n_items + 1 rows."""
    a = data.alignment
    size = graph_items(data)
    return (
        a is not None
        and a.proven
        and installed(data) == "yes"
        and size is not None
        and export_rows(data) == size + 1
    )


def check_tables(
    data: Dataset,
) -> tuple[list[Finding], GraphCheckpoint | None, GraphExport | None]:
    """GF906 and GF907, and the checkpoint and export parts of the graph section."""
    g = data.graph
    assert g is not None
    findings: list[Finding] = []
    checkpoint = None
    if g.checkpoint is not None:
        c = g.checkpoint
        checkpoint = GraphCheckpoint(
            file=_shown(data, c.path),
            checkpoints=len(g.files.checkpoints),
            epoch=c.epoch,
            n_users=c.n_users,
            n_items=c.n_items,
            embedding_dim=c.embedding_dim,
            recall=round(c.recall, 6) if c.recall is not None else None,
        )
    if g.export is None:
        return findings, checkpoint, None
    file = _shown(data, g.export.path)
    size = graph_items(data)
    rows = export_rows(data)
    dim = int(g.export.array.shape[1]) if isinstance(g.export, EmbeddingTable) and rows else None
    stale = _stale(data, file, rows, size)
    findings += stale
    state = installed(data) or "unknown"
    signal = None
    if state in ("no", "no table"):
        finding, signal = _not_installed(data, file, state)
        findings.append(finding)
    export = GraphExport(
        file=file,
        rows=rows,
        dim=dim,
        expected_rows=size + 1 if size is not None else None,
        installed=state,
        signal=signal,
    )
    return findings, checkpoint, export


def _stale(data: Dataset, file: str, rows: int | None, size: int | None) -> list[Finding]:
    """GF907: the export's rows against the graph's and the checkpoint's n_items + 1."""
    g = data.graph
    assert g is not None
    if rows is None or size is None:
        return []
    reasons = []
    expected = size + 1
    if rows != expected:
        reasons.append(
            f"train.txt and test.txt index {size:,} items, so the export needs {expected:,} "
            f"rows (row 0 padding){_why(rows, expected)}"
        )
    c = g.checkpoint
    if c is not None and c.n_items is not None and c.n_items + 1 != rows:
        name = _shown(data, c.path)
        reasons.append(
            f"the latest checkpoint {name} (epoch {c.epoch if c.epoch is not None else '?'}) "
            f"has n_items {c.n_items:,}, so its export has {c.n_items + 1:,} rows"
            + (_why(rows, c.n_items + 1) if rows == expected else "")
        )
    if c is not None and c.n_items is not None and c.n_items != size:
        reasons.append(
            f"that checkpoint was trained on {c.n_items:,} items, not the {size:,} of "
            "train.txt and test.txt: it is not of this graph either"
        )
    if not reasons:
        return []
    gap = abs(rows - expected)
    if gap == 0 and c is not None and c.n_items is not None:  # stale against the checkpoint
        gap = abs(rows - c.n_items - 1) or abs(c.n_items - size)
    return [
        Finding.of(
            "GF907",
            f"the export {file} has {rows:,} rows, but " + "; ".join(reasons) + ": re-run "
            "export_lightgcn_embeddings.py on the latest checkpoint of this graph",
            gap,
            file=file,
        )
    ]


def _why(rows: int, expected: int) -> str:
    if rows == expected - 1:
        return "; it has exactly one row fewer: written without the padding row (0-based)"
    if rows < expected:
        missing = count(expected - rows, "item has", "items have")
        return f"; {missing} no row: an export of an older, smaller graph"
    return f"; {count(rows - expected, 'row', 'rows')} too many: an export of another, larger graph"


def _not_installed(data: Dataset, file: str, state: str) -> tuple[Finding, str | None]:
    """GF906: the export is not the table GRAM-C reads."""
    g = data.graph
    assert g is not None
    assert isinstance(g.export, EmbeddingTable)
    table = data.embeddings
    folder = data.files.folder or (data.files.mapping.parent if data.files.mapping else None)
    if table is None:
        target = (folder or Path(".")) / EMBEDDINGS[1]
        message = (
            f"the trained export {file} is not installed: there is no {' or '.join(EMBEDDINGS)} "
            f"for GRAM-C to read; copy it: cp {_from_cwd(g.export.path)} {_from_cwd(target)}"
        )
        return Finding.of("GF906", message, 1, file=file), None
    assert isinstance(table, EmbeddingTable)
    target = table.path.with_suffix(g.export.path.suffix)
    shown = _shown(data, table.path)
    ours, theirs = _signal(data, g.export), _signal(data, table)
    signal = f"{ours} / {theirs}" if ours and theirs else None
    if theirs in ("no-signal", "inconclusive") and ours in ("signal", "weak-signal"):
        what = (
            f"GRAM-C reads {shown}, a table without collaborative signal ({theirs}), while "
            f"the trained export {file} has it ({ours}): GRAM-C trains on a placeholder"
        )
    else:
        differ = (
            f"shape {'x'.join(map(str, table.array.shape))} vs "
            f"{'x'.join(map(str, g.export.array.shape))}"
            if table.array.shape != g.export.array.shape
            else "other values"
        )
        what = (
            f"GRAM-C reads {shown}, which is not the trained export {file} ({differ}"
            + (f"; signal {theirs} vs the export's {ours}" if signal else "")
            + ")"
        )
    also = f" (and remove {_from_cwd(table.path)})" if target != table.path else ""
    message = f"{what}; copy the export: cp {_from_cwd(g.export.path)} {_from_cwd(target)}{also}"
    return Finding.of("GF906", message, 1, file=shown), signal


def _signal(data: Dataset, table: EmbeddingTable) -> str | None:
    """The collaborative-signal verdict of a table under the mapping's rows."""
    s = data.sequences
    if s is None or data.mapping is None or table.array.ndim != 2:
        return None
    if table.array.dtype.kind not in "fiu" or table.array.shape[1] == 0:
        return None
    scan = scan_table(table.array)
    rows = Rows(table.array, scan.norms, scan.usable)
    return estimate(rows, data.item_rows, sample_pairs(s.codes, s.lengths)).verdict


def _shown(data: Dataset, path: Path) -> str:
    return data.files.display(path) or path.as_posix()


def _from_cwd(path: Path) -> str:
    """A path as a command to copy it should name it: from the working directory."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()
