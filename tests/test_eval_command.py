"""``gramfix eval`` on the command line: the same report model, renderers, exit codes and
selection as ``check``; the eval schema; finding the dataset's files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from markdown_it import MarkdownIt

from gramfix.api import evaluate
from gramfix.evaluation import evaluate_file
from gramfix.model.errors import UsageError
from gramfix.model.eval_report import EvalReport
from gramfix.model.report import json_schema_text
from gramfix.model.rules import Severity, rules_of
from gramfix.render import FORMATS, render
from tests.conftest import ROOT, Run
from tests.eval_cases.build import HERE as CASES
from tests.eval_cases.build import INDEXING, SHOWN
from tests.eval_reports import keywords

EVAL_RULES = rules_of("eval")
EXAMPLE = ROOT / "examples" / "beauty-predictions.tsv"
BEAUTY = ROOT / "examples" / "beauty-broken"
SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"
#: Cases with something of each kind: failing, warnings only, per-user codes skipped,
#: the sequences' codes skipped, nothing at all.
SHOWN_CASES = ["everything", "near-miss", "batched", "no-sequences", "clean", "collisions"]


@pytest.fixture
def in_case(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[str]]:
    """Run from a golden case's folder; its arguments."""

    def enter(name: str) -> list[str]:
        monkeypatch.chdir(CASES / name)
        return (CASES / name / "args").read_text(encoding="utf-8").split()

    return enter


def _report(gramfix: Callable[..., Run], args: list[str]) -> EvalReport:
    return EvalReport.model_validate_json(gramfix("eval", *args, "--format", "json").out)


# --- the schema


def test_the_committed_eval_schema_is_the_models(gramfix: Callable[..., Run]) -> None:
    committed = (ROOT / "docs" / "eval.schema.json").read_text(encoding="utf-8")
    run = gramfix("schema", "eval")
    assert run.code == 0
    assert run.out == json_schema_text(EvalReport)
    assert run.out == committed, "docs/eval.schema.json drifted: gramfix schema eval > it"
    assert gramfix("schema").out != run.out  # check's is still the default


@pytest.fixture(scope="module")
def eval_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(json_schema_text(EvalReport))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@pytest.mark.parametrize(
    "expected", sorted(CASES.glob("*/expected.json")), ids=lambda p: p.parent.name
)
def test_eval_reports_validate(
    expected: Path, eval_validator: jsonschema.protocols.Validator
) -> None:
    eval_validator.validate(json.loads(expected.read_text(encoding="utf-8")))


def test_the_eval_schema_rejects_what_is_not_an_eval_report(
    eval_validator: jsonschema.protocols.Validator,
) -> None:
    good = json.loads((CASES / "everything" / "expected.json").read_text(encoding="utf-8"))
    check_report = json.loads((ROOT / "tests" / "cases" / "clean" / "expected.json").read_text())
    metrics = good["metrics"]
    for broken in (
        {**good, "extra": 1},
        {k: v for k, v in good.items() if k != "counts"},
        {**good, "metrics": {**metrics, "strict": {**metrics["strict"], "hit@20": 0.1}}},
        {**good, "counts": {**good["counts"], "rows": "many"}},
        check_report,
    ):
        with pytest.raises(jsonschema.ValidationError):
            eval_validator.validate(broken)


def test_the_json_names_are_the_issues(in_case: Callable[[str], list[str]]) -> None:
    in_case("everything")
    report = json.loads((CASES / "everything" / "expected.json").read_text(encoding="utf-8"))
    metric_names = ["hit@1", "hit@5", "hit@10", "ndcg@1", "ndcg@5", "ndcg@10"]
    assert list(report["metrics"]["strict"]) == metric_names
    assert list(report["metrics"]["item"]) == metric_names
    assert set(report["metrics"]["reported"]) == set(metric_names)
    assert list(report["counts"])[:9] == [
        "rows",
        "predictions",
        "invalid_predictions",
        "ambiguous_predictions",
        "duplicate_rows",
        "tied_rows",
        "near_miss_hits",
        "gold_unresolved",
        "gold_not_target",
    ]
    assert {f["name"] for f in report["findings"]} <= {r.name for r in EVAL_RULES.values()}
    assert report["examples"]["strict-undercount"]  # example rows of the near misses


def test_the_cli_json_is_the_library_report(
    gramfix: Callable[..., Run], in_case: Callable[[str], list[str]]
) -> None:
    in_case("everything")
    run = gramfix("eval", "predictions.tsv", SHOWN, "--format", "json", "--no-config")
    assert json.loads(run.out) == evaluate_file("predictions.tsv", SHOWN).model_dump(mode="json")


# --- the renderers: one report family


@pytest.mark.parametrize("case", SHOWN_CASES)
def test_every_format_renders_an_eval_report(
    case: str, gramfix: Callable[..., Run], in_case: Callable[[str], list[str]]
) -> None:
    args = in_case(case)
    report = _report(gramfix, [*args, "--no-config"])
    positional, options = keywords(args)
    live = evaluate(*positional, config=False, **options)  # with its example rows whole
    for output_format in FORMATS:
        run = gramfix("eval", *args, "--no-config", "--format", output_format)
        assert run.code == int(report.exit_code())
        # The page shows example rows whole, which only a report made in this process has.
        shown = live if output_format == "html" else report
        assert run.out == render(shown, output_format), output_format
        assert run.err == ""


@pytest.mark.parametrize("case", SHOWN_CASES)
def test_junit_has_one_case_per_eval_code(
    case: str, gramfix: Callable[..., Run], in_case: Callable[[str], list[str]]
) -> None:
    args = in_case(case)
    report = _report(gramfix, args)
    root = ET.fromstring(gramfix("eval", *args, "--format", "junit").out)
    (suite,) = list(root)
    assert suite.get("name") == f"gramfix eval {report.inputs.predictions}"
    cases = {c.get("name", "").split()[0]: c for c in suite.iter("testcase")}
    assert list(cases) == list(EVAL_RULES)
    assert {c.get("classname") for c in cases.values()} == {"gramfix.eval"}
    failing = {f.code for f in report.findings if f.severity.rank >= report.settings.fail_on.rank}
    failed = {code for code, c in cases.items() if c.find("failure") is not None}
    skipped = {
        code: c.find("skipped") for code, c in cases.items() if c.find("skipped") is not None
    }
    assert failed == failing
    assert set(skipped) == set(EVAL_RULES) - set(report.checked)
    if case == "batched":  # the per-user codes could not be judged, and say why
        assert {"GE101", "GE102", "GE301"} <= set(skipped)
        reason = skipped["GE101"].get("message", "")
        assert reason.startswith("not checked: the rows hold batches of users")
    if case == "no-sequences":
        assert set(skipped) == {"GE302", "GE303", "GE304"}
        assert "no sequence file" in skipped["GE302"].get("message", "")


@pytest.mark.parametrize("case", SHOWN_CASES)
def test_sarif_lists_eval_rules(
    case: str, gramfix: Callable[..., Run], in_case: Callable[[str], list[str]]
) -> None:
    args = in_case(case)
    report = _report(gramfix, args)
    log = json.loads(gramfix("eval", *args, "--format", "sarif").out)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    if "properties" not in schema and "Root" in schema.get("definitions", {}):
        schema = {**schema, "$ref": "#/definitions/Root"}
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(EVAL_RULES)
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for result, finding in zip(sarif_run["results"], report.findings, strict=True):
        assert rules[result["ruleIndex"]]["id"] == finding.code
        assert result["level"] == levels[finding.severity]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "predictions.tsv"
        assert physical["region"] == {"startLine": finding.line}


def test_github_annotations_point_at_the_rows(
    gramfix: Callable[..., Run], in_case: Callable[[str], list[str]]
) -> None:
    args = in_case("edited-total")
    out = gramfix("eval", *args, "--format", "github").out
    assert out.startswith("::error file=predictions.tsv,line=44,title=GE101 metric-mismatch::")


def test_markdown_shows_the_metrics_and_the_findings(
    gramfix: Callable[..., Run], in_case: Callable[[str], list[str]]
) -> None:
    args = in_case("near-miss")
    text = gramfix("eval", *args, "--format", "markdown").out
    assert text.startswith("### ✅ gramfix eval: pass")
    tokens = MarkdownIt().enable("table").parse(text)
    assert sum(t.type == "table_open" for t in tokens) == 2  # the metrics, the findings
    assert "| hit@10 |" in text
    assert "`GE102`" in text


def test_the_text_report_leads_with_the_under_count(gramfix: Callable[..., Run]) -> None:
    run = gramfix("eval", EXAMPLE, BEAUTY, "--no-config")
    assert run.code == 1  # GE201: the example has predictions that name no item
    lines = run.out.splitlines()
    assert lines[0].split()[0] == "FAIL"
    assert lines[1].startswith("Exact matching under-counts: hit@10 0.2067 as GRAM counts it")
    assert any(line.startswith("hit@10 ") and "+0.1433" in line for line in lines)
    assert any("GE102 strict-undercount" in line for line in lines)


# --- options, selection, exit codes


def test_selection_and_fail_on(
    gramfix: Callable[..., Run], in_case: Callable[[str], list[str]]
) -> None:
    args = in_case("everything")
    assert gramfix("eval", *args).code == 1
    ignored = gramfix("eval", *args, "--ignore", "GE1,GE2,GE3", "--format", "json")
    assert (ignored.code, json.loads(ignored.out)["findings"]) == (0, [])
    only = json.loads(gramfix("eval", *args, "--select", "tied-scores", "--format", "json").out)
    assert [f["code"] for f in only["findings"]] == ["GE204"]
    assert only["checked"] == ["GE204"]
    assert gramfix("eval", *args, "--select", "GE2", "--fail-on", "warning").code == 1
    assert gramfix("eval", *args, "--select", "GE204", "--fail-on", "warning").code == 0
    forced = gramfix("eval", *args, "--exit-zero", "--format", "json")
    assert (forced.code, json.loads(forced.out)["verdict"]) == (0, "fail")


def test_a_flag_naming_another_commands_codes_is_refused(
    gramfix: Callable[..., Run], in_case: Callable[[str], list[str]]
) -> None:
    args = in_case("clean")
    run = gramfix("eval", *args, "--select", "GF3")
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        "gramfix: error: --select: 'GF3' is no finding of 'gramfix eval' (its codes start "
        "with GE)\n"
    )
    run = gramfix("check", SHOWN, "--ignore", "metric-mismatch")
    assert run.code == 2
    assert "'metric-mismatch' is no finding of 'gramfix check'" in run.err
    assert gramfix("eval", *args, "--ignore", "ALL").code == 0


def test_a_configuration_serves_both_commands(
    gramfix: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # check's selection does not empty eval's report, nor eval's check's; split and
    # generate-num are read by eval.
    folder = tmp_path / "data"
    shutil.copytree(BEAUTY, folder)
    shutil.copy(CASES / "valid-file-audited-as-test" / "predictions.tsv", tmp_path / "preds.tsv")
    (tmp_path / "gramfix.toml").write_text(
        'dataset = "data"\nselect = ["GF3", "GE3"]\nsplit = "valid"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    report = json.loads(gramfix("eval", "preds.tsv", "--format", "json").out)
    assert report["settings"]["split"] == "valid"
    assert report["inputs"]["dataset"] == "data"
    assert report["findings"] == []  # the valid file is right for the valid split
    assert report["checked"] == [c for c in EVAL_RULES if c.startswith("GE3")]
    (tmp_path / "gramfix.toml").write_text('split = "test"\n', encoding="utf-8")
    wrong = json.loads(gramfix("eval", "preds.tsv", "data", "--format", "json").out)
    assert [f["code"] for f in wrong["findings"]] == ["GE302"]
    checked = json.loads(gramfix("check", "data", "--format", "json").out)
    assert {f["code"][:2] for f in checked["findings"]} == {"GF"}


def test_the_indexing_file_is_found_or_chosen(
    gramfix: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "preds.tsv")
    shutil.copy(BEAUTY / INDEXING, tmp_path)
    shutil.copy(BEAUTY / "user_sequence.txt", tmp_path)
    monkeypatch.chdir(tmp_path)
    found = json.loads(gramfix("eval", "preds.tsv", "--format", "json", "--no-config").out)
    assert found["inputs"]["indexing"] == INDEXING  # the current folder, by default
    assert found["inputs"]["sequences"] == "user_sequence.txt"
    (tmp_path / "item_generative_indexing_other.txt").write_text("B1 |x\n", encoding="utf-8")
    several = gramfix("eval", "preds.tsv", ".", "--no-config")
    assert several.code == 2
    assert "2 indexing files" in several.err
    assert INDEXING in several.err
    chosen = gramfix("eval", "preds.tsv", ".", "--indexing", INDEXING, "--format", "json")
    assert json.loads(chosen.out)["counts"] == found["counts"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing argument 'PREDICTIONS'"),
        (["absent.tsv", SHOWN], "absent.tsv"),
        (["predictions.tsv", "absent-folder"], "absent-folder: no such dataset folder"),
        (["predictions.tsv", SHOWN, "--split", "train"], "'train' is not one of 'test', 'valid'"),
        (["predictions.tsv", SHOWN, "--generate-num", "0"], "--generate-num must be at least 1"),
        (["predictions.tsv", SHOWN, "--output", "predictions.tsv"], "is an input of this"),
    ],
)
def test_usage_and_input_errors_are_one_line(
    gramfix: Callable[..., Run],
    in_case: Callable[[str], list[str]],
    args: list[str],
    message: str,
) -> None:
    in_case("clean")
    run = gramfix("eval", *args, "--no-config")
    assert (run.code, run.out) == (2, "")
    assert run.err.count("\n") == 1
    assert message in run.err


def test_output_writes_the_report_and_the_text_goes_to_stderr(
    gramfix: Callable[..., Run], in_case: Callable[[str], list[str]], tmp_path: Path
) -> None:
    args = in_case("edited-total")
    out = tmp_path / "report.json"
    run = gramfix("eval", *args, "--output", out)
    assert run.code == 1
    assert run.out == ""
    assert run.err.startswith(" FAIL ")
    assert json.loads(out.read_text())["findings"][0]["code"] == "GE101"


def test_an_audit_finding_a_code_it_does_not_own_is_a_bug(
    monkeypatch: pytest.MonkeyPatch, in_case: Callable[[str], list[str]]
) -> None:
    from gramfix.checks.eval.registry import Audited, AuditSpec, registered
    from gramfix.model.report import Finding

    def rogue(audit: Audited) -> list[Finding]:
        return [Finding.of("GE301", "not mine", 1)]

    spec = AuditSpec("rogue", ("GE204",), frozenset(), rogue)
    monkeypatch.setattr("gramfix.evaluation.registered", lambda: (*registered(), spec))
    in_case("clean")
    with pytest.raises(AssertionError, match="rogue found codes it does not own"):
        evaluate_file("predictions.tsv", SHOWN)


def test_library_settings_are_validated_as_flags(in_case: Callable[[str], list[str]]) -> None:
    from gramfix.model.errors import UsageError
    from gramfix.model.options import EvalSettings

    with pytest.raises(UsageError, match=r"^generate-num must be at least 1"):
        EvalSettings(generate_num=0)
    settings: dict[str, Any] = {"split": "valid", "generate-num": 10}
    assert EvalSettings(**settings).split == "valid"


# --- an unknown finding code points to the help of the command that was run


@pytest.mark.parametrize("command", ["check", "eval"])
def test_an_unknown_code_in_a_configuration_file_points_to_the_commands_help(
    command: str, gramfix: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(CASES / "clean" / "predictions.tsv", tmp_path / "predictions.tsv")
    (tmp_path / "gramfix.toml").write_text('select = ["nosuch"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["predictions.tsv", BEAUTY] if command == "eval" else [BEAUTY]
    run = gramfix(command, *args, "--config", "gramfix.toml")
    assert run.code == 2
    assert run.err == (
        "gramfix: error: gramfix.toml: select: 'nosuch' is not a finding code, code prefix or "
        f"name (see 'gramfix {command} --help' and the README's finding table)\n"
    )


@pytest.mark.parametrize("command", ["check", "evaluate"])
def test_an_unknown_code_in_a_library_call_points_to_the_commands_help(command: str) -> None:
    import gramfix

    call = getattr(gramfix, command)
    inputs = [CASES / "clean" / "predictions.tsv", BEAUTY] if command == "evaluate" else [BEAUTY]
    with pytest.raises(UsageError) as raised:
        call(*inputs, select="nosuch")
    shown = "eval" if command == "evaluate" else "check"
    assert f"(see 'gramfix {shown} --help'" in str(raised.value)
