"""`pre-commit try-repo` on a clone of this repository: the hook fails a broken dataset
and passes a clean one.

pre-commit installs the clone with pip into a fresh environment (hatchling, numpy, ...),
so this needs the package index. It skips when pre-commit or git is missing, when this is
not a git checkout, or when installing the hook fails for want of the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
OPTIONS = ["--all-files", "--verbose"]
#: What pip and pre-commit print when the index cannot be reached.
OFFLINE = re.compile(
    r"Could not find a version that satisfies|No matching distribution found|"
    r"Failed to establish a new connection|Temporary failure in name resolution|"
    r"Network is unreachable|ConnectionError|ReadTimeoutError|SSLError|"
    r"Could not fetch URL|ProxyError",
)


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=gramfix", "-c", "user.email=gramfix@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with this checkout's files as they are now (committed or not)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed")
    try:
        listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    except subprocess.CalledProcessError:
        pytest.skip("not a git checkout")
    target = tmp_path_factory.mktemp("gramfix-clone")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git("init", "-q", cwd=target)
    _git("add", "-A", cwd=target)
    _git("commit", "-q", "-m", "snapshot", cwd=target)
    return target


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment for both runs (the clone and its revision are the same)."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _consumer(tmp_path: Path, example: str) -> Path:
    """A project that trains on a copy of ``example``, configured in its pyproject.toml."""
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES / example, project / "rec_datasets" / "Beauty")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "trainer"\n\n[tool.gramfix]\ndataset = "rec_datasets/Beauty"\n'
    )
    _git("init", "-q", cwd=project)
    _git("add", "-A", cwd=project)
    return project


def _try_repo(clone: Path, project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "PYTHONPATH", "CI")}
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(clone), "gramfix-check", *OPTIONS],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = done.stdout + done.stderr
    if done.returncode not in (0, 1) and OFFLINE.search(output):
        pytest.skip("pre-commit could not install the hook: no access to the package index")
    return done


@pytest.mark.parametrize(("example", "status"), [("beauty-broken", 1), ("beauty-clean", 0)])
def test_try_repo(
    clone: Path, pre_commit_home: Path, tmp_path: Path, example: str, status: int
) -> None:
    done = _try_repo(clone, _consumer(tmp_path, example), pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == status, output
    if status:
        assert re.search(r"gramfix check\.+Failed", output), output
        assert "GF101 whole-line-keys" in output
        assert "GRAM-C will train as plain GRAM" in output
    else:
        assert re.search(r"gramfix check\.+Passed", output), output
        assert "PASS   0 errors" in output  # pre-commit strips the leading space
