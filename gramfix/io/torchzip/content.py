"""What a ``torch.save`` file holds once read: plain values, containers and numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

Array: TypeAlias = npt.NDArray[Any]


#: What a torch file may hold here: plain values and containers, tensors as numpy arrays.
TorchValue: TypeAlias = (
    bool
    | int
    | float
    | str
    | bytes
    | Array
    | list["TorchValue"]
    | tuple["TorchValue", ...]
    | dict[Any, "TorchValue"]
    | None
)

#: Containers nested deeper are refused (a LightGCN checkpoint nests three levels).
MAX_DEPTH = 100


@dataclass(frozen=True)
class TorchTensor:
    """One tensor of the file."""

    where: str  # its place in the value: "" (the value itself), "model.weight", "[0]"
    dtype: str  # torch's dtype as stored: "float32", "bfloat16", "int64" ...
    array: Array

    @property
    def widened(self) -> bool:
        """True when the array is wider than the stored values (bfloat16 -> float32)."""
        return self.dtype == "bfloat16"


@dataclass(frozen=True)
class TorchFile:
    """The content of a ``torch.save`` file."""

    path: Path
    value: TorchValue
    tensors: tuple[TorchTensor, ...]  # every tensor once, in the order first reached

    def dtype_of(self, array: object) -> str:
        """The stored dtype of one of this file's arrays (the very object, not a copy)."""
        for tensor in self.tensors:
            if tensor.array is array:
                return tensor.dtype
        raise KeyError("not an array of this file")


def number(value: TorchValue) -> int | float | None:
    """A scalar field as a Python number: an int or a float (numpy scalars arrive as such)
    or a 0-d numeric tensor; None for anything else (bool included)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        item: int | float = value.item()
        return item
    return None
