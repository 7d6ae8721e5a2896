"""The LightGCN graph read against the sequences it was converted from.

The converter (graph-data.md) writes, for every user with at least 3 items, the user's
training part ``items[:-2]`` as one train.txt line, in history order. So a train.txt line
is a user's history, and lining it up with the histories tells, *from the data alone*,
which user each user index stands for (the line is that user's ``items[:-2]``) and which
item each item index stands for (the item at the same position of those histories). The
index files (user_id_to_index.json, the mapping) are then compared with what the data
proves, not with what they claim.

A *reading* of train.txt is a hypothesis for the users: user index -> sequence user
(that of user_id_to_index.json, or the converter's sorted order). Under the right one
every position pairs an item index with one and the same item: the reading is
consistent, and its pairs give each item index its item. Under a wrong one the pairs
are those of other users' histories, and an index pairs with many items.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import StringIndex

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
Bools = npt.NDArray[np.bool_]
A = TypeVar("A", bound=npt.NDArray[Any])

#: A reading whose position pairs agree with its item correspondence at least this often
#: identifies the users. The right reading agrees on every pair of an unchanged dataset
#: (1.0); wrong ones (users shuffled, shifted by one, in file order) on 0.13 (Beauty),
#: 0.15 (Toys), 0.11-0.12 (the 200-user clustered data of the golden cases): the pairs an
#: index's most frequent item wins by chance. tests/test_graph_alignment.py holds it there.
CONSISTENT = 0.9


@dataclass(frozen=True)
class IndexLines:
    """train.txt or test.txt: a user index and its item indices per line (0-based)."""

    path: Path
    users: I64  # the user index of each line
    lengths: I64  # item indices on each line
    items: I64  # every item index, line after line
    lines: I64  # the 1-based line number of each line

    # Computed once (read-only): the checks index them again and again, per example too.
    @cached_property
    def starts(self) -> I64:
        """Where each line's items begin in ``items``."""
        return _frozen(np.cumsum(self.lengths) - self.lengths)

    @cached_property
    def line_of_item(self) -> I64:
        """The line (position in this object) of every entry of ``items``."""
        return _frozen(np.repeat(np.arange(len(self.lengths), dtype=np.int64), self.lengths))


@dataclass(frozen=True)
class Histories:
    """The sequences as the converter reads them."""

    codes: I32  # item code of every interaction, user after user
    lengths: I64  # per sequence user
    names: list[str]  # the user IDs
    n_items: int

    # Computed once (read-only): checks index them per user (a property made
    # `converted[user]` in a loop over users quadratic).
    @cached_property
    def starts(self) -> I64:
        return _frozen(np.cumsum(self.lengths) - self.lengths)

    @cached_property
    def converted(self) -> Bools:
        """Users the converter writes: at least 3 items."""
        return _frozen(self.lengths >= 3)

    def target(self, back: int) -> I64:
        """Per user, the item ``back`` (1 or 2) from the end (2: validation, 1: test), -1
        without."""
        return self._targets[back]

    @cached_property
    def _targets(self) -> dict[int, I64]:
        targets = {}
        for back in (1, 2):
            out = np.full(len(self.lengths), -1, np.int64)
            has = self.lengths >= back
            out[has] = self.codes[(self.starts + self.lengths - back)[has]]
            targets[back] = _frozen(out)
        return targets


def _frozen(array: A) -> A:
    """``array``, read-only: a cached array shared by every check must not be changed."""
    array.flags.writeable = False
    return array


def indexed_items(h: Histories) -> Bools:
    """Per item: the converter gives it an index (it is in some converted user's
    ``items[:-2]`` or is some converted user's ``items[-1]``)."""
    owner = np.repeat(np.arange(len(h.lengths), dtype=np.int64), h.lengths)
    position = np.arange(len(h.codes), dtype=np.int64) - np.repeat(h.starts, h.lengths)
    back = h.lengths[owner] - position  # 1: the test target, 2: the validation target
    indexed = np.zeros(h.n_items, np.bool_)
    indexed[h.codes[h.converted[owner] & (back != 2)]] = True
    return indexed


def sorted_users(h: Histories) -> I64:
    """The converter's user indices: the converted users sorted by ID (Python's string
    order, as its ``sorted()``); index -> sequence user."""
    kept = np.flatnonzero(h.converted).tolist()
    return np.array(sorted(kept, key=h.names.__getitem__), np.int64)


def string_ranks(names: list[str]) -> I64:
    """The rank of each name in Python's ``sorted()`` order."""
    order = sorted(range(len(names)), key=names.__getitem__)
    ranks = np.empty(len(names), np.int64)
    ranks[np.array(order, np.int64)] = np.arange(len(names), dtype=np.int64)
    return ranks


def index_users(user_index: dict[str, int], h: Histories) -> tuple[I64, I64]:
    """The users of user_id_to_index.json: index -> sequence user (-1: a user the
    sequences lack, or an index no user has) and sequence user -> index (-1: absent)."""
    names = list(user_index)
    indices = np.fromiter(user_index.values(), np.int64, count=len(names))
    user = StringIndex.from_names(h.names).lookup(names) if names else indices
    known = user >= 0
    of_user = np.full(len(h.names), -1, np.int64)
    of_user[user[known]] = indices[known]
    by_index = np.full(int(indices.max(initial=-1)) + 1, -1, np.int64)
    # Reversed: the first entry holding an index keeps it.
    by_index[indices[known][::-1]] = user[known][::-1]
    return by_index, of_user


def users_of(lines: IndexLines, by_index: I64) -> I64:
    """The sequence user of each line under a reading (index -> user), -1 where none."""
    inside = lines.users < len(by_index)
    out = np.full(len(lines.users), -1, np.int64)
    out[inside] = by_index[lines.users[inside]]
    return out


@dataclass(frozen=True)
class Reading:
    """train.txt read under one hypothesis for its users."""

    name: str
    line_user: I64  # per line: the sequence user, -1 where the hypothesis has none
    pair_line: I64  # per position pair: its line
    pair_entry: I64  # its place in the lines' ``items``
    pair_index: I64  # the item index at that position of the line
    pair_item: I64  # the item at the same position of the user's history
    item_of_index: I64  # per item index: the item its pairs show most often (-1: no pair)

    @property
    def agrees(self) -> Bools:
        agrees: Bools = self.item_of_index[self.pair_index] == self.pair_item
        return agrees

    @property
    def consistency(self) -> float:
        """Share of the pairs whose item is their index's item (0 without pairs)."""
        return float(self.agrees.mean()) if len(self.pair_index) else 0.0

    @property
    def identifies(self) -> bool:
        return self.consistency >= CONSISTENT

    def mostly_agrees(self, lines: int) -> Bools:
        """Per line: its user is known and more than half of its pairs agree (the
        user's line, some of its items changed; another user's history agrees with an
        index's item by chance only: 0.11-0.15 of its pairs, `CONSISTENT`)."""
        pairs = np.bincount(self.pair_line, minlength=lines)
        agree = np.bincount(self.pair_line[self.agrees], minlength=lines)
        mostly: Bools = (self.line_user >= 0) & (2 * agree > pairs)
        return mostly

    def line_agrees(self, lines: int) -> Bools:
        """Per line: its user is known and every pair of it agrees."""
        wrong = np.bincount(self.pair_line[~self.agrees], minlength=lines) > 0
        ok: Bools = (self.line_user >= 0) & ~wrong
        return ok


def read_lines(name: str, lines: IndexLines, line_user: I64, h: Histories, size: int) -> Reading:
    """Pair every line's items, position by position, with its user's ``items[:-2]``."""
    known = line_user >= 0
    history = np.where(known, np.maximum(h.lengths[np.maximum(line_user, 0)] - 2, 0), 0)
    k = np.where(known, np.minimum(lines.lengths, history), 0)
    pair_line = np.repeat(np.arange(len(k), dtype=np.int64), k)
    offset = np.arange(int(k.sum()), dtype=np.int64) - np.repeat(np.cumsum(k) - k, k)
    pair_entry = lines.starts[pair_line] + offset
    pair_index = lines.items[pair_entry]
    pair_item = h.codes[h.starts[line_user[pair_line]] + offset].astype(np.int64)
    return Reading(
        name,
        line_user,
        pair_line,
        pair_entry,
        pair_index,
        pair_item,
        _modes(pair_index, pair_item, size),
    )


def _modes(index: I64, item: I64, size: int) -> I64:
    """Per index below ``size``, the item it is paired with most often (-1: never), one
    index per item (`one_index_per_item`)."""
    out = np.full(size, -1, np.int64)
    support = np.zeros(size, np.int64)
    if len(index) == 0:
        return out
    width = int(item.max()) + 1
    pairs, counts = np.unique(index * width + item, return_counts=True)
    idx, it = pairs // width, pairs % width
    order = np.lexsort((-counts, idx))  # by index, the most frequent pair first
    first = np.ones(len(order), np.bool_)
    first[1:] = idx[order][1:] != idx[order][:-1]
    out[idx[order][first]] = it[order][first]
    support[idx[order][first]] = counts[order][first]
    return one_index_per_item(out, support)


def one_index_per_item(item_of_index: I64, support: I64) -> I64:
    """The converter gives each item one index: where several indices stand for the same
    item, the one with the most ``support`` (pairs showing it; the lowest index on a tie)
    keeps it, and the others stand for no proven item (-1): their few pairs are lines
    holding an index the converter did not write there."""
    idx = np.flatnonzero(item_of_index >= 0)
    order = np.lexsort((idx, -support[idx], item_of_index[idx]))
    ranked = idx[order]
    items = item_of_index[ranked]
    first = np.ones(len(ranked), np.bool_)
    first[1:] = items[1:] != items[:-1]
    out = np.full(len(item_of_index), -1, np.int64)
    out[ranked[first]] = items[first]
    return out


@dataclass(frozen=True)
class Disagreement:
    """How one numbering differs from the one the data proves."""

    count: int  # entries numbered otherwise (absent ones included)
    absent: int  # entries the numbering lacks
    offset: int | None  # the one shift that explains every difference, if one does
    permutation: bool  # distinct numbers of the same range, given to other entries
    wrong: I64  # the positions of the entries numbered otherwise


def compare(proven: I64, claimed: I64, present: Bools, size: int) -> Disagreement:
    """``claimed[i]`` against ``proven[i]`` for each entry (``present``: the numbering
    has the entry at all); ``size``: how many numbers the proven numbering uses."""
    wrong = np.flatnonzero(~present | (claimed != proven))
    shift = (claimed - proven)[present]
    offset = None
    if len(wrong) and present.all() and (shift == shift[0]).all():
        offset = int(shift[0])
    inside = claimed[present]
    permutation = bool(
        len(wrong)
        and present.all()
        and ((inside >= 0) & (inside < size)).all()
        and len(np.unique(inside)) == len(inside)
    )
    return Disagreement(len(wrong), int((~present).sum()), offset, permutation, wrong)


def follows(order: I64, ranks: I64) -> bool:
    """Whether the entries, taken in ``order``, have increasing ``ranks``."""
    r = ranks[order]
    return bool(len(r) < 2 or (np.diff(r) > 0).all())


@dataclass(frozen=True)
class Leaks:
    """train.txt interactions that are their user's validation or test target."""

    valid: I64  # per line: the validation target's extra occurrences
    test: I64  # per line: the test target's extra occurrences

    @property
    def per_line(self) -> I64:
        total: I64 = self.valid + self.test
        return total


def leaks(lines: IndexLines, line_user: I64, line_items: I64, h: Histories) -> Leaks:
    """Per line, how often its user's targets occur beyond their occurrences in the
    user's ``items[:-2]`` (a target bought before is history, not a leak). ``line_items``:
    the item code of every entry of the lines (-1 where none)."""
    user = line_user[lines.line_of_item]
    known = user >= 0
    valid, test = h.target(2), h.target(1)
    v = np.where(known, valid[np.maximum(user, 0)], -2)
    t = np.where(known, test[np.maximum(user, 0)], -2)
    n = len(lines.lengths)
    is_test = (line_items == t) & known
    is_valid = (line_items == v) & known & ~is_test  # an item both targets counts as test
    per_line_test = np.bincount(lines.line_of_item[is_test], minlength=n)
    per_line_valid = np.bincount(lines.line_of_item[is_valid], minlength=n)
    # The same targets inside each user's own history are not leaks.
    hist_user = np.repeat(np.arange(len(h.lengths), dtype=np.int64), h.lengths)
    position = np.arange(len(h.codes), dtype=np.int64) - np.repeat(h.starts, h.lengths)
    in_history = position < np.repeat(h.lengths - 2, h.lengths)
    codes = h.codes.astype(np.int64)
    before_t = np.bincount(
        hist_user[in_history & (codes == test[hist_user])], minlength=len(h.lengths)
    )
    before_v = np.bincount(
        hist_user[in_history & (codes == valid[hist_user]) & (codes != test[hist_user])],
        minlength=len(h.lengths),
    )
    safe = np.maximum(line_user, 0)
    has = line_user >= 0
    return Leaks(
        valid=np.where(has, np.maximum(per_line_valid - before_v[safe], 0), 0),
        test=np.where(has, np.maximum(per_line_test - before_t[safe], 0), 0),
    )
