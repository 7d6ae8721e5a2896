"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` (or a pull-request comment).

Verdict and headline first, then the recent-window fill (check) or the metrics (eval)
and the findings as tables.
"""

from __future__ import annotations

import html
import re

from gramfix.model.eval_report import EvalReport
from gramfix.model.eval_sections import METRICS, MetricValues
from gramfix.model.headline import headline
from gramfix.model.policy import share_text
from gramfix.model.report import Finding, Report, ReportBase
from gramfix.model.rules import Severity
from gramfix.model.sections import Fill, FillSplit

_MARK = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}
_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def cell(text: str) -> str:
    """``text`` safe inside a table cell: HTML and Markdown syntax escaped, one line."""
    escaped = _SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return escaped.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def code(text: str) -> str:
    """``text`` as inline code inside a table cell (verbatim: no Markdown inside)."""
    escaped = html.escape(text, quote=False).replace("|", "&#124;")
    return f"<code>{' '.join(escaped.splitlines())}</code>"


def render_markdown(report: ReportBase) -> str:
    """The report as GitHub-flavoured Markdown."""
    s = report.summary
    where = report.subject()
    icon = "❌" if report.verdict == "fail" else "✅"
    lines = [
        f"### {icon} gramfix {report.command}: {report.verdict}",
        "",
        f"**{s.errors} error{'s' * (s.errors != 1)}**, {s.warnings} "
        f"warning{'s' * (s.warnings != 1)}, {s.infos} note{'s' * (s.infos != 1)} in "
        f"`{where}` (fails on: {report.settings.fail_on.value}"
        f"{'; exit status forced to 0 by exit-zero' if report.settings.exit_zero else ''})",
        "",
        cell(headline(report)),
        "",
    ]
    if isinstance(report, Report) and report.fill is not None:
        lines += _fill(report.fill)
    if isinstance(report, Report) and report.graph is not None:
        lines += [f"| LightGCN graph | {cell(report.graph.folder or '')} |", "|---|---|"]
        lines += [f"| {label} | {cell(text)} |" for label, text in report.graph.rows()]
        lines.append("")
    if isinstance(report, EvalReport) and report.metrics.strict is not None:
        lines += _metrics(report)
    lines += _findings(report.findings)
    return "\n".join(lines) + "\n"


def _fill(fill: Fill) -> list[str]:
    lines = [
        f"| recent-item fill (window {fill.window}) | samples | as written | after fixes "
        "| complete | zero prefixes |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for split in ("train", "valid", "test"):
        w, n, c = (getattr(v, split) for v in (fill.as_written, fill.normalised, fill.complete))
        lines.append(
            f"| {split} | {w.samples:,} | {_share(w)} | {_share(n)} | {_share(c)} "
            f"| {w.dead_samples:,} |"
        )
    return [*lines, ""]


def _metrics(report: EvalReport) -> list[str]:
    m = report.metrics
    totals = {t.name.lower(): t for t in report.totals}
    lines = [
        "| metric | strict (GRAM) | item identity | difference | reported |",
        "|---|--:|--:|--:|--:|",
    ]
    for name in METRICS:
        total = totals.get(name)
        reported = "-" if total is None else f"{total.reported:.4f}"
        if total is not None and total.agrees is False:
            reported += " ❌"
        lines.append(
            f"| {name} | {_value(m.strict, name)} | {_value(m.item, name)} "
            f"| {_value(m.difference, name, '+')} | {reported} |"
        )
    return [*lines, ""]


def _value(values: MetricValues | None, name: str, sign: str = "") -> str:
    return "-" if values is None else f"{values.by_name()[name]:{sign}.4f}"


def _share(split: FillSplit) -> str:
    return share_text(split.resolved_slots, split.slots)


def _findings(findings: list[Finding]) -> list[str]:
    if not findings:
        return ["No findings."]
    lines = ["| | code | finding | details |", "|---|---|---|---|"]
    for f in sorted(findings, key=lambda f: (-f.severity.rank, f.code)):
        details = cell(f.message)
        if f.examples:
            details += "<br>e.g. " + "; ".join(code(e) for e in f.examples[:3])
        lines.append(f"| {_MARK[f.severity]} | `{f.code}` | {cell(f.name)} | {details} |")
    return lines
