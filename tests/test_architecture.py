"""The package's folders are its layers, and imports only point down them.

Every module is parsed, and every import counts: at the top, inside functions (the lazy
imports of the start-up path) and under ``TYPE_CHECKING``. A module may import its own
layer and the layers below; ``render`` only the model. No module imports a private name
of another (``from x import _y``): what is shared is public. The root holds only the
entry points, and no module is over 400 lines. See docs/architecture.md.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "gramfix"
#: The layer of each package and root module; a module may import its layer and below.
LAYERS = {
    "model": 0,
    "engine": 1,
    "_native": 1,  # the compiled kernels, beside engine: arrays in, arrays out
    "io": 2,
    "checks": 3,
    "render": 3,
    "pipeline": 4,
    "repairing": 4,
    "evaluation": 4,
    "api": 4,  # the public functions (gramfix.check, repair, preflight): calls of the above
    "commands": 5,
    "cli": 6,
    "__main__": 7,
}
#: What a layer may import besides the layers below it (render: the model alone).
ONLY = {"render": {"model", "render"}}
#: The root keeps only the entry points.
ROOT_MODULES = {"__init__", "__main__", "cli", "pipeline", "repairing", "evaluation", "api"}
#: A module longer than this has two jobs: split it where they part.
MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    line: int
    target: str  # the module imported from, dotted
    names: tuple[str, ...]  # the names imported (empty for ``import x``)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(package: Path) -> list[Import]:
    """Every import of a gramfix module by a module of ``package``."""
    found = []
    for path in sorted(package.rglob("*.py")):
        name = module_name(path, package.parent)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [
                    Import(name, node.lineno, alias.name, ())
                    for alias in node.names
                    if alias.name.split(".")[0] == package.name
                ]
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.split(".")[0] == package.name
            ):
                names = tuple(alias.name for alias in node.names)
                found.append(Import(name, node.lineno, node.module, names))
    return found


def _unit(dotted: str) -> str | None:
    """The package or root module a dotted name belongs to (None: the package itself)."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else None


def violations(package: Path) -> list[str]:
    """Upward imports and imports of private names, one line each."""
    problems = []
    for imp in imports(package):
        where = f"{imp.module}:{imp.line}"
        private = [n for n in imp.names if n.startswith("_") and not n.startswith("__")]
        if private:
            problems.append(f"{where} imports the private {', '.join(private)} of {imp.target}")
        source = _unit(imp.module)
        if source is None:
            continue  # the public API names anything, lazily
        targets = [imp.target]
        if _unit(imp.target) is None:  # from gramfix import x: x is a module, or the version
            targets = [f"{imp.target}.{n}" for n in imp.names if n != "__version__"]
        for target in targets:
            unit = _unit(target)
            if unit is None or unit not in LAYERS:
                problems.append(f"{where} imports {target}, which is in no layer")
            elif unit not in ONLY.get(source, {unit}) or LAYERS[unit] > LAYERS[source]:
                problems.append(f"{where} imports {target} (layer {unit}) from layer {source}")
    return problems


def test_imports_point_down_the_layers() -> None:
    assert violations(PACKAGE) == []


def test_every_package_and_root_module_has_a_layer() -> None:
    units = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    units |= {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert units <= set(LAYERS)


def test_the_root_holds_only_the_entry_points() -> None:
    assert {p.stem for p in PACKAGE.glob("*.py")} <= ROOT_MODULES


def test_no_module_is_over_400_lines() -> None:
    lines = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: n for path, n in lines.items() if n > MAX_LINES} == {}


def test_the_scan_finds_an_upward_and_a_private_import(tmp_path: Path) -> None:
    # The scan must be able to fail: an engine module importing a check (inside a
    # function, as a lazy import would), a render module importing io, and a private name.
    package = tmp_path / "gramfix"
    for folder in ("engine", "checks", "render", "io", "model"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("from gramfix.cli import main\n")
    (package / "engine" / "a.py").write_text("def f():\n    from gramfix.checks import b\n")
    (package / "render" / "c.py").write_text("from gramfix.io import d\n")
    (package / "model" / "e.py").write_text("from gramfix.model.f import _g\n")
    assert violations(package) == [
        "gramfix.engine.a:2 imports gramfix.checks (layer checks) from layer engine",
        "gramfix.model.e:1 imports the private _g of gramfix.model.f",
        "gramfix.render.c:1 imports gramfix.io (layer io) from layer render",
    ]


def test_one_version_source_and_the_package_is_typed() -> None:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    setuptools = project["tool"]["setuptools"]
    assert setuptools["dynamic"]["version"] == {"attr": "gramfix.__version__"}
    assert (PACKAGE / "py.typed").is_file()
    # shipped in the wheel with the package (include-package-data is off: listed here)
    assert "py.typed" in setuptools["package-data"]["gramfix"]
