"""Recent-window fill: how many of GRAM-C's recent-item slots really reach an embedding row.

For every sample exactly as GRAM-C builds it -- training targets s[i] for i in
1..len(s)-3 with history s[:i], validation target s[-2] with history s[:-2], test target
s[-1] with history s[:-1], histories cut to the last ``max_his`` items, empty histories
skipped -- the window is the last ``recent_k`` history items, each looked up with
``mapping.get(raw_id, 0)``. The prefix averages the non-zero rows; a window without one
is a zero vector.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gramfix.analysis import Analysis
from gramfix.report import Fill, FillSplit, FillView, Finding

Bools = npt.NDArray[np.bool_]
SPLITS = ("train", "valid", "test")


def _fill(a: Analysis, resolved: Bools | None) -> FillView:
    """Window statistics per split; ``resolved`` None means every item resolves."""
    assert a.sequences is not None
    window, k = a.settings.window, a.settings.recent_k
    codes = a.sequences.codes
    sums = {split: np.zeros(4, np.int64) for split in SPLITS}  # samples, slots, resolved, dead
    for part, position, n in a.chunks():
        width = np.minimum(position, window)  # real slots of the sample targeting here
        if resolved is None:
            hits = width
        else:
            ok = resolved[codes[part]]
            cumulative = np.concatenate([[0], np.cumsum(ok, dtype=np.int64)])
            at = np.arange(len(position))
            hits = cumulative[at] - cumulative[at - width]
        has_history = position >= 1
        masks = {
            "train": has_history & (position <= n - 3),
            "valid": has_history & (position == n - 2),
            "test": has_history & (position == n - 1),
        }
        for split, mask in masks.items():
            sums[split] += [
                int(mask.sum()),
                int(width[mask].sum()),
                int(hits[mask].sum()),
                int((hits[mask] == 0).sum()),
            ]

    def one(split: str) -> FillSplit:
        samples, slots, hits, dead = (int(x) for x in sums[split])
        return FillSplit(
            samples=samples,
            slots=slots,
            resolved_slots=hits,
            fill=round(hits / slots, 6) if slots else 0.0,
            dead_samples=dead,
            padded_fill=round(hits / (samples * k), 6) if samples else 0.0,
        )

    return FillView(train=one("train"), valid=one("valid"), test=one("test"))


def check_fill(a: Analysis) -> tuple[Fill, list[Finding]]:
    """Fill as written, after the safe fixes, and with a complete mapping."""
    fill = Fill(
        window=a.settings.window,
        as_written=_fill(a, a.resolved_as_written),
        normalised=_fill(a, a.resolved_normalised),
        complete=_fill(a, None),
    )
    findings = []
    w, n = fill.as_written, fill.normalised
    splits = [getattr(w, s) for s in SPLITS]
    if any(s.resolved_slots < s.slots for s in splits):
        dead = sum(s.dead_samples for s in splits)
        samples = sum(s.samples for s in splits)
        shares = " / ".join(f"{s.fill:.3f}" for s in splits)
        after = " / ".join(f"{getattr(n, s).fill:.3f}" for s in SPLITS)
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
