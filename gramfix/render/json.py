"""The machine report: one versioned JSON object, stable key order, no timestamps."""

from __future__ import annotations

from gramfix.model.report import ReportBase


def render_json(report: ReportBase) -> str:
    """``report`` as indented JSON text ending in a newline."""
    return report.model_dump_json(indent=2) + "\n"
