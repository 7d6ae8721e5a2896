"""The eval report's rows as a pandas frame (`EvalReport.rows_frame`).

The engine hands over plain columns (`gramfix.model.eval_rows.RowSource`); here they
get their pandas types, and a column the report holds as null is NA: the per-user
columns of a file that holds batches of users, the target flags without
``user_sequence.txt``. pandas is imported only here, when a frame is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gramfix.model.eval_rows import (
    COUNT_COLUMNS,
    FLAG_COLUMNS,
    FRAME_COLUMNS,
    PER_USER_COLUMNS,
    REPORTED_COLUMNS,
    TARGET_COLUMNS,
    RowSource,
)
from gramfix.model.frames import pandas

if TYPE_CHECKING:
    import pandas as pd

    from gramfix.model.eval_report import EvalReport

#: Integer columns whose 0 means "none" (no hit): NA in the frame.
RANKS = ("strict_rank", "item_rank")
TEXT = ("user", "gold", "gold_item", "gold_level")


def rows_frame(report: EvalReport, source: RowSource | None) -> pd.DataFrame:
    """One row per row of the audited file (see `EvalReport.rows_frame`)."""
    module = pandas()
    if source is None:
        raise ValueError(
            "this report was read back from JSON, which holds aggregates and example rows "
            "only; the rows are read again from the file by a report gramfix.evaluate "
            "returns (gramfix.evaluate(...).rows_frame())"
        )
    values = source()
    per_user = report.per_user
    targets = per_user and report.counts.gold_not_target is not None
    blank: set[str] = set()
    if not per_user:
        blank |= {*PER_USER_COLUMNS, *FLAG_COLUMNS}
    if not targets:
        blank |= set(TARGET_COLUMNS)
    rows = len(values["line"])
    data: dict[str, Any] = {}
    for name in FRAME_COLUMNS:
        column = [None] * rows if name in blank else values[name]
        series = module.Series(column, dtype=_dtype(name))
        if name in RANKS:
            series = series.mask(series == 0)
        data[name] = series
    frame: pd.DataFrame = module.DataFrame(data, columns=FRAME_COLUMNS)
    return frame


def _dtype(name: str) -> str:
    if name in TEXT:
        return "object"
    if name in RANKS:
        return "Int64"  # nullable: NA where there is no hit
    if name in (*FLAG_COLUMNS, *TARGET_COLUMNS, "batched"):
        return "boolean"  # nullable: NA where the report has no such count
    if name in ("line", *COUNT_COLUMNS):
        return "int64"
    assert name in REPORTED_COLUMNS or "@" in name
    return "float64"  # hit@k and ndcg@k (GRAM's values are floats too)
