"""The golds of a block of rows against the users' targets in ``user_sequence.txt``.

A gold is judged against the user's target of the split (``items[-1]`` for test,
``items[-2]`` for valid) and, when it is not that, against the target of the other
split: a file of the valid split audited as test shows as most golds being the users'
``items[-2]``, which says what happened where "not the target" alone would not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gramfix.engine.lexical import AMBIGUOUS, NONE, LexicalIndex
from gramfix.engine.prediction_rows import RowBlock
from gramfix.engine.spans import MAX_BYTES, Spans, SpanTable

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Judged:
    """Per audited row: its user and target, and what the gold is to them."""

    users: I64  # sequence position of the row's user (-1: not in the sequences)
    target: I64  # the target item of the split (NO_TARGET: none)
    has_target: Bools
    wrong: Bools  # the gold names an item, not the target (ambiguous: none of its items)
    elsewhere: Bools  # of ``wrong``: the gold is the other split's target


class TargetIndex:
    """User -> target item index (of the split, and of the other split) and sequence
    position, looked up in bulk."""

    NO_TARGET = -2  # the user has too few items for the split

    def __init__(
        self,
        targets: Mapping[str, str | None],
        index: LexicalIndex,
        other: Mapping[str, str | None] | None = None,
    ) -> None:
        self.index = index
        item_of = {item: code for code, item in enumerate(index.items)}
        fits = [u for u in targets if len(u.encode("utf-8")) <= MAX_BYTES]
        odd = [u for u in targets if len(u.encode("utf-8")) > MAX_BYTES]
        self.names = fits + odd

        def codes(of: Mapping[str, str | None]) -> I64:
            return np.array(
                [
                    self.NO_TARGET if (t := of.get(u)) is None else item_of.get(t, NONE)
                    for u in self.names
                ],
                np.int64,
            )

        self.target = codes(targets)
        # The other split's target: a file of that split audited as this one shows here.
        self.other = codes(other if other is not None else {})
        # Users too long for a span table (none in real data) are looked up one by one.
        self._odd = {u: len(fits) + i for i, u in enumerate(odd)}
        self.size = len(self.names)
        self._table = SpanTable(fits)

    def users(self, block: RowBlock, rows: I64) -> I64:
        """Sequence position of each row's user (-1: not in the sequences)."""
        starts, lengths = block.user_start[rows], block.user_length[rows]
        spans = Spans.of(block.data, starts, lengths)
        out = np.full(len(rows), -1, np.int64)
        out[spans.cut] = self._table.find(spans)
        if self._odd:
            for position in np.flatnonzero(lengths > MAX_BYTES).tolist():
                user = block.text(int(starts[position]), int(lengths[position]))
                out[position] = self._odd.get(user, -1)
        return out

    def judge(self, block: RowBlock, rows: I64, golds: I64) -> Judged:
        """The golds (lexical-index entries) of ``rows`` against their users' targets."""
        users = self.users(block, rows)
        known = users >= 0
        at = np.maximum(users, 0)
        target = np.where(known, self.target[at], self.NO_TARGET)
        other = np.where(known, self.other[at], self.NO_TARGET)
        has_target = target != self.NO_TARGET
        wrong = has_target & (golds >= 0) & (golds != target)
        # Not the target but the other split's: a file of that split (or a shifted one).
        elsewhere = wrong & (golds == other)
        for r in np.flatnonzero(has_target & (golds <= AMBIGUOUS)).tolist():
            names = self.index.candidates(int(golds[r]))
            wrong[r] = int(target[r]) not in names
            elsewhere[r] = wrong[r] and int(other[r]) in names
        return Judged(users, target, has_target, wrong, elsewhere)
