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
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
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
    EXPECTED,
    RANGE,
    SELECTOR,
    Flag,
    invalid,
    kebab,
    problems,
    spec,
)
from gramfix.model.rules import Severity, normalise_selector

#: The severities ``fail-on`` accepts (an info finding never fails a check).
FAIL_ON = (Severity.ERROR, Severity.WARNING)


def _codes(value: object) -> tuple[str, ...]:
    """``select`` / ``ignore`` as given: a comma-separated string or a list of strings."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise invalid(EXPECTED, "not a list of codes")
    return tuple(i.strip() for i in items if i.strip())


def _prefixes(selectors: tuple[str, ...]) -> tuple[str, ...]:
    """The selectors as code prefixes (``ALL`` is ``GF``, a name its code)."""
    prefixes = []
    for selector in selectors:
        prefix = normalise_selector(selector)
        if prefix is None:
            raise invalid(
                SELECTOR,
                f"{selector!r} is not a finding code, code prefix or name (see 'gramfix check "
                "--help' and the README's finding table)",
            )
        prefixes.append(prefix)
    return tuple(prefixes)


def _fail_on(value: object) -> Severity:
    if isinstance(value, Severity):
        if value not in FAIL_ON:
            raise invalid(RANGE, f"must be error or warning (got {value.value})")
        return value
    if isinstance(value, str) and value in {s.value for s in FAIL_ON}:
        return Severity(value)
    raise invalid(EXPECTED, "not a failing severity")


Codes = Annotated[tuple[str, ...], BeforeValidator(_codes), AfterValidator(_prefixes)]
Share = Annotated[float | None, Field(ge=0, le=1, allow_inf_nan=False)]


class Settings(BaseModel):
    """The settings the report was computed and judged with."""

    # What a check is computed with (GRAM-C's defaults: recent_k=5, max_his=20) and how
    # its result is judged. ``select`` / ``ignore`` hold code prefixes (empty select:
    # every code). The thresholds are success conditions on the coverage and the
    # recent-window fill; None means "not set" (see `gramfix.model.policy`).
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
    fail_on: Annotated[
        Severity,
        BeforeValidator(_fail_on),
        Field(description="Findings at or above this severity fail."),
        Flag(
            "The lowest severity that fails the check (default: {default}).",
            commands=(CHECK,),
            choices=tuple(s.value for s in FAIL_ON),
            expected=" or ".join(repr(s.value) for s in FAIL_ON),
        ),
    ] = Severity.ERROR
    select: Annotated[
        Codes,
        Field(description="Code prefixes reported; empty: every code."),
        Flag(
            "Report only these codes, prefixes or names (GF3,GF101; default: all).",
            commands=(CHECK,),
            metavar="CODES",
            expected="a list of finding codes or prefixes",
        ),
    ] = ()
    ignore: Annotated[
        Codes,
        Field(description="Code prefixes not reported."),
        Flag(
            "Do not report these codes.",
            commands=(CHECK,),
            metavar="CODES",
            expected="a list of finding codes or prefixes",
        ),
    ] = ()
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
    exit_zero: Annotated[
        bool,
        Field(description="Exit 0 even when the verdict is fail."),
        Flag("Exit 0 even when the check fails (a report-only rollout).", commands=(CHECK,)),
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
            raw = isinstance(info.context, dict) and info.context.get("raw")
            if isinstance(data, Mapping) and not raw:
                problem = problems(error, cls.model_fields, list(data))[0]
                raise UsageError(problem.message(cls.source + problem.key)) from None
            raise

    @property
    def window(self) -> int:
        """Real history slots in the recent-item window (the trainer trims to max_his > 0)."""
        return self.recent_k if self.max_his <= 0 else min(self.recent_k, self.max_his)

    @property
    def thresholds(self) -> bool:
        """Whether any threshold is set."""
        return any(t is not None for t in (self.max_missing, self.min_coverage, self.min_fill))

    @property
    def selected_prefixes(self) -> tuple[str, ...]:
        """``select`` as code prefixes (``ALL`` is ``GF``, a name its code)."""
        return self.select

    @property
    def ignored_prefixes(self) -> tuple[str, ...]:
        """``ignore`` as code prefixes."""
        return self.ignore

    def selects(self, code: str) -> bool:
        """Whether findings of ``code`` are reported.

        As in ruff, the most specific matching entry wins (``--select GF3 --ignore
        GF302`` keeps GF301); between equal entries ``ignore`` wins. With no
        ``select``, every code is selected.
        """
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        if not self.select:
            best_select = max(best_select, 0)
        return best_select > best_ignore


class Options(Settings):
    """Everything a command can be asked: the settings, and the inputs to read."""

    source: ClassVar[str] = "--"

    dataset: Annotated[
        Path | None,
        Flag(
            "The dataset folder, checked when none is given (relative to the file).",
            argument="dataset_dir",
            expected="a folder path (relative to this file)",
        ),
    ] = None
    sequences: Annotated[Path | None, Flag("user_sequence.txt (default: in DATASET_DIR).")] = None
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

    @field_validator(
        "dataset",
        "sequences",
        "mapping",
        "embeddings",
        "graph_dir",
        "user_index",
        "graph_export",
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

    def settings(self) -> Settings:
        """The settings part of these options."""
        return Settings(**{name: getattr(self, name) for name in Settings.model_fields})


def flag(name: str) -> Flag:
    """The `Flag` of option ``name``."""
    return spec(Options.model_fields[name])


def option_fields(command: str | None = None) -> Iterator[tuple[str, FieldInfo, Flag]]:
    """The options (of ``command``, or every one) in declaration order: name, field, flag."""
    for name, info in Options.model_fields.items():
        shows = spec(info)
        if command is None or command in shows.commands:
            yield name, info, shows


def config_keys() -> list[str]:
    """The keys of a configuration file: the options' names in kebab case."""
    return [kebab(name) for name, _, spec in option_fields() if spec.config]
