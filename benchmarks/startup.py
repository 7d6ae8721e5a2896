"""Start-up: two source trees of gramfix side by side, in one run.

    git -C REPO archive <commit> | tar -x -C /tmp/before-tree
    python benchmarks/startup.py --before /tmp/before-tree --repeat 10 --markdown

Three commands, each a child process (interpreter start-up included, as a user sees it),
with ``PYTHONPATH`` naming the tree under test, from an empty working directory (Python
puts it first on ``sys.path``: run from a checkout, it would import that checkout), on
the examples of the ``--after`` tree (this checkout by default):

* ``python -m gramfix --version``
* ``python -c "import gramfix.cli"``
* ``python -m gramfix check examples/beauty-broken --no-config`` (the text report)

The runs alternate between the trees, so both see the same load; each figure is the
best (minimum) of ``--repeat`` runs after one warm-up, as wall time and as CPU time (user +
system of the child), which a busy machine disturbs less. The load average is printed
before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -m gramfix --version": ["-m", "gramfix", "--version"],
    'python -c "import gramfix.cli"': ["-c", "import gramfix.cli"],
    "python -m gramfix check examples/beauty-broken --no-config": [
        "-m",
        "gramfix",
        "check",
        str(ROOT / "examples" / "beauty-broken"),
        "--no-config",
    ],
}


def run_once(tree: Path, args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the tree to compare with")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--markdown", action="store_true")
    options = parser.parse_args()
    trees = {"before": options.before.resolve(), "after": options.after.resolve()}
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; load before: {os.getloadavg()}")  # fmt: skip
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as empty:
        for label, args in COMMANDS.items():
            for tree in trees.values():
                run_once(tree, args, Path(empty))  # warm-up: page cache, .pyc written
            for _ in range(options.repeat):
                for name, tree in trees.items():  # alternate: both see the same load
                    results.setdefault((label, name), []).append(run_once(tree, args, Path(empty)))
    print(f"# load after: {os.getloadavg()}")
    if options.markdown:
        print("| command | before wall | after wall | before CPU | after CPU |")
        print("|---|---:|---:|---:|---:|")
    for label in COMMANDS:
        best = {
            name: (min(w for w, _ in results[label, name]), min(c for _, c in results[label, name]))
            for name in trees
        }
        (bw, bc), (aw, ac) = best["before"], best["after"]
        if options.markdown:
            print(f"| `{label}` | {bw:.3f} s | {aw:.3f} s | {bc:.3f} s | {ac:.3f} s |")
        else:
            print(f"{label}: wall {bw:.3f} -> {aw:.3f} s, CPU {bc:.3f} -> {ac:.3f} s")


if __name__ == "__main__":
    main()
