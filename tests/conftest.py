"""Shared fixtures: the real datasets (skipped when absent), a CLI runner, and the
engine switch that runs a test module once per engine (compiled and pure)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from gramfix.cli import main

# No wall-clock limit inside a test: hypothesis's default 200 ms deadline per example
# fails a correct test on a busy machine. Speed is measured by benchmarks/, not here.
settings.register_profile("gramfix", deadline=None)
settings.load_profile("gramfix")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GRAMFIX_SHARED", ROOT.parent / "shared")) / "datasets"


@pytest.fixture
def shared() -> Path:
    """The real GRAM / GRAM-C data of ../shared/datasets; the test skips without it."""
    if not (SHARED / "gram" / "Beauty" / "user_sequence.txt").is_file():
        pytest.skip("../shared/datasets is not available")
    return SHARED


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def gramfix(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the command line in-process: ``gramfix("check", "dir")`` -> exit code and output."""

    def run(*args: str | Path) -> Run:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


#: The engines every equality test runs on: the compiled kernels (`gramfix._native`,
#: when built) and the pure Python/numpy path, which stays the reference.
ENGINES = ("compiled", "pure")


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the tests of a module (``pytestmark = pytest.mark.usefixtures("engine")``) on
    each engine. The compiled one is skipped when the extension is not built or is stale,
    and fails instead under GRAMFIX_REQUIRE_NATIVE=1 (CI), so that it really runs there.
    Module-scoped so that hypothesis tests take it too."""
    import gramfix._native as native

    name: str = request.param
    if name == "compiled" and not native.AVAILABLE:
        if os.environ.get("GRAMFIX_REQUIRE_NATIVE"):
            pytest.fail(f"GRAMFIX_REQUIRE_NATIVE is set but the engine is {native.ENGINE}")
        pytest.skip(f"engine: {native.ENGINE}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(native, "AVAILABLE", name == "compiled")
        yield name


@contextmanager
def pure_engine() -> Iterator[None]:
    """The pure path inside a block: the reference a compiled result is compared with."""
    import gramfix._native as native

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(native, "AVAILABLE", False)
        yield
