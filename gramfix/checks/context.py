"""What the checks share: the inputs as read and the few derived arrays all of them need."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from gramfix.engine.hashindex import StringIndex
from gramfix.engine.keys import Family, KeyAnalysis, analyse_keys, is_row_value, leading_token
from gramfix.engine.windows import SampleTables, count_samples
from gramfix.io.discover import DatasetFiles
from gramfix.io.embeddings import EmbeddingTable, TableUnavailable
from gramfix.io.graph import GraphInputs
from gramfix.io.itemfiles import ItemFile
from gramfix.io.mapping import Mapping
from gramfix.io.sequences import Sequences
from gramfix.model.options import Settings
from gramfix.model.rules import Input

if TYPE_CHECKING:
    from gramfix.checks.graph_alignment import Alignment
    from gramfix.checks.graph_tables import Installed

Bools = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Dataset:
    """One dataset under analysis; derived arrays are computed once, on first use."""

    files: DatasetFiles
    settings: Settings
    sequences: Sequences | None
    mapping: Mapping | None
    embeddings: EmbeddingTable | TableUnavailable | None = None
    item_files: tuple[ItemFile, ...] = ()
    sequences_first_id: str | None = None  # to recognise a header line
    other_mappings: tuple[Mapping, ...] = ()  # mapping files beside the one checked
    graph: GraphInputs | None = None  # the LightGCN chain's files, when there are any

    @cached_property
    def inputs(self) -> frozenset[Input]:
        """The inputs at hand, as rules name what they need."""
        table = self.embeddings
        present = {
            Input.SEQUENCES: self.sequences is not None,
            Input.MAPPING: self.mapping is not None,
            Input.SECOND_MAPPING: bool(self.other_mappings),
            Input.TABLE_FILE: table is not None,
            Input.TABLE: isinstance(table, EmbeddingTable),
            Input.ITEM_FILES: bool(self.item_files),
            Input.INDEXING: any(f.kind == "indexing" for f in self.item_files),
            Input.GRAPH: self.graph is not None and self.graph.train is not None,
            Input.USER_INDEX: self.graph is not None and self.graph.user_index is not None,
            Input.CHECKPOINT: self.graph is not None and self.graph.checkpoint is not None,
            Input.EXPORT: self.graph is not None and isinstance(self.graph.export, EmbeddingTable),
        }
        return frozenset(need for need, there in present.items() if there)

    @cached_property
    def alignment(self) -> Alignment | None:
        """The graph against the sequences and the index files (computed once: the table
        check asks whether it proves the rows, the graph check reports it)."""
        from gramfix.checks.graph_alignment import align

        return align(self)

    @cached_property
    def export_installed(self) -> Installed | None:
        """Whether the table GRAM-C reads holds the export's rows (computed once: the
        table check and the graph check both ask, and the answer compares two tables)."""
        from gramfix.checks.graph_tables import installed

        return installed(self)

    @cached_property
    def user_index_strays(self) -> dict[str, str]:
        """The entries of user_id_to_index.json the converter does not write, with why
        (computed once: GF904 lists them, every example line of a stray index names it)."""
        from gramfix.checks.graph_users import strays

        assert self.alignment is not None
        return strays(self, self.alignment.histories)

    def name(self, path_kind: str) -> str:
        """Display name of the sequences or mapping file."""
        path = self.files.sequences if path_kind == "sequences" else self.files.mapping
        return self.files.display(path) or path_kind

    @cached_property
    def keys(self) -> list[str]:
        assert self.mapping is not None
        return list(self.mapping.entries)

    @cached_property
    def values(self) -> list[object]:
        assert self.mapping is not None
        return list(self.mapping.entries.values())

    @cached_property
    def value_array(self) -> I64 | None:
        """The values as int64 when every one is a plain int that fits (the usual case)."""
        values = self.values
        if not values or set(map(type, values)) != {int}:  # bool and float are not int
            return None
        try:
            return np.fromiter(values, np.int64, count=len(values))
        except OverflowError:
            return None

    @cached_property
    def row_value(self) -> Bools:
        """Per key: the value addresses an embedding row (int >= 1)."""
        if self.value_array is not None:
            row: Bools = self.value_array >= 1
            return row
        return np.fromiter(map(is_row_value, self.values), np.bool_, count=len(self.values))

    @cached_property
    def key_analysis(self) -> KeyAnalysis:
        assert self.mapping is not None
        assert self.sequences is not None
        exact = self.sequences.codes_of(self.mapping.entries)
        return analyse_keys(self.keys, self.values, self.sequences.items, exact)

    def _resolved(self, usable: Bools) -> Bools:
        assert self.sequences is not None
        resolved = np.zeros(len(self.sequences.items), np.bool_)
        resolved[self.key_analysis.target[usable]] = True
        return resolved

    @cached_property
    def resolved_as_written(self) -> Bools:
        """Per universe item: the trainer's lookup returns a non-zero row today."""
        ka = self.key_analysis
        exact = ka.family == Family.EXACT
        return self._resolved(exact & self.row_value)

    @cached_property
    def resolved_normalised(self) -> Bools:
        """Per universe item: resolved once every applicable, safe key fix is applied."""
        return self._resolved(self.key_analysis.fixable() & self.row_value)

    @cached_property
    def tables(self) -> SampleTables:
        """Split counts per item, and window sums as written / normalised / complete."""
        assert self.sequences is not None
        s = self.sequences
        return count_samples(
            s.codes,
            s.lengths,
            len(s.items),
            self.settings.window,
            [self.resolved_as_written, self.resolved_normalised],
        )

    @cached_property
    def item_rows(self) -> I64:
        """Per universe item: the table row it reads once the safe key fixes are applied
        (the trainer's rows when the keys are already right), -1 where none."""
        assert self.sequences is not None
        assert self.mapping is not None
        rows = np.full(len(self.sequences.items), -1, np.int64)
        ka = self.key_analysis
        usable = np.flatnonzero(ka.fixable() & (self.row_values > 0) & (ka.target >= 0))
        rows[ka.target[usable]] = self.row_values[usable]
        return rows

    @cached_property
    def row_values(self) -> I64:
        """Per key: the row its value addresses (an int >= 1 below 2**62), else -1."""
        rows = np.full(len(self.values), -1, np.int64)
        usable = np.flatnonzero(self.row_value)
        try:
            rows[usable] = np.fromiter(
                (self.values[i] for i in usable.tolist()), np.int64, count=len(usable)
            )
        except OverflowError:
            small = [i for i in usable.tolist() if self.values[i] < 2**62]
            rows[small] = [self.values[i] for i in small]
        rows[rows >= 2**62] = -1
        return rows

    @cached_property
    def mapping_ids(self) -> StringIndex:
        """The item IDs the mapping's keys name: after the safe fixes where the sequences
        prove them, else the key's first token."""
        assert self.mapping is not None
        keys = self.keys
        if self.sequences is not None:
            ka = self.key_analysis
            fixed = ka.fixable() & (ka.target >= 0)
            universe = self.sequences.items.names
            names = [universe[t] for t in ka.target[fixed].tolist()]
            names += [_as_id(keys[i]) for i in np.flatnonzero(~fixed).tolist()]
        else:
            names = [_as_id(k) for k in keys]
        return StringIndex.from_names(list(dict.fromkeys(names)))


_PLAIN_ID = re.compile(r"[A-Za-z0-9_\-.]+")


def _as_id(key: str) -> str:
    """The item ID a key names: itself when it is plain, else its cleaned first token."""
    return key if _PLAIN_ID.fullmatch(key) else leading_token(key)
