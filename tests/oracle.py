"""A straightforward reference for the numbers of a report, written the way GRAM reads data.

Nothing here is shared with gramfix: it reads the sequence file line by line like the
trainer (text mode, cut at the first space, dict semantics), builds every sample like
GRAM-C's dataset class, and looks each recent item up with ``mapping.get(raw_id, 0)``.
The fast numpy path must give exactly these numbers.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any


def read_like_trainer(path: Path) -> dict[str, list[str]]:
    """``{user: items}`` as the trainer builds it (lines without a space skipped, not fatal)."""
    users: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if " " not in line:
                continue
            user, rest = line.split(" ", 1)
            users[user] = rest.split()
    return users


def row(mapping: dict[str, Any], item: str) -> int:
    """The trainer's lookup; non-int values count as padding (they are errors anyway)."""
    value = mapping.get(item, 0)
    return value if type(value) is int and value >= 1 else 0


def samples(users: dict[str, list[str]], max_his: int) -> dict[str, list[list[str]]]:
    """The history of every sample with a non-empty history, per split."""
    out: dict[str, list[list[str]]] = {"train": [], "valid": [], "test": []}

    def keep(split: str, history: list[str]) -> None:
        if max_his > 0:
            history = history[-max_his:]
        if history:
            out[split].append(history)

    for items in users.values():
        train = items[:-2]
        for i in range(1, len(train)):
            keep("train", train[:i])
        if len(items) >= 2:
            keep("valid", items[:-2])
        if len(items) >= 1:
            keep("test", items[:-1])
    return out


def fill(
    users: dict[str, list[str]], mapping: dict[str, Any], recent_k: int, max_his: int
) -> dict[str, dict[str, int]]:
    """samples, slots, resolved_slots, dead_samples per split."""
    result = {}
    for split, histories in samples(users, max_his).items():
        slots = resolved = dead = 0
        for history in histories:
            recent = [row(mapping, item) for item in history[-recent_k:]]
            slots += len(recent)
            hits = sum(1 for r in recent if r != 0)
            resolved += hits
            dead += hits == 0
        result[split] = {
            "samples": len(histories),
            "slots": slots,
            "resolved_slots": resolved,
            "dead_samples": dead,
        }
    return result


def coverage(users: dict[str, list[str]], mapping: dict[str, Any]) -> dict[str, dict[str, int]]:
    """items, items_resolved, interactions, interactions_resolved per split (as written)."""
    parts: dict[str, Counter[str]] = {s: Counter() for s in ("all", "train", "valid", "test")}
    for items in users.values():
        parts["all"].update(items)
        parts["train"].update(items[:-2])
        if len(items) >= 2:
            parts["valid"][items[-2]] += 1
        if items:
            parts["test"][items[-1]] += 1
    result = {}
    for split, counts in parts.items():
        ok = [item for item in counts if row(mapping, item)]
        result[split] = {
            "items": len(counts),
            "items_resolved": len(ok),
            "interactions": sum(counts.values()),
            "interactions_resolved": sum(counts[item] for item in ok),
        }
    return result


def sample_tables(codes: Any, lengths: Any, n_items: int, window: int, views: list[Any]) -> Any:
    """`gramfix.engine.windows.count_samples`, the slow way: every sample of every user built
    as a list, its window looked up item by item (codes and flags as plain lists)."""
    from gramfix.engine.windows import SampleTables, WindowSums

    flat = [int(c) for c in codes]
    flags = [[bool(f) for f in view] for view in views] + [[True] * n_items]
    counts = {split: [0] * n_items for split in ("all", "train", "valid", "test")}
    sums = [{s: [0, 0, 0, 0] for s in ("train", "valid", "test")} for _ in flags]
    at = 0
    for n in (int(x) for x in lengths):
        items = flat[at : at + n]
        at += n
        for position, item in enumerate(items):
            counts["all"][item] += 1
            split = "test" if position == n - 1 else "valid" if position == n - 2 else "train"
            counts[split][item] += 1
            history = items[:position]
            if not history:
                continue
            recent = history[-window:]
            for view, resolved in zip(sums, flags, strict=True):
                hits = sum(1 for i in recent if resolved[i])
                view[split][0] += 1
                view[split][1] += len(recent)
                view[split][2] += hits
                view[split][3] += hits == 0
    import numpy as np

    return SampleTables(
        counts={k: np.array(v, np.int64) for k, v in counts.items()},
        windows=[{s: WindowSums(*v) for s, v in view.items()} for view in sums],
    )
