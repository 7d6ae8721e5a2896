"""The finding catalogue: stable codes, names, severities and what each means.

Codes never change meaning once released (CI configurations select and ignore them).
Each command has its own code family: **GF** for ``check`` (GF0xx inputs, GF1xx mapping
keys, GF2xx mapping values, GF3xx coverage, GF4xx recent-window fill, GF5xx sequence
file hygiene, GF6xx embedding table, GF7xx cross-file consistency, GF8xx lexical IDs,
GF9xx the LightGCN graph chain) and **GE** for ``eval`` (`eval`). The entries live in
one module per concern (`mapping`, `files`, `table`, `graph`, `eval`); here they are
assembled in code order. Codes and names are unique across both families, so a
selector means one thing everywhere.
"""

from __future__ import annotations

from gramfix.model.rules import eval, files, graph, mapping, table
from gramfix.model.rules.entry import Input, Rule, Severity

__all__ = [
    "FAMILIES",
    "RULES",
    "Input",
    "Rule",
    "Severity",
    "normalise_selector",
    "rule",
    "rules_of",
]

RULES: dict[str, Rule] = {
    entry.code: entry
    for entry in sorted(
        (*mapping.ENTRIES, *files.ENTRIES, *table.ENTRIES, *graph.ENTRIES, *eval.ENTRIES),
        key=lambda r: r.code,
    )
}

#: Each command's code prefix.
FAMILIES = {"check": "GF", "eval": "GE"}


def rule(code: str) -> Rule:
    """The catalogue entry of ``code``."""
    return RULES[code]


def rules_of(command: str) -> dict[str, Rule]:
    """The entries whose findings ``command`` reports, in code order."""
    return {code: entry for code, entry in RULES.items() if entry.command == command}


def normalise_selector(selector: str) -> str | None:
    """A ``--select`` / ``--ignore`` entry as a code prefix, or None if it matches no code.

    An entry is a code (``GF301``), a code prefix (``GF3``, ``GE``), ``ALL`` (every code
    of every command: kept as ``ALL``) or a finding name (``unresolved-items``); case does
    not matter.
    """
    text = selector.strip()
    upper = text.upper()
    if upper == "ALL":
        return "ALL"
    if upper[:2] in FAMILIES.values() and any(code.startswith(upper) for code in RULES):
        return upper
    by_name = {r.name: r.code for r in RULES.values()}
    return by_name.get(text.lower())
