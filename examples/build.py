"""Rebuild the bundled examples from the real GRAM / GRAM-C Beauty data.

    python examples/build.py ../shared/datasets

beauty-clean/   the first 300 users of GRAM's Beauty user_sequence.txt, the matching
                rows of its indexing file, and the real GRAM-C mapping restricted to
                those items (key order kept, values renumbered 1..N). The similar-item
                file is left out: its neighbours reach far outside a 300-user slice.
beauty-broken/  the same folder with the original GRAM-C bug: every mapping key is the
                whole item_plain_text.txt line ("ID title: ...; brand: ..."), values and
                order unchanged.
beauty-graph-leak/
                a LightGCN chain (tests/graph_build.py: the converter's rules, a
                trained-like table exported and installed, dimension 16) on the users
                among the first 700 of Beauty whose validation target the converter
                indexes (302 users: a slice keeps no item that is only a validation
                target), with every train.txt line holding its user's whole history:
                the validation and test targets leak into the graph (GF901).

item_plain_text.txt is not in ../shared (too large to copy), so its lines are rebuilt in
the real format from each item's lexical ID: "ID title: <words>; brand: ...; ...".
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

USERS = 300
GRAPH_USERS = 700
HERE = Path(__file__).resolve().parent


def main(shared: Path) -> None:
    beauty = shared / "gram" / "Beauty"
    lines = (beauty / "user_sequence.txt").read_text(encoding="utf-8").splitlines()[:USERS]
    items: dict[str, None] = {}
    for line in lines:
        for item in line.split(" ", 1)[1].split():
            items.setdefault(item)
    indexing = next(beauty.glob("item_generative_indexing_*.txt"))
    lexical = {}
    for line in indexing.read_text(encoding="utf-8").splitlines():
        item, lex = line.split(" ", 1)
        lexical[item] = lex
    real = json.loads((shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json").read_text())
    order = [key for key in real if key in items]
    text = {item: _plain_text(item, lexical[item]) for item in order}

    for name, key_of in (("beauty-clean", lambda i: i), ("beauty-broken", lambda i: text[i])):
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        (folder / "user_sequence.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / indexing.name).write_text(
            "".join(f"{i} {lexical[i]}\n" for i in order), encoding="utf-8"
        )
        (folder / "item_plain_text.txt").write_text(
            "".join(text[i] + "\n" for i in order), encoding="utf-8"
        )
        mapping = {key_of(item): row for row, item in enumerate(order, start=1)}
        with (folder / "item_id_to_gcn_index.json").open("w", encoding="utf-8") as out:
            json.dump(mapping, out, indent=2, ensure_ascii=False)
    graph_leak(shared)


def graph_leak(shared: Path) -> None:
    """examples/beauty-graph-leak: a leaking LightGCN chain on a slice of Beauty."""
    sys.path.insert(0, str(HERE.parent))
    from tests.graph_build import build_chain

    lines = (shared / "gram" / "Beauty" / "user_sequence.txt").read_text().splitlines()
    kept = lines[:GRAPH_USERS]
    while True:  # drop users whose validation target the slice leaves without an index
        indexed = set()
        for line in kept:
            items = line.split()[1:]
            indexed.update(items[:-2] + items[-1:])
        closed = [line for line in kept if line.split()[-2] in indexed]
        if len(closed) == len(kept):
            break
        kept = closed
    folder = HERE / "beauty-graph-leak"
    if folder.exists():
        shutil.rmtree(folder)
    build_chain(folder, "\n".join(kept) + "\n", "leak-both", dim=16)


def _plain_text(item: str, lexical_id: str) -> str:
    words = " ".join(t.lstrip("▁") for t in lexical_id.split("|") if t.strip("▁ "))
    return f"{item} title: {words}; brand: na; categories: beauty; description: na; price: 0.0"


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared" / "datasets")
