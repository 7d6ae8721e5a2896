"""Stand-ins for the few globals a plain-data pickle may name, shared by every restricted
unpickler (the mapping's ``.pkl`` and the ``data.pkl`` of a torch file).

A numpy number pickles as ``numpy.core.multiarray.scalar(numpy.dtype(code), raw bytes)``
(``numpy._core`` since numpy 2) with the bytes carried by ``_codecs.encode`` under pickle
protocol 2. The stand-ins decode that into the plain Python value without importing numpy,
and refuse every other form, so a pickle cannot reach numpy's own object machinery.
"""

from __future__ import annotations

import functools
import pickle
import re
import struct
import sys
from typing import Any, Literal


class NumpyDType:
    """Stands in for ``numpy.dtype`` in a pickle: keeps the type code and byte order only."""

    def __init__(self, code: object, align: object = False, copy: object = True) -> None:
        if not isinstance(code, str) or not re.fullmatch(r"[iubfU]\d{1,3}", code):
            raise pickle.UnpicklingError(f"refused a numpy dtype {code!r}")
        self.code = code
        self.order = "="

    def __setstate__(self, state: object) -> None:
        if not (isinstance(state, tuple) and len(state) > 1 and state[1] in ("<", ">", "|", "=")):
            raise pickle.UnpicklingError("refused an unusual numpy dtype state")
        self.order = state[1]


def numpy_scalar(dtype: object, data: object = None) -> object:
    """Stands in for ``numpy.core.multiarray.scalar``: decodes the bytes of a numpy number
    or string scalar into the plain Python value, without numpy."""
    if not isinstance(dtype, NumpyDType) or not isinstance(data, bytes):
        raise pickle.UnpicklingError("refused a numpy scalar of an unexpected form")
    kind, size = dtype.code[0], int(dtype.code[1:])
    order: Literal["little", "big"] = "big" if dtype.order == ">" else "little"
    if dtype.order == "=":
        order = "big" if sys.byteorder == "big" else "little"
    width = size * 4 if kind == "U" else size
    if len(data) != width:
        raise pickle.UnpicklingError(f"refused a numpy {dtype.code} scalar of {len(data)} bytes")
    if kind in "iu":
        return int.from_bytes(data, order, signed=kind == "i")
    if kind == "b":
        return data != b"\0"
    if kind == "U":
        return data.decode("utf-32-le" if order == "little" else "utf-32-be").rstrip("\0")
    formats = {2: "e", 4: "f", 8: "d"}
    if size not in formats:
        raise pickle.UnpicklingError(f"refused a numpy {dtype.code} scalar")
    value: float = struct.unpack(("<" if order == "little" else ">") + formats[size], data)[0]
    return value


def latin1(text: object, encoding: object = "latin1") -> bytes:
    """Stands in for ``_codecs.encode``, which protocol-2 pickles use to carry bytes."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("refused _codecs.encode of an unexpected form")
    return text.encode("latin-1")


#: numpy scalars and pickled bytes: (module, name) as the pickle names them -> stand-in.
NUMPY_STAND_INS: dict[tuple[str, str], Any] = {
    ("numpy", "dtype"): NumpyDType,
    ("numpy.core.multiarray", "scalar"): numpy_scalar,
    ("numpy._core.multiarray", "scalar"): numpy_scalar,
    ("_codecs", "encode"): latin1,
}


#: Opcodes that add to the container below them rather than build a new object.
_IN_PLACE = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"}
_SPECIAL = {
    "STOP": "stop",
    "MARK": "mark",
    "PUT": "put",
    "BINPUT": "put",
    "LONG_BINPUT": "put",
    "MEMOIZE": "memoize",
    "GET": "get",
    "BINGET": "get",
    "LONG_BINGET": "get",
    "DUP": "dup",
    "POP": "pop",
}


@functools.cache
def _effects() -> dict[str, tuple[str, int, int, bool]]:
    """For each opcode: its kind, the items it takes (below the mark, for the "marked"
    ones), the items it leaves, and whether it extends a container in place."""
    import pickletools

    table: dict[str, tuple[str, int, int, bool]] = {}
    for op in pickletools.opcodes:
        before, after = op.stack_before, len(op.stack_after)
        marked = pickletools.markobject in before
        kind = _SPECIAL.get(op.name, "marked" if marked else "plain")
        taken = before.index(pickletools.markobject) if marked else len(before)
        table[op.code] = (kind, taken, after, op.name in _IN_PLACE)
    return table


def refuse_deep_nesting(data: bytes, limit: int) -> None:
    """Refuse a pickle that builds objects nested more than ``limit`` deep, before it is
    loaded: CPython hashes a dict key recursively in C, so a key of a million nested tuples
    (2 bytes a level in a pickle) crashes the interpreter instead of raising.

    A dry run over the opcodes, keeping only each stack item's nesting depth (an upper
    bound: a value built from others is one deeper than the deepest of them)."""
    import pickletools

    effects = _effects()
    stack: list[int] = []
    marks: list[int] = []
    memo: dict[object, int] = {}

    def take(count: int) -> list[int]:
        if count > len(stack) - (marks[-1] if marks else 0):
            raise pickle.UnpicklingError("malformed pickle (the stack runs out)")
        taken = stack[len(stack) - count :]
        del stack[len(stack) - count :]
        return taken

    for op, arg, _ in pickletools.genops(data):
        kind, taken, left, in_place = effects[op.code]
        if kind == "plain" and not taken:  # a number, a string, a global ...
            stack.extend((1,) * left)
            continue
        if kind == "stop":
            return
        if kind == "mark":
            marks.append(len(stack))
            continue
        if kind in ("put", "memoize"):
            if not stack:
                raise pickle.UnpicklingError("malformed pickle (memo of nothing)")
            memo[len(memo) if kind == "memoize" else arg] = stack[-1]
            continue
        if kind == "get":
            stack.append(memo.get(arg, 1))
            continue
        if kind == "dup":
            stack.extend(take(1) * 2)
            continue
        if kind == "pop" and marks and len(stack) == marks[-1]:
            marks.pop()  # POP right after MARK drops the mark
            continue
        if kind == "marked":
            if not marks:
                raise pickle.UnpicklingError("malformed pickle (no mark)")
            start = marks.pop()
            items = stack[start:]
            del stack[start:]
            popped = take(taken) + items  # take(): below the mark, the container extended
        else:
            popped = take(taken)
        if in_place:  # the container keeps its place; its items sit one deeper
            depth = max(popped[0], 1 + max(popped[1:], default=0))
        else:
            depth = 1 + max(popped, default=0)
        if left and depth > limit:
            raise pickle.UnpicklingError(f"objects nested more than {limit} deep")
        stack.extend((depth,) * left)
