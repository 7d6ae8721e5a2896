"""Rules GF0xx-GF4xx: the inputs, the mapping's keys and values, coverage and fill."""

from __future__ import annotations

from gramfix.model.rules.entry import ERROR, INFO, WARNING, Input, Rule

ENTRIES = (
    Rule(
        "GF001",
        "mapping-absent",
        INFO,
        "No mapping file: GRAM-C checks skipped",
        "The folder has no item_id_to_gcn_index.json/.pkl. Plain GRAM needs none; "
        "GRAM-C without it trains with a zero collaborative prefix.",
    ),
    Rule(
        "GF002",
        "sequences-absent",
        ERROR,
        "No user_sequence.txt: coverage and fill unknown",
        "Without the sequences there is no universe of item IDs to check the mapping's "
        "keys against: its coverage and recent-window fill are unknown, and a check "
        "must not pass what it could not judge (--ignore GF002 accepts a mapping checked "
        "alone). With no mapping either (item files only), it is info.",
    ),
    Rule(
        "GF101",
        "whole-line-keys",
        ERROR,
        "Keys are whole metadata lines",
        "The mapping was built by splitting on a separator the text does not use, so "
        "each key is 'ID title: ...'. The trainer's lookup by raw ID finds nothing. "
        "Fix: keep the ID before the first whitespace (gramfix repair).",
        needs=(Input.MAPPING,),  # without the sequences: keys with whitespace inside
    ),
    Rule(
        "GF102",
        "decorated-keys",
        ERROR,
        "Keys carry invisible or quoting characters",
        "A BOM, CR/LF, spaces, quotes or NBSP at the ends of a key make the exact "
        "lookup fail. Fix: strip them (gramfix repair).",
        needs=(Input.MAPPING,),  # without the sequences: keys with whitespace at the ends
    ),
    Rule(
        "GF103",
        "lost-leading-zeros",
        ERROR,
        "All-digit keys lost their leading zeros",
        "ISBN-style IDs went through int() or a spreadsheet: 0786959916 became "
        "786959916. Fix: left-pad to the IDs' width when the padded form is unique.",
        needs=(Input.MAPPING, Input.SEQUENCES),
    ),
    Rule(
        "GF104",
        "case-changed-keys",
        ERROR,
        "Keys match item IDs only ignoring case",
        "A lower-casing text pipeline changed the keys. Fix: the sequences' spelling, "
        "applied only when case folding is one-to-one over the item IDs.",
        needs=(Input.MAPPING, Input.SEQUENCES),
    ),
    Rule(
        "GF105",
        "internal-id-keys",
        ERROR,
        "Keys are internal integer IDs, not raw item IDs",
        "Row numbers or P5-style integers never match a raw ID. Only an explicit "
        "translation table can fix this; gramfix refuses to guess.",
        needs=(Input.MAPPING, Input.SEQUENCES),
    ),
    Rule(
        "GF106",
        "unrecognised-keys",
        WARNING,
        "Keys match no item of the sequences",
        "These keys are not item IDs of user_sequence.txt even after every safe "
        "normalisation: IDs of another dataset, stale items, or text.",
        needs=(Input.MAPPING, Input.SEQUENCES),
    ),
    Rule(
        "GF107",
        "conflicting-fixes",
        ERROR,
        "Normalised keys collide with different values",
        "Two keys land on one item ID with different rows. Merging them would pick a "
        "row at random; gramfix refuses to repair until one is removed by hand.",
        needs=(Input.MAPPING, Input.SEQUENCES),
    ),
    Rule(
        "GF108",
        "duplicate-keys",
        WARNING,
        "Keys repeated in the JSON text (same value)",
        "json.load keeps the last occurrence silently. Harmless here, but the file "
        "was not written by a dict.",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF109",
        "conflicting-duplicate-keys",
        ERROR,
        "Keys repeated with different values",
        "json.load keeps the last value silently, so the first rows are lost.",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF201",
        "non-integer-values",
        ERROR,
        "Values that are not integers",
        "Every value must be an int row index (not bool, float, string or null).",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF202",
        "zero-values",
        ERROR,
        "Value 0 maps an item to the padding row",
        "Row 0 is padding: the item is looked up as unknown. A 0 among the values "
        "usually means a 0-based LightGCN index was used where rows start at 1.",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF203",
        "negative-values",
        ERROR,
        "Negative values",
        "A negative index reads a row from the end of the embedding table.",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF204",
        "shared-rows",
        WARNING,
        "Several keys share one row",
        "Distinct items with one embedding row are indistinguishable to the prefix.",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF205",
        "non-contiguous-values",
        WARNING,
        "Values are not exactly 1..N",
        "Rows between 1 and the largest value are unused, or the table and the "
        "mapping were generated separately.",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF206",
        "row-out-of-range",
        ERROR,
        "Values too large for a torch.long index",
        "GRAM-C turns the rows into a torch.long tensor: a value of 2**63 or more "
        "cannot be converted and the trainer crashes.",
        needs=(Input.MAPPING,),
    ),
    Rule(
        "GF301",
        "unresolved-items",
        ERROR,
        "Sequence items the mapping does not resolve",
        "mapping.get(raw_id, 0) returns 0 for these items: their slots in the "
        "collaborative prefix are padding.",
        needs=(Input.MAPPING, Input.SEQUENCES),
    ),
    Rule(
        "GF302",
        "unrecoverable-items",
        ERROR,
        "Items still missing after every safe fix",
        "No key leads to these items. A missing row needs a trained embedding: "
        "rebuild the mapping and the table from the same item list.",
        needs=(Input.MAPPING, Input.SEQUENCES),
    ),
    Rule(
        "GF401",
        "recent-window-fill",
        ERROR,
        "Recent-item windows are not fully resolved",
        "Share of the real history slots in GRAM-C's recent-item window that resolve "
        "to a non-zero row. Below 1.0 the collaborative prefix loses signal; at 0.0 "
        "GRAM-C trains as plain GRAM.",
        needs=(Input.MAPPING, Input.SEQUENCES),
    ),
)
