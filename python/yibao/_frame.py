"""The one route of ``yibao.adjudicate``: column readers, one per logical column (issue 15).

Frame (or columns) in, the kernel's result columns out: :func:`adjudicated` is the
boundary every caller crosses (``yibao.adjudicate``, and readers of other containers that
hand over their columns as a frame), :func:`convert_frame` the same readers writing whole
converted columns for callers that run the kernel many times (``yibao._many``).

Each reader looks at how the frame holds its column and describes it to the core as a layout
plus the buffers to read in place (numpy arrays, Arrow buffers); the core then converts and
adjudicates block by block in one pass with the GIL released (``yibao::adjudicate_frame``,
``cpp/src/readers.hpp``), so the converted columns never leave the cache. Unsorted rows are
placed by member on the way (``cpp/src/placement.hpp``).

What each column may be, read in place:

* ids: integers of any width (read as they are), or text (factorized once by the core over
  the keys' bytes: while the keys come in order, as claims sorted by member have them, a row
  costs a comparison with the row before; from the first key out of order on, a key equal to
  the row before costs a comparison, any other a hash);
* dates: datetime64 of any unit, Arrow timestamps and date32 (read in place); ISO text
  (``YYYY-MM-DD`` parsed by the core, other text by pyarrow) and ``datetime.date`` objects
  (read by the core through the datetime C API), converted once to days;
* levels: integers of any width, signed or not, nullable (pandas' masked or Arrow), float64;
* amounts: float64, Arrow decimal128, integers with a unit, ``decimal.Decimal`` objects
  (their digits read by the core, a few ns a value, see ``cpp/bindings/decimal_objects.hpp``);
* labels: Arrow string / large_string (matched in place), categoricals (the categories
  mapped once, the codes read in place), object columns of ``str`` (each matched from the
  object's own bytes by the core), any other column (factorized once, then the same).

Any other layout (tz-aware datetimes, float32 amounts, mixed objects, ...) is converted
column by column once by the careful converters of ``_claims`` and ``_money`` into the
kernel's own types, which the core then reads like any other layout. A members table is
joined into per-row status and tier codes the same way.

Errors: the core stops at a block with a bad value and names the first bad row of the first
column with one, in the schema's order; the column's careful converter then words it
exactly (column, row label, value). Errors of the policy come from the kernel with their
row and column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _core
from ._claims import (
    _UNITS_PER_DAY,
    MAX_AMOUNT_FEN,
    REQUIRED,
    SERVICE_CODES,
    STATUS_CODES,
    TIER_CODES,
    ClaimArrays,
    _codes,
    _days,
    _fail,
    _ids,
    _levels,
    _members_lookup,
    _show,
    _status,
    arrow_string_chunks,
    eligible_fen,
)
from ._context import add_supplementary
from ._money import Rounding, Unit, _core_rounding, to_fen
from ._schema import RULE_CODES_PER_VERSION
from .errors import InputError, PolicyError

__all__ = ["adjudicated", "convert_frame"]


def _table(codes: Mapping[str, int]) -> Any:
    return _core.LabelTable(list(codes), list(codes.values()))


_LABELS = _core.FrameLabels(_table(STATUS_CODES), _table(SERVICE_CODES), _table(TIER_CODES))
_LABEL_TABLES = {"status": STATUS_CODES, "service": SERVICE_CODES, "tier": TIER_CODES}
# The core's reader check of a pharmacy row without a prescriber level (adjudicate_frame.cpp).
_PHARMACY = (
    "a pharmacy row (外配处方) needs prescriber_level: its rules take the prescribing "
    "institution's level"
)
_IDENTITY = np.arange(128, dtype=np.int8)  # by_code for columns already in vocabulary codes
_Spec = tuple[Any, ...]


def _arrow(series: pd.Series) -> pa.Array | None:
    """The Arrow array behind an Arrow-backed column (its chunks combined), or None."""
    chunked = getattr(series.array, "_pa_array", None)
    if not isinstance(chunked, pa.ChunkedArray):
        return None
    return chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()


def _flat(values: np.ndarray) -> np.ndarray:
    """The values one after another in memory, as the core reads them (a copy only for a
    strided view, e.g. of a reversed frame)."""
    return np.ascontiguousarray(values)


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


def _string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (rows + 1 of them) and bytes of an Arrow string array, without a copy."""
    _, offsets, data = arr.buffers()
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    at = np.frombuffer(offsets, dtype=offset_type)[arr.offset : arr.offset + len(arr) + 1]
    text = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    return at, text


def _text_codes(arr: pa.Array) -> np.ndarray | None:
    """Dense codes of a text key column, in order of first appearance (as ``pd.factorize``
    gives them), by the core over the keys' bytes: keys in order (by bytes, or by length then
    bytes as numbers written as text sort) are numbered by run with one comparison a row, the
    rest hashed (a key equal to the row before it still costs a comparison only).

    >>> _text_codes(pa.array(["9", "9", "10", "9", "b"])).tolist()
    [0, 0, 1, 0, 2]
    """
    codes: np.ndarray | None = _core.text_codes(*_string_buffers(arr))
    return codes


def _member(series: pd.Series, threads: int) -> np.ndarray:
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        if dtype == np.uint64 and len(series) and series.max() > np.iinfo(np.int64).max:
            return _ids(series, "member_id", threads)
        out: np.ndarray = _flat(series.to_numpy(dtype=np.int64))  # no copy for int64
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
            codes = _text_codes(arr)
            if codes is not None:
                return codes
    return _ids(series, "member_id", threads)  # words a bad key


# ---- dates -------------------------------------------------------------------------------

_ARROW_UNITS = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _date_from_arrow(arr: pa.Array, threads: int = 1) -> _Spec | None:
    if arr.null_count:
        return None
    if pa.types.is_timestamp(arr.type) and arr.type.tz is None:
        return ("ticks", _values(arr, np.int64), _ARROW_UNITS[arr.type.unit])
    if pa.types.is_date32(arr.type):
        return ("days", _values(arr, np.int32))
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        days = _core.days_from_iso_text(*_string_buffers(arr), threads)  # YYYY-MM-DD
        if days is not None:
            return ("days", days)
        try:  # strictly YYYY-MM-DD; anything else is for the careful converter (_days)
            return ("days", _values(pc.cast(arr, pa.date32()), np.int32))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    return None


def _date(series: pd.Series, threads: int) -> _Spec:
    spec = _date_in_place(series, threads)
    return ("days", _days(series, threads=threads)) if spec is None else spec


def _date_in_place(series: pd.Series, threads: int) -> _Spec | None:
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        unit, count = np.datetime_data(dtype)
        per_day = _UNITS_PER_DAY.get(unit)
        if per_day is None or count != 1:
            return None
        return ("ticks", _flat(series.to_numpy()).view(np.int64), per_day)
    if dtype == np.dtype(object):
        days = _core.days_from_date_objects(series.to_numpy(), threads)  # by the core
        if days is not None:
            return ("days", days)
    arr = _arrow(series)
    if arr is None:
        arr = _text_objects(series)  # ISO text
    if arr is None and dtype == np.dtype(object):
        try:  # datetime.date objects, ISO text: one conversion, bounded by the interpreter
            arr = pa.array(series.to_numpy(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            return None
    return None if arr is None else _date_from_arrow(arr, threads)


# ---- levels ------------------------------------------------------------------------------


def _level(series: pd.Series, column: str, *, allow_missing: bool, threads: int) -> _Spec:
    spec = _level_in_place(series)
    if spec is not None:
        return spec
    levels = _levels(series, column, allow_missing=allow_missing, threads=threads)
    missing = levels < 0
    return (levels, missing.view(np.uint8) if missing.any() else None)


def _level_in_place(series: pd.Series) -> _Spec | None:
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iu" or dtype == np.float64:
            return (_flat(series.to_numpy()), None)
        return None
    if isinstance(dtype, pd.core.arrays.integer.IntegerDtype):
        array = series.array
        mask = _flat(array._mask).view(np.uint8) if array._mask.any() else None
        return (_flat(array._data), mask)
    arr = _arrow(series)
    if arr is not None and pa.types.is_integer(arr.type):
        values = _values(arr, arr.type.to_pandas_dtype())
        if arr.null_count == 0:
            return (values, None)
        return (values, np.asarray(arr.is_null(), dtype=bool).view(np.uint8))
    return None


# ---- amounts -----------------------------------------------------------------------------


def _read_decimal_objects(values: np.ndarray, threads: int = 1) -> np.ndarray | None:
    out: np.ndarray | None = _core.fen_from_decimal_objects(values, Decimal, threads)
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


def _amounts(series: pd.Series, rounding: Rounding | None, unit: Unit, threads: int) -> _Spec:
    spec = _amounts_in_place(series, unit, threads)
    if spec is None:
        return ("units", eligible_fen(series, rounding=rounding, unit=unit, threads=threads), 1)
    return spec


def _amounts_in_place(series: pd.Series, unit: Unit, threads: int) -> _Spec | None:
    dtype = series.dtype
    per_unit = 100 if unit == "yuan" else 1
    if len(series) == 0:
        return None
    if isinstance(dtype, np.dtype):
        if dtype == np.float64:
            return ("yuan", _flat(series.to_numpy())) if unit == "yuan" else None
        if dtype.kind == "i":
            return ("units", _flat(series.to_numpy(dtype=np.int64)), per_unit)
        if dtype == np.dtype(object) and unit == "yuan" and _DECIMAL_READER:
            fen = _read_decimal_objects(series.to_numpy(), threads)
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


def _converted_codes(codes: np.ndarray, table: Mapping[str, int]) -> _Spec:
    """Codes of the vocabulary already (a careful conversion, a members join), read as such."""
    return ("codes", codes, np.arange(max(table.values()) + 1, dtype=np.int8))


def _labels(series: pd.Series, column: str, threads: int) -> _Spec:
    table = _LABEL_TABLES[column]
    spec = _labels_in_place(series, table, threads)
    return _converted_codes(_codes(series, column, table, threads), table) if spec is None else spec


def _labels_in_place(series: pd.Series, table: Mapping[str, int], threads: int) -> _Spec | None:
    found = arrow_string_chunks(series)
    if found is not None:
        chunks, large = found
        return ("large" if large else "string", chunks)
    if series.dtype == np.dtype(object):
        # Matched from the str objects' own bytes: a vocabulary code a row, -1 for anything
        # else (the pass stops at that block, and the careful converter words it).
        codes = _core.label_codes_from_objects(series.to_numpy(), _table(table), threads)
        return ("codes", codes, _IDENTITY)
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = _flat(series.cat.codes.to_numpy())
        return ("codes", codes, _by_code(series.cat.categories, table))
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable values: the careful converter words it
        return None
    return ("codes", codes, _by_code(uniques, table))


# ---- the route ---------------------------------------------------------------------------


def _check_frame(claims: Any, members: Any, unit: Unit) -> None:
    if not isinstance(claims, pd.DataFrame):
        raise TypeError(f"claims must be a pandas DataFrame, got {type(claims).__name__}")
    if members is not None and not isinstance(members, pd.DataFrame):
        raise TypeError(f"members must be a pandas DataFrame, got {type(members).__name__}")
    if unit not in ("yuan", "fen"):
        raise ValueError(f"unit must be 'yuan' or 'fen', got {unit!r}")
    duplicated = claims.columns.duplicated()
    if duplicated.any():
        raise InputError(
            "claims has duplicate column names", column=str(claims.columns[duplicated][0])
        )
    for column in REQUIRED:
        if column not in claims.columns:
            raise InputError(
                f"required column is missing (have: {list(claims.columns)})", column=column
            )


class _Readers(NamedTuple):
    """Each column's reader, as ``_core.adjudicate_frame`` and ``convert_frame`` take them."""

    member: np.ndarray
    date: _Spec
    level: _Spec
    eligible: _Spec
    status: _Spec
    service: _Spec | None
    tier: _Spec | None
    prescriber: _Spec | None
    institution: np.ndarray | None


def _describe(
    claims: pd.DataFrame,
    members: pd.DataFrame | None,
    rounding: Rounding | None,
    unit: Unit,
    threads: int,
) -> _Readers:
    """Each column's reader, in the schema's order; a column no reader takes in place is
    converted here by its careful converter (which words its errors).

    A careful converter's error is raised only after the core has read the columns before
    it: a bad value there comes first, as in the schema's order.
    """
    _check_frame(claims, members, unit)
    columns = claims.columns
    n = len(claims)
    failed: list[InputError] = []

    # A failed column's placeholder is made only then: allocating them on every call cost
    # 30-40 ms at 2 M rows (fresh pages, zeroed).
    def read(convert: Callable[[], Any], placeholder: Callable[[], Any]) -> Any:
        if failed:
            return placeholder()
        try:
            return convert()
        except InputError as exc:
            failed.append(exc)
            return placeholder()

    def status() -> _Spec:
        if "status" in columns:
            return _labels(claims["status"], "status", threads)
        # From the members' retire_date (raises if there is none).
        day = date[1] if date[0] == "days" else _days(claims["date"], threads=threads)
        return _converted_codes(_status(claims, members, day, threads), STATUS_CODES)

    def tier() -> _Spec | None:
        source = claims["tier"] if "tier" in columns else _members_lookup(claims, members, "tier")
        return None if source is None else _labels(source, "tier", threads)

    def optional(
        column: str, convert: Callable[[pd.Series], Any], placeholder: Callable[[], Any]
    ) -> Any:
        return read(lambda: convert(claims[column]), placeholder) if column in columns else None

    def zeros(dtype: type[np.generic]) -> np.ndarray:
        return np.zeros(n, dtype=dtype)

    member = _member(claims["member_id"], threads)
    date = read(lambda: _date(claims["date"], threads), lambda: ("days", zeros(np.int32)))
    level = read(
        lambda: _level(claims["level"], "level", allow_missing=False, threads=threads),
        lambda: (zeros(np.int8), None),
    )
    eligible = read(
        lambda: _amounts(claims["eligible"], rounding, unit, threads),
        lambda: ("units", zeros(np.int64), 1),
    )
    readers = _Readers(
        member,
        date,
        level,
        eligible,
        read(status, lambda: _converted_codes(zeros(np.int8), STATUS_CODES)),
        optional("service", lambda s: _labels(s, "service", threads), lambda: None),
        read(tier, lambda: None),
        optional(
            "prescriber_level",
            lambda s: _level(s, "prescriber_level", allow_missing=True, threads=threads),
            # (a level on every row: no pharmacy row lacks one)
            lambda: (zeros(np.int8), None),
        ),
        optional("institution_id", lambda s: _ids(s, "institution_id", threads), lambda: None),
    )
    if failed:
        _check(claims, readers, rounding, unit, threads)
        raise failed[0]
    return readers


def _check(
    claims: pd.DataFrame, r: _Readers, rounding: Rounding | None, unit: Unit, threads: int
) -> None:
    """Raise the error of the first bad value the core's readers find (error path only)."""
    _converted(claims, r, rounding, unit, threads)


def _converted(
    claims: pd.DataFrame, r: _Readers, rounding: Rounding | None, unit: Unit, threads: int
) -> dict[str, np.ndarray]:
    """The readers' whole converted columns; an error worded as the careful converter does."""
    try:
        out: dict[str, np.ndarray] = _core.convert_frame(
            *r, _core_rounding(rounding), MAX_AMOUNT_FEN, _LABELS, threads
        )
    except InputError as exc:
        raise _worded(exc, claims, rounding, unit, threads) from None
    return out


def _worded(
    exc: InputError, claims: pd.DataFrame, rounding: Rounding | None, unit: Unit, threads: int
) -> InputError:
    """The core's error as the column's careful converter words it (the value and the row
    label), or the core's own words at the caller's row label (the kernel's errors)."""
    column, position = exc.column, exc.position
    if position is None:
        return exc
    if column == "prescriber_level" and exc.reason == _PHARMACY:
        value = claims[column].iloc[position] if column in claims.columns else None
        return _fail(f"{_PHARMACY} (value {_show(value)})", column, claims.index, position)
    if column in claims.columns:
        series = claims[column]
        try:
            if column == "date":
                _days(series, threads=threads)
            elif column in ("level", "prescriber_level"):
                _levels(series, column, allow_missing=column != "level", threads=threads)
            elif column == "eligible":
                eligible_fen(series, rounding=rounding, unit=unit, threads=threads)
            elif column in _LABEL_TABLES:
                _codes(series, column, _LABEL_TABLES[column], threads)
        except InputError as careful:
            return careful
    return exc.at_row(claims.index[position])


def _at_row(exc: PolicyError, index: pd.Index) -> Exception:
    position = exc.position
    if position is not None and hasattr(exc, "at_row"):
        worded: Exception = exc.at_row(index[position])
        return worded
    return exc


# Every rule code the kernel can give (max_versions versions of RULE_CODES_PER_VERSION codes).
_ALL_RULE_CODES = _core.max_versions * RULE_CODES_PER_VERSION


def adjudicated(
    claims: pd.DataFrame,
    policy: Any,
    *,
    members: pd.DataFrame | None = None,
    rounding: Rounding | None,
    threads: int,
    layout: Any,
    unit: Unit = "yuan",
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Frame in, the kernel's result columns out (``_schema.OUTPUT_COLUMNS``), and which
    rule codes occur in them (one byte a code, ``_core.codes_present`` over every code the
    kernel can give: found once, for the ``rule`` column's categories and for the
    supplementary column). Every input takes this route. ``policy`` is a compiled policy
    (``Policy.core``). Errors name the column, the row label and the value."""
    r = _describe(claims, members, rounding, unit, threads)
    try:
        out: dict[str, np.ndarray] = _core.adjudicate_frame(
            policy, *r, _core_rounding(rounding), MAX_AMOUNT_FEN, _LABELS, threads, layout
        )
    except InputError as exc:
        raise _worded(exc, claims, rounding, unit, threads) from None
    except PolicyError as exc:
        raise _at_row(exc, claims.index) from None
    present: np.ndarray = _core.codes_present(out["rule"], _ALL_RULE_CODES, threads)
    # Eligible is converted in C++ here: the few rows the supplementary fund paid have their
    # amounts read again by the package's money reader (_context.add_supplementary).
    add_supplementary(
        out,
        lambda rows: to_fen(
            claims["eligible"].iloc[rows], "eligible", rounding=rounding, unit=unit
        ),
        present,
    )
    return out, present


def convert_frame(
    claims: pd.DataFrame,
    members: pd.DataFrame | None = None,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    threads: int = 1,
) -> ClaimArrays:
    """The claims as the kernel's columns, converted by the same readers (whole columns
    instead of blocks), for callers that run the kernel many times (``yibao._many``)."""
    r = _describe(claims, members, rounding, unit, threads)
    out = _converted(claims, r, rounding, unit, threads)
    return ClaimArrays(
        member=r.member,
        day=out["day"],
        level=out["level"],
        eligible=out["eligible"],
        status=out["status"],
        service=out["service"],
        prescriber=out["prescriber"],
        tier=out["tier"],
        institution=r.institution,
    )
