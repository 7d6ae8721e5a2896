"""Collaborative signal: are the rows of items that follow each other in histories closer?

A trained collaborative table (LightGCN, SASRec) puts items that users consume together
near each other; a placeholder (a random tensor) or a table whose rows belong to other
items does not. The test compares the mean cosine similarity of the rows of
*co-occurring* pairs -- consecutive items of one user -- with that of *random* pairs whose
items are drawn like interactions (so popularity is the same on both sides).

Everything is sampled with a fixed seed, so a dataset always gives the same figures, and
the sample is large enough that the standard error is far below the decision margin
(20,000 pairs: about 0.001 for a 64-dimensional table). Rows are read in chunks, which
keeps memory bounded for memory-mapped tables of any size.

The effect is ``e = (co - random) / (1 - random)`` (``ratio = 1 / (1 - e)``): the share of
the random pairs' mean cosine distance that co-occurring pairs close. It has two standard
errors: against noise (how far a random table's effect strays from 0 on these pairs: a
cluster-robust one, since a pair drawn twice repeats its cosine), and of sampling (how
far this table's effect over all the dataset's pairs may be from the sample's). The
verdict says what the sample can tell:

* *signal*: ``e`` more than ``Z`` (4) standard errors against noise above 0, and at least
  ``MIN_EFFECT``;
* *weak-signal*: more than 4 standard errors above 0 but below ``MIN_EFFECT``: a real,
  weak signal -- never a placeholder;
* *no-signal*: not 4 standard errors above 0 (the sample cannot tell the table from
  noise), and ``e`` plus 4 sampling errors below ``MIN_EFFECT`` (no strong signal missed);
* *inconclusive*: fewer than ``MIN_PAIRS`` pairs, or too imprecise to say either.

Measured over the family of tests/test_signal_calibration.py (synthetic catalogues of 60,
1,500 and 3,000 items and real Beauty; dimensions 8 to 256; two seeds), z = e over its
standard error against noise:

* noise (normal, uniform, unit-norm, GRAM-C's randn * 0.1 normalised) and structured
  tables with permuted or shifted rows: |z| at most 2.7, z spread 0.45 to 1.3 by group;
  |e| at most 0.011 with 20,000 pairs, 0.072 in the 60-item catalogue (2,000 pairs,
  where a few are inconclusive). GRAM-C's own Beauty table: e -0.0008, z -0.6. With the
  plain variance / n instead, noise z spreads 2.3 (up to 6.8) in the 60-item catalogue;
* weak real structure (each row the normalised sum of random vectors of its co-occurring
  items; on Beauty mean cosine 0.074 to 0.090 against 0.011 to 0.020; and blends of a
  strong table with noise): e 0.020 to 0.079, z 5.4 to 51;
* strong structure (random vectors smoothed over the user-item graph): e 0.18 to 0.61,
  z 10 to 107; the trained tables of the golden cases: ratio 4.8 to 5.7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
Verdict = Literal["signal", "weak-signal", "no-signal", "inconclusive"]

SEED = 0
PAIRS = 20_000
SCREEN = 4_000  # pairs for a first look at the other item orders
MIN_EFFECT = 0.1  # a strong signal: co-occurring pairs at least 10% closer (ratio 1.11)
Z = 4.0
MIN_PAIRS = 30
#: Nearest-neighbour closeness above independent noise from which a table has structure of
#: its own, at the least (small tables need more: `Structure.noise`). Noise of 1,000 rows
#: or more stays within +-0.005 (Gaussian, uniform, unit-norm; 2 to 512 columns); tables
#: built from Beauty's co-occurrence give 0.04 to 0.21, with 0.005 of sampling spread.
STRUCTURE = 0.025
#: Bins of the cosine histograms over [-1, 1] (0.05 wide): fixed, so reports compare.
BINS = 40
_CHUNK_BYTES = 1 << 25
_LARGE_TABLE = 1 << 28  # tables above this are read in row order (they may not be cached)


@dataclass(frozen=True)
class Pairs:
    """Item pairs by universe code: co-occurring and random."""

    co_a: I64
    co_b: I64
    random_a: I64
    random_b: I64

    def head(self, size: int) -> Pairs:
        """The first ``size`` pairs of each kind (a smaller sample of the same draw)."""
        return Pairs(self.co_a[:size], self.co_b[:size], self.random_a[:size], self.random_b[:size])


@dataclass(frozen=True)
class Estimate:
    """The signal under one item -> row lookup."""

    pairs: int
    random_pairs: int
    cooccurring: float
    random: float
    effect: float
    #: Standard error of the effect against noise: how far the effect of a random table
    #: (or of these rows given to random items) strays from 0 on these pairs.
    error: float
    #: Standard error of the effect as an estimate of this table's effect over all the
    #: dataset's pairs: what drawing other pairs would change.
    sampling_error: float
    #: The cosines of the pairs counted in `BINS` equal bins over [-1, 1].
    co_histogram: tuple[int, ...] = (0,) * BINS
    random_histogram: tuple[int, ...] = (0,) * BINS

    @property
    def ratio(self) -> float:
        return 1.0 / (1.0 - self.effect) if self.effect < 1.0 else float("inf")

    @property
    def verdict(self) -> Verdict:
        if self.pairs < MIN_PAIRS or self.random_pairs < MIN_PAIRS:
            return "inconclusive"
        if self.effect > Z * self.error:  # told from noise, however weak
            return "signal" if self.effect >= MIN_EFFECT else "weak-signal"
        if self.effect + Z * self.sampling_error < MIN_EFFECT:  # and surely not strong
            return "no-signal"
        return "inconclusive"

    @property
    def found(self) -> bool:
        """Whether the sample tells the signal from noise (strong or weak)."""
        return self.verdict in ("signal", "weak-signal")

    @property
    def z(self) -> float:
        """The effect in standard errors."""
        return self.effect / self.error if self.error > 0 else float("inf")


def clearly_better(candidate: Estimate, current: Estimate) -> bool:
    """Whether ``candidate`` shows a signal (weak or strong), and one clearly stronger than
    ``current``'s when that has one too: by 4 standard errors of the difference and half
    as strong again. A correct weak table is not outdone by another order's noise."""
    if not candidate.found:
        return False
    if not current.found:
        return True
    margin = Z * float(np.hypot(candidate.error, current.error))
    return candidate.effect > current.effect + margin and candidate.effect > 1.5 * current.effect


def sample_pairs(codes: I32, lengths: I64, *, seed: int = SEED, size: int = PAIRS) -> Pairs:
    """Co-occurring pairs (consecutive, different items of one user) and random pairs.

    When a dataset has no more consecutive pairs than ``size``, all of them are used.
    """
    rng = np.random.default_rng(seed)
    total = len(codes)
    lasts = np.cumsum(lengths) - 1  # position of each user's last item
    candidates = total - int(np.count_nonzero(lengths))
    if candidates <= size:
        first = np.ones(total, np.bool_)
        first[lasts[lasts >= 0]] = False
        positions = np.flatnonzero(first)
    else:
        found: list[I64] = []
        have = 0
        while have < size:
            drawn = rng.integers(0, total - 1, size=size + size // 4, dtype=np.int64)
            at = np.minimum(np.searchsorted(lasts, drawn), len(lasts) - 1)
            drawn = drawn[lasts[at] != drawn]
            found.append(drawn)
            have += len(drawn)
        positions = np.concatenate(found)[:size]
    a = codes[positions].astype(np.int64)
    b = codes[positions + 1].astype(np.int64)
    distinct = a != b
    if total:
        ra = codes[rng.integers(0, total, size=size, dtype=np.int64)].astype(np.int64)
        rb = codes[rng.integers(0, total, size=size, dtype=np.int64)].astype(np.int64)
    else:
        ra = rb = np.zeros(0, np.int64)
    apart = ra != rb
    return Pairs(a[distinct], b[distinct], ra[apart], rb[apart])


class Rows:
    """Cosine similarities between rows of a (possibly memory-mapped) table."""

    def __init__(self, table: npt.NDArray[Any], norms: F64, usable: npt.NDArray[np.bool_]):
        self.table = table
        self.norms = norms
        self.usable = usable  # finite rows with a non-zero norm
        self.rows = len(table)
        self.chunk = max(1, _CHUNK_BYTES // max(1, table.shape[1] * 8))
        self.large = table.nbytes > _LARGE_TABLE

    def usable_pairs(self, rows_a: I64, rows_b: I64) -> tuple[I64, I64]:
        """The pairs whose rows can be compared: both usable item rows (>= 1), not equal."""
        ok = (rows_a > 0) & (rows_b > 0) & (rows_a < self.rows) & (rows_b < self.rows)
        ok[ok] &= self.usable[rows_a[ok]] & self.usable[rows_b[ok]]
        ok &= rows_a != rows_b
        return rows_a[ok], rows_b[ok]

    def cosines(self, rows_a: I64, rows_b: I64) -> F64:
        """Cosine of each pair of rows (pairs with an unusable or equal row are dropped)."""
        rows_a, rows_b = self.usable_pairs(rows_a, rows_b)
        order = None
        if self.large:  # read one side in row order: sequential on a memory map on disk
            order = np.argsort(rows_a, kind="stable")
            rows_a, rows_b = rows_a[order], rows_b[order]
        out = np.empty(len(rows_a), np.float64)
        for start in range(0, len(rows_a), self.chunk):
            a = rows_a[start : start + self.chunk]
            b = rows_b[start : start + self.chunk]
            dot = np.einsum("ij,ij->i", self._rows(a), self._rows(b))
            out[start : start + len(a)] = dot / (self.norms[a] * self.norms[b])
        if order is not None:
            result = np.empty_like(out)
            result[order] = out
            out = result
        return np.clip(out, -1.0, 1.0)

    def _rows(self, rows: I64) -> npt.NDArray[np.floating[Any]]:
        """The rows in the table's own float type (float32 stays float32: half the bytes)."""
        block = np.asarray(self.table[rows])
        if block.dtype.kind != "f" or block.dtype.itemsize < 4:
            block = block.astype(np.float32)
        return block

    def gather(self, rows: I64) -> F64:
        """The rows as float64, read in ascending order (sequential on a memory map)."""
        order = np.argsort(rows, kind="stable")
        block = np.asarray(self.table[rows[order]], dtype=np.float64)
        result = np.empty_like(block)
        result[order] = block
        return result


def estimate(rows: Rows, item_rows: I64, pairs: Pairs) -> Estimate:
    """The signal when item ``i`` reads row ``item_rows[i]`` (-1: no row)."""
    co_a, co_b = rows.usable_pairs(item_rows[pairs.co_a], item_rows[pairs.co_b])
    rnd_a, rnd_b = rows.usable_pairs(item_rows[pairs.random_a], item_rows[pairs.random_b])
    if len(co_a) == 0 or len(rnd_a) == 0:
        inf = float("inf")
        return Estimate(len(co_a), len(rnd_a), 0.0, 0.0, 0.0, inf, inf)
    co, rnd = rows.cosines(co_a, co_b), rows.cosines(rnd_a, rnd_b)
    c, r = float(co.mean()), float(rnd.mean())
    spread = max(1.0 - r, 1e-9)
    against_noise = _noise_variance(co, co_a, co_b) + _noise_variance(rnd, rnd_a, rnd_b)
    sampling = co.var() / len(co) + rnd.var() / len(rnd)
    return Estimate(
        len(co),
        len(rnd),
        c,
        r,
        (c - r) / spread,
        float(np.sqrt(against_noise)) / spread,
        float(np.sqrt(sampling)) / spread,
        histogram(co),
        histogram(rnd),
    )


def histogram(cosines: F64) -> tuple[int, ...]:
    """Counts of ``cosines`` in `BINS` equal bins over [-1, 1] (1.0 in the last)."""
    counts, _ = np.histogram(cosines, bins=BINS, range=(-1.0, 1.0))
    return tuple(counts.tolist())


def edges() -> list[float]:
    """The bin edges of `histogram`, from -1 to 1."""
    return [round(-1.0 + 2.0 * i / BINS, 6) for i in range(BINS + 1)]


def _noise_variance(values: F64, rows_a: I64, rows_b: I64) -> float:
    """Variance of the mean of ``values`` (one per pair of rows) over random tables: a
    cluster-robust variance with the draws of one pair of rows as one cluster.

    The pairs are drawn from a fixed table, so a pair drawn twice repeats its cosine and
    a random table's mean strays as far as the few distinct pairs let it: in a 60-item
    catalogue (2,000 pairs, mostly repeats) the plain variance / n puts the effect of a
    random table 3 times further from 0, in standard errors, than it really is.
    """
    n = len(values)
    low, high = np.minimum(rows_a, rows_b), np.maximum(rows_a, rows_b)
    _, cluster = np.unique(low * (int(high.max()) + 1) + high, return_inverse=True)
    sums = np.bincount(cluster.ravel(), weights=values - values.mean())
    clusters = len(sums)
    if clusters < 2:
        return float("inf")
    return float(np.square(sums).sum()) / n**2 * clusters / (clusters - 1)


@dataclass(frozen=True)
class Structure:
    """How much closer rows are to their nearest neighbour than independent rows would be."""

    value: float  # observed mean best cosine minus the mean of the shuffled baselines
    noise: float  # standard deviation of ``value`` for a table of independent rows

    @property
    def clustered(self) -> bool:
        """Whether the rows have structure of their own: at least `STRUCTURE` and `Z`
        times what independent rows of this table's size reach by chance."""
        return self.value >= max(STRUCTURE, Z * self.noise)


def structure(
    rows: Rows,
    *,
    seed: int = SEED,
    queries: int = 1024,
    refs: int = 2048,
    shuffles: int = 4,
) -> Structure:
    """How much closer rows are to their nearest neighbour than independent noise rows
    would be: the mean best cosine of sampled rows among other sampled rows, minus the
    same with every coordinate shuffled across rows (which keeps each column's values but
    makes the rows independent). About 0 for a random table; trained tables cluster.

    The baseline is drawn ``shuffles`` times: their spread measures how far the figure
    strays for independent rows of this size (large for a table of 40 rows, about 0.001
    for Beauty's 12,101), so a small table is not taken for a clustered one by chance.

    Rows are drawn uniformly from the table, so the figure does not depend on the mapping
    or the histories: a permuted table has the structure of the original.
    """
    usable = np.flatnonzero(rows.usable[1:]) + 1
    if len(usable) < MIN_PAIRS:
        return Structure(0.0, float("inf"))
    rng = np.random.default_rng(seed)
    q = np.sort(rng.choice(usable, size=min(queries, len(usable)), replace=False))
    r = np.sort(rng.choice(usable, size=min(refs, len(usable)), replace=False))
    same = q[:, None] == r[None, :]
    pool = rows.gather(np.concatenate([q, r]))
    observed = _nearest(pool[: len(q)], pool[len(q) :], same)
    baselines = []
    for _ in range(shuffles):
        shuffled = rng.permuted(pool, axis=0)
        baselines.append(_nearest(shuffled[: len(q)], shuffled[len(q) :], same))
    spread = float(np.std(baselines, ddof=1)) * float(np.sqrt(1.0 + 1.0 / shuffles))
    return Structure(observed - float(np.mean(baselines)), spread)


def _nearest(queries: F64, refs: F64, same: npt.NDArray[np.bool_]) -> float:
    """Mean over the queries of the best cosine to a reference row (itself excluded)."""
    qn = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-300)
    rn = refs / np.maximum(np.linalg.norm(refs, axis=1, keepdims=True), 1e-300)
    cosines = qn @ rn.T
    cosines[same] = -np.inf
    return float(cosines.max(axis=1).mean())
