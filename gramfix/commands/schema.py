"""``gramfix schema``: the JSON Schema of a command's json report."""

from __future__ import annotations

import click


@click.command()
@click.argument("command", type=click.Choice(["check", "eval"]), default="check")
def schema(command: str) -> None:
    """Print the JSON Schema of a command's json report (check's, or eval's).

    COMMAND is check (the default: check --format json, docs/report.schema.json) or
    eval (eval --format json, docs/eval.schema.json).
    """
    from gramfix.model.report import Report, json_schema_text

    if command == "eval":
        from gramfix.model.eval_report import EvalReport

        click.echo(json_schema_text(EvalReport), nl=False)
    else:
        click.echo(json_schema_text(Report), nl=False)
