"""Reading the GRAM-C embedding table (``gcn_item_embeddings.npy`` or ``.pt``) without running code.

* ``.npy``: numpy with ``allow_pickle=False``, memory-mapped, so the rows stay on disk until a
  check reads them and an object array (which would need pickle) is refused.
* ``.pt`` in torch's zip format (every ``torch.save`` since torch 1.6): `gramfix.io.torchzip`,
  which reads tensors and plain containers into numpy without torch and refuses anything
  else without running it; memory-mapped where the archive allows. bfloat16 is widened to
  float32 (its dtype still reported as bfloat16).
* ``.pt`` in the legacy format (torch < 1.6, or ``_use_new_zipfile_serialization=False``):
  ``torch.load(weights_only=True)`` -- torch's own restricted unpickler -- when torch is
  installed (the ``gramfix[torch]`` extra, imported here and nowhere else); without it the
  table is `TableUnavailable` and the report says how to make it readable.

The format is recognised by the file's first bytes, not its name.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from gramfix.io.source import describe_os_error, open_input
from gramfix.model.errors import InputError

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTOCOL = b"\x80"
TORCH_HINT = "pip install 'gramfix[torch]'"


@dataclass(frozen=True)
class EmbeddingTable:
    """The table as an array (a read-only memory map where possible)."""

    path: Path
    format: Literal["npy", "pt"]
    array: npt.NDArray[Any]
    dtype: str  # as stored: "float32", "bfloat16", ...
    container_key: str | None = None  # where in a .pt container the tensor was found


@dataclass(frozen=True)
class TableUnavailable:
    """A table that exists but cannot be read here (torch is not installed)."""

    path: Path
    reason: str


def read_embeddings(path: Path) -> EmbeddingTable | TableUnavailable:
    """Read an embedding table; `InputError` when the file is not a loadable table."""
    with open_input(path) as handle:
        try:
            head = handle.read(8)
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None
    if head.startswith(_NPY_MAGIC):
        return _read_npy(path)
    if head.startswith(_ZIP_MAGIC):
        return _read_torch_zip(path)
    if head.startswith(_PICKLE_PROTOCOL):
        return _read_torch_legacy(path)
    if not head:
        raise InputError(path, "the embedding file is empty")
    raise InputError(path, "neither a .npy array nor a torch.save file")


def _read_npy(path: Path) -> EmbeddingTable:
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as error:
        text = str(error)
        if "allow_pickle" in text or "Python objects" in text:
            raise InputError(
                path, "holds Python objects (an object array needs pickle): refused, nothing run"
            ) from None
        raise InputError(path, f"not a readable .npy file ({text})") from None
    except OSError as error:
        raise InputError(path, describe_os_error(error)) from None
    if not isinstance(array, np.ndarray):
        raise InputError(path, "not a single .npy array")
    return EmbeddingTable(path=path, format="npy", array=array, dtype=str(array.dtype))


def _read_torch_zip(path: Path) -> EmbeddingTable:
    from gramfix.io.torchzip import load_torch_zip

    loaded = load_torch_zip(path)
    array, key = _the_tensor(path, loaded.value, lambda v: isinstance(v, np.ndarray))
    return EmbeddingTable(
        path=path, format="pt", array=array, dtype=loaded.dtype_of(array), container_key=key
    )


def _read_torch_legacy(path: Path) -> EmbeddingTable | TableUnavailable:
    import zipfile

    try:
        import torch
    except ImportError:
        return TableUnavailable(
            path,
            "a legacy (pre-1.6, not zip) torch file, which only torch reads safely: re-save "
            f"it with torch.save or as .npy, or {TORCH_HINT}",
        )
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        named = re.search(r"GLOBAL ([\w.]+)", str(error))
        what = f" ({named.group(1)})" if named else ""
        raise InputError(
            path,
            f"holds Python objects other than tensors{what}; torch.load(weights_only=True) "
            "refused it and nothing was run",
        ) from None
    except (RuntimeError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise InputError(path, f"not a readable torch file ({type(error).__name__})") from None
    except OSError as error:
        raise InputError(path, describe_os_error(error)) from None
    tensor, key = _the_tensor(path, loaded, lambda v: isinstance(v, torch.Tensor))
    tensor = tensor.detach()
    dtype = str(tensor.dtype).removeprefix("torch.")
    if tensor.dtype == torch.bfloat16:  # numpy has no bfloat16
        tensor = tensor.float()
    try:
        array = tensor.numpy()
    except (TypeError, RuntimeError):
        raise InputError(path, f"a {dtype} tensor that numpy cannot represent") from None
    return EmbeddingTable(path=path, format="pt", array=array, dtype=dtype, container_key=key)


def _the_tensor(
    path: Path, loaded: Any, is_tensor: Callable[[Any], bool]
) -> tuple[Any, str | None]:
    """The one tensor of the file (a torch tensor or, read without torch, a numpy array):
    a bare tensor, or the only (item) matrix of a container."""
    if is_tensor(loaded):
        return loaded, None
    found: dict[str, Any] = {}

    def visit(value: Any, name: str, depth: int) -> None:
        if is_tensor(value):
            found[name] = value
        elif depth < 2 and isinstance(value, dict):
            for k, v in value.items():
                visit(v, f"{name}.{k}" if name else str(k), depth + 1)
        elif depth < 2 and isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                visit(v, f"{name}[{i}]", depth + 1)

    visit(loaded, "", 0)
    matrices = {k: v for k, v in found.items() if len(v.shape) == 2}
    if len(matrices) > 1:
        items = {k: v for k, v in matrices.items() if "item" in k.lower()}
        matrices = items or matrices
    if len(matrices) == 1:
        name, tensor = next(iter(matrices.items()))
        return tensor, name
    if not found:
        raise InputError(path, f"holds {type(loaded).__name__}, not a tensor")
    names = ", ".join(sorted(matrices or found)[:5])
    raise InputError(path, f"holds several tensors ({names}); save the item table alone")


def row_blocks(array: npt.NDArray[Any], step: int) -> Iterator[tuple[int, npt.NDArray[Any]]]:
    """Consecutive blocks of rows. A memory-mapped ``.npy`` is read with plain file reads,
    so the pass leaves the table in the page cache, not in the process's memory."""
    rows, dim = array.shape
    filename = getattr(array, "filename", None)
    if isinstance(array, np.memmap) and filename and array.flags.c_contiguous:
        row_bytes = dim * array.dtype.itemsize
        with open(filename, "rb") as handle:
            for start in range(0, rows, step):
                count = min(step, rows - start)
                handle.seek(array.offset + start * row_bytes)
                block = np.fromfile(handle, dtype=array.dtype, count=count * dim)
                yield start, block.reshape(count, dim)
        return
    for start in range(0, rows, step):
        yield start, np.ascontiguousarray(array[start : start + step])
