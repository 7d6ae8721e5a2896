"""The prediction-file reader: both paths give the same rows, and bad input one clear error."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gramfix.engine import numbers, prediction_columns, spans
from gramfix.engine.prediction_columns import parse_chunk
from gramfix.engine.prediction_rows import PredictionRow
from gramfix.io import predictions
from gramfix.io.predictions import PredictionFile
from gramfix.model.errors import InputError
from tests.predictions_build import SYNTHETIC, Knobs, build

HEADER = "idx\tH@5\tH@10\tNDCG@5\tNDCG@10\tgold\tpred\tscores\n"


def _by_rows(path: Path) -> tuple[list[str], list[str]]:
    source = PredictionFile(path)
    rows = [repr(row) for row in source.rows()]  # repr: NaN and -0.0 compare as written
    return rows, [repr(t) for t in source.totals]


def _by_blocks(path: Path) -> tuple[list[str], list[str]]:
    source = PredictionFile(path)
    rows = [repr(block.row(i)) for block in source.blocks() for i in range(len(block))]
    return rows, [repr(t) for t in source.totals]


def _by_chunks_out_of_order(path: Path) -> tuple[list[str], list[str]]:
    """What a threaded caller does: parse chunks in any order, settle them in order."""
    source = PredictionFile(path)
    chunks = list(source.chunks())
    parsed = {i: parse_chunk(c) for i, c in reversed(list(enumerate(chunks)))}
    rows = []
    for i, chunk in enumerate(chunks):
        taken, used = parsed[i]
        rest = source.settle(chunk, taken, used)
        for block in (taken, rest):
            if block is not None:
                rows += [repr(block.row(r)) for r in range(len(block))]
    return rows, [repr(t) for t in source.totals]


def _error(read: object, path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read(path)  # type: ignore[operator]
    return caught.value


READERS = [_by_rows, _by_blocks, _by_chunks_out_of_order]


def test_the_padding_covers_every_span_reader() -> None:
    assert predictions.PADDING >= spans.PADDING
    assert predictions.PADDING >= numbers.PADDING


def test_a_row_as_gram_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_text(
        HEADER + "A1YJEY40YUW4SE\t1.0\t1.0\t0.6309297535714574\t0.6309297535714574\t"
        "loss brake fur\tnail foot||loss brake fur||\t-0.0123||-0.0456||-1.2345678e-05\n"
        "hit@5: 0.0532\n"
        "hit@10: tensor(0.0741, device='cuda:0', dtype=torch.float64)\n"
        "ndcg@10: tensor(1., device='cuda:0')\n"
        "ndcg@5: tensor(7.4100e-02, device='cuda:0', dtype=torch.float64)\n",
        encoding="utf-8",
    )
    source = PredictionFile(path)
    (row,) = list(source.rows())
    assert row == PredictionRow(
        line=2,
        user="A1YJEY40YUW4SE",
        reported=(1.0, 1.0, 0.6309297535714574, 0.6309297535714574),
        gold="loss brake fur",
        predictions=("nail foot", "loss brake fur", ""),  # an empty prediction is one
        scores=(-0.0123, -0.0456, -1.2345678e-05),
    )
    totals = [(t.name, t.value, t.text, t.torch, t.line) for t in source.totals]
    assert totals == [
        ("hit@5", 0.0532, "0.0532", False, 3),
        ("hit@10", 0.0741, "0.0741", True, 4),
        ("ndcg@10", 1.0, "1.", True, 5),
        ("ndcg@5", 0.0741, "7.4100e-02", True, 6),
    ]
    assert _by_blocks(path) == _by_rows(path)


def test_a_file_with_the_header_alone_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "rank3.tsv"
    path.write_text(HEADER, encoding="utf-8")
    for read in READERS:
        assert read(path) == ([], [])


def test_pipes_split_as_str_split_does(tmp_path: Path) -> None:
    # A raw lexical ID as a prediction starts with "|": "a|||▁b" is "a" and "|▁b".
    path = tmp_path / "p.tsv"
    path.write_text(
        HEADER + "u\t0.0\t0.0\t0.0\t0.0\tg\ta|||▁b|x||||c\t1.0||2.0||3.0||4.0\n",
        encoding="utf-8",
    )
    rows = list(PredictionFile(path).rows())
    assert rows[0].predictions == ("a", "|▁b|x", "", "c")
    assert _by_blocks(path) == _by_rows(path)


@pytest.mark.parametrize(
    "knobs",
    [
        Knobs(),
        Knobs(near_miss=0.5, surface=0.2, non_items=0.1, nan_scores=0.2, ties=0.3),
        Knobs(batch=3),
        Knobs(merged=False, generate_num=1),
        Knobs(totals="plain", generate_num=4),
    ],
)
def test_both_paths_read_built_files_alike(tmp_path: Path, knobs: Knobs) -> None:
    built = build(SYNTHETIC, tmp_path, knobs)
    expected = _by_rows(built.predictions)
    assert expected[0]
    assert _by_blocks(built.predictions) == expected
    assert _by_chunks_out_of_order(built.predictions) == expected


TEXT = st.text(
    alphabet=st.sampled_from([*string.ascii_letters[:6], " ", "|", "▁", "é", "\r", "1"]),
    max_size=12,
)
NUMBER = st.one_of(
    st.floats(width=32).map(lambda v: str(np.float32(v))),
    st.floats().map(repr),
    st.sampled_from(["0.0", "1.0", "0.6309297535714574", "-0", " 1.5", "1_0", "nan", "+2"]),
)


@st.composite
def files(draw: st.DrawFn) -> str:
    lines = [HEADER.rstrip("\n")]
    for _ in range(draw(st.integers(0, 30))):
        if draw(st.integers(0, 20)) == 0:
            lines.append("")  # a blank line: skipped
            continue
        count = draw(st.integers(1, 4))
        predictions = draw(st.lists(TEXT, min_size=count, max_size=count))
        scores = draw(st.lists(NUMBER, min_size=count, max_size=count))
        metrics = draw(st.lists(NUMBER, min_size=4, max_size=4))
        user = draw(TEXT)
        gold = draw(TEXT)
        line = "\t".join([user, *metrics, gold, "||".join(predictions), "||".join(scores)])
        # A prediction ending in "|" would change where "||" cuts: keep the count.
        if len(line.split("\t")[6].split("||")) != count:
            continue
        lines.append(line)
    for name in draw(st.lists(st.sampled_from(["hit@5", "ndcg@10"]), max_size=2)):
        lines.append(f"{name}: tensor(0.0741, device='cuda:0', dtype=torch.float64)")
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from([ending, ""]))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=files(), block=st.sampled_from([64, 200, 1 << 22]))
def test_both_paths_agree_on_any_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, block: int
) -> None:
    monkeypatch.setattr(predictions, "BLOCK_BYTES", block)
    path = tmp_path / "p.tsv"
    path.write_bytes(text.encode("utf-8"))
    try:
        expected: object = _by_rows(path)
    except InputError as error:  # then every path fails alike
        expected = str(error)
    for read in READERS[1:]:
        try:
            got: object = read(path)
        except InputError as error:
            got = str(error)
        assert got == expected


# -- malformed files: one InputError naming the file and the line ------------------------

ROW = "u1\t0.0\t0.0\t0.0\t0.0\tgold\ta||b\t-0.5||-1.5\n"
BAD = [
    ("missing columns", HEADER + ROW + "u2\t0.0\t0.0\t0.0\tgold\ta||b\t-0.5||-1.5\n", 3, "7 tab"),
    ("extra columns", HEADER + ROW.replace("\tgold", "\t0.0\tgold"), 2, "9 tab"),
    ("non-float score", HEADER + ROW + ROW.replace("-1.5", "abc"), 3, "score 2 'abc'"),
    ("non-float metric", HEADER + ROW.replace("\t0.0\tgold", "\tx\tgold"), 2, "NDCG@10 'x'"),
    ("unequal counts", HEADER + ROW.replace("-0.5||-1.5", "-0.5"), 2, "2 predictions but 1"),
    ("bad header", "idx\tgold\tpred\n" + ROW, 1, "not a GRAM prediction file"),
    ("header missing", ROW + ROW, 1, "not a GRAM prediction file"),
    ("row after totals", HEADER + ROW + "hit@5: 0.1\n" + ROW, 4, "after the trailing totals"),
    ("bad total", HEADER + ROW + "hit@5 0.1\n", 3, "nor a trailing 'metric: value'"),
    ("total not a number", HEADER + ROW + "hit@5: tensor(abc)\n", 3, "total 'tensor(abc)'"),
]


@pytest.mark.parametrize(("case", "text", "line", "says"), BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("read", READERS, ids=["rows", "blocks", "chunks"])
def test_malformed_files_name_file_and_line(
    tmp_path: Path, case: str, text: str, line: int, says: str, read: object
) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(text, encoding="utf-8")
    error = _error(read, path)
    assert (error.path, error.line) == (str(path), line), case
    assert says in error.problem
    assert str(error).startswith(f"{path}:{line}: ")
    assert "\n" not in str(error)


@pytest.mark.parametrize("read", READERS, ids=["rows", "blocks", "chunks"])
def test_an_empty_file(tmp_path: Path, read: object) -> None:
    path = tmp_path / "empty.tsv"
    path.write_bytes(b"")
    error = _error(read, path)
    assert error.path == str(path)
    assert "empty file" in error.problem


@pytest.mark.parametrize("read", READERS, ids=["rows", "blocks", "chunks"])
def test_a_binary_file(tmp_path: Path, read: object) -> None:
    path = tmp_path / "model.pt"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 40)
    error = _error(read, path)
    assert (error.path, error.line) == (str(path), 1)
    assert "not a text file" in error.problem


@pytest.mark.parametrize("read", READERS, ids=["rows", "blocks", "chunks"])
def test_not_utf8(tmp_path: Path, read: object) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes((HEADER + ROW.replace("gold", "g\xf6ld")).encode("latin-1"))
    error = _error(read, path)
    assert (error.line, error.column) == (2, 21)
    assert "not UTF-8" in error.problem


def test_a_line_without_end_is_refused_before_it_fills_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(predictions, "BLOCK_BYTES", 64)
    monkeypatch.setattr(predictions, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "one-line.tsv"
    path.write_text(HEADER + "x" * 5000, encoding="utf-8")
    error = _error(_by_blocks, path)
    assert error.line == 2
    assert "longer than" in error.problem


def test_a_missing_file(tmp_path: Path) -> None:
    error = _error(_by_blocks, tmp_path / "nope.tsv")
    assert error.problem == "no such file"


def test_every_row_value_gram_writes_reads_as_float_does() -> None:
    # ndcg sums over every set of relevant positions, as GRAM adds them up.
    import math

    log = [math.log(j + 2, 2) for j in range(10)]
    texts = ["0.0", "1.0", "2.0", "0.5", "nan"]
    for mask in range(1 << 10):
        total = 0.0
        for j in range(10):
            total += ((mask >> j) & 1) / log[j]
        texts.append(str(np.float64(total)))
    encoded = [t.encode() for t in texts]
    lengths = np.array([len(e) for e in encoded], np.int64)
    lo = np.cumsum(lengths) - lengths
    padded = bytearray(b"\0" * 8 + b"".join(encoded) + b"\0" * predictions.PADDING)
    values, ok = prediction_columns._metric_values(padded, lo, lo + lengths)
    for text, value, taken in zip(texts, values.tolist(), ok.tolist(), strict=True):
        assert not taken or repr(value) == repr(float(text)), text
    assert sum(ok) >= len(texts) - 1  # all but nan, which float reads in the fallback
