"""The report's ``graph`` section: the LightGCN chain that produced GRAM-C's table.

Every figure a renderer needs is a field, and ``alignment_text`` says the alignment
verdict in words: a format shows the section without knowing how it was computed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gramfix.model.base import FrozenModel
from gramfix.model.wording import count

Alignment = Literal["proven", "mismatch", "not judged"]
TestHolds = Literal[
    "test targets", "validation targets", "mixed", "other items", "nothing", "not judged"
]


class GraphCheckpoint(FrozenModel):
    """The checkpoint the exporter reads (the last lightgcn_model*.pt by name)."""

    file: str
    checkpoints: int = Field(description="lightgcn_model*.pt files in the graph folder.")
    epoch: int | None
    n_users: int | None
    n_items: int | None
    embedding_dim: int | None
    recall: float | None = Field(description="The Recall@20 it was kept for.")


class GraphExport(FrozenModel):
    """The exported table (lightgcn_item_embeddings.pt) and whether GRAM-C reads it."""

    file: str
    rows: int | None = Field(description="Rows of the export (None: not readable as a table).")
    dim: int | None
    expected_rows: int | None = Field(description="The graph's n_items + 1 (row 0 padding).")
    installed: Literal["yes", "no", "no table", "unknown"] = Field(
        description="yes: the table GRAM-C reads holds the export's rows; no: another "
        "table; no table: none is installed; unknown: the installed table is unreadable here."
    )
    signal: str | None = Field(
        None,
        description="When not installed: the collaborative-signal verdict of the export "
        "and of the installed table, as 'export / installed'.",
    )


class GraphStats(FrozenModel):
    """The LightGCN graph files against the sequences and the index files."""

    folder: str | None = Field(description="The graph folder (lightgcn_data/).")
    files: list[str] = Field(description="The graph files read.")
    users: int = Field(description="Distinct user indices of train.txt.")
    items: int = Field(
        description="The trainer's n_items: the largest item index of train.txt and test.txt + 1."
    )
    interactions: int = Field(description="Item indices on train.txt lines: the graph's edges.")
    test_interactions: int = Field(description="Item indices on test.txt lines.")
    alignment: Alignment = Field(
        description="proven: read back through user_id_to_index.json and the mapping, "
        "every interaction of train.txt and test.txt is an item of its user (an index out "
        "of step lands on other users' items); mismatch: it is not, and the report names "
        "the disagreement (GF903, GF904); not judged: an input is missing (the user index, "
        "the sequences or the mapping)."
    )
    alignment_text: str = Field(description="The alignment verdict in words.")
    users_identified_by: str | None = Field(
        description="The numbering of users that makes train.txt's lines the users' "
        "histories: user_id_to_index.json, or the converter's sorted order when the "
        "index file does not (null: neither)."
    )
    test_holds: TestHolds = Field(
        description="What test.txt holds, read back through the index files (judged only "
        "when the alignment is proven)."
    )
    leaked_interactions: int | None = Field(
        description="train.txt interactions that are their user's validation or test "
        "target beyond that item's occurrences in the user's items[:-2] (null: not judged)."
    )
    leaked_users: int | None = Field(description="Users with a leaked interaction.")
    validation_only_items: int = Field(
        description="Items that occur only as validation targets: no graph index, no row."
    )
    users_left_out: int = Field(
        description="Users of the sequences without a graph node (fewer than 3 items)."
    )
    checkpoint: GraphCheckpoint | None = None
    export: GraphExport | None = None

    def rows(self) -> list[tuple[str, str]]:
        """The section as (label, sentence) rows, for every format that shows it."""
        g = self
        names = ", ".join(f.rsplit("/", 1)[-1] for f in g.files)
        rows = [
            ("files", names),
            (
                "graph",
                f"{g.users:,} users, {g.items:,} items, {g.interactions:,} interactions; "
                f"test.txt {g.test_interactions:,} ({g.test_holds})",
            ),
            ("alignment", g.alignment_text),
        ]
        if g.leaked_interactions is None:
            leakage = "not judged (the alignment is not proven)"
        elif g.leaked_interactions:
            leakage = (
                count(g.leaked_interactions, "train.txt interaction", "train.txt interactions")
                + f" of {count(g.leaked_users or 0, 'user', 'users')} "
                f"{'leaks' if g.leaked_interactions == 1 else 'leak'} a validation or test target"
            )
        else:
            leakage = "none: no train.txt line holds its user's validation or test target"
        rows.append(("leakage", leakage))
        if g.validation_only_items or g.users_left_out:
            rows.append(
                (
                    "left out",
                    count(g.validation_only_items, "validation-only item", "validation-only items")
                    + f", {count(g.users_left_out, 'user', 'users')} with fewer than 3 items",
                )
            )
        c = g.checkpoint
        if c is not None:
            facts = [
                f"epoch {c.epoch}" if c.epoch is not None else None,
                f"n_items {c.n_items:,}" if c.n_items is not None else None,
                f"recall {c.recall:.4f}" if c.recall is not None else None,
            ]
            more = f" (the last of {c.checkpoints})" if c.checkpoints > 1 else ""
            rows.append(
                (
                    "checkpoint",
                    f"{c.file.rsplit('/', 1)[-1]}{more}: " + ", ".join(f for f in facts if f),
                )
            )
        e = g.export
        if e is not None:
            shape = f"{e.rows:,} x {e.dim}" if e.rows is not None else "not a table"
            needs = f" (the graph needs {e.expected_rows:,})" if e.expected_rows else ""
            installed = {
                "yes": "installed: GRAM-C reads these rows",
                "no": "NOT installed: GRAM-C reads another table",
                "no table": "NOT installed: no table for GRAM-C",
                "unknown": "installed table not readable here",
            }[e.installed]
            rows.append(("export", f"{shape}{needs}; {installed}"))
        return rows
