"""Whether the graph files and the index files line up with the dataset, proven from the data.

The users are identified first (`gramfix.engine.graph`: a reading of train.txt is
consistent only under the right users), by user_id_to_index.json and, when it fails, by
the converter's own order (sorted user IDs). The items follow from the identified
users' histories; the mapping is then compared with them. Alignment is *proven* when the
user index identifies every train.txt line as its user's history, the mapping gives
every item the value its graph index + 1 says, and every interaction of both files, read
back through the two index files, is an item of its user. Leakage and the choice of the
test file are judged only then: through misaligned indices they would count other
users' items.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.engine.graph import (
    Disagreement,
    Histories,
    IndexLines,
    Reading,
    compare,
    index_users,
    one_index_per_item,
    read_lines,
    sorted_users,
    users_of,
)

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

INDEX_FILE = "user_id_to_index.json"
SORTED = "sorted user IDs (the converter's order)"


@dataclass(frozen=True)
class TestTargets:
    """What test.txt holds, per line read back through the index files."""

    test: int  # lines holding their user's test target (items[-1])
    valid: int  # ... its validation target (items[-2])
    other: int  # ... another item of the user
    lines: int

    @property
    def holds(
        self,
    ) -> Literal["test targets", "validation targets", "mixed", "other items", "nothing"]:
        if self.lines == 0:
            return "nothing"
        if self.test == self.lines:
            return "test targets"
        if self.valid == self.lines:
            return "validation targets"
        return "mixed" if self.test or self.valid else "other items"


#: Why an interaction read back through the index files is a stray.
NO_USER, NO_ITEM, NOT_OF_USER = 0, 1, 2


@dataclass(frozen=True)
class Strays:
    """The interactions of one graph file that read back to no item of their user."""

    lines: IndexLines
    entries: I64  # positions in ``lines.items``
    reasons: I64  # NO_USER: no user has the line's index; NO_ITEM: no mapping value
    users: I64  # the sequence user read back (-1: none)
    items: I64  # the item read back (-1: none)


def _all_strays(lines: IndexLines) -> Strays:
    """Every interaction, unread (no mapping to read them through)."""
    entries = np.arange(len(lines.items), dtype=np.int64)
    none = np.full(len(entries), -1, np.int64)
    return Strays(lines, entries, np.full(len(entries), NO_ITEM, np.int64), none, none)


@dataclass(frozen=True)
class Alignment:
    """The graph against the dataset and the index files."""

    histories: Histories
    train: IndexLines
    test: IndexLines
    size: int  # the trainer's n_items: the largest item index + 1
    readings: list[Reading]  # the user hypotheses tried, user_id_to_index.json first
    reading: Reading | None  # the one that identifies the users
    user_of_index: I64  # its users: user index -> sequence user (-1: none)
    index_users: I64  # user_id_to_index.json's: user index -> sequence user (-1: none)
    of_user: I64  # per sequence user: its index in user_id_to_index.json (-1: absent)
    #: Per graph item index, the item the data proves (the same position of the histories
    #: in train.txt; for an index only in test.txt, the target test.txt holds), -1: none.
    graph_item: I64
    items: Disagreement | None  # the mapping against the proven items (None: not judged)
    item_rows: I64 | None  # per universe item: the mapping's row (-1: none)

    @property
    def by_index(self) -> bool:
        """Whether user_id_to_index.json identifies the users."""
        return self.reading is not None and self.reading.name == INDEX_FILE

    @cached_property
    def line_agrees(self) -> Bools:
        """Per train.txt line: the identified reading pairs it with its user's history."""
        assert self.reading is not None
        return self.reading.line_agrees(len(self.train.lengths))

    @cached_property
    def mapped_item(self) -> I64:
        """Per graph item index, the item the mapping says (value = index + 1), -1 none."""
        out = np.full(self.size, -1, np.int64)
        if self.item_rows is None:
            return out
        has = (self.item_rows > 0) & (self.item_rows <= self.size)
        out[self.item_rows[has] - 1] = np.flatnonzero(has)
        return out

    def read_items(self, lines: IndexLines) -> I64:
        """Every item index of ``lines`` read back through the mapping (-1: no item)."""
        return self.mapped_item[lines.items]

    def line_users(self, lines: IndexLines) -> I64:
        """The sequence user of every line read through user_id_to_index.json (-1: none)."""
        return users_of(lines, self.index_users)

    @cached_property
    def strays(self) -> tuple[Strays, Strays]:
        """The interactions of train.txt and test.txt that, read back through both index
        files, are no item of their user (or have no user or no item there)."""
        if self.item_rows is None:
            return _all_strays(self.train), _all_strays(self.test)
        paired = None
        if self.by_index and self.items is not None and self.items.count == 0:
            # The mapping reads every agreeing position pair as its history item.
            assert self.reading is not None
            paired = self.reading.pair_entry[self.reading.agrees]
        return self._strays(self.train, paired), self._strays(self.test, None)

    @property
    def foreign(self) -> tuple[int, int]:
        """How many interactions of train.txt and test.txt are strays."""
        return len(self.strays[0].entries), len(self.strays[1].entries)

    def _strays(self, lines: IndexLines, members: I64 | None) -> Strays:
        h = self.histories
        users = self.line_users(lines)[lines.line_of_item]
        items = self.read_items(lines)
        todo = np.ones(len(items), np.bool_)
        if members is not None:
            todo[members] = False
        reason = np.full(len(items), -1, np.int64)
        reason[todo & (users < 0)] = NO_USER
        reason[todo & (users >= 0) & (items < 0)] = NO_ITEM
        todo &= reason < 0
        safe = np.maximum(users, 0)
        todo &= (items != h.target(1)[safe]) & (items != h.target(2)[safe])
        if todo.any():
            owner = np.repeat(np.arange(len(h.lengths), dtype=np.int64), h.lengths)
            have = np.sort(owner * h.n_items + h.codes)
            keys = users[todo] * h.n_items + items[todo]
            at = np.minimum(np.searchsorted(have, keys), len(have) - 1)
            reason[np.flatnonzero(todo)[have[at] != keys]] = NOT_OF_USER
        entries = np.flatnonzero(reason >= 0)
        return Strays(lines, entries, reason[entries], users[entries], items[entries])

    @cached_property
    def proven(self) -> bool:
        """Read back through user_id_to_index.json and the mapping, every interaction of
        both files is an item of its user. A misread index lands on other users' items:
        a mapping or user index out of step cannot pass this over a whole graph (two items
        it could swap unnoticed have the very same users, and so the same graph rows)."""
        return self.item_rows is not None and self.foreign == (0, 0)

    @cached_property
    def targets(self) -> TestTargets:
        """What test.txt holds (read through the index files; meaningful when proven)."""
        h = self.histories
        users = self.line_users(self.test)[self.test.line_of_item]
        items = self.read_items(self.test)
        safe = np.maximum(users, 0)
        test = (users >= 0) & (items == h.target(1)[safe])
        valid = (users >= 0) & (items == h.target(2)[safe]) & ~test
        lines = len(self.test.items)
        return TestTargets(
            int(test.sum()), int(valid.sum()), lines - int(test.sum() + valid.sum()), lines
        )


def align(data: Dataset) -> Alignment | None:
    """The alignment of the graph, when the graph, the user index and the sequences are
    there (None otherwise)."""
    g = data.graph
    s = data.sequences
    if g is None or g.train is None or g.test is None or g.user_index is None:
        return None
    if s is None or g.user_ids is None:
        return None
    h = Histories(s.codes, s.lengths, g.user_ids, len(s.items))
    size = g.n_items
    assert size is not None  # train and test are there
    by_index, of_user = index_users(g.user_index, h)
    readings = [read_lines(INDEX_FILE, g.train, users_of(g.train, by_index), h, size)]
    user_of_index = by_index
    if not readings[0].identifies:
        order = sorted_users(h)
        readings.append(read_lines(SORTED, g.train, users_of(g.train, order), h, size))
        user_of_index = order
    reading = next((r for r in readings if r.identifies), None)
    graph_item = np.full(size, -1, np.int64)
    items = None
    item_rows = data.item_rows if data.mapping is not None else None
    if reading is not None:
        graph_item = with_test_targets(reading.item_of_index, g.test, user_of_index, h)
    if reading is not None and data.mapping is not None:
        values, present = mapping_values(data)
        proven = np.flatnonzero(graph_item >= 0)
        item = graph_item[proven]
        items = compare(proven, values[item] - 1, present[item], size)
        by_train = reading.item_of_index[proven] >= 0
        if items.count and by_train.any() and not by_train[items.wrong].any():
            # The mapping agrees with every item train.txt proves; an index only test.txt
            # names, on one line, proves nothing against it: those lines are the strays.
            proven, item = proven[by_train], item[by_train]
            items = compare(proven, values[item] - 1, present[item], size)
    return Alignment(
        h,
        g.train,
        g.test,
        size,
        readings,
        reading,
        user_of_index,
        by_index,
        of_user,
        graph_item,
        items,
        item_rows,
    )


def with_test_targets(
    item_of_index: I64, test: IndexLines, user_of_index: I64, h: Histories
) -> I64:
    """The proven items, and for indices only test.txt holds, the target it holds: the
    test or the validation target, whichever the indices train.txt proves agree with."""
    idx = test.items
    user = users_of(test, user_of_index)[test.line_of_item]
    safe = np.maximum(user, 0)
    targets = [h.target(1)[safe], h.target(2)[safe]]
    item = item_of_index[idx]
    known = (user >= 0) & (item >= 0)
    agree = [int((item == t)[known].sum()) for t in targets]
    target = targets[0] if agree[0] >= agree[1] else targets[1]
    fill = (user >= 0) & (item < 0) & (target >= 0)
    out: I64 = item_of_index.copy()
    out[idx[fill][::-1]] = target[fill][::-1]  # the first line wins
    # An item train.txt proves keeps its index: a test line naming it by another index
    # is a stray line, not a second index of the item.
    return one_index_per_item(out, (item_of_index >= 0).astype(np.int64))


def mapping_values(data: Dataset) -> tuple[I64, Bools]:
    """Per universe item, the mapping's integer value for it (after the safe key fixes,
    0 and negative values included) and whether it has one."""
    assert data.sequences is not None
    ka = data.key_analysis
    n = len(data.sequences.items)
    values = np.zeros(n, np.int64)
    present = np.zeros(n, np.bool_)
    ints = np.fromiter(
        (type(v) is int and abs(v) < 2**62 for v in data.values), np.bool_, count=len(data.values)
    )
    usable = np.flatnonzero(ka.fixable() & (ka.target >= 0) & ints)
    values[ka.target[usable]] = [data.values[i] for i in usable.tolist()]
    present[ka.target[usable]] = True
    return values, present
