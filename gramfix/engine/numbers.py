"""``float(text)`` for millions of short decimal numbers at once, without a Python object each.

A prediction file holds about fourteen numbers per user; ``float`` costs ~150 ns each,
so a million users would spend seconds on numbers alone. Here every number (up to 16
bytes) is two 64-bit words, and each step works on all of them at once, eight bytes per
operation (SWAR: compare, mask, and turn 8 ASCII digits into their value in three
multiply-shift steps). Bit ``i`` of a 16-bit *position mask* stands for byte ``i``.

The value is exact: it is taken only when the digits make a mantissa of at most 2**53
and the power of ten is at most 22, so that ``mantissa * 10**p`` (or ``/ 10**-p``) is one
correctly rounded IEEE operation: the very double ``float`` returns (Clinger's fast
path). Anything else -- ``nan``, ``1_0``, 17 significant digits, a malformed number --
is left to the caller, who asks ``float``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gramfix.engine.tokens import FRONT

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

#: The longest number taken (two words).
MAX_BYTES = 16
#: Bytes a buffer needs after its last number (the second word is read whole).
PADDING = 16

_U = np.uint64
_ONES = _U(0x0101010101010101)
_HIGH = _U(0x8080808080808080)
_LOW7 = _U(0x7F7F7F7F7F7F7F7F)
_ZEROS = _U(0x3030303030303030)  # eight ASCII '0'
_ABOVE_9 = _U(0x7676767676767676)  # (b & 0x7f) + 0x76 reaches 0x80 exactly when b >= 10
_GATHER = _U(0x0102040810204080)  # collects the high bit of each byte into the top byte
_SPREAD = _U(0x8040201008040201)  # puts bit i of a byte into byte i
_M1 = _U(0x00FF00FF00FF00FF)
_M2 = _U(0x0000FFFF0000FFFF)
_M3 = _U(0xFFFFFFFF)
#: Per count of bytes 0..8: the mask keeping that many low bytes of a word.
_KEEP = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
_POW10 = np.array([float(f"1e{k}") for k in range(23)])  # exact doubles
_UPOW10 = np.array([10**k for k in range(20)], dtype=np.uint64)
_EXACT = _U(1 << 53)
#: Set bits of every 16-bit mask.
_BITS = np.array([bin(m).count("1") for m in range(1 << 16)], dtype=np.int64)


def parse_numbers(padded: bytes | bytearray, starts: I64, lengths: I64) -> tuple[F64, Bools]:
    """``float`` of each span ``[starts, starts + lengths)`` of ``padded`` (positions
    count after FRONT bytes; PADDING bytes must follow the last span), and whether it
    was taken; values not taken are 0.0."""
    n = len(starts)
    values = np.zeros(n, np.float64)
    taken = np.zeros(n, np.bool_)
    fits = np.flatnonzero((lengths >= 1) & (lengths <= MAX_BYTES))
    if len(fits) == 0:
        return values, taken
    if len(fits) < n:
        values[fits], taken[fits] = parse_numbers(padded, starts[fits], lengths[fits])
        return values, taken
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    at = FRONT + starts
    keep_lo = _KEEP[np.minimum(lengths, 8)]
    keep_hi = _KEEP[np.clip(lengths - 8, 0, 8)]
    lo = words[at] & keep_lo
    hi = words[at + 8] & keep_hi
    # GRAM's numbers nearly all read "-d.ddd" or "d.ddd" (one digit before the dot):
    # made all digits by writing '0' over the sign, the dot and the bytes past the end,
    # they are taken when every byte is then a digit and the sign and dot were there.
    negative = (lo & _U(0xFF)) == _U(0x2D)
    marks = np.where(negative, _U(0xFF00FF), _U(0xFF00))  # the sign and dot bytes
    lo_digits = (lo & ~marks) | (_ZEROS & (marks | ~keep_lo))
    hi_digits = hi | (_ZEROS & ~keep_hi)
    simple = (_nondigit(lo_digits) | _nondigit(hi_digits)) == _U(0)
    simple &= (lo & marks) == np.where(negative, _U(0x2E002D), _U(0x2E00))
    dot = negative.astype(np.int64) + 1
    simple &= lengths > dot + 1
    whole = _eight(lo_digits) * _U(100_000_000) + _eight(hi_digits)
    # Byte j weighs 10**(15 - j): close the gap of the dot, drop the padding zeros.
    right = whole % _UPOW10[15 - dot]
    mantissa = ((whole - right) // _U(10) + right) // _UPOW10[16 - lengths]
    fraction = np.clip(lengths - dot - 1, 0, 22)
    value = mantissa.astype(np.float64) / _POW10[fraction]  # below 10**15: exact
    values[:] = np.where(negative, -value, value)
    taken[:] = simple
    rest = np.flatnonzero(~simple)
    if len(rest):
        values[rest], taken[rest] = _general(words, at[rest], lengths[rest], lo[rest], hi[rest])
    return values, taken


def _general(words: U64, at: I64, length: I64, lo: U64, hi: U64) -> tuple[F64, Bools]:
    """Any decimal number: a sign, digits with a dot, an exponent."""
    n = len(at)
    values = np.zeros(n, np.float64)
    inside = (_U(1) << length.astype(np.uint64)) - _U(1)
    nondigit = _mask(_nondigit(lo), _nondigit(hi)) & inside
    dot = _mask(_equal(lo, 0x2E), _equal(hi, 0x2E))
    lower = _U(0x2020202020202020)  # 'E' | 0x20 == 'e'; no other byte becomes 'e'
    expo = _mask(_equal(lo | lower, 0x65), _equal(hi | lower, 0x65))
    minus = _mask(_equal(lo, 0x2D), _equal(hi, 0x2D))
    sign_char = minus | _mask(_equal(lo, 0x2B), _equal(hi, 0x2B))

    has_e = expo != 0
    has_dot = dot != 0
    e_at = np.where(has_e, _lowest(expo), length)
    dot_at = np.where(has_dot, _lowest(dot), e_at)
    sign = (sign_char & _U(1)).astype(np.int64)
    after_e = (e_at + 1).astype(np.uint64)
    e_sign = np.where(has_e, (sign_char >> after_e) & _U(1), _U(0)).astype(np.int64)
    e_negative = np.where(has_e, (minus >> after_e) & _U(1), _U(0)) == 1
    mantissa_digits = e_at - sign - has_dot
    exponent_digits = np.where(has_e, length - e_at - 1 - e_sign, 0)
    # Every byte is a digit but the sign, the dot, the 'e' and the exponent's sign.
    specials = sign + has_dot + has_e + e_sign
    good = _BITS[nondigit.astype(np.int64)] == specials
    good &= dot_at <= e_at
    good &= (mantissa_digits >= 1) & (mantissa_digits <= 16)
    good &= ~has_e | ((exponent_digits >= 1) & (exponent_digits <= 3))

    # The mantissa's digits in place, every other byte (and the exponent) made '0'.
    keep = ~nondigit & ((_U(1) << e_at.astype(np.uint64)) - _U(1))
    whole = _eight(_digits_only(lo, keep & _U(0xFF))) * _U(100_000_000)
    whole += _eight(_digits_only(hi, keep >> _U(8)))  # byte j weighs 10**(15 - j)
    # Close the gap of the dot: digits left of it move one place right.
    right = whole % _UPOW10[np.clip(15 - dot_at, 0, 19)]
    mantissa = np.where(has_dot, (whole - right) // _U(10) + right, whole)
    mantissa //= _UPOW10[np.clip(16 - e_at, 0, 19)]
    fraction = np.where(has_dot, e_at - dot_at - 1, 0)

    exponent = np.zeros(n, np.int64)
    with_e = np.flatnonzero(has_e & good)
    if len(with_e):
        # The exponent's digits end the number: the top bytes of the word ending there.
        last = words[at[with_e] + length[with_e] - 8]
        unused = _KEEP[8 - exponent_digits[with_e]]
        exponent[with_e] = _eight((last & ~unused) | (_ZEROS & unused)).astype(np.int64)
    power = np.where(e_negative, -exponent, exponent) - fraction
    good &= (mantissa <= _EXACT) & ((np.abs(power) <= 22) | (mantissa == 0))
    scale = _POW10[np.clip(np.abs(power), 0, 22)]
    m = mantissa.astype(np.float64)
    value = np.where(power >= 0, m * scale, m / scale)
    negative = (minus & _U(1)) == _U(1)
    values[:] = np.where(good, np.where(negative, -value, value), 0.0)
    return values, good


def _nondigit(w: U64) -> U64:
    """High bit set in every byte that is not an ASCII digit."""
    x = w ^ _ZEROS
    high: U64 = (((x & _LOW7) + _ABOVE_9) | x) & _HIGH
    return high


def _equal(w: U64, byte: int) -> U64:
    """High bit set in every byte equal to ``byte`` (exact: no carry between bytes)."""
    y = w ^ (_U(byte) * _ONES)
    high: U64 = ~(((y & _LOW7) + _LOW7) | y) & _HIGH
    return high


def _mask(lo: U64, hi: U64) -> U64:
    """The high bits of two words' bytes as a 16-bit position mask."""
    low: U64 = ((lo >> _U(7)) * _GATHER) >> _U(56)
    high: U64 = (((hi >> _U(7)) * _GATHER) >> _U(56)) << _U(8)
    return low | high


def _lowest(mask: U64) -> I64:
    """Position of the lowest set bit (mask != 0)."""
    lowest = (mask & (~mask + _U(1))).astype(np.float64)  # a power of two: exact
    position: I64 = (np.frexp(lowest)[1] - 1).astype(np.int64)
    return position


def _digits_only(w: U64, keep: U64) -> U64:
    """The bytes of ``w`` whose bit is set in the 8-bit ``keep``; ASCII '0' elsewhere."""
    spread = (keep * _ONES) & _SPREAD
    full = (((((spread & _LOW7) + _LOW7) | spread) & _HIGH) >> _U(7)) * _U(0xFF)
    kept: U64 = (w & full) | (_ZEROS & ~full)
    return kept


def _eight(w: U64) -> U64:
    """The value of eight ASCII digits (byte 0 the most significant)."""
    x = w - _ZEROS
    x = (x * _U(10) + (x >> _U(8))) & _M1
    x = (x * _U(100) + (x >> _U(16))) & _M2
    value: U64 = (x * _U(10000) + (x >> _U(32))) & _M3
    return value
