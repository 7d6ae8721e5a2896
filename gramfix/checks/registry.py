"""The registered checks: what each may find, what it needs, and the order they run in.

Every check module declares one `CheckSpec`: its name, the finding codes it owns (each
catalogue code is owned by exactly one check), the inputs without which it does not run,
and ``run``, which turns a `Dataset` into a `CheckResult`: findings of its own codes and
the report sections it fills. The report builder (`gramfix.pipeline.build_report`) is a
loop over `registered()`; ``checked``, the JUnit skip reasons and the README's rule
table derive from the same entries and the catalogue.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gramfix.model.report import Finding
from gramfix.model.rules import RULES, Input

if TYPE_CHECKING:
    from gramfix.checks.context import Dataset


@dataclass(frozen=True)
class CheckResult:
    """What one check found: findings, and report sections by their name in `Report`."""

    findings: list[Finding] = field(default_factory=list)
    sections: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckSpec:
    """One registered check."""

    name: str
    codes: tuple[str, ...]  # the finding codes it may emit, and no other check does
    needs: frozenset[Input]  # without one of these inputs it does not run
    run: Callable[[Dataset], CheckResult]
    #: Judges the lines of the text files; a repair, which re-checks a mapping against the
    #: sequences it has just read, leaves these out.
    lines: bool = False

    def ready(self, read: frozenset[Input]) -> bool:
        """Whether the check runs when ``read`` are the inputs at hand."""
        return self.needs <= read


@functools.cache
def registered() -> tuple[CheckSpec, ...]:
    """Every check, in the order the report runs them."""
    from gramfix.checks import (
        coverage,
        embeddings,
        fill,
        graph,
        history_order,
        hygiene,
        inputs,
        item_files,
        lexical_ids,
        mappings,
    )

    return (
        inputs.CHECK,
        hygiene.CHECK,
        history_order.CHECK,
        mappings.CHECK,
        coverage.CHECK,
        fill.CHECK,
        embeddings.CHECK,
        item_files.CHECK,
        lexical_ids.CHECK,
        graph.CHECK,
    )


def codes(*ranges: tuple[str, str]) -> tuple[str, ...]:
    """The catalogue codes from ``first`` to ``last`` of each range (inclusive)."""
    return tuple(code for code in RULES if any(lo <= code <= hi for lo, hi in ranges))
