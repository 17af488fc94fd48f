"""Claim files for the command line: read CSV/Parquet, and write the user's own columns back
as they were with yibao's columns added (issue 19).

A CSV file is read as text, every column. yibao gets a typed copy of the columns it reads
(money as exact decimals, levels as numbers, ISO dates as dates); the user's columns are
written back from the file's own bytes: each output line is the input line, unchanged
(dates, amounts, quoting, line ending), followed by yibao's columns. Where that cannot hold
(a quoted field over several lines, blank lines, another delimiter for the output) the
user's columns are written from their text through Arrow's CSV writer: the same values,
Arrow's quoting. Parquet columns keep their Arrow types.

Every error names the file, the column by name and the row (1-based data row, and the
file's line when records are one per line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .cases import CLAIM_MONEY_COLUMNS
from .cases import MONEY_COLUMNS as MONEY_OUTPUTS
from .errors import InputError

__all__ = ["ClaimFile", "read_claim_file", "read_table", "write_table", "write_with_outputs"]

# Columns read as exact amounts: the claims' and members' money columns and yibao's own
# outputs, so that its files read back exactly.
MONEY_COLUMNS = (*CLAIM_MONEY_COLUMNS, "base", "pension", *MONEY_OUTPUTS)
LEVEL_COLUMNS = ("level", "prescriber_level")
DATE_COLUMNS = ("date", "retire_date", "birth_date")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".csv.bz2")
_PARQUET_SUFFIXES = (".parquet", ".pq")


class FileInputError(InputError):
    """Bad data in a file: names the file, the column, the data row and the line."""

    def __init__(
        self, message: str, *, path: Path, column: str | None = None, where: str | None = None
    ) -> None:
        self.path = path
        self.where = where
        super().__init__(message, column=column)

    def _format(self) -> str:
        parts = [str(self.path)]
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.where is not None:
            parts.append(self.where)
        return f"{', '.join(parts)}: {self.reason}"


def kind(path: Path) -> str:
    """``"csv"`` or ``"parquet"`` from the file name."""
    name = path.name.lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    raise ValueError(f"{path}: unknown file type; use .csv (or .csv.gz, .tsv) or .parquet")


def _delimiter(path: Path) -> str:
    return "\t" if path.name.lower().endswith(".tsv") else ","


@dataclass
class ClaimFile:
    """A file as read: yibao's typed frame, the user's columns as they were, and the lines."""

    path: Path
    frame: pd.DataFrame
    own: pa.Table
    lines: pa.Array | None  # CSV header + one line per record (without \n), when that holds
    delimiter: str

    def error(self, exc: InputError) -> FileInputError:
        """yibao's error on a row of :attr:`frame`, said in the file's terms."""
        if isinstance(exc, FileInputError):
            return exc
        at = where(exc.row, self.lines is not None) if isinstance(exc.row, int) else None
        return FileInputError(exc.reason, path=self.path, column=exc.column, where=at)


def where(row: int, lines: bool) -> str:
    """``data row 3 (line 4)`` for the 0-based data row ``row``; the line when records are
    one per line."""
    return f"data row {row + 1}" + (f" (line {row + 2})" if lines else "")


def _bad_value(
    path: Path, column: str, row: int, value: str, what: str, lines: bool
) -> FileInputError:
    return FileInputError(
        f"{what} (value {value!r})", path=path, column=column, where=where(row, lines)
    )


def _text_to_decimal(text: pa.ChunkedArray, path: Path, column: str, lines: bool) -> pa.Array:
    values = pc.if_else(pc.equal(pc.utf8_trim_whitespace(text), ""), None, text)
    try:
        return pc.cast(values, pa.decimal128(38, 10))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    for row, value in enumerate(text.to_pylist()):  # error path only: find the first bad value
        try:
            if value.strip():
                exact = Decimal(value)
                if not exact.is_finite() or exact.as_tuple().exponent < -10:  # type: ignore[operator]
                    raise InvalidOperation
                if abs(exact) >= 10**28:
                    raise InvalidOperation
        except InvalidOperation:
            raise _bad_value(
                path, column, row, value, "not an amount (a decimal number such as 12.30)", lines
            ) from None
    raise FileInputError("cannot read the amounts", path=path, column=column)  # pragma: no cover


def _text_to_level(text: pa.ChunkedArray, path: Path, column: str, lines: bool) -> pa.Array:
    values = pc.if_else(pc.equal(pc.utf8_trim_whitespace(text), ""), None, text)
    try:
        return pc.cast(values, pa.float64())  # yibao checks 0..3 and integer, naming the row
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    for row, value in enumerate(text.to_pylist()):
        try:
            if value.strip():
                float(value)
        except ValueError:
            raise _bad_value(
                path, column, row, value, "not a level (an integer 0..3)", lines
            ) from None
    raise FileInputError("cannot read the levels", path=path, column=column)  # pragma: no cover


def _text_to_date(text: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """ISO dates as dates when every value is one; otherwise the text, for yibao's own date
    reader (which names the row of a value it cannot read)."""
    try:
        return pc.cast(text, pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return text


def _typed(own: pa.Table, path: Path, lines: bool) -> pd.DataFrame:
    """yibao's view of the user's text columns."""
    columns: dict[str, Any] = {}
    for name in own.column_names:
        column = own.column(name)
        if not pa.types.is_string(column.type):
            columns[name] = column
        elif name in MONEY_COLUMNS:
            columns[name] = _text_to_decimal(column, path, name, lines)
        elif name in LEVEL_COLUMNS:
            columns[name] = _text_to_level(column, path, name, lines)
        elif name in DATE_COLUMNS:
            columns[name] = _text_to_date(column)
        else:
            columns[name] = column
    table = pa.table(columns)
    return table.to_pandas(
        types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None,
        date_as_object=False,
    )


def _split_lines(raw: pa.Buffer | bytes) -> pa.Array:
    """The lines of a UTF-8 text without their ``\n`` (a ``\r`` stays); no last empty line."""
    text = pa.array([pa.py_buffer(raw).to_pybytes().decode("utf-8")], pa.large_string())
    lines = pc.list_flatten(pc.split_pattern(text, "\n"))
    if len(lines) and lines[len(lines) - 1].as_py() == "":
        lines = lines.slice(0, len(lines) - 1)
    return lines


def _record_lines(raw: bytes, rows: int) -> pa.Array | None:
    """The header and data lines, when the file has exactly one line per record."""
    try:
        lines = _split_lines(raw)
    except UnicodeDecodeError:
        return None
    if len(lines) != rows + 1:
        return None
    if pc.any(pc.equal(pc.utf8_rtrim(lines, "\r"), "")).as_py():
        return None  # a blank line
    if pc.any(pc.not_equal(pc.bit_wise_and(pc.count_substring(lines, '"'), 1), 0)).as_py():
        return None  # a quoted field runs over a line end
    return lines


def _line_of(path: Path, text: str) -> int | str:
    """The 1-based line of ``path`` that reads ``text`` (parallel parsing does not count
    lines; error path only)."""
    with pa.input_stream(str(path), compression="detect") as stream:
        lines = stream.read().decode("utf-8", "replace").splitlines()
    return next((i for i, line in enumerate(lines, 1) if line == text), "?")


def _refuse(path: Path, names: list[str], refuse: Sequence[str]) -> None:
    taken = [c for c in refuse if c in names]
    if taken:
        raise FileInputError(
            f"the file already has yibao's output column(s) {', '.join(taken)}: rename or "
            "drop them (yibao adds its own)",
            path=path,
            column=taken[0],
        )


def read_claim_file(path: str | Path, refuse: Sequence[str] = ()) -> ClaimFile:
    """Read a claims or members file: the user's columns as they are, and yibao's typed view.

    CSV columns are all read as text, so that they can be written back unchanged; money
    columns are then parsed as exact decimals (never floats), levels as numbers and ISO
    dates as dates; ``member_id`` and every other column stay text (``0012`` keeps its form).
    Parquet columns keep their Arrow types. A column named in ``refuse`` is an error.
    """
    import pyarrow.csv as csv
    import pyarrow.parquet as pq

    path = Path(path)
    if kind(path) == "parquet":
        own = pq.read_table(path)
        _refuse(path, own.column_names, refuse)
        frame = own.to_pandas(
            types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None,
            date_as_object=False,
        )
        return ClaimFile(path, frame, own, None, ",")

    delimiter = _delimiter(path)
    bad_rows: list[Any] = []

    def on_bad_row(row: Any) -> str:
        bad_rows.append(row)
        return "error"

    parse = csv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_bad_row)
    try:
        names = list(csv.open_csv(path, parse_options=parse).schema.names)
        _refuse(path, names, refuse)
        own = csv.read_csv(
            path,
            parse_options=parse,
            convert_options=csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
    except pa.ArrowInvalid as exc:
        if bad_rows:
            row = bad_rows[0]
            number = row.number if row.number is not None else _line_of(path, row.text)
            raise FileInputError(
                f"{row.actual_columns} fields where the header has {row.expected_columns} "
                f"({row.text[:80]!r})",
                path=path,
                where=f"line {number}",
            ) from None
        raise FileInputError(f"not a readable CSV file: {exc}", path=path) from None
    with pa.input_stream(str(path), compression="detect") as stream:
        lines = _record_lines(stream.read(), own.num_rows)
    return ClaimFile(path, _typed(own, path, lines is not None), own, lines, delimiter)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read claims or members from CSV or Parquet, with money as exact decimals.

    CSV money columns (``eligible``, ``total``, ``base``, ``pension`` and yibao's outputs
    ``deductible``, ``fund_paid``, ``self_pay``, ``capped``, ``ytd_fund_paid``) are parsed
    straight into Arrow decimals (no float on the way); ``member_id``, ``institution_id`` and
    other text columns are kept as text so identifiers such as ``0012`` keep their form; ISO
    dates become datetimes. A value that cannot be read is an error naming the file, the
    column and the row.

    Parameters
    ----------
    path
        A ``.csv``/``.csv.gz``/``.tsv`` or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame
    """
    return read_claim_file(path).frame


def _csv_bytes(table: pa.Table, delimiter: str, header: bool = True) -> bytes:
    import pyarrow.csv as csv

    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    sink = pa.BufferOutputStream()
    options = csv.WriteOptions(delimiter=delimiter, include_header=header)
    csv.write_csv(table, sink, write_options=options)
    return bytes(sink.getvalue().to_pybytes())


def _write_bytes(data: bytes | pa.Buffer, path: Path) -> None:
    with pa.output_stream(str(path), compression="detect") as stream:
        stream.write(data)


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a frame to CSV or Parquet; decimals stay exact (``12.30`` in CSV)."""
    path = Path(path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if kind(path) == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
        return
    _write_bytes(_csv_bytes(table, _delimiter(path)), path)


def write_with_outputs(source: ClaimFile, outputs: pd.DataFrame, path: str | Path) -> None:
    """Write the user's columns of ``source`` as they were, then yibao's ``outputs`` columns.

    CSV to CSV with the same delimiter and one line per record: each line is the input
    line's bytes, then yibao's fields. Otherwise the user's columns are written from their
    values as read (CSV: text; Parquet: their Arrow types).
    """
    path = Path(path)
    ours = pa.Table.from_pandas(outputs, preserve_index=False)
    ours = ours.set_column(
        ours.schema.get_field_index("rule"), "rule", ours.column("rule").cast(pa.string())
    )
    delimiter = _delimiter(path)
    if kind(path) == "csv" and source.lines is not None and source.delimiter == delimiter:
        # line by line in Arrow: the input line's text, the delimiter, yibao's fields, and the
        # input line's own ending (\r\n or \n)
        raw = pa.large_binary()  # the same bytes; slicing bytes, not characters, is cheap
        lines = source.lines.cast(raw)
        crlf = pc.ends_with(lines, b"\r")
        body = pc.if_else(crlf, pc.binary_slice(lines, 0, -1), lines)
        added = _split_lines(_csv_bytes(ours, delimiter)).cast(raw)
        joined = pc.binary_join_element_wise(body, added, pa.scalar(delimiter.encode(), raw))
        endings = pc.if_else(crlf, pa.scalar(b"\r\n", raw), pa.scalar(b"\n", raw))
        ended = pc.binary_join_element_wise(joined, endings, pa.scalar(b"", raw))
        one = pa.LargeListArray.from_arrays(pa.array([0, len(ended)], pa.int64()), ended)
        _write_bytes(pc.binary_join(one, pa.scalar(b"", raw))[0].as_buffer(), path)
        return
    table = source.own
    for name in ours.column_names:
        table = table.append_column(name, ours.column(name))
    if kind(path) == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    else:
        _write_bytes(_csv_bytes(table, delimiter), path)
