"""Issue 20, break 1: Dask keeps one member's same-day rows in the input's order.

A member's deductible and caps fall on the rows in input order within a day, so a shuffle
that reorders same-day rows pays other rows. Every member-day here has several rows with
different amounts, spread over partitions, for every shuffle method and scheduler.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import yibao
import yibao.dask

dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

OUTPUTS = ["deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid", "rule"]


def _same_day_claims() -> pd.DataFrame:
    """8 members x 6 days x 4 rows, interleaved so each member-day spans partitions."""
    rng = np.random.default_rng(20)
    rows = []
    for member in range(8):
        for day in range(6):
            for _ in range(4):
                rows.append(
                    {
                        "member_id": member,
                        "date": pd.Timestamp("2024-03-01") + pd.Timedelta(days=day),
                        "level": int(rng.integers(1, 4)),
                        "eligible": float(rng.integers(1, 40_000)) / 100,
                        "status": "in_service" if member % 2 else "retired",
                        "institution_id": f"H{member}",
                    }
                )
    frame = pd.DataFrame(rows)
    # Interleave members so one member-day's rows land in different input partitions.
    order = np.argsort(np.arange(len(frame)) % 7, kind="stable")
    return frame.iloc[order].set_index(pd.Index([f"c{i:04d}" for i in range(len(frame))]))


def _check(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got = got.loc[want.index]
    for column in OUTPUTS:
        assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), column


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return _same_day_claims()


@pytest.fixture(scope="module")
def expected(claims: pd.DataFrame) -> pd.DataFrame:
    return yibao.adjudicate(claims, "ili")


@pytest.mark.parametrize("method", ["tasks", "disk"])
def test_default_scheduler_keeps_same_day_order(
    claims: pd.DataFrame, expected: pd.DataFrame, method: str
) -> None:
    ddf = dd.from_pandas(claims, npartitions=7, sort=False)
    with dask.config.set({"dataframe.shuffle.method": method}):
        got = yibao.dask.adjudicate(ddf, "ili").compute()
    _check(got, expected)


@pytest.mark.parametrize("method", ["tasks", "p2p"])
def test_local_cluster_keeps_same_day_order(
    dask_client: object, claims: pd.DataFrame, expected: pd.DataFrame, method: str
) -> None:
    ddf = dd.from_pandas(claims, npartitions=7, sort=False)
    with dask.config.set({"dataframe.shuffle.method": method}):
        got = yibao.dask.adjudicate(ddf, "ili").compute()
    _check(got, expected)


def test_result_keeps_the_input_columns(claims: pd.DataFrame) -> None:
    ddf = dd.from_pandas(claims, npartitions=3, sort=False)
    got = yibao.dask.adjudicate(ddf, "ili").compute()
    assert list(got.columns[: len(claims.columns)]) == list(claims.columns)
    assert len(got) == len(claims)
