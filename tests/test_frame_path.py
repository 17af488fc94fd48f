"""The one-pass fast path (``yibao._frame``, ``yibao::adjudicate_frame``) against the general
path (every column converted first, then the kernel), which is the reference.

* On frames of the fast path's dtypes, for every region and thread count: byte-identical
  results, and the fast path really runs.
* Unsorted rows with dense ids: converted in C++ and ordered by the kernel, the same bytes.
* It declines (None) for unsorted sparse ids (the general path factorizes them first), and
  for every kind of bad value, and ``yibao.adjudicate`` then raises exactly the general
  path's error, wherever the bad row falls (first row, a block boundary, a thread boundary,
  the last row).
Run: ``python -m pytest tests/test_frame_path.py -q``.
"""

from __future__ import annotations

import sys
from typing import Any, Final

import numpy as np
import pandas as pd
import pytest

yibao = pytest.importorskip("yibao")

from yibao import _core, _frame  # noqa: E402

DECIMAL: Final = _core.MoneyLayout.decimal128
REGIONS: Final = ("chongqing", "jining", "nanchang", "ili")
YEAR: Final = {"chongqing": 2024, "jining": 2023, "nanchang": 2023, "ili": 2022}
N: Final = 50_000  # > 2 blocks of 16,384 rows, and > 2 threads' minimum share


def frame_for(region: str, n: int = N, seed: int = 5) -> pd.DataFrame:
    """Sorted claims with the fast path's dtypes: int64 ids, datetime64[ns], int8 levels,
    float64 amounts, Arrow strings, nullable Int8 prescriber levels."""
    rng = np.random.default_rng(seed)
    member = np.sort(rng.integers(0, n // 8, n))
    day = rng.integers(0, 700, n)
    order = np.lexsort((day, member))
    member, day = member[order], day[order]
    service = rng.choice(["general", "general", "pharmacy", "internet", "emergency"], n)
    retired = rng.random(n // 8 + 1) < 0.35
    fen = np.where(
        rng.random(n) < 0.08, rng.integers(50_000, 900_000, n), rng.integers(0, 40_000, n)
    )
    frame = pd.DataFrame(
        {
            "member_id": member.astype(np.int64),
            "date": (np.datetime64(f"{YEAR[region]}-01-01") + day).astype("datetime64[ns]"),
            "level": rng.integers(0, 4, n).astype(np.int8),
            "eligible": fen / 100.0,
            "status": pd.array(np.where(retired[member], "retired", "在职"), dtype="str"),
            "service": pd.array(service, dtype="str"),
            "tier": pd.array(rng.choice(["employer", "individual_1", "个人二档"], n), dtype="str"),
            "prescriber_level": pd.array(
                np.where(service == "pharmacy", rng.integers(0, 4, n), -1), dtype="Int8"
            ),
        },
        index=pd.RangeIndex(100, 100 + n),
    )
    frame["prescriber_level"] = frame["prescriber_level"].where(service == "pharmacy")
    if region == "ili":
        frame["institution_id"] = rng.integers(0, 5, n).astype(np.int64)
    return frame


def general(claims: pd.DataFrame, region: str, threads: int) -> dict[str, np.ndarray]:
    adjudicate_module = sys.modules["yibao.adjudicate"]
    policy = yibao.load_policy(region)
    return adjudicate_module._adjudicate_arrays(
        claims, policy, None, None, "yuan", threads, DECIMAL
    )


def fast(claims: pd.DataFrame, region: str, threads: int) -> dict[str, np.ndarray] | None:
    core = yibao.load_policy(region).core
    return _frame.adjudicate_frame(claims, core, rounding=None, threads=threads, layout=DECIMAL)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("region", REGIONS)
def test_same_results_as_general_path(region: str, threads: int) -> None:
    claims = frame_for(region)
    got = fast(claims, region, threads)
    assert got is not None, "the fast path declined a frame of its own dtypes"
    want = general(claims, region, 1)
    for name, column in want.items():
        np.testing.assert_array_equal(got[name], column, err_msg=name)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_unsorted_rows_same_results_as_general_path(threads: int) -> None:
    # Out of order at the first row, a block boundary, a thread boundary, the last row: the
    # in-place attempt stops, every column is converted, and the kernel orders the rows.
    claims = frame_for("chongqing")
    for a, b in [(0, 1), (16_383, 16_384), (N // 2 - 1, N // 2), (N - 2, N - 1)]:
        swapped = claims.copy()
        members = swapped["member_id"].to_numpy().copy()
        members[[a, b]] = (
            members[[b, a]] if members[a] != members[b] else (members[b] + 1, members[a])
        )
        swapped["member_id"] = members
        if np.all(np.diff(members) >= 0):
            continue  # the swap happened to keep the order
        got = fast(swapped, "chongqing", threads)
        assert got is not None, "dense ids, unsorted: converted in C++ and ordered by the kernel"
        want = general(swapped, "chongqing", 1)
        for name, column in want.items():
            np.testing.assert_array_equal(got[name], column, err_msg=f"{name}, swap {a}/{b}")
    shuffled = claims.sample(frac=1.0, random_state=4)
    got = fast(shuffled, "chongqing", threads)
    assert got is not None
    for name, column in general(shuffled, "chongqing", 1).items():
        np.testing.assert_array_equal(got[name], column, err_msg=f"{name}, shuffled")
    # A bad value in unsorted rows: declined, and the general path's error.
    bad = _with(shuffled, "eligible", -1.0, [N // 3])
    assert fast(bad, "chongqing", threads) is None
    with pytest.raises(yibao.InputError) as error:
        yibao.adjudicate(bad, "chongqing", threads=threads)
    assert error.value.column == "eligible" and error.value.row == bad.index[N // 3]


@pytest.mark.parametrize("threads", [1, 2])
def test_declines_unsorted_sparse_ids(threads: int) -> None:
    # Sparse ids are factorized first by the general path (for its counting sort).
    claims = frame_for("chongqing").sample(frac=1.0, random_state=5)
    claims["member_id"] = claims["member_id"] * 1_000_003 + 10**15
    assert fast(claims, "chongqing", threads) is None
    got = yibao.adjudicate(claims, "chongqing", threads=threads, money="fen")
    want = general(claims, "chongqing", threads)
    np.testing.assert_array_equal(got["fund_paid"].to_numpy(), want["fund_paid"][:, 0])


def _with(claims: pd.DataFrame, column: str, value: Any, rows: list[int]) -> pd.DataFrame:
    bad = claims.copy()
    values = bad[column].astype(object)
    values.iloc[rows] = value
    dtype = bad[column].dtype
    bad[column] = values.astype(dtype) if value is not None or column != "status" else values
    return bad


BAD_VALUES: Final = [
    ("status", "pensioner"),
    ("service", "dental"),
    ("tier", "gold"),
    ("level", 4),
    ("level", -1),
    ("eligible", -0.01),
    ("eligible", 2e16),
    ("eligible", 0.015),
    ("eligible", float("nan")),
    ("date", pd.NaT),
    ("prescriber_level", 9),
    ("prescriber_level", -1),
]


@pytest.mark.parametrize("where", [[0], [16_384, 30_000], [N // 2, N // 2 + 1], [N - 1]])
@pytest.mark.parametrize(("column", "value"), BAD_VALUES, ids=[f"{c}={v}" for c, v in BAD_VALUES])
def test_errors_are_the_general_paths(column: str, value: Any, where: list[int]) -> None:
    bad = _with(frame_for("chongqing"), column, value, where)
    assert fast(bad, "chongqing", 2) is None
    with pytest.raises(yibao.InputError) as general_error:
        general(bad, "chongqing", 1)
    with pytest.raises(yibao.InputError) as error:
        yibao.adjudicate(bad, "chongqing", threads=2)
    assert type(error.value) is type(general_error.value)
    assert str(error.value) == str(general_error.value)
    assert error.value.row == bad.index[where[0]]


def test_pharmacy_row_without_prescriber_is_the_general_paths_error() -> None:
    claims = frame_for("chongqing")
    pharmacy = int(np.flatnonzero(claims["service"].to_numpy() == "pharmacy")[3])
    claims.loc[claims.index[pharmacy], "prescriber_level"] = pd.NA
    assert fast(claims, "chongqing", 2) is None
    with pytest.raises(yibao.InputError, match="prescriber_level") as error:
        yibao.adjudicate(claims, "chongqing")
    assert error.value.row == claims.index[pharmacy]


def test_policy_errors_are_the_general_paths() -> None:
    claims = frame_for("chongqing")
    early = claims.copy()
    early.loc[early.index[0], "date"] = pd.Timestamp("2000-01-01")  # before any version
    assert fast(early, "chongqing", 1) is None
    with pytest.raises(yibao.NoVersionInForceError):
        yibao.adjudicate(early, "chongqing")
