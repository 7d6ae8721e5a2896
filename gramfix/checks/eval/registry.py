"""The registered audits of ``eval``: what each may find, and what it needs.

The audit of a prediction file (`gramfix.evaluation.audit`) runs once and counts
everything; each module here turns one concern of its result into findings of the GE
codes it owns (each code has exactly one owner, as check's have). The report builder
(`gramfix.evaluation.build_eval_report`) is a loop over `registered()`; ``checked``, the
JUnit skip reasons and the README's rule table derive from the same entries and the
catalogue.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from gramfix.engine.audit import AuditResult
from gramfix.model.report import Finding
from gramfix.model.rules import Input, rule


@dataclass(frozen=True)
class Audited:
    """The audit of one prediction file, as the findings name it."""

    result: AuditResult
    file: str  # the prediction file as reports show it

    def finding(self, code: str, message: str, count: int) -> Finding:
        """A finding of ``code`` with the audit's example rows of its name."""
        shown = self.result.shown(rule(code).name)
        return Finding.of(
            code,
            message,
            count,
            [str(example) for example in shown],
            file=self.file,
            line=shown[0].line if shown else None,
        )


@dataclass(frozen=True)
class AuditSpec:
    """One registered concern of the audit."""

    name: str
    codes: tuple[str, ...]  # the finding codes it may emit, and no other audit does
    needs: frozenset[Input]  # without one of these inputs its findings cannot be made
    run: Callable[[Audited], list[Finding]]

    def ready(self, read: frozenset[Input]) -> bool:
        """Whether the audit's findings can be made when ``read`` are the inputs at hand."""
        return self.needs <= read


@functools.cache
def registered() -> tuple[AuditSpec, ...]:
    """Every audit, in the order the report lists them."""
    from gramfix.checks.eval import file, golds, metrics, predictions

    return (file.AUDIT, metrics.AUDIT, predictions.AUDIT, golds.AUDIT)
