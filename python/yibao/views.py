"""Everyday pandas on yibao's exact money columns: which calls work as they are, and the one
call (:func:`float_view`) for those that need floats.

yibao's money columns are exact ``decimal128(18, 2)`` Arrow columns by default. On them,
pandas' ``sum``, ``mean`` (rounded to the fen by Arrow), ``quantile``, ``median``, ``std``,
``groupby().agg``, ``pivot_table``, ``to_csv``, ``to_parquet`` and ``to_excel`` work as
they are. ``describe()`` and ``plot.hist()`` do not (pandas 2.x/3.x cannot put its own
counts and bin edges into a decimal column); for those, and for anything statistical or
drawn, take an explicit float view::

    yibao.float_view(out)[["fund_paid", "self_pay"]].describe()
    yibao.float_view(out)["fund_paid"].plot.hist()

The view is a copy: the exact columns of ``out`` are left as they are, so sums of money stay
exact and a float is always the caller's explicit choice.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

__all__ = ["float_view"]


def _is_decimal(dtype: object) -> bool:
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)


def float_view(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """A copy of ``frame`` with every exact decimal column as float64 yuan (inexact).

    For statistics and plots that pandas cannot compute on Arrow decimals (``describe``,
    ``plot.hist``); other columns (ids, dates, ``rule``) are kept as they are. The caller's
    frame is not modified.

    Parameters
    ----------
    frame
        A result of :func:`yibao.adjudicate` (or any frame or series).

    Returns
    -------
    pandas.DataFrame or pandas.Series
        The same shape and index, decimal columns as ``float64``.

    Examples
    --------
    >>> import pandas as pd, yibao
    >>> claims = pd.DataFrame({"member_id": [1, 1], "date": ["2023-02-01", "2023-02-02"],
    ...                        "level": [1, 1], "eligible": [80, 100], "status": "in_service"})
    >>> out = yibao.adjudicate(claims, "jining")
    >>> yibao.float_view(out)["fund_paid"].describe()[["count", "mean", "max"]].tolist()
    [2.0, 28.0, 56.0]
    """
    if isinstance(frame, pd.Series):
        return frame.astype("float64") if _is_decimal(frame.dtype) else frame.copy()
    columns = {name: "float64" for name, dtype in frame.dtypes.items() if _is_decimal(dtype)}
    return frame.astype(columns) if columns else frame.copy()
