"""The command line: option parsing, one library call, rendering, the exit code."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from gramfix import __version__
from gramfix.errors import GramfixError
from gramfix.report import ExitCode

_PATH = click.Path(path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gramfix")
def cli() -> None:
    """Check and repair the data of GRAM / GRAM-C training pipelines."""


@cli.command()
@click.argument("dataset_dir", required=False, type=_PATH)
@click.option("--sequences", type=_PATH, help="user_sequence.txt (default: in DATASET_DIR).")
@click.option(
    "--mapping", type=_PATH, help="item_id_to_gcn_index.json or .pkl (default: in DATASET_DIR)."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines (stdout).",
)
@click.option(
    "--recent-k",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Recent history items in GRAM-C's collaborative prefix.",
)
@click.option(
    "--max-his",
    type=int,
    default=20,
    show_default=True,
    help="History length the trainer keeps (0: all).",
)
def check(
    dataset_dir: Path | None,
    sequences: Path | None,
    mapping: Path | None,
    output_format: str,
    recent_k: int,
    max_his: int,
) -> int:
    """Check a dataset folder the way the GRAM-C trainer reads it.

    DATASET_DIR is a GRAM dataset folder (rec_datasets/Beauty); its files are found by
    their conventional names. --sequences and --mapping override them. With neither a
    folder nor files, the current directory is the folder.

    Exit status: 0 no error finding, 1 error findings, 2 unreadable input or wrong
    options, 3 a bug in gramfix.
    """
    from gramfix.check import check_dataset
    from gramfix.settings import Settings

    report = check_dataset(
        dataset_dir,
        sequences=sequences,
        mapping=mapping,
        settings=Settings(recent_k=recent_k, max_his=max_his),
    )
    _emit(report, output_format)
    return int(report.exit_code())


@cli.command()
@click.argument("dataset_dir", required=False, type=_PATH)
@click.option("--sequences", type=_PATH, help="user_sequence.txt (default: in DATASET_DIR).")
@click.option(
    "--mapping", type=_PATH, help="item_id_to_gcn_index.json or .pkl (default: in DATASET_DIR)."
)
@click.option("-o", "--output", type=_PATH, help="Write the repaired mapping to this new file.")
@click.option(
    "--in-place", is_flag=True, help="Replace the mapping, keeping the original as <name>.bak."
)
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the key changes as a unified diff.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines (stdout).",
)
@click.option(
    "--recent-k",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Recent history items in GRAM-C's prefix (for the fill after repair).",
)
@click.option(
    "--max-his",
    type=int,
    default=20,
    show_default=True,
    help="History length the trainer keeps (0: all).",
)
def repair(
    dataset_dir: Path | None,
    sequences: Path | None,
    mapping: Path | None,
    output: Path | None,
    in_place: bool,
    dry_run: bool,
    show_diff: bool,
    output_format: str,
    recent_k: int,
    max_his: int,
) -> int:
    """Rewrite the mapping so every item resolves, changing keys only, never values.

    Only fixes that check proved safe are applied; the result is checked again and
    written atomically, or nothing is written. --in-place keeps the original as
    <name>.bak (an existing different backup is never overwritten).

    Exit status: 0 written and verified (or nothing to repair), 1 no safe repair
    reaches a passing mapping (nothing written), 2 unreadable input or wrong options,
    3 a bug in gramfix.
    """
    from gramfix.repair import exit_code, repair_dataset
    from gramfix.settings import Settings

    report, plan = repair_dataset(
        dataset_dir,
        sequences=sequences,
        mapping=mapping,
        output=output,
        in_place=in_place,
        dry_run=dry_run,
        settings=Settings(recent_k=recent_k, max_his=max_his),
    )
    _emit_repair(report, plan, output_format, show_diff)
    return int(exit_code(report))


def _emit_repair(report: object, plan: object, output_format: str, show_diff: bool) -> None:
    from rich.console import Console

    from gramfix.render.repair_text import render_repair_text
    from gramfix.repair import Plan, RepairReport, unified_diff

    assert isinstance(report, RepairReport)
    assert isinstance(plan, Plan)
    if show_diff:
        click.echo(unified_diff(plan, report.mapping), nl=False)
    if output_format == "json":
        click.echo(report.model_dump_json(indent=2))
    else:  # with --diff on stdout, the summary goes to stderr
        render_repair_text(report, Console(highlight=False, stderr=show_diff))


def _emit(report: object, output_format: str) -> None:
    from gramfix.report import Report

    assert isinstance(report, Report)
    if output_format == "json":
        from gramfix.render.json import render_json

        click.echo(render_json(report), nl=False)
    else:
        from rich.console import Console

        from gramfix.render.text import render_text

        render_text(report, Console(highlight=False, soft_wrap=False))


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
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so no temporary file is left.
    signal.signal(signal.SIGTERM, _terminated)
    sys.exit(main())


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
