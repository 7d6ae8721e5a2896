"""The base of every report model: frozen, and no key it does not declare."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """A report section: immutable once built, and strict about its keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")
