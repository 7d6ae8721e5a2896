"""Sequence file hygiene: lines the trainer crashes on, overwrites or reads differently."""

from __future__ import annotations

from gramfix.checks.context import Dataset
from gramfix.io.sequences import LineExamples
from gramfix.model.report import Finding


def _lines(examples: LineExamples) -> list[str]:
    if examples.labels:
        return [
            f"line {n}: {label}" for n, label in zip(examples.lines, examples.labels, strict=False)
        ]
    return [f"line {n}" for n in examples.lines]


def line_end_findings(
    crlf: int, cr: int, bom: bool, file: str, *, cr_stays: str, first_id: str
) -> list[Finding]:
    """GF505 and GF506 of a text file: CR line endings and a byte order mark."""
    findings = []
    if crlf or cr:
        kinds = [f"{crlf:,} in CRLF"] if crlf else []
        if cr:
            kinds.append(f"{cr:,} in a lone CR")
        findings.append(
            Finding.of(
                "GF505",
                f"lines end {' and '.join(kinds)}; the trainer's universal newlines hide "
                f"them, other tools keep the CR {cr_stays}",
                crlf + cr,
                file=file,
            )
        )
    if bom:
        findings.append(
            Finding.of(
                "GF506",
                f"the file starts with a UTF-8 BOM: the first {first_id} gets an invisible U+FEFF",
                1,
                file=file,
                line=1,
            )
        )
    return findings


def check_hygiene(data: Dataset) -> list[Finding]:
    """Findings about the lines of the sequence file."""
    assert data.sequences is not None
    hy = data.sequences.hygiene
    file = data.name("sequences")
    findings = []

    def add(code: str, examples: LineExamples, message: str) -> None:
        if examples.count:
            first = examples.lines[0] if examples.lines else None
            findings.append(
                Finding.of(code, message, examples.count, _lines(examples), file=file, line=first)
            )

    add(
        "GF501",
        hy.overridden_lines,
        f"{hy.overridden_lines.count:,} lines repeat a user of a later line; the trainer "
        "keeps only the last line of each user and drops these histories",
    )
    add(
        "GF502",
        hy.short_users,
        f"{hy.short_users.count:,} users have fewer than 3 items; validation and test "
        "need s[-2] and s[-1] with a history before them",
    )
    add(
        "GF503",
        hy.empty_lines,
        f"{hy.empty_lines.count:,} empty lines; the trainer crashes on them",
    )
    add(
        "GF504",
        hy.no_space_lines,
        f"{hy.no_space_lines.count:,} lines have no space (a user without items); "
        "the trainer crashes on them",
    )
    findings += line_end_findings(
        hy.crlf_lines,
        hy.cr_lines,
        hy.bom,
        file,
        cr_stays="in the last item ID or see one long line",
        first_id="user ID",
    )
    add(
        "GF507",
        hy.tab_lines,
        f"{hy.tab_lines.count:,} lines contain tabs; items split on them, the user does not",
    )
    add(
        "GF508",
        hy.odd_space_lines,
        f"{hy.odd_space_lines.count:,} lines contain unusual whitespace (NBSP, vertical tab ...) "
        "that str.split() treats as a separator",
    )
    return findings
