"""``gramfix check``: check a dataset, render the report, exit with its verdict."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from gramfix.commands.options import (
    CONFIG_FILE,
    NO_CONFIG,
    REPORT_FORMAT,
    REPORT_OUTPUT,
    model_options,
    refuse_foreign_codes,
    resolved,
)
from gramfix.io import early_scan, progress
from gramfix.io.config import shown
from gramfix.io.discover import locate
from gramfix.model.flag import CHECK
from gramfix.model.report import ReportBase
from gramfix.render import render

LAYOUT: list[Any] = [
    "dataset",
    "sequences",
    "mapping",
    "recent_k",
    "max_his",
    CONFIG_FILE,
    NO_CONFIG,
    "embeddings",
    "graph_dir",
    "user_index",
    "graph_export",
    REPORT_FORMAT,
    REPORT_OUTPUT,
    "select",
    "ignore",
    "fail_on",
    "max_missing",
    "min_coverage",
    "min_fill",
    "exit_zero",
]


@click.command()
@model_options(CHECK, LAYOUT)
def check(
    output_format: str | None,
    output: Path | None,
    config_file: Path | None,
    no_config: bool,
    **given: Any,
) -> int:
    """Check a dataset folder the way the GRAM-C trainer reads it.

    DATASET_DIR is a GRAM dataset folder (rec_datasets/Beauty); its files are found by
    their conventional names. --sequences, --mapping and --embeddings override them. With
    neither a folder nor files, the current directory is the folder (or the configured
    one). The LightGCN files that produce GRAM-C's table (lightgcn_data/,
    user_id_to_index.json) are checked when present: leakage of the targets into the
    graph, index alignment, the table installed.

    Options default to [tool.gramfix] in the nearest pyproject.toml or a gramfix.toml,
    found upward from the folder; keys are the option names (recent-k, select ...).

    Thresholds are success conditions: a finding within them is reported as info. With
    none, nothing is tolerated; a finding without a threshold of its own follows the
    thresholds that are set.

    Exit status: 0 no failing finding (or --exit-zero), 1 failing findings, 2
    unreadable input, wrong options or configuration, 3 a bug in gramfix.
    """
    options = resolved(CHECK, given, config_file, no_config)
    refuse_foreign_codes(CHECK, given)
    o = options.options
    paths = o.check_files()
    files = locate(o.dataset, **paths)
    if output is not None and str(output) != "-":
        files.refuse_as_output(output, hint="write the report to another file")
    early_scan.begin(files.sequences)  # the compiled scan runs while the checks import

    from gramfix.pipeline import check_dataset  # numpy and the checks: only to run

    with progress.display(sys.stderr):
        report = check_dataset(
            o.dataset,
            **paths,
            settings=options.settings,
            config=shown(options.config) if options.config else None,
        )
    emit(report, output_format, output)
    return int(report.exit_code())


def emit(report: ReportBase, output_format: str | None, output: Path | None) -> None:
    """Machine output to stdout or --output, the text report to stdout or stderr.

    In GitHub Actions, the text report comes with workflow annotations unless a format
    was chosen.
    """
    annotate = output_format is None and os.environ.get("GITHUB_ACTIONS") == "true"
    if output is not None:
        from gramfix.io.write import write_atomic

        machine = render(report, output_format or "json")
        if output == Path("-"):
            click.echo(machine, nl=False)
        else:
            write_atomic(output, machine.encode("utf-8"))
        text_report(report, sys.stderr, annotate)
    elif output_format in (None, "text"):
        text_report(report, sys.stdout, annotate)
    else:
        click.echo(render(report, output_format), nl=False)


def text_report(report: ReportBase, stream: TextIO, annotate: bool) -> None:
    """The text report on ``stream``, with the GitHub annotations when ``annotate``."""
    from gramfix.render.text import console_for, render_text

    render_text(report, console_for(stream))
    if annotate:
        from gramfix.render.github import render_github

        stream.write(render_github(report))
        stream.flush()
