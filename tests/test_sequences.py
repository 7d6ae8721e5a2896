"""The sequence reader: both paths agree, and each odd input gets the trainer's meaning."""

from __future__ import annotations

import errno
import string
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.io import sequences as reader
from gramfix.io import source
from gramfix.io.sequences import Sequences, read_sequences
from gramfix.model.errors import InputError
from tests.conftest import Run

#: Every test here runs on both engines (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("engine")

TOKEN = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=70)


def _exact(path: Path) -> Sequences:
    with path.open("rb") as handle:
        return reader.ExactReader(path).read(handle)


def _fast(path: Path) -> Sequences:
    with path.open("rb") as handle:
        return reader.FastReader(path).read(handle)


def _same(a: Sequences, b: Sequences) -> None:
    assert a.items.names == b.items.names
    assert np.array_equal(a.codes, b.codes)
    assert np.array_equal(a.lengths, b.lengths)
    assert np.array_equal(a.user_lines, b.user_lines)
    assert a.hygiene == b.hygiene


@st.composite
def ascii_files(draw: st.DrawFn) -> bytes:
    users = draw(st.lists(st.sampled_from(["A", "B", "C", "LONGUSER" * 3]) | TOKEN, max_size=30))
    lines = []
    for user in users:
        items = draw(st.lists(TOKEN, max_size=8))
        gap = draw(st.sampled_from([" ", "  "]))
        lines.append(user + " " + gap.join(items) + draw(st.sampled_from(["", " "])))
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", "ALONE"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return (newline.join(lines) + draw(st.sampled_from(["", newline]))).encode()


@settings(max_examples=200, deadline=None)
@given(ascii_files(), st.sampled_from([1 << 20, 64, 7]))
def test_fast_and_exact_readers_agree(data: bytes, block: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "user_sequence.txt"
        path.write_bytes(data)
        try:
            expected = _exact(path)
        except InputError:
            with pytest.raises(InputError):
                read_sequences(path)
            return
        original = reader.BLOCK_BYTES
        reader.BLOCK_BYTES = block  # many blocks: lines and tokens cross block reads
        try:
            got = read_sequences(path)
        finally:
            reader.BLOCK_BYTES = original
        _same(got, expected)


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "user_sequence.txt"
    path.write_bytes(data)
    return path


def test_crlf_is_a_line_break_the_trainer_hides(tmp_path: Path) -> None:
    s = read_sequences(_write(tmp_path, b"U1 A B C\r\nU2 B C D\r\n"))
    assert not s.exact_reader
    assert s.items.names == ["A", "B", "C", "D"]
    assert s.hygiene.crlf_lines == 2


def test_last_line_without_newline_is_a_line(tmp_path: Path) -> None:
    s = read_sequences(_write(tmp_path, b"U1 A B C\nU2 B C D"))
    assert list(s.lengths) == [3, 3]


def test_tab_glues_the_first_item_to_the_user(tmp_path: Path) -> None:
    # The trainer cuts the user at the first *space*; a tab before it stays in the user.
    s = read_sequences(_write(tmp_path, b"U1\tA B C\n"))
    assert s.exact_reader
    assert s.items.names == ["B", "C"]
    assert s.hygiene.tab_lines.count == 1


def test_nbsp_separates_items_like_str_split(tmp_path: Path) -> None:
    s = read_sequences(_write(tmp_path, "U1 A\u00a0B C\n".encode()))
    assert s.items.names == ["A", "B", "C"]
    assert s.hygiene.odd_space_lines.count == 1


def test_bom_is_reported_and_stays_in_the_first_user(tmp_path: Path) -> None:
    s = read_sequences(_write(tmp_path, "\ufeffU1 A B C\n".encode()))
    assert s.hygiene.bom
    assert s.items.names == ["A", "B", "C"]


def test_line_starting_with_space_has_the_empty_user(tmp_path: Path) -> None:
    s = read_sequences(_write(tmp_path, b" A B C\nU2 A B C\n"))
    assert list(s.lengths) == [3, 3]  # user "" with items A B C, then U2


def test_later_line_of_a_user_wins(tmp_path: Path) -> None:
    s = read_sequences(_write(tmp_path, b"U1 A B C\nU2 D E F\nU1 G H I\n"))
    assert list(s.lengths) == [3, 3]
    assert s.items.names == ["D", "E", "F", "G", "H", "I"]  # A B C never reach the trainer
    assert s.hygiene.overridden_lines.count == 1
    assert s.hygiene.overridden_lines.labels == ["U1"]


def test_token_longer_than_the_index_takes_goes_exact(tmp_path: Path, engine: str) -> None:
    # The numpy reader's index takes tokens of up to 64 bytes; the compiled scan any.
    long_item = b"X" * 100
    s = read_sequences(_write(tmp_path, b"U1 A " + long_item + b" B\n"))
    assert s.exact_reader == (engine == "pure")
    assert s.items.names == ["A", "X" * 100, "B"]


def test_one_huge_line_is_read(tmp_path: Path) -> None:
    items = b" ".join(b"B%09d" % i for i in range(300_000))  # 3 MB: several read blocks
    s = read_sequences(_write(tmp_path, b"U1 " + items + b"\n"))
    assert list(s.lengths) == [300_000]
    assert len(s.items) == 300_000


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the sequence file is empty"),
        (b"\n\n", "no line of the form"),
        (b"U1 A\0B\n", "NUL byte"),
        (b"U1 A \xff\n", "not UTF-8"),
    ],
)
def test_unreadable_sequence_files(tmp_path: Path, data: bytes, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        read_sequences(_write(tmp_path, data))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_sequences(tmp_path / "absent.txt")
    with pytest.raises(InputError, match="directory"):
        read_sequences(tmp_path)


@pytest.mark.parametrize("failing", ["seek", "read"])
def test_an_os_error_when_the_exact_reader_takes_over_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    gramfix: Callable[..., Run],
    failing: str,
) -> None:
    # A tab sends the file to the exact reader, which rewinds and reads it again: a disk
    # or network error there is an unreadable input (exit 2), not a bug (exit 3).
    _write(tmp_path, b"U1 A\tB C\nU2 B C D\n")
    original_seek = source._Counted.seek

    def seek(handle: source._Counted, *args: int) -> int:
        if failing == "seek":
            raise OSError(errno.EIO, "Input/output error")
        handle.read = _io_error  # type: ignore[method-assign]
        return original_seek(handle, *args)

    monkeypatch.setattr(source._Counted, "seek", seek)
    run = gramfix("check", tmp_path, "--no-config", "--format", "json")
    assert (run.code, run.out) == (2, "")
    assert run.err == f"gramfix: error: {tmp_path / 'user_sequence.txt'}: Input/output error\n"


def _io_error(*args: object) -> bytes:
    raise OSError(errno.EIO, "Input/output error")
