"""Acceptance on the real GRAM / GRAM-C data (skipped when ../shared is absent)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gramfix import check_dataset
from tests.conftest import Run


def _whole_line_beauty(shared: Path, folder: Path) -> Path:
    """Beauty with the original bug: each key is the whole metadata line (same values, order)."""
    real = json.loads((shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json").read_text())
    broken = {
        f"{key} title: product {row}; brand: na; price: 1.0": row for key, row in real.items()
    }
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(broken, indent=2))
    (folder / "user_sequence.txt").write_bytes(
        (shared / "gram" / "Beauty" / "user_sequence.txt").read_bytes()
    )
    return folder


def test_beauty_with_whole_line_keys(
    shared: Path, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _whole_line_beauty(shared, tmp_path)
    run = gramfix("check", folder, "--format", "json")
    assert run.code == 1
    report = json.loads(run.out)
    families = {f["family"]: f for f in report["mapping"]["families"]}
    assert list(families) == ["whole-line"]
    assert families["whole-line"]["count"] == 12101
    assert families["whole-line"]["safe"] is True
    coverage = report["coverage"]
    assert coverage["as_written"]["all"]["items_resolved"] == 0
    assert coverage["normalised"]["all"]["items_resolved"] == 12101
    assert coverage["normalised"]["all"]["interactions_resolved"] == 198502
    for split in ("train", "valid", "test"):
        assert report["fill"]["as_written"][split]["fill"] == 0.0
        assert report["fill"]["normalised"][split]["fill"] == 1.0
        assert (
            report["fill"]["as_written"][split]["dead_samples"]
            == (report["fill"]["as_written"][split]["samples"])
        )


def test_beauty_with_the_real_mapping_passes(shared: Path, gramfix: Callable[..., Run]) -> None:
    run = gramfix(
        "check",
        "--sequences",
        shared / "gram" / "Beauty" / "user_sequence.txt",
        "--mapping",
        shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json",
    )
    assert run.code == 0, run.out


@pytest.mark.parametrize(
    ("dataset", "padded"),
    [("Beauty", (0.699, 0.834, 0.936)), ("Toys", (0.688, 0.825, 0.932))],
)
def test_fill_matches_the_published_health_numbers(
    shared: Path, tmp_path: Path, dataset: str, padded: tuple[float, float, float]
) -> None:
    sequences = shared / "gram" / dataset / "user_sequence.txt"
    items = dict.fromkeys(i for line in sequences.open() for i in line.split()[1:])
    mapping = tmp_path / "item_id_to_gcn_index.json"
    mapping.write_text(json.dumps({item: row for row, item in enumerate(items, start=1)}))
    report = check_dataset(sequences=sequences, mapping=mapping)
    assert report.fill is not None
    got = (report.fill.as_written.train, report.fill.as_written.valid, report.fill.as_written.test)
    assert tuple(round(s.padded_fill, 3) for s in got) == padded
    assert all(s.fill == 1.0 and s.dead_samples == 0 for s in got)
    assert report.fill.complete == report.fill.as_written
