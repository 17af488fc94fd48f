"""The one-pass route of ``yibao.adjudicate``: column readers, one per logical column (issue 15).

Each reader looks at how the frame holds its column and describes it to the core as a layout
plus the buffers to read in place (numpy arrays, Arrow buffers); the core then converts and
adjudicates block by block in one pass with the GIL released (``yibao::adjudicate_frame``,
``cpp/src/readers.hpp``), so the converted columns never leave the cache. Unsorted rows are
placed by member on the way (``cpp/src/placement.hpp``).

What each column may be:

* ids: integers of any width (read as they are), or text (factorized once: Arrow strings
  whose equal keys are adjacent cost a comparison per row, any other column a hash per row);
* dates: datetime64 of any unit, Arrow timestamps and date32 (read in place); ISO text and
  ``datetime.date`` objects (converted once by pyarrow to date32);
* levels: integers of any width, signed or not, nullable (pandas' masked or Arrow), float64;
* amounts: float64, Arrow decimal128, integers with a unit, ``decimal.Decimal`` objects
  (their digits read by the core, a few ns a value, see ``cpp/bindings/decimal_objects.hpp``);
* labels: Arrow string / large_string (matched in place), categoricals (the categories
  mapped once, the codes read in place), any other column (factorized once, then the same).

Columns of Python objects are bounded by the interpreter: they are converted once, as
cheaply as the interpreter allows, before the pass. A column no reader takes (e.g. tz-aware
datetimes), a value that does not convert, a members table, unsorted rows with sparse
integer ids, or a policy error returns None: the general path (``_claims`` then
``yibao::adjudicate``) then runs, and words every error.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _core
from ._claims import (
    _UNITS_PER_DAY,
    MAX_AMOUNT_FEN,
    SERVICE_CODES,
    STATUS_CODES,
    TIER_CODES,
    _ids,
    arrow_string_chunks,
)
from ._context import add_supplementary
from ._money import Rounding, Unit, _core_rounding, to_fen
from .errors import InputError

__all__ = ["adjudicate_frame"]


def _table(codes: dict[str, int]) -> Any:
    return _core.LabelTable(list(codes), list(codes.values()))


_LABELS = _core.FrameLabels(_table(STATUS_CODES), _table(SERVICE_CODES), _table(TIER_CODES))
_REQUIRED = {"member_id", "date", "level", "eligible", "status"}
_Spec = tuple[Any, ...]


def _arrow(series: pd.Series) -> pa.Array | None:
    """The Arrow array behind an Arrow-backed column (its chunks combined), or None."""
    chunked = getattr(series.array, "_pa_array", None)
    if not isinstance(chunked, pa.ChunkedArray):
        return None
    return chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()


def _values(arr: pa.Array, dtype: Any) -> np.ndarray:
    """The values buffer of a fixed-width Arrow array, without a copy."""
    n = len(arr)
    data = np.frombuffer(arr.buffers()[1], dtype=dtype)
    out: np.ndarray = data[arr.offset : arr.offset + n]
    return out


def _text_objects(series: pd.Series) -> pa.Array | None:
    """An object column of str as one Arrow large_string array (bytes copied by the core),
    or None if some value is not a str."""
    if series.dtype != np.dtype(object):
        return None
    found = _core.string_chunk_from_objects(series.to_numpy())
    if found is None:
        return None
    offsets, data = found
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.large_string(), len(series), buffers)


# ---- ids ---------------------------------------------------------------------------------


def _run_codes(arr: pa.Array) -> np.ndarray | None:
    """Codes of a text key column whose equal keys are adjacent (each member's rows together,
    as sorted claims have them): one code per run, in order. None if a key has two runs."""
    _, offsets, data = arr.buffers()
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    at = np.frombuffer(offsets, dtype=offset_type)[arr.offset : arr.offset + len(arr) + 1]
    text = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    codes: np.ndarray | None = _core.run_codes(at, text)
    return codes


def _member(series: pd.Series, threads: int) -> np.ndarray | None:
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        if dtype == np.uint64 and len(series) and series.max() > np.iinfo(np.int64).max:
            return None
        out: np.ndarray = series.to_numpy(dtype=np.int64)  # no copy for int64
        return out
    arr = _arrow(series)
    if arr is None:
        arr = _text_objects(series)
    if arr is not None and arr.null_count == 0:
        if pa.types.is_signed_integer(arr.type) or (
            pa.types.is_unsigned_integer(arr.type) and arr.type.bit_width < 64
        ):
            return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.int64)
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            codes = _run_codes(arr)
            if codes is not None:
                return codes
    try:
        return _ids(series, "member_id", threads)
    except InputError:
        return None


# ---- dates -------------------------------------------------------------------------------

_ARROW_UNITS = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _date_from_arrow(arr: pa.Array) -> _Spec | None:
    if arr.null_count:
        return None
    if pa.types.is_timestamp(arr.type) and arr.type.tz is None:
        return ("ticks", _values(arr, np.int64), _ARROW_UNITS[arr.type.unit])
    if pa.types.is_date32(arr.type):
        return ("days", _values(arr, np.int32))
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        try:  # strictly YYYY-MM-DD; anything else is the general path's to read or word
            return ("days", _values(pc.cast(arr, pa.date32()), np.int32))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    return None


def _date(series: pd.Series) -> _Spec | None:
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        unit, count = np.datetime_data(dtype)
        per_day = _UNITS_PER_DAY.get(unit)
        if per_day is None or count != 1:
            return None
        return ("ticks", series.to_numpy().view(np.int64), per_day)
    arr = _arrow(series)
    if arr is None:
        arr = _text_objects(series)  # ISO text
    if arr is None and dtype == np.dtype(object):
        try:  # datetime.date objects, ISO text: one conversion, bounded by the interpreter
            arr = pa.array(series.to_numpy(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            return None
    return None if arr is None else _date_from_arrow(arr)


# ---- levels ------------------------------------------------------------------------------


def _level(series: pd.Series) -> _Spec | None:
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iu" or dtype == np.float64:
            return (series.to_numpy(), None)
        return None
    if isinstance(dtype, pd.core.arrays.integer.IntegerDtype):
        array = series.array
        return (array._data, array._mask.view(np.uint8) if array._mask.any() else None)
    arr = _arrow(series)
    if arr is not None and pa.types.is_integer(arr.type):
        values = _values(arr, arr.type.to_pandas_dtype())
        if arr.null_count == 0:
            return (values, None)
        return (values, np.asarray(arr.is_null(), dtype=bool).view(np.uint8))
    return None


# ---- amounts -----------------------------------------------------------------------------


def _read_decimal_objects(values: np.ndarray) -> np.ndarray | None:
    out: np.ndarray | None = _core.fen_from_decimal_objects(values, Decimal)
    return out


def _decimal_reader_works() -> bool:
    """Whether the core reads this interpreter's Decimal objects right (checked once)."""
    import decimal

    if getattr(decimal, "__libmpdec_version__", None) is None:  # the pure-Python module
        return False
    cases: dict[str, int | None] = {"0": 0, "1": 100, "-1.5": -150, "12.30": 1230, "1.230": 123}
    cases |= {"1E+3": 100_000, "0E-9": 0, "92233720368547758.07": 2**63 - 1}
    cases |= {"0.001": None, "NaN": None, "-Infinity": None}
    try:
        for text, fen in cases.items():
            got = _read_decimal_objects(np.array([Decimal(text)], dtype=object))
            if (None if got is None else int(got[0])) != fen:
                return False
    except Exception:  # any failure: the interpreter's own conversion instead
        return False
    return True


_DECIMAL_READER = _decimal_reader_works()


def _amounts(series: pd.Series, unit: Unit) -> _Spec | None:
    dtype = series.dtype
    per_unit = 100 if unit == "yuan" else 1
    if len(series) == 0:
        return None
    if isinstance(dtype, np.dtype):
        if dtype == np.float64:
            return ("yuan", series.to_numpy()) if unit == "yuan" else None
        if dtype.kind == "i":
            return ("units", series.to_numpy(dtype=np.int64), per_unit)
        if dtype == np.dtype(object) and unit == "yuan" and _DECIMAL_READER:
            fen = _read_decimal_objects(series.to_numpy())
            return None if fen is None else ("units", fen, 1)
        return None
    arr = _arrow(series)
    if arr is None or arr.null_count:
        return None
    if pa.types.is_decimal128(arr.type) and unit == "yuan":
        return ("decimal128", _words(arr), arr.type.scale)
    if pa.types.is_float64(arr.type) and unit == "yuan":
        return ("yuan", _values(arr, np.float64))
    if pa.types.is_signed_integer(arr.type):
        return ("units", np.asarray(arr.to_numpy(), dtype=np.int64), per_unit)
    return None


def _words(arr: pa.Array) -> np.ndarray:
    """The two 64-bit words of each decimal128 value, without a copy."""
    n = len(arr)
    words = np.frombuffer(arr.buffers()[1], dtype=np.uint64)
    out: np.ndarray = words[2 * arr.offset : 2 * (arr.offset + n)]
    return out


# ---- labels ------------------------------------------------------------------------------


def _label_key(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _by_code(categories: Any, table: Mapping[str, int]) -> np.ndarray:
    """The vocabulary code of each category (-1: not a label), made once for the column."""
    return np.array([table.get(_label_key(c), -1) for c in categories], dtype=np.int8)


def _labels(series: pd.Series, table: Mapping[str, int]) -> _Spec | None:
    found = arrow_string_chunks(series)
    if found is not None:
        chunks, large = found
        return ("large" if large else "string", chunks)
    text = _text_objects(series)
    if text is not None:
        _, offsets, data = text.buffers()
        offsets_view = np.frombuffer(offsets, dtype=np.int64)
        return ("large", [(offsets_view, np.frombuffer(data, dtype=np.uint8), None, 0)])
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        return ("codes", codes, _by_code(series.cat.categories, table))
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable values: the general path words it
        return None
    return ("codes", codes, _by_code(uniques, table))


# ---- the route ---------------------------------------------------------------------------


def adjudicate_frame(
    claims: pd.DataFrame,
    policy: Any,
    *,
    rounding: Rounding | None,
    threads: int,
    layout: Any,
    unit: Unit = "yuan",
) -> dict[str, np.ndarray] | None:
    """The kernel's result columns, or None when the general path must run."""
    columns = claims.columns
    if columns.duplicated().any() or not _REQUIRED <= set(columns):
        return None
    member = _member(claims["member_id"], threads)
    date = _date(claims["date"])
    level = _level(claims["level"])
    eligible = _amounts(claims["eligible"], unit)
    status = _labels(claims["status"], STATUS_CODES)
    if member is None or date is None or level is None or eligible is None or status is None:
        return None
    optional: dict[str, _Spec | None] = {}
    for name, table in (("service", SERVICE_CODES), ("tier", TIER_CODES)):
        if name in columns:
            optional[name] = _labels(claims[name], table)
            if optional[name] is None:
                return None
    prescriber = None
    if "prescriber_level" in columns:
        prescriber = _level(claims["prescriber_level"])
        if prescriber is None:
            return None
    institution = None
    if "institution_id" in columns:
        try:
            institution = _ids(claims["institution_id"], "institution_id", threads)
        except InputError:
            return None  # the general path checks the other columns first, then this one
    out: dict[str, np.ndarray] | None = _core.adjudicate_frame(
        policy,
        member,
        date,
        level,
        eligible,
        status,
        optional.get("service"),
        optional.get("tier"),
        prescriber,
        institution,
        _core_rounding(rounding),
        MAX_AMOUNT_FEN,
        _LABELS,
        threads,
        layout,
    )
    if out is not None:
        # Eligible is converted in C++ here: the few rows the supplementary fund paid have
        # their amounts read again by the package's money reader (_context.add_supplementary).
        add_supplementary(
            out,
            lambda rows: to_fen(
                claims["eligible"].iloc[rows], "eligible", rounding=rounding, unit=unit
            ),
        )
    return out
