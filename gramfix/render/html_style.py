"""The HTML report's style sheet: readable on screen and on paper, contrast of 4.5:1 or more
for every colour that carries text (``tests/test_html.py`` measures it)."""

from __future__ import annotations

from gramfix.model.markup import trusted

STYLE = trusted(
    """
:root { color: #1a1a1a; background: #ffffff; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .4rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #c8c8c8; padding-bottom: .2rem;
  margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: .9em; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .25rem; color: #fff;
  font-weight: bold; }
.fail { background: #b00020; } .pass { background: #1b5e20; }
.headline { font-size: 1.15rem; font-weight: bold; }
.muted { color: #4a4a4a; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #dedede; text-align: left;
  vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { max-width: 100%; height: auto; display: block; margin: .5rem 0; }
svg.swatch { display: inline-block; vertical-align: -1px; margin-right: .3rem; }
.finding { border-left: 4px solid #8a8a8a; padding: .1rem .8rem .4rem; margin: 1rem 0; }
.finding.error { border-color: #b00020; } .finding.warning { border-color: #9a4a00; }
.sev { font-weight: bold; padding: 0 .35rem; border-radius: .2rem; }
.sev.error { color: #b00020; background: #fde7ea; }
.sev.warning { color: #7a4100; background: #fff1dc; }
.sev.info { color: #0b4f71; background: #e6f3fa; }
code.raw { white-space: pre-wrap; }
ul.examples { padding-left: 1.2rem; }
ul.examples > li { margin-bottom: .6rem; }
details > summary { cursor: pointer; }
footer { margin-top: 2.5rem; font-size: .85rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section, .finding, svg.chart, table { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
)
