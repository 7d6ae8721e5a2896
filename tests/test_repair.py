"""``gramfix repair``: exact repaired mappings, refusals that write nothing, safe writes."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gramfix.repairing import repair_dataset, serialise
from tests.cases.build import CATALOGUE
from tests.conftest import ROOT, Run

CASES = ROOT / "tests" / "cases"
MAPPING = "item_id_to_gcn_index.json"
EXPECTED = {item: row for row, item in enumerate(CATALOGUE, start=1)}


def _copy(case: str, tmp_path: Path) -> Path:
    folder = tmp_path / case
    shutil.copytree(CASES / case, folder)
    return folder


def _items(path: Path) -> list[tuple[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8")).items())


@pytest.mark.parametrize(
    "case", ["whole-line", "decorated", "lost-leading-zeros", "case-changed", "mixed", "clean"]
)
def test_repairs_to_the_exact_expected_mapping(
    case: str, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _copy(case, tmp_path)
    original = (folder / "item_id_to_gcn_index.json").read_bytes()
    run = gramfix("repair", folder, "-o", tmp_path / "out.json")
    assert run.code == 0, run.out + run.err
    assert _items(tmp_path / "out.json") == list(EXPECTED.items())
    assert (folder / "item_id_to_gcn_index.json").read_bytes() == original  # input untouched
    assert gramfix("check", folder, "--mapping", tmp_path / "out.json").code == 0


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("conflicting-fixes", "GF107"),
        ("duplicate-keys", "GF109"),
        ("zero-based", "GF202"),
        ("partial-coverage", "GF302"),
        ("foreign", "GF302"),
        ("internal-id", "GF105"),
        ("non-integer-values", "GF201"),
    ],
)
def test_refuses_and_writes_nothing(
    case: str, code: str, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _copy(case, tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    run = gramfix("repair", folder, "-o", tmp_path / "out.json", "--format", "json")
    assert run.code == 1
    report = json.loads(run.out)
    assert report["status"] == "refused"
    assert code in [b["code"] for b in report["blockers"]]
    assert not (tmp_path / "out.json").exists()
    assert gramfix("repair", folder, "--in-place").code == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no backup, no temp


def test_truncated_mapping_is_exit_2(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    folder = _copy("error-truncated-json", tmp_path)
    run = gramfix("repair", folder, "-o", tmp_path / "out.json")
    assert run.code == 2
    assert "invalid JSON" in run.err
    assert not (tmp_path / "out.json").exists()


def test_in_place_keeps_a_backup_and_the_file_mode(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _copy("whole-line", tmp_path)
    mapping = folder / "item_id_to_gcn_index.json"
    original = mapping.read_bytes()
    mapping.chmod(0o640)
    assert gramfix("repair", folder, "--in-place").code == 0
    assert (folder / "item_id_to_gcn_index.json.bak").read_bytes() == original
    assert _items(mapping) == list(EXPECTED.items())
    assert stat.S_IMODE(mapping.stat().st_mode) == 0o640
    # Second run: nothing to repair, nothing written, the backup untouched.
    repaired = mapping.read_bytes()
    run = gramfix("repair", folder, "--in-place", "--format", "json")
    assert json.loads(run.out)["status"] == "nothing-to-repair"
    assert mapping.read_bytes() == repaired


def test_never_overwrites_a_different_backup(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    folder = _copy("whole-line", tmp_path)
    (folder / "item_id_to_gcn_index.json.bak").write_text("precious")
    original = (folder / "item_id_to_gcn_index.json").read_bytes()
    run = gramfix("repair", folder, "--in-place")
    assert run.code == 2
    assert "backup already exists" in run.err
    assert (folder / "item_id_to_gcn_index.json.bak").read_text() == "precious"
    assert (folder / "item_id_to_gcn_index.json").read_bytes() == original


@pytest.mark.parametrize(
    "args",
    [
        [],  # no destination
        ["-o", "x.json", "--in-place"],
        ["-o", "item_id_to_gcn_index.json"],  # the input itself: that is --in-place
        ["-o", "user_sequence.txt"],
        ["-o", "item_id_to_gcn_index.json", "--force"],  # --force never reaches an input
        ["-o", "user_sequence.txt", "--force"],
        ["--in-place", "--force"],  # --force is about -o only
    ],
)
def test_wrong_destinations_are_usage_errors(
    args: list[str], tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy("whole-line", tmp_path)
    monkeypatch.chdir(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    run = gramfix("repair", ".", *args)
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_dry_run_and_diff_write_nothing(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    folder = _copy("mixed", tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    run = gramfix("repair", folder, "--dry-run", "--diff")
    assert run.code == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    minus = [line for line in run.out.splitlines() if line.startswith("-  ")]
    plus = [line for line in run.out.splitlines() if line.startswith("+  ")]
    assert len(minus) == len(plus) == 3
    assert '+  "B00000000A": 1,' in plus
    assert "Dry run" in run.err  # the summary goes to stderr when the diff is on stdout


def test_output_is_what_json_dump_writes(tmp_path: Path) -> None:
    entries = {"B00ü": 1, "B01\u2028": 2, 'q"uote': 3, "big": 2**70}
    expected = json.dumps(entries, indent=2, ensure_ascii=False).encode() + b"\n"
    assert serialise(entries) == expected
    assert serialise({"A": 1, "B": 2}) == json.dumps({"A": 1, "B": 2}, indent=2).encode() + b"\n"


def test_repairing_a_clean_mapping_writes_the_same_mapping(tmp_path: Path) -> None:
    folder = _copy("clean", tmp_path)
    report, _ = repair_dataset(folder, output=tmp_path / "same.json")
    assert report.status == "nothing-to-repair"
    assert _items(tmp_path / "same.json") == _items(folder / "item_id_to_gcn_index.json")


def test_gramc_lookup_of_the_repaired_example_finds_every_item(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _copy_example(tmp_path)
    assert gramfix("repair", folder, "-o", tmp_path / "fixed.json").code == 0
    with (tmp_path / "fixed.json").open() as handle:
        mapping = json.load(handle)
    assert _zero_lookups(folder / "user_sequence.txt", mapping) == 0


def _copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "beauty-broken"
    shutil.copytree(ROOT / "examples" / "beauty-broken", folder)
    return folder


def _zero_lookups(sequences: Path, mapping: dict[str, int], recent_k: int = 5) -> int:
    """Recent-window lookups that return 0, as GRAM-C's dataset code performs them."""
    zeros = 0
    for line in sequences.open(encoding="utf-8"):
        items = line.rstrip("\n").split(" ", 1)[1].split()
        histories = [items[:i] for i in range(1, len(items) - 2)]
        histories += [items[:-2], items[:-1]]
        for history in histories:
            zeros += sum(mapping.get(raw_id, 0) == 0 for raw_id in history[-recent_k:])
    return zeros


def test_real_beauty_whole_line_repairs_to_the_real_mapping(
    shared: Path, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    real_path = shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json"
    real = json.loads(real_path.read_text(encoding="utf-8"))
    broken = {f"{k} title: item {v}; brand: na; categories: beauty": v for k, v in real.items()}
    (tmp_path / "item_id_to_gcn_index.json").write_text(json.dumps(broken, indent=2))
    shutil.copy(shared / "gram" / "Beauty" / "user_sequence.txt", tmp_path / "user_sequence.txt")
    run = gramfix("repair", tmp_path, "-o", tmp_path / "fixed.json")
    assert run.code == 0, run.out
    with (tmp_path / "fixed.json").open() as handle:
        fixed = json.load(handle)
    assert list(fixed.items()) == list(real.items())
    assert _zero_lookups(tmp_path / "user_sequence.txt", fixed) == 0


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_a_failing_write_changes_nothing(
    step: str, tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    folder = _copy("whole-line", tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target = {"write": "gramfix.io.write._write_all", "fsync": "os.fsync", "replace": "os.replace"}
    monkeypatch.setattr(target[step], fail)
    run = gramfix("repair", folder, "--in-place")
    assert run.code == 2
    assert "No space left on device" in run.err
    assert "nothing was changed" in run.err
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    # The mapping is untouched; at most the (identical) backup of it was made first.
    assert (
        after.pop("item_id_to_gcn_index.json.bak", before["item_id_to_gcn_index.json"])
        == (before["item_id_to_gcn_index.json"])
    )
    assert after == before


def test_repair_finds_the_configured_dataset_and_ignores_the_selection(
    tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy("partial-coverage", tmp_path)
    # A gate that ignores the missing items must not let repair write a partial mapping:
    # selection decides what a check reports, not what a repair may leave out.
    (tmp_path / "gramfix.toml").write_text(
        'dataset = "partial-coverage"\nignore = ["GF3", "GF4"]\nfail-on = "warning"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert gramfix("check").code == 0  # the gate passes
    run = gramfix("repair", "-o", "out.json", "--format", "json")
    assert run.code == 1
    mapping = Path(json.loads(run.out)["mapping"])
    assert mapping.resolve() == (folder / "item_id_to_gcn_index.json").resolve()
    assert not (tmp_path / "out.json").exists()


def _drop_every(folder: Path, step: int) -> list[tuple[str, Any]]:
    """Remove every ``step``-th key of the folder's mapping; the kept entries, in order."""
    path = folder / "item_id_to_gcn_index.json"
    entries = list(json.loads(path.read_text(encoding="utf-8")).items())
    kept = [entry for position, entry in enumerate(entries) if position % step != step - 1]
    path.write_text(json.dumps(dict(kept), indent=2), encoding="utf-8")
    return kept


@pytest.mark.parametrize("where", ["flag", "config"])
def test_thresholds_let_a_whole_line_mapping_with_gaps_be_repaired(
    where: str, tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy_example(tmp_path)
    kept = _drop_every(folder, 100)  # a whole-line mapping that lacks 1% of the items
    lost = len(list(json.loads((ROOT / "examples" / "beauty-broken" / MAPPING).read_text())))
    lost -= len(kept)
    monkeypatch.chdir(folder)
    strict = gramfix("repair", ".", "-o", "../strict.json", "--format", "json")
    assert strict.code == 1  # no threshold: nothing may stay missing (today's behaviour)
    assert not (tmp_path / "strict.json").exists()
    if where == "config":
        (folder / "gramfix.toml").write_text("min-coverage = 0.99\n")
        threshold: list[str] = []
    else:
        threshold = ["--min-coverage", "0.99"]
    run = gramfix("repair", ".", "-o", "../fixed.json", "--format", "json", *threshold)
    assert run.code == 0, run.out
    report = json.loads(run.out)
    assert report["status"] == "written"
    assert report["blockers"] == []
    assert report["still_missing"]["items"] == lost
    assert len(report["still_missing"]["examples"]) == 5
    assert [t["name"] for t in report["thresholds"]] == ["min-coverage"]
    assert report["thresholds"][0]["passed"] is True
    fixed = _items(tmp_path / "fixed.json")
    assert [value for _, value in fixed] == [value for _, value in kept]
    assert [key for key, _ in fixed] == [key.split()[0] for key, _ in kept]
    text = gramfix("repair", ".", "-o", "../again.json", *threshold)
    assert f"Still missing after repair: {lost} of " in text.out
    assert "min-coverage 0.99 holds" in text.out
    # What check says of the result under the same threshold: a pass.
    assert gramfix("check", ".", "--mapping", "../fixed.json", *threshold).code == 0


def test_a_threshold_the_repair_misses_still_refuses(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _copy("partial-coverage", tmp_path)  # 2 of 10 items have no key
    run = gramfix("repair", folder, "-o", tmp_path / "out.json", "--max-missing", "1")
    assert run.code == 1
    assert "fails max-missing 1 (missing: 2)" in run.out
    assert not (tmp_path / "out.json").exists()
    run = gramfix("repair", folder, "-o", tmp_path / "out.json", "--max-missing", "2")
    assert run.code == 0
    assert _items(tmp_path / "out.json") == _items(folder / "item_id_to_gcn_index.json")


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("conflicting-fixes", "GF107"),
        ("duplicate-keys", "GF109"),
        ("zero-based", "GF202"),
        ("internal-id", "GF105"),
        ("non-integer-values", "GF201"),
    ],
)
def test_thresholds_never_tolerate_a_wrong_key_or_value(
    case: str, code: str, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _copy(case, tmp_path)
    tolerant = ["--max-missing", "1000", "--min-coverage", "0", "--min-fill", "0"]
    run = gramfix("repair", folder, "-o", tmp_path / "out.json", "--format", "json", *tolerant)
    assert run.code == 1
    assert code in [b["code"] for b in json.loads(run.out)["blockers"]]
    assert not (tmp_path / "out.json").exists()


def test_an_ambiguous_lost_zeros_key_is_never_guessed(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    # "5" could be 05, 005 or 0005: whatever the repair writes, that key stays as it is.
    (tmp_path / "user_sequence.txt").write_text("U1 05 005 0005 B1\nU2 B1 B2 B3 05\n")
    mapping = {"5": 1, "B1": 2, "B2": 3, "B3": 4}
    (tmp_path / "item_id_to_gcn_index.json").write_text(json.dumps(mapping, indent=2))
    assert gramfix("repair", tmp_path, "-o", tmp_path / "strict.json").code == 1
    run = gramfix("repair", tmp_path, "-o", tmp_path / "out.json", "--max-missing", "3")
    assert run.code == 0, run.out
    assert _items(tmp_path / "out.json") == list(mapping.items())


def test_real_beauty_whole_line_with_gaps_repairs_under_a_threshold(
    shared: Path, tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    from tests.test_real_data import _whole_line_beauty

    _whole_line_beauty(shared, tmp_path)
    kept = _drop_every(tmp_path, 100)  # 121 of 12,101 items lose their key
    assert gramfix("repair", tmp_path, "-o", tmp_path / "strict.json").code == 1
    run = gramfix(
        "repair",
        tmp_path,
        "-o",
        tmp_path / "fixed.json",
        "--min-coverage",
        "0.99",
        "--format",
        "json",
    )
    assert run.code == 0, run.out
    report = json.loads(run.out)
    assert report["still_missing"]["items"] == 121
    assert report["still_missing"]["of_items"] == 12101
    real = json.loads((shared / "gram-c" / "Beauty" / MAPPING).read_text(encoding="utf-8"))
    # Same values, same order: the real mapping without the keys that were dropped.
    expected = [entry for position, entry in enumerate(real.items()) if position % 100 != 99]
    assert [value for _, value in kept] == [value for _, value in expected]
    assert _items(tmp_path / "fixed.json") == expected


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_a_share_is_never_rounded_to_a_bound_it_misses(part: int, whole: int) -> None:
    from fractions import Fraction

    from gramfix.model.policy import share_text

    part = part % (whole + 1)
    text = share_text(part, whole)
    digits = len(text.split(".")[1])
    assert digits >= 3
    shown = Fraction(text)
    assert abs(shown - Fraction(part, whole)) <= Fraction(1, 2 * 10**digits)
    assert (shown == 1) == (part == whole)
    assert (shown == 0) == (part == 0)


def test_refused_summary_shows_a_tiny_shortfall_with_its_counts(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    # One unmapped item at the start of one history of 2,000: fill 0.9995, not 1.000.
    lines = ["U0 X B2 B3 B4"] + [f"U{u} B1 B2 B3 B4" for u in range(1, 2000)]
    (tmp_path / "user_sequence.txt").write_text("\n".join(lines) + "\n")
    mapping = {f"B{i}": i for i in range(1, 5)}
    (tmp_path / "item_id_to_gcn_index.json").write_text(json.dumps(mapping))
    run = gramfix("repair", tmp_path, "-o", tmp_path / "out.json")
    assert run.code == 1
    text = " ".join(run.out.split())  # undo the terminal's line wrapping
    assert (
        "Recent-window fill after repair: train 0.9995 (1 of 2,000 slots unresolved; "
        "1 of 2,000 samples get a zero prefix), valid 0.9998 (1 of 4,000 slots "
        "unresolved), test 0.9998 (1 of 6,000 slots unresolved)." in text
    )
    assert "fill train / valid / test = 0.9995 / 0.9998 / 0.9998 (complete: 1.000)" in text
    assert text.count("1.000") == 1  # the complete mapping's fill, nothing else


# Issue 10.6 (restored: lost in a merge of the issue-10 branches)
def test_output_onto_an_existing_file_needs_force(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = _copy("whole-line", tmp_path)
    out = tmp_path / "out.json"
    out.write_bytes(b"precious")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for extra in ([], ["--dry-run"]):
        run = gramfix("repair", folder, "-o", out, *extra)
        assert run.code == 2
        assert run.err.count("\n") == 1
        assert "exists" in run.err
        assert "--force" in run.err
        assert out.read_bytes() == b"precious"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "whole-line"]
    run = gramfix("repair", folder, "-o", out, "--force")
    assert run.code == 0, run.err
    assert f"Overwrote {out.as_posix()}" in run.out
    assert _items(out) == list(EXPECTED.items())
    run = gramfix("repair", folder, "-o", out, "--force", "--format", "json")
    assert json.loads(run.out)["overwrote"] is True
    fresh = tmp_path / "fresh.json"
    run = gramfix("repair", folder, "-o", fresh, "--format", "json")
    assert json.loads(run.out)["overwrote"] is False
