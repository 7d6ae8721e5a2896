"""How a report shows itself: a short ``repr`` and a notebook's HTML view.

Both say the verdict, the headline, the recent-window fill per split and the findings,
which is what a notebook cell or a log line needs; the whole report is one call away
(``report.model_dump()``, the frames, ``gramfix.render.render(report, "html")``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gramfix.model.headline import headline
from gramfix.model.markup import Html, join, tag
from gramfix.model.policy import share_text
from gramfix.model.rules import Severity

if TYPE_CHECKING:
    from gramfix.model.report import Finding, Report, ReportBase

#: Severity as a symbol and a word: never colour alone.
MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}
SPLITS = ("train", "valid", "test")
#: Findings a repr lists before it says how many more there are.
SHOWN = 8


def counts(report: ReportBase) -> str:
    """``3 errors, 0 warnings, 1 info``."""
    s = report.summary
    return (
        f"{s.errors} error{'s' * (s.errors != 1)}, {s.warnings} warning"
        f"{'s' * (s.warnings != 1)}, {s.infos} info{'s' * (s.infos != 1)}"
    )


def fill_shares(report: Report) -> list[tuple[str, str, str, str]]:
    """Per split: its name and its fill as written, after fixes and complete."""
    fill = report.fill
    if fill is None:
        return []
    rows = []
    for split in SPLITS:
        w, n, c = (getattr(v, split) for v in (fill.as_written, fill.normalised, fill.complete))
        rows.append(
            (
                split,
                share_text(w.resolved_slots, w.slots),
                share_text(n.resolved_slots, n.slots),
                share_text(c.resolved_slots, c.slots),
            )
        )
    return rows


def ordered(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by code."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.code))


def short_repr(report: Report) -> str:
    """A few lines: verdict, counts and folder; headline; fill per split; findings."""
    lines = [f"<gramfix Report {report.verdict}: {counts(report)} in {report.subject()}"]
    lines.append(" " + headline(report))
    shares = fill_shares(report)
    if shares:
        lines.append(
            " fill as written (after fixes): "
            + ", ".join(f"{s} {w} ({n})" for s, w, n, _ in shares)
        )
    findings = ordered(report.findings)
    if findings:
        shown = ", ".join(f"{MARK[f.severity]} {f.code} {f.name}" for f in findings[:SHOWN])
        more = f" and {len(findings) - SHOWN} more" if len(findings) > SHOWN else ""
        lines.append(f" findings: {shown}{more}")
    else:
        lines.append(" no findings")
    return "\n".join(lines) + ">"


def failure(report: Report) -> str:
    """`CheckFailed`'s message: what failed, the headline and each failing finding."""
    lines = [f"gramfix check failed ({counts(report)} in {report.subject()}): {headline(report)}"]
    lines += [
        f"  {MARK[f.severity]} {f.code} {f.name}: {f.message}" for f in ordered(report.failing())
    ]
    return "\n".join(lines)


def notebook_html(report: Report) -> Html:
    """A notebook cell's view: one element with inline styles (a notebook shares one page
    between cells, so a style sheet would restyle the others)."""
    failed = report.verdict == "fail"
    badge = tag(
        "strong",
        "✗ FAIL" if failed else "✓ PASS",
        style="color:#fff;background:"
        + ("#b00020" if failed else "#1b5e20")
        + ";padding:0 .4em;border-radius:3px",
    )
    parts = [
        tag("p", badge, " ", counts(report), " in ", tag("code", report.subject())),
        tag("p", tag("strong", headline(report))),
    ]
    cell = "padding:2px 10px;text-align:right"
    shares = fill_shares(report)
    if shares:
        head = tag(
            "tr",
            *(
                tag("th", h, style=cell)
                for h in ("recent-item fill", "as written", "after fixes", "complete")
            ),
        )
        body = [tag("tr", *(tag("td", v, style=cell) for v in row)) for row in shares]
        parts.append(tag("table", tag("thead", head), tag("tbody", *body)))
    items = [
        tag(
            "li",
            tag("code", f"{MARK[f.severity]} {f.code}"),
            f" {f.severity.value} ",
            tag("strong", f.name),
            ": ",
            f.message,
        )
        for f in ordered(report.findings)
    ]
    parts.append(tag("ul", *items) if items else tag("p", "No findings."))
    return tag("div", join(parts), class_="gramfix-report", lang="en")
