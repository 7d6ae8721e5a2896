"""Write the inputs of the golden cases (run once; the outputs are reviewed golden files).

    python tests/cases/build.py            # rewrites every case's inputs
    GRAMFIX_UPDATE_GOLDEN=1 pytest tests/test_golden.py   # then refresh expected.*, review the diff

Each case folder holds a small dataset, ``args`` (extra command-line arguments, optional),
``expected.json`` (the report) or ``expected.stderr`` (the one-line error), and ``exit_code``.
"""

from __future__ import annotations

import io
import json
import pickle
import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE.parent.parent) not in sys.path:  # run as a script: tests.graph_build
    sys.path.insert(0, str(HERE.parent.parent))

SEQUENCES = """\
A1 B00000000A B00000000B 0786959916 B00000000C B00000000D
A2 B00000000B B00000000E B00000000A 0440421709 B00000000F B00000000C
A3 B00000000G B00000000A B00000000H B00000000B B00000000C
A4 0786959916 B00000000D B00000000E B00000000F B00000000G B00000000H B00000000A
A5 B00000000C B00000000B B00000000A B00000000D 0440421709
A6 B00000000H B00000000G B00000000F B00000000E
"""
CATALOGUE = [
    "B00000000A",
    "B00000000B",
    "0786959916",
    "B00000000C",
    "B00000000D",
    "B00000000E",
    "0440421709",
    "B00000000F",
    "B00000000G",
    "B00000000H",
]
TITLES = {
    item: f"{item} title: product {i}; brand: acme; price: 1.0" for i, item in enumerate(CATALOGUE)
}


def write(name: str, files: dict[str, str | bytes], args: list[str] | None = None) -> None:
    folder = HERE / name
    folder.mkdir(exist_ok=True)
    for file_name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / file_name).write_bytes(data)
    if args:
        (folder / "args").write_text("\n".join(args) + "\n", encoding="utf-8")


def mapping(key: Callable[[str], str] = lambda item: item, **overrides: object) -> str:
    entries: dict[str, object] = {key(item): row for row, item in enumerate(CATALOGUE, start=1)}
    entries.update(overrides)
    return json.dumps(entries, indent=2, ensure_ascii=False)


def dataset(mapping_text: str, sequences: str = SEQUENCES) -> dict[str, str | bytes]:
    return {"user_sequence.txt": sequences, "item_id_to_gcn_index.json": mapping_text}


DECORATIONS = {
    "B00000000A": "\ufeffB00000000A",
    "B00000000B": "B00000000B\r",
    "B00000000C": "B00000000C\n",
    "B00000000D": "  B00000000D ",
    "B00000000E": '"B00000000E"',
    "B00000000F": "B00000000F\u00a0",
}


def npy(array: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def clustered(seed: int = 7) -> tuple[str, dict[str, int], list[str], Any]:
    """A dataset with collaborative structure: 60 items in 6 clusters, 300 users who each
    buy 8 items of one cluster in random order; and a table where an item's row is its
    cluster's centre plus a little noise (what a trained table looks like).

    Returns the sequence text, the mapping (rows in order of first appearance), the item
    IDs in mapping order, and the table (row 0 zero).
    """
    rng = random.Random(seed)
    items = [f"B{rng.randrange(16**9):09X}" for _ in range(60)]
    clusters = [items[i::6] for i in range(6)]
    lines = []
    for user in range(300):
        cluster = clusters[rng.randrange(6)]
        lines.append(f"U{user:04d} " + " ".join(rng.sample(cluster, 8)))
    order = list(dict.fromkeys(i for line in lines for i in line.split()[1:]))
    mapping = {item: row for row, item in enumerate(order, start=1)}
    g = np.random.default_rng(seed)
    centres = g.standard_normal((6, 64))
    table = np.zeros((len(order) + 1, 64), np.float32)
    for item, row in mapping.items():
        table[row] = centres[items.index(item) % 6] + 0.4 * g.standard_normal(64)
    return "\n".join(lines) + "\n", mapping, order, table


def embedding_cases() -> None:
    sequences, rows, order, table = clustered()
    base = {"user_sequence.txt": sequences, "item_id_to_gcn_index.json": json.dumps(rows, indent=2)}

    def case(name: str, array: Any, args: list[str] | None = None, file: str = "") -> None:
        name_of_table = file or "gcn_item_embeddings.npy"
        write(name, {**base, name_of_table: npy(array)}, args)

    g = np.random.default_rng(11)
    case("embeddings-trained", table)
    noise = g.standard_normal(table.shape).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    noise[0] = 0
    case("embeddings-placeholder", noise, ["--embeddings", "placeholder.npy"], "placeholder.npy")
    case("embeddings-zero-based", table[1:])  # written without the padding row
    by_id = np.zeros_like(table)
    for position, item in enumerate(sorted(order), start=1):
        by_id[position] = table[rows[item]]
    case("embeddings-sorted-order", by_id)
    shuffled = table.copy()
    shuffled[1:] = table[1:][g.permutation(len(table) - 1)]
    case("embeddings-shuffled", shuffled)
    bad = np.concatenate([table, g.standard_normal((3, 64)).astype(np.float32)])
    bad[5, 3] = np.nan
    bad[7] = 0
    bad[9] = bad[2]
    case("embeddings-bad-rows", bad)
    case("embeddings-integer", np.rint(table * 10).astype(np.int32))
    few = g.standard_normal((11, 8)).astype(np.float32)
    few[0] = 0
    write("embeddings-few-pairs", {**dataset(mapping()), "gcn_item_embeddings.npy": npy(few)})
    write(
        "error-embeddings-object",
        {**base, "gcn_item_embeddings.npy": npy(np.array([{"row": 1}], dtype=object))},
    )


ITEM_TEXT = "".join(f"{TITLES[item]}\n" for item in CATALOGUE)
LEXICAL = {item: f"|▁tok{i}|▁w{i % 3}|x{i}" for i, item in enumerate(CATALOGUE)}
INDEXING = "".join(f"{item} {LEXICAL[item]}\n" for item in CATALOGUE)
SIMILAR = "anchor top1 top2 top3\n" + "".join(
    f"{item} {' '.join(CATALOGUE[(i + k) % 10] for k in (1, 2, 3))}\n"
    for i, item in enumerate(CATALOGUE)
)
INDEXING_NAME = "item_generative_indexing_hierarchy_v1_c4_l3_len8_split.txt"


def item_file_cases() -> None:
    clean = dataset(mapping())
    write(
        "item-files-clean",
        {
            **clean,
            "item_plain_text.txt": ITEM_TEXT,
            INDEXING_NAME: INDEXING,
            "similar_item_sasrec.txt": SIMILAR,
        },
    )
    text = ["item_id title\n"] + [f"{TITLES[item]}\n" for item in CATALOGUE[1:]]
    text += ["B00000000Z title: not sold\n", f"{TITLES['B00000000C']}\n", "\n"]
    text[3] = text[3].replace(" ", "\t", 1)
    lexical = dict(LEXICAL)
    lexical["B00000000B"] = lexical["B00000000C"]  # exactly equal
    lexical["B00000000D"] = "|▁tok|▁w1|x4"  # equal to E without markers
    lexical["B00000000E"] = "|tok▁|w1▁|x4"
    lexical["B00000000F"] = "|▁TOK7|▁W1|X7 "  # equal to 0440421709 stripped and lower-cased
    lexical["0440421709"] = "|▁tok7|▁w1|x7"
    indexing = "".join(f"{item} {lexical[item]}\n" for item in CATALOGUE[:-1]) + "B00000000H\n"
    similar = SIMILAR.replace("\nB00000000D B00000000E", "\nB00000000D B0000UNKNOWN")
    similar += "B00000000A B00000000C B00000000D B00000000E\n"  # A again: the last wins
    write(
        "item-files-broken",
        {
            **clean,
            "item_plain_text.txt": "\ufeff" + "".join(text).replace("\n", "\r\n"),
            INDEXING_NAME: indexing,
            "similar_item_sasrec.txt": similar,
        },
    )
    write("indexing-only", {INDEXING_NAME: INDEXING})


def hygiene_cases() -> None:
    rng = random.Random(3)
    lines = []
    for user in range(40):
        lines.append(f"A{user:03d} " + " ".join(sorted(rng.sample(CATALOGUE, 5))))
    write("sorted-histories", {"user_sequence.txt": "\n".join(lines) + "\n"})
    write("sequence-header", {"user_sequence.txt": "user_id item_ids\n" + SEQUENCES})


def pickle_cases() -> None:
    values = {item: np.int64(row) for row, item in enumerate(CATALOGUE, start=1)}
    write(
        "mapping-numpy-pickle",
        {"user_sequence.txt": SEQUENCES, "item_id_to_gcn_index.pkl": pickle.dumps(values)},
    )
    code = b"\x80\x02}X\x01\x00\x00\x00Acbuiltins\neval\nX\x03\x00\x00\x001+1\x85Rs."
    write(
        "error-pickle-code",
        {"user_sequence.txt": SEQUENCES, "item_id_to_gcn_index.pkl": code},
    )
    # A pickle beside the JSON is read too (the trainer may be configured to load it).
    write("error-pickle-code-beside-json", {**dataset(mapping()), "item_id_to_gcn_index.pkl": code})
    other = {item: row for row, item in enumerate(reversed(CATALOGUE), start=1)}
    write("two-mappings", {**dataset(mapping()), "item_id_to_gcn_index.pkl": pickle.dumps(other)})


def graph_cases() -> None:
    """The LightGCN chain (tests/graph_build.py) on a small clustered dataset: correct,
    and broken in each way of graph-data.md."""
    from tests.graph_build import (
        MORE_VARIANTS,
        VARIANTS,
        build_chain,
        clustered_sequences,
        with_validation_only,
    )

    text = clustered_sequences()

    def fresh(name: str) -> Path:
        folder = HERE / name
        if folder.exists():
            shutil.rmtree(folder)
        return folder

    for variant in [*VARIANTS, *MORE_VARIANTS]:
        build_chain(fresh(f"graph-{variant}"), text, variant, dim=16)
    build_chain(fresh("graph-validation-only"), with_validation_only(text), dim=16)
    short = text + "A0SHORT00001 " + text.split()[1] + " " + text.split()[2] + "\n"
    build_chain(fresh("graph-short-users"), short, dim=16)
    # The graph files elsewhere, named by flags.
    folder = fresh("graph-flags")
    build_chain(folder, text, dim=16)
    (folder / "lightgcn_data").rename(folder / "graph-files")
    (folder / "user_id_to_index.json").rename(folder / "users.json")
    (folder / "args").write_text("--graph-dir\ngraph-files\n--user-index\nusers.json\n")


def main() -> None:
    write("clean", dataset(mapping()))
    write("whole-line", dataset(mapping(TITLES.__getitem__)))
    write("decorated", dataset(mapping(lambda i: DECORATIONS.get(i, i))))
    write("lost-leading-zeros", dataset(mapping(lambda i: i.lstrip("0"))))
    write("case-changed", dataset(mapping(str.lower)))
    write("internal-id", dataset(mapping(lambda i: str(CATALOGUE.index(i)))))
    write("foreign", dataset(mapping(lambda i: "B0F" + i[3:] if i[0] == "B" else "9" + i[1:])))
    mixed = {
        "B00000000A": TITLES["B00000000A"],
        "B00000000B": "B00000000B\r",
        "0786959916": "786959916",
    }
    write("mixed", dataset(mapping(lambda i: mixed.get(i, i))))
    write(
        "conflicting-fixes",
        dataset(mapping(**{TITLES["B00000000A"]: 11, "B00000000B ": 2})),
    )
    # No key of B00000000A is exact and its two keys disagree: GF302 names the choice.
    write(
        "conflicting-fixes-only",
        dataset(mapping(lambda i: TITLES[i] if i == "B00000000A" else i, **{"B00000000A\r": 11})),
    )
    base = mapping()
    write(
        "duplicate-keys",
        dataset(
            base.replace(
                '"B00000000A": 1,', '"B00000000A": 1,\n  "B00000000A": 1,\n  "B00000000C": 9,'
            )
        ),
    )
    write(
        "zero-based",
        dataset(json.dumps({item: row for row, item in enumerate(CATALOGUE)}, indent=2)),
    )
    write(
        "non-integer-values",
        dataset(mapping(B00000000A="1", B00000000B=2.0, B00000000C=True, B00000000D=None)),
    )
    partial = {item: row for row, item in enumerate(CATALOGUE[:-2], start=1)}
    write("partial-coverage", dataset(json.dumps(partial, indent=2)))
    hygiene = SEQUENCES + "A1 B00000000A B00000000B B00000000C\nA7 B00000000A\n\nA8\n"
    write("sequence-hygiene", dataset(mapping(), hygiene))
    write("no-mapping", {"user_sequence.txt": SEQUENCES})
    # The exit policy: thresholds, selection, fail-on, configuration files.
    partial_files = dataset(json.dumps(partial, indent=2))
    write("threshold-tolerated", partial_files, ["--max-missing", "2"])
    write("threshold-failed", partial_files, ["--min-coverage", "0.9", "--min-fill", "0.7"])
    write("select-ignore", partial_files, ["--select", "GF3", "--ignore", "GF302"])
    write("fail-on-warning", dataset(mapping(B00000000H=20)), ["--fail-on", "warning"])
    write(
        "config-gramfix-toml",
        {**partial_files, "gramfix.toml": 'max-missing = 2\nignore = ["GF4"]\n'},
    )
    write(
        "config-pyproject",
        {
            **partial_files,
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.gramfix]\nmin-coverage = 0.9\n',
        },
    )
    write(
        "config-cli-wins",
        {**partial_files, "gramfix.toml": "min-coverage = 0.8\nexit-zero = true\n"},
        ["--min-coverage", "0.9", "--no-exit-zero"],
    )
    # Unreadable inputs: exit 2 with one line on stderr.
    write("error-truncated-json", dataset(base[: len(base) // 2]))
    write("error-top-level-array", dataset(json.dumps(list(CATALOGUE))))
    write("error-mapping-bom", dataset("\ufeff" + base))
    write(
        "error-sequences-not-utf8", dataset(base, SEQUENCES.encode() + b"A9 B00000000A \xff\xfe\n")
    )
    write("error-sequences-empty", dataset(base, ""))
    write("error-not-a-dataset", {"notes.txt": "not a GRAM dataset\n"})
    write("error-missing-mapping", {"user_sequence.txt": SEQUENCES}, ["--mapping", "absent.json"])
    write("error-config-unknown-key", {**partial_files, "gramfix.toml": "max-mising = 2\n"})
    write(
        "error-config-bad-value",
        {**partial_files, "pyproject.toml": '[tool.gramfix]\nfail-on = "fatal"\n'},
    )
    write("error-config-bad-code", {**partial_files, "gramfix.toml": 'select = ["GF99"]\n'})
    write("error-unknown-code", partial_files, ["--ignore", "GF31"])
    # Whole-dataset checks: the embedding table, the item files, more hygiene, pickles.
    embedding_cases()
    item_file_cases()
    hygiene_cases()
    pickle_cases()
    graph_cases()


if __name__ == "__main__":
    main()
