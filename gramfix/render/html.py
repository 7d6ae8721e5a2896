"""The HTML report: one self-contained page to read, share and print.

Inline CSS and SVG, no script, no font, image or style sheet from anywhere: it opens
offline as it opens online. The page is the report's sections in reading order, each
one small function of the report (check's in `gramfix.render.html_check`, eval's in
`gramfix.render.html_eval`: a new section of a report is a new function in its
``SECTIONS``), between the header and footer every report shares
(`gramfix.render.html_page`). Every value goes through `gramfix.model.markup`, which
escapes whatever is not markup built here: item IDs, keys, predictions and metadata
lines stay text.

Built with the standard library: the page is mostly charts computed in Python, so a
template engine would add a dependency and leave the logic where it is; the typed
`Html` markup gives the escaping a template engine's autoescape would.
"""

from __future__ import annotations

from gramfix.model.eval_report import EvalReport
from gramfix.model.markup import Html
from gramfix.model.report import Report, ReportBase
from gramfix.render import html_check, html_eval
from gramfix.render.html_page import page
from gramfix.render.html_style import STYLE

__all__ = ["STYLE", "render_html"]


def render_html(report: ReportBase) -> str:
    """The report as one self-contained HTML page."""
    parts: list[Html | None] = []
    if isinstance(report, Report):
        parts = [section(report) for section in html_check.SECTIONS]
    elif isinstance(report, EvalReport):
        parts = [section(report) for section in html_eval.SECTIONS]
    return page(report, parts)
