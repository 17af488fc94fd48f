"""yibao on Spark (and Hive tables): the same adjudication over a Spark DataFrame (issue 19).

A member's deductible and caps run over the year, so every member's rows must be
adjudicated together and in order. :func:`adjudicate`

1. numbers the rows in input order before anything moves them
   (``monotonically_increasing_id``: a read of a table or file numbers its rows in read order),
2. repartitions by ``member_id`` (every member's rows in one partition),
3. sorts each partition by member, date and that input position (so one member's rows of
   one day keep their input order, which decides who reaches the deductible and caps first),
4. adjudicates each whole partition through Arrow (``mapInArrow``; the batches of a partition
   are put together first, so no member is cut at a batch boundary) with
   :func:`yibao.adjudicate`, single-threaded (Spark supplies the parallelism).

The result equals :func:`yibao.adjudicate` on the same rows in the same order. Money comes
back as exact ``decimal(18,2)`` columns, ``rule`` as a string. Needs ``pyspark`` (the
``yibao[spark]`` extra) and Java; yibao must be installed on the executors too.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from .adjudicate import OUTPUT_COLUMNS, as_policy
from .adjudicate import adjudicate as _adjudicate
from .policy import Policy

__all__ = ["POSITION_COLUMN", "adjudicate"]

POSITION_COLUMN = "_yibao_input_position"
_MONEY = pa.decimal128(18, 2)


def _output_fields() -> list[pa.Field]:
    return [pa.field(name, _MONEY) for name in OUTPUT_COLUMNS[:-1]] + [
        pa.field("rule", pa.string())
    ]


def _adjudicate_partition(
    batches: Iterator[pa.RecordBatch],
    policy: Policy,
    options: dict[str, Any],
    schema: pa.Schema,
    keep_position: bool,
) -> Iterator[pa.RecordBatch]:
    """One whole partition: its batches joined, adjudicated, given back as one table."""
    table = pa.Table.from_batches(list(batches))
    if table.num_rows == 0:
        return
    claims = table.drop_columns([POSITION_COLUMN]) if not keep_position else table
    frame = claims.to_pandas(
        types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None,
        date_as_object=False,
    )
    result = _adjudicate(frame, policy, **options)
    ours = pa.Table.from_pandas(
        result[list(OUTPUT_COLUMNS)].assign(rule=result["rule"].astype(str)),
        preserve_index=False,
    )
    out = claims
    for name in OUTPUT_COLUMNS:
        out = out.append_column(name, ours.column(name))
    yield from out.cast(schema).to_batches()


def adjudicate(
    sdf: Any,
    policy: str | Policy,
    *,
    partitions: int | None = None,
    keep_position: bool = False,
    **options: Any,
) -> Any:
    """Adjudicate a ``pyspark.sql.DataFrame`` of claims, every member in one partition.

    Parameters
    ----------
    sdf
        Claims with the columns of :func:`yibao.adjudicate` (``member_id``, ``date``,
        ``level``, ``eligible``, ...), e.g. ``spark.table("claims_2024")``. Amounts as
        ``decimal`` (exact) or integers; a ``double`` column goes through each value's
        shortest decimal, as in pandas.
    policy
        Region key, policy file path or :class:`~yibao.Policy` (pickled to the executors).
    partitions
        Number of partitions to spread the members over; default Spark's
        ``spark.sql.shuffle.partitions``. A partition is adjudicated in memory at once.
    keep_position
        Keep the input position column (``_yibao_input_position``, increasing in input
        order) in the result, e.g. to write the rows back in input order.
    **options
        Passed to :func:`yibao.adjudicate` (``rounding``, ``unit``). ``money`` is always
        ``"decimal"``; each partition runs on one thread unless ``threads`` is given.

    Returns
    -------
    pyspark.sql.DataFrame
        Every input column, then ``deductible``, ``fund_paid``, ``self_pay``, ``capped``,
        ``ytd_fund_paid`` as ``decimal(18,2)`` and ``rule`` as a string. Lazy, like every
        Spark DataFrame: nothing runs until it is written or collected.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    if "money" in options and options["money"] != "decimal":
        raise ValueError("yibao.spark gives exact decimal(18,2) money only; cast afterwards")
    options = {k: v for k, v in options.items() if k != "money"}
    options.setdefault("threads", 1)
    pol = as_policy(policy)
    if POSITION_COLUMN in sdf.columns:
        raise ValueError(f"the claims already have a column {POSITION_COLUMN!r}")
    taken = [c for c in OUTPUT_COLUMNS if c in sdf.columns]
    if taken:
        raise ValueError(f"the claims already have yibao's output column(s) {', '.join(taken)}")

    # Taken before the shuffle: it numbers the rows in the order they were read.
    numbered = sdf.withColumn(POSITION_COLUMN, F.monotonically_increasing_id())
    spread = (
        numbered.repartition(partitions, "member_id")
        if partitions is not None
        else numbered.repartition("member_id")
    )
    ordered = spread.sortWithinPartitions("member_id", "date", POSITION_COLUMN)

    zone = sdf.sparkSession.conf.get("spark.sql.session.timeZone")
    try:
        in_schema = to_arrow_schema(ordered.schema, timezone=zone)
    except TypeError:  # pyspark < 4: no time zone argument (timestamps in UTC)
        in_schema = to_arrow_schema(ordered.schema)
    kept = (
        in_schema if keep_position else in_schema.remove(in_schema.get_field_index(POSITION_COLUMN))
    )
    out_schema = pa.schema([*kept, *_output_fields()])

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _adjudicate_partition(batches, pol, options, out_schema, keep_position)

    with warnings.catch_warnings():
        # PySpark checks the pandas version on mapInArrow; only Arrow crosses here.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
        return ordered.mapInArrow(run, from_arrow_schema(out_schema))
