"""Reading ``item_id_to_gcn_index.json`` (or ``.pkl``) exactly as GRAM-C reads it, and
writing it as GRAM-C's own files are written (`serialise`).

GRAM-C calls ``json.load`` on the file (UTF-8 text), which accepts some things a strict
parser refuses (``NaN``, integers of any size) and silently keeps the last of two equal
keys. This reader returns that same dict, plus what ``json.load`` hides: how many members
the text really has and which keys occur more than once.

Fast path: orjson, whenever its result is provably what ``json.load`` returns (an object
of plain ints, with as many members in the text as keys in the result). Anything else
goes through the standard library itself, so the answer is always the trainer's.
"""

from __future__ import annotations

import io
import json
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

import gramfix._native as native
from gramfix.io.pickles import NUMPY_STAND_INS, refuse_deep_nesting
from gramfix.io.source import (
    decode_utf8,
    describe_os_error,
    ensure_fits,
    file_size,
    open_input,
)
from gramfix.model.errors import InputError

_BACKSLASH_RUN_BEFORE_QUOTE = re.compile(rb'(\\+)"')


@dataclass(frozen=True)
class DuplicateKey:
    """A key that occurs more than once in the JSON text."""

    key: str
    values: list[Any]  # every value, in text order; json.load keeps the last

    @property
    def conflicting(self) -> bool:
        first = self.values[0]
        return any(type(v) is not type(first) or v != first for v in self.values[1:])


@dataclass(frozen=True)
class Mapping:
    """The mapping as the trainer holds it, and what its text hides."""

    path: Path
    entries: dict[str, Any]  # what json.load (or pickle.load) returns
    members: int  # key-value pairs in the text (> len(entries) when keys repeat)
    duplicates: list[DuplicateKey] = field(default_factory=list)
    pickled: bool = False


def read_mapping(path: Path) -> Mapping:
    """Read a mapping file; `InputError` when the trainer could not load it as a dict."""
    with open_input(path) as handle:  # one opening: a pipe is read once, then known
        try:
            head = handle.read(1 << 20)
            ensure_fits(path, _memory_needed(path, head), "loading this mapping")
            handle.seek(0)
            raw = handle.read()
        except OSError as error:
            raise InputError(path, describe_os_error(error)) from None
    if path.suffix == ".pkl":
        return _read_pickle(path, raw)
    if not raw.strip():
        raise InputError(path, "the file is empty (json.load needs a JSON object)")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError(
            path,
            "starts with a UTF-8 byte order mark, which json.load rejects "
            "(save the file as UTF-8 without BOM)",
            line=1,
            column=1,
        )
    fast = _read_fast(path, raw)
    return fast if fast is not None else _read_exact(path, raw)


def _memory_needed(path: Path, head: bytes) -> float:
    """Peak bytes to load a mapping: the text, its str keys (about the text again) and
    ~120 bytes of dict entry, int and object headers per key, the keys counted from the
    first megabyte, ``head`` (each JSON key ends in '":')."""
    size = file_size(path)
    keys = head.count(b'":') * size / max(len(head), 1)
    return 2.0 * size + 120.0 * keys


def _read_fast(path: Path, raw: bytes) -> Mapping | None:
    """orjson's result when it is provably json.load's, else None."""
    try:
        entries = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None  # json.load may still accept it (NaN, huge ints, lone surrogates)
    if not isinstance(entries, dict):
        _refuse_top_level(path, entries)
    if entries and set(map(type, entries.values())) != {int}:  # C-speed type scan
        return None  # floats may be huge ints to json.load; nested values hide keys
    # With int values, the only strings in the text are the keys: one per two quotes.
    quotes = raw.count(b'"')
    if b"\\" in raw:
        quotes -= sum(
            len(run) % 2 for run in _BACKSLASH_RUN_BEFORE_QUOTE.findall(raw)
        )  # an odd run of backslashes escapes its quote
    if quotes // 2 != len(entries):
        return None  # repeated keys: let the exact reader name them
    return Mapping(path=path, entries=entries, members=len(entries))


def _read_exact(path: Path, raw: bytes) -> Mapping:
    """The standard library's own reading, recording the members of the top-level object."""
    text = decode_utf8(path, raw)
    objects: list[list[tuple[str, Any]]] = []

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        objects.append(pairs)  # the top-level object is the last one finished
        return dict(pairs)

    try:
        entries = json.loads(text, object_pairs_hook=keep_pairs)
    except json.JSONDecodeError as error:
        raise InputError(
            path, f"invalid JSON: {_json_problem(error)}", line=error.lineno, column=error.colno
        ) from None
    except RecursionError:
        raise InputError(path, "invalid JSON: nested too deeply for json.load") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise InputError(path, f"not readable by json.load ({error})") from None
    if not isinstance(entries, dict):
        _refuse_top_level(path, entries)
    pairs = objects[-1]
    return Mapping(path=path, entries=entries, members=len(pairs), duplicates=_duplicates(pairs))


#: What json expected where it stopped, by its message.
_EXPECTED = {
    "Expecting value": "a value",
    "Expecting property name enclosed in double quotes": "a key in double quotes",
    "Expecting ':' delimiter": "':' after the key",
    "Expecting ',' delimiter": "',' or the closing '}' (or ']' in a list)",
}
#: json's other messages as whole clauses (some end in "at", the position being kept
#: apart in lineno / colno, which the error's file:line:column prefix shows).
_PROBLEMS = {
    "Invalid control character at": "a control character (tab, line break ...) inside a "
    "string, where JSON needs it escaped",
    "Invalid \\escape": "a backslash inside a string that starts no valid escape",
    "Invalid \\uXXXX escape": "a \\u escape inside a string without 4 hex digits",
    "Extra data": "more text after the end of the top-level value",
    "Illegal trailing comma before end of object": "a comma before the closing '}'",
    "Illegal trailing comma before end of array": "a comma before the closing ']'",
}


def _json_problem(error: json.JSONDecodeError) -> str:
    """``error`` as one complete clause: what is wrong at its position, and whether the
    text simply ends there (the usual sign of a truncated file)."""
    message = error.msg
    ends = not error.doc[error.pos :].strip()
    if message == "Unterminated string starting at":
        return "the string that starts here is never closed: the file ends first (truncated?)"
    expected = _EXPECTED.get(message)
    if expected is not None:
        if ends:
            return f"the file ends where {expected} was expected (truncated?)"
        return f"{expected} was expected here"
    for known, problem in _PROBLEMS.items():
        if message.startswith(known):
            return problem
    # A message of another Python version: keep it, without a dangling "at".
    return message.removesuffix(" at").rstrip(":")


def _duplicates(pairs: list[tuple[str, Any]]) -> list[DuplicateKey]:
    values: dict[str, list[Any]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return [DuplicateKey(key, vs) for key, vs in values.items() if len(vs) > 1]


def _refuse_top_level(path: Path, value: Any) -> None:
    kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
    raise InputError(path, f"the top level is {kind}, not a JSON object of item ID -> row")


#: The only globals a mapping pickle may name, each replaced by a stand-in that builds plain
#: data: numpy integer scalars (``dict(zip(ids, np.arange(...)))``) and ordered dicts.
_STAND_INS: dict[tuple[str, str], Any] = {
    **NUMPY_STAND_INS,
    ("collections", "OrderedDict"): dict,
}


class _PlainDataUnpickler(pickle.Unpickler):
    """Admits only built-in containers and scalars (and numpy scalars, decoded without
    numpy): no module is imported and no code of the pickle's choosing runs."""

    def find_class(self, module: str, name: str) -> Any:
        stand_in = _STAND_INS.get((module, name))
        if stand_in is None:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}")
        return stand_in

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refused a persistent object")


def _read_pickle(path: Path, raw: bytes) -> Mapping:
    if not raw:
        raise InputError(path, "the file is empty (pickle.load needs a dict)")
    try:
        # CPython hashes a dict key recursively in C: a key of a million nested tuples
        # crashes the interpreter instead of raising, so such a pickle is refused unread.
        refuse_deep_nesting(raw, _MAX_NESTING)
        entries = _PlainDataUnpickler(io.BytesIO(raw)).load()
    except pickle.UnpicklingError as error:
        raise InputError(
            path, f"not a plain pickled dict of str -> int ({error}); nothing was executed"
        ) from None
    except (
        EOFError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
    ) as error:
        raise InputError(path, f"not a readable pickle ({type(error).__name__})") from None
    except RecursionError:
        raise InputError(path, "not a readable pickle (nested too deeply)") from None
    except MemoryError:
        raise InputError(
            path, "not a readable pickle (it asks for more memory than exists)"
        ) from None
    if not isinstance(entries, dict) or not all(isinstance(k, str) for k in entries):
        raise InputError(path, "the pickle does not hold a dict with string keys")
    return Mapping(path=path, entries=entries, members=len(entries), pickled=True)


def read_pickled_dict(data: bytes) -> Any:
    """What the restricted unpickler makes of ``data`` (for re-reading a written pickle)."""
    refuse_deep_nesting(data, _MAX_NESTING)
    return _PlainDataUnpickler(io.BytesIO(data)).load()


#: A mapping is a flat dict; far deeper nesting is an attack on the unpickler.
_MAX_NESTING = 100


def serialise(entries: dict[str, Any], *, pickled: bool = False) -> bytes:
    """The mapping as the trainer's own files are written.

    JSON: byte-identical to ``json.dump(entries, f, indent=2, ensure_ascii=False)`` plus a
    final newline, except that a lone surrogate in a key (valid in a JSON string, not in
    UTF-8) is written as its ``\\udXXXX`` escape so the file stays UTF-8 that json.load
    reads. orjson writes it when it can (str -> int with 64-bit ints, valid Unicode).
    ``pickled``: a plain pickled dict, for a mapping the trainer loads with pickle.
    """
    if pickled:
        return pickle.dumps(entries, protocol=4)
    try:
        data = orjson.dumps(entries, option=orjson.OPT_INDENT_2)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(entries, indent=2, ensure_ascii=False)
        data = text.encode("utf-8", "backslashreplace")  # only lone surrogates need it
    return data + b"\n"


def verify_serialised(data: bytes, entries: dict[str, Any], *, pickled: bool = False) -> None:
    """Re-read what is about to be written as the trainer will: it must be exactly the
    planned mapping, keys, values and order."""
    if not pickled and native.AVAILABLE:
        # The same proof without building the parsed dict: the text is walked as
        # json.load reads it and compared member by member (None: undecided, parse).
        from gramfix._native.scan import verify_json_mapping

        same = verify_json_mapping(data, entries)
        if same is not None:
            if not same:
                raise AssertionError("the serialised mapping does not read back as planned")
            return
    if pickled:
        parsed = read_pickled_dict(data)
    else:
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:  # what only json.load takes (surrogate escapes)
            parsed = json.loads(data.decode("utf-8"))
    if parsed != entries or list(parsed) != list(entries):
        raise AssertionError("the serialised mapping does not read back as planned")
