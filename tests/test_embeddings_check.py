"""The embedding-table check: the row scan against a naive one, and each finding end to end."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gramfix import check_dataset
from gramfix.checks.table_scan import scan_table
from tests.conftest import ROOT, Run

SEQUENCES = "U1 A B C D\nU2 B C D E\nU3 E D C B\nU4 A C E B\n"
ITEMS = ["A", "B", "C", "D", "E"]


@settings(max_examples=150, deadline=None)
@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(1, 12), st.integers(1, 5)),
        elements=st.sampled_from([0.0, -0.0, 1.0, 2.5, -1.0, np.nan, np.inf]),
    )
)
def test_scan_matches_a_naive_scan(table: npt.NDArray[np.float32]) -> None:
    scan = scan_table(table)
    rows = [table[i].tobytes() for i in range(len(table))]
    finite = [bool(np.isfinite(table[i]).all()) for i in range(len(table))]
    zero = [not any(v != 0 for v in table[i]) for i in range(len(table))]
    assert scan.finite.tolist() == finite
    assert scan.zero.tolist() == zero
    candidates = [i for i in range(1, len(table)) if finite[i] and not zero[i]]
    naive = []
    for position, i in enumerate(candidates):
        earlier = [j for j in candidates[:position] if rows[j] == rows[i]]
        if earlier:
            naive.append((i, earlier[0]))
    assert scan.duplicates == naive
    expected = np.sqrt((table.astype(np.float64) ** 2).sum(axis=1))
    ok = np.array(finite)
    assert np.allclose(scan.norms[ok], expected[ok])
    assert np.isnan(scan.norms[~ok]).all()


def _folder(
    tmp_path: Path, table: object | None = None, name: str = "gcn_item_embeddings.npy"
) -> Path:
    (tmp_path / "user_sequence.txt").write_text(SEQUENCES)
    mapping = {item: row for row, item in enumerate(ITEMS, start=1)}
    (tmp_path / "item_id_to_gcn_index.json").write_text(json.dumps(mapping))
    if table is not None:
        np.save(tmp_path / name, table)
    return tmp_path


def _codes(folder: Path, *args: str) -> list[str]:
    return [f.code for f in check_dataset(folder).findings]


def test_too_few_rows_counts_the_keys_past_the_end(tmp_path: Path) -> None:
    table = np.zeros((3, 4), np.float32)
    table[1:] = 1.0 + np.arange(8).reshape(2, 4)
    report = check_dataset(_folder(tmp_path, table))
    found = {f.code: f for f in report.findings}
    assert found["GF602"].count == 3  # values 3, 4 and 5
    assert "0-based" not in found["GF602"].message
    assert report.embeddings is not None
    assert report.embeddings.expected_rows == 6
    assert report.exit_code() == 1


def test_not_a_matrix(tmp_path: Path) -> None:
    report = check_dataset(_folder(tmp_path, np.zeros(6, np.float32)))
    assert [f.code for f in report.findings] == ["GF606"]
    assert report.embeddings is not None
    assert report.embeddings.shape == [6]
    assert report.embeddings.signal is None


def test_legacy_pt_without_torch_is_an_info_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    legacy = ROOT / "tests" / "fixtures" / "torchsave" / "legacy.pt"  # torch < 1.6 format
    (folder / "gcn_item_embeddings.pt").write_bytes(legacy.read_bytes())
    monkeypatch.setitem(sys.modules, "torch", None)
    report = check_dataset(folder)
    found = [f for f in report.findings if f.code.startswith("GF6")]
    assert [(f.code, f.severity.value) for f in found] == [("GF601", "info")]
    assert "a legacy (pre-1.6, not zip) torch file" in found[0].message
    assert "pip install 'gramfix[torch]'" in found[0].message
    assert report.embeddings is None
    assert report.exit_code() == 0


def test_zip_pt_is_checked_without_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    fixture = ROOT / "tests" / "fixtures" / "torchsave" / "table.pt"
    (folder / "gcn_item_embeddings.pt").write_bytes(fixture.read_bytes())
    monkeypatch.setitem(sys.modules, "torch", None)
    report = check_dataset(folder)
    assert "GF601" not in [f.code for f in report.findings]
    assert report.embeddings is not None
    assert (report.embeddings.format, report.embeddings.dtype) == ("pt", "float32")
    assert report.embeddings.shape == [64, 16]


def test_pt_table_is_checked_with_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    folder = _folder(tmp_path)
    table = torch.zeros(6, 4)
    table[0] = 1.0  # a non-zero padding row
    torch.save(table, folder / "gcn_item_embeddings.pt")
    report = check_dataset(folder)
    assert "GF604" in [f.code for f in report.findings]
    assert report.embeddings is not None
    assert (report.embeddings.format, report.embeddings.dtype) == ("pt", "float32")


def test_explicit_embeddings_option(tmp_path: Path, gramfix: Callable[..., Run]) -> None:
    folder = _folder(tmp_path)
    np.save(tmp_path / "elsewhere.npy", np.ones((6, 4), np.float32))
    run = gramfix("check", folder, "--embeddings", tmp_path / "elsewhere.npy", "--format", "json")
    report = json.loads(run.out)
    assert report["embeddings"]["file"] == "elsewhere.npy"
    assert {"GF604", "GF608"} <= {f["code"] for f in report["findings"]}
    missing = gramfix("check", folder, "--embeddings", tmp_path / "absent.npy")
    assert missing.code == 2
    assert "absent.npy: no such file" in missing.err


def test_json_has_no_embeddings_key_without_a_table(tmp_path: Path) -> None:
    report = check_dataset(_folder(tmp_path))
    dumped = json.loads(report.model_dump_json())
    assert "embeddings" not in dumped
    assert "item_files" not in dumped
    assert "lexical_ids" not in dumped


def test_memory_mapped_table_is_scanned_in_chunks_like_an_array(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gramfix.checks import table_scan
    from gramfix.io.embeddings import EmbeddingTable, read_embeddings

    table = np.random.default_rng(0).standard_normal((1000, 7)).astype(">f4")
    table[500], table[7], table[9, 2] = table[3], 0, np.nan
    np.save(tmp_path / "t.npy", table)
    loaded = read_embeddings(tmp_path / "t.npy")
    assert isinstance(loaded, EmbeddingTable)
    assert isinstance(loaded.array, np.memmap)
    monkeypatch.setattr(table_scan, "CHUNK_BYTES", 7 * 4 * 64)  # 64 rows a chunk
    chunked, whole = scan_table(loaded.array), scan_table(np.array(table))
    assert chunked.duplicates == whole.duplicates == [(500, 3)]
    assert np.array_equal(chunked.finite, whole.finite)
    assert np.array_equal(chunked.zero, whole.zero)
    assert np.allclose(chunked.norms, whole.norms, equal_nan=True)
