"""yibao.spark in Spark local mode equals pandas, same-day rows of one member included.

Needs pyspark and Java: without them the tests are skipped and say so, unless
``YIBAO_REQUIRE_SPARK=1`` (set by .ci/run), which turns the skip into a failure. Few and
small, since a JVM starts slowly.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import yibao


def _skip(reason: str) -> None:
    if os.environ.get("YIBAO_REQUIRE_SPARK") == "1":
        pytest.fail(f"YIBAO_REQUIRE_SPARK=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if importlib.util.find_spec("pyspark") is None:
        _skip("yibao.spark needs pyspark: pip install 'yibao[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _skip("Spark needs Java (Debian: apt-get install default-jre-headless)")
    from pyspark.sql import SparkSession

    # the executors' Python: this one, which has yibao and pyarrow (Spark's default: python3)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("yibao-tests")
        .config("spark.sql.shuffle.partitions", "3")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _same_day_claims(region: str) -> pd.DataFrame:
    """Synthetic claims, each member's rows folded onto few days (several rows per member
    per day), in a shuffled order, so input order decides who reaches each limit first."""
    claims = yibao.datasets.synthetic(members=40, seed=11)[1]
    rng = np.random.default_rng(5)
    claims["date"] = claims["date"].dt.to_period("M").dt.start_time  # one day a month
    claims = claims.sample(frac=1.0, random_state=2).reset_index(drop=True)
    extra = [Decimal(int(x)) for x in rng.integers(0, 400, len(claims))]
    claims["eligible"] = claims["eligible"] + pd.Series(extra, dtype=claims["eligible"].dtype)
    claims.insert(0, "row", np.arange(len(claims)))
    if region != "ili":
        claims = claims.drop(columns=["institution_id"])
    return claims


def _collect(sdf: Any) -> pd.DataFrame:
    """Rows through Arrow (DataFrame.toPandas warns under pandas 3)."""
    return sdf.toArrow().to_pandas(
        types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None
    )


@pytest.mark.parametrize("region", ["jining", "ili"])
def test_spark_equals_pandas(spark: Any, region: str, tmp_path: Path) -> None:
    import yibao.spark

    claims = _same_day_claims(region)
    per_day = claims.groupby(["member_id", "date"]).size()
    assert (per_day >= 3).sum() > 10  # the case this test is about
    path = tmp_path / "claims.parquet"
    pq.write_table(pa.Table.from_pandas(claims, preserve_index=False), path, row_group_size=200)

    # small splits: the file is read as several partitions (in file order), so the shuffle
    # by member interleaves rows from several tasks
    spark.conf.set("spark.sql.files.maxPartitionBytes", "4096")
    source = spark.read.parquet(str(path))
    assert source.rdd.getNumPartitions() > 1
    result = yibao.spark.adjudicate(source, region, partitions=3)
    for name in ("deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid"):
        assert result.schema[name].dataType.simpleString() == "decimal(18,2)"
    got = _collect(result).sort_values("row").reset_index(drop=True)
    want = yibao.adjudicate(claims, region)
    assert len(got) == len(want)
    for name in ("deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid"):
        values = got[name].tolist()
        assert all(isinstance(v, Decimal) for v in values)
        assert values == want[name].tolist(), name
    assert got["rule"].tolist() == want["rule"].astype(str).tolist()
    assert got["member_id"].tolist() == want["member_id"].tolist()


def test_spark_keeps_position(spark: Any) -> None:
    import yibao.spark

    claims = _same_day_claims("jining").head(50)
    # a frame made in Spark (no file): rows numbered in the order given
    sdf = spark.createDataFrame(pa.Table.from_pandas(claims, preserve_index=False)).coalesce(1)
    out = _collect(yibao.spark.adjudicate(sdf, "jining", keep_position=True))
    order = out.sort_values(yibao.spark.POSITION_COLUMN)["row"].tolist()
    assert order == claims["row"].tolist()
