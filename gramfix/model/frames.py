"""The report as pandas frames, for notebooks: tables to sort, filter and plot.

pandas is an optional extra (``pip install 'gramfix[pandas]'``), imported only when a
frame is asked for. Every number is the report's own (the JSON report's), so a frame
and ``report.model_dump()`` never disagree; a report without a section gives an empty
frame with the same columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gramfix.model.sections import Counts, FillSplit, Unresolved

if TYPE_CHECKING:
    import pandas as pd

    from gramfix.model.report import Report, ReportBase

#: The views of coverage and fill, by their names in the JSON report.
VIEWS = ("as_written", "normalised", "complete")
FINDING_COLUMNS = ["code", "name", "severity", "count", "message", "file", "line", "examples"]
COVERAGE_COLUMNS = ["split", "view", *Counts.model_fields]
FILL_COLUMNS = ["split", "view", *FillSplit.model_fields]
MISSING_COLUMNS = ["item", "interactions", "splits"]
INSTALL = "pip install 'gramfix[pandas]'"


def pandas() -> Any:
    """The pandas module, or an ImportError that says how to install it."""
    try:
        import pandas
    except ImportError as error:
        raise ImportError(
            f"report frames need pandas, an optional extra: {INSTALL}", name="pandas"
        ) from error
    return pandas


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame: pd.DataFrame = pandas().DataFrame(rows, columns=columns)
    return frame


def findings_frame(report: ReportBase) -> pd.DataFrame:
    """One row per finding, in the report's order; ``examples`` holds lists."""
    rows = [
        {
            **f.model_dump(include=set(FINDING_COLUMNS)),
            "severity": f.severity.value,
            "examples": list(f.examples),
        }
        for f in report.findings
    ]
    return _frame(rows, FINDING_COLUMNS)


def coverage_frame(report: Report) -> pd.DataFrame:
    """One row per split (all, train, valid, test) and view: ``as_written``,
    ``normalised`` (after the safe key fixes) and ``complete`` (every item resolved)."""
    rows: list[dict[str, Any]] = []
    coverage = report.coverage
    if coverage is not None:
        for split in ("all", "train", "valid", "test"):
            written: Counts = getattr(coverage.as_written, split)
            complete = written.model_copy(
                update={
                    "items_resolved": written.items,
                    "interactions_resolved": written.interactions,
                }
            )
            fixed: Counts = getattr(coverage.normalised, split)
            for view, counts in zip(VIEWS, (written, fixed, complete), strict=True):
                rows.append({"split": split, "view": view, **counts.model_dump()})
    return _frame(rows, COVERAGE_COLUMNS)


def fill_frame(report: Report) -> pd.DataFrame:
    """One row per split (train, valid, test) and view, as `coverage_frame`."""
    rows: list[dict[str, Any]] = []
    fill = report.fill
    if fill is not None:
        for split in ("train", "valid", "test"):
            for view in VIEWS:
                numbers: FillSplit = getattr(getattr(fill, view), split)
                rows.append({"split": split, "view": view, **numbers.model_dump()})
    return _frame(rows, FILL_COLUMNS)


def missing_items_frame(report: Report) -> pd.DataFrame:
    """Every item unresolved as written: ``item``, ``interactions`` and ``splits`` (the
    splits it occurs in, ``train,valid,test``), most interactions first."""
    coverage = report.coverage
    if coverage is None:
        return _frame([], MISSING_COLUMNS)
    unresolved = coverage.unresolved
    if unresolved is None:
        raise ValueError(
            "this report was read back from JSON, which keeps only the top missing items "
            "(coverage.top_missing); the full list is on a report gramfix.check returns"
        )
    module = pandas()
    import numpy as np  # pandas is there, so numpy is; the report holds raw columns

    masks = np.frombuffer(unresolved.splits, np.uint8).astype(np.int8)
    frame: pd.DataFrame = module.DataFrame(
        {
            "item": unresolved.items,
            "interactions": np.frombuffer(unresolved.interactions, np.int64).copy(),
            # One category per combination of splits: a byte per item, not a string.
            "splits": module.Categorical.from_codes(masks, categories=Unresolved.labels()),
        },
        columns=MISSING_COLUMNS,
    )
    return frame
