"""The embedding table: its shape against the mapping, its values, and its collaborative signal.

The per-row facts come from one pass over the table (`gramfix.checks.table_scan`); the
signal is judged here from the co-occurrence statistics of `gramfix.engine.cooccurrence`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from gramfix.checks.context import Dataset
from gramfix.checks.graph_tables import rows_proven
from gramfix.checks.registry import CheckResult, CheckSpec, codes
from gramfix.checks.table_scan import TableScan, scan_table
from gramfix.engine.cooccurrence import (
    MIN_EFFECT,
    SCREEN,
    Estimate,
    Rows,
    Structure,
    Z,
    clearly_better,
    edges,
    estimate,
    sample_pairs,
    structure,
)
from gramfix.engine.cooccurrence import SEED as SIGNAL_SEED
from gramfix.engine.itemorder import id_ranks
from gramfix.io.embeddings import EmbeddingTable, TableUnavailable
from gramfix.model.report import EXAMPLES, Finding
from gramfix.model.rules import Input
from gramfix.model.sections import EmbeddingStats, Signal, SignalHistogram, SignalOrder
from gramfix.model.wording import count

I64 = npt.NDArray[np.int64]

MAPPED = "row = mapping value"


def check_embeddings(data: Dataset) -> CheckResult:
    """Shape, values and collaborative signal of the table, when the dataset has one."""
    table = data.embeddings
    if table is None:
        return CheckResult()
    file = data.files.display(table.path) or table.path.as_posix()
    if isinstance(table, TableUnavailable):
        return CheckResult([Finding.of("GF601", table.reason, 0, file=file)])
    stats, findings = _Check(data, table, file).run()
    return CheckResult(findings, {"embeddings": stats})


class _Check:
    def __init__(self, data: Dataset, table: EmbeddingTable, file: str) -> None:
        self.data = data
        self.table = table
        self.file = file
        self.findings: list[Finding] = []

    def add(self, code: str, message: str, count: int, examples: list[str] | None = None) -> None:
        self.findings.append(Finding.of(code, message, count, examples, file=self.file))

    def run(self) -> tuple[EmbeddingStats, list[Finding]]:
        array = self.table.array
        shape = [int(n) for n in array.shape]
        rows = shape[0] if shape else 0
        kind = array.dtype.kind
        expected = self._expected_rows()
        two_d = array.ndim == 2 and shape[1] > 0 and kind in "biuf"
        if not two_d or kind != "f":
            self.add(
                "GF606",
                f"the table is {'x'.join(map(str, shape)) or 'a scalar'} of {self.table.dtype}, "
                "not a 2-D floating-point array [rows, d]",
                1,
            )
        if not two_d:
            return self._stats(shape, rows, expected, None), self.findings
        scan = scan_table(array)
        self._rows(rows, expected, scan)
        signal = self._signal(scan)
        return self._stats(shape, rows, expected, scan, signal), self.findings

    def _expected_rows(self) -> int | None:
        if self.data.mapping is None:
            return None
        values = self.data.row_values
        return int(values.max()) + 1 if len(values) and values.max() > 0 else None

    def _item(self, row: int) -> str:
        """``row N`` with the item whose key addresses it."""
        if self.data.mapping is None:
            return f"row {row}"
        at = np.flatnonzero(self.data.row_values == row)
        return f"row {row} ({self.data.keys[int(at[0])][:40]})" if len(at) else f"row {row}"

    def _rows(self, rows: int, expected: int | None, scan: TableScan) -> None:
        if expected is not None and rows < expected:
            past = int((self.data.row_values >= rows).sum())
            hint = (
                "; exactly one row short: a table without the padding row (0-based)"
                if rows == expected - 1
                else ""
            )
            self.add(
                "GF602",
                f"the table has {rows:,} rows but the largest mapping value is {expected - 1:,}, "
                f"so it needs {expected:,} (row 0 is padding); {past:,} of "
                f"{len(self.data.keys):,} keys address rows past its end{hint}",
                past,
            )
        if expected is not None and rows > expected:
            self.add(
                "GF603",
                f"the table has {rows:,} rows but the mapping addresses only rows up to "
                f"{expected - 1:,}: {rows - expected:,} rows are never read",
                rows - expected,
            )
        if rows and not scan.zero[0]:
            norm = scan.norms[0]
            shown = f"norm {norm:.4g}" if np.isfinite(norm) else "non-finite values"
            self.add(
                "GF604",
                f"row 0, the padding row, is not zero ({shown}); a non-zero row 0 usually means "
                "the table is 0-based and every item's row is off by one",
                1,
            )
        bad = np.flatnonzero(~scan.finite)
        if len(bad):
            self.add(
                "GF605",
                f"{count(len(bad), 'row holds', 'rows hold')} NaN or infinite values",
                len(bad),
                [self._item(r) for r in bad[:EXAMPLES].tolist()],
            )
        addressed = self._addressed(rows)
        zero = addressed[scan.zero[addressed]]
        if len(zero):
            whose = "rows the mapping addresses" if self.data.mapping is not None else "rows"
            self.add(
                "GF607",
                f"{len(zero):,} of {len(addressed):,} {whose} are all zero (besides row 0)",
                len(zero),
                [self._item(r) for r in zero[:EXAMPLES].tolist()],
            )
        if scan.duplicates:
            self.add(
                "GF608",
                f"{len(scan.duplicates):,} non-zero rows repeat an earlier row exactly",
                len(scan.duplicates),
                [f"{self._item(r)} = row {e}" for r, e in scan.duplicates[:EXAMPLES]],
            )

    def _addressed(self, rows: int) -> I64:
        """Rows >= 1 that the trainer reads: those the mapping addresses (all without one)."""
        if self.data.mapping is None:
            return np.arange(1, rows, dtype=np.int64)
        values = self.data.row_values
        return np.unique(values[(values > 0) & (values < rows)])

    def _signal(self, scan: TableScan) -> Signal | None:
        data = self.data
        if data.sequences is None or data.mapping is None:
            return None
        s = data.sequences
        rows = Rows(self.table.array, scan.norms, scan.usable)
        pairs = sample_pairs(s.codes, s.lengths)
        mapped = estimate(rows, data.item_rows, pairs)
        shape = structure(rows)
        orders: list[SignalOrder] = []
        best_name, best = MAPPED, mapped
        # Rows shifted by one are always tried (off-by-one is the usual mistake, and items
        # numbered in a related order keep some signal when shifted); every other order
        # only when the mapping's own shows no strong signal (a weak one may be what a
        # related order leaves of a strong one).
        # Each order is first screened on a smaller sample; only the promising ones are
        # estimated on every pair (the same figures as for the mapping).
        everything = mapped.verdict != "signal"
        screen = pairs.head(SCREEN)
        # When the graph proves the rows (the installed table is the export of a graph
        # the mapping provably matches), no statistical guess at another order is made:
        # it could only contradict a proof (GF610 is then never raised).
        candidates = [] if rows_proven(data) else _candidate_orders(data, everything=everything)
        for name, item_rows in candidates:
            other = estimate(rows, item_rows, screen)
            if other.verdict != "no-signal":
                other = estimate(rows, item_rows, pairs)
            orders.append(_order(name, other))
            if clearly_better(other, best):
                best_name, best = name, other
        self._judge(mapped, shape, best_name, best, scan)
        return Signal(
            seed=SIGNAL_SEED,
            pairs=mapped.pairs,
            random_pairs=mapped.random_pairs,
            cooccurring=round(mapped.cooccurring, 4),
            random=round(mapped.random, 4),
            ratio=_ratio(mapped),
            verdict=mapped.verdict,
            structure=_figure(shape.value),
            best_order=best_name,
            orders=orders,
            histogram=SignalHistogram(
                edges=edges(),
                cooccurring=list(mapped.co_histogram),
                random=list(mapped.random_histogram),
            ),
        )

    def _judge(
        self, mapped: Estimate, shape: Structure, best_name: str, best: Estimate, scan: TableScan
    ) -> None:
        figures = (
            f"rows of co-occurring items have mean cosine similarity {mapped.cooccurring:.4f} "
            f"vs {mapped.random:.4f} for random pairs (ratio {_ratio(mapped):.3f}, "
            f"{mapped.pairs:,} and {mapped.random_pairs:,} pairs)"
        )
        if best is not mapped:
            self.add(
                "GF610",
                f"{figures}, but with '{best_name}' they are much closer "
                f"({best.cooccurring:.4f} vs {best.random:.4f}, ratio {_ratio(best):.3f}): the "
                "mapping and the table were written in different item orders",
                mapped.pairs,
            )
            return
        if mapped.verdict == "inconclusive":
            self.add(
                "GF611",
                f"the collaborative signal is not settled by this sample: {figures}; the "
                "table could not be told from a placeholder (--ignore GF611 accepts it unjudged)",
                mapped.pairs,
            )
            return
        if mapped.verdict == "signal":
            return
        if mapped.verdict == "weak-signal":
            self.add(
                "GF613",
                f"the collaborative signal is weak: {figures}; co-occurring items' rows close "
                f"{mapped.effect:.1%} of the random pairs' cosine distance, {mapped.z:.0f} "
                f"standard errors above 0 (so not noise), but less than the {MIN_EFFECT:.0%} "
                "of a strong signal: perhaps an under-trained table, or one trained on "
                "other interactions",
                mapped.pairs,
            )
            return
        if shape.clustered:
            self.add(
                "GF610",
                f"{figures}, yet the rows are not random noise (structure {_figure(shape.value)}"
                f", independent rows give 0.000 +- {_figure(shape.noise)}) and no item order "
                "gramfix knows lines them up with the histories: the table's rows belong to "
                "other items than the mapping says",
                mapped.pairs,
            )
            return
        unit = int((np.abs(scan.norms[1:] - 1.0) <= 1e-3).sum())
        norms = (
            f"; all {unit:,} item rows have norm 1"
            if unit and unit == int(scan.usable[1:].sum())
            else ""
        )
        self.add(
            "GF609",
            f"the table carries no collaborative signal: {figures}; co-occurring items are no "
            f"closer than random pairs beyond sampling noise (effect {mapped.effect:+.4f}, "
            f"standard error {mapped.error:.4f}{_faint(mapped)}), and its rows look like "
            f"independent random noise (structure {_figure(shape.value)}{norms}): a "
            "placeholder, not trained embeddings",
            mapped.pairs,
        )

    def _stats(
        self,
        shape: list[int],
        rows: int,
        expected: int | None,
        scan: TableScan | None,
        signal: Signal | None = None,
    ) -> EmbeddingStats:
        norms = scan.norms[1:][scan.finite[1:]] if scan is not None else np.zeros(0)
        return EmbeddingStats(
            file=self.file,
            format=self.table.format,
            dtype=self.table.dtype,
            shape=shape,
            rows=rows,
            dim=shape[1] if len(shape) == 2 else None,
            expected_rows=expected,
            padding_row_zero=bool(scan.zero[0]) if scan is not None and rows else None,
            non_finite_rows=int((~scan.finite).sum()) if scan is not None else 0,
            zero_rows=int(scan.zero[1:].sum()) if scan is not None else 0,
            duplicate_rows=len(scan.duplicates) if scan is not None else 0,
            unit_norm_rows=int((np.abs(norms - 1.0) <= 1e-3).sum()),
            norm_min=round(float(norms.min()), 4) if len(norms) else None,
            norm_mean=round(float(norms.mean()), 4) if len(norms) else None,
            norm_max=round(float(norms.max()), 4) if len(norms) else None,
            signal=signal,
        )


def _figure(value: float) -> str:
    """A structure figure to 3 decimals, never ``-0.000``."""
    return f"{round(value, 3) + 0.0:.3f}"


def _faint(e: Estimate) -> str:
    """A hint of signal too small to be told from noise, said as such."""
    if e.z < 2:
        return ""
    return f"; a faint hint at {e.z:.1f} standard errors, short of the {Z:.0f} gramfix requires"


def _ratio(e: Estimate) -> float:
    return round(min(e.ratio, 1e6), 3)


def _order(name: str, e: Estimate) -> SignalOrder:
    return SignalOrder(
        order=name,
        pairs=e.pairs,
        cooccurring=round(e.cooccurring, 4),
        random=round(e.random, 4),
        ratio=_ratio(e),
    )


def _candidate_orders(data: Dataset, *, everything: bool) -> Iterator[tuple[str, I64]]:
    """Other ways the table's rows may be ordered, each as item -> row.

    Shifted rows (a 0-based table, or one padded twice), and the item orders generators
    use: sorted IDs, first appearance in the sequences, the mapping's key order, the line
    order of each item file -- each with row 1 or row 0 as the first item's row.
    """
    assert data.sequences is not None
    base = data.item_rows
    has = base > 0
    seen: list[I64] = [base]

    def new(rows: I64) -> bool:
        if any(np.array_equal(rows, s) for s in seen):
            return False
        seen.append(rows)
        return True

    for name, rows in (
        ("row = mapping value - 1 (a 0-based table)", np.where(has, base - 1, -1)),
        ("row = mapping value + 1", np.where(has, base + 1, -1)),
    ):
        if new(rows):
            yield name, rows
    if not everything:
        return
    for label, position in _item_orders(data):
        for first in (1, 0):
            rows = np.where(position >= 0, position + first, -1)
            if new(rows):
                yield f"rows in {label}, first item at row {first}", rows


def _item_orders(data: Dataset) -> Iterator[tuple[str, I64]]:
    """Per universe item, its position in each known item order (-1 where absent)."""
    assert data.sequences is not None
    universe = data.sequences.items
    n = len(universe)
    yield "sorted item-ID order", id_ranks(universe.names)
    yield "order of first appearance in the sequences", np.arange(n, dtype=np.int64)
    ka = data.key_analysis
    keyed = np.where(ka.fixable() & (ka.target >= 0), ka.target, -1)
    yield "the mapping's key order", _first_positions(keyed, n)
    for item_file in data.item_files:
        name = data.files.display(item_file.path) or item_file.path.name
        yield f"the line order of {name}", _first_positions(universe.lookup(item_file.ids), n)


def _first_positions(codes: I64, n: int) -> I64:
    """Per universe item, the index of the first entry of ``codes`` (a file's lines or the
    mapping's keys, -1 where the entry is no item) that names it."""
    position = np.full(n, -1, np.int64)
    known = np.flatnonzero(codes >= 0)
    _, first = np.unique(codes[known], return_index=True)
    at = known[first]
    position[codes[at]] = at
    return position


CHECK = CheckSpec(
    "embeddings",
    codes(("GF601", "GF611"), ("GF613", "GF613")),
    frozenset({Input.TABLE_FILE}),
    check_embeddings,
)
