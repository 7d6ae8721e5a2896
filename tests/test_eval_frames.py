"""Eval's per-row frame (`EvalReport.rows_frame`): the documented columns, the JSON
report's numbers (means are the metrics, sums the counts), and GRAM's own values row by
row from an oracle that shares no code with gramfix."""

from __future__ import annotations

import math
import pickle
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gramfix
from gramfix.evaluation import audit, evaluate_file
from gramfix.model.errors import InputError
from gramfix.model.eval_report import EvalReport
from gramfix.model.options import EvalSettings
from tests import gram_eval_oracle as oracle
from tests.eval_reports import CASES, live_report
from tests.predictions_build import SYNTHETIC, Built, Knobs, Resolver, build
from tests.test_eval_audit import EVERYTHING as AUDITED

pd = pytest.importorskip("pandas")

#: The columns, as the README documents them (EvalReport.rows_frame's docstring).
COLUMNS = [
    "line", "user", "gold", "gold_item", "gold_level", "strict_rank", "item_rank",
    "strict_hit@1", "strict_hit@5", "strict_hit@10",
    "strict_ndcg@1", "strict_ndcg@5", "strict_ndcg@10",
    "item_hit@1", "item_hit@5", "item_hit@10", "item_ndcg@1", "item_ndcg@5", "item_ndcg@10",
    "reported_hit@5", "reported_hit@10", "reported_ndcg@5", "reported_ndcg@10",
    "predictions", "invalid_predictions", "ambiguous_predictions",
    "duplicate_items", "tied_scores", "near_miss", "metric_mismatch",
    "gold_unresolved", "gold_ambiguous", "gold_not_target", "gold_other_split",
    "unknown_user", "repeated_user", "batched",
]  # fmt: skip
#: Each count of the report and the column whose sum it is.
SUMS = {
    "predictions": "predictions",
    "invalid_predictions": "invalid_predictions",
    "ambiguous_predictions": "ambiguous_predictions",
    "duplicate_rows": "duplicate_items",
    "tied_rows": "tied_scores",
    "near_miss_hits": "near_miss",
    "mismatched_rows": "metric_mismatch",
    "gold_unresolved": "gold_unresolved",
    "gold_ambiguous": "gold_ambiguous",
    "gold_not_target": "gold_not_target",
    "gold_other_split": "gold_other_split",
    "unknown_users": "unknown_user",
    "repeated_users": "repeated_user",
    "batched_rows": "batched",
}
# Every problem of the audit's own file, on more users and with its totals as written.
EVERYTHING = replace(AUDITED, users=60, edit_totals=False)


def assert_frame_is_the_report(report: EvalReport, frame: Any) -> None:
    """The frame's means are the report's metrics, its sums the report's counts."""
    data = report.model_dump(mode="json")
    assert list(frame.columns) == COLUMNS
    assert len(frame) == data["counts"]["rows"]
    assert list(frame["line"]) == sorted(frame["line"])  # file order
    for count, column in SUMS.items():
        expected = data["counts"][count]
        if expected is None:  # the report could not count it: no value in any row
            assert frame[column].isna().all(), column
        else:
            assert frame[column].sum() == expected, column
    for kind in ("strict", "item"):
        metrics = data["metrics"][kind]
        columns = [c for c in COLUMNS if c.startswith(f"{kind}_") and "@" in c]
        if metrics is None:
            assert frame[columns].isna().all().all()
            continue
        for column in columns:
            name = column.split("_", 1)[1]
            mean = frame[column].mean()
            if name.startswith("hit"):
                assert mean == metrics[name], column  # a count over the rows: exact
            else:
                assert math.isclose(mean, metrics[name], rel_tol=1e-12, abs_tol=1e-15), column
        # hit@k is the rank of the first hit within k
        rank = frame[f"{kind}_rank"]
        for k in (1, 5, 10):
            assert ((rank <= k).fillna(False) == (frame[f"{kind}_hit@{k}"] == 1)).all()
    # Strict hits on a gold that names no item: what item identity cannot credit.
    echoed = data["counts"]["gold_unresolved_hits"]
    if echoed is None:
        assert frame["gold_unresolved"].isna().all()
    else:
        hits = frame["gold_unresolved"].astype(bool) & (frame["strict_hit@10"] == 1)
        assert hits.sum() == echoed
    levels = data["levels"]["golds"]
    if levels is not None:
        counted = frame["gold_level"].value_counts().to_dict()
        assert {k: v for k, v in levels.items() if v} == counted
    if data["per_user"]:
        # A row whose own values are right says what the strict columns say.
        right = frame[~frame["metric_mismatch"].astype(bool)]
        for name in ("hit@5", "hit@10", "ndcg@5", "ndcg@10"):
            written, strict = right[f"reported_{name}"], right[f"strict_{name}"]
            assert ((written - strict).abs() <= 1e-6).all(), name
    # The example rows the report shows are the frame's rows.
    by_line = frame.set_index("line")
    for rows in report.examples.values():
        for e in rows:
            if e.row is None:
                continue
            row = by_line.loc[e.line]
            assert row["user"] == e.user
            assert row["gold"] == e.row.gold
            strict = [p.rank for p in e.row.predictions if p.strict]
            got = row["strict_rank"]
            assert (None if pd.isna(got) else int(got)) == (strict[0] if strict else None)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_the_frame_of_every_golden_case_is_its_report(case: Path) -> None:
    report = live_report(case)
    assert_frame_is_the_report(report, report.rows_frame())


def _evaluate(built: Built, **options: Any) -> EvalReport:
    k = built.knobs
    return evaluate_file(
        built.predictions,
        indexing=built.indexing,
        sequences=built.sequences,
        settings=EvalSettings(split=k.split, generate_num=k.generate_num),  # type: ignore[arg-type]
        **options,
    )


def _oracle_rows(built: Built) -> list[dict[str, Any]]:
    """Each row's GRAM values from the file, by the tests' own reading and resolver."""
    lexical = dict(
        line.split(" ", 1)
        for line in built.indexing.read_text(encoding="utf-8").splitlines()
        if " " in line
    )
    resolver = Resolver(lexical)

    def item(text: str) -> str | None:
        _, items = resolver.resolve(text)
        return items[0] if len(items) == 1 else None

    rows = []
    lines = built.predictions.read_text(encoding="utf-8").split("\n")[1:]
    for number, line in enumerate(lines, start=2):
        fields = line.split("\t")
        if len(fields) != 8:
            continue
        user, *_, gold, pred, scores = fields
        predictions = pred.split("||")
        values = [float(s) for s in scores.split("||")]
        strict = oracle.rel_results(predictions, gold, values)
        by_item = oracle.item_rel_results([item(p) for p in predictions], item(gold), values)
        row: dict[str, Any] = {"line": number, "user": user, "gold": gold}
        for kind, relevance in (("strict", strict), ("item", by_item)):
            row[f"{kind}_rank"] = relevance.index(1) + 1 if 1 in relevance else None
            for name in ("hit@1", "hit@5", "hit@10", "ndcg@1", "ndcg@5", "ndcg@10"):
                row[f"{kind}_{name}"] = oracle.metric(relevance, name)
        rows.append(row)
    return rows


def assert_rows_are_the_oracles(built: Built, frame: Any) -> None:
    expected = _oracle_rows(built)
    assert len(frame) == len(expected)
    for got, want in zip(frame.to_dict("records"), expected, strict=True):
        for key, value in want.items():
            shown = got[key]
            if value is None:
                assert pd.isna(shown), (key, got["line"])
            elif isinstance(value, float):
                assert math.isclose(shown, value, rel_tol=1e-12, abs_tol=1e-15), (key, got)
            else:
                assert shown == value, (key, got["line"])


def test_a_built_file_row_by_row(tmp_path: Path) -> None:
    built = build(SYNTHETIC, tmp_path, EVERYTHING)
    report = _evaluate(built)
    frame = report.rows_frame()
    assert_frame_is_the_report(report, frame)
    assert_rows_are_the_oracles(built, frame)
    assert frame["near_miss"].sum() > 0  # the knobs show in the rows
    assert frame["strict_rank"].isna().any()


def test_a_built_file_of_real_beauty(shared: Path, tmp_path: Path) -> None:
    built = build(shared / "gram" / "Beauty", tmp_path, EVERYTHING)
    report = _evaluate(built)
    frame = report.rows_frame()
    assert_frame_is_the_report(report, frame)
    assert_rows_are_the_oracles(built, frame)


RATES = st.sampled_from([0.0, 0.05, 0.3])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    users=st.integers(1, 30),  # (no-rows is a golden case)
    generate_num=st.sampled_from([1, 5, 10]),
    split=st.sampled_from(["test", "valid"]),
    batch=st.sampled_from([1, 1, 1, 3]),
    seed=st.integers(0, 10**6),
    near_miss=RATES,
    non_items=RATES,
    repeats=RATES,
    ties=RATES,
    shuffle=RATES,
    wrong_golds=RATES,
    edit_rows=RATES,
    repeat_users=RATES,
    threads=st.sampled_from([1, 2]),
)
def test_any_built_file(
    tmp_path_factory: pytest.TempPathFactory, threads: int, **knobs: Any
) -> None:
    built = build(SYNTHETIC, tmp_path_factory.mktemp("built"), Knobs(**knobs))
    report = _evaluate(built, threads=threads)
    frame = report.rows_frame()
    assert_frame_is_the_report(report, frame)
    if report.per_user:
        assert_rows_are_the_oracles(built, frame)


def test_the_audit_keeps_no_row_unless_asked(tmp_path: Path) -> None:
    built = build(SYNTHETIC, tmp_path, EVERYTHING)
    k = built.knobs
    bounded = audit(built.predictions, built.indexing, built.sequences, k.split, k.generate_num)
    assert bounded.rows is None
    kept = audit(
        built.predictions, built.indexing, built.sequences, k.split, k.generate_num,
        keep_rows=True,
    )  # fmt: skip
    assert kept.counts == bounded.counts
    assert kept.metrics == bounded.metrics
    rows = kept.rows
    assert rows is not None
    assert len(rows["line"]) == bounded.counts.rows  # type: ignore[arg-type]
    # The rows are not in the report's JSON.
    report = _evaluate(built)
    assert "strict_rank" not in report.model_dump_json()


def test_a_report_read_from_json_or_a_changed_file_has_no_rows(tmp_path: Path) -> None:
    built = build(SYNTHETIC, tmp_path, EVERYTHING)
    report = _evaluate(built)
    again = EvalReport.model_validate_json(report.model_dump_json())
    assert again.model_dump() == report.model_dump()
    with pytest.raises(ValueError, match="read back from JSON"):
        again.rows_frame()
    assert len(pickle.loads(pickle.dumps(report)).rows_frame()) == report.counts.rows
    text = built.predictions.read_text(encoding="utf-8")
    built.predictions.write_text(text.replace("\t1.0\t", "\t0.0\t", 1), encoding="utf-8")
    with pytest.raises(InputError, match="changed since it was audited"):
        report.rows_frame()


def test_the_frame_reads_its_files_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build(SYNTHETIC, tmp_path / "made", EVERYTHING)
    for source in (built.indexing, built.sequences):  # a dataset folder of its own
        target = tmp_path / "made" / source.name
        if not target.exists():
            shutil.copyfile(source, target)
    monkeypatch.chdir(tmp_path)  # relative paths, as a notebook gives them
    report = gramfix.evaluate(Path("made") / built.predictions.name, "made", config=False)
    monkeypatch.chdir(Path(sys.prefix))  # a notebook that moved on
    assert len(report.rows_frame()) == report.counts.rows


def test_without_pandas_the_frame_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = _evaluate(build(SYNTHETIC, tmp_path, Knobs(users=5)))
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    for method in (report.rows_frame, report.findings_frame):
        with pytest.raises(ImportError, match=r"pip install 'gramfix\[pandas\]'"):
            method()


def test_the_findings_frame_of_an_eval_report(tmp_path: Path) -> None:
    report = _evaluate(build(SYNTHETIC, tmp_path, EVERYTHING))
    frame = report.findings_frame()
    assert list(frame["code"]) == [f.code for f in report.findings]
    assert list(frame["count"]) == [f.count for f in report.findings]
