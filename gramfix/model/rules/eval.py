"""Rules GExxx: what ``gramfix eval`` finds in a GRAM prediction file.

Numbering by concern: GE0xx the file as a whole, GE1xx the metrics, GE2xx the
predictions, GE3xx the golds and users. The severities say what a CI gate on a
prediction file should stop at: an error means a reported metric cannot be trusted as
the model's (it does not follow from the predictions, or what it compares is not the
evaluation GRAM meant to run), or the audit could not judge the file; a warning means
the metric is GRAM's, faithfully computed, but says less than it seems; info is a fact
that changes no figure.
"""

from __future__ import annotations

from gramfix.model.rules.entry import ERROR, INFO, WARNING, Input, Rule, Severity

FILE = (Input.PREDICTIONS,)
ROWS = (Input.PREDICTIONS, Input.PER_USER)
STRINGS = (Input.PREDICTIONS, Input.INDEXING)
ITEMS = (Input.PREDICTIONS, Input.INDEXING, Input.PER_USER)
TARGETS = (Input.PREDICTIONS, Input.INDEXING, Input.SEQUENCES, Input.PER_USER)
USERS = (Input.PREDICTIONS, Input.SEQUENCES, Input.PER_USER)


def _rule(
    code: str, name: str, severity: Severity, title: str, help: str, needs: tuple[Input, ...]
) -> Rule:
    return Rule(code, name, severity, title, help, needs, command="eval")


ENTRIES = (
    _rule(
        "GE001",
        "batched-rows",
        ERROR,
        "Rows hold a batch of users: the file cannot be audited per user",
        "Written with a test batch above 1, a row names only the batch's first user and "
        "gold while its predictions are the whole batch's and its metric values are sums: "
        "no per-user figure can be recomputed. Re-run the test with a batch size of 1 "
        "(GRAM's test scripts do).",
        FILE,
    ),
    _rule(
        "GE002",
        "no-rows",
        ERROR,
        "The file holds no prediction row",
        "A header without rows (a rank without test users writes one): there is nothing "
        "to audit. Audit the merged file or another rank's.",
        FILE,
    ),
    _rule(
        "GE101",
        "metric-mismatch",
        ERROR,
        "Metrics that do not follow from the predictions",
        "A row's H@5 / H@10 / NDCG@5 / NDCG@10, or a trailing total, differs from what "
        "GRAM's rel_results gives for the row's own predictions, gold and scores (beyond "
        "the precision it was printed with): the file was edited, or written by other code.",
        ROWS,
    ),
    _rule(
        "GE102",
        "strict-undercount",
        WARNING,
        "Hits missed by exact string matching",
        "A prediction names the gold's item in another surface form (spacing, case, "
        "punctuation): GRAM's string equality counts it a miss. The reported metrics are a "
        "lower bound; metrics.item gives them on item identity.",
        ITEMS,
    ),
    _rule(
        "GE103",
        "unresolved-gold-hits",
        INFO,
        "Strict hits on a gold that names no item",
        "A prediction repeats word for word a gold that resolves to no item: GRAM's string "
        "equality counts a hit, item identity cannot (there is no item to name), so "
        "metrics.item is below metrics.strict by these rows. Neither figure is wrong; the "
        "gold itself is gold-unresolved's concern.",
        ITEMS,
    ),
    _rule(
        "GE201",
        "invalid-predictions",
        ERROR,
        "Predictions that name no item",
        "With GRAM's trie-constrained beam search every prediction is an item's lexical "
        "ID: one that resolves to no item of the indexing file at any level means the "
        "decoding was not constrained, or the indexing file is not the one the model was "
        "trained and evaluated with.",
        STRINGS,
    ),
    _rule(
        "GE202",
        "ambiguous-ids",
        WARNING,
        "Predictions or golds that name several items",
        "Items whose lexical IDs share a form (a collision, see GF801-GF803 of check): "
        "string equality credits a prediction of any of them, so the strict metrics may "
        "count a hit on the wrong item; the item-identity metrics never credit it.",
        STRINGS,
    ),
    _rule(
        "GE203",
        "duplicate-predictions",
        WARNING,
        "Rows that name one item twice",
        "Two predictions of a user resolve to the same item: the top-k holds fewer than k "
        "items, and a gold predicted twice counts twice in ndcg (above 1).",
        ITEMS,
    ),
    _rule(
        "GE204",
        "tied-scores",
        INFO,
        "Rows with equal scores",
        "GRAM's stable sort keeps tied predictions in beam order: the ranking is "
        "reproducible, but the model did not decide it.",
        ROWS,
    ),
    _rule(
        "GE301",
        "gold-unresolved",
        ERROR,
        "Golds that name no item",
        "The gold resolves to no item of the indexing file: no prediction can match it on "
        "item identity, and the strict metrics compare against text that is no item.",
        ITEMS,
    ),
    _rule(
        "GE302",
        "gold-not-target",
        ERROR,
        "Golds that are not the user's target",
        "The gold is not the user's items[-1] (test) or items[-2] (valid) in "
        "user_sequence.txt: the file evaluates another split, another dataset version, or "
        "a shifted target.",
        TARGETS,
    ),
    _rule(
        "GE303",
        "unknown-users",
        ERROR,
        "Users without a target in the sequences",
        "The row's user is not in user_sequence.txt, or has too few items for the split: "
        "its gold cannot be checked (the sequences are not the ones evaluated?).",
        USERS,
    ),
    _rule(
        "GE304",
        "repeated-users",
        INFO,
        "Users with more than one row",
        "DistributedSampler pads every rank to the same size with repeated users, so the "
        "merged file counts them twice: the means move by about the repeats' share.",
        USERS,
    ),
)
