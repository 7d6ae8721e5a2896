"""The HTML page's shell and its shared building blocks: the head, the header with the
verdict and headline, the footer, a section, a table, a finding.

`gramfix.render.html` puts a report's sections (`gramfix.render.html_check` for check,
`gramfix.render.html_eval` for eval) between this header and footer. Every value goes
through `gramfix.model.markup`, which escapes whatever is not markup built here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from gramfix import __version__
from gramfix.model.display import MARK, counts, ordered
from gramfix.model.headline import headline, hint, policy
from gramfix.model.markup import Html, join, tag
from gramfix.model.report import Finding, ReportBase
from gramfix.model.rules import rule
from gramfix.render.html_style import STYLE

#: What a finding shows as its examples (None: its own example lines).
Examples = Callable[[Finding], Html | None]


def page(report: ReportBase, sections: Iterable[Html | None]) -> str:
    """The whole document: the head, the header, ``sections``, the footer."""
    title = f"gramfix {report.command}: {report.verdict} - {report.subject()}"
    head = join(
        [
            tag("meta", charset="utf-8"),
            tag("meta", name="viewport", content="width=device-width, initial-scale=1"),
            tag("title", title),
            tag("style", STYLE),
        ]
    )
    body = tag("body", header(report), tag("main", join(sections)), footer(report))
    document = tag("html", tag("head", head), body, lang="en")
    return f"<!DOCTYPE html>\n{document}\n"


def header(report: ReportBase) -> Html:
    failed = report.verdict == "fail"
    badge = tag(
        "span", "✗ FAIL" if failed else "✓ PASS", class_="badge fail" if failed else "badge pass"
    )
    judged = policy(report)
    lines = [
        tag("h1", f"gramfix {report.command} ", badge, " ", tag("code", report.subject())),
        tag("p", counts(report), f"; fails on {report.settings.fail_on.value}", class_="muted"),
        tag("p", headline(report), class_="headline", id="headline"),
        tag("p", prose(hint(report))) if hint(report) else None,
        tag("p", "Judged with: ", judged, class_="muted") if judged else None,
    ]
    return tag("header", join(lines))


def footer(report: ReportBase) -> Html:
    text = (
        f"gramfix {__version__}, report schema {report.schema_version}. The same report: "
        f"gramfix {report.command} --format json."
    )
    return tag("footer", tag("p", text, class_="muted"))


def section(ident: str, heading: str, *content: Html | str | None) -> Html:
    """A ``<section>`` with its ``<h2>``."""
    return tag("section", tag("h2", heading), *content, id=ident)


def table(head: list[str], rows: list[list[Html | str]], numeric: set[int]) -> Html:
    """A table; the columns in ``numeric`` right-aligned."""

    def cell(kind: str, i: int, value: Html | str) -> Html:
        return tag(kind, value, class_="n" if i in numeric else None)

    header_row = tag("tr", *(cell("th", i, h) for i, h in enumerate(head)))
    body = [tag("tr", *(cell("td", i, v) for i, v in enumerate(row))) for row in rows]
    return tag("table", tag("thead", header_row), tag("tbody", *body))


def prose(sentence: str) -> Html:
    """A sentence whose `backquoted` parts are code."""
    pieces = sentence.split("`")
    return join(tag("code", p) if i % 2 else p for i, p in enumerate(pieces))


def findings(report: ReportBase, examples: Examples | None = None) -> Html:
    """Every finding (most severe first) with its rule's help, and the codes that passed."""
    found = ordered(report.findings)
    parts: list[Html | None] = [tag("p", "No findings.")] if not found else []
    parts += [finding(report, f, examples(f) if examples else None) for f in found]
    passed = [code for code in report.checked if code not in {f.code for f in found}]
    if passed:
        parts.append(tag("p", "Checked and passed: ", ", ".join(passed), class_="muted"))
    return section("findings", f"Findings ({len(found)})", *parts)


def finding(report: ReportBase, f: Finding, shown: Html | None = None) -> Html:
    """One finding: code, name, severity, message, where, examples (``shown``, or its
    example lines), and why and the fix."""
    sev = f.severity.value
    place = report.path(f)
    location = f"{place}:{f.line}" if place and f.line else place
    if shown is None and f.examples:
        shown = join(
            [tag("p", "Examples:"), tag("ul", *(tag("li", tag("code", e)) for e in f.examples))]
        )
    return tag(
        "article",
        tag("h3", f"{MARK[f.severity]} {f.code} {f.name} ", tag("span", sev, class_=f"sev {sev}")),
        tag("p", f.message),
        tag("p", "In ", tag("code", location), class_="muted") if location else None,
        shown,
        tag("p", tag("strong", "Why, and the fix: "), rule(f.code).help),
        class_=f"finding {sev}",
    )
