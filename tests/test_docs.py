"""The README documents what the code does: every finding code, every command's --help,
every configuration key, the public API (from its docstrings).

GRAMFIX_UPDATE_DOCS=1 rewrites the generated README sections; review the diff.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
from collections.abc import Callable

import click
import pytest

import gramfix
from gramfix.checks.eval import registry as eval_registry
from gramfix.checks.registry import registered
from gramfix.cli import cli
from gramfix.model import flag, options
from gramfix.model.rules import RULES, rules_of
from tests.conftest import ROOT, Run

README = ROOT / "README.md"
UPDATE = bool(os.environ.get("GRAMFIX_UPDATE_DOCS"))
#: Every command of the group (a new command fails the test until the README has it). The
#: group is lazy: its ``commands`` dict stays empty, the table lists them.
COMMANDS = sorted(cli.list_commands(click.Context(cli)))
assert COMMANDS, "the command list is empty: the README's help would go unchecked"


def _rules_table(command: str) -> str:
    """A command's finding catalogue, with the check (or audit) that owns each code and
    what it needs."""
    specs = registered() if command == "check" else eval_registry.registered()
    owner = {code: spec.name for spec in specs for code in spec.codes}
    column = "check" if command == "check" else "audit"
    lines = [f"| code | name | severity | {column} | needs | meaning |", "|---" * 6 + "|"]
    lines += [
        f"| `{r.code}` | `{r.name}` | {r.severity.value} | {owner[r.code]} "
        f"| {', '.join(n.value for n in r.needs) or '-'} | {r.title} |"
        for r in rules_of(command).values()
    ]
    return "\n".join(lines)


def _keys_table() -> str:
    """The configuration keys, from the options model."""
    lines = ["| key | value | flag | meaning |", "|---|---|---|---|"]
    for name, info, spec in options.option_fields():
        if not spec.config:
            continue
        key = name.replace("_", "-")
        given = f"`{spec.argument.upper()}`" if spec.argument else f"`--{key}`"
        commands = " and ".join(spec.commands)
        value, meaning = flag.expected(info), flag.help_text(info)
        lines.append(f"| `{key}` | {value} | {given} ({commands}) | {meaning} |")
    return "\n".join(lines)


#: The API reference: each public function, and the classes' public members.
API: list[tuple[str, object]] = [
    ("gramfix.check", gramfix.check),
    ("gramfix.preflight", gramfix.preflight),
    ("gramfix.repair", gramfix.repair),
    ("gramfix.evaluate", gramfix.evaluate),
    *(
        (f"Report.{name}", getattr(gramfix.Report, name))
        for name in (
            "headline",
            "raise_for_verdict",
            "exit_code",
            "failing",
            "findings_frame",
            "coverage_frame",
            "fill_frame",
            "missing_items_frame",
        )
    ),
    *(
        (f"EvalReport.{name}", getattr(gramfix.EvalReport, name))
        for name in ("headline", "rows_frame", "findings_frame")
    ),
    ("gramfix.CheckFailed", gramfix.CheckFailed),
    ("gramfix.RepairPlan", gramfix.RepairPlan),
    *(
        (f"RepairPlan.{name}", getattr(gramfix.RepairPlan, name))
        for name in ("ok", "blockers", "after", "report", "diff", "write")
    ),
    ("gramfix.RepairRefused", gramfix.RepairRefused),
]


def _signature(name: str, item: object) -> str:
    """``name(parameters) -> returns``, without the parameters' types (the prose says them)."""
    if isinstance(item, (property, functools.cached_property)) or inspect.isclass(item):
        return name
    assert callable(item)
    signature = inspect.signature(item)
    shown = []
    star = False
    for p in signature.parameters.values():
        if p.name == "self":
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            shown.append("*")
            star = True
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        star = star or p.kind is p.VAR_POSITIONAL
        default = "" if p.default is p.empty else f"={p.default!r}"
        shown.append(f"{prefix}{p.name}{default}")
    returns = signature.return_annotation
    arrow = "" if returns is signature.empty else f" -> {returns}"
    return f"{name}({', '.join(shown)}){arrow}"


def _api_reference() -> str:
    """The README's API reference, from the docstrings."""
    parts = []
    for name, item in API:
        doc = inspect.getdoc(item.fget if isinstance(item, property) else item) or ""
        if isinstance(item, functools.cached_property):
            doc = inspect.getdoc(item.func) or ""
        parts.append(f"#### `{_signature(name, item)}`\n\n{doc}")
    return "\n\n".join(parts)


def _replace(text: str, start: str, end: str, body: str) -> str:
    pattern = re.compile(re.escape(start) + r"\n.*?" + re.escape(end), re.DOTALL)
    assert pattern.search(text), f"README lacks the {start} section"
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def _help(gramfix: Callable[..., Run], command: str) -> str:
    args = ["--help"] if command == "gramfix" else [command, "--help"]
    return "```text\n" + gramfix(*args).out.rstrip() + "\n```"


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")


def test_readme_is_up_to_date(gramfix: Callable[..., Run], wide: None) -> None:
    text = README.read_text(encoding="utf-8")
    expected = _replace(text, "<!-- rules -->", "<!-- /rules -->", _rules_table("check"))
    expected = _replace(
        expected, "<!-- eval-rules -->", "<!-- /eval-rules -->", _rules_table("eval")
    )
    expected = _replace(expected, "<!-- config-keys -->", "<!-- /config-keys -->", _keys_table())
    expected = _replace(expected, "<!-- api -->", "<!-- /api -->", _api_reference())
    for command in ["gramfix", *COMMANDS]:
        body = _help(gramfix, command)
        expected = _replace(expected, f"<!-- help:{command} -->", "<!-- /help -->", body)
    if UPDATE:
        README.write_text(expected, encoding="utf-8")
    assert text == expected, "README drifted from the code: run GRAMFIX_UPDATE_DOCS=1 pytest"


def test_every_code_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    for code in RULES:
        assert f"`{code}`" in text


def test_every_configuration_key_is_documented() -> None:
    from gramfix.model.options import config_keys

    text = README.read_text(encoding="utf-8")
    for key in config_keys():
        assert f"`{key}`" in text, f"the README does not document the key {key}"


def test_the_committed_schemas_are_linked() -> None:
    text = README.read_text(encoding="utf-8")
    assert "docs/report.schema.json" in text
    assert "docs/eval.schema.json" in text


def test_every_public_name_is_exported_and_documented() -> None:
    text = README.read_text(encoding="utf-8")
    for name in ("check", "preflight", "repair", "CheckFailed", "RepairPlan", "RepairRefused"):
        assert name in gramfix.__all__
        assert f"`gramfix.{name}" in text
    # The reference covers every public method the report gained for notebooks.
    documented = {name.split(".")[1] for name, _ in API if name.startswith("Report.")}
    assert {"raise_for_verdict", "findings_frame", "missing_items_frame"} <= documented
    documented = {name.split(".")[1] for name, _ in API if name.startswith("EvalReport.")}
    assert {"rows_frame"} <= documented
