"""GitHub Actions workflow commands: one annotation per finding.

``::error file=F,line=L,title=T::message``. The runner reads one command per line, so
data is escaped as its toolkit does (``%`` -> ``%25``, CR -> ``%0D``, LF -> ``%0A``);
property values additionally escape ``:`` -> ``%3A`` and ``,`` -> ``%2C``, which would
otherwise end the value.
"""

from __future__ import annotations

from gramfix.model.report import Finding, ReportBase
from gramfix.model.rules import Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str], message: str) -> str:
    """One workflow command line (without the newline)."""
    shown = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name}{' ' + shown if shown else ''}::{escape_data(message)}"


def annotation(report: ReportBase, finding: Finding) -> str:
    """The annotation of one finding."""
    properties: dict[str, str] = {}
    path = report.path(finding)
    if path is not None:
        properties["file"] = path
        if finding.line is not None:
            properties["line"] = str(finding.line)
    properties["title"] = f"{finding.code} {finding.name}"
    message = finding.message
    if finding.examples:
        message += "\ne.g. " + "\ne.g. ".join(finding.examples)
    return command(COMMANDS[finding.severity], properties, message)


def render_github(report: ReportBase) -> str:
    """One annotation line per finding (empty when there is none)."""
    return "".join(annotation(report, f) + "\n" for f in report.findings)
