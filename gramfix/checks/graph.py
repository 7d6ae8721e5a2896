"""The LightGCN chain (graph-data.md): the graph against the data and the index files.

Alignment comes first (`gramfix.checks.graph_alignment`): the users and items of
train.txt are identified from the histories, then compared with user_id_to_index.json
(GF904) and the mapping (GF903). Only a proven alignment lets the targets be read back
without counting other users' items: leakage into the graph (GF901) and a test file of
test targets (GF902). Coverage (GF905) comes from the converter's rules; the tables
(GF906, GF907) from `gramfix.checks.graph_tables`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.checks.graph_alignment import Alignment
from gramfix.checks.graph_coverage import graph_coverage
from gramfix.checks.graph_items import mapping_mismatch, stray_interactions
from gramfix.checks.graph_tables import check_tables
from gramfix.checks.graph_users import index_owner, missing_users
from gramfix.checks.registry import CheckResult, CheckSpec, codes
from gramfix.engine.graph import compare, follows, leaks, string_ranks
from gramfix.model.graph_section import Alignment as Verdict
from gramfix.model.graph_section import GraphStats
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.wording import count

I64 = npt.NDArray[np.int64]
UNJUDGED = "leakage (GF901) and the test file (GF902) are not judged until the alignment is fixed"


def check_graph(data: Dataset) -> CheckResult:
    """Every GF9xx finding, and the report's graph section."""
    g = data.graph
    if g is None:
        return CheckResult()
    findings, checkpoint, export = check_tables(data)
    if g.train is None or g.test is None:  # only an export (or a user index): no graph
        return CheckResult(findings)
    a = data.alignment
    found = _Graph(data, a)
    found.users()
    found.items()
    found.members()
    leaked = found.leakage()
    found.targets()
    found.unjudged()
    coverage, valid_only, left_out = graph_coverage(data)
    train, test = g.train, g.test
    section = GraphStats(
        folder=_folder(data),
        files=[data.files.display(p) or p.as_posix() for p in g.files.files()],
        users=len(np.unique(train.users)),
        items=g.n_items,
        interactions=len(train.items),
        test_interactions=len(test.items),
        alignment=found.verdict,
        alignment_text=found.verdict_text(),
        users_identified_by=a.reading.name if a is not None and a.reading else None,
        test_holds=a.targets.holds if a is not None and a.proven else "not judged",
        leaked_interactions=leaked[0] if leaked else None,
        leaked_users=leaked[1] if leaked else None,
        validation_only_items=valid_only,
        users_left_out=left_out,
        checkpoint=checkpoint,
        export=export,
    )
    return CheckResult(findings + found.findings + coverage, {"graph": section})


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _folder(data: Dataset) -> str | None:
    assert data.graph is not None
    folder = data.graph.files.folder
    return (data.files.display(folder) or folder.as_posix()) + "/" if folder else None


class _Graph:
    """The alignment findings of one dataset, gathered in order."""

    def __init__(self, data: Dataset, alignment: Alignment | None) -> None:
        assert data.graph is not None
        assert data.graph.train is not None
        self.data = data
        self.a = alignment
        self.train_file = data.files.display(data.graph.train.path) or "train.txt"
        self.findings: list[Finding] = []
        self.problems: list[str] = []  # the mismatches, in words, for the verdict
        self.users_misread = False  # GF904: train.txt lines read as other users' histories

    @property
    def verdict(self) -> Verdict:
        if self.a is None or self.a.item_rows is None:
            return "not judged"
        return "proven" if self.a.proven and not self.problems else "mismatch"

    def verdict_text(self) -> str:
        a = self.a
        if a is None or a.item_rows is None:
            return "not judged: " + self._absent()
        if a.proven and not self.problems:
            ordered = ""
            if a.by_index and a.line_agrees.all():
                ordered = (
                    ", and every train.txt line agrees with its user's items[:-2] at every "
                    "position they share"
                )
            return (
                f"proven: read back through user_id_to_index.json and the mapping, each of "
                f"the {len(a.train.items):,} interactions of train.txt and "
                f"{len(a.test.items):,} of test.txt is an item of its user (an index out of "
                f"step would land on other users' items){ordered}"
            )
        judged = (
            f"each of the {len(a.train.items) + len(a.test.items):,} interactions present in "
            "train.txt and test.txt is "
            "an item of its user, so leakage (GF901) and the test file (GF902) are judged on "
            "the lines present"
        )
        problems = "; ".join(self.problems or ["see the findings"])
        return f"mismatch: {problems}; {judged if a.proven else UNJUDGED}"

    def unjudged(self) -> None:
        """GF908: graph files that could not be read back are not passed."""
        if self.verdict == "not judged":
            self.add(
                "GF908",
                f"{self.train_file} and its test file are here, but {self._absent()}: the "
                "alignment, leakage (GF901) and the test file (GF902) were not judged",
                1,
                [],
                file=self.train_file,
            )

    def _absent(self) -> str:
        g = self.data.graph
        assert g is not None
        if g.user_index is None:
            return "no user_id_to_index.json (pass it with --user-index FILE)"
        if self.data.sequences is None:
            return "no user_sequence.txt to read the graph's users and items back"
        if self.data.mapping is None:
            return "no mapping to read the graph's items back"
        return "the graph could not be read back"

    def add(
        self,
        code: str,
        message: str,
        count: int,
        examples: list[str],
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self.findings.append(Finding.of(code, message, count, examples, file=file, line=line))

    def add_finding(self, finding: Finding, *, judged: bool) -> None:
        """Add ``finding``, saying that leakage is not judged when it is not."""
        if not judged:
            finding = finding.model_copy(update={"message": f"{finding.message}; {UNJUDGED}"})
        self.findings.append(finding)

    # --- users (GF904) ---------------------------------------------------------------

    def users(self) -> None:
        a = self.a
        if a is None or a.proven:  # a line out of order is no index problem
            return
        h = a.histories
        lines = len(a.train.lengths)
        if a.reading is None:
            shares = ", ".join(f"{r.consistency:.1%} under {r.name}" for r in a.readings)
            self._users(
                "train.txt's lines are the histories of no known numbering of the users",
                f"train.txt's lines are not the histories (items[:-2]) of the users "
                f"user_id_to_index.json gives their index, nor of the users in sorted order "
                f"(positions agreeing with one item per index: {shares}): the graph was "
                "written for other users or from other data; its items cannot be judged",
                lines,
                [],
            )
            return
        if not a.by_index:
            self._renumbered_users()
            return
        # A line most of whose positions are its user's items is that user's line with
        # some items changed: its strays are GF903's, not a user read as another.
        wrong = np.flatnonzero(~a.line_agrees & ~a.reading.mostly_agrees(lines))
        if len(wrong) == 0:
            return
        user = a.reading.line_user
        examples = [
            f"line {a.train.lines[i]}: user index {a.train.users[i]} "
            + (
                f"= {h.names[user[i]]}"
                if user[i] >= 0
                else f"({index_owner(self.data, int(a.train.users[i]))})"
            )
            for i in wrong[:EXAMPLES].tolist()
        ]
        self._users(
            f"{len(wrong):,} of {lines:,} lines {_are(len(wrong))} not their user's history",
            f"{len(wrong):,} of {lines:,} train.txt lines {_are(len(wrong))} not the "
            "items[:-2] of the user user_id_to_index.json gives its index (or no user of "
            "user_sequence.txt has that index there): the index or user_sequence.txt "
            "changed after the graph was written",
            len(wrong),
            examples,
            line=int(a.train.lines[wrong[0]]),
        )

    def _renumbered_users(self) -> None:
        """The sorted order identifies the users: the index file numbers them otherwise."""
        a = self.a
        assert a is not None
        assert a.reading is not None
        h = a.histories
        user = a.reading.line_user
        known = user >= 0
        graph_users, first = np.unique(user[known], return_index=True)
        proven = a.train.users[known][first]
        claimed = a.of_user[graph_users]
        d = compare(proven, claimed, claimed >= 0, len(graph_users))
        order = np.argsort(claimed, kind="stable")
        if d.offset is not None:
            how = f"user_id_to_index.json gives each the graph's index {d.offset:+d}"
        elif follows(order[claimed[order] >= 0], graph_users):
            how = "user_id_to_index.json in the line order of user_sequence.txt"
        elif follows(order[claimed[order] >= 0], string_ranks(h.names)[graph_users]):
            how = "user_id_to_index.json in sorted order too, but over other users"
        else:
            how = "user_id_to_index.json in another order"
        absent = f"; {count(d.absent, 'graph user is', 'graph users are')} not in it"
        absent = absent if d.absent else ""
        examples = [
            f"{h.names[graph_users[i]]}: index {claimed[i]} in user_id_to_index.json, "
            f"{proven[i]} in train.txt"
            for i in d.wrong[:EXAMPLES].tolist()
        ]
        self._users(
            f"user_id_to_index.json numbers {d.count:,} of {len(graph_users):,} users "
            "otherwise than train.txt",
            f"user_id_to_index.json gives {d.count:,} of {len(graph_users):,} graph users "
            "another index than the train.txt line holding their history: train.txt "
            f"numbers users in sorted user-ID order (the converter's); {how}{absent}",
            d.count,
            examples,
        )

    def _users(
        self, summary: str, message: str, count: int, examples: list[str], line: int | None = None
    ) -> None:
        self.problems.append(summary)
        self.users_misread = True
        self.add(
            "GF904", f"{message}; {UNJUDGED}", count, examples, file=self.train_file, line=line
        )

    # --- items (GF903) ---------------------------------------------------------------

    def items(self) -> None:
        a = self.a
        if a is None or a.proven or a.reading is None or a.items is None:
            return
        found = mapping_mismatch(self.data, a)
        if found is None and a.by_index and not self.users_misread:
            found = stray_interactions(self.data, a)
        if found is not None:
            summary, finding = found
            self.problems.append(summary)
            self.add_finding(finding, judged=False)

    # --- users of the index without lines (GF904) ------------------------------------

    def members(self) -> None:
        if self.a is None:
            return
        for missing in missing_users(self.data, self.a):
            self.problems.append(missing.summary)
            self.add_finding(missing.finding, judged=self.a.proven or self.a.item_rows is None)

    def _item_names(self) -> list[str]:
        assert self.data.sequences is not None
        return self.data.sequences.items.names

    # --- leakage (GF901) and the test file (GF902) -----------------------------------

    def leakage(self) -> tuple[int, int] | None:
        """(leaked interactions, users) when judged."""
        a = self.a
        if a is None or not a.proven:
            return None
        h = a.histories
        line_user = a.line_users(a.train)
        found = leaks(a.train, line_user, a.read_items(a.train), h)
        per_line = found.per_line
        total = int(per_line.sum())
        if total == 0:
            return 0, 0
        users = len(np.unique(line_user[per_line > 0]))
        at = np.flatnonzero(per_line > 0)
        valid, test = h.target(2), h.target(1)
        names = self._item_names()
        examples = []
        for i in at[:EXAMPLES].tolist():
            u = int(line_user[i])
            kinds = []
            if found.valid[i]:
                kinds.append(f"{names[valid[u]]} (validation target)")
            if found.test[i]:
                kinds.append(f"{names[test[u]]} (test target)")
            examples.append(f"line {a.train.lines[i]}: {h.names[u]}: " + ", ".join(kinds))
        self.add(
            "GF901",
            f"{count(total, 'train.txt interaction', 'train.txt interactions')} of "
            f"{count(users, 'user', 'users')} {_are(total)} their user's validation "
            f"target ({int(found.valid.sum()):,}, items[-2]) or test target "
            f"({int(found.test.sum()):,}, items[-1]): the graph, and the table exported from "
            "it, was trained on the answers GRAM-C is validated and tested on, and its "
            "metrics are inflated; write train.txt from items[:-2] only and retrain",
            total,
            examples,
            file=self.train_file,
            line=int(a.train.lines[at[0]]),
        )
        return total, users

    def targets(self) -> None:
        a = self.a
        if a is None or not a.proven:
            return
        t = a.targets
        if t.test == 0:
            return
        assert self.data.graph is not None
        assert self.data.graph.test is not None
        file = self.data.files.display(self.data.graph.test.path)
        self.add(
            "GF902",
            f"test.txt holds the users' test targets (items[-1]) in {t.test:,} of its "
            f"{t.lines:,} entries: "
            "train_lightgcn.py keeps the checkpoint with the best Recall@20 on them, so the "
            "table was chosen for doing well on the very targets GRAM-C's test metrics are "
            "computed on, and those metrics are optimistic (test-set leakage into model "
            "selection); write test.txt from the validation targets (items[-2]) and retrain",
            t.test,
            [],
            file=file,
        )


CHECK = CheckSpec("graph", codes(("GF901", "GF908")), frozenset(), check_graph)
