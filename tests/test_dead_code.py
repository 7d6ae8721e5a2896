"""No dead module-level names: every constant, alias, function and class of the package is
used somewhere (in its own module, imported by name, or reached as an attribute).

A name nobody reads is a promise nobody keeps: a second copy of a constant that drifts
from the real one, or a type alias that documents a shape no code has.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = sorted((ROOT / "gramfix").rglob("*.py"))
OTHERS = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))


def _module(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _defined(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("__")]


def unused_names(package: list[Path], others: list[Path], root: Path = ROOT) -> list[str]:
    """``module.name`` of every module-level name of ``package`` that nothing reads."""
    imported: set[tuple[str, str]] = set()
    reached: set[str] = set()  # attributes, and strings naming one (getattr, monkeypatch)
    for path in package + others:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {(node.module, alias.name) for alias in node.names}
            elif isinstance(node, ast.Attribute):
                reached.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                reached.add(node.value)
    unused = []
    for path in package:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        read = {
            node.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store)
        }
        module = _module(path, root)
        unused += [
            f"{module}.{name}"
            for name in _defined(tree)
            if name not in read and (module, name) not in imported and name not in reached
        ]
    return unused


def test_no_module_level_name_is_unused() -> None:
    assert unused_names(PACKAGE, OTHERS) == []


def test_the_scan_finds_a_dead_name(tmp_path: Path) -> None:
    # The scan itself must be able to fail: only the name that nothing reads is reported.
    (tmp_path / "pkg").mkdir()
    probe = tmp_path / "pkg" / "probe.py"
    probe.write_text("UNREAD = 5\nREAD = 6\nUSED_ELSEWHERE = 7\nprint(READ)\n")
    user = tmp_path / "user.py"
    user.write_text("from pkg.probe import USED_ELSEWHERE\n")
    assert unused_names([probe], [user], tmp_path) == ["pkg.probe.UNREAD"]
