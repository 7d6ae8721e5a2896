"""Each user's evaluation target, read as GRAM's loader reads user_sequence.txt."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gramfix.io import targets as reader
from gramfix.io.targets import read_targets
from gramfix.model.errors import InputError


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "user_sequence.txt"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_test_and_valid_targets(tmp_path: Path) -> None:
    path = _write(tmp_path, "u1 a b c\nu2 x y\nu3 z\nu1 d e f g\nnospace\n")
    test = read_targets(path, "test").target
    valid = read_targets(path, "valid").target
    # The later line of u1 wins; u3 has no item before its last.
    assert test == {"u1": "g", "u2": "y", "u3": "z"}
    assert valid == {"u1": "f", "u2": "x", "u3": None}


def test_universal_newlines_and_odd_spaces(tmp_path: Path) -> None:
    path = _write(tmp_path, "u1 a  b\tc\r\nu2 x y\ru3 p q")
    assert read_targets(path).target == {"u1": "c", "u2": "y", "u3": "q"}


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(["u1", "u2", "u3", "ü4"]),
            st.lists(st.sampled_from(["a", "b", "é", "c"]), min_size=1, max_size=5),
        ),
        max_size=20,
    ),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    block=st.sampled_from([3, 7, 64, 1 << 22]),
)
def test_blocks_do_not_change_the_targets(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[tuple[str, list[str]]],
    ending: str,
    block: int,
) -> None:
    monkeypatch.setattr(reader, "BLOCK_BYTES", block)
    text = ending.join(f"{user} {' '.join(items)}" for user, items in lines) + ending
    expected: dict[str, str | None] = {}
    for user, items in lines:
        expected[user] = items[-1]
    assert read_targets(_write(tmp_path, text)).target == expected


def test_a_binary_sequence_file(tmp_path: Path) -> None:
    path = _write(tmp_path, b"u1 a b\nu2 c\x00d\n")
    with pytest.raises(InputError) as caught:
        read_targets(path)
    assert (caught.value.line, caught.value.path) == (2, str(path))


def test_not_utf8(tmp_path: Path) -> None:
    path = _write(tmp_path, b"u1 a b\nu2 c\xffd\n")
    with pytest.raises(InputError) as caught:
        read_targets(path)
    assert caught.value.line == 2
    assert "not UTF-8" in caught.value.problem
