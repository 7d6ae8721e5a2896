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
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "check": "gramfix.api",
    "preflight": "gramfix.api",
    "repair": "gramfix.api",
    # "evaluate": "gramfix.api",  -- when the eval command lands (its module: evaluate.py)
    "CheckFailed": "gramfix.model.report",
    "RepairPlan": "gramfix.repair",
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
    "Settings": "gramfix.model.options",
}

__all__ = [
    "RULES",
    "CheckFailed",
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
    "preflight",
    "repair",
]

if TYPE_CHECKING:
    from gramfix.api import check, preflight, repair
    from gramfix.model.errors import ExitCode, GramfixError, InputError, UsageError
    from gramfix.model.options import Settings
    from gramfix.model.repair_report import RepairRefused, RepairReport
    from gramfix.model.report import CheckFailed, Finding, Report
    from gramfix.model.rules import RULES, Severity
    from gramfix.pipeline import check_dataset
    from gramfix.repair import RepairPlan


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gramfix' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


#: Public functions named like a module of the package (``gramfix.repair`` is also the
#: module the ``repair`` command runs).
_SHARED_NAMES = frozenset(name for name, module in _EXPORTS.items() if module == "gramfix.api")


class _Package(types.ModuleType):
    """The package, whose public functions keep their names.

    Importing a submodule binds it as an attribute of its package: importing
    ``gramfix.repair`` would make ``gramfix.repair`` the module, not the function. Such a
    module stays in ``sys.modules`` and is imported by its full name
    (``from gramfix.repair import repair_dataset``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _SHARED_NAMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
