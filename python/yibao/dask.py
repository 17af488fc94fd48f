"""yibao on Dask: the same adjudication over a partitioned frame (issue 5).

Every member's rows must be in one partition, since a member's deductible and caps run
over the year: the frame is shuffled on ``member_id`` first, then each partition goes
through :func:`yibao.adjudicate` unchanged. A shuffle does not keep the order of rows, and
one member's rows of one day are paid in input order (the deductible and caps fall on the
first of them), so each row carries its input position through the shuffle and every
partition is put back in input order before it is adjudicated (issue 20). The result
equals the pandas result for any partitioning and shuffle method (compare after sorting by
index: a shuffle moves rows).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._member_batches import POSITION, in_input_order, numbered
from ._progress import PartitionTick
from .adjudicate import adjudicate as _adjudicate
from .adjudicate import as_policy
from .policy import Policy

__all__ = ["adjudicate"]


def _with_position(
    part: pd.DataFrame, partition_info: dict[str, Any] | None = None
) -> pd.DataFrame:
    return numbered(part, 0 if partition_info is None else int(partition_info["number"]))


def _partition(part: pd.DataFrame, policy: Policy, options: dict[str, Any]) -> pd.DataFrame:
    if POSITION in part.columns:  # back in input order, which the shuffle does not keep
        part = in_input_order(part)
    result = _adjudicate(part, policy, **options)
    result["rule"] = result["rule"].astype(str)  # categories differ between partitions
    return result


def _partition_with_tick(
    part: pd.DataFrame, policy: Policy, options: dict[str, Any], tick: PartitionTick
) -> pd.DataFrame:
    result = _partition(part, policy, options)
    if len(part):  # not Dask's empty meta frame
        tick()
    return result


def adjudicate(
    ddf: Any, policy: str | Policy, *, shuffle: bool = True, progress: bool = False, **options: Any
) -> Any:
    """Adjudicate a ``dask.dataframe.DataFrame`` of claims.

    Parameters
    ----------
    ddf
        Claims with the columns of :func:`yibao.adjudicate`.
    policy
        Region key, policy file path or :class:`~yibao.Policy` (pickled to the workers).
    shuffle
        Shuffle on ``member_id`` first (default). Pass ``False`` only if every member's
        rows are already in a single partition.
    progress
        Show a progress bar (tqdm, partitions done) on stderr while the result is computed
        with the threaded or synchronous scheduler (on ``distributed``, use its dashboard or
        ``distributed.progress``). Off by default.
    **options
        Passed to :func:`yibao.adjudicate` (``rounding``, ``unit``, ``money``...). Each
        partition runs single-threaded by default, since Dask supplies the parallelism.

    Returns
    -------
    dask.dataframe.DataFrame
        The adjudicated rows, with the input's index; ``rule`` is a string column.
    """
    pol = as_policy(policy)
    options.setdefault("threads", 1)
    if POSITION in ddf.columns:
        raise ValueError(f"claims must not have a column named {POSITION!r} (used internally)")
    if shuffle:
        numbered = ddf.map_partitions(
            _with_position, meta=_with_position(ddf._meta), align_dataframes=False
        )
        frame = numbered.shuffle(on="member_id")
    else:
        frame = ddf
    meta = _partition(frame._meta, pol, options)
    if progress:
        tick = PartitionTick(frame.npartitions, "adjudicating")
        return frame.map_partitions(_partition_with_tick, pol, options, tick, meta=meta)
    return frame.map_partitions(_partition, pol, options, meta=meta)
