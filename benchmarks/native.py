"""The compiled scan against the numpy reader and ``wc -w``, each in a child process.

    python benchmarks/native.py --data /work/bench/data --sizes 10000000 100000000
    python benchmarks/native.py --sizes 10000000 --repeat 5

For each synthetic dataset (ASIN keys, made by benchmarks/generate.py when absent):

* ``wc -w`` (default locale, and ``LC_ALL=C``): the baseline of issue 15;
* the compiled scan alone (every block fed to `Scanner`, then `finish`: codes, users,
  duplicate users, hygiene), without and with the mapping's keys pre-filled;
* ``read_sequences`` (numpy) and ``read_sequences_native`` with the mapping's keys, as
  ``check`` calls them (the mapping is loaded with orjson first, timed apart);
* the whole ``gramfix check`` as today (numpy reader), with the compiled reader put in
  its place (the wiring issue 11's restructure will make permanent), and with the
  compiled ``id_ranks``, sample-window pass and per-item counts put in too (the
  history-order check's per-user loop cannot be swapped from outside: ``--passes``
  times it alone).

Every command runs as a child process, interpreter start-up included; each runs once to
warm the page cache, then ``--repeat`` times, and the best wall and CPU (user + system)
times are kept: other work on a shared machine only ever adds time, so the minimum is
the least disturbed figure (the load average is printed with each group). Peak memory is
the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (benchmarks/run.py: the dataset generator call and the machine)

SCAN = """
import os, sys
from gramfix import _native
assert _native.AVAILABLE, _native.ENGINE
from gramfix._native.scan import Scanner
keys = None
if len(sys.argv) > 2:
    import orjson
    keys = orjson.loads(open(sys.argv[2], "rb").read())
with open(sys.argv[1], "rb", buffering=0) as f:
    scanner = Scanner(keys, os.path.getsize(sys.argv[1]))
    while data := f.read(1 << 20):
        scanner.feed(data)
    result = scanner.finish()
print(len(result.codes), len(result.names))
"""

READ = """
import sys, orjson
from pathlib import Path
keys = orjson.loads(open(sys.argv[2], "rb").read())
if sys.argv[3] == "native":
    from gramfix import _native
    assert _native.AVAILABLE, _native.ENGINE
    from gramfix._native.adapter import read_sequences_native as read
else:
    from gramfix.readers.sequences import read_sequences as read
s = read(Path(sys.argv[1]), keys)
print(s.interactions, len(s.items))
"""

LOAD = """
import sys, orjson
print(len(orjson.loads(open(sys.argv[1], "rb").read())))
"""

CHECK_NATIVE = """
import sys
from gramfix import _native
assert _native.AVAILABLE, _native.ENGINE
import gramfix.check
from gramfix._native.adapter import read_sequences_native
gramfix.check.read_sequences = read_sequences_native
from gramfix.cli import run
sys.argv = ["gramfix", *sys.argv[1:]]
run()
"""


CHECK_PASSES = CHECK_NATIVE.replace(
    "from gramfix.cli import run",
    """import numpy as np
from gramfix._native import scan
from gramfix import itemorder, samples
import gramfix.checks.history_order as history_order
import gramfix.checks.embeddings as embeddings
numpy_ranks = itemorder.id_ranks
def id_ranks(names):
    ranks = scan.id_ranks(names)
    return numpy_ranks(names) if ranks is None else ranks
history_order.id_ranks = embeddings.id_ranks = id_ranks
samples._window_hits = lambda c, l, w, r: scan.window_hits(c, l, w, r.view(np.uint8))
def item_counts(codes, lengths, n_items):
    total, valid, test = scan.item_counts(codes, lengths, n_items)
    return {"all": total, "train": total - valid - test, "valid": valid, "test": test}
samples._item_counts = item_counts
from gramfix.cli import run""",
)


@dataclass
class Row:
    name: str
    wall: float
    cpu: float
    peak_mb: float


def best(command: list[str], repeat: int) -> Row:
    """Best wall and CPU time of ``repeat`` runs after a warm-up, and the peak RSS.

    Only ``gramfix check`` and ``repair`` may exit 1 (findings); for the others 1 is a
    Python exception (e.g. the compiled scan is not available) and stops the run."""
    allowed = (0, 1) if {"check", "repair"} & set(command) else (0,)
    walls, cpus, peak = [], [], 0.0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for attempt in range(repeat + 1):
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in allowed:
            error = process.stderr.read().decode() if process.stderr else ""
            raise SystemExit(f"{' '.join(command)} failed with {code}: {error}")
        if process.stderr:
            process.stderr.close()
        if attempt:
            walls.append(wall)
            cpus.append(usage.ru_utime + usage.ru_stime)
            peak = max(peak, usage.ru_maxrss / 1024)
    return Row("", min(walls), min(cpus), peak)


def group(folder: Path, repeat: int, keys: str) -> list[Row]:
    sequences = folder / "user_sequence.txt"
    mapping = folder / "item_id_to_gcn_index.json"
    py = sys.executable
    seq, mapped = str(sequences), str(mapping)
    check = ["check", str(folder), "--format", "json", "--no-config"]
    commands = [
        ("`wc -w`", ["wc", "-w", seq]),
        ("`LC_ALL=C wc -w`", ["env", "LC_ALL=C", "wc", "-w", seq]),
        ("compiled scan alone", [py, "-c", SCAN, seq]),
        ("compiled scan, keys pre-filled (+ orjson load)", [py, "-c", SCAN, seq, mapped]),
        ("orjson load of the mapping", [py, "-c", LOAD, mapped]),
        ("`read_sequences` numpy (+ orjson load)", [py, "-c", READ, seq, mapped, "numpy"]),
        ("`read_sequences_native` (+ orjson load)", [py, "-c", READ, seq, mapped, "native"]),
        ("`gramfix check` today (numpy reader)", [py, "-m", "gramfix", *check]),
        ("`gramfix check`, compiled reader", [py, "-c", CHECK_NATIVE, *check]),
        ("`gramfix check`, compiled reader and passes", [py, "-c", CHECK_PASSES, *check]),
    ]
    if keys == "whole-line":  # the original bug: repair's baseline is orjson load + dump
        out = Path(tempfile.gettempdir()) / f"gramfix-native-bench-{os.getpid()}.json"
        repair = ["repair", str(folder), "-o", str(out), "--force", "--no-config"]
        round_trip = [py, "-c", run.ORJSON_ROUND_TRIP, mapped, str(out)]
        commands = [
            *commands[:2],
            ("orjson load + dump of the mapping", round_trip),
            ("`gramfix check` today (numpy reader)", [py, "-m", "gramfix", *check]),
            ("`gramfix check`, compiled reader", [py, "-c", CHECK_NATIVE, *check]),
            ("`gramfix repair -o` today (numpy reader)", [py, "-m", "gramfix", *repair]),
            ("`gramfix repair -o`, compiled reader", [py, "-c", CHECK_NATIVE, *repair]),
        ]
    rows = []
    for name, command in commands:
        row = best(command, repeat)
        row.name = name
        rows.append(row)
        print(f"  {name:55} {row.wall:7.3f} s  cpu {row.cpu:7.3f} s  {row.peak_mb:7.0f} MB",
              file=sys.stderr)  # fmt: skip
    return rows


def beauty(repeat: int) -> None:
    """Real Beauty (../shared): the naive script of benchmarks/run.py against ``check``."""
    sequences = run.SHARED / "gram" / "Beauty" / "user_sequence.txt"
    mapping = run.SHARED / "gram-c" / "Beauty" / "item_id_to_gcn_index.json"
    if not sequences.exists():
        return
    py = sys.executable
    check = ["check", "--sequences", str(sequences), "--mapping", str(mapping)]
    check += ["--format", "json", "--no-config"]
    commands = [
        ("naive `json.load` + count hits", [py, "-c", run.NAIVE, str(mapping), str(sequences)]),
        ("`gramfix check` today", [py, "-m", "gramfix", *check]),
        ("`gramfix check`, compiled reader", [py, "-c", CHECK_NATIVE, *check]),
    ]
    rows = [best(command, repeat) for _, command in commands]
    print(f"\n### Beauty, real GRAM-C mapping (load average {os.getloadavg()[0]:.1f})\n")
    print("| command | best wall | × naive | best CPU | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    for (name, _), row in zip(commands, rows, strict=True):
        print(
            f"| {name} | {row.wall:.3f} s | {row.wall / rows[0].wall:.2f} | "
            f"{row.cpu:.3f} s | {row.peak_mb:,.0f} MB |"
        )


def passes(folder: Path, repeat: int, numpy_read: bool = True) -> None:
    """In this process (CPU time, best of ``repeat``): each per-token pass of ``check``
    as today (numpy) and compiled, on the sequences of ``folder``."""
    from types import SimpleNamespace

    sys.path.insert(0, str(ROOT))  # this checkout's gramfix, as in the child processes
    import numpy as np
    import orjson

    from gramfix._native import scan
    from gramfix._native.adapter import read_sequences_native
    from gramfix.checks import history_order
    from gramfix.itemorder import id_ranks
    from gramfix.readers.sequences import read_sequences
    from gramfix.samples import _item_counts, _window_hits

    keys = orjson.loads((folder / "item_id_to_gcn_index.json").read_bytes())
    path = folder / "user_sequence.txt"

    def timed(call: object) -> float:
        assert callable(call)
        times = []
        for _ in range(repeat):
            start = time.process_time()
            call()
            times.append(time.process_time() - start)
        return min(times)

    s = read_sequences_native(path, keys)
    ranks = id_ranks(s.items.names)
    resolved = np.random.default_rng(1).random(len(s.items)) < 0.7  # a mixed view
    analysis = SimpleNamespace(sequences=s, sequences_first_id=None, name=lambda kind: kind)
    original = history_order.id_ranks
    history_order.id_ranks = lambda names: ranks  # the loop alone
    try:
        loop = timed(lambda: history_order.check_history_order(analysis))  # type: ignore[arg-type]
    finally:
        history_order.id_ranks = original
    rows = [
        ("read the sequences (keys pre-filled)",
         timed(lambda: read_sequences(path, keys)) if numpy_read else float("nan"),
         timed(lambda: read_sequences_native(path, keys))),
        ("history order: sort the item IDs (`id_ranks`)",
         timed(lambda: id_ranks(s.items.names)), timed(lambda: scan.id_ranks(s.items.names))),
        ("history order: the per-user pass", loop,
         timed(lambda: scan.unsorted_users(s.codes, s.lengths, ranks))),
        ("sample windows, a mixed view (`_window_hits`, window 5)",
         timed(lambda: _window_hits(s.codes, s.lengths, 5, resolved)),
         timed(lambda: scan.window_hits(s.codes, s.lengths, 5, resolved.view(np.uint8)))),
        ("sample tables: per-item counts (`_item_counts`)",
         timed(lambda: _item_counts(s.codes, s.lengths, len(s.items))),
         timed(lambda: scan.item_counts(s.codes, s.lengths, len(s.items)))),
    ]  # fmt: skip
    print(f"\n### Passes in one process, {folder.name} (CPU, best of {repeat})\n")
    print("| pass | numpy (today) | compiled | speed-up |")
    print("|---|---:|---:|---:|")
    for name, before, after in rows:
        print(f"| {name} | {before:.3f} s | {after:.3f} s | {before / after:.1f}× |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000_000])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--keys", default="asin", choices=["asin", "whole-line"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--passes", action="store_true", help="time each pass in-process instead")
    parser.add_argument(
        "--no-numpy-read", action="store_true", help="--passes without numpy's read"
    )
    args = parser.parse_args(argv)
    print(run.machine(), file=sys.stderr)
    if not args.passes:
        beauty(args.repeat)
    for size in args.sizes:
        folder = run.dataset(args.data, size, args.keys)
        if args.passes:
            passes(folder, args.repeat, not args.no_numpy_read)
            continue
        load = os.getloadavg()
        print(f"{folder.name}: load average {load[0]:.2f} before", file=sys.stderr)
        rows = group(folder, args.repeat, args.keys)
        base = rows[0]
        print(
            f"\n### {size:,} interactions, {args.keys} keys (load average {load[0]:.1f} before)\n"
        )
        print("| command | best wall | × `wc -w` | best CPU | × `wc -w` CPU | peak RSS |")
        print("|---|---:|---:|---:|---:|---:|")
        for row in rows:
            print(
                f"| {row.name} | {row.wall:.3f} s | {row.wall / base.wall:.2f} | "
                f"{row.cpu:.3f} s | {row.cpu / base.cpu:.2f} | {row.peak_mb:,.0f} MB |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
