"""GF903: the graph's item indices against the mapping and the histories.

Two ways an index reads the wrong item. The mapping numbers the graph's items otherwise
than train.txt does (regenerated in another order, 0-based, after a data change): the
items train.txt proves disagree with the mapping, by an offset or an order when one
explains it. Or the mapping agrees, and some lines of train.txt or test.txt hold
indices that, read back, are not their user's items: the files hold interactions
user_sequence.txt does not (lines edited or damaged, or from other data); each is named
by file and line.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.checks.graph_alignment import NO_ITEM, NO_USER, Alignment, Strays, mapping_values
from gramfix.checks.graph_users import index_owner
from gramfix.engine.graph import follows, string_ranks
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.wording import count

I64 = npt.NDArray[np.int64]


def mapping_mismatch(data: Dataset, a: Alignment) -> tuple[str, Finding] | None:
    """The mapping against the items the data proves (None: they agree)."""
    d = a.items
    if d is None or d.count == 0:
        return None
    names = data.sequences.items.names if data.sequences else []
    index = np.flatnonzero(a.graph_item >= 0)
    item = a.graph_item[index]
    values, present = mapping_values(data)
    examples = [
        f"{names[item[i]]}: graph index {index[i]} (row {index[i] + 1}), mapping "
        + (f"value {values[item[i]]}" if present[item[i]] else "key absent")
        for i in d.wrong[:EXAMPLES].tolist()
    ]
    message = (
        f"the mapping gives {d.count:,} of {len(index):,} graph items another value than "
        f"their train.txt index + 1, so every lookup of those items reads another item's "
        f"row; {_explain(data, a, index, item)}"
    )
    summary = f"the mapping gives {d.count:,} of {len(index):,} graph items another value"
    return summary, Finding.of("GF903", message, d.count, examples, file=data.name("mapping"))


def _explain(data: Dataset, a: Alignment, index: I64, item: I64) -> str:
    d = a.items
    assert d is not None
    if d.offset == -1:
        return (
            "every value is the LightGCN index itself, not index + 1 (a 0-based mapping, "
            "so the item of row i + 1 reads row i)"
        )
    if d.offset is not None:
        return f"every value is the graph's index + 1 {d.offset:+d} (an offset of {d.offset:+d})"
    assert data.sequences is not None
    ranks = string_ranks(data.sequences.items.names)
    graph = (
        "sorted item-ID order (the converter's)"
        if follows(np.argsort(index), ranks[item])
        else "another order"
    )
    values, _ = mapping_values(data)
    by_value = np.argsort(values[item], kind="stable")
    if follows(by_value, ranks[item]):
        mapping = "sorted item-ID order"
    elif follows(by_value, item):  # universe codes: order of first appearance
        mapping = "the order of first appearance in user_sequence.txt"
    else:
        mapping = "another order"
    if d.permutation:
        return (
            f"the values are the same ones, given to other items, because train.txt numbers "
            f"items in {graph} and the mapping in {mapping} (a mapping regenerated in "
            "another order)"
        )
    absent = f"{count(d.absent, 'item has', 'items have')} no key, and " if d.absent else ""
    return (
        f"{absent}no single offset or item order explains the rest, so the mapping and the "
        "graph were built from different item lists (a mapping regenerated after a data "
        "change?)"
    )


def stray_interactions(data: Dataset, a: Alignment) -> tuple[str, Finding] | None:
    """Interactions that read back to no item of their user while the mapping agrees
    with every item train.txt proves (None: there are none). Test lines of users the
    index lacks are left to GF904."""
    train, test = a.strays
    test = _without(test, NO_USER)
    n = len(train.entries) + len(test.entries)
    if n == 0:
        return None
    examples = _examples(data, a, train) + _examples(data, a, test)
    first = train if len(train.entries) else test
    line = int(first.lines.lines[first.lines.line_of_item[first.entries[0]]])
    parts = [(len(s.entries), s.lines.path.name) for s in (train, test) if len(s.entries)]
    if len(parts) == 1:
        where = f"{count(n, 'interaction', 'interactions')} of {parts[0][1]}"
    else:
        where = f"{n:,} interactions ({parts[0][0]:,} of train.txt, {parts[1][0]:,} of test.txt)"
    effects = [
        text
        for s, text in (
            (train, f"the graph trained on {_them(train)}"),
            (test, f"the checkpoint was chosen on {_them(test)}"),
        )
        if len(s.entries)
    ]
    one = n == 1
    message = (
        f"{where}, read back through user_id_to_index.json and the mapping, "
        f"{'is' if one else 'are'} no item of {'its' if one else 'their'} user in "
        "user_sequence.txt, although the mapping agrees with every item train.txt proves: "
        f"{'that line holds an index' if one else 'those lines hold indices'} the converter "
        "did not write (edited or damaged lines, or lines of other data); " + " and ".join(effects)
    )
    summary = f"{count(n, 'interaction is', 'interactions are')} no item of its user"
    file = data.files.display(first.lines.path) or first.lines.path.name
    return summary, Finding.of("GF903", message, n, examples[:EXAMPLES], file=file, line=line)


def _them(s: Strays) -> str:
    return "it" if len(s.entries) == 1 else "them"


def _without(s: Strays, reason: int) -> Strays:
    keep = s.reasons != reason
    return Strays(s.lines, s.entries[keep], s.reasons[keep], s.users[keep], s.items[keep])


def _examples(data: Dataset, a: Alignment, s: Strays) -> list[str]:
    """Each stray as file, line, index and what it reads back to."""
    h = a.histories
    names = data.sequences.items.names if data.sequences else []
    rows = a.item_rows
    out = []
    for k in range(min(len(s.entries), EXAMPLES)):
        entry = int(s.entries[k])
        where = f"{s.lines.path.name} line {int(s.lines.lines[s.lines.line_of_item[entry]])}"
        index = int(s.lines.items[entry])
        if s.reasons[k] == NO_USER:
            user = int(s.lines.users[s.lines.line_of_item[entry]])
            out.append(f"{where}: user index {user} ({index_owner(data, user)})")
            continue
        if s.reasons[k] == NO_ITEM:
            out.append(f"{where}: index {index}, and no mapping key has the value {index + 1}")
            continue
        user, item = int(s.users[k]), int(s.items[k])
        text = f"{where}: index {index} = {names[item]}, not an item of {h.names[user]}"
        if s.lines is a.test:
            target = int(
                h.target(2)[user] if a.targets.valid >= a.targets.test else h.target(1)[user]
            )
            if target >= 0 and rows is not None and rows[target] > 0:
                text += f" (whose target {names[target]} has index {int(rows[target]) - 1})"
        out.append(text)
    return out
