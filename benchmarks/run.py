"""Measure every row of issue 15's table side by side, in one run, with its baselines.

    python benchmarks/run.py --data /work/bench/data --repeat 3 --markdown
    python benchmarks/run.py --sizes 10000000 --rows beauty pt --repeat 5

Rows (each a group of commands measured together; targets from the issue):

* ``beauty``: ``check`` of Beauty's sequences + GRAM-C mapping against the naive one-off
  script (``json.load`` + count hits), target <= 1.5x; with the start-up floors beside
  it (a bare interpreter, ``import numpy``, ``import pydantic``, ``gramfix --version``);
* ``pt``: ``check`` of Beauty with every file, GRAM-C's ``.pt`` table against the same
  check with the table as ``.npy``, target <= 1.2x (the ``.pt`` read without torch);
* ``check``: ``check`` of the synthetic ASIN datasets against ``wc -w``, targets <= 2.5x
  (10M) and <= 3x (100M), peak RSS <= 1 GB / 4 GB; polars' scan of the sequences (every
  item token to a code: the peer), the compiled scan alone, and the check on the pure
  engine (``GRAMFIX_PURE=1``) beside it;
* ``repair``: ``repair -o`` of the synthetic whole-line datasets against orjson's load +
  dump of the mapping, target <= 3x.

Every command is a child process, interpreter start-up included, run once to warm the
page cache and then ``--repeat`` times, the contenders of a group taking turns so that
a change of load hits them alike. Wall is the best (least disturbed) and the median run;
CPU is user + system of the child (best); peak is its maximum resident set size. The load
average is recorded before and after each group. Synthetic data come from
benchmarks/generate.py (made in ``--data`` when absent; deterministic).
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
from dataclasses import dataclass, field
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

#: The peer: polars codes every item token of the file (users cut off at the first
#: space, items split on spaces), lazily, on all cores.
POLARS_SCAN = """
import sys
import polars as pl
frame = pl.scan_csv(
    sys.argv[1], has_header=False, separator="\\x01", new_columns=["line"], quote_char=None
)
items = (
    frame.select(
        pl.col("line").str.splitn(" ", 2).struct.field("field_1").str.split(" ").alias("item")
    )
    .explode("item")
    .filter(pl.col("item") != "")
    .select(pl.col("item").cast(pl.Categorical).to_physical())
)
print(items.collect().height)
"""

#: The compiled scan alone: every token of the file to a code, users, hygiene.
COMPILED_SCAN = """
import os, sys
import gramfix._native as native
assert native.AVAILABLE, native.ENGINE
from gramfix._native.scan import Scanner
fd = os.open(sys.argv[1], os.O_RDONLY)
scanner = Scanner(None, os.path.getsize(sys.argv[1]))
scanner.scan_file(fd)
result = scanner.finish()
print(len(result.codes), len(result.names))
"""


@dataclass
class Measure:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    exit_code: int = 0

    @property
    def wall(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return min(self.cpus)


@dataclass
class Row:
    """One row of the issue's table: a group measured together, and its target."""

    title: str
    measures: list[Measure]
    subject: str = ""  # the measure judged
    baseline: str = ""  # the measure it is judged against
    target: float = 0.0  # the ratio subject / baseline it must not exceed
    peak_limit_mb: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)

    def get(self, name: str) -> Measure:
        return next(m for m in self.measures if m.name == name)


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if "PYTHONPATH" in env else "")
    return {**env, **extra}


def run_once(m: Measure) -> tuple[float, float, float, int]:
    start = time.perf_counter()
    process = subprocess.Popen(
        m.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env(m.env)
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(m.command)} failed with {code}: {error}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def measure(row: Row, repeat: int) -> None:
    """Warm every command once, then run them in turns ``repeat`` times."""
    row.load = (os.getloadavg()[0], 0.0)
    for m in row.measures:
        run_once(m)
    for _ in range(repeat):
        for m in row.measures:
            wall, cpu, peak, m.exit_code = run_once(m)
            m.walls.append(wall)
            m.cpus.append(cpu)
            m.peak_mb = max(m.peak_mb, peak)
    row.load = (row.load[0], os.getloadavg()[0])


def gramfix(*args: str) -> list[str]:
    return [sys.executable, "-m", "gramfix", *args]


def dataset(data: Path, interactions: int, keys: str) -> Path:
    folder = data / f"synthetic-{interactions}-{keys}"
    if not (folder / "item_id_to_gcn_index.json").exists():
        generate = [sys.executable, str(HERE / "generate.py"), str(folder)]
        subprocess.run([*generate, "--interactions", str(interactions), "--keys", keys], check=True)
    return folder


def beauty_folder(data: Path, table: str | None) -> Path:
    """Beauty's GRAM files and GRAM-C's mapping (and table, as ``.pt`` or ``.npy``)."""
    if table is not None:
        from dataset_checks import folder

        return folder(data, table)
    target = data / "beauty-sequences-mapping"  # these two only: what the naive script reads
    target.mkdir(parents=True, exist_ok=True)
    for source in (
        SHARED / "gram" / "Beauty" / "user_sequence.txt",
        SHARED / "gram-c" / "Beauty" / "item_id_to_gcn_index.json",
    ):
        if not (target / source.name).exists():
            shutil.copyfile(source, target / source.name)
    return target


def rows(args: argparse.Namespace) -> list[Row]:
    out: list[Row] = []
    py = sys.executable
    if "beauty" in args.rows:
        folder = beauty_folder(args.data, None)
        mapping, sequences = folder / "item_id_to_gcn_index.json", folder / "user_sequence.txt"
        out.append(
            Row(
                "Beauty (198,502 interactions), sequences + GRAM-C mapping",
                [
                    Measure(
                        "naive json.load + count hits",
                        [py, "-c", NAIVE, str(mapping), str(sequences)],
                    ),
                    Measure(
                        "gramfix check --format json",
                        gramfix("check", str(folder), "--format", "json"),
                    ),
                    Measure("python -c pass", [py, "-c", "pass"]),
                    Measure("python -c 'import numpy'", [py, "-c", "import numpy"]),
                    Measure(
                        "python -c 'import pydantic' (a model)",
                        [py, "-c", "import pydantic\nclass M(pydantic.BaseModel):\n    x: int"],
                    ),
                    Measure("gramfix --version", gramfix("--version")),
                ],
                subject="gramfix check --format json",
                baseline="naive json.load + count hits",
                target=1.5,
            )
        )
    if "pt" in args.rows:
        npy, pt = beauty_folder(args.data, "npy"), beauty_folder(args.data, "pt")
        out.append(
            Row(
                "Beauty with every file: GRAM-C's .pt table against the same table as .npy",
                [
                    Measure("check, .npy table", gramfix("check", str(npy), "--format", "json")),
                    Measure(
                        "check, .pt table (no torch)", gramfix("check", str(pt), "--format", "json")
                    ),
                ],
                subject="check, .pt table (no torch)",
                baseline="check, .npy table",
                target=1.2,
            )
        )
    for size in args.sizes:
        if "check" in args.rows:
            folder = dataset(args.data, size, "asin")
            sequences = str(folder / "user_sequence.txt")
            group = [
                Measure("wc -w", ["wc", "-w", sequences]),
                Measure(
                    "gramfix check --format json", gramfix("check", str(folder), "--format", "json")
                ),
                Measure("LC_ALL=C wc -w", ["wc", "-w", sequences], {"LC_ALL": "C"}),
                Measure("compiled scan alone", [py, "-c", COMPILED_SCAN, sequences]),
                Measure("polars scan (peer)", [py, "-c", POLARS_SCAN, sequences]),
                Measure(
                    "orjson load of the mapping",
                    [py, "-c", ORJSON_LOAD, str(folder / "item_id_to_gcn_index.json")],
                ),
            ]
            if args.pure:
                group.append(
                    Measure(
                        "gramfix check, pure engine",
                        gramfix("check", str(folder), "--format", "json"),
                        {"GRAMFIX_PURE": "1"},
                    )
                )
            out.append(
                Row(
                    f"{size:,} interactions, ASIN keys ({_size(folder)})",
                    group,
                    subject="gramfix check --format json",
                    baseline="wc -w",
                    target=2.5 if size <= 10_000_000 else 3.0,
                    peak_limit_mb=1000 if size <= 10_000_000 else 4000,
                )
            )
        if "repair" in args.rows:
            folder = dataset(args.data, size, "whole-line")
            mapping = str(folder / "item_id_to_gcn_index.json")
            scratch = Path(tempfile.gettempdir()) / f"gramfix-bench-{os.getpid()}"
            scratch.mkdir(exist_ok=True)
            # repair -o refuses an existing file: each run writes a new one (removed after)
            repaired = scratch / "repaired.json"
            out.append(
                Row(
                    f"{size:,} interactions, whole-line keys ({_size(folder)})",
                    [
                        Measure(
                            "orjson load + dump of the mapping",
                            [
                                py,
                                "-c",
                                ORJSON_ROUND_TRIP,
                                mapping,
                                str(scratch / "round-trip.json"),
                            ],
                        ),
                        Measure(
                            "gramfix repair -o",
                            [
                                "sh",
                                "-c",
                                f'rm -f "{repaired}"; exec "$0" "$@"',
                                *gramfix("repair", str(folder), "-o", str(repaired)),
                            ],
                        ),
                        Measure(
                            "gramfix check --format json (exit 1: the bug)",
                            gramfix("check", str(folder), "--format", "json"),
                        ),
                    ],
                    subject="gramfix repair -o",
                    baseline="orjson load + dump of the mapping",
                    target=3.0,
                )
            )
    return out


def _size(folder: Path) -> str:
    return f"{(folder / 'user_sequence.txt').stat().st_size / 1e6:,.0f} MB sequence file"


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
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def markdown(row: Row, repeat: int) -> str:
    lines = [
        f"**{row.title}** (load average {row.load[0]:.2f} before, {row.load[1]:.2f} after)",
        "",
        f"| command | wall, best of {repeat} | median | × {row.baseline or 'first'} "
        "| CPU | × CPU | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = row.get(row.baseline) if row.baseline else row.measures[0]
    for m in row.measures:
        lines.append(
            f"| {m.name} | {m.wall:.3f} s | {m.median:.3f} s | {m.wall / base.wall:.2f} "
            f"| {m.cpu:.3f} s | {m.cpu / base.cpu:.2f} | {m.peak_mb:,.0f} MB |"
        )
    if row.subject:
        subject = row.get(row.subject)
        ratio, cpu_ratio = subject.wall / base.wall, subject.cpu / base.cpu
        verdict = "met" if ratio <= row.target else "**not met**"
        lines += [
            "",
            f"Target ≤ {row.target}×: {ratio:.2f}× wall ({cpu_ratio:.2f}× CPU): {verdict}.",
        ]
        if row.peak_limit_mb:
            ok = "met" if subject.peak_mb <= row.peak_limit_mb else "**not met**"
            lines[-1] += f" Peak {subject.peak_mb:,.0f} MB ≤ {row.peak_limit_mb:,.0f} MB: {ok}."
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000_000, 100_000_000])
    parser.add_argument(
        "--rows",
        nargs="*",
        default=["beauty", "pt", "check", "repair"],
        choices=["beauty", "pt", "check", "repair"],
    )
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-pure", dest="pure", action="store_false", help="skip GRAMFIX_PURE=1 runs"
    )
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args(argv)
    if shutil.which("wc") is None:
        raise SystemExit("wc is needed as the baseline")
    # Children import gramfix from this tree: compile it once, as an installed package is.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "gramfix")], check=True)
    engine = subprocess.run(
        gramfix("--version"), capture_output=True, text=True, env=child_env({}), check=True
    )
    print(f"machine: {machine()}\n{engine.stdout.strip()}", file=sys.stderr)
    results = []
    for row in rows(args):
        print(f"## {row.title}", file=sys.stderr)
        measure(row, args.repeat)
        for m in row.measures:
            print(
                f"  {m.name:45s} {m.wall:8.3f} s (median {m.median:.3f}) {m.cpu:8.3f} s cpu "
                f"{m.peak_mb:9,.0f} MB  exit {m.exit_code}",
                file=sys.stderr,
            )
        results.append(row)
        if args.markdown:
            print(markdown(row, args.repeat) + "\n", flush=True)
    record = [
        {
            "row": r.title,
            "load": r.load,
            "results": [
                {"name": m.name, "walls": m.walls, "cpus": m.cpus, "peak_mb": m.peak_mb}
                for m in r.measures
            ],
        }
        for r in results
    ]
    print(json.dumps(record), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
