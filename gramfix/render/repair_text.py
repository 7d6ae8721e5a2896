"""The human summary of a repair: what changed, what was checked, what was written."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from gramfix.repair import RepairReport

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
        text.append("  Nothing to repair: every key is already an item ID.\n")
    text.append(
        f"Values unchanged, key order kept: {report.keys_before:,} keys → {report.keys_after:,}.\n"
    )
    if report.fill_after is not None:
        f = report.fill_after
        text.append(
            f"Recent-window fill after repair: train {f.train.fill:.3f}, valid {f.valid.fill:.3f}, "
            f"test {f.test.fill:.3f}.\n"
        )
    for finding in report.blockers:
        text.append(f"✗ {finding.code} {finding.name}: ", style="bold red")
        text.append(finding.message + "\n")
        if finding.examples:
            text.append(
                "    e.g. " + "; ".join(_cut(e, 50) for e in finding.examples[:2]) + "\n",
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


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
