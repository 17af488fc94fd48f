"""Amount columns to exact int64 fen, and back to exact decimals (docs/design.md §3, §4).

Accepted inputs: pyarrow/pandas decimal columns, ``decimal.Decimal`` objects, integers
(yuan, or fen with ``unit="fen"``), float64 (through each value's shortest round-trip
decimal; more than 2 decimal places is an error unless a rounding mode is given) and
float32 (through its own shortest round-trip decimal, so ``float32(1.1)`` is 1.10). No
binary floating point is used for money on the way.

Every error names the column, the row (the caller's index label) and the offending value.
The happy path is vectorized; only the error paths look at single values in Python.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _core
from .errors import AmountOverflowError, InputError

__all__ = ["MONEY_DTYPE", "Rounding", "decimal_from_words", "fen_to_money", "to_fen"]

Rounding = Literal["half_up", "half_even", "down"]
Unit = Literal["yuan", "fen"]
MONEY_DTYPE = pd.ArrowDtype(pa.decimal128(18, 2))
_MAX_DECIMAL18 = 10**18 - 1
_MAX_INT64 = 2**63 - 1
_PY_ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


def _core_rounding(rounding: Rounding | None) -> Any:
    if rounding is None:
        return None
    try:
        return getattr(_core.Rounding, rounding)
    except (AttributeError, TypeError):
        raise ValueError(
            f"rounding must be None, 'half_up', 'half_even' or 'down', got {rounding!r}"
        ) from None


def _label(index: pd.Index, position: int) -> Any:
    return index[position] if 0 <= position < len(index) else position


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def _value_at(series: pd.Series, position: int | None) -> Any:
    if position is None or not 0 <= position < len(series):
        return None
    return series.iloc[position]


def _show(value: Any) -> str:
    """A value as the caller wrote it: ``2.001``, ``Decimal('2.001')``, ``'abc'``, ``None``."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _error(
    cls: type[InputError], message: str, series: pd.Series, name: str, position: int
) -> InputError:
    """``cls`` naming the column, the row label and the value at ``position``."""
    value = _value_at(series, position)
    return cls(
        f"{message} (value {_show(value)})",
        column=name,
        row=_label(series.index, position),
        position=position,
    )


def _kind(value: Any) -> str:
    """The kind of one amount object: what may share a column with what."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "missing"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, Decimal):
        return "Decimal"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    return type(value).__name__


def _bad_object_amounts(series: pd.Series, name: str) -> InputError | None:
    """The error for an object column that is not one kind of number, or None when its
    values are numbers Arrow could not take in one go (error path only)."""
    kinds = [_kind(v) for v in series.array]
    numbers = {"Decimal", "int", "float"}
    for pos, kind in enumerate(kinds):
        if kind not in numbers and kind != "missing":
            return _error(
                InputError,
                f"amounts must be Decimal, int or float, got {kind}; convert text with "
                "decimal.Decimal or pd.to_numeric first",
                series,
                name,
                pos,
            )
    first = next((k for k in kinds if k != "missing"), "missing")
    for pos, kind in enumerate(kinds):
        if kind not in ("missing", first) and {kind, first} == {"Decimal", "float"}:
            return _error(
                InputError,
                f"the column mixes {first} and {kind} amounts; use one kind per column "
                "(exact Decimal, or float64 throughout)",
                series,
                name,
                pos,
            )
    return None


def _fen_one_by_one(series: pd.Series, name: str, rounding: Any, unit: Unit) -> np.ndarray:
    """Amounts that Arrow cannot convert in one go (Decimal infinities, integers beyond 64
    bits, Decimals with more than 38 digits, floats beside huge integers), exactly, value by
    value. A rare path: ordinary columns take the vectorized ones."""
    mode = None if rounding is None else _PY_ROUNDING[rounding.name]
    shift = 0 if unit == "fen" else 2
    out = np.empty(len(series), dtype=np.int64)
    with localcontext() as ctx:
        ctx.prec = 80  # exact for every value that can fit int64 fen, and then some
        for pos, value in enumerate(series.array):
            kind = _kind(value)
            if kind == "missing":
                raise _error(InputError, "missing amount", series, name, pos)
            if kind not in ("Decimal", "int", "float"):
                raise _error(
                    InputError,
                    f"amounts must be Decimal, int or float, got {kind}",
                    series,
                    name,
                    pos,
                )
            if unit == "fen" and kind != "int":
                raise _error(InputError, "unit='fen' needs integer amounts", series, name, pos)
            exact = Decimal(repr(float(value))) if kind == "float" else Decimal(value)
            if not exact.is_finite():
                raise _error(InputError, "amount is not a finite number", series, name, pos)
            if exact.adjusted() > 20:
                raise _error(
                    AmountOverflowError, "amount out of range of int64 fen", series, name, pos
                )
            fen = exact.scaleb(shift)
            if fen != fen.to_integral_value():
                if mode is None:
                    raise _error(
                        InputError,
                        "amount has more than 2 decimal places; pass rounding='half_up' (or "
                        "another mode) to round it to the fen",
                        series,
                        name,
                        pos,
                    )
                fen = fen.to_integral_value(rounding=mode)
            whole = int(fen)
            if abs(whole) > _MAX_INT64:
                raise _error(
                    AmountOverflowError, "amount out of range of int64 fen", series, name, pos
                )
            out[pos] = whole
    return out


def _from_arrow_decimal(
    arr: pa.Array, name: str, rounding: Any, series: pd.Series, threads: int = 1
) -> np.ndarray:
    if arr.null_count:
        pos = _first(np.asarray(arr.is_null(), dtype=bool))
        raise _error(InputError, "missing amount (null)", series, name, pos or 0)
    if pa.types.is_decimal256(arr.type):
        try:
            arr = arr.cast(pa.decimal128(38, arr.type.scale))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = pd.Series(arr.to_pylist(), index=series.index, dtype=object)
            return _fen_one_by_one(values, name, rounding, "yuan")
    n = len(arr)
    buffer = arr.buffers()[1]
    words = np.frombuffer(buffer, dtype=np.uint64, count=2 * (arr.offset + n))[2 * arr.offset :]
    return np.asarray(_core.fen_from_decimal128(words, arr.type.scale, rounding, name, threads))


def to_fen(
    series: pd.Series,
    name: str,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    threads: int = 1,
) -> np.ndarray:
    """An amount column as an int64 array of fen; errors name the column, row label and value.

    Numeric columns are converted in C++ on ``threads`` threads.
    """
    core_rounding = _core_rounding(rounding)
    if unit not in ("yuan", "fen"):
        raise ValueError(f"unit must be 'yuan' or 'fen', got {unit!r}")
    try:
        return _to_fen(series, name, core_rounding, unit, threads)
    except InputError as exc:
        duplicates = not series.index.is_unique
        if exc.position is None or (exc.row is not None and not duplicates):
            raise
        reason = exc.reason
        if exc.row is None:
            # The core names the 0-based position; give the caller's label and the value too.
            shown = _show(_value_at(series, exc.position))
            reason = reason if shown in reason else f"{reason} (value {shown})"
        if duplicates:  # the label alone does not say which row
            reason = f"{reason} (position {exc.position}; the index has duplicate labels)"
        raise type(exc)(
            reason,
            column=exc.column or name,
            row=_label(series.index, exc.position),
            position=exc.position,
        ) from None


def _missing_error(series: pd.Series, name: str) -> InputError | None:
    missing = series.isna().to_numpy(dtype=bool)
    pos = _first(missing)
    return None if pos is None else _error(InputError, "missing amount", series, name, pos)


def _to_fen(
    series: pd.Series, name: str, rounding: Any, unit: Unit, threads: int = 1
) -> np.ndarray:
    dtype = series.dtype
    if len(series) == 0:  # an empty frame: no amounts, whatever the dtype
        return np.empty(0, dtype=np.int64)
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype):
        if unit == "fen":  # decimals are yuan; a unit that says otherwise is a mistake
            raise InputError(f"unit='fen' needs an integer column, got dtype {dtype}", column=name)
        arr = pa.chunked_array(series.array._pa_array).combine_chunks()
        return _from_arrow_decimal(arr, name, rounding, series, threads)
    if pd.api.types.is_bool_dtype(dtype):
        raise _error(InputError, f"amounts must be numbers, got dtype {dtype}", series, name, 0)
    if pd.api.types.is_integer_dtype(dtype):
        if series.hasnans:
            error = _missing_error(series, name)
            assert error is not None
            raise error
        if pd.api.types.is_unsigned_integer_dtype(dtype):
            too_big = series.to_numpy() > np.iinfo(np.int64).max
            if too_big.any():
                pos = _first(too_big) or 0
                raise _error(
                    AmountOverflowError, "amount out of range of int64 fen", series, name, pos
                )
        values = series.to_numpy(dtype=np.int64)
        return np.asarray(_core.fen_from_int64(values, 1 if unit == "fen" else 100, name, threads))
    if unit == "fen":
        raise InputError(f"unit='fen' needs an integer column, got dtype {dtype}", column=name)
    if pd.api.types.is_float_dtype(dtype):
        if not isinstance(dtype, np.dtype):  # Float64 / float64[pyarrow]: NA is missing, not NaN
            error = _missing_error(series, name)
            if error is not None:
                raise error
        if dtype == np.float32 or getattr(getattr(dtype, "numpy_dtype", None), "itemsize", 8) < 8:
            # float32 → its shortest decimal text → the float64 of that text (exact: at most 9
            # significant digits round-trip through float64), then the float64 path.
            narrow = series.to_numpy(dtype=np.float32, na_value=np.nan)
            values = narrow.astype(str).astype(np.float64)
        else:
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.asarray(_core.fen_from_float64(values, rounding, name, threads))
    if dtype == np.dtype(object):
        try:
            arr = pa.array(series.to_numpy(dtype=object), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
            error = _bad_object_amounts(series, name)
            if error is not None:
                raise error from None
            return _fen_one_by_one(series, name, rounding, unit)
        if arr.null_count:
            null_at = _first(np.asarray(arr.is_null(), dtype=bool))
            raise _error(InputError, "missing amount", series, name, null_at or 0)
        if pa.types.is_decimal(arr.type):  # (unit="fen" was refused above for non-integers)
            return _from_arrow_decimal(arr, name, rounding, series)
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
            # Positional: the converted values keep the caller's index, never realigned by label.
            plain = pd.Series(arr.to_numpy(zero_copy_only=False), index=series.index, copy=False)
            return _to_fen(plain, name, rounding, unit, threads)
        raise _bad_object_amounts(series, name) or InputError(
            f"amounts must be Decimal, int or float, got Arrow type {arr.type}", column=name
        )
    message = (
        f"amounts must be decimal, integer or float columns, got dtype {dtype}; "
        "convert text with decimal.Decimal or pd.to_numeric first"
    )
    first_value = _first(series.notna().to_numpy(dtype=bool))
    if first_value is None:
        raise InputError(message, column=name)
    raise _error(InputError, message, series, name, first_value)


def fen_to_money(
    fen: np.ndarray,
    kind: str = "decimal",
    *,
    column: str | None = None,
    index: pd.Index | None = None,
) -> Any:
    """Exact decimal128(18, 2) (default), ``"float"`` (a float64 view) or ``"fen"`` (int64).

    ``column`` and ``index`` only serve the error message when a value does not fit 18 digits.
    """
    if kind == "fen":
        return fen
    if kind == "float":
        return fen / 100.0
    if kind != "decimal":
        raise ValueError(f"money must be 'decimal', 'float' or 'fen', got {kind!r}")
    too_big = (fen > _MAX_DECIMAL18) | (fen < -_MAX_DECIMAL18)
    if too_big.any():
        pos = int(np.flatnonzero(too_big)[0])
        row = index[pos] if index is not None and pos < len(index) else None
        raise AmountOverflowError(
            f"{int(fen[pos])} fen does not fit decimal128(18, 2); use money='fen'",
            column=column,
            row=row,
            position=pos,
        )
    words = np.empty((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = fen >> 63  # sign extension: the int128 two's complement high word
    return decimal_from_words(words)


def decimal_from_words(words: np.ndarray) -> Any:
    """decimal128(18, 2) over an (n, 2) int64 array in Arrow's layout, without a copy."""
    buffer = pa.py_buffer(words)  # keeps the numpy array alive
    arr = pa.Array.from_buffers(MONEY_DTYPE.pyarrow_dtype, len(words), [None, buffer])
    return pd.arrays.ArrowExtensionArray(arr)
