"""The options model: every option of gramfix, declared once.

Each field of `Options` is one option. Its type, default and bounds validate it wherever
it comes from -- a flag, a configuration key, a library call -- and its `Flag` says how
the command line and the documentation show it. From these fields derive the click
options of each command (`gramfix.commands.options`), the configuration keys and their
validation (`gramfix.io.config`), the settings echoed in the report (`Settings` is the
report's ``settings``), the policy line of the text report and the README's key table.
Adding an option is adding a field.

`Settings` is what a check is computed and judged with; `Options` adds the inputs.
A value that fails validation is a `UsageError` naming the option as its source spells
it: ``--max-his`` for a flag, ``gramfix.toml: max-his`` for a key, ``max-his`` for a
library call (`gramfix.model.flag.problems` lists them for a caller that names the
source itself).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from gramfix.model.errors import UsageError
from gramfix.model.flag import (
    CHECK,
    EVAL,
    EXPECTED,
    REPAIR,
    Flag,
    invalid,
    kebab,
    problems,
    spec,
)
from gramfix.model.option_types import (
    FAIL_ON,
    SPLITS,
    Codes,
    Share,
    Split,
    failing_severity,
)
from gramfix.model.rules import Severity

S = TypeVar("S", bound="CommonSettings")


class CommonSettings(BaseModel):
    """What every report is judged with: the failing severity, the selection, exit-zero.

    Each command's report echoes its own subclass (`Settings` for check, `EvalSettings`
    for eval): the fields a report echoes are the fields its command takes, declared
    once here or there, never twice (`Options` inherits both).
    """

    # ``select`` / ``ignore`` hold code prefixes (empty select: every code; a select
    # naming no code of a command selects every code of that command, so one
    # configuration file serves check and eval).
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        validate_by_name=True,
        validate_by_alias=True,
        alias_generator=AliasGenerator(validation_alias=kebab),
        json_schema_serialization_defaults_required=True,
    )
    #: How a validation error names an option of this class (``--`` for flags).
    source: ClassVar[str] = ""
    #: The command whose report echoes these settings (`Flag.commands` names it).
    command: ClassVar[str] = ""

    fail_on: Annotated[
        Severity,
        BeforeValidator(failing_severity),
        Field(description="Findings at or above this severity fail."),
        Flag(
            "The lowest severity that fails the check (default: {default}).",
            commands=(CHECK, EVAL),
            choices=tuple(s.value for s in FAIL_ON),
            expected=" or ".join(repr(s.value) for s in FAIL_ON),
        ),
    ] = Severity.ERROR
    select: Annotated[
        Codes,
        Field(description="Code prefixes reported; empty: every code."),
        Flag(
            "Report only these codes, prefixes or names (GF3 for check, GE1 for eval; "
            "default: all).",
            commands=(CHECK, EVAL),
            metavar="CODES",
            expected="a list of finding codes or prefixes",
        ),
    ] = ()
    ignore: Annotated[
        Codes,
        Field(description="Code prefixes not reported."),
        Flag(
            "Do not report these codes.",
            commands=(CHECK, EVAL),
            metavar="CODES",
            expected="a list of finding codes or prefixes",
        ),
    ] = ()
    exit_zero: Annotated[
        bool,
        Field(description="Exit 0 even when the verdict is fail."),
        Flag("Exit 0 even when the check fails (a report-only rollout).", commands=(CHECK, EVAL)),
    ] = False

    @model_validator(mode="wrap")
    @classmethod
    def _one_line(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """A library call or a flag gets a `UsageError` naming the option; a configuration
        file (``context={"raw": True}``) gets the ValidationError, to name itself."""
        try:
            return handler(data)
        except ValidationError as error:
            context = info.context if isinstance(info.context, dict) else {}
            if isinstance(data, Mapping) and not context.get("raw"):
                # The command validated for: the caller's (``context={"command": ...}``),
                # else this class's (`Options` serves every command).
                command = context.get("command") or cls.command
                problem = problems(error, cls.model_fields, list(data), command)[0]
                raise UsageError(problem.message(cls.source + problem.key)) from None
            raise

    def selects(self, code: str) -> bool:
        """Whether findings of ``code`` are reported.

        As in ruff, the most specific matching entry wins (``--select GF3 --ignore
        GF302`` keeps GF301); between equal entries ``ignore`` wins. With no
        ``select`` entry of the code's family (GF: check, GE: eval), every code of the
        family is selected.
        """
        # ALL is the empty prefix: every code of every family.
        select = ["" if p == "ALL" else p for p in self.select]
        select = [p for p in select if p[:2] in ("", code[:2])]
        ignore = ["" if p == "ALL" else p for p in self.ignore]
        best_select = max((len(p) for p in select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in ignore if code.startswith(p)), default=-1)
        if not select:
            best_select = max(best_select, 0)
        return best_select > best_ignore


class Settings(CommonSettings):
    """The settings a check report was computed and judged with."""

    # What a check is computed with (GRAM-C's defaults: recent_k=5, max_his=20). The
    # thresholds are success conditions on the coverage and the recent-window fill; None
    # means "not set" (see `gramfix.model.policy`).
    command: ClassVar[str] = CHECK

    recent_k: Annotated[
        int,
        Field(ge=1),
        Flag(
            "Recent history items in GRAM-C's collaborative prefix (at least {ge}; default: "
            "{default}).",
            policy=False,
        ),
    ] = 5
    max_his: Annotated[
        int,
        Field(ge=0),
        Flag(
            "History length the trainer keeps (at least {ge}; 0: all; default: {default}).",
            policy=False,
        ),
    ] = 20
    max_missing: Annotated[
        int | None,
        Field(ge=0, description="Threshold: sequence items allowed to miss."),
        Flag(
            "Pass with at most N sequence items unresolved (GF301, GF302; N at least {ge}).",
            metavar="N",
        ),
    ] = None
    min_coverage: Annotated[
        Share,
        Field(description="Threshold: share of items to resolve."),
        Flag(
            "Pass when at least SHARE of the sequence items resolve (GF301, GF302; SHARE "
            "between {ge} and {le}).",
            metavar="SHARE",
        ),
    ] = None
    min_fill: Annotated[
        Share,
        Field(description="Threshold: lowest recent-window fill."),
        Flag(
            "Pass when the recent-window fill of every split is at least SHARE (GF401; "
            "SHARE between {ge} and {le}).",
            metavar="SHARE",
        ),
    ] = None

    @property
    def window(self) -> int:
        """Real history slots in the recent-item window (the trainer trims to max_his > 0)."""
        return self.recent_k if self.max_his <= 0 else min(self.recent_k, self.max_his)

    @property
    def thresholds(self) -> bool:
        """Whether any threshold is set."""
        return any(t is not None for t in (self.max_missing, self.min_coverage, self.min_fill))


class EvalSettings(CommonSettings):
    """The settings an eval report was computed and judged with."""

    command: ClassVar[str] = EVAL

    split: Annotated[
        Split,
        Field(description="The split the file evaluates: its golds are items[-1] or items[-2]."),
        Flag(
            "The split the predictions are of: a user's gold is items[-1] (test) or "
            "items[-2] (valid) of user_sequence.txt (default: {default}).",
            commands=(EVAL,),
            choices=SPLITS,
            expected=" or ".join(repr(s) for s in SPLITS),
        ),
    ] = "test"
    generate_num: Annotated[
        int,
        Field(ge=1, description="Predictions per user (GRAM's generate_num)."),
        Flag(
            "Predictions per user, GRAM's generate_num (at least {ge}; default: {default}).",
            commands=(EVAL,),
            metavar="N",
        ),
    ] = 10


class Options(EvalSettings, Settings):
    """Everything a command can be asked: the settings, and the inputs to read."""

    source: ClassVar[str] = "--"
    command: ClassVar[str] = ""  # every command's

    dataset: Annotated[
        Path | None,
        Flag(
            "The dataset folder (relative to the file): checked when none is given; eval "
            "finds the indexing file and the sequences in it.",
            commands=(CHECK, REPAIR, EVAL),
            argument="dataset_dir",
            expected="a folder path (relative to this file)",
        ),
    ] = None
    sequences: Annotated[
        Path | None,
        Flag("user_sequence.txt (default: in DATASET_DIR).", commands=(CHECK, REPAIR, EVAL)),
    ] = None
    mapping: Annotated[
        Path | None, Flag("item_id_to_gcn_index.json or .pkl (default: in DATASET_DIR).")
    ] = None
    embeddings: Annotated[
        Path | None,
        Flag(
            "Embedding table, gcn_item_embeddings.npy or .pt (default: in DATASET_DIR, else "
            "beside the mapping; only a legacy pre-1.6 .pt needs the torch extra).",
            commands=(CHECK,),
        ),
    ] = None
    graph_dir: Annotated[
        Path | None,
        Flag(
            "The LightGCN folder with train.txt, test.txt, the checkpoints and the export "
            "(default: lightgcn_data/ in DATASET_DIR, else beside the mapping).",
            commands=(CHECK,),
            metavar="DIR",
            expected="a folder path (relative to this file)",
        ),
    ] = None
    user_index: Annotated[
        Path | None,
        Flag(
            "The graph's user_id_to_index.json (default: in DATASET_DIR, else beside the mapping).",
            commands=(CHECK,),
        ),
    ] = None
    graph_export: Annotated[
        Path | None,
        Flag(
            "The exported graph table (default: lightgcn_item_embeddings.pt in the graph folder).",
            commands=(CHECK,),
        ),
    ] = None
    predictions: Annotated[
        Path | None,
        Flag(
            "The prediction file GRAM's --save_predictions wrote.",
            commands=(EVAL,),
            argument="predictions",
            required=True,
            config=False,
        ),
    ] = None
    indexing: Annotated[
        Path | None,
        Flag(
            "item_generative_indexing_*.txt the predictions name items by (default: the one "
            "in DATASET_DIR).",
            commands=(EVAL,),
            metavar="FILE",
        ),
    ] = None

    @field_validator(
        "dataset",
        "sequences",
        "mapping",
        "embeddings",
        "graph_dir",
        "user_index",
        "graph_export",
        "predictions",
        "indexing",
        mode="before",
    )
    @classmethod
    def _path(cls, value: object, info: ValidationInfo) -> Path:
        """A path; a configuration file's (``context={"base": folder}``) is relative to it,
        and shown from the working directory when it lies below it."""
        if isinstance(value, Path):
            return value
        if not isinstance(value, str) or not value:
            raise invalid(EXPECTED, "not a path")
        base = info.context.get("base") if isinstance(info.context, dict) else None
        if base is None:
            return Path(value)
        path = Path(base).resolve() / value
        return Path(os.path.relpath(path)) if path.is_relative_to(Path.cwd()) else path

    def given(self) -> dict[str, Any]:
        """The options that were given (set explicitly), by field name."""
        return {name: getattr(self, name) for name in self.model_fields_set}

    def check_files(self) -> dict[str, Path | None]:
        """The files ``check`` is given besides the folder, by parameter name (of
        `gramfix.io.discover.locate` and `gramfix.pipeline.check_dataset`)."""
        names = ("sequences", "mapping", "embeddings", "graph_dir", "user_index", "graph_export")
        return {name: getattr(self, name) for name in names}

    def settings(self) -> Settings:
        """The settings part of these options (a check report's)."""
        return self.settings_of(Settings)

    def settings_of(self, kind: type[S]) -> S:
        """The settings part of these options that ``kind`` (a command's) holds."""
        return kind(**{name: getattr(self, name) for name in kind.model_fields})


def flag(name: str) -> Flag:
    """The `Flag` of option ``name``."""
    return spec(Options.model_fields[name])


def option_fields(command: str | None = None) -> Iterator[tuple[str, FieldInfo, Flag]]:
    """The options (of ``command``, or every one) in declaration order: name, field, flag."""
    for name, info in Options.model_fields.items():
        shows = spec(info)
        if command is None or command in shows.commands:
            yield name, info, shows


def input_fields() -> list[str]:
    """The options that name inputs (the dataset folder and its files), in declaration
    order: the fields of `Options` that no command's settings hold."""
    held = {*Settings.model_fields, *EvalSettings.model_fields}
    return [name for name in Options.model_fields if name not in held]


def config_keys() -> list[str]:
    """The keys of a configuration file: the options' names in kebab case."""
    return [kebab(name) for name, _, spec in option_fields() if spec.config]
