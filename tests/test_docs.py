"""The README documents what the code does: every finding code, every command's --help,
every configuration key.

GRAMFIX_UPDATE_DOCS=1 rewrites the generated README sections; review the diff.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import pytest

from gramfix.checks.eval import registry as eval_registry
from gramfix.checks.registry import registered
from gramfix.cli import cli
from gramfix.model import flag, options
from gramfix.model.rules import RULES, rules_of
from tests.conftest import ROOT, Run

README = ROOT / "README.md"
UPDATE = bool(os.environ.get("GRAMFIX_UPDATE_DOCS"))
#: Every command of the group (a new command fails the test until the README has it).
COMMANDS = sorted(cli.commands)


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
