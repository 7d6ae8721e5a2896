"""Rules GF9xx: the LightGCN chain that produces GRAM-C's table (docs: graph-data.md).

The converter writes ``lightgcn_data/train.txt`` and ``test.txt`` (0-based indices), the
mapping (LightGCN index + 1) and ``user_id_to_index.json``; the trainer keeps the
checkpoint with the best recall on ``test.txt``; the exporter writes
``lightgcn_item_embeddings.pt``, which the user must copy to the table GRAM-C reads.
"""

from __future__ import annotations

from gramfix.model.rules.entry import ERROR, WARNING, Input, Rule

#: What the alignment of the graph with the index files needs.
_ALIGNED = (Input.SEQUENCES, Input.MAPPING, Input.GRAPH, Input.USER_INDEX)

ENTRIES = (
    Rule(
        "GF901",
        "graph-leakage",
        ERROR,
        "The graph was trained on validation or test targets",
        "A train.txt line, read back through user_id_to_index.json and the mapping, holds "
        "its user's validation target (items[-2]) or test target (items[-1]): the table "
        "GRAM-C is scored with has seen the answers. Rebuild train.txt from items[:-2].",
        needs=_ALIGNED,
    ),
    Rule(
        "GF902",
        "graph-selected-on-test",
        WARNING,
        "The graph model was chosen on the recommender's test targets",
        "train_lightgcn.py keeps the checkpoint with the best Recall@20 on test.txt; when "
        "test.txt holds the users' test targets (items[-1]), the table was selected for "
        "doing well on the very targets GRAM-C's test metrics are computed on, and those "
        "metrics are optimistic. Evaluate the graph on the validation targets (items[-2]).",
        needs=_ALIGNED,
    ),
    Rule(
        "GF903",
        "graph-index-mismatch",
        ERROR,
        "The graph's item indices do not match the mapping",
        "Row i + 1 of the exported table belongs to the item with LightGCN index i in "
        "train.txt; the mapping must give that item the value i + 1. When it does not "
        "(a mapping regenerated after a data change or in another order, a 0-based "
        "mapping), every lookup reads another item's row.",
        needs=_ALIGNED,
    ),
    Rule(
        "GF904",
        "graph-user-index-mismatch",
        ERROR,
        "The graph's user indices do not match user_id_to_index.json",
        "The train.txt line of user index u must hold the history of the user that "
        "user_id_to_index.json gives index u; otherwise the graph files and the index "
        "were written for different users (or orders), and nothing read through the "
        "index can be trusted.",
        needs=(Input.SEQUENCES, Input.GRAPH, Input.USER_INDEX),
    ),
    Rule(
        "GF905",
        "graph-missing-items",
        WARNING,
        "Items or users the graph leaves out",
        "The converter indexes the items of items[:-2] and items[-1] only: an item that "
        "occurs only as a validation target (items[-2]) gets no index, no mapping key and "
        "no row, and its slots of the test windows stay 0. Users with fewer than 3 items "
        "are skipped and have no node in the graph.",
        needs=(Input.SEQUENCES, Input.MAPPING, Input.GRAPH),
    ),
    Rule(
        "GF906",
        "trained-table-unused",
        ERROR,
        "The trained table is not the one GRAM-C reads",
        "export_lightgcn_embeddings.py writes lightgcn_data/lightgcn_item_embeddings.pt, "
        "but GRAM-C reads gcn_item_embeddings.pt from the dataset folder: until the "
        "export is copied there, GRAM-C trains on whatever table is there (often the "
        "random placeholder of generate_example_gcn_embeddings.py) and nothing crashes.",
        needs=(Input.EXPORT,),
    ),
    Rule(
        "GF907",
        "stale-export",
        ERROR,
        "The exported table is not from this graph",
        "The export has n_items + 1 rows (row 0 is padding) for the n_items of train.txt "
        "and test.txt and of the checkpoint it was exported from. Other row counts mean "
        "an export from an older graph, or one without its padding row: rows belong to "
        "other items.",
        needs=(Input.GRAPH, Input.EXPORT),
    ),
    Rule(
        "GF908",
        "graph-not-judged",
        ERROR,
        "Graph files whose alignment and leakage could not be judged",
        "lightgcn_data/train.txt and test.txt are here, but an input needed to read their "
        "indices back is not (user_id_to_index.json, the sequences or the mapping), so "
        "leakage, the test file and the alignment were not judged. gramfix does not pass "
        "what it could not judge: pass the file (--user-index FILE), or accept it with "
        "--ignore GF908.",
        needs=(Input.GRAPH,),
    ),
)
