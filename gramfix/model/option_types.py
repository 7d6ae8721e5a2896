"""The value types of the options: finding selectors, failing severities, shares, splits.

Each is a type with its validators, used by the fields of `gramfix.model.options`; an
invalid value raises the `gramfix.model.flag.invalid` error a message reports.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from gramfix.model.flag import EXPECTED, RANGE, SELECTOR, invalid
from gramfix.model.rules import Severity, normalise_selector

#: The severities ``fail-on`` accepts (an info finding never fails a check).
FAIL_ON = (Severity.ERROR, Severity.WARNING)


def code_list(value: object) -> tuple[str, ...]:
    """``select`` / ``ignore`` as given: a comma-separated string or a list of strings."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise invalid(EXPECTED, "not a list of codes")
    return tuple(i.strip() for i in items if i.strip())


def code_prefixes(selectors: tuple[str, ...]) -> tuple[str, ...]:
    """The selectors as code prefixes (``ALL`` stays ``ALL``, a name becomes its code)."""
    prefixes = []
    for selector in selectors:
        prefix = normalise_selector(selector)
        if prefix is None:
            # Where to look is the command's help: `gramfix.model.flag.problems` adds it,
            # as only the validation knows which command it serves.
            raise invalid(SELECTOR, f"{selector!r} is not a finding code, code prefix or name")
        prefixes.append(prefix)
    return tuple(prefixes)


def failing_severity(value: object) -> Severity:
    if isinstance(value, Severity):
        if value not in FAIL_ON:
            raise invalid(RANGE, f"must be error or warning (got {value.value})")
        return value
    if isinstance(value, str) and value in {s.value for s in FAIL_ON}:
        return Severity(value)
    raise invalid(EXPECTED, "not a failing severity")


Codes = Annotated[tuple[str, ...], BeforeValidator(code_list), AfterValidator(code_prefixes)]
Share = Annotated[float | None, Field(ge=0, le=1, allow_inf_nan=False)]


Split = Literal["test", "valid"]
#: The evaluation splits: a user's target is ``items[-1]`` (test) or ``items[-2]`` (valid).
SPLITS: tuple[Split, ...] = ("test", "valid")
