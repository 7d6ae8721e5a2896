"""Beauty with every file present: the folders of benchmarks/run.py's Beauty rows.

    python benchmarks/dataset_checks.py [--repeat 5] [--markdown]

Builds (once, in ``--data``) a Beauty folder with every file GRAM-C reads: the GRAM files
of ../shared/datasets/gram/Beauty, the real GRAM-C mapping, and the real GRAM-C table both
as ``.pt`` and converted to ``.npy`` (torch is needed for that conversion only). Run as a
script, it measures benchmarks/run.py's ``beauty`` and ``pt`` rows.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SHARED = HERE.parent.parent / "shared" / "datasets"


def folder(data: Path, table: str) -> Path:
    """Beauty with every file, the table as ``.npy`` or ``.pt``."""
    target = data / f"beauty-every-file-{table}"
    if target.exists():
        return target
    target.mkdir(parents=True)
    for source in (SHARED / "gram" / "Beauty").iterdir():
        shutil.copyfile(source, target / source.name)
    gram_c = SHARED / "gram-c" / "Beauty"
    shutil.copyfile(gram_c / "item_id_to_gcn_index.json", target / "item_id_to_gcn_index.json")
    if table == "pt":
        shutil.copyfile(gram_c / "gcn_item_embeddings.pt", target / "gcn_item_embeddings.pt")
    else:  # in a child: torch imported here would inflate every measured child's peak RSS
        convert = (
            "import sys, numpy, torch; "
            "numpy.save(sys.argv[2], torch.load(sys.argv[1], weights_only=True).numpy())"
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                convert,
                str(gram_c / "gcn_item_embeddings.pt"),
                str(target / "gcn_item_embeddings.npy"),
            ],
            check=True,
        )
    return target


def main(argv: list[str] | None = None) -> int:
    """The Beauty rows of benchmarks/run.py (sequences + mapping, and every file)."""
    import run

    return run.main(["--rows", "beauty", "pt", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
