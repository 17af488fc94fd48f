"""Out-of-core adjudication of a Parquet dataset sorted by member (issue 5).

The file is read in record batches; every batch is adjudicated by the same kernel and
written out before the next is read, so memory stays bounded by the batch size whatever
the file's size. A member's state (deductible paid, year-to-date fund, visits) must not be
cut at a batch boundary: the rows of the last member of each batch are held back and
adjudicated with the next batch, so each member is always adjudicated whole.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ._progress import rows_progress
from .adjudicate import adjudicate, as_policy
from .errors import InputError
from .policy import Policy

__all__ = ["adjudicate_parquet"]


def _check_sorted(members: pd.Series, previous_last: Any) -> None:
    """Member ids must not decrease: a member seen again later would lose its state."""
    if previous_last is not None and len(members) and members.iloc[0] < previous_last:
        raise InputError(
            f"member_id {members.iloc[0]!r} follows {previous_last!r}: adjudicate_parquet needs "
            "the file sorted by member_id (then date); sort it, or use yibao.adjudicate",
            column="member_id",
        )
    if not members.is_monotonic_increasing:
        bad = int((members.to_numpy()[1:] < members.to_numpy()[:-1]).argmax()) + 1
        raise InputError(
            "adjudicate_parquet needs the file sorted by member_id (then date)",
            column="member_id",
            row=members.index[bad],
        )


def _keep_decimals(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    """Read decimal columns as Arrow decimals (exact, zero-copy), never as Python objects."""
    return pd.ArrowDtype(arrow_type) if pa.types.is_decimal(arrow_type) else None


def _to_arrow(frame: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    frame = frame.assign(rule=frame["rule"].astype(str))  # categories differ between batches
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return table if schema is None else table.cast(schema)


def adjudicate_parquet(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    policy: str | Policy,
    *,
    batch_rows: int = 1_000_000,
    progress: Callable[[int], None] | bool | None = None,
    **options: Any,
) -> int:
    """Adjudicate a Parquet file of claims sorted by ``member_id`` into another Parquet file.

    Parameters
    ----------
    source, destination
        Parquet files. The source must be sorted by ``member_id`` (ascending) and, within a
        member, by date; the destination gets every input column plus the outputs of
        :func:`yibao.adjudicate`, in the same row order.
    policy
        Region key, policy file path or :class:`~yibao.Policy`.
    batch_rows
        Rows read per batch; memory use is a few times one batch.
    progress
        Called with the number of rows written so far, after each batch; ``True`` shows a
        progress bar (tqdm) on stderr instead. Off by default.
    **options
        Passed to :func:`yibao.adjudicate` (``rounding``, ``threads``, ``unit``, ...).

    Returns
    -------
    int
        The number of rows written.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    pol = as_policy(policy)
    reader = pq.ParquetFile(Path(source))
    progress, close_progress = rows_progress(progress, reader.metadata.num_rows)
    writer: pq.ParquetWriter | None = None
    held = pd.DataFrame()  # rows of the last member of the previous batch
    last_member: Any = None
    written = 0

    def flush(frame: pd.DataFrame) -> None:
        nonlocal writer, written
        if frame.empty:
            return
        table = _to_arrow(adjudicate(frame, pol, **options), writer.schema if writer else None)
        if writer is None:
            writer = pq.ParquetWriter(Path(destination), table.schema)
        writer.write_table(table)
        written += len(frame)
        if progress is not None:
            progress(written)

    try:
        for batch in reader.iter_batches(batch_size=batch_rows):
            frame = batch.to_pandas(types_mapper=_keep_decimals)
            if "member_id" not in frame.columns:
                raise InputError("required column is missing", column="member_id")
            _check_sorted(frame["member_id"], last_member)
            frame = pd.concat([held, frame], ignore_index=True) if len(held) else frame
            if frame.empty:
                continue
            last_member = frame["member_id"].iloc[-1]
            cut = int(frame["member_id"].searchsorted(last_member, side="left"))
            held = frame.iloc[cut:]
            flush(frame.iloc[:cut].reset_index(drop=True))
        flush(held.reset_index(drop=True))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # an empty source still gives a readable (empty) destination
        pq.write_table(reader.schema_arrow.empty_table(), Path(destination))
    close_progress()
    return written
