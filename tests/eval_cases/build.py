"""Write the inputs of eval's golden cases from the prediction-file builder.

    python -m tests.eval_cases.build        # rewrites every case's inputs
    GRAMFIX_UPDATE_GOLDEN=1 pytest tests/test_eval_golden.py   # then expected.*, review

Each case folder holds ``predictions.tsv``, built by `tests.predictions_build` with
the case's knobs from the users and lexical IDs of the bundled slice of the real Beauty
data (examples/beauty-broken, the dataset the arguments name), ``args`` (the arguments
after ``gramfix eval``; ``--format json --no-config`` are added), and ``expected.json``
(the report) or ``expected.stderr`` (the one-line error) with ``exit_code``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.predictions_build import HEADER, ROOT, Knobs, build

HERE = Path(__file__).resolve().parent
DATASET = ROOT / "examples" / "beauty-broken"
#: The dataset as the arguments name it, from a case folder.
SHOWN = "../../../examples/beauty-broken"
INDEXING = next(DATASET.glob("item_generative_indexing_*.txt")).name
PREDICTIONS = "predictions.tsv"
DEFAULT_ARGS = [PREDICTIONS, SHOWN]


@dataclass(frozen=True)
class Case:
    name: str
    knobs: Knobs | None  # None: the predictions file is ``text``
    args: list[str] = field(default_factory=lambda: list(DEFAULT_ARGS))
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # more files, by name


USERS = 40


def cases() -> list[Case]:
    def k(**knobs: object) -> Knobs:
        return Knobs(users=USERS, seed=7, **knobs)  # type: ignore[arg-type]

    return [
        # Metrics that follow from the predictions, every string an item's decoded ID as
        # GRAM writes it, golds the users' targets: nothing to say, exit 0.
        Case("clean", k(hit_rate=0.5)),
        Case("clean-plain-totals", k(hit_rate=0.5, totals="plain")),
        Case("clean-per-rank", k(hit_rate=0.5, merged=False)),
        Case("clean-valid", k(hit_rate=0.5, split="valid"), [*DEFAULT_ARGS, "--split", "valid"]),
        Case("clean-generate-num-5", k(generate_num=5), [*DEFAULT_ARGS, "--generate-num", "5"]),
        # Each problem alone.
        Case("edited-total", k(hit_rate=0.5, edit_totals=True)),
        Case("edited-rows", k(hit_rate=0.5, edit_rows=0.1)),
        Case("near-miss", k(hit_rate=0.6, near_miss=0.5)),
        Case(
            "near-miss-fail-on-warning",
            k(hit_rate=0.6, near_miss=0.5),
            [*DEFAULT_ARGS, "--fail-on", "warning"],
        ),
        Case("non-items", k(non_items=0.03)),
        Case(
            "non-items-ignored",
            k(non_items=0.03),
            [*DEFAULT_ARGS, "--ignore", "invalid-predictions"],
        ),
        Case("repeats", k(repeats=0.3)),
        Case("ties", k(ties=0.3)),
        Case("unresolved-golds", k(unresolved_golds=0.1)),
        Case("wrong-golds", k(wrong_golds=0.15)),
        Case("valid-file-audited-as-test", k(hit_rate=0.5, split="valid")),
        Case("test-file-audited-as-valid", k(hit_rate=0.5), [*DEFAULT_ARGS, "--split", "valid"]),
        # Golds naming no item, half of them repeated by a prediction: strict hits that
        # item identity cannot credit.
        Case("unresolved-golds-echoed", k(unresolved_golds=0.3, echo_unresolved=0.5)),
        Case(
            "collisions", k(collisions=2, ambiguous=0.05), [*DEFAULT_ARGS, "--indexing", INDEXING]
        ),
        Case("batched", k(batch=4)),
        Case("unknown-users", k(unknown_users=0.1)),
        Case("repeated-users", k(repeat_users=0.15)),
        Case(
            "no-sequences", k(wrong_golds=0.15), [PREDICTIONS, "--indexing", f"{SHOWN}/{INDEXING}"]
        ),
        Case(
            "everything",
            k(
                near_miss=0.3,
                non_items=0.02,
                repeats=0.2,
                ties=0.2,
                shuffle=0.3,
                wrong_golds=0.1,
                unresolved_golds=0.05,
                edit_totals=True,
            ),
        ),
        Case("no-rows", None, text=HEADER),
        # Refused on one line (exit 2).
        Case("error-generate-num", k(generate_num=5)),
        Case("error-empty-file", None, text=""),
        # eval's help lists eval's codes: an unknown one points there, not to check's.
        Case("error-unknown-code", k(), [*DEFAULT_ARGS, "--select", "nosuch"]),
        Case("error-missing-column", None, text=HEADER + "u1\t0.0\t0.0\t0.0\t0.0\tgold\tpred\n"),
        Case(
            "error-two-indexing-files",
            k(),
            [PREDICTIONS, "."],
            extra={
                "item_generative_indexing_a.txt": "B1 |x\n",
                "item_generative_indexing_b.txt": "B1 |x\n",
            },
        ),
    ]


def write(case: Case) -> Path:
    folder = HERE / case.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    if case.knobs is not None:
        build(DATASET, folder, case.knobs, PREDICTIONS)  # with collisions: + the indexing
    else:
        (folder / PREDICTIONS).write_text(case.text, encoding="utf-8")
    for name, text in case.extra.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "args").write_text("\n".join(case.args) + "\n", encoding="utf-8")
    return folder


def main() -> None:
    for case in cases():
        write(case)


if __name__ == "__main__":
    main()
