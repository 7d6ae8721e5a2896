"""The exit policy, table-driven: every combination of --fail-on, --exit-zero and the
thresholds, on datasets whose numbers are known (tests/cases/build.py):

* partial: 2 of 10 sequence items have no key: item coverage 0.8, recent-window fill
  train / valid / test = 0.885 / 0.750 / 0.760; GF301, GF302, GF401 (errors) only.
* partial-warned: the same, and values 1..7, 20 (GF205, a warning).
* clean: no finding. warned: GF205 only. no-mapping: GF001 (info) only.

(Besides these, every folder with a mapping has GF612, info: it has no embedding table.)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gramfix import Report, Settings, check_dataset
from gramfix.model.policy import judge, verdict
from tests.conftest import ROOT, Run

CASES = ROOT / "tests" / "cases"

#: name -> arguments. Measures of `partial`: 2 missing, coverage 0.8, lowest fill 0.75.
THRESHOLDS: dict[str, list[str]] = {
    "none": [],
    "max-missing met": ["--max-missing", "2"],
    "max-missing missed": ["--max-missing", "1"],
    "min-coverage met": ["--min-coverage", "0.8"],
    "min-coverage missed": ["--min-coverage", "0.81"],
    "min-fill met": ["--min-fill", "0.75"],
    "min-fill missed": ["--min-fill", "0.76"],
    "items met, fill missed": ["--max-missing", "2", "--min-fill", "0.76"],
    "items missed, fill met": ["--min-coverage", "0.9", "--min-fill", "0.7"],
    "all met": ["--max-missing", "2", "--min-coverage", "0.8", "--min-fill", "0.75"],
}

#: (dataset, thresholds) -> exit status with --fail-on error, with --fail-on warning
#: (without --exit-zero; with it, every status is 0). Written out by hand.
EXPECTED: dict[tuple[str, str], tuple[int, int]] = {
    ("partial", "none"): (1, 1),
    ("partial", "max-missing met"): (0, 0),
    ("partial", "max-missing missed"): (1, 1),
    ("partial", "min-coverage met"): (0, 0),
    ("partial", "min-coverage missed"): (1, 1),
    ("partial", "min-fill met"): (0, 0),
    ("partial", "min-fill missed"): (1, 1),
    ("partial", "items met, fill missed"): (1, 1),
    ("partial", "items missed, fill met"): (1, 1),
    ("partial", "all met"): (0, 0),
    # The warning fails only with --fail-on warning; thresholds never tolerate it.
    ("partial-warned", "none"): (1, 1),
    ("partial-warned", "max-missing met"): (0, 1),
    ("partial-warned", "max-missing missed"): (1, 1),
    ("partial-warned", "min-coverage met"): (0, 1),
    ("partial-warned", "min-coverage missed"): (1, 1),
    ("partial-warned", "min-fill met"): (0, 1),
    ("partial-warned", "min-fill missed"): (1, 1),
    ("partial-warned", "items met, fill missed"): (1, 1),
    ("partial-warned", "items missed, fill met"): (1, 1),
    ("partial-warned", "all met"): (0, 1),
    **{("clean", name): (0, 0) for name in THRESHOLDS},
    **{("warned", name): (0, 1) for name in THRESHOLDS},
    # A threshold cannot be measured without a mapping: GF001 becomes an error.
    ("no-mapping", "none"): (0, 0),
    **{("no-mapping", name): (1, 1) for name in THRESHOLDS if name != "none"},
}


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    warned = tmp_path_factory.mktemp("partial-warned")
    shutil.copy(CASES / "partial-coverage" / "user_sequence.txt", warned)
    mapping = json.loads((CASES / "partial-coverage" / "item_id_to_gcn_index.json").read_text())
    last = list(mapping)[-1]
    mapping[last] = 20
    (warned / "item_id_to_gcn_index.json").write_text(json.dumps(mapping))
    return {
        "partial": CASES / "partial-coverage",
        "partial-warned": warned,
        "clean": CASES / "clean",
        "warned": CASES / "fail-on-warning",
        "no-mapping": CASES / "no-mapping",
    }


def test_the_table_covers_every_combination() -> None:
    names = {"partial", "partial-warned", "clean", "warned", "no-mapping"}
    assert set(EXPECTED) == {(d, t) for d in names for t in THRESHOLDS}


@pytest.mark.parametrize("exit_zero", [False, True], ids=["", "exit-zero"])
@pytest.mark.parametrize("fail_on", ["error", "warning"])
@pytest.mark.parametrize(("dataset", "thresholds"), sorted(EXPECTED), ids="/".join)
def test_exit_status(
    gramfix: Callable[..., Run],
    datasets: dict[str, Path],
    dataset: str,
    thresholds: str,
    fail_on: str,
    exit_zero: bool,
) -> None:
    args = [datasets[dataset], "--no-config", "--fail-on", fail_on, *THRESHOLDS[thresholds]]
    judged = EXPECTED[dataset, thresholds][fail_on == "warning"]
    run = gramfix("check", *args, "--format", "json", *(["--exit-zero"] if exit_zero else []))
    assert run.code == (0 if exit_zero else judged), run.out
    report = json.loads(run.out)
    # The verdict is the judgement, whatever --exit-zero does to the status.
    assert report["verdict"] == ("fail" if judged else "pass")
    assert report["settings"]["exit_zero"] is exit_zero
    # The text report agrees.
    text = gramfix("check", *args, *(["--exit-zero"] if exit_zero else []))
    assert text.code == run.code
    assert (" FAIL " if judged else " PASS ") in text.out


def test_tolerated_findings_stay_in_the_report_as_info(
    gramfix: Callable[..., Run], datasets: dict[str, Path]
) -> None:
    args = ["--no-config", "--max-missing", "2", "--format", "json"]
    run = gramfix("check", datasets["partial"], *args)
    findings = {f["code"]: f for f in json.loads(run.out)["findings"]}
    assert set(findings) == {"GF301", "GF302", "GF401", "GF612"}  # GF612: no table here
    assert {f["severity"] for f in findings.values()} == {"info"}
    assert "tolerated: max-missing 2 (missing: 2) holds" in findings["GF301"]["message"]


def test_a_missed_threshold_is_named_in_the_finding(
    gramfix: Callable[..., Run], datasets: dict[str, Path]
) -> None:
    run = gramfix(
        "check", datasets["partial"], "--no-config", "--min-fill", "0.76", "--format", "json"
    )
    gf401 = next(f for f in json.loads(run.out)["findings"] if f["code"] == "GF401")
    assert gf401["severity"] == "error"
    assert gf401["message"].endswith("fails min-fill 0.76 (lowest: valid 0.75)")


@pytest.mark.parametrize(
    ("select", "expected_codes", "code"),
    [
        ([], {"GF301", "GF302", "GF401", "GF612"}, 1),  # GF612 (info): the folder has no table
        (["--select", "GF3"], {"GF301", "GF302"}, 1),
        (["--select", "GF3", "--ignore", "GF302"], {"GF301"}, 1),
        (["--ignore", "GF3", "--select", "GF302"], {"GF302"}, 1),  # the longer entry wins
        (["--select", "GF4,GF301"], {"GF301", "GF401"}, 1),
        (["--select", "GF4", "--select", "gf301"], {"GF301", "GF401"}, 1),
        (["--select", "recent-window-fill"], {"GF401"}, 1),
        (["--ignore", "GF3,GF4"], {"GF612"}, 0),
        (["--ignore", "ALL"], set(), 0),
        (["--select", "GF5"], set(), 0),
        (["--select", "GF3", "--ignore", "GF3"], set(), 0),  # ignore wins a tie
    ],
)
def test_selection(
    gramfix: Callable[..., Run],
    datasets: dict[str, Path],
    select: list[str],
    expected_codes: set[str],
    code: int,
) -> None:
    run = gramfix("check", datasets["partial"], "--no-config", *select, "--format", "json")
    report = json.loads(run.out)
    assert {f["code"] for f in report["findings"]} == expected_codes
    assert run.code == code
    assert set(report["checked"]) >= expected_codes


@pytest.mark.parametrize(
    "args",
    [
        ["--select", "GF99"],
        ["--ignore", "GF31"],
        ["--select", "whole-lines"],
        ["--fail-on", "info"],
        ["--max-missing", "-1"],
        ["--min-coverage", "1.01"],
        ["--min-fill", "nan"],
        ["--min-fill", "-0.1"],
    ],
)
def test_bad_policy_options_are_usage_errors(
    gramfix: Callable[..., Run], datasets: dict[str, Path], args: list[str]
) -> None:
    run = gramfix("check", datasets["partial"], "--no-config", *args)
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith("gramfix: error: ")
    assert run.err.count("\n") == 1


@pytest.fixture(scope="module")
def raw() -> Report:
    """The partial-coverage report with no policy: findings at catalogue severity."""
    return check_dataset(CASES / "partial-coverage")


def _fails(raw: Report, settings: Settings) -> bool:
    judged = judge(raw.findings, raw.coverage, raw.fill, settings)
    return verdict(judged, settings.fail_on) == "fail"


@given(st.integers(0, 12), st.integers(0, 12))
def test_a_looser_max_missing_never_fails_more(raw: Report, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert _fails(raw, Settings(max_missing=high)) <= _fails(raw, Settings(max_missing=low))
    # The boundary is exact: 2 items miss.
    assert _fails(raw, Settings(max_missing=low)) == (low < 2)


@given(st.floats(0, 1), st.floats(0, 1))
def test_a_looser_share_never_fails_more(raw: Report, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert _fails(raw, Settings(min_coverage=low)) <= _fails(raw, Settings(min_coverage=high))
    assert _fails(raw, Settings(min_fill=low)) <= _fails(raw, Settings(min_fill=high))
    # The boundaries are exact: item coverage 8/10, lowest fill (valid) 0.75.
    assert _fails(raw, Settings(min_coverage=low)) == (low > 0.8)
    assert _fails(raw, Settings(min_fill=low)) == (low > 0.75)


def test_a_mapping_without_sequences_fails_and_says_why(
    gramfix: Callable[..., Run], tmp_path: Path
) -> None:
    # Without the sequences the mapping's coverage and fill are unknown: a gate that
    # passed here would pass a mapping that resolves nothing.
    shutil.copy(CASES / "clean" / "item_id_to_gcn_index.json", tmp_path)
    run = gramfix("check", tmp_path, "--no-config")
    assert run.code == 1
    assert " FAIL   1 error" in run.out
    assert (
        "No user_sequence.txt: the mapping's coverage and fill are unknown, so it cannot "
        "pass (GF002)." in run.out.splitlines()
    )
    report = json.loads(gramfix("check", tmp_path, "--no-config", "--format", "json").out)
    gf002 = next(f for f in report["findings"] if f["code"] == "GF002")
    assert (gf002["severity"], report["verdict"]) == ("error", "fail")
    # The user may accept a mapping checked alone; then it passes, and says so.
    for deselect in (["--ignore", "GF002"], ["--select", "GF2"]):
        accepted = gramfix("check", tmp_path, "--no-config", *deselect)
        assert accepted.code == 0, deselect
        assert " PASS " in accepted.out


def test_item_files_alone_are_judged_without_sequences(gramfix: Callable[..., Run]) -> None:
    # No mapping and no sequences: nothing of GRAM-C is judged, the indexing file is
    # judged in full, and the missing sequences stay info.
    run = gramfix("check", CASES / "indexing-only", "--no-config", "--format", "json")
    report = json.loads(run.out)
    assert run.code == 0
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [
        ("GF001", "info"),
        ("GF002", "info"),
    ]
    assert {"GF801", "GF802", "GF803"} <= set(report["checked"])
