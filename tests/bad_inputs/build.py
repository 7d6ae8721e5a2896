"""The bad-input corpus: every file gramfix reads, broken in every way pipelines break it.

    python tests/bad_inputs/build.py     # rewrites tests/bad_inputs/corpus/

Each case is a folder passed to ``gramfix check`` (plus ``args``) with ``expect.json``:
the exit code and either a finding code the report must contain or a text the one-line
error must contain. The ``pred-`` cases are prediction files, passed to ``gramfix eval``
(``"command": "eval"`` in ``expect.json``). Inputs that cannot live in git (100 MB, no
read permission, symbolic link loops) are made at test time by `runtime_cases`.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent.parent) not in sys.path:  # run as a script: tests.graph_build
    sys.path.insert(0, str(HERE.parent.parent))
CORPUS = HERE / "corpus"
SEQ = "user_sequence.txt"
MAP = "item_id_to_gcn_index.json"
GOOD_SEQUENCES = "U1 B01 B02 B03 B04\nU2 B02 B03 B04 B05\nU3 B05 B01 B02 B03\n"
GOOD_MAPPING = {"B01": 1, "B02": 2, "B03": 3, "B04": 4, "B05": 5}


@dataclass
class Case:
    name: str
    files: dict[str, bytes]
    exit: int
    expect: str  # a finding code (exit 0/1) or a text of the one-line error (exit 2)
    args: list[str] = field(default_factory=lambda: ["."])  # after "gramfix check"
    without_torch: dict[str, Any] | None = None  # other expectations when torch is absent
    command: str = "check"  # or "eval" (prediction files)


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2).encode()


def _with_mapping(raw: bytes, name: str = MAP) -> dict[str, bytes]:
    return {SEQ: GOOD_SEQUENCES.encode(), name: raw}


def _with_sequences(raw: bytes) -> dict[str, bytes]:
    return {SEQ: raw, MAP: _json(GOOD_MAPPING)}


class _Evil:
    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
        return (os.system, ("echo pwned > pwned.txt",))


def cases() -> list[Case]:
    good = _json(GOOD_MAPPING)
    text = good.decode()
    deep = b'{"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    return [
        # --- the mapping (JSON) ---
        Case("map-empty", _with_mapping(b""), 2, "empty"),
        Case("map-whitespace-only", _with_mapping(b"  \n\t\n"), 2, "empty"),
        Case("map-lone-bom", _with_mapping(b"\xef\xbb\xbf"), 2, "byte order mark"),
        Case("map-bom-then-json", _with_mapping(b"\xef\xbb\xbf" + good), 2, "byte order mark"),
        Case("map-utf16-bom", _with_mapping(text.encode("utf-16")), 2, "not UTF-8"),
        Case("map-utf16le-no-bom", _with_mapping(text.encode("utf-16-le")), 2, "invalid JSON"),
        Case("map-latin1-key", _with_mapping('{"B01\xe9": 1}'.encode("latin-1")), 2, "not UTF-8"),
        Case("map-nul-in-key", _with_mapping(b'{"B0\x001": 1}'), 2, "invalid JSON"),
        Case("map-binary-garbage", _with_mapping(bytes(range(256)) * 4), 2, "not UTF-8"),
        Case("map-truncated", _with_mapping(good[: len(good) // 2]), 2, "(truncated?)"),
        Case("map-trailing-comma", _with_mapping(b'{"B01": 1,}'), 2, "invalid JSON"),
        Case("map-comment", _with_mapping(b'{"B01": 1 // row\n}'), 2, "invalid JSON"),
        Case("map-single-quotes", _with_mapping(b"{'B01': 1}"), 2, "invalid JSON"),
        Case("map-top-array", _with_mapping(b'["B01", "B02"]'), 2, "top level is an array"),
        Case("map-top-string", _with_mapping(b'"B01"'), 2, "top level is a string"),
        Case("map-top-number", _with_mapping(b"42"), 2, "top level is a number"),
        Case("map-top-null", _with_mapping(b"null"), 2, "top level is null"),
        Case("map-top-bool", _with_mapping(b"true"), 2, "top level is a boolean"),
        Case("map-deep-nesting", _with_mapping(deep), 2, "nested too deeply"),
        Case("map-nan", _with_mapping(text.replace(": 1", ": NaN").encode()), 1, "GF201"),
        Case("map-infinity", _with_mapping(text.replace(": 1", ": Infinity").encode()), 1, "GF201"),
        Case(
            "map-nested-values",
            _with_mapping(text.replace(": 1", ': {"row": 1}').encode()),
            1,
            "GF201",
        ),
        Case("map-bool-values", _with_mapping(text.replace(": 1", ": true").encode()), 1, "GF201"),
        Case("map-float-1.0", _with_mapping(text.replace(": 1", ": 1.0").encode()), 1, "GF201"),
        Case("map-float-1e3", _with_mapping(text.replace(": 1", ": 1e3").encode()), 1, "GF201"),
        Case("map-string-values", _with_mapping(text.replace(": 1", ': "1"').encode()), 1, "GF201"),
        Case("map-null-value", _with_mapping(text.replace(": 1", ": null").encode()), 1, "GF201"),
        Case(
            "map-huge-integer",
            _with_mapping(text.replace(": 1", ": " + "9" * 40).encode()),
            1,
            "GF206",
        ),
        Case("map-negative", _with_mapping(text.replace(": 1", ": -1").encode()), 1, "GF203"),
        Case(
            "map-zero-based",
            _with_mapping(_json({k: v - 1 for k, v in GOOD_MAPPING.items()})),
            1,
            "GF202",
        ),
        Case(
            "map-duplicate-same",
            _with_mapping(text.replace('"B01": 1,', '"B01": 1, "B01": 1,').encode()),
            0,
            "GF108",
        ),
        Case(
            "map-duplicate-conflict",
            _with_mapping(text.replace('"B01": 1,', '"B01": 7, "B01": 1,').encode()),
            1,
            "GF109",
        ),
        Case("map-empty-string-key", _with_mapping(_json({"": 9, **GOOD_MAPPING})), 0, "GF106"),
        Case("map-empty-object", _with_mapping(b"{}"), 1, "GF301"),
        Case(
            "map-whole-line-keys",
            _with_mapping(_json({f"{k} title: x": v for k, v in GOOD_MAPPING.items()})),
            1,
            "GF101",
        ),
        Case(
            "map-keys-with-controls",
            _with_mapping(_json({f"\x1b{k}\x07": v for k, v in GOOD_MAPPING.items()})),
            1,
            "GF106",
        ),
        Case(
            "map-is-directory",
            {SEQ: GOOD_SEQUENCES.encode()},
            2,
            "is a directory",
            [".", "--mapping", "folder.json"],
        ),
        Case(
            "map-missing",
            {SEQ: GOOD_SEQUENCES.encode()},
            2,
            "no such file",
            [".", "--mapping", "absent.json"],
        ),
        # --- the mapping (pickle) ---
        Case(
            "pkl-malicious",
            _with_mapping(pickle.dumps({"B01": _Evil()}), "item_id_to_gcn_index.pkl"),
            2,
            "nothing was executed",
        ),
        Case(
            "pkl-garbage",
            _with_mapping(b"not a pickle at all", "item_id_to_gcn_index.pkl"),
            2,
            "pickle",
        ),
        Case(
            "pkl-truncated",
            _with_mapping(pickle.dumps(GOOD_MAPPING)[:20], "item_id_to_gcn_index.pkl"),
            2,
            "pickle",
        ),
        Case(
            "pkl-list",
            _with_mapping(pickle.dumps(["B01"]), "item_id_to_gcn_index.pkl"),
            2,
            "dict with string keys",
        ),
        Case(
            "pkl-int-keys",
            _with_mapping(pickle.dumps({1: 1}), "item_id_to_gcn_index.pkl"),
            2,
            "dict with string keys",
        ),
        Case("pkl-empty", _with_mapping(b"", "item_id_to_gcn_index.pkl"), 2, "empty"),
        # --- the sequences ---
        Case("seq-empty", _with_sequences(b""), 2, "empty"),
        Case("seq-lone-bom", _with_sequences(b"\xef\xbb\xbf"), 2, "not a sequence file"),
        Case("seq-utf16", _with_sequences(GOOD_SEQUENCES.encode("utf-16")), 2, "NUL byte"),
        Case("seq-latin1", _with_sequences("U1 B01 B\xe9 B03\n".encode("latin-1")), 2, "not UTF-8"),
        Case("seq-nul-bytes", _with_sequences(b"U1 B01\x00 B02 B03\n"), 2, "NUL byte"),
        Case("seq-binary-garbage", _with_sequences(bytes(range(256)) * 16), 2, "NUL byte"),
        Case("seq-only-user-ids", _with_sequences(b"U1\nU2\nU3\n"), 2, "not a sequence file"),
        Case("seq-only-whitespace", _with_sequences(b"   \n \t \n"), 2, "no item"),
        Case("seq-only-empty-lines", _with_sequences(b"\n\n\n"), 2, "not a sequence file"),
        Case(
            "seq-users-without-items",
            _with_sequences(b"U7 \nU8 \n" + GOOD_SEQUENCES.encode()),
            1,
            "GF502",
        ),
        Case(
            "seq-some-lines-without-space",
            _with_sequences(GOOD_SEQUENCES.encode() + b"U9\n"),
            1,
            "GF504",
        ),
        Case(
            "seq-blank-line-inside",
            _with_sequences(b"U1 B01 B02 B03\n\nU2 B02 B03 B04\n"),
            1,
            "GF503",
        ),
        Case(
            "seq-duplicate-user",
            _with_sequences(GOOD_SEQUENCES.encode() + b"U1 B05 B04 B03\n"),
            1,
            "GF501",
        ),
        Case(
            "seq-crlf", _with_sequences(GOOD_SEQUENCES.replace("\n", "\r\n").encode()), 0, "GF505"
        ),
        Case(
            "seq-cr-only", _with_sequences(GOOD_SEQUENCES.replace("\n", "\r").encode()), 0, "GF505"
        ),
        Case(
            "seq-tabs", _with_sequences(b"U1\tB01 B02 B03 B04\nU2\tB02 B03 B04 B05\n"), 0, "GF507"
        ),
        Case("seq-nbsp", _with_sequences("U1 B01\xa0B02 B03 B04\n".encode()), 0, "GF508"),
        Case(
            "seq-bom-first-line",
            _with_sequences(b"\xef\xbb\xbf" + GOOD_SEQUENCES.encode()),
            0,
            "GF506",
        ),
        Case("seq-no-final-newline", _with_sequences(GOOD_SEQUENCES.rstrip("\n").encode()), 0, ""),
        Case(
            "seq-leading-space",
            _with_sequences(b" B01 B02 B03 B04\n" + GOOD_SEQUENCES.encode()),
            0,
            "",
        ),
        Case("seq-json-instead", _with_sequences(good), 1, "GF504"),
        Case(
            "seq-is-directory", {MAP: good}, 2, "is a directory", [".", "--sequences", "folder.txt"]
        ),
        # --- the embedding table (nothing in it ever run; legacy .pt only through torch) ---
        *_table_cases(),
        # --- the LightGCN graph files (train.txt, test.txt, user index, checkpoint, export) ---
        *_graph_cases(),
        # --- prediction files (gramfix eval) ---
        *_prediction_cases(),
        # --- the folder ---
        Case(
            "folder-without-dataset-files",
            {"notes.txt": b"hello\n"},
            2,
            "not a GRAM dataset folder",
        ),
        Case("folder-is-a-file", {"file.txt": b"x\n"}, 2, "not a folder", ["file.txt"]),
        Case(
            "folder-missing", {"notes.txt": b"x\n"}, 2, "no such dataset folder", ["missing-folder"]
        ),
    ]


PRED = "predictions.tsv"
PRED_HEADER = b"idx\tH@5\tH@10\tNDCG@5\tNDCG@10\tgold\tpred\tscores\n"
#: Items B01..B05 of GOOD_SEQUENCES with decoded IDs "alpha one" ... "echo five".
INDEXING = "item_generative_indexing_tiny.txt"
WORDS = ["alpha one", "bravo two", "charlie three", "delta four", "echo five"]
GOOD_INDEXING = "".join(
    f"B0{i} " + "".join(f"|▁{w}" for w in words.split()) + "\n"
    for i, words in enumerate(WORDS, start=1)
)
#: U1's gold is B04 (items[-1]), predicted first; U2's is B05, missed; two predictions a row.
GOOD_ROWS = (
    "U1\t1.0\t1.0\t1.0\t1.0\tdelta four\tdelta four||alpha one\t-0.5||-1.5\n"
    "U2\t0.0\t0.0\t0.0\t0.0\techo five\talpha one||bravo two\t-0.25||-2.0\n"
)


def _prediction_cases() -> list[Case]:
    """Prediction files read by ``eval`` (two predictions a row: ``--generate-num 2``)."""
    args = [PRED, ".", "--generate-num", "2"]
    good = GOOD_ROWS.encode()

    def pred(label: str, data: bytes, code: int, text: str, *more: str) -> Case:
        files = {SEQ: GOOD_SEQUENCES.encode(), INDEXING: GOOD_INDEXING.encode(), PRED: data}
        return Case(f"pred-{label}", files, code, text, [*args, *more], command="eval")

    row = good.split(b"\n")[0]
    return [
        pred("good", PRED_HEADER + good, 0, ""),
        pred("empty-file", b"", 2, "empty file"),
        pred("header-only", PRED_HEADER, 1, "GE002"),
        pred("no-header", good, 2, "not a GRAM prediction file"),
        pred("missing-column", PRED_HEADER + row.rsplit(b"\t", 1)[0] + b"\n", 2, "7 tab-separated"),
        pred("extra-column", PRED_HEADER + row + b"\tx\n", 2, "9 tab-separated"),
        pred(
            "non-float-score",
            PRED_HEADER + row.replace(b"-1.5", b"high") + b"\n",
            2,
            "not a number",
        ),
        pred(
            "non-float-metric",
            PRED_HEADER + row.replace(b"1.0", b"one", 1) + b"\n",
            2,
            "not a number",
        ),
        pred("unequal-counts", PRED_HEADER + row + b"||-3.0\n", 2, "2 predictions but 3 scores"),
        pred("binary", bytes(range(256)) * 8, 2, "NUL byte"),
        pred(
            "nul-in-row", PRED_HEADER + row.replace(b"delta", b"del\0ta", 1) + b"\n", 2, "NUL byte"
        ),
        pred(
            "latin1",
            PRED_HEADER + row.replace(b"alpha", "alph\xe4".encode("latin-1")) + b"\n",
            2,
            "not UTF-8",
        ),
        pred("utf16", (PRED_HEADER + good).decode().encode("utf-16"), 2, "NUL byte"),
        pred("bad-total", PRED_HEADER + good + b"hit@10: tensor(abc)\n", 2, "is not a number"),
        pred(
            "row-after-totals",
            PRED_HEADER + b"hit@10: 0.5\n" + good,
            2,
            "after the trailing totals",
        ),
        pred(
            "other-generate-num",
            PRED_HEADER + good,
            2,
            "2 predictions in a row",
            "--generate-num",
            "3",
        ),
        pred("crlf", (PRED_HEADER + good).replace(b"\n", b"\r\n"), 0, ""),
        pred("bom-header", b"\xef\xbb\xbf" + PRED_HEADER + good, 0, ""),
        pred("nan-metric", PRED_HEADER + row.replace(b"1.0", b"nan", 1) + b"\n", 1, "GE101"),
        pred(
            "edited-total",
            PRED_HEADER + good + b"hit@1: tensor(0.9000, device='cuda:0')\n",
            1,
            "GE101",
        ),
        pred("no-item", PRED_HEADER + row.replace(b"alpha one", b"zulu nine") + b"\n", 1, "GE201"),
        pred(
            "batched",
            PRED_HEADER + b"U1\t1.0\t1.0\t1.0\t1.0\tdelta four\t"
            b"delta four||alpha one||alpha one||bravo two\t-0.5||-1.5||-0.25||-2.0\n",
            1,
            "GE001",
        ),
        Case(
            "pred-no-indexing",
            {SEQ: GOOD_SEQUENCES.encode(), PRED: PRED_HEADER + good},
            2,
            "no item_generative_indexing_*.txt",
            args,
            command="eval",
        ),
        Case(
            "pred-indexing-empty",
            {SEQ: GOOD_SEQUENCES.encode(), "empty.txt": b"", PRED: PRED_HEADER + good},
            2,
            "no item line",
            [*args, "--indexing", "empty.txt"],
            command="eval",
        ),
    ]


def _table_cases() -> list[Case]:
    """Broken embedding tables, built with numpy and torch (a developer's environment)."""
    import io
    import zipfile

    import numpy as np
    import torch

    def table(
        label: str,
        name: str,
        data: bytes,
        code: int,
        text: str,
        without: dict[str, Any] | None = None,
    ) -> Case:
        files = {SEQ: GOOD_SEQUENCES.encode(), MAP: _json(GOOD_MAPPING), name: data}
        case = Case(f"table-{label}", files, code, text)
        case.without_torch = without
        return case

    def npy(array: Any, **options: Any) -> bytes:
        out = io.BytesIO()
        np.save(out, array, **options)
        return out.getvalue()

    def pt(value: Any) -> bytes:
        out = io.BytesIO()
        torch.save(value, out)
        return out.getvalue()

    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "a zip file, but no tensor in it")
    good = np.zeros((6, 4), np.float32)
    npy_name, pt_name = "gcn_item_embeddings.npy", "gcn_item_embeddings.pt"
    unchecked = {"exit": 0, "expect": "GF601"}  # a legacy .pt without torch: named, not read
    # torch's legacy format names storages by address: the committed fixture keeps it fixed
    legacy = (HERE.parent / "fixtures" / "torchsave" / "legacy.pt").read_bytes()  # 3 x 2
    objects = np.array([{"a": 1}], dtype=object)
    return [
        table("npy-object-dtype", npy_name, npy(objects, allow_pickle=True), 2, "nothing run"),
        table("npy-truncated", npy_name, npy(good)[:100], 2, "not a readable .npy"),
        table("npy-bad-header", npy_name, b"\x93NUMPY garbage", 2, "not a readable .npy"),
        table("npy-wrong-rank", npy_name, npy(np.zeros((6, 4, 2), np.float32)), 1, "GF606"),
        table("npy-empty-file", npy_name, b"", 2, "the embedding file is empty"),
        table("pt-not-a-zip", pt_name, b"not a zip, not a pickle", 2, "neither a .npy array"),
        table("pt-zip-not-a-tensor", pt_name, zipped.getvalue(), 2, "not a readable torch"),
        table("pt-wrong-rank", pt_name, pt(torch.zeros(6)), 1, "GF606"),
        table("pt-pickled-code", pt_name, pt(_Evil()), 2, "nothing was run"),
        table("pt-truncated", pt_name, pt(torch.ones(6, 4))[:-100], 2, "not a readable torch"),
        table("pt-legacy-format", pt_name, legacy, 1, "GF602", unchecked),
    ]


#: The correct LightGCN chain of GOOD_SEQUENCES (the converter's rules; the mapping is
#: GOOD_MAPPING, in sorted order): train.txt holds items[:-2], test.txt items[-2].
GOOD_TRAIN = b"0 0 1\n1 1 2\n2 4 0\n"
GOOD_TEST = b"0 2\n1 3\n2 1\n"
GOOD_USERS = {"U1": 0, "U2": 1, "U3": 2}


def _graph_cases() -> list[Case]:
    """Broken graph files beside a correct dataset; the .pt files by the torch-free writer."""
    import numpy as np

    from tests.graph_build import torch_save, zipped

    def graph(label: str, code: int, text: str, **replace: bytes) -> Case:
        files = {
            SEQ: GOOD_SEQUENCES.encode(),
            MAP: _json(GOOD_MAPPING),
            "user_id_to_index.json": _json(GOOD_USERS),
            "lightgcn_data/train.txt": GOOD_TRAIN,
            "lightgcn_data/test.txt": GOOD_TEST,
        }
        for name, data in replace.items():
            path = name.replace("__", "/")
            if data == b"<absent>":
                files.pop(path)
            else:
                files[path] = data
        return Case(f"graph-{label}", files, code, text)

    table = np.zeros((6, 4), np.float32)
    table[1:] = np.arange(20, dtype=np.float32).reshape(5, 4)
    checkpoint = torch_save({"epoch": 10, "n_items": 5, "n_users": 3, "embedding_dim": 4})
    evil = zipped(
        {"data.pkl": pickle.dumps(_Evil(), protocol=2), "byteorder": b"little", "version": b"3\n"}
    )
    model = "lightgcn_data__lightgcn_model.pt"
    export = "lightgcn_data__lightgcn_item_embeddings.pt"
    train, test, users = (
        "lightgcn_data__train.txt",
        "lightgcn_data__test.txt",
        "user_id_to_index.json",
    )
    return [
        graph("train-truncated", 2, "truncated", **{train: GOOD_TRAIN[:-4]}),
        graph("train-not-integer", 2, "not an index", **{train: b"0 0 x1\n1 1 2\n"}),
        graph("train-float", 2, "not an index", **{train: b"0 0.0 1\n"}),
        graph("train-negative", 2, "is a negative index", **{train: b"0 0 -1\n1 1 2\n"}),
        graph("train-out-of-range", 2, "out of range", **{train: b"0 0 99999999999\n"}),
        graph("train-past-int32", 2, "out of range", **{train: b"0 0 2147483648\n"}),
        graph("train-empty", 2, "the file is empty", **{train: b""}),
        graph("train-binary", 2, "NUL byte", **{train: b"0 0\x00 1\n"}),
        graph("train-not-utf8-bom", 2, "not an index", **{train: b"\xef\xbb\xbf" + GOOD_TRAIN}),
        graph("test-missing", 2, "the graph needs train.txt and test.txt", **{test: b"<absent>"}),
        graph("test-not-integer", 2, "not an index", **{test: b"0 two\n"}),
        graph("users-array", 2, "the top level is an array", **{users: b'["U1", "U2"]'}),
        graph("users-string-values", 2, "index of user", **{users: b'{"U1": "0"}'}),
        graph("users-negative", 2, "index of user", **{users: b'{"U1": -1}'}),
        graph("users-truncated", 2, "invalid JSON", **{users: _json(GOOD_USERS)[:12]}),
        graph("users-empty", 2, "the file is empty", **{users: b""}),
        graph("checkpoint-pickled-code", 2, "nothing was run", **{model: evil}),
        graph("checkpoint-truncated", 2, "not a readable torch file", **{model: checkpoint[:-60]}),
        graph("checkpoint-not-a-zip", 2, "not a torch.save zip file", **{model: b"weights"}),
        graph("checkpoint-a-tensor", 2, "not a LightGCN checkpoint", **{model: torch_save(table)}),
        graph("export-pickled-code", 2, "nothing was run", **{export: evil}),
        graph("export-truncated", 2, "not a readable torch", **{export: torch_save(table)[:-60]}),
        # An index no file of the chain defines (at or above every count it states: the
        # mapping's 5 items, the converter's 5, the 3 users): a damaged line, exit 2.
        graph(
            "train-index-past-every-count",
            2,
            "item index 5 is past every item count",
            **{train: b"0 0 5\n1 1 2\n2 4 0\n"},
        ),
        graph(
            "train-index-far-past-every-count",
            2,
            "item index 999999 is past",
            **{train: b"0 0 1\n1 1 2 999999\n2 4 0\n"},
        ),
        graph(
            "test-index-past-every-count",
            2,
            "item index 5 is past every item count",
            **{test: b"0 2\n1 5\n2 1\n"},
        ),
        graph(
            "train-user-past-every-count",
            2,
            "user index 3 is past every user count",
            **{train: b"0 0 1\n3 1 2\n2 4 0\n"},
        ),
        # Read, and judged: a leak, an index past the mapping that the checkpoint still
        # counts (a chain out of step), lines cut off at a line boundary, a user the data
        # lacks.
        graph("train-leak", 1, "GF901", **{train: b"0 0 1 2 3\n1 1 2\n2 4 0\n"}),
        graph(
            "train-index-past-the-mapping",
            1,
            "GF903",
            **{
                train: b"0 0 1 7\n1 1 2\n2 4 0\n",
                model: torch_save({"epoch": 10, "n_items": 8, "n_users": 3, "embedding_dim": 4}),
            },
        ),
        graph(
            "train-cut-at-a-line", 1, "GF904", **{train: GOOD_TRAIN[: GOOD_TRAIN.rindex(b"2 4")]}
        ),
        graph("test-cut-at-a-line", 1, "GF904", **{test: GOOD_TEST[: GOOD_TEST.rindex(b"2 1")]}),
        graph("users-unknown-user", 1, "GF904", **{users: _json({"U9": 0, "U2": 1, "U3": 2})}),
        graph("export-stale", 1, "GF907", **{export: torch_save(table[:4])}),
    ]


def build() -> None:
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    for case in cases():
        write(case)


def write(case: Case) -> None:
    """One case's folder (replaced if it exists)."""
    folder = CORPUS / case.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, data in case.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    if "folder.json" in case.args:
        (folder / "folder.json").mkdir()
        (folder / "folder.json" / ".keep").write_text("a directory where a file is expected\n")
    if "folder.txt" in case.args:
        (folder / "folder.txt").mkdir()
        (folder / "folder.txt" / ".keep").write_text("a directory where a file is expected\n")
    (folder / "expect.json").write_text(json.dumps(expectation(case), indent=2) + "\n")


def expectation(case: Case) -> dict[str, Any]:
    """What ``expect.json`` holds for a case."""
    expect: dict[str, Any] = {"exit": case.exit, "expect": case.expect, "args": case.args}
    if case.without_torch:
        expect["without_torch"] = case.without_torch
    if case.command != "check":
        expect["command"] = case.command
    return expect


def runtime_cases(root: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Cases that cannot be committed: built under ``root`` at test time."""
    made = []

    def case(name: str, files: dict[str, bytes], expect: dict[str, Any]) -> Path:
        folder = root / name
        folder.mkdir()
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        made.append((folder, expect))
        return folder

    # 100 MB on one line: must be read, not hang (one user with 9 million items).
    items = b" ".join(b"B%02d" % (i % 5 + 1) for i in range(9_000_000))
    case(
        "seq-100mb-one-line",
        {SEQ: b"U1 " + items + b"\n", MAP: _json(GOOD_MAPPING)},
        {"exit": 0, "expect": "", "args": ["."]},
    )
    case(
        "seq-one-megabyte-id",
        _with_sequences(b"U1 B01 " + b"X" * 1_000_000 + b" B02 B03\n"),
        {"exit": 1, "expect": "GF301", "args": ["."]},
    )
    loop = case(
        "map-symlink-loop",
        {SEQ: GOOD_SEQUENCES.encode()},
        {"exit": 2, "expect": "symbolic link loop", "args": [".", "--mapping", "loop.json"]},
    )
    os.symlink("loop2.json", loop / "loop.json")
    os.symlink("loop.json", loop / "loop2.json")
    seq_loop = case(
        "seq-symlink-loop",
        {MAP: _json(GOOD_MAPPING)},
        {"exit": 2, "expect": "symbolic link loop", "args": [".", "--sequences", "loop.txt"]},
    )
    os.symlink("loop2.txt", seq_loop / "loop.txt")
    os.symlink("loop.txt", seq_loop / "loop2.txt")
    if os.geteuid() != 0:  # root reads everything: permission cannot be taken away from it
        locked = case(
            "map-no-read-permission",
            _with_mapping(_json(GOOD_MAPPING)),
            {"exit": 2, "expect": "permission denied", "args": ["."]},
        )
        (locked / MAP).chmod(0)
    return made


if __name__ == "__main__":
    build()
