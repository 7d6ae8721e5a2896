"""Cross-file consistency, lexical-ID collisions and history order, against naive oracles."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix import check_dataset
from gramfix.model.report import Report

INDEXING = "item_generative_indexing_test.txt"
ITEMS = [f"B{i:09d}" for i in range(1, 13)]


def _sequences(rng: random.Random, users: int = 20) -> str:
    return "".join(f"U{u} {' '.join(rng.sample(ITEMS, 5))}\n" for u in range(users))


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_files_are_joined_by_key_never_by_line_position(tmp_path: Path) -> None:
    rng = random.Random(1)
    lines = [f"{item} |▁t{i}|x\n" for i, item in enumerate(ITEMS[:-1])] + ["B999999999 |▁z\n"]
    base = {
        "user_sequence.txt": _sequences(rng),
        "item_id_to_gcn_index.json": json.dumps({i: n for n, i in enumerate(ITEMS, start=1)}),
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = check_dataset(_write(tmp_path / "a", {**base, INDEXING: "".join(lines)}))
    rng.shuffle(lines)
    two = check_dataset(_write(tmp_path / "b", {**base, INDEXING: "".join(lines)}))
    for report in (one, two):
        stats = report.item_files[0]
        assert stats.vs_sequences is not None
        assert stats.vs_mapping is not None
        assert (stats.vs_sequences.missing, stats.vs_sequences.extra) == (1, 1)
        assert stats.vs_sequences.missing_examples == [ITEMS[-1]]
        assert stats.vs_sequences.extra_examples == ["B999999999"]
        assert (stats.vs_mapping.missing, stats.vs_mapping.extra) == (1, 1)
    assert [f.code for f in one.findings] == [f.code for f in two.findings]
    assert {"GF701", "GF702", "GF703", "GF704"} <= {f.code for f in one.findings}


def test_item_files_without_a_mapping(tmp_path: Path) -> None:
    rng = random.Random(2)
    similar = "anchor top1\n" + "".join(f"{i} {ITEMS[0]} B000000404\n" for i in ITEMS)
    report = check_dataset(
        _write(tmp_path, {"user_sequence.txt": _sequences(rng), "similar_item_x.txt": similar})
    )
    stats = report.item_files[0]
    assert stats.vs_mapping is None
    assert stats.skipped_header_lines == 1
    assert stats.neighbours is not None
    assert (stats.neighbours.unknown, stats.neighbours.unknown_occurrences) == (1, 12)
    assert [f.code for f in report.findings] == ["GF001", "GF706"]


LEXICAL = st.text(alphabet="|▁aA b", min_size=0, max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ITEMS), LEXICAL), min_size=1, max_size=12))
def test_lexical_collisions_match_a_naive_count(lines: list[tuple[str, str]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        text = "".join(f"{item} {lexical}\n" for item, lexical in lines)
        (path / INDEXING).write_text(text, encoding="utf-8")
        report = check_dataset(path)
    kept = dict(lines)  # the trainer's dict: the last line of an item wins

    def pairs(normalise: object) -> int:
        assert callable(normalise)
        counts = Counter(normalise(v) for v in kept.values())
        return sum(n * (n - 1) // 2 for n in counts.values())

    def bare(v: str) -> str:
        return v.replace("|", "").replace("▁", "")

    expected = [pairs(lambda v: v), pairs(bare), pairs(lambda v: bare(v).strip().lower())]
    got = [c.pairs for c in report.lexical_ids[0].collisions]
    assert got == expected
    codes = {f.code: f.count for f in report.findings if f.code.startswith("GF8")}
    assert codes.get("GF801", 0) == expected[0]
    assert codes.get("GF802", 0) == expected[1] - expected[0]
    assert codes.get("GF803", 0) == expected[2] - expected[1]


def _sorted_finding(report: Report) -> int | None:
    found = [f for f in report.findings if f.code == "GF510"]
    return found[0].count if found else None


@pytest.mark.parametrize("share", [0.0, 0.3, 0.6, 1.0])
def test_sorted_histories(tmp_path: Path, share: float) -> None:
    rng = random.Random(4)
    lines = []
    sorted_users = 0
    for u in range(100):
        items = rng.sample(ITEMS, 6)
        if u < share * 100:
            items.sort()
            sorted_users += 1
        elif items == sorted(items):
            items.reverse()
        lines.append(f"U{u} {' '.join(items)}\n")
    report = check_dataset(_write(tmp_path, {"user_sequence.txt": "".join(lines)}))
    assert _sorted_finding(report) == (sorted_users if share >= 0.5 else None)


def test_all_digit_ids_are_sorted_as_numbers(tmp_path: Path) -> None:
    lines = "".join(f"U{u} 9 10 {100 + u} {200 + u}\n" for u in range(30))
    report = check_dataset(_write(tmp_path, {"user_sequence.txt": lines}))
    assert _sorted_finding(report) == 30


def test_few_sorted_histories_are_chance(tmp_path: Path) -> None:
    report = check_dataset(_write(tmp_path, {"user_sequence.txt": "U1 A B C\nU2 C A B\n"}))
    assert _sorted_finding(report) is None
