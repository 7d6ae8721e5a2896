"""Example rows of what an audit found: the first few rows of each kind, in words.

Each function gets the rows of one block that show a problem (as row positions and the
arrays the audit computed for them) and returns at most ``room`` examples: the line, the
user and what is wrong, with the strings as written and the items they name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from gramfix.engine.lexical import LEVELS, LexicalIndex
from gramfix.engine.prediction_rows import REPORTED, RowBlock
from gramfix.model.eval_rows import ShownPrediction, ShownRow
from gramfix.model.eval_sections import number, other_split, target_index

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


class PredictionView(NamedTuple):
    """One prediction of an example row, at its rank (`RowView`)."""

    beam: int  # 0-based position in the file's row
    text: str
    score: float
    entry: int  # lexical-index entry (an item, NONE, or several: <= AMBIGUOUS)
    level: int  # index into LEVELS (-1: no item)
    strict: bool
    identity: bool


class RowView(NamedTuple):
    """An audited row, whole: the gold and its predictions in GRAM's rank order."""

    gold: str
    gold_entry: int
    gold_level: int
    predictions: tuple[PredictionView, ...]


class Example(NamedTuple):
    """One example row: where, whose, and what (and, of a row holding one user, the
    row itself)."""

    line: int
    user: str
    detail: str
    row: RowView | None = None


def example(block: RowBlock, row: int, detail: str) -> Example:
    user = block.text(int(block.user_start[row]), int(block.user_length[row]))
    return Example(int(block.lines[row]), user, detail)


def gold_text(block: RowBlock, row: int) -> str:
    return block.text(int(block.gold_start[row]), int(block.gold_length[row]))


def pred_text(block: RowBlock, row: int, j: int) -> str:
    p = int(block.first[row]) + j
    return block.text(int(block.pred_start[p]), int(block.pred_length[p]))


def named(index: LexicalIndex, entry: int) -> str:
    """The item (or items) an entry names, as examples say it."""
    names = [index.items[i] for i in index.candidates(entry)]
    if not names:
        return "no item"
    return names[0] if len(names) == 1 else "items " + ", ".join(names[:4])


def strings(
    index: LexicalIndex,
    block: RowBlock,
    positions: I64,
    entries: I64,
    levels: I64,
    ambiguous: bool,
    room: int,
) -> list[Example]:
    """Predictions (flat positions, in file order) that name no item, or several
    (``ambiguous``): at most ``room`` examples, one per row and string (a row that
    repeats a string says how often)."""
    if room <= 0:
        return []
    row_of = np.searchsorted(block.first, positions, side="right") - 1
    times: dict[tuple[int, str], int] = {}  # (row, string) -> its predictions, in order
    first: dict[tuple[int, str], int] = {}  # -> its first position
    for position, row in zip(positions.tolist(), row_of.tolist(), strict=True):
        text = block.text(int(block.pred_start[position]), int(block.pred_length[position]))
        key = (row, text)
        if key in times:
            times[key] += 1
        elif len(times) < room:
            times[key], first[key] = 1, position
        elif row != next(reversed(times))[0]:  # full, and the last row's repeats counted
            break
    found = []
    for (row, text), count in times.items():
        position = first[row, text]
        detail = f"prediction {text!r}"
        if ambiguous:
            detail += f" names {named(index, int(entries[position]))} (at level "
            detail += f"{LEVELS[int(levels[position])]})"
        if count > 1:
            detail += f" ({count} of the row's predictions)"
        found.append(example(block, row, detail))
    return found


def batched(block: RowBlock, rows: I64, generate_num: int) -> list[Example]:
    """Rows that hold a batch of users."""
    found = []
    for row in rows.tolist():
        count = int(block.counts[row])
        found.append(
            example(
                block,
                row,
                f"{count} predictions ({count // generate_num} x generate_num "
                f"{generate_num}); H@5 {number(block.reported[row, 0])}, H@10 "
                f"{number(block.reported[row, 1])}",
            )
        )
    return found


def undercounts(
    index: LexicalIndex,
    block: RowBlock,
    rows: I64,
    order: I64,
    item: I64,
    gold_entries: I64,
    near: I64,
) -> list[Example]:
    """Rows whose gold item is predicted only in another surface form (``near``: their
    positions among ``rows``)."""
    found = []
    for r in near.tolist():
        row = int(rows[r])
        ranks = [k for k, j in enumerate(order[r].tolist()) if item[r, j] == gold_entries[r]]
        text = pred_text(block, row, int(order[r, ranks[0]]))
        level = LEVELS[index.resolve(text).level]
        found.append(
            example(
                block,
                row,
                f"gold {gold_text(block, row)!r}; prediction {text!r} at rank {ranks[0] + 1} "
                f"names the same item {named(index, int(gold_entries[r]))} (matched at "
                f"level {level})",
            )
        )
    return found


def echoes(block: RowBlock, rows: I64, order: I64, strict: Bools, chosen: I64) -> list[Example]:
    """Rows (``chosen`` among ``rows``) whose gold names no item and a prediction repeats
    it (``strict``: equal to the gold, in beam order)."""
    found = []
    for r in chosen.tolist():
        row = int(rows[r])
        rank = next(k for k, j in enumerate(order[r].tolist()) if strict[r, j])
        detail = (
            f"gold {gold_text(block, row)!r} names no item; the prediction at rank "
            f"{rank + 1} repeats it: a strict hit, no item-identity hit"
        )
        found.append(example(block, row, detail))
    return found


def duplicates(
    index: LexicalIndex, block: RowBlock, rows: I64, item: I64, chosen: I64
) -> list[Example]:
    """Rows (``chosen`` among ``rows``) where two predictions name one item."""
    found = []
    for r in chosen.tolist():
        row = int(rows[r])
        first_at: dict[int, int] = {}
        detail = ""
        for j, entry in enumerate(item[r].tolist()):
            if entry < 0:
                continue
            if entry in first_at:
                k = first_at[entry]
                detail = (
                    f"predictions {k + 1} {pred_text(block, row, k)!r} and {j + 1} "
                    f"{pred_text(block, row, j)!r} both name {index.items[entry]}"
                )
                break
            first_at[entry] = j
        found.append(example(block, row, detail))
    return found


def ties(block: RowBlock, rows: I64, scores: F64, chosen: I64) -> list[Example]:
    """Rows (``chosen`` among ``rows``) with equal scores."""
    found = []
    for r in chosen.tolist():
        values = scores[r].tolist()
        repeated = sorted({v for v in values if values.count(v) > 1}, reverse=True)
        shown = ", ".join(number(v) for v in repeated[:3])
        found.append(
            example(block, int(rows[r]), f"equal scores {shown} (their order is the beam's)")
        )
    return found


def golds(
    index: LexicalIndex,
    block: RowBlock,
    rows: I64,
    entries: I64,
    levels: I64,
    chosen: I64,
    ambiguous: bool,
) -> list[Example]:
    """Golds (``chosen`` among ``rows``) that name no item, or several (``ambiguous``)."""
    found = []
    for r in chosen.tolist():
        row = int(rows[r])
        detail = f"gold {gold_text(block, row)!r} names "
        if ambiguous:
            detail += f"{named(index, int(entries[r]))} (at level {LEVELS[int(levels[r])]})"
        else:
            detail += "no item"
        found.append(example(block, row, detail))
    return found


def mismatches(block: RowBlock, rows: I64, recomputed: F64, mismatch: Bools) -> list[Example]:
    """Rows whose written metric values differ from the recomputed ones (``mismatch``:
    per row and column, each row with at least one)."""
    found = []
    for r in range(len(rows)):
        row = int(rows[r])
        parts = [
            f"{REPORTED[c]} written {number(block.reported[row, c])}, recomputed "
            f"{number(recomputed[r, c])}"
            for c in np.flatnonzero(mismatch[r]).tolist()
        ]
        found.append(example(block, row, "; ".join(parts)))
    return found


def not_targets(
    index: LexicalIndex,
    block: RowBlock,
    rows: I64,
    entries: I64,
    target: I64,
    elsewhere: Bools,
    chosen: I64,
    split: str,
) -> list[Example]:
    """Golds (``chosen`` among ``rows``) that are not the user's target item
    (``elsewhere``: but the user's target of the other split)."""
    found = []
    other = other_split(split)
    for r in chosen.tolist():
        row = int(rows[r])
        t = int(target[r])
        wanted = index.items[t] if t >= 0 else "an item not in the indexing file"
        detail = (
            f"gold {gold_text(block, row)!r} names {named(index, int(entries[r]))}; the "
            f"user's {split} target is {wanted}"
        )
        if elsewhere[r]:
            detail += f" (the gold is the user's {other} target, items[{target_index(other)}])"
        found.append(example(block, row, detail))
    return found


def users(block: RowBlock, rows: I64, chosen: I64, what: str) -> list[Example]:
    """Rows (``chosen`` among ``rows``) whose user is unknown or repeated: ``what``."""
    return [example(block, int(rows[r]), what) for r in chosen.tolist()]


@dataclass(frozen=True)
class Ranked:
    """The audited rows of a block as the audit ranked them: what `attach_rows` shows."""

    rows: I64  # their positions in the block
    order: I64  # (rows, g): beam positions in GRAM's rank order
    entries: I64  # every prediction's entry in the block (flat)
    levels: I64  # and level
    strict: Bools  # (rows, g), beam order
    identity: Bools
    gold_entries: I64
    gold_levels: I64


def attach_rows(examples: dict[str, list[Example]], block: RowBlock, ranked: Ranked) -> None:
    """Give every example of an audited row of ``block`` its whole row (in place)."""
    lines = block.lines[ranked.rows]
    for found in examples.values():
        for i, e in enumerate(found):
            r = int(np.searchsorted(lines, e.line))
            if e.row is None and r < len(lines) and int(lines[r]) == e.line:
                found[i] = e._replace(row=_view(block, ranked, r))


def _view(block: RowBlock, ranked: Ranked, r: int) -> RowView:
    row = int(ranked.rows[r])
    first = int(block.first[row])
    shown = []
    for j in ranked.order[r].tolist():
        p = first + j
        shown.append(
            PredictionView(
                j,
                pred_text(block, row, j),
                float(block.scores[p]),
                int(ranked.entries[p]),
                int(ranked.levels[p]),
                bool(ranked.strict[r, j]),
                bool(ranked.identity[r, j]),
            )
        )
    return RowView(
        gold_text(block, row),
        int(ranked.gold_entries[r]),
        int(ranked.gold_levels[r]),
        tuple(shown),
    )


def shown_row(index: LexicalIndex, view: RowView) -> ShownRow:
    """A row view in words: entries as the items they name, levels by name."""

    def items(entry: int) -> tuple[str, ...]:
        return tuple(index.items[i] for i in index.candidates(entry))

    def level(value: int) -> str | None:
        return LEVELS[value] if value >= 0 else None

    return ShownRow(
        gold=view.gold,
        gold_items=items(view.gold_entry),
        gold_level=level(view.gold_level),
        predictions=tuple(
            ShownPrediction(
                rank=rank,
                beam=p.beam + 1,
                text=p.text,
                score=p.score,
                items=items(p.entry),
                level=level(p.level),
                strict=p.strict,
                identity=p.identity,
            )
            for rank, p in enumerate(view.predictions, start=1)
        ),
    )
