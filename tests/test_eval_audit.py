"""The audit of a prediction file reports the truth of files built with known problems."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gramfix.engine.audit_rows import EXAMPLES
from gramfix.engine.gram_metrics import (
    ROW_TOLERANCE,
    ndcg_at,
    smallest_ndcg_gap,
)
from gramfix.evaluation import audit, evaluate_file
from gramfix.model.errors import InputError, UsageError
from gramfix.model.eval_report import EvalReport
from gramfix.model.options import EvalSettings
from gramfix.model.rules import rules_of
from tests.predictions_build import (
    EXAMPLE,
    EXAMPLE_KNOBS,
    ROOT,
    SYNTHETIC,
    Built,
    Knobs,
    build,
    torch_print,
)

EVERYTHING = Knobs(
    users=48,
    near_miss=0.5,
    surface=0.1,
    non_items=0.05,
    ambiguous=0.05,
    collisions=2,
    repeats=0.2,
    ties=0.2,
    shuffle=0.3,
    nan_scores=0.05,
    wrong_golds=0.1,
    unresolved_golds=0.05,
    gold_variants=0.1,
    edit_rows=0.1,
    repeat_users=0.1,
    unknown_users=0.05,
    edit_totals=True,
)


#: The names of eval's findings.
NAMES = [entry.name for entry in rules_of("eval").values()]


def _audit(built: Built, **options: Any) -> EvalReport:
    k = built.knobs
    return evaluate_file(
        built.predictions,
        indexing=built.indexing,
        sequences=built.sequences,
        settings=EvalSettings(split=k.split, generate_num=k.generate_num),  # type: ignore[arg-type]
        **options,
    )


def found(report: EvalReport) -> set[str]:
    return {f.name for f in report.findings}


def assert_truth(built: Built, result: EvalReport) -> None:
    """Every figure of the report equals the truth: metrics to 1e-9, counts exactly."""
    truth = built.truth
    got = result.model_dump(mode="json")
    assert got["per_user"] == truth.per_user
    assert {k: got["counts"][k] for k in truth.counts} == truth.counts
    for kind in ("strict", "item"):
        expected = getattr(truth, kind)
        if expected is None:
            assert got["metrics"][kind] is None
            continue
        assert set(got["metrics"][kind]) == set(expected)
        for name, value in expected.items():
            assert math.isclose(got["metrics"][kind][name], value, rel_tol=0, abs_tol=1e-9), name
            difference = got["metrics"]["difference"][name]
            assert math.isclose(difference, value - truth.strict[name], abs_tol=1e-9) or (
                kind == "strict"
            )
    assert got["metrics"]["reported"] == truth.reported
    assert got["levels"]["predictions"] == truth.prediction_levels
    assert got["levels"]["golds"] == (truth.gold_levels if truth.per_user else None)
    assert {f["name"] for f in got["findings"]} == truth.problems
    for finding in result.findings:
        assert finding.examples, finding.name  # every finding shows where
        assert finding.line is not None


CASES = {
    "plain": Knobs(),
    "everything": EVERYTHING,
    "batched": Knobs(batch=4, non_items=0.05),
    "per-rank, valid": Knobs(merged=False, split="valid", near_miss=0.3),
    "plain totals, 5 predictions": Knobs(totals="plain", generate_num=5, ties=0.3),
    "one prediction": Knobs(generate_num=1, near_miss=0.5, hit_rate=0.8),
}


@pytest.mark.parametrize("knobs", CASES.values(), ids=CASES.keys())
def test_truth_on_the_synthetic_dataset(tmp_path: Path, knobs: Knobs) -> None:
    built = build(SYNTHETIC, tmp_path, knobs)
    assert_truth(built, _audit(built))


@pytest.mark.parametrize("dataset", ["Beauty", "Toys"])
@pytest.mark.parametrize("knobs", CASES.values(), ids=CASES.keys())
def test_truth_on_real_data(shared: Path, tmp_path: Path, dataset: str, knobs: Knobs) -> None:
    built = build(shared / "gram" / dataset, tmp_path, replace_users(knobs, 400))
    assert_truth(built, _audit(built))


def replace_users(knobs: Knobs, users: int) -> Knobs:
    from dataclasses import replace

    return replace(knobs, users=users)


RATES = st.sampled_from([0.0, 0.0, 0.05, 0.3])


@st.composite
def knob_sets(draw: st.DrawFn) -> Knobs:
    return Knobs(
        users=draw(st.integers(1, 40)),
        generate_num=draw(st.sampled_from([1, 2, 5, 10, 10])),
        split=draw(st.sampled_from(["test", "valid"])),
        seed=draw(st.integers(0, 10**6)),
        hit_rate=draw(st.sampled_from([0.0, 0.4, 1.0])),
        near_miss=draw(RATES),
        surface=draw(RATES),
        non_items=draw(RATES),
        ambiguous=draw(RATES),
        collisions=draw(st.sampled_from([0, 0, 1, 3])),
        repeats=draw(RATES),
        ties=draw(RATES),
        shuffle=draw(RATES),
        nan_scores=draw(st.sampled_from([0.0, 0.0, 0.2])),
        wrong_golds=draw(RATES),
        unresolved_golds=draw(RATES),
        echo_unresolved=draw(RATES),
        other_split_golds=draw(RATES),
        gold_variants=draw(RATES),
        edit_rows=draw(RATES),
        repeat_users=draw(RATES),
        unknown_users=draw(RATES),
        merged=draw(st.booleans()),
        totals=draw(st.sampled_from(["tensor", "plain"])),
        edit_totals=draw(st.booleans()),
        batch=draw(st.sampled_from([1, 1, 1, 2, 3])),
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(knobs=knob_sets(), threads=st.sampled_from([1, 2]))
def test_truth_for_any_knobs(
    tmp_path_factory: pytest.TempPathFactory, knobs: Knobs, threads: int
) -> None:
    built = build(SYNTHETIC, tmp_path_factory.mktemp("built"), knobs)
    assert_truth(built, _audit(built, threads=threads))


def test_threads_do_not_change_the_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gramfix.io import predictions

    monkeypatch.setattr(predictions, "BLOCK_BYTES", 512)  # many chunks in flight
    built = build(SYNTHETIC, tmp_path, EVERYTHING)
    alone = _audit(built, threads=1).model_dump(mode="json")
    assert _audit(built, threads=2).model_dump(mode="json") == alone
    assert _audit(built, threads=4).model_dump(mode="json") == alone


# -- each problem on its own ---------------------------------------------------------------

ALONE = {
    "metric-mismatch": Knobs(edit_rows=0.1),
    "strict-undercount": Knobs(near_miss=0.5),
    "invalid-predictions": Knobs(non_items=0.02),
    "duplicate-predictions": Knobs(repeats=0.2),
    "tied-scores": Knobs(ties=0.2),
    "gold-unresolved": Knobs(unresolved_golds=0.1),
    # A gold naming no item is what a prediction repeats: gold-unresolved comes along, and
    # the prediction names no item either.
    "unresolved-gold-hits": Knobs(unresolved_golds=0.2, echo_unresolved=0.5),
    "gold-not-target": Knobs(wrong_golds=0.1),
    "ambiguous-ids": Knobs(collisions=2, ambiguous=0.05),
    "batched-rows": Knobs(batch=8),
    "unknown-users": Knobs(unknown_users=0.1),
    "repeated-users": Knobs(repeat_users=0.1),
}


def test_every_finding_has_a_case_of_its_own() -> None:
    assert sorted(ALONE) == sorted(set(NAMES) - {"no-rows"})  # no-rows: a file of its own


@pytest.mark.parametrize("name", sorted(ALONE))
def test_each_problem_is_found_alone(tmp_path: Path, name: str) -> None:
    built = build(SYNTHETIC, tmp_path, ALONE[name])
    result = _audit(built)
    assert_truth(built, result)
    # Random draws may add ties or repeats of their own; the injected one is there.
    assert name in found(result)
    echoed = {"gold-unresolved", "invalid-predictions"}
    alongside = echoed if name == "unresolved-gold-hits" else set()
    assert found(result) <= {name, "tied-scores", "duplicate-predictions", "ambiguous-ids"} | (
        alongside
    )


def test_an_edited_total_is_a_mismatch(tmp_path: Path) -> None:
    built = build(SYNTHETIC, tmp_path, Knobs(edit_totals=True))
    result = _audit(built)
    assert_truth(built, result)
    wrong = [t for t in result.totals if t.agrees is False]
    assert [t.name for t in wrong] == ["hit@10"]
    assert result.examples["metric-mismatch"][0].line == wrong[0].line  # the total first
    mismatch = next(f for f in result.findings if f.name == "metric-mismatch")
    assert mismatch.line == wrong[0].line
    assert all(t.agrees for t in result.totals if t.name != "hit@10")


def test_batched_rows_with_a_smaller_generate_num(tmp_path: Path) -> None:
    # Written with batch 2 and 5 predictions, audited as 10: rows look like one user each,
    # but a hit@5 of 2.0 is a sum over a batch.
    built = build(SYNTHETIC, tmp_path, Knobs(generate_num=5, batch=2, hit_rate=1.0))
    result = evaluate_file(built.predictions, indexing=built.indexing)
    assert not result.per_user
    assert result.metrics.strict is None
    assert "batched-rows" in found(result)


def test_a_row_count_that_is_no_multiple(tmp_path: Path) -> None:
    built = build(SYNTHETIC, tmp_path, Knobs(generate_num=5))
    with pytest.raises(InputError) as caught:
        audit(built.predictions, built.indexing, generate_num=10)
    assert caught.value.line == 2
    assert "5 predictions in a row; with generate_num 10" in caught.value.problem


def test_bad_options(tmp_path: Path) -> None:
    built = build(SYNTHETIC, tmp_path, Knobs(users=3))
    with pytest.raises(UsageError):
        audit(built.predictions, built.indexing, split="train")
    with pytest.raises(UsageError):
        audit(built.predictions, built.indexing, generate_num=0)


def test_a_file_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "rank1.tsv"
    path.write_text("idx\tH@5\tH@10\tNDCG@5\tNDCG@10\tgold\tpred\tscores\n", encoding="utf-8")
    index = next(SYNTHETIC.glob("item_generative_indexing_*.txt"))
    result = evaluate_file(path, indexing=index)
    assert result.counts.rows == 0
    assert result.metrics.strict is None
    assert found(result) == {"no-rows"}
    assert result.verdict == "fail"  # nothing audited is nothing passed


# -- tolerances, calibrated ----------------------------------------------------------------


def test_row_tolerance_separates_formulas_from_values() -> None:
    # Another log implementation moves a row value by about an ulp; two different
    # achievable values are at least 8.5e-5 apart: the tolerance sits far from both.
    for k in (5, 10):
        for mask in range(1 << k):
            rel = [(mask >> j) & 1 for j in range(k)]
            other = sum(r / math.log2(j + 2) for j, r in enumerate(rel))
            assert abs(other - ndcg_at(rel, k)) < ROW_TOLERANCE / 1000
        assert smallest_ndcg_gap(k) > 8e4 * ROW_TOLERANCE


def test_the_builder_prints_totals_as_torch_does() -> None:
    torch = pytest.importorskip("torch")
    for value in (0.0, 1.0, 0.07412345, 0.5, 3.2e-05, 0.123456789, 2.0 / 3.0):
        printed = str(torch.tensor(value, dtype=torch.float64))  # tensor(x, dtype=...)
        number = printed.removeprefix("tensor(").split(",")[0]
        assert torch_print(value).startswith(f"tensor({number}, device='cuda:0'")


# -- the bundled example -------------------------------------------------------------------


def test_the_example_is_what_the_builder_writes(tmp_path: Path) -> None:
    from tests.predictions_build import build as make

    built = make(ROOT / "examples" / "beauty-broken", tmp_path, EXAMPLE_KNOBS, EXAMPLE.name)
    assert built.predictions.read_bytes() == EXAMPLE.read_bytes()


def test_the_example_shows_a_strict_undercount() -> None:
    result = evaluate_file(EXAMPLE, ROOT / "examples" / "beauty-broken")
    undercount = next(f for f in result.findings if f.name == "strict-undercount")
    assert result.metrics.item is not None
    assert result.metrics.strict is not None
    assert result.metrics.item.hit_10 > result.metrics.strict.hit_10
    assert all(t.agrees for t in result.totals)  # the file's own totals are GRAM's
    assert EXAMPLES >= len(undercount.examples) > 0


def test_strings_longer_than_a_span_compare_byte_for_byte(tmp_path: Path) -> None:
    index = next(SYNTHETIC.glob("item_generative_indexing_*.txt"))
    long = next(
        line.split(" ", 1)[1]
        for line in index.read_text(encoding="utf-8").splitlines()
        if line.startswith("B00LONG001 ")
    )
    gold = " ".join(piece.lstrip("▁") for piece in long.split("|") if piece)
    assert len(gold.encode("utf-8")) > 128  # past the span table: the byte path
    rows = [
        # a strict hit at rank 2, then a near miss at rank 1 (case), then a miss
        ("u1", "1.0\t1.0\t0.6309297535714574\t0.6309297535714574", gold, ["solo", gold]),
        ("u2", "0.0\t0.0\t0.0\t0.0", gold, [gold.upper(), "solo"]),
        ("u3", "0.0\t0.0\t0.0\t0.0", gold, [gold + " x", gold[:-1]]),
    ]
    path = tmp_path / "long.tsv"
    path.write_text(
        "idx\tH@5\tH@10\tNDCG@5\tNDCG@10\tgold\tpred\tscores\n"
        + "".join(f"{u}\t{m}\t{g}\t{'||'.join(p)}\t-0.5||-1.5\n" for u, m, g, p in rows),
        encoding="utf-8",
    )
    result = audit(path, index, generate_num=2)
    assert result.metrics.strict is not None
    assert result.metrics.item is not None
    assert result.metrics.strict.hit_10 == 1 / 3
    assert result.metrics.item.hit_10 == 2 / 3
    assert result.metrics.item.hit_1 == 1 / 3
    assert result.counts.near_miss_hits == 1
    assert result.counts.invalid_predictions == 2
    assert result.counts.mismatched_rows == 0
