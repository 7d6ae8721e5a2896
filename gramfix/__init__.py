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
    "check_dataset": "gramfix.check",
    "GramfixError": "gramfix.errors",
    "InputError": "gramfix.errors",
    "UsageError": "gramfix.errors",
    "RULES": "gramfix.findings",
    "Severity": "gramfix.findings",
    "ExitCode": "gramfix.report",
    "Finding": "gramfix.report",
    "Report": "gramfix.report",
    "Settings": "gramfix.settings",
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
    from gramfix.check import check_dataset
    from gramfix.errors import GramfixError, InputError, UsageError
    from gramfix.findings import RULES, Severity
    from gramfix.report import ExitCode, Finding, Report
    from gramfix.settings import Settings


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gramfix' has no attribute {name!r}")
