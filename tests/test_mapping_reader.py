"""The mapping reader returns what json.load returns, plus what it hides."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.io.mapping import read_mapping
from gramfix.model.errors import InputError
from tests.conftest import ROOT

KEYS = st.text(min_size=0, max_size=12)


def _write(tmp_path: Path, text: str | bytes, name: str = "m.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(KEYS, st.integers(-5, 10**20)), max_size=20))
def test_same_dict_as_json_load_and_every_repeated_key(pairs: list[tuple[str, Any]]) -> None:
    import tempfile

    body = ", ".join(f"{json.dumps(k)}: {v}" for k, v in pairs)
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), "{" + body + "}")
        mapping = read_mapping(path)
        assert mapping.entries == json.loads(path.read_text())
        assert list(mapping.entries) == list(json.loads(path.read_text()))
        assert mapping.members == len(pairs)
        repeated = {k for k, _ in pairs if sum(1 for q, _ in pairs if q == k) > 1}
        assert {d.key for d in mapping.duplicates} == repeated


def test_escaped_quotes_do_not_hide_a_duplicate(tmp_path: Path) -> None:
    text = '{"a\\"b": 1, "c\\\\": 2, "a\\"b": 1}'
    mapping = read_mapping(_write(tmp_path, text))
    assert [d.key for d in mapping.duplicates] == ['a"b']
    assert not mapping.duplicates[0].conflicting


def test_what_json_load_accepts_and_orjson_does_not(tmp_path: Path) -> None:
    mapping = read_mapping(_write(tmp_path, '{"a": NaN, "b": 123456789012345678901234567890}'))
    assert mapping.entries["b"] == 123456789012345678901234567890
    assert mapping.entries["a"] != mapping.entries["a"]  # NaN


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("[1, 2]", "top level is an array"),
        ('"x"', "top level is a string"),
        ('{"a": 1,', "invalid JSON"),
        ('{"a": 1,}', "invalid JSON"),
        ("\ufeff{}", "byte order mark"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_mappings(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        read_mapping(_write(tmp_path, text))


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_mapping(_write(tmp_path, '{\n  "a": 1,\n  "b": ]\n}'))
    assert (caught.value.line, caught.value.column) == (3, 8)


def test_not_utf8_names_the_position(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_mapping(_write(tmp_path, b'{\n "a\xff": 1}'))
    assert (caught.value.line, caught.value.column) == (2, 4)


def test_pickle_of_plain_dict(tmp_path: Path) -> None:
    path = _write(tmp_path, pickle.dumps({"A": 1, "B": 2}), "m.pkl")
    mapping = read_mapping(path)
    assert mapping.entries == {"A": 1, "B": 2}
    assert mapping.pickled


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (print, ("pwned",))


def test_pickle_that_would_run_code_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, pickle.dumps({"A": _Evil()}), "m.pkl")
    with pytest.raises(InputError, match="nothing was executed"):
        read_mapping(path)
    assert "pwned" not in capsys.readouterr().out


class _System:
    """Unpickling this runs a shell command that creates a file (the proof code ran)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_malicious_pickle_is_refused_and_never_run(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "pwned"
    path = _write(tmp_path, pickle.dumps({"A": _System(marker)}, protocol=protocol), "m.pkl")
    with pytest.raises(InputError, match=r"refused to load (posix|os)\.system"):
        read_mapping(path)
    assert not marker.exists()


def test_malicious_pickle_exits_2_with_one_line(tmp_path: Path) -> None:
    from gramfix.cli import main

    marker = tmp_path / "pwned"
    (tmp_path / "item_id_to_gcn_index.pkl").write_bytes(pickle.dumps(_System(marker)))
    (tmp_path / "user_sequence.txt").write_text("U1 A B C\n")
    assert main(["check", str(tmp_path)]) == 2
    assert not marker.exists()


@pytest.mark.parametrize(
    "module_name",
    ["builtins eval", "builtins exec", "os system", "subprocess Popen", "numpy load"],
)
def test_any_other_global_is_refused(tmp_path: Path, module_name: str) -> None:
    module, name = module_name.split()
    raw = f"c{module}\n{name}\n(S'1'\ntR.".encode()  # protocol 0: GLOBAL, then REDUCE
    with pytest.raises(InputError, match=f"refused to load {module}.{name}"):
        read_mapping(_write(tmp_path, raw, "m.pkl"))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_numpy_scalars_are_read_as_plain_values_without_numpy_code(
    tmp_path: Path, protocol: int
) -> None:
    import numpy as np

    entries = {
        "A": np.int64(1),
        "B": np.int32(2),
        np.str_("C"): np.uint16(3),
        "D": np.array([4], dtype=">i8")[0],
        "E": np.float32(1.5),
        "F": np.bool_(True),
    }
    path = _write(tmp_path, pickle.dumps(entries, protocol=protocol), "m.pkl")
    mapping = read_mapping(path)
    assert mapping.entries == {"A": 1, "B": 2, "C": 3, "D": 4, "E": 1.5, "F": True}
    assert [type(v) for v in mapping.entries.values()] == [int, int, int, int, float, bool]


def test_numpy_object_scalars_are_refused(tmp_path: Path) -> None:
    raw = (
        b"\x80\x02}X\x01\x00\x00\x00Acnumpy._core.multiarray\nscalar\ncnumpy\ndtype\n"
        b"X\x02\x00\x00\x00O8\x89\x88\x87R(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ"
        b"\xff\xff\xff\xffK?tbC\x08\x00\x00\x00\x00\x00\x00\x00\x00\x86Rs."
    )
    with pytest.raises(InputError, match="refused a numpy dtype 'O8'"):
        read_mapping(_write(tmp_path, raw, "m.pkl"))


def test_numpy_scalar_mapping_checks_like_json(tmp_path: Path) -> None:
    import numpy as np

    from gramfix import check_dataset

    (tmp_path / "user_sequence.txt").write_text("U1 A B C\nU2 C B A\n")
    mapping = dict(zip(["A", "B", "C"], np.arange(1, 4), strict=True))
    (tmp_path / "item_id_to_gcn_index.pkl").write_bytes(pickle.dumps(mapping))
    report = check_dataset(tmp_path)
    assert report.exit_code() == 0
    assert report.mapping is not None
    assert report.mapping.format == "pickle"
    assert report.mapping.values.contiguous


def test_every_truncation_of_a_mapping_says_the_file_ends(tmp_path: Path) -> None:
    # A mapping cut anywhere (a full disk, an interrupted copy) gets one complete sentence
    # that says the file ends too early; json's own messages stop at "... starting at".
    text = json.dumps({"B01": 1, "B02": 22, "0786959916": 3}, indent=2)
    for end in range(1, len(text) - 1):
        with pytest.raises(InputError) as caught:
            read_mapping(_write(tmp_path, text[:end]))
        problem = caught.value.problem
        assert problem.startswith("invalid JSON: "), (end, problem)
        assert problem.endswith("(truncated?)"), (end, problem)
        assert caught.value.line is not None


@pytest.mark.parametrize(
    ("text", "problem", "column"),
    [
        ('{"a": 1,}', "invalid JSON: a key in double quotes was expected here", 9),
        ('{"a" 1}', "invalid JSON: ':' after the key was expected here", 6),
        ('{"a": 1} x', "invalid JSON: more text after the end of the top-level value", 10),
        ('{"a\tb": 1}', "invalid JSON: a control character (tab, line break ...) inside a", 4),
        ('{"a\\q": 1}', "invalid JSON: a backslash inside a string that starts no valid", 4),
    ],
)
def test_invalid_json_is_one_complete_sentence(
    tmp_path: Path, text: str, problem: str, column: int
) -> None:
    with pytest.raises(InputError) as caught:
        read_mapping(_write(tmp_path, text))
    assert caught.value.problem.startswith(problem)
    assert not caught.value.problem.endswith((" at", ":"))
    assert (caught.value.line, caught.value.column) == (1, column)


def test_a_pickled_mapping_nested_deep_enough_to_crash_the_interpreter_is_refused(
    tmp_path: Path,
) -> None:
    """A dict key of a million nested tuples crashes CPython's hash in C (exit 139 before
    the guard): the mapping reader refuses it unread. Run apart, so a crash fails only
    this test."""
    import subprocess
    import sys

    key = b"N" + b"\x85" * 1_000_000  # NONE, then TUPLE1 a million times
    path = tmp_path / "item_id_to_gcn_index.pkl"
    path.write_bytes(b"\x80\x04}" + key + b"K\x01s.")  # {key: 1}
    run = subprocess.run(
        [sys.executable, "-m", "gramfix", "check", "--mapping", str(path), "--no-config"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1
    assert "nested more than 100 deep" in run.stderr
