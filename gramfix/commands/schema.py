"""``gramfix schema``: the JSON Schema of the json report."""

from __future__ import annotations

import click

from gramfix.model.report import json_schema_text


@click.command()
def schema() -> None:
    """Print the JSON Schema of the json report (check --format json)."""
    click.echo(json_schema_text(), nl=False)
