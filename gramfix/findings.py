"""The finding catalogue: stable codes, names, severities and what each means.

Codes never change meaning once released (CI configurations select and ignore them).
Numbering by concern: GF0xx inputs, GF1xx mapping keys, GF2xx mapping values, GF3xx
coverage, GF4xx recent-window fill, GF5xx sequence file hygiene, GF6xx embedding table,
GF7xx cross-file consistency, GF8xx lexical IDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    """How bad a finding is; ``error`` fails ``check`` by default."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue."""

    code: str
    name: str
    severity: Severity
    title: str
    help: str
    #: Inputs the check needs; without one of them the code is skipped, not passed.
    needs: tuple[str, ...] = ()


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
_MAP, _SEQ = "mapping", "sequences"
_EMB, _ITEMS, _IDX = "embeddings", "item files", "indexing file"
_TABLE_FILE, _SECOND_MAP = "table file", "second mapping"
#: Every input a rule can need, in the order reports list them. "table file": an embedding
#: table file was found; "embeddings": it was read as an array (a .pt needs torch).
INPUTS = (_SEQ, _MAP, _SECOND_MAP, _TABLE_FILE, _EMB, _ITEMS, _IDX)

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in [
        Rule(
            "GF001",
            "mapping-absent",
            _I,
            "No mapping file: GRAM-C checks skipped",
            "The folder has no item_id_to_gcn_index.json/.pkl. Plain GRAM needs none; "
            "GRAM-C without it trains with a zero collaborative prefix.",
        ),
        Rule(
            "GF002",
            "sequences-absent",
            _E,
            "No user_sequence.txt: coverage and fill unknown",
            "Without the sequences there is no universe of item IDs to check the mapping's "
            "keys against: its coverage and recent-window fill are unknown, and a check "
            "must not pass what it could not judge (--ignore GF002 accepts a mapping checked "
            "alone). With no mapping either (item files only), it is info.",
        ),
        Rule(
            "GF101",
            "whole-line-keys",
            _E,
            "Keys are whole metadata lines",
            "The mapping was built by splitting on a separator the text does not use, so "
            "each key is 'ID title: ...'. The trainer's lookup by raw ID finds nothing. "
            "Fix: keep the ID before the first whitespace (gramfix repair).",
            needs=(_MAP,),  # without the sequences: keys with whitespace inside
        ),
        Rule(
            "GF102",
            "decorated-keys",
            _E,
            "Keys carry invisible or quoting characters",
            "A BOM, CR/LF, spaces, quotes or NBSP at the ends of a key make the exact "
            "lookup fail. Fix: strip them (gramfix repair).",
            needs=(_MAP,),  # without the sequences: keys with whitespace at the ends
        ),
        Rule(
            "GF103",
            "lost-leading-zeros",
            _E,
            "All-digit keys lost their leading zeros",
            "ISBN-style IDs went through int() or a spreadsheet: 0786959916 became "
            "786959916. Fix: left-pad to the IDs' width when the padded form is unique.",
            needs=(_MAP, _SEQ),
        ),
        Rule(
            "GF104",
            "case-changed-keys",
            _E,
            "Keys match item IDs only ignoring case",
            "A lower-casing text pipeline changed the keys. Fix: the sequences' spelling, "
            "applied only when case folding is one-to-one over the item IDs.",
            needs=(_MAP, _SEQ),
        ),
        Rule(
            "GF105",
            "internal-id-keys",
            _E,
            "Keys are internal integer IDs, not raw item IDs",
            "Row numbers or P5-style integers never match a raw ID. Only an explicit "
            "translation table can fix this; gramfix refuses to guess.",
            needs=(_MAP, _SEQ),
        ),
        Rule(
            "GF106",
            "unrecognised-keys",
            _W,
            "Keys match no item of the sequences",
            "These keys are not item IDs of user_sequence.txt even after every safe "
            "normalisation: IDs of another dataset, stale items, or text.",
            needs=(_MAP, _SEQ),
        ),
        Rule(
            "GF107",
            "conflicting-fixes",
            _E,
            "Normalised keys collide with different values",
            "Two keys land on one item ID with different rows. Merging them would pick a "
            "row at random; gramfix refuses to repair until one is removed by hand.",
            needs=(_MAP, _SEQ),
        ),
        Rule(
            "GF108",
            "duplicate-keys",
            _W,
            "Keys repeated in the JSON text (same value)",
            "json.load keeps the last occurrence silently. Harmless here, but the file "
            "was not written by a dict.",
            needs=(_MAP,),
        ),
        Rule(
            "GF109",
            "conflicting-duplicate-keys",
            _E,
            "Keys repeated with different values",
            "json.load keeps the last value silently, so the first rows are lost.",
            needs=(_MAP,),
        ),
        Rule(
            "GF201",
            "non-integer-values",
            _E,
            "Values that are not integers",
            "Every value must be an int row index (not bool, float, string or null).",
            needs=(_MAP,),
        ),
        Rule(
            "GF202",
            "zero-values",
            _E,
            "Value 0 maps an item to the padding row",
            "Row 0 is padding: the item is looked up as unknown. A 0 among the values "
            "usually means a 0-based LightGCN index was used where rows start at 1.",
            needs=(_MAP,),
        ),
        Rule(
            "GF203",
            "negative-values",
            _E,
            "Negative values",
            "A negative index reads a row from the end of the embedding table.",
            needs=(_MAP,),
        ),
        Rule(
            "GF204",
            "shared-rows",
            _W,
            "Several keys share one row",
            "Distinct items with one embedding row are indistinguishable to the prefix.",
            needs=(_MAP,),
        ),
        Rule(
            "GF205",
            "non-contiguous-values",
            _W,
            "Values are not exactly 1..N",
            "Rows between 1 and the largest value are unused, or the table and the "
            "mapping were generated separately.",
            needs=(_MAP,),
        ),
        Rule(
            "GF206",
            "row-out-of-range",
            _E,
            "Values too large for a torch.long index",
            "GRAM-C turns the rows into a torch.long tensor: a value of 2**63 or more "
            "cannot be converted and the trainer crashes.",
            needs=(_MAP,),
        ),
        Rule(
            "GF301",
            "unresolved-items",
            _E,
            "Sequence items the mapping does not resolve",
            "mapping.get(raw_id, 0) returns 0 for these items: their slots in the "
            "collaborative prefix are padding.",
            needs=(_MAP, _SEQ),
        ),
        Rule(
            "GF302",
            "unrecoverable-items",
            _E,
            "Items still missing after every safe fix",
            "No key leads to these items. A missing row needs a trained embedding: "
            "rebuild the mapping and the table from the same item list.",
            needs=(_MAP, _SEQ),
        ),
        Rule(
            "GF401",
            "recent-window-fill",
            _E,
            "Recent-item windows are not fully resolved",
            "Share of the real history slots in GRAM-C's recent-item window that resolve "
            "to a non-zero row. Below 1.0 the collaborative prefix loses signal; at 0.0 "
            "GRAM-C trains as plain GRAM.",
            needs=(_MAP, _SEQ),
        ),
        Rule(
            "GF501",
            "duplicate-users",
            _E,
            "A user appears on several lines",
            "The trainer stores users in a dict: the last line silently wins and the "
            "earlier histories are lost.",
            needs=(_SEQ,),
        ),
        Rule(
            "GF502",
            "short-users",
            _E,
            "Users with fewer than 3 items",
            "Validation takes s[-2] and test s[-1] with the rest as history: with fewer "
            "than 3 items the trainer crashes or builds samples without history.",
            needs=(_SEQ,),
        ),
        Rule(
            "GF503",
            "empty-lines",
            _E,
            "Empty lines",
            "The trainer cuts every line at its first space; an empty line has none and "
            "it crashes (IndexError).",
            needs=(_SEQ,),
        ),
        Rule(
            "GF504",
            "lines-without-space",
            _E,
            "Lines without a space",
            "A line with only a user ID (or any text without a space) crashes the "
            "trainer (IndexError).",
            needs=(_SEQ,),
        ),
        Rule(
            "GF505",
            "cr-line-endings",
            _I,
            "CR line endings (Windows CRLF or old Mac CR)",
            "Python's universal newlines hide them from the trainer; other tools "
            "(awk, cut, pandas with a custom separator) keep the CR in the last ID.",
            needs=(_SEQ,),
        ),
        Rule(
            "GF506",
            "byte-order-mark",
            _W,
            "The file starts with a UTF-8 BOM",
            "The trainer reads UTF-8 without BOM handling: the first user ID gets an "
            "invisible U+FEFF prefix.",
            needs=(_SEQ,),
        ),
        Rule(
            "GF507",
            "tab-separators",
            _W,
            "Tabs in sequence lines",
            "Items are split on any whitespace but the user only on a space: a tab "
            "before the first space glues the first item to the user ID.",
            needs=(_SEQ,),
        ),
        Rule(
            "GF508",
            "unusual-whitespace",
            _W,
            "Unusual whitespace (NBSP, vertical tab ...)",
            "str.split() treats them as separators, other tools do not: IDs differ "
            "between the trainer and the scripts that built the other files.",
            needs=(_SEQ,),
        ),
        Rule(
            "GF509",
            "header-line",
            _W,
            "A header line is read as data",
            "The trainer reads every line of this file as 'ID rest' (only similar_item_*.txt "
            "skips lines starting with 'anchor'): a header becomes a bogus user or item.",
            needs=(_SEQ,),
        ),
        Rule(
            "GF510",
            "sorted-histories",
            _W,
            "Most histories are sorted by item ID",
            "Histories must be oldest first. When most users' items are in ascending ID "
            "order the chronological order was lost (a set, a sort, a groupby): "
            "leave-one-out then tests on the largest ID instead of the latest item.",
            needs=(_SEQ,),
        ),
        Rule(
            "GF511",
            "odd-characters-in-ids",
            _W,
            "IDs with tabs, control characters or unusual whitespace",
            "The trainer cuts these lines at the first space only, so a tab or NBSP before "
            "it stays inside the ID and the ID matches nothing in the other files.",
            needs=(_ITEMS,),
        ),
        Rule(
            "GF601",
            "table-unchecked",
            _I,
            "The embedding table was not checked",
            "A legacy (pre-1.6, not zip) .pt table is read only through torch "
            "(torch.load with weights_only=True): re-save it with torch.save or as .npy, or "
            "pip install 'gramfix[torch]'.",
            needs=(_TABLE_FILE,),
        ),
        Rule(
            "GF602",
            "table-too-few-rows",
            _E,
            "The table has fewer rows than the mapping addresses",
            "Rows must be at least the largest mapping value + 1 (row 0 is padding). A "
            "value past the end raises IndexError or, clamped, reads another item's row.",
            needs=(_MAP, _EMB),
        ),
        Rule(
            "GF603",
            "table-extra-rows",
            _W,
            "The table has more rows than the mapping addresses",
            "Rows past the largest mapping value + 1 are never read: the table and the "
            "mapping were probably built from different item lists.",
            needs=(_MAP, _EMB),
        ),
        Rule(
            "GF604",
            "nonzero-padding-row",
            _E,
            "Row 0 is not all zero",
            "Row 0 is the padding row that unknown items and empty slots read. A non-zero "
            "row 0 usually means the table is 0-based: every item's row is off by one.",
            needs=(_EMB,),
        ),
        Rule(
            "GF605",
            "non-finite-rows",
            _E,
            "Rows with NaN or infinite values",
            "One NaN in a pooled row turns the whole collaborative prefix, and the loss, into NaN.",
            needs=(_EMB,),
        ),
        Rule(
            "GF606",
            "table-shape",
            _E,
            "The table is not a 2-D floating-point array",
            "GRAM-C copies the table into a float embedding layer of shape [N+1, d].",
            needs=(_EMB,),
        ),
        Rule(
            "GF607",
            "zero-rows",
            _W,
            "All-zero rows besides the padding row",
            "An item whose row is zero adds nothing but still counts in the mean of the "
            "prefix: its embedding was never trained or was lost.",
            needs=(_EMB,),
        ),
        Rule(
            "GF608",
            "duplicate-rows",
            _W,
            "Different items share identical rows",
            "Identical non-zero rows make items indistinguishable to the prefix: the "
            "table was filled by copying, or by an index that repeats.",
            needs=(_EMB,),
        ),
        Rule(
            "GF609",
            "no-collaborative-signal",
            _E,
            "The table carries no collaborative signal",
            "Rows of items that follow each other in user histories are no closer than "
            "rows of random item pairs (the sample cannot tell them apart), and the rows "
            "look like random noise: a placeholder, not trained embeddings. GRAM-C trains "
            "on it, and its collaborative prefix is noise.",
            needs=(_MAP, _SEQ, _EMB),
        ),
        Rule(
            "GF610",
            "table-order-mismatch",
            _E,
            "The table's rows do not line up with the mapping",
            "The table has structure, but rows of items that follow each other are close "
            "only under another item order (or none that gramfix knows): the mapping and "
            "the table were written by generators that order items differently.",
            needs=(_MAP, _SEQ, _EMB),
        ),
        Rule(
            "GF611",
            "signal-inconclusive",
            _E,
            "The collaborative signal could not be judged",
            "The sample of co-occurring item pairs is too small (or too spread) to tell the "
            "table from a random placeholder. gramfix does not pass what it could not judge: "
            "check the table with the full dataset, or accept it with --ignore GF611.",
            needs=(_MAP, _SEQ, _EMB),
        ),
        Rule(
            "GF612",
            "table-absent",
            _I,
            "No embedding table found: the table checks did not run",
            "The mapping addresses rows of gcn_item_embeddings.npy / .pt, looked for in the "
            "dataset folder and beside the mapping. Pass a table kept elsewhere with "
            "--embeddings FILE to check its rows, padding row and collaborative signal.",
            needs=(_MAP,),
        ),
        Rule(
            "GF613",
            "weak-collaborative-signal",
            _W,
            "The table's collaborative signal is weak",
            "Rows of co-occurring items are measurably closer than random pairs, so the "
            "table is no placeholder, but they close less than 10% of the random pairs' "
            "cosine distance (tables smoothed over the user-item graph close 18% to 61%): "
            "perhaps an under-trained table, or one trained on other interactions.",
            needs=(_MAP, _SEQ, _EMB),
        ),
        Rule(
            "GF701",
            "file-lacks-sequence-items",
            _E,
            "Sequence items missing from an item file",
            "The trainer looks every item up by ID in item_plain_text.txt, the indexing "
            "file and the similar-item anchors: a missing item raises KeyError.",
            needs=(_SEQ, _ITEMS),
        ),
        Rule(
            "GF702",
            "file-items-not-in-sequences",
            _W,
            "Items in an item file that no user interacted with",
            "Extra IDs are decoding candidates that can never be a target, or the file "
            "belongs to another dataset or version of it.",
            needs=(_SEQ, _ITEMS),
        ),
        Rule(
            "GF703",
            "file-lacks-mapping-items",
            _W,
            "Mapping IDs missing from an item file",
            "The mapping and the item file were built from different item lists.",
            needs=(_MAP, _ITEMS),
        ),
        Rule(
            "GF704",
            "file-items-not-in-mapping",
            _W,
            "Items of an item file that the mapping does not know",
            "These items get row 0 (padding) in the collaborative prefix.",
            needs=(_MAP, _ITEMS),
        ),
        Rule(
            "GF705",
            "duplicate-file-ids",
            _W,
            "An ID on several lines of an item file",
            "The trainer stores the file in a dict: the last line of each ID silently wins.",
            needs=(_ITEMS,),
        ),
        Rule(
            "GF706",
            "unknown-neighbours",
            _E,
            "Similar-item neighbours that are not known items",
            "Each neighbour is verbalised through its lexical ID: a neighbour missing from "
            "the indexing file (or, without one, from the sequences) raises KeyError.",
            needs=(_ITEMS,),
        ),
        Rule(
            "GF707",
            "mapping-files-disagree",
            _W,
            "Two mapping files that disagree",
            "The folder holds item_id_to_gcn_index.json and .pkl with different contents; "
            "the trainer reads whichever its configuration names. gramfix checks the .json.",
            needs=(_MAP, _SECOND_MAP),
        ),
        Rule(
            "GF801",
            "lexical-id-collisions",
            _E,
            "Items share one lexical ID",
            "The evaluation compares generated text with the target's lexical ID: items "
            "with the same ID can never be told apart.",
            needs=(_IDX,),
        ),
        Rule(
            "GF802",
            "lexical-id-collisions-without-markers",
            _W,
            "Items share a lexical ID once the segment and word markers are removed",
            "Decoding drops the segment and word markers, so these IDs decode to the same text.",
            needs=(_IDX,),
        ),
        Rule(
            "GF803",
            "lexical-id-collisions-normalised",
            _W,
            "Items share a lexical ID after strip and lower-case",
            "Evaluators that compare stripped, lower-cased text cannot tell these apart.",
            needs=(_IDX,),
        ),
    ]
}


def rule(code: str) -> Rule:
    """The catalogue entry of ``code``."""
    return RULES[code]


def normalise_selector(selector: str) -> str | None:
    """A ``--select`` / ``--ignore`` entry as a code prefix, or None if it matches no code.

    An entry is a code (``GF301``), a code prefix (``GF3``, ``GF``), ``ALL`` or a
    finding name (``unresolved-items``); case does not matter.
    """
    text = selector.strip()
    upper = text.upper()
    if upper == "ALL":
        return "GF"
    if any(code.startswith(upper) for code in RULES) and upper.startswith("GF"):
        return upper
    by_name = {r.name: r.code for r in RULES.values()}
    return by_name.get(text.lower())
