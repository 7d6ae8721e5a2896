"""The sections of eval's HTML page: the metrics strictly and on item identity with the
file's own totals marked, the counts, the levels strings resolved at, and every finding
with its example rows, one small function each (`SECTIONS`), between the page's header
and footer (`gramfix.render.html_page`).

Prediction strings, golds and users are user data: they go through
`gramfix.model.markup` like every value, and show as written (spaces kept: a
whitespace-level near miss differs from its gold by spaces only).
"""

from __future__ import annotations

from collections.abc import Callable

from gramfix.model.eval_report import EvalReport
from gramfix.model.eval_rows import ShownPrediction, ShownRow
from gramfix.model.eval_sections import METRICS, ExampleRow, TotalCheck, number
from gramfix.model.markup import Html, join, tag
from gramfix.model.report import Finding
from gramfix.render.charts import Bar, Mark, marked_bars, nice_top, stacked_bar, swatch
from gramfix.render.html_page import findings, section, table

STRICT = "strict (GRAM)"
ITEM = "item identity"
#: What each count is, where the report's schema has no description of it.
COUNTED = {"predictions": "Predictions in every row."}
#: Example rows whose predictions are shown open; the others fold under a summary.
OPEN = 1


def metrics(report: EvalReport) -> Html | None:
    """hit@k and ndcg@k strictly and on item identity, as bars, the reported totals
    marked; then the same as a table, and the trailing totals checked."""
    m = report.metrics
    totals = {t.name.lower(): t for t in report.totals}
    parts: list[Html | None] = []
    if m.strict is None or m.item is None:
        if not report.totals:
            return None
        parts.append(
            tag(
                "p",
                "The metrics are not recomputed: the file is not audited per user (see the "
                "findings). Its own totals:",
            )
        )
    else:
        strict, item = m.strict.by_name(), m.item.by_name()
        reported = {name: t.reported for name, t in totals.items() if name in METRICS}
        top = nice_top(max([*strict.values(), *item.values(), *reported.values()]))
        groups: list[tuple[str, list[Bar], Mark | None]] = []
        for name in METRICS:
            s, i = strict[name], item[name]
            mark = (
                Mark(reported[name], f"reported {reported[name]:.4f}") if name in reported else None
            )
            bars = [Bar(STRICT, s, f"{s:.4f}"), Bar(ITEM, i, f"{i:.4f} ({i - s:+.4f})")]
            groups.append((name, bars, mark))
        words = "; ".join(
            f"{name}: strict {strict[name]:.4f}, item identity {item[name]:.4f}"
            + (f", reported {reported[name]:.4f}" if name in reported else "")
            for name in METRICS
        )
        parts += [
            tag(
                "p",
                "Strict: a prediction counts when its string equals the gold's, as GRAM's "
                "rel_results counts it. Item identity: when it names the gold's item "
                "through the indexing file, at any normalisation level. A dashed line "
                "under a triangle marks the total the file reports.",
                class_="muted",
            ),
            marked_bars(
                "metrics-chart",
                f"hit@k and ndcg@k over {report.counts.rows:,} rows: strict and on item identity",
                f"Bars on a scale of 0 to {top:g}. {words}.",
                groups,
                top,
            ),
        ]
        rows: list[list[Html | str]] = [
            [
                name,
                f"{strict[name]:.4f}",
                f"{item[name]:.4f}",
                f"{item[name] - strict[name]:+.4f}",
                _reported(totals.get(name)),
            ]
            for name in METRICS
        ]
        head = ["metric", STRICT, ITEM, "difference", "reported"]
        parts.append(table(head, rows, numeric={1, 2, 3, 4}))
    if report.totals:
        # A total is unjudged when it is no hit@k / ndcg@k, or when rows hold batches.
        unjudged = "— not a hit@k / ndcg@k" if report.per_user else "— not audited (batched rows)"
        checked: list[list[Html | str]] = [
            [
                t.name,
                f"{t.line:,}",
                number(t.reported),
                "—" if t.recomputed is None else number(t.recomputed),
                f"{t.tolerance:.1e}",
                {True: "✓ agrees", False: "✗ differs", None: unjudged}[t.agrees],
            ]
            for t in report.totals
        ]
        head = ["total", "line", "written", "the rows give", "tolerance", "verdict"]
        parts += [tag("h3", "Trailing totals"), table(head, checked, numeric={1, 2, 3, 4})]
    return section("metrics", "Metrics", *parts)


def _reported(total: TotalCheck | None) -> str:
    if total is None:
        return "—"
    if total.agrees is False:
        return f"✗ {total.reported:.4f}"
    return f"{total.reported:.4f}"


def counts(report: EvalReport) -> Html:
    """What the audit counted, each count with what it is."""
    c = report.counts
    fields = type(c).model_fields
    rows: list[list[Html | str]] = []
    for name, info in fields.items():
        value = getattr(c, name)
        if value is None:
            why = "no user_sequence.txt" if report.per_user else "not audited per user"
            shown = f"n/a ({why})"
        else:
            shown = f"{value:,}"
        meaning = info.description or COUNTED.get(name, "")
        rows.append([name.replace("_", " "), shown, meaning])
    return section("counts", "Counts", table(["count", "rows or strings", "what"], rows, {1}))


def levels(report: EvalReport) -> Html:
    """The normalisation level each prediction and gold resolved at, as stacked bars."""
    lv, c = report.levels, report.counts
    names = list(lv.predictions)
    predictions = [*lv.predictions.values(), c.invalid_predictions]
    golds = None if lv.golds is None else [*lv.golds.values(), c.gold_unresolved or 0]
    labels = [*names, "no item"]
    parts: list[Html | None] = [
        tag(
            "p",
            "Each string is looked up as written (raw), then decoded (separators removed, ▁ "
            "a word boundary), with whitespace collapsed, then case-folded with punctuation "
            "spacing normalised; the first level that finds it counts. A string that names "
            "several items counts at its level, and is never a hit.",
            class_="muted",
        )
    ]
    for what, values in (("predictions", predictions), ("golds", golds)):
        if values is None:
            continue
        total = sum(values)
        parts.append(tag("h3", f"The {total:,} {what}"))
        parts.append(
            stacked_bar(
                f"levels-{what}-chart",
                f"The level each of the {total:,} {what} resolved at",
                "; ".join(f"{label}: {n:,}" for label, n in zip(labels, values, strict=True)),
                list(zip(labels, values, strict=True)),
            )
        )
    rows: list[list[Html | str]] = [
        [
            join([swatch(i), label]),
            f"{predictions[i]:,}",
            "n/a" if golds is None else f"{golds[i]:,}",
        ]
        for i, label in enumerate(labels)
    ]
    parts.append(table(["level", "predictions", "golds"], rows, numeric={1, 2}))
    return section("levels", "Resolution levels", *parts)


def eval_findings(report: EvalReport) -> Html:
    """Every finding, its example rows with their predictions as GRAM ranked them."""
    return findings(report, _examples(report))


def _examples(report: EvalReport) -> Callable[[Finding], Html | None]:
    def shown(f: Finding) -> Html | None:
        rows = report.examples.get(f.name)
        if not rows:
            return None
        items = [tag("li", *_example(e, open_=i < OPEN)) for i, e in enumerate(rows)]
        return join([tag("p", "Example rows:"), tag("ul", *items, class_="examples")])

    return shown


def _example(e: ExampleRow, *, open_: bool) -> list[Html]:
    said = tag("p", tag("code", str(e), class_="raw"))
    row = e.row
    if row is None:
        return [said]
    whole = join([_gold(row), _predictions(row)])
    summary = f"The row's {len(row.predictions)} predictions, as GRAM ranks them"
    return [said, tag("details", tag("summary", summary), whole, open=open_)]


def _gold(row: ShownRow) -> Html:
    return tag(
        "p",
        "Gold ",
        tag("code", row.gold, class_="raw"),
        f" names {_names(row.gold_items, row.gold_level)}.",
    )


def _names(items: tuple[str, ...], level: str | None) -> str:
    if not items:
        return "no item"
    named = items[0] if len(items) == 1 else "several items: " + ", ".join(items)
    return f"{named} (level {level})"


def _predictions(row: ShownRow) -> Html:
    rows: list[list[Html | str]] = []
    ranked: dict[str, int] = {}  # each item's first rank in the row
    for p in row.predictions:
        item = p.items[0] if len(p.items) == 1 else None
        rows.append(
            [
                f"{p.rank}",
                f"{p.beam}",
                tag("code", p.text, class_="raw"),
                number(p.score),
                ", ".join(p.items) or "—",
                p.level or "—",
                _note(p, ranked.get(item) if item else None),
            ]
        )
        if item is not None:
            ranked.setdefault(item, p.rank)
    head = ["rank", "beam", "prediction", "score", "item", "level", "match"]
    return table(head, rows, numeric={0, 1, 3})


def _note(p: ShownPrediction, repeats: int | None) -> str:
    """What a prediction is for the row, in words (with a symbol: colour carries none)."""
    notes = []
    if p.strict:
        notes.append("✓ equals the gold: a hit for GRAM")
    elif p.identity:
        notes.append("≈ the gold's item in another form: a hit on item identity only")
    if not p.items:
        notes.append("✗ names no item")
    elif len(p.items) > 1:
        notes.append("✗ names several items: never a hit")
    if repeats is not None:
        notes.append(f"✗ the item of rank {repeats} again")
    return "; ".join(notes)


#: Eval's sections between the page's header and footer, in reading order.
SECTIONS: tuple[Callable[[EvalReport], Html | None], ...] = (
    metrics,
    counts,
    levels,
    eval_findings,
)
