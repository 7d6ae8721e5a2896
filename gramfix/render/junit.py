"""JUnit XML: one test case per finding code of the report's command (its rules).

A code fails when it has a finding at or above ``fail-on``; it passes when its check
ran and found nothing that fails (findings below ``fail-on`` are attached as
``system-out``); it is skipped when its check could not run (an input it needs is
absent) or it is not selected. No timestamps or durations: the file is reproducible.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gramfix.model.report import Finding, ReportBase
from gramfix.model.rules import Input, Rule, rules_of

#: Characters XML 1.0 cannot carry at all; shown as \\xNN / \\uNNNN instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with the characters XML cannot hold made visible."""
    return _NOT_XML.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}", text
    )


def render_junit(report: ReportBase) -> str:
    """The report as a JUnit XML document."""
    fail_rank = report.settings.fail_on.rank
    checked = set(report.checked)
    by_code: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_code.setdefault(finding.code, []).append(finding)
    command = report.command
    suite = ET.Element("testsuite", name=clean(f"gramfix {command} {report.subject()}"))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("verdict", report.verdict), ("fail-on", report.settings.fail_on.value)):
        ET.SubElement(properties, "property", name=name, value=value)
    tests = failures = skipped = 0
    for code, rule in rules_of(command).items():
        tests += 1
        case = ET.SubElement(
            suite, "testcase", classname=f"gramfix.{command}", name=f"{code} {rule.name}"
        )
        found = by_code.get(code, [])
        failing = [f for f in found if f.severity.rank >= fail_rank]
        if failing:
            failures += 1
            first = failing[0]
            failure = ET.SubElement(
                case, "failure", message=clean(first.message), type=f"{code} {first.severity.value}"
            )
            failure.text = clean(_details(report, failing, rule))
        elif code not in checked:
            skipped += 1
            ET.SubElement(case, "skipped", message=_why_skipped(report, rule))
        if found and not failing:
            out = ET.SubElement(case, "system-out")
            out.text = clean(_details(report, found, rule))
    counts = {"tests": tests, "failures": failures, "errors": 0, "skipped": skipped}
    root = ET.Element("testsuites", name="gramfix")
    for key, count in counts.items():
        suite.set(key, str(count))
        root.set(key, str(count))
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _details(report: ReportBase, findings: list[Finding], rule: Rule) -> str:
    parts = []
    for finding in findings:
        path = report.path(finding)
        line = "" if finding.line is None else f":{finding.line}"
        where = "" if path is None else f"{path}{line}: "
        lines = [f"{finding.severity.value}: {where}{finding.message}"]
        lines += [f"  e.g. {example}" for example in finding.examples]
        parts.append("\n".join(lines))
    parts.append(rule.help)
    return "\n\n".join(parts)


def _why_skipped(report: ReportBase, rule: Rule) -> str:
    """What is true of a code that did not run: an input it needs was not read, or it was
    not selected (every input was there)."""
    read = {Input(name) for name in report.inputs.read}
    absent = [need for need in rule.needs if need not in read]
    if not absent:
        return "not selected (--select / --ignore)"
    if Input.TABLE_FILE not in read:  # no table at all, rather than one that is unreadable
        absent = [Input.TABLE_FILE if need is Input.TABLE else need for need in absent]
    return "not checked: " + "; ".join(need.absent for need in dict.fromkeys(absent))
