"""Inputs that are pipes (``--mapping <(cat m.json)``, ``/dev/stdin``) read like files.

A pipe can be read once; gramfix opens an input more than once (the mapping's size
estimate, the header peek, the exact reader after the fast one), so before the fix a
piped mapping was "empty" and piped sequences died on "Illegal seek".
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gramfix import check_dataset

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "beauty-broken"


@contextmanager
def piped(data: bytes) -> Iterator[Path]:
    """``data`` behind a pipe, as a shell's process substitution gives it."""
    read, write = os.pipe()

    def feed() -> None:
        with os.fdopen(write, "wb") as stream:
            stream.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        yield Path(f"/dev/fd/{read}")
    finally:
        writer.join()
        os.close(read)


def _report_json(sequences: Path, mapping: Path) -> str:
    """The JSON report with the two paths named alike (nothing else may differ)."""
    text = check_dataset(sequences=sequences, mapping=mapping).model_dump_json()
    text = text.replace(sequences.as_posix(), "SEQUENCES").replace(mapping.as_posix(), "MAPPING")
    return text.replace(f"{mapping.parent.as_posix()}/", "FOLDER/")  # where GF612 looked


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="no /dev/fd on this system")
@pytest.mark.parametrize("tab", [False, True], ids=["fast reader", "exact reader"])
def test_piped_inputs_give_the_report_of_the_files(tmp_path: Path, tab: bool) -> None:
    sequences = (EXAMPLE / "user_sequence.txt").read_bytes()
    if tab:  # a tab sends the file to the exact reader, which starts over from the top
        first, rest = sequences.split(b"\n", 1)
        user, items = first.split(b" ", 1)
        sequences = user + b" " + items.replace(b" ", b"\t", 1) + b"\n" + rest
    (tmp_path / "user_sequence.txt").write_bytes(sequences)
    mapping = (EXAMPLE / "item_id_to_gcn_index.json").read_bytes()
    (tmp_path / "item_id_to_gcn_index.json").write_bytes(mapping)
    expected = _report_json(tmp_path / "user_sequence.txt", tmp_path / "item_id_to_gcn_index.json")
    with piped(sequences) as s, piped(mapping) as m:
        assert _report_json(s, m) == expected
