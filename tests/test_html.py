"""The HTML report: self-contained, accessible, escaped, and as a browser renders it.

The browser tests open the page in headless Chromium (the Debian package; ``.ci/run``
installs it) and skip cleanly without it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gramfix
from gramfix.model.eval_report import EvalReport
from gramfix.model.headline import headline
from gramfix.model.markup import Html, escape, tag
from gramfix.model.policy import share_text
from gramfix.model.report import Report, ReportBase
from gramfix.model.sections import MissingItem
from gramfix.render import render
from gramfix.render.charts import SERIES
from gramfix.render.html import STYLE
from tests.browser import CHROMIUM, browse, screenshot_colours
from tests.conftest import ROOT, Run

BROKEN = ROOT / "examples" / "beauty-broken"
CASES = ROOT / "tests" / "cases"
EVAL_CASES = ROOT / "tests" / "eval_cases"
SCREENSHOT = ROOT / "docs" / "report-beauty-broken.png"
UPDATE = bool(os.environ.get("GRAMFIX_UPDATE_DOCS"))
HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
browser = pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)")


class Page(HTMLParser):
    """The elements (name, attributes) and the text of an HTML document."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.chunks: list[str] = []
        self.headings: list[int] = []
        self.feed(document)
        self.close()

    def handle_starttag(self, name: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((name, {k: v or "" for k, v in attrs}))
        if re.fullmatch(r"h[1-6]", name):
            self.headings.append(int(name[1]))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def names(self) -> set[str]:
        return {name for name, _ in self.elements}


def _report(folder: Path) -> Report:
    return gramfix.check(folder, config=False)


def _golden_reports() -> list[ReportBase]:
    """Every golden report: check's cases, and eval's (the page renders both)."""
    reports: list[ReportBase] = []
    for folder, model in ((CASES, Report), (EVAL_CASES, EvalReport)):
        for case in sorted(p for p in folder.iterdir() if p.is_dir()):
            if (case / "expected.json").exists():
                reports.append(model.model_validate_json((case / "expected.json").read_text()))
    return reports


# --- self-contained, accessible ---------------------------------------------------------

#: Where a document can point at a resource: attributes, and CSS.
_REFERENCES = ("src", "href", "xlink:href", "action", "formaction", "poster", "srcset", "data")


def external_references(document: str) -> list[str]:
    """Every reference to a resource outside the page (anything but a #fragment)."""
    page = Page(document)
    found = [
        f"{name} {key}={value}"
        for name, attrs in page.elements
        for key, value in attrs.items()
        if key in _REFERENCES and not value.startswith("#")
    ]
    styles = " ".join(attrs.get("style", "") for _, attrs in page.elements)
    styles += " ".join(re.findall(r"<style>(.*?)</style>", document, re.DOTALL))
    found += re.findall(r"url\([^)]*\)|@import[^;]*", styles)
    found += [f"<{name}>" for name in page.names() & {"script", "link", "iframe", "object"}]
    return found


def test_the_detector_of_external_references_can_fail() -> None:
    page = (
        '<html><head><link rel="stylesheet" href="https://cdn.example/a.css"></head><body>'
        '<img src="http://example.com/x.png"><div style="background:url(//e.org/y)"></div>'
        "<style>@import 'http://example.net/b.css';</style></body></html>"
    )
    assert len(external_references(page)) == 5


@pytest.mark.parametrize("report", _golden_reports(), ids=lambda r: f"{r.command} {r.subject()}")
def test_every_report_is_one_self_contained_accessible_page(report: ReportBase) -> None:
    assert_one_accessible_page(report, render(report, "html"))


def assert_one_accessible_page(report: ReportBase, document: str) -> Page:
    """``document`` is ``report``'s page: self-contained, accessible, every finding and
    the headline in it (the page, parsed, is returned for more checks)."""
    assert document.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert external_references(document) == []
    assert "http://" not in STYLE
    assert "https://" not in STYLE
    page = Page(document)
    # Headings in order: one h1, and no level skipped on the way down.
    assert page.headings[0] == 1
    assert page.headings.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(page.headings, page.headings[1:], strict=False))
    ids = [attrs["id"] for _, attrs in page.elements if "id" in attrs]
    assert len(ids) == len(set(ids))
    charts = [attrs for name, attrs in page.elements if name == "svg" and attrs.get("role")]
    for chart in charts:  # a chart says what it shows, in words
        assert chart["role"] == "img"
        assert all(label in ids for label in chart["aria-labelledby"].split())
    assert page.names() & {"title"}
    assert "charset" in document[:200]
    for finding in report.findings:  # every finding, with its rule's help (the fix)
        assert finding.code in page.text
        assert " ".join(gramfix.RULES[finding.code].help.split()) in page.text
    assert headline(report) in page.text
    if isinstance(report, EvalReport) and report.metrics.strict is not None:
        assert f"hit@10 {report.metrics.strict.hit_10:.4f}" in page.text
    assert len(document.encode("utf-8")) < 1_000_000
    return page


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _colour(pattern: str) -> str:
    found = re.search(pattern, STYLE)
    assert found, pattern
    return found.group(1)


def test_colours_have_text_contrast() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    # The page's text, the severity labels: a colour on a background, in the same rule.
    pairs = re.findall(r"color: (#[0-9a-f]{6}); background: (#[0-9a-f]{6})", STYLE)
    pairs += [(_colour(r"\.muted \{ color: (#[0-9a-f]{6})"), "#ffffff")]
    pairs += [
        ("#ffffff", _colour(rf"\.{v} \{{ background: (#[0-9a-f]{{6}})")) for v in ("fail", "pass")
    ]
    pairs += [(colour, "#ffffff") for colour in SERIES]  # bars and their labels on white
    assert len(pairs) == 4 + 3 + len(SERIES)  # :root, 3 severities, muted, 2 badges
    assert min(contrast(a, b) for a, b in pairs) >= 4.5


# --- escaping ---------------------------------------------------------------------------


def test_markup_escapes_what_is_not_markup() -> None:
    assert tag("p", HOSTILE[0]) == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert tag("a", "x", title=HOSTILE[1]) == (
        '<a title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">x</a>'
    )
    assert tag("p", f"{tag('b', 'x')}") == "<p>&lt;b&gt;x&lt;/b&gt;</p>"  # a str is text
    assert tag("p", tag("b", "x")) == "<p><b>x</b></p>"
    assert isinstance(escape("<"), Html)


def _inject(report: Report, text: str) -> Report:
    """``report`` with ``text`` wherever user data goes: IDs, keys, examples, paths."""
    assert report.coverage is not None
    assert report.mapping is not None
    coverage = report.coverage.model_copy(
        update={"top_missing": [MissingItem(id=text, interactions=3)]}
    )
    family = report.mapping.families[0]
    example = family.examples[0].model_copy(update={"key": text, "fixed": text + "!"})
    mapping = report.mapping.model_copy(
        update={"families": [family.model_copy(update={"examples": [example]})]}
    )
    findings = [f.model_copy(update={"examples": [text], "file": text}) for f in report.findings]
    inputs = report.inputs.model_copy(update={"dataset": text})
    update = {"coverage": coverage, "mapping": mapping, "findings": findings, "inputs": inputs}
    return report.model_copy(update=update)


@pytest.fixture(scope="module")
def broken() -> Report:
    """The broken example's report, its folder named as from the repository root."""
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        return _report(BROKEN.relative_to(ROOT))
    finally:
        os.chdir(here)


@settings(max_examples=150, deadline=None)
@given(text=st.text(min_size=1, max_size=40) | st.sampled_from(HOSTILE))
def test_user_data_is_only_ever_text(broken: Report, text: str) -> None:
    base = broken
    baseline = Page(render(_inject(base, "plain"), "html"))
    page = Page(render(_inject(base, text), "html"))
    # The same elements and attributes as with harmless data; the data itself as text.
    assert [(n, sorted(a)) for n, a in page.elements] == [
        (n, sorted(a)) for n, a in baseline.elements
    ]
    shown = " ".join(text.split())
    if shown:
        assert shown in page.text


# --- the command line -------------------------------------------------------------------


def test_format_html_writes_the_page(
    gramfix: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    run = gramfix("check", BROKEN.relative_to(ROOT), "--no-config", "--format", "html")
    assert run.code == 1
    assert run.out.startswith("<!DOCTYPE html>")
    assert run.err == ""
    out = tmp_path / "report.html"
    written = gramfix(
        "check", "examples/beauty-broken", "--no-config", "--format", "html", "-o", out
    )
    assert written.code == 1
    assert written.out == ""
    assert out.read_text(encoding="utf-8") == run.out
    assert "FAIL" in written.err  # the text report goes to stderr beside a file


def test_the_page_of_real_beauty_is_under_a_megabyte(shared: Path) -> None:
    report = gramfix.check(
        sequences=shared / "gram" / "Beauty" / "user_sequence.txt",
        mapping=shared / "gram-c" / "Beauty" / "item_id_to_gcn_index.json",
        config=False,
    )
    assert report.embeddings is not None
    assert report.embeddings.signal is not None
    document = render(report, "html")
    assert len(document.encode("utf-8")) < 1_000_000
    assert 'id="signal-chart-title"' in document
    assert external_references(document) == []


# --- in a browser -----------------------------------------------------------------------


@browser
def test_the_detector_of_requests_sees_them(tmp_path: Path) -> None:
    page = tmp_path / "requests.html"
    page.write_text(
        '<html><body><img src="http://example.com/x.png">'
        '<div style="background:url(https://example.org/y.png)">x</div></body></html>'
    )
    assert sorted(browse(page).requests) == [
        "http://example.com/x.png",
        "https://example.org/y.png",
    ]


@browser
def test_the_broken_example_in_a_browser(broken: Report, tmp_path: Path) -> None:
    report = broken
    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    browsed = browse(page)
    assert browsed.requests == []
    dom = Page(browsed.dom)
    assert report.headline() in dom.text
    assert report.fill is not None
    for split in ("train", "valid", "test"):  # the fill figures, per split
        w, n, c = (
            getattr(v, split)
            for v in (report.fill.as_written, report.fill.normalised, report.fill.complete)
        )
        shares = [share_text(x.resolved_slots, x.slots) for x in (w, n, c)]
        row = f"{split} {w.samples:,} {' '.join(shares)} {w.dead_samples:,}"
        assert row in dom.text
    for finding in report.findings:
        assert f"{finding.code} {finding.name}" in dom.text
    assert "✗ FAIL" in dom.text

    shot = tmp_path / "report.png"
    rgb = screenshot_colours(page, shot)
    badge = (np.abs(rgb - [176, 0, 32]).max(axis=2) < 16).sum()
    assert badge > 500  # the red FAIL badge is on screen
    if UPDATE:
        SCREENSHOT.write_bytes(shot.read_bytes())
    assert SCREENSHOT.is_file()


def _hostile_dataset(folder: Path) -> Path:
    folder.mkdir()
    items = ["A1", "A2", "A3", "A4", HOSTILE[0], '"><img/src=x/onerror=alert(1)>']
    lines = [f"u{u} " + " ".join(items[(u + i) % len(items)] for i in range(5)) for u in range(8)]
    (folder / "user_sequence.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = {"A1": 1, "A2": 2, f"{HOSTILE[0]} title: x": 3, HOSTILE[1]: 4, "A3": 5}
    (folder / "item_id_to_gcn_index.json").write_text(json.dumps(mapping), encoding="utf-8")
    return folder


@browser
def test_hostile_keys_stay_text_in_a_browser(tmp_path: Path) -> None:
    report = _report(_hostile_dataset(tmp_path / "hostile"))
    document = render(report, "html")
    assert all(h in Page(document).text for h in HOSTILE)
    page = tmp_path / "report.html"
    page.write_text(document, encoding="utf-8")
    dom = Page(browse(page).dom)
    assert all(h in dom.text for h in HOSTILE)
    assert not dom.names() & {"script", "img"}
    assert not [k for _, attrs in dom.elements for k in attrs if k.startswith("on")]
    # The same check finds the injection in a page that writes the key raw (its handler
    # sets the title: an alert() would leave the headless browser waiting on its dialog).
    raw = tmp_path / "raw.html"
    key = HOSTILE[1].replace("alert(1)", "document.title=1")
    raw.write_text(f"<html><body><p>{key}</p></body></html>", encoding="utf-8")
    injected = Page(browse(raw).dom)
    assert "img" in injected.names()
    assert [k for _, attrs in injected.elements for k in attrs if k.startswith("on")]
