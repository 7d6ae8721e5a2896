"""The vectorised number parser gives exactly ``float``, or leaves the text to it."""

from __future__ import annotations

import math
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gramfix.engine.numbers import MAX_BYTES, PADDING, parse_numbers
from gramfix.engine.tokens import FRONT


def _parse(texts: list[str]) -> tuple[list[float], list[bool]]:
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.array([len(e) for e in encoded], np.int64)
    starts = np.cumsum(lengths) - lengths
    padded = b"\0" * FRONT + b"".join(encoded) + b"\0" * PADDING
    values, taken = parse_numbers(padded, starts, lengths)
    return values.tolist(), taken.tolist()


def _same(a: float, b: float) -> bool:
    """Bit for bit (-0.0 is not 0.0)."""
    return struct.pack("<d", a) == struct.pack("<d", b)


def _check(texts: list[str]) -> list[bool]:
    values, taken = _parse(texts)
    for text, value, ok in zip(texts, values, taken, strict=True):
        if ok:
            assert _same(value, float(text)), (text, value)
    return taken


#: Beam scores are mean log-probabilities: far inside these bounds.
SCORES = st.floats(width=32, min_value=-(2.0**40), max_value=2.0**40).filter(
    lambda v: v == 0 or abs(v) >= 2.0**-40
)


@settings(max_examples=300)
@given(st.lists(SCORES, min_size=1, max_size=60))
def test_every_float32_score_string_is_taken_and_exact(values: list[float]) -> None:
    # What GRAM writes for a beam score: str(numpy.float32).
    texts = [str(np.float32(v)) for v in values]
    assert all(_check(texts))


@settings(max_examples=200)
@given(st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=60))
def test_any_float32_string_is_exact_when_taken(values: list[float]) -> None:
    _check([str(np.float32(v)) for v in values])


@settings(max_examples=300)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=60))
def test_float64_strings_are_exact_when_taken(values: list[float]) -> None:
    texts = [repr(v) for v in values] + [str(np.float64(v)) for v in values]
    _check(texts)


@settings(max_examples=500)
@given(st.lists(st.text(alphabet="0123456789.-+eE_ né", max_size=20), min_size=1, max_size=40))
def test_arbitrary_text_is_exact_or_left(texts: list[str]) -> None:
    values, taken = _parse(texts)
    for text, value, ok in zip(texts, values, taken, strict=True):
        if ok:
            assert _same(value, float(text)), (text, value)


def test_what_gram_writes() -> None:
    texts = [
        "0.0",
        "1.0",
        "0.63092975357146",
        "0.5",
        "-0.0123",
        "-1.2345678e-05",
        "-7.5e-06",
        "-0",
        "-0.0",
    ]
    assert all(_check(texts))


def test_what_float_alone_parses_is_left() -> None:
    # nan, underscores, 17 significant digits, too long, not numbers at all.
    texts = ["nan", "-inf", "1_0", "0.43067655807339306", "9007199254740993", "1" * 17]
    texts += ["0.6309297535714574"]  # 18 bytes: longer than two words
    texts += ["3.4028235e+38"]  # 10**31: beyond the exact powers of ten
    texts += ["", "abc", "1.2.3", "--1", "1e", "e5", ".", "-", "1e5e", "1-2", " 1"]
    _, taken = _parse(texts)
    assert not any(taken)


def test_spans_longer_than_two_words_are_left() -> None:
    text = "1." + "0" * (MAX_BYTES - 1)
    _, taken = _parse([text, "2.5"])
    assert taken == [False, True]


def test_signs_and_exponents() -> None:
    texts = ["+1.5", "1e5", "1E5", "-1.5E+03", "2.5e-3", ".5", "5.", "-.5e-3", "1e-400"]
    values, taken = _parse(texts)
    for text, value, ok in zip(texts, values, taken, strict=True):
        assert not ok or _same(value, float(text))
    assert taken[:-1] == [True] * (len(texts) - 1)
    assert not taken[-1] or math.isclose(values[-1], 0.0)
