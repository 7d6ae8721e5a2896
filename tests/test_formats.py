"""Every output format, read back by a real consumer: a JSON Schema validator, a JUnit XML
parser, the SARIF 2.1.0 schema, the GitHub runner's escaping, a Markdown parser."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from junitparser import Failure, JUnitXml, Skipped
from markdown_it import MarkdownIt

from gramfix.model.report import Report, json_schema, json_schema_text
from gramfix.model.rules import Severity, rules_of
from gramfix.render import render
from gramfix.render.github import command, escape_data, escape_property
from tests.conftest import ROOT, Run
from tests.fixtures.torchsave.make import HERE as TORCH_FIXTURES

#: The catalogue entries of check (its JUnit cases, its SARIF rules).
CHECK_RULES = rules_of("check")

CASES = ROOT / "tests" / "cases"
LEGACY_PT = TORCH_FIXTURES / "legacy.pt"  # torch's pre-1.6 format: read only through torch
GOLDEN = sorted(p for p in CASES.glob("*/expected.json"))
SARIF_SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
BROKEN = ROOT / "examples" / "beauty-broken"
CLEAN = ROOT / "examples" / "beauty-clean"
#: Inputs and options that give every kind of report: failing, passing, tolerated, skipped.
RUNS = [
    [BROKEN],
    [CLEAN],
    [CASES / "partial-coverage", "--max-missing", "2"],
    [CASES / "partial-coverage", "--fail-on", "warning", "--min-fill", "0.8"],
    [CASES / "sequence-hygiene"],
    [CASES / "no-mapping"],
    [CASES / "fail-on-warning", "--fail-on", "warning", "--ignore", "GF3"],
    [CASES / "mixed", "--select", "GF1"],
]


def _ids(args: list[Any]) -> str:
    return " ".join(Path(a).name if isinstance(a, Path) else a for a in args)


@pytest.fixture
def check(gramfix: Callable[..., Run]) -> Callable[..., Run]:
    """``gramfix check --no-config ARGS`` with GITHUB_ACTIONS unset."""

    def run(*args: Any) -> Run:
        return gramfix("check", "--no-config", *args)

    return run


@pytest.fixture(autouse=True)
def _not_in_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def _report(check: Callable[..., Run], args: list[Any]) -> Report:
    return Report.model_validate_json(check(*args, "--format", "json").out)


# --- JSON: the committed schema is the model's, and every report validates against it.


def test_committed_schema_is_the_models(gramfix: Callable[..., Run]) -> None:
    committed = (ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8")
    run = gramfix("schema")
    assert run.code == 0
    assert run.out == json_schema_text()
    assert run.out == committed, "docs/report.schema.json drifted: gramfix schema > it"


@pytest.fixture(scope="module")
def report_validator() -> jsonschema.protocols.Validator:
    """A validator from what `gramfix schema` prints (the committed file, see above)."""
    schema = json.loads(json_schema_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@pytest.mark.parametrize("expected", GOLDEN, ids=lambda p: p.parent.name)
def test_golden_reports_validate(
    expected: Path, report_validator: jsonschema.protocols.Validator
) -> None:
    report_validator.validate(json.loads(expected.read_text(encoding="utf-8")))


@pytest.mark.parametrize("args", RUNS, ids=_ids)
def test_json_reports_validate(
    check: Callable[..., Run], report_validator: jsonschema.protocols.Validator, args: list[Any]
) -> None:
    run = check(*args, "--format", "json")
    assert run.err == ""
    report_validator.validate(json.loads(run.out))


def test_the_schema_rejects_what_is_not_a_report(
    report_validator: jsonschema.protocols.Validator, check: Callable[..., Run]
) -> None:
    good = json.loads(check(BROKEN, "--format", "json").out)
    for broken in (
        {**good, "extra": 1},
        {**good, "verdict": "maybe"},
        {**good, "findings": [{**good["findings"][0], "severity": "fatal"}]},
        {k: v for k, v in good.items() if k != "summary"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            report_validator.validate(broken)
    assert json_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --- SARIF 2.1.0


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    """A validator of SARIF logs built from the schema copy in tests/schemas.

    That copy (byte for byte the one this project was given) keeps the constraints of
    the log object itself in ``definitions/Root``, which nothing references: validating
    against the file as it is accepts any JSON at all. So validate against ``Root``
    (the official schema has the same constraints at its top level).
    """
    schema = SARIF_SCHEMA
    if "properties" not in schema and "Root" in schema.get("definitions", {}):
        schema = {**schema, "$ref": "#/definitions/Root"}
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def _is_uri_reference(text: str) -> bool:
    """RFC 3986 URI reference characters only (jsonschema checks formats only with extras)."""
    return re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", text) is not None


@pytest.mark.parametrize("args", RUNS, ids=_ids)
def test_sarif_validates_and_says_what_the_report_says(
    check: Callable[..., Run], sarif_validator: jsonschema.protocols.Validator, args: list[Any]
) -> None:
    run = check(*args, "--format", "sarif")
    assert run.err == ""
    log = json.loads(run.out)
    sarif_validator.validate(log)
    report = _report(check, args)
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CHECK_RULES)
    results = sarif_run["results"]
    assert len(results) == len(report.findings)
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for result, finding in zip(results, report.findings, strict=True):
        assert result["ruleId"] == finding.code
        assert rules[result["ruleIndex"]]["id"] == finding.code
        assert result["level"] == levels[finding.severity]
        assert result["message"]["text"].startswith(finding.message)
        if finding.file is None:
            assert "locations" not in result
            continue
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert _is_uri_reference(artifact["uri"])
        assert (Path.cwd() / unquote(artifact["uri"])).is_file()  # from where gramfix ran
        region = location["physicalLocation"].get("region")
        assert region == (None if finding.line is None else {"startLine": finding.line})


@pytest.mark.parametrize(
    "spoil",
    [
        lambda log: log["runs"][0]["results"][0].update(level="fatal"),
        lambda log: log.update(version="2.0.0"),
        lambda log: log.pop("runs"),
        lambda log: log.update(extra=1),
        lambda log: log["runs"][0]["tool"]["driver"].pop("name"),
        lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"].update(
            region={"startLine": 0}
        ),
    ],
)
def test_the_sarif_validator_rejects_wrong_logs(
    sarif_validator: jsonschema.protocols.Validator, spoil: Callable[[dict[str, Any]], object]
) -> None:
    """Validation is not vacuous: the validator rejects what SARIF does not allow."""
    log = json.loads(render(Report.model_validate_json(_golden("sequence-hygiene")), "sarif"))
    sarif_validator.validate(log)
    spoil(log)
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator.validate(log)


def test_sarif_uris_are_encoded() -> None:
    from gramfix.render.sarif import uri

    assert uri("data/my set/user_sequence.txt") == "data/my%20set/user_sequence.txt"
    assert uri("/abs/100%/m.json") == "file:///abs/100%25/m.json"


# --- JUnit XML


@pytest.mark.parametrize("args", RUNS, ids=_ids)
def test_junit_parses_with_one_case_per_code_and_the_right_failures(
    check: Callable[..., Run], tmp_path: Path, args: list[Any]
) -> None:
    out = tmp_path / "gramfix.xml"
    run = check(*args, "--format", "junit", "--output", out)
    assert run.out == ""
    report = _report(check, args)
    xml = JUnitXml.fromfile(str(out))
    (suite,) = list(xml)
    cases = {case.name.split()[0]: case for case in suite}
    assert list(cases) == list(CHECK_RULES)
    failing = {f.code for f in report.findings if f.severity.rank >= report.settings.fail_on.rank}
    failed = {code for code, case in cases.items() if case.is_failure}
    skipped = {code for code, case in cases.items() if case.is_skipped}
    assert failed == failing
    assert skipped == set(CHECK_RULES) - set(report.checked)
    assert all(case.is_passed for code, case in cases.items() if code not in failed | skipped)
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (
        len(CHECK_RULES),
        len(failing),
        0,
        len(skipped),
    )
    assert (xml.tests, xml.failures) == (len(CHECK_RULES), len(failing))
    for code in failed:
        (failure,) = [r for r in cases[code].result if isinstance(r, Failure)]
        finding = next(f for f in report.findings if f.code == code)
        assert failure.message == finding.message
    for code in skipped:
        assert isinstance(cases[code].result[0], Skipped)
    # Exit status 1 exactly when something failed.
    assert run.code == (1 if failing else 0)


def _skip_reasons(check: Callable[..., Run], tmp_path: Path, *args: Any) -> dict[str, str]:
    out = tmp_path / "gramfix.xml"
    check(*args, "--format", "junit", "--output", out)
    (suite,) = list(JUnitXml.fromfile(str(out)))
    return {
        case.name.split()[0]: result.message
        for case in suite
        for result in case.result
        if isinstance(result, Skipped)
    }


def test_junit_says_a_deselected_check_was_not_selected(
    check: Callable[..., Run], tmp_path: Path
) -> None:
    # Every file is there: the only reason GF7 and GF8 did not run is --ignore.
    reasons = _skip_reasons(check, tmp_path, CASES / "item-files-clean", "--ignore", "GF7,GF8")
    for code in ("GF701", "GF703", "GF705", "GF706", "GF801", "GF802"):
        assert reasons[code] == "not selected (--select / --ignore)", code


def test_junit_names_the_input_a_skipped_check_lacks(
    check: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A table and sequences, no mapping: the table's own checks ran, the ones that join
    # it with the mapping did not, and only the mapping is named as missing.
    shutil.copy(CASES / "embeddings-trained" / "gcn_item_embeddings.npy", tmp_path)
    shutil.copy(CASES / "embeddings-trained" / "user_sequence.txt", tmp_path)
    reasons = _skip_reasons(check, tmp_path, tmp_path)
    no_mapping = "not checked: no mapping (item_id_to_gcn_index.json or .pkl, or --mapping)"
    assert reasons["GF602"] == no_mapping
    assert reasons["GF301"] == no_mapping
    assert "GF604" not in reasons  # the table was read
    assert reasons["GF701"].startswith("not checked: no item files (item_plain_text.txt")
    assert reasons["GF801"] == ("not checked: no indexing file (item_generative_indexing_*.txt)")
    # Without any table, the table checks name the table; with a table that cannot be
    # read here (a legacy pre-1.6 .pt without torch), they say it could not be read.
    (tmp_path / "gcn_item_embeddings.npy").unlink()
    reasons = _skip_reasons(check, tmp_path, tmp_path)
    assert reasons["GF604"] == (
        "not checked: no embedding table (gcn_item_embeddings.npy or .pt, or --embeddings)"
    )
    shutil.copy(LEGACY_PT, tmp_path / "gcn_item_embeddings.pt")
    monkeypatch.setitem(sys.modules, "torch", None)
    reasons = _skip_reasons(check, tmp_path, tmp_path)
    assert "GF601" not in reasons
    assert reasons["GF604"] == (
        "not checked: the embedding table could not be read as an array (GF601 says why)"
    )


def test_junit_carries_any_text(check: Callable[..., Run], tmp_path: Path) -> None:
    """Characters XML 1.0 cannot hold are made visible; markup is escaped."""
    report = Report.model_validate_json(_golden("mixed"))
    hostile = 'a <b> & "c" ]]> \x0b\x00\x1f \ud800 é\r\nnext'
    findings = [f.model_copy(update={"message": hostile}) for f in report.findings]
    report = report.model_copy(update={"findings": findings})
    out = tmp_path / "x.xml"
    out.write_text(render(report, "junit"), encoding="utf-8")
    (suite,) = list(JUnitXml.fromfile(str(out)))
    failure = next(r for case in suite for r in case.result if isinstance(r, Failure))
    assert failure.message == 'a <b> & "c" ]]> \\x0b\\x00\\x1f \\ud800 é\r\nnext'


# --- GitHub workflow commands


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse a workflow command the way the Actions runner does (ActionCommand.TryParseV2)."""
    assert line.startswith("::")
    end = line.index("::", 2)
    head, message = line[2:end], line[end + 2 :]
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = _unescape_property(value)
    return name, properties, _unescape_data(message)


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return (
        text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


#: Text rich in what the escaping is about.
_TRICKY = st.text(st.sampled_from(":,%\r\n=:: %0A%25%3A") | st.characters())


@given(_TRICKY, _TRICKY, _TRICKY, st.integers(min_value=1))
def test_github_commands_round_trip(file: str, title: str, message: str, line: int) -> None:
    properties = {"file": file, "line": str(line), "title": title}
    text = command("error", properties, message)
    assert "\n" not in text
    assert "\r" not in text
    assert _parse_command(text) == ("error", properties, message)


def test_github_escaping_is_the_documented_one() -> None:
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
    # Already-escaped-looking text survives: % is escaped first.
    assert _unescape_data(escape_data("%0A%25")) == "%0A%25"


@pytest.mark.parametrize("args", RUNS, ids=_ids)
def test_github_annotations_say_what_the_report_says(
    check: Callable[..., Run], args: list[Any]
) -> None:
    run = check(*args, "--format", "github")
    assert run.err == ""
    report = _report(check, args)
    lines = run.out.splitlines()
    assert len(lines) == len(report.findings)
    names = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    for line, finding in zip(lines, report.findings, strict=True):
        name, properties, message = _parse_command(line)
        assert name == names[finding.severity]
        assert properties["title"] == f"{finding.code} {finding.name}"
        assert message.split("\n")[0] == finding.message
        if finding.file is not None:
            assert Path(properties["file"]).is_file()
        assert properties.get("line") == (None if finding.line is None else str(finding.line))


def test_text_in_github_actions_adds_the_annotations(
    check: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    run = check(BROKEN)
    assert run.code == 1
    text, _, annotations = run.out.partition("::error ")
    assert " FAIL " in text
    commands = [_parse_command(line) for line in ("::error " + annotations).splitlines()]
    assert [c[1]["title"] for c in commands] == [
        "GF101 whole-line-keys",
        "GF301 unresolved-items",
        "GF401 recent-window-fill",
        "GF612 table-absent",
    ]
    # A chosen format stays clean, annotations or not.
    assert json.loads(check(BROKEN, "--format", "json").out)["verdict"] == "fail"
    assert "::" not in check(BROKEN, "--format", "text").out
    # Outside Actions, no annotations.
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert "::error" not in check(BROKEN).out


# --- Markdown


def _markdown_tables(text: str) -> list[list[list[str]]]:
    """The tables of a Markdown document, as rows of cell texts, read by markdown-it."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables: list[list[list[str]]] = []
    in_cell = False
    allowed_html = {"<br>", "<code>", "</code>"}
    for token in tokens:
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append([])
        elif token.type in ("th_open", "td_open"):
            in_cell = True
            tables[-1][-1].append("")
        elif token.type in ("th_close", "td_close"):
            in_cell = False
        elif token.type == "inline" and in_cell:
            children = token.children or []
            assert not [c for c in children if c.type == "link_open"], token.content
            assert {c.content for c in children if c.type == "html_inline"} <= allowed_html
            tables[-1][-1][-1] = "".join(
                "\n" if c.type == "softbreak" else c.content
                for c in children
                if c.type in ("text", "code_inline", "softbreak")
            )
    return tables


@pytest.mark.parametrize("args", RUNS, ids=_ids)
def test_markdown_tables_hold_the_findings(check: Callable[..., Run], args: list[Any]) -> None:
    run = check(*args, "--format", "markdown")
    assert run.err == ""
    report = _report(check, args)
    assert run.out.startswith(f"### {'❌' if report.verdict == 'fail' else '✅'} gramfix check")
    tables = _markdown_tables(run.out)
    if not report.findings:
        assert "No findings." in run.out
        return
    findings_table = tables[-1]
    assert findings_table[0] == ["", "code", "finding", "details"]
    rows = findings_table[1:]
    assert sorted(row[1] for row in rows) == sorted(f.code for f in report.findings)
    by_code = {f.code: f for f in report.findings}
    assert all(row[3].startswith(by_code[row[1]].message) for row in rows)
    assert all(len(row) == 4 for row in rows)
    if report.fill is not None:
        assert [row[0] for row in tables[0][1:]] == ["train", "valid", "test"]


def test_markdown_cells_survive_any_text() -> None:
    report = Report.model_validate_json(_golden("mixed"))
    hostile = "a | b\nc `d` <script> *e* [f](g) \\"
    findings = [
        f.model_copy(update={"message": hostile, "examples": ["x|y", "<z>"]})
        for f in report.findings
    ]
    text = render(report.model_copy(update={"findings": findings}), "markdown")
    rows = _markdown_tables(text)[-1][1:]
    assert len(rows) == len(findings)
    # Each details cell reads as the message: no cell split, no link, no HTML, no emphasis.
    assert all(row[3].startswith("a | b") for row in rows)
    assert all("c `d` <script> *e* [f](g) \\" in row[3] for row in rows)
    assert "<script>" not in text
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script>" not in html
    assert "x&#124;y" in text


# --- Streams and --output


@pytest.mark.parametrize("output_format", ["json", "github", "junit", "sarif", "markdown"])
def test_machine_output_on_stdout_is_clean(check: Callable[..., Run], output_format: str) -> None:
    run = check(BROKEN, "--format", output_format)
    assert run.code == 1
    assert run.err == ""
    assert "\x1b[" not in run.out
    assert " FAIL " not in run.out or output_format == "markdown"


@pytest.mark.parametrize(
    ("args", "reader"),
    [
        ([], json.loads),
        (["--format", "json"], json.loads),
        (["--format", "sarif"], json.loads),
        (["--format", "text"], str),
    ],
)
def test_output_writes_the_file_and_the_text_goes_to_stderr(
    check: Callable[..., Run], tmp_path: Path, args: list[str], reader: Callable[[str], Any]
) -> None:
    out = tmp_path / "report.out"
    out.write_text("an older report")
    run = check(BROKEN, *args, "--output", out)
    assert run.code == 1
    assert run.out == ""
    assert " FAIL " in run.err
    assert reader(out.read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.out"]  # no temporary left


def test_output_with_annotations_in_github_actions(
    check: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    run = check(BROKEN, "--output", tmp_path / "r.json")
    assert run.out == ""
    assert "::error file=" in run.err
    assert json.loads((tmp_path / "r.json").read_text())["verdict"] == "fail"


def test_output_to_a_missing_folder_is_a_usage_error(
    check: Callable[..., Run], tmp_path: Path
) -> None:
    run = check(BROKEN, "--output", tmp_path / "no" / "r.json")
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert "r.json: cannot write" in run.err


def test_every_format_renders_every_golden_report() -> None:
    from gramfix.render import FORMATS

    for expected in GOLDEN:
        report = Report.model_validate_json(expected.read_text(encoding="utf-8"))
        for output_format in FORMATS:
            assert render(report, output_format).endswith("\n") or not report.findings


def _golden(name: str) -> str:
    return (CASES / name / "expected.json").read_text(encoding="utf-8")


def test_output_dash_is_stdout(check: Callable[..., Run]) -> None:
    run = check(BROKEN, "--output", "-", "--format", "sarif")
    assert json.loads(run.out)["version"] == "2.1.0"
    assert " FAIL " in run.err
