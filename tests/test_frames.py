"""The report's pandas frames: the documented columns, and the JSON report's numbers."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import gramfix
from gramfix.model.report import Report
from tests.conftest import ROOT
from tests.oracle import read_like_trainer, row

pd = pytest.importorskip("pandas")

FOLDERS = [
    ROOT / "examples" / "beauty-broken",
    ROOT / "examples" / "beauty-clean",
    *(
        ROOT / "tests" / "cases" / name
        for name in (
            "partial-coverage",
            "mixed",
            "conflicting-fixes",
            "zero-based",
            "lost-leading-zeros",
            "sequence-hygiene",
            "embeddings-trained",
            "no-mapping",
        )
    ),
]


def _check(folder: Path) -> tuple[Report, dict[str, Any]]:
    report = gramfix.check(folder, config=False)
    return report, report.model_dump(mode="json")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_frames_hold_the_json_reports_numbers(folder: Path) -> None:
    report, data = _check(folder)

    findings = report.findings_frame()
    assert list(findings.columns) == [
        "code", "name", "severity", "count", "message", "file", "line", "examples"
    ]  # fmt: skip
    records = [
        {
            key: None if pd.api.types.is_scalar(value) and pd.isna(value) else value
            for key, value in r.items()
        }
        for r in findings.astype(object).to_dict("records")
    ]
    assert records == [{k: f[k] for k in findings.columns} for f in data["findings"]]

    coverage = report.coverage_frame()
    assert list(coverage.columns) == [
        "split", "view", "items", "items_resolved", "interactions", "interactions_resolved"
    ]  # fmt: skip
    fill = report.fill_frame()
    assert list(fill.columns) == [
        "split", "view", "samples", "slots", "resolved_slots", "fill", "dead_samples",
        "padded_fill",
    ]  # fmt: skip
    if data["coverage"] is None:
        assert coverage.empty
        assert fill.empty
        assert list(report.missing_items_frame().columns) == ["item", "interactions", "splits"]
        return
    assert len(coverage) == 12
    assert len(fill) == 9
    for r in coverage.to_dict("records"):
        if r["view"] == "complete":  # every item resolved
            written = data["coverage"]["as_written"][r["split"]]
            assert r["items_resolved"] == r["items"] == written["items"]
            assert r["interactions_resolved"] == r["interactions"] == written["interactions"]
        else:
            expected = data["coverage"][r["view"]][r["split"]]
            assert {k: r[k] for k in expected} == expected
    for r in fill.to_dict("records"):
        expected = data["fill"][r["view"]][r["split"]]
        assert {k: r[k] for k in expected} == expected

    missing = report.missing_items_frame()
    assert list(missing.columns) == ["item", "interactions", "splits"]
    written = data["coverage"]["as_written"]
    assert len(missing) == written["all"]["items"] - written["all"]["items_resolved"]
    assert missing["interactions"].sum() == (
        written["all"]["interactions"] - written["all"]["interactions_resolved"]
    )
    for split in ("train", "valid", "test"):
        occurs = missing["splits"].astype(str).str.split(",").map(lambda s, x=split: x in s)
        assert occurs.sum() == written[split]["items"] - written[split]["items_resolved"]
    top = data["coverage"]["top_missing"]
    head = missing.head(len(top))
    pairs = zip(head["item"], head["interactions"], strict=True)
    assert [{"id": i, "interactions": n} for i, n in pairs] == top
    assert list(missing["interactions"]) == sorted(missing["interactions"], reverse=True)


@pytest.mark.parametrize("folder", FOLDERS[:4], ids=lambda p: p.name)
def test_every_missing_item_as_the_trainer_reads_the_files(folder: Path) -> None:
    # An independent count: the trainer's reading of the files, mapping.get(item, 0).
    import json

    users = read_like_trainer(folder / "user_sequence.txt")
    mapping = json.loads((folder / "item_id_to_gcn_index.json").read_text(encoding="utf-8"))
    interactions: Counter[str] = Counter()
    splits: dict[str, set[str]] = {}
    for items in users.values():
        interactions.update(items)
        parts = [("train", items[:-2]), ("valid", items[-2:-1]), ("test", items[-1:])]
        for split, part in parts:
            for item in part:
                splits.setdefault(item, set()).add(split)
    expected = {
        (item, count, ",".join(s for s in ("train", "valid", "test") if s in splits[item]))
        for item, count in interactions.items()
        if row(mapping, item) == 0
    }
    report, _ = _check(folder)
    frame = report.missing_items_frame()
    got = set(zip(frame["item"], frame["interactions"], frame["splits"].astype(str), strict=True))
    assert got == expected


def test_without_pandas_the_frames_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report, _ = _check(FOLDERS[0])
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    for method in (
        report.findings_frame,
        report.coverage_frame,
        report.fill_frame,
        report.missing_items_frame,
    ):
        with pytest.raises(ImportError, match=r"pip install 'gramfix\[pandas\]'"):
            method()


def test_a_report_read_from_json_has_only_the_top_missing_items() -> None:
    report, _ = _check(FOLDERS[0])
    again = Report.model_validate_json(report.model_dump_json())
    assert again.coverage is not None
    assert again.coverage.unresolved is None
    assert again.model_dump() == report.model_dump()  # the full list is not in the JSON
    with pytest.raises(ValueError, match="top_missing"):
        again.missing_items_frame()
    assert len(again.coverage_frame()) == 12  # the other frames need only the JSON
