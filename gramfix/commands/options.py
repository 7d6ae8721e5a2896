"""The click parameters of the commands, generated from the options model.

A command lists where its options go among its own parameters (``--format``, ``--output``
...); every field of `gramfix.model.options.Options` whose `Flag` names the command
becomes a flag of that type, help, metavar and choices, with the default None ("not
given": the configuration file or the model's default applies). An option the list does
not place comes last, so a new field is a new flag without touching a command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from gramfix.io.config import Resolved, resolve
from gramfix.model.errors import UsageError
from gramfix.model.flag import base_type, help_text, kebab
from gramfix.model.options import Options, flag, option_fields
from gramfix.model.rules import FAMILIES, normalise_selector, rules_of
from gramfix.render import FORMATS

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
PATH = click.Path(path_type=Path)

#: The configuration file options of every command that reads options.
CONFIG_FILE = click.option(
    "--config",
    "config_file",
    type=PATH,
    metavar="FILE",
    help="Read this gramfix.toml or pyproject.toml instead of searching for one.",
)
NO_CONFIG = click.option("--no-config", is_flag=True, help="Read no configuration file.")
#: Where and how a report is written (check and eval).
REPORT_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    metavar="FORMAT",
    help="text (for people; the default), json, github (workflow commands), junit, "
    "sarif, markdown (a step summary) or html (a self-contained page). With --output "
    "the default is json.",
)
REPORT_OUTPUT = click.option(
    "--output",
    "-o",
    type=PATH,
    metavar="FILE",
    help="Write the report to FILE (atomically; - for stdout) and the text report to stderr.",
)


def model_options(command: str, layout: Sequence[str | Decorator]) -> Decorator:
    """The parameters of ``command``: its options from the model where ``layout`` names
    them (by field name), its own parameters (click decorators) in between."""
    names = [name for name, _, _ in option_fields(command)]
    stray = [entry for entry in layout if isinstance(entry, str) and entry not in names]
    if stray:
        raise ValueError(f"{command} places options it does not take: {stray}")
    placed = {entry for entry in layout if isinstance(entry, str)}
    entries = [*layout, *(name for name in names if name not in placed)]
    decorators = [_parameter(e) if isinstance(e, str) else e for e in entries]

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for parameter in reversed(decorators):
            function = parameter(function)
        return function

    return decorate


def _parameter(name: str) -> Decorator:
    """The click parameter of option ``name``."""
    info, spec = Options.model_fields[name], flag(name)
    if spec.argument is not None:
        return click.argument(spec.argument, required=spec.required, type=PATH)
    option = "--" + kebab(name)
    kind = base_type(info)
    settings: dict[str, Any] = {"help": help_text(info), "metavar": spec.metavar}
    if kind is bool:  # --exit-zero/--no-exit-zero, None when neither is given
        return click.option(f"{option}/--no-{kebab(name)}", name, default=None, **settings)
    if spec.choices:
        return click.option(option, name, type=click.Choice(spec.choices), **settings)
    if kind == tuple[str, ...]:  # codes: repeated or comma-separated
        return click.option(option, name, multiple=True, callback=_codes, **settings)
    return click.option(option, name, type=PATH if kind is Path else kind, **settings)


def _codes(context: click.Context, parameter: click.Parameter, values: Any) -> Any:
    """Repeated and comma-separated codes as one tuple; None when none was given."""
    codes = tuple(c.strip() for value in values for c in value.split(",") if c.strip())
    return codes or None


def resolved(
    command: str, given: dict[str, Any], config_file: Path | None, no_config: bool
) -> Resolved:
    """The options in force for ``command``: the flags ``given`` (click's parameters by
    name; None: not given) over the configuration file, validated together."""
    arguments = {spec.argument: name for name, _, spec in option_fields() if spec.argument}
    values = {arguments.get(key, key): value for key, value in given.items() if value is not None}
    # Unvalidated: the flags are checked after the file, and their errors name the flags.
    cli = Options.model_construct(**values)
    return resolve(cli, config=config_file, use_config=not no_config, command=command)


def refuse_foreign_codes(command: str, given: dict[str, Any]) -> None:
    """`UsageError` when a ``--select`` / ``--ignore`` given to ``command`` names no code
    of its own: a configuration file serves every command, a flag only its own."""
    codes = rules_of(command)
    for name in ("select", "ignore"):
        for selector in given.get(name) or ():
            prefix = normalise_selector(selector) or "ALL"  # an unknown code: the model says
            if prefix != "ALL" and not any(code.startswith(prefix) for code in codes):
                raise UsageError(
                    f"--{name}: {selector!r} is no finding of 'gramfix {command}' (its codes "
                    f"start with {FAMILIES[command]})"
                )
