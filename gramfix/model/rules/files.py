"""Rules GF5xx, GF7xx and GF8xx: the sequence file, the other item files, lexical IDs."""

from __future__ import annotations

from gramfix.model.rules.entry import ERROR, INFO, WARNING, Input, Rule

ENTRIES = (
    Rule(
        "GF501",
        "duplicate-users",
        ERROR,
        "A user appears on several lines",
        "The trainer stores users in a dict: the last line silently wins and the "
        "earlier histories are lost.",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF502",
        "short-users",
        ERROR,
        "Users with fewer than 3 items",
        "Validation takes s[-2] and test s[-1] with the rest as history: with fewer "
        "than 3 items the trainer crashes or builds samples without history.",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF503",
        "empty-lines",
        ERROR,
        "Empty lines",
        "The trainer cuts every line at its first space; an empty line has none and "
        "it crashes (IndexError).",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF504",
        "lines-without-space",
        ERROR,
        "Lines without a space",
        "A line with only a user ID (or any text without a space) crashes the "
        "trainer (IndexError).",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF505",
        "cr-line-endings",
        INFO,
        "CR line endings (Windows CRLF or old Mac CR)",
        "Python's universal newlines hide them from the trainer; other tools "
        "(awk, cut, pandas with a custom separator) keep the CR in the last ID.",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF506",
        "byte-order-mark",
        WARNING,
        "The file starts with a UTF-8 BOM",
        "The trainer reads UTF-8 without BOM handling: the first user ID gets an "
        "invisible U+FEFF prefix.",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF507",
        "tab-separators",
        WARNING,
        "Tabs in sequence lines",
        "Items are split on any whitespace but the user only on a space: a tab "
        "before the first space glues the first item to the user ID.",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF508",
        "unusual-whitespace",
        WARNING,
        "Unusual whitespace (NBSP, vertical tab ...)",
        "str.split() treats them as separators, other tools do not: IDs differ "
        "between the trainer and the scripts that built the other files.",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF509",
        "header-line",
        WARNING,
        "A header line is read as data",
        "The trainer reads every line of this file as 'ID rest' (only similar_item_*.txt "
        "skips lines starting with 'anchor'): a header becomes a bogus user or item.",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF510",
        "sorted-histories",
        WARNING,
        "Most histories are sorted by item ID",
        "Histories must be oldest first. When most users' items are in ascending ID "
        "order the chronological order was lost (a set, a sort, a groupby): "
        "leave-one-out then tests on the largest ID instead of the latest item.",
        needs=(Input.SEQUENCES,),
    ),
    Rule(
        "GF511",
        "odd-characters-in-ids",
        WARNING,
        "IDs with tabs, control characters or unusual whitespace",
        "The trainer cuts these lines at the first space only, so a tab or NBSP before "
        "it stays inside the ID and the ID matches nothing in the other files.",
        needs=(Input.ITEM_FILES,),
    ),
    Rule(
        "GF701",
        "file-lacks-sequence-items",
        ERROR,
        "Sequence items missing from an item file",
        "The trainer looks every item up by ID in item_plain_text.txt, the indexing "
        "file and the similar-item anchors: a missing item raises KeyError.",
        needs=(Input.SEQUENCES, Input.ITEM_FILES),
    ),
    Rule(
        "GF702",
        "file-items-not-in-sequences",
        WARNING,
        "Items in an item file that no user interacted with",
        "Extra IDs are decoding candidates that can never be a target, or the file "
        "belongs to another dataset or version of it.",
        needs=(Input.SEQUENCES, Input.ITEM_FILES),
    ),
    Rule(
        "GF703",
        "file-lacks-mapping-items",
        WARNING,
        "Mapping IDs missing from an item file",
        "The mapping and the item file were built from different item lists.",
        needs=(Input.MAPPING, Input.ITEM_FILES),
    ),
    Rule(
        "GF704",
        "file-items-not-in-mapping",
        WARNING,
        "Items of an item file that the mapping does not know",
        "These items get row 0 (padding) in the collaborative prefix.",
        needs=(Input.MAPPING, Input.ITEM_FILES),
    ),
    Rule(
        "GF705",
        "duplicate-file-ids",
        WARNING,
        "An ID on several lines of an item file",
        "The trainer stores the file in a dict: the last line of each ID silently wins.",
        needs=(Input.ITEM_FILES,),
    ),
    Rule(
        "GF706",
        "unknown-neighbours",
        ERROR,
        "Similar-item neighbours that are not known items",
        "Each neighbour is verbalised through its lexical ID: a neighbour missing from "
        "the indexing file (or, without one, from the sequences) raises KeyError.",
        needs=(Input.ITEM_FILES,),
    ),
    Rule(
        "GF707",
        "mapping-files-disagree",
        WARNING,
        "Two mapping files that disagree",
        "The folder holds item_id_to_gcn_index.json and .pkl with different contents; "
        "the trainer reads whichever its configuration names. gramfix checks the .json.",
        needs=(Input.MAPPING, Input.SECOND_MAPPING),
    ),
    Rule(
        "GF801",
        "lexical-id-collisions",
        ERROR,
        "Items share one lexical ID",
        "The evaluation compares generated text with the target's lexical ID: items "
        "with the same ID can never be told apart.",
        needs=(Input.INDEXING,),
    ),
    Rule(
        "GF802",
        "lexical-id-collisions-without-markers",
        WARNING,
        "Items share a lexical ID once the segment and word markers are removed",
        "Decoding drops the segment and word markers, so these IDs decode to the same text.",
        needs=(Input.INDEXING,),
    ),
    Rule(
        "GF803",
        "lexical-id-collisions-normalised",
        WARNING,
        "Items share a lexical ID after strip and lower-case",
        "Evaluators that compare stripped, lower-cased text cannot tell these apart.",
        needs=(Input.INDEXING,),
    ),
)
