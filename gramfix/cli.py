"""The command line: the group, and the one place a failure becomes an exit code and one line."""

from __future__ import annotations

import os
import signal
import sys

import click

from gramfix import __version__
from gramfix.commands.check import check
from gramfix.commands.repair import repair
from gramfix.commands.schema import schema
from gramfix.model.errors import GramfixError
from gramfix.model.report import ExitCode


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gramfix")
def cli() -> None:
    """Check and repair the data of GRAM / GRAM-C training pipelines."""


for command in (check, repair, schema):
    cli.add_command(command)


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
