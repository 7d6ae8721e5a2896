"""Golden cases of ``gramfix eval``: each folder of tests/eval_cases is a prediction file
and its dataset, with the report (or the one-line error) it must produce.

The inputs are made by tests/eval_cases/build.py from the prediction-file builder (a
test below holds them to it); GRAMFIX_UPDATE_GOLDEN=1 rewrites the expected files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gramfix.evaluation import evaluate_file
from tests.conftest import Run
from tests.eval_cases.build import HERE, SHOWN, cases, write
from tests.test_golden import held_to_its_files

CASES = sorted(p for p in HERE.iterdir() if p.is_dir() and not p.name.startswith("__"))
#: What a case's report must say, beyond its expected file (which is regenerated).
CODES = {
    "clean": set(),
    "clean-plain-totals": set(),
    "clean-per-rank": set(),
    "clean-valid": set(),
    "clean-generate-num-5": set(),
    "edited-total": {"GE101"},
    "edited-rows": {"GE101"},
    "near-miss": {"GE102"},
    "near-miss-fail-on-warning": {"GE102"},
    "non-items": {"GE201"},
    "non-items-ignored": set(),
    "repeats": {"GE203"},
    "ties": {"GE204"},
    "unresolved-golds": {"GE301"},
    "wrong-golds": {"GE302"},
    "valid-file-audited-as-test": {"GE302"},
    "test-file-audited-as-valid": {"GE302"},
    "unresolved-golds-echoed": {"GE103", "GE201", "GE301"},
    "collisions": {"GE202"},
    "batched": {"GE001"},
    "unknown-users": {"GE303"},
    "repeated-users": {"GE304"},
    "no-sequences": set(),
    "no-rows": {"GE002"},
    "everything": {"GE101", "GE102", "GE201", "GE203", "GE204", "GE301", "GE302"},
}


def _args(case: Path) -> list[str]:
    return (case / "args").read_text(encoding="utf-8").split()


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_eval_golden_case(
    case: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    run = gramfix("eval", *_args(case), "--format", "json", "--no-config")
    report = held_to_its_files(case, run)
    if report is None:  # exit 2: one line, as its expected.stderr
        assert case.name.startswith("error-")
        return
    # The injected problem, and nothing that fails besides it; a clean file passes.
    codes = {f["code"] for f in report["findings"]}
    failing = {f["code"] for f in report["findings"] if f["severity"] == "error"}
    assert CODES[case.name] <= codes
    if not CODES[case.name]:
        assert (report["verdict"], run.code) == ("pass", 0)
    else:
        assert failing <= CODES[case.name] | {"GE101", "GE201", "GE301", "GE302"}


def test_every_case_has_its_expectation() -> None:
    names = {case.name for case in CASES}
    assert names == {c.name for c in cases()}
    assert {n for n in names if not n.startswith("error-")} == set(CODES)


def test_the_clean_file_resolves_every_string_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE / "clean")
    report = evaluate_file("predictions.tsv", SHOWN)
    assert report.findings == []
    assert report.levels.predictions["whitespace"] == report.levels.predictions["folded"] == 0
    assert report.counts.invalid_predictions == 0
    assert all(t.agrees for t in report.totals)
    assert report.metrics.item == report.metrics.strict


def test_the_committed_cases_are_what_build_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tests.eval_cases.build.HERE", tmp_path)
    for case in cases():
        made = write(case)
        committed = HERE / case.name
        files = {p.name for p in made.iterdir()}
        assert files | {"exit_code", "expected.json", "expected.stderr"} >= {
            p.name for p in committed.iterdir()
        }, case.name
        for name in files:
            assert (made / name).read_bytes() == (committed / name).read_bytes(), (case.name, name)


AUDITED = [case for case in CASES if not case.name.startswith("error-")]
#: What a numpy scalar's repr leaves in a message (``np.float64(1.0)``).
NUMPY = re.compile(r"\bnp\.|numpy", re.IGNORECASE)


@pytest.mark.parametrize("case", AUDITED, ids=lambda p: p.name)
def test_no_message_or_example_shows_a_numpy_repr(
    case: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Numbers read as people read them in every format: 1.0, never np.float64(1.0).
    monkeypatch.chdir(case)
    report = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    said = [f["message"] for f in report["findings"]]
    said += [e for f in report["findings"] for e in f["examples"]]
    said += [e["detail"] for rows in report["examples"].values() for e in rows]
    assert [s for s in said if NUMPY.search(s)] == []
    for output in ("text", "markdown", "json", "html"):
        run = gramfix("eval", *_args(case), "--format", output, "--no-config")
        assert NUMPY.search(run.out) is None, output
