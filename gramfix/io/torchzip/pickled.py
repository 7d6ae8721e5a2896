"""What ``data.pkl`` may name, and the value it builds handed out as plain data.

Every global the unpickler admits is a stand-in of this module: torch's tensor rebuilds
(a numpy view of a storage), its storage and tensor classes, its dtypes, an ordered dict,
numpy scalars (`gramfix.io.pickles`). Any other global is refused by name before anything
is called. The stand-ins are sealed: pickle's BUILD cannot change them.
"""

from __future__ import annotations

import io
import pickle
import re
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import numpy as np

from gramfix.io.pickles import NUMPY_STAND_INS
from gramfix.io.torchzip.content import MAX_DEPTH, Array, TorchTensor, TorchValue

if TYPE_CHECKING:
    from gramfix.io.torchzip.archive import Loader, Raw

#: torch dtypes and storages numpy has no type for (float8, quantized, sub-byte, complex32).
_NOT_NUMPY = re.compile(r"float[48]_\w+|bits\w+|complex32|u?int[1-7]|q\w+|\w+Storage")


class Refused(pickle.UnpicklingError):
    """A problem with the file, worded for the user (the message follows "path: ")."""


def unreadable(why: str) -> NoReturn:
    raise Refused(f"not a readable torch file ({why})")


class Sealed:
    """Base of the objects the unpickler hands out: pickle's BUILD cannot change them."""

    __slots__ = ()
    what: ClassVar[str] = "an object"

    def label(self) -> str:
        return self.what

    def __setstate__(self, state: object) -> None:
        raise Refused(f"data.pkl tries to modify {self.label()}; refused and nothing was run")


class DType(Sealed):
    """A torch dtype: its numpy form (bfloat16 as its raw 16 bits) and its torch name."""

    __slots__ = ("name", "numpy")

    def __init__(self, name: str, numpy: str) -> None:
        self.name = name
        self.numpy = np.dtype(numpy)

    def label(self) -> str:
        return f"torch.{self.name}"


_DTYPES = {
    d.name: d
    for d in [
        DType("float16", "<f2"),
        DType("float32", "<f4"),
        DType("float64", "<f8"),
        DType("bfloat16", "<u2"),
        DType("complex64", "<c8"),
        DType("complex128", "<c16"),
        DType("int8", "i1"),
        DType("int16", "<i2"),
        DType("int32", "<i4"),
        DType("int64", "<i8"),
        DType("uint8", "u1"),
        DType("uint16", "<u2"),
        DType("uint32", "<u4"),
        DType("uint64", "<u8"),
        DType("bool", "?"),
    ]
}


#: The typed storage classes of torch's pickles (``torch.FloatStorage`` ...) and their dtypes.
_STORAGE_CLASSES = {
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128",
    "CharStorage": "int8",
    "ShortStorage": "int16",
    "IntStorage": "int32",
    "LongStorage": "int64",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
}


class StorageType(Sealed):
    """``torch.FloatStorage`` and the like, or ``torch.UntypedStorage`` (bytes)."""

    __slots__ = ("dtype",)
    what = "a storage class"

    def __init__(self, dtype: DType) -> None:
        self.dtype = dtype


class _TensorType(Sealed):
    """``torch.Tensor`` or ``torch.nn.Parameter`` as the type argument of a rebuild."""

    __slots__ = ()
    what = "a tensor class"


class Tensor(Sealed):
    """A rebuilt tensor, until the value is handed out."""

    __slots__ = ("array", "dtype")
    what = "a tensor"

    def __init__(self, array: Array, dtype: DType) -> None:
        self.array = array
        self.dtype = dtype


class _OrderedDict(dict[Any, Any]):
    """``collections.OrderedDict`` (a state dict); BUILD may set its ``_metadata``, dropped."""

    def __setstate__(self, state: object) -> None:
        if state is not None and not isinstance(state, dict):
            raise Refused("not a readable torch file (an OrderedDict of an unusual form)")


class _StandIn(Sealed):
    """A function the pickle may call (GLOBAL + REDUCE)."""

    __slots__ = ("call", "name")

    def __init__(self, name: str, call: Any) -> None:
        self.name = name
        self.call = call

    def label(self) -> str:
        return self.name

    def __call__(self, *args: Any) -> Any:
        return self.call(*args)


class Storage(Sealed):
    """A storage as the pickle references it: the record's bytes seen as one dtype."""

    __slots__ = ("dtype", "raw")
    what = "a storage outside a tensor"

    def __init__(self, raw: Raw, dtype: DType) -> None:
        self.raw = raw
        self.dtype = dtype


def index(value: object, what: str) -> int:
    if type(value) is not int or value < 0:
        unreadable(f"a tensor's {what} is {value!r}, not a count")
    return value


def _rebuild(
    storage: object, offset: object, size: object, stride: object, metadata: object, dtype: DType
) -> Tensor:
    """The tensor ``storage[offset]`` with ``size`` and ``stride`` (in elements), as torch's
    ``Tensor.set_`` builds it, refused when any element falls outside the storage."""
    if not isinstance(storage, Storage):
        unreadable("a tensor without a storage")
    start = index(offset, "storage offset")
    if not isinstance(size, tuple) or not isinstance(stride, tuple) or len(size) != len(stride):
        unreadable("a tensor whose size and stride do not match")
    shape = tuple(index(n, "size") for n in size)
    steps = tuple(index(s, "stride") for s in stride)
    if len(shape) > 32:
        unreadable(f"a tensor of {len(shape)} dimensions")
    raw = storage.raw
    loader = raw.loader
    elements = raw.elements(dtype)
    count = int(np.prod(shape, dtype=object))
    if count == 0:
        array: Array = np.empty(shape, dtype=elements.dtype)
    else:
        last = start + sum((n - 1) * s for n, s in zip(shape, steps, strict=True))
        if last >= len(elements):
            unreadable(
                f"a tensor reaches element {last:,} of storage {raw.key}, "
                f"which has {len(elements):,} {dtype.name} elements"
            )
        if count > len(elements):  # zero or overlapping strides repeat elements
            loader.fits(count * elements.itemsize, f"a tensor of {count:,} elements")
        array = _view(elements, start, shape, steps)
    return Tensor(loader.finish(array, dtype, metadata), dtype)


def _view(elements: Array, start: int, shape: tuple[int, ...], steps: tuple[int, ...]) -> Array:
    """The tensor's elements of the storage (bounds checked by the caller)."""
    size = elements.itemsize
    contiguous = all(
        s == int(np.prod(shape[i + 1 :], dtype=object))
        for i, (n, s) in enumerate(zip(shape, steps, strict=True))
        if n != 1
    )
    if contiguous and isinstance(elements, np.memmap):
        count = int(np.prod(shape, dtype=object))
        mapped = elements[start : start + count].reshape(shape)
        if isinstance(mapped, np.memmap):
            # A slice of a memmap keeps the map's offset; readers that go back to the
            # file by ``array.offset`` (checks/table_scan.py) need the tensor's own.
            mapped.offset = elements.offset + start * size
            return mapped
    try:
        return np.lib.stride_tricks.as_strided(
            elements[start:],
            shape=shape,
            strides=tuple(s * size for s in steps),
            writeable=False,
        )
    except ValueError as error:  # numpy's limits (dimensions, sizes)
        unreadable(f"a tensor numpy cannot view ({error})")


def _rebuild_tensor_v2(
    storage: object,
    offset: object,
    size: object,
    stride: object,
    requires_grad: object,
    hooks: object,
    metadata: object = None,
) -> Tensor:
    if not isinstance(storage, Storage):
        unreadable("a tensor without a storage")
    return _rebuild(storage, offset, size, stride, metadata, storage.dtype)


def _rebuild_tensor_v3(
    storage: object,
    offset: object,
    size: object,
    stride: object,
    requires_grad: object,
    hooks: object,
    dtype: object,
    metadata: object = None,
) -> Tensor:
    """Newer dtypes (uint16/32/64 ...): an untyped (byte) storage and the dtype apart."""
    if not isinstance(dtype, DType):
        unreadable("a tensor without a dtype")
    return _rebuild(storage, offset, size, stride, metadata, dtype)


def _rebuild_parameter(data: object, *state: object) -> Tensor:
    """``torch.nn.Parameter``: the tensor itself (its gradient flag and hooks do not matter)."""
    if not isinstance(data, Tensor):
        unreadable("a parameter without a tensor")
    return data


def _rebuild_from_type_v2(func: object, new_type: object, args: object, state: object) -> Any:
    """A tensor with Python attributes: rebuilt by ``func`` (one of the rebuilds above)."""
    if not (isinstance(func, _StandIn) and func.call in _REBUILDS):
        unreadable("a tensor rebuilt by an unexpected function")
    if not isinstance(new_type, _TensorType) or not isinstance(args, tuple):
        unreadable("a tensor of an unexpected class")
    return func(*args)


_REBUILDS = (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter)


_GLOBALS: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _StandIn("_rebuild_tensor_v2", _rebuild_tensor_v2),
    ("torch._utils", "_rebuild_tensor_v3"): _StandIn("_rebuild_tensor_v3", _rebuild_tensor_v3),
    ("torch._utils", "_rebuild_parameter"): _StandIn("_rebuild_parameter", _rebuild_parameter),
    ("torch._utils", "_rebuild_parameter_with_state"): _StandIn(
        "_rebuild_parameter_with_state", _rebuild_parameter
    ),
    ("torch._tensor", "_rebuild_from_type_v2"): _StandIn(
        "_rebuild_from_type_v2", _rebuild_from_type_v2
    ),
    ("torch", "Tensor"): _TensorType(),
    ("torch.nn.parameter", "Parameter"): _TensorType(),
    ("torch", "UntypedStorage"): StorageType(_DTYPES["uint8"]),
    ("torch.storage", "UntypedStorage"): StorageType(_DTYPES["uint8"]),
    ("collections", "OrderedDict"): _StandIn("collections.OrderedDict", _OrderedDict),
    **{("torch", name): StorageType(_DTYPES[d]) for name, d in _STORAGE_CLASSES.items()},
    **{("torch", name): dtype for name, dtype in _DTYPES.items()},
    **{key: _StandIn(".".join(key), call) for key, call in NUMPY_STAND_INS.items()},
}


class Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, loader: Loader) -> None:
        super().__init__(io.BytesIO(data))
        self.loader = loader

    def find_class(self, module: str, name: str) -> Any:
        stand_in = _GLOBALS.get((module, name))
        if stand_in is not None:
            return stand_in
        if module == "torch" and _NOT_NUMPY.fullmatch(name):
            raise Refused(
                f"holds torch.{name} data, which numpy cannot represent (save the tensor as "
                "float32 or an integer type)"
            )
        raise Refused(
            f"holds Python objects other than tensors ({module}.{name}); refused and nothing "
            "was run"
        )

    def persistent_load(self, pid: Any) -> Any:
        return self.loader.storage(pid)


class Plain:
    """The unpickled value with plain containers and numpy arrays, checked to hold nothing
    else and to contain no cycle; shared parts stay shared (converted once)."""

    def __init__(self, tensors: list[TorchTensor]) -> None:
        self.tensors = tensors
        self.done: dict[int, TorchValue] = {}
        self.open: set[int] = set()

    def convert(self, value: object, where: str, depth: int) -> TorchValue:
        kind = type(value)
        if value is None or kind in (bool, int, float, str, bytes):
            return value  # type: ignore[return-value]
        if id(value) in self.done:
            return self.done[id(value)]
        if isinstance(value, Tensor):
            self.tensors.append(TorchTensor(where, value.dtype.name, value.array))
            self.done[id(value)] = value.array
            return value.array
        if kind not in (dict, _OrderedDict, list, tuple):
            label = value.label() if isinstance(value, Sealed) else kind.__name__
            unreadable(f"holds {label} where a tensor, number, string or container belongs")
        if depth >= MAX_DEPTH:
            unreadable(f"containers nested more than {MAX_DEPTH} deep")
        if id(value) in self.open:
            unreadable("a container that contains itself")
        self.open.add(id(value))
        result: TorchValue
        if isinstance(value, dict):
            for key in value:
                self._key(key)
            result = {
                k: self.convert(v, f"{where}.{k}" if where else str(k), depth + 1)
                for k, v in value.items()
            }
        else:
            assert isinstance(value, (list, tuple))
            items = [self.convert(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
            result = items if kind is list else tuple(items)
        self.open.discard(id(value))
        self.done[id(value)] = result
        return result

    def _key(self, key: object) -> None:
        """Keys are plain values or tuples of them (nested no deeper than the pickle allows)."""
        if key is None or type(key) in (bool, int, float, str, bytes):
            return
        if type(key) is tuple:
            for part in key:
                self._key(part)
            return
        label = key.label() if isinstance(key, Sealed) else type(key).__name__
        unreadable(f"a dict key that is {label}")
