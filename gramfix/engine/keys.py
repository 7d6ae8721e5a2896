"""Mapping keys against the universe of item IDs: key-format families and their fixes.

Every key is classified by what it takes to turn it into an item ID of the sequences:

exact               nothing: the trainer's ``mapping.get(raw_id, 0)`` finds it
decorated           strip BOM, CR/LF, spaces, quotes, NBSP or zero-width characters at the ends
whole-line          keep the ID before the first whitespace (a whole metadata line as key)
lost-leading-zeros  left-pad an all-digit key with zeros to the width of the universe's IDs
case-changed        take the universe's spelling of a case-insensitive match
internal-id         a small integer (row number, P5-style ID): only a translation table helps
unrecognised        none of the above: an ID of another dataset, or text that is no ID

A fix is *applicable* to a key when its family has one (the case fix only when case
folding is one-to-one over the universe), and *safe* when no other key lands on the same
item with a different value. Values never take part in a fix: they are embedding rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import StringIndex
from gramfix.engine.tokens import FRONT, MAX_TOKEN_BYTES, pack_strings

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


class Family(IntEnum):
    """Key-format families, in report order; the value is what `KeyAnalysis` stores per key."""

    EXACT = 0
    WHOLE_LINE = 1
    DECORATED = 2
    LOST_ZEROS = 3
    CASE_CHANGED = 4
    INTERNAL_ID = 5
    UNRECOGNISED = 6

    @property
    def label(self) -> str:
        """The family as reports name it: ``whole-line``, ``lost-leading-zeros`` ..."""
        return _LABELS[self]


_LABELS = {
    Family.EXACT: "exact",
    Family.WHOLE_LINE: "whole-line",
    Family.DECORATED: "decorated",
    Family.LOST_ZEROS: "lost-leading-zeros",
    Family.CASE_CHANGED: "case-changed",
    Family.INTERNAL_ID: "internal-id",
    Family.UNRECOGNISED: "unrecognised",
}
FIXES: dict[Family, str | None] = {
    Family.EXACT: None,
    Family.WHOLE_LINE: "keep the ID before the first whitespace",
    Family.DECORATED: "strip BOM, CR/LF, spaces, quotes and NBSP at both ends",
    Family.LOST_ZEROS: "left-pad with zeros to the width of the sequences' IDs",
    Family.CASE_CHANGED: "use the spelling of the sequences' ID",
    Family.INTERNAL_ID: None,
    Family.UNRECOGNISED: None,
}

#: Characters that decorate a key at its ends without being part of any item ID.
_INVISIBLE_MARKS = "\ufeff\u200b\u200c\u200d\u2060"
_DECORATION = _INVISIBLE_MARKS + "\"'`"
#: Internal integer IDs are told from numeric item IDs by having ~no overlap at all.
_INTERNAL_OVERLAP = 0.01


def strip_decorations(key: str) -> str:
    """``key`` without whitespace (NBSP included), BOM, zero-width marks or quotes at its ends."""
    if key and not (
        key[0].isspace() or key[0] in _DECORATION or key[-1].isspace() or key[-1] in _DECORATION
    ):
        return key  # the usual case: nothing to strip (one check per end)
    return _strip_ends(key, _DECORATION)


def strip_invisible(key: str) -> str:
    """``key`` without whitespace, BOM or zero-width marks at its ends (quotes kept)."""
    return _strip_ends(key, _INVISIBLE_MARKS)


def _strip_ends(key: str, marks: str) -> str:
    """Whitespace and ``marks`` stripped from both ends until none is left (they may
    alternate: a space inside a quote inside a space)."""
    previous = None
    while key != previous:
        previous = key
        key = key.strip().strip(marks)
    return key


def leading_token(key: str) -> str:
    """The cleaned key cut at its first whitespace (the whole key when it has none)."""
    cleaned = strip_decorations(key)
    parts = cleaned.split(None, 1)
    return strip_decorations(parts[0]) if parts else cleaned


def is_row_value(value: Any) -> bool:
    """Whether ``value`` addresses an embedding row (an int >= 1; bool is not an int here)."""
    return type(value) is int and value >= 1


@dataclass(frozen=True)
class KeyAnalysis:
    """Each mapping key's family and the universe item its fix leads to."""

    keys: list[str]
    family: npt.NDArray[np.int8]  # the Family of each key
    target: I64  # universe code per key after its fix (exact keys: their own), -1 if none
    conflict: Bools  # the key lands on an item that another key maps to another value
    fold_injective: bool  # case folding is one-to-one over the universe
    ambiguous: Bools  # stripping less or more leads to two different items: not provable

    def members(self, family: Family) -> I64:
        """Positions of the keys of ``family``."""
        return np.flatnonzero(self.family == family)

    def fixable(self) -> Bools:
        """Keys that resolve once the safe fixes are applied: exact keys (they need no
        fix, so a repair never loses them) and keys whose fix is applicable and safe."""
        ok = (self.target >= 0) & ~self.conflict & ~self.ambiguous
        if not self.fold_injective:
            ok &= self.family != Family.CASE_CHANGED
        exact: Bools = self.family == Family.EXACT
        return ok | exact


def analyse_keys(
    keys: list[str], values: Sequence[Any], universe: StringIndex, exact: I64 | None = None
) -> KeyAnalysis:
    """Classify every key against ``universe`` (the items of the sequences).

    ``exact`` may give the universe code of every key (-1: none) when the reader
    already knows it; otherwise the keys are looked up.
    """
    n = len(keys)
    family = np.full(n, Family.UNRECOGNISED, np.int8)
    target = exact.copy() if exact is not None else universe.lookup(keys)
    family[target >= 0] = Family.EXACT
    rest = np.flatnonzero(target < 0)
    fold_injective = True
    ambiguous = np.zeros(n, np.bool_)
    if len(rest):
        first, second, cut = _readings(keys, rest, universe)
        found = np.where(first >= 0, first, second)
        ambiguous[rest] = (first >= 0) & (second >= 0) & (first != second)
        hit = (found >= 0) & ~cut
        _assign(family, target, rest[hit], found[hit], Family.DECORATED)
        hit = (found >= 0) & cut
        _assign(family, target, rest[hit], found[hit], Family.WHOLE_LINE)
        left = np.flatnonzero(target[rest] < 0)
        # The leading token of each key still unresolved (few, as a rule).
        tokens = {i: leading_token(keys[rest[i]]) for i in left.tolist()}
        digits = [i for i in left.tolist() if tokens[i].isascii() and tokens[i].isdigit()]
        if digits:
            short = [tokens[i] for i in digits]
            padded = _zero_padded(short, _digit_widths(universe, short), universe)
            hit = padded >= 0
            at = np.array(digits, np.int64)[hit]
            fam = np.where(cut[at], Family.WHOLE_LINE, -1)
            _assign(family, target, rest[at], padded[hit], Family.LOST_ZEROS, fam)
        left = np.flatnonzero(target[rest] < 0)
        if len(left):
            folded, fold_injective = _case_matches(
                [tokens[i] for i in left.tolist()], universe, target
            )
            hit = folded >= 0
            fam = np.where(cut[left[hit]], Family.WHOLE_LINE, -1)
            _assign(family, target, rest[left[hit]], folded[hit], Family.CASE_CHANGED, fam)
        limit = 10 * max(n, len(universe))
        internal = n - len(rest) <= _INTERNAL_OVERLAP * n  # ~no key is an item ID as written
        for i in np.flatnonzero(target[rest] < 0).tolist() if internal else []:
            token = tokens[i]
            if token.isascii() and token.isdigit() and len(token) <= 18 and int(token) <= limit:
                family[rest[i]] = Family.INTERNAL_ID
    return KeyAnalysis(
        keys=keys,
        family=family,
        target=target,
        conflict=_conflicts(target, values),
        fold_injective=fold_injective,
        ambiguous=ambiguous,
    )


def _readings(keys: list[str], rest: I64, universe: StringIndex) -> tuple[I64, I64, Bools]:
    """Two readings of each key at ``rest``, looked up in ``universe``: stripped of
    whitespace and invisible marks (first), and of quotes too (second), both cut at the
    first whitespace when the key is longer than its leading token (``cut``). An ID may
    itself be quoted ('A'), and two readings that reach two items prove nothing."""
    compiled = universe.key_readings(keys, rest)
    if compiled is not None:  # ASCII keys read in C; -2 marks the others, read below
        first, second, cut = compiled
        others = np.flatnonzero(first == -2)
        if len(others) == 0:
            return first, second, cut
        first[others], second[others], cut[others] = _readings_in_python(
            keys, rest[others], universe
        )
        return first, second, cut
    return _readings_in_python(keys, rest, universe)


def _readings_in_python(
    keys: list[str], rest: I64, universe: StringIndex
) -> tuple[I64, I64, Bools]:
    stripped = [strip_decorations(keys[i]) for i in rest.tolist()]
    # leading_token(key), reusing the stripped key (one pass over long keys, not two).
    tokens = [strip_decorations(p[0]) if (p := c.split(None, 1)) else c for c in stripped]
    cut = np.array([t != s for t, s in zip(tokens, stripped, strict=True)], np.bool_)
    soft = [strip_invisible(keys[i]) for i in rest.tolist()]
    soft = [
        (strip_invisible(p[0]) if (p := k.split(None, 1)) else k) if c else k
        for k, c in zip(soft, cut.tolist(), strict=True)
    ]
    full = [t if c else k for t, k, c in zip(tokens, stripped, cut.tolist(), strict=True)]
    return universe.lookup(soft), universe.lookup(full), cut


def _assign(
    family: npt.NDArray[np.int8],
    target: I64,
    positions: I64,
    codes: I64,
    kind: Family,
    override: I64 | None = None,
) -> None:
    """Record fixes; ``override`` (where >= 0) names a family that takes precedence."""
    target[positions] = codes
    family[positions] = kind
    if override is not None:
        keep = override >= 0
        family[positions[keep]] = override[keep]


def _digit_widths(universe: StringIndex, tokens: list[str]) -> list[int]:
    """The widths worth padding ``tokens`` (all-digit) to: the lengths of the universe's
    all-digit IDs.

    A padded token can only be found at a width some all-digit item has, so with few
    tokens it is cheaper to try every width an indexed item can have than to scan all
    item names (names of the hash index are at most MAX_TOKEN_BYTES long).
    """
    names = universe.names
    if not names:
        return []
    shortest = min(map(len, tokens))
    tries = len(tokens) * (MAX_TOKEN_BYTES - shortest)
    if universe.hashed and tries < len(names) // 4:
        return list(range(shortest + 1, MAX_TOKEN_BYTES + 1))
    buffer, starts, lengths = pack_strings(names)
    data = np.frombuffer(buffer, np.uint8)[FRONT : FRONT + int(lengths.sum())]
    # A name is all digits when it holds no byte outside 0-9 (UTF-8 multi-byte
    # characters are all >= 0x80, so they count as non-digits too).
    other = np.zeros(len(data) + 1, np.int32 if len(data) < 1 << 31 else np.int64)
    np.cumsum((data < 0x30) | (data > 0x39), out=other[1:])
    digits = (other[starts + lengths] - other[starts] == 0) & (lengths > 0)
    return sorted(set(np.unique(lengths[digits]).tolist()))


def _zero_padded(tokens: list[str], widths: list[int], universe: StringIndex) -> I64:
    """Universe code of the unique zero-padded form of each all-digit token, else -1.

    A token that fits two or more widths (``5`` with items ``05`` and ``005``) is -1:
    which item lost its zeros is not provable, so it is never fixed.
    """
    found = np.full(len(tokens), -1, np.int64)
    several = np.zeros(len(tokens), np.bool_)  # kept apart: a later width must not undo it
    for width in widths:
        candidates = [
            t.zfill(width) if t.isascii() and t.isdigit() and len(t) < width else "" for t in tokens
        ]
        codes = universe.lookup(candidates)
        several |= (found >= 0) & (codes >= 0)
        found = np.where(codes >= 0, codes, found)
    found[several] = -1
    return found


def _fold_index(names: list[str], codes: Sequence[int]) -> tuple[dict[str, int], bool]:
    """casefold -> code over ``codes`` (-1 where two names share a fold), and injectivity."""
    folded: dict[str, int] = {}
    injective = True
    for code in codes:
        key = names[code].casefold()
        if folded.setdefault(key, code) != code:
            folded[key] = -1
            injective = False
    return folded, injective


def _case_matches(tokens: list[str], universe: StringIndex, target: I64) -> tuple[I64, bool]:
    """Universe code of each token's case-insensitive match, and whether case folding is
    one-to-one over the universe.

    The full fold of a large universe costs a Python pass, so it is built only when some
    token can match: its fold is that of an item no key reached yet, or its upper- or
    lower-case form is an item. The usual leftovers (IDs of items outside the sequences)
    then cost a pass over those few only.
    """
    names = universe.names
    reached = np.zeros(len(names), np.bool_)
    reached[target[target >= 0]] = True
    unreached, _ = _fold_index(names, np.flatnonzero(~reached).tolist())
    some = any(t.casefold() in unreached for t in tokens)
    some = some or bool(np.any(universe.lookup([t.upper() for t in tokens]) >= 0))
    some = some or bool(np.any(universe.lookup([t.lower() for t in tokens]) >= 0))
    if not some:
        return np.full(len(tokens), -1, np.int64), True
    folded, injective = _fold_index(names, range(len(names)))
    codes = np.fromiter((folded.get(t.casefold(), -1) for t in tokens), np.int64, count=len(tokens))
    return codes, injective


def _conflicts(target: I64, values: Sequence[Any]) -> Bools:
    """Keys landing on the same item as another key that holds a different value."""
    conflict = np.zeros(len(target), np.bool_)
    landed = np.flatnonzero(target >= 0)
    if len(landed) == 0:
        return conflict
    if np.bincount(target[landed]).max() < 2:
        return conflict  # no item is reached by two keys (one linear pass, no sort)
    order = landed[np.argsort(target[landed], kind="stable")]
    sorted_targets = target[order]
    starts = np.flatnonzero(np.r_[True, sorted_targets[1:] != sorted_targets[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        group = order[start : start + size].tolist()
        first = values[group[0]]
        if any(type(values[g]) is not type(first) or values[g] != first for g in group[1:]):
            conflict[group] = True
    return conflict


def show(text: str, limit: int = 80) -> str:
    """``text`` for a report: invisible and control characters escaped, long text cut."""
    out = []
    for char in text[: limit + 1]:
        code = ord(char)
        if char == " " or (char.isprintable() and not char.isspace() and code not in _INVISIBLE):
            out.append(char)
        elif code <= 0xFF:
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}"))
        else:
            out.append(f"\\u{code:04x}")
    shown = "".join(out)
    return shown[:limit] + "…" if len(text) > limit else shown


_INVISIBLE = {0xFEFF, 0x200B, 0x200C, 0x200D, 0x2060, 0x00AD}
