"""The engine choice, measured: turning a sequence file into item codes.

    pip install pandas pyarrow polars        # only for this comparison
    python benchmarks/engines.py /work/bench/s10m/user_sequence.txt

Each contender does the core of ``check``'s read: every item token of every line to a
dense item code (users apart). Timed in this process, after one warm-up read of the file
into the page cache; the numbers go to docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path


def gramfix_reader(path: Path) -> int:
    from gramfix.io.sequences import read_sequences

    return len(read_sequences(path).codes)


def python_dict(path: Path) -> int:
    codes: dict[str, int] = {}
    n = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            for item in line.split(" ", 1)[1].split():
                codes.setdefault(item, len(codes))
                n += 1
    return n


def pandas_factorize(path: Path) -> int:
    import pandas as pd

    lines = pd.read_csv(path, header=None, names=["line"], sep="\x01", engine="pyarrow")
    items = lines["line"].str.split(" ", n=1).str[1].str.split().explode()
    codes, _ = pd.factorize(items, use_na_sentinel=True)
    return len(codes)


def pyarrow_dictionary(path: Path) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    table = pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(column_names=["line"], block_size=1 << 24),
        parse_options=pcsv.ParseOptions(delimiter="\x01", quote_char=False),
        convert_options=pcsv.ConvertOptions(column_types={"line": pa.string()}),
    )
    rest = pc.list_element(pc.split_pattern(table.column("line"), " ", max_splits=1), 1)
    items = pc.list_flatten(pc.utf8_split_whitespace(rest))
    return len(pc.dictionary_encode(items).combine_chunks().indices)


def polars_lazy(path: Path) -> int:
    import polars as pl

    frame = pl.scan_csv(
        path, has_header=False, separator="\x01", new_columns=["line"], quote_char=None
    )
    items = (
        frame.select(
            pl.col("line").str.splitn(" ", 2).struct.field("field_1").str.split(" ").alias("item")
        )
        .explode("item")
        .filter(pl.col("item") != "")
        .select(pl.col("item").cast(pl.Categorical).to_physical())
    )
    return items.collect().height


ENGINES: dict[str, Callable[[Path], int]] = {
    "gramfix (numpy, exact hash index, 2 threads)": gramfix_reader,
    "pure Python dict": python_dict,
    "pandas (pyarrow CSV) + factorize": pandas_factorize,
    "pyarrow split + dictionary_encode": pyarrow_dictionary,
    "polars lazy + categorical": polars_lazy,
}


def main() -> int:
    path = Path(sys.argv[1])
    path.read_bytes()  # page cache
    for name, engine in ENGINES.items():
        try:
            start = time.perf_counter()
            n = engine(path)
            elapsed = time.perf_counter() - start
        except ImportError as error:
            print(f"| {name} | not installed ({error.name}) | |")
            continue
        print(f"| {name} | {elapsed:.2f} s | {n:,} tokens |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
