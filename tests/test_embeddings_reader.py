"""The embedding-table reader: .npy memory-mapped without pickle, .pt (zip) without torch,
legacy .pt only through torch's restricted loader, and nothing in any of them ever run."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gramfix.io.embeddings import EmbeddingTable, TableUnavailable, read_embeddings
from gramfix.model.errors import InputError
from tests.fixtures.torchsave.make import HERE as FIXTURES


def _npy(tmp_path: Path, array: Any, name: str = "t.npy") -> Path:
    path = tmp_path / name
    np.save(path, array, allow_pickle=True)
    return path


def test_npy_is_memory_mapped(tmp_path: Path) -> None:
    table = read_embeddings(_npy(tmp_path, np.arange(12, dtype=np.float32).reshape(4, 3)))
    assert isinstance(table, EmbeddingTable)
    assert table.format == "npy"
    assert table.dtype == "float32"
    assert isinstance(table.array, np.memmap)
    assert table.array.shape == (4, 3)


def test_format_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    path = _npy(tmp_path, np.zeros((2, 2), np.float32), "t.npy")
    renamed = path.rename(tmp_path / "gcn_item_embeddings.pt")
    table = read_embeddings(renamed)
    assert isinstance(table, EmbeddingTable)
    assert table.format == "npy"


def test_object_npy_is_refused_without_unpickling(tmp_path: Path) -> None:
    path = _npy(tmp_path, np.array([_Evil()], dtype=object))
    with pytest.raises(InputError, match="Python objects"):
        read_embeddings(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"hello world", "neither a .npy array nor a torch.save file"),
        (b"\x93NUMPY\x01\x00garbage", "not a readable .npy file"),
    ],
)
def test_unreadable_tables(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "t.npy"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        read_embeddings(path)


def test_truncated_npy(tmp_path: Path) -> None:
    path = _npy(tmp_path, np.ones((100, 8), np.float32))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(InputError, match=r"not a readable \.npy file"):
        read_embeddings(path)


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (print, ("pwned",))


def test_legacy_pt_without_torch_is_unavailable_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "gcn_item_embeddings.pt"
    path.write_bytes((FIXTURES / "legacy.pt").read_bytes())  # torch < 1.6: a bare pickle
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    table = read_embeddings(path)
    assert isinstance(table, TableUnavailable)
    assert table.reason == (
        "a legacy (pre-1.6, not zip) torch file, which only torch reads safely: re-save it "
        "with torch.save or as .npy, or pip install 'gramfix[torch]'"
    )


def test_legacy_pt_is_read_with_torch() -> None:
    torch = pytest.importorskip("torch")
    table = read_embeddings(FIXTURES / "legacy.pt")
    assert isinstance(table, EmbeddingTable)
    assert (table.format, table.dtype) == ("pt", "float32")
    assert np.array_equal(table.array, torch.eye(3, 2).numpy())


def test_zip_pt_is_read_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    table = read_embeddings(FIXTURES / "table.pt")
    assert isinstance(table, EmbeddingTable)
    assert (table.format, table.dtype, table.container_key) == ("pt", "float32", None)
    assert isinstance(table.array, np.memmap)
    assert np.array_equal(table.array, np.load(FIXTURES / "expected.npz")["table.pt:"])


def test_zip_pt_containers_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checkpoint holds two matrices; the item one is the table."""
    monkeypatch.setitem(sys.modules, "torch", None)
    table = read_embeddings(FIXTURES / "checkpoint.pt")
    assert isinstance(table, EmbeddingTable)
    assert table.container_key == "model_state_dict.embedding_item.weight"
    assert table.array.shape == (9, 4)
    with pytest.raises(InputError, match=r"several tensors \(bfloat16, empty, float16"):
        read_embeddings(FIXTURES / "tensors.pt")


def test_pt_tensor_is_read_memory_mapped(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "gcn_item_embeddings.pt"
    torch.save(torch.arange(12, dtype=torch.float32).reshape(4, 3), path)
    table = read_embeddings(path)
    assert isinstance(table, EmbeddingTable)
    assert (table.format, table.dtype, table.container_key) == ("pt", "float32", None)
    assert np.array_equal(table.array, np.arange(12, dtype=np.float32).reshape(4, 3))


def test_pt_bfloat16_and_containers(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "t.pt"
    torch.save(
        {"user_emb": torch.zeros(3, 2), "item_emb": torch.ones(5, 2, dtype=torch.bfloat16)}, path
    )
    table = read_embeddings(path)
    assert isinstance(table, EmbeddingTable)
    assert (table.dtype, table.container_key, table.array.shape) == ("bfloat16", "item_emb", (5, 2))
    assert table.array.dtype == np.float32


def test_pt_with_several_candidate_tensors_is_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "t.pt"
    torch.save({"a": torch.zeros(3, 2), "b": torch.ones(5, 2)}, path)
    with pytest.raises(InputError, match="several tensors"):
        read_embeddings(path)


def test_pt_holding_code_is_refused_and_never_run(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    marker = tmp_path / "ran"
    path = tmp_path / "t.pt"
    torch.save({"table": torch.zeros(2, 2), "payload": _Touch(str(marker))}, path)
    with pytest.raises(InputError, match="nothing was run"):
        read_embeddings(path)
    assert not marker.exists()


def test_plain_pickle_posing_as_pt_is_never_run(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    marker = tmp_path / "ran"
    path = tmp_path / "t.pt"
    path.write_bytes(pickle.dumps(_Touch(str(marker)), protocol=2))
    with pytest.raises(InputError):
        read_embeddings(path)
    assert not marker.exists()


class _Touch:
    """Unpickling this creates a file: the proof that code ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.path, "w"))
