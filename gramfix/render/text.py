"""The human report: verdict first, then the tables, in one screen for a GRAM dataset."""

from __future__ import annotations

import io
from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from gramfix.model.eval_report import EvalReport
from gramfix.model.flag import shown
from gramfix.model.graph_section import GraphStats
from gramfix.model.options import flag
from gramfix.model.policy import share_text
from gramfix.model.report import Finding, Report, ReportBase
from gramfix.model.rules import Severity
from gramfix.model.sections import Counts, EmbeddingStats, Fill, FillSplit, MappingStats
from gramfix.model.wording import count

#: The width of output that is not a terminal: wide enough that no line of a report is
#: ever wrapped (rich wraps at 80 columns when it cannot ask a terminal).
UNWRAPPED = 1 << 16

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
    policy = _policy(report)
    if policy:
        text.append(policy + "\n", style="dim")
    text.append(headline(report) + "\n", style="bold")
    hint = _hint(report) if isinstance(report, Report) else ""
    if hint:
        text.append(hint + "\n")
    text.rstrip()
    return text


def _policy(report: ReportBase) -> str:
    """The settings that judged the report, when they are not the defaults."""
    s = report.settings
    parts = []
    for name, info in type(s).model_fields.items():
        value = getattr(s, name)
        if flag(name).policy and value != info.default:
            parts.append(_POLICY.get(name, f"{name.replace('_', '-')} {shown(value)}"))
    if report.inputs.config:
        parts.append(f"config {report.inputs.config}")
    return "; ".join(parts)


#: Settings the policy line says in words of their own.
_POLICY = {"exit_zero": "exit-zero: the exit status is 0 whatever the verdict"}


def headline(report: ReportBase) -> str:
    """The one sentence that says what the model will get (or, of a prediction file,
    what its metrics are worth)."""
    if isinstance(report, EvalReport):
        return report.headline()
    assert isinstance(report, Report)
    fill = report.fill
    if fill is None:
        if report.mapping is None:
            return "No GRAM-C mapping here: the collaborative prefix was not checked."
        if any(f.code == "GF002" and f.severity is Severity.ERROR for f in report.findings):
            return (
                "No user_sequence.txt: the mapping's coverage and fill are unknown, so it "
                "cannot pass (GF002)."
            )
        return "No sequences here: the mapping could not be checked against the item IDs."
    splits = [fill.as_written.train, fill.as_written.valid, fill.as_written.test]
    slots = sum(s.slots for s in splits)
    hits = sum(s.resolved_slots for s in splits)
    dead = sum(s.dead_samples for s in splits)
    samples = sum(s.samples for s in splits)
    if slots and hits == 0:
        return "GRAM-C will train as plain GRAM: every collaborative prefix is a zero vector."
    if any(f.code == "GF609" for f in report.findings):
        # Every prefix that reaches a row reads noise: worse than a partial fill.
        return (
            "GRAM-C will train on noise: the embedding table carries no collaborative "
            "signal (a placeholder, not trained embeddings)."
        )
    if any(f.code == "GF906" for f in report.findings):
        return (
            "GRAM-C will not train on the trained graph table: the export of the LightGCN "
            "graph is not the table it reads (GF906)."
        )
    if any(f.code == "GF901" for f in report.findings):
        return (
            "GRAM-C's table was trained on the validation and test targets: every metric "
            "it reports is inflated (GF901)."
        )
    if any(f.code == "GF611" and f.severity is Severity.ERROR for f in report.findings):
        return (
            "The embedding table could not be judged: too few co-occurring item pairs to "
            "tell its rows from noise (GF611)."
        )
    if hits < slots:
        return (
            f"{hits / slots:.1%} of the recent-item slots reach an embedding row; "
            f"{dead:,} of {samples:,} samples get a zero prefix."
        )
    return "Every recent-item slot of every sample reaches an embedding row."


def _hint(report: Report) -> str:
    if report.fill is None or report.mapping is None:
        return ""
    written, fixed = report.fill.as_written, report.fill.normalised
    improves = any(
        getattr(fixed, s).resolved_slots > getattr(written, s).resolved_slots
        for s in ("train", "valid", "test")
    )
    if not improves:
        return ""
    blocked = report.mapping.conflicts > 0 or any(
        f.severity is Severity.ERROR and f.code.startswith("GF2") for f in report.findings
    )
    if blocked:
        return "Safe key fixes exist, but repair is blocked by the errors below."
    return "`gramfix repair` can fix the keys without touching a value (see the fill after fixes)."


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


def _mapping_table(mapping: MappingStats) -> Table:
    v = mapping.values
    span = f"{v.min:,}..{v.max:,}" if v.min is not None and v.max is not None else "-"
    contiguous = "contiguous" if v.contiguous else "NOT 1..N"
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
        graph = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
        graph.add_column("LightGCN graph", no_wrap=True)
        graph.add_column(report.graph.folder or "", justify="left")
        for label, text in graph_rows(report.graph):
            graph.add_row(label, text)
        parts.append(graph)
    return parts


def graph_rows(g: GraphStats) -> list[tuple[str, str]]:
    """The graph section as (label, sentence) rows, for every format that shows it."""
    names = ", ".join(f.rsplit("/", 1)[-1] for f in g.files)
    rows = [
        ("files", names),
        (
            "graph",
            f"{g.users:,} users, {g.items:,} items, {g.interactions:,} interactions; "
            f"test.txt {g.test_interactions:,} ({g.test_holds})",
        ),
        ("alignment", g.alignment_text),
    ]
    if g.leaked_interactions is None:
        leakage = "not judged (the alignment is not proven)"
    elif g.leaked_interactions:
        leakage = (
            f"{count(g.leaked_interactions, 'train.txt interaction', 'train.txt interactions')}"
            f" of {count(g.leaked_users or 0, 'user', 'users')} "
            f"{'leaks' if g.leaked_interactions == 1 else 'leak'} a validation or test target"
        )
    else:
        leakage = "none: no train.txt line holds its user's validation or test target"
    rows.append(("leakage", leakage))
    if g.validation_only_items or g.users_left_out:
        rows.append(
            (
                "left out",
                f"{count(g.validation_only_items, 'validation-only item', 'validation-only items')}"
                f", {count(g.users_left_out, 'user', 'users')} with fewer than 3 items",
            )
        )
    c = g.checkpoint
    if c is not None:
        facts = [
            f"epoch {c.epoch}" if c.epoch is not None else None,
            f"n_items {c.n_items:,}" if c.n_items is not None else None,
            f"recall {c.recall:.4f}" if c.recall is not None else None,
        ]
        more = f" (the last of {c.checkpoints})" if c.checkpoints > 1 else ""
        rows.append(
            (
                "checkpoint",
                f"{c.file.rsplit('/', 1)[-1]}{more}: " + ", ".join(f for f in facts if f),
            )
        )
    e = g.export
    if e is not None:
        shape = f"{e.rows:,} x {e.dim}" if e.rows is not None else "not a table"
        needs = f" (the graph needs {e.expected_rows:,})" if e.expected_rows else ""
        installed = {
            "yes": "installed: GRAM-C reads these rows",
            "no": "NOT installed: GRAM-C reads another table",
            "no table": "NOT installed: no table for GRAM-C",
            "unknown": "installed table not readable here",
        }[e.installed]
        rows.append(("export", f"{shape}{needs}; {installed}"))
    return rows


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
