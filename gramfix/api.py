"""The public functions: what a notebook, a script or a trainer calls.

Each takes the options of its command as keyword arguments, by their names in the
README's key table with ``_`` for ``-`` (``max_his=20``, ``min_coverage=0.999``,
``ignore=["GF205"]``). The options model validates them as it validates flags and
configuration keys: an unknown or invalid one is a `UsageError` naming it
(``max-his must be at least 0 (got -1)``). Like the command line, a call reads the
configuration file found upward from the dataset (``config=False``: none; a path: that
file), and an option given in the call wins over its key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from gramfix.evaluation import evaluate_file
from gramfix.io.config import Resolved, resolve, shown
from gramfix.io.discover import locate
from gramfix.model.errors import UsageError
from gramfix.model.eval_report import EvalReport
from gramfix.model.flag import CHECK, EVAL, REPAIR, kebab
from gramfix.model.options import EvalSettings, Options, option_fields
from gramfix.model.report import Report
from gramfix.pipeline import check_dataset
from gramfix.repairing import RepairPlan, plan_files

PathLike = Path | str


class Arguments(Options):
    """The options as a call gives them: an invalid one is named as in any library call
    (``max-his must be at least 0``), not as a flag (``--max-his``)."""

    source: ClassVar[str] = ""


def check(
    dataset: PathLike | None = None,
    *,
    sequences: PathLike | None = None,
    mapping: PathLike | None = None,
    embeddings: PathLike | None = None,
    config: PathLike | bool = True,
    **options: Any,
) -> Report:
    """Check a GRAM / GRAM-C dataset the way the trainer reads it; return the report.

    ``dataset`` is the folder (its files found by their conventional names);
    ``sequences``, ``mapping`` and ``embeddings`` name files instead or override them.
    ``options`` are those of ``gramfix check`` (``recent_k``, ``max_his``, ``select``,
    ``ignore``, ``fail_on``, ``max_missing``, ``min_coverage``, ``min_fill``,
    ``exit_zero``, and the LightGCN files ``graph_dir``, ``user_index``,
    ``graph_export``), with the same defaults. Nothing is printed or written.

    Unreadable input raises `InputError`, wrong options `UsageError`. A failing dataset
    does not raise: see ``report.verdict``, `Report.raise_for_verdict` and `preflight`.
    """
    given = _inputs(dataset, sequences=sequences, mapping=mapping, embeddings=embeddings)
    resolved = _resolve(CHECK, {**options, **given}, config)
    o = resolved.options
    return check_dataset(
        o.dataset,
        **o.check_files(),
        settings=resolved.settings,
        config=shown(resolved.config) if resolved.config else None,
    )


def preflight(
    dataset: PathLike | None = None,
    *,
    sequences: PathLike | None = None,
    mapping: PathLike | None = None,
    embeddings: PathLike | None = None,
    config: PathLike | bool = True,
    **options: Any,
) -> Report:
    """`check`, then `Report.raise_for_verdict`: the report, or `CheckFailed` exactly
    when ``gramfix check`` would exit 1 (its message: the headline and the failing
    findings). The one line a trainer runs before it builds its datasets."""
    report = check(
        dataset,
        sequences=sequences,
        mapping=mapping,
        embeddings=embeddings,
        config=config,
        **options,
    )
    return report.raise_for_verdict()


def repair(
    dataset: PathLike | None = None,
    *,
    sequences: PathLike | None = None,
    mapping: PathLike | None = None,
    config: PathLike | bool = True,
    **options: Any,
) -> RepairPlan:
    """Plan the repair of the mapping, changing keys only, never values; write nothing.

    ``options`` are those of ``gramfix repair`` (``recent_k``, ``max_his`` and the
    thresholds ``max_missing``, ``min_coverage``, ``min_fill``). The plan says what it
    would change (``report``, ``diff``), the check of its result (``after``) and whether
    it may be written (``ok``, ``blockers``); ``plan.write(path)`` or
    ``plan.write(in_place=True)`` writes it, atomically, as ``gramfix repair`` does.
    """
    given = _inputs(dataset, sequences=sequences, mapping=mapping)
    resolved = _resolve(REPAIR, {**options, **given}, config)
    o = resolved.options
    files = locate(o.dataset, sequences=o.sequences, mapping=o.mapping)
    return plan_files(files, resolved.settings, keep=True)


def evaluate(
    predictions: PathLike,
    dataset: PathLike | None = None,
    *,
    indexing: PathLike | None = None,
    sequences: PathLike | None = None,
    config: PathLike | bool = True,
    **options: Any,
) -> EvalReport:
    """Audit a GRAM prediction file (``--save_predictions``); return the report.

    ``dataset`` is the folder whose ``item_generative_indexing_*.txt`` resolves golds and
    predictions to items and whose ``user_sequence.txt`` tells each user's target;
    ``indexing`` and ``sequences`` name files instead. ``options`` are those of
    ``gramfix eval`` (``split``, ``generate_num``, ``select``, ``ignore``, ``fail_on``,
    ``exit_zero``). Nothing is printed or written; ``report.metrics`` holds the strict,
    item-identity and reported metrics, ``report.counts`` what the audit counted.
    """
    given = _inputs(dataset, predictions=predictions, indexing=indexing, sequences=sequences)
    resolved = _resolve(EVAL, {**options, **given}, config)
    o = resolved.options
    assert o.predictions is not None  # given above
    return evaluate_file(
        o.predictions,
        o.dataset,
        indexing=o.indexing,
        sequences=o.sequences,
        settings=o.settings_of(EvalSettings),
        config=shown(resolved.config) if resolved.config else None,
    )


def _inputs(dataset: PathLike | None, **files: PathLike | None) -> dict[str, PathLike]:
    """The inputs given (None: not given), by option name."""
    given = {"dataset": dataset, **files}
    return {name: value for name, value in given.items() if value is not None}


def _resolve(command: str, given: dict[str, Any], config: PathLike | bool) -> Resolved:
    """The options of ``command`` given in a call, over the configuration file."""
    names = {kebab(name): name for name in Options.model_fields}
    takes = {name for name, _, _ in option_fields(command)}
    for key in given:
        name = names.get(kebab(key))
        if name is not None and name not in takes:
            raise UsageError(f"{kebab(key)}: not an option of {command}")
    # An error names the option as a call gives it, and the help of ``command``.
    arguments = Arguments.model_validate(given, context={"command": command})
    if isinstance(config, bool):
        path, search = None, config
    else:
        path, search = Path(config), True
    called = Options.model_construct(**arguments.given())
    return resolve(called, config=path, use_config=search, command=command)
