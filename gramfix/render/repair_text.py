"""The human summary of a repair: what changed, what was checked, what was written."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from gramfix.model.policy import share_text
from gramfix.model.repair_report import RepairReport
from gramfix.model.sections import FillSplit

_HEAD = {
    "written": (" REPAIRED ", "bold black on green"),
    "nothing-to-repair": (" CLEAN ", "bold black on green"),
    "planned": (" PLAN ", "bold black on cyan"),
    "refused": (" REFUSED ", "bold white on red"),
}


def render_repair_text(report: RepairReport, console: Console) -> None:
    """Print ``report`` for a person reading a terminal."""
    label, style = _HEAD[report.status]
    text = Text()
    text.append(label, style=style)
    into = f" → {report.output}" if report.output and report.output != report.mapping else ""
    text.append(f"  {report.mapping}{into}\n", style="dim")
    if report.status == "refused":
        text.append("Nothing was written: the repaired mapping would still fail these checks.\n")
    for change in report.changes:
        example = change.examples[0]
        text.append(f"  {change.count:>9,}  {change.family}", style="bold")
        text.append(f": {change.fix}  (e.g. {_cut(example.key, 40)} → {example.fixed})\n")
    if report.collapsed:
        text.append(f"  {report.collapsed:>9,}  exact duplicates collapsed (same ID, same value)\n")
    if not report.changes and not report.collapsed:
        text.append("  No key to rename or collapse.\n")
    text.append(
        f"Values unchanged, key order kept: {report.keys_before:,} keys → {report.keys_after:,}.\n"
    )
    if report.fill_after is not None:
        f = report.fill_after
        splits = ", ".join(_fill(name, getattr(f, name)) for name in ("train", "valid", "test"))
        text.append(f"Recent-window fill after repair: {splits}.\n")
    if report.still_missing is not None:
        m = report.still_missing
        examples = ", ".join(f"{e.id} ({e.interactions:,} interactions)" for e in m.examples[:3])
        text.append(
            f"Still missing after repair: {m.items:,} of {m.of_items:,} sequence items "
            f"({m.interactions:,} of {m.of_interactions:,} interactions), e.g. {examples}.\n"
        )
    if report.thresholds:
        held = "; ".join(
            f"{t.name} {t.required} {'holds' if t.passed else 'FAILS'} ({t.actual})"
            for t in report.thresholds
        )
        text.append(f"Thresholds: {held}.\n")
    for finding in report.blockers:
        text.append(f"✗ {finding.code} {finding.name}: ", style="bold red")
        text.append(finding.message + "\n")
        if finding.examples:
            text.append(
                "    e.g. " + "; ".join(_cut(e, 72) for e in finding.examples[:2]) + "\n",
                style="dim",
            )
    wrote = "Overwrote" if report.overwrote else "Wrote"
    if report.status == "written":
        text.append(f"{wrote} {report.output} (checked before writing).\n", style="green")
    elif report.status == "nothing-to-repair" and report.output:
        text.append(f"{wrote} {report.output}: the same mapping.\n", style="green")
    if report.backup:
        text.append(f"The original is kept as {report.backup}.\n")
    if report.status == "planned":
        text.append("Dry run: nothing was written.\n")
    console.print(text, end="")


def _fill(name: str, split: FillSplit) -> str:
    """One split's fill; below 1 never rounded up to it, and with the counts behind it."""
    shown = f"{name} {share_text(split.resolved_slots, split.slots)}"
    if split.resolved_slots == split.slots:
        return shown
    counts = f"{split.slots - split.resolved_slots:,} of {split.slots:,} slots unresolved"
    if split.dead_samples:
        counts += f"; {split.dead_samples:,} of {split.samples:,} samples get a zero prefix"
    return f"{shown} ({counts})"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
