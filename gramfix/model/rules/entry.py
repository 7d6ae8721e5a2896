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


class Input(str, Enum):
    """An input a rule needs, named as the report's ``inputs.read`` lists it (in this order)."""

    SEQUENCES = "sequences"
    MAPPING = "mapping"
    SECOND_MAPPING = "second mapping"  # a .pkl beside the .json
    TABLE_FILE = "table file"  # an embedding table file was found
    TABLE = "embeddings"  # it was read as an array (a legacy .pt needs torch)
    ITEM_FILES = "item files"
    INDEXING = "indexing file"
    GRAPH = "graph"  # lightgcn_data/train.txt and test.txt
    USER_INDEX = "user index"  # user_id_to_index.json
    CHECKPOINT = "graph checkpoint"  # lightgcn_data/lightgcn_model*.pt
    EXPORT = "graph export"  # lightgcn_data/lightgcn_item_embeddings.pt, read as an array
    # What eval reads and establishes:
    PREDICTIONS = "predictions"
    PER_USER = "rows of one user"  # the file was written with a test batch of 1

    @property
    def absent(self) -> str:
        """Why a rule needing this input did not run, when the input was not read."""
        return _ABSENT[self]


_ABSENT = {
    Input.SEQUENCES: "no sequence file (user_sequence.txt or --sequences)",
    Input.MAPPING: "no mapping (item_id_to_gcn_index.json or .pkl, or --mapping)",
    Input.SECOND_MAPPING: "no second mapping file (a .pkl beside the .json)",
    Input.TABLE_FILE: "no embedding table (gcn_item_embeddings.npy or .pt, or --embeddings)",
    Input.TABLE: "the embedding table could not be read as an array (GF601 says why)",
    Input.ITEM_FILES: "no item files (item_plain_text.txt, item_generative_indexing_*.txt, "
    "similar_item_*.txt)",
    Input.INDEXING: "no indexing file (item_generative_indexing_*.txt)",
    Input.GRAPH: "no graph files (lightgcn_data/train.txt and test.txt, or --graph-dir)",
    Input.USER_INDEX: "no user index (user_id_to_index.json, or --user-index)",
    Input.CHECKPOINT: "no graph checkpoint (lightgcn_data/lightgcn_model*.pt)",
    Input.EXPORT: "no graph export (lightgcn_data/lightgcn_item_embeddings.pt, or --graph-export)",
    Input.PREDICTIONS: "no prediction file",
    Input.PER_USER: "the rows hold batches of users (written with a test batch above 1): "
    "not audited per user (GE001 says so)",
}


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue."""

    code: str
    name: str
    severity: Severity
    title: str
    help: str
    #: Inputs the check needs; without one of them the code is skipped, not passed. In the
    #: order a skipped rule names them (JUnit).
    needs: tuple[Input, ...] = ()
    #: The command whose report holds its findings (its codes' prefix: GF check, GE eval).
    command: str = "check"


ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
