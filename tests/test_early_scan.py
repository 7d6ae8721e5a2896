"""The compiled scan begun before the imports (`gramfix.io.early_scan`): taken by the read
of the same file only, with the very report of a read that starts its own scan."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import gramfix._native as native
from gramfix.io import early_scan
from gramfix.pipeline import check_dataset
from tests.conftest import Run
from tests.test_fast_path import SHAPES
from tests.test_fast_path import _dataset as shaped_dataset

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE and not os.environ.get("GRAMFIX_REQUIRE_NATIVE"),
    reason=f"engine: {native.ENGINE}",
)


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[early_scan.Scan | None]:
    """What each read of a sequence file got from `early_scan.take`."""
    assert native.AVAILABLE, native.ENGINE  # GRAMFIX_REQUIRE_NATIVE: a missing build fails
    answers: list[early_scan.Scan | None] = []
    original = early_scan.take

    def spy(fd: int) -> early_scan.Scan | None:
        answers.append(original(fd))
        return answers[-1]

    monkeypatch.setattr(early_scan, "take", spy)
    return answers


def _report(folder: Path) -> str:
    return check_dataset(folder).model_dump_json(indent=2)


@pytest.mark.parametrize("shape", [*SHAPES, "non-ascii"])
def test_a_scan_begun_early_gives_the_report_of_a_scan_begun_late(
    shape: str, tmp_path: Path, taken: list[early_scan.Scan | None]
) -> None:
    shaped_dataset(tmp_path, shape, 5)
    late = _report(tmp_path)
    assert taken == [None]
    early_scan.begin(tmp_path / "user_sequence.txt")
    assert _report(tmp_path) == late
    assert taken[1] is not None  # the read took the early scan (non-ascii: it refused)


def test_the_check_and_repair_commands_begin_the_scan(
    tmp_path: Path, gramfix: Callable[..., Run], taken: list[early_scan.Scan | None]
) -> None:
    shaped_dataset(tmp_path, "duplicate-users", 3)
    checked = gramfix("check", tmp_path, "--no-config", "--format", "json")
    assert checked.code == 1  # the shaped mapping has whole-line keys, missing items ...
    assert checked.out == _report(tmp_path) + "\n"
    assert taken[0] is not None  # the command's read took the scan it began
    assert taken[1] is None  # _report's own read began none
    repaired = gramfix("repair", tmp_path, "--no-config", "--dry-run", "--format", "json")
    assert repaired.code in (0, 1), repaired.err
    assert taken[2] is not None


def test_a_scan_of_a_file_changed_since_is_not_taken(
    tmp_path: Path, taken: list[early_scan.Scan | None]
) -> None:
    shaped_dataset(tmp_path, "plain", 7)
    sequences = tmp_path / "user_sequence.txt"
    before = _report(tmp_path)
    early_scan.begin(sequences)
    with sequences.open("ab") as handle:  # a user added after the scan began
        handle.write(b"ANEWUSER B0NEWITEM1 B0NEWITEM2 B0NEWITEM3\n")
    report = _report(tmp_path)
    assert taken == [None, None]
    assert report != before  # the new line was read: one more user, three more items
    early_scan.begin(sequences)
    assert _report(tmp_path) == report
    assert taken[2] is not None


def test_only_a_readable_regular_file_with_bytes_is_scanned_early(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (None, tmp_path / "missing.txt", empty, tmp_path, fifo):
        early_scan.begin(path)
    # begin did not wait for a writer of the FIFO (it would hang here), nor scan it.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert early_scan.take(reader) is None
    finally:
        os.close(reader)
    fd = os.open(empty, os.O_RDONLY)
    try:
        assert early_scan.take(fd) is None
    finally:
        os.close(fd)


def test_a_file_that_lost_its_lines_since_the_scan_is_an_input_error(tmp_path: Path) -> None:
    # Found in review: the example users are read again after the scan; a file rewritten
    # shorter in between made that a KeyError (exit 3), or an empty user ID.
    from gramfix.io.sequences.compiled import _users_of_lines
    from gramfix.model.errors import InputError

    sequences = tmp_path / "user_sequence.txt"
    sequences.write_bytes(b"u1 a b c\nu2 a b c\nu3 a b\n")
    with sequences.open("rb") as handle:
        assert _users_of_lines(sequences, handle, [3, 1]) == ["u3", "u1"]
        sequences.write_bytes(b"u1 a\n")
        with pytest.raises(InputError, match="changed while it was read"):
            _users_of_lines(sequences, handle, [3, 1])
        sequences.write_bytes(b"")
        with pytest.raises(InputError, match="changed while it was read"):
            _users_of_lines(sequences, handle, [1])
