"""Resolving strings to items through the indexing file, level by level."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.engine.lexical import (
    AMBIGUOUS,
    LEVELS,
    NONE,
    LexicalIndex,
    decoded,
    folded,
    whitespace_collapsed,
)
from gramfix.engine.spans import MAX_BYTES, Spans, SpanTable
from gramfix.engine.tokens import FRONT
from gramfix.io.itemfiles import read_lexical_index
from gramfix.model.errors import InputError
from tests.predictions_build import SYNTHETIC

SYNTHETIC_INDEX = next(SYNTHETIC.glob("item_generative_indexing_*.txt"))


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return read_lexical_index(SYNTHETIC_INDEX)


def _level(index: LexicalIndex, text: str) -> tuple[str | None, tuple[str, ...]]:
    found = index.resolve(text)
    name = LEVELS[found.level] if found.level >= 0 else None
    return name, tuple(index.items[i] for i in index.candidates(found.entry))


@pytest.mark.parametrize(
    ("lexical_id", "decoded_form"),
    [
        # The example of docs/predictions.md: pieces joined, "▁" a word boundary.
        (
            "|▁loss|▁brake|▁fur|▁consolid|ren|▁scalp|▁profound",
            "loss brake fur consolidren scalp profound",
        ),
        # The trailing bare-digit dedup level sticks to the piece before it.
        ("|▁action|▁league|kot|bu|ki|0", "action leaguekotbuki0"),
        ("|▁action|▁league|kot|bu|ki|10", "action leaguekotbuki10"),
        ("|▁cars|miss|▁1:2|▁sights|▁eyes|1", "carsmiss 1:2 sights eyes1"),
        # No leading "▁" (Yelp): the text starts glued.
        ("|gas|name|53|49|▁da|flam|▁45|▁vie|▁5", "gasname5349 daflam 45 vie 5"),
        ("|▁Z|LK|▁E|▁Unser|kul", "ZLK E Unserkul"),
        ("|▁15,|▁47|4.2", "15, 474.2"),
        ("loss brake fur", "loss brake fur"),  # already decoded: unchanged
    ],
)
def test_decoded_form(lexical_id: str, decoded_form: str) -> None:
    assert decoded(lexical_id) == decoded_form


def test_the_looser_levels() -> None:
    assert whitespace_collapsed("  loss\u00a0 brake\tfur ") == "loss brake fur"
    assert whitespace_collapsed("|▁loss|▁▁brake") == "loss brake"
    assert folded("Sunscreen SIMPLE 15 , 47") == "sunscreen simple 15,47"
    assert folded("|▁15,|▁47|4.2") == "15,474.2"
    assert folded("Straße ｃａｆé") == "strasse café"  # NFKC, then case-folding


def test_each_level_in_order(index: LexicalIndex) -> None:
    raw = "|▁loss|▁brake|▁fur|▁consolid|ren|▁scalp|▁profound"
    assert _level(index, raw) == ("raw", ("B000P24EI2",))
    assert _level(index, "loss brake fur consolidren scalp profound") == (
        "decoded",
        ("B000P24EI2",),
    )
    assert _level(index, "|▁loss|▁bra|ke|▁fur|▁consolid|ren|▁scalp|▁profound") == (
        "decoded",
        ("B000P24EI2",),
    )
    assert _level(index, " loss brake  fur consolidren scalp profound ") == (
        "whitespace",
        ("B000P24EI2",),
    )
    assert _level(index, "LOSS Brake fur consolidren scalp profound") == ("folded", ("B000P24EI2",))
    assert _level(index, "sunscreen simple 15 , 474.2 protecting11") == ("folded", ("B00C1F13CQ",))
    assert _level(index, "loss brake fur consolidren scalp") == (None, ())


def test_dedup_twins_stay_apart(index: LexicalIndex) -> None:
    for digit, item in (("0", "B0000A1Z5K"), ("1", "B0000A1Z5L"), ("10", "B0000A1Z5M")):
        assert _level(index, f"action leaguekotbuki{digit}") == ("decoded", (item,))
    assert _level(index, "action leaguekotbuki 0") == (None, ())


def test_collisions_are_ambiguous_at_their_level(index: LexicalIndex) -> None:
    # "|▁ab|c" and "|▁a|bc" decode alike: distinct raw, ambiguous decoded.
    assert _level(index, "|▁ab|c|▁twin") == ("raw", ("B00ABC0001",))
    assert _level(index, "abc twin") == ("decoded", ("B00ABC0001", "B00ABC0002"))
    assert index.resolve("abc twin").entry <= AMBIGUOUS
    # Distinct by case: each decoded form is one item; folded, they collide.
    assert _level(index, "Hello World lamp") == ("decoded", ("B00HELLO01",))
    assert _level(index, "hello world lamp") == ("decoded", ("B00HELLO02",))
    assert _level(index, "HELLO WORLD LAMP") == ("folded", ("B00HELLO01", "B00HELLO02"))
    assert index.collisions() == [0, 2, 2, 4]


def test_an_item_on_two_lines_keeps_its_last_lexical_id(tmp_path: Path) -> None:
    path = tmp_path / "item_generative_indexing_x.txt"
    path.write_text("A |▁first\nB |▁other\nA |▁second\n", encoding="utf-8")
    index = read_lexical_index(path)
    assert index.items == ["A", "B"]
    assert _level(index, "second") == ("decoded", ("A",))
    assert _level(index, "first") == (None, ())


def test_an_indexing_file_without_items(tmp_path: Path) -> None:
    path = tmp_path / "item_generative_indexing_x.txt"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no item line"):
        read_lexical_index(path)


def _bulk(index: LexicalIndex, texts: list[str]) -> list[tuple[int, int]]:
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.array([len(e) for e in encoded], np.int64)
    starts = np.cumsum(lengths) - lengths
    padded = b"\0" * FRONT + b"".join(encoded) + b"\0" * 128
    entries, levels = index.lookup(padded, starts, lengths)
    return list(zip(entries.tolist(), levels.tolist(), strict=True))


def _mutations(index: LexicalIndex, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    for lexical_id in rng.sample(index.lexical, min(60, len(index.lexical))):
        form = decoded(lexical_id)
        texts += [
            lexical_id,
            form,
            form.upper(),
            " " + form,
            form.replace(" ", "  "),
            form[:-1],
            form + "x",
            "",
            form * 4,  # longer than the table's spans
        ]
    return texts


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6))
def test_bulk_lookup_is_resolve(index: LexicalIndex, seed: int) -> None:
    texts = _mutations(index, seed)
    expected = [(r.entry, r.level) for r in map(index.resolve, texts)]
    assert _bulk(index, texts) == expected


@settings(max_examples=100)
@given(
    st.lists(
        st.text(max_size=MAX_BYTES // 4),  # at most 4 bytes a character: it fits
        min_size=1,
        max_size=40,
        unique=True,
    ),
    st.data(),
)
def test_span_table_is_exact(strings: list[str], data: st.DataObject) -> None:
    table = SpanTable(strings)
    queries = data.draw(st.lists(st.sampled_from(strings) | st.text(max_size=40), max_size=40))
    encoded = [q.encode("utf-8") for q in queries]
    lengths = np.array([len(e) for e in encoded], np.int64)
    starts = np.cumsum(lengths) - lengths
    padded = b"\0" * FRONT + b"".join(encoded) + b"\0" * 128
    spans = Spans.of(padded, starts, lengths)
    position = {s: i for i, s in enumerate(strings)}
    truth = [position.get(q, -1) for q in queries]
    assert table.find_in_numpy(spans).tolist() == truth
    assert table.find(spans).tolist() == truth  # the compiled probe, when built


@settings(max_examples=50)
@given(st.lists(st.text(min_size=1, max_size=20), min_size=2, max_size=30, unique=True))
def test_a_hash_that_collides_never_finds_another_string(strings: list[str]) -> None:
    # Every query is given the hash of the first string: the probe meets that string's
    # slot first, and only the string itself may match (its row equal), on both engines.
    table = SpanTable(strings)
    encoded = [q.encode("utf-8") for q in strings]
    lengths = np.array([len(e) for e in encoded], np.int64)
    starts = np.cumsum(lengths) - lengths
    padded = b"\0" * FRONT + b"".join(encoded) + b"\0" * 128
    spans = Spans.of(padded, starts, lengths)
    forced = Spans(spans.cut, np.full_like(spans.hashes, spans.hashes[0]), spans.rows)
    truth = [0] + [-1] * (len(strings) - 1)
    assert table.find_in_numpy(forced).tolist() == truth
    assert table.find(forced).tolist() == truth


@pytest.mark.parametrize("dataset", ["Beauty", "Toys", "Yelp"])
def test_real_indexing_files(shared: Path, dataset: str) -> None:
    path = next((shared / "gram" / dataset).glob("item_generative_indexing_*.txt"))
    index = read_lexical_index(path)
    # Every item's own lexical ID and decoded ID name it alone; no collision exists.
    assert index.collisions() == [0, 0, 0, 0]
    sample = random.Random(7).sample(range(len(index.items)), 2000)
    raw = [index.lexical[i] for i in sample]
    forms = [decoded(index.lexical[i]) for i in sample]
    assert _bulk(index, raw) == [(i, 0) for i in sample]
    assert _bulk(index, forms) == [(i, 1) for i in sample]
    # Case matters in Yelp's IDs: a changed case is only a folded match, never a miss.
    cased = [f.swapcase() for f in forms]
    resolved = _bulk(index, cased)
    assert all(entry == i for (entry, _), i in zip(resolved, sample, strict=True))
    assert {level for _, level in resolved} <= {1, 3}
    if dataset == "Yelp":
        assert sum(level == 3 for _, level in resolved) == len(sample)
    assert _bulk(index, ["zzq not an item"]) == [(NONE, -1)]
