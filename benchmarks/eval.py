"""The evaluation audit on a million users, side by side with reading the file with ``csv``.

    python benchmarks/eval.py                   # 1,000,000 users x 10 predictions
    python benchmarks/eval.py --users 200000 --repeat 5 --markdown

Generates once, into ``--data``, a prediction file written the way GRAM writes one, from
Beauty's real indexing file (``../shared/datasets/gram/Beauty``; the bundled
``examples/beauty-broken`` one when that is absent): one row per user, the gold and ten
predictions drawn from the real decoded lexical IDs, a third of the golds among the
predictions (some in another case: near misses), a few strings that name no item, float32
beam scores in ``str`` form, GRAM's row values and ``tensor(...)`` totals. Deterministic.

Then measures, as child processes, interleaved round by round so that every contender
meets the same load: ``csv.reader`` over the file and nothing else (the issue's bar);
the audit (`gramfix.evaluation.audit`) with 1 worker thread; with 2; the whole command
(``gramfix eval FILE --indexing ... --format json``: start-up, the audit, the report);
with ``--naive``, a minimal pure-Python audit (csv, split, float, sort, dict lookups).
Each figure is the best of ``--repeat`` runs after one warm-up run (the file is then in
the page cache for every contender alike): wall seconds, CPU seconds (user + system) and
peak RSS.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import SHARED, machine  # noqa: E402

CSV_ONLY = """
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    print(sum(1 for _ in csv.reader(handle, delimiter="\\t")))
"""

# For scale: the least a pure-Python audit does per row (strict and item hits only).
NAIVE_AUDIT = """
import csv, sys
forms = {}
for line in open(sys.argv[2], encoding="utf-8"):
    item, lexical = line.rstrip("\\n").split(" ", 1)
    joined = lexical.replace("|", "")
    forms[joined.removeprefix("\\u2581").replace("\\u2581", " ")] = item
rows = strict = identity = 0
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    reader = csv.reader(handle, delimiter="\\t")
    next(reader)
    for row in reader:
        if len(row) != 8:
            continue
        predictions = row[6].split("||")
        scores = [float(s) for s in row[7].split("||")]
        ranked = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:10]
        gold, item = row[5], forms.get(row[5])
        rows += 1
        strict += any(predictions[j] == gold for j in ranked)
        identity += item is not None and any(forms.get(predictions[j]) == item for j in ranked)
print(rows, strict / rows, identity / rows)
"""

AUDIT = """
import sys
from gramfix.evaluation import audit
result = audit(sys.argv[1], sys.argv[2], threads=int(sys.argv[3]))
print(result.counts.rows, result.metrics.strict, result.metrics.item)
"""


CLI = ["--format", "json", "--no-config"]


def indexing_file() -> Path:
    for folder in (SHARED / "gram" / "Beauty", ROOT / "examples" / "beauty-broken"):
        found = sorted(folder.glob("item_generative_indexing_*.txt"))
        if found:
            return found[0]
    raise SystemExit("no Beauty indexing file")


def generate(path: Path, indexing: Path, users: int, seed: int = 1) -> None:
    """Write the prediction file (skipped when it exists)."""
    if path.exists():
        return
    import numpy as np

    rng = random.Random(seed)
    lexical = [
        line.split(" ", 1)[1]
        for line in indexing.read_text(encoding="utf-8").splitlines()
        if " " in line
    ]
    decoded = [
        "".join(lid.split("|")).removeprefix("\u2581").replace("\u2581", " ") for lid in lexical
    ]
    pool = sorted({str(np.float32(-rng.random() * 6)) for _ in range(8192)}, key=float)[::-1]
    log = [math.log(j + 2, 2) for j in range(10)]
    tmp = path.with_suffix(".partial")
    hits = [0.0] * 4
    with tmp.open("w", encoding="utf-8") as out:
        out.write("idx\tH@5\tH@10\tNDCG@5\tNDCG@10\tgold\tpred\tscores\n")
        lines = []
        for user in range(users):
            gold = rng.randrange(len(decoded))
            picks = rng.sample(range(len(decoded)), 10)
            predictions = [decoded[i] for i in picks]
            rank = -1
            roll = rng.random()
            if roll < 0.33:
                rank = rng.randrange(10)
                predictions[rank] = decoded[gold]
            elif roll < 0.36:
                predictions[rng.randrange(10)] = decoded[gold].upper()  # a near miss
            if rng.random() < 0.01:
                predictions[rng.randrange(10)] = "zzq not an item"
            scores = [pool[i] for i in sorted(rng.sample(range(len(pool)), 10))]
            values = [0.0, 0.0, 0.0, 0.0]
            if rank >= 0:
                values = [
                    float(rank < 5),
                    1.0,
                    1 / log[rank] if rank < 5 else 0.0,
                    1 / log[rank],
                ]
            hits = [a + b for a, b in zip(hits, values, strict=True)]
            row = [f"A{user:013d}", *(str(np.float64(v)) for v in values), decoded[gold]]
            lines.append("\t".join([*row, "||".join(predictions), "||".join(scores)]) + "\n")
            if len(lines) == 65536:
                out.writelines(lines)
                lines = []
        out.writelines(lines)
        for name, total in zip(("hit@5", "hit@10", "ndcg@5", "ndcg@10"), hits, strict=True):
            out.write(
                f"{name}: tensor({total / users:.4f}, device='cuda:0', dtype=torch.float64)\n"
            )
    tmp.rename(path)


@dataclass
class Contender:
    name: str
    command: list[str]
    codes: tuple[int, ...] = (0,)  # exit codes of a run that worked
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)


def run_once(contender: Contender, record: bool) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    process = subprocess.Popen(
        contender.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in contender.codes:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{contender.name} failed: {error}")
    if record:
        contender.walls.append(elapsed)
        contender.cpus.append(usage.ru_utime + usage.ru_stime)
        contender.peaks.append(usage.ru_maxrss / 1024)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument(
        "--naive", action="store_true", help="also time a minimal pure-Python audit, for scale"
    )
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    indexing = indexing_file()
    if args.generate:
        generate(args.generate, indexing, args.users)
        return 0
    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / f"predictions-{args.users}.tsv"
    if not path.exists():
        # In a child: a child's peak RSS counts the parent it was forked from, so the
        # parent stays small (no numpy, no data).
        command = [sys.executable, __file__, "--users", str(args.users), "--generate", str(path)]
        subprocess.run(command, check=True)
    size = path.stat().st_size
    python = sys.executable
    contenders = [
        Contender("csv.reader only (the bar)", [python, "-c", CSV_ONLY, str(path)]),
        Contender("audit, 1 thread", [python, "-c", AUDIT, str(path), str(indexing), "1"]),
        Contender("audit, 2 threads", [python, "-c", AUDIT, str(path), str(indexing), "2"]),
        Contender(
            "gramfix eval --format json",
            [python, "-m", "gramfix", "eval", str(path), "--indexing", str(indexing), *CLI],
            (0, 1),  # the file has near misses and non-items: findings, exit 1
        ),
    ]
    if args.naive:
        naive = [python, "-c", NAIVE_AUDIT, str(path), str(indexing)]
        contenders.append(Contender("naive pure-Python audit", naive))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for round_ in range(args.repeat + 1):
        for contender in contenders:
            run_once(contender, record=round_ > 0)  # round 0 warms the page cache

    bar = min(contenders[0].walls)
    print(f"{args.users:,} users x 10 predictions, {size / 2**20:,.0f} MiB; {machine()}")
    print(
        f"best of {args.repeat} after a warm-up, interleaved; load at the start: {load}; at "
        f"the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    rows = [
        (
            c.name,
            f"{min(c.walls):.2f}",
            f"{c.cpus[c.walls.index(min(c.walls))]:.2f}",
            f"{max(c.peaks):.0f}",
            f"{min(c.walls) / bar:.2f}",
        )
        for c in contenders
    ]
    header = ("contender", "wall s", "CPU s", "peak RSS MiB", "wall / csv")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in (header, *rows):
            print(f"{row[0]:28s} {row[1]:>8s} {row[2]:>8s} {row[3]:>13s} {row[4]:>11s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
