"""The text report: whole lines in pipes, CI logs and files; wrapped only on a terminal."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gramfix import check_dataset
from gramfix.commands.check import text_report
from gramfix.model.report import Report
from tests.conftest import ROOT, Run

WHOLE_LINE = ROOT / "tests" / "cases" / "whole-line"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _finding_lines(report: Report) -> list[str]:
    marks = {"error": "✗", "warning": "!", "info": "i"}
    return [f"{marks[f.severity.value]} {f.code} {f.name}: {f.message}" for f in report.findings]


@pytest.mark.parametrize("extra", [[], ["--format", "text", "--output", "-"]])
def test_piped_text_is_never_wrapped(gramfix: Callable[..., Run], extra: list[str]) -> None:
    # The GF401 message of this case is over 200 characters: cut at 80 columns, a CI log
    # shows half an ID on one line and the rest on the next.
    run = gramfix("check", WHOLE_LINE, "--no-config", *extra)
    assert run.code == 1
    lines = run.out.splitlines()
    report = check_dataset(WHOLE_LINE)
    expected = _finding_lines(report)
    assert max(len(line) for line in expected) > 200
    for line in expected:
        assert line in lines
    examples = [line for line in lines if line.startswith("    e.g. ")]
    assert examples == [
        "    e.g. B00000000A title: product 0; brand: acme; price: 1.0 -> B00000000A; "
        "B00000000B title: product 1; brand: acme; price: 1.0 -> B00000000B",
        "    e.g. B00000000A (5 interactions); B00000000B (4 interactions)",
    ]
    # Tables keep their rows whole too (no column squeezed onto a second line).
    assert (
        "whole-line                        10    yes   B00000000A title: product 0; … → "
        "B00000000A" in lines
    )


def test_the_json_report_and_the_text_agree_on_every_message(
    gramfix: Callable[..., Run],
) -> None:
    run = gramfix("check", WHOLE_LINE, "--no-config", "--format", "json", "--output", "-")
    messages = [f["message"] for f in json.loads(run.out)["findings"]]
    assert all(any(m in line for line in run.err.splitlines()) for m in messages)


def test_a_terminal_wraps_to_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    text_report(check_dataset(WHOLE_LINE), terminal, annotate=False)  # type: ignore[arg-type]
    lines = terminal.getvalue().splitlines()
    plain = [_strip_styles(line) for line in lines]
    assert max(len(line) for line in plain) <= 60
    assert not set(_finding_lines(check_dataset(WHOLE_LINE))) & set(plain)


def _strip_styles(line: str) -> str:
    return re.sub("\x1b\\[[0-9;]*m", "", line)


def test_a_mapping_checked_without_sequences_has_no_empty_keys_table(
    gramfix: Callable[..., Run], tmp_path: Path
) -> None:
    # Key formats are told against the sequences; without them the keys table had a
    # header and no row. One line says what is known of the keys instead.
    (tmp_path / "item_id_to_gcn_index.json").write_text('{"A": 1, "B": 2, "C": 4}')
    run = gramfix("check", tmp_path, "--no-config")
    assert run.code == 1  # GF002: the sequences are absent
    assert "keys: 3, values 1..4 NOT 1..N\n" in run.out
    assert "safe" not in run.out
