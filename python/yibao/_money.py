"""Amount columns to exact int64 fen, and back to exact decimals (DESIGN §3, §4).

Accepted inputs: pyarrow/pandas decimal columns, ``decimal.Decimal`` objects, integers
(yuan, or fen with ``unit="fen"``) and float64 (through each value's shortest round-trip
decimal; more than 2 decimal places is an error unless a rounding mode is given). No
binary floating point is used for money on the way.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _core
from .errors import AmountOverflowError, InputError

__all__ = ["MONEY_DTYPE", "Rounding", "fen_to_money", "to_fen"]

Rounding = Literal["half_up", "half_even", "down"]
Unit = Literal["yuan", "fen"]
MONEY_DTYPE = pd.ArrowDtype(pa.decimal128(18, 2))
_MAX_DECIMAL18 = 10**18 - 1


def _core_rounding(rounding: Rounding | None) -> Any:
    if rounding is None:
        return None
    try:
        return getattr(_core.Rounding, rounding)
    except AttributeError:
        raise ValueError(f"rounding must be None, 'half_up', 'half_even' or 'down', got {rounding!r}") from None


def _label(index: pd.Index, position: int) -> Any:
    return index[position] if 0 <= position < len(index) else position


def _first_null(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def _from_arrow_decimal(arr: pa.Array, name: str, rounding: Any, index: pd.Index) -> np.ndarray:
    if pa.types.is_decimal256(arr.type):
        try:
            arr = arr.cast(pa.decimal128(38, arr.type.scale))
        except pa.ArrowInvalid as exc:
            raise AmountOverflowError(f"decimal256 amounts out of range: {exc}", column=name) from exc
    if arr.null_count:
        pos = _first_null(np.asarray(arr.is_null()))
        raise InputError("missing amount (null)", column=name, row=_label(index, pos or 0), position=pos)
    n = len(arr)
    buffer = arr.buffers()[1]
    words = np.frombuffer(buffer, dtype=np.uint64, count=2 * (arr.offset + n))[2 * arr.offset :]
    return np.asarray(_core.fen_from_decimal128(words, arr.type.scale, rounding, name))


def to_fen(
    series: pd.Series,
    name: str,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
) -> np.ndarray:
    """An amount column as an int64 array of fen; errors name the column and row label."""
    core_rounding = _core_rounding(rounding)
    if unit not in ("yuan", "fen"):
        raise ValueError(f"unit must be 'yuan' or 'fen', got {unit!r}")
    index = series.index
    try:
        return _to_fen(series, name, core_rounding, unit, index)
    except InputError as exc:
        if exc.row is None and exc.position is not None:
            raise exc.at_row(_label(index, exc.position)) from None
        raise


def _to_fen(series: pd.Series, name: str, rounding: Any, unit: Unit, index: pd.Index) -> np.ndarray:
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype):
        arr = pa.chunked_array(series.array._pa_array).combine_chunks()  # type: ignore[attr-defined]
        return _from_arrow_decimal(arr, name, rounding, index)
    if pd.api.types.is_bool_dtype(dtype):
        raise InputError(f"amounts must be numbers, got dtype {dtype}", column=name)
    if pd.api.types.is_integer_dtype(dtype):
        if series.hasnans:
            pos = _first_null(series.isna().to_numpy())
            raise InputError("missing amount", column=name, row=_label(index, pos or 0), position=pos)
        values = series.to_numpy(dtype=np.int64)
        return np.asarray(_core.fen_from_int64(values, 1 if unit == "fen" else 100, name))
    if unit == "fen":
        raise InputError(f"unit='fen' needs an integer column, got dtype {dtype}", column=name)
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.asarray(_core.fen_from_float64(values, rounding, name))
    if dtype == object:
        try:
            arr = pa.array(series.to_numpy(dtype=object), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise InputError(
                f"amounts must all be Decimal, int or float (one kind per column): {exc}", column=name
            ) from exc
        if pa.types.is_decimal(arr.type):
            return _from_arrow_decimal(arr, name, rounding, index)
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_null(arr.type):
            return _to_fen(pd.Series(arr.to_pandas(), index=index), name, rounding, unit, index)
    raise InputError(
        f"amounts must be decimal, integer or float columns, got dtype {dtype}; "
        "convert text with decimal.Decimal or pd.to_numeric first",
        column=name,
    )


def fen_to_money(fen: np.ndarray, kind: str = "decimal") -> Any:
    """Exact decimal128(18, 2) (default), ``"float"`` (a float64 view) or ``"fen"`` (int64)."""
    if kind == "fen":
        return fen
    if kind == "float":
        return fen / 100.0
    if kind != "decimal":
        raise ValueError(f"money must be 'decimal', 'float' or 'fen', got {kind!r}")
    if len(fen) and int(np.abs(fen).max()) > _MAX_DECIMAL18:
        raise AmountOverflowError("a result does not fit decimal128(18, 2); use money='fen'")
    words = np.empty((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = fen >> 63  # sign extension: the int128 two's complement high word
    arr = pa.Array.from_buffers(pa.decimal128(18, 2), len(fen), [None, pa.py_buffer(words)])
    return pd.arrays.ArrowExtensionArray(arr)
