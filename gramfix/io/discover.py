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

    def refuse_as_output(self, target: Path, *, hint: str) -> None:
        """`UsageError` when writing ``target`` would overwrite one of these files or the
        mapping's backup (an output is a new file; inputs are never modified)."""
        protected = [self.sequences, self.mapping, self.embeddings, *self.other_mappings]
        protected += [path for _, path in self.item_files]
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
