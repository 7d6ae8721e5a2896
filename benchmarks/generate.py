"""Deterministic generator of synthetic GRAM / GRAM-C datasets for benchmarks.

The shape follows the real Amazon 5-core data (see ``../shared/datasets``):

* item IDs are 10 characters: ASIN-like (``B0`` + 8 of ``[0-9A-Z]``) and ISBN-like
  all-digit IDs (about 10% of those start with ``0``, the IDs that lose their leading
  zeros through ``int()``);
* popularity is Zipf-like (exponent 0.5 over the catalogue, as flat as Beauty's);
* sequence lengths are 5 + a negative binomial (mean about 8.9, long tail), so users are
  about interactions / 9 and items about interactions / 16;
* the mapping ``item_id_to_gcn_index.json`` has values 1..N in the order of a shuffled
  catalogue, ``indent=2`` like the trainer's own files, with either bare IDs (``asin``)
  or whole metadata lines (``whole-line``) as keys: the original bug.

The same seed and size always give byte-identical files. Everything is vectorised with
numpy except the whole-line keys, which are formatted item by item from batched random
draws (100M interactions: about 2.5 minutes for ASIN keys, 4 for whole-line keys, under
1 GB of memory).

    python benchmarks/generate.py --interactions 10000000 --keys whole-line OUT_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
DIGITS = ALPHABET[:10]
_VOCABULARY = """shea butter natural rich raw nuts cream lotion body shop bath lily coral pink
nail polish lacquer shimmer red matte gloss lip balm mango coconut argan oil hair
conditioner curly dead sea salt soap facial serum anti aging vitamin brush palette
eye shadow liner mascara volume long wear foundation powder"""
WORDS = _VOCABULARY.split()
CATEGORY_CHOICES = ["beauty, skin care, body", "beauty, makeup, nails", "beauty, hair care"]


def _encode(values: np.ndarray, width: int, alphabet: np.ndarray) -> np.ndarray:
    """Fixed-width digits of ``values`` in base ``len(alphabet)``, as an (n, width) byte matrix."""
    base = len(alphabet)
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.astype(np.int64)
    for column in range(width - 1, -1, -1):
        out[:, column] = alphabet[rest % base]
        rest //= base
    return out


def _distinct(n: int, modulus: int, multiplier: int, offset: int) -> np.ndarray:
    """``n`` distinct integers below ``modulus`` (an affine bijection of 0..modulus-1)."""
    return (np.arange(n, dtype=np.int64) * multiplier + offset) % modulus


def item_ids(n_items: int, rng: np.random.Generator) -> np.ndarray:
    """``n_items`` distinct 10-byte item IDs, ASIN-like and ISBN-like, shuffled."""
    n_isbn = n_items // 10
    n_asin = n_items - n_isbn
    asin = np.empty((n_asin, 10), dtype=np.uint8)
    asin[:, 0] = ord("B")
    asin[:, 1] = ord("0")
    # 36**8 is a multiple of 2 and 3 only, so any multiplier coprime to 6 is a bijection.
    asin[:, 2:] = _encode(_distinct(n_asin, 36**8, 1_234_567_891, 987_654_321), 8, ALPHABET)
    isbn = _encode(_distinct(n_isbn, 10**10, 7_777_777_777, 123_456_789), 10, DIGITS)
    ids = np.concatenate([asin, isbn])
    return ids[rng.permutation(n_items)]


def user_ids(n_users: int) -> np.ndarray:
    """``n_users`` distinct 12-byte user IDs (``A`` + 11 of ``[0-9A-Z]``)."""
    out = np.empty((n_users, 12), dtype=np.uint8)
    out[:, 0] = ord("A")
    out[:, 1:] = _encode(_distinct(n_users, 36**11, 48_271_000_001, 5_555_555), 11, ALPHABET)
    return out


def sequence_lengths(interactions: int, rng: np.random.Generator) -> np.ndarray:
    """Lengths of at least 5 that sum to exactly ``interactions``."""
    if interactions < 5:
        raise ValueError("at least 5 interactions are needed for one 5-core user")
    estimate = interactions // 8 + 16
    lengths = 5 + rng.negative_binomial(0.6, 0.6 / (0.6 + 3.9), size=estimate)
    while lengths.sum() < interactions:
        lengths = np.concatenate([lengths, 5 + rng.negative_binomial(0.6, 0.134, estimate)])
    total = np.cumsum(lengths)
    n_users = int(np.searchsorted(total, interactions)) + 1
    lengths = lengths[:n_users].copy()
    lengths[-1] -= int(total[n_users - 1]) - interactions
    if lengths[-1] < 5 and n_users > 1:  # fold a short remainder into the previous user
        lengths[-2] += lengths[-1]
        lengths = lengths[:-1]
    return lengths.astype(np.int64)


def write_sequences(
    path: Path,
    users: np.ndarray,
    lengths: np.ndarray,
    items: np.ndarray,
    popularity: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Write ``user_sequence.txt``, drawing each slot from the Zipf popularity."""
    cumulative = np.cumsum(popularity)
    cumulative /= cumulative[-1]
    user_width, item_width = users.shape[1], items.shape[1]
    chunk = 200_000
    with path.open("wb") as out:
        for start in range(0, len(lengths), chunk):
            part = lengths[start : start + chunk]
            n_tokens = int(part.sum())
            drawn = np.searchsorted(cumulative, rng.random(n_tokens), side="right")
            drawn = np.minimum(drawn, len(items) - 1)
            line_bytes = user_width + part * (item_width + 1) + 0  # user, then " ITEM" per item
            line_bytes = line_bytes + 1  # newline
            ends = np.cumsum(line_bytes)
            starts = ends - line_bytes
            buffer = np.empty(int(ends[-1]), dtype=np.uint8)
            user_pos = starts[:, None] + np.arange(user_width)
            buffer[user_pos] = users[start : start + len(part)]
            line_of_token = np.repeat(np.arange(len(part)), part)
            first_token = np.cumsum(part) - part
            rank = np.arange(n_tokens) - first_token[line_of_token]
            token_start = starts[line_of_token] + user_width + rank * (item_width + 1)
            buffer[token_start] = ord(" ")
            buffer[token_start[:, None] + 1 + np.arange(item_width)] = items[drawn]
            buffer[ends - 1] = ord("\n")
            out.write(buffer.tobytes())


def whole_line_texts(items: list[str], rng: np.random.Generator) -> list[str]:
    """Metadata lines shaped like ``item_plain_text.txt`` (``ID title: ...; brand: ...``).

    Random draws are made for a whole batch at once; descriptions have 0..16 words, so a
    line is about 220 characters (the real-format Beauty slice in ``examples/`` averages
    119, and real descriptions run longer; a 6M-item mapping of ~500-character keys is
    beyond what orjson can load at all).
    """
    n = len(items)
    words = rng.integers(0, len(WORDS), size=(n, 24))
    description_words = rng.integers(0, 17, size=n)
    prices = rng.integers(100, 9999, size=n)
    ranks = rng.integers(1, 10**6, size=n)
    lines = []
    for item, w, d, price, rank in zip(
        items,
        words.tolist(),
        description_words.tolist(),
        prices.tolist(),
        ranks.tolist(),
        strict=True,
    ):
        title = " ".join([WORDS[i] for i in w[:8]])
        description = " ".join([WORDS[i] for i in w[8 : 8 + d]]) or "na"
        lines.append(
            f"{item} title: {title}; brand: {WORDS[w[0]]}; "
            f"categories: {CATEGORY_CHOICES[w[1] % 3]}; description: {description}; "
            f"price: {price // 100}.{price % 100:02d}; salesrank: beauty: {rank}"
        )
    return lines


def write_mapping(path: Path, items: np.ndarray, keys: str, rng: np.random.Generator) -> None:
    """Write the mapping, values 1..N in catalogue order, ``indent=2`` like GRAM-C's file."""
    names = items.view(f"S{items.shape[1]}").ravel().astype(str).tolist()
    batch = 100_000
    with path.open("w", encoding="utf-8") as out:
        out.write("{\n")
        for start in range(0, len(names), batch):
            part = names[start : start + batch]
            if keys == "whole-line":
                part = whole_line_texts(part, rng)
            last = start + len(part) == len(names)
            lines = [
                f"  {json.dumps(key, ensure_ascii=False)}: {start + offset + 1}"
                for offset, key in enumerate(part)
            ]
            out.write(",\n".join(lines) + ("\n" if last else ",\n"))
        out.write("}")


def generate(out_dir: Path, interactions: int, keys: str, seed: int) -> dict[str, int]:
    """Write one synthetic dataset folder and return its sizes."""
    rng = np.random.default_rng(seed)
    lengths = sequence_lengths(interactions, rng)
    n_items = max(20, interactions // 16)
    items = item_ids(n_items, rng)
    popularity = 1.0 / np.sqrt(np.arange(1, n_items + 1, dtype=np.float64))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_sequences(
        out_dir / "user_sequence.txt", user_ids(len(lengths)), lengths, items, popularity, rng
    )
    write_mapping(out_dir / "item_id_to_gcn_index.json", items, keys, rng)
    return {"users": len(lengths), "interactions": int(lengths.sum()), "catalogue": n_items}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--keys", choices=["asin", "whole-line"], default="asin")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes = generate(args.out_dir, args.interactions, args.keys, args.seed)
    print(json.dumps(sizes), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
