"""What fails a check, decided in one place: thresholds, selection, the verdict.

The checks report every finding at its catalogue severity. This module then applies
the user's policy:

* **Thresholds** are success conditions on what the mapping resolves. ``max-missing``
  and ``min-coverage`` measure the distinct sequence items (GF301 as written, GF302
  after the safe key fixes); ``min-fill`` measures the recent-window fill, the lowest
  of the training, validation and test splits (GF401). A finding whose measure meets
  every threshold set for it is *tolerated*: it stays in the report as ``info``, with
  the numbers, and never fails. With no threshold at all nothing is tolerated (0
  missing items, fill 1.0). A finding with no threshold of its own follows the ones
  that are set: the fill only drops below 1.0 because items are missing, so tolerating
  the items tolerates their fill, and a floor on the fill tolerates the items behind it.
  A threshold cannot be measured without the mapping and the sequences: then GF001 /
  GF002 become errors (GF002 already is one whenever a mapping is checked without
  sequences: see `gramfix.pipeline`).
* **Selection** (``select`` / ``ignore``) drops findings from the report.
* The **verdict** is ``fail`` exactly when a remaining finding is at or above
  ``fail-on``; `gramfix.model.report.Report.exit_code` turns it into the exit status
  (``exit-zero`` only changes the status, never the verdict).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from gramfix.model.options import CommonSettings, Settings
from gramfix.model.report import Finding
from gramfix.model.rules import RULES, Input, Severity
from gramfix.model.sections import Counts, Coverage, Fill, FillView

#: The findings thresholds decide, and the view of the data each one measures.
MEASURED = {"GF301": "as_written", "GF302": "normalised", "GF401": "as_written"}
#: Inputs the thresholds need, and the finding that says one is absent.
_ABSENT = {"GF001": Input.MAPPING, "GF002": Input.SEQUENCES}


@dataclass(frozen=True)
class Condition:
    """One threshold compared with its measure."""

    name: str
    required: str
    actual: str
    passed: bool

    def __str__(self) -> str:
        return f"{self.name} {self.required} ({self.actual})"


def judge(
    findings: list[Finding], coverage: Coverage | None, fill: Fill | None, settings: Settings
) -> list[Finding]:
    """The findings under the settings' thresholds and selection, in their order."""
    judged = (_apply_thresholds(f, coverage, fill, settings) for f in findings)
    return [f for f in judged if settings.selects(f.code)]


def checked(settings: CommonSettings, read: frozenset[Input], ran: set[str]) -> list[str]:
    """The selected codes whose checks ran, with every input their rule needs (any
    command's report: ``ran`` holds only the codes its checks own)."""
    return [
        code
        for code, rule in RULES.items()
        if code in ran and settings.selects(code) and all(n in read for n in rule.needs)
    ]


def verdict(findings: list[Finding], fail_on: Severity) -> Literal["pass", "fail"]:
    """``fail`` when a finding is at or above ``fail_on``."""
    return "fail" if any(f.severity.rank >= fail_on.rank for f in findings) else "pass"


def _apply_thresholds(
    finding: Finding, coverage: Coverage | None, fill: Fill | None, s: Settings
) -> Finding:
    if not s.thresholds:
        return finding
    if finding.code in _ABSENT:
        names = ", ".join(c.name for c in _conditions_set(s))
        return finding.model_copy(
            update={
                "severity": Severity.ERROR,
                "message": f"{finding.message}; the thresholds ({names}) need the "
                f"{_ABSENT[finding.code].value} file",
            }
        )
    view = MEASURED.get(finding.code)
    if view is None or coverage is None or fill is None:
        return finding
    items = item_conditions(getattr(coverage, view).all, s)
    fills = fill_conditions(getattr(fill, view), s)
    own, other = (fills, items) if finding.code == "GF401" else (items, fills)
    governing = own or other
    if all(c.passed for c in governing):
        return finding.model_copy(
            update={
                "severity": Severity.INFO,
                "message": f"{finding.message}; tolerated: "
                + ", ".join(f"{c} holds" for c in governing),
            }
        )
    failed = ", ".join(str(c) for c in governing if not c.passed)
    return finding.model_copy(update={"message": f"{finding.message}; fails {failed}"})


def _conditions_set(s: Settings) -> list[Condition]:
    shown = [
        ("max-missing", s.max_missing),
        ("min-coverage", s.min_coverage),
        ("min-fill", s.min_fill),
    ]
    return [Condition(name, str(value), "", True) for name, value in shown if value is not None]


def item_conditions(counts: Counts, s: Settings) -> list[Condition]:
    """``max-missing`` and ``min-coverage`` (those set) over the distinct sequence items."""
    conditions = []
    missing = counts.items - counts.items_resolved
    if s.max_missing is not None:
        ok = missing <= s.max_missing
        conditions.append(Condition("max-missing", str(s.max_missing), f"missing: {missing:,}", ok))
    if s.min_coverage is not None:
        share = Fraction(counts.items_resolved, counts.items) if counts.items else Fraction(1)
        conditions.append(
            Condition(
                "min-coverage",
                _number(s.min_coverage),
                f"coverage: {_floor(share)}",
                share >= Fraction(str(s.min_coverage)),
            )
        )
    return conditions


def fill_conditions(view: FillView, s: Settings) -> list[Condition]:
    """``min-fill`` (if set) against the lowest fill of the splits that have slots."""
    if s.min_fill is None:
        return []
    splits = [(name, getattr(view, name)) for name in ("train", "valid", "test")]
    shares = [(Fraction(x.resolved_slots, x.slots), name) for name, x in splits if x.slots]
    lowest, where = min(shares, default=(Fraction(1), "all"))
    return [
        Condition(
            "min-fill",
            _number(s.min_fill),
            f"lowest: {where} {_floor(lowest)}",
            lowest >= Fraction(str(s.min_fill)),
        )
    ]


def _number(value: float) -> str:
    return repr(value)


def _floor(share: Fraction) -> str:
    """A share with up to 6 decimals, rounded down so a failing value never looks passing."""
    text = f"{math.floor(share * 1_000_000) / 1_000_000:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def share_text(part: int, whole: int, digits: int = 3) -> str:
    """``part / whole`` with ``digits`` decimals, or as many more as it takes to keep a
    shortfall from reading 1.000 and a remainder from reading 0.000 (``n/a``: no whole)."""
    if whole <= 0:
        return "n/a"
    share = Fraction(part, whole)
    while True:
        scale = 10**digits
        scaled = round(share * scale)
        if not ((scaled == scale and part < whole) or (scaled == 0 and part > 0)):
            return f"{scaled // scale}.{scaled % scale:0{digits}d}"
        digits += 1
