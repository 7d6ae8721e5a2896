"""How an option shows: its `Flag`, and the sentences that derive from a field of the
options model (`gramfix.model.options`).

A field's help text gets its bounds and default filled in; a configuration error names
the value it expected, from the field's type; and a pydantic ValidationError becomes
the one `Problem` a message reports, worded as gramfix always worded it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import annotated_types
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

CHECK, REPAIR, EVAL = "check", "repair", "eval"
#: The kinds of error the options' own validators raise (see `invalid`).
EXPECTED, RANGE, SELECTOR = "expected", "range", "selector"
_BOUNDS = ("greater_than_equal", "less_than_equal", "finite_number")


@dataclass(frozen=True)
class Flag:
    """How an option appears on the command line, in configuration files and in the docs.

    ``help`` may name the field's bounds and default: ``{ge}``, ``{le}``, ``{default}``.
    """

    help: str
    commands: tuple[str, ...] = (CHECK, REPAIR)  # the commands that take it as a flag
    metavar: str | None = None
    config: bool = True  # a key of the configuration file
    argument: str | None = None  # a positional argument of this name, not an option
    required: bool = False  # an argument the command cannot run without
    choices: tuple[str, ...] = ()  # the values a flag accepts (a click.Choice)
    expected: str | None = None  # a valid value as an error names it (default: by type)
    policy: bool = True  # shown on the text report's policy line when not the default


def kebab(name: str) -> str:
    """A field's name as flags and keys spell it: ``max_his`` -> ``max-his``."""
    return name.replace("_", "-")


def invalid(kind: str, message: str) -> PydanticCustomError:
    """A validation error of ``kind`` (`EXPECTED`, `RANGE`, `SELECTOR`), its message as is."""
    return PydanticCustomError(kind, "{message}", {"message": message})


def spec(info: FieldInfo) -> Flag:
    """The `Flag` of a field."""
    return next(m for m in info.metadata if isinstance(m, Flag))


def bounds(info: FieldInfo) -> tuple[Any, Any]:
    """The field's lower and upper bound (None where it has none)."""
    ge = next((m.ge for m in info.metadata if isinstance(m, annotated_types.Ge)), None)
    le = next((m.le for m in info.metadata if isinstance(m, annotated_types.Le)), None)
    return ge, le


def base_type(info: FieldInfo) -> Any:
    """The field's type without None (``int | None`` -> int)."""
    args = getattr(info.annotation, "__args__", ())
    if type(None) in args:
        return next(a for a in args if a is not type(None))
    return info.annotation


def shown(value: object) -> str:
    """A value as help texts and the policy line show it."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def help_text(info: FieldInfo) -> str:
    """The field's help, its bounds and default filled in."""
    ge, le = bounds(info)
    return spec(info).help.format(ge=ge, le=le, default=shown(info.default))


def expected(info: FieldInfo) -> str:
    """A valid value of the field, as an error in a configuration file names it."""
    given = spec(info).expected
    if given is not None:
        return given
    kind = base_type(info)
    if kind is bool:
        return "true or false"
    if kind is int:
        return "an integer"
    if kind is float:
        ge, le = bounds(info)
        return f"a number between {ge} and {le}"
    return "a file path (relative to this file)"


@dataclass(frozen=True, order=True)
class Problem:
    """One invalid option. Sorted, the first is the one a message reports: unknown names
    and values of the wrong type first, in the order they were given; then values out of
    range, in the order they were always checked: integer bounds, fail-on, shares, codes."""

    rank: tuple[int, int]
    key: str = field(compare=False)  # the option's name, in kebab case
    text: str = field(compare=False)  # what follows the name: ": expected ..." / " must ..."
    known: bool = field(default=True, compare=False)  # False: no option has this name

    def message(self, name: str) -> str:
        """The sentence, with the option named as its source spells it."""
        return name + self.text


def codes_help(command: str) -> str:
    """Where the finding codes of ``command`` ("": of every command) are listed."""
    if command:
        return f"see 'gramfix {command} --help' and the README's finding table"
    return "see the README's finding table"


def problems(
    error: ValidationError, fields: Mapping[str, FieldInfo], given: list[str], command: str = ""
) -> list[Problem]:
    """The invalid options of ``error`` (a validation of ``fields``), the one to report
    first. ``given``: the names or keys in the order they were given; ``command``: the
    command validated for ("": any), whose help an unknown finding code points to."""
    names = {**{n: n for n in fields}, **{kebab(n): n for n in fields}}
    found = []
    for detail in error.errors():
        key = str(detail["loc"][0]) if detail["loc"] else ""
        name = None if detail["type"] == "extra_forbidden" else names.get(key)
        where = given.index(key) if key in given else len(given)
        if name is None:
            found.append(Problem((0, where), key, ": unknown option", known=False))
            continue
        info, kind, value = fields[name], detail["type"], detail["input"]
        if name in given and key not in given:  # given by name, reported by alias
            where = given.index(name)
        order = list(fields).index(name)
        ge, le = bounds(info)
        if kind in _BOUNDS:
            if base_type(info) is float and isinstance(value, int):
                value = float(value)  # as the option holds it: a share is a float
            if le is None:
                text = f" must be at least {ge} (got {value})"
            else:
                text = f" must be between {ge} and {le} (got {value})"
            found.append(Problem((1, (0 if le is None else 2) * 100 + order), kebab(name), text))
        elif kind == RANGE:
            found.append(Problem((1, 100 + order), kebab(name), " " + detail["msg"]))
        elif kind == SELECTOR:
            text = f": {detail['msg']} ({codes_help(command)})"
            found.append(Problem((1, 300 + order), kebab(name), text))
        else:
            text = f": expected {expected(info)}, got {value!r}"
            found.append(Problem((0, where), kebab(name), text))
    return sorted(found)
