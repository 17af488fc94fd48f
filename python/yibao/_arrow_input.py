"""Claims given as Arrow data: Arrow in, Arrow out, through the same readers (issue 15).

``yibao.adjudicate`` takes, besides a pandas frame, a ``pyarrow.Table``,
``pyarrow.RecordBatch`` or ``pyarrow.RecordBatchReader``, and any object that exposes the
Arrow C stream interface (``__arrow_c_stream__``: a polars DataFrame, a DuckDB relation, a
nanoarrow stream...). The stream is read once (``pyarrow.RecordBatchReader.from_stream``)
and each of its columns is wrapped, without a copy, as a pandas column of
``pd.ArrowDtype``, which the column readers of ``_frame`` read in place: fixed-width values
(ids, dates, levels, amounts) from their Arrow buffers, strings chunk by chunk. So an Arrow
input never goes through Python objects.

What comes back is Arrow too (decided here, see docs/data-contract.md, "Arrow input"): a
``pyarrow.Table`` with the input's columns exactly as they came (the same buffers), then
the output columns of ``yibao._schema.OUTPUT_COLUMNS``: money as ``decimal128(18, 2)``
(``money="fen"``: int64 fen; ``"float"``: float64) and ``rule`` dictionary-encoded (one
label per rule that decided some row). A pyarrow Table is itself an Arrow stream, so
``polars.from_arrow(result)`` or a DuckDB query over it takes it back without a copy.

Two conversions are not free, and are made once per column: a column of several chunks
whose reader needs one contiguous buffer (ids, dates, levels, amounts) is joined into one
(a copy of those fixed-width values, not of the strings, which are read chunk by chunk);
and ``string_view`` columns (polars' strings) are cast to ``large_string``, the layout the
readers read.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeGuard

import pandas as pd
import pyarrow as pa

from ._schema import OUTPUT_COLUMNS
from .errors import InputError

__all__ = [
    "RULE_IN_FILES",
    "ArrowStream",
    "arrow_frame",
    "arrow_table",
    "is_arrow_claims",
    "with_outputs",
]


class ArrowStream(Protocol):
    """Anything with the Arrow PyCapsule stream interface (pyarrow, polars, DuckDB, ...)."""

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...


def is_arrow_claims(claims: object) -> TypeGuard[ArrowStream]:
    """Whether ``claims`` are Arrow data to read as such (pandas frames are not: pandas
    exports a stream too, but is read as the frame it is).

    >>> import pandas as pd, pyarrow as pa
    >>> is_arrow_claims(pa.table({"a": [1]})), is_arrow_claims(pd.DataFrame({"a": [1]}))
    (True, False)
    """
    if isinstance(claims, pd.DataFrame):
        return False
    return isinstance(claims, (pa.Table, pa.RecordBatch, pa.RecordBatchReader)) or hasattr(
        type(claims), "__arrow_c_stream__"
    )


def arrow_table(claims: Any) -> pa.Table:
    """The claims as one ``pyarrow.Table``, read from the stream once, without a copy.

    >>> arrow_table(pa.record_batch({"a": [1, 2]})).num_rows
    2
    """
    if isinstance(claims, pa.Table):
        return claims
    if isinstance(claims, pa.RecordBatch):
        return pa.Table.from_batches([claims])
    if isinstance(claims, pa.RecordBatchReader):
        return claims.read_all()
    if not hasattr(pa.RecordBatchReader, "from_stream"):
        raise TypeError(f"reading an Arrow C stream needs pyarrow >= 15 (this is {pa.__version__})")
    return pa.RecordBatchReader.from_stream(claims).read_all()


def _is_string_view(arrow_type: pa.DataType) -> bool:
    return bool(getattr(pa.types, "is_string_view", lambda _: False)(arrow_type))  # pyarrow 16+


def _column(values: pa.ChunkedArray) -> Any:
    """One column as pandas holds it for the readers: Arrow-backed, in place."""
    if pa.types.is_dictionary(values.type):
        return values.to_pandas().array  # a Categorical: categories mapped once, codes read
    if _is_string_view(values.type):
        values = values.cast(pa.large_string())
    return pd.arrays.ArrowExtensionArray(values)


def arrow_frame(table: pa.Table, first_row: int = 0) -> pd.DataFrame:
    """A pandas frame over ``table``'s own buffers (``pd.ArrowDtype`` columns), indexed by
    row number from ``first_row``, so that errors name the row of the Arrow data (or file).

    >>> frame = arrow_frame(pa.table({"level": pa.array([1, 2], pa.int8())}), first_row=10)
    >>> frame.index.tolist(), str(frame["level"].dtype)
    ([10, 11], 'int8[pyarrow]')
    """
    names = table.column_names
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"the claims have two columns named {name!r}", column=name)
        seen.add(name)
    columns = {name: _column(table.column(name)) for name in names}
    index = pd.RangeIndex(first_row, first_row + table.num_rows)
    return pd.DataFrame(columns, index=index, copy=False)


# ``rule`` in a file written piece by piece: one type for every piece, whichever labels it has.
RULE_IN_FILES = pa.dictionary(pa.int32(), pa.string())


def with_outputs(
    table: pa.Table, result: pd.DataFrame, *, rule_type: pa.DataType | None = None
) -> pa.Table:
    """``table`` as it was, then the output columns of ``result`` (``yibao.adjudicate``'s
    frame over it) as Arrow columns, ``rule`` cast to ``rule_type`` if given."""
    outputs = pa.Table.from_pandas(result[list(OUTPUT_COLUMNS)], preserve_index=False)
    out = table
    for name in OUTPUT_COLUMNS:
        column = outputs.column(name)
        if name == "rule" and rule_type is not None:
            column = column.cast(rule_type)
        out = out.append_column(pa.field(name, column.type), column)
    return out
