"""Indices of train.txt / test.txt that no file of the chain can define: unreadable input.

Every file of the LightGCN chain states how many items (and users) there are: the
mapping (its keys, and its values, index + 1), the converter's item universe (what
convert_to_lightgcn.py indexes from user_sequence.txt: every converted user's
``items[:-2]`` and ``items[-1]``), the checkpoint's ``n_items``, the export's and the
installed table's rows - 1 (row 0 is padding); for users: user_id_to_index.json (its
entries, and its values + 1), the converted users of user_sequence.txt, the
checkpoint's ``n_users``.

A chain out of step disagrees *between* those counts (a mapping regenerated after a data
change, an export of an older graph, a 0-based export ...): every index of its graph is
still below at least one of them, and the check reports the disagreement as a finding.
An item index at or above *every* item count the chain states (a user index at or above
every user count) belongs to no file of the chain: no mapping value reads it, no
checkpoint trained it, no export has its row. That is a damaged line (or a line of
another dataset's graph), not a step of this chain: the file cannot be read as this
chain's graph, and the check stops with one line naming the file, the line and the
index (exit 2), rather than building findings on it. Without any count (no mapping, no
sequences, no checkpoint, no table) nothing is refused here.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.engine.graph import Histories, indexed_items
from gramfix.io.embeddings import EmbeddingTable
from gramfix.model.errors import InputError

I64 = npt.NDArray[np.int64]


def item_counts(data: Dataset) -> list[tuple[str, int]]:
    """Each item count a file of the chain states, with its source in words."""
    counts = []
    if data.mapping is not None and data.values:
        size = max(len(data.values), int(data.row_values.max(initial=0)))
        counts.append(("the mapping", size))
    s = data.sequences
    if s is not None and len(s.codes):
        h = Histories(s.codes, s.lengths, [], len(s.items))
        universe = int(indexed_items(h).sum())
        counts.append(("user_sequence.txt (the items the converter indexes)", universe))
    g = data.graph
    if g is not None and g.checkpoint is not None and g.checkpoint.n_items is not None:
        counts.append(("the checkpoint's n_items", g.checkpoint.n_items))
    for name, table in (("the export", g.export if g else None), ("the table", data.embeddings)):
        if isinstance(table, EmbeddingTable) and table.array.ndim == 2:
            counts.append((f"{name} (rows - the padding row)", int(table.array.shape[0]) - 1))
    return counts


def user_counts(data: Dataset) -> list[tuple[str, int]]:
    """Each user count a file of the chain states, with its source in words."""
    g = data.graph
    counts = []
    if g is not None and g.user_index:
        size = max(len(g.user_index), max(g.user_index.values()) + 1)
        counts.append(("user_id_to_index.json", size))
    s = data.sequences
    if s is not None and len(s.lengths):
        converted = int((s.lengths >= 3).sum())
        counts.append(("user_sequence.txt (the users the converter keeps)", converted))
    if g is not None and g.checkpoint is not None and g.checkpoint.n_users is not None:
        counts.append(("the checkpoint's n_users", g.checkpoint.n_users))
    return counts


def refuse_out_of_range(data: Dataset) -> None:
    """`InputError` at the first index of train.txt or test.txt that no count of the
    chain covers (the module's docstring)."""
    g = data.graph
    if g is None or g.train is None or g.test is None:
        return
    for kind, counts in (("item", item_counts(data)), ("user", user_counts(data))):
        if not counts:
            continue
        limit = max(n for _, n in counts)
        for lines in (g.train, g.test):
            entries = lines.items if kind == "item" else lines.users
            line_of = lines.line_of_item if kind == "item" else np.arange(len(lines.users))
            past = np.flatnonzero(entries >= limit)
            if len(past) == 0:
                continue
            first = int(past[0])
            more = f" ({len(past) - 1:,} more on later lines)" if len(past) > 1 else ""
            stated = ", ".join(f"{source} {n:,}" for source, n in counts)
            raise InputError(
                lines.path,
                f"{kind} index {int(entries[first])} is past every {kind} count of the "
                f"chain ({kind}s: {stated}; 0-based indices stop at {limit - 1:,}){more}: "
                f"no file of the chain has that {kind} (a damaged line, or a line of "
                "another dataset's graph)",
                line=int(lines.lines[line_of[first]]),
            )
