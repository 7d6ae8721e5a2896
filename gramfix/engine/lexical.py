"""Resolving the strings of a prediction file to items, through the indexing file.

GRAM names an item by its lexical ID, the text after the item on its line of
``item_generative_indexing_*.txt``: ``B000P24EI2 |▁loss|▁brake|▁fur|▁consolid|ren``.
For ``--item_id_type split`` it tokenises that ID with T5, drops the separator tokens
``|`` and ``▁|`` and decodes generated sequences with ``batch_decode(...,
skip_special_tokens=True)``, so a prediction file holds *decoded* IDs (``loss brake fur
consolidren``), compared with ``==``. A checker cannot run the tokenizer, so it matches at
levels of normalisation, each looser than the last, and says which level matched:

==============  ======================================================================
``raw``         the string as it is (a lexical ID exactly as in the indexing file)
``decoded``     ``|`` removed, ``▁`` a word boundary (what T5's decode gives, in effect)
``whitespace``  that, with runs of whitespace collapsed and the ends stripped
``folded``      that, NFKC-normalised, case-folded, and without spaces around punctuation
==============  ======================================================================

Each level applies its normaliser to both sides: the string resolves at the first level
where its normal form is the normal form of some item's lexical ID. When that form
belongs to several items the string is *ambiguous* at that level (and never a hit):
GRAM itself could not tell those items apart.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from gramfix.engine.spans import MAX_BYTES, Spans, SpanTable
from gramfix.engine.tokens import FRONT

I64 = npt.NDArray[np.int64]

Level = Literal["raw", "decoded", "whitespace", "folded"]
LEVELS: tuple[Level, ...] = ("raw", "decoded", "whitespace", "folded")

#: Resolution entries: an item index (>= 0), or one of these.
NONE = -1
#: Entries at or below this are ambiguous: group ``AMBIGUOUS - entry`` of `groups`.
AMBIGUOUS = -2

#: Strings outside the exact tables whose resolution is remembered (per index).
RESOLVED_MAX = 1 << 16

_WORD = "▁"  # U+2581, SentencePiece's word-boundary mark
_SEPARATOR = "|"
_PUNCTUATION_SPACE = re.compile(r"\s*([^\w\s])\s*")


def raw(text: str) -> str:
    """Level ``raw``: the string unchanged."""
    return text


def decoded(text: str) -> str:
    """Level ``decoded``: what T5's ``batch_decode`` gives for a split lexical ID, in effect.

    GRAM drops the separator tokens, so the pieces join up; SentencePiece turns each
    ``▁`` into a space and drops the one that starts the text. A piece without ``▁``
    sticks to the one before it, the trailing bare-digit dedup level included:
    ``|▁loss|▁brake|▁fur|▁consolid|ren|▁scalp|▁profound`` gives ``loss brake fur
    consolidren scalp profound`` and ``|▁action|▁league|kot|bu|ki|0`` gives
    ``action leaguekotbuki0`` (never ``... 0``: the digit is what tells that item from
    its twin). An ID without a leading ``▁`` (``|gas|name|53``) starts glued:
    ``gasname53``. A string with neither mark (a decoded ID) is returned unchanged.
    """
    text = text.replace(_SEPARATOR, "")
    if text.startswith(_WORD):
        text = text[1:]
    return text.replace(_WORD, " ")


def whitespace_collapsed(text: str) -> str:
    """Level ``whitespace``: the decoded form with every run of whitespace (any Unicode
    space) made one space and the ends stripped, as T5's normaliser does on encoding."""
    return " ".join(decoded(text).split())


def folded(text: str) -> str:
    """Level ``folded``: the collapsed form NFKC-normalised (T5's normaliser), case-folded,
    and without whitespace next to punctuation (``15 , 47`` and ``15,47`` alike)."""
    text = unicodedata.normalize("NFKC", whitespace_collapsed(text)).casefold()
    return _PUNCTUATION_SPACE.sub(r"\1", text)


NORMALISERS: tuple[Callable[[str], str], ...] = (raw, decoded, whitespace_collapsed, folded)


@dataclass(frozen=True)
class Resolution:
    """Where a string resolved: ``entry`` is an item index, `NONE`, or an ambiguous group
    (``<= AMBIGUOUS``); ``level`` is the index into `LEVELS` (-1 when unresolved)."""

    entry: int
    level: int

    @property
    def item(self) -> int | None:
        """The one item, or None (unresolved or ambiguous)."""
        return self.entry if self.entry >= 0 else None


class LexicalIndex:
    """Every item's lexical ID under each level, built once.

    ``items`` and ``lexical`` follow the trainer's dict (``{item: lexical id}``): an item
    on several lines keeps its last lexical ID, in the position of its first line.
    """

    def __init__(self, items: Sequence[str], lexical: Sequence[str]) -> None:
        self.items = list(items)
        self.lexical = list(lexical)
        self.groups: list[tuple[int, ...]] = []
        self._group_of: dict[tuple[int, ...], int] = {}
        # The looser levels are built when a string first needs them: a file GRAM wrote
        # unchanged resolves every string at "raw" or "decoded".
        self._levels: list[dict[str, int] | None] = [None] * len(NORMALISERS)
        self._lock = threading.Lock()
        self._resolved: dict[bytes, Resolution] = {}
        self._build_exact()

    def _level(self, level: int) -> dict[str, int]:
        """``{normal form: entry}`` of one level (built once, thread-safe)."""
        built = self._levels[level]
        if built is not None:
            return built
        with self._lock:
            built = self._levels[level]
            if built is None:
                normalise = NORMALISERS[level]
                forms: dict[str, list[int]] = {}
                for item, lexical_id in enumerate(self.lexical):
                    forms.setdefault(normalise(lexical_id), []).append(item)
                built = {form: self._entry_of(owners) for form, owners in forms.items()}
                self._levels[level] = built
            return built

    def _entry_of(self, owners: list[int]) -> int:
        if len(owners) == 1:
            return owners[0]
        key = tuple(owners)
        if key not in self._group_of:
            self._group_of[key] = len(self.groups)
            self.groups.append(key)
        return AMBIGUOUS - self._group_of[key]

    def resolve(self, text: str) -> Resolution:
        """The first level at which ``text`` names one item or several."""
        for level, normalise in enumerate(NORMALISERS):
            entry = self._level(level).get(normalise(text))
            if entry is not None:
                return Resolution(entry, level)
        return Resolution(NONE, -1)

    def candidates(self, entry: int) -> tuple[int, ...]:
        """The items an entry stands for (none, one, or an ambiguous group)."""
        if entry >= 0:
            return (entry,)
        if entry <= AMBIGUOUS:
            return self.groups[AMBIGUOUS - entry]
        return ()

    def collisions(self) -> list[int]:
        """Per level: items that share their normal form with another item."""
        return [
            sum(len(self.groups[AMBIGUOUS - e]) for e in set(forms.values()) if e <= AMBIGUOUS)
            for forms in map(self._level, range(len(NORMALISERS)))
        ]

    # -- bulk lookup of the strings GRAM writes ------------------------------------------

    def _build_exact(self) -> None:
        """Tables of every string that resolves at ``raw`` or ``decoded`` as it stands:
        the forms of those two levels (a decoded form has no ``|`` or ``▁``, so it is its
        own decoded form). Only spans outside them need the Python levels. The decoded
        forms, what GRAM writes, come first; a span not among them is then looked for
        among the raw lexical IDs."""
        exact: dict[str, tuple[int, int]] = {}
        for level in (1, 0):  # raw last: it wins where a string is a form of both
            for form, entry in self._level(level).items():
                exact[form] = (entry, level)
        decoded_forms = self._level(1)
        short = [f for f in exact if len(f.encode("utf-8")) <= MAX_BYTES]
        self._tables: list[tuple[SpanTable, I64, I64]] = []
        for forms in (
            [f for f in short if f in decoded_forms],
            [f for f in short if f not in decoded_forms],
        ):
            entries = np.array([exact[f][0] for f in forms], np.int64)
            levels = np.array([exact[f][1] for f in forms], np.int64)
            self._tables.append((SpanTable(forms), entries, levels))

    def lookup(
        self, padded: bytes | bytearray, starts: I64, lengths: I64, spans: Spans | None = None
    ) -> tuple[I64, I64]:
        """Entry and level of every span of ``padded`` (FRONT/PADDING layout), resolving
        the spans that are not a raw or decoded form as it stands through `resolve`.
        ``spans``: the same spans, already cut. Safe from several threads at once."""
        if spans is None:
            spans = Spans.of(padded, starts, lengths)
        n = len(starts)
        entries = np.full(n, NONE, np.int64)
        levels = np.full(n, -1, np.int64)
        todo = spans
        for table, form_entry, form_level in self._tables:
            codes = table.find(todo)
            found = codes >= 0
            entries[todo.cut[found]] = form_entry[codes[found]]
            levels[todo.cut[found]] = form_level[codes[found]]
            if found.all():
                break
            todo = todo.take(np.flatnonzero(~found))
        unknown = np.flatnonzero(levels < 0)
        if len(unknown):
            # The same odd string often recurs (a model's favourite non-item, one gold in
            # another form): remembered across blocks, up to a bound.
            seen = self._resolved if len(self._resolved) < RESOLVED_MAX else {}
            for position in unknown.tolist():
                start = FRONT + int(starts[position])
                key = bytes(padded[start : start + int(lengths[position])])
                resolution = seen.get(key)
                if resolution is None:
                    resolution = seen[key] = self.resolve(key.decode("utf-8"))
                entries[position] = resolution.entry
                levels[position] = resolution.level
        return entries, levels
