"""Eval's HTML page: every golden case as one self-contained page that shows the metrics,
counts, levels and every finding with its example rows whole; user data only ever as
text; and the page as headless Chromium renders it."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gramfix
from gramfix.model.eval_report import EvalReport
from gramfix.model.eval_rows import ShownRow
from gramfix.model.eval_sections import METRICS
from gramfix.render import render
from tests.browser import browse, screenshot_colours
from tests.conftest import ROOT, Run
from tests.eval_reports import CASES, live_report
from tests.predictions_build import SYNTHETIC, Knobs, build
from tests.test_html import HOSTILE, Page, assert_one_accessible_page, browser

EXAMPLE = ROOT / "examples" / "beauty-predictions.tsv"
DATASET = ROOT / "examples" / "beauty-broken"
SCREENSHOT = ROOT / "docs" / "eval-beauty-predictions.png"
UPDATE = bool(os.environ.get("GRAMFIX_UPDATE_DOCS"))


def _words(text: str) -> str:
    return " ".join(text.split())


def assert_eval_page(report: EvalReport, page: Page) -> None:
    """The audit's figures, counts, levels and example rows are on the page."""
    text = page.text
    m = report.metrics
    if m.strict is not None and m.item is not None:
        for name in METRICS:  # the table's row: strict, item identity, difference
            s, i = m.strict.by_name()[name], m.item.by_name()[name]
            assert f"{name} {s:.4f} {i:.4f} {i - s:+.4f}" in text
        assert ("svg", "metrics-chart-title") in {
            (n, a.get("aria-labelledby", "")[:19]) for n, a in page.elements
        }
    for total in report.totals:
        assert f"{total.name} {total.line:,} {total.reported!r}" in text
    for name, value in report.counts.model_dump().items():
        shown = "n/a" if value is None else f"{value:,}"
        assert f"{name.replace('_', ' ')} {shown}" in text
    for level, value in report.levels.predictions.items():
        golds = report.levels.golds
        assert f"{level} {value:,} {'n/a' if golds is None else f'{golds[level]:,}'}" in text
    for finding in report.findings:
        for e in report.examples.get(finding.name, []):
            assert _words(str(e)) in text
            if e.row is not None:  # the whole row: the gold and every prediction
                assert _words(e.row.gold) in text
                for p in e.row.predictions:
                    assert f"{p.rank} {p.beam} {_words(p.text)} {p.score!r}" in text


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_every_golden_case_is_a_page_of_its_audit(case: Path) -> None:
    report = live_report(case)
    page = assert_one_accessible_page(report, render(report, "html"))
    assert_eval_page(report, page)
    # Every example of a row holding one user is shown whole: all but a trailing total
    # (no user) and a repeated user's row (found when blocks merge, their rows gone).
    for name, rows in report.examples.items():
        for e in rows:
            whole = report.per_user and e.user != "" and name != "repeated-users"
            assert (e.row is not None) == whole, (name, e)


def test_format_html_writes_the_eval_page(
    gramfix: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = ("eval", EXAMPLE.relative_to(ROOT), DATASET.relative_to(ROOT), "--no-config")
    run = gramfix(*args, "--format", "html")
    assert run.code == 1
    assert run.err == ""
    out = tmp_path / "eval.html"
    written = gramfix(*args, "--format", "html", "-o", out)
    assert written.code == 1
    assert out.read_text(encoding="utf-8") == run.out
    report = gramfix_report()
    assert run.out == render(report, "html")


def gramfix_report() -> EvalReport:
    """The example's report, its files named from the repository root."""
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        return gramfix.evaluate(EXAMPLE.relative_to(ROOT), DATASET.relative_to(ROOT), config=False)
    finally:
        os.chdir(here)


@pytest.fixture(scope="module")
def example() -> EvalReport:
    return gramfix_report()


def _inject(report: EvalReport, text: str) -> EvalReport:
    """``report`` with ``text`` wherever user data goes: users, golds, predictions, items,
    example sentences, file names."""

    def row(shown: ShownRow | None) -> ShownRow | None:
        if shown is None:
            return None
        predictions = tuple(
            dataclasses.replace(p, text=f"{text}{p.rank}", items=(text,) * len(p.items))
            for p in shown.predictions
        )
        return dataclasses.replace(
            shown, gold=text, gold_items=(text,) * len(shown.gold_items), predictions=predictions
        )

    examples = {
        name: [
            e.model_copy(update={"user": text, "detail": text}).showing(row(e.row)) for e in rows
        ]
        for name, rows in report.examples.items()
    }
    findings = [f.model_copy(update={"examples": [text], "file": text}) for f in report.findings]
    inputs = report.inputs.model_copy(update={"predictions": text})
    return report.model_copy(update={"examples": examples, "findings": findings, "inputs": inputs})


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=1, max_size=40) | st.sampled_from(HOSTILE))
def test_user_data_is_only_ever_text(example: EvalReport, text: str) -> None:
    baseline = Page(render(_inject(example, "plain"), "html"))
    page = Page(render(_inject(example, text), "html"))
    # The same elements and attributes as with harmless data; the data itself as text.
    assert [(n, sorted(a)) for n, a in page.elements] == [
        (n, sorted(a)) for n, a in baseline.elements
    ]
    shown = _words(text)
    if shown:
        assert shown in page.text


# --- in a browser -----------------------------------------------------------------------


@browser
def test_the_example_in_a_browser(example: EvalReport, tmp_path: Path) -> None:
    report = example
    page = tmp_path / "eval.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    browsed = browse(page)
    assert browsed.requests == []
    dom = Page(browsed.dom)
    assert report.headline() in dom.text
    assert_eval_page(report, dom)
    for finding in report.findings:
        assert f"{finding.code} {finding.name}" in dom.text
    assert "✗ FAIL" in dom.text

    shot = tmp_path / "eval.png"
    rgb = screenshot_colours(page, shot)
    for colour in ([176, 0, 32], [31, 78, 140], [154, 74, 0]):  # FAIL, strict, item bars
        assert (np.abs(rgb - colour).max(axis=2) < 16).sum() > 300, colour
    if UPDATE:
        SCREENSHOT.write_bytes(shot.read_bytes())
    assert SCREENSHOT.is_file()


#: Where the hostile strings go: a column of a row, the position in it (of ``||`` parts).
PLANTED = [("pred", 1, HOSTILE[0]), ("pred", 2, HOSTILE[1]), ("idx", 0, HOSTILE[0])]
PLANTED += [("gold", 0, HOSTILE[1])]


def _hostile_file(folder: Path) -> Path:
    """The example's file with hostile strings as predictions, a user and a gold."""
    lines = EXAMPLE.read_text(encoding="utf-8").split("\n")
    for number, (column, position, value) in enumerate(PLANTED, start=1):
        fields = lines[number].split("\t")
        at = {"idx": 0, "gold": 5, "pred": 6}[column]
        parts = fields[at].split("||")
        parts[position] = value
        fields[at] = "||".join(parts)
        lines[number] = "\t".join(fields)
    folder.mkdir()
    hostile = folder / "predictions.tsv"
    hostile.write_text("\n".join(lines), encoding="utf-8")
    return hostile


@browser
def test_hostile_predictions_stay_text_in_a_browser(tmp_path: Path) -> None:
    report = gramfix.evaluate(_hostile_file(tmp_path / "hostile"), DATASET, config=False)
    names = {f.name for f in report.findings}
    assert {"invalid-predictions", "gold-unresolved", "unknown-users"} <= names
    document = render(report, "html")
    assert all(h in Page(document).text for h in HOSTILE)
    page = tmp_path / "report.html"
    page.write_text(document, encoding="utf-8")
    browsed = browse(page)
    assert browsed.requests == []
    dom = Page(browsed.dom)
    for h in HOSTILE:  # as a prediction in a row's table, and in the example sentences
        assert h in dom.text
        assert repr(h) in dom.text
    assert not dom.names() & {"script", "img"}
    assert not [k for _, attrs in dom.elements for k in attrs if k.startswith("on")]


def test_a_file_of_batches_shows_no_row_ranked(tmp_path: Path) -> None:
    # Users 1-3 in one row (a batch), user 4 alone: the file is not audited per user, so
    # not even the lone user's row is shown ranked (its examples stay sentences).
    built = build(SYNTHETIC, tmp_path, Knobs(users=4, batch=3, non_items=0.15, seed=4))
    report = gramfix.evaluate(built.predictions, indexing=built.indexing, config=False)
    assert not report.per_user
    examples = report.examples["invalid-predictions"]
    assert 3 in {e.line for e in examples}  # an example in the row of one user
    assert all(e.row is None for e in examples)
    page = Page(render(report, "html"))
    assert "as GRAM ranks them" not in page.text
    # Its trailing totals are hit@k / ndcg@k totals that were not audited, not "no total".
    assert report.totals
    assert "not a hit@k / ndcg@k" not in page.text
    assert "not audited (batched rows)" in page.text
