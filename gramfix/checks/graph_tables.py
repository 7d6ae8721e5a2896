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
from gramfix.checks.graph_stale import REEXPORT, stale_export
from gramfix.checks.table_scan import scan_table
from gramfix.engine.cooccurrence import Rows, estimate, sample_pairs
from gramfix.io.discover import EMBEDDINGS
from gramfix.io.embeddings import EmbeddingTable, TableUnavailable
from gramfix.model.graph_section import GraphCheckpoint, GraphExport
from gramfix.model.report import Finding

I64 = npt.NDArray[np.int64]
Installed = Literal["yes", "no", "no table", "unknown"]
GOOD = ("signal", "weak-signal")  # the signal verdicts of a trained table


def graph_items(data: Dataset) -> int | None:
    """The trainer's n_items: the largest item index of train.txt and test.txt + 1."""
    return data.graph.n_items if data.graph is not None else None


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
        # NaN in the same places is the same table (NaN != NaN position by position).
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
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
        and data.export_installed == "yes"
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
    stale = stale_export(data, file, rows, size)
    findings += stale.findings
    state = data.export_installed or "unknown"
    signal = None
    if state in ("no", "no table"):
        renew = stale.advice if stale.findings else None
        finding, signal = _not_installed(data, file, state, renew)
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


def _not_installed(
    data: Dataset, file: str, state: str, renew: str | None
) -> tuple[Finding, str | None]:
    """GF906: the export is not the table GRAM-C reads. The copy is advised only when the
    export looks right by the table checks (of this graph: not stale; the mapping's rows;
    signal): a stale export copied over a good table would install the wrong rows.
    ``renew``: GF907's way to a new export when the export is stale (None: it is not)."""
    g = data.graph
    assert g is not None
    assert isinstance(g.export, EmbeddingTable)
    table = data.embeddings
    folder = data.files.folder or (data.files.mapping.parent if data.files.mapping else None)
    ours = _signal(data, g.export)
    wrong = _faults(data, g.export, ours, renew is not None)
    fix = renew or REEXPORT
    if table is None:
        target = (folder or Path(".")) / EMBEDDINGS[1]
        copy = f"cp {_from_cwd(g.export.path)} {_from_cwd(target)}"
        message = (
            f"the trained export {file} is not installed: there is no {' or '.join(EMBEDDINGS)} "
            "for GRAM-C to read; "
            + (
                f"the export itself looks wrong ({'; '.join(wrong)}), so do not copy it; "
                f"{fix}, then install the new export ({copy})"
                if wrong
                else f"copy it: {copy}"
            )
        )
        return Finding.of("GF906", message, 1, file=file), None
    assert isinstance(table, EmbeddingTable)
    target = table.path.with_suffix(g.export.path.suffix)
    shown = _shown(data, table.path)
    theirs = _signal(data, table)
    signal = f"{ours} / {theirs}" if ours and theirs else None
    if not wrong and theirs in ("no-signal", "inconclusive") and ours in GOOD:
        what = (
            f"GRAM-C reads {shown}, a table without collaborative signal ({theirs}), while "
            f"the trained export {file} has it ({ours}): GRAM-C trains on a placeholder"
        )
    else:
        same_shape = table.array.shape == g.export.array.shape
        differ = (
            "other values"
            if same_shape
            else f"shape {'x'.join(map(str, table.array.shape))} vs "
            f"{'x'.join(map(str, g.export.array.shape))}"
        )
        what = (
            f"GRAM-C reads {shown}, which is not the trained export {file} ({differ}"
            + (f"; signal verdict {theirs}, the export's {ours}" if signal else "")
            + ")"
        )
    if wrong:
        theirs_wrong = _faults(data, table, theirs, False)
        if theirs_wrong:
            advice = (
                f"neither looks right, the export ({'; '.join(wrong)}) nor {shown} "
                f"({'; '.join(theirs_wrong)}); {fix}, then install the new export"
            )
        else:
            advice = (
                "do not copy the export over it, since the export is the one that looks "
                f"wrong ({'; '.join(wrong)}) while {shown} {_fits(data, table, theirs)}; to "
                f"renew the export, {fix}"
            )
        return Finding.of("GF906", f"{what}; {advice}", 1, file=shown), signal
    also = f" (and remove {_from_cwd(table.path)})" if target != table.path else ""
    message = f"{what}; copy the export: cp {_from_cwd(g.export.path)} {_from_cwd(target)}{also}"
    return Finding.of("GF906", message, 1, file=shown), signal


def _faults(data: Dataset, table: EmbeddingTable, signal: str | None, stale: bool) -> list[str]:
    """What the table checks hold against a table (none: it looks right)."""
    faults = ["stale per GF907"] if stale else []
    if table.array.ndim != 2:  # a vector or a stack: no row per item to install
        faults.append(f"not a table of rows (shape {'x'.join(map(str, table.array.shape))})")
    rows = int(table.array.shape[0]) if table.array.ndim == 2 else None
    needed = _mapping_rows(data)
    if rows is not None and needed is not None and rows != needed:
        faults.append(f"{rows:,} rows where the mapping needs {needed:,}")
    if signal == "no-signal":
        faults.append("no collaborative signal")
    elif signal is not None and signal not in GOOD:
        faults.append(f"collaborative signal not shown ({signal})")
    return faults


def _fits(data: Dataset, table: EmbeddingTable, signal: str | None) -> str:
    """What a table that looks right has, in words."""
    facts = []
    needed = _mapping_rows(data)
    if needed is not None:
        facts.append(f"has the {needed:,} rows the mapping needs")
    if signal is not None:
        facts.append(f"carries collaborative signal ({signal})")
    return " and ".join(facts) or "passes the table checks"


def _mapping_rows(data: Dataset) -> int | None:
    """The rows the mapping addresses: its largest value + 1 (None: no mapping)."""
    if data.mapping is None or not len(data.row_values):
        return None
    largest = int(data.row_values.max())
    return largest + 1 if largest > 0 else None


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
