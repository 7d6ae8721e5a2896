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

import json
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from gramfix.checks.context import Dataset
from gramfix.checks.key_formats import check_duplicate_keys
from gramfix.engine.keys import FIXES, Family, show
from gramfix.engine.textdiff import unified_diff
from gramfix.io.discover import locate
from gramfix.io.mapping import Mapping, read_pickled_dict
from gramfix.io.source import read_bytes
from gramfix.io.write import refuse_in_place, replace_keeping_backup, write_atomic, write_new
from gramfix.model.errors import ExitCode, UsageError
from gramfix.model.options import Settings
from gramfix.model.policy import fill_conditions, item_conditions
from gramfix.model.repair_report import Change, RepairReport, Status, StillMissing, Threshold
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
    family: list[Family]  # per original key
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
    fix = (ka.fixable() & (ka.family != Family.EXACT)).tolist()
    targets = ka.target.tolist()
    renamed_keys = [names[t] if f else k for k, t, f in zip(keys, targets, fix, strict=True)]
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
    repaired = replace(data.mapping, entries=entries, members=len(entries), duplicates=[])
    policy = repair_settings(data.settings)
    after = build_report(Dataset(data.files, policy, data.sequences, repaired), lines=False)
    blockers = [
        f
        for f in after.findings
        if f.severity is Severity.ERROR and f.code.startswith(BLOCKING_PREFIXES)
    ]
    # json.load already dropped all but the last of repeated keys: the others are lost rows.
    blockers += [f for f in check_duplicate_keys(data) if f.severity is Severity.ERROR]
    families = [Family(f) for f in ka.family.tolist()]
    return Plan(
        source=data.mapping,
        keys=keys,
        new_keys=new_keys,
        family=families,
        entries=entries,
        after=after,
        blockers=blockers,
        renamed=sum(fix),
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


def serialise(entries: dict[str, Any], *, pickled: bool = False) -> bytes:
    """The mapping as the trainer's own files are written.

    JSON: byte-identical to ``json.dump(entries, f, indent=2, ensure_ascii=False)`` plus a
    final newline, except that a lone surrogate in a key (valid in a JSON string, not in
    UTF-8) is written as its ``\\udXXXX`` escape so the file stays UTF-8 that json.load
    reads. orjson writes it when it can (str -> int with 64-bit ints, valid Unicode).
    ``pickled``: a plain pickled dict, for a mapping the trainer loads with pickle.
    """
    if pickled:
        return pickle.dumps(entries, protocol=4)
    try:
        data = orjson.dumps(entries, option=orjson.OPT_INDENT_2)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(entries, indent=2, ensure_ascii=False)
        data = text.encode("utf-8", "backslashreplace")  # only lone surrogates need it
    return data + b"\n"


def verify_serialised(data: bytes, entries: dict[str, Any], *, pickled: bool = False) -> None:
    """Re-read what is about to be written as the trainer will: it must be exactly the
    planned mapping, keys, values and order."""
    if pickled:
        parsed = read_pickled_dict(data)
    else:
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:  # what only json.load takes (surrogate escapes)
            parsed = json.loads(data.decode("utf-8"))
    if parsed != entries or list(parsed) != list(entries):
        raise AssertionError("the serialised mapping does not read back as planned")


def summarise_plan(plan: Plan) -> list[Change]:
    """Renamed keys grouped by family, with examples."""
    renamed = np.array(
        [new is not None and new != key for key, new in zip(plan.keys, plan.new_keys, strict=True)],
        np.bool_,
    )
    family = np.array(plan.family, np.int64)
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
    if output is not None:
        files.refuse_as_output(target, hint="use --in-place to replace the mapping")
        if not force and (target.exists() or target.is_symlink()):
            raise UsageError(f"{target} exists; -o writes a new file (--force replaces it)")
    elif in_place and not dry_run:
        refuse_in_place(target)
    pickled = target.suffix == ".pkl"  # the trainer loads a .pkl with pickle.load
    if diff and (pickled or files.mapping.suffix == ".pkl"):
        raise UsageError("--diff shows the changes of a JSON mapping's text; a .pkl has none")
    plan = plan_repair(load(files.mapping_inputs(), settings or Settings()))
    # The bytes the diff starts from, read before anything is replaced.
    original = read_bytes(files.mapping) if diff else b""
    data: bytes | None = None  # what is (or a dry run would be) written
    if not plan.blockers and not (in_place and plan.nothing_to_do):
        data = serialise(plan.entries, pickled=pickled)
        verify_serialised(data, plan.entries, pickled=pickled)
        if diff:
            plan = replace(plan, diff=unified_diff(original, data, files.mapping.as_posix()))
    status: Status
    backup = None
    overwrote = False
    if plan.blockers:
        status = "refused"
    elif dry_run:
        status = "planned"
    elif data is None:
        status = "nothing-to-repair"  # in place, and the mapping is right as it is
    else:
        if in_place:
            backup = replace_keeping_backup(target, data)
        elif force:
            overwrote = target.exists() or target.is_symlink()
            write_atomic(target, data)
        else:
            write_new(target, data)  # never replaces a file that appeared meanwhile
        status = "nothing-to-repair" if plan.nothing_to_do else "written"
    written = status in ("written", "nothing-to-repair") and (output is not None or bool(backup))
    report = RepairReport(
        status=status,
        mapping=files.mapping.as_posix(),
        output=target.as_posix() if written else None,
        overwrote=overwrote,
        backup=backup.as_posix() if backup else None,
        keys_before=len(plan.keys),
        keys_after=len(plan.entries),
        renamed=plan.renamed,
        collapsed=plan.collapsed,
        changes=summarise_plan(plan),
        blockers=plan.blockers,
        fill_after=plan.after.fill.as_written if plan.after.fill else None,
        still_missing=_still_missing(plan.after),
        thresholds=_thresholds(plan.after, settings or Settings()),
    )
    return report, plan


def _still_missing(after: Report) -> StillMissing | None:
    if after.coverage is None:
        return None
    counts = after.coverage.as_written.all
    if counts.items_resolved == counts.items:
        return None
    return StillMissing(
        items=counts.items - counts.items_resolved,
        of_items=counts.items,
        interactions=counts.interactions - counts.interactions_resolved,
        of_interactions=counts.interactions,
        examples=after.coverage.top_missing[:EXAMPLES],
    )


def _thresholds(after: Report, settings: Settings) -> list[Threshold]:
    """check's conditions, measured on what the trainer will read: the repaired mapping."""
    if after.coverage is None or after.fill is None:
        return []
    conditions = item_conditions(after.coverage.as_written.all, settings)
    conditions += fill_conditions(after.fill.as_written, settings)
    return [
        Threshold(name=c.name, required=c.required, actual=c.actual, passed=c.passed)
        for c in conditions
    ]


def exit_code(report: RepairReport) -> ExitCode:
    """0 written and verified (or nothing to do, or a passing plan); 1 refused."""
    return ExitCode.FINDINGS if report.status == "refused" else ExitCode.OK
