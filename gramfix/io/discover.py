"""Finding the files of a GRAM dataset folder by the conventions of the GRAM code."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gramfix.model.errors import InputError, UsageError

ItemKind = Literal["item-text", "indexing", "similar-items"]

SEQUENCES = "user_sequence.txt"
MAPPINGS = ("item_id_to_gcn_index.json", "item_id_to_gcn_index.pkl")
EMBEDDINGS = ("gcn_item_embeddings.npy", "gcn_item_embeddings.pt")
#: The other item files, by kind, in the order they are checked and reported.
ITEM_FILES: tuple[tuple[ItemKind, str], ...] = (
    ("item-text", "item_plain_text.txt"),
    ("indexing", "item_generative_indexing_*.txt"),
    ("similar-items", "similar_item_*.txt"),
)
#: The LightGCN pipeline's files (graph-data.md): its folder, in the dataset folder or
#: beside the mapping, and the user index the converter writes beside the mapping.
GRAPH_DIR = "lightgcn_data"
TRAIN, TEST = "train.txt", "test.txt"
USER_INDEX = "user_id_to_index.json"
EXPORT = "lightgcn_item_embeddings.pt"
CHECKPOINTS = "lightgcn_model*.pt"


@dataclass(frozen=True)
class GraphFiles:
    """The LightGCN chain's files; None (or empty) where there is no such file."""

    folder: Path | None = None
    train: Path | None = None
    test: Path | None = None
    user_index: Path | None = None
    export: Path | None = None
    #: Every checkpoint, sorted by name: export_lightgcn_embeddings.py reads the last one.
    checkpoints: tuple[Path, ...] = ()

    @property
    def checkpoint(self) -> Path | None:
        """The checkpoint the exporter reads when none is named: the last by name."""
        return self.checkpoints[-1] if self.checkpoints else None

    def files(self) -> list[Path]:
        """The files a check reads, in the order the report lists them."""
        found = [self.train, self.test, self.user_index, self.checkpoint, self.export]
        return [path for path in found if path is not None]


@dataclass(frozen=True)
class DatasetFiles:
    """The files one check reads; None where the folder has no such file."""

    folder: Path | None
    sequences: Path | None
    mapping: Path | None
    embeddings: Path | None = None
    item_files: tuple[tuple[ItemKind, Path], ...] = ()  # (kind, path), in ITEM_FILES order
    other_mappings: tuple[Path, ...] = ()  # a .pkl beside the .json: the trainer may read it
    #: The folders searched for an embedding table, when none was found or given.
    table_searched: tuple[Path, ...] = ()
    graph: GraphFiles = GraphFiles()

    def refuse_as_output(self, target: Path, *, hint: str) -> None:
        """`UsageError` when writing ``target`` would overwrite one of these files or the
        mapping's backup (an output is a new file; inputs are never modified)."""
        protected = [self.sequences, self.mapping, self.embeddings, *self.other_mappings]
        protected += [path for _, path in self.item_files]
        protected += [*self.graph.files(), *self.graph.checkpoints]
        if self.mapping is not None:
            protected.append(self.mapping.with_name(self.mapping.name + ".bak"))
        for path in protected:
            if path is not None and _same_file(target, path):
                raise UsageError(f"{target} is an input of this dataset; {hint}")

    def table_search(self) -> str:
        """Where a table was looked for, as messages say it: ``./ (the dataset folder)``."""
        return " and ".join(
            f"{_from_cwd(place).rstrip('/')}/ "
            f"({'the dataset folder' if place == self.folder else 'beside the mapping'})"
            for place in self.table_searched
        )

    def mapping_inputs(self) -> DatasetFiles:
        """Only what a repair reads: the sequences and the mapping."""
        return DatasetFiles(self.folder, self.sequences, self.mapping)

    def display(self, path: Path | None) -> str | None:
        """``path`` as reports show it: relative to the folder when inside it."""
        if path is None:
            return None
        if self.folder is not None:
            try:
                return path.relative_to(self.folder).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    def paths(self) -> dict[str, str]:
        """Each file as reports name it -> its path from the working directory."""
        return {
            name: _from_cwd(path)
            for path in (
                self.sequences,
                self.mapping,
                *self.other_mappings,
                self.embeddings,
                *(path for _, path in self.item_files),
                *self.graph.files(),
            )
            if path is not None and (name := self.display(path)) is not None
        }


def _from_cwd(path: Path) -> str:
    """``path`` relative to the working directory when it lies inside it."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()
    return Path(os.path.normpath(path)).as_posix()


def locate(
    folder: Path | None,
    *,
    sequences: Path | None = None,
    mapping: Path | None = None,
    embeddings: Path | None = None,
    graph_dir: Path | None = None,
    user_index: Path | None = None,
    graph_export: Path | None = None,
) -> DatasetFiles:
    """The files of a dataset: explicit paths win over the folder's conventional names.

    With no folder and no explicit file, the current directory is the folder.
    """
    if folder is None and sequences is None and mapping is None and embeddings is None:
        folder = Path(".")
    item_files: tuple[tuple[ItemKind, Path], ...] = ()
    other_mappings: tuple[Path, ...] = ()
    searched: list[Path] = []
    if folder is not None:
        if not folder.exists():
            raise InputError(folder, "no such dataset folder")
        if not folder.is_dir():
            raise InputError(folder, "not a folder (pass files with --sequences / --mapping)")
        if sequences is None and (folder / SEQUENCES).exists():
            sequences = folder / SEQUENCES
        if mapping is None:
            found = [folder / m for m in MAPPINGS if (folder / m).exists()]
            mapping, other_mappings = (found[0], tuple(found[1:])) if found else (None, ())
        if embeddings is None:
            embeddings = _table_in(folder)
            searched.append(folder)
        item_files = tuple(
            (kind, path)
            for kind, pattern in ITEM_FILES
            for path in sorted(folder.glob(pattern))
            if path.is_file()
        )
        if sequences is None and mapping is None and embeddings is None and not item_files:
            raise InputError(
                folder, f"not a GRAM dataset folder (no {SEQUENCES}, no {' or '.join(MAPPINGS)})"
            )
    # GRAM-C writes the table beside the mapping, and the mapping may live apart from the
    # sequences (gram/Beauty/user_sequence.txt, gram-c/Beauty/item_id_to_gcn_index.json).
    beside = mapping.parent if mapping is not None else None
    if embeddings is None and beside and not any(_same_folder(beside, p) for p in searched):
        embeddings = _table_in(beside)
        searched.append(beside)
    return DatasetFiles(
        folder=folder,
        sequences=sequences,
        mapping=mapping,
        embeddings=embeddings,
        item_files=item_files,
        other_mappings=other_mappings,
        table_searched=tuple(searched) if embeddings is None else (),
        graph=locate_graph(folder, mapping, graph_dir, user_index, graph_export),
    )


def locate_graph(
    folder: Path | None,
    mapping: Path | None,
    graph_dir: Path | None = None,
    user_index: Path | None = None,
    export: Path | None = None,
) -> GraphFiles:
    """The LightGCN files: ``lightgcn_data/`` in the dataset folder, else beside the
    mapping (or ``graph_dir``); ``user_id_to_index.json`` likewise. Only a folder named
    explicitly that does not exist or holds nothing of a graph is an `InputError` here;
    what is found is judged when read (`gramfix.io.graph.read_graph`), so a command that
    never reads the graph (repair) never fails on it.
    """
    places = [p for p in (folder, mapping.parent if mapping else None) if p is not None]
    explicit = graph_dir is not None
    if graph_dir is not None:
        if not graph_dir.exists():
            raise InputError(graph_dir, "no such graph folder")
        if not graph_dir.is_dir():
            raise InputError(graph_dir, "not a folder (the graph folder holds train.txt)")
    else:
        graph_dir = next((p / GRAPH_DIR for p in places if (p / GRAPH_DIR).is_dir()), None)
    if graph_dir is None:
        # No graph folder: only what was named explicitly is read.
        return GraphFiles(user_index=user_index, export=export)
    train, test = graph_dir / TRAIN, graph_dir / TEST
    has_graph = train.exists() or test.exists()  # one without the other: read_graph refuses
    if export is None and (graph_dir / EXPORT).exists():
        export = graph_dir / EXPORT
    if explicit and not has_graph and export is None:
        raise InputError(graph_dir, f"no {TRAIN}, {TEST} or {EXPORT}: not a LightGCN folder")
    if user_index is None and has_graph:
        user_index = next((p / USER_INDEX for p in places if (p / USER_INDEX).exists()), None)
    return GraphFiles(
        folder=graph_dir,
        train=train if train.exists() else None,
        test=test if test.exists() else None,
        user_index=user_index,
        export=export,
        checkpoints=tuple(sorted(p for p in graph_dir.glob(CHECKPOINTS) if p.is_file())),
    )


def _table_in(folder: Path) -> Path | None:
    """The embedding table in ``folder`` by its conventional names (.npy first)."""
    return next((folder / e for e in EMBEDDINGS if (folder / e).exists()), None)


def _same_folder(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through links too), or would once one is made."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


@dataclass(frozen=True)
class EvalFiles:
    """The files one eval reads: the predictions, the dataset's indexing and sequences."""

    predictions: Path
    folder: Path | None
    indexing: Path
    sequences: Path | None

    def display(self, path: Path | None) -> str | None:
        """``path`` as reports show it: relative to the folder when inside it."""
        return DatasetFiles(self.folder, None, None).display(path)

    def paths(self) -> dict[str, str]:
        """Each file as reports name it -> its path from the working directory."""
        return {
            name: _from_cwd(path)
            for path in (self.predictions, self.indexing, self.sequences)
            if path is not None and (name := self.display(path)) is not None
        }

    def refuse_as_output(self, target: Path, *, hint: str) -> None:
        """`UsageError` when writing ``target`` would overwrite one of these files."""
        for path in (self.predictions, self.indexing, self.sequences):
            if path is not None and _same_file(target, path):
                raise UsageError(f"{target} is an input of this evaluation; {hint}")


def locate_eval(
    predictions: Path,
    folder: Path | None,
    *,
    indexing: Path | None = None,
    sequences: Path | None = None,
) -> EvalFiles:
    """The files of an evaluation: explicit paths win over the folder's conventional names.

    With neither a folder nor an indexing file, the current directory is the folder. A
    folder with several indexing files is refused unless ``indexing`` picks one.
    """
    if folder is None and indexing is None:
        folder = Path(".")
    if folder is not None:
        if not folder.exists():
            raise InputError(folder, "no such dataset folder")
        if not folder.is_dir():
            raise InputError(folder, "not a folder (pass the indexing file with --indexing)")
        if indexing is None:
            pattern = dict(ITEM_FILES)["indexing"]
            found = sorted(p for p in folder.glob(pattern) if p.is_file())
            if len(found) > 1:
                names = ", ".join(p.name for p in found)
                raise UsageError(
                    f"{_from_cwd(folder)} has {len(found)} indexing files ({names}): choose "
                    "the one the model was trained with, --indexing FILE"
                )
            if not found:
                raise InputError(
                    folder, f"no {pattern} here (give the dataset folder, or --indexing FILE)"
                )
            indexing = found[0]
        if sequences is None and (folder / SEQUENCES).is_file():
            sequences = folder / SEQUENCES
    assert indexing is not None
    return EvalFiles(predictions, folder, indexing, sequences)
