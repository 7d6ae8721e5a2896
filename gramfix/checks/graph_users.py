"""GF904, the users side: does the graph hold a line for every user of the user index?

The converter writes user_id_to_index.json, train.txt and test.txt in one run
(graph-data.md, §1): every user it indexes has at least 3 items, so a non-empty
``items[:-2]`` whose items all have an index, and so a train.txt line; and a test.txt line
unless the target test.txt holds has no index (a validation target occurring nowhere
else: GF905). A user of the index without its lines, or a line of a user the index
does not have, means the files are not of one run: lines dropped (a file cut at a line
boundary reads as whole lines), or files written for other users. The graph then has no
node for those users, and the alignment is not called proven over it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.checks.graph_alignment import Alignment
from gramfix.engine.graph import Histories, IndexLines, indexed_items, users_of
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.wording import count

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class UsersMissing:
    """One finding and its summary for the alignment verdict."""

    summary: str
    finding: Finding


def strays(data: Dataset, h: Histories) -> dict[str, str]:
    """The entries of user_id_to_index.json the converter does not write for this
    user_sequence.txt, by user ID, with what is wrong with each in words."""
    g = data.graph
    assert g is not None
    assert g.user_index is not None
    of_name = {name: user for user, name in enumerate(h.names)}
    converted = h.converted.tolist()
    out = {}
    for name in g.user_index:
        user = of_name.get(name)
        if user is None:
            out[name] = "a user user_sequence.txt does not have"
        elif not converted[user]:
            out[name] = "a user of fewer than 3 items, which the converter skips"
    return out


def index_owner(data: Dataset, index: int) -> str:
    """Who user index ``index`` is in user_id_to_index.json, in words, for a line no
    user of user_sequence.txt reads."""
    g = data.graph
    assert g is not None
    assert g.user_index is not None
    names = [name for name, i in g.user_index.items() if i == index]
    if not names:
        return "no user_id_to_index.json entry has that index"
    why = data.user_index_strays
    return "; ".join(
        f"user_id_to_index.json gives it to {name}, {why.get(name, 'a user of the data')}"
        for name in names[:2]
    )


def missing_users(data: Dataset, a: Alignment) -> list[UsersMissing]:
    """GF904: entries of user_id_to_index.json the converter does not write, and per
    graph file the users of the index it lacks, or the lines it has of no user there."""
    g = data.graph
    assert g is not None
    assert g.user_index is not None
    stray = data.user_index_strays
    names = {index: user for user, index in reversed(g.user_index.items()) if user not in stray}
    every = np.fromiter(g.user_index.values(), np.int64, count=len(g.user_index))
    indexed = np.unique(np.fromiter(names, np.int64, count=len(names)))
    out = [_strays(data, a, stray)] if stray else []
    lacking = np.setdiff1d(indexed, a.train.users)
    if len(lacking):
        rule = (
            "the converter writes one for every user it indexes (its items[:-2] all have an index)"
        )
        out.append(_missing(data, a.train, lacking, len(indexed), names, rule))
    expected, target = _expected_in_test(a, indexed)
    lacking = np.setdiff1d(expected, a.test.users)
    if len(lacking):
        rule = f"the converter writes one for every user whose {target} has an index"
        out.append(_missing(data, a.test, lacking, len(expected), names, rule))
    others = np.setdiff1d(a.test.users, every)  # train.txt's: GF904 line by line
    if len(others):
        out.append(_unknown(data, a.test, others))
    return out


def _strays(data: Dataset, a: Alignment, stray: dict[str, str]) -> UsersMissing:
    """GF904: entries of users the converter does not index, and the lines under them."""
    g = data.graph
    assert g is not None
    assert g.user_index is not None
    n = len(stray)
    absent = sum(why.startswith("a user user_sequence") for why in stray.values())
    parts = [
        count(k, text, plural)
        for k, text, plural in (
            (
                absent,
                "user user_sequence.txt does not have",
                "users user_sequence.txt does not have",
            ),
            (n - absent, "user of fewer than 3 items there", "users of fewer than 3 items there"),
        )
        if k
    ]
    owner = {i: name for name, i in reversed(g.user_index.items()) if name not in stray}
    # Lines under an index a user of the data also has are that user's (GF904 otherwise).
    alone = np.array(sorted({g.user_index[name] for name in stray} - set(owner)), np.int64)
    held, total = [], 0
    for lines in (a.train, a.test):
        at = np.flatnonzero(np.isin(lines.users, alone))
        if len(at):
            total += len(at)
            first = int(lines.lines[at[0]])
            held.append(f"{count(len(at), 'line', 'lines')} of {lines.path.name} (line {first:,})")
    verb = "holds" if total == 1 else "hold"
    under = f"; {' and '.join(held)} {verb} {'its' if n == 1 else 'their'} index" if held else ""
    examples = []
    for name, why in list(stray.items())[:EXAMPLES]:
        index = g.user_index[name]
        also = f", also {owner[index]}'s" if index in owner else ""
        examples.append(f"{name} (index {index}{also}): {why}")
    summary = (
        f"user_id_to_index.json holds {count(n, 'entry', 'entries')} the converter does not write"
    )
    message = (
        f"{summary} for this user_sequence.txt ({' and '.join(parts)}), so the index was "
        f"edited or written for other data{under}; regenerate the graph files with "
        "convert_to_lightgcn.py"
    )
    path = g.files.user_index
    file = (data.files.display(path) or path.name) if path else "user_id_to_index.json"
    return UsersMissing(summary, Finding.of("GF904", message, n, examples, file=file))


def _expected_in_test(a: Alignment, indexed: I64) -> tuple[I64, str]:
    """The users of the index test.txt must have a line for, and the target it holds:
    every one when it holds test targets (items[-1] always has an index), else those
    whose validation target has one (the clean setup; also when it cannot be told)."""
    h = a.histories
    user = users_of(a.test, a.index_users)[a.test.line_of_item]
    read = a.graph_item[a.test.items]
    known = (user >= 0) & (read >= 0)
    safe = np.maximum(user, 0)
    test = int((known & (read == h.target(1)[safe])).sum())
    valid = int((known & (read == h.target(2)[safe])).sum())
    if test > valid:
        return indexed, "test target (items[-1])"
    of_index = a.index_users[indexed]
    target = h.target(2)[np.maximum(of_index, 0)]
    has = indexed_items(h)[np.maximum(target, 0)] & (target >= 0)
    return indexed[(of_index < 0) | has], "validation target (items[-2])"


def _missing(
    data: Dataset,
    lines: IndexLines,
    lacking: I64,
    of: int,
    names: dict[int, str],
    rule: str,
) -> UsersMissing:
    file = data.files.display(lines.path) or lines.path.name
    short = lines.path.name
    n = len(lacking)
    last = int(lines.lines[-1]) if len(lines.lines) else 0
    has = "has" if n == 1 else "have"
    them = "it" if n == 1 else "them"
    if len(lines.users) and int(lacking.min()) > int(lines.users.max()):
        # Every user missing comes after the last line: the file stops early.
        end = int(lines.users.max())
        message = (
            f"{short} ends after user index {end:,} (line {last:,}), but "
            f"user_id_to_index.json indexes {of:,} users, and the {n:,} after it {has} no "
            f"line (truncated at a line boundary?), though {rule}"
        )
    else:
        message = (
            f"{n:,} of {of:,} users of user_id_to_index.json {has} no {short} line, though "
            f"{rule}, so lines were dropped from {short}, or it was written for other users"
        )
    node = "no node" if short == "train.txt" else "no test line"
    message += f"; the graph has {node} for {them}: regenerate {short} with convert_to_lightgcn.py"
    examples = [f"{names.get(int(u), '?')} (index {int(u)})" for u in lacking[:EXAMPLES].tolist()]
    summary = f"{count(n, 'user', 'users')} of user_id_to_index.json {has} no {short} line"
    return UsersMissing(summary, Finding.of("GF904", message, n, examples, file=file, line=last))


def _unknown(data: Dataset, lines: IndexLines, others: I64) -> UsersMissing:
    file = data.files.display(lines.path) or lines.path.name
    n = len(others)
    at = np.flatnonzero(np.isin(lines.users, others))
    examples = [
        f"line {int(lines.lines[i])}: user index {int(lines.users[i])}"
        for i in at[:EXAMPLES].tolist()
    ]
    summary = f"{count(len(at), 'test.txt line is', 'test.txt lines are')} of no user of the index"
    message = (
        f"{count(len(at), 'test.txt line names', 'test.txt lines name')} "
        f"{count(n, 'user index', 'user indices')} user_id_to_index.json does not have: "
        "the test file was written for other users"
    )
    return UsersMissing(
        summary,
        Finding.of("GF904", message, len(at), examples, file=file, line=int(lines.lines[at[0]])),
    )
