"""Claims cut into pieces of whole members, for callers that adjudicate them piece by piece.

A member's state (deductible paid, year-to-date fund, visits) runs over the year, so a member
must never be split between two calls of the kernel. The callers that cut claims into pieces
take their cuts from here (review 2026-12 §2, "Python-level splitting of members across
calls"): ``adjudicate_parquet`` (record batches of a file sorted by member, cut as they come),
the command line's chunks of a frame in memory (members in any order), and Dask, whose own
shuffle on ``member_id`` does the cutting but loses the rows' order, so each row carries its
input position through it (``numbered``) and each partition is put back in input order
(``in_input_order``) before it is adjudicated: one member's rows of one day are paid in input
order (issue 20).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError

__all__ = ["POSITION", "in_input_order", "member_chunks", "numbered", "whole_members"]

_MEMBER = "member_id"
POSITION = "__yibao_position__"  # a row's input position, through a shuffle
# Room for 2**40 rows per input partition: (partition number, row in it) as one int64.
_PARTITION_SHIFT = 40


def _first(mask: pa.Array) -> int:
    """Position of the first true value of a boolean array (which has one)."""
    return int(pc.index(mask, pa.scalar(True)).as_py())


def _check_sorted(ids: pa.Array, previous: pa.Scalar | None, first_row: int) -> None:
    """Member ids present and not decreasing, from the previous batch's last one on; errors
    name the row by its number from the start of the stream (the file row)."""
    missing = ids.is_null()
    if pa.types.is_floating(ids.type):  # NaN is missing too
        missing = pc.fill_null(pc.is_nan(ids), True)
    if ids.null_count or pc.any(missing).as_py():
        at = _first(missing)
        raise InputError(
            f"missing member_id (value {ids[at].as_py()!r})",
            column=_MEMBER,
            row=first_row + at,
            position=first_row + at,
        )
    if previous is not None and pc.less(ids[0], previous).as_py():
        raise InputError(
            f"member_id {ids[0].as_py()!r} follows {previous.as_py()!r}: adjudicate_parquet "
            "needs the file sorted by member_id (then date); sort it, or use yibao.adjudicate",
            column=_MEMBER,
            row=first_row,
        )
    descending = pc.less(ids.slice(1), ids.slice(0, len(ids) - 1))
    if pc.any(descending).as_py():
        raise InputError(
            "adjudicate_parquet needs the file sorted by member_id (then date)",
            column=_MEMBER,
            row=first_row + _first(descending) + 1,
        )


def whole_members(batches: Iterable[pa.RecordBatch]) -> Iterator[tuple[int, pa.Table]]:
    """Record batches sorted by ``member_id``, regrouped so that no member is cut: each piece
    is yielded with the number of its first row in the stream.

    The rows of the last member of a batch are held back (an Arrow slice, not a copy) and
    go out with the next batch; a member is in one piece however many batches it spans.
    Unsorted or missing member ids are an ``InputError`` naming the row.

    >>> batches = pa.table({"member_id": [1, 1, 2, 2, 2, 3]}).to_batches(max_chunksize=4)
    >>> [(row, piece["member_id"].to_pylist()) for row, piece in whole_members(batches)]
    [(0, [1, 1]), (2, [2, 2, 2]), (5, [3])]
    """
    held: pa.Table | None = None  # the last member's rows so far
    start = read = 0  # stream row of held's first row; rows read
    last: pa.Scalar | None = None
    for batch in batches:
        if batch.num_rows == 0:
            continue
        if _MEMBER not in batch.schema.names:
            raise InputError("required column is missing", column=_MEMBER)
        ids = batch.column(_MEMBER)
        _check_sorted(ids, last, read)
        read += batch.num_rows
        previous, last = last, ids[-1]
        cut = _first(pc.equal(ids, last))  # the batch's last member begins here
        rows = pa.Table.from_batches([batch])
        if held is not None and cut == 0 and pc.equal(previous, last).as_py():
            held = pa.concat_tables([held, rows])  # one member all through the batch
            continue
        piece = rows.slice(0, cut) if held is None else pa.concat_tables([held, rows.slice(0, cut)])
        if piece.num_rows:
            yield start, piece
            start += piece.num_rows
        held = rows.slice(cut)
    if held is not None and held.num_rows:
        yield start, held


def member_chunks(members: pd.Series, chunk_rows: int) -> list[np.ndarray]:
    """Row positions of chunks of whole members (in any order) of about ``chunk_rows`` rows:
    every member's rows in one chunk, the rows of a chunk in input order; a member with more
    rows makes a larger chunk.

    >>> [c.tolist() for c in member_chunks(pd.Series([7, 3, 7, 5, 3, 5]), 3)]
    [[0, 1, 2, 4], [3, 5]]
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    codes, _ = pd.factorize(members, use_na_sentinel=False)
    per_member = np.bincount(codes)
    chunk_of_member = (np.cumsum(per_member) - per_member) // chunk_rows
    chunk_of_row = chunk_of_member[codes]
    order = np.argsort(chunk_of_row, kind="stable")
    bounds = np.searchsorted(chunk_of_row[order], np.arange(chunk_of_row.max() + 2))
    return [order[lo:hi] for lo, hi in itertools.pairwise(bounds) if hi > lo]


def numbered(part: pd.DataFrame, partition: int = 0) -> pd.DataFrame:
    """``part`` with each row's input position (partition number, row in it) as a column.

    >>> numbered(pd.DataFrame({"member_id": [5, 6]}), partition=1)[POSITION].tolist()
    [1099511627776, 1099511627777]
    """
    position = (np.int64(partition) << _PARTITION_SHIFT) + np.arange(len(part), dtype=np.int64)
    return part.assign(**{POSITION: position})


def in_input_order(part: pd.DataFrame) -> pd.DataFrame:
    """A shuffled partition of ``numbered`` rows back in input order, without the column.

    >>> shuffled = numbered(pd.DataFrame({"member_id": [5, 6, 7]})).iloc[[2, 0, 1]]
    >>> in_input_order(shuffled)["member_id"].tolist()
    [5, 6, 7]
    """
    order = np.argsort(part[POSITION].to_numpy(), kind="stable")
    return part.iloc[order].drop(columns=POSITION)
