"""The atomic writer's contract: all or nothing, permissions kept, errors that name the
file (`GramfixError`, so the command line makes them one line and exit 2)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gramfix.io.write import write_atomic
from gramfix.model.errors import GramfixError


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    write_atomic(target, b"one")
    assert target.read_bytes() == b"one"
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_keeps_the_mode_of_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "r.json", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("fails", "raised"),
    [
        ("replace", GramfixError),  # e.g. a full disk or a read-only folder
        ("fsync", KeyboardInterrupt),  # interrupted halfway
    ],
)
def test_failure_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str, raised: type[BaseException]
) -> None:
    target = tmp_path / "r.json"
    target.write_bytes(b"old")

    def broken(*args: object) -> None:
        if raised is GramfixError:
            raise OSError(28, "No space left on device")
        raise raised

    monkeypatch.setattr(os, fails, broken)
    with pytest.raises(raised):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing/r.json", "cannot write"), (".", "cannot write")],
)
def test_errors_name_the_file(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(GramfixError, match=message):
        write_atomic(tmp_path / name, b"x")


@pytest.mark.parametrize("links", [True, False])
def test_write_new_never_replaces_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    import errno

    from gramfix.io.write import write_new

    if not links:  # a file system without hard links (FAT, some network mounts)

        def no_link(*args: object) -> None:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))

        monkeypatch.setattr(os, "link", no_link)
    target = tmp_path / "r.json"
    write_new(target, b"one")
    assert target.read_bytes() == b"one"
    with pytest.raises(GramfixError, match="appeared meanwhile"):
        write_new(target, b"two")  # e.g. created after repair looked
    assert target.read_bytes() == b"one"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
