"""Output formats: each renders every command's report (`ReportBase`: check's `Report`,
eval's `EvalReport`), in its own module."""

from __future__ import annotations

from gramfix.model.report import ReportBase

#: Every ``--format``; all but text are machine formats.
FORMATS = ("text", "json", "github", "junit", "sarif", "markdown", "html")


def render(report: ReportBase, output_format: str) -> str:
    """``report`` in ``output_format`` as text (plain text, no colour, for ``text``)."""
    if output_format == "text":
        from gramfix.render.text import render_plain

        return render_plain(report)
    if output_format == "json":
        from gramfix.render.json import render_json

        return render_json(report)
    if output_format == "github":
        from gramfix.render.github import render_github

        return render_github(report)
    if output_format == "junit":
        from gramfix.render.junit import render_junit

        return render_junit(report)
    if output_format == "sarif":
        from gramfix.render.sarif import render_sarif

        return render_sarif(report)
    if output_format == "markdown":
        from gramfix.render.markdown import render_markdown

        return render_markdown(report)
    if output_format == "html":
        from gramfix.render.html import render_html

        return render_html(report)
    raise ValueError(f"unknown output format {output_format!r}")
