"""Key families: each corruption of a real ID is recognised and led back to that ID."""

from __future__ import annotations

import string

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.engine.hashindex import StringIndex
from gramfix.engine.keys import (
    Family,
    analyse_keys,
    leading_token,
    show,
    strip_decorations,
)

ANY_KEY = st.text(max_size=30)
ASIN = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=10, max_size=10).map(
    lambda s: "B" + s[1:]
)


@given(ANY_KEY)
def test_normalisers_are_idempotent(key: str) -> None:
    assert strip_decorations(strip_decorations(key)) == strip_decorations(key)
    assert leading_token(leading_token(key)) == leading_token(key)


CORRUPTIONS = {
    Family.WHOLE_LINE: lambda i: f"{i} title: shea butter; brand: acme; price: 9.99",
    Family.DECORATED: lambda i: f"\ufeff {i}\r\n",
    Family.CASE_CHANGED: str.lower,
    Family.EXACT: lambda i: i,
}


@settings(max_examples=100, deadline=None)
@given(st.lists(ASIN, min_size=1, max_size=40, unique=True), st.data())
def test_each_corruption_is_classified_and_fixed(universe: list[str], data: st.DataObject) -> None:
    kinds = data.draw(
        st.lists(st.sampled_from(list(CORRUPTIONS)), min_size=len(universe), max_size=len(universe))
    )
    keys = [CORRUPTIONS[kind](item) for kind, item in zip(kinds, universe, strict=True)]
    ka = analyse_keys(keys, list(range(1, len(keys) + 1)), StringIndex.from_names(universe))
    for position, (kind, item) in enumerate(zip(kinds, universe, strict=True)):
        expected = kind
        if kind is Family.CASE_CHANGED and item.lower() == item:
            expected = Family.EXACT  # all digits: lower-casing changed nothing
        assert Family(ka.family[position]) is expected
        assert ka.target[position] == position
    assert ka.fixable().all()


def test_lost_zeros_pad_to_the_width_of_the_digit_ids() -> None:
    universe = StringIndex.from_names(["0786959916", "B000000001", "0000000042"])
    ka = analyse_keys(["786959916", "42", "B000000001"], [1, 2, 3], universe)
    assert [Family(f) for f in ka.family] == [Family.LOST_ZEROS] * 2 + [Family.EXACT]
    assert list(ka.target) == [0, 2, 1]


def test_case_fix_refused_when_folding_is_not_one_to_one() -> None:
    # Yelp-style case-sensitive IDs: 'aBc' and 'AbC' are two businesses.
    universe = StringIndex.from_names(["aBcDeFgH", "AbCdEfGh", "xYz12345"])
    ka = analyse_keys(["xyz12345"], [1], universe)
    assert Family(ka.family[0]) is Family.CASE_CHANGED
    assert not ka.fold_injective
    assert not ka.fixable()[0]


def test_two_keys_landing_on_one_item_with_different_values_conflict() -> None:
    universe = StringIndex.from_names(["B000000001", "B000000002"])
    keys = ["B000000001", "B000000001 title: x", " B000000002", "B000000002\r"]
    ka = analyse_keys(keys, [1, 7, 2, 2], universe)
    assert list(ka.conflict) == [True, True, False, False]
    assert list(ka.fixable()) == [True, False, True, True]  # the exact key is kept as it is


def test_internal_ids_and_unrecognised_keys() -> None:
    universe = StringIndex.from_names(["B000000001", "B000000002"])
    ka = analyse_keys(["1", "2", "B0FOREIGN9", "title: no id"], [1, 2, 3, 4], universe)
    assert [Family(f) for f in ka.family] == [
        Family.INTERNAL_ID,
        Family.INTERNAL_ID,
        Family.UNRECOGNISED,
        Family.UNRECOGNISED,
    ]
    assert np.all(ka.target == -1)


def test_show_makes_invisible_characters_visible() -> None:
    assert show("\ufeffB0\u00a0\r\n\t") == "\\ufeffB0\\xa0\\r\\n\\t"
    assert show("x" * 100, 10) == "x" * 10 + "…"


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 99_999),
    st.sets(st.integers(6, 14), min_size=1, max_size=5),
    st.lists(ASIN, max_size=5, unique=True),
    st.booleans(),
)
def test_lost_zeros_are_fixed_only_when_one_width_fits(
    number: int, widths: set[int], others: list[str], whole_line: bool
) -> None:
    # Items 05, 005, 0005 ... of one number: the key "5" fits each of them.
    padded = [str(number).zfill(width) for width in sorted(widths)]
    universe = StringIndex.from_names(padded + others)
    key = f"{number} title: x" if whole_line else str(number)
    ka = analyse_keys([key, *others], list(range(1, len(others) + 2)), universe)
    if len(padded) == 1:
        assert ka.target[0] == 0
        assert ka.fixable()[0]
    else:  # ambiguous, whatever the number of widths: never fixed, never guessed
        assert ka.target[0] == -1
        assert not ka.fixable()[0]
        assert Family(ka.family[0]) is not Family.LOST_ZEROS
