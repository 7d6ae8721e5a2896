"""One reading of a ``torch.save`` zip archive: its members, records and storages.

Storages stored uncompressed and aligned are memory-mapped from the archive; others are
read into memory with their CRC checked. Every allocation is weighed against the memory
the system has (refused rather than swapped).
"""

from __future__ import annotations

import mmap
import os
import pickle
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from gramfix.io.pickles import refuse_deep_nesting
from gramfix.io.source import available_memory, ensure_fits
from gramfix.io.torchzip.content import MAX_DEPTH, Array, TorchFile, TorchTensor
from gramfix.io.torchzip.pickled import (
    DType,
    Plain,
    Refused,
    Storage,
    StorageType,
    Unpickler,
    index,
    unreadable,
)
from gramfix.model.errors import InputError

#: Storages smaller than this are read rather than mapped: a map costs a page anyway.
MMAP_MIN_BYTES = mmap.ALLOCATIONGRANULARITY


#: The archive formats torch's reader accepts (caffe2 kMin/kMaxSupportedFileFormatVersion).
_VERSIONS = range(1, 11)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header


class Raw:
    """The bytes of one storage record: where they are and how to view them."""

    def __init__(self, loader: Loader, key: str, member: zipfile.ZipInfo | None, nbytes: int):
        self.loader = loader
        self.key = key
        self.member = member
        self.nbytes = nbytes
        self.offset = loader.data_offset(member, nbytes)  # None: read through zipfile
        self.data: bytes | None = None
        self.views: dict[str, Array] = {}

    def elements(self, dtype: DType) -> Array:
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


class Loader:
    """One reading of one archive."""

    def __init__(self, path: Path, handle: BinaryIO, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.handle = handle
        self.archive = archive
        self.size = os.fstat(handle.fileno()).st_size
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.storages: dict[str, Storage] = {}
        self.prefix = ""
        self.order: str = sys.byteorder
        self.budget = 0.0  # bytes that may still be allocated without asking the system

    def load(self) -> TorchFile:
        self.index()
        pickled = self.members.get(self.prefix + "data.pkl")
        if pickled is None:
            if self.prefix + "constants.pkl" in self.members:
                unreadable("a TorchScript archive (torch.jit.save), not a torch.save file")
            unreadable(f"no {self.prefix}data.pkl in the zip: not written by torch.save")
        self._check_version()
        self.order = self._byteorder()
        data = self.read_member(pickled, pickled.file_size, "data.pkl")
        try:
            refuse_deep_nesting(data, MAX_DEPTH)
            value = Unpickler(data, self).load()
        except Refused:
            raise
        except pickle.UnpicklingError as error:
            unreadable(f"data.pkl: {error}; nothing was run")
        except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
            unreadable(f"data.pkl: {type(error).__name__}: {error}")
        except (OverflowError, struct.error) as error:
            unreadable(f"data.pkl: {error}")
        except RecursionError:
            unreadable("data.pkl is nested too deeply")
        except MemoryError:
            unreadable("data.pkl asks for more memory than exists")
        tensors: list[TorchTensor] = []
        plain = Plain(tensors).convert(value, "", 0)
        return TorchFile(self.path, plain, tuple(tensors))

    def index(self) -> None:
        """The members by name, all in one folder as torch's reader requires."""
        infos = self.archive.infolist()
        if not infos:
            unreadable("an empty zip")
        folder, slash, _ = infos[0].filename.partition("/")
        if not slash:
            unreadable("no <archive>/data.pkl in the zip: not written by torch.save")
        self.prefix = folder + "/"
        for info in infos:
            if info.filename in self.members:
                unreadable(f"two zip members named {info.filename}")
            self.members[info.filename] = info

    def _record(self, name: str, limit: int = 64) -> bytes | None:
        info = self.members.get(self.prefix + name)
        if info is None:
            return None
        if info.file_size > limit:
            unreadable(f"{name} holds {info.file_size:,} bytes")
        return self.read_member(info, info.file_size, name)

    def _check_version(self) -> None:
        text = self._record(".data/version")
        if text is None:
            text = self._record("version")
        if text is None:
            unreadable("no version record in the zip")
        try:
            version = int(text.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            unreadable(f"the version record is {text[:20]!r}")
        if version not in _VERSIONS:
            unreadable(f"archive format {version}; torch reads formats 1 to 10")

    def _byteorder(self) -> str:
        order = self._record("byteorder")
        if order is None:
            return "little"  # written before torch recorded it: always little-endian
        if order not in (b"little", b"big"):
            unreadable(f"byteorder is {order[:20]!r}")
        return order.decode()

    def fits(self, needed: int, what: str) -> None:
        """Refuse, rather than swap, an allocation the system has no memory for. The system
        is asked again only once the allocations since its last answer could exhaust it
        (asking costs more than reading a small storage)."""
        if needed > self.budget:
            try:
                ensure_fits(self.path, needed, what)
            except InputError as error:
                raise Refused(error.problem) from None
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
            unreadable(f"{what} is truncated")
        if nbytes == info.file_size and zlib.crc32(data) != info.CRC:
            unreadable(f"{what}: Bad CRC-32 for file {info.filename!r}")
        return data

    def read_member(self, info: zipfile.ZipInfo, nbytes: int, what: str) -> bytes:
        """The first ``nbytes`` of a member (all of it: its CRC is checked)."""
        if info.file_size < nbytes:
            unreadable(f"{what} holds {info.file_size:,} bytes where {nbytes:,} are declared")
        self.fits(nbytes, f"reading {what}")
        try:
            with self.archive.open(info) as member:
                data = member.read(nbytes)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            unreadable(f"{what}: {error}")
        except RuntimeError as error:  # an encrypted member
            unreadable(f"{what}: {error}")
        if len(data) != nbytes:
            unreadable(f"{what} is truncated")
        return data

    def storage(self, pid: object) -> Storage:
        """``persistent_load``: ('storage', storage type, key, location, number of elements)."""
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] in ("storage", b"storage")):
            unreadable(f"a persistent id {str(pid)[:60]} that is not a storage")
        _, kind, key, location, count = pid
        if isinstance(key, bytes):
            key = key.decode("ascii", "replace")
        if not isinstance(kind, StorageType) or not isinstance(key, str):
            unreadable("a storage of an unexpected form")
        if not isinstance(location, (str, bytes)):
            unreadable("a storage without a device")
        storage = self.storages.get(key)
        if storage is None:  # like torch: a key read again is the first storage (its dtype too)
            nbytes = index(count, "storage size") * kind.dtype.numpy.itemsize
            member = self.members.get(f"{self.prefix}data/{key}")
            if member is None and nbytes:
                unreadable(f"storage {key} is missing from the zip")
            if member is not None and member.file_size < nbytes:
                unreadable(
                    f"storage {key} declares {nbytes:,} bytes but its member holds "
                    f"{member.file_size:,}"
                )
            storage = Storage(Raw(self, key, member, nbytes), kind.dtype)
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
            unreadable(f"{info.filename} starts past the end of the file")
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != b"PK\x03\x04":
            unreadable(f"{info.filename} has no local header")
        name = self.handle.read(fields[10])
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if name.decode(encoding, "replace") != info.orig_filename:
            unreadable(f"{info.filename} is named differently in its local header")
        start: int = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
        # The central directory follows the members: bytes reaching into it (or past the
        # end) belong to no member, and a map would not notice (no CRC is checked there).
        if start + nbytes > min(self.size, self.archive.start_dir):
            unreadable(f"{info.filename} is truncated")
        return start

    def map(self, form: np.dtype[Any], offset: int, shape: tuple[int, ...]) -> Array | None:
        """A read-only memory map of the file, or None when the system refuses one."""
        try:
            mapped: Array = np.memmap(self.path, dtype=form, mode="r", offset=offset, shape=shape)
        except (OSError, ValueError):
            return None
        return mapped

    def stored(self, dtype: DType) -> np.dtype[Any]:
        """The numpy dtype of the bytes as they are in the file."""
        form: np.dtype[Any] = dtype.numpy.newbyteorder(">" if self.order == "big" else "<")
        return form

    def finish(self, array: Array, dtype: DType, metadata: object) -> Array:
        """Native byte order, bfloat16 widened, torch's conjugate and negative bits applied."""
        flags: dict[str, bool] = {}
        if metadata is not None:
            if not isinstance(metadata, dict) or any(
                k not in ("conj", "neg") or type(v) is not bool for k, v in metadata.items()
            ):
                unreadable(f"tensor metadata {str(metadata)[:60]}")
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
