"""The compiled and the pure engine give byte-identical reports and repairs.

The engine is how gramfix computes, never what it reports: the JSON report (and a
repaired mapping) must not change by a byte when the compiled kernels run instead of
the pure Python/numpy path. Checked on every golden case, on every dataset shape of
tests/test_fast_path.py, on the real Beauty and Toys data, and on synthetic data made
by benchmarks/generate.py (the generator of the scale runs, at a size a test can take).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import gramfix._native as native
from gramfix.io.sequences import Sequences
from gramfix.io.sequences import compiled as compiled_reader
from tests.conftest import ROOT, Run
from tests.test_fast_path import SHAPES
from tests.test_fast_path import _dataset as shaped_dataset
from tests.test_golden import CASES, _args

needs_compiled = pytest.mark.skipif(
    not native.AVAILABLE and not os.environ.get("GRAMFIX_REQUIRE_NATIVE"),
    reason=f"engine: {native.ENGINE}",
)


def _on_both(
    gramfix: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    *args: str | Path,
    scanned: bool = True,
) -> Run:
    """The run on the compiled engine, after asserting that the pure one gives the same
    exit code, stdout and stderr, byte for byte (and, when ``scanned``, that the compiled
    scan really read the sequences)."""
    assert native.AVAILABLE, native.ENGINE  # GRAMFIX_REQUIRE_NATIVE: a missing build fails
    scans = []
    original = compiled_reader.read_compiled

    def counted(*a: Any, **k: Any) -> Sequences:
        result = original(*a, **k)
        scans.append(result.exact_reader)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(compiled_reader, "read_compiled", counted)
        compiled = gramfix(*args)
    assert not scanned or scans, "the compiled scan did not run"
    with monkeypatch.context() as patch:
        patch.setattr(native, "AVAILABLE", False)
        pure = gramfix(*args)
    assert compiled == pure
    return compiled


@needs_compiled
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden_reports_are_byte_identical(
    case: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    args = ("check", ".", "--format", "json", *_args(case))
    _on_both(gramfix, monkeypatch, *args, scanned=False)  # some cases fail before reading


@needs_compiled
@pytest.mark.parametrize("shape", [*SHAPES, "non-ascii"])
def test_reports_on_every_shape_are_byte_identical(
    shape: str, tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    shaped_dataset(tmp_path, shape, 11)
    scanned = shape != "non-ascii"  # that one the exact reader takes, on either engine
    args = ("check", tmp_path, "--no-config")
    _on_both(gramfix, monkeypatch, *args, "--format", "json", scanned=scanned)
    _on_both(gramfix, monkeypatch, *args, "--recent-k", "2", scanned=scanned)


@needs_compiled
def test_real_beauty_reports_are_byte_identical(
    shared: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every file of GRAM's Beauty with GRAM-C's mapping and table (.pt, read without torch).
    gram_c = shared / "gram-c" / "Beauty"
    run = _on_both(
        gramfix,
        monkeypatch,
        *("check", shared / "gram" / "Beauty", "--no-config", "--format", "json"),
        *("--mapping", gram_c / "item_id_to_gcn_index.json"),
        *("--embeddings", gram_c / "gcn_item_embeddings.pt"),
    )
    assert '"interactions": 198502' in run.out


@needs_compiled
def test_real_toys_reports_are_byte_identical(
    shared: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _on_both(
        gramfix, monkeypatch, "check", shared / "gram" / "Toys", "--no-config", "--format", "json"
    )
    assert '"interactions": 167597' in run.out


@pytest.fixture(scope="module", params=["asin", "whole-line"])
def synthetic(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic dataset of the scale runs' generator, 300,000 interactions."""
    folder = tmp_path_factory.mktemp("synthetic") / request.param
    generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(folder)]
    subprocess.run(
        [*generate, "--interactions", "300000", "--keys", str(request.param)],
        check=True,
        capture_output=True,
    )
    return folder


@needs_compiled
def test_synthetic_reports_and_repairs_are_byte_identical(
    synthetic: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    check = _on_both(gramfix, monkeypatch, "check", synthetic, "--no-config", "--format", "json")
    assert check.code == (0 if synthetic.name == "asin" else 1)
    written = []
    for engine in ("compiled", "pure"):
        out = synthetic.parent / f"repaired-{synthetic.name}-{engine}.json"
        with monkeypatch.context() as patch:
            patch.setattr(native, "AVAILABLE", engine == "compiled")
            run = gramfix("repair", synthetic, "--no-config", "--format", "json", "-o", out)
        assert run.code == 0, run.err
        written.append((run.out.replace(str(out), "OUT"), out.read_bytes()))
    assert written[0] == written[1]


@needs_compiled
def test_an_item_only_on_replaced_lines_does_not_hide_sorted_histories(
    tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found in review: "X" is only on a line the user's later line replaces, so it is no
    # item; every item left is a number and every history is in numeric order (GF510).
    # The compiled reader kept the scan's "some ID is not a number" and compared the IDs
    # as bytes ("10" < "9"): no GF510.
    lines = ["u1 X 9 10", *(f"u{n} 9 10 11 12" for n in range(2, 31)), "u1 9 10 11 12"]
    (tmp_path / "user_sequence.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "item_id_to_gcn_index.json").write_text('{"9":1,"10":2,"11":3,"12":4}')
    run = _on_both(gramfix, monkeypatch, "check", tmp_path, "--no-config", "--format", "json")
    assert '"code": "GF510"' in run.out


@needs_compiled
def test_a_file_too_big_for_memory_is_refused_alike(
    tmp_path: Path, gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found in review: the compiled scan, begun before the reader's memory check, sized
    # its arrays from the file and died of MemoryError (exit 3). A sparse file: no disk.
    from gramfix.io.source import available_memory

    free = available_memory()
    if free is None:
        pytest.skip("the available memory is unknown here")
    sequences = tmp_path / "user_sequence.txt"
    with sequences.open("wb") as handle:
        handle.truncate(4 * free)
    (tmp_path / "item_id_to_gcn_index.json").write_text('{"A": 1}')
    run = _on_both(gramfix, monkeypatch, "check", tmp_path, "--no-config", scanned=False)
    assert run.code == 2
    assert run.err.startswith(f"gramfix: error: {sequences}: reading these sequences needs")
    assert run.err.count("\n") == 1
