"""Configuration files: where they are found, what wins, and how a bad one is reported."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gramfix.io.config import find_config, read_config, resolve
from gramfix.model.errors import UsageError
from gramfix.model.options import Options
from gramfix.model.rules import Severity
from tests.conftest import ROOT, Run

PARTIAL = ROOT / "tests" / "cases" / "partial-coverage"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with the partial-coverage dataset in data/Beauty; the working directory."""
    data = tmp_path / "project" / "data" / "Beauty"
    data.mkdir(parents=True)
    for name in ("user_sequence.txt", "item_id_to_gcn_index.json"):
        shutil.copy(PARTIAL / name, data)
    monkeypatch.chdir(tmp_path / "project")
    return tmp_path / "project"


def _report(run: Run) -> dict[str, object]:
    report: dict[str, object] = json.loads(run.out)
    return report


def test_pyproject_table_is_found_upward_from_the_dataset(
    gramfix: Callable[..., Run], project: Path
) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.gramfix]\nmax-missing = 2\n'
    )
    run = gramfix("check", "data/Beauty", "--format", "json")
    assert run.code == 0
    assert _report(run)["inputs"] == {
        "dataset": "data/Beauty",
        "sequences": "user_sequence.txt",
        "mapping": "item_id_to_gcn_index.json",
        "config": "pyproject.toml",
        "paths": {
            "user_sequence.txt": "data/Beauty/user_sequence.txt",
            "item_id_to_gcn_index.json": "data/Beauty/item_id_to_gcn_index.json",
        },
        "read": ["sequences", "mapping"],
    }


def test_gramfix_toml_wins_over_pyproject_in_the_same_folder(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.gramfix]\nmax-missing = 2\n")
    (project / "gramfix.toml").write_text("max-missing = 0\n")
    assert find_config(project / "data" / "Beauty") == project.resolve() / "gramfix.toml"


def test_the_nearest_file_wins_and_a_pyproject_without_the_table_is_passed_over(
    project: Path,
) -> None:
    (project / "gramfix.toml").write_text("max-missing = 2\n")
    (project / "data" / "pyproject.toml").write_text('[project]\nname = "data"\n')
    assert find_config(project / "data" / "Beauty") == project.resolve() / "gramfix.toml"
    (project / "data" / "gramfix.toml").write_text("max-missing = 1\n")
    assert find_config(project / "data" / "Beauty") == project.resolve() / "data" / "gramfix.toml"


def test_the_configured_dataset_is_checked_from_anywhere_below(
    gramfix: Callable[..., Run], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "gramfix.toml").write_text('dataset = "data/Beauty"\nmax-missing = 2\n')
    assert gramfix("check").code == 0
    monkeypatch.chdir(project / "data")
    run = gramfix("check", "--format", "json")
    assert run.code == 0
    assert _report(run)["inputs"]["dataset"] == "Beauty"  # type: ignore[index]


def test_options_win_over_the_file(gramfix: Callable[..., Run], project: Path) -> None:
    (project / "gramfix.toml").write_text(
        'max-missing = 2\nexit-zero = true\nselect = ["GF4"]\nfail-on = "warning"\n'
    )
    run = gramfix("check", "data/Beauty", "--format", "json")
    assert run.code == 0
    assert _report(run)["settings"] == {
        "recent_k": 5,
        "max_his": 20,
        "fail_on": "warning",
        "select": ["GF4"],
        "ignore": [],
        "max_missing": 2,
        "min_coverage": None,
        "min_fill": None,
        "exit_zero": True,
    }
    args = ["--max-missing", "1", "--no-exit-zero", "--select", "GF3", "--format", "json"]
    run = gramfix("check", "data/Beauty", *args)
    assert run.code == 1
    findings = _report(run)["findings"]
    assert isinstance(findings, list)
    assert [f["code"] for f in findings] == ["GF301", "GF302"]
    assert findings[0]["message"].endswith("fails max-missing 1 (missing: 2)")


def test_no_config_and_an_explicit_config(gramfix: Callable[..., Run], project: Path) -> None:
    (project / "gramfix.toml").write_text("max-missing = 2\n")
    (project / "strict.toml").write_text("max-missing = 0\n")
    assert gramfix("check", "data/Beauty").code == 0
    assert gramfix("check", "data/Beauty", "--no-config").code == 1
    assert gramfix("check", "data/Beauty", "--config", "strict.toml").code == 1


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        (
            "gramfix.toml",
            "max-mising = 2\n",
            "gramfix.toml: unknown key 'max-mising' (known keys: dataset, embeddings, ",
        ),
        (
            "pyproject.toml",
            "[tool.gramfix]\nrecent_k = 3\n",
            "pyproject.toml: [tool.gramfix] unknown key 'recent_k'",
        ),
        (
            "pyproject.toml",
            '[tool.gramfix]\nfail-on = "fatal"\n',
            "pyproject.toml: [tool.gramfix] fail-on: expected 'error' or 'warning', got 'fatal'",
        ),
        (
            "gramfix.toml",
            'max-missing = "2"\n',
            "gramfix.toml: max-missing: expected an integer, got '2'",
        ),
        ("gramfix.toml", "max-missing = -1\n", "gramfix.toml: max-missing must be at least 0"),
        (
            "gramfix.toml",
            "min-coverage = 1.5\n",
            "gramfix.toml: min-coverage must be between 0 and 1 (got 1.5)",
        ),
        ("gramfix.toml", "min-fill = true\n", "gramfix.toml: min-fill: expected a number"),
        ("gramfix.toml", "recent-k = 0\n", "gramfix.toml: recent-k must be at least 1 (got 0)"),
        ("gramfix.toml", 'select = ["GF99"]\n', "gramfix.toml: select: 'GF99' is not a finding"),
        ("gramfix.toml", "ignore = 3\n", "gramfix.toml: ignore: expected a list of finding"),
        ("gramfix.toml", 'exit-zero = "yes"\n', "gramfix.toml: exit-zero: expected true or false"),
        ("gramfix.toml", "dataset = 1\n", "gramfix.toml: dataset: expected a folder path"),
        ("gramfix.toml", "max-missing = \n", "gramfix.toml: invalid TOML: "),
        ("pyproject.toml", "[tool]\ngramfix = 1\n", "pyproject.toml: [tool.gramfix] is not"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_key(
    gramfix: Callable[..., Run], project: Path, file: str, text: str, message: str
) -> None:
    (project / file).write_text(text)
    run = gramfix("check", "data/Beauty")
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(f"gramfix: error: {message}")
    assert run.err.count("\n") == 1


def test_a_bad_value_is_an_error_even_when_an_option_overrides_it(
    gramfix: Callable[..., Run], project: Path
) -> None:
    (project / "gramfix.toml").write_text("min-coverage = 2\n")
    run = gramfix("check", "data/Beauty", "--min-coverage", "0.5")
    assert run.code == 2
    assert "gramfix.toml: min-coverage must be between 0 and 1" in run.err


def test_an_explicit_config_must_exist(gramfix: Callable[..., Run], project: Path) -> None:
    run = gramfix("check", "data/Beauty", "--config", "absent.toml")
    assert (run.code, run.err) == (2, "gramfix: error: absent.toml: no such configuration file\n")


def test_every_key_is_an_option_of_check_or_eval() -> None:
    from gramfix.commands.check import check
    from gramfix.commands.eval import eval as evaluate
    from gramfix.model.options import config_keys

    keys = config_keys()
    params = [p for command in (check, evaluate) for p in command.params]
    options = {name for p in params for name in p.opts if name.startswith("--")}
    not_configurable = {"--format", "--output", "--config", "--no-config", "--help"}
    assert {f"--{key}" for key in keys} | {"--dataset"} >= options - not_configurable
    assert {f"--{key}" for key in keys} - {"--dataset"} <= options


def test_library_resolution(project: Path) -> None:
    (project / "gramfix.toml").write_text('fail-on = "warning"\nselect = "GF3, GF4"\n')
    options = read_config(project / "gramfix.toml")
    assert options == Options(fail_on=Severity.WARNING, select=("GF3", "GF4"))
    resolved = resolve(Options(dataset=Path("data/Beauty"), select=("GF5",)))
    assert resolved.config == project.resolve() / "gramfix.toml"
    assert resolved.settings.fail_on is Severity.WARNING
    assert resolved.settings.select == ("GF5",)
    with pytest.raises(UsageError, match="--max-missing must be at least 0"):
        resolve(Options(max_missing=-1), use_config=False)


@pytest.mark.parametrize(
    ("key", "flag", "toml", "problem"),
    [
        ("max-his", "-7", "-7", "max-his must be at least 0 (got -7)"),
        ("recent-k", "0", "0", "recent-k must be at least 1 (got 0)"),
        ("max-missing", "-1", "-1", "max-missing must be at least 0 (got -1)"),
        ("min-coverage", "1.5", "1.5", "min-coverage must be between 0 and 1 (got 1.5)"),
        ("min-fill", "-0.5", "-0.5", "min-fill must be between 0 and 1 (got -0.5)"),
        ("min-fill", "nan", "nan", "min-fill must be between 0 and 1 (got nan)"),
    ],
)
def test_a_flag_and_a_key_are_refused_alike(
    gramfix: Callable[..., Run], project: Path, key: str, flag: str, toml: str, problem: str
) -> None:
    # One definition of each range: the flag and the key get the same sentence, named
    # after the option (and the file) it came from.
    by_flag = gramfix("check", "data/Beauty", "--no-config", f"--{key}", flag)
    (project / "gramfix.toml").write_text(f"{key} = {toml}\n")
    by_file = gramfix("check", "data/Beauty")
    assert (by_flag.code, by_flag.out) == (2, "")
    assert by_flag.err == f"gramfix: error: --{problem}\n"
    assert (by_file.code, by_file.out) == (2, "")
    assert by_file.err == f"gramfix: error: gramfix.toml: {problem}\n"
    assert by_file.err.replace("gramfix.toml: ", "") == by_flag.err.replace("--", "")


def test_the_library_refuses_what_the_options_refuse() -> None:
    from gramfix import Settings

    with pytest.raises(UsageError, match=r"^max-his must be at least 0 \(got -1\)$"):
        Settings(max_his=-1)
