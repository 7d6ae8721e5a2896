"""Reading the LightGCN chain's files (graph-data.md) without running any of their code.

* ``train.txt`` / ``test.txt``: ``USER ITEM ITEM ...`` of 0-based indices, read as
  train_lightgcn.py reads them (``line.strip().split()``, lines of fewer than two numbers
  skipped, every line kept: the graph takes the edges of every line). Anything but
  non-negative decimal integers below 2**31, or a last line without its line break (the
  converter ends every line with one: a file cut short), is an `InputError`.
* ``user_id_to_index.json``: a JSON object of user ID -> 0-based index.
* the checkpoint: its scalar fields (``n_items``, ``epoch`` ...) through the torch-free
  reader (`gramfix.io.torchzip`); the export: as the embedding table is read
  (`gramfix.io.embeddings`). Neither ever unpickles code.
* the user IDs of the sequence file, in the order the sequence reader kept its users
  (the reader keeps line numbers only; the graph check needs the names).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson

from gramfix.engine.graph import IndexLines
from gramfix.io.discover import GraphFiles
from gramfix.io.embeddings import EmbeddingTable, TableUnavailable, read_embeddings
from gramfix.io.source import (
    decode_utf8,
    describe_os_error,
    open_input,
    read_bytes,
    refuse_binary,
)
from gramfix.model.errors import InputError

I64 = npt.NDArray[np.int64]

#: An index must fit a torch embedding of int32 rows; past it, it is no row of any table.
MAX_INDEX = 2**31 - 1
_NOT_INDEX = re.compile(rb"[^0-9 \t\r\n\f\v]")
_TOKEN = re.compile(rb"\S+")
_POWERS = 10.0 ** np.arange(11)


@dataclass(frozen=True)
class Checkpoint:
    """The scalar fields of a LightGCN checkpoint (None where absent or not a number)."""

    path: Path
    n_users: int | None
    n_items: int | None
    embedding_dim: int | None
    n_layers: int | None
    epoch: int | None
    recall: float | None


@dataclass(frozen=True)
class GraphInputs:
    """The graph files as read (None where absent)."""

    files: GraphFiles
    train: IndexLines | None = None
    test: IndexLines | None = None
    user_index: dict[str, int] | None = None
    checkpoint: Checkpoint | None = None
    export: EmbeddingTable | TableUnavailable | None = None
    user_ids: list[str] | None = None  # the sequence file's users, in the reader's order

    @cached_property
    def n_items(self) -> int | None:
        """The trainer's n_items: the largest item index of train.txt and test.txt + 1
        (None without both)."""
        if self.train is None or self.test is None:
            return None
        return int(max(self.train.items.max(initial=-1), self.test.items.max(initial=-1))) + 1


def read_graph(
    files: GraphFiles, sequences: Path | None = None, user_lines: I64 | None = None
) -> GraphInputs:
    """Read every graph file found; `InputError` when one cannot be read. The user IDs of
    ``sequences`` (the kept users at ``user_lines``) are read when the graph is there."""
    if (files.train is None) != (files.test is None):
        folder = files.folder or Path(".")
        missing = folder / ("test.txt" if files.test is None else "train.txt")
        raise InputError(missing, "no such file (the graph needs train.txt and test.txt)")
    train = read_index_lines(files.train) if files.train else None
    test = read_index_lines(files.test, empty=True) if files.test else None
    ids = None
    if train is not None and sequences is not None and user_lines is not None:
        ids = read_user_ids(sequences, user_lines)
    return GraphInputs(
        files=files,
        train=train,
        test=test,
        user_index=read_user_index(files.user_index) if files.user_index else None,
        checkpoint=read_checkpoint(files.checkpoint) if files.checkpoint else None,
        export=read_embeddings(files.export) if files.export else None,
        user_ids=ids,
    )


def read_index_lines(path: Path, *, empty: bool = False) -> IndexLines:
    """Read train.txt or test.txt; `InputError` naming the line of the first problem.

    ``empty``: an empty file is no lines (the converter writes an empty test.txt when no
    user's target has an index); otherwise it is an `InputError` (a graph without edges).
    """
    data = read_bytes(path)
    refuse_binary(path, data, 0)
    if b"\r" in data:  # universal newlines, as the trainer's text-mode open
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.strip():
        if empty:
            none = np.zeros(0, np.int64)
            return IndexLines(path=path, users=none, lengths=none, items=none, lines=none)
        raise InputError(path, "the file is empty (no 'USER ITEM ...' line)")
    bad = _NOT_INDEX.search(data)
    if bad is not None:
        at = bad.start()
        before = re.search(rb"\S*$", data[data.rfind(b"\n", 0, at) + 1 : at])
        token = _TOKEN.match(data, at - len(before.group()) if before else at)
        shown = (token.group() if token else data[at : at + 1])[:40]
        text = shown.decode("utf-8", "replace")
        what = "a negative index" if re.fullmatch(rb"-[0-9]+", shown) else "not an index"
        raise InputError(
            path,
            f"{text!r} is {what}: every field must be a non-negative integer (0-based)",
            line=data.count(b"\n", 0, bad.start()) + 1,
        )
    if not data.endswith(b"\n"):
        raise InputError(
            path,
            "the last line has no line break: the file was cut short (truncated?); the "
            "converter ends every line with one",
            line=data.count(b"\n") + 1,
        )
    values, line_of, long = _numbers(data)
    if long is not None or (len(values) and int(values.max()) > MAX_INDEX):
        at = long if long is not None else int(np.argmax(values))
        number = data.split()[at][:30].decode()
        raise InputError(
            path,
            f"index {number} is out of range (at most {MAX_INDEX:,}: no table has that many rows)",
            line=int(line_of[at]) + 1,
        )
    counts = np.bincount(line_of, minlength=data.count(b"\n"))
    kept = counts >= 2  # the trainer skips lines of fewer than two numbers
    starts = np.cumsum(counts) - counts
    item = np.ones(len(values), np.bool_)
    item[starts[counts > 0]] = False  # the user of each line
    item &= np.repeat(kept, counts)
    return IndexLines(
        path=path,
        users=values[starts[kept]],
        lengths=counts[kept] - 1,
        items=values[item],
        lines=np.flatnonzero(kept).astype(np.int64) + 1,
    )


def _numbers(data: bytes) -> tuple[I64, I64, int | None]:
    """Every run of digits of ``data`` (only digits, whitespace and line breaks, ending in
    a line break) as a number, the 0-based line of each, and the first run too long for
    an int64 index (None: none), with numpy over the bytes."""
    raw = np.frombuffer(data, np.uint8)
    digit = (raw >= 48) & (raw <= 57)
    edges = np.diff(digit.astype(np.int8), prepend=0, append=0)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    lengths = ends - starts
    too_long = np.flatnonzero(lengths > 10)  # past 2**31 whatever the digits
    newlines = np.flatnonzero(raw == 10)
    line_of = np.searchsorted(newlines, starts).astype(np.int64)
    if len(too_long):
        return np.zeros(len(starts), np.int64), line_of, int(too_long[0])
    # Each digit times its power of ten, summed per run (exact: below 2**53).
    run = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    at = np.flatnonzero(digit)
    power = (np.repeat(ends, lengths) - 1 - at).astype(np.int64)
    weights = (raw[at] - 48) * _POWERS[power]
    values = np.rint(np.bincount(run, weights=weights, minlength=len(starts))).astype(np.int64)
    return values, line_of, None


def read_user_index(path: Path) -> dict[str, int]:
    """Read user_id_to_index.json: a JSON object of user ID -> 0-based index."""
    raw = read_bytes(path)
    if not raw.strip():
        raise InputError(path, "the file is empty (a JSON object of user ID -> index)")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError(path, "starts with a UTF-8 byte order mark, which json.load rejects")
    try:
        value = orjson.loads(raw)  # what json.load gives for a file json.dump wrote
    except orjson.JSONDecodeError:
        text = decode_utf8(path, raw)
        try:
            value = json.loads(text)  # json.load accepts more (NaN, huge integers)
        except json.JSONDecodeError as error:
            ends = " where the file ends (truncated?)" if not text[error.pos :].strip() else ""
            raise InputError(
                path, f"invalid JSON ({error.msg}){ends}", line=error.lineno, column=error.colno
            ) from None
        except (RecursionError, ValueError):
            raise InputError(
                path, "invalid JSON (nested too deeply, or a number too long)"
            ) from None
    if not isinstance(value, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(value), "a number"
        )
        raise InputError(path, f"the top level is {kind}, not an object of user ID -> index")
    for user, index in value.items():
        if type(index) is not int or not 0 <= index <= MAX_INDEX:
            raise InputError(
                path,
                f"the index of user {user[:40]!r} is {json.dumps(index)[:40]}: an object of "
                "user ID -> 0-based index is expected",
            )
    return value


def read_user_ids(path: Path, user_lines: I64) -> list[str]:
    """The user IDs on lines ``user_lines`` (1-based) of a sequence file, each the text
    before the line's first space as the trainer cuts it (lines split as its text-mode
    open splits them)."""
    data = read_bytes(path)
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    raw = np.frombuffer(data, np.uint8)
    line_starts = np.concatenate([[0], np.flatnonzero(raw == 10) + 1]).astype(np.int64)
    starts = line_starts[user_lines - 1]
    spaces = np.flatnonzero(raw == 32)
    at = np.searchsorted(spaces, starts)
    ends = np.where(at < len(spaces), spaces[np.minimum(at, len(spaces) - 1)], len(data))
    names = [data[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    try:
        return [name.decode("ascii") for name in names]
    except UnicodeDecodeError:
        return [name.decode("utf-8", "replace") for name in names]


def read_checkpoint(path: Path) -> Checkpoint:
    """The scalar fields of a ``torch.save`` checkpoint, read without torch and without
    running anything it holds."""
    from gramfix.io.torchzip import load_torch_zip, number

    with open_input(path) as handle:
        try:
            head = handle.read(4)
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None
    if head != b"PK\x03\x04":
        raise InputError(
            path,
            "not a torch.save zip file (a checkpoint of torch 1.6 or later); a legacy or "
            "damaged checkpoint is not read",
        )
    value = load_torch_zip(path).value
    if not isinstance(value, dict):
        kind = "a tensor" if isinstance(value, np.ndarray) else type(value).__name__
        raise InputError(path, f"holds {kind}, not a LightGCN checkpoint (a dict of fields)")

    def whole(name: str) -> int | None:
        found = number(value.get(name))
        return int(found) if found is not None and float(found).is_integer() else None

    recall = number(value.get("recall"))
    return Checkpoint(
        path=path,
        n_users=whole("n_users"),
        n_items=whole("n_items"),
        embedding_dim=whole("embedding_dim"),
        n_layers=whole("n_layers"),
        epoch=whole("epoch"),
        recall=float(recall) if recall is not None else None,
    )
