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
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TRIALS = int(os.environ.get("GRAMFIX_KILL_TRIALS", "60"))


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
    assert outcomes["original"], outcomes  # kills before the rename were tried
    assert outcomes["repaired"], outcomes  # and kills after it
