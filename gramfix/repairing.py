"""``repair``: plan key fixes (pure), check the result, then write it -- or refuse.

A repair changes keys, never values: the values are rows of an embedding table that
cost hours of GPU time. The plan renames every key whose fix `check` proved applicable
and safe, keeps every other key byte-identical and in place, and collapses keys that
land on one item ID with the same value. The repaired mapping then goes through the
same analysis as ``check``, judged by the same thresholds (`gramfix.model.policy`); it is
written only when no mapping finding (GF1xx-GF4xx) of severity error remains. Items
that stay missing are errors unless the thresholds tolerate them; conflicting keys and
wrong values always are. Otherwise nothing is written and the blocking findings say why.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.checks.key_formats import check_duplicate_keys
from gramfix.engine.keys import FIXES, Family, show
from gramfix.engine.textdiff import unified_diff
from gramfix.io.discover import DatasetFiles, locate
from gramfix.io.mapping import Mapping, serialise, verify_serialised
from gramfix.io.source import read_bytes
from gramfix.io.write import refuse_in_place, replace_keeping_backup, write_atomic, write_new
from gramfix.model.errors import ExitCode, UsageError
from gramfix.model.options import Settings
from gramfix.model.repair_report import (
    Change,
    RepairRefused,
    RepairReport,
    Status,
    still_missing,
    thresholds,
)
from gramfix.model.report import EXAMPLES, Finding, Report
from gramfix.model.rules import Severity
from gramfix.model.sections import KeyExample
from gramfix.pipeline import build_report, load

#: Findings about the mapping itself; sequence-file hygiene does not block a repair.
BLOCKING_PREFIXES = ("GF1", "GF2", "GF3", "GF4")


@dataclass(frozen=True)
class Plan:
    """The repaired mapping and everything needed to report and verify it."""

    source: Mapping
    keys: list[str]  # original keys, in order
    new_keys: list[str | None]  # per original key: its new key, None when collapsed
    family: npt.NDArray[np.int8]  # per original key: its `Family`
    fixed: npt.NDArray[np.bool_]  # per original key: renamed to its item's ID (or collapsed)
    entries: dict[str, Any]  # the repaired mapping, in the original key order
    after: Report  # check of the repaired mapping
    blockers: list[Finding]
    renamed: int
    collapsed: int
    #: ``--diff``: the unified diff from the mapping's bytes to those written (or that a
    #: dry run would write); empty when nothing is or would be written.
    diff: bytes = field(default=b"", repr=False)

    @property
    def nothing_to_do(self) -> bool:
        return self.renamed == 0 and self.collapsed == 0 and not self.source.duplicates


def plan_repair(data: Dataset) -> Plan:
    """Plan the repair of ``data.mapping`` against ``data.sequences`` (pure: writes nothing)."""
    if data.mapping is None:
        raise UsageError("repair needs a mapping (item_id_to_gcn_index.json or --mapping)")
    if data.sequences is None:
        raise UsageError("repair needs the sequences (user_sequence.txt or --sequences)")
    ka = data.key_analysis
    names = data.sequences.items.names
    keys, values = data.keys, data.values
    fixed = ka.fixable() & (ka.family != Family.EXACT)
    at = np.flatnonzero(fixed)
    renamed_keys = keys
    if len(at):  # in bulk: a Python loop over a million keys costs most of a repair
        renamed = np.array(keys, dtype=object)
        renamed[at] = np.array(names, dtype=object)[ka.target[at]]
        renamed_keys = renamed.tolist()
    # The universe code of each new key as written: a fixed key is renamed to the very
    # name of its item, an exact key is its item's name already, every other key is
    # unchanged and no item (it was not exact). The check below needs no lookup then.
    codes = np.where(fixed | (ka.family == Family.EXACT), ka.target, -1)
    entries = dict(zip(renamed_keys, values, strict=True))
    new_keys: list[str | None] = list(renamed_keys)
    if len(entries) < len(keys):  # fixed keys met: keep the first, drop the rest
        entries, new_keys = {}, []
        for key, value in zip(renamed_keys, values, strict=True):
            if key in entries:
                # Only fixed keys can meet, and only with equal values: the analysis marks
                # keys that meet with different values as conflicts, never fixable.
                assert _same_value(entries[key], value)
                new_keys.append(None)
            else:
                entries[key] = value
                new_keys.append(key)
        codes = codes[np.array([k is not None for k in new_keys], np.bool_)]
    repaired = replace(data.mapping, entries=entries, members=len(entries), duplicates=[])
    policy = repair_settings(data.settings)
    sequences = replace(data.sequences, known=entries, known_codes=codes)
    after = build_report(Dataset(data.files, policy, sequences, repaired), lines=False)
    blockers = [
        f
        for f in after.findings
        if f.severity is Severity.ERROR and f.code.startswith(BLOCKING_PREFIXES)
    ]
    # json.load already dropped all but the last of repeated keys: the others are lost rows.
    blockers += [f for f in check_duplicate_keys(data) if f.severity is Severity.ERROR]
    return Plan(
        source=data.mapping,
        keys=keys,
        new_keys=new_keys,
        family=ka.family,
        fixed=fixed,
        entries=entries,
        after=after,
        blockers=blockers,
        renamed=len(at),
        collapsed=len(keys) - len(entries),
    )


def repair_settings(settings: Settings) -> Settings:
    """What a repair is judged by: the window and the thresholds of ``settings``.

    Selection and ``fail-on`` decide what fails a *check*; they never let a repair
    write a mapping with an error in it. The thresholds are success conditions on the
    result, so a repaired mapping that meets them is written, gaps and all.
    """
    return Settings(
        recent_k=settings.recent_k,
        max_his=settings.max_his,
        max_missing=settings.max_missing,
        min_coverage=settings.min_coverage,
        min_fill=settings.min_fill,
    )


def _same_value(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)


def summarise_plan(plan: Plan) -> list[Change]:
    """Renamed keys grouped by family, with examples."""
    renamed = plan.fixed  # a fixed key differs from its item's name (else it was exact)
    if plan.collapsed:
        renamed = renamed & np.array([new is not None for new in plan.new_keys], np.bool_)
    family = plan.family
    changes = []
    for kind in Family:
        positions = np.flatnonzero(renamed & (family == kind))
        if len(positions) == 0:
            continue
        examples = [
            KeyExample(key=show(plan.keys[p], 120), fixed=plan.new_keys[p])
            for p in positions[:EXAMPLES].tolist()
        ]
        fix = FIXES[kind] or ""
        changes.append(Change(family=kind.label, count=len(positions), fix=fix, examples=examples))
    return changes


@dataclass(frozen=True)
class RepairPlan:
    """A planned repair (`gramfix.repair`): inspect it, then write it -- or do not.

    Nothing is written until `write` is called. ``report`` is what ``gramfix repair
    --dry-run`` reports, ``diff`` the change as a patch, ``after`` the check of the
    repaired mapping, ``ok`` whether it may be written at all.
    """

    files: DatasetFiles
    settings: Settings
    plan: Plan = field(repr=False)
    #: The mapping's bytes when it was planned: the diff starts from them, and `write`
    #: refuses to write over a mapping that has changed since.
    original: bytes | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        plan, state = self.plan, "may be written" if self.ok else "refused"
        return (
            f"<RepairPlan of {self.mapping.as_posix()}: {plan.renamed:,} keys renamed, "
            f"{plan.collapsed:,} collapsed; {state} (after: {plan.after.verdict})>"
        )

    @property
    def mapping(self) -> Path:
        """The mapping file repaired."""
        assert self.files.mapping is not None
        return self.files.mapping

    @property
    def ok(self) -> bool:
        """Whether the repaired mapping may be written (no blocking finding)."""
        return not self.plan.blockers

    @property
    def blockers(self) -> list[Finding]:
        """The error findings that forbid writing (empty when ``ok``)."""
        return self.plan.blockers

    @property
    def after(self) -> Report:
        """The check of the repaired mapping (judged by the window and thresholds)."""
        return self.plan.after

    @property
    def report(self) -> RepairReport:
        """The plan as ``gramfix repair --dry-run`` reports it: planned, or refused."""
        return self.summary("planned" if self.ok else "refused")

    @functools.cached_property
    def diff(self) -> str:
        """The unified diff from the mapping file to the JSON file `write` writes
        (``patch`` applies it); empty when the repair is refused."""
        if self.mapping.suffix == ".pkl":
            raise UsageError("a diff shows the changes of a JSON mapping's text; a .pkl has none")
        if not self.ok:
            return ""
        original = self.original if self.original is not None else read_bytes(self.mapping)
        data = unified_diff(original, self.serialised(pickled=False), self.mapping.as_posix())
        return data.decode("utf-8", "surrogateescape")

    def serialised(self, *, pickled: bool) -> bytes:
        """The repaired mapping's bytes (JSON, or a pickle), verified by reading them back."""
        data = serialise(self.plan.entries, pickled=pickled)
        verify_serialised(data, self.plan.entries, pickled=pickled)
        return data

    def write(
        self, path: Path | str | None = None, *, in_place: bool = False, force: bool = False
    ) -> RepairReport:
        """Write the repaired mapping to a new file ``path`` (an existing one only with
        ``force``), or with ``in_place`` over the mapping, keeping it as ``<name>.bak``.

        `RepairRefused` when blocking findings forbid it; `UsageError` when the mapping
        changed since it was planned. Either way nothing is written.
        """
        if (path is None) == (not in_place):
            raise UsageError("say where to write: write(path) or write(in_place=True)")
        if force and path is None:
            raise UsageError("force only applies to a path (it allows replacing the file)")
        target = Path(path) if path is not None else self.mapping
        refuse_destination(self.files, target, new_file=path is not None, force=force, cli=False)
        if not self.ok:
            raise RepairRefused(self.summary("refused"))
        if self.original is not None and read_bytes(self.mapping) != self.original:
            raise UsageError(
                f"{self.mapping} changed since the repair was planned; nothing was written "
                "(plan it again)"
            )
        data = None  # in place, and nothing to change: nothing is written
        if not (in_place and self.plan.nothing_to_do):
            data = self.serialised(pickled=target.suffix == ".pkl")
        return self.commit(target, data, in_place=in_place, force=force)

    def commit(
        self, target: Path, data: bytes | None, *, in_place: bool, force: bool
    ) -> RepairReport:
        """Write ``data`` (None: in place, and nothing to change) and report it."""
        backup = None
        overwrote = False
        if data is None:
            return self.summary("nothing-to-repair")
        if in_place:
            backup = replace_keeping_backup(target, data)
        elif force:
            overwrote = target.exists() or target.is_symlink()
            write_atomic(target, data)
        else:
            write_new(target, data)  # never replaces a file that appeared meanwhile
        return self.summary(
            "nothing-to-repair" if self.plan.nothing_to_do else "written",
            output=target,
            overwrote=overwrote,
            backup=backup,
        )

    def summary(
        self,
        status: Status,
        *,
        output: Path | None = None,
        overwrote: bool = False,
        backup: Path | None = None,
    ) -> RepairReport:
        """The repair report of this plan with ``status``."""
        plan = self.plan
        return RepairReport(
            status=status,
            mapping=self.mapping.as_posix(),
            output=output.as_posix() if output is not None else None,
            overwrote=overwrote,
            backup=backup.as_posix() if backup else None,
            keys_before=len(plan.keys),
            keys_after=len(plan.entries),
            renamed=plan.renamed,
            collapsed=plan.collapsed,
            changes=summarise_plan(plan),
            blockers=plan.blockers,
            fill_after=plan.after.fill.as_written if plan.after.fill else None,
            still_missing=still_missing(plan.after),
            thresholds=thresholds(plan.after, self.settings),
        )


def refuse_destination(
    files: DatasetFiles, target: Path, *, new_file: bool, force: bool, cli: bool
) -> None:
    """`UsageError` unless the repaired mapping may be written to ``target``: a new file
    (``new_file``; an existing one only with ``force``) that is no input, or the mapping
    itself in place. ``cli``: the advice names the flags, else the keywords of `write`."""
    if not new_file:
        refuse_in_place(target)
        return
    flag, new, forced = (
        ("--in-place", "-o", "--force replaces it")
        if cli
        else ("in_place=True", "write(path)", "force=True")
    )
    files.refuse_as_output(target, hint=f"use {flag} to replace the mapping")
    if not force and (target.exists() or target.is_symlink()):
        raise UsageError(f"{target} exists; {new} writes a new file ({forced})")


def plan_files(files: DatasetFiles, settings: Settings, *, keep: bool = False) -> RepairPlan:
    """Read and plan the repair of ``files.mapping`` (writes nothing). ``keep``: keep the
    mapping's bytes (for a diff, and to refuse writing over a mapping changed since)."""
    if files.mapping is None:
        raise UsageError("no mapping to repair (item_id_to_gcn_index.json or --mapping)")
    plan = plan_repair(load(files.mapping_inputs(), settings))
    # The bytes the diff starts from, read before anything is replaced.
    return RepairPlan(files, settings, plan, read_bytes(files.mapping) if keep else None)


def repair_dataset(
    folder: Path | str | None = None,
    *,
    sequences: Path | str | None = None,
    mapping: Path | str | None = None,
    output: Path | str | None = None,
    in_place: bool = False,
    dry_run: bool = False,
    force: bool = False,
    diff: bool = False,
    settings: Settings | None = None,
) -> tuple[RepairReport, Plan]:
    """Plan, check and (unless refused or a dry run) write the repaired mapping.

    Exactly one of ``output`` (a new file; an existing one only with ``force``) and
    ``in_place`` (replace the mapping after keeping ``<name>.bak``) is needed unless
    ``dry_run``. ``diff``: the plan's ``diff`` turns the mapping file into the file
    written (JSON only: a pickle has no text to patch).
    """
    if output is not None and in_place:
        raise UsageError("-o/--output and --in-place exclude each other")
    if force and output is None:
        raise UsageError("--force only applies to -o/--output (it allows replacing FILE)")
    if not dry_run and output is None and not in_place:
        raise UsageError("say where to write: -o/--output FILE or --in-place (or --dry-run)")
    files = locate(
        Path(folder) if folder is not None else None,
        sequences=Path(sequences) if sequences is not None else None,
        mapping=Path(mapping) if mapping is not None else None,
    )
    if files.mapping is None:
        raise UsageError("no mapping to repair (item_id_to_gcn_index.json or --mapping)")
    target = Path(output) if output is not None else files.mapping
    if output is not None or (in_place and not dry_run):
        refuse_destination(files, target, new_file=output is not None, force=force, cli=True)
    pickled = target.suffix == ".pkl"  # the trainer loads a .pkl with pickle.load
    if diff and (pickled or files.mapping.suffix == ".pkl"):
        raise UsageError("--diff shows the changes of a JSON mapping's text; a .pkl has none")
    planned = plan_files(files, settings or Settings(), keep=diff)
    plan = planned.plan
    data: bytes | None = None  # what is (or a dry run would be) written
    if planned.ok and not (in_place and plan.nothing_to_do):
        data = planned.serialised(pickled=pickled)
        if diff:
            assert planned.original is not None
            plan = replace(
                plan, diff=unified_diff(planned.original, data, files.mapping.as_posix())
            )
    if not planned.ok or dry_run:
        return planned.report, plan
    return planned.commit(target, data, in_place=in_place, force=force), plan


def exit_code(report: RepairReport) -> ExitCode:
    """0 written and verified (or nothing to do, or a passing plan); 1 refused."""
    return ExitCode.FINDINGS if report.status == "refused" else ExitCode.OK
