"""Deterministic GRAM prediction files built from a dataset folder, with their truth.

No real prediction file is public, so the tests make them from real data: users of a
``user_sequence.txt``, golds decoded from the real indexing file (the user's
``items[-1]``, or ``items[-2]`` for validation), predictions drawn from the real lexical
IDs, written the way GRAM's ``--save_predictions`` writes them (``str`` of numpy float32
scores, ``str`` of float64 row metrics, ``tensor(...)`` totals). Knobs inject what an
audit must find: surface variants at every normalisation level, strings that name no
item, lexical-ID collisions, repeated items, tied scores, wrong or unresolvable golds,
edited row values and totals, rows of a test batch above 1, repeated users.

The truth comes from the builder's own bookkeeping (which item each string was made
from) checked against its own resolver (written from the issue's level definitions,
sharing no code with gramfix), and from `tests.gram_eval_oracle` for every metric.

    python -m tests.predictions_build example    # rewrites examples/beauty-predictions.tsv
"""

from __future__ import annotations

import math
import random
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from tests import gram_eval_oracle as oracle

LEVELS = ("raw", "decoded", "whitespace", "folded")
HEADER = "idx\tH@5\tH@10\tNDCG@5\tNDCG@10\tgold\tpred\tscores\n"
TOTAL_NAMES = ("hit@1", "hit@5", "hit@10", "ndcg@1", "ndcg@5", "ndcg@10")
ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = Path(__file__).resolve().parent / "data" / "eval-synthetic"


# -- the level definitions, written again from the issue ----------------------------------


def _decoded(text: str) -> str:
    joined = text.replace("|", "")
    if joined.startswith("▁"):
        joined = joined[1:]
    return joined.replace("▁", " ")


def _collapsed(text: str) -> str:
    return " ".join(_decoded(text).split())


def _folded(text: str) -> str:
    lowered = unicodedata.normalize("NFKC", _collapsed(text)).casefold()
    return re.sub(r"\s*([^\w\s])\s*", r"\1", lowered)


_FORMS = (lambda text: text, _decoded, _collapsed, _folded)


class Resolver:
    """Which level a string resolves at, and to which items (the builder's own)."""

    def __init__(self, lexical: dict[str, str]) -> None:
        self.levels: list[dict[str, list[str]]] = []
        for form in _FORMS:
            table: dict[str, list[str]] = {}
            for item, lexical_id in lexical.items():
                table.setdefault(form(lexical_id), []).append(item)
            self.levels.append(table)

    def resolve(self, text: str) -> tuple[str | None, tuple[str, ...]]:
        for name, form, table in zip(LEVELS, _FORMS, self.levels, strict=True):
            items = table.get(form(text))
            if items:
                return name, tuple(items)
        return None, ()


# -- knobs and truth -----------------------------------------------------------------------


@dataclass(frozen=True)
class Knobs:
    """What to build. Rates are per row unless said per prediction."""

    users: int = 120
    generate_num: int = 10
    split: str = "test"
    seed: int = 0
    hit_rate: float = 0.4  # rows whose gold item is among the predictions
    near_miss: float = 0.0  # of those: the gold item in another surface form
    variant_levels: tuple[str, ...] = ("raw", "whitespace", "folded")  # forms used for those
    surface: float = 0.0  # per prediction: another item's string at a non-decoded level
    non_items: float = 0.0  # per prediction: a string naming no item
    ambiguous: float = 0.0  # per prediction: a string naming several items (collisions)
    collisions: int = 0  # extra items sharing a lexical ID with one (exactly, and by case)
    repeats: float = 0.0  # rows naming one item twice
    ties: float = 0.0  # rows with two equal scores
    shuffle: float = 0.0  # rows whose beam order is not by score
    nan_scores: float = 0.0  # rows with a NaN score
    wrong_golds: float = 0.0  # rows whose gold is another item than the target
    unresolved_golds: float = 0.0  # rows whose gold names no item
    echo_unresolved: float = 0.0  # of those: a prediction repeats the gold word for word
    other_split_golds: float = 0.0  # rows whose gold is the user's other split's target
    gold_variants: float = 0.0  # rows whose gold is written at another level
    edit_rows: float = 0.0  # rows whose written metric values are altered
    repeat_users: float = 0.0  # rows repeating an earlier user (sampler padding)
    unknown_users: float = 0.0  # rows whose user is not in the sequences
    merged: bool = True  # trailing totals (the merged file) or none (a per-rank file)
    # "tensor" (torch's print), "plain" (repr of Python floats) or a format ("{:.4f}")
    totals: str = "tensor"
    edit_totals: bool = False  # one trailing total altered
    batch: int = 1  # test batch size (above 1: rows hold batches)


@dataclass
class Truth:
    """What an audit of the built file must report."""

    per_user: bool
    counts: dict[str, int | None]
    strict: dict[str, float] | None
    item: dict[str, float] | None
    reported: dict[str, float] | None
    prediction_levels: dict[str, int]
    gold_levels: dict[str, int]
    problems: set[str] = field(default_factory=set)


@dataclass
class Built:
    predictions: Path
    indexing: Path
    sequences: Path
    truth: Truth
    knobs: Knobs


@dataclass
class _Row:
    user: str
    gold: str
    gold_item: str | None  # what the builder meant (None: no item)
    target: str | None
    predictions: list[str]
    scores: list[str]  # as written
    edited: bool = False


# -- reading a dataset folder -------------------------------------------------------------


def read_dataset(folder: Path) -> tuple[dict[str, list[str]], dict[str, str], Path, Path]:
    """Users (trainer semantics: the last line wins) and ``{item: lexical id}``."""
    sequences = folder / "user_sequence.txt"
    users: dict[str, list[str]] = {}
    for line in sequences.read_text(encoding="utf-8").splitlines():
        if " " in line:
            user, rest = line.split(" ", 1)
            users[user] = rest.split()
    indexing = next(iter(sorted(folder.glob("item_generative_indexing_*.txt"))))
    lexical: dict[str, str] = {}
    for line in indexing.read_text(encoding="utf-8").splitlines():
        if " " in line:
            item, rest = line.split(" ", 1)
            lexical[item] = rest
    return users, lexical, sequences, indexing


# -- surface forms ------------------------------------------------------------------------


def _variant(resolver: Resolver, lexical_id: str, level: str, rng: random.Random) -> str | None:
    """A string naming the item of ``lexical_id`` that resolves exactly at ``level``."""
    decoded = _decoded(lexical_id)
    candidates: list[str] = []
    if level == "raw":
        candidates = [lexical_id]
    elif level == "decoded":
        candidates = [decoded, lexical_id.replace("|", "")]
    elif level == "whitespace":
        words = decoded.split(" ")
        if len(words) > 1:
            at = rng.randrange(1, len(words))
            candidates.append(" ".join(words[:at]) + "  " + " ".join(words[at:]))
        candidates += [" " + decoded, decoded + " ", decoded.replace(" ", "\u00a0", 1)]
    elif level == "folded":
        candidates = [decoded.upper(), decoded.title(), decoded.swapcase()]
        spaced = re.sub(r"([^\w\s])", r" \1 ", decoded)
        candidates.append(" ".join(spaced.split()))
    for text in candidates:
        found, items = resolver.resolve(text)
        if text and "\t" not in text and "||" not in text and found == level and len(items) == 1:
            return text
    return None


def _non_item(resolver: Resolver, rng: random.Random, pool: Sequence[str]) -> str:
    while True:
        words = [w for w in rng.choice(pool).split(" ") if w][:3] or ["x"]
        text = " ".join([*words, rng.choice(["zzq", "qxv", "jjw"]) + str(rng.randrange(1000))])
        if resolver.resolve(text)[0] is None:
            return text


def _printed(value: float, form: str) -> str:
    """A trailing total as the knob ``totals`` prints it."""
    if form == "tensor":
        return torch_print(value)
    return repr(float(value)) if form == "plain" else form.format(value)


def torch_print(value: float) -> str:
    """``str`` of a 0-d float64 CUDA tensor, as torch prints it (4 digits)."""
    if math.isfinite(value) and value == int(value):
        number = f"{int(value)}."
    elif value != 0 and (abs(value) < 1e-4 or abs(value) >= 1e8):
        number = f"{value:.4e}"
    else:
        number = f"{value:.4f}"
    return f"tensor({number}, device='cuda:0', dtype=torch.float64)"


# -- the builder ----------------------------------------------------------------------------


def build(dataset: Path, out: Path, knobs: Knobs, name: str = "predictions.tsv") -> Built:
    """Write a prediction file (and the indexing file it is read with) into ``out``."""
    rng = random.Random(knobs.seed)
    users, lexical, sequences, indexing = read_dataset(dataset)
    lexical = dict(lexical)
    out.mkdir(parents=True, exist_ok=True)
    collided: list[str] = []
    if knobs.collisions:
        # Extra items: one sharing a lexical ID exactly, one differing only in case.
        base = sorted(lexical)
        for i in range(knobs.collisions):
            twin = base[(7 * i + 3) % len(base)]
            lexical[f"ZZTWIN{i:05d}"] = lexical[twin]
            collided.append(f"ZZTWIN{i:05d}")
            cased = base[(11 * i + 5) % len(base)]
            if lexical[cased] != lexical[cased].upper():
                lexical[f"ZZCASE{i:05d}"] = lexical[cased].upper()
        indexing = out / indexing.name
        indexing.write_text("".join(f"{k} {v}\n" for k, v in lexical.items()), encoding="utf-8")
    resolver = Resolver(lexical)
    items = sorted(lexical)
    decoded = {item: _decoded(lexical[item]) for item in items}
    plain = [item for item in items if len(resolver.resolve(decoded[item])[1]) == 1]
    position = -1 if knobs.split == "test" else -2
    eligible = [u for u, seq in users.items() if len(seq) >= 3]
    chosen = eligible[: knobs.users]
    g = knobs.generate_num

    rows: list[_Row] = []
    for user in chosen:
        if rows and rng.random() < knobs.repeat_users:
            rows.append(replace(rows[rng.randrange(len(rows))]))
            continue
        target = users[user][position]
        row_user = user
        if rng.random() < knobs.unknown_users:
            row_user = f"AUNKNOWN{len(rows):06d}"
        gold_item: str | None = target if target in lexical else None
        if rng.random() < knobs.wrong_golds:
            gold_item = rng.choice([i for i in plain if i != target])
        # (Knobs added later draw only when set: the committed files stay as they were.)
        if knobs.other_split_golds and rng.random() < knobs.other_split_golds:
            other = users[user][-2 if position == -1 else -1]
            gold_item = other if other in lexical else gold_item
        gold = decoded[gold_item] if gold_item else _non_item(resolver, rng, list(decoded.values()))
        if rng.random() < knobs.unresolved_golds:
            gold_item, gold = None, _non_item(resolver, rng, list(decoded.values()))
        elif gold_item and rng.random() < knobs.gold_variants:
            level = rng.choice(["whitespace", "folded"])
            gold = _variant(resolver, lexical[gold_item], level, rng) or gold
        others = [i for i in rng.sample(plain, min(len(plain), g + 2)) if i != gold_item][:g]
        predictions = [decoded[i] for i in others]
        if gold_item and rng.random() < knobs.hit_rate:
            at = rng.randrange(g)
            text = decoded[gold_item] if gold == decoded[gold_item] else gold
            if rng.random() < knobs.near_miss:
                level = rng.choice(knobs.variant_levels)
                text = _variant(resolver, lexical[gold_item], level, rng) or text
            predictions[at] = text
        for j in range(g):
            roll = rng.random()
            if roll < knobs.non_items:
                predictions[j] = _non_item(resolver, rng, list(decoded.values()))
            elif roll < knobs.non_items + knobs.ambiguous and collided:
                predictions[j] = decoded[rng.choice(collided)]
            elif roll < knobs.non_items + knobs.ambiguous + knobs.surface:
                level = rng.choice(LEVELS)
                made = _variant(resolver, lexical[others[j % len(others)]], level, rng)
                predictions[j] = made or predictions[j]
        if rng.random() < knobs.repeats:
            a, b = rng.sample(range(g), 2) if g > 1 else (0, 0)
            source_item = resolver.resolve(predictions[a])[1]
            if len(source_item) == 1:
                level = rng.choice(["decoded", "folded"])
                predictions[b] = (
                    _variant(resolver, lexical[source_item[0]], level, rng) or (predictions[a])
                )
        if gold_item is None and knobs.echo_unresolved and rng.random() < knobs.echo_unresolved:
            predictions[rng.randrange(g)] = gold
        scores = sorted((float(np.float32(-rng.random() * 4)) for _ in range(g)), reverse=True)
        if rng.random() < knobs.ties and g > 1:
            j = rng.randrange(g - 1)
            scores[j + 1] = scores[j]
        if rng.random() < knobs.shuffle:
            rng.shuffle(scores)
        if rng.random() < knobs.nan_scores:
            scores[rng.randrange(g)] = float("nan")
        written = [str(np.float32(s)) for s in scores]
        rows.append(_Row(row_user, gold, gold_item, target, predictions, written))
    return _write(out / name, rows, knobs, resolver, indexing, sequences, users, rng)


def _write(
    path: Path,
    rows: list[_Row],
    knobs: Knobs,
    resolver: Resolver,
    indexing: Path,
    sequences: Path,
    users: dict[str, list[str]],
    rng: random.Random,
) -> Built:
    g = knobs.generate_num
    position = -1 if knobs.split == "test" else -2
    strict_rels: list[list[int]] = []
    item_rels: list[list[int]] = []
    counts = dict.fromkeys(
        (
            "duplicate_rows",
            "tied_rows",
            "near_miss_hits",
            "gold_unresolved",
            "gold_not_target",
            "gold_other_split",
            "gold_unresolved_hits",
            "gold_ambiguous",
            "mismatched_rows",
            "unknown_users",
            "repeated_users",
        ),
        0,
    )
    prediction_levels = dict.fromkeys(LEVELS, 0)
    gold_levels = dict.fromkeys(LEVELS, 0)
    invalid = ambiguous = 0
    seen_users: set[str] = set()
    lines: list[str] = []
    row_values: list[list[float]] = []
    for row in rows:
        values = [float(s) for s in row.scores]
        resolved = [resolver.resolve(p) for p in row.predictions]
        for level, named in resolved:
            if level is None:
                invalid += 1
            else:
                prediction_levels[level] += 1
                ambiguous += len(named) > 1
        one = [named[0] if len(named) == 1 else None for _, named in resolved]
        gold_level, gold_named = resolver.resolve(row.gold)
        if gold_level:
            gold_levels[gold_level] += 1
        gold_one = gold_named[0] if len(gold_named) == 1 else None
        # The builder's intent and its resolver agree, or the builder is wrong.
        if row.gold_item is None:
            assert not gold_named, row.gold
        else:  # the meant item, alone or among the items sharing its lexical ID
            assert row.gold_item in gold_named, (row.gold, row.gold_item, gold_named)
        strict = oracle.rel_results(row.predictions, row.gold, values)
        item = oracle.item_rel_results(one, gold_one, values)
        strict_rels.append(strict)
        item_rels.append(item)
        named_items = [i for i in one if i is not None]
        counts["duplicate_rows"] += len(set(named_items)) < len(named_items)
        finite = [v for v in values if not math.isnan(v)]
        counts["tied_rows"] += len(set(finite)) < len(finite)
        top = min(10, g)
        counts["near_miss_hits"] += sum(item[:top]) > 0 and sum(strict[:top]) == 0
        counts["gold_unresolved"] += gold_level is None
        counts["gold_unresolved_hits"] += gold_level is None and sum(strict[:top]) > 0
        counts["gold_ambiguous"] += len(gold_named) > 1
        known = users.get(row.user)
        target = known[position] if known and len(known) >= -position else None
        if target is None:
            counts["unknown_users"] += 1
        elif gold_level is not None and target not in gold_named:
            counts["gold_not_target"] += 1
            other = known[-2 if position == -1 else -1] if known and len(known) > 1 else None
            counts["gold_other_split"] += other in gold_named
        counts["repeated_users"] += known is not None and row.user in seen_users
        if known is not None:
            seen_users.add(row.user)
        written = oracle.row_values(strict)
        if knobs.batch == 1 and rng.random() < knobs.edit_rows:
            written = [1.0 - written[0], *written[1:]]
            counts["mismatched_rows"] += 1
        row_values.append(written)

    batches = [rows[i : i + knobs.batch] for i in range(0, len(rows), knobs.batch)]
    start = 0
    for batch in batches:
        sums = [sum(row_values[start + b][c] for b in range(len(batch))) for c in range(4)]
        start += len(batch)
        first = batch[0]
        lines.append(
            "\t".join(
                [
                    first.user,
                    *(str(np.float64(v)) for v in sums),
                    first.gold,
                    "||".join(p for row in batch for p in row.predictions),
                    "||".join(s for row in batch for s in row.scores),
                ]
            )
            + "\n"
        )
    reported = None
    if knobs.merged:
        totals = [
            sum(oracle.metric(rel, name) for rel in strict_rels) / len(strict_rels)
            for name in TOTAL_NAMES
        ]
        if knobs.edit_totals:
            totals[2] += 0.01  # hit@10
        printed = [_printed(v, knobs.totals) for v in totals]
        lines += [f"{name}: {text}\n" for name, text in zip(TOTAL_NAMES, printed, strict=True)]
        reported = {
            name: float(re.sub(r"tensor\(([^,]+),.*", r"\1", text))
            for name, text in zip(TOTAL_NAMES, printed, strict=True)
        }
    path.write_text(HEADER + "".join(lines), encoding="utf-8")

    per_user = all(len(batch) == 1 for batch in batches)  # a batch of one is a user
    predictions = sum(len(row.predictions) for row in rows)
    truth_counts: dict[str, int | None] = {
        "rows": len(batches),
        "predictions": predictions,
        "invalid_predictions": invalid,
        "ambiguous_predictions": ambiguous,
        "batched_rows": 0 if per_user else sum(len(b) > 1 for b in batches),
    }
    for key, value in counts.items():
        truth_counts[key] = value if per_user else None
    problems: set[str] = set()
    if per_user:
        strict_means = oracle.means(strict_rels)
        item_means = oracle.means(item_rels)
        if counts["mismatched_rows"] or (knobs.edit_totals and knobs.merged):
            problems.add("metric-mismatch")
        for name, key in (
            ("strict-undercount", "near_miss_hits"),
            ("duplicate-predictions", "duplicate_rows"),
            ("tied-scores", "tied_rows"),
            ("gold-unresolved", "gold_unresolved"),
            ("gold-not-target", "gold_not_target"),
            ("unresolved-gold-hits", "gold_unresolved_hits"),
        ):
            if counts[key]:
                problems.add(name)
        if ambiguous or counts["gold_ambiguous"]:
            problems.add("ambiguous-ids")
        if counts["unknown_users"]:
            problems.add("unknown-users")
        if counts["repeated_users"]:
            problems.add("repeated-users")
    else:
        strict_means = item_means = None
        problems.add("batched-rows")
        if ambiguous:
            problems.add("ambiguous-ids")
        gold_levels = dict.fromkeys(LEVELS, 0)
    if invalid:
        problems.add("invalid-predictions")
    truth = Truth(
        per_user=per_user,
        counts=truth_counts,
        strict=strict_means,
        item=item_means,
        reported=reported,
        prediction_levels=prediction_levels,
        gold_levels=gold_levels,
        problems=problems,
    )
    return Built(path, indexing, sequences, truth, knobs)


# -- the bundled example ------------------------------------------------------------------

EXAMPLE = ROOT / "examples" / "beauty-predictions.tsv"
EXAMPLE_KNOBS = Knobs(
    users=300,
    seed=13,
    hit_rate=0.35,
    near_miss=0.4,
    variant_levels=("whitespace", "folded"),
    surface=0.02,
    non_items=0.01,
    repeats=0.05,
    ties=0.05,
)


def build_example() -> Built:
    """examples/beauty-predictions.tsv from examples/beauty-broken (deterministic)."""
    folder = ROOT / "examples" / "beauty-broken"
    return build(folder, EXAMPLE.parent, EXAMPLE_KNOBS, EXAMPLE.name)


if __name__ == "__main__":
    if sys.argv[1:] == ["example"]:
        made = build_example()
        print(made.predictions, made.truth.counts)
    else:
        sys.exit("usage: python -m tests.predictions_build example")
