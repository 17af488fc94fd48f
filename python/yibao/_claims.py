"""The careful converters of claim columns (docs/design.md §3), one per logical column.

``_frame``'s readers take the layouts the core reads in place; any other layout is
converted once here into the kernel's own types, and every error of a column is worded
here (the core names the column and row, the converter the value). Everything is
vectorized; strings are factorized once and only their few distinct values are looked up
in Python. Every error names the column, the row label and the value.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _core, _schema
from ._money import Rounding, Unit, to_fen
from .errors import AmountOverflowError, InputError

__all__ = ["ClaimArrays", "eligible_fen"]

# The vocabularies and required columns are the schema's (schema.toml); these names stay
# importable from here for the modules that still import them from _claims.
STATUS_CODES = _schema.STATUS_CODES
TIER_CODES = _schema.TIER_CODES
SERVICE_CODES = _schema.SERVICE_CODES
REQUIRED = _schema.REQUIRED_CLAIM_COLUMNS
# Amounts beyond 16 integer digits do not fit the settlement standard's decimal(18, 2), the
# dtype of every money output (docs/design.md §3): rejected before any computation.
MAX_AMOUNT_FEN = 10**18 - 1
# datetime64 units the core floors to days directly.
_UNITS_PER_DAY = {
    "D": 1,
    "h": 24,
    "m": 24 * 60,
    "s": 86_400,
    "ms": 86_400_000,
    "us": 86_400_000_000,
    "ns": 86_400_000_000_000,
}
# Identifier columns may hold one kind of key; pd.api.types.infer_dtype's verdict on them.
_ID_KINDS = frozenset(
    {
        "integer",
        "string",
        "floating",
        "mixed-integer-float",
        "decimal",
        "bytes",
        "empty",
        "categorical",
    }
)


@dataclass
class ClaimArrays:
    member: np.ndarray
    day: np.ndarray
    level: np.ndarray
    eligible: np.ndarray
    status: np.ndarray
    service: np.ndarray
    prescriber: np.ndarray
    tier: np.ndarray
    institution: np.ndarray | None


def _show(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _fail(
    message: str, column: str, index: pd.Index, position: int, cls: type[InputError] = InputError
) -> InputError:
    """An error naming the column and the row label; the position too when labels repeat."""
    if not index.is_unique:
        message = f"{message} (position {position}; the index has duplicate labels)"
    return cls(message, column=column, row=index[position], position=position)


def _fail_value(message: str, series: pd.Series, column: str, position: int) -> InputError:
    """``_fail`` with the offending value appended."""
    value = series.iloc[position]
    return _fail(f"{message} (value {_show(value)})", column, series.index, position)


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def arrow_string_chunks(series: pd.Series) -> tuple[list[tuple[Any, ...]], bool] | None:
    """The buffers of an Arrow-backed string column, one (offsets, data, validity or None,
    offset) tuple per chunk as the core reads them in place, and whether the offsets are
    64-bit (large_string); None for any other column."""
    chunked = getattr(series.array, "_pa_array", None)
    if not isinstance(chunked, pa.ChunkedArray) or not (
        pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)
    ):
        return None
    large = pa.types.is_large_string(chunked.type)
    offset_type = np.int64 if large else np.int32
    chunks = []
    for chunk in chunked.chunks:
        validity, offsets, data = chunk.buffers()
        n = len(chunk)
        chunks.append(
            (
                np.frombuffer(offsets, dtype=offset_type)[chunk.offset : chunk.offset + n + 1],
                np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8),
                None
                if validity is None or chunk.null_count == 0
                else np.frombuffer(validity, np.uint8),
                chunk.offset,
            )
        )
    return chunks, large


def _codes(
    series: pd.Series, column: str, table: Mapping[str, int], threads: int = 1
) -> np.ndarray:
    """Map a label column through ``table`` via its distinct values (no per-row Python)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if (codes < 0).any():
        pos = int(np.flatnonzero(codes < 0)[0])
        raise _fail_value(
            f"missing value; expected one of {sorted(set(table))}", series, column, pos
        )
    lookup = np.empty(len(uniques), dtype=np.int8)
    for i, value in enumerate(uniques):
        key = str(value).strip() if isinstance(value, str) else value
        if key not in table:
            pos = int(np.flatnonzero(codes == i)[0])
            raise _fail(
                f"unknown value {_show(value)}; expected one of {sorted(set(table))}",
                column,
                series.index,
                pos,
            )
        lookup[i] = table[key]
    out: np.ndarray = lookup[codes]
    return out


def _levels(series: pd.Series, column: str, *, allow_missing: bool, threads: int = 1) -> np.ndarray:
    if len(series) == 0:  # an empty frame: no values, whatever the dtype
        return np.empty(0, dtype=np.int8)
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu":
        values = series.to_numpy()
        if values.min() >= 0 and values.max() <= 3:  # fast path: plain integer levels
            levels: np.ndarray = values.astype(np.int8, copy=False)
            return levels
    index = series.index
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)  # judged by its values, as an object column
    dtype = series.dtype
    numeric = (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)  # 1+2j is no level (its real part is)
    )
    if not numeric and dtype == np.dtype(object):
        # Python ints with None (or all None) arrive as object: accept numbers, nothing else.
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind in ("integer", "floating", "mixed-integer-float", "empty"):
            series = pd.Series(pd.to_numeric(series).to_numpy(dtype=np.float64), index=index)
            numeric = True
    if not numeric:
        kinds = series.map(
            lambda v: (
                isinstance(v, (int, float, np.integer, np.floating))
                and not isinstance(v, (bool, np.bool_))
            )
        )
        bad = ~kinds.to_numpy(dtype=bool) & series.notna().to_numpy(dtype=bool)
        pos = _first(bad) if bad.any() else 0
        raise _fail_value(f"levels must be integers 0..3, got dtype {dtype}", series, column, pos)
    missing = series.isna().to_numpy(dtype=bool)
    if missing.any() and not allow_missing:
        raise _fail_value(
            "missing level; expected an integer 0..3", series, column, _first(missing)
        )
    values = series.to_numpy(dtype=np.float64, na_value=-1.0)
    bad = (~missing) & ((values != np.floor(values)) | (values < 0) | (values > 3))
    if bad.any():
        pos = _first(bad)
        raise _fail_value("level is not an integer 0..3", series, column, pos)
    out: np.ndarray = values.astype(np.int8)
    return out


def _parse_failure(series: pd.Series, column: str, exc: Exception) -> InputError:
    """The first value that ``pd.to_datetime`` cannot read with the others (error path only)."""
    zone: Any = None
    for pos, value in enumerate(series.array):
        if value is None or value is pd.NA or value is pd.NaT:
            continue
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            return _fail_value("cannot read this as a date (use YYYY-MM-DD)", series, column, pos)
        if pos == 0 or zone is None:
            zone = stamp.tz
        elif stamp.tz != zone:
            return _fail_value(
                f"date in another time zone than the rows before ({zone})", series, column, pos
            )
    return InputError(f"cannot read the dates: {exc}", column=column)


def _numbers(series: pd.Series) -> pd.Series:
    """Which values of an object column are numbers (missing values are not)."""
    return series.map(
        lambda v: (
            isinstance(v, (numbers.Number, np.number)) and not (isinstance(v, float) and v != v)
        )
    )


def _days(
    series: pd.Series, column: str = "date", *, allow_missing: bool = False, threads: int = 1
) -> np.ndarray:
    """Service dates as int32 days since 1970-01-01 (the local calendar date of the value).

    Numbers are refused: 20230301 could be YYYYMMDD or an epoch count, and pandas is
    changing its reading of them. ``allow_missing`` gives missing dates as INT32_MIN.
    """
    if len(series) == 0:
        return np.empty(0, dtype=np.int32)
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_timestamp(dtype.pyarrow_dtype):
        # Arrow timestamps as pandas datetimes of the same unit (nulls → NaT, time zone kept).
        arrow = dtype.pyarrow_dtype
        as_pandas = pd.DatetimeTZDtype(arrow.unit, arrow.tz) if arrow.tz else dtype.numpy_dtype
        series = series.astype(as_pandas)
        dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)  # the local calendar date is the service date
    if pd.api.types.is_datetime64_dtype(series.dtype):
        values = series.to_numpy()
    else:
        kind = pd.api.types.infer_dtype(series, skipna=True)
        # A number among text is refused too, never read as YYYYMMDD (issue 20).
        numbers_among = _numbers(series) if kind.startswith("mixed") else None
        if (
            pd.api.types.is_numeric_dtype(dtype)
            or kind in ("integer", "floating", "mixed-integer-float", "boolean", "decimal")
            or (numbers_among is not None and bool(numbers_among.any()))
        ):
            number = series.notna() if numbers_among is None else numbers_among
            notna = number.to_numpy(dtype=bool)
            pos = _first(notna) if notna.any() else 0
            raise _fail_value(
                "dates must be datetime64, datetime.date or ISO text (YYYY-MM-DD), not numbers; "
                "convert with pd.to_datetime(..., format='%Y%m%d') first",
                series,
                column,
                pos,
            )
        try:
            parsed = pd.to_datetime(series, errors="coerce", format="ISO8601")
        except (ValueError, TypeError, OverflowError) as exc:
            raise _parse_failure(series, column, exc) from None
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        if not pd.api.types.is_datetime64_dtype(parsed.dtype):
            raise _parse_failure(series, column, TypeError(f"parsed as {parsed.dtype}"))
        bad = parsed.isna().to_numpy(dtype=bool) & series.notna().to_numpy(dtype=bool)
        if bad.any():
            raise _fail_value(
                "cannot read this as a date (use YYYY-MM-DD)", series, column, _first(bad)
            )
        values = parsed.to_numpy()
    unit, _ = np.datetime_data(values.dtype)
    per_day = _UNITS_PER_DAY.get(unit)
    if per_day is None:  # e.g. datetime64[M]: through whole days, NaT kept
        values = values.astype("datetime64[D]")
        per_day = 1
    try:
        out: np.ndarray = _core.days_from_timestamps(
            values.view(np.int64), per_day, allow_missing, column, threads
        )
    except InputError as exc:
        position = exc.position if exc.position is not None else 0
        raise _fail_value(exc.reason, series, column, position) from None
    return out


def _ids(series: pd.Series, column: str, threads: int = 1) -> np.ndarray:
    """Keys of an identifier column as int64; one kind of key per column (1 and '1' differ).

    Integer ids are passed as they are (the kernel only compares them); anything else is
    factorized into dense codes.
    """
    if isinstance(series.dtype, np.dtype) and series.dtype.kind == "i":
        values: np.ndarray = series.to_numpy(dtype=np.int64)  # no copy for int64
        if _core.first_descending(values, threads) < 0:
            return values  # sorted: the kernel reads them in place
        if int(values.max()) - int(values.min()) < 2 * len(values) + 2:
            return values  # dense ids (e.g. 1..M): the kernel counting-sorts them in place
        # Sparse: dense codes let the kernel order rows with a counting sort (O(n)).
    # A categorical column is judged by its categories, as an object column by its values:
    # 1 and '1' differ.
    categorical = isinstance(series.dtype, pd.CategoricalDtype)
    probe = pd.Series(series.cat.categories) if categorical else series
    if probe.dtype == np.dtype(object):
        kind = pd.api.types.infer_dtype(probe, skipna=True)
        if kind not in _ID_KINDS:
            _check_keys(series.astype(object) if categorical else series, column)
    try:
        codes, _ = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # an unhashable value, e.g. Decimal('sNaN'), in an accepted kind
        _check_keys(series.astype(object) if categorical else series, column)
        raise
    if (codes < 0).any():
        raise _fail_value(f"missing {column}", series, column, _first(codes < 0))
    out: np.ndarray = codes.astype(np.int64)
    return out


def _check_keys(series: pd.Series, column: str) -> None:
    """Raise for the first value of an object id column that is no usable key, or of
    another kind than the values before it (error path only)."""
    values = series.array
    first_type: str | None = None
    for pos, value in enumerate(values):  # error path only
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            continue
        try:
            hash(value)
        except TypeError:
            raise _fail_value(
                f"{type(value).__name__} is not a usable key", series, column, pos
            ) from None
        numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, bool
        )
        this = "number" if numeric else type(value).__name__
        if first_type is None:
            first_type = this
        elif this != first_type:
            raise _fail_value(
                f"the column mixes {first_type} and {this} keys, which "
                "would count as different members; use one type (e.g. all str)",
                series,
                column,
                pos,
            )


def _members_table(members: pd.DataFrame) -> pd.DataFrame:
    if "member_id" not in members.columns:
        raise InputError("members needs a member_id column", column="member_id")
    dup = members["member_id"].duplicated().to_numpy(dtype=bool)
    if dup.any():
        raise _fail_value(
            "duplicate member_id in members", members["member_id"], "member_id", _first(dup)
        )
    return members


def _members_lookup(
    claims: pd.DataFrame, members: pd.DataFrame | None, column: str
) -> pd.Series | None:
    """``members[column]`` aligned to the claims' rows by member_id, if members has it."""
    if members is None or column not in members.columns:
        return None
    table = _members_table(members).set_index("member_id")[column]
    aligned = table.reindex(claims["member_id"].to_numpy())
    return pd.Series(aligned.to_numpy(), index=claims.index, name=column)


def _status(
    claims: pd.DataFrame, members: pd.DataFrame | None, day: np.ndarray, threads: int = 1
) -> np.ndarray:
    if "status" in claims.columns:
        return _codes(claims["status"], "status", STATUS_CODES, threads)
    if members is None or "retire_date" not in members.columns:
        raise InputError(
            "claims need a status column (in_service/retired), or members with retire_date",
            column="status",
        )
    table = _members_table(members)
    unknown = ~claims["member_id"].isin(table["member_id"]).to_numpy(dtype=bool)
    if unknown.any():
        raise _fail_value(
            "member not found in members (needed for status)",
            claims["member_id"],
            "member_id",
            _first(unknown),
        )
    # Parsed in the members' own frame, so a bad retire_date names the members' row.
    retire = _days(table["retire_date"], "retire_date", allow_missing=True)
    by_member = pd.Series(retire, index=pd.Index(table["member_id"]))
    retire_day = by_member.reindex(claims["member_id"].to_numpy()).to_numpy(dtype=np.int64)
    # Retired from the retirement date on (docs/design.md §6): thresholds and caps change that day.
    retired = (retire_day != np.iinfo(np.int32).min) & (day.astype(np.int64) >= retire_day)
    out: np.ndarray = retired.astype(np.int8)
    return out


def eligible_fen(
    series: pd.Series, *, rounding: Rounding | None, unit: Unit, threads: int = 1
) -> np.ndarray:
    """The ``eligible`` column in fen, each amount 0 .. ``MAX_AMOUNT_FEN``."""
    eligible = to_fen(series, "eligible", rounding=rounding, unit=unit, threads=threads)
    pos = int(_core.first_outside(eligible, 0, MAX_AMOUNT_FEN, threads))
    if pos >= 0 and eligible[pos] < 0:
        raise _fail_value("eligible amount is negative", series, "eligible", pos)
    if pos >= 0:
        raise _fail(
            "eligible amount does not fit decimal(18, 2), at most 16 integer digits of yuan "
            f"(value {_show(series.iloc[pos])})",
            "eligible",
            series.index,
            pos,
            AmountOverflowError,
        )
    return eligible
