"""The compiled kernels give exactly what the pure path gives, on every dataset shape.

The reader has three references: the line-by-line exact reader, the numpy fast reader,
and the per-line oracle of tests/oracle.py; each other compiled pass is compared with
its numpy reference and a plain loop. Whole reports on both engines are compared in
tests/test_engines.py. Skipped when the extension is not built, except
`test_the_compiled_scan_is_there_when_required`, which CI runs with
GRAMFIX_REQUIRE_NATIVE=1 so that the compiled path is really tested there.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gramfix._native as native
from gramfix.engine.hashindex import StringIndex
from gramfix.io import sequences as reader
from gramfix.io.sequences import Sequences
from gramfix.model.errors import InputError
from tests import oracle
from tests.conftest import pure_engine
from tests.test_fast_path import SHAPES
from tests.test_fast_path import _dataset as fast_path_dataset
from tests.test_sequences import ascii_files

compiled_only = pytest.mark.skipif(not native.AVAILABLE, reason=f"engine: {native.ENGINE}")
ROOT = Path(__file__).resolve().parent.parent


def test_the_compiled_scan_is_there_when_required() -> None:
    if not os.environ.get("GRAMFIX_REQUIRE_NATIVE"):
        pytest.skip("GRAMFIX_REQUIRE_NATIVE is not set (CI sets it)")
    assert native.AVAILABLE, native.ENGINE


def test_the_engine_says_why_the_pure_path_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAMFIX_PURE", "1")
    assert native._load() == (None, "pure Python/numpy (GRAMFIX_PURE is set)")
    monkeypatch.delenv("GRAMFIX_PURE")
    if not native.AVAILABLE:
        pytest.skip(native.ENGINE)
    assert native._load()[1] == "compiled (Cython)"
    # A build older than its source (an editable install whose scan.pyx changed) is not
    # run: its results would not be those of the code under test.
    monkeypatch.setattr("gramfix._native.zlib.crc32", lambda data: 0)
    module, engine = native._load()
    assert module is None
    assert "older than scan.pyx" in engine


def _read_native(path: Path, known: object = None, block: int | None = None) -> Sequences:
    """`read_sequences` on the compiled engine, ``block`` bytes handed to the scan at a time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(native, "AVAILABLE", True)
        patch.setattr(reader, "BLOCK_BYTES", block or reader.BLOCK_BYTES)
        return reader.read_sequences(path, known)  # type: ignore[arg-type]


def read_sequences(path: Path, known: object = None) -> Sequences:
    """`read_sequences` on the pure engine: the numpy reader, or the exact one."""
    with pure_engine():
        return reader.read_sequences(path, known)  # type: ignore[arg-type]


def _exact(path: Path) -> Sequences:
    with path.open("rb") as handle:
        return reader.ExactReader(path).read(handle)


def _same(a: Sequences, b: Sequences) -> None:
    assert a.items.names == b.items.names
    assert a.codes.dtype == b.codes.dtype == np.int32
    assert np.array_equal(a.codes, b.codes)
    assert np.array_equal(a.lengths, b.lengths)
    assert np.array_equal(a.user_lines, b.user_lines)
    assert a.hygiene == b.hygiene


def _same_history_order(read: Sequences) -> None:
    """The compiled history-order pass, from the scan's sort keys of the names (when it
    made them) and from the names, equals the numpy pass over `id_ranks`."""
    from gramfix._native.scan import unsorted_by_id
    from gramfix.checks import history_order
    from gramfix.engine.itemorder import id_ranks

    names = read.items.names
    with pure_engine():
        expected = history_order._unsorted(read.codes, read.lengths, id_ranks(names)).tolist()
    from_names = unsorted_by_id(read.codes, read.lengths, names)
    assert from_names is None or from_names.tolist() == expected
    sort_keys = read.items.sort_keys()
    if sort_keys is not None:
        assert len(sort_keys[0]) == len(names)
        from_keys = unsorted_by_id(read.codes, read.lengths, names, *sort_keys)
        assert from_keys is not None
        assert from_keys.tolist() == expected


def _probes(names: list[str], keys: list[str]) -> list[str]:
    """Strings to look up: the names, the keys, and near misses of both."""
    rng = random.Random(len(names))
    out = names + keys + ["", " ", "é", "X" * 200, "B0000000001 title: x"]
    for name in rng.sample(names, min(len(names), 50)):
        out += [name + "x", name[:-1], name.lower(), name.upper(), name.zfill(len(name) + 2)]
    return out


def _refused_alike(path: Path, block: int | None) -> Sequences | None:
    """The exact reader's result, or None when it refuses the file, after checking that
    the compiled reader refuses it with the very same message."""
    try:
        return _exact(path)
    except InputError as error:
        problem = str(error)
    with pytest.raises(InputError) as compiled:
        _read_native(path, None, block)
    assert str(compiled.value) == problem
    return None


def _check_all(path: Path, keys: list[str] | None, block: int | None = None) -> None:
    """The compiled reader against the exact and fast readers and the oracle."""
    exact = _exact(path)
    got = _read_native(path, keys, block)
    _same(got, exact)
    fast = read_sequences(path, keys)
    _same(got, fast)
    # The trainer's dict, line by line: the same histories (the dict orders users by
    # their first line, the reader by the line it keeps).
    trainer = oracle.read_like_trainer(path)
    names = np.array(got.items.names, dtype=object)
    histories = np.split(names[got.codes], np.cumsum(got.lengths)[:-1])
    assert sorted(tuple(h) for h in histories) == sorted(map(tuple, trainer.values()))
    # Lookups in the universe, and the code of every key the read was given.
    reference = StringIndex.from_names(exact.items.names)
    probes = _probes(exact.items.names, keys or [])
    assert got.items.lookup(probes).tolist() == reference.lookup(probes).tolist()
    assert got.items.hashed == reference.hashed
    if keys is not None and not got.exact_reader:  # the exact reader takes no keys
        codes = got.codes_of(keys)
        assert codes is not None
        assert codes.tolist() == reference.lookup(keys).tolist()
    # The history-order pass from the sort keys the scan made of the names.
    for read in (got, _read_native(path, None, block)):
        _same_history_order(read)
    # The keys read while the scan runs (a second thread; looked up afterwards): the
    # same sequences, the same codes of the keys, and keys that are items are the names.
    later = _read_native(path, lambda: keys, block)
    _same(later, exact)
    assert later.items.lookup(probes).tolist() == reference.lookup(probes).tolist()
    if keys is not None and not later.exact_reader:
        codes = later.codes_of(keys)
        assert codes is not None
        assert codes.tolist() == reference.lookup(keys).tolist()
        by_value = {key: key for key in keys}
        named = [name for name in later.items.names if name in by_value]
        assert all(name is by_value[name] for name in named)  # one string, not two


@compiled_only
@pytest.mark.parametrize("shape", [*SHAPES, "non-ascii"])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("block", [None, 4096, 7])
def test_every_dataset_shape_equals_the_pure_readers(
    shape: str, seed: int, block: int | None, tmp_path: Path
) -> None:
    fast_path_dataset(tmp_path, shape, seed)
    keys = list(json.loads((tmp_path / "item_id_to_gcn_index.json").read_text()))
    path = tmp_path / "user_sequence.txt"
    _check_all(path, keys, block)
    _check_all(path, None, block)
    assert _read_native(path, keys).exact_reader == (shape == "non-ascii")


@compiled_only
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ascii_files(), st.sampled_from([1 << 20, 64, 7, 1]), st.booleans())
def test_random_files_equal_the_pure_readers(data: bytes, block: int, with_keys: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "user_sequence.txt"
        path.write_bytes(data)
        expected = _refused_alike(path, block)
        if expected is None:
            return
        keys = None
        if with_keys:  # pre-filled: some names, some strangers, in another order
            keys = [*expected.items.names[::-2], "NOT-AN-ITEM", "x" * 70, "a b", "ü"]
            keys = list(dict.fromkeys(keys))
        _check_all(path, keys, block)


ODD = [
    b"U1\tA B\nU2 A B\n",  # a tab: the exact reader
    b"U1 A\x0bB\n",  # an odd space
    b"U1 A\rB\nU2 C\n",  # a lone CR is a line break
    b"U1 A B\r",  # a final lone CR
    "\ufeffU1 A B\n".encode(),  # BOM
    " A B\nU2 A\n",  # a line starting with a space: the user ""
    "U1 caf\u00e9 B\n".encode(),  # non-ASCII
    b"U1 A\x7fB\n",  # DEL
    b"U1 A\x01B\n",  # a control character
]


@compiled_only
@pytest.mark.parametrize("data", ODD)
@pytest.mark.parametrize("block", [None, 3])
def test_what_only_the_exact_reader_takes_goes_there(
    data: bytes | str, block: int | None, tmp_path: Path
) -> None:
    path = tmp_path / "user_sequence.txt"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    got = _read_native(path, ["A", "B"], block)
    _same(got, _exact(path))


@compiled_only
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the sequence file is empty"),
        (b"\n\n", "no line of the form"),
        (b"U1\nU2\r\n", "no line of the form"),
        (b"U1 \nU2  \n", "no item IDs on any line"),
        (b"U1 A\0B\n", "NUL byte"),
        (b"U1 A \xff\n", "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_alike(data: bytes, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "user_sequence.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=problem) as pure:
        read_sequences(path)
    with pytest.raises(InputError, match=problem) as compiled:
        _read_native(path)
    assert str(compiled.value) == str(pure.value)


@compiled_only
def test_a_large_file_in_small_blocks(tmp_path: Path) -> None:
    # Enough distinct items and users for both tables to double several times; tokens
    # of every width around the inline limit (16 bytes) and the numpy reader's (64).
    rng = random.Random(5)
    alphabet = string.ascii_letters + string.digits + "_-.:"
    catalogue = [
        "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 7, 8, 9, 12, 15, 16, 17, 40])))
        for _ in range(60_000)
    ]
    catalogue += ["L" * n for n in (63, 64, 65, 100, 300)]
    users = [f"user{i:07d}" + "u" * (i % 20) for i in range(25_000)]
    lines = []
    for _ in range(30_000):  # some users on several lines
        items = rng.choices(catalogue, k=rng.randint(0, 30))
        lines.append(" ".join([rng.choice(users), *items]))
    path = tmp_path / "user_sequence.txt"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    keys = list(dict.fromkeys([*rng.sample(catalogue, 20_000), "absent", "L" * 65]))
    _check_all(path, keys, 1 << 12)
    got = _read_native(path, keys)
    assert got.hygiene.overridden_lines.count > 0  # the dedup really ran


@compiled_only
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ascii_files(), st.sampled_from([None, 7]))
def test_users_sharing_a_hash_are_told_apart_by_their_bytes(data: bytes, block: int | None) -> None:
    # Users are told apart by sorting their hashes; two bits of hash make most of them
    # collide, so that the lines of a shared hash are read again and compared.
    from gramfix._native.scan import set_user_hash_bits

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "user_sequence.txt"
        path.write_bytes(data + b"\nA X\nB Y\nAA Z\nA W\nB Y Z\n")
        set_user_hash_bits(2)
        try:
            got = _read_native(path, None, block)
            later = _read_native(path, lambda: None, block)  # the file read by scan_file
        finally:
            set_user_hash_bits(64)
        _same(got, _exact(path))
        _same(later, _exact(path))


@compiled_only
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.from_regex(r"[0-9]{1,17}", fullmatch=True), max_size=6), max_size=12))
def test_history_order_of_numeric_ids_from_the_scan(histories: list[list[str]]) -> None:
    # All-digit IDs sort as numbers (07 and 7 tie, broken by first sighting), up to 16
    # digits from the scan's keys; 17 digits: from the names (the keys hold 16 bytes).
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "user_sequence.txt"
        lines = [f"U{i} " + " ".join(items) for i, items in enumerate(histories)]
        path.write_text("\n".join([*lines, "UX 1 2"]) + "\n")
        _same_history_order(_read_native(path))
        _same_history_order(_read_native(path, lambda: None))


@compiled_only
def test_one_huge_line_across_many_blocks(tmp_path: Path) -> None:
    items = b" ".join(b"B%09d" % i for i in range(300_000))
    path = tmp_path / "user_sequence.txt"
    path.write_bytes(b"U1 " + items + b"\n")
    _check_all(path, None, 1 << 16)


@compiled_only
def test_known_keys_must_be_distinct(tmp_path: Path) -> None:
    path = tmp_path / "user_sequence.txt"
    path.write_bytes(b"U1 A B\n")
    with pytest.raises(ValueError, match="distinct"):
        read_sequences(path, ["A", "A"])
    with pytest.raises(ValueError, match="distinct"):
        _read_native(path, ["A", "A"])


@compiled_only
def test_the_scanner_is_used_once() -> None:
    from gramfix._native.scan import Scanner

    scanner = Scanner()
    scanner.feed(b"U1 A B\n")
    scanner.finish()
    with pytest.raises(ValueError, match="finished"):
        scanner.feed(b"U2 A\n")
    with pytest.raises(ValueError, match="finished"):
        scanner.finish()
    with pytest.raises(ValueError, match="after finish"):
        Scanner().lookup(["A"])


def _sequence_files() -> Iterator[Path]:
    for folder in ("tests/cases", "tests/bad_inputs", "examples"):
        yield from sorted((ROOT / folder).rglob("user_sequence*.txt"))


@compiled_only
@pytest.mark.parametrize("path", list(_sequence_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_sequence_file_of_the_repository(path: Path) -> None:
    expected = _refused_alike(path, None)
    if expected is None:
        return
    _same(_read_native(path), expected)
    _same(_read_native(path, block=5), expected)


@compiled_only
@pytest.mark.parametrize("name", ["Beauty", "Toys"])
def test_the_real_datasets(name: str, shared: Path) -> None:
    path = shared / "gram" / name / "user_sequence.txt"
    mapping = shared / "gram-c" / name / "item_id_to_gcn_index.json"
    keys = list(json.loads(mapping.read_text())) if mapping.exists() else None
    _check_all(path, keys)


# The other per-token passes: each equal to its numpy reference and to a plain loop.

NAMES = st.lists(
    st.text(alphabet="AB9\x01~ _0", min_size=1, max_size=40)
    | st.from_regex(r"[0-9]{1,19}", fullmatch=True)
    | st.sampled_from(["B000000001", "0786959916", "786959916", "X" * 17, "X" * 16 + "Y"]),
    max_size=60,
)


@compiled_only
@settings(max_examples=300, deadline=None)
@given(NAMES, st.booleans())
def test_compiled_id_ranks_equal_the_numpy_ones(names: list[str], digits_only: bool) -> None:
    from gramfix._native.scan import id_ranks as compiled
    from gramfix.engine.itemorder import id_ranks

    if digits_only:  # the numeric order (ties between 07 and 7 keep the names' order)
        names = [n for n in names if n.isascii() and n.isdigit() and len(n) <= 18] or ["0"]
    got = compiled(names)
    assert got is not None
    with pure_engine():
        assert got.tolist() == id_ranks(names).tolist()


@compiled_only
def test_compiled_id_ranks_leave_non_ascii_names_to_numpy() -> None:
    from gramfix._native.scan import id_ranks as compiled

    assert compiled(["B1", "café"]) is None
    empty = compiled([])
    assert empty is not None
    assert empty.tolist() == []


@st.composite
def histories(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    n_items = draw(st.integers(1, 12))
    lengths = draw(st.lists(st.integers(0, 15), max_size=25))
    codes = draw(
        st.lists(st.integers(0, n_items - 1), min_size=sum(lengths), max_size=sum(lengths))
    )
    return np.array(codes, np.int32), np.array(lengths, np.int64), n_items


@compiled_only
@settings(max_examples=300, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_compiled_unsorted_users_equal_a_plain_loop(
    data: tuple[np.ndarray, np.ndarray, int], rng: random.Random
) -> None:
    from gramfix._native.scan import unsorted_users
    from gramfix.checks import history_order

    codes, lengths, n_items = data
    ranks = np.array(rng.sample(range(n_items), n_items), np.int64)
    expected, start = [], 0
    for n in lengths.tolist():
        items = codes[start : start + n].tolist()
        expected.append(any(ranks[b] < ranks[a] for a, b in itertools.pairwise(items)))
        start += n
    assert unsorted_users(codes, lengths, ranks).tolist() == expected
    with pure_engine():  # the numpy pass of the history-order check
        assert history_order._unsorted(codes, lengths, ranks).tolist() == expected


@compiled_only
@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(1, 6), st.randoms(use_true_random=False))
def test_compiled_window_hits_equal_the_numpy_pass_and_the_oracle(
    data: tuple[np.ndarray, np.ndarray, int], window: int, rng: random.Random
) -> None:
    from gramfix._native.scan import window_hits
    from gramfix.engine.windows import _window_hits

    codes, lengths, n_items = data
    resolved = np.array([rng.random() < 0.5 for _ in range(n_items)], np.bool_)
    hits, dead = window_hits(codes, lengths, window, resolved.view(np.uint8))
    with pure_engine():
        reference = _window_hits(codes, lengths, window, resolved)
    assert hits.tolist() == reference[0].tolist()
    assert dead.tolist() == reference[1].tolist()
    tables = oracle.sample_tables(codes, lengths, n_items, window, [resolved])
    for label, split in ((1, "train"), (2, "valid"), (3, "test")):
        sums = tables.windows[0][split]
        assert (hits[label], dead[label]) == (sums.resolved_slots, sums.dead_samples)


@compiled_only
def test_the_passes_refuse_arrays_that_do_not_fit() -> None:
    from gramfix._native.scan import unsorted_users, window_hits

    codes = np.array([0, 1, 2], np.int32)
    ranks = np.arange(2, dtype=np.int64)
    with pytest.raises(ValueError, match="outside the items"):
        unsorted_users(codes, np.array([3], np.int64), ranks)
    with pytest.raises(ValueError, match="more than the codes"):
        unsorted_users(codes, np.array([2, 2], np.int64), ranks)
    with pytest.raises(ValueError, match="negative"):
        window_hits(codes, np.array([-1], np.int64), 3, np.ones(3, np.uint8))


@compiled_only
@settings(max_examples=300, deadline=None)
@given(histories())
def test_compiled_item_counts_equal_the_numpy_ones(
    data: tuple[np.ndarray, np.ndarray, int],
) -> None:
    from gramfix._native.scan import item_counts
    from gramfix.engine.windows import _item_counts

    codes, lengths, n_items = data
    total, valid, test = item_counts(codes, lengths, n_items)
    with pure_engine():
        expected = _item_counts(codes, lengths, n_items)
    assert total.tolist() == expected["all"].tolist()
    assert valid.tolist() == expected["valid"].tolist()
    assert test.tolist() == expected["test"].tolist()
    assert (total - valid - test).tolist() == expected["train"].tolist()


# The key classification of analyse_keys: the two readings of every key, in C.

DECORATED_KEY = st.lists(
    st.sampled_from(["B1", "B2", "0786", "x" * 20, "'B1'", '"', "'", "`", " ", "\t", "\x1c"])
    | st.sampled_from(["\x1f", "\n", "\r", "\x0b", "title:", "ü", "\u00a0", "\ufeff", "B1\x00"])
    | st.text(alphabet="B12' \t\"", max_size=6),
    max_size=6,
).map("".join)


@compiled_only
@settings(max_examples=400, deadline=None)
@given(st.lists(DECORATED_KEY, max_size=40))
def test_compiled_key_readings_equal_the_python_ones(keys: list[str]) -> None:
    from gramfix.engine import keys as key_module

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "user_sequence.txt"
        path.write_bytes(b"U1 B1 B2 0786 " + b"x" * 20 + b" 'B1' B1'\nU2 B2 B1 B2\n")
        universe = _read_native(path).items
    rest = np.arange(len(keys), dtype=np.int64)
    compiled = universe.key_readings(keys, rest)
    assert compiled is not None
    first, second, cut = compiled
    python = key_module._readings_in_python(keys, rest, universe)
    ascii_keys = np.array([k.isascii() for k in keys], np.bool_)
    assert (first == -2).tolist() == (~ascii_keys).tolist()  # the others: Python's
    assert first[ascii_keys].tolist() == python[0][ascii_keys].tolist()
    assert second[ascii_keys].tolist() == python[1][ascii_keys].tolist()
    assert cut[ascii_keys].tolist() == python[2][ascii_keys].tolist()
    # And the whole analysis: compiled readings (Python for the rest) == Python alone.
    values = list(range(1, len(keys) + 1))
    got = key_module.analyse_keys(keys, values, universe)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(universe), "key_readings", lambda *a: None)
        expected = key_module.analyse_keys(keys, values, universe)
    assert got.family.tolist() == expected.family.tolist()
    assert got.target.tolist() == expected.target.tolist()
    assert got.ambiguous.tolist() == expected.ambiguous.tolist()


ID_NAMES = st.lists(
    st.from_regex(r"[0-9]{1,19}", fullmatch=True)
    | st.text(alphabet="AB9~_0", min_size=1, max_size=40)
    | st.sampled_from(["B000000001", "0786959916", "786959916", "X" * 17, "X" * 16 + "Y"]),
    min_size=1,
    max_size=30,
    unique=True,
)


@compiled_only
@settings(max_examples=300, deadline=None)
@given(ID_NAMES, st.booleans(), st.randoms(use_true_random=False))
def test_unsorted_by_id_equals_the_ranked_pass(
    names: list[str], digits_only: bool, rng: random.Random
) -> None:
    from gramfix._native.scan import unsorted_by_id
    from gramfix.checks import history_order
    from gramfix.engine.itemorder import id_ranks

    if digits_only:  # the numeric order (ties between 07 and 7 keep the names' order)
        names = [n for n in names if n.isdigit() and len(n) <= 18] or ["0"]
    lengths = np.array([rng.randint(0, 6) for _ in range(20)], np.int64)
    codes = np.array([rng.randrange(len(names)) for _ in range(int(lengths.sum()))], np.int32)
    got = unsorted_by_id(codes, lengths, names)
    assert got is not None
    with pure_engine():
        expected = history_order._unsorted(codes, lengths, id_ranks(names))
    assert got.tolist() == expected.tolist()
    assert unsorted_by_id(codes[:0], lengths[:0], ["café"]) is None  # numpy's case


# The serialised mapping, proven to read back as planned without parsing it into a dict.

JSON_KEYS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from('"\\\n\x00'),
    max_size=12,
)
JSON_MAPPINGS = st.dictionaries(JSON_KEYS, st.integers(-(10**20), 10**20), max_size=12)


def _reads_back(data: bytes, entries: dict[str, object]) -> bool:
    """The reference: json.load's reading of the bytes is the mapping, in order."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return (
        isinstance(parsed, dict)
        and list(parsed.items()) == list(entries.items())
        and all(type(a) is type(b) for a, b in zip(parsed.values(), entries.values(), strict=True))
    )


@compiled_only
@settings(max_examples=500, deadline=None)
@given(
    JSON_MAPPINGS, st.integers(0, 10**6), st.sampled_from(["keep", "flip", "cut", "add", "drop"])
)
def test_verify_json_mapping_agrees_with_json_load(
    entries: dict[str, int], where: int, change: str
) -> None:
    from gramfix._native.scan import verify_json_mapping
    from gramfix.io.mapping import serialise

    data = serialise(entries)
    if change == "flip" and data:
        i = where % len(data)
        data = data[:i] + bytes([data[i] ^ (1 << (where % 7))]) + data[i + 1 :]
    elif change == "cut" and data:
        data = data[: where % len(data)]
    elif change == "add":
        data = data.rstrip()[:-1] + b', "extra": 1}'
    elif change == "drop" and entries:
        entries = dict(list(entries.items())[:-1])
    verdict = verify_json_mapping(data, entries)
    if verdict is not None:  # decided: exactly json.load's answer
        assert verdict == _reads_back(data, entries)
    else:  # undecided only for what it does not prove (big ints, lone surrogates, floats)
        assert (
            any(abs(v) >= 10**18 for v in entries.values())
            or b"\\ud" in data.lower()
            or (b"." in data or b"e" in data.lower())
        )


@compiled_only
@pytest.mark.parametrize(
    ("text", "entries", "verdict"),
    [
        (b'{"a": 1}', {"a": 1}, True),
        (b' {\n  "a" : -0 ,"b":2}\n', {"a": 0, "b": 2}, True),
        (b'{"a": 1, "a": 2}', {"a": 2}, False),  # json.load keeps one member of two
        (b'{"a": 01}', {"a": 1}, False),  # not JSON
        (b'{"a": 1.0}', {"a": 1}, None),  # a float to json.load: parsed by the caller
        (b'{"a\\u00e9": 1}', {"a\u00e9": 1}, True),
        (b'{"\\ud83d\\ude00": 1}', {"\U0001f600": 1}, True),
        (b'{"\\ud83d": 1}', {"\ud83d": 1}, None),
        (b'{"a\nb": 1}', {"a\nb": 1}, False),  # a raw line break in a string
        (b'{"a": 1}x', {"a": 1}, False),
        (b"{}", {}, True),
        (b'{"a": True}', {"a": True}, None),  # not an int: the caller decides
    ],
)
def test_verify_json_mapping_cases(
    text: bytes, entries: dict[str, object], verdict: object
) -> None:
    from gramfix._native.scan import verify_json_mapping

    assert verify_json_mapping(text, entries) == verdict
