"""gramfix: check and repair the data of GRAM / GRAM-C generative-recommender pipelines.

The library is what the command line calls::

    import gramfix

    report = gramfix.check("rec_datasets/Beauty", max_his=20)
    report.verdict, report.fill.as_written.train.fill
    gramfix.preflight("rec_datasets/Beauty")  # raises gramfix.CheckFailed on a failing one
    plan = gramfix.repair("rec_datasets/Beauty")  # writes nothing until plan.write(...)

Names are imported on first use, so ``import gramfix`` (and ``gramfix --help``) stays fast.
The README's "Library" section is the reference (generated from these docstrings).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "check": "gramfix.api",
    "preflight": "gramfix.api",
    "repair": "gramfix.api",
    "evaluate": "gramfix.api",
    "CheckFailed": "gramfix.model.report",
    "RepairPlan": "gramfix.repairing",
    "RepairRefused": "gramfix.model.repair_report",
    "RepairReport": "gramfix.model.repair_report",
    "check_dataset": "gramfix.pipeline",
    "GramfixError": "gramfix.model.errors",
    "InputError": "gramfix.model.errors",
    "UsageError": "gramfix.model.errors",
    "RULES": "gramfix.model.rules",
    "Severity": "gramfix.model.rules",
    "ExitCode": "gramfix.model.errors",
    "Finding": "gramfix.model.report",
    "Report": "gramfix.model.report",
    "EvalReport": "gramfix.model.eval_report",
    "Settings": "gramfix.model.options",
}

__all__ = [
    "RULES",
    "CheckFailed",
    "EvalReport",
    "ExitCode",
    "Finding",
    "GramfixError",
    "InputError",
    "RepairPlan",
    "RepairRefused",
    "RepairReport",
    "Report",
    "Settings",
    "Severity",
    "UsageError",
    "__version__",
    "check",
    "check_dataset",
    "evaluate",
    "preflight",
    "repair",
]

if TYPE_CHECKING:
    from gramfix.api import check, evaluate, preflight, repair
    from gramfix.model.errors import ExitCode, GramfixError, InputError, UsageError
    from gramfix.model.eval_report import EvalReport
    from gramfix.model.options import Settings
    from gramfix.model.repair_report import RepairRefused, RepairReport
    from gramfix.model.report import CheckFailed, Finding, Report
    from gramfix.model.rules import RULES, Severity
    from gramfix.pipeline import check_dataset
    from gramfix.repairing import RepairPlan


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gramfix' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
