"""What a catalogue entry is: its severity, the inputs it needs, and the entry itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    """How bad a finding is; ``error`` fails ``check`` by default."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue."""

    code: str
    name: str
    severity: Severity
    title: str
    help: str
    #: Inputs the check needs; without one of them the code is skipped, not passed.
    needs: tuple[str, ...] = ()


ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
MAP, SEQ = "mapping", "sequences"
EMB, ITEMS, IDX = "embeddings", "item files", "indexing file"
TABLE_FILE, SECOND_MAP = "table file", "second mapping"
#: Every input a rule can need, in the order reports list them. "table file": an embedding
#: table file was found; "embeddings": it was read as an array (a .pt needs torch).
INPUTS = (SEQ, MAP, SECOND_MAP, TABLE_FILE, EMB, ITEMS, IDX)
