"""Measure gramfix against the baselines the issues set, side by side, in one run.

    python benchmarks/run.py                      # Beauty (needs ../shared) + 1M + 10M
    python benchmarks/run.py --sizes 100000000    # the 100M scale run
    python benchmarks/run.py --repeat 5 --markdown
    python benchmarks/run.py --sizes 10000000 100000000 --no-repair --markdown

Each synthetic group runs ``wc -w`` twice, under the default locale (``LANG=C.UTF-8``
here) and under ``LC_ALL=C``: GNU wc counts words differently fast in the two, so both
are shown; the issue's targets are ratios to the first row.

Every command runs as a child process (interpreter start-up included, as a user sees it);
wall time is the median of ``--repeat`` runs after one warm-up (the files are then in
the page cache for every contender alike) and peak memory is the child's maximum
resident set size. Synthetic datasets are generated once into ``--data`` by
``benchmarks/generate.py`` (deterministic: same seed, same bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "datasets"

NAIVE = """
import json, sys
mapping = json.load(open(sys.argv[1]))
hits = total = 0
for line in open(sys.argv[2]):
    for item in line.split(" ", 1)[1].split():
        total += 1
        hits += item in mapping
print(hits, total)
"""

ORJSON_ROUND_TRIP = """
import orjson, sys
data = orjson.loads(open(sys.argv[1], "rb").read())
open(sys.argv[2], "wb").write(orjson.dumps(data, option=orjson.OPT_INDENT_2))
"""

ORJSON_LOAD = """
import orjson, sys
data = orjson.loads(open(sys.argv[1], "rb").read())
print(len(data))
"""


@dataclass
class Measure:
    name: str
    command: list[str]
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # user + system: robust when other work shares the machine
    peak_mb: float = 0.0
    exit_code: int = 0


def measure(command: list[str], repeat: int) -> tuple[float, float, float, int]:
    """Median wall and CPU seconds, peak RSS in MB and exit code of ``command``."""
    times, cpus, peaks, code = [], [], [], 0
    for attempt in range(repeat + 1):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            error = process.stderr.read().decode() if process.stderr else ""
            raise SystemExit(f"{' '.join(command)} failed with {code}: {error}")
        if attempt:  # the first run warms the page cache
            times.append(elapsed)
            cpus.append(usage.ru_utime + usage.ru_stime)
            peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(times), statistics.median(cpus), max(peaks), code


def dataset(data: Path, interactions: int, keys: str) -> Path:
    folder = data / f"synthetic-{interactions}-{keys}"
    if not (folder / "item_id_to_gcn_index.json").exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                str(folder),
                "--interactions",
                str(interactions),
                "--keys",
                keys,
            ],
            check=True,
        )
    return folder


def gramfix(*args: str) -> list[str]:
    return [sys.executable, "-m", "gramfix", *args]


def scenarios(args: argparse.Namespace) -> list[tuple[str, list[Measure]]]:
    """Groups of commands measured side by side."""
    groups = []
    beauty = SHARED / "gram" / "Beauty" / "user_sequence.txt"
    real_map = SHARED / "gram-c" / "Beauty" / "item_id_to_gcn_index.json"
    if beauty.exists() and real_map.exists():
        groups.append(
            (
                "Beauty (198,502 interactions), real GRAM-C mapping",
                [
                    Measure(
                        "naive json.load + count hits",
                        [sys.executable, "-c", NAIVE, str(real_map), str(beauty)],
                    ),
                    Measure(
                        "gramfix check --format json",
                        gramfix(
                            "check",
                            "--sequences",
                            str(beauty),
                            "--mapping",
                            str(real_map),
                            "--format",
                            "json",
                        ),
                    ),
                ],
            )
        )
    for size in args.sizes:
        for keys in args.keys:
            folder = dataset(args.data, size, keys)
            sequences = folder / "user_sequence.txt"
            mapping = folder / "item_id_to_gcn_index.json"
            out = Path(tempfile.gettempdir()) / f"gramfix-bench-{os.getpid()}.json"
            group = [
                Measure("wc -w", ["wc", "-w", str(sequences)]),
                Measure("LC_ALL=C wc -w", ["env", "LC_ALL=C", "wc", "-w", str(sequences)]),
                Measure(
                    "gramfix check --format json", gramfix("check", str(folder), "--format", "json")
                ),
                Measure("orjson load mapping", [sys.executable, "-c", ORJSON_LOAD, str(mapping)]),
            ]
            if keys == "whole-line" and args.repair:
                group += [
                    Measure(
                        "orjson load + dump mapping",
                        [sys.executable, "-c", ORJSON_ROUND_TRIP, str(mapping), str(out)],
                    ),
                    Measure("gramfix repair -o", gramfix("repair", str(folder), "-o", str(out))),
                ]
            groups.append(
                (f"synthetic {size:,} interactions, {keys} keys ({_size(sequences)})", group)
            )
    return groups


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:,.0f} MB sequence file"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    python = platform.python_version()
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {python}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--keys", nargs="*", default=["asin", "whole-line"], choices=["asin", "whole-line"]
    )
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-repair", dest="repair", action="store_false")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    if shutil.which("wc") is None:
        raise SystemExit("wc is needed as the baseline")
    print(f"machine: {machine()}", file=sys.stderr)
    results = []
    for title, group in scenarios(args):
        print(f"## {title}", file=sys.stderr)
        for m in group:
            m.seconds, m.cpu_seconds, m.peak_mb, m.exit_code = measure(m.command, args.repeat)
            print(
                f"  {m.name:34s} {m.seconds:8.3f} s {m.cpu_seconds:8.3f} s cpu "
                f"{m.peak_mb:9.0f} MB  exit {m.exit_code}",
                file=sys.stderr,
            )
        results.append((title, group))
    if args.markdown:
        for title, group in results:
            base = group[0].seconds
            print(f"\n**{title}**\n")
            loads = [m for m in group if m.name == "orjson load mapping"]
            load_mb = loads[0].peak_mb if loads else 0.0
            print(
                f"| command | wall (median of {args.repeat}) | × first row | CPU user+sys "
                "| peak RSS | RSS × orjson load |"
            )
            print("|---|---:|---:|---:|---:|---:|")
            for m in group:
                ratio = m.seconds / base
                versus = f"{m.peak_mb / load_mb:.2f}" if load_mb else ""
                print(
                    f"| {m.name} | {m.seconds:.3f} s | {ratio:.2f} | {m.cpu_seconds:.3f} s "
                    f"| {m.peak_mb:,.0f} MB | {versus} |"
                )
    print(
        json.dumps([{"scenario": t, "results": [m.__dict__ for m in g]} for t, g in results]),
        file=sys.stderr if args.markdown else sys.stdout,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
