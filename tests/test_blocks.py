"""The one block reader: whole lines, the input unchanged, and linear on any input."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.io.blocks import blocks


class Counted(bytes):
    """A read's bytes that count what concatenation copies of them (``pending + data``)."""

    copied = 0

    def __add__(self, other: object) -> bytes:
        assert isinstance(other, bytes)
        Counted.copied += len(self) + len(other)
        return bytes(self) + bytes(other)

    def __radd__(self, other: object) -> bytes:
        assert isinstance(other, bytes)
        Counted.copied += len(self) + len(other)
        return bytes(other) + bytes(self)


class Stub:
    """A file that records the size of every read and hands out `Counted` bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)
        self.reads: list[int] = []

    def read(self, size: int) -> bytes:
        self.reads.append(size)
        return Counted(self.data.read(size))


def test_a_50_mb_line_without_newline_is_read_in_one_pass() -> None:
    data = b"x" * (50 << 20)
    size = 1 << 16
    handle = Stub(data)
    Counted.copied = 0
    out = list(blocks(handle, size))  # type: ignore[arg-type]
    assert out == [(0, data + b"\n")]
    assert handle.reads == [size] * (len(data) // size + 1)  # each byte read once
    # The line is put together once (a join), never by re-copying what came before at
    # every read: that was 21 GB of copies here, quadratic in the length of the line.
    assert Counted.copied <= len(data)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([b"a", b"bc", b" ", b"\n", b"\r", b"\r\n", b"\xc3\xa9"]), max_size=60),
    st.integers(1, 9),
)
def test_blocks_are_whole_lines_that_join_to_the_input(parts: list[bytes], size: int) -> None:
    data = b"".join(parts)
    out = list(blocks(io.BytesIO(data), size))  # type: ignore[arg-type]
    joined = b"".join(block for _, block in out)
    assert joined == (data if not data or data.endswith(b"\n") else data + b"\n")
    offset = 0
    for at, block in out:
        assert at == offset
        assert block.endswith(b"\n")
        assert block
        offset += len(block)
