"""The item-file reader: both paths agree, and each odd input gets the trainer's meaning."""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.io import itemfiles as reader
from gramfix.io.blocks import NeedsExactReader
from gramfix.io.discover import ItemKind
from gramfix.io.itemfiles import ItemFile, read_first_id, read_item_file
from gramfix.model.errors import InputError

KINDS: list[ItemKind] = ["item-text", "indexing", "similar-items"]
ID = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=70)


def _exact(path: Path, kind: ItemKind) -> ItemFile:
    with path.open("rb") as handle:
        return reader.ExactReader(path, kind).read(handle)


def _fast(path: Path, kind: ItemKind) -> ItemFile:
    with path.open("rb") as handle:
        return reader.FastReader(path, kind).read(handle)


def _same(a: ItemFile, b: ItemFile) -> None:
    assert a.ids == b.ids
    assert np.array_equal(a.id_lines, b.id_lines)
    assert a.values == b.values
    assert a.neighbours == b.neighbours
    assert np.array_equal(a.neighbour_counts, b.neighbour_counts)
    assert a.neighbours_per_line == b.neighbours_per_line
    assert a.hygiene == b.hygiene


def _trainer(text: str, kind: ItemKind) -> dict[str, str]:
    """What GRAM's own reader builds (universal newlines, cut at the first space)."""
    result = {}
    for line in re.split("\r\n|\r|\n", text)[: -1 if text.endswith(("\n", "\r")) else None]:
        if kind == "similar-items" and line.startswith("anchor"):
            continue
        key, rest = line.split(" ", 1)
        result[key] = rest
    return result


@st.composite
def files(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 25))):
        key = draw(ID | st.sampled_from(["anchor", "item_id", "A", "B"]))
        rest = draw(st.lists(ID | st.sampled_from(["title:", "|▁tok|x", "é", "a\tb"]), max_size=5))
        gap = draw(st.sampled_from([" ", " ", "  "]))
        lines.append(key + gap + " ".join(rest))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + (ending if lines and draw(st.booleans()) else "")


@settings(max_examples=150, deadline=None)
@given(files(), st.sampled_from(KINDS))
def test_fast_and_exact_readers_agree(text: str, kind: ItemKind) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.txt"
        path.write_bytes(text.encode())
        try:
            fast = _fast(path, kind)
        except NeedsExactReader:
            return  # the exact reader takes it; nothing to compare
        exact = _exact(path, kind)
        _same(fast, exact)
        if text:
            trainer = _trainer(text, kind)
            assert set(fast.ids) == trainer.keys()
            if kind == "indexing":
                assert dict(zip(fast.ids, fast.values or [], strict=True)) == trainer


def test_similar_items(tmp_path: Path) -> None:
    path = tmp_path / "similar_item_sasrec.txt"
    path.write_text("anchor top1 top2\nA B C\nB A  X\nC\n\nD \n")
    for read in (_fast, _exact):
        f = read(path, "similar-items")
        assert f.ids == ["A", "B", "D"]
        assert f.id_lines.tolist() == [2, 3, 6]
        assert f.neighbours == ["B", "C", "A", "X"]
        assert f.neighbour_counts.tolist() == [1, 1, 1, 1]
        assert f.neighbours_per_line == (0, 2)
        assert f.hygiene.skipped_headers == 1
        assert f.hygiene.no_space_lines.lines == [4]
        assert f.hygiene.empty_lines.lines == [5]


def test_indexing_values_are_the_rest_of_the_line(tmp_path: Path) -> None:
    path = tmp_path / "item_generative_indexing_x.txt"
    path.write_bytes("A |▁loss|ren \r\nB |▁x\r\n".encode())
    f = read_item_file(path, "indexing")
    assert f.ids == ["A", "B"]
    assert f.values == ["|▁loss|ren ", "|▁x"]  # trailing space kept, CR not
    assert f.hygiene.crlf_lines == 2


@pytest.mark.parametrize(
    ("content", "ids", "what"),
    [
        ("\ufeffA text\nB text\n", ["\ufeffA", "B"], "bom"),
        ("A\ttext more\nB text\n", ["A\ttext", "B"], "odd"),
        ("A\u00a0x text\n", ["A\u00a0x"], "odd"),
        ("A text\rB text\n", ["A", "B"], "lone CR"),
        ("item_id text\nA text\n", ["item_id", "A"], "header"),
    ],
)
def test_odd_files_take_the_exact_path(
    tmp_path: Path, content: str, ids: list[str], what: str
) -> None:
    path = tmp_path / "item_plain_text.txt"
    path.write_bytes(content.encode())
    f = read_item_file(path, "item-text")
    assert f.ids == ids
    hy = f.hygiene
    if what == "bom":
        assert hy.bom
        assert hy.odd_id_lines.count == 0
    if what == "odd":
        assert hy.odd_id_lines.lines == [1]
    if what == "lone CR":  # a line break to the trainer, and counted
        assert (hy.cr_lines, hy.crlf_lines, hy.lines) == (1, 0, 2)
    if what == "header":
        assert hy.header_lines.lines == [1]
        assert hy.header_lines.labels == ["item_id"]


def test_not_utf8_and_binary_are_input_errors(tmp_path: Path) -> None:
    path = tmp_path / "item_plain_text.txt"
    path.write_bytes(b"A text\nB caf\xe9\n")
    with pytest.raises(InputError) as caught:
        read_item_file(path, "item-text")
    assert (caught.value.line, caught.value.column) == (2, 6)
    path.write_bytes(b"A text\nB \x00\n")
    with pytest.raises(InputError, match="NUL"):
        read_item_file(path, "item-text")


def test_first_id(tmp_path: Path) -> None:
    path = tmp_path / "user_sequence.txt"
    path.write_bytes(b"\xef\xbb\xbfuser_id item_ids\r\nA1 B\n")
    assert read_first_id(path) == "user_id"
    path.write_bytes(b"nospace\n")
    assert read_first_id(path) is None
