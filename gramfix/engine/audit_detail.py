"""Every row of a prediction file as columns: what `EvalReport.rows_frame` shows.

The streaming audit keeps counters only. When a frame is asked for, the file is audited
once more with ``keep_rows``: each block then also leaves its rows' values
(`RowDetail`), taken from the very arrays its counters are summed from, so a column's
sum or mean is the report's figure; `columns` joins the blocks in file order. Memory is
then the rows', as a frame's is; the audit without ``keep_rows`` never makes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gramfix.engine.gram_metrics import K_VALUES
from gramfix.engine.lexical import AMBIGUOUS, LEVELS, NONE, LexicalIndex
from gramfix.engine.prediction_rows import RowBlock
from gramfix.model.eval_rows import FRAME_COLUMNS, REPORTED_COLUMNS, metric_columns

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass
class RowDetail:
    """The values of each row of one block (rows holding a batch keep the defaults)."""

    lines: I64
    users: list[str]
    golds: list[str]
    batched: Bools
    predictions: I64
    invalid: I64
    ambiguous: I64
    reported: F64  # (rows, 4): H@5, H@10, NDCG@5, NDCG@10 as written
    gold_entry: I64
    gold_level: I64  # index into LEVELS, -1: no item
    strict_rank: I64  # 1-based rank of the first strict hit; 0: none
    item_rank: I64
    strict_ndcg: F64  # (rows, len(K_VALUES))
    item_ndcg: F64
    duplicate: Bools
    tied: Bools
    near_miss: Bools
    mismatch: Bools
    gold_not_target: Bools
    gold_other_split: Bools
    unknown_user: Bools
    user: I64  # the user's position in the sequences (-1: not there, or not read)

    @classmethod
    def of(cls, block: RowBlock, entries: I64, batched: Bools) -> RowDetail:
        """The columns every row has, from the block and its predictions' entries."""
        n = len(block)
        owner = np.repeat(np.arange(n), block.counts)

        def per_row(mask: Bools) -> I64:
            return np.bincount(owner[mask], minlength=n).astype(np.int64)

        def no() -> Bools:
            return np.zeros(n, np.bool_)

        return cls(
            lines=block.lines.copy(),
            users=_texts(block, block.user_start, block.user_length),
            golds=_texts(block, block.gold_start, block.gold_length),
            batched=batched.copy(),
            predictions=block.counts.copy(),
            invalid=per_row(entries == NONE),
            ambiguous=per_row(entries <= AMBIGUOUS),
            reported=block.reported.copy(),
            gold_entry=np.full(n, NONE, np.int64),
            gold_level=np.full(n, -1, np.int64),
            strict_rank=np.zeros(n, np.int64),
            item_rank=np.zeros(n, np.int64),
            strict_ndcg=np.zeros((n, len(K_VALUES))),
            item_ndcg=np.zeros((n, len(K_VALUES))),
            duplicate=no(),
            tied=no(),
            near_miss=no(),
            mismatch=no(),
            gold_not_target=no(),
            gold_other_split=no(),
            unknown_user=no(),
            user=np.full(n, -1, np.int64),
        )


def _texts(block: RowBlock, starts: I64, lengths: I64) -> list[str]:
    return [block.text(s, k) for s, k in zip(starts.tolist(), lengths.tolist(), strict=True)]


def first_rank(ranked: Bools) -> I64:
    """The 1-based rank of each row's first relevant prediction (0: none)."""
    hit = ranked.any(axis=1)
    return np.where(hit, ranked.argmax(axis=1) + 1, 0).astype(np.int64)


def ndcg(ranked: Bools, log: F64) -> F64:
    """ndcg@k of each row for every k of K_VALUES, summed in GRAM's order."""
    n, g = ranked.shape
    out = np.zeros((n, len(K_VALUES)))
    for column, k in enumerate(K_VALUES):
        total = np.zeros(n)
        for j in range(min(k, g)):
            total = total + ranked[:, j] / log[j]
        out[:, column] = total
    return out


def columns(details: Sequence[RowDetail], index: LexicalIndex) -> dict[str, object]:
    """The rows of every block, joined in file order, as the frame's columns (the item
    and level names spelled out; ``repeated_user``: a user's rows after its first)."""

    def join(name: str) -> I64:  # (or booleans: the same code, typed once)
        parts = [getattr(d, name) for d in details]
        joined: I64 = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        return joined

    def wide(name: str) -> F64:
        parts = [getattr(d, name) for d in details]
        width = len(REPORTED_COLUMNS) if name == "reported" else len(K_VALUES)
        return np.concatenate(parts) if parts else np.zeros((0, width))

    users = join("user")
    repeated = np.zeros(len(users), np.bool_)
    known = np.flatnonzero(users >= 0)
    if len(known):
        _, first = np.unique(users[known], return_index=True)
        repeated[known] = True
        repeated[known[first]] = False
    entries, levels = join("gold_entry"), join("gold_level")
    out: dict[str, object] = {
        "line": join("lines"),
        "user": [u for d in details for u in d.users],
        "gold": [g for d in details for g in d.golds],
        "gold_item": [index.items[e] if e >= 0 else None for e in entries.tolist()],
        "gold_level": [LEVELS[v] if v >= 0 else None for v in levels.tolist()],
        "strict_rank": join("strict_rank"),
        "item_rank": join("item_rank"),
    }
    for kind in ("strict", "item"):
        rank, values = join(f"{kind}_rank"), wide(f"{kind}_ndcg")
        names = metric_columns(kind)
        for column, k in enumerate(K_VALUES):
            out[names[column]] = ((rank > 0) & (rank <= k)).astype(np.float64)
            out[names[len(K_VALUES) + column]] = values[:, column]
    reported = wide("reported")
    for column, name in enumerate(REPORTED_COLUMNS):
        out[name] = reported[:, column]
    out |= {
        "predictions": join("predictions"),
        "invalid_predictions": join("invalid"),
        "ambiguous_predictions": join("ambiguous"),
        "duplicate_items": join("duplicate"),
        "tied_scores": join("tied"),
        "near_miss": join("near_miss"),
        "metric_mismatch": join("mismatch"),
        "gold_unresolved": entries == NONE,
        "gold_ambiguous": entries <= AMBIGUOUS,
        "gold_not_target": join("gold_not_target"),
        "gold_other_split": join("gold_other_split"),
        "unknown_user": join("unknown_user"),
        "repeated_user": repeated,
        "batched": join("batched"),
    }
    assert set(out) == set(FRAME_COLUMNS), "the engine's columns are the frame's"
    return {name: out[name] for name in FRAME_COLUMNS}
