"""The mapping itself: its values, its keys, and the other mapping files beside it.

The values must be int rows >= 1, one per item (`gramfix.checks.values`); the keys must
be item IDs as the sequences spell them (`gramfix.checks.key_formats`: their format
families and fixes with the sequences, the keys no item ID can equal without them, keys
repeated in the text); a second mapping file (a .pkl beside the .json) must not say
otherwise (GF707). The mapping section of the report gathers the figures of all three.
"""

from __future__ import annotations

import numpy as np

from gramfix.checks.context import Dataset
from gramfix.checks.key_formats import check_duplicate_keys, check_key_formats, check_key_shapes
from gramfix.checks.registry import CheckResult, CheckSpec, codes
from gramfix.checks.values import check_values
from gramfix.engine.keys import is_row_value, show
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.rules import Input, Severity
from gramfix.model.sections import KeyFamily, MappingStats


def check_mapping(data: Dataset) -> CheckResult:
    """Values, keys and other mapping files, and the mapping section."""
    assert data.mapping is not None
    values, findings = check_values(data)
    findings += check_duplicate_keys(data)
    families: list[KeyFamily] = []
    conflicts = 0
    if data.sequences is None:
        findings += check_key_shapes(data)
    else:
        families, conflicts, found = check_key_formats(data)
        findings += found
    findings += _other_mappings(data)
    duplicates = data.mapping.duplicates
    section = MappingStats(
        file=data.name("mapping"),
        format="pickle" if data.mapping.pickled else "json",
        keys=len(data.mapping.entries),
        members=data.mapping.members,
        duplicate_keys=len(duplicates),
        conflicting_duplicate_keys=sum(d.conflicting for d in duplicates),
        values=values,
        families=families,
        conflicts=conflicts,
    )
    return CheckResult(findings, {"mapping": section})


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


CHECK = CheckSpec(
    "mapping",
    codes(("GF101", "GF109"), ("GF201", "GF206"), ("GF707", "GF707")),
    frozenset({Input.MAPPING}),
    check_mapping,
)
