"""gramfix: check and repair the data of GRAM / GRAM-C generative-recommender pipelines.

The library is what the command line calls::

    from gramfix import check_dataset
    report = check_dataset("rec_datasets/Beauty")
    report.exit_code(), report.fill.as_written.train.fill

Names are imported on first use, so ``import gramfix`` (and ``gramfix --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "check_dataset": "gramfix.pipeline",
    "GramfixError": "gramfix.model.errors",
    "InputError": "gramfix.model.errors",
    "UsageError": "gramfix.model.errors",
    "RULES": "gramfix.model.rules",
    "Severity": "gramfix.model.rules",
    "ExitCode": "gramfix.model.errors",
    "Finding": "gramfix.model.report",
    "Report": "gramfix.model.report",
    "Settings": "gramfix.model.options",
}

__all__ = [
    "RULES",
    "ExitCode",
    "Finding",
    "GramfixError",
    "InputError",
    "Report",
    "Settings",
    "Severity",
    "UsageError",
    "__version__",
    "check_dataset",
]

if TYPE_CHECKING:
    from gramfix.model.errors import ExitCode, GramfixError, InputError, UsageError
    from gramfix.model.options import Settings
    from gramfix.model.report import Finding, Report
    from gramfix.model.rules import RULES, Severity
    from gramfix.pipeline import check_dataset


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gramfix' has no attribute {name!r}")
