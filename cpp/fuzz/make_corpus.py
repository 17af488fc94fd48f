"""Write the seed corpus of yibao_fuzz (cpp/fuzz/corpus/): a few valid inputs per entry point.

Run from anywhere: ``python cpp/fuzz/make_corpus.py``. The byte layout is that of
fuzz_core.cpp; libFuzzer grows the corpus from these seeds.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

OUT = Path(__file__).resolve().parent / "corpus"
NO_ROUNDING, HALF_UP = 3, 0


def parse(text: str, rounding: int = NO_ROUNDING) -> bytes:
    return bytes([0, rounding]) + text.encode()


def double(value: float, rounding: int = NO_ROUNDING) -> bytes:
    return bytes([1, rounding]) + struct.pack("<d", value)


def decimal128(unscaled: int, scale: int, rounding: int = NO_ROUNDING) -> bytes:
    low = unscaled & (2**64 - 1)
    high = unscaled >> 64
    return bytes([2, rounding]) + struct.pack("<bQq", scale, low, high)


def row(
    member: int,
    day: int,
    level: int,
    status: int,
    service: int,
    prescriber: int,
    tier: int,
    fen: int,
    institution: int,
) -> bytes:
    codes = level | (status << 2) | (service << 3)
    return (
        bytes([member])
        + struct.pack("<H", day)
        + bytes([codes, prescriber + 1, tier, institution])
        + struct.pack("<q", fen)
    )


def table(policy: int, threads: int, rows: list[bytes]) -> bytes:
    head = policy | ((threads - 1) << 1)
    return bytes([3, head]) + b"".join(rows)


def frame_row(
    member: int, day: int, level: int, status: int, service: int, tier: int, milli: int
) -> bytes:
    """A row of entry 4 (levels 0..3, prescriber missing, labels by code, a positive amount
    below 5,000 yuan; flags 0: no alias, institution 0)."""
    return (
        bytes([member])
        + struct.pack("<H", day)
        + bytes([level, 0x80, status | (service << 3), tier, 0])
        + milli.to_bytes(5, "big")
    )


def frame(policy: int, threads: int, layouts: list[int], rows: list[bytes]) -> bytes:
    """Entry 4: the same rows read through the layouts that `layouts` (8 bytes) pick."""
    head = policy | ((threads - 1) << 1)
    return bytes([4, head, *layouts]) + b"".join(rows)


SEEDS = [
    parse("12.5"),
    parse("22.5"),
    parse("-0.01"),
    parse("1e+16"),
    parse("0.125", HALF_UP),
    parse("1.2345e-05", HALF_UP),
    parse("abc"),
    parse("99999999999999999999999"),
    double(50.375, HALF_UP),
    double(100.1),
    double(0.1 + 0.2),
    double(1e17),
    double(5e-324, HALF_UP),
    decimal128(12345, 2),
    decimal128(-2250, 3),
    decimal128(10**30, 0),
    decimal128(5, 1),
    # Ili-like: first visit at level 1, then a second visit at level 2 (the worked check).
    table(0, 1, [row(0, 0, 1, 0, 0, -1, 0, 1000, 1), row(0, 1, 2, 0, 0, -1, 0, 10000, 2)]),
    # Ili-like: one visit of two rows hitting the per-visit cap; a pharmacy row; 2023 rows.
    table(
        0,
        3,
        [
            row(1, 10, 1, 0, 0, -1, 0, 1500, 7),
            row(1, 10, 1, 0, 0, -1, 0, 40000, 7),
            row(1, 11, 3, 1, 1, 3, 0, 25000, 1),
            row(2, 400, 2, 1, 0, -1, 0, 900000, 0),
        ],
    ),
    # Jining-like: top-up deductible across levels, annual cap, chronic pool.
    table(
        1,
        2,
        [
            row(0, 400, 1, 0, 0, -1, 0, 8000, 0),
            row(0, 401, 1, 0, 0, -1, 0, 10000, 0),
            row(0, 402, 3, 0, 0, -1, 0, 50000, 0),
            row(0, 403, 2, 0, 0, -1, 0, 900000, 0),
            row(3, 500, 1, 1, 5, -1, 2, 300000, 0),
            row(3, 800, 1, 0, 1, 2, 1, 70000, 0),
        ],
    ),
    # Entry 4, the frame readers: Ili-like rows in 2022-2023 (unsorted), through ns ticks,
    # float64 yuan, int8 levels, large_string labels; then us ticks, fen units, int16 levels,
    # two string chunks and category codes; then date32 days, scale-2 decimals, float64 levels.
    *(
        frame(
            0,
            2,
            layouts,
            [
                frame_row(1, 10, 1, 0, 0, 0, 15000),
                frame_row(0, 400, 2, 1, 0, 1, 250000),
                frame_row(1, 5, 3, 0, 2, 2, 3000),
                frame_row(2, 700, 0, 1, 0, 0, 120),
            ],
        )
        for layouts in (
            [0, 1, 0, 0, 0, 0, 0, 1],
            [1, 2, 1, 1, 1, 2, 5, 0],
            [4, 4, 3, 3, 2, 1, 2, 1],
        )
    ),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for seed in SEEDS:
        (OUT / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    print(f"{len(SEEDS)} seeds in {OUT}")


if __name__ == "__main__":
    main()
