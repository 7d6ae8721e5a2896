"""Counts in messages: ``1 line repeats``, ``3 lines repeat``."""

from __future__ import annotations


def count(n: int, one: str, many: str) -> str:
    """``n`` with the phrase that agrees with it: ``count(1, "key maps", "keys map")``."""
    return f"{n:,} {one if n == 1 else many}"
