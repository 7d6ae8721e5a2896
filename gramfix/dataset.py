"""Finding the files of a GRAM dataset folder by the conventions of the GRAM code."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gramfix.errors import InputError

SEQUENCES = "user_sequence.txt"
MAPPINGS = ("item_id_to_gcn_index.json", "item_id_to_gcn_index.pkl")


@dataclass(frozen=True)
class DatasetFiles:
    """The files one check reads; None where the folder has no such file."""

    folder: Path | None
    sequences: Path | None
    mapping: Path | None

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
            for path in (self.sequences, self.mapping)
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
    folder: Path | None, *, sequences: Path | None = None, mapping: Path | None = None
) -> DatasetFiles:
    """The files of a dataset: explicit paths win over the folder's conventional names.

    With no folder and no explicit file, the current directory is the folder.
    """
    if folder is None and sequences is None and mapping is None:
        folder = Path(".")
    if folder is not None:
        if not folder.exists():
            raise InputError(folder, "no such dataset folder")
        if not folder.is_dir():
            raise InputError(folder, "not a folder (pass files with --sequences / --mapping)")
        if sequences is None and (folder / SEQUENCES).exists():
            sequences = folder / SEQUENCES
        if mapping is None:
            mapping = next((folder / m for m in MAPPINGS if (folder / m).exists()), None)
        if sequences is None and mapping is None:
            raise InputError(
                folder, f"not a GRAM dataset folder (no {SEQUENCES}, no {' or '.join(MAPPINGS)})"
            )
    return DatasetFiles(folder=folder, sequences=sequences, mapping=mapping)
