"""Out-of-core adjudication of a Parquet dataset sorted by member (issue 5).

The file is read in record batches; every batch is adjudicated by the same kernel and
written out before the next is read, so memory stays bounded by the batch size whatever
the file's size. A member's state (deductible paid, year-to-date fund, visits) must not be
cut at a batch boundary: the rows of the last member of each batch are held back and
adjudicated with the next batch, so each member is always adjudicated whole.

The output goes to a temporary file beside the destination, renamed over it only when
every row is written: a file found bad half-way leaves no partial output (issue 20). Each
batch is indexed by the rows' numbers in the source file, so errors name the file row.
"""

from __future__ import annotations

import os
import uuid
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
    """Member ids must not decrease: a member seen again later would lose its state.

    ``members`` is indexed by file row; a missing id is named as such, not as unsorted.
    """
    missing = members.isna().to_numpy(dtype=bool)
    if missing.any():
        at = int(missing.argmax())
        raise InputError(
            f"missing member_id (value {members.iloc[at]!r})",
            column="member_id",
            row=members.index[at],
            position=at,
        )
    if previous_last is not None and len(members) and members.iloc[0] < previous_last:
        first = getattr(members.iloc[0], "item", lambda: members.iloc[0])()
        last = getattr(previous_last, "item", lambda: previous_last)()
        raise InputError(
            f"member_id {first!r} follows {last!r}: adjudicate_parquet needs "
            "the file sorted by member_id (then date); sort it, or use yibao.adjudicate",
            column="member_id",
            row=members.index[0],
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
    target = Path(destination)
    # Beside the destination (same file system: the rename is atomic), with the usual mode.
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    progress, close_progress = rows_progress(progress, reader.metadata.num_rows)
    writer: pq.ParquetWriter | None = None
    held = pd.DataFrame()  # rows of the last member of the previous batch
    last_member: Any = None
    read = written = 0

    def flush(frame: pd.DataFrame) -> None:
        nonlocal writer, written
        if frame.empty:
            return
        table = _to_arrow(adjudicate(frame, pol, **options), writer.schema if writer else None)
        if writer is None:
            writer = pq.ParquetWriter(partial, table.schema)
        writer.write_table(table)
        written += len(frame)
        if progress is not None:
            progress(written)

    try:
        try:
            for batch in reader.iter_batches(batch_size=batch_rows):
                frame = batch.to_pandas(types_mapper=_keep_decimals)
                frame.index = pd.RangeIndex(read, read + len(frame))  # the rows' file numbers
                read += len(frame)
                if "member_id" not in frame.columns:
                    raise InputError("required column is missing", column="member_id")
                _check_sorted(frame["member_id"], last_member)
                frame = pd.concat([held, frame]) if len(held) else frame
                if frame.empty:
                    continue
                last_member = frame["member_id"].iloc[-1]
                cut = int(frame["member_id"].searchsorted(last_member, side="left"))
                held = frame.iloc[cut:]
                flush(frame.iloc[:cut])
            flush(held)
        finally:
            if writer is not None:
                writer.close()
        if writer is None:  # an empty source still gives a readable (empty) destination
            pq.write_table(reader.schema_arrow.empty_table(), partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        close_progress()
    return written
