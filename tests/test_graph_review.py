"""The review of issue 12: the graph checks on broken chains they once passed or misworded.

Each test is built from the golden graph-clean chain (200 users, tests/graph_build.py) or
from real Beauty, broken in one way: graph files cut at a line boundary, indices past
every count of the chain, stray entries of the user index, a stale export beside a good
installed table, NaN rows in an installed copy of the export, and the piped text report.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gramfix import check_dataset
from gramfix.io.torchzip import load_torch_zip
from gramfix.model.report import Finding, Report
from tests.conftest import ROOT, SHARED, Run
from tests.graph_build import real_chains, torch_save

CLEAN = ROOT / "tests" / "cases" / "graph-clean"
EXPORT = "lightgcn_data/lightgcn_item_embeddings.pt"
INSTALLED = "gcn_item_embeddings.pt"


def _copy(tmp: Path, name: str = "d") -> Path:
    folder = tmp / name
    shutil.copytree(CLEAN, folder)
    return folder


def _gf9(report: Report, code: str) -> list[Finding]:
    return [f for f in report.findings if f.code == code]


def _table(path: Path) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(load_torch_zip(path).value)


# --- 1. graph files cut at a line boundary ----------------------------------------------


settings_cut = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@settings_cut
@given(name=st.sampled_from(["train.txt", "test.txt"]), keep=st.integers(1, 199))
def test_a_graph_file_cut_at_a_line_boundary_is_never_proven(
    name: str, keep: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every user of graph-clean has a train and a test line; a file holding only its
    first ``keep`` lines is a GF904 error naming the file, where it ends and how many
    users have no line, never a proven alignment."""
    folder = _copy(tmp_path_factory.mktemp("cut"))
    path = folder / "lightgcn_data" / name
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:keep]))
    report = check_dataset(folder)
    assert report.graph is not None
    assert report.graph.alignment != "proven"
    assert report.exit_code() == 1
    found = [f for f in _gf9(report, "GF904") if f.file == f"lightgcn_data/{name}"]
    assert len(found) == 1, [f.message for f in report.findings]
    missing = len(lines) - keep
    assert found[0].count == missing
    assert found[0].line == keep
    last_user = int(lines[keep - 1].split()[0])
    assert found[0].message.startswith(
        f"{name} ends after user index {last_user:,} (line {keep:,}), but "
        f"user_id_to_index.json indexes {len(lines):,} users, and the {missing:,} after it "
    )
    assert "(truncated at a line boundary?)" in found[0].message


def test_real_beauty_with_train_txt_cut_in_half_is_not_proven(
    chains: Callable[[str, str], Path], tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    folder = tmp_path / "cut"
    shutil.copytree(chains("Beauty", "clean"), folder)
    path = folder / "lightgcn_data" / "train.txt"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 2]))
    run = gramfix("check", folder, "--no-config", "--format", "json")
    assert run.code == 1
    report = json.loads(run.out)
    assert report["graph"]["alignment"] == "mismatch"
    (found,) = [f for f in report["findings"] if f["code"] == "GF904"]
    assert found["count"] == len(lines) - len(lines) // 2
    assert found["file"] == "train.txt" or found["file"].endswith("lightgcn_data/train.txt")


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    if not (SHARED / "gram" / "Beauty" / "user_sequence.txt").is_file():
        pytest.skip("../shared/datasets is not available")
    return real_chains(tmp_path_factory.mktemp("chains"), SHARED)


def test_lines_cut_after_training_are_not_called_a_stale_export(tmp_path: Path) -> None:
    """Both files cut so that the largest item index is gone: the export still matches
    the latest checkpoint; GF907 says the lines changed after training (restore or
    re-train), not that the export is of another, larger graph to export again."""
    folder = _copy(tmp_path)
    n_items = _table(folder / EXPORT).shape[0] - 1
    for name in ("train.txt", "test.txt"):
        path = folder / "lightgcn_data" / name
        kept = [
            line
            for line in path.read_text().splitlines(keepends=True)
            if str(n_items - 1) not in line.split()[1:]
        ]
        path.write_text("".join(kept))
    report = check_dataset(folder)
    (stale,) = _gf9(report, "GF907")
    assert "so that checkpoint and its export are of other lines than these" in stale.message
    assert "restore train.txt and test.txt as they were for training" in stale.message
    assert "larger graph" not in stale.message
    assert "re-run export_lightgcn_embeddings.py" not in stale.message


# --- 2. indices past every count of the chain --------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "edit", "says"),
    [
        ("train.txt", 101, lambda s: s + " 999999", "item index 999999 is past every item count"),
        ("train.txt", 7, lambda s: "999999 " + s.split(" ", 1)[1], "user index 999999 is past"),
        ("test.txt", 6, lambda s: s.split()[0] + " {n}", "item index {n} is past every item"),
    ],
)
def test_an_index_past_every_count_on_real_beauty_exits_2_naming_file_and_line(
    name: str,
    line: int,
    edit: Callable[[str], str],
    says: str,
    chains: Callable[[str, str], Path],
    tmp_path: Path,
    gramfix: Callable[..., Run],
) -> None:
    folder = tmp_path / "oor"
    shutil.copytree(chains("Beauty", "clean"), folder)
    n = str(_table(folder / EXPORT).shape[0] - 1)  # == n_items: one past the last index
    path = folder / "lightgcn_data" / name
    lines = path.read_text().splitlines()
    lines[line - 1] = edit(lines[line - 1]).replace("{n}", n)
    path.write_text("\n".join(lines) + "\n")
    run = gramfix("check", folder, "--no-config")
    assert run.code == 2, run.out[-3000:]
    assert run.out == ""
    assert run.err.count("\n") == 1
    assert "Traceback" not in run.err
    assert f"lightgcn_data/{name}:{line}: " in run.err
    assert says.replace("{n}", n) in run.err


def test_an_index_past_the_mapping_within_the_checkpoint_is_a_finding(tmp_path: Path) -> None:
    """An index the mapping lacks but the checkpoint counts is a chain out of step
    (graph-data.md: index files out of step), judged: GF903, exit 1, not exit 2."""
    folder = _copy(tmp_path)
    n_items = _table(folder / EXPORT).shape[0] - 1
    mapping = folder / "item_id_to_gcn_index.json"
    values = json.loads(mapping.read_text())
    last = max(values, key=values.__getitem__)
    assert values[last] == n_items
    del values[last]  # the mapping now states n_items - 1 items, the checkpoint n_items
    mapping.write_text(json.dumps(values, indent=2))
    report = check_dataset(folder)
    assert report.exit_code() == 1
    assert _gf9(report, "GF903")


# --- 3 and 5. the trained table not installed (GF906) -----------------------------------


def test_gf906_never_advises_copying_a_stale_export(tmp_path: Path) -> None:
    """A 0-based (stale) export beside a correct installed table: no cp of the export
    over it; the advice is to re-export."""
    folder = _copy(tmp_path)
    export = _table(folder / EXPORT)
    (folder / EXPORT).write_bytes(torch_save(export[1:].copy()))
    report = check_dataset(folder)
    assert _gf9(report, "GF907")
    (unused,) = _gf9(report, "GF906")
    assert "cp " not in unused.message
    assert "do not copy the export over it" in unused.message
    assert "re-run export_lightgcn_embeddings.py" in unused.message


def test_gf906_without_an_installed_table_does_not_copy_a_stale_export(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    export = _table(folder / EXPORT)
    (folder / EXPORT).write_bytes(torch_save(export[:-3].copy()))
    (folder / INSTALLED).unlink()
    report = check_dataset(folder)
    (unused,) = _gf9(report, "GF906")
    assert "the export itself looks wrong" in unused.message
    assert "so do not copy it; re-run export_lightgcn_embeddings.py" in unused.message
    assert "copy it: cp" not in unused.message


def test_gf906_never_advises_copying_an_export_that_is_no_table(tmp_path: Path) -> None:
    # Found in verification: a 1-D export (a vector of as many numbers as items) beside a
    # correct installed table was advised to be copied over it.
    folder = _copy(tmp_path)
    rows = _table(folder / EXPORT).shape[0]
    (folder / EXPORT).write_bytes(torch_save(np.zeros(rows, np.float32)))
    report = check_dataset(folder)
    (unused,) = _gf9(report, "GF906")
    assert "cp " not in unused.message
    assert f"not a table of rows (shape {rows})" in unused.message


def test_the_converted_users_are_computed_once() -> None:
    # Found in verification: `converted` was a property, and the stray-entry check read
    # `converted[user]` once per user: quadratic (88k users: 1.7 s of a 2.2 s check).
    from gramfix.engine.graph import Histories

    h = Histories(
        codes=np.zeros(7, np.int32), lengths=np.array([3, 4]), names=["a", "b"], n_items=1
    )
    assert h.converted is h.converted
    assert h.starts is h.starts


def test_an_installed_copy_of_the_export_with_nan_rows_is_installed(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    export = _table(folder / EXPORT).astype(np.float32)
    export[[3, 17, 40]] = np.nan
    for path in (EXPORT, INSTALLED):
        (folder / path).write_bytes(torch_save(export))
    report = check_dataset(folder)
    assert report.graph is not None
    assert report.graph.export is not None
    assert report.graph.export.installed == "yes"
    assert _gf9(report, "GF906") == []


# --- 4. stray entries of the user index ------------------------------------------------


def _with_stray(folder: Path, index: int, first: bool = False, test_line: bool = False) -> None:
    path = folder / "user_id_to_index.json"
    users = json.loads(path.read_text())
    users = {"ZZSTRAY": index, **users} if first else {**users, "ZZSTRAY": index}
    path.write_text(json.dumps(users, indent=2))
    if test_line:
        test = folder / "lightgcn_data" / "test.txt"
        item = test.read_text().splitlines()[0].split()[1]
        test.write_text(test.read_text() + f"{index} {item}\n")


def test_a_stray_entry_of_the_user_index_is_named_not_called_truncation(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _with_stray(folder, 200)
    report = check_dataset(folder)
    (found,) = _gf9(report, "GF904")
    assert found.file == "user_id_to_index.json"
    assert found.message.startswith(
        "user_id_to_index.json holds 1 entry the converter does not write for this "
        "user_sequence.txt (1 user user_sequence.txt does not have)"
    )
    assert found.examples == ["ZZSTRAY (index 200): a user user_sequence.txt does not have"]
    assert "truncated" not in found.message
    assert report.exit_code() == 1


def test_a_test_line_of_a_stray_entry_is_named_in_gf904_not_gf903(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _with_stray(folder, 200, test_line=True)
    report = check_dataset(folder)
    assert _gf9(report, "GF903") == []
    (found,) = _gf9(report, "GF904")
    assert "; 1 line of test.txt (line 201) holds its index;" in found.message


def test_a_stray_entry_sharing_an_index_names_the_owner(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    owner = next(
        u for u, i in json.loads((folder / "user_id_to_index.json").read_text()).items() if i == 5
    )
    _with_stray(folder, 5, first=True)
    report = check_dataset(folder)
    (found,) = _gf9(report, "GF904")
    assert found.examples == [
        f"ZZSTRAY (index 5, also {owner}'s): a user user_sequence.txt does not have"
    ]
    assert "index;" not in found.message  # no "lines ... hold its index": the owner's


def test_a_train_line_of_a_stray_entry_says_whose_index_it_is(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _with_stray(folder, 200)
    train = folder / "lightgcn_data" / "train.txt"
    first = train.read_text().splitlines()[0].split(" ", 1)[1]
    train.write_text(train.read_text() + f"200 {first}\n")
    report = check_dataset(folder)
    line = next(f for f in _gf9(report, "GF904") if f.file == "lightgcn_data/train.txt")
    assert line.examples == [
        "line 201: user index 200 (user_id_to_index.json gives it to ZZSTRAY, a user "
        "user_sequence.txt does not have)"
    ]
    assert "(or no user of user_sequence.txt has that index there)" in line.message


# --- 6. the piped text report -----------------------------------------------------------


def test_the_piped_graph_table_stays_narrow_with_its_sentences_below(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    """Piped (the runner captures stdout: no terminal), the alignment sentence is longer
    than a cell: the table keeps its verdict word, the sentence goes whole below it."""
    run = gramfix("check", CLEAN, "--no-config")
    lines = run.out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("LightGCN graph"))
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    width = max(len(line.rstrip()) for line in lines[start:end])
    assert width <= 120, "\n".join(lines[start:end])
    assert max(len(line) for line in lines[start:end]) <= 120
    report = check_dataset(CLEAN)
    assert report.graph is not None
    sentence = report.graph.alignment_text
    assert len(sentence) > 120
    assert "alignment        proven (below)" in run.out
    assert f"\nalignment {sentence}\n" in run.out


# --- 7. GF903's wording -----------------------------------------------------------------


@pytest.mark.parametrize("case", ["graph-mapping-order", "graph-mapping-zero-based"])
def test_gf903_has_no_sentence_of_several_colons(case: str) -> None:
    report = check_dataset(ROOT / "tests" / "cases" / case)
    (found,) = _gf9(report, "GF903")
    assert found.message.count(":") <= 1, found.message
