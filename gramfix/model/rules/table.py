"""Rules GF6xx: the embedding table."""

from __future__ import annotations

from gramfix.model.rules.entry import ERROR, INFO, WARNING, Input, Rule

ENTRIES = (
    Rule(
        "GF601",
        "table-unchecked",
        INFO,
        "The embedding table was not checked",
        "A legacy (pre-1.6, not zip) .pt table is read only through torch "
        "(torch.load with weights_only=True): re-save it with torch.save or as .npy, or "
        "pip install 'gramfix[torch]'.",
        needs=(Input.TABLE_FILE,),
    ),
    Rule(
        "GF602",
        "table-too-few-rows",
        ERROR,
        "The table has fewer rows than the mapping addresses",
        "Rows must be at least the largest mapping value + 1 (row 0 is padding). A "
        "value past the end raises IndexError or, clamped, reads another item's row.",
        needs=(Input.MAPPING, Input.TABLE),
    ),
    Rule(
        "GF603",
        "table-extra-rows",
        WARNING,
        "The table has more rows than the mapping addresses",
        "Rows past the largest mapping value + 1 are never read: the table and the "
        "mapping were probably built from different item lists.",
        needs=(Input.MAPPING, Input.TABLE),
    ),
    Rule(
        "GF604",
        "nonzero-padding-row",
        ERROR,
        "Row 0 is not all zero",
        "Row 0 is the padding row that unknown items and empty slots read. A non-zero "
        "row 0 usually means the table is 0-based: every item's row is off by one.",
        needs=(Input.TABLE,),
    ),
    Rule(
        "GF605",
        "non-finite-rows",
        ERROR,
        "Rows with NaN or infinite values",
        "One NaN in a pooled row turns the whole collaborative prefix, and the loss, into NaN.",
        needs=(Input.TABLE,),
    ),
    Rule(
        "GF606",
        "table-shape",
        ERROR,
        "The table is not a 2-D floating-point array",
        "GRAM-C copies the table into a float embedding layer of shape [N+1, d].",
        needs=(Input.TABLE,),
    ),
    Rule(
        "GF607",
        "zero-rows",
        WARNING,
        "All-zero rows besides the padding row",
        "An item whose row is zero adds nothing but still counts in the mean of the "
        "prefix: its embedding was never trained or was lost.",
        needs=(Input.TABLE,),
    ),
    Rule(
        "GF608",
        "duplicate-rows",
        WARNING,
        "Different items share identical rows",
        "Identical non-zero rows make items indistinguishable to the prefix: the "
        "table was filled by copying, or by an index that repeats.",
        needs=(Input.TABLE,),
    ),
    Rule(
        "GF609",
        "no-collaborative-signal",
        ERROR,
        "The table carries no collaborative signal",
        "Rows of items that follow each other in user histories are no closer than "
        "rows of random item pairs (the sample cannot tell them apart), and the rows "
        "look like random noise: a placeholder, not trained embeddings. GRAM-C trains "
        "on it, and its collaborative prefix is noise.",
        needs=(Input.MAPPING, Input.SEQUENCES, Input.TABLE),
    ),
    Rule(
        "GF610",
        "table-order-mismatch",
        ERROR,
        "The table's rows do not line up with the mapping",
        "The table has structure, but rows of items that follow each other are close "
        "only under another item order (or none that gramfix knows): the mapping and "
        "the table were written by generators that order items differently.",
        needs=(Input.MAPPING, Input.SEQUENCES, Input.TABLE),
    ),
    Rule(
        "GF611",
        "signal-inconclusive",
        ERROR,
        "The collaborative signal could not be judged",
        "The sample of co-occurring item pairs is too small (or too spread) to tell the "
        "table from a random placeholder. gramfix does not pass what it could not judge: "
        "check the table with the full dataset, or accept it with --ignore GF611.",
        needs=(Input.MAPPING, Input.SEQUENCES, Input.TABLE),
    ),
    Rule(
        "GF612",
        "table-absent",
        INFO,
        "No embedding table found: the table checks did not run",
        "The mapping addresses rows of gcn_item_embeddings.npy / .pt, looked for in the "
        "dataset folder and beside the mapping. Pass a table kept elsewhere with "
        "--embeddings FILE to check its rows, padding row and collaborative signal.",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF613",
        "weak-collaborative-signal",
        WARNING,
        "The table's collaborative signal is weak",
        "Rows of co-occurring items are measurably closer than random pairs, so the "
        "table is no placeholder, but they close less than 10% of the random pairs' "
        "cosine distance (tables smoothed over the user-item graph close 18% to 61%): "
        "perhaps an under-trained table, or one trained on other interactions.",
        needs=(Input.MAPPING, Input.SEQUENCES, Input.TABLE),
    ),
)
