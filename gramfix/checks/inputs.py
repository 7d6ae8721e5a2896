"""The inputs: what was read (the sequence file's figures) and what is absent.

GF001 and GF002 say that the mapping or the sequences are absent, GF612 that no
embedding table was found beside a mapping. They never fail on their own except GF002
when a mapping is checked: its coverage and fill are unknown, and a gate must not pass
what it could not judge (thresholds make GF001 / GF002 errors: `gramfix.model.policy`).
"""

from __future__ import annotations

from gramfix.checks.context import Dataset
from gramfix.checks.registry import CheckResult, CheckSpec
from gramfix.io.discover import EMBEDDINGS
from gramfix.model.report import Finding
from gramfix.model.rules import Severity
from gramfix.model.sections import SequenceStats


def check_inputs(data: Dataset) -> CheckResult:
    """The absent inputs, and the figures of the sequence file."""
    result = CheckResult()
    s = data.sequences
    if s is None:
        result.findings.append(_sequences_absent(data))
    else:
        result.sections["sequences"] = SequenceStats(
            file=data.name("sequences"),
            lines=s.hygiene.lines,
            users=len(s.lengths),
            interactions=s.interactions,
            items=len(s.items),
        )
    if data.mapping is None:
        result.findings.append(
            Finding.of("GF001", "no item_id_to_gcn_index.json: GRAM-C checks skipped", 0)
        )
    elif data.files.table_searched:
        result.findings.append(
            Finding.of(
                "GF612",
                f"no {' or '.join(EMBEDDINGS)} in {data.files.table_search()}: the embedding "
                "table was not checked (pass it with --embeddings FILE)",
                0,
            )
        )
    return result


def _sequences_absent(data: Dataset) -> Finding:
    """GF002: an error when a mapping is checked (its coverage and fill are unknown, and a
    gate must not pass what it could not judge); info for a folder without a mapping,
    where nothing the sequences would judge for GRAM-C is checked (the item files alone
    are still judged in full)."""
    if data.mapping is None:
        return Finding.of(
            "GF002",
            "no user_sequence.txt: key formats, coverage and fill skipped",
            0,
            severity=Severity.INFO,
        )
    return Finding.of(
        "GF002",
        "no user_sequence.txt: the mapping's coverage and recent-window fill are unknown "
        "(pass --sequences FILE, or --ignore GF002 to accept a mapping checked alone)",
        0,
    )


CHECK = CheckSpec("inputs", ("GF001", "GF002", "GF612"), frozenset(), check_inputs)
