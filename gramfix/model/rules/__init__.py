"""The finding catalogue: stable codes, names, severities and what each means.

Codes never change meaning once released (CI configurations select and ignore them).
Numbering by concern: GF0xx inputs, GF1xx mapping keys, GF2xx mapping values, GF3xx
coverage, GF4xx recent-window fill, GF5xx sequence file hygiene, GF6xx embedding table,
GF7xx cross-file consistency, GF8xx lexical IDs, GF9xx the LightGCN graph chain. The
entries live in one module per concern (`mapping`, `files`, `table`, `graph`); here they
are assembled in code order.
"""

from __future__ import annotations

from gramfix.model.rules import files, graph, mapping, table
from gramfix.model.rules.entry import Input, Rule, Severity

__all__ = ["RULES", "Input", "Rule", "Severity", "normalise_selector", "rule"]

RULES: dict[str, Rule] = {
    entry.code: entry
    for entry in sorted(
        (*mapping.ENTRIES, *files.ENTRIES, *table.ENTRIES, *graph.ENTRIES), key=lambda r: r.code
    )
}


def rule(code: str) -> Rule:
    """The catalogue entry of ``code``."""
    return RULES[code]


def normalise_selector(selector: str) -> str | None:
    """A ``--select`` / ``--ignore`` entry as a code prefix, or None if it matches no code.

    An entry is a code (``GF301``), a code prefix (``GF3``, ``GF``), ``ALL`` or a
    finding name (``unresolved-items``); case does not matter.
    """
    text = selector.strip()
    upper = text.upper()
    if upper == "ALL":
        return "GF"
    if any(code.startswith(upper) for code in RULES) and upper.startswith("GF"):
        return upper
    by_name = {r.name: r.code for r in RULES.values()}
    return by_name.get(text.lower())
