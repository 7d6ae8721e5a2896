"""The sentence a report leads with, the hint after it and the policy line, for every format.

The text and Markdown reports, the HTML page, a notebook's view and `CheckFailed`'s
message all say the same thing first: what the model will get.
"""

from __future__ import annotations

from gramfix.model.eval_report import EvalReport
from gramfix.model.flag import shown
from gramfix.model.options import flag
from gramfix.model.report import Report, ReportBase
from gramfix.model.rules import Severity


def headline(report: ReportBase) -> str:
    """The one sentence that says what the model will get (or, of a prediction file,
    what its metrics are worth)."""
    if isinstance(report, EvalReport):
        return report.headline()
    assert isinstance(report, Report)
    fill = report.fill
    if fill is None:
        if report.mapping is None:
            return "No GRAM-C mapping here: the collaborative prefix was not checked."
        if any(f.code == "GF002" and f.severity is Severity.ERROR for f in report.findings):
            return (
                "No user_sequence.txt: the mapping's coverage and fill are unknown, so it "
                "cannot pass (GF002)."
            )
        return "No sequences here: the mapping could not be checked against the item IDs."
    splits = [fill.as_written.train, fill.as_written.valid, fill.as_written.test]
    slots = sum(s.slots for s in splits)
    hits = sum(s.resolved_slots for s in splits)
    dead = sum(s.dead_samples for s in splits)
    samples = sum(s.samples for s in splits)
    if slots and hits == 0:
        return "GRAM-C will train as plain GRAM: every collaborative prefix is a zero vector."
    if any(f.code == "GF609" for f in report.findings):
        # Every prefix that reaches a row reads noise: worse than a partial fill.
        return (
            "GRAM-C will train on noise: the embedding table carries no collaborative "
            "signal (a placeholder, not trained embeddings)."
        )
    codes = {f.code for f in report.findings}
    if "GF906" in codes and "GF907" not in codes:  # a stale export is no table to install
        return (
            "GRAM-C will not train on the trained graph table: the export of the LightGCN "
            "graph is not the table it reads (GF906)."
        )
    if any(f.code == "GF901" for f in report.findings):
        return (
            "GRAM-C's table was trained on the validation and test targets: every metric "
            "it reports is inflated (GF901)."
        )
    if any(f.code == "GF611" and f.severity is Severity.ERROR for f in report.findings):
        return (
            "The embedding table could not be judged: too few co-occurring item pairs to "
            "tell its rows from noise (GF611)."
        )
    if hits < slots:
        return (
            f"{hits / slots:.1%} of the recent-item slots reach an embedding row; "
            f"{dead:,} of {samples:,} samples get a zero prefix."
        )
    return "Every recent-item slot of every sample reaches an embedding row."


def hint(report: ReportBase) -> str:
    """What to do next, when the safe key fixes would raise the fill ('' otherwise)."""
    if not isinstance(report, Report) or report.fill is None or report.mapping is None:
        return ""
    written, fixed = report.fill.as_written, report.fill.normalised
    improves = any(
        getattr(fixed, s).resolved_slots > getattr(written, s).resolved_slots
        for s in ("train", "valid", "test")
    )
    if not improves:
        return ""
    blocked = report.mapping.conflicts > 0 or any(
        f.severity is Severity.ERROR and f.code.startswith("GF2") for f in report.findings
    )
    if blocked:
        return "Safe key fixes exist, but repair is blocked by the errors below."
    return "`gramfix repair` can fix the keys without touching a value (see the fill after fixes)."


def policy(report: ReportBase) -> str:
    """The settings that judged the report, when they are not the defaults ('' if none)."""
    s = report.settings
    parts = []
    for name, info in type(s).model_fields.items():
        value = getattr(s, name)
        if flag(name).policy and value != info.default:
            parts.append(_POLICY.get(name, f"{name.replace('_', '-')} {shown(value)}"))
    if report.inputs.config:
        parts.append(f"config {report.inputs.config}")
    return "; ".join(parts)


#: Settings the policy line says in words of their own.
_POLICY = {"exit_zero": "exit-zero: the exit status is 0 whatever the verdict"}
