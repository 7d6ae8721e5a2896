"""Inline SVG charts for the HTML report: bars (with a marked value), a stacked bar, two
histograms.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that say what
it shows in words, and every bar, segment and series carries a text label beside its
colour: the page reads the same in grey, printed, or to a screen reader. Values are
shares between 0 and 1; the text shown is the caller's (never a share rounded up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gramfix.model.markup import Html, join, tag

INK = "#1a1a1a"
GRID = "#8a8a8a"
#: Series colours, all at least 4.5:1 against white (text-grade contrast).
SERIES = ("#1f4e8c", "#9a4a00", "#4a4a4a", "#6a3d9a", "#0b6e4f", "#a0153e", "#005f73", "#7a5c00")
FONT = "font-family:system-ui,sans-serif;font-size:12px"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its share (None: nothing to measure) and the text it shows."""

    label: str
    share: float | None
    text: str


def _n(value: float) -> str:
    return f"{value:.1f}"


def figure(ident: str, title: str, description: str, width: int, height: int, body: Html) -> Html:
    """An accessible inline SVG of ``width`` x ``height`` user units, scaled to fit."""
    return tag(
        "svg",
        tag("title", title, id=f"{ident}-title"),
        tag("desc", description, id=f"{ident}-desc"),
        body,
        role="img",
        aria_labelledby=f"{ident}-title {ident}-desc",
        viewBox=f"0 0 {width} {height}",
        width=width,
        height=height,
        class_="chart",
        style=FONT,
    )


def text(x: float, y: float, value: str, *, anchor: str = "start", bold: bool = False) -> Html:
    return tag(
        "text",
        value,
        x=_n(x),
        y=_n(y),
        fill=INK,
        text_anchor=anchor,
        font_weight="bold" if bold else None,
    )


def grouped_bars(
    ident: str,
    title: str,
    description: str,
    groups: list[tuple[str, list[Bar]]],
    text_width: int = 70,
) -> Html:
    """Horizontal bars in labelled groups (a split, then one bar per view); each bar's
    text right of it, in ``text_width`` units."""
    label_width, scale, row = 150, 380, 20
    parts: list[Html] = []
    y = 4
    for name, bars in groups:
        y += 16
        parts.append(text(4, y, name, bold=True))
        for i, bar in enumerate(bars):
            top = y + 6 + i * row
            parts.append(text(label_width - 8, top + 12, bar.label, anchor="end"))
            parts.append(
                tag(
                    "rect",
                    x=label_width,
                    y=top,
                    width=scale,
                    height=row - 6,
                    fill="none",
                    stroke=GRID,
                    stroke_width="0.5",
                )
            )
            share = bar.share if bar.share is not None else 0.0
            fill = tag(
                "rect",
                tag("title", f"{name} {bar.label}: {bar.text}"),
                x=label_width,
                y=top,
                width=_n(max(0.0, min(1.0, share)) * scale),
                height=row - 6,
                fill=SERIES[i % len(SERIES)],
            )
            parts.append(fill)
            parts.append(text(label_width + scale + 8, top + 12, bar.text))
        y += 6 + len(bars) * row
    width = label_width + scale + text_width
    return figure(ident, title, description, width, y + 6, join(parts))


def stacked_bar(ident: str, title: str, description: str, parts: list[tuple[str, int]]) -> Html:
    """One bar split into labelled parts (a name and a count each), with its legend."""
    width, height, left = 600, 34, 4
    total = sum(count for _, count in parts) or 1
    shapes: list[Html] = []
    x = float(left)
    for i, (name, count) in enumerate(parts):
        span = (width - 2 * left) * count / total
        colour = SERIES[i % len(SERIES)]
        shapes.append(
            tag(
                "rect",
                tag("title", f"{name}: {count:,}"),
                x=_n(x),
                y=4,
                width=_n(span),
                height=height - 8,
                fill=colour,
                stroke="#fff",
                stroke_width="1",
            )
        )
        if span > 8 * len(f"{count:,}") + 8:  # the count inside, in white, when it fits
            shapes.append(
                tag(
                    "text",
                    f"{count:,}",
                    x=_n(x + span / 2),
                    y=height / 2 + 4,
                    fill="#fff",
                    text_anchor="middle",
                    font_weight="bold",
                )
            )
        x += span
    return figure(ident, title, description, width, height, join(shapes))


def swatch(index: int) -> Html:
    """The colour of series ``index`` as a small square (beside its name in a legend)."""
    return tag(
        "svg",
        tag("rect", width=12, height=12, fill=SERIES[index % len(SERIES)]),
        width=12,
        height=12,
        aria_hidden="true",
        class_="swatch",
    )


def histograms(
    ident: str,
    title: str,
    description: str,
    edges: list[float],
    series: list[tuple[str, list[int]]],
) -> Html:
    """Distributions over the bins ``edges`` as shares of each series' total: the first
    as filled bars, the second as a dashed outline, each named in the legend."""
    left, top, plot_w, plot_h = 44, 40, 520, 170
    low, high = edges[0], edges[-1]
    shares = [[c / (sum(counts) or 1) for c in counts] for _, counts in series]
    peak = max((max(s, default=0.0) for s in shares), default=0.0) or 1.0

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * plot_w

    def y_of(share: float) -> float:
        return top + plot_h - share / peak * plot_h

    parts: list[Html] = [
        tag("line", x1=left, y1=top + plot_h, x2=left + plot_w, y2=top + plot_h, stroke=INK),
        tag("line", x1=left, y1=top, x2=left, y2=top + plot_h, stroke=INK),
        text(left - 4, top + 4, f"{peak:.0%}", anchor="end"),
        text(left - 4, top + plot_h, "0%", anchor="end"),
        text(left + plot_w / 2, top + plot_h + 32, "cosine similarity", anchor="middle"),
        text(left + 6, top + 12, "share of pairs"),
    ]
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        x = x_of(tick)
        parts.append(
            tag("line", x1=_n(x), y1=top + plot_h, x2=_n(x), y2=top + plot_h + 4, stroke=INK)
        )
        parts.append(text(x, top + plot_h + 16, f"{tick:g}", anchor="middle"))
    if shares:
        for i, share in enumerate(shares[0]):
            x0, x1 = x_of(edges[i]), x_of(edges[i + 1])
            parts.append(
                tag(
                    "rect",
                    x=_n(x0),
                    y=_n(y_of(share)),
                    width=_n(x1 - x0),
                    height=_n(top + plot_h - y_of(share)),
                    fill=SERIES[0],
                    fill_opacity="0.8",
                )
            )
    if len(shares) > 1:
        points = [f"{_n(x_of(low))},{_n(y_of(0.0))}"]
        for i, share in enumerate(shares[1]):
            y = _n(y_of(share))
            points += [f"{_n(x_of(edges[i]))},{y}", f"{_n(x_of(edges[i + 1]))},{y}"]
        points.append(f"{_n(x_of(high))},{_n(y_of(0.0))}")
        parts.append(
            tag(
                "polyline",
                points=" ".join(points),
                fill="none",
                stroke=SERIES[1],
                stroke_width="2",
                stroke_dasharray="5 3",
            )
        )
    legend = [(tag("rect", x=left, y=8, width=14, height=10, fill=SERIES[0]), series[0][0])]
    if len(series) > 1:
        line = tag(
            "line",
            x1=left + 280,
            y1=13,
            x2=left + 294,
            y2=13,
            stroke=SERIES[1],
            stroke_width="2",
            stroke_dasharray="5 3",
        )
        legend.append((line, series[1][0]))
    for i, (mark, name) in enumerate(legend):
        parts += [mark, text(left + 20 + i * 280, 18, name)]
    return figure(ident, title, description, left + plot_w + 20, top + plot_h + 40, join(parts))


@dataclass(frozen=True)
class Mark:
    """A value marked across a group of bars (a dashed line and a triangle), with its text."""

    value: float
    text: str


def marked_bars(
    ident: str,
    title: str,
    description: str,
    groups: list[tuple[str, list[Bar], Mark | None]],
    top: float,
) -> Html:
    """Horizontal bars in labelled groups on a scale of 0 to ``top`` (ticks above), each
    group with a value marked across its bars: one group per metric, say, its bars the
    ways of counting it and its mark the figure a file reports."""
    label_width, scale, row = 130, 360, 20
    parts: list[Html] = []

    def x_of(value: float) -> float:
        return label_width + max(0.0, min(1.0, value / top)) * scale

    y = 18
    for step in range(5):  # the scale: five ticks and their values
        tick = top * step / 4
        parts.append(text(x_of(tick), 12, f"{tick:g}", anchor="middle"))
    ticks_top = y
    for name, bars, mark in groups:
        y += 16
        parts.append(text(4, y, name, bold=True))
        if mark is not None:  # its words on the group's line, right of the bars
            parts.append(text(label_width + scale + 8, y, mark.text))
        first = y + 10
        for i, bar in enumerate(bars):
            top_y = first + i * row
            share = bar.share if bar.share is not None else 0.0
            parts += [
                text(label_width - 8, top_y + 12, bar.label, anchor="end"),
                tag(
                    "rect",
                    tag("title", f"{name} {bar.label}: {bar.text}"),
                    x=label_width,
                    y=top_y,
                    width=_n(x_of(share) - label_width),
                    height=row - 6,
                    fill=SERIES[i % len(SERIES)],
                ),
                text(label_width + scale + 8, top_y + 12, bar.text),
            ]
        last = first + len(bars) * row - 6
        if mark is not None:
            x = x_of(mark.value)
            parts.append(
                tag(
                    "g",
                    tag("title", f"{name}: {mark.text}"),
                    tag(
                        "line",
                        x1=_n(x),
                        y1=_n(first - 4),
                        x2=_n(x),
                        y2=_n(last + 3),
                        stroke=INK,
                        stroke_width="2",
                        stroke_dasharray="4 2",
                    ),
                    tag(
                        "polygon",
                        points=f"{_n(x - 5)},{_n(first - 10)} {_n(x + 5)},{_n(first - 10)} "
                        f"{_n(x)},{_n(first - 3)}",
                        fill=INK,
                    ),
                )
            )
        y = last + 6
    grid = [  # thin lines at the ticks, behind the bars
        tag(
            "line",
            x1=_n(x_of(top * step / 4)),
            y1=ticks_top - 2,
            x2=_n(x_of(top * step / 4)),
            y2=_n(y),
            stroke=GRID,
            stroke_width="0.5",
        )
        for step in range(5)
    ]
    width = label_width + scale + 150
    return figure(ident, title, description, width, int(y) + 6, join([*grid, *parts]))


def nice_top(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (at most
    1): the end of a scale that shows small shares large."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power * (1 + 1e-12):
            return min(1.0, step * power)
    return 1.0
