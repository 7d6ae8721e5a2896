"""``gramfix repair``: plan the key fixes, check the result, write it or refuse."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gramfix.commands.options import CONFIG_FILE, NO_CONFIG, PATH, model_options, resolved
from gramfix.io import early_scan
from gramfix.io.discover import locate
from gramfix.model.errors import InputError, UsageError
from gramfix.model.flag import REPAIR
from gramfix.model.repair_report import RepairReport

if TYPE_CHECKING:
    from gramfix.repairing import Plan

LAYOUT: list[Any] = [
    "dataset",
    "sequences",
    "mapping",
    "recent_k",
    "max_his",
    CONFIG_FILE,
    NO_CONFIG,
    click.option(
        "-o",
        "--output",
        type=PATH,
        metavar="FILE",
        help="Write the repaired mapping to this new file (an existing FILE only with --force).",
    ),
    click.option("--force", is_flag=True, help="With -o: replace FILE if it exists."),
    click.option(
        "--in-place", is_flag=True, help="Replace the mapping, keeping the original as <name>.bak."
    ),
    click.option("--dry-run", is_flag=True, help="Print the plan; write nothing."),
    "max_missing",
    "min_coverage",
    "min_fill",
    click.option(
        "--diff",
        "show_diff",
        is_flag=True,
        help="Print the changes as a unified diff of the mapping file (JSON) that patch applies.",
    ),
    click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for people, json for machines (stdout).",
    ),
]


@click.command()
@model_options(REPAIR, LAYOUT)
def repair(
    config_file: Path | None,
    no_config: bool,
    output: Path | None,
    force: bool,
    in_place: bool,
    dry_run: bool,
    show_diff: bool,
    output_format: str,
    **given: Any,
) -> int:
    """Rewrite the mapping so every item resolves, changing keys only, never values.

    Only fixes that check proved safe are applied; the result is checked again and
    written atomically, or nothing is written. --in-place keeps the original as
    <name>.bak (an existing different backup is never overwritten).

    Items that no safe fix reaches block the repair unless thresholds tolerate them:
    --max-missing, --min-coverage and --min-fill (or their keys in the configuration
    file) are those of check, applied to the repaired mapping; it is written when it
    passes them, and the summary names what stays missing. Conflicting keys and wrong
    values always block.

    Exit status: 0 written and verified (or nothing to repair), 1 no safe repair
    reaches a passing mapping (nothing written), 2 unreadable input or wrong options,
    3 a bug in gramfix.
    """
    if show_diff and output_format == "json":
        raise UsageError("--diff is for people; with --format json the changes are in the report")
    options = resolved(REPAIR, given, config_file, no_config)
    o = options.options
    # The compiled scan runs while the checks import; errors are the repair's to say.
    with contextlib.suppress(InputError, UsageError):
        early_scan.begin(locate(o.dataset, sequences=o.sequences, mapping=o.mapping).sequences)

    from gramfix.repairing import exit_code, repair_dataset  # numpy and the checks: only to run

    report, plan = repair_dataset(
        o.dataset,
        sequences=o.sequences,
        mapping=o.mapping,
        output=output,
        in_place=in_place,
        dry_run=dry_run,
        force=force,
        diff=show_diff,
        settings=options.settings,  # the repair keeps only the window and the thresholds
    )
    emit(report, plan, output_format, show_diff)
    return int(exit_code(report))


def emit(report: RepairReport, plan: Plan, output_format: str, show_diff: bool) -> None:
    """The diff (bytes, as patch needs them) and the report, on stdout; with a diff there,
    the text summary goes to stderr."""
    from gramfix.render.repair_text import render_repair_text
    from gramfix.render.text import console_for

    if show_diff:  # bytes: a CR at a line's end must reach patch as it is in the file
        click.echo(plan.diff, nl=False)
    if output_format == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        render_repair_text(report, console_for(sys.stderr if show_diff else sys.stdout))
