"""Recent-window fill: how many of GRAM-C's recent-item slots really reach an embedding row.

For every sample exactly as GRAM-C builds it -- training targets s[i] for i in
1..len(s)-3 with history s[:i], validation target s[-2] with history s[:-2], test target
s[-1] with history s[:-1], histories cut to the last ``max_his`` items, empty histories
skipped -- the window is the last ``recent_k`` history items, each looked up with
``mapping.get(raw_id, 0)``. The prefix averages the non-zero rows; a window without one
is a zero vector.
"""

from __future__ import annotations

from gramfix.checks.context import Dataset
from gramfix.checks.registry import CheckResult, CheckSpec
from gramfix.engine.windows import SPLITS, WindowSums
from gramfix.model.policy import share_text
from gramfix.model.report import Finding
from gramfix.model.rules import Input
from gramfix.model.sections import Fill, FillSplit, FillView


def _view(data: Dataset, sums: dict[str, WindowSums]) -> FillView:
    k = data.settings.recent_k

    def one(split: str) -> FillSplit:
        w = sums[split]
        return FillSplit(
            samples=w.samples,
            slots=w.slots,
            resolved_slots=w.resolved_slots,
            fill=round(w.resolved_slots / w.slots, 6) if w.slots else 0.0,
            dead_samples=w.dead_samples,
            padded_fill=round(w.resolved_slots / (w.samples * k), 6) if w.samples else 0.0,
        )

    return FillView(train=one("train"), valid=one("valid"), test=one("test"))


def check_fill(data: Dataset) -> CheckResult:
    """Fill as written, after the safe fixes, and with a complete mapping."""
    written, normalised, complete = data.tables.windows
    fill = Fill(
        window=data.settings.window,
        as_written=_view(data, written),
        normalised=_view(data, normalised),
        complete=_view(data, complete),
    )
    findings = []
    w, n = fill.as_written, fill.normalised
    splits = [getattr(w, s) for s in SPLITS]
    if any(s.resolved_slots < s.slots for s in splits):
        dead = sum(s.dead_samples for s in splits)
        samples = sum(s.samples for s in splits)
        # Never a shortfall shown as 1.000 beside the samples it costs.
        shares = " / ".join(share_text(s.resolved_slots, s.slots) for s in splits)
        after = " / ".join(
            share_text(getattr(n, s).resolved_slots, getattr(n, s).slots) for s in SPLITS
        )
        verdict = (
            "every prefix is a zero vector: GRAM-C trains as plain GRAM"
            if dead == samples
            else f"{dead:,} of {samples:,} samples get a zero prefix"
        )
        findings.append(
            Finding.of(
                "GF401",
                f"recent-window fill train / valid / test = {shares} (complete: 1.000); "
                f"{verdict}; after the safe key fixes: {after}",
                dead,
                file=data.name("mapping"),
            )
        )
    return CheckResult(findings, {"fill": fill})


CHECK = CheckSpec("fill", ("GF401",), frozenset({Input.MAPPING, Input.SEQUENCES}), check_fill)
