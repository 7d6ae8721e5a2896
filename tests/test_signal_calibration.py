"""The collaborative-signal verdict, calibrated over a family of tables (issue 10).

"No signal" (GF609, a placeholder: an error, GRAM-C would train on noise) must mean that
the sample cannot tell the table from noise, never merely that its signal is weak: a
weak but measurable signal is "weak-signal" (GF613, a warning). The family, in synthetic
universes (always) and on real Beauty (when ../shared is there):

* noise: normal, uniform, unit-norm, and what GRAM-C's generate_example_gcn_embeddings.py
  writes (randn * 0.1, each row normalised); on Beauty also GRAM-C's own table;
* real structure, dimensions 8 to 256: each row the normalised sum of random vectors of
  the items it co-occurs with (the weak table of the issue), random vectors smoothed over
  the user-item graph (strong), and blends of those with noise (weaker still);
* the structured tables with their rows permuted at random or shifted by one.

The effect is the share of the random pairs' mean cosine distance that co-occurring pairs
close; z is the effect over its standard error. Noise and moved rows must give z spread
like a standard normal (the standard error is honest), well inside the decision margin;
every structured table must be told from noise.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from gramfix import check_dataset
from gramfix.checks.table_scan import scan_table
from gramfix.engine.cooccurrence import MIN_EFFECT, Estimate, Pairs, Rows, Z, estimate, sample_pairs
from tests import signal_family as family
from tests.conftest import Run

#: Universes the test builds itself: a catalogue of golden-case size (60 items, 2,000
#: pairs, most of them repeats), a sparse Beauty-like one (weak neighbour sums), a dense one.
UNIVERSES = {
    "tiny": {"users": 300, "items": 60, "topics": 6, "own": 0.8},
    "sparse": {"users": 3000, "items": 3000, "topics": 150, "own": 0.3},
    "dense": {"users": 3000, "items": 1500, "topics": 40, "own": 0.7},
}
DIMS = (8, 16, 64, 256)
SEEDS = (0, 1)
#: Blends of a strong table with noise (weight of the strong part), built at d >= 16: at
#: d = 8 blend 0.5 is only about 4 standard errors above 0 in the sparse universe, too
#: weak for 20,000 pairs to tell reliably; in the tiny universe (2,000 pairs) no blend is.
BLENDS = {"tiny": (), "sparse": (1.0, 0.5), "dense": (1.0, 0.5)}


@dataclass(frozen=True)
class Case:
    group: str  # "noise", "moved" (permuted or shifted rows) or "structured"
    kind: str
    dim: int
    seed: int
    e: Estimate

    @property
    def z(self) -> float:
        return self.e.effect / self.e.error

    def __str__(self) -> str:
        return (
            f"{self.kind} d={self.dim} seed={self.seed}: effect {self.e.effect:+.4f} "
            f"se {self.e.error:.4f} z {self.z:+.1f} -> {self.e.verdict}"
        )


class Universe:
    def __init__(self, histories: list[family.I64]) -> None:
        self.histories = histories
        self.rows = int(max(h.max() for h in histories)) + 1
        self.pairs: Pairs = sample_pairs(*family.codes_and_lengths(histories))
        self.item_rows = np.arange(1, self.rows, dtype=np.int64)

    def estimate(self, table: family.F32) -> Estimate:
        scan = scan_table(table)
        return estimate(Rows(table, scan.norms, scan.usable), self.item_rows, self.pairs)

    def family(
        self, dims: tuple[int, ...], seeds: tuple[int, ...], blends: tuple[float, ...]
    ) -> list[Case]:
        cases = []
        for dim in dims:
            for seed in seeds:
                rng = np.random.default_rng(1000 * dim + seed)
                for kind in family.NOISE:
                    table = family.noise(kind, self.rows, dim, rng)
                    cases.append(Case("noise", kind, dim, seed, self.estimate(table)))
                structured = {
                    "neighbour-sum": family.neighbour_sum(self.histories, self.rows, dim, rng),
                    "smoothed": family.smoothed(self.histories, self.rows, dim, rng),
                }
                for weight in blends if dim >= 16 else ():
                    blended = family.blend(structured["smoothed"], weight, rng)
                    structured[f"blend {weight}"] = blended
                for kind, table in structured.items():
                    cases.append(Case("structured", kind, dim, seed, self.estimate(table)))
                    moved = family.permuted(table, rng)
                    cases.append(Case("moved", f"permuted {kind}", dim, seed, self.estimate(moved)))
                    moved = family.shifted(table)
                    cases.append(Case("moved", f"shifted {kind}", dim, seed, self.estimate(moved)))
        return cases


@functools.cache
def _synthetic(name: str) -> Universe:
    return Universe(family.synthetic_histories(0, **UNIVERSES[name]))


@functools.cache
def _synthetic_family(name: str) -> list[Case]:
    return _synthetic(name).family(DIMS, SEEDS, BLENDS[name])


def _assert_calibrated(cases: list[Case], *, tiny: bool = False) -> None:
    """Noise and moved rows are never told from noise, and their z spreads like a
    standard normal: the standard error against noise is honest. In a realistic catalogue
    they are "no-signal"; in a 60-item one a few are "inconclusive" (effect up to 0.07,
    too imprecise to rule out a strong signal), never "signal" or "weak-signal"."""
    null = [c for c in cases if c.group != "structured"]
    allowed = ("no-signal", "inconclusive") if tiny else ("no-signal",)
    wrong = [str(c) for c in null if c.e.verdict not in allowed]
    assert not wrong, "\n".join(wrong)
    assert sum(c.e.verdict == "no-signal" for c in null) > 0.9 * len(null)
    z = np.array([c.z for c in null])
    assert np.abs(z).max() < Z, "\n".join(map(str, null))
    assert 0.4 < z.std() < 1.5, f"z spread {z.std():.2f}: the standard error is off"


def _assert_told_from_noise(cases: list[Case], *, weak: Callable[[Case], bool]) -> None:
    """Every structured table is told from noise, however weak; the strong ones (smoothed
    over the graph) are "signal", the ones ``weak`` names "weak-signal"."""
    structured = [c for c in cases if c.group == "structured"]
    wrong = [str(c) for c in structured if c.e.verdict not in ("signal", "weak-signal")]
    assert not wrong, "\n".join(wrong)
    for c in structured:
        if c.kind == "smoothed":
            assert c.e.verdict == "signal", c
        if weak(c):
            assert c.e.verdict == "weak-signal", c


@pytest.mark.parametrize("name", list(UNIVERSES))
def test_noise_and_moved_rows_cannot_be_told_from_noise(name: str) -> None:
    _assert_calibrated(_synthetic_family(name), tiny=name == "tiny")


@pytest.mark.parametrize("name", list(UNIVERSES))
def test_structured_tables_are_never_called_noise(name: str) -> None:
    def weak(c: Case) -> bool:  # weak by construction: measurable, below trained tables
        return c.kind == "blend 0.5" or (name == "sparse" and c.kind == "neighbour-sum")

    cases = _synthetic_family(name)
    _assert_told_from_noise(cases, weak=weak)
    assert sum(weak(c) for c in cases) >= (0 if name == "tiny" else 6)


def test_weak_and_strong_are_told_apart_by_strength_not_by_significance() -> None:
    """A weak signal can be as significant as a strong one; what separates them is the
    effect (below MIN_EFFECT: weak), and each construction keeps its verdict across seeds
    and dimensions."""
    cases = [c for c in _synthetic_family("sparse") if c.group == "structured"]
    weak = [c for c in cases if c.e.verdict == "weak-signal"]
    strong = [c for c in cases if c.e.verdict == "signal"]
    assert {c.kind for c in weak} == {"neighbour-sum", "blend 1.0", "blend 0.5"}
    assert {c.kind for c in strong} == {"smoothed"}
    assert all(c.e.effect < MIN_EFFECT for c in weak)
    assert max(c.z for c in weak) > min(c.z for c in strong)


# -- real Beauty -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def beauty() -> Universe:
    from tests.conftest import SHARED

    sequences = SHARED / "gram" / "Beauty" / "user_sequence.txt"
    if not sequences.is_file():
        pytest.skip("../shared/datasets is not available")
    mapping = SHARED / "gram-c" / "Beauty" / "item_id_to_gcn_index.json"
    return Universe(family.real_histories(sequences, mapping))


def test_the_family_on_real_beauty(beauty: Universe, shared: Path) -> None:
    cases = beauty.family((8, 64, 256), (0,), ())
    try:
        import torch
    except ImportError:  # the .pt needs torch; the rest of the family does not
        torch = None
    if torch is not None:
        gram_c = torch.load(shared / "gram-c" / "Beauty" / "gcn_item_embeddings.pt").numpy()
        e = beauty.estimate(gram_c)
        cases.append(Case("noise", "GRAM-C's gcn_item_embeddings.pt", 64, 0, e))
    _assert_calibrated(cases)
    _assert_told_from_noise(cases, weak=lambda c: c.kind == "neighbour-sum")


def test_the_weak_beauty_table_of_the_issue(beauty: Universe) -> None:
    """Each row the normalised sum of random vectors of its co-occurring items: mean cosine
    about 0.09 against 0.01, tens of standard errors apart. Weak, not a placeholder."""
    table = family.neighbour_sum(beauty.histories, beauty.rows, 64, np.random.default_rng(0))
    e = beauty.estimate(table)
    assert e.cooccurring > 0.08
    assert e.random < 0.02
    assert e.effect / e.error > 20
    assert e.verdict == "weak-signal"


# -- the check end to end ----------------------------------------------------------------


def _write_folder(folder: Path, universe: Universe, table: family.F32) -> Path:
    """A GRAM-C folder: item ``I00042`` at row 42 of ``table``."""
    histories = universe.histories
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"U{user} " + " ".join(f"I{row:05d}" for row in h) for user, h in enumerate(histories)]
    (folder / "user_sequence.txt").write_text("\n".join(lines) + "\n")
    mapping = {f"I{row:05d}": row for row in range(1, universe.rows)}
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(mapping))
    np.save(folder / "gcn_item_embeddings.npy", table)
    return folder


def _tables(universe: Universe) -> dict[str, family.F32]:
    """A weak and a strong table at d = 64, noise, and the two moved."""
    rng = np.random.default_rng(7)
    weak = family.neighbour_sum(universe.histories, universe.rows, 64, rng)
    strong = family.smoothed(universe.histories, universe.rows, 64, rng)
    return {
        "gram-c noise": family.noise("gram-c", universe.rows, 64, rng),
        "weak": weak,
        "strong": strong,
        "permuted weak": family.permuted(weak, rng),
        "permuted strong": family.permuted(strong, rng),
        "shifted weak": family.shifted(weak),
        "shifted strong": family.shifted(strong),
    }


@pytest.fixture(scope="module")
def sparse_tables() -> tuple[Universe, dict[str, family.F32]]:
    universe = _synthetic("sparse")
    return universe, _tables(universe)


_SHIFTED = "row = mapping value + 1"


@pytest.mark.parametrize(
    ("table", "expected", "exit_code"),
    [
        ("gram-c noise", [("GF609", "error")], 1),
        ("weak", [("GF613", "warning")], 0),
        ("strong", [], 0),
        ("permuted weak", [("GF610", "error")], 1),  # structure 0.09 at d=64 here
        ("permuted strong", [("GF610", "error")], 1),
        ("shifted weak", [("GF603", "warning"), ("GF607", "warning"), ("GF610", "error")], 1),
        ("shifted strong", [("GF603", "warning"), ("GF607", "warning"), ("GF610", "error")], 1),
    ],
)
def test_check_verdicts(
    sparse_tables: tuple[Universe, dict[str, family.F32]],
    tmp_path: Path,
    table: str,
    expected: list[tuple[str, str]],
    exit_code: int,
) -> None:
    universe, tables = sparse_tables
    report = check_dataset(_write_folder(tmp_path, universe, tables[table]))
    found = [(f.code, f.severity.value) for f in report.findings]
    assert found == expected, [f.message for f in report.findings]
    assert report.exit_code() == exit_code
    signal = report.embeddings.signal if report.embeddings else None
    assert signal is not None
    if table.startswith("shifted"):
        assert signal.best_order == _SHIFTED
    if table == "weak":  # every other order was tried, and none is clearly better
        assert signal.verdict == "weak-signal"
        assert signal.best_order == "row = mapping value"
        assert len(signal.orders) > 2


def test_a_placeholder_fails_and_says_it_in_words(
    sparse_tables: tuple[Universe, dict[str, family.F32]],
    tmp_path: Path,
    gramfix: Callable[..., Run],
) -> None:
    universe, tables = sparse_tables
    folder = _write_folder(tmp_path / "data", universe, tables["gram-c noise"])
    text = gramfix("check", folder, "--no-config")
    assert text.code == 1
    assert " FAIL " in text.out
    assert "GRAM-C will train on noise:" in text.out
    assert "Every recent-item slot" not in text.out
    markdown = gramfix("check", folder, "--no-config", "--format", "markdown")
    assert "GRAM-C will train on noise:" in markdown.out
    github = gramfix("check", folder, "--no-config", "--format", "github")
    assert "::error " in github.out
    assert "GF609" in github.out
    sarif = json.loads(gramfix("check", folder, "--no-config", "--format", "sarif").out)
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("GF609", "error")]
    junit = gramfix("check", folder, "--no-config", "--format", "junit")
    assert junit.code == 1
    assert "GF609" in junit.out
    assert "<failure" in junit.out
    weak = _write_folder(tmp_path / "weak", universe, tables["weak"])
    run = gramfix("check", weak, "--no-config")
    assert run.code == 0
    assert "noise" not in run.out.split("\n\n")[0]


def test_ignoring_gf609_keeps_the_other_headline(
    sparse_tables: tuple[Universe, dict[str, family.F32]],
    tmp_path: Path,
    gramfix: Callable[..., Run],
) -> None:
    universe, tables = sparse_tables
    folder = _write_folder(tmp_path, universe, tables["gram-c noise"])
    run = gramfix("check", folder, "--no-config", "--ignore", "GF609")
    assert run.code == 0
    assert "Every recent-item slot of every sample reaches an embedding row." in run.out


# -- the real GRAM-C pair and Beauty folders ----------------------------------------------


def test_the_real_gram_c_pair_fails_with_the_noise_headline(
    shared: Path, gramfix: Callable[..., Run]
) -> None:
    pytest.importorskip("torch")
    run = gramfix(
        "check",
        "--sequences",
        shared / "gram" / "Beauty" / "user_sequence.txt",
        "--mapping",
        shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json",
        "--embeddings",
        shared / "gram-c" / "Beauty" / "gcn_item_embeddings.pt",
        "--no-config",
    )
    assert run.code == 1
    head = run.out.split("\n\n")[0]
    assert "FAIL" in head
    assert "GRAM-C will train on noise:" in head
    assert "GF609" in run.out


@pytest.mark.parametrize(
    ("table", "codes", "exit_code"),
    [
        ("weak", ["GF613"], 0),
        ("permuted weak", None, 1),  # GF609 or GF610: an error either way
        ("shifted weak", ["GF603", "GF607", "GF610"], 1),
    ],
)
def test_beauty_folders_with_a_weak_table(
    beauty: Universe,
    shared: Path,
    tmp_path: Path,
    table: str,
    codes: list[str] | None,
    exit_code: int,
) -> None:
    weak = family.neighbour_sum(beauty.histories, beauty.rows, 64, np.random.default_rng(3))
    data = {
        "weak": weak,
        "permuted weak": family.permuted(weak, np.random.default_rng(4)),
        "shifted weak": family.shifted(weak),
    }[table]
    np.save(tmp_path / "gcn_item_embeddings.npy", data)
    report = check_dataset(
        sequences=shared / "gram" / "Beauty" / "user_sequence.txt",
        mapping=shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json",
        embeddings=tmp_path / "gcn_item_embeddings.npy",
    )
    found = [f.code for f in report.findings]
    if codes is None:
        assert set(found) & {"GF609", "GF610"}, found
    else:
        assert found == codes, [f.message for f in report.findings]
    assert report.exit_code() == exit_code
    assert report.embeddings is not None
    assert report.embeddings.signal is not None
    if table == "shifted weak":
        assert report.embeddings.signal.best_order == _SHIFTED
