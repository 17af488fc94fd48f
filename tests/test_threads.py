"""Conversions and kernel on several threads (issue 5, item 4) at a size where every column
conversion really splits into ranges (the core gives a thread at least 16,384 rows):

* results are byte-identical for 1, 2, 5 and 200 threads (more than the 64 unsorted input
  uses), sorted or shuffled, with dense integer member ids (placed by member through a
  counting sort) or text ids (factorized first);
* a bad value names the *first* bad row in the caller's index, whatever the thread count,
  for every converted column (labels, dates, levels, amounts).
Run: ``python -m pytest tests/test_threads.py -q``.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
import pytest

yibao = pytest.importorskip("yibao")

from test_determinism import fingerprint  # noqa: E402

N: Final = 120_000
THREADS: Final = (1, 2, 5, 200)


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    frame = yibao.datasets.synthetic_claims(N, seed=11, year=2024)
    frame.index = pd.Index([f"c{i}" for i in range(N)], name="claim")
    return frame


@pytest.fixture(scope="module")
def expected(claims: pd.DataFrame) -> dict[str, str]:
    return fingerprint(yibao.adjudicate(claims, "chongqing", threads=1))


@pytest.mark.parametrize("threads", THREADS)
def test_sorted_input_same_bytes(
    claims: pd.DataFrame, expected: dict[str, str], threads: int
) -> None:
    assert fingerprint(yibao.adjudicate(claims, "chongqing", threads=threads)) == expected


@pytest.mark.parametrize("ids", ["dense int", "text"])
@pytest.mark.parametrize("threads", THREADS)
def test_shuffled_input_same_bytes(
    claims: pd.DataFrame, expected: dict[str, str], threads: int, ids: str
) -> None:
    # A shuffle that keeps each member's same-day rows in input order (the ordering rule).
    key = claims["member_id"].astype(str) + "|" + claims["date"].astype(str)
    rank = (
        pd.Series(np.random.default_rng(3).permutation(N)).groupby(key.to_numpy()).transform("min")
    )
    shuffled = claims.iloc[np.lexsort((np.arange(N), rank.to_numpy()))]
    if ids == "text":
        shuffled = shuffled.assign(member_id="m" + shuffled["member_id"].astype(str))
    got = yibao.adjudicate(shuffled, "chongqing", threads=threads).loc[claims.index]
    assert fingerprint(got) == expected


def _spoil(claims: pd.DataFrame, column: str, value: Any, dtype: Any = None) -> pd.DataFrame:
    """``claims`` with ``value`` at positions 70,000 and 110,000 of ``column``."""
    bad = claims.copy()
    values = bad[column].astype(object if dtype is None else dtype)  # a copy
    values.iloc[[70_000, 110_000]] = value
    bad[column] = values
    if dtype is None:  # labels as Arrow strings: the core matches them in place
        bad[column] = bad[column].astype("str")
    return bad


BAD: Final = [
    ("status", "pensioner", None),
    ("service", "dental", None),
    ("tier", "gold", None),
    ("date", pd.NaT, "datetime64[ns]"),
    ("prescriber_level", 7, "Int8"),
    ("eligible", -1.0, "float64"),
    ("eligible", 1.005, "float64"),
]


@pytest.mark.parametrize(("column", "value", "dtype"), BAD, ids=[f"{c}={v}" for c, v, _ in BAD])
@pytest.mark.parametrize("threads", THREADS)
def test_first_bad_row_named(
    claims: pd.DataFrame, column: str, value: Any, dtype: Any, threads: int
) -> None:
    bad = _spoil(claims, column, value, dtype)
    with pytest.raises(yibao.InputError) as info:
        yibao.adjudicate(bad, "chongqing", threads=threads)
    assert info.value.column == column
    assert info.value.row == "c70000"
