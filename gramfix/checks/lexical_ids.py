"""Lexical IDs: items of the indexing file that share one, under three comparisons.

GRAM decodes a generated lexical ID and compares it with the target's as text, so two
items with the same lexical ID can never be told apart. Comparisons, each looser than the
last: exact (the text after the ID, as the trainer keeps it); with the ``|`` segment and
``▁`` word markers removed; and that, stripped and lower-cased (some evaluators).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Literal

from gramfix.checks.context import Dataset
from gramfix.checks.registry import CheckResult, CheckSpec
from gramfix.engine.keys import show
from gramfix.io.itemfiles import ItemFile
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.rules import Input
from gramfix.model.sections import LexicalCollisions, LexicalIdStats

Comparison = Literal["exact", "without-markers", "normalised"]
_COMPARISONS: list[tuple[Comparison, str, Callable[[str], str]]] = [
    ("exact", "GF801", lambda v: v),
    ("without-markers", "GF802", lambda v: v.replace("|", "").replace("▁", "")),
    ("normalised", "GF803", lambda v: v.replace("|", "").replace("▁", "").strip().lower()),
]
_WHAT = {
    "exact": "share a lexical ID exactly",
    "without-markers": "share a lexical ID once the | and ▁ markers are removed",
    "normalised": "share a lexical ID once the markers are removed and it is stripped and "
    "lower-cased",
}


def check_lexical_ids(data: Dataset) -> CheckResult:
    """Collisions in every indexing file of the dataset."""
    stats: list[LexicalIdStats] = []
    findings: list[Finding] = []
    for item_file in data.item_files:
        if item_file.kind == "indexing":
            one, found = _check(data, item_file)
            stats.append(one)
            findings += found
    return CheckResult(findings, {"lexical_ids": stats})


def _check(data: Dataset, f: ItemFile) -> tuple[LexicalIdStats, list[Finding]]:
    file = data.files.display(f.path) or f.path.as_posix()
    assert f.values is not None
    lexical = dict(zip(f.ids, f.values, strict=True))  # the trainer's dict: last line wins
    items, values = list(lexical), list(lexical.values())
    levels: list[LexicalCollisions] = []
    findings: list[Finding] = []
    stricter = 0
    for comparison, code, normalise in _COMPARISONS:
        compared = [normalise(v) for v in values]
        groups = _groups(compared) if len(set(compared)) < len(compared) else {}
        pairs = sum(len(g) * (len(g) - 1) // 2 for g in groups.values())
        examples = [
            f"{show(text, 40)!r}: {', '.join(show(items[i], 24) for i in g[:3])}"
            + (f" (+{len(g) - 3})" if len(g) > 3 else "")
            for text, g in list(groups.items())[:EXAMPLES]
        ]
        levels.append(
            LexicalCollisions(
                comparison=comparison,
                groups=len(groups),
                items=sum(len(g) for g in groups.values()),
                pairs=pairs,
                examples=examples,
            )
        )
        new = pairs - stricter
        if new > 0:
            also = f" ({new:,} more than the stricter comparison)" if stricter else ""
            findings.append(
                Finding.of(
                    code,
                    f"{pairs:,} item pairs {_WHAT[comparison]}{also}; the evaluation cannot tell "
                    "them apart",
                    new,
                    examples,
                    file=file,
                )
            )
        stricter = pairs
    return LexicalIdStats(file=file, items=len(items), collisions=levels), findings


def _groups(compared: list[str]) -> dict[str, list[int]]:
    """Texts shared by several items, with the positions of those items (file order)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for position, text in enumerate(compared):
        groups[text].append(position)
    return {text: g for text, g in groups.items() if len(g) > 1}


CHECK = CheckSpec(
    "lexical-ids", ("GF801", "GF802", "GF803"), frozenset({Input.INDEXING}), check_lexical_ids
)
