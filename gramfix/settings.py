"""The one frozen settings object that travels through every call."""

from __future__ import annotations

from dataclasses import dataclass

from gramfix.errors import UsageError
from gramfix.findings import Severity


@dataclass(frozen=True)
class Settings:
    """What a check is computed with (GRAM-C's defaults: recent_k=5, max_his=20)."""

    recent_k: int = 5
    max_his: int = 20
    fail_on: Severity = Severity.ERROR

    def __post_init__(self) -> None:
        if self.recent_k < 1:
            raise UsageError(f"recent-k must be at least 1 (got {self.recent_k})")

    @property
    def window(self) -> int:
        """Real history slots in the recent-item window (the trainer trims to max_his > 0)."""
        return self.recent_k if self.max_his <= 0 else min(self.recent_k, self.max_his)
