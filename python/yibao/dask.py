"""yibao on Dask: the same adjudication over a partitioned frame (issue 5).

Every member's rows must be in one partition, since a member's deductible and caps run
over the year: the frame is shuffled on ``member_id`` first, then each partition goes
through :func:`yibao.adjudicate` unchanged. The result equals the pandas result for any
partitioning of the input (compare after sorting by index: a shuffle moves rows).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._progress import PartitionTick
from .adjudicate import adjudicate as _adjudicate
from .adjudicate import as_policy
from .policy import Policy

__all__ = ["adjudicate"]


def _partition(part: pd.DataFrame, policy: Policy, options: dict[str, Any]) -> pd.DataFrame:
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
    frame = ddf.shuffle(on="member_id") if shuffle else ddf
    meta = _partition(frame._meta, pol, options)
    if progress:
        tick = PartitionTick(frame.npartitions, "adjudicating")
        return frame.map_partitions(_partition_with_tick, pol, options, tick, meta=meta)
    return frame.map_partitions(_partition, pol, options, meta=meta)
