"""The HTML page's LightGCN graph section: the files read, the alignment verdict in words,
the leakage as bars and every fact of the section, from every golden case with a graph;
the file names only ever text; and the leaking example in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gramfix
from gramfix.model.policy import share_text
from gramfix.model.report import Report
from gramfix.render import render
from tests.browser import browse, decode_png
from tests.conftest import ROOT
from tests.test_html import HOSTILE, Page, browser, external_references

CASES = ROOT / "tests" / "cases"
LEAK = ROOT / "examples" / "beauty-graph-leak"
SYMBOLS = {"proven": "✓", "mismatch": "✗", "not judged": "–"}


def _graph_reports() -> dict[str, Report]:
    """The golden reports with a graph section, by case name."""
    reports = {}
    for case in sorted(p for p in CASES.iterdir() if (p / "expected.json").exists()):
        report = Report.model_validate_json((case / "expected.json").read_text())
        if report.graph is not None:
            reports[case.name] = report
    return reports


def _words(text: str) -> str:
    return " ".join(text.split())


def assert_graph_section(report: Report, page: Page) -> None:
    g = report.graph
    assert g is not None
    text = page.text
    assert "LightGCN graph" in text
    for file in g.files:
        assert file in text
    verdict = g.alignment_text.removeprefix(f"{g.alignment}: ")
    assert _words(f"{SYMBOLS[g.alignment]} Index alignment {g.alignment}: {verdict}") in text
    for label, sentence in g.rows():
        if label not in ("files", "alignment"):
            assert _words(f"{label} {sentence}") in text
    ids = {attrs.get("id") for _, attrs in page.elements}
    if g.leaked_interactions is None or g.leaked_users is None:
        assert "graph-chart-title" not in ids  # nothing judged, nothing drawn
        return
    assert "graph-chart-title" in ids
    leaked = share_text(g.leaked_interactions, g.interactions)
    assert f"{g.leaked_interactions:,} of {g.interactions:,} ({leaked})" in text
    assert f"{g.leaked_users:,} of {g.users:,} ({share_text(g.leaked_users, g.users)})" in text


@pytest.mark.parametrize("case", _graph_reports())
def test_every_graph_case_shows_its_graph(case: str) -> None:
    report = _graph_reports()[case]
    document = render(report, "html")
    assert external_references(document) == []
    assert_graph_section(report, Page(document))


def test_every_verdict_is_among_the_golden_cases() -> None:
    reports = _graph_reports().values()
    assert {r.graph.alignment for r in reports if r.graph} == set(SYMBOLS)
    assert any(r.graph and r.graph.leaked_interactions for r in reports)
    assert any(r.graph and r.graph.leaked_interactions is None for r in reports)


@pytest.fixture(scope="module")
def leaking() -> Report:
    return gramfix.check(LEAK, config=False)


def _inject(report: Report, text: str) -> Report:
    g = report.graph
    assert g is not None
    assert g.checkpoint is not None
    assert g.export is not None
    graph = g.model_copy(
        update={
            "folder": text,
            "files": [text, f"{text}/train.txt"],
            "alignment_text": f"{g.alignment}: {text}",
            "checkpoint": g.checkpoint.model_copy(update={"file": f"{text}.pt"}),
            "export": g.export.model_copy(update={"file": text}),
        }
    )
    return report.model_copy(update={"graph": graph})


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=1, max_size=40) | st.sampled_from(HOSTILE))
def test_graph_file_names_are_only_ever_text(leaking: Report, text: str) -> None:
    baseline = Page(render(_inject(leaking, "plain"), "html"))
    page = Page(render(_inject(leaking, text), "html"))
    assert [(n, sorted(a)) for n, a in page.elements] == [
        (n, sorted(a)) for n, a in baseline.elements
    ]
    shown = _words(text)
    if shown:
        assert shown in page.text


@browser
def test_the_leaking_graph_in_a_browser(leaking: Report, tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    page.write_text(render(leaking, "html"), encoding="utf-8")
    browsed = browse(page)
    assert browsed.requests == []
    dom = Page(browsed.dom)
    assert leaking.headline() in dom.text
    assert_graph_section(leaking, dom)
    for finding in leaking.findings:
        assert f"{finding.code} {finding.name}" in dom.text
    shot = tmp_path / "graph.png"
    assert browse(page, screenshot=shot, size="1000,4000").requests == []
    rgb = decode_png(shot.read_bytes())[..., :3].astype(np.int64)
    assert rgb.std() > 20  # not blank
    for colour in ([176, 0, 32], [31, 78, 140], [154, 74, 0]):  # FAIL; the leakage bars
        assert (np.abs(rgb - colour).max(axis=2) < 16).sum() > 300, colour


@browser
def test_hostile_graph_file_names_stay_text_in_a_browser(leaking: Report, tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    page.write_text(render(_inject(leaking, HOSTILE[1] + HOSTILE[0]), "html"), encoding="utf-8")
    dom = Page(browse(page).dom)
    assert HOSTILE[1] + HOSTILE[0] in dom.text
    assert not dom.names() & {"script", "img"}
    assert not [k for _, attrs in dom.elements for k in attrs if k.startswith("on")]
