"""Beauty with every file present: the cost of the whole-dataset checks, side by side.

    python benchmarks/dataset_checks.py [--repeat 5] [--markdown]

Builds (once, in ``--data``) a Beauty folder with every file GRAM-C reads: the GRAM files
of ../shared/datasets/gram/Beauty, the real GRAM-C mapping, and the real GRAM-C table both
as ``.pt`` and converted to ``.npy``. Then measures, as child processes like
``benchmarks/run.py`` does: the naive script of the ``check`` issue, ``check`` on the
sequences and the mapping only, ``check`` on the whole folder with the ``.npy`` table,
the same with the ``.pt`` table, and ``import torch`` alone (the part of the ``.pt`` run
that is torch's own start-up).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import NAIVE, SHARED, Measure, gramfix, machine, measure  # noqa: E402


def folder(data: Path, table: str) -> Path:
    """Beauty with every file, the table as ``.npy`` or ``.pt``."""
    target = data / f"beauty-every-file-{table}"
    if target.exists():
        return target
    target.mkdir(parents=True)
    for source in (SHARED / "gram" / "Beauty").iterdir():
        shutil.copyfile(source, target / source.name)
    gram_c = SHARED / "gram-c" / "Beauty"
    shutil.copyfile(gram_c / "item_id_to_gcn_index.json", target / "item_id_to_gcn_index.json")
    if table == "pt":
        shutil.copyfile(gram_c / "gcn_item_embeddings.pt", target / "gcn_item_embeddings.pt")
    else:  # in a child: torch imported here would inflate every measured child's peak RSS
        convert = (
            "import sys, numpy, torch; "
            "numpy.save(sys.argv[2], torch.load(sys.argv[1], weights_only=True).numpy())"
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                convert,
                str(gram_c / "gcn_item_embeddings.pt"),
                str(target / "gcn_item_embeddings.npy"),
            ],
            check=True,
        )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    if not (SHARED / "gram-c" / "Beauty" / "gcn_item_embeddings.pt").exists():
        raise SystemExit("needs ../shared/datasets (gram/Beauty and gram-c/Beauty)")
    npy, pt = folder(args.data, "npy"), folder(args.data, "pt")
    sequences, mapping = npy / "user_sequence.txt", npy / "item_id_to_gcn_index.json"
    group = [
        Measure(
            "naive json.load + count hits",
            [sys.executable, "-c", NAIVE, str(mapping), str(sequences)],
        ),
        Measure(
            "check: sequences + mapping only",
            gramfix(
                "check",
                "--sequences",
                str(sequences),
                "--mapping",
                str(mapping),
                "--format",
                "json",
            ),
        ),
        Measure("check: every file, .npy table", gramfix("check", str(npy), "--format", "json")),
        Measure("check: every file, .pt table", gramfix("check", str(pt), "--format", "json")),
        Measure("python -c 'import torch'", [sys.executable, "-c", "import torch"]),
    ]
    print(f"machine: {machine()}", file=sys.stderr)
    cpu: dict[str, float] = {}
    for m in group:
        m.seconds, cpu[m.name], m.peak_mb, m.exit_code = measure(m.command, args.repeat)
        print(
            f"  {m.name:34s} {m.seconds:7.3f} s wall {cpu[m.name]:7.3f} s cpu "
            f"{m.peak_mb:6.0f} MB  exit {m.exit_code}",
            file=sys.stderr,
        )
    if args.markdown:
        wall0, cpu0 = group[0].seconds, cpu[group[0].name]
        print(f"| command | wall (median of {args.repeat}) | × naive | CPU | × naive | peak RSS |")
        print("|---|---:|---:|---:|---:|---:|")
        for m in group:
            print(
                f"| {m.name} | {m.seconds:.3f} s | {m.seconds / wall0:.1f} | "
                f"{cpu[m.name]:.3f} s | {cpu[m.name] / cpu0:.1f} | {m.peak_mb:,.0f} MB |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
