"""GF905: what the converter's rules leave out of the graph (graph-data.md, §1).

The converter indexes every user's ``items[:-2]`` and ``items[-1]``, not ``items[-2]``:
an item that occurs only as some user's validation target gets no index, no mapping key
and no row, and the slots of the test windows (history ``s[:-1]``) that hold it stay 0.
Users with fewer than 3 items are skipped: no node in the graph. Both follow from the
sequences alone (and the mapping, for whether such an item has a row after all).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.engine.graph import Histories, indexed_items
from gramfix.engine.windows import count_samples
from gramfix.model.policy import share_text
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.wording import count

Bools = npt.NDArray[np.bool_]


def graph_coverage(data: Dataset) -> tuple[list[Finding], int, int]:
    """The GF905 findings, the validation-only items without a row and the users left
    out (counted when the graph is there, whatever the other inputs)."""
    s = data.sequences
    g = data.graph
    if s is None or g is None:
        return [], 0, 0
    findings = []
    names = g.user_ids or [f"line {n}" for n in s.user_lines.tolist()]
    h = Histories(s.codes, s.lengths, names, len(s.items))
    short = np.flatnonzero(~h.converted)
    if len(short):
        findings.append(
            Finding.of(
                "GF905",
                f"{count(len(short), 'user has', 'users have')} fewer than 3 items: the "
                "converter skips "
                + ("it, so it has" if len(short) == 1 else "them, so they have")
                + " no node in the graph (and the trainer cannot use "
                + ("it" if len(short) == 1 else "them")
                + ": GF502)",
                len(short),
                [h.names[u] for u in short[:EXAMPLES].tolist()],
                file=data.name("sequences"),
                line=int(s.user_lines[short[0]]),
            )
        )
    if data.mapping is None:
        return findings, 0, len(short)
    only = validation_only(h) & (data.item_rows < 0)
    missing = np.flatnonzero(only)
    if len(missing) == 0:
        return findings, 0, len(short)
    now = data.resolved_as_written
    window = data.settings.window
    tables = count_samples(s.codes, s.lengths, len(s.items), window, [now, now | only])
    before, after = tables.windows[0]["test"], tables.windows[1]["test"]
    lost = after.resolved_slots - before.resolved_slots
    findings.append(
        Finding.of(
            "GF905",
            f"{count(len(missing), 'item occurs', 'items occur')} only as some user's "
            "validation target (items[-2]): the converter indexes items[:-2] and items[-1] "
            f"only, so {'it has' if len(missing) == 1 else 'they have'} no graph index, no "
            "mapping key and no row; "
            f"{count(lost, 'slot of the test windows holds', 'slots of the test windows hold')}"
            f" {'it' if len(missing) == 1 else 'them'} and "
            f"{'stays' if lost == 1 else 'stay'} 0 (test fill "
            f"{share_text(before.resolved_slots, before.slots)} "
            f"instead of {share_text(after.resolved_slots, after.slots)})",
            len(missing),
            [s.items.names[i] for i in missing[:EXAMPLES].tolist()],
            file=data.name("mapping"),
        )
    )
    return findings, len(missing), len(short)


def validation_only(h: Histories) -> Bools:
    """Per item: it is a converted user's validation target and nowhere the converter
    indexes (the converted users' items[:-2] and items[-1])."""
    valid = np.zeros(h.n_items, np.bool_)
    targets = h.target(2)[h.converted]
    valid[targets[targets >= 0]] = True
    only: Bools = valid & ~indexed_items(h)
    return only
