"""Reading ``torch.save`` files into numpy without torch and without running pickled code.

Since torch 1.6, ``torch.save`` writes a zip archive (every member in one folder)::

    <archive>/data.pkl       the pickled object; each tensor storage is a persistent id
    <archive>/data/<key>     the raw bytes of storage <key>: uncompressed, 64-byte aligned
    <archive>/byteorder      "little" or "big" (missing: little, as torch assumes)
    <archive>/version        the archive format (or <archive>/.data/version)

``data.pkl`` is read by an unpickler whose every global is a stand-in (`pickled`):
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

import zipfile
from pathlib import Path
from typing import BinaryIO

from gramfix.io.source import describe_os_error
from gramfix.io.torchzip.archive import Loader
from gramfix.io.torchzip.content import MAX_DEPTH, TorchFile, TorchTensor, TorchValue, number
from gramfix.io.torchzip.pickled import Refused
from gramfix.model.errors import InputError

__all__ = ["MAX_DEPTH", "TorchFile", "TorchTensor", "TorchValue", "load_torch_zip", "number"]


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
                return Loader(path, handle, archive).load()
            except Refused as error:
                raise InputError(path, str(error)) from None
            except OSError as error:
                raise InputError(path, describe_os_error(error)) from None
