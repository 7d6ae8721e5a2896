"""Beauty ``check`` with and without the LightGCN graph files, side by side in one run.

    python benchmarks/graph_checks.py [--repeat 7] [--markdown]

Builds (once, in ``--data``) real Beauty with a correct LightGCN chain
(tests/graph_build.py: the converter's train.txt / test.txt, user_id_to_index.json,
a checkpoint, the export installed as gcn_item_embeddings.pt) and the same folder
without the graph files (user_sequence.txt, the mapping and the installed table only).
Then runs ``gramfix check --format json`` on both as child processes, alternating
(so a change in machine load hits both alike), after one warm-up run each; reports the
best and the median wall and CPU time (user + system) of each, their ratios, and the
load average before and after. The issue's budget: with the graph at most 1.5x without.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import SHARED, gramfix, machine  # noqa: E402


def folders(data: Path) -> tuple[Path, Path]:
    """Beauty with its LightGCN chain, and the same without the graph files."""
    with_graph, without = data / "beauty-graph", data / "beauty-no-graph"
    if not with_graph.exists():
        from tests.graph_build import build_chain

        text = (SHARED / "gram" / "Beauty" / "user_sequence.txt").read_text(encoding="utf-8")
        build_chain(with_graph, text)
    if not without.exists():
        without.mkdir(parents=True)
        for name in ("user_sequence.txt", "item_id_to_gcn_index.json", "gcn_item_embeddings.pt"):
            shutil.copyfile(with_graph / name, without / name)
    return with_graph, without


def run_once(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(command)} did not pass: {error}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    if not (SHARED / "gram" / "Beauty" / "user_sequence.txt").exists():
        raise SystemExit("needs ../shared/datasets (gram/Beauty)")
    with_graph, without = folders(args.data)
    commands = {
        "check, no graph files": gramfix("check", str(without), "--no-config", "--format", "json"),
        "check, with the graph files": gramfix(
            "check", str(with_graph), "--no-config", "--format", "json"
        ),
    }
    load_before = os.getloadavg()
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for attempt in range(args.repeat + 1):
        for name, command in commands.items():
            measured = run_once(command)
            if attempt:  # the first round warms the page cache
                results[name].append(measured)
    load_after = os.getloadavg()
    print(f"machine: {machine()}", file=sys.stderr)
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}", file=sys.stderr)
    rows = []
    for name, runs in results.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        rows.append(
            (name, min(walls), statistics.median(walls), min(cpus), statistics.median(cpus))
        )
    base = rows[0]
    for name, wall, wall_median, cpu, cpu_median in rows:
        print(
            f"  {name:30s} best {wall:.3f} s wall ({wall / base[1]:.2f}x), median "
            f"{wall_median:.3f} s; best {cpu:.3f} s CPU ({cpu / base[3]:.2f}x), median "
            f"{cpu_median:.3f} s",
            file=sys.stderr,
        )
    if args.markdown:
        print(
            f"| command | wall, best of {args.repeat} | × | wall, median | CPU, best | × | "
            "CPU, median |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, wall, wall_median, cpu, cpu_median in rows:
            print(
                f"| {name} | {wall:.3f} s | {wall / base[1]:.2f} | {wall_median:.3f} s | "
                f"{cpu:.3f} s | {cpu / base[3]:.2f} | {cpu_median:.3f} s |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
