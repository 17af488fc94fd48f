"""The fast path of ``yibao.adjudicate`` for a frame of the usual dtypes (issue 5).

When the claims hold int64 member ids, datetime64[ns] dates, int8 levels, float64 amounts and
Arrow strings, the core converts and adjudicates them block by block in one pass
(``yibao::adjudicate_frame``), so the converted columns never leave the cache; unsorted rows
with dense member ids are converted block by block and placed by member
(``cpp/src/placement.hpp``). Anything else (other dtypes, a members table, unsorted rows with
sparse ids, a value that does not convert, a policy error) returns None, and the general
path (``_claims`` then ``yibao::adjudicate``) runs: it is the reference, and it words every
error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._claims import (
    MAX_AMOUNT_FEN,
    SERVICE_CODES,
    STATUS_CODES,
    TIER_CODES,
    _ids,
    arrow_string_chunks,
)
from ._money import Rounding, _core_rounding
from .errors import InputError

__all__ = ["adjudicate_frame"]


def _table(codes: dict[str, int]) -> Any:
    return _core.LabelTable(list(codes), list(codes.values()))


_LABELS = _core.FrameLabels(_table(STATUS_CODES), _table(SERVICE_CODES), _table(TIER_CODES))


def _large_string_chunks(series: pd.Series) -> list[tuple[Any, ...]] | None:
    """The Arrow buffers of a large_string column, or None if it is anything else."""
    found = arrow_string_chunks(series)
    return found[0] if found is not None and found[1] else None


def _numpy(series: pd.Series, dtype: str) -> np.ndarray | None:
    return series.to_numpy() if series.dtype == np.dtype(dtype) else None


def adjudicate_frame(
    claims: pd.DataFrame,
    policy: Any,
    *,
    rounding: Rounding | None,
    threads: int,
    layout: Any,
) -> dict[str, np.ndarray] | None:
    """The kernel's result columns, or None when the general path must run."""
    columns = claims.columns
    if columns.duplicated().any() or not {
        "member_id",
        "date",
        "level",
        "eligible",
        "status",
    } <= set(columns):
        return None
    member = _numpy(claims["member_id"], "int64")
    date = _numpy(claims["date"], "datetime64[ns]")
    level = _numpy(claims["level"], "int8")
    eligible = _numpy(claims["eligible"], "float64")
    status = _large_string_chunks(claims["status"])
    if member is None or date is None or level is None or eligible is None or status is None:
        return None
    optional = {}
    for name in ("service", "tier"):
        if name in columns:
            optional[name] = _large_string_chunks(claims[name])
            if optional[name] is None:
                return None
    prescriber = missing = None
    if "prescriber_level" in columns:
        if claims["prescriber_level"].dtype != pd.Int8Dtype():
            return None
        array = claims["prescriber_level"].array
        prescriber, missing = array._data, array._mask
    institution = None
    if "institution_id" in columns:
        try:
            institution = _ids(claims["institution_id"], "institution_id", threads)
        except InputError:
            return None  # the general path checks the other columns first, then this one
    out: dict[str, np.ndarray] | None = _core.adjudicate_frame(
        policy,
        member,
        date.view(np.int64),
        level,
        eligible,
        status,
        optional.get("service"),
        optional.get("tier"),
        prescriber,
        missing,
        institution,
        _core_rounding(rounding),
        MAX_AMOUNT_FEN,
        _LABELS,
        threads,
        layout,
    )
    return out
