"""Reading ``user_sequence.txt`` exactly as the GRAM trainer reads it.

The trainer opens the file as UTF-8 text (universal newlines), cuts every line at its
first space (user before, items = ``rest.split()``) and stores users in a dict, so:

* a line without a space, the empty line included, makes it crash (`IndexError`);
* a user on several lines: the last line silently wins;
* items are split on any whitespace, the user only on a real space.

Three readers give the same result. The files real pipelines write (printable ASCII,
spaces, ``\\n`` or ``\\r\\n``) go to the compiled scan (`compiled`, when
`gramfix._native` is built) or else to the numpy reader (`fast`); the exact one
(`exact`) goes line by line in Python and takes everything else (tabs, non-ASCII, NBSP,
BOM). The pure readers read the blocks of `gramfix.io.blocks` and gather into the same
`collect.Collector`; the compiled one builds the same `Sequences` from its scan.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

import gramfix._native as native
from gramfix.io.blocks import LineExamples, NeedsExactReader
from gramfix.io.sequences.collect import BLOCK_BYTES, Hygiene, PendingKeys, Sequences
from gramfix.io.sequences.exact import ExactReader
from gramfix.io.sequences.fast import FastReader
from gramfix.io.source import (
    SEQUENCE_MEMORY,
    describe_os_error,
    ensure_fits,
    file_size,
    open_input,
)
from gramfix.model.errors import InputError

__all__ = [
    "BLOCK_BYTES",
    "ExactReader",
    "FastReader",
    "Hygiene",
    "LineExamples",
    "Sequences",
    "read_sequences",
]


def read_sequences(
    path: Path, known: Collection[str] | Callable[[], Collection[str] | None] | None = None
) -> Sequences:
    """Read a sequence file; `InputError` when it is not a readable sequence file.

    ``known`` (the mapping's keys, when there is a mapping) pre-fills the item index:
    most tokens then find their item at once instead of being added one block at a
    time, and the universe code of every key comes out of the read for free
    (`Sequences.codes_of`). The result is the same with or without it. ``known`` may
    also be a function that reads the keys: it is called exactly once, whatever happens
    (the compiled reader calls it in a second thread while it scans the file; the pure
    ones first).
    """
    keys = PendingKeys(known)
    try:
        return _read(path, keys)
    finally:
        keys.get()  # the caller's function runs even when the read fails


def _read(path: Path, keys: PendingKeys) -> Sequences:
    with open_input(path) as handle:  # streamed: what stays is SEQUENCE_MEMORY a byte
        size = file_size(path)
        ensure_fits(path, SEQUENCE_MEMORY * size, "reading these sequences")
        try:  # a read can fail in either reader, and in the rewind between them
            try:
                if native.AVAILABLE:  # read at each call: tests run both engines
                    from gramfix._native.scan import NeedsExactReader as CompiledRefused
                    from gramfix.io.sequences.compiled import read_compiled

                    try:
                        return read_compiled(path, handle, keys, size, BLOCK_BYTES)
                    except CompiledRefused:
                        raise NeedsExactReader from None
                return FastReader(path, keys.get(), BLOCK_BYTES).read(handle)
            except NeedsExactReader:
                handle.seek(0)
                return ExactReader(path, BLOCK_BYTES).read(handle)
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None
        except MemoryError:  # past what ensure_fits foresaw (arrays sized from the file)
            raise InputError(
                path, f"not enough memory to read these sequences ({size / 2**30:.1f} GiB)"
            ) from None
