"""Write the inputs of the golden cases (run once; the outputs are reviewed golden files).

    python tests/cases/build.py            # rewrites every case's inputs
    GRAMFIX_UPDATE_GOLDEN=1 pytest tests/test_golden.py   # then refresh expected.*, review the diff

Each case folder holds a small dataset, ``args`` (extra command-line arguments, optional),
``expected.json`` (the report) or ``expected.stderr`` (the one-line error), and ``exit_code``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

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
    write("error-config-bad-code", {**partial_files, "gramfix.toml": 'select = ["GF9"]\n'})
    write("error-unknown-code", partial_files, ["--ignore", "GF31"])


if __name__ == "__main__":
    main()
