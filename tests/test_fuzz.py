"""Fuzzing the readers and the whole command with hypothesis: only documented outcomes.

Any byte string as a mapping or a sequence file must give a result or an `InputError`
(exit 2, one line), never another exception; the command must exit 0, 1 or 2.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gramfix.io.mapping import read_mapping
from gramfix.io.sequences import Sequences, read_sequences
from gramfix.model.errors import InputError
from tests.conftest import Run

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
TEXTISH = st.lists(
    st.text(st.sampled_from(list("AB01 \t\r\n\ufeff\u00a0é")), max_size=30), max_size=8
).map("\n".join)


def _bytes_like_files() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=300),
        JSONISH.map(lambda v: json.dumps(v).encode()),
        TEXTISH.map(lambda t: t.encode("utf-8")),
        TEXTISH.map(lambda t: t.encode("utf-16")),
        st.binary(max_size=50).map(lambda b: b'{"B01": ' + b + b"}"),
    )


@settings(max_examples=300, deadline=None)
@given(_bytes_like_files())
def test_mapping_reader_gives_a_mapping_or_an_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name in ("m.json", "m.pkl"):
            path = Path(folder) / name
            path.write_bytes(data)
            outcome: object
            try:
                outcome = read_mapping(path)
            except InputError as error:
                outcome = error
            if isinstance(outcome, InputError):
                assert str(outcome).startswith(str(path))
                assert "\n" not in str(outcome)
            else:
                assert isinstance(getattr(outcome, "entries", None), dict)


@settings(max_examples=300, deadline=None)
@given(_bytes_like_files())
def test_sequence_reader_gives_sequences_or_an_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "user_sequence.txt"
        path.write_bytes(data)
        outcome: object
        try:
            outcome = read_sequences(path)
        except InputError as error:
            outcome = error
        if isinstance(outcome, InputError):
            assert "\n" not in str(outcome)
        else:
            assert isinstance(outcome, Sequences)
            assert int(outcome.lengths.sum()) == outcome.interactions


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequences=_bytes_like_files(), mapping=_bytes_like_files())
def test_the_command_exits_0_1_or_2_and_changes_nothing(
    sequences: bytes, mapping: bytes, gramfix: Callable[..., Run]
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "user_sequence.txt").write_bytes(sequences)
        (folder / "item_id_to_gcn_index.json").write_bytes(mapping)
        for command in (["check", folder], ["repair", folder, "--dry-run"]):
            run = gramfix(*command)
            assert run.code in (0, 1, 2), run.err
            assert "Traceback" not in run.err
            if run.code == 2:
                assert run.err.count("\n") == 1
        assert (folder / "user_sequence.txt").read_bytes() == sequences
        assert (folder / "item_id_to_gcn_index.json").read_bytes() == mapping
