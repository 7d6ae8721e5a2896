"""The registries of check and eval: every code has one owner, and what a check (or an
audit) needs is what its rules need."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from gramfix import check_dataset
from gramfix.checks.eval import registry as eval_registry
from gramfix.checks.registry import CheckResult, CheckSpec, registered
from gramfix.model.report import Finding
from gramfix.model.rules import FAMILIES, RULES, Input, rules_of

CASES = Path(__file__).parent / "cases"


def test_every_code_is_owned_by_exactly_one_check() -> None:
    owners = Counter(code for check in registered() for code in check.codes)
    assert sorted(owners) == sorted(rules_of("check"))
    assert {code for code, n in owners.items() if n > 1} == set()


def test_every_eval_code_is_owned_by_exactly_one_audit() -> None:
    owners = Counter(code for audit in eval_registry.registered() for code in audit.codes)
    assert sorted(owners) == sorted(rules_of("eval"))
    assert {code for code, n in owners.items() if n > 1} == set()


def test_the_catalogue_is_the_two_commands_and_codes_name_their_command() -> None:
    assert {*rules_of("check"), *rules_of("eval")} == set(RULES)
    for code, entry in RULES.items():
        assert code.startswith(FAMILIES[entry.command]), code
    names = [entry.name for entry in RULES.values()]
    assert len(names) == len(set(names))  # a name selects one code whatever the command


def test_an_audit_needs_no_input_its_rules_do_not() -> None:
    for audit in eval_registry.registered():
        for code in audit.codes:
            assert audit.needs <= set(RULES[code].needs), (audit.name, code)


#: Inputs that are only read when another one is: a table read as an array was a table
#: file; an indexing file is an item file.
IMPLIED = {Input.TABLE: Input.TABLE_FILE, Input.INDEXING: Input.ITEM_FILES}


def test_a_check_needs_no_input_its_rules_do_not() -> None:
    # A check that runs whenever its rules' inputs are there: then "checked" (selected,
    # every input the rule needs read) is exactly "the owning check ran".
    for check in registered():
        for code in check.codes:
            needs = set(RULES[code].needs)
            needs |= {IMPLIED[n] for n in needs if n in IMPLIED}
            assert check.needs <= needs, (check.name, code)


def test_check_names_are_distinct() -> None:
    names = [check.name for check in registered()]
    assert len(names) == len(set(names))


def test_a_check_finding_a_code_it_does_not_own_is_a_bug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def rogue(data: object) -> CheckResult:
        return CheckResult([Finding.of("GF301", "not mine", 1)])

    spec = CheckSpec("rogue", ("GF801",), frozenset(), rogue)
    monkeypatch.setattr("gramfix.pipeline.registered", lambda: (*registered(), spec))
    with pytest.raises(AssertionError, match="rogue found codes it does not own"):
        check_dataset(CASES / "clean")


@pytest.mark.parametrize("case", ["clean", "no-mapping", "item-files-broken", "two-mappings"])
def test_checked_is_what_the_catalogue_says_for_the_inputs_read(case: str) -> None:
    report = check_dataset(CASES / case)
    read = set(report.inputs.read)
    assert report.checked == [
        code for code, rule in rules_of("check").items() if all(n.value in read for n in rule.needs)
    ]
