"""The statistics sections of the report: what each input holds, as the checks measured it."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field, PrivateAttr

from gramfix.model.base import FrozenModel


class SequenceStats(FrozenModel):
    file: str
    lines: int
    users: int
    interactions: int
    items: int = Field(description="Distinct item IDs: the universe keys are checked against.")


class KeyExample(FrozenModel):
    key: str
    fixed: str | None = Field(description="The item ID the fix leads to, if any.")


class KeyFamily(FrozenModel):
    family: str
    count: int
    examples: list[KeyExample]
    fix: str | None
    safe: bool | None = Field(description="null for exact keys, which need no fix.")


class ValueStats(FrozenModel):
    count: int
    integers: int
    non_integers: int
    zero: int
    negative: int
    min: int | None
    max: int | None
    distinct: int
    contiguous: bool = Field(description="The values are exactly 1..N for N keys.")


class MappingStats(FrozenModel):
    file: str
    format: Literal["json", "pickle"]
    keys: int = Field(description="Keys as json.load returns them.")
    members: int = Field(description="Key-value pairs in the text (more when keys repeat).")
    duplicate_keys: int
    conflicting_duplicate_keys: int
    values: ValueStats
    families: list[KeyFamily] = Field(default_factory=list)
    conflicts: int = Field(0, description="Keys whose fix collides with another key's value.")


class Counts(FrozenModel):
    items: int
    items_resolved: int
    interactions: int
    interactions_resolved: int


class CoverageView(FrozenModel):
    all: Counts
    train: Counts = Field(description="Training history: s[:-2].")
    valid: Counts = Field(description="Validation target: s[-2].")
    test: Counts = Field(description="Test target: s[-1].")


class MissingItem(FrozenModel):
    id: str
    interactions: int


@dataclass(frozen=True)
class Unresolved:
    """Every sequence item the mapping does not resolve as written, most interactions
    first (ties in order of first appearance, as ``top_missing``).

    It stays on the report object and out of its JSON, which keeps the few that matter
    (``top_missing``): a broken mapping of a large catalogue leaves millions unresolved.
    The columns are compact: the IDs (strings the sequences already hold), the counts
    as 64-bit integers, and per item the splits it occurs in as bits (`SPLITS`).
    """

    #: The bit of each split in ``splits``.
    SPLITS: ClassVar[tuple[tuple[str, int], ...]] = (("train", 1), ("valid", 2), ("test", 4))

    items: list[str]
    interactions: array[int]  # typecode "q"
    splits: bytes

    @classmethod
    def labels(cls) -> list[str]:
        """The splits of each value of a ``splits`` byte, as ``train,valid,test``."""
        return [",".join(n for n, bit in cls.SPLITS if mask & bit) for mask in range(8)]


class Coverage(FrozenModel):
    as_written: CoverageView
    normalised: CoverageView = Field(description="After every applicable, safe key fix.")
    top_missing: list[MissingItem]
    top_missing_normalised: list[MissingItem]
    unused_keys: int = Field(description="Keys that match no sequence item even after fixes.")
    _unresolved: Unresolved | None = PrivateAttr(None)

    @property
    def unresolved(self) -> Unresolved | None:
        """Every item unresolved as written, when this section was computed in this
        process (None when it was read back from JSON, which holds ``top_missing``)."""
        return self._unresolved

    def keeping(self, unresolved: Unresolved) -> Coverage:
        """This section with every unresolved item attached (never in the JSON)."""
        kept = self.model_copy()
        kept._unresolved = unresolved
        return kept


class FillSplit(FrozenModel):
    samples: int = Field(description="Samples with a non-empty history.")
    slots: int = Field(description="Real history slots in their recent-item windows.")
    resolved_slots: int
    fill: float = Field(description="resolved_slots / slots: 1.0 when every item resolves.")
    dead_samples: int = Field(description="Samples whose prefix is a zero vector.")
    padded_fill: float = Field(description="resolved_slots / (samples * recent_k).")


class FillView(FrozenModel):
    train: FillSplit
    valid: FillSplit
    test: FillSplit


class Fill(FrozenModel):
    window: int = Field(description="Real slots at most: min(recent_k, max_his).")
    as_written: FillView
    normalised: FillView
    complete: FillView = Field(description="What a mapping resolving every item gives.")


class SignalOrder(FrozenModel):
    """The collaborative signal under one way of looking items up in the table (estimated
    on a first 4,000 pairs when those already show no signal)."""

    order: str
    pairs: int
    cooccurring: float
    random: float
    ratio: float


class SignalHistogram(FrozenModel):
    """The sampled pairs' cosine similarities, counted in fixed bins over [-1, 1]."""

    edges: list[float] = Field(
        description="Bin edges from -1 to 1: bin i holds [edges[i], edges[i+1]), the last "
        "bin also 1."
    )
    cooccurring: list[int] = Field(description="Co-occurring pairs per bin.")
    random: list[int] = Field(description="Random pairs per bin.")


class Signal(FrozenModel):
    """Are rows of items that follow each other in user histories closer than random pairs?"""

    seed: int = Field(description="Seed of the pair sample: the same data gives the same figures.")
    pairs: int = Field(description="Sampled pairs of consecutive items of one user (two rows).")
    random_pairs: int = Field(description="Random pairs, both items drawn like interactions.")
    cooccurring: float = Field(description="Mean cosine similarity of co-occurring items' rows.")
    random: float = Field(description="Mean cosine similarity of random pairs' rows.")
    ratio: float = Field(
        description="(1 - random) / (1 - cooccurring): how much closer co-occurring items are "
        "in mean cosine distance; 1.0 means no collaborative signal."
    )
    verdict: Literal["signal", "weak-signal", "no-signal", "inconclusive"] = Field(
        description="signal: co-occurring rows closer by 4 standard errors and by at least "
        "10% of the random pairs' cosine distance; weak-signal: closer by 4 standard errors "
        "but less; no-signal: the sample cannot tell the table from noise; inconclusive: "
        "too few pairs to say."
    )
    structure: float = Field(
        description="Mean nearest-neighbour cosine of sampled rows minus the same with each "
        "coordinate shuffled across rows: about 0 when rows are independent noise."
    )
    best_order: str = Field(description="The lookup under which the signal is strongest.")
    orders: list[SignalOrder] = Field(
        description="Other lookups tried: rows shifted by one always, other item orders when "
        "the mapping's own shows no strong signal; none when the LightGCN graph proves the "
        "rows (the graph section's alignment is proven and the installed table is its export)."
    )
    histogram: SignalHistogram | None = Field(
        None,
        description="The distributions behind cooccurring and random, from the same sample "
        "(null only in reports written before it was added).",
    )


class EmbeddingStats(FrozenModel):
    """The embedding table: shape, values and whether it carries collaborative signal."""

    file: str
    format: Literal["npy", "pt"]
    dtype: str
    shape: list[int]
    rows: int
    dim: int | None = Field(description="Columns of a 2-D table.")
    expected_rows: int | None = Field(description="Largest mapping value + 1 (row 0 is padding).")
    padding_row_zero: bool | None
    non_finite_rows: int
    zero_rows: int = Field(description="All-zero rows other than row 0.")
    duplicate_rows: int = Field(description="Non-zero rows equal to an earlier row.")
    unit_norm_rows: int = Field(description="Rows other than row 0 with norm 1 (to 1e-3).")
    norm_min: float | None
    norm_mean: float | None
    norm_max: float | None
    signal: Signal | None = None


class IdComparison(FrozenModel):
    """An item file's IDs against another ID set."""

    missing: int = Field(description="IDs of the other set that the file lacks.")
    missing_examples: list[str]
    extra: int = Field(description="IDs of the file that the other set lacks.")
    extra_examples: list[str]


class Neighbours(FrozenModel):
    """The neighbour lists of a similar-items file."""

    fewest_per_line: int
    most_per_line: int
    distinct: int
    occurrences: int
    unknown: int = Field(description="Distinct neighbours that are not known items.")
    unknown_occurrences: int


class ItemFileStats(FrozenModel):
    """One of item_plain_text.txt, item_generative_indexing_*.txt, similar_item_*.txt."""

    file: str
    kind: Literal["item-text", "indexing", "similar-items"]
    lines: int
    ids: int = Field(description="Lines the trainer reads as 'ID rest'.")
    distinct_ids: int
    skipped_header_lines: int = Field(description="'anchor ...' lines the trainer skips.")
    vs_sequences: IdComparison | None
    vs_mapping: IdComparison | None
    neighbours: Neighbours | None = None


class LexicalCollisions(FrozenModel):
    """Items whose lexical IDs are equal under one comparison."""

    comparison: Literal["exact", "without-markers", "normalised"]
    groups: int = Field(description="Lexical IDs shared by several items.")
    items: int
    pairs: int = Field(description="Item pairs the evaluation cannot tell apart.")
    examples: list[str]


class LexicalIdStats(FrozenModel):
    file: str
    items: int
    collisions: list[LexicalCollisions] = Field(
        description="exact; without the | and ▁ markers; and that, stripped and lower-cased."
    )
