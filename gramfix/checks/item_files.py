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
from gramfix.checks.hygiene import line_end_findings
from gramfix.engine.hashindex import StringIndex
from gramfix.engine.keys import is_row_value, show
from gramfix.io.itemfiles import ItemFile
from gramfix.io.sequences import LineExamples
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.rules import Severity
from gramfix.model.sections import IdComparison, ItemFileStats, Neighbours

I64 = npt.NDArray[np.int64]
_Add = Callable[[str, str, int, list[str]], None]

_NAMES = {
    "item-text": "item text",
    "indexing": "lexical ID",
    "similar-items": "similar-item list",
}


def check_item_files(data: Dataset) -> tuple[list[ItemFileStats], list[Finding]]:
    """Every item file of the dataset: hygiene, ID sets, duplicate IDs, neighbours."""
    stats: list[ItemFileStats] = []
    findings: list[Finding] = _other_mappings(data)
    for item_file in data.item_files:
        one, found = _check_file(data, item_file)
        stats.append(one)
        findings += found
    return stats, findings


def _other_mappings(data: Dataset) -> list[Finding]:
    """A second mapping file (a .pkl beside the .json) with other contents."""
    findings = []
    for other in data.other_mappings:
        assert data.mapping is not None
        mine, theirs = data.mapping.entries, other.entries
        differ = [
            k for k in mine.keys() | theirs.keys() if mine.get(k, None) != theirs.get(k, None)
        ]
        if differ:
            message = (
                f"{data.files.display(other.path)} and {data.name('mapping')} differ in "
                f"{len(differ):,} keys; the trainer reads the one its configuration "
                f"names, gramfix checked {data.name('mapping')}"
            )
            severity = None
            if data.sequences is not None:
                theirs_ok, mine_ok = _resolved(data, theirs), _resolved(data, mine)
                total = len(data.sequences.items)
                message += (
                    f"; {data.files.display(other.path)} resolves {theirs_ok:,} of {total:,} "
                    f"sequence items as written, {data.name('mapping')} {mine_ok:,}"
                )
                if theirs_ok < mine_ok:
                    severity = Severity.ERROR  # a trainer pointed at it loses the prefix
            findings.append(
                Finding.of(
                    "GF707",
                    message,
                    len(differ),
                    [show(k, 40) for k in sorted(differ)[:EXAMPLES]],
                    severity=severity,
                    file=data.files.display(other.path),
                )
            )
    return findings


def _resolved(data: Dataset, entries: dict[str, object]) -> int:
    """Sequence items that ``entries`` maps to a row as written (the trainer's lookup)."""
    assert data.sequences is not None
    keys = [k for k, v in entries.items() if is_row_value(v)]
    codes = data.sequences.items.lookup(keys)
    return len(np.unique(codes[codes >= 0]))


def _check_file(data: Dataset, f: ItemFile) -> tuple[ItemFileStats, list[Finding]]:
    file = data.files.display(f.path) or f.path.as_posix()
    findings = _hygiene(f, file)

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


def _hygiene(f: ItemFile, file: str) -> list[Finding]:
    """The line-level problems of one item file (the codes of the sequence file's)."""
    hy = f.hygiene
    findings: list[Finding] = []

    def add(code: str, examples: LineExamples, message: str) -> None:
        if examples.count:
            shown = [
                f"line {n}: {show(label, 40)}" if label else f"line {n}"
                for n, label in zip(
                    examples.lines,
                    examples.labels + [""] * (len(examples.lines) - len(examples.labels)),
                    strict=True,
                )
            ]
            findings.append(
                Finding.of(code, message, examples.count, shown, file=file, line=examples.lines[0])
            )

    add(
        "GF503",
        hy.empty_lines,
        f"{hy.empty_lines.count:,} empty lines; the trainer crashes on them",
    )
    add(
        "GF504",
        hy.no_space_lines,
        f"{hy.no_space_lines.count:,} lines have no space (an ID without the rest); the "
        "trainer crashes on them",
    )
    findings += line_end_findings(
        hy.crlf_lines, hy.cr_lines, hy.bom, file, cr_stays="in the ID or the text", first_id="ID"
    )
    add(
        "GF509",
        hy.header_lines,
        "line 1 is a header of column names; the trainer reads it as an item",
    )
    add(
        "GF511",
        hy.odd_id_lines,
        f"{hy.odd_id_lines.count:,} IDs contain tabs, control characters or unusual "
        "whitespace before the first space; they match no item",
    )
    return findings
