"""The LightGCN chain checks (GF9xx) on small chains built by tests/graph_build.py.

The golden cases (tests/cases/graph-*) pin the whole report of each failure; here: the
leak count against an independent per-line count (with repeated items, leaks anywhere in
a line), the alignment verdict under any broken index file, the readers' refusals, the
flags and configuration keys, the formats, and that repair leaves the graph alone.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gramfix import check_dataset
from gramfix.model.report import Report
from tests.conftest import ROOT, Run
from tests.graph_build import (
    build_chain,
    clustered_sequences,
    convert,
    lines_text,
    mapping_text,
    read_histories,
    torch_save,
)

CASES = ROOT / "tests" / "cases"


def independent_leaks(folder: Path, graph: str = "lightgcn_data") -> tuple[int, int]:
    """Leaked train.txt interactions and users, counted per line from the files alone:
    each line's user and items read back through user_id_to_index.json and the mapping,
    a target counted as often as it occurs beyond its occurrences in items[:-2]."""
    histories = {}
    for line in (folder / "user_sequence.txt").read_text().splitlines():
        user, rest = line.split(" ", 1)
        histories[user] = rest.split()
    users = {i: u for u, i in json.loads((folder / "user_id_to_index.json").read_text()).items()}
    mapping = json.loads((folder / "item_id_to_gcn_index.json").read_text())
    items = {value - 1: key for key, value in mapping.items()}
    total, leaky = 0, set()
    for line in (folder / graph / "train.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        user = users[int(parts[0])]
        history = histories[user]
        held = Counter(items[int(i)] for i in parts[1:])
        before = Counter(history[:-2])
        leaked = sum(max(held[t] - before[t], 0) for t in set(history[-2:]))
        total += leaked
        if leaked:
            leaky.add(user)
    return total, len(leaky)


def _codes(report: Report) -> dict[str, int]:
    return {f.name: f.count for f in report.findings if f.code.startswith("GF9")}


@pytest.mark.parametrize(
    ("case", "name", "count"),
    [
        ("graph-leak-validation", "graph-leakage", 200),
        ("graph-leak-both", "graph-leakage", 400),
        ("graph-selected-on-test", "graph-selected-on-test", 200),
        ("graph-mapping-order", "graph-index-mismatch", 60),
        ("graph-mapping-zero-based", "graph-index-mismatch", 60),
        ("graph-user-order", "graph-user-index-mismatch", 199),
        ("graph-users-scrambled", "graph-user-index-mismatch", 200),
        ("graph-placeholder-installed", "trained-table-unused", 1),
        ("graph-no-table-installed", "trained-table-unused", 1),
        ("graph-export-fewer-items", "stale-export", 3),
        ("graph-export-zero-based", "stale-export", 1),
        ("graph-validation-only", "graph-missing-items", 20),
        ("graph-short-users", "graph-missing-items", 1),
    ],
)
def test_each_failure_gives_its_named_finding_alone(case: str, name: str, count: int) -> None:
    report = check_dataset(CASES / case)
    assert _codes(report) == {name: count}
    errors = {"graph-leakage", "graph-index-mismatch", "graph-user-index-mismatch"}
    errors |= {"trained-table-unused", "stale-export"}
    assert (report.exit_code() == 1) == (name in errors or report.summary.errors > 0)


@pytest.mark.parametrize("case", ["graph-clean", "graph-flags"])
def test_a_correct_chain_is_proven_and_passes(
    case: str, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = CASES / case
    monkeypatch.chdir(folder)
    args = (folder / "args").read_text().split() if (folder / "args").exists() else []
    run = gramfix("check", ".", "--no-config", "--format", "json", *args)
    assert run.code == 0, run.out
    report = json.loads(run.out)
    assert report["findings"] == []
    assert report["graph"]["alignment"] == "proven"
    assert report["graph"]["leaked_interactions"] == 0
    assert report["graph"]["test_holds"] == "validation targets"
    assert report["graph"]["export"]["installed"] == "yes"
    assert {"graph", "user index", "graph checkpoint", "graph export"} <= set(
        report["inputs"]["read"]
    )
    assert {f"GF90{n}" for n in range(1, 8)} <= set(report["checked"])
    text = gramfix("check", ".", "--no-config", *args).out
    assert "alignment        proven" in text


@pytest.mark.parametrize("case", ["graph-leak-validation", "graph-leak-both"])
def test_leak_counts_equal_an_independent_count(case: str) -> None:
    report = check_dataset(CASES / case)
    assert report.graph is not None
    expected = independent_leaks(CASES / case)
    assert (report.graph.leaked_interactions, report.graph.leaked_users) == expected
    assert _codes(report)["graph-leakage"] == expected[0]


def _write_graph(
    folder: Path, histories: dict[str, list[str]], train: list[tuple[int, list[int]]]
) -> None:
    """The converter's files for ``histories`` with these train.txt lines (no tables)."""
    chain = convert(histories, target=-2)
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{u} {' '.join(items)}\n" for u, items in histories.items())
    (folder / "user_sequence.txt").write_text(text)
    (folder / "item_id_to_gcn_index.json").write_text(mapping_text(chain.item_index))
    (folder / "user_id_to_index.json").write_text(json.dumps(chain.user_index, indent=2))
    (folder / "lightgcn_data").mkdir(exist_ok=True)
    (folder / "lightgcn_data" / "train.txt").write_text(lines_text(train))
    (folder / "lightgcn_data" / "test.txt").write_text(lines_text(chain.test))


_ITEMS = [f"B{n:09d}" for n in range(7)]


@st.composite
def _leaky(draw: st.DrawFn) -> tuple[dict[str, list[str]], list[list[int]]]:
    """Histories over few items (so targets repeat inside histories), and per user the
    positions at which its targets are slipped into its train.txt line (-1: none)."""
    n = draw(st.integers(2, 12))
    histories = {
        f"A{u:04d}": draw(st.lists(st.sampled_from(_ITEMS), min_size=3, max_size=9))
        for u in range(n)
    }
    leaks = [draw(st.lists(st.integers(-1, 12), max_size=3)) for _ in range(n)]
    return histories, leaks


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_leaky())
def test_leaks_anywhere_in_a_line_are_counted_as_an_independent_count_does(
    case: tuple[dict[str, list[str]], list[list[int]]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    histories, leaks = case
    chain = convert(histories, target=-2)
    train = []
    for (user, items), where in zip(chain.train, leaks, strict=True):
        name = next(u for u, i in chain.user_index.items() if i == user)
        targets = [t for t in histories[name][-2:] if t in chain.item_index]
        line = list(items)
        for n, position in enumerate(where):
            if position >= 0 and targets:
                line.insert(min(position, len(line)), chain.item_index[targets[n % len(targets)]])
        train.append((user, line))
    folder = tmp_path_factory.mktemp("leaky")
    _write_graph(folder, histories, train)
    report = check_dataset(folder)
    assert report.graph is not None
    assert report.graph.alignment == "proven"
    expected = independent_leaks(folder)
    assert (report.graph.leaked_interactions, report.graph.leaked_users) == expected
    assert _codes(report).get("graph-leakage", 0) == expected[0]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), shift=st.sampled_from([-1, 1, 2]))
def test_a_mapping_out_of_step_is_never_proven(
    seed: int, shift: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Any reordering of the mapping's values, or any shift, is a mismatch naming the
    number of graph items misread: never proven, leakage never judged through it."""
    folder = tmp_path_factory.mktemp("mapping")
    text = clustered_sequences(users=60, seed=seed % 1000)
    histories, _ = read_histories(text)
    chain = convert(histories, target=-2)
    _write_graph(folder, histories, chain.train)
    rng = np.random.default_rng(seed)
    values = {k: v + 1 for k, v in chain.item_index.items()}
    if seed % 2:
        order = rng.permutation(len(values))
        values = dict(zip(values, (np.array(list(values.values()))[order]).tolist(), strict=True))
    else:
        values = {k: v + shift for k, v in values.items()}
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(values, indent=2))
    report = check_dataset(folder)
    assert report.graph is not None
    # The graph items: those an index of train.txt or test.txt stands for.
    used = {i for _, items in chain.train + chain.test for i in items}
    moved = sum(values[k] != i + 1 for k, i in chain.item_index.items() if i in used)
    if moved == 0:
        assert report.graph.alignment == "proven"
        return
    assert report.graph.alignment == "mismatch"
    assert report.graph.leaked_interactions is None
    assert _codes(report)["graph-index-mismatch"] == moved


def test_a_user_index_shifted_names_the_offset(tmp_path: Path) -> None:
    shutil.copytree(CASES / "graph-clean", tmp_path / "d")
    path = tmp_path / "d" / "user_id_to_index.json"
    index = json.loads(path.read_text())
    path.write_text(json.dumps({u: i + 1 for u, i in index.items()}))
    report = check_dataset(tmp_path / "d")
    finding = next(f for f in report.findings if f.name == "graph-user-index-mismatch")
    assert "user_id_to_index.json gives each the graph's index +1" in finding.message
    assert finding.count == 200
    assert report.graph is not None
    assert report.graph.users_identified_by == "sorted user IDs (the converter's order)"


def test_the_mapping_out_of_step_names_the_orders() -> None:
    order = check_dataset(CASES / "graph-mapping-order")
    message = next(f.message for f in order.findings if f.code == "GF903")
    assert "train.txt numbers items in sorted item-ID order (the converter's)" in message
    assert "the mapping in the order of first appearance in user_sequence.txt" in message
    zero = check_dataset(CASES / "graph-mapping-zero-based")
    assert "a 0-based mapping" in next(f.message for f in zero.findings if f.code == "GF903")


def test_a_proven_graph_makes_no_statistical_order_guess(tmp_path: Path) -> None:
    """GF610 guesses the table's order from co-occurrence; with the rows proven by the
    graph (alignment proven, the installed table the export) no other order is tried."""
    report = check_dataset(CASES / "graph-clean")
    assert report.embeddings is not None
    assert report.embeddings.signal is not None
    assert report.embeddings.signal.orders == []
    # The same folder without the graph tries the shifted orders, as it always did.
    shutil.copytree(CASES / "graph-clean", tmp_path / "d")
    shutil.rmtree(tmp_path / "d" / "lightgcn_data")
    plain = check_dataset(tmp_path / "d")
    assert plain.embeddings is not None
    assert plain.embeddings.signal is not None
    assert plain.embeddings.signal.orders != []


def test_the_latest_checkpoint_is_the_last_by_name(tmp_path: Path) -> None:
    """The exporter reads sorted(lightgcn_model*.pt)[-1]: so does the stale-export check."""
    shutil.copytree(CASES / "graph-clean", tmp_path / "d")
    graph = tmp_path / "d" / "lightgcn_data"
    older = {"epoch": 300, "n_items": 40, "n_users": 10, "embedding_dim": 16}
    (graph / "lightgcn_model-old.pt").write_bytes(torch_save(older))
    assert check_dataset(tmp_path / "d").findings == []  # lightgcn_model.pt sorts last
    (graph / "lightgcn_model_z.pt").write_bytes(torch_save(older))
    report = check_dataset(tmp_path / "d")
    finding = next(f for f in report.findings if f.name == "stale-export")
    assert "lightgcn_model_z.pt (epoch 300) has n_items 40" in finding.message
    assert report.graph is not None
    assert report.graph.checkpoint is not None
    assert report.graph.checkpoint.checkpoints == 3


def test_the_trained_table_named_by_a_flag_or_a_key(
    tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(CASES / "graph-no-table-installed", tmp_path / "d")
    folder = tmp_path / "d"
    (folder / "lightgcn_data" / "lightgcn_item_embeddings.pt").rename(folder / "export.pt")
    run = gramfix("check", folder, "--no-config", "--format", "json")
    assert json.loads(run.out)["graph"].get("export") is None  # no export: not judged
    run = gramfix("check", folder, "--no-config", "--graph-export", folder / "export.pt")
    assert "trained-table-unused" in run.out
    # A configured folder's file keys apply when no folder is named on the command line.
    (folder / "gramfix.toml").write_text('dataset = "."\ngraph-export = "export.pt"\n')
    monkeypatch.chdir(folder)
    run = gramfix("check", "--format", "json")
    assert json.loads(run.out)["graph"]["export"]["file"] == "export.pt"


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--graph-dir", "absent"], "absent: no such graph folder"),
        (["--graph-dir", "user_sequence.txt"], "not a folder"),
        (["--graph-dir", "."], "not a LightGCN folder"),
        (["--user-index", "absent.json"], "absent.json: no such file"),
    ],
)
def test_flags_naming_what_is_not_there_exit_2(
    args: list[str], text: str, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CASES / "graph-clean")
    run = gramfix("check", ".", "--no-config", *args)
    assert run.code == 2
    assert run.out == ""
    assert text in run.err
    assert run.err.count("\n") == 1


def test_a_graph_folder_with_only_one_of_train_and_test_exits_2(
    tmp_path: Path, gramfix: Callable[..., Run]
) -> None:
    shutil.copytree(CASES / "graph-clean", tmp_path / "d")
    (tmp_path / "d" / "lightgcn_data" / "test.txt").unlink()
    run = gramfix("check", tmp_path / "d", "--no-config")
    assert run.code == 2
    assert "test.txt: no such file (the graph needs train.txt and test.txt)" in run.err


@pytest.mark.parametrize("fmt", ["github", "junit", "sarif", "markdown", "text", "html"])
def test_every_format_carries_the_graph_findings(fmt: str, gramfix: Callable[..., Run]) -> None:
    run = gramfix("check", CASES / "graph-leak-both", "--no-config", "--format", fmt)
    assert run.code == 1
    assert "GF901" in run.out
    if fmt in ("markdown", "text", "html"):
        assert "LightGCN graph" in run.out
        assert "400 train.txt interactions of 200 users" in run.out


def test_junit_skips_the_alignment_rules_without_a_user_index(gramfix: Callable[..., Run]) -> None:
    run = gramfix("check", CASES / "graph-no-user-index", "--no-config", "--format", "junit")
    assert "no user index (user_id_to_index.json, or --user-index)" in run.out


def test_repair_leaves_the_graph_files_alone(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    shutil.copytree(CASES / "graph-clean", tmp_path / "d")
    folder = tmp_path / "d"
    mapping = json.loads((folder / "item_id_to_gcn_index.json").read_text())
    broken = {f"{key} title: x; brand: y": value for key, value in mapping.items()}
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(broken, indent=2))
    graph = {p: p.read_bytes() for p in folder.rglob("*") if "lightgcn" in str(p) and p.is_file()}
    graph[folder / "user_id_to_index.json"] = (folder / "user_id_to_index.json").read_bytes()
    run = gramfix("repair", folder, "--no-config", "--in-place")
    assert run.code == 0, run.err
    assert json.loads((folder / "item_id_to_gcn_index.json").read_text()) == mapping
    assert {p: p.read_bytes() for p in graph} == graph
    assert check_dataset(folder).findings == []  # and the repaired chain is proven
    # A graph folder check refuses (test.txt missing) is no concern of repair's.
    (folder / "lightgcn_data" / "test.txt").unlink()
    assert gramfix("repair", folder, "--no-config", "--dry-run").code == 0


def test_the_builder_writes_files_torch_reads(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    build_chain(tmp_path, clustered_sequences(users=30), dim=8)
    checkpoint = torch.load(tmp_path / "lightgcn_data" / "lightgcn_model.pt", weights_only=True)
    assert checkpoint["n_items"] == checkpoint["model_state_dict"]["embedding_item.weight"].shape[0]
    export = torch.load(
        tmp_path / "lightgcn_data" / "lightgcn_item_embeddings.pt", weights_only=True
    )
    assert export.shape == (checkpoint["n_items"] + 1, 8)
    assert not export[0].any()


def test_the_bundled_example_shows_the_leak(gramfix: Callable[..., Run]) -> None:
    folder = ROOT / "examples" / "beauty-graph-leak"
    run = gramfix("check", folder, "--no-config", "--format", "json")
    assert run.code == 1
    report = json.loads(run.out)
    assert [f["name"] for f in report["findings"]] == ["graph-leakage"]
    assert report["findings"][0]["count"] == independent_leaks(folder)[0] == 604
    assert report["graph"]["alignment"] == "proven"
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 1 << 20


def test_the_graph_is_found_beside_the_mapping(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    """GRAM-C keeps its files apart from GRAM's: lightgcn_data/ and user_id_to_index.json
    are looked for in the dataset folder, then beside the mapping."""
    gram, gram_c = tmp_path / "gram", tmp_path / "gram-c"
    shutil.copytree(CASES / "graph-clean", gram_c)
    gram.mkdir()
    (gram_c / "user_sequence.txt").rename(gram / "user_sequence.txt")
    run = gramfix(
        "check",
        "--no-config",
        "--sequences",
        gram / "user_sequence.txt",
        "--mapping",
        gram_c / "item_id_to_gcn_index.json",
        "--format",
        "json",
    )
    assert run.code == 0, run.out
    assert json.loads(run.out)["graph"]["alignment"] == "proven"


def test_index_files_are_read_as_the_trainer_reads_them(tmp_path: Path) -> None:
    """``line.strip().split()``, lines of fewer than two numbers skipped, any whitespace,
    CR or CRLF line ends, leading zeros; every line kept (the graph takes every edge)."""
    from gramfix.io.graph import read_index_lines

    path = tmp_path / "train.txt"
    path.write_bytes(b"0 1 2\r\n\r\n7\r\n 1\t003  4 \r2 5\n0 6\n")
    lines = read_index_lines(path)
    assert lines.users.tolist() == [0, 1, 2, 0]
    assert lines.lengths.tolist() == [2, 2, 1, 1]
    assert lines.items.tolist() == [1, 2, 3, 4, 5, 6]
    assert lines.lines.tolist() == [1, 4, 5, 6]


_SPACE = st.sampled_from([" ", "  ", "\t", " \t"])


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.lists(st.integers(0, 2**31 - 1), max_size=6),
            _SPACE,
            st.sampled_from(["\n", "\r\n", "\r"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_numpy_reader_is_the_trainers_reading(
    rows: list[tuple[list[int], str, str, bool]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    from gramfix.io.graph import read_index_lines

    text = "".join(
        (" " if pad else "") + space.join(map(str, numbers)) + end
        for numbers, space, end, pad in rows
    )
    path = tmp_path_factory.mktemp("lines") / "train.txt"
    path.write_bytes(text.encode())
    if not text.strip():
        return
    kept = [
        (n, [int(t) for t in line.split()])
        for n, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1)
        if len(line.split()) >= 2
    ]
    lines = read_index_lines(path)
    assert lines.lines.tolist() == [n for n, _ in kept]
    assert lines.users.tolist() == [parts[0] for _, parts in kept]
    assert lines.items.tolist() == [i for _, parts in kept for i in parts[1:]]


def test_the_public_check_takes_the_graph_files() -> None:
    """``gramfix.check`` passes the graph options on (they are check's options too)."""
    import gramfix

    folder = CASES / "graph-flags"
    report = gramfix.check(
        folder,
        graph_dir=folder / "graph-files",
        user_index=folder / "users.json",
        config=False,
    )
    assert report.graph is not None
    assert report.graph.alignment == "proven"
    assert gramfix.check(folder, config=False).graph is None  # not found without them
