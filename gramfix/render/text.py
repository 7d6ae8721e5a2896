"""The human report: verdict first, then the tables, in one screen for a GRAM dataset."""

from __future__ import annotations

import io
from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from gramfix.model.eval_report import EvalReport
from gramfix.model.headline import headline, hint, policy
from gramfix.model.policy import share_text
from gramfix.model.report import Finding, Report, ReportBase
from gramfix.model.rules import Severity
from gramfix.model.sections import Counts, EmbeddingStats, Fill, FillSplit, MappingStats

#: The width of output that is not a terminal: wide enough that no line of a report is
#: ever wrapped (rich wraps at 80 columns when it cannot ask a terminal).
UNWRAPPED = 1 << 16
#: The widest text a cell of the graph table holds; a longer sentence goes below it.
CELL = 92

_MARK = {
    Severity.ERROR: ("✗", "bold red"),
    Severity.WARNING: ("!", "yellow"),
    Severity.INFO: ("i", "cyan"),
}


def render_text(report: ReportBase, console: Console) -> None:
    """Print ``report`` for a person reading a terminal."""
    parts = build(report)
    spaced: list[RenderableType] = []
    for part in parts:
        spaced += [part, Text("")]
    console.print(Group(*spaced[:-1]))


def build(report: ReportBase) -> list[RenderableType]:
    """The renderables of the report, in reading order."""
    parts: list[RenderableType] = [_verdict(report)]
    if isinstance(report, EvalReport):
        from gramfix.render.eval_text import audit_tables

        return [*parts, *audit_tables(report), _findings(report.findings, rows=True)]
    assert isinstance(report, Report)
    if report.fill is not None:
        parts.append(_fill_table(report.fill))
    if report.mapping is not None:
        parts.append(_mapping_table(report.mapping))
    if report.coverage is not None:
        parts.append(_coverage_table(report))
    parts += _dataset_tables(report)
    parts.append(_findings(report.findings))
    return parts


def _verdict(report: ReportBase) -> Text:
    s = report.summary
    failed = report.verdict == "fail"
    text = Text()
    text.append(
        " FAIL " if failed else " PASS ",
        style="bold white on red" if failed else "bold black on green",
    )
    counts = (
        f"  {s.errors} error{'s' * (s.errors != 1)}, {s.warnings} warning{'s' * (s.warnings != 1)}"
    )
    text.append(counts)
    text.append(f"  {report.subject()}\n", style="dim")
    judged = policy(report)
    if judged:
        text.append(judged + "\n", style="dim")
    text.append(headline(report) + "\n", style="bold")
    then = hint(report)
    if then:
        text.append(then + "\n")
    text.rstrip()
    return text


def _fill_table(fill: Fill) -> Table:
    table = _table(
        f"recent-item fill (window {fill.window})",
        "samples",
        "as written",
        "after fixes",
        "complete",
        "zero prefixes",
    )
    for split in ("train", "valid", "test"):
        w, n, c = (getattr(v, split) for v in (fill.as_written, fill.normalised, fill.complete))
        table.add_row(
            split,
            f"{w.samples:,}",
            _share(w, c),
            _share(n, c),
            share_text(c.resolved_slots, c.slots),
            f"{w.dead_samples:,}",
        )
    return table


def _table(first: str, *columns: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column(first, justify="left", no_wrap=True)
    for column in columns:
        table.add_column(column, justify="right" if column != "example" else "left")
    return table


def _share(split: FillSplit, complete: FillSplit) -> Text:
    """A split's fill, never rounded up to the complete mapping's when it falls short."""
    reached = split.resolved_slots >= complete.resolved_slots
    style = "green" if reached else "red" if split.resolved_slots == 0 else "yellow"
    return Text(share_text(split.resolved_slots, split.slots), style=style)


def _mapping_table(mapping: MappingStats) -> RenderableType:
    v = mapping.values
    span = f"{v.min:,}..{v.max:,}" if v.min is not None and v.max is not None else "-"
    contiguous = "contiguous" if v.contiguous else "NOT 1..N"
    if not mapping.families:  # formats are told against the sequences: none were read
        return Text(f"keys: {mapping.keys:,}, values {span} {contiguous}")
    table = _table(f"keys: values {span} {contiguous}", "keys", "safe", "example")
    for family in mapping.families:
        example = family.examples[0] if family.examples else None
        shown = ""
        if example is not None:
            shown = _cut(example.key, 30) + (f" → {example.fixed}" if example.fixed else "")
        safe = "" if family.safe is None else "yes" if family.safe else "no"
        table.add_row(family.family, f"{family.count:,}", safe, shown)
    return table


def _coverage_table(report: Report) -> Table:
    coverage = report.coverage
    assert coverage is not None
    table = _table(
        "coverage", "items: written → fixed / all", "interactions: written → fixed / all"
    )
    for split in ("all", "train", "valid", "test"):
        w: Counts = getattr(coverage.as_written, split)
        n: Counts = getattr(coverage.normalised, split)
        table.add_row(
            split,
            f"{w.items_resolved:,} → {n.items_resolved:,} / {w.items:,}",
            f"{w.interactions_resolved:,} → {n.interactions_resolved:,} / {w.interactions:,}",
        )
    return table


def _findings(findings: list[Finding], *, rows: bool = False) -> RenderableType:
    """The findings, worst first; ``rows``: the examples are whole rows (eval's), one a
    line, rather than keys."""
    if not findings:
        return Text("No findings.", style="green")
    text = Text()
    order = sorted(findings, key=lambda f: (-f.severity.rank, f.code))
    for finding in order:
        mark, style = _MARK[finding.severity]
        text.append(f"{mark} {finding.code} ", style=style)
        text.append(f"{finding.name}: ", style="bold")
        text.append(finding.message + "\n")
        if finding.examples and rows:
            text.append(f"    e.g. {_cut(finding.examples[0], 160)}\n", style="dim")
        elif finding.examples:
            shown = "; ".join(_cut(e, 72) for e in finding.examples[:2])
            text.append(f"    e.g. {shown}\n", style="dim")
    return text


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dataset_tables(report: Report) -> list[RenderableType]:
    """The embedding table and the other item files, when the dataset has them."""
    parts: list[RenderableType] = []
    if report.embeddings is not None:
        parts.append(_embeddings_table(report.embeddings))
    if report.item_files:
        # missing: sequence items without a line; extra: IDs of no sequence; no key: IDs
        # the mapping lacks.
        table = _table("item files", "IDs", "missing", "extra", "no key")
        for f in report.item_files:
            seq, mapped = f.vs_sequences, f.vs_mapping
            table.add_row(
                _cut(f.file, 36),
                f"{f.ids:,}",
                f"{seq.missing:,}" if seq else "-",
                f"{seq.extra:,}" if seq else "-",
                f"{mapped.extra:,}" if mapped else "-",
            )
        parts.append(table)
    if report.graph is not None:
        parts += _graph_table(report.graph.rows(), report.graph.folder or "")
    return parts


def _graph_table(rows: list[tuple[str, str]], folder: str) -> list[RenderableType]:
    """The graph section: a table of its short rows, and each sentence too long for a
    cell whole on its own line below it (a long cell would pad every row and the rule to
    its width; cut or wrapped, it would lose words in a pipe or a log)."""
    graph = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    graph.add_column("LightGCN graph", no_wrap=True)
    graph.add_column(_cut(folder, CELL), justify="left")
    below = Text()
    for label, text in rows:
        if len(text) <= CELL:
            graph.add_row(label, text)
            continue
        # The verdict before its reasons ("proven: ..." -> "proven"), the rest below.
        head = text.split(": ", 1)[0]
        graph.add_row(label, f"{head} (below)" if len(head) < CELL - 8 else "(below)")
        below.append(f"{label} ", style="bold")
        below.append(text + "\n")
    below.rstrip()
    return [graph, below] if below.plain else [graph]


def _embeddings_table(e: EmbeddingStats) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("embedding table", no_wrap=True)
    table.add_column(_cut(e.file, 60), justify="left")
    shape = " x ".join(f"{n:,}" for n in e.shape)
    needs = f"; the mapping needs {e.expected_rows:,} rows" if e.expected_rows else ""
    table.add_row("shape", f"{shape} {e.dtype}{needs}")
    row0 = {True: "zero", False: "NOT zero", None: "-"}[e.padding_row_zero]
    table.add_row(
        "rows",
        f"row 0 {row0}; {e.non_finite_rows:,} non-finite, {e.zero_rows:,} zero, "
        f"{e.duplicate_rows:,} duplicate",
    )
    if e.signal is not None:
        s = e.signal
        table.add_row(
            "signal",
            f"cosine co-occurring {s.cooccurring:.4f} vs random {s.random:.4f}, "
            f"ratio {s.ratio:.3f}: {s.verdict}",
        )
        if s.best_order != "row = mapping value":
            table.add_row("rows fit", s.best_order)
    return table


def console_for(stream: TextIO) -> Console:
    """A console that wraps lines to a terminal's width, and never wraps anything else:
    a CI log or a file keeps every ID and message whole, on its line."""
    console = Console(file=stream, highlight=False, soft_wrap=False)
    if console.is_terminal:
        return console
    return Console(file=stream, highlight=False, width=UNWRAPPED)


def render_plain(report: ReportBase, width: int = UNWRAPPED) -> str:
    """The human report as plain text (no colour, unwrapped by default), e.g. for a file."""
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    render_text(report, console)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()
