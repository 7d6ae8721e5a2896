"""The one frozen settings object that travels through every call."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gramfix.model.errors import UsageError
from gramfix.model.rules import Severity, normalise_selector

#: The severities ``fail-on`` accepts (an info finding never fails a check).
FAIL_ON = (Severity.ERROR, Severity.WARNING)
#: The smallest value of each integer option, and the options that are shares in [0, 1]:
#: checked here only, so a flag and a configuration key are refused alike (the command
#: line and the file parse only the type).
AT_LEAST = {"recent_k": 1, "max_his": 0, "max_missing": 0}
SHARES = ("min_coverage", "min_fill")


@dataclass(frozen=True)
class Settings:
    """What a check is computed with and how its result is judged.

    GRAM-C's defaults: recent_k=5, max_his=20. ``select`` / ``ignore`` hold code
    prefixes (empty ``select``: every code). The thresholds are success conditions
    on the coverage and the recent-window fill; None means "not set" (see
    `gramfix.model.policy` for how set and unset thresholds combine).
    """

    recent_k: int = 5
    max_his: int = 20
    fail_on: Severity = Severity.ERROR
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    max_missing: int | None = None
    min_coverage: float | None = None
    min_fill: float | None = None
    exit_zero: bool = False
    #: Set by __post_init__: the selectors as code prefixes.
    _prefixes: tuple[tuple[str, ...], tuple[str, ...]] = field(
        default=((), ()), init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Messages start with the option's name: the caller prefixes "--" or "file: key".
        for name, low in AT_LEAST.items():
            value = getattr(self, name)
            if value is not None and value < low:
                raise UsageError(f"{_option(name)} must be at least {low} (got {value})")
        if self.fail_on not in FAIL_ON:
            raise UsageError(f"fail-on must be error or warning (got {self.fail_on.value})")
        for name in SHARES:
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise UsageError(f"{_option(name)} must be between 0 and 1 (got {value})")
        object.__setattr__(
            self, "_prefixes", (_prefixes(self.select, "select"), _prefixes(self.ignore, "ignore"))
        )

    @property
    def window(self) -> int:
        """Real history slots in the recent-item window (the trainer trims to max_his > 0)."""
        return self.recent_k if self.max_his <= 0 else min(self.recent_k, self.max_his)

    @property
    def thresholds(self) -> bool:
        """Whether any threshold is set."""
        return any(t is not None for t in (self.max_missing, self.min_coverage, self.min_fill))

    @property
    def selected_prefixes(self) -> tuple[str, ...]:
        """``select`` as code prefixes (``ALL`` is ``GF``, a name its code)."""
        return self._prefixes[0]

    @property
    def ignored_prefixes(self) -> tuple[str, ...]:
        """``ignore`` as code prefixes."""
        return self._prefixes[1]

    def selects(self, code: str) -> bool:
        """Whether findings of ``code`` are reported.

        As in ruff, the most specific matching entry wins (``--select GF3 --ignore
        GF302`` keeps GF301); between equal entries ``ignore`` wins. With no
        ``select``, every code is selected.
        """
        select, ignore = self._prefixes
        best_select = max((len(p) for p in select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in ignore if code.startswith(p)), default=-1)
        if not select:
            best_select = max(best_select, 0)
        return best_select > best_ignore


def _option(field_name: str) -> str:
    """The option (and configuration key) of a settings field."""
    return field_name.replace("_", "-")


def _prefixes(selectors: tuple[str, ...], option: str) -> tuple[str, ...]:
    prefixes = []
    for selector in selectors:
        prefix = normalise_selector(selector)
        if prefix is None:
            raise UsageError(
                f"{option}: {selector!r} is not a finding code, code prefix or name "
                "(see 'gramfix check --help' and the README's finding table)"
            )
        prefixes.append(prefix)
    return tuple(prefixes)
