"""Mapping keys: their format families, colliding fixes and keys repeated in the text."""

from __future__ import annotations

import numpy as np

from gramfix.checks.context import Dataset
from gramfix.engine.keys import FIXES, Family, show
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.rules import Severity
from gramfix.model.sections import KeyExample, KeyFamily
from gramfix.model.wording import count

_CODES = {
    Family.WHOLE_LINE: "GF101",
    Family.DECORATED: "GF102",
    Family.LOST_ZEROS: "GF103",
    Family.CASE_CHANGED: "GF104",
    Family.INTERNAL_ID: "GF105",
    Family.UNRECOGNISED: "GF106",
}
_WHAT = {
    Family.WHOLE_LINE: "are whole metadata lines, not item IDs",
    Family.DECORATED: "carry invisible or quoting characters at their ends",
    Family.LOST_ZEROS: "are all-digit IDs that lost their leading zeros",
    Family.CASE_CHANGED: "match item IDs only when case is ignored",
    Family.INTERNAL_ID: "are internal integer IDs with no overlap with the item IDs",
    Family.UNRECOGNISED: "match no item of the sequences",
}


def check_key_formats(data: Dataset) -> tuple[list[KeyFamily], int, list[Finding]]:
    """Families of the keys, with examples and fixes; the number of colliding keys."""
    assert data.sequences is not None
    ka = data.key_analysis
    names = data.sequences.items.names
    fixable = ka.fixable()
    file = data.name("mapping")
    families: list[KeyFamily] = []
    findings: list[Finding] = []
    n_keys = len(ka.keys)
    for family in Family:
        members = ka.members(family)
        if len(members) == 0:
            continue
        examples = [
            KeyExample(
                key=show(ka.keys[i], 120), fixed=names[t] if (t := ka.target[i]) >= 0 else None
            )
            for i in members[:EXAMPLES].tolist()
        ]
        fix = FIXES[family]
        safe = None if family is Family.EXACT else bool(fix) and bool(fixable[members].all())
        families.append(
            KeyFamily(
                family=family.label, count=len(members), examples=examples, fix=fix, safe=safe
            )
        )
        if family is Family.EXACT:
            continue
        message = f"{len(members):,} of {n_keys:,} keys {_WHAT[family]}"
        if fix:
            verdict = "safe" if safe else "NOT safe"
            if not safe and ka.conflict[members].any():
                verdict += ": see GF107"
            elif not safe and ka.ambiguous[members].any():
                verdict += ": stripping quotes as well leads to another item ID"
            message += f"; fix: {fix} ({verdict})"
        if family is Family.CASE_CHANGED and not ka.fold_injective:
            message += "; case folding is not one-to-one over the item IDs, so it is not repaired"
        severity = None
        if fix and not (~data.resolved_as_written[ka.target[members]]).any():
            severity = Severity.WARNING  # every item these keys reach already resolves
        findings.append(
            Finding.of(
                _CODES[family],
                message,
                len(members),
                [_example(e) for e in examples],
                severity=severity,
                file=file,
            )
        )
    conflicts = int(ka.conflict.sum())
    if conflicts:
        findings.append(_conflict_finding(data, file))
    return families, conflicts, findings


def _example(example: KeyExample) -> str:
    return f"{example.key} -> {example.fixed}" if example.fixed else example.key


def _conflict_finding(data: Dataset, file: str) -> Finding:
    assert data.sequences is not None
    ka = data.key_analysis
    names = data.sequences.items.names
    colliding = np.flatnonzero(ka.conflict)
    items = np.unique(ka.target[colliding])
    examples = []
    for item in items[:EXAMPLES].tolist():
        group = colliding[ka.target[colliding] == item].tolist()
        shown = ", ".join(f"{show(ka.keys[i], 40)}={data.values[i]!r}" for i in group[:3])
        examples.append(f"{names[item]}: {shown}")
    return Finding.of(
        "GF107",
        f"{count(len(colliding), 'key lands', 'keys land')} on "
        f"{count(len(items), 'item ID that other keys map', 'item IDs that other keys map')} to "
        "different rows; gramfix will not choose between them",
        len(colliding),
        examples,
        file=file,
    )


def check_key_shapes(data: Dataset) -> list[Finding]:
    """Without the sequences: keys that can never equal an item ID whatever the IDs are.

    The trainer splits each sequence line on whitespace, so no item ID contains any:
    a key with whitespace inside (a whole line) or at its ends cannot resolve.
    """
    file = data.name("mapping")
    inner, edges = [], []
    for key in data.keys:
        core = key.strip()
        if len(core.split(None, 1)) > 1:
            inner.append(key)
        elif core != key:
            edges.append(key)
    n = len(data.keys)
    findings = []
    why = "no item ID can contain whitespace (user_sequence.txt is split on it)"
    if inner:
        findings.append(
            Finding.of(
                "GF101",
                f"{len(inner):,} of {n:,} keys contain whitespace, like whole metadata lines: "
                f"{why}; fix: keep the ID before the first whitespace (give the sequences "
                "to prove it safe)",
                len(inner),
                [show(k, 80) for k in inner[:EXAMPLES]],
                file=file,
            )
        )
    if edges:
        findings.append(
            Finding.of(
                "GF102",
                f"{len(edges):,} of {n:,} keys have whitespace at their ends: {why}; fix: "
                "strip it (give the sequences to prove it safe)",
                len(edges),
                [show(k, 80) for k in edges[:EXAMPLES]],
                file=file,
            )
        )
    return findings


def check_duplicate_keys(data: Dataset) -> list[Finding]:
    """Keys that occur more than once in the JSON text (json.load keeps the last)."""
    assert data.mapping is not None
    file = data.name("mapping")
    duplicates = data.mapping.duplicates
    findings = []
    same = [d for d in duplicates if not d.conflicting]
    conflicting = [d for d in duplicates if d.conflicting]
    if same:
        findings.append(
            Finding.of(
                "GF108",
                f"{count(len(same), 'key occurs', 'keys occur')} more than once in the JSON "
                "text with the same value",
                len(same),
                [f"{show(d.key, 60)} x{len(d.values)}" for d in same],
                file=file,
            )
        )
    if conflicting:
        findings.append(
            Finding.of(
                "GF109",
                f"{count(len(conflicting), 'key occurs', 'keys occur')} more than once with "
                "different values; "
                "json.load keeps the last one silently",
                len(conflicting),
                [f"{show(d.key, 60)}: {', '.join(map(repr, d.values[:4]))}" for d in conflicting],
                file=file,
            )
        )
    return findings
