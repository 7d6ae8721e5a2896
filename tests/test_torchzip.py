"""The torch-free reader of ``torch.save`` files: bit for bit what
``torch.load(weights_only=True)`` returns, and nothing in the file ever run.

Three sources of files: the committed fixtures (written by torch, read here without it),
files torch writes at test time (skipped without torch), and archives assembled by hand
(the malicious and the malformed ones, which torch would never write).
"""

from __future__ import annotations

import io
import json
import math
import os
import pickletools
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.io.torchzip import MAX_DEPTH, TorchFile, load_torch_zip, number
from gramfix.model.errors import InputError
from tests.conftest import ROOT, SHARED
from tests.fixtures.torchsave import make as fixtures
from tests.graph_build import pickle_int, pickle_str, pickle_tuple

FIXTURES = fixtures.HERE
GRAM_C_TABLE = SHARED / "gram-c" / "Beauty" / "gcn_item_embeddings.pt"
Array = npt.NDArray[Any]


def _torch() -> Any:
    return pytest.importorskip("torch")


def _same(ours: Array, theirs: Array) -> None:
    """Equal bit for bit: dtype, shape and every byte (NaN payloads and -0.0 included)."""
    assert (ours.dtype, ours.shape) == (theirs.dtype, theirs.shape)
    assert np.ascontiguousarray(ours).tobytes() == np.ascontiguousarray(theirs).tobytes()


def _by_place(loaded: TorchFile) -> dict[str, Array]:
    return {t.where: t.array for t in loaded.tensors}


def _refused(path: Path, text: str) -> str:
    """The one-line problem of reading ``path``, which must contain ``text``."""
    with pytest.raises(InputError) as caught:
        load_torch_zip(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert text in message
    return message


# --- the committed fixtures, read without torch ----------------------------------------------


def test_fixtures_equal_what_torch_loaded() -> None:
    expected = np.load(FIXTURES / "expected.npz")
    seen = set()
    for name in fixtures.FILES:
        for where, array in _by_place(load_torch_zip(FIXTURES / name)).items():
            key = f"{name}:{where}"
            seen.add(key)
            _same(array, expected[key])
    assert seen == set(expected.files)


def test_fixture_dtypes_are_torch_names_and_bfloat16_is_widened() -> None:
    loaded = load_torch_zip(FIXTURES / "tensors.pt")
    dtypes = {t.where: t.dtype for t in loaded.tensors}
    for name in ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8"]:
        assert dtypes[name] == name
        assert _by_place(loaded)[name].dtype == np.dtype(name)
    assert (dtypes["uint16"], dtypes["bool"], dtypes["shared[0]"]) == ("uint16", "bool", "int32")
    widened = [t for t in loaded.tensors if t.widened]
    assert [(t.where, t.dtype, t.array.dtype) for t in widened] == [
        ("bfloat16", "bfloat16", np.dtype(np.float32))
    ]
    assert loaded.dtype_of(_by_place(loaded)["bfloat16"]) == "bfloat16"


def test_fixture_views_keep_their_layout_and_share_their_storage() -> None:
    value = load_torch_zip(FIXTURES / "tensors.pt").value
    assert isinstance(value, dict)
    base, transposed = value["float64"], value["transposed"]
    assert isinstance(base, np.ndarray)
    assert isinstance(transposed, np.ndarray)
    assert transposed.strides == base.strides[::-1]  # a view, as torch loads it
    assert np.array_equal(transposed, base.T)
    first, second, element = value["shared"]  # type: ignore[misc]
    address = first.__array_interface__["data"][0]
    assert second.__array_interface__["data"][0] == address + 12 * 4  # shared[12:]
    assert np.shares_memory(first, element)
    assert element.shape == ()
    assert element == 5
    assert value["scalar"].shape == ()
    assert value["empty"].shape == (0, 4)
    assert value["nested"]["list"][1][1] == "text"  # type: ignore[index,call-overload]
    assert isinstance(value["nested"]["list"][1], tuple)  # type: ignore[index,call-overload]


def test_fixture_checkpoint_scalars_are_plain_numbers() -> None:
    value = load_torch_zip(FIXTURES / "checkpoint.pt").value
    assert isinstance(value, dict)
    for key, written in fixtures.CHECKPOINT_SCALARS.items():
        assert value[key] == written
        assert type(value[key]) is type(written)  # recall: a numpy float64 decoded to float
        assert number(value[key]) == written
    assert number(value["ndcg"]) == 0.25  # a 0-d tensor
    state = value["model_state_dict"]
    assert type(state) is dict  # an OrderedDict with _metadata, as a plain dict
    assert list(state) == ["embedding_user.weight", "embedding_item.weight"]
    assert [number(v) for v in (True, "7", None, state["embedding_item.weight"])] == [None] * 4


def test_a_large_storage_is_memory_mapped_at_the_tensor() -> None:
    loaded = load_torch_zip(FIXTURES / "table.pt")
    table = loaded.value
    assert isinstance(table, np.memmap)
    assert not table.flags.writeable
    with (FIXTURES / "table.pt").open("rb") as handle:  # .offset is the table's first byte
        handle.seek(table.offset)
        assert handle.read(table.nbytes) == table.tobytes()


def test_a_legacy_file_is_not_mistaken_for_a_zip() -> None:
    _refused(FIXTURES / fixtures.LEGACY, "not a readable torch file (damaged zip")


def test_the_reader_needs_no_torch(tmp_path: Path) -> None:
    """In a process where ``import torch`` fails: the fixture (and the real GRAM-C table,
    when present) read, and ``check`` of the real GRAM-C folder needs no torch."""
    script = tmp_path / "no_torch.py"
    script.write_text(
        "import json, sys\n"
        "sys.modules['torch'] = None  # import torch raises ImportError\n"
        "from pathlib import Path\n"
        "from gramfix.io.embeddings import read_embeddings\n"
        "from gramfix.cli import main\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    table = read_embeddings(Path(name))\n"
        "    out[name] = [table.format, table.dtype, list(table.array.shape),\n"
        "                 type(table.array).__name__]\n"
        "print(json.dumps(out))\n"
        "folder = Path(sys.argv[-1]).parent\n"
        "if folder.name == 'Beauty':\n"
        "    sequences = folder.parent.parent / 'gram' / 'Beauty' / 'user_sequence.txt'\n"
        "    code = main(['check', str(folder), '--sequences', str(sequences),\n"
        "                 '--format', 'json', '-o', 'report.json'])\n"
        "    print(code)\n"
        "assert sys.modules['torch'] is None\n"
    )
    tables = [FIXTURES / "table.pt"]
    if GRAM_C_TABLE.is_file():
        tables.append(GRAM_C_TABLE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, str(script), *map(str, tables)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    read = json.loads(lines[0])
    assert read[str(FIXTURES / "table.pt")] == ["pt", "float32", [64, 16], "memmap"]
    if not GRAM_C_TABLE.is_file():
        return
    assert read[str(GRAM_C_TABLE)] == ["pt", "float32", [12102, 64], "memmap"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert lines[1] == "1"  # GRAM-C's table is a random placeholder: GF609 fails the check
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("GF609", "error")]
    assert report["embeddings"]["shape"] == [12102, 64]


# --- files torch writes now --------------------------------------------------------------------


def test_the_fixture_expectations_are_still_torchs() -> None:
    torch = _torch()
    expected = np.load(FIXTURES / "expected.npz")
    for name in fixtures.FILES:
        loaded = fixtures.load_with_torch(torch, FIXTURES / name)
        for where, array in fixtures.tensors_of(torch, loaded).items():
            _same(array, expected[f"{name}:{where}"])


def _save_and_compare(torch: Any, value: Any, path: Path) -> TorchFile:
    """Save ``value`` with torch, read it both ways, and require the same tensors."""
    torch.save(value, path)
    ours = load_torch_zip(path)
    theirs = fixtures.tensors_of(torch, fixtures.load_with_torch(torch, path))
    mine = _by_place(ours)
    assert set(mine) == set(theirs)
    for where, array in theirs.items():
        _same(mine[where], array)
    return ours


DTYPES = [
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "uint16",
    "uint32",
    "uint64",
    "complex64",
    "complex128",
]


def _random(torch: Any, dtype: str, count: int, seed: int) -> Any:
    """``count`` elements of random bits (NaNs, infinities, -0.0 ...); bools 0 or 1."""
    kind = getattr(torch, dtype)
    size = torch.empty(0, dtype=kind).element_size()
    raw = np.random.default_rng(seed).integers(0, 256, count * size, dtype=np.uint8)
    if dtype == "bool":
        raw %= 2
    return torch.frombuffer(bytearray(raw.tobytes()), dtype=kind)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)])
def test_every_dtype_and_rank(tmp_path: Path, dtype: str, shape: tuple[int, ...]) -> None:
    torch = _torch()
    tensor = _random(torch, dtype, math.prod(shape), seed=len(shape)).reshape(shape)
    ours = _save_and_compare(torch, tensor, tmp_path / "t.pt")
    assert [(t.where, t.dtype) for t in ours.tensors] == [("", dtype)]


@pytest.mark.parametrize(
    "view",
    [
        lambda t: t.t(),
        lambda t: t[1:, ::2],
        lambda t: t[2:],
        lambda t: t[:, 3],
        lambda t: t[1, 1],
        lambda t: t.unsqueeze(1).expand(6, 3, 7),  # a zero stride
        lambda t: t.as_strided((3, 3), (1, 1), 2),  # overlapping elements
    ],
    ids=["transposed", "sliced", "offset", "column", "element", "expanded", "overlapping"],
)
def test_views_are_saved_and_read_as_views(tmp_path: Path, view: Any) -> None:
    torch = _torch()
    base = torch.arange(42, dtype=torch.float32).reshape(6, 7)
    tensor = view(base)
    ours = load_torch_zip(_saved(torch, tensor, tmp_path))
    array = ours.value
    assert isinstance(array, np.ndarray)
    _same(array, tensor.numpy())
    sizes = list(tensor.shape)
    steps = [s * 4 for s, n in zip(tensor.stride(), sizes, strict=True) if n > 1]
    assert [s for s, n in zip(array.strides, sizes, strict=True) if n > 1] == steps


def _saved(torch: Any, value: Any, folder: Path, name: str = "t.pt") -> Path:
    path = folder / name
    torch.save(value, path)
    return path


def test_tensors_sharing_a_storage(tmp_path: Path) -> None:
    torch = _torch()
    storage = torch.arange(5000, dtype=torch.float64)  # 40 KB: memory-mapped
    value = {"all": storage, "head": storage[:10], "grid": storage[100:4100].view(40, 100)}
    ours = _save_and_compare(torch, value, tmp_path / "t.pt")
    arrays = _by_place(ours)
    assert isinstance(arrays["grid"], np.memmap)
    assert all(np.shares_memory(arrays["all"], arrays[k]) for k in ["head", "grid"])


def test_containers(tmp_path: Path) -> None:
    torch = _torch()
    from collections import OrderedDict

    value = {
        "ordered": OrderedDict([("b", torch.ones(2)), ("a", torch.zeros(1, dtype=torch.int64))]),
        "list": [torch.eye(2), [torch.ones(1)], (1, 2.5, "x", None, True, b"raw")],
        1: {"deep": {"deeper": torch.tensor([7], dtype=torch.int16)}},
    }
    ours = _save_and_compare(torch, value, tmp_path / "t.pt")
    plain = ours.value
    assert isinstance(plain, dict)
    assert list(plain["ordered"]) == ["b", "a"]  # type: ignore[call-overload]
    assert plain["list"][2] == (1, 2.5, "x", None, True, b"raw")  # type: ignore[index]
    assert [t.where for t in ours.tensors] == [
        "ordered.b",
        "ordered.a",
        "list[0]",
        "list[1][0]",
        "1.deep.deeper",
    ]


def test_a_state_dict_and_a_lightgcn_checkpoint(tmp_path: Path) -> None:
    torch = _torch()
    model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 2))
    checkpoint = {
        "model_state_dict": model.state_dict(),
        "n_users": 3,
        "n_items": 10,
        "embedding_dim": 4,
        "n_layers": 2,
        "recall": np.float64(0.375),
        "recall_tensor": torch.tensor(0.5),
        "epoch": 40,
    }
    ours = _save_and_compare(torch, checkpoint, tmp_path / "t.pt")
    value = ours.value
    assert isinstance(value, dict)
    assert list(value["model_state_dict"]) == list(model.state_dict())  # type: ignore[call-overload]
    assert {k: number(value[k]) for k in ["n_users", "recall", "recall_tensor", "epoch"]} == {
        "n_users": 3,
        "recall": 0.375,
        "recall_tensor": 0.5,
        "epoch": 40,
    }


def test_parameters_and_tensors_with_attributes(tmp_path: Path) -> None:
    torch = _torch()
    tagged = torch.ones(3)
    tagged.note = "kept by torch, dropped here"  # saved through _rebuild_from_type_v2
    value = {"parameter": torch.nn.Parameter(torch.arange(4.0)), "tagged": tagged}
    ours = _save_and_compare(torch, value, tmp_path / "t.pt")
    assert [t.dtype for t in ours.tensors] == ["float32", "float32"]


def test_conjugate_and_negative_views_are_resolved(tmp_path: Path) -> None:
    torch = _torch()
    complex_ = torch.tensor([1 + 2j, -3 - 4j], dtype=torch.complex64)
    conj = _saved(torch, complex_.conj(), tmp_path, "conj.pt")  # the conjugate bit set
    neg = _saved(torch, complex_.conj().imag, tmp_path, "neg.pt")  # the negative bit set
    _same(load_torch_zip(conj).value, complex_.conj().resolve_conj().numpy())  # type: ignore[arg-type]
    _same(load_torch_zip(neg).value, complex_.conj().imag.resolve_neg().numpy())  # type: ignore[arg-type]


@st.composite
def _views(draw: st.DrawFn) -> tuple[str, tuple[int, ...], tuple[slice, ...], list[int], int]:
    dtype = draw(st.sampled_from(DTYPES))
    shape = tuple(draw(st.lists(st.integers(1, 5), max_size=3)))
    cuts = tuple(
        slice(draw(st.integers(0, n)), None, draw(st.integers(1, 3))) for n in shape
    )  # a start of n: an empty dimension
    order = draw(st.permutations(range(len(shape))))
    return dtype, shape, cuts, order, draw(st.integers(0, 3))


@settings(max_examples=120, deadline=None)
@given(view=_views(), seed=st.integers(0, 2**32 - 1))
def test_any_view_of_any_dtype_reads_as_torch_loads_it(
    view: tuple[str, tuple[int, ...], tuple[slice, ...], list[int], int], seed: int
) -> None:
    torch = _torch()
    dtype, shape, cuts, order, lead = view
    flat = _random(torch, dtype, lead + math.prod(shape), seed)
    tensor = flat[lead:].reshape(shape)[cuts].permute(order)  # storage offset `lead`
    with tempfile.TemporaryDirectory() as folder:
        path = _saved(torch, tensor, Path(folder))
        ours = load_torch_zip(path)
        theirs = torch.load(path, weights_only=True)
        if dtype == "bfloat16":
            theirs = theirs.float()
        assert isinstance(ours.value, np.ndarray)
        _same(ours.value, theirs.numpy())
        assert ours.tensors[0].dtype == dtype


def test_the_real_gram_c_table_equals_torch(shared: Path) -> None:
    torch = _torch()
    ours = load_torch_zip(GRAM_C_TABLE)
    assert isinstance(ours.value, np.memmap)
    _same(ours.value, torch.load(GRAM_C_TABLE, weights_only=True).numpy())


# --- byte order and zip forms torch itself does not write ---------------------------------------


_STORAGE_DTYPES = {
    "FloatStorage": "f4",
    "DoubleStorage": "f8",
    "HalfStorage": "f2",
    "BFloat16Storage": "u2",
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "u1",
    "ComplexFloatStorage": "f4",  # each half swapped on its own
    "ComplexDoubleStorage": "f8",
}
_UNTYPED_DTYPES = {"uint16": "u2", "uint32": "u4", "uint64": "u8"}


def _storage_dtypes(data_pkl: bytes) -> dict[str, str]:
    """Storage key -> element type, read off the pickle's opcodes (independently of the
    reader): ``GLOBAL torch XStorage`` then the key; an untyped storage takes the dtype
    global that follows it."""
    found: dict[str, str] = {}
    kind: str | None = None
    untyped: str | None = None
    memo: dict[object, str] = {}  # a global named again is fetched from the memo
    last = ""
    for op, value, _ in pickletools.genops(data_pkl):
        code, arg = op.name, value
        if code in ("BINPUT", "LONG_BINPUT") and last:
            memo[arg] = last
        last = ""
        if code in ("BINGET", "LONG_BINGET") and arg in memo:
            code, arg = "GLOBAL", memo[arg]
        if code == "GLOBAL":
            last = str(arg)
            _, name = last.split(" ")
            if name in _STORAGE_DTYPES or name == "UntypedStorage":
                kind = name
            elif untyped is not None and name in _UNTYPED_DTYPES:
                found[untyped], untyped = _UNTYPED_DTYPES[name], None
        elif kind is not None and code in ("BINUNICODE", "SHORT_BINUNICODE"):
            if kind == "UntypedStorage":
                untyped = str(arg)
            else:
                found[str(arg)] = _STORAGE_DTYPES[kind]
            kind = None
    return found


def _rewrite(
    source: Path,
    target: Path,
    *,
    big_endian: bool = False,
    compression: int = zipfile.ZIP_STORED,
    shift: int = 0,
) -> Path:
    """``source`` as another zip: its storages byte-swapped (and ``byteorder`` big),
    compressed, or stored after ``shift`` bytes of padding (so unaligned)."""
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    prefix = next(iter(members)).split("/")[0]
    dtypes = _storage_dtypes(members[f"{prefix}/data.pkl"])
    out = io.BytesIO()
    out.write(b"\0" * shift)
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, stored in members.items():
            data, key = stored, name.removeprefix(f"{prefix}/data/")
            if big_endian and key in dtypes:
                data = np.frombuffer(data, "<" + dtypes[key]).astype(">" + dtypes[key]).tobytes()
            if big_endian and name == f"{prefix}/byteorder":
                data = b"big"
            archive.writestr(name, data)
    target.write_bytes(out.getvalue())
    return target


def test_big_endian_files_read_as_torch_reads_them(tmp_path: Path) -> None:
    """A fixture rewritten big-endian reads like the original (no torch needed)."""
    for name in fixtures.FILES:
        big = _rewrite(FIXTURES / name, tmp_path / name, big_endian=True)
        original = _by_place(load_torch_zip(FIXTURES / name))
        swapped = load_torch_zip(big)
        assert [t.dtype for t in swapped.tensors] == [
            t.dtype for t in load_torch_zip(FIXTURES / name).tensors
        ]
        for where, array in _by_place(swapped).items():
            assert array.dtype.isnative
            _same(array, original[where])


def test_big_endian_rewrite_is_what_torch_reads(tmp_path: Path) -> None:
    """The big-endian rewrite of the test above is a file torch reads to the same values."""
    torch = _torch()
    big = _rewrite(FIXTURES / "tensors.pt", tmp_path / "big.pt", big_endian=True)
    expected = np.load(FIXTURES / "expected.npz")
    for where, array in fixtures.tensors_of(torch, torch.load(big, weights_only=True)).items():
        _same(array, expected[f"tensors.pt:{where}"])
        _same(_by_place(load_torch_zip(big))[where], array)


@pytest.mark.parametrize("compressed", [True, False], ids=["compressed", "unaligned"])
def test_compressed_or_unaligned_members_are_read_not_mapped(
    tmp_path: Path, compressed: bool
) -> None:
    path = tmp_path / "t.pt"
    if compressed:
        _rewrite(FIXTURES / "table.pt", path, compression=zipfile.ZIP_DEFLATED)
    else:  # the first padding that leaves the float32 storage off a multiple of 4 bytes
        for shift in range(4):
            _rewrite(FIXTURES / "table.pt", path, shift=shift)
            if _data_offset(path, "archive/data/0") % 4:
                break
        assert _data_offset(path, "archive/data/0") % 4
    table = load_torch_zip(path).value
    assert isinstance(table, np.ndarray)
    assert not isinstance(table, np.memmap)
    assert table.flags.aligned
    assert not table.flags.writeable
    _same(table, np.load(FIXTURES / "expected.npz")["table.pt:"])


# --- archives assembled by hand: malicious and malformed --------------------------------------


def _global(module: str, name: str) -> bytes:
    return f"c{module}\n{name}\n".encode()


def _tensor(
    storage: str = "FloatStorage",
    key: str = "0",
    numel: int = 4,
    offset: int = 0,
    size: tuple[int, ...] = (2, 2),
    stride: tuple[int, ...] = (2, 1),
) -> bytes:
    """The opcodes torch writes for one tensor (``_rebuild_tensor_v2``)."""
    pid = pickle_tuple(
        pickle_str("storage"),
        _global("torch", storage),
        pickle_str(key),
        pickle_str("cpu"),
        pickle_int(numel),
    )
    return (
        _global("torch._utils", "_rebuild_tensor_v2")
        + pickle_tuple(
            pid + b"Q",
            pickle_int(offset),
            pickle_tuple(*map(pickle_int, size)),
            pickle_tuple(*map(pickle_int, stride)),
            b"\x89",
            _global("collections", "OrderedDict") + b")R",
        )
        + b"R"
    )


def _archive(
    folder: Path,
    body: bytes,
    storages: dict[str, bytes] | None = None,
    records: dict[str, bytes] | None = None,
) -> Path:
    """A torch-like zip whose data.pkl is ``body`` (protocol 2, STOP appended)."""
    path = folder / "t.pt"
    members = {"data.pkl": b"\x80\x02" + body + b".", "byteorder": b"little", "version": b"3\n"}
    members.update(records or {})
    members.update({f"data/{k}": v for k, v in (storages or {}).items()})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if data is not None:
                archive.writestr(f"archive/{name}", data)
    return path


FOUR = {"0": np.arange(4, dtype="<f4").tobytes()}


def test_the_hand_assembly_is_what_torch_reads(tmp_path: Path) -> None:
    """The assembler below writes files torch reads: the refusals test the reader."""
    path = _archive(tmp_path, _tensor(), FOUR)
    _same(load_torch_zip(path).value, np.arange(4, dtype=np.float32).reshape(2, 2))  # type: ignore[arg-type]
    torch = _torch()
    _same(torch.load(path, weights_only=True).numpy(), np.arange(4, dtype=np.float32).reshape(2, 2))


def _call(module: str, name: str, *args: bytes) -> bytes:
    return _global(module, name) + pickle_tuple(*args) + b"R"


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        (lambda m: _call("os", "system", pickle_str(f"touch {m}")), "os.system"),
        (lambda m: _call("posix", "system", pickle_str(f"touch {m}")), "posix.system"),
        (
            lambda m: _call("builtins", "eval", pickle_str(f"open({str(m)!r}, 'w')")),
            "builtins.eval",
        ),
        (lambda m: _call("builtins", "open", pickle_str(str(m)), pickle_str("w")), "builtins.open"),
        (lambda m: _call("subprocess", "Popen", pickle_str(f"touch {m}")), "subprocess.Popen"),
        (lambda m: _call("numpy.core.multiarray", "_reconstruct"), "multiarray._reconstruct"),
        (lambda m: _call("torch", "load", pickle_str(str(m))), "torch.load"),
    ],
    ids=["os.system", "posix.system", "eval", "open", "Popen", "numpy-array", "torch.load"],
)
def test_code_is_refused_by_name_and_never_run(tmp_path: Path, payload: Any, named: str) -> None:
    marker = tmp_path / "ran"
    body = b"}(" + pickle_str("table") + _tensor() + pickle_str("payload") + payload(marker) + b"u"
    path = _archive(tmp_path, body, FOUR)  # {"table": a tensor, "payload": the call}
    message = _refused(path, f"{named})")
    assert "nothing was run" in message
    assert not marker.exists()


def test_a_pickle_cannot_modify_the_stand_ins(tmp_path: Path) -> None:
    build = _global("torch", "FloatStorage") + b"}" + pickle_str("dtype") + pickle_int(1) + b"sb"
    _refused(_archive(tmp_path, build), "data.pkl tries to modify a storage class")
    slots = _global("torch", "float32") + b"N}" + pickle_str("numpy") + b"Ns\x86b"
    _refused(_archive(tmp_path, slots), "data.pkl tries to modify torch.float32")
    good = load_torch_zip(_archive(tmp_path, _tensor(), FOUR)).value  # still intact
    _same(good, np.arange(4, dtype=np.float32).reshape(2, 2))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_global("torch._utils", "_rebuild_tensor_v2"), "holds _rebuild_tensor_v2 where a"),
        (_global("torch", "FloatStorage"), "holds a storage class where a tensor"),
        (
            pickle_tuple(
                pickle_str("storage"),
                _global("torch", "FloatStorage"),
                pickle_str("0"),
                pickle_str("cpu"),
                pickle_int(4),
            )
            + b"Q",
            "holds a storage outside a tensor",
        ),
        (b"]q\x00h\x00a", "a container that contains itself"),
        (b"}" + _global("torch", "float32") + b"K\x01s", "a dict key that is torch.float32"),
        (
            b"}" + pickle_tuple(pickle_str("a"), b"]") + b"K\x01s",
            "data.pkl: TypeError: unhashable type",
        ),
        (b"\x8f", "holds set where a tensor"),
        (
            _call(
                "torch._utils",
                "_rebuild_tensor_v2",
                pickle_int(1),
                pickle_int(0),
                b")",
                b")",
                b"\x89",
                b"N",
            ),
            "a tensor without a storage",
        ),
        (
            _call("torch._utils", "_rebuild_parameter", pickle_int(1), b"\x89", b"N"),
            "a parameter without a tensor",
        ),
        (_global("torch", "float8_e4m3fn"), "torch.float8_e4m3fn data, which numpy cannot"),
        (_global("torch", "QInt8Storage"), "torch.QInt8Storage data, which numpy cannot"),
        (_call("numpy", "dtype", pickle_str("O8"), b"\x89", b"\x88"), "refused a numpy dtype 'O8'"),
        (pickle_tuple(pickle_str("tensor"), pickle_int(4)) + b"Q", "a persistent id"),
        (b"(", "not a readable torch file (data.pkl:"),
        (b"K\x01" * 3 + b"\xff", "not a readable torch file (data.pkl:"),
    ],
    ids=[
        "a-function-as-a-value",
        "a-class-as-a-value",
        "a-bare-storage",
        "a-cycle",
        "a-dtype-as-a-key",
        "a-list-in-a-key",
        "a-set",
        "rebuild-without-storage",
        "parameter-without-tensor",
        "float8",
        "quantized",
        "numpy-object-dtype",
        "not-a-storage-id",
        "truncated-pickle",
        "unknown-opcode",
    ],
)
def test_malformed_pickles(tmp_path: Path, body: bytes, problem: str) -> None:
    _refused(_archive(tmp_path, body, FOUR), problem)


@pytest.mark.parametrize(
    ("tensor", "problem"),
    [
        ({"offset": 1}, "a tensor reaches element 4 of storage 0, which has 4 float32"),
        ({"stride": (3, 1)}, "a tensor reaches element 4"),
        ({"size": (2, 2, 2), "stride": (2, 1, 9)}, "a tensor reaches element 12"),
        ({"stride": (2, -1)}, "a tensor's stride is -1, not a count"),
        ({"size": (2, -2)}, "a tensor's size is -2, not a count"),
        ({"offset": -1}, "a tensor's storage offset is -1"),
        ({"stride": (2,)}, "a tensor whose size and stride do not match"),
        ({"numel": 10**12}, "storage 0 declares 4,000,000,000,000 bytes but its member holds 16"),
        ({"numel": 5}, "storage 0 declares 20 bytes but its member holds 16"),
        ({"key": "7"}, "storage 7 is missing from the zip"),
        ({"storage": "BFloat16Storage", "size": (2, 3), "stride": (3, 1)}, "element 5 of"),
        ({"size": (10**12,), "stride": (0,)}, "a tensor of 1,000,000,000,000 elements needs"),
        ({"size": (1,) * 40, "stride": (1,) * 40}, "a tensor of 40 dimensions"),
    ],
    ids=lambda v: "-".join(map(str, v)) if isinstance(v, dict) else None,
)
def test_out_of_range_tensors(tmp_path: Path, tensor: dict[str, Any], problem: str) -> None:
    _refused(_archive(tmp_path, _tensor(**tensor), FOUR), problem)


def test_an_empty_tensor_may_point_anywhere(tmp_path: Path) -> None:
    """torch checks no bounds for a tensor without elements, and neither does the reader."""
    path = _archive(tmp_path, _tensor(offset=99, size=(0, 5), stride=(5, 1)), FOUR)
    assert load_torch_zip(path).value.shape == (0, 5)  # type: ignore[union-attr]


def test_a_storage_named_again_is_the_first_one(tmp_path: Path) -> None:
    """Like torch: a key read again is the storage first read, dtype and all."""
    again = _tensor(storage="IntStorage", numel=1, size=(4,), stride=(1,))
    path = _archive(tmp_path, pickle_tuple(_tensor(), again), FOUR)
    _, second = load_torch_zip(path).value  # type: ignore[misc]
    _same(second, np.arange(4, dtype=np.float32))
    torch = _torch()
    _same(torch.load(path, weights_only=True)[1].numpy(), np.arange(4, dtype=np.float32))


@pytest.mark.parametrize(
    ("records", "problem"),
    [
        ({"data.pkl": None}, "no archive/data.pkl in the zip: not written by torch.save"),
        ({"data.pkl": None, "constants.pkl": b""}, "a TorchScript archive (torch.jit.save)"),
        ({"version": None}, "no version record"),
        ({"version": b"x\n"}, "the version record is b'x\\n'"),
        ({"version": b"11\n"}, "archive format 11; torch reads formats 1 to 10"),
        ({"byteorder": b"middle"}, "byteorder is b'middle'"),
        ({"byteorder": b"l" * 100}, "byteorder holds 100 bytes"),
    ],
    ids=[
        "no-data.pkl",
        "torchscript",
        "no-version",
        "bad-version",
        "future",
        "byteorder",
        "huge-record",
    ],
)
def test_malformed_archives(tmp_path: Path, records: dict[str, Any], problem: str) -> None:
    _refused(_archive(tmp_path, _tensor(), FOUR, records), problem)


def test_a_missing_byteorder_means_little_endian(tmp_path: Path) -> None:
    path = _archive(tmp_path, _tensor(), FOUR, {"byteorder": None})
    _same(load_torch_zip(path).value, np.arange(4, dtype=np.float32).reshape(2, 2))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"PK\x03\x04 not really a zip", "not a readable torch file (damaged zip"),
        (b"", "not a readable torch file (damaged zip"),
    ],
)
def test_not_a_zip(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "t.pt"
    path.write_bytes(content)
    _refused(path, problem)


def test_a_zip_without_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "t.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "a zip, no tensor")
    _refused(path, "no <archive>/data.pkl in the zip")


def test_a_truncated_file(tmp_path: Path) -> None:
    data = (FIXTURES / "table.pt").read_bytes()
    for cut in [100, len(data) // 2, len(data) - 10]:
        path = tmp_path / f"cut{cut}.pt"
        path.write_bytes(data[:cut])
        _refused(path, "not a readable torch file (damaged zip")


def _data_offset(path: Path, name: str) -> int:
    """Where the bytes of member ``name`` start (after its local header)."""
    with zipfile.ZipFile(path) as archive:
        at = archive.getinfo(name).header_offset
    data = path.read_bytes()
    names, extra = struct.unpack_from("<2H", data, at + 26)
    return at + 30 + names + extra


def _moved_header(source: Path, target: Path, member: str, offset: int) -> Path:
    """``source`` with the central directory's record of ``member`` pointing at ``offset``."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        local = archive.getinfo(member).header_offset
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == member.encode():
            assert struct.unpack_from("<I", data, at + 42)[0] == local
            struct.pack_into("<I", data, at + 42, offset)
        at = data.find(b"PK\x01\x02", at + 4)
    target.write_bytes(bytes(data))
    return target


def test_a_storage_whose_local_header_is_wrong(tmp_path: Path) -> None:
    source = FIXTURES / "table.pt"
    size = source.stat().st_size
    garbage = _moved_header(source, tmp_path / "a.pt", "archive/data/0", size - 40)
    _refused(garbage, "not a readable torch file (archive/data/0 has no local header)")
    with zipfile.ZipFile(source) as archive:
        other = archive.getinfo("archive/version").header_offset
    renamed = _moved_header(source, tmp_path / "b.pt", "archive/data/0", other)
    _refused(renamed, "archive/data/0 is named differently in its local header")


@pytest.mark.parametrize("aligned", [True, False], ids=["mapped", "read"])
def test_a_storage_cut_short(tmp_path: Path, aligned: bool) -> None:
    """A storage member whose bytes end before the central directory says they do (the
    directory moved up to follow the cut), mapped or read."""
    with zipfile.ZipFile(FIXTURES / "table.pt") as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    last = "archive/data/0"
    order = [name for name in members if name != last] + [last]
    for padding in [0, *range(4, 68)]:  # an extra field moves the storage's first byte
        whole = tmp_path / "whole.pt"
        with zipfile.ZipFile(whole, "w") as archive:
            for name in order:
                info = zipfile.ZipInfo(name)
                if name == last and padding:
                    info.extra = b"\xfe\xca" + struct.pack("<H", padding - 4) + bytes(padding - 4)
                archive.writestr(info, members[name])
        start = _data_offset(whole, last)
        if (start % 4 == 0) == aligned:
            break
    assert (start % 4 == 0) == aligned
    data = whole.read_bytes()
    directory = data.index(b"PK\x01\x02")  # the storage is last: the directory follows it
    cut = start + 100
    shortened = bytearray(data[:cut] + data[directory:])
    struct.pack_into("<I", shortened, len(shortened) - 6, cut)  # where the directory now is
    path = tmp_path / "cut.pt"
    path.write_bytes(bytes(shortened))
    _refused(path, "not a readable torch file (archive/data/0 is truncated)")


def test_a_damaged_storage_read_into_memory_fails_its_crc(tmp_path: Path) -> None:
    """(A mapped storage is not checked: that would read it all; torch checks no CRC.)"""
    path = _archive(tmp_path, _tensor(), FOUR)
    data = bytearray(path.read_bytes())
    data[_data_offset(path, "archive/data/0")] ^= 1
    path.write_bytes(bytes(data))
    _refused(path, "not a readable torch file (storage 0: Bad CRC-32 for file 'archive/data/0')")


def test_nesting_deep_enough_to_crash_the_interpreter_is_refused(tmp_path: Path) -> None:
    """A dict key of a million nested tuples crashes CPython's hash (a C recursion): the
    reader refuses it before unpickling. Run apart, so a crash fails only this test."""
    key = b"N" + b"\x85" * 1_000_000  # NONE, then TUPLE1 a million times
    path = _archive(tmp_path, b"}" + key + b"K\x01s", FOUR)
    code = (
        "import sys; from pathlib import Path\n"
        "from gramfix.io.torchzip import load_torch_zip\n"
        "from gramfix.model.errors import InputError\n"
        "try:\n    load_torch_zip(Path(sys.argv[1]))\n"
        "except InputError as error:\n    print(error)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert f"objects nested more than {MAX_DEPTH} deep" in run.stdout


def test_nesting_up_to_the_limit_is_read_and_deeper_refused(tmp_path: Path) -> None:
    value: Any = "leaf"
    body = pickle_str("leaf")
    for _ in range(MAX_DEPTH - 1):
        body = b"]" + body + b"a"  # EMPTY_LIST, item, APPEND
        value = [value]
    assert load_torch_zip(_archive(tmp_path, body)).value == value
    _refused(_archive(tmp_path, b"]" + body + b"a"), f"nested more than {MAX_DEPTH} deep")
