"""SARIF 2.1.0: the format code-scanning services (GitHub, GitLab, Azure) ingest.

The rules are the catalogue entries of the report's command; every finding is one
result with its rule, level, message and, when known, the file (relative to the working
directory, the repository root in CI) and line.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import orjson

from gramfix import __version__
from gramfix.model.report import Finding, ReportBase
from gramfix.model.rules import Rule, Severity, rules_of

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(report: ReportBase) -> str:
    """The report as a SARIF 2.1.0 log (indented JSON text ending in a newline)."""
    rules = rules_of(report.command)
    index = {code: i for i, code in enumerate(rules)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gramfix",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(rule) for rule in rules.values()],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "properties": {
                            "verdict": report.verdict,
                            "failOn": report.settings.fail_on.value,
                        },
                    }
                ],
                "results": [_result(report, finding, index) for finding in report.findings],
            }
        ],
    }
    return orjson.dumps(log, option=orjson.OPT_INDENT_2).decode() + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["data", "gram"]},
    }


def _result(report: ReportBase, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    text = finding.message
    if finding.examples:
        text += "\ne.g. " + "\ne.g. ".join(finding.examples)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "properties": {"count": finding.count},
    }
    path = report.path(finding)
    if path is not None:
        physical: dict[str, Any] = {"artifactLocation": _artifact(path)}
        if finding.line is not None:
            physical["region"] = {"startLine": finding.line}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def uri(path: str) -> str:
    """A relative path as a URI reference (percent-encoded), an absolute one as file://."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return "file://" + quote(posix.as_posix())
    return quote(posix.as_posix())


def _artifact(path: str) -> dict[str, str]:
    location = {"uri": uri(path)}
    if not PurePosixPath(path).is_absolute():
        location["uriBaseId"] = "%SRCROOT%"
    return location
