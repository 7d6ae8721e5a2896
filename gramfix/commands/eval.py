"""``gramfix eval``: audit a prediction file, render the report, exit with its verdict."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gramfix.commands.check import emit
from gramfix.commands.options import (
    CONFIG_FILE,
    NO_CONFIG,
    REPORT_FORMAT,
    REPORT_OUTPUT,
    model_options,
    refuse_foreign_codes,
    resolved,
)
from gramfix.io import progress
from gramfix.io.config import shown
from gramfix.model.flag import EVAL
from gramfix.model.options import EvalSettings

LAYOUT: list[Any] = [
    "predictions",
    "dataset",
    "indexing",
    "sequences",
    "split",
    "generate_num",
    CONFIG_FILE,
    NO_CONFIG,
    REPORT_FORMAT,
    REPORT_OUTPUT,
    "select",
    "ignore",
    "fail_on",
    "exit_zero",
]


# The command is called eval: the name shadows the builtin in this module only.
@click.command(name="eval")
@model_options(EVAL, LAYOUT)
def eval(
    output_format: str | None,
    output: Path | None,
    config_file: Path | None,
    no_config: bool,
    **given: Any,
) -> int:
    """Audit a GRAM prediction file: do its metrics follow from its predictions?

    PREDICTIONS is the TSV GRAM's --save_predictions writes (a rank's or the merged
    one). DATASET_DIR is the dataset folder: its item_generative_indexing_*.txt resolves
    the gold and every prediction to an item, and its user_sequence.txt tells each
    user's target. --indexing and --sequences override them. With neither a folder nor
    --indexing, the current directory is the folder.

    Recomputes hit@k and ndcg@k (k = 1, 5, 10) as GRAM does, strictly and on item
    identity, and compares them with each row's values and the trailing totals.

    Exit status: 0 no failing finding (or --exit-zero), 1 failing findings, 2
    unreadable input, wrong options or configuration, 3 a bug in gramfix.
    """
    from gramfix.evaluation import evaluate_file  # numpy and the audit: only to run
    from gramfix.io.discover import locate_eval

    options = resolved(EVAL, given, config_file, no_config)
    refuse_foreign_codes(EVAL, given)
    o = options.options
    assert o.predictions is not None  # a required argument
    if output is not None and str(output) != "-":
        files = locate_eval(o.predictions, o.dataset, indexing=o.indexing, sequences=o.sequences)
        files.refuse_as_output(output, hint="write the report to another file")
    with progress.display(sys.stderr):
        report = evaluate_file(
            o.predictions,
            o.dataset,
            indexing=o.indexing,
            sequences=o.sequences,
            settings=o.settings_of(EvalSettings),
            config=shown(options.config) if options.config else None,
        )
    emit(report, output_format, output)
    return int(report.exit_code())
