"""``python -m gramfix``."""

from gramfix.cli import run

run()
