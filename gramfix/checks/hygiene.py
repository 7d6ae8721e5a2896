"""Line hygiene of the text files: lines the trainer crashes on, overwrites or reads differently.

The sequence file first (users on several lines, short users, empty lines, lines without
a space, CR line endings, a BOM, tabs, unusual whitespace, a header line), then each item
file (the same line problems, a header read as an item, odd characters in IDs).
"""

from __future__ import annotations

from gramfix.checks.context import Dataset
from gramfix.checks.registry import CheckResult, CheckSpec, codes
from gramfix.engine.keys import show
from gramfix.io.blocks import LineExamples
from gramfix.io.itemfiles import ItemFile, is_header_word
from gramfix.model.report import Finding
from gramfix.model.wording import count


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


def _sequence_lines(data: Dataset) -> list[Finding]:
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
        f"{count(hy.overridden_lines.count, 'line repeats', 'lines repeat')} "
        "a user of a later line; the trainer "
        "keeps only the last line of each user and drops these histories",
    )
    add(
        "GF502",
        hy.short_users,
        f"{count(hy.short_users.count, 'user has', 'users have')} "
        "fewer than 3 items; validation and test "
        "need s[-2] and s[-1] with a history before them",
    )
    add(
        "GF503",
        hy.empty_lines,
        f"{count(hy.empty_lines.count, 'empty line', 'empty lines')}; the trainer crashes on them",
    )
    add(
        "GF504",
        hy.no_space_lines,
        f"{count(hy.no_space_lines.count, 'line has', 'lines have')} "
        "no space (a user without items); "
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
        f"{count(hy.tab_lines.count, 'line contains', 'lines contain')} "
        "tabs; items split on them, the user does not",
    )
    add(
        "GF508",
        hy.odd_space_lines,
        f"{count(hy.odd_space_lines.count, 'line contains', 'lines contain')} "
        "unusual whitespace (NBSP, vertical tab ...) "
        "that str.split() treats as a separator",
    )
    if data.sequences_first_id is not None and is_header_word(data.sequences_first_id):
        findings.append(
            Finding.of(
                "GF509",
                f"line 1 starts with '{data.sequences_first_id}', a column name: the trainer reads "
                "the header as a user whose items are the other column names",
                1,
                [f"line 1: {data.sequences_first_id}"],
                file=file,
                line=1,
            )
        )
    return findings


def _item_file_lines(f: ItemFile, file: str) -> list[Finding]:
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
        f"{count(hy.empty_lines.count, 'empty line', 'empty lines')}; the trainer crashes on them",
    )
    add(
        "GF504",
        hy.no_space_lines,
        f"{count(hy.no_space_lines.count, 'line has', 'lines have')} "
        "no space (an ID without the rest); the "
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


def check_hygiene(data: Dataset) -> CheckResult:
    """The lines of the sequence file, then those of each item file."""
    findings = _sequence_lines(data) if data.sequences is not None else []
    for item_file in data.item_files:
        file = data.files.display(item_file.path) or item_file.path.as_posix()
        findings += _item_file_lines(item_file, file)
    return CheckResult(findings)


CHECK = CheckSpec(
    "hygiene", codes(("GF501", "GF509"), ("GF511", "GF511")), frozenset(), check_hygiene, lines=True
)
