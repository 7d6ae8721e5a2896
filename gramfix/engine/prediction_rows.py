"""The rows of a GRAM prediction file as values: typed rows, trailing totals, and blocks of
rows as numpy columns over the bytes they were read from.

`gramfix.io.predictions` reads a file into these; `gramfix.engine.prediction_columns`
cuts a block of lines into a `RowBlock`; the audit (`gramfix.engine.audit`) counts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gramfix.engine.numbers import PADDING as NUMBER_PADDING
from gramfix.engine.spans import PADDING as SPAN_PADDING
from gramfix.engine.tokens import FRONT

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

COLUMNS = ("idx", "H@5", "H@10", "NDCG@5", "NDCG@10", "gold", "pred", "scores")
HEADER = "\t".join(COLUMNS)
#: The four per-row metric columns, as metric names (the order GRAM writes them in).
REPORTED = ("hit@5", "hit@10", "ndcg@5", "ndcg@10")
SEPARATOR = "||"

#: Zero bytes after a block's text: the most that span hashing (`gramfix.engine.spans`) or
#: number parsing (`gramfix.engine.numbers`) reads past a span.
PADDING = max(SPAN_PADDING, NUMBER_PADDING)


@dataclass(frozen=True)
class PredictionRow:
    """One line of predictions, as written (nothing sorted, nothing resolved)."""

    line: int  # 1-based line number in the file
    user: str
    reported: tuple[float, float, float, float]  # H@5, H@10, NDCG@5, NDCG@10 as written
    gold: str
    predictions: tuple[str, ...]  # beam order
    scores: tuple[float, ...]  # same order


@dataclass(frozen=True)
class ReportedTotal:
    """One trailing ``name: value`` line."""

    name: str
    value: float
    text: str  # the number as printed
    torch: bool  # printed by torch (``tensor(...)``): rounded to torch's print precision
    line: int


@dataclass(frozen=True)
class RowBlock:
    """Consecutive prediction rows as columns.

    Text columns are spans ``[start, start + length)`` of ``data``'s text, which sits
    between FRONT and PADDING zero bytes (the layout of `gramfix.engine.tokens`, with room
    for every span reader). Predictions and scores are flat: row ``i`` owns
    ``counts[i]`` of them from ``first[i]`` on.
    """

    data: bytes | bytearray
    lines: I64
    user_start: I64
    user_length: I64
    gold_start: I64
    gold_length: I64
    counts: I64
    first: I64
    pred_start: I64
    pred_length: I64
    scores: F64
    reported: F64  # shape (rows, 4): H@5, H@10, NDCG@5, NDCG@10

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, start: int, length: int) -> str:
        """The text of one span."""
        return self.data[FRONT + start : FRONT + start + length].decode("utf-8")

    def row(self, i: int) -> PredictionRow:
        """Row ``i`` as a typed row."""
        first, count = int(self.first[i]), int(self.counts[i])
        starts = self.pred_start[first : first + count].tolist()
        lengths = self.pred_length[first : first + count].tolist()
        rep = self.reported[i].tolist()
        return PredictionRow(
            line=int(self.lines[i]),
            user=self.text(int(self.user_start[i]), int(self.user_length[i])),
            reported=(rep[0], rep[1], rep[2], rep[3]),
            gold=self.text(int(self.gold_start[i]), int(self.gold_length[i])),
            predictions=tuple(self.text(s, n) for s, n in zip(starts, lengths, strict=True)),
            scores=tuple(self.scores[first : first + count].tolist()),
        )


@dataclass(frozen=True)
class Chunk:
    """Whole lines of the file after its header (``size`` bytes from FRONT on in
    ``buffer``, PADDING bytes of room after them) and the number of lines before them.

    The file is read straight into ``buffer``: its text is never copied on the way to
    the columns."""

    line_base: int
    buffer: bytearray
    size: int

    @property
    def data(self) -> bytes:
        """The text (a copy)."""
        return bytes(self.buffer[FRONT : FRONT + self.size])


def empty_block() -> RowBlock:
    """A block of no rows."""
    none = np.zeros(0, np.int64)
    return RowBlock(
        b"", none, none, none, none, none, none, none, none, none, np.zeros(0), np.zeros((0, 4))
    )


def pack(rows: list[PredictionRow]) -> RowBlock:
    """Typed rows as a `RowBlock` (the columns of lines the numpy path did not take)."""
    texts: list[bytes] = []
    for row in rows:
        texts.append(row.user.encode("utf-8"))
        texts.append(row.gold.encode("utf-8"))
        texts.extend(p.encode("utf-8") for p in row.predictions)
    lengths = np.fromiter(map(len, texts), np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    counts = np.array([len(row.predictions) for row in rows], np.int64)
    # Each row holds 2 + count texts: user, gold, then its predictions.
    row_first = np.cumsum(counts + 2) - (counts + 2)
    is_pred = np.ones(len(texts), np.bool_)
    is_pred[row_first] = False
    is_pred[row_first + 1] = False
    scores = [score for row in rows for score in row.scores]
    return RowBlock(
        data=b"\0" * FRONT + b"".join(texts) + b"\0" * PADDING,
        lines=np.array([row.line for row in rows], np.int64),
        user_start=starts[row_first],
        user_length=lengths[row_first],
        gold_start=starts[row_first + 1],
        gold_length=lengths[row_first + 1],
        counts=counts,
        first=(np.cumsum(counts) - counts).astype(np.int64),
        pred_start=starts[is_pred],
        pred_length=lengths[is_pred],
        scores=np.array(scores, np.float64),
        reported=np.array([row.reported for row in rows], np.float64).reshape(len(rows), 4),
    )
