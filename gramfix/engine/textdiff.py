"""A unified diff of two files' bytes that ``patch`` and ``git apply`` apply exactly.

Lines end at ``\\n`` only, so a CRLF file keeps its ``\\r`` in every line and a missing
final newline is marked as ``diff -u`` marks it. Lines are aligned by a patience diff:
common first and last lines are matched, then the lines that occur exactly once on
each side, kept in order (a longest increasing subsequence), split the rest, which is
aligned the same way. Every step is linear or n log n, so a mapping of millions of
lines costs seconds where difflib's matcher can turn quadratic; the alignment need not
be minimal, only correct, and mapping files (one unique key per line) align well.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence

#: Unchanged lines shown around each change, as ``diff -u`` does.
CONTEXT = 3
_NO_NEWLINE = b"\\ No newline at end of file\n"

Block = tuple[int, int, int]  # a run of equal lines: a[i:i+size] == b[j:j+size]


def split_lines(data: bytes) -> list[bytes]:
    """``data`` cut after each ``\\n`` (the last line may lack one)."""
    lines = data.split(b"\n")
    last = lines.pop()
    out = [line + b"\n" for line in lines]
    if last:
        out.append(last)
    return out


def unified_diff(old: bytes, new: bytes, name: str, context: int = CONTEXT) -> bytes:
    """The unified diff that turns ``old`` into ``new`` (empty when they are equal).

    Both headers name ``name``: the diff applies to that file (``patch -p0``,
    ``git apply -p0``, or ``patch FILE < DIFF``).
    """
    if old == new:
        return b""
    a, b = split_lines(old), split_lines(new)
    label = name.encode("utf-8", "surrogateescape")
    if any(c.isspace() for c in name):
        label += b"\t"  # a tab ends the name, as diff -u writes it before a date
    out = [b"--- " + label + b"\n", b"+++ " + label + b"\n"]
    for hunk in _hunks(matching_blocks(a, b), len(a), len(b), context):
        out += _format(hunk, a, b)
    return b"".join(out)


def matching_blocks(a: Sequence[bytes], b: Sequence[bytes]) -> list[Block]:
    """Runs of equal lines, in order on both sides (a patience alignment)."""
    blocks: list[Block] = []
    todo = [(0, len(a), 0, len(b))]
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        # Equal first and last lines need no search.
        head = 0
        while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
            head += 1
        if head:
            blocks.append((alo, blo, head))
            alo, blo = alo + head, blo + head
        tail = 0
        while alo < ahi - tail and blo < bhi - tail and a[ahi - 1 - tail] == b[bhi - 1 - tail]:
            tail += 1
        if tail:
            blocks.append((ahi - tail, bhi - tail, tail))
            ahi, bhi = ahi - tail, bhi - tail
        if alo == ahi or blo == bhi or (ahi - alo == 1 and bhi - blo == 1):
            continue  # one side is empty, or one line each that differ: nothing to match
        anchors = _unique_common(a, b, alo, ahi, blo, bhi)
        if not anchors:
            continue  # nothing left to match: the range is one change
        # Split at each anchor; the ranges between them are aligned the same way.
        previous_i, previous_j = alo, blo
        for i, j in anchors:
            blocks.append((i, j, 1))
            if previous_i < i or previous_j < j:
                todo.append((previous_i, i, previous_j, j))
            previous_i, previous_j = i + 1, j + 1
        if previous_i < ahi or previous_j < bhi:
            todo.append((previous_i, ahi, previous_j, bhi))
    blocks.sort()
    return _merge(blocks)


def _unique_common(
    a: Sequence[bytes], b: Sequence[bytes], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Lines that occur once in ``a[alo:ahi]`` and once in ``b[blo:bhi]``, as (i, j) pairs
    of the longest run that is in order on both sides."""
    count_a = Counter(a[alo:ahi])
    where_b: dict[bytes, int] = {}
    repeated: set[bytes] = set()
    for j in range(blo, bhi):
        line = b[j]
        if count_a.get(line) != 1:
            continue
        if line in where_b:
            repeated.add(line)
        where_b[line] = j
    pairs = [
        (i, where_b[line])
        for i in range(alo, ahi)
        if (line := a[i]) in where_b and line not in repeated
    ]
    return _increasing(pairs)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (increasing ``i``) whose ``j`` increase too."""
    if all(pairs[k][1] < pairs[k + 1][1] for k in range(len(pairs) - 1)):
        return pairs  # the usual case: unchanged lines kept their order
    tails: list[int] = []  # tails[n]: the smallest last j of an increasing run of n + 1
    tail_at: list[int] = []  # the index into pairs of that last element
    before = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        n = bisect_left(tails, j)
        if n == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[n] = j
            tail_at[n] = k
        before[k] = tail_at[n - 1] if n else -1
    run = []
    k = tail_at[-1]
    while k >= 0:
        run.append(pairs[k])
        k = before[k]
    return run[::-1]


def _merge(blocks: list[Block]) -> list[Block]:
    """Adjacent runs joined into one."""
    merged: list[Block] = []
    for i, j, size in blocks:
        if merged:
            pi, pj, psize = merged[-1]
            if pi + psize == i and pj + psize == j:
                merged[-1] = (pi, pj, psize + size)
                continue
        merged.append((i, j, size))
    return merged


Hunk = list[tuple[str, int, int, int, int]]  # (tag, i1, i2, j1, j2) as difflib's opcodes


def _hunks(blocks: list[Block], n_a: int, n_b: int, context: int) -> Iterator[Hunk]:
    """Changes with ``context`` equal lines around them; changes closer than twice the
    context share one hunk (difflib's grouped opcodes)."""
    codes = []
    i = j = 0
    for bi, bj, size in [*blocks, (n_a, n_b, 0)]:
        if i < bi or j < bj:
            codes.append(("change", i, bi, j, bj))
        if size:
            codes.append(("equal", bi, bi + size, bj, bj + size))
        i, j = bi + size, bj + size
    if codes and codes[0][0] == "equal":
        _, i1, i2, j1, j2 = codes[0]
        codes[0] = ("equal", max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if codes and codes[-1][0] == "equal":
        _, i1, i2, j1, j2 = codes[-1]
        codes[-1] = ("equal", i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    group: Hunk = []
    for tag, i1, i2, j1, j2 in codes:
        start_i, start_j = i1, j1
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, i1 + context, j1, j1 + context))
            yield group
            group = []
            start_i, start_j = i2 - context, j2 - context
        group.append((tag, start_i, i2, start_j, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> bytes:
    """A hunk header's range, as ``diff -u`` writes it (1-based; empty: the line before)."""
    length = stop - start
    if length == 1:
        return b"%d" % (start + 1)
    return b"%d,%d" % (start + 1 if length else start, length)


def _format(hunk: Hunk, a: Sequence[bytes], b: Sequence[bytes]) -> list[bytes]:
    first, last = hunk[0], hunk[-1]
    out = [b"@@ -" + _range(first[1], last[2]) + b" +" + _range(first[3], last[4]) + b" @@\n"]
    for tag, i1, i2, j1, j2 in hunk:
        if tag == "equal":
            out += _lines(b" ", a[i1:i2])
        else:
            out += _lines(b"-", a[i1:i2])
            out += _lines(b"+", b[j1:j2])
    return out


def _lines(prefix: bytes, lines: Sequence[bytes]) -> list[bytes]:
    out = [prefix + line for line in lines]
    if out and not out[-1].endswith(b"\n"):  # only a file's last line can lack one
        out[-1] += b"\n" + _NO_NEWLINE
    return out
