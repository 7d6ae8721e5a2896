"""A LightGCN chain written as GRAM-C's scripts write it, and each failure of graph-data.md.

An independent re-implementation of ``scripts/convert_to_lightgcn.py`` (graph-data.md, §1:
users of fewer than 3 items skipped, the item universe every ``items[:-2]`` plus every
``items[-1]``, indices in ``sorted()`` order, the mapping index + 1 with ``indent=2``),
a stand-in for training and export (LightGCN's propagation of random vectors over the
train graph: a table with collaborative structure, "trained-like"), and a writer of
``torch.save`` files that needs no torch (the zip layout and pickle opcodes torch
writes; tests/test_graph_build.py checks that torch reads them).

    build_chain(folder, sequences_text, variant="clean")

writes user_sequence.txt, item_id_to_gcn_index.json, user_id_to_index.json,
lightgcn_data/{train.txt, test.txt, lightgcn_model.pt, lightgcn_item_embeddings.pt} and
the installed gcn_item_embeddings.pt. ``VARIANTS`` lists the failures.
"""

from __future__ import annotations

import functools
import io
import json
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]


# --- the converter ---------------------------------------------------------------------


def read_histories(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """user_sequence.txt as convert_to_lightgcn.py reads it: ``strip().split()``, blank
    and one-token lines skipped, users of fewer than 3 items skipped (returned apart), a
    later line of a user replacing the earlier one."""
    histories: dict[str, list[str]] = {}
    skipped = []
    for line in text.splitlines():
        parts = line.strip().split()
        if len(parts) < 2:
            continue
        if len(parts) - 1 < 3:
            skipped.append(parts[0])
            continue
        histories[parts[0]] = parts[1:]
    return histories, skipped


@dataclass
class Chain:
    """What the converter decides: indices, and the lines of train.txt and test.txt."""

    histories: dict[str, list[str]]
    item_index: dict[str, int]  # LightGCN index, 0-based, in sorted() order
    user_index: dict[str, int]  # 0-based, in sorted() order
    train: list[tuple[int, list[int]]] = field(default_factory=list)
    test: list[tuple[int, list[int]]] = field(default_factory=list)

    @property
    def n_items(self) -> int:
        """The trainer's n_items: the largest index of train.txt and test.txt + 1."""
        indices = [i for _, items in self.train + self.test for i in items]
        return max(indices) + 1


def convert(
    histories: dict[str, list[str]],
    *,
    train_part: Callable[[list[str]], list[str]] = lambda items: items[:-2],
    target: int = -1,
) -> Chain:
    """The converter's decisions; ``train_part`` and ``target`` (-1: test targets, as
    published; -2: validation targets, the clean setup) make the variants."""
    universe: set[str] = set()
    for items in histories.values():
        universe.update(items[:-2])
        universe.add(items[-1])
    item_index = {item: i for i, item in enumerate(sorted(universe))}
    user_index = {user: i for i, user in enumerate(sorted(histories))}
    chain = Chain(histories, item_index, user_index)
    for user in sorted(histories):
        items = histories[user]
        indices = [item_index[i] for i in train_part(items) if i in item_index]
        if indices:
            chain.train.append((user_index[user], indices))
        if items[target] in item_index:
            chain.test.append((user_index[user], [item_index[items[target]]]))
    return chain


def lines_text(lines: list[tuple[int, list[int]]]) -> str:
    return "".join(f"{user} {' '.join(map(str, items))}\n" for user, items in lines)


def mapping_text(item_index: dict[str, int], shift: int = 1) -> str:
    """item_id_to_gcn_index.json: LightGCN index + ``shift`` (1 as published)."""
    return json.dumps({item: i + shift for item, i in item_index.items()}, indent=2)


# --- training and export, without torch -------------------------------------------------


def propagate(chain: Chain, dim: int, seed: int) -> tuple[F32, F32]:
    """Random vectors propagated over the train graph as LightGCN propagates them
    (symmetric normalisation, 4 layers); each node keeps the layers that reach it from its
    own side (an item: item <- users <- items, twice), plus a twentieth of its starting
    vector (what keeps items of one neighbourhood apart, and items without an edge
    non-zero). Trained-like: rows with the graph's collaborative structure (on Beauty
    co-occurring items close about 18% of random pairs' cosine distance, a strong signal)."""
    rng = np.random.default_rng(seed)
    n_users = max(u for u, _ in chain.train + chain.test) + 1
    n_items = chain.n_items
    users = np.array([u for u, items in chain.train for _ in items], np.int64)
    items = np.array([i for _, row in chain.train for i in row], np.int64)
    deg_u = np.bincount(users, minlength=n_users).astype(np.float64)
    deg_i = np.bincount(items, minlength=n_items).astype(np.float64)
    weight = 1.0 / np.sqrt(np.maximum(deg_u[users], 1) * np.maximum(deg_i[items], 1))
    start_u = rng.normal(0, 0.1, (n_users, dim))
    start_i = rng.normal(0, 0.1, (n_items, dim))
    eu, ei = start_u, start_i
    sum_u, sum_i = np.zeros_like(eu), np.zeros_like(ei)
    for layer in range(1, 5):
        eu, ei = (
            _gather(users, n_users, weight, ei[items]),
            _gather(items, n_items, weight, eu[users]),
        )
        if layer % 2:  # odd layers reach users from items
            sum_u += eu / 2
        else:
            sum_i += ei / 2
    return _own(sum_u, start_u), _own(sum_i, start_i)


def _own(rows: Any, start: Any) -> F32:
    """``rows`` plus a twentieth of ``start`` at the rows' typical norm."""
    scale = np.linalg.norm(rows, axis=1).mean() / np.linalg.norm(start, axis=1).mean()
    out: F32 = (rows + start * scale / 20).astype(np.float32)
    return out


def _gather(into: npt.NDArray[np.int64], size: int, weight: Any, rows: Any) -> Any:
    """Sum of ``weight * rows`` per target ``into`` (a sparse product, without scipy)."""
    dim = rows.shape[1]
    cells = (into[:, None] * dim + np.arange(dim)).ravel()
    summed = np.bincount(cells, weights=(weight[:, None] * rows).ravel(), minlength=size * dim)
    return summed.reshape(size, dim)


def export_table(items: F32) -> F32:
    """What export_lightgcn_embeddings.py writes: a zero row, then row i + 1 = index i."""
    return np.concatenate([np.zeros((1, items.shape[1]), np.float32), items])


def placeholder(rows: int, dim: int, seed: int) -> F32:
    """generate_example_gcn_embeddings.py: randn * 0.1, rows L2-normalised, row 0 zero."""
    table = np.random.default_rng(seed).standard_normal((rows, dim)) * 0.1
    table /= np.linalg.norm(table, axis=1, keepdims=True)
    table[0] = 0
    return table.astype(np.float32)


# --- torch.save without torch -----------------------------------------------------------


def pickle_str(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def pickle_int(n: int) -> bytes:
    if -(2**31) <= n < 2**31:
        return b"J" + struct.pack("<i", n)
    data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def pickle_tuple(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


_STORAGES = {"float32": "FloatStorage", "float64": "DoubleStorage", "int64": "LongStorage"}


class _Pickle:
    """The opcodes torch's pickler writes for tensors, dicts and plain values."""

    def __init__(self) -> None:
        self.storages: dict[str, bytes] = {}

    def value(self, v: Any) -> bytes:
        if isinstance(v, np.ndarray):
            return self.tensor(v)
        if isinstance(v, dict):
            items = b"".join(self.value(k) + self.value(x) for k, x in v.items())
            return b"}(" + items + b"u" if v else b"}"
        if isinstance(v, bool):
            return b"\x88" if v else b"\x89"
        if isinstance(v, int):
            return pickle_int(v)
        if isinstance(v, float):
            return b"G" + struct.pack(">d", v)
        if isinstance(v, str):
            return pickle_str(v)
        raise TypeError(type(v))

    def tensor(self, array: npt.NDArray[Any]) -> bytes:
        array = np.ascontiguousarray(array)
        key = str(len(self.storages))
        self.storages[key] = array.astype(array.dtype.newbyteorder("<")).tobytes()
        storage = _STORAGES[str(array.dtype)]
        pid = pickle_tuple(
            pickle_str("storage"),
            b"ctorch\n" + storage.encode() + b"\n",
            pickle_str(key),
            pickle_str("cpu"),
            pickle_int(array.size),
        )
        strides = [s // array.itemsize for s in array.strides]
        return (
            b"ctorch._utils\n_rebuild_tensor_v2\n"
            + pickle_tuple(
                pid + b"Q",
                pickle_int(0),
                pickle_tuple(*map(pickle_int, array.shape)),
                pickle_tuple(*map(pickle_int, strides)),
                b"\x89",
                b"ccollections\nOrderedDict\n)R",
            )
            + b"R"
        )


def torch_save(value: Any) -> bytes:
    """``torch.save(value)`` for numpy arrays (float32, float64, int64) in dicts, with
    int, float, bool and str values: the zip layout torch writes (stored members)."""
    pickler = _Pickle()
    body = b"\x80\x02" + pickler.value(value) + b"."
    members = {"data.pkl": body, "byteorder": b"little"}
    members.update({f"data/{key}": data for key, data in pickler.storages.items()})
    members["version"] = b"3\n"
    return zipped(members)


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip of ``archive/<name>`` members, stored, dated 1980: the same bytes each run."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(f"archive/{name}", (1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


# --- a whole chain, and its failures ----------------------------------------------------

#: The failures of graph-data.md, each built from the correct chain, and the finding
#: (name) each must give.
VARIANTS = {
    "clean": None,  # the graph evaluated on the validation targets, the export installed
    "selected-on-test": "graph-selected-on-test",  # test.txt = items[-1], as published
    "leak-validation": "graph-leakage",  # train lines items[:-1]
    "leak-both": "graph-leakage",  # train lines = every item
    "mapping-order": "graph-index-mismatch",  # the mapping numbered by first appearance
    "mapping-zero-based": "graph-index-mismatch",  # values = LightGCN index
    "user-order": "graph-user-index-mismatch",  # user_id_to_index.json in file order
    "placeholder-installed": "trained-table-unused",  # a random table beside the export
    "export-fewer-items": "stale-export",  # an export of an older graph, installed
}
#: More failures, for the golden cases.
MORE_VARIANTS = {
    "export-zero-based": "stale-export",  # the export without its padding row, installed
    "no-table-installed": "trained-table-unused",  # the export, and no table beside it
    "users-scrambled": "graph-user-index-mismatch",  # train.txt users in a random order
    "no-user-index": None,  # alignment not judged
}


@functools.lru_cache(maxsize=4)
def _trained(sequences: str, target: int, dim: int, seed: int) -> tuple[F32, F32]:
    """The propagated rows of the correct graph (kept: the variants of one dataset share them)."""
    histories, _ = read_histories(sequences)
    return propagate(convert(histories, target=target), dim, seed)


def build_chain(
    folder: Path, sequences: str, variant: str = "clean", *, dim: int = 64, seed: int = 0
) -> Chain:
    """Write a dataset folder with its LightGCN chain, broken as ``variant`` says."""
    histories, _ = read_histories(sequences)
    train_part: Callable[[list[str]], list[str]] = {
        "leak-validation": lambda items: items[:-1],
        "leak-both": lambda items: items,
    }.get(variant, lambda items: items[:-2])
    target = -1 if variant == "selected-on-test" else -2
    chain = convert(histories, train_part=train_part, target=target)
    # Trained on the correct graph: a leak changes train.txt, not the table's meaning.
    users, items = _trained(sequences, target, dim, seed)
    table = export_table(items)
    folder.mkdir(parents=True, exist_ok=True)
    graph = folder / "lightgcn_data"
    graph.mkdir(exist_ok=True)
    (folder / "user_sequence.txt").write_text(sequences, encoding="utf-8")
    mapping = mapping_text(chain.item_index, 0 if variant == "mapping-zero-based" else 1)
    if variant == "mapping-order":
        first = list(dict.fromkeys(i for line in sequences.splitlines() for i in line.split()[1:]))
        kept = [i for i in first if i in chain.item_index]
        mapping = json.dumps({item: row for row, item in enumerate(kept, start=1)}, indent=2)
    (folder / "item_id_to_gcn_index.json").write_text(mapping, encoding="utf-8")
    user_index = chain.user_index
    if variant == "user-order":
        order = [
            line.split()[0] for line in sequences.splitlines() if line.split()[0] in user_index
        ]
        user_index = {user: i for i, user in enumerate(dict.fromkeys(order))}
    if variant != "no-user-index":
        (folder / "user_id_to_index.json").write_text(json.dumps(user_index, indent=2))
    train = chain.train
    if variant == "users-scrambled":
        shuffle = np.random.default_rng(seed).permutation(len(chain.user_index))
        train = [(int(shuffle[u]), items) for u, items in train]
    (graph / "train.txt").write_text(lines_text(train))
    (graph / "test.txt").write_text(lines_text(chain.test))
    checkpoint = {
        "epoch": 120,
        "model_state_dict": {"embedding_user.weight": users, "embedding_item.weight": items},
        "recall": 0.0825,
        "n_users": len(users),
        "n_items": len(items),
        "embedding_dim": dim,
        "n_layers": 3,
    }
    (graph / "lightgcn_model.pt").write_bytes(torch_save(checkpoint))
    if variant == "export-fewer-items":
        table = table[: len(table) - max(1, len(table) // 20)]
    if variant == "export-zero-based":
        table = table[1:]
    (graph / "lightgcn_item_embeddings.pt").write_bytes(torch_save(table))
    if variant == "placeholder-installed":
        table = placeholder(len(table), dim, seed + 1)
    if variant != "no-table-installed":
        (folder / "gcn_item_embeddings.pt").write_bytes(torch_save(table))
    return chain


def clustered_sequences(users: int = 200, seed: int = 7) -> str:
    """A small dataset with collaborative structure: 60 items in 6 clusters; each user
    buys 8 items of one cluster, in random order."""
    rng = np.random.default_rng(seed)
    items = [f"B{int(n):09X}" for n in rng.choice(16**9, size=60, replace=False)]
    clusters = [items[i::6] for i in range(6)]
    lines = []
    for _ in range(users):
        cluster = clusters[int(rng.integers(6))]
        chosen = rng.choice(len(cluster), size=8, replace=False)
        lines.append(f"A{int(rng.integers(16**12)):012X} " + " ".join(cluster[i] for i in chosen))
    return "\n".join(lines) + "\n"


def with_validation_only(sequences: str, every: int = 10) -> str:
    """Every ``every``-th user's validation target replaced by an item of its own: an item
    that occurs only as a validation target (the converter gives it no index)."""
    lines = []
    for n, line in enumerate(sequences.splitlines()):
        parts = line.split()
        if n % every == 0 and len(parts) >= 4:
            parts[-2] = f"V{n:09d}"
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def real_chains(root: Path, shared: Path) -> Callable[[str, str], Path]:
    """``chain(dataset, variant)``: a folder under ``root`` with that chain built from the
    real ``shared/gram/<dataset>`` sequences, built once and then reused."""
    made: dict[tuple[str, str], Path] = {}

    def chain(dataset: str, variant: str) -> Path:
        if (dataset, variant) not in made:
            text = (shared / "gram" / dataset / "user_sequence.txt").read_text(encoding="utf-8")
            made[dataset, variant] = root / f"{dataset}-{variant}"
            build_chain(made[dataset, variant], text, variant)
        return made[dataset, variant]

    return chain
