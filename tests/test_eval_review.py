"""Defects found in the review of ``gramfix eval`` (issue 13), each pinned by the input
that showed it: what the headline and the findings say must be what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from gramfix.evaluation import evaluate_file
from gramfix.model.eval_report import EvalReport
from gramfix.model.options import EvalSettings
from tests.eval_cases.build import HERE
from tests.eval_reports import live_report
from tests.predictions_build import SYNTHETIC, Built, Knobs, build


def _audit(built: Built, split: str | None = None) -> EvalReport:
    return evaluate_file(
        built.predictions,
        indexing=built.indexing,
        sequences=built.sequences,
        settings=EvalSettings(split=split or built.knobs.split),  # type: ignore[arg-type]
    )


def _message(report: EvalReport, code: str) -> str:
    return next(f.message for f in report.findings if f.code == code)


# -- a file of the other split --------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "other"),
    [("valid-file-audited-as-test", "valid"), ("test-file-audited-as-valid", "test")],
)
def test_a_file_of_the_other_split_says_so(case: str, other: str) -> None:
    report = live_report(HERE / case)
    advice = f"audit it with --split {other}"
    assert f"the file is of the {other} split" in report.headline()
    assert advice in report.headline()
    assert "under-count" not in report.headline()
    assert _message(report, "GE302").endswith(f"the file is of the {other} split; {advice}")


@pytest.mark.parametrize("split", ["test", "valid"])
def test_most_golds_of_the_other_split_is_the_other_split(tmp_path: Path, split: str) -> None:
    # The reviewer's file: 1965 of 2000 golds the users' items[-2], the rest not; some
    # near misses, which a headline about under-counting would have put first.
    knobs = Knobs(users=200, split=split, other_split_golds=0.95, near_miss=0.3, seed=3)
    built = build(SYNTHETIC, tmp_path, knobs)
    report = _audit(built)
    c = report.counts
    assert c.gold_other_split == built.truth.counts["gold_other_split"]
    assert c.gold_other_split is not None
    assert c.rows > c.gold_other_split > c.rows // 2
    assert c.near_miss_hits
    other = "valid" if split == "test" else "test"
    assert f"audit it with --split {other}" in report.headline()
    assert f"--split {other}" in _message(report, "GE302")


def test_golds_that_are_simply_wrong_are_no_other_split() -> None:
    report = live_report(HERE / "wrong-golds")
    assert "--split" not in report.headline()
    assert "--split" not in _message(report, "GE302")
    assert report.counts.gold_other_split == 0


def test_a_minority_of_other_split_golds_is_counted_not_called_a_wrong_split(
    tmp_path: Path,
) -> None:
    built = build(SYNTHETIC, tmp_path, Knobs(users=200, other_split_golds=0.2, seed=5))
    report = _audit(built)
    message = _message(report, "GE302")
    assert f"{report.counts.gold_other_split:,} of them are the user's valid target" in message
    assert "--split" not in message
    assert "--split" not in report.headline()


# -- only a total edited ---------------------------------------------------------------------


def test_an_edited_total_alone_is_said_to_be_the_totals() -> None:
    report = live_report(HERE / "edited-total")
    assert report.counts.mismatched_rows == 0
    assert "The reported totals do not follow from the rows" in report.headline()
    assert "own metrics" not in report.headline()


def test_edited_rows_are_said_to_be_the_files_own_metrics() -> None:
    report = live_report(HERE / "edited-rows")
    assert report.counts.mismatched_rows
    assert "The file's own metrics do not follow from its predictions" in report.headline()


# -- a row repeating a non-item ----------------------------------------------------------------


def test_a_row_repeating_a_non_item_is_one_example(tmp_path: Path) -> None:
    built = build(SYNTHETIC, tmp_path, Knobs(users=30, non_items=0.05, seed=11))
    lines = built.predictions.read_text(encoding="utf-8").split("\n")
    # The first row names a non-item twice (its values stay what GRAM gives: no hit moves,
    # as the gold is no non-item).
    cells = lines[1].split("\t")
    predictions = cells[6].split("||")
    predictions[1] = predictions[4] = "no such item at all"
    cells[6] = "||".join(predictions)
    lines[1] = "\t".join(cells)
    built.predictions.write_text("\n".join(lines), encoding="utf-8")
    report = _audit(built)
    shown = next(f for f in report.findings if f.code == "GE201").examples
    assert len(shown) == len(set(shown))
    assert shown[0].endswith("prediction 'no such item at all' (2 of the row's predictions)")
    rows = report.examples["invalid-predictions"]
    assert len({(e.line, e.detail) for e in rows}) == len(rows)
    # The room a repeat would have taken goes to the next rows.
    assert report.counts.invalid_predictions > 7
    assert len(rows) == 5


# -- strict hits item identity cannot credit ----------------------------------------------------


def test_item_metrics_below_strict_are_explained() -> None:
    report = live_report(HERE / "unresolved-golds-echoed")
    m, c = report.metrics, report.counts
    assert m.strict is not None
    assert m.item is not None
    assert (c.near_miss_hits, c.ambiguous_predictions, c.gold_ambiguous) == (0, 0, 0)
    assert c.gold_unresolved_hits
    # The only difference: those rows, hits strictly, none on item identity.
    assert m.strict.hit_10 - m.item.hit_10 == pytest.approx(c.gold_unresolved_hits / c.rows)
    finding = next(f for f in report.findings if f.code == "GE103")
    assert finding.severity.value == "info"
    assert finding.count == c.gold_unresolved_hits
    assert f"{c.gold_unresolved_hits / c.rows:.4f} below the strict hit@10" in finding.message
    assert "gold that names no item" in report.headline()
