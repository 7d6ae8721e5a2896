"""The human report of ``eval``: the tables between the verdict and the findings.

The metrics as GRAM counts them, on item identity, their difference and the file's
own totals; what the audit counted; the level at which strings resolved.
`gramfix.render.text` puts them between its verdict and its findings, as for ``check``.
"""

from __future__ import annotations

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from gramfix.model.eval_report import EvalReport
from gramfix.model.eval_sections import METRICS, MetricValues


def audit_tables(report: EvalReport) -> list[RenderableType]:
    """The metrics table, the counts and the levels."""
    parts: list[RenderableType] = []
    if report.metrics.strict is not None or report.metrics.reported:
        parts.append(metrics_table(report))
    parts.append(counts_text(report))
    return parts


def metrics_table(report: EvalReport) -> Table:
    m = report.metrics
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("metric", no_wrap=True)
    for column in ("strict (GRAM)", "item identity", "difference", "reported"):
        table.add_column(column, justify="right")
    totals = {t.name.lower(): t for t in report.totals}
    for name in METRICS:
        total = totals.get(name)
        reported = Text("-")
        if total is not None:
            style = "red" if total.agrees is False else ""
            reported = Text(f"{total.reported:.4f}", style=style)
        table.add_row(
            name,
            _value(m.strict, name),
            _value(m.item, name),
            _value(m.difference, name, signed=True),
            reported,
        )
    return table


def _value(values: MetricValues | None, name: str, *, signed: bool = False) -> str:
    if values is None:
        return "-"
    value = values.by_name()[name]
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def counts_text(report: EvalReport) -> Text:
    """The counts, one line per subject (a count the audit could not make reads n/a)."""
    c = report.counts

    def n(value: int | None) -> str:
        return "n/a" if value is None else f"{value:,}"

    lines = [
        f"rows {c.rows:,} (batched {c.batched_rows:,}, own values wrong "
        f"{n(c.mismatched_rows)}); near-miss hits {n(c.near_miss_hits)}",
        f"predictions {c.predictions:,}: no item {c.invalid_predictions:,}, several items "
        f"{c.ambiguous_predictions:,}; rows naming an item twice {n(c.duplicate_rows)}, "
        f"with tied scores {n(c.tied_rows)}",
        f"golds: no item {n(c.gold_unresolved)}, several items {n(c.gold_ambiguous)}, not the "
        f"user's {report.settings.split} target {n(c.gold_not_target)}"
        + ("" if report.inputs.sequences else " (no user_sequence.txt)"),
    ]
    if c.unknown_users is not None:
        lines.append(
            f"users: without a target {n(c.unknown_users)}, repeated {n(c.repeated_users)}"
        )
    levels = report.levels
    resolved = ", ".join(f"{k} {v:,}" for k, v in levels.predictions.items())
    lines.append(f"predictions resolved at: {resolved}")
    if levels.golds is not None:
        lines.append(
            "golds resolved at: " + ", ".join(f"{k} {v:,}" for k, v in levels.golds.items())
        )
    return Text("\n".join(lines), style="dim")
