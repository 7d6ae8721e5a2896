"""Kill ``gramfix repair --in-place`` at random moments: every file is old or new, never torn.

The child is a real ``python -m gramfix`` process killed with SIGKILL at seeded random
moments spread over its whole run (start-up, reading, checking, backup, write, rename).
After each kill the mapping must be byte-identical to the original or to the complete
repaired file, the backup (if any) byte-identical to the original, and no temporary
file may be mistaken for data (temporary names start with '.' and end in '.tmp').
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

TRIALS = int(os.environ.get("GRAMFIX_KILL_TRIALS", "200"))


def _dataset(folder: Path, n_items: int = 60_000) -> None:
    items = [f"B{i:09d}" for i in range(n_items)]
    lines = [
        f"U{u} " + " ".join(items[(u * 7 + k) % n_items] for k in range(6))
        for u in range(n_items // 3)
    ]
    (folder / "user_sequence.txt").write_text("\n".join(lines) + "\n")
    broken = {
        f"{item} title: a long product title number {row}; brand: acme": row
        for row, item in enumerate(items, 1)
    }
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(broken, indent=2))


def _run(folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gramfix", "repair", str(folder), "--in-place"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_random_moments_never_leaves_a_torn_file(tmp_path: Path) -> None:
    template = tmp_path / "template"
    template.mkdir()
    _dataset(template)
    original = (template / "item_id_to_gcn_index.json").read_bytes()
    # One complete run gives the repaired bytes and the duration to spread kills over.
    reference = tmp_path / "reference"
    reference.mkdir()
    for name in ("user_sequence.txt", "item_id_to_gcn_index.json"):
        (reference / name).write_bytes((template / name).read_bytes())
    start = time.perf_counter()
    assert _run(reference).wait() == 0
    duration = time.perf_counter() - start
    repaired = (reference / "item_id_to_gcn_index.json").read_bytes()
    assert repaired != original

    rng = random.Random(20261127)
    outcomes = {"original": 0, "repaired": 0}
    for trial in range(TRIALS):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        for name in ("user_sequence.txt", "item_id_to_gcn_index.json"):
            (folder / name).write_bytes((template / name).read_bytes())
        child = _run(folder)
        time.sleep(rng.uniform(0, duration * 1.1))
        child.send_signal(signal.SIGKILL)
        child.wait()
        mapping = (folder / "item_id_to_gcn_index.json").read_bytes()
        assert mapping in (original, repaired), f"trial {trial}: torn mapping"
        outcomes["original" if mapping == original else "repaired"] += 1
        backup = folder / "item_id_to_gcn_index.json.bak"
        if mapping == repaired:
            assert backup.read_bytes() == original, f"trial {trial}: no intact backup"
        elif backup.exists():
            assert backup.read_bytes() == original, f"trial {trial}: torn backup"
        leftovers = {p.name for p in folder.iterdir()} - {
            "user_sequence.txt",
            "item_id_to_gcn_index.json",
            "item_id_to_gcn_index.json.bak",
        }
        assert all(n.startswith(".") and n.endswith(".tmp") for n in leftovers), leftovers
    print(f"\n{TRIALS} SIGKILL trials: {outcomes}, 0 torn files")  # the figures (-s)
    assert outcomes["original"], outcomes  # kills before the rename were tried
    assert outcomes["repaired"], outcomes  # and kills after it


def _copy_template(template: Path, folder: Path) -> None:
    folder.mkdir()
    for name in ("user_sequence.txt", "item_id_to_gcn_index.json"):
        (folder / name).write_bytes((template / name).read_bytes())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs resource limits of a child")
@pytest.mark.parametrize("destination", ["--in-place", "-o"])
@pytest.mark.parametrize("fraction", [0.0, 1e-9, 0.01, 0.5, 0.99])
def test_disk_full_at_any_size_changes_nothing(
    tmp_path: Path, fraction: float, destination: str
) -> None:
    import resource

    template = tmp_path / "template"
    template.mkdir()
    _dataset(template, n_items=20_000)
    original = (template / "item_id_to_gcn_index.json").read_bytes()
    reference = tmp_path / "reference"
    _copy_template(template, reference)
    assert _run(reference).wait() == 0
    # The first file written: the backup (in place) or the repaired mapping (-o).
    first = (
        len(original)
        if destination == "--in-place"
        else len((reference / "item_id_to_gcn_index.json").read_bytes())
    )
    limit = max(int(first * fraction), 1 if fraction else 0)
    folder = tmp_path / "trial"
    _copy_template(template, folder)

    def small_disk() -> None:  # the file-size limit of the child: writes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    where = ["--in-place"] if destination == "--in-place" else ["-o", str(folder / "out.json")]
    done = subprocess.run(
        [sys.executable, "-m", "gramfix", "repair", str(folder), *where],
        capture_output=True,
        text=True,
        preexec_fn=small_disk,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "File too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert (folder / "item_id_to_gcn_index.json").read_bytes() == original
    names = {p.name for p in folder.iterdir()}
    assert names <= {
        "user_sequence.txt",
        "item_id_to_gcn_index.json",
        "item_id_to_gcn_index.json.bak",
    }
    if "item_id_to_gcn_index.json.bak" in names:
        assert (folder / "item_id_to_gcn_index.json.bak").read_bytes() == original


def _make_read_only(folder: Path) -> Callable[[], None]:
    """Make ``folder`` unwritable even for root (immutable flag); return the undo."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("root ignores permissions and chattr is not available")
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip("root ignores permissions and the immutable flag is not supported")
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o555)
    return lambda: folder.chmod(0o755)


@pytest.mark.parametrize("how", [["--in-place"], ["-o", "out.json"]])
def test_read_only_folder_changes_nothing(tmp_path: Path, how: list[str]) -> None:
    template = tmp_path / "template"
    template.mkdir()
    _dataset(template, n_items=2_000)
    folder = tmp_path / "trial"
    _copy_template(template, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    undo = _make_read_only(folder)
    try:
        args = [*how[:1], str(folder / how[1])] if len(how) == 2 else how
        done = subprocess.run(
            [sys.executable, "-m", "gramfix", "repair", str(folder), *args],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        undo()
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "nothing was changed" in done.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
