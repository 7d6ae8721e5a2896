"""The sections of check's HTML page: the recent-item fill, coverage, key formats, the
most frequent missing items, the embedding table and the item files, one small function
each (`SECTIONS`), between the page's header and footer (`gramfix.render.html_page`)."""

from __future__ import annotations

from collections.abc import Callable

from gramfix.model.display import fill_shares
from gramfix.model.markup import Html, join, tag
from gramfix.model.policy import share_text
from gramfix.model.report import Report
from gramfix.model.sections import Counts
from gramfix.render.charts import Bar, grouped_bars, histograms, stacked_bar, swatch
from gramfix.render.html_page import findings, section, table

VIEWS = ("as written", "after fixes", "complete")


def fill(report: Report) -> Html | None:
    if report.fill is None:
        return None
    f = report.fill
    groups, rows = [], []
    for split, *shares in fill_shares(report):
        written = getattr(f.as_written, split)
        values = [getattr(getattr(f, v), split) for v in ("as_written", "normalised", "complete")]
        bars = [
            Bar(label, x.resolved_slots / x.slots if x.slots else None, text)
            for label, x, text in zip(VIEWS, values, shares, strict=True)
        ]
        groups.append((f"{split} ({written.samples:,} samples)", bars))
        rows.append([split, f"{written.samples:,}", *shares, f"{written.dead_samples:,}"])
    summary = "; ".join(
        f"{split}: " + ", ".join(f"{v} {t}" for v, t in zip(VIEWS, shares, strict=True))
        for split, *shares in fill_shares(report)
    )
    chart = grouped_bars(
        "fill-chart",
        f"Recent-item fill per split (window {f.window})",
        "Share of the real slots of the recent-item windows that reach an embedding row. "
        + summary,
        groups,
    )
    figures = table(["split", "samples", *VIEWS, "zero prefixes"], rows, numeric={1, 2, 3, 4, 5})
    explain = tag(
        "p",
        "The share of GRAM-C's recent-item slots that reach an embedding row, as the "
        "mapping is written, after the safe key fixes, and with a mapping that resolves "
        "every item.",
        class_="muted",
    )
    return section("fill", f"Recent-item fill (window {f.window})", explain, chart, figures)


def coverage(report: Report) -> Html | None:
    if report.coverage is None:
        return None
    c = report.coverage
    groups, rows = [], []
    for split in ("all", "train", "valid", "test"):
        w: Counts = getattr(c.as_written, split)
        n: Counts = getattr(c.normalised, split)
        items = [share_text(w.items_resolved, w.items), share_text(n.items_resolved, n.items)]
        acts = [
            share_text(w.interactions_resolved, w.interactions),
            share_text(n.interactions_resolved, n.interactions),
        ]
        groups.append(
            (
                split,
                [
                    Bar("items as written", _share(w.items_resolved, w.items), items[0]),
                    Bar("items after fixes", _share(n.items_resolved, n.items), items[1]),
                    Bar(
                        "interactions as written",
                        _share(w.interactions_resolved, w.interactions),
                        acts[0],
                    ),
                    Bar(
                        "interactions after fixes",
                        _share(n.interactions_resolved, n.interactions),
                        acts[1],
                    ),
                ],
            )
        )
        rows.append(
            [
                split,
                f"{w.items_resolved:,} → {n.items_resolved:,} / {w.items:,}",
                f"{w.interactions_resolved:,} → {n.interactions_resolved:,} / {w.interactions:,}",
            ]
        )
    chart = grouped_bars(
        "coverage-chart",
        "Coverage of the sequence items and interactions per split",
        "Share of the distinct items and of the interactions the mapping resolves, as "
        "written and after the safe key fixes, per split.",
        groups,
    )
    figures = table(
        ["split", "items: written → fixed / all", "interactions: written → fixed / all"],
        rows,
        numeric={1, 2},
    )
    return section("coverage", "Coverage", chart, figures)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def keys(report: Report) -> Html | None:
    m = report.mapping
    if m is None or not m.families:
        return None
    parts = [(f.family, f.count) for f in m.families]
    chart = stacked_bar(
        "keys-chart",
        f"Key formats of the {m.keys:,} mapping keys",
        "; ".join(f"{name}: {count:,}" for name, count in parts),
        parts,
    )
    rows = []
    for i, f in enumerate(m.families):
        safe = "—" if f.safe is None else "yes" if f.safe else "no"
        examples = tag("ul", *(tag("li", _key(e.key, e.fixed)) for e in f.examples))
        rows.append([join([swatch(i), f.family]), f"{f.count:,}", safe, f.fix or "—", examples])
    figures = table(["family", "keys", "safe", "fix", "examples"], rows, numeric={1})
    v = m.values
    values = (
        f"Values {v.min:,}..{v.max:,}, " if v.min is not None and v.max is not None else "Values: "
    ) + ("contiguous 1..N." if v.contiguous else "not exactly 1..N.")
    return section("keys", "Key formats", tag("p", values, class_="muted"), chart, figures)


def _key(key: str, fixed: str | None) -> Html:
    """A key, and the item ID its fix leads to when that is another string."""
    if fixed is None or fixed == key:
        return tag("code", key)
    return join([tag("code", key), " → ", tag("code", fixed)])


def missing(report: Report) -> Html | None:
    c = report.coverage
    if c is None or not c.top_missing:
        return None
    rows: list[list[Html | str]] = [
        [tag("code", m.id), f"{m.interactions:,}"] for m in c.top_missing
    ]
    parts = [tag("h3", "As written"), table(["item", "interactions"], rows, numeric={1})]
    if c.top_missing_normalised:
        still: list[list[Html | str]] = [
            [tag("code", m.id), f"{m.interactions:,}"] for m in c.top_missing_normalised
        ]
        parts += [
            tag("h3", "Still missing after the safe key fixes"),
            table(["item", "interactions"], still, numeric={1}),
        ]
    return section("missing", "Most frequent missing items", *parts)


def embeddings(report: Report) -> Html | None:
    e = report.embeddings
    if e is None:
        return None
    shape = " × ".join(f"{n:,}" for n in e.shape)
    row0 = {True: "zero", False: "NOT zero", None: "—"}[e.padding_row_zero]
    rows: list[list[Html | str]] = [
        ["file", tag("code", e.file)],
        [
            "shape",
            f"{shape} {e.dtype}"
            + (f" (the mapping needs {e.expected_rows:,} rows)" if e.expected_rows else ""),
        ],
        [
            "rows",
            f"row 0 {row0}; {e.non_finite_rows:,} non-finite, {e.zero_rows:,} zero, "
            f"{e.duplicate_rows:,} duplicate",
        ],
    ]
    parts: list[Html | None] = [table(["", ""], rows, numeric=set())]
    s = e.signal
    if s is not None:
        parts.append(
            tag(
                "p",
                f"Collaborative signal: {s.verdict}. Mean cosine similarity of co-occurring "
                f"items' rows {s.cooccurring:.4f} vs {s.random:.4f} for random pairs (ratio "
                f"{s.ratio:.3f}; {s.pairs:,} and {s.random_pairs:,} pairs, seed {s.seed}).",
            )
        )
        if s.histogram is not None:
            h = s.histogram
            parts.append(
                histograms(
                    "signal-chart",
                    "Cosine similarity of co-occurring vs random item pairs",
                    f"Distributions of the cosine similarity of the table rows of {s.pairs:,} "
                    f"co-occurring pairs (mean {s.cooccurring:.4f}) and {s.random_pairs:,} "
                    f"random pairs (mean {s.random:.4f}); a trained table puts the first "
                    "to the right of the second.",
                    h.edges,
                    [
                        (f"co-occurring pairs (mean {s.cooccurring:.4f})", h.cooccurring),
                        (f"random pairs (mean {s.random:.4f})", h.random),
                    ],
                )
            )
    return section("embeddings", "Embedding table", *parts)


def item_files(report: Report) -> Html | None:
    if not report.item_files and not report.lexical_ids:
        return None
    rows: list[list[Html | str]] = []
    for f in report.item_files:
        seq, mapped = f.vs_sequences, f.vs_mapping
        rows.append(
            [
                tag("code", f.file),
                f.kind,
                f"{f.ids:,}",
                f"{seq.missing:,}" if seq else "—",
                f"{seq.extra:,}" if seq else "—",
                f"{mapped.extra:,}" if mapped else "—",
            ]
        )
    head = ["file", "kind", "IDs", "sequence items missing", "not in sequences", "no key"]
    parts: list[Html | None] = [table(head, rows, numeric={2, 3, 4, 5})] if rows else []
    for lexical in report.lexical_ids:
        collisions: list[list[Html | str]] = [
            [c.comparison, f"{c.groups:,}", f"{c.items:,}", f"{c.pairs:,}"]
            for c in lexical.collisions
        ]
        parts += [
            tag("h3", "Lexical-ID collisions in ", tag("code", lexical.file)),
            table(["comparison", "shared IDs", "items", "pairs"], collisions, {1, 2, 3}),
        ]
    return section("item-files", "Item files", *parts)


#: The alignment verdict's symbol (the word beside it says the same: colour carries none).
ALIGNED = {"proven": "✓", "mismatch": "✗", "not judged": "–"}


def graph(report: Report) -> Html | None:
    """The LightGCN chain: the files read, the alignment verdict in words, the leaked
    share of train.txt as bars, and every fact of the section as the text shows it."""
    g = report.graph
    if g is None:
        return None
    verdict = g.alignment_text.removeprefix(f"{g.alignment}: ")
    parts: list[Html | None] = [
        tag("p", "Files read: ", join((tag("code", f) for f in g.files), ", "), class_="muted"),
        tag(
            "p",
            tag("strong", f"{ALIGNED[g.alignment]} Index alignment {g.alignment}: "),
            verdict,
            id="graph-alignment",
        ),
    ]
    if g.leaked_interactions is not None and g.leaked_users is not None:
        leaked = [
            ("train.txt interactions", g.leaked_interactions, g.interactions),
            ("users", g.leaked_users, g.users),
        ]
        shown = [f"{n:,} of {whole:,} ({share_text(n, whole)})" for _, n, whole in leaked]
        bars = [
            Bar(what, _share(n, whole), text)
            for (what, n, whole), text in zip(leaked, shown, strict=True)
        ]
        said = "; ".join(
            f"{what}: {text}" for (what, _, _), text in zip(leaked, shown, strict=True)
        )
        parts.append(
            grouped_bars(
                "graph-chart",
                "Leakage: train.txt holding validation or test targets",
                "The graph's training interactions that are their user's validation or test "
                f"target, and the users with one. {said}.",
                [("leaked", bars)],
                text_width=150,
            )
        )
    rows: list[list[Html | str]] = [
        [label, text] for label, text in g.rows() if label not in ("files", "alignment")
    ]
    parts.append(table(["", ""], rows, numeric=set()))
    return section("graph", "LightGCN graph", *parts)


#: The page's sections between its header and footer, in reading order: each function
#: renders one part of the report (None: the report has no such part).
SECTIONS: tuple[Callable[[Report], Html | None], ...] = (
    fill,
    coverage,
    keys,
    missing,
    embeddings,
    item_files,
    graph,
    findings,
)
