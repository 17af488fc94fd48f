"""Other pooled payments and inpatient stays (issue 16) through the out-of-core routes.

``yibao.dask.adjudicate`` and ``yibao.adjudicate_parquet`` cut the claims into pieces of whole
members and pass their options to :func:`yibao.adjudicate` piece by piece; ``other_paid=`` and
``stays=`` go whole to every piece, where only the piece's members' rows count. The result must
be the in-memory one, row for row, however the claims are cut.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import yibao
import yibao.dask
from yibao.datasets import synthetic_claims

OUTPUTS = ["deductible", "fund_paid", "supplementary_paid", "self_pay", "capped", "ytd_fund_paid"]
# Ili's supplementary fund has no parameters in the text: supplied here (伊犁 第十五条).
POLICY = yibao.load_policy("ili").replace({"supplementary_cap": 500})


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    frame = synthetic_claims(3_000, seed=16, year=2024).sort_values(
        ["member_id", "date"], kind="stable"
    )
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def context(claims: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Large inpatient payments early in the year for every third member (so that the 100,000
    limit binds and the supplementary fund pays), and a stay for every fifth."""
    members = np.unique(claims["member_id"].to_numpy())
    paying = members[::3]
    staying = members[::5]
    other_paid = pd.DataFrame(
        {
            "member_id": paying,
            "date": pd.Timestamp("2024-01-01"),
            "amount": [Decimal(f"{99_800 + (i % 7) * 25}.50") for i in range(len(paying))],
        }
    )
    stays = pd.DataFrame(
        {
            "member_id": staying,
            "admit": pd.Timestamp("2024-03-01"),
            "discharge": pd.Timestamp("2024-04-15"),
        }
    )
    return {"other_paid": other_paid, "stays": stays}


@pytest.fixture(scope="module")
def expected(claims: pd.DataFrame, context: dict[str, pd.DataFrame]) -> pd.DataFrame:
    result = yibao.adjudicate(claims, POLICY, **context)
    # The context really moves money, so that agreeing below means something.
    plain = yibao.adjudicate(claims, POLICY)
    assert (result["supplementary_paid"] > 0).any()
    assert result["rule"].astype(str).str.contains("inpatient stay").any()
    assert (result["fund_paid"] != plain["fund_paid"]).any()
    return result


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    for column in [*OUTPUTS, "rule"]:
        assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), column


def test_adjudicate_parquet_takes_the_context(
    tmp_path: Path,
    claims: pd.DataFrame,
    context: dict[str, pd.DataFrame],
    expected: pd.DataFrame,
) -> None:
    source, destination = tmp_path / "claims.parquet", tmp_path / "out.parquet"
    claims.to_parquet(source, index=False)
    written = yibao.adjudicate_parquet(source, destination, POLICY, batch_rows=400, **context)
    assert written == len(claims)
    _same(pq.read_table(destination).to_pandas(), expected)


dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")


def test_dask_takes_the_context(
    dask_client: object, claims: pd.DataFrame, context: dict[str, pd.DataFrame]
) -> None:
    # Members interleaved across partitions; the in-memory result of the same frame is the
    # reference (a member-day's rows fall on the deductible in the frame's order).
    interleaved = claims.iloc[np.argsort(np.arange(len(claims)) % 5, kind="stable")]
    ddf = dd.from_pandas(interleaved, npartitions=5, sort=False)
    got = yibao.dask.adjudicate(ddf, POLICY, **context).compute()
    want = yibao.adjudicate(interleaved, POLICY, **context)
    assert (want["supplementary_paid"] > 0).any()
    _same(got.loc[want.index], want)
