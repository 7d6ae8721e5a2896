"""Progress: a bar on a terminal for long inputs, nothing in CI logs or pipes."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from gramfix import check_dataset
from gramfix.io import progress
from tests.conftest import ROOT, Run

BROKEN = ROOT / "examples" / "beauty-broken"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")


@pytest.mark.parametrize(
    ("size", "stream", "env", "shown"),
    [
        (progress.MIN_BYTES, _Terminal(), {}, True),
        (progress.MIN_BYTES - 1, _Terminal(), {}, False),  # short inputs: no bar
        (progress.MIN_BYTES, io.StringIO(), {}, False),  # a pipe or a file
        (progress.MIN_BYTES, _Terminal(), {"CI": "true"}, False),  # a CI pseudo-terminal
        (progress.MIN_BYTES, _Terminal(), {"TERM": "dumb"}, False),
    ],
)
def test_when_progress_is_shown(
    monkeypatch: pytest.MonkeyPatch,
    size: int,
    stream: io.StringIO,
    env: dict[str, str],
    shown: bool,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert progress.wanted(size, stream) is shown


def test_a_terminal_gets_a_bar_that_counts_the_bytes_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "MIN_BYTES", 1)
    terminal = _Terminal()
    with progress.display(terminal):  # type: ignore[arg-type]
        report = check_dataset(BROKEN)
        shown = progress._display.get()
        assert shown is not None
        assert shown.bar is not None
        task = shown.bar.tasks[0]
        inputs = ("user_sequence.txt", "item_id_to_gcn_index.json")
        size = sum((BROKEN / name).stat().st_size for name in inputs)
        assert task.total == size
        assert task.completed >= size
        assert task.description == "checking"
    assert report.verdict == "fail"
    assert progress._display.get() is None


def test_the_command_line_shows_nothing_when_stderr_is_not_a_terminal(
    gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "MIN_BYTES", 1)  # every input is "long"
    run = gramfix("check", BROKEN, "--no-config", "--format", "json")
    assert run.err == ""


def test_the_library_is_silent_without_a_display(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # A program calling the library on a terminal, with inputs big enough for a bar: the
    # command line would show one, the library shows nothing (only `display` opens one).
    monkeypatch.setattr(progress, "MIN_BYTES", 1)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr("sys.stdout", terminal)
    report = check_dataset(BROKEN)
    assert report.verdict == "fail"
    assert terminal.getvalue() == ""
    assert capfd.readouterr() == ("", "")
    # The same check inside a display does draw on that terminal: the silence above is
    # the library's, not a bar that could not be drawn.
    with progress.display(terminal):  # type: ignore[arg-type]
        check_dataset(BROKEN)
        assert progress._display.get() is not None
    assert terminal.getvalue() != ""
