"""Reading ``torch.save`` files into numpy without torch and without running pickled code.

Since torch 1.6, ``torch.save`` writes a zip archive (every member in one folder)::

    <archive>/data.pkl       the pickled object; each tensor storage is a persistent id
    <archive>/data/<key>     the raw bytes of storage <key>: uncompressed, 64-byte aligned
    <archive>/byteorder      "little" or "big" (missing: little, as torch assumes)
    <archive>/version        the archive format (or <archive>/.data/version)

``data.pkl`` is read by an unpickler whose every global is a stand-in of this module:
``torch._utils._rebuild_tensor_v2`` builds a numpy view of the storage (memory-mapped from
the archive when the member is stored uncompressed and aligned), ``collections.OrderedDict``
a dict, numpy scalars plain numbers (`gramfix.io.pickles`). Any other global is refused by
name before anything is called: nothing of the file's choosing runs, and torch is never
imported. The arrays are bit-for-bit what ``torch.load(weights_only=True)`` returns, except
bfloat16, which numpy lacks: widened exactly to float32, with "bfloat16" kept as the dtype.
Storages read into memory have their CRC checked (torch checks none); mapped ones do not,
since that would read the whole table before any check needs it.
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, NoReturn, TypeAlias

import numpy as np
import numpy.typing as npt

from gramfix.io.pickles import NUMPY_STAND_INS, refuse_deep_nesting
from gramfix.io.source import available_memory, describe_os_error, ensure_fits
from gramfix.model.errors import InputError

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
#: Storages smaller than this are read rather than mapped: a map costs a page anyway.
MMAP_MIN_BYTES = mmap.ALLOCATIONGRANULARITY
#: The archive formats torch's reader accepts (caffe2 kMin/kMaxSupportedFileFormatVersion).
_VERSIONS = range(1, 11)
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header
#: torch dtypes and storages numpy has no type for (float8, quantized, sub-byte, complex32).
_NOT_NUMPY = re.compile(r"float[48]_\w+|bits\w+|complex32|u?int[1-7]|q\w+|\w+Storage")


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


def load_torch_zip(path: Path) -> TorchFile:
    """Read a ``torch.save`` zip file; `InputError` (one line naming the file) when it is not
    one, is damaged, or holds anything but tensors, numbers, strings and containers."""
    try:
        handle: BinaryIO = path.open("rb")
    except OSError as error:
        raise InputError(path, describe_os_error(error)) from None
    with handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as error:
            raise InputError(path, f"not a readable torch file (damaged zip: {error})") from None
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None
        with archive:
            try:
                return _Loader(path, handle, archive).load()
            except _Refused as error:
                raise InputError(path, str(error)) from None
            except OSError as error:
                raise InputError(path, describe_os_error(error)) from None


class _Refused(pickle.UnpicklingError):
    """A problem with the file, worded for the user (the message follows "path: ")."""


def _unreadable(why: str) -> NoReturn:
    raise _Refused(f"not a readable torch file ({why})")


# --- what the pickle may name -------------------------------------------------------------


class _Sealed:
    """Base of the objects the unpickler hands out: pickle's BUILD cannot change them."""

    __slots__ = ()
    what: ClassVar[str] = "an object"

    def label(self) -> str:
        return self.what

    def __setstate__(self, state: object) -> None:
        raise _Refused(f"data.pkl tries to modify {self.label()}; refused and nothing was run")


class _DType(_Sealed):
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
        _DType("float16", "<f2"),
        _DType("float32", "<f4"),
        _DType("float64", "<f8"),
        _DType("bfloat16", "<u2"),
        _DType("complex64", "<c8"),
        _DType("complex128", "<c16"),
        _DType("int8", "i1"),
        _DType("int16", "<i2"),
        _DType("int32", "<i4"),
        _DType("int64", "<i8"),
        _DType("uint8", "u1"),
        _DType("uint16", "<u2"),
        _DType("uint32", "<u4"),
        _DType("uint64", "<u8"),
        _DType("bool", "?"),
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


class _StorageType(_Sealed):
    """``torch.FloatStorage`` and the like, or ``torch.UntypedStorage`` (bytes)."""

    __slots__ = ("dtype",)
    what = "a storage class"

    def __init__(self, dtype: _DType) -> None:
        self.dtype = dtype


class _TensorType(_Sealed):
    """``torch.Tensor`` or ``torch.nn.Parameter`` as the type argument of a rebuild."""

    __slots__ = ()
    what = "a tensor class"


class _Tensor(_Sealed):
    """A rebuilt tensor, until the value is handed out."""

    __slots__ = ("array", "dtype")
    what = "a tensor"

    def __init__(self, array: Array, dtype: _DType) -> None:
        self.array = array
        self.dtype = dtype


class _OrderedDict(dict[Any, Any]):
    """``collections.OrderedDict`` (a state dict); BUILD may set its ``_metadata``, dropped."""

    def __setstate__(self, state: object) -> None:
        if state is not None and not isinstance(state, dict):
            raise _Refused("not a readable torch file (an OrderedDict of an unusual form)")


class _StandIn(_Sealed):
    """A function the pickle may call (GLOBAL + REDUCE)."""

    __slots__ = ("call", "name")

    def __init__(self, name: str, call: Any) -> None:
        self.name = name
        self.call = call

    def label(self) -> str:
        return self.name

    def __call__(self, *args: Any) -> Any:
        return self.call(*args)


# --- storages ------------------------------------------------------------------------------


class _Raw:
    """The bytes of one storage record: where they are and how to view them."""

    def __init__(self, loader: _Loader, key: str, member: zipfile.ZipInfo | None, nbytes: int):
        self.loader = loader
        self.key = key
        self.member = member
        self.nbytes = nbytes
        self.offset = loader.data_offset(member, nbytes)  # None: read through zipfile
        self.data: bytes | None = None
        self.views: dict[str, Array] = {}

    def elements(self, dtype: _DType) -> Array:
        """The whole storage as a flat array of ``dtype`` in the file's byte order."""
        form = self.loader.stored(dtype)
        view = self.views.get(form.str)
        if view is not None:
            return view
        count = self.nbytes // form.itemsize
        if (
            self.offset is not None
            and self.offset % form.itemsize == 0
            and self.nbytes >= MMAP_MIN_BYTES
        ):
            view = self.loader.map(form, self.offset, (count,))
        if view is None:
            view = np.frombuffer(self.read(), dtype=form, count=count)
        self.views[form.str] = view
        return view

    def read(self) -> bytes:
        if self.data is None:
            what = f"storage {self.key}"
            if self.member is None:
                self.data = b""
            elif self.offset is None:
                self.data = self.loader.read_member(self.member, self.nbytes, what)
            else:  # stored as is: read in place (zipfile's machinery costs more than the read)
                self.data = self.loader.read_at(self.member, self.offset, self.nbytes, what)
        return self.data


class _Storage(_Sealed):
    """A storage as the pickle references it: the record's bytes seen as one dtype."""

    __slots__ = ("dtype", "raw")
    what = "a storage outside a tensor"

    def __init__(self, raw: _Raw, dtype: _DType) -> None:
        self.raw = raw
        self.dtype = dtype


def _index(value: object, what: str) -> int:
    if type(value) is not int or value < 0:
        _unreadable(f"a tensor's {what} is {value!r}, not a count")
    return value


def _rebuild(
    storage: object, offset: object, size: object, stride: object, metadata: object, dtype: _DType
) -> _Tensor:
    """The tensor ``storage[offset]`` with ``size`` and ``stride`` (in elements), as torch's
    ``Tensor.set_`` builds it, refused when any element falls outside the storage."""
    if not isinstance(storage, _Storage):
        _unreadable("a tensor without a storage")
    start = _index(offset, "storage offset")
    if not isinstance(size, tuple) or not isinstance(stride, tuple) or len(size) != len(stride):
        _unreadable("a tensor whose size and stride do not match")
    shape = tuple(_index(n, "size") for n in size)
    steps = tuple(_index(s, "stride") for s in stride)
    if len(shape) > 32:
        _unreadable(f"a tensor of {len(shape)} dimensions")
    raw = storage.raw
    loader = raw.loader
    elements = raw.elements(dtype)
    count = int(np.prod(shape, dtype=object))
    if count == 0:
        array: Array = np.empty(shape, dtype=elements.dtype)
    else:
        last = start + sum((n - 1) * s for n, s in zip(shape, steps, strict=True))
        if last >= len(elements):
            _unreadable(
                f"a tensor reaches element {last:,} of storage {raw.key}, "
                f"which has {len(elements):,} {dtype.name} elements"
            )
        if count > len(elements):  # zero or overlapping strides repeat elements
            loader.fits(count * elements.itemsize, f"a tensor of {count:,} elements")
        array = _view(elements, start, shape, steps)
    return _Tensor(loader.finish(array, dtype, metadata), dtype)


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
            # file by ``array.offset`` (checks/embeddings.py) need the tensor's own.
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
        _unreadable(f"a tensor numpy cannot view ({error})")


def _rebuild_tensor_v2(
    storage: object,
    offset: object,
    size: object,
    stride: object,
    requires_grad: object,
    hooks: object,
    metadata: object = None,
) -> _Tensor:
    if not isinstance(storage, _Storage):
        _unreadable("a tensor without a storage")
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
) -> _Tensor:
    """Newer dtypes (uint16/32/64 ...): an untyped (byte) storage and the dtype apart."""
    if not isinstance(dtype, _DType):
        _unreadable("a tensor without a dtype")
    return _rebuild(storage, offset, size, stride, metadata, dtype)


def _rebuild_parameter(data: object, *state: object) -> _Tensor:
    """``torch.nn.Parameter``: the tensor itself (its gradient flag and hooks do not matter)."""
    if not isinstance(data, _Tensor):
        _unreadable("a parameter without a tensor")
    return data


def _rebuild_from_type_v2(func: object, new_type: object, args: object, state: object) -> Any:
    """A tensor with Python attributes: rebuilt by ``func`` (one of the rebuilds above)."""
    if not (isinstance(func, _StandIn) and func.call in _REBUILDS):
        _unreadable("a tensor rebuilt by an unexpected function")
    if not isinstance(new_type, _TensorType) or not isinstance(args, tuple):
        _unreadable("a tensor of an unexpected class")
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
    ("torch", "UntypedStorage"): _StorageType(_DTYPES["uint8"]),
    ("torch.storage", "UntypedStorage"): _StorageType(_DTYPES["uint8"]),
    ("collections", "OrderedDict"): _StandIn("collections.OrderedDict", _OrderedDict),
    **{("torch", name): _StorageType(_DTYPES[d]) for name, d in _STORAGE_CLASSES.items()},
    **{("torch", name): dtype for name, dtype in _DTYPES.items()},
    **{key: _StandIn(".".join(key), call) for key, call in NUMPY_STAND_INS.items()},
}


# --- the archive ---------------------------------------------------------------------------


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, loader: _Loader) -> None:
        super().__init__(io.BytesIO(data))
        self.loader = loader

    def find_class(self, module: str, name: str) -> Any:
        stand_in = _GLOBALS.get((module, name))
        if stand_in is not None:
            return stand_in
        if module == "torch" and _NOT_NUMPY.fullmatch(name):
            raise _Refused(
                f"holds torch.{name} data, which numpy cannot represent (save the tensor as "
                "float32 or an integer type)"
            )
        raise _Refused(
            f"holds Python objects other than tensors ({module}.{name}); refused and nothing "
            "was run"
        )

    def persistent_load(self, pid: Any) -> Any:
        return self.loader.storage(pid)


class _Loader:
    """One reading of one archive."""

    def __init__(self, path: Path, handle: BinaryIO, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.handle = handle
        self.archive = archive
        self.size = os.fstat(handle.fileno()).st_size
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.storages: dict[str, _Storage] = {}
        self.prefix = ""
        self.order: str = sys.byteorder
        self.budget = 0.0  # bytes that may still be allocated without asking the system

    def load(self) -> TorchFile:
        self._index()
        pickled = self.members.get(self.prefix + "data.pkl")
        if pickled is None:
            if self.prefix + "constants.pkl" in self.members:
                _unreadable("a TorchScript archive (torch.jit.save), not a torch.save file")
            _unreadable(f"no {self.prefix}data.pkl in the zip: not written by torch.save")
        self._check_version()
        self.order = self._byteorder()
        data = self.read_member(pickled, pickled.file_size, "data.pkl")
        try:
            refuse_deep_nesting(data, MAX_DEPTH)
            value = _Unpickler(data, self).load()
        except _Refused:
            raise
        except pickle.UnpicklingError as error:
            _unreadable(f"data.pkl: {error}; nothing was run")
        except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
            _unreadable(f"data.pkl: {type(error).__name__}: {error}")
        except (OverflowError, struct.error) as error:
            _unreadable(f"data.pkl: {error}")
        except RecursionError:
            _unreadable("data.pkl is nested too deeply")
        except MemoryError:
            _unreadable("data.pkl asks for more memory than exists")
        tensors: list[TorchTensor] = []
        plain = _Plain(tensors).convert(value, "", 0)
        return TorchFile(self.path, plain, tuple(tensors))

    def _index(self) -> None:
        """The members by name, all in one folder as torch's reader requires."""
        infos = self.archive.infolist()
        if not infos:
            _unreadable("an empty zip")
        folder, slash, _ = infos[0].filename.partition("/")
        if not slash:
            _unreadable("no <archive>/data.pkl in the zip: not written by torch.save")
        self.prefix = folder + "/"
        for info in infos:
            if info.filename in self.members:
                _unreadable(f"two zip members named {info.filename}")
            self.members[info.filename] = info

    def _record(self, name: str, limit: int = 64) -> bytes | None:
        info = self.members.get(self.prefix + name)
        if info is None:
            return None
        if info.file_size > limit:
            _unreadable(f"{name} holds {info.file_size:,} bytes")
        return self.read_member(info, info.file_size, name)

    def _check_version(self) -> None:
        text = self._record(".data/version")
        if text is None:
            text = self._record("version")
        if text is None:
            _unreadable("no version record in the zip")
        try:
            version = int(text.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            _unreadable(f"the version record is {text[:20]!r}")
        if version not in _VERSIONS:
            _unreadable(f"archive format {version}; torch reads formats 1 to 10")

    def _byteorder(self) -> str:
        order = self._record("byteorder")
        if order is None:
            return "little"  # written before torch recorded it: always little-endian
        if order not in (b"little", b"big"):
            _unreadable(f"byteorder is {order[:20]!r}")
        return order.decode()

    def fits(self, needed: int, what: str) -> None:
        """Refuse, rather than swap, an allocation the system has no memory for. The system
        is asked again only once the allocations since its last answer could exhaust it
        (asking costs more than reading a small storage)."""
        if needed > self.budget:
            try:
                ensure_fits(self.path, needed, what)
            except InputError as error:
                raise _Refused(error.problem) from None
            free = available_memory()
            self.budget = float("inf") if free is None else free
        self.budget -= needed

    def read_at(self, info: zipfile.ZipInfo, offset: int, nbytes: int, what: str) -> bytes:
        """The first ``nbytes`` of a stored member from its data offset; a whole member's
        CRC checked as zipfile would."""
        self.fits(nbytes, f"reading {what}")
        self.handle.seek(offset)
        data = self.handle.read(nbytes)
        if len(data) != nbytes:
            _unreadable(f"{what} is truncated")
        if nbytes == info.file_size and zlib.crc32(data) != info.CRC:
            _unreadable(f"{what}: Bad CRC-32 for file {info.filename!r}")
        return data

    def read_member(self, info: zipfile.ZipInfo, nbytes: int, what: str) -> bytes:
        """The first ``nbytes`` of a member (all of it: its CRC is checked)."""
        if info.file_size < nbytes:
            _unreadable(f"{what} holds {info.file_size:,} bytes where {nbytes:,} are declared")
        self.fits(nbytes, f"reading {what}")
        try:
            with self.archive.open(info) as member:
                data = member.read(nbytes)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            _unreadable(f"{what}: {error}")
        except RuntimeError as error:  # an encrypted member
            _unreadable(f"{what}: {error}")
        if len(data) != nbytes:
            _unreadable(f"{what} is truncated")
        return data

    def storage(self, pid: object) -> _Storage:
        """``persistent_load``: ('storage', storage type, key, location, number of elements)."""
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] in ("storage", b"storage")):
            _unreadable(f"a persistent id {str(pid)[:60]} that is not a storage")
        _, kind, key, location, count = pid
        if isinstance(key, bytes):
            key = key.decode("ascii", "replace")
        if not isinstance(kind, _StorageType) or not isinstance(key, str):
            _unreadable("a storage of an unexpected form")
        if not isinstance(location, (str, bytes)):
            _unreadable("a storage without a device")
        storage = self.storages.get(key)
        if storage is None:  # like torch: a key read again is the first storage (its dtype too)
            nbytes = _index(count, "storage size") * kind.dtype.numpy.itemsize
            member = self.members.get(f"{self.prefix}data/{key}")
            if member is None and nbytes:
                _unreadable(f"storage {key} is missing from the zip")
            if member is not None and member.file_size < nbytes:
                _unreadable(
                    f"storage {key} declares {nbytes:,} bytes but its member holds "
                    f"{member.file_size:,}"
                )
            storage = _Storage(_Raw(self, key, member, nbytes), kind.dtype)
            self.storages[key] = storage
        return storage

    def data_offset(self, info: zipfile.ZipInfo | None, nbytes: int) -> int | None:
        """Where the member's bytes start in the file, when they are stored as they are."""
        if info is None:
            return None
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 1:
            return None  # compressed or encrypted: read through zipfile
        self.handle.seek(info.header_offset)
        header = self.handle.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size:
            _unreadable(f"{info.filename} starts past the end of the file")
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != b"PK\x03\x04":
            _unreadable(f"{info.filename} has no local header")
        name = self.handle.read(fields[10])
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if name.decode(encoding, "replace") != info.orig_filename:
            _unreadable(f"{info.filename} is named differently in its local header")
        start: int = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
        # The central directory follows the members: bytes reaching into it (or past the
        # end) belong to no member, and a map would not notice (no CRC is checked there).
        if start + nbytes > min(self.size, self.archive.start_dir):
            _unreadable(f"{info.filename} is truncated")
        return start

    def map(self, form: np.dtype[Any], offset: int, shape: tuple[int, ...]) -> Array | None:
        """A read-only memory map of the file, or None when the system refuses one."""
        try:
            mapped: Array = np.memmap(self.path, dtype=form, mode="r", offset=offset, shape=shape)
        except (OSError, ValueError):
            return None
        return mapped

    def stored(self, dtype: _DType) -> np.dtype[Any]:
        """The numpy dtype of the bytes as they are in the file."""
        form: np.dtype[Any] = dtype.numpy.newbyteorder(">" if self.order == "big" else "<")
        return form

    def finish(self, array: Array, dtype: _DType, metadata: object) -> Array:
        """Native byte order, bfloat16 widened, torch's conjugate and negative bits applied."""
        flags: dict[str, bool] = {}
        if metadata is not None:
            if not isinstance(metadata, dict) or any(
                k not in ("conj", "neg") or type(v) is not bool for k, v in metadata.items()
            ):
                _unreadable(f"tensor metadata {str(metadata)[:60]}")
            flags = metadata
        if dtype.name == "bfloat16":  # the high half of a float32: exact
            self.fits(array.size * 4, "widening a bfloat16 tensor")
            wide = array.astype(np.uint32)
            wide <<= np.uint32(16)
            array = wide.view(np.float32)
        elif not array.dtype.isnative:  # torch byte-swaps such files as it loads them
            self.fits(array.size * array.itemsize, "byte-swapping a big-endian tensor")
            array = array.astype(array.dtype.newbyteorder("="))
        if flags.get("neg"):  # (asarray: a ufunc makes a 0-d array a scalar)
            array = np.asarray(np.negative(array))
        if flags.get("conj"):
            array = np.asarray(np.conj(array))
        if array.flags.writeable and not isinstance(array, np.memmap):
            array.flags.writeable = False  # the file's values, as the maps are
        return array


# --- handing the value out ---------------------------------------------------------------


class _Plain:
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
        if isinstance(value, _Tensor):
            self.tensors.append(TorchTensor(where, value.dtype.name, value.array))
            self.done[id(value)] = value.array
            return value.array
        if kind not in (dict, _OrderedDict, list, tuple):
            label = value.label() if isinstance(value, _Sealed) else kind.__name__
            _unreadable(f"holds {label} where a tensor, number, string or container belongs")
        if depth >= MAX_DEPTH:
            _unreadable(f"containers nested more than {MAX_DEPTH} deep")
        if id(value) in self.open:
            _unreadable("a container that contains itself")
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
        label = key.label() if isinstance(key, _Sealed) else type(key).__name__
        _unreadable(f"a dict key that is {label}")
