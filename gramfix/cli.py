"""The command line: option parsing, one library call, rendering, the exit code."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from gramfix import __version__
from gramfix.model.errors import GramfixError
from gramfix.model.options import AT_LEAST
from gramfix.model.report import ExitCode
from gramfix.render import FORMATS

if TYPE_CHECKING:
    from gramfix.model.report import Report

_PATH = click.Path(path_type=Path)
_F = TypeVar("_F", bound=Callable[..., Any])


def _dataset_options(command: _F) -> _F:
    """The options both commands read a dataset with (the configuration file's defaults)."""
    decorators = [
        click.argument("dataset_dir", required=False, type=_PATH),
        click.option(
            "--sequences", type=_PATH, help="user_sequence.txt (default: in DATASET_DIR)."
        ),
        click.option(
            "--mapping",
            type=_PATH,
            help="item_id_to_gcn_index.json or .pkl (default: in DATASET_DIR).",
        ),
        click.option(
            "--recent-k",
            type=int,  # every range is checked by Settings, for flags and files alike
            help="Recent history items in GRAM-C's collaborative prefix (at least "
            f"{AT_LEAST['recent_k']}; default: 5).",
        ),
        click.option(
            "--max-his",
            type=int,
            help=f"History length the trainer keeps (at least {AT_LEAST['max_his']}; 0: all; "
            "default: 20).",
        ),
        click.option(
            "--config",
            "config_file",
            type=_PATH,
            metavar="FILE",
            help="Read this gramfix.toml or pyproject.toml instead of searching for one.",
        ),
        click.option("--no-config", is_flag=True, help="Read no configuration file."),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def _threshold_options(command: _F) -> _F:
    """The thresholds: what ``check`` passes and what ``repair`` writes (the same keys in
    the configuration file)."""
    decorators = [
        click.option(
            "--max-missing",
            type=int,  # every range is checked by Settings, for flags and files alike
            metavar="N",
            help="Pass with at most N sequence items unresolved (GF301, GF302; N at least "
            f"{AT_LEAST['max_missing']}).",
        ),
        click.option(
            "--min-coverage",
            type=float,
            metavar="SHARE",
            help="Pass when at least SHARE of the sequence items resolve (GF301, GF302; "
            "SHARE between 0 and 1).",
        ),
        click.option(
            "--min-fill",
            type=float,
            metavar="SHARE",
            help="Pass when the recent-window fill of every split is at least SHARE (GF401; "
            "SHARE between 0 and 1).",
        ),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gramfix")
def cli() -> None:
    """Check and repair the data of GRAM / GRAM-C training pipelines."""


@cli.command()
@_dataset_options
@click.option(
    "--embeddings",
    type=_PATH,
    help="Embedding table, gcn_item_embeddings.npy or .pt (default: in DATASET_DIR, else "
    "beside the mapping; only a legacy pre-1.6 .pt needs the torch extra).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    metavar="FORMAT",
    help="text (for people; the default), json, github (workflow commands), junit, "
    "sarif or markdown (a step summary). With --output the default is json.",
)
@click.option(
    "--output",
    "-o",
    type=_PATH,
    metavar="FILE",
    help="Write the report to FILE (atomically; - for stdout) and the text report to stderr.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Report only these codes, prefixes or names (GF3,GF101; default: all).",
)
@click.option("--ignore", multiple=True, metavar="CODES", help="Do not report these codes.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    help="The lowest severity that fails the check (default: error).",
)
@_threshold_options
@click.option(
    "--exit-zero/--no-exit-zero",
    default=None,
    help="Exit 0 even when the check fails (a report-only rollout).",
)
def check(
    dataset_dir: Path | None,
    sequences: Path | None,
    mapping: Path | None,
    embeddings: Path | None,
    output_format: str | None,
    output: Path | None,
    recent_k: int | None,
    max_his: int | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    max_missing: int | None,
    min_coverage: float | None,
    min_fill: float | None,
    exit_zero: bool | None,
    config_file: Path | None,
    no_config: bool,
) -> int:
    """Check a dataset folder the way the GRAM-C trainer reads it.

    DATASET_DIR is a GRAM dataset folder (rec_datasets/Beauty); its files are found by
    their conventional names. --sequences, --mapping and --embeddings override them. With
    neither a folder nor files, the current directory is the folder (or the configured
    one).

    Options default to [tool.gramfix] in the nearest pyproject.toml or a gramfix.toml,
    found upward from the folder; keys are the option names (recent-k, select ...).

    Thresholds are success conditions: a finding within them is reported as info. With
    none, nothing is tolerated; a finding without a threshold of its own follows the
    thresholds that are set.

    Exit status: 0 no failing finding (or --exit-zero), 1 failing findings, 2
    unreadable input, wrong options or configuration, 3 a bug in gramfix.
    """
    from gramfix.io import progress
    from gramfix.io.config import Options, resolve, shown
    from gramfix.io.discover import locate
    from gramfix.model.rules import Severity
    from gramfix.pipeline import check_dataset

    given = Options(
        dataset=dataset_dir,
        sequences=sequences,
        mapping=mapping,
        embeddings=embeddings,
        recent_k=recent_k,
        max_his=max_his,
        select=_codes(select),
        ignore=_codes(ignore),
        fail_on=Severity(fail_on) if fail_on else None,
        max_missing=max_missing,
        min_coverage=min_coverage,
        min_fill=min_fill,
        exit_zero=exit_zero,
    )
    resolved = resolve(given, config=config_file, use_config=not no_config)
    o = resolved.options
    if output is not None and str(output) != "-":
        files = locate(o.dataset, sequences=o.sequences, mapping=o.mapping, embeddings=o.embeddings)
        files.refuse_as_output(output, hint="write the report to another file")
    with progress.display(sys.stderr):
        report = check_dataset(
            o.dataset,
            sequences=o.sequences,
            mapping=o.mapping,
            embeddings=o.embeddings,
            settings=resolved.settings,
            config=shown(resolved.config) if resolved.config else None,
        )
    _emit(report, output_format, output)
    return int(report.exit_code())


@cli.command()
@_dataset_options
@click.option(
    "-o",
    "--output",
    type=_PATH,
    metavar="FILE",
    help="Write the repaired mapping to this new file (an existing FILE only with --force).",
)
@click.option("--force", is_flag=True, help="With -o: replace FILE if it exists.")
@click.option(
    "--in-place", is_flag=True, help="Replace the mapping, keeping the original as <name>.bak."
)
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@_threshold_options
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print the changes as a unified diff of the mapping file (JSON) that patch applies.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines (stdout).",
)
def repair(
    dataset_dir: Path | None,
    sequences: Path | None,
    mapping: Path | None,
    recent_k: int | None,
    max_his: int | None,
    config_file: Path | None,
    no_config: bool,
    output: Path | None,
    force: bool,
    in_place: bool,
    dry_run: bool,
    max_missing: int | None,
    min_coverage: float | None,
    min_fill: float | None,
    show_diff: bool,
    output_format: str,
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
    from gramfix.io.config import Options, resolve
    from gramfix.model.errors import UsageError
    from gramfix.repair import exit_code, repair_dataset

    if show_diff and output_format == "json":
        raise UsageError("--diff is for people; with --format json the changes are in the report")

    given = Options(
        dataset_dir,
        sequences,
        mapping,
        recent_k=recent_k,
        max_his=max_his,
        max_missing=max_missing,
        min_coverage=min_coverage,
        min_fill=min_fill,
    )
    resolved = resolve(given, config=config_file, use_config=not no_config)
    o = resolved.options
    report, plan = repair_dataset(
        o.dataset,
        sequences=o.sequences,
        mapping=o.mapping,
        output=output,
        in_place=in_place,
        dry_run=dry_run,
        force=force,
        diff=show_diff,
        settings=resolved.settings,  # the repair keeps only the window and the thresholds
    )
    _emit_repair(report, plan, output_format, show_diff)
    return int(exit_code(report))


def _emit_repair(report: object, plan: object, output_format: str, show_diff: bool) -> None:
    from gramfix.model.repair_report import RepairReport
    from gramfix.render.repair_text import render_repair_text
    from gramfix.render.text import console_for
    from gramfix.repair import Plan

    assert isinstance(report, RepairReport)
    assert isinstance(plan, Plan)
    if show_diff:  # bytes: a CR at a line's end must reach patch as it is in the file
        click.echo(plan.diff, nl=False)
    if output_format == "json":
        click.echo(report.model_dump_json(indent=2))
    else:  # with --diff on stdout, the summary goes to stderr
        render_repair_text(report, console_for(sys.stderr if show_diff else sys.stdout))


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the json report (check --format json)."""
    from gramfix.model.report import json_schema_text

    click.echo(json_schema_text(), nl=False)


def _codes(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """Repeated and comma-separated codes as one tuple; None when none was given."""
    codes = tuple(c.strip() for value in values for c in value.split(",") if c.strip())
    return codes or None


def _emit(report: Report, output_format: str | None, output: Path | None) -> None:
    """Machine output to stdout or --output, the text report to stdout or stderr.

    In GitHub Actions, the text report comes with workflow annotations unless a format
    was chosen.
    """
    from gramfix.render import render

    annotate = output_format is None and os.environ.get("GITHUB_ACTIONS") == "true"
    if output is not None:
        from gramfix.io.write import write_atomic

        machine = render(report, output_format or "json")
        if output == Path("-"):
            click.echo(machine, nl=False)
        else:
            write_atomic(output, machine.encode("utf-8"))
        _text(report, sys.stderr, annotate)
    elif output_format in (None, "text"):
        _text(report, sys.stdout, annotate)
    else:
        click.echo(render(report, output_format), nl=False)


def _text(report: Report, stream: TextIO, annotate: bool) -> None:
    from gramfix.render.text import console_for, render_text

    render_text(report, console_for(stream))
    if annotate:
        from gramfix.render.github import render_github

        stream.write(render_github(report))
        stream.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; every failure becomes an exit code and one line on stderr."""
    try:
        result = cli.main(args=argv, prog_name="gramfix", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.exceptions.Abort:
        click.echo("gramfix: interrupted", err=True)
        return 130
    except click.ClickException as error:
        context = getattr(error, "ctx", None)
        where = f" (see '{context.command_path} --help')" if context is not None else ""
        click.echo(f"gramfix: error: {error.format_message()}{where}", err=True)
        return int(ExitCode.INPUT_ERROR)
    except GramfixError as error:
        click.echo(f"gramfix: error: {error}", err=True)
        return int(ExitCode.INPUT_ERROR)
    except KeyboardInterrupt:
        click.echo("gramfix: interrupted", err=True)
        return 130
    except Exception as error:  # a bug: say so, never show a traceback unless asked
        if os.environ.get("GRAMFIX_DEBUG"):
            raise
        click.echo(
            f"gramfix: internal error: {type(error).__name__}: {error}. This is a bug in "
            "gramfix; please report it with the command you ran "
            "(GRAMFIX_DEBUG=1 shows the traceback).",
            err=True,
        )
        return int(ExitCode.BUG)
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    # numpy's BLAS would start a thread per core at import; gramfix never multiplies
    # matrices big enough to gain from them, and its own worker threads need the cores.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so no temporary file is left.
    signal.signal(signal.SIGTERM, _terminated)
    sys.exit(main())


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
