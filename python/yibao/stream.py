"""Out-of-core adjudication of a Parquet dataset sorted by member (issue 5).

The file is read in record batches; every batch is adjudicated by the same kernel and
written out before the next is read, so memory stays bounded by the batch size whatever
the file's size. A member's state (deductible paid, year-to-date fund, visits) must not be
cut at a batch boundary: the rows of the last member of each batch are held back and
adjudicated with the next batch, so each member is always adjudicated whole
(``_member_batches.whole_members``, Arrow slices).

The batches stay Arrow all the way (issue 15): each piece of whole members goes to the
column readers as ``pd.ArrowDtype`` columns over its own buffers (``_arrow_input``), and the
output is the piece's own columns, untouched, plus the outputs, written by pyarrow. No
column goes through Python objects.

The output goes to a temporary file beside the destination, renamed over it only when
every row is written: a file found bad half-way leaves no partial output (issue 20). Each
piece is indexed by the rows' numbers in the source file, so errors name the file row.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from ._arrow_input import RULE_IN_FILES, arrow_frame, with_outputs
from ._member_batches import whole_members
from ._progress import rows_progress
from .adjudicate import adjudicate, as_policy
from .policy import Policy

__all__ = ["adjudicate_parquet"]


_Item = TypeVar("_Item")


def _read_ahead(items: Iterator[_Item], pool: Executor) -> Iterator[_Item]:
    """``items``, each next one already being fetched in ``pool`` while this one is used."""
    done = object()
    coming = pool.submit(next, items, done)
    while (item := coming.result()) is not done:
        coming = pool.submit(next, items, done)
        yield item  # type: ignore[misc]


def _progressed(written: int, rows: int, progress: Callable[[int], None] | None) -> int:
    if progress is not None:
        progress(written + rows)
    return written + rows


def _writer_options(schema: pa.Schema) -> dict[str, Any]:
    """Parquet encodings that cost least for the claims (measured: docs/performance.md,
    "Out of core"): decimal(18, 2) stored as INT64, as Spark writes it (pyarrow 16+), not
    as 16-byte binaries; dictionary pages for every column but the money, whose values
    hardly repeat (hashing them was a third of the writing)."""
    money = {f.name for f in schema if pa.types.is_decimal(f.type) or pa.types.is_floating(f.type)}
    options: dict[str, Any] = {"use_dictionary": [n for n in schema.names if n not in money]}
    if int(pa.__version__.split(".")[0]) >= 16:
        options["store_decimal_as_integer"] = True
    return options


def adjudicate_parquet(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    policy: str | Policy,
    *,
    batch_rows: int = 1_000_000,
    progress: Callable[[int], None] | bool | None = None,
    **options: Any,
) -> int:
    """Adjudicate a Parquet file of claims sorted by ``member_id`` into another Parquet file.

    Parameters
    ----------
    source, destination
        Parquet files. The source must be sorted by ``member_id`` (ascending) and, within a
        member, by date; the destination gets every input column exactly as it was (the
        same Arrow type) plus the outputs of :func:`yibao.adjudicate`, in the same row
        order: money as ``decimal(18, 2)`` (stored as INT64, as Spark writes it) and
        ``rule`` dictionary-encoded (pandas reads it as a categorical).
    policy
        Region key, policy file path or :class:`~yibao.Policy`.
    batch_rows
        Rows read per batch; memory use is a few times one batch.
    progress
        Called with the number of rows written so far, after each batch; ``True`` shows a
        progress bar (tqdm) on stderr instead. Off by default.
    **options
        Passed to :func:`yibao.adjudicate` (``rounding``, ``threads``, ``unit``, ...).

    Returns
    -------
    int
        The number of rows written.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    pol = as_policy(policy)
    reader = pq.ParquetFile(Path(source))
    target = Path(destination)
    # Beside the destination (same file system: the rename is atomic), with the usual mode.
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    progress, close_progress = rows_progress(progress, reader.metadata.num_rows)
    writer: pq.ParquetWriter | None = None
    written = 0
    writing: Future[None] | None = None  # the previous piece, being written
    pending_rows = 0  # its rows
    # Reading, adjudicating and writing overlap: the next piece is read and the previous one
    # written (pyarrow, GIL released) while the kernel runs on this one.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="yibao-parquet") as io:
        try:
            try:
                batches = reader.iter_batches(batch_size=batch_rows)
                for first_row, piece in _read_ahead(whole_members(batches), io):
                    result = adjudicate(arrow_frame(piece, first_row), pol, **options)
                    table = with_outputs(piece, result, rule_type=RULE_IN_FILES)
                    if writer is None:
                        options_for_file = _writer_options(table.schema)
                        writer = pq.ParquetWriter(partial, table.schema, **options_for_file)
                    elif table.schema != writer.schema:
                        table = table.cast(writer.schema)
                    if writing is not None:
                        writing.result()
                        written = _progressed(written, pending_rows, progress)
                    writing, pending_rows = io.submit(writer.write_table, table), table.num_rows
                if writing is not None:
                    writing.result()
                    written = _progressed(written, pending_rows, progress)
            finally:
                if writing is not None:
                    wait([writing])  # a write in flight ends before the file is closed
                if writer is not None:
                    writer.close()
            if writer is None:  # an empty source still gives a readable (empty) destination
                pq.write_table(reader.schema_arrow.empty_table(), partial)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            close_progress()
    return written
