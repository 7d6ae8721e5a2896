"""Properties of every repair the planner accepts, on generated corrupted mappings."""

from __future__ import annotations

import json
import string
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gramfix import check_dataset
from gramfix.repairing import repair_dataset

DIGITS_ID = st.text(alphabet=string.digits, min_size=10, max_size=10)
ASIN = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=9, max_size=9).map(
    lambda s: "B" + s
)
CORRUPT = {
    "exact": lambda i: i,
    "whole-line": lambda i: f"{i} title: thing; brand: acme",
    "decorated": lambda i: f"\ufeff{i}\r\n",
    "lost-zeros": lambda i: i.lstrip("0") or "0",
    "lower": str.lower,
}


@st.composite
def datasets(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    universe = draw(st.lists(ASIN | DIGITS_ID, min_size=1, max_size=25, unique=True))
    users = []
    for u in range(draw(st.integers(1, 12))):
        items = draw(st.lists(st.sampled_from(universe), min_size=3, max_size=9))
        users.append(f"U{u} " + " ".join(items))
    used = {i for line in users for i in line.split()[1:]}
    mapping: dict[str, Any] = {}
    rows = draw(st.permutations(range(1, len(universe) + 10)))
    for item, row in zip(universe, rows, strict=False):
        for kind in draw(st.lists(st.sampled_from(list(CORRUPT)), min_size=1, max_size=2)):
            mapping.setdefault(CORRUPT[kind](item), row)
    for extra in draw(st.lists(ASIN, max_size=3)):
        if extra not in used:
            mapping.setdefault(extra, draw(st.integers(1, 99)))
    order = draw(st.permutations(list(mapping)))
    return "\n".join(users) + "\n", {key: mapping[key] for key in order}


def _write(folder: Path, sequences: str, mapping: dict[str, Any]) -> None:
    (folder / "user_sequence.txt").write_text(sequences, encoding="utf-8")
    with (folder / "item_id_to_gcn_index.json").open("w", encoding="utf-8") as out:
        json.dump(mapping, out, indent=2, ensure_ascii=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(datasets())
def test_accepted_repairs_keep_values_order_and_coverage(
    dataset: tuple[str, dict[str, Any]],
) -> None:
    sequences, mapping = dataset
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        _write(folder, sequences, mapping)
        out = folder / "out.json"
        report, plan = repair_dataset(folder, output=out)
        assume(report.status != "refused")
        with out.open(encoding="utf-8") as handle:
            repaired = json.load(handle)  # what the trainer does
        # Values never change and keep their order; only collapsed duplicates go.
        kept = [v for v, new in zip(mapping.values(), plan.new_keys, strict=True) if new]
        assert list(repaired.values()) == kept
        assert list(repaired) == [new for new in plan.new_keys if new]
        assert all(type(v) is int for v in repaired.values())
        # Coverage never drops: what resolved before still resolves.
        before = check_dataset(folder).coverage
        after = check_dataset(folder, mapping=out).coverage
        assert before is not None
        assert after is not None
        assert after.as_written.all.items_resolved >= before.as_written.all.items_resolved
        assert after.as_written.all.items_resolved == after.as_written.all.items
        # Repairing twice is repairing once.
        again = folder / "again.json"
        second, _ = repair_dataset(folder, mapping=out, output=again)
        assert second.status == "nothing-to-repair"
        assert again.read_bytes() == out.read_bytes()
