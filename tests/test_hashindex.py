"""The numpy string index is exact: a string finds its own code and nothing else."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.engine.hashindex import HashIndex, StringIndex
from gramfix.engine.tokens import cut_strings

NAMES = st.text(st.characters(codec="utf-8", exclude_characters="\0"), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(NAMES, unique=True, max_size=300), st.lists(NAMES, max_size=50))
def test_lookup_finds_exactly_the_indexed_strings(names: list[str], probes: list[str]) -> None:
    index = StringIndex.from_names(names)
    assert list(index.lookup(names)) == list(range(len(names)))
    expected = [names.index(p) if p in names else -1 for p in probes]
    assert list(index.lookup(probes)) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=50))
def test_a_token_hashes_the_same_alone_and_in_any_batch(batch: list[str]) -> None:
    together, ok = cut_strings(batch)
    for position, name in enumerate(n for n, good in zip(batch, ok, strict=True) if good):
        alone, _ = cut_strings([name])
        assert together.hashes[position] == alone.hashes[0]


def test_colliding_slots_and_growth_keep_codes() -> None:
    # Many names into a tiny table: probing chains, several growths.
    names = [f"ID{i:08d}" for i in range(50_000)]
    tokens, _ = cut_strings(names)
    index = HashIndex(bits=2)
    codes, first = index.find_or_add(tokens)
    assert np.array_equal(codes, np.arange(len(names)))
    assert np.array_equal(first, np.arange(len(names)))
    again, new = index.find_or_add(tokens)
    assert np.array_equal(again, codes)
    assert len(new) == 0


def test_prefix_and_padding_do_not_collide() -> None:
    # Words overlap for 9..16-byte tokens: the length column keeps them apart.
    names = ["ABCDEFGHI", "ABCDEFGHBCDEFGHI", "A", "A\x01", "AB", "ABCDEFGH", "ABCDEFGH\x01"]
    index = StringIndex.from_names(names)
    assert list(index.lookup(names)) == list(range(len(names)))
