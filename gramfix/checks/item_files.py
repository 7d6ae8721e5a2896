"""Cross-file consistency: each item file's IDs against the sequences and the mapping.

Files are joined by ID only, never by line position. The trainer looks items up in these
files by ID (the plain text and the lexical ID of every history item and target, the
similar-item list of every item, the lexical ID of every neighbour), so an ID the file
lacks is a KeyError, and an ID only the file has is dead weight or another dataset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.checks.registry import CheckResult, CheckSpec, codes
from gramfix.engine.hashindex import StringIndex
from gramfix.engine.keys import show
from gramfix.io.itemfiles import ItemFile
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.rules import Input
from gramfix.model.sections import IdComparison, ItemFileStats, Neighbours

I64 = npt.NDArray[np.int64]
_Add = Callable[[str, str, int, list[str]], None]

_NAMES = {
    "item-text": "item text",
    "indexing": "lexical ID",
    "similar-items": "similar-item list",
}


def check_item_files(data: Dataset) -> CheckResult:
    """Every item file of the dataset: ID sets, duplicate IDs, neighbours."""
    stats: list[ItemFileStats] = []
    findings: list[Finding] = []
    for item_file in data.item_files:
        one, found = _check_file(data, item_file)
        stats.append(one)
        findings += found
    return CheckResult(findings, {"item_files": stats})


def _check_file(data: Dataset, f: ItemFile) -> tuple[ItemFileStats, list[Finding]]:
    file = data.files.display(f.path) or f.path.as_posix()
    findings: list[Finding] = []

    def add(code: str, message: str, count: int, examples: list[str]) -> None:
        findings.append(Finding.of(code, message, count, examples, file=file))

    what = _NAMES[f.kind]
    distinct = len(set(f.ids))
    if distinct < len(f.ids):
        repeated = [(i, n) for i, n in Counter(f.ids).items() if n > 1]
        add(
            "GF705",
            f"{len(repeated):,} IDs occur on several lines; the trainer keeps the last line "
            "of each",
            len(repeated),
            [f"{show(i, 40)} x{n}" for i, n in repeated[:EXAMPLES]],
        )
    vs_sequences = vs_mapping = None
    if data.sequences is not None:
        universe = data.sequences.items
        frequency = np.bincount(data.sequences.codes, minlength=len(universe)).astype(np.int64)
        vs_sequences = _compare(f.ids, universe, frequency)
        if vs_sequences.missing:
            add(
                "GF701",
                f"{vs_sequences.missing:,} of {len(universe):,} sequence items have no line "
                f"here; the trainer raises KeyError looking up their {what}",
                vs_sequences.missing,
                vs_sequences.missing_examples,
            )
        if vs_sequences.extra:
            add(
                "GF702",
                f"{vs_sequences.extra:,} of {distinct:,} IDs here occur in no user sequence",
                vs_sequences.extra,
                vs_sequences.extra_examples,
            )
    if data.mapping is not None:
        vs_mapping = _compare(f.ids, data.mapping_ids, None)
        if vs_mapping.missing:
            add(
                "GF703",
                f"{vs_mapping.missing:,} of {len(data.mapping_ids):,} item IDs of the mapping "
                "have no line here",
                vs_mapping.missing,
                vs_mapping.missing_examples,
            )
        if vs_mapping.extra:
            add(
                "GF704",
                f"{vs_mapping.extra:,} of {distinct:,} IDs here have no key in the mapping "
                "(their collaborative slot is padding)",
                vs_mapping.extra,
                vs_mapping.extra_examples,
            )
    neighbours = _neighbours(data, f, add) if f.kind == "similar-items" else None
    return (
        ItemFileStats(
            file=file,
            kind=f.kind,
            lines=f.hygiene.lines,
            ids=len(f.ids),
            distinct_ids=distinct,
            skipped_header_lines=f.hygiene.skipped_headers,
            vs_sequences=vs_sequences,
            vs_mapping=vs_mapping,
            neighbours=neighbours,
        ),
        findings,
    )


def _compare(ids: list[str], other: StringIndex, frequency: I64 | None) -> IdComparison:
    """IDs of ``other`` missing from ``ids`` (most frequent first when counts are given)
    and distinct ``ids`` missing from ``other`` (in file order)."""
    codes = other.lookup(ids)
    present = np.zeros(len(other), np.bool_)
    present[codes[codes >= 0]] = True
    missing = np.flatnonzero(~present)
    if frequency is not None:
        missing = missing[np.lexsort((missing, -frequency[missing]))]
    extra = list(dict.fromkeys(ids[i] for i in np.flatnonzero(codes < 0).tolist()))
    names = other.names
    return IdComparison(
        missing=len(missing),
        missing_examples=[show(names[i], 40) for i in missing[:EXAMPLES].tolist()],
        extra=len(extra),
        extra_examples=[show(i, 40) for i in extra[:EXAMPLES]],
    )


def _neighbours(data: Dataset, f: ItemFile, add: _Add) -> Neighbours:
    """Neighbours must have a lexical ID (the trainer verbalises them through it): known
    means in the indexing file, else in the sequences, else an anchor of this file."""
    indexing = [g for g in data.item_files if g.kind == "indexing"]
    if indexing:
        known = StringIndex.from_names(list(dict.fromkeys(indexing[0].ids)))
        against = f"the lexical IDs of {data.files.display(indexing[0].path)}"
    elif data.sequences is not None:
        known, against = data.sequences.items, "the items of the sequences"
    else:
        known, against = StringIndex.from_names(list(dict.fromkeys(f.ids))), "the anchors"
    unknown = np.flatnonzero(known.lookup(f.neighbours) < 0)
    counts = f.neighbour_counts
    if len(unknown):
        add(
            "GF706",
            f"{len(unknown):,} distinct neighbours ({int(counts[unknown].sum()):,} "
            f"occurrences) are not among {against}; the trainer raises KeyError when it "
            "verbalises them",
            len(unknown),
            [show(f.neighbours[i], 40) for i in unknown[:EXAMPLES].tolist()],
        )
    fewest, most = f.neighbours_per_line or (0, 0)
    return Neighbours(
        fewest_per_line=fewest,
        most_per_line=most,
        distinct=len(f.neighbours),
        occurrences=int(counts.sum()),
        unknown=len(unknown),
        unknown_occurrences=int(counts[unknown].sum()),
    )


CHECK = CheckSpec(
    "item-files", codes(("GF701", "GF706")), frozenset({Input.ITEM_FILES}), check_item_files
)
