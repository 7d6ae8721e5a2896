"""Recent-window fill: how many of GRAM-C's recent-item slots really reach an embedding row.

For every sample exactly as GRAM-C builds it -- training targets s[i] for i in
1..len(s)-3 with history s[:i], validation target s[-2] with history s[:-2], test target
s[-1] with history s[:-1], histories cut to the last ``max_his`` items, empty histories
skipped -- the window is the last ``recent_k`` history items, each looked up with
``mapping.get(raw_id, 0)``. The prefix averages the non-zero rows; a window without one
is a zero vector.
"""

from __future__ import annotations

from gramfix.analysis import Analysis
from gramfix.policy import share_text
from gramfix.report import Fill, FillSplit, FillView, Finding
from gramfix.samples import SPLITS, WindowSums


def _view(a: Analysis, sums: dict[str, WindowSums]) -> FillView:
    k = a.settings.recent_k

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


def check_fill(a: Analysis) -> tuple[Fill, list[Finding]]:
    """Fill as written, after the safe fixes, and with a complete mapping."""
    written, normalised, complete = a.tables.windows
    fill = Fill(
        window=a.settings.window,
        as_written=_view(a, written),
        normalised=_view(a, normalised),
        complete=_view(a, complete),
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
                file=a.name("mapping"),
            )
        )
    return fill, findings
