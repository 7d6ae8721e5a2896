"""The command line: the group, and the one place a failure becomes an exit code and one line.

The commands live in `gramfix.commands`, one module each, imported only when run (or
asked for their help): ``gramfix --version`` and ``gramfix --help`` import neither
pydantic nor numpy nor rich, whose import costs most of a short run.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys

import click

from gramfix import __version__
from gramfix.model.errors import ExitCode, GramfixError

#: Each command, and its help's first paragraph as ``gramfix --help`` lists it (the
#: command's docstring says the same: tests/test_cli.py holds them together).
COMMANDS = {
    "check": "Check a dataset folder the way the GRAM-C trainer reads it.",
    "repair": "Rewrite the mapping so every item resolves, changing keys only, never values.",
    "eval": "Audit a GRAM prediction file: do its metrics follow from its predictions?",
    "schema": "Print the JSON Schema of a command's json report (check's, or eval's).",
}


class LazyGroup(click.Group):
    """A group whose commands are imported when one of them is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"gramfix.commands.{cmd_name}")
        command: click.Command = getattr(module, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from `COMMANDS` (no command is imported)."""
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        # Stand-ins with the same first paragraph: click shortens it as for the command.
        shown = [click.Command(name, help=text) for name, text in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl([(c.name or "", c.get_short_help_str(limit)) for c in shown])


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``--version``: the version, then the engine (compiled or pure, and why)."""
    if not value or ctx.resilient_parsing:
        return
    import gramfix._native as native  # cheap: no numpy (tests/test_startup.py)

    click.echo(f"gramfix, version {__version__}")
    click.echo(f"engine: {native.engine()}")
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show the version and the engine (compiled or pure), then exit.",
)
def cli() -> None:
    """Check and repair the data of GRAM / GRAM-C training pipelines."""


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
