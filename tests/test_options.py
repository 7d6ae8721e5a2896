"""One options model: the flags of each command, the configuration keys and their
validation, and the report's settings all come from the fields of `Options`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from gramfix.commands.check import check
from gramfix.commands.eval import eval as evaluate
from gramfix.commands.options import model_options
from gramfix.commands.repair import repair
from gramfix.model.errors import UsageError
from gramfix.model.flag import CHECK, EVAL, bounds
from gramfix.model.options import (
    CommonSettings,
    EvalSettings,
    Options,
    Settings,
    config_keys,
    flag,
    input_fields,
    option_fields,
)
from tests.conftest import ROOT, Run

PARTIAL = ROOT / "tests" / "cases" / "partial-coverage"
EXAMPLES = ROOT / "examples"
OWN = {
    "check": {"output_format", "output", "config_file", "no_config"},
    "repair": {"output", "force", "in_place", "dry_run", "show_diff", "output_format"}
    | {"config_file", "no_config"},
    "eval": {"output_format", "output", "config_file", "no_config"},
}


@pytest.mark.parametrize("command", [check, repair, evaluate], ids=lambda c: c.name)
def test_a_command_takes_exactly_the_options_that_name_it(command: click.Command) -> None:
    assert command.name is not None
    fields = {spec.argument or name for name, _, spec in option_fields(command.name)}
    params = {p.name for p in command.params}
    assert params - OWN[command.name] == fields


def test_a_layout_cannot_place_an_option_the_command_does_not_take() -> None:
    with pytest.raises(ValueError, match="embeddings"):
        model_options("repair", ["embeddings"])


def test_the_configuration_keys_are_the_options() -> None:
    # All but a required argument (the prediction file eval audits).
    keys = [n.replace("_", "-") for n in Options.model_fields if not flag(n).required]
    assert sorted(config_keys()) == sorted(keys)


@pytest.mark.parametrize(("kind", "command"), [(Settings, CHECK), (EvalSettings, EVAL)])
def test_a_report_echoes_the_settings_its_command_takes(
    kind: type[CommonSettings], command: str
) -> None:
    # One definition: a command's settings class holds exactly the settings whose flag
    # names the command, and says which command it is.
    takes = {n for n in Options.model_fields if n not in input_fields()}
    assert set(kind.model_fields) == {n for n in takes if command in flag(n).commands}
    assert kind.command == command


def test_the_eval_report_settings_are_the_eval_settings_model() -> None:
    from gramfix.evaluation import evaluate_file

    settings = EvalSettings(split="valid", select=("GE1", "GF3"))  # GF3: check's, kept
    report = evaluate_file(
        EXAMPLES / "beauty-predictions.tsv", EXAMPLES / "beauty-broken", settings=settings
    )
    assert type(report.settings) is EvalSettings
    echoed = json.loads(report.model_dump_json())["settings"]
    assert list(echoed) == list(EvalSettings.model_fields)
    assert echoed["split"] == "valid"
    assert echoed["select"] == ["GE1", "GF3"]
    assert {f.code[:3] for f in report.findings} == {"GE1"}


def test_the_report_settings_are_the_settings_model() -> None:
    from gramfix import check_dataset

    report = check_dataset(PARTIAL, settings=Settings(select=("unresolved-items", "gf4")))
    assert type(report.settings) is Settings
    echoed = json.loads(report.model_dump_json())["settings"]
    assert list(echoed) == list(Settings.model_fields)
    assert echoed["select"] == ["GF301", "GF4"]  # echoed as code prefixes


BOUNDED = [
    (name, low, high)
    for name, info, _ in option_fields()
    for low, high in [bounds(info)]
    if low is not None
]


@pytest.mark.parametrize(("name", "low", "high"), BOUNDED, ids=[b[0] for b in BOUNDED])
def test_every_bound_is_refused_alike_by_library_flag_and_key(
    name: str,
    low: float,
    high: float | None,
    gramfix: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Derived from the model, so a new bounded option is covered without a new test.
    key = name.replace("_", "-")
    value = low - 1 if high is None else high + 1
    with pytest.raises(UsageError) as refused:
        Options(**{name: value})  # type: ignore[arg-type]
    sentence = str(refused.value).removeprefix("--")
    assert sentence.startswith(f"{key} must be ")
    kind = Settings if name in Settings.model_fields else EvalSettings
    with pytest.raises(UsageError, match=f"^{sentence}$".replace("(", r"\(").replace(")", r"\)")):
        kind(**{name: value})  # type: ignore[arg-type]
    if kind is Settings:
        for file in ("user_sequence.txt", "item_id_to_gcn_index.json"):
            shutil.copy(PARTIAL / file, tmp_path)
        command = ["check", "."]
    else:
        shutil.copytree(EXAMPLES / "beauty-broken", tmp_path, dirs_exist_ok=True)
        shutil.copy(EXAMPLES / "beauty-predictions.tsv", tmp_path)
        command = ["eval", "beauty-predictions.tsv", "."]
    monkeypatch.chdir(tmp_path)
    by_flag = gramfix(*command, "--no-config", f"--{key}", str(value))
    (tmp_path / "gramfix.toml").write_text(f"{key} = {value}\n")
    by_key = gramfix(*command)
    assert (by_flag.code, by_flag.err) == (2, f"gramfix: error: --{sentence}\n")
    assert (by_key.code, by_key.err) == (2, f"gramfix: error: gramfix.toml: {sentence}\n")
