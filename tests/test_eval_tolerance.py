"""A trailing total is judged by the precision it was printed with, as a tensor or plain.

predictions.md's own example prints ``hit@5: 0.0532``: a faithful file whose totals are
rounded like that must pass, and a total edited by more than its rounding must not.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gramfix.engine.gram_metrics import ROW_TOLERANCE, total_agrees, total_tolerance
from gramfix.engine.prediction_rows import ReportedTotal
from gramfix.evaluation import evaluate_file
from gramfix.model.eval_report import EvalReport
from gramfix.model.options import EvalSettings
from tests.predictions_build import SYNTHETIC, Built, Knobs, build

TENSOR = "tensor({}, device='cuda:0', dtype=torch.float64)"
#: How a total may be printed: (the number's format, inside a tensor).
FORMS = st.tuples(st.sampled_from(["f", "e"]), st.booleans())


def _total(number: str, tensor: bool) -> ReportedTotal:
    # ``text`` is the number as printed, inside ``tensor(...)`` or alone.
    return ReportedTotal("hit@10", float(number), number, tensor, 9)


def _unit(number: str) -> Decimal:
    """One unit of the last printed digit of ``number``."""
    exponent = Decimal(number).as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(exponent)


@given(
    mean=st.floats(0, 1.5, allow_nan=False),  # ndcg above 1: a gold predicted twice
    decimals=st.integers(1, 17),
    form=FORMS,
)
def test_a_faithful_total_agrees_at_any_printed_precision(
    mean: float, decimals: int, form: tuple[str, bool]
) -> None:
    kind, tensor = form
    number = f"{mean:.{decimals}{kind}}"
    assert total_agrees(_total(number, tensor), mean), number


@given(
    mean=st.floats(0, 1.5, allow_nan=False),
    decimals=st.integers(1, 8),
    form=FORMS,
    units=st.integers(2, 50),
    sign=st.sampled_from([1, -1]),
)
def test_a_total_edited_beyond_its_rounding_disagrees(
    mean: float, decimals: int, form: tuple[str, bool], units: int, sign: int
) -> None:
    kind, tensor = form
    number = f"{mean:.{decimals}{kind}}"
    unit = _unit(number)
    if unit < Decimal("1e-8"):  # below ROW_TOLERANCE: no edit can show (a scientific total)
        return
    # Two units of the last digit and more: at least 1.5 units from the exact mean.
    edited = str(Decimal(number) + sign * units * unit)
    assert _unit(edited) == unit
    assert not total_agrees(_total(edited, tensor), mean), (number, edited)


@pytest.mark.parametrize(
    ("number", "tolerance"),
    [
        ("0.0741", 5e-5),
        ("0.0532", 5e-5),
        ("7.4100e-02", 5e-7),
        ("0.5000", 5e-5),
        ("0.5", 5e-2),
        ("0.074123456789", 5e-13),
        ("0.07412345678901234", 5e-18),
        ("1e-05", 5e-6),
        ("1.", 0.0),
        ("0.", 0.0),
        ("1", 0.0),
        ("0", 0.0),
    ],
)
def test_total_tolerance_is_half_the_last_printed_digit_in_either_form(
    number: str, tolerance: float
) -> None:
    for tensor in (True, False):
        got = total_tolerance(_total(number, tensor))
        assert math.isclose(got, tolerance + ROW_TOLERANCE, rel_tol=1e-12), (number, tensor)


# -- whole files ------------------------------------------------------------------------------


def _audit(built: Built) -> EvalReport:
    return evaluate_file(
        built.predictions,
        indexing=built.indexing,
        sequences=built.sequences,
        settings=EvalSettings(),
    )


@pytest.mark.parametrize(
    "form", ["{:.4f}", "{:.2f}", "{:.6f}", "{:.4e}", "plain", "tensor", TENSOR.format("{:.6f}")]
)
def test_a_faithful_file_passes_whatever_the_precision_of_its_totals(
    tmp_path: Path, form: str
) -> None:
    built = build(SYNTHETIC, tmp_path, Knobs(users=60, totals=form, near_miss=0.0))
    report = _audit(built)
    assert [t.agrees for t in report.totals] == [True] * 6
    assert "GE101" not in {f.code for f in report.findings}
    assert report.verdict == "pass"


@pytest.mark.parametrize(
    ("form", "change", "delta"),
    [
        # The reviewer's edits of issue 13: a 4-decimal tensor total by 0.01 and by one
        # unit of its last digit, a fully printed plain total by 1e-6; and the same on
        # a plain total printed with 4 decimals.
        ("tensor", TENSOR.format("{:.4f}"), 0.01),
        ("tensor", TENSOR.format("{:.4f}"), 0.0001),
        ("plain", "{!r}", 1e-6),
        ("{:.4f}", "{:.4f}", 0.01),
        ("{:.4f}", "{:.4f}", 0.0001),
    ],
)
def test_an_edited_total_is_a_metric_mismatch(
    tmp_path: Path, form: str, change: str, delta: float
) -> None:
    built = build(SYNTHETIC, tmp_path, Knobs(users=60, totals=form))
    hit = next(t for t in _audit(built).totals if t.name == "hit@10")
    assert hit.agrees
    assert hit.recomputed is not None
    lines = built.predictions.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("hit@10: "))
    lines[at] = "hit@10: " + change.format(hit.recomputed + delta)
    built.predictions.write_text("\n".join(lines), encoding="utf-8")
    edited = _audit(built)
    assert "GE101" in {f.code for f in edited.findings}
    assert [t.name for t in edited.totals if t.agrees is False] == ["hit@10"]
