"""Threads, out-of-core Parquet and Dask give exactly the single-threaded pandas result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import yibao
from yibao.datasets import synthetic
from yibao.stream import adjudicate_parquet

OUTPUTS = ["deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid", "rule"]


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    _, frame = synthetic(members=300, year=2024, seed=3)
    return frame


@pytest.fixture(scope="module")
def expected(claims: pd.DataFrame) -> pd.DataFrame:
    return yibao.adjudicate(claims, "ili", threads=1)


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    for column in OUTPUTS:
        assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), column


@pytest.mark.parametrize("threads", [2, 3, 7, 64])
def test_threads_give_identical_results(
    claims: pd.DataFrame, expected: pd.DataFrame, threads: int
) -> None:
    _same(yibao.adjudicate(claims, "ili", threads=threads), expected)


@pytest.mark.parametrize("batch_rows", [1, 37, 1000, 10**6])
def test_parquet_stream_equals_pandas(
    tmp_path: Path, claims: pd.DataFrame, expected: pd.DataFrame, batch_rows: int
) -> None:
    src, dst = tmp_path / "claims.parquet", tmp_path / "out.parquet"
    claims.to_parquet(src, index=False)
    seen: list[int] = []
    written = adjudicate_parquet(src, dst, "ili", batch_rows=batch_rows, progress=seen.append)
    assert written == len(claims) == seen[-1]
    _same(pd.read_parquet(dst), expected.reset_index(drop=True))


def test_parquet_stream_refuses_unsorted_members(tmp_path: Path, claims: pd.DataFrame) -> None:
    src = tmp_path / "claims.parquet"
    claims.iloc[::-1].to_parquet(src, index=False)
    with pytest.raises(yibao.InputError, match="sorted by member_id"):
        adjudicate_parquet(src, tmp_path / "out.parquet", "ili", batch_rows=50)


def test_parquet_stream_of_empty_file(tmp_path: Path, claims: pd.DataFrame) -> None:
    src, dst = tmp_path / "claims.parquet", tmp_path / "out.parquet"
    claims.iloc[:0].to_parquet(src, index=False)
    assert adjudicate_parquet(src, dst, "ili") == 0
    assert pd.read_parquet(dst).empty


_DASK_SCRIPT = """
import sys
import pandas as pd
import dask.dataframe as dd
import distributed
import yibao.dask

claims = pd.read_pickle(sys.argv[1])  # keeps the Arrow decimal dtype exactly
with distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster:
    with distributed.Client(cluster):
        for n in (1, 4, 13):
            shuffled = claims.sample(frac=1.0, random_state=n)  # any partitioning
            ddf = dd.from_pandas(shuffled, npartitions=n)
            got = yibao.dask.adjudicate(ddf, "ili").compute().sort_index()
            got.to_parquet(f"{sys.argv[2]}/dask_{n}.parquet")
"""


def test_dask_equals_pandas_on_a_local_cluster(
    tmp_path: Path, claims: pd.DataFrame, expected: pd.DataFrame
) -> None:
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("distributed")
    # A fresh interpreter: a cluster's event loop must not meet the loops other tests leave
    # behind (the notebook kernel's, pytester's) in this process.
    src = tmp_path / "claims.pkl"
    claims.to_pickle(src)
    subprocess.run(
        [sys.executable, "-c", _DASK_SCRIPT, str(src), str(tmp_path)], check=True, timeout=300
    )
    for n in (1, 4, 13):
        _same(pd.read_parquet(tmp_path / f"dask_{n}.parquet"), expected.sort_index())
