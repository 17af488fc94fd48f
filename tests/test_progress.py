"""Progress bars (tqdm) on long calls: off by default in the library, on when asked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import yibao
from yibao.cli import adjudicate_in_chunks


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return yibao.datasets.synthetic(members=80, seed=4)[1]


def test_chunks_progress_only_when_asked(
    claims: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    adjudicate_in_chunks(claims, "jining", chunk_rows=100)
    assert capsys.readouterr().err == ""
    adjudicate_in_chunks(claims, "jining", chunk_rows=100, progress=True)
    err = capsys.readouterr().err
    assert "adjudicating" in err and f"{len(claims)}/{len(claims)}" in err


def test_parquet_stream_progress(
    claims: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "c.parquet"
    claims.sort_values(["member_id", "date"], kind="stable").to_parquet(src)
    yibao.adjudicate_parquet(src, tmp_path / "a.parquet", "jining", batch_rows=100)
    assert capsys.readouterr().err == ""
    seen: list[int] = []
    yibao.adjudicate_parquet(
        src, tmp_path / "b.parquet", "jining", batch_rows=100, progress=seen.append
    )
    assert seen[-1] == len(claims) and seen == sorted(seen)
    yibao.adjudicate_parquet(src, tmp_path / "c.parquet", "jining", batch_rows=100, progress=True)
    err = capsys.readouterr().err
    assert "adjudicating" in err and f"{len(claims)}/{len(claims)}" in err


def test_dask_progress(claims: pd.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    dd = pytest.importorskip("dask.dataframe")
    import yibao.dask

    ddf = dd.from_pandas(claims, npartitions=3)
    quiet = yibao.dask.adjudicate(ddf, "jining").compute(scheduler="sync")
    assert capsys.readouterr().err == ""
    loud = yibao.dask.adjudicate(ddf, "jining", progress=True)
    n = loud.npartitions
    got = loud.compute(scheduler="sync")
    err = capsys.readouterr().err
    assert "adjudicating" in err and f"{n}/{n}" in err
    assert got.sort_index()["fund_paid"].tolist() == quiet.sort_index()["fund_paid"].tolist()
