"""Arrow data in, Arrow out, on the one route (issue 15): ``yibao.adjudicate`` and
``yibao.compare`` over a pyarrow Table / RecordBatch / RecordBatchReader, a polars DataFrame
and a DuckDB relation give the pandas route's results exactly, keep the input's columns
as they were (the same buffers), and name the Arrow row of a bad value.

polars and DuckDB are test extras: without them their tests are skipped and say so,
unless ``YIBAO_REQUIRE_ARROW_LIBS=1`` (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import importlib
import itertools
import os
from decimal import Decimal
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yibao
from yibao._schema import OUTPUT_COLUMNS
from yibao.datasets import synthetic_claims

MONEY = [name for name in OUTPUT_COLUMNS if name != "rule"]


def _library(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        reason = f"{name} is not installed: pip install 'yibao[test]'"
        if os.environ.get("YIBAO_REQUIRE_ARROW_LIBS") == "1":
            pytest.fail(f"YIBAO_REQUIRE_ARROW_LIBS=1 but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return synthetic_claims(3_000, seed=7, year=2024)


@pytest.fixture(scope="module")
def table(claims: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(claims, preserve_index=False)


@pytest.fixture(scope="module")
def expected(claims: pd.DataFrame) -> pd.DataFrame:
    return yibao.adjudicate(claims, "chongqing")


def _same(got: pa.Table, want: pd.DataFrame) -> None:
    assert isinstance(got, pa.Table)
    assert got.num_rows == len(want)
    for name in OUTPUT_COLUMNS:
        assert [str(v) for v in got[name].to_pylist()] == want[name].astype(str).tolist(), name


def test_pyarrow_table_gives_the_pandas_results(table: pa.Table, expected: pd.DataFrame) -> None:
    got = yibao.adjudicate(table, "chongqing")
    _same(got, expected)
    assert got.column_names == table.column_names + list(OUTPUT_COLUMNS)
    for name in MONEY:
        assert got.schema.field(name).type == pa.decimal128(18, 2)
    assert pa.types.is_dictionary(got.schema.field("rule").type)


def test_input_columns_come_back_as_the_same_buffers(table: pa.Table) -> None:
    got = yibao.adjudicate(table, "chongqing")
    for name in table.column_names:
        before, after = table.column(name), got.column(name)
        assert after.equals(before)
        assert [c.buffers()[-1].address for c in after.chunks] == [
            c.buffers()[-1].address for c in before.chunks
        ], name


@pytest.mark.parametrize("kind", ["batch", "reader", "stream"])
def test_record_batches_and_streams(kind: str, table: pa.Table, expected: pd.DataFrame) -> None:
    batches = table.to_batches(max_chunksize=700)
    source: Any
    if kind == "batch":
        source = pa.Table.from_batches(batches).combine_chunks().to_batches()[0]
    elif kind == "reader":
        source = pa.RecordBatchReader.from_batches(table.schema, batches)
    else:

        class Stream:  # only the PyCapsule interface, as a third-party library has it
            def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
                reader = pa.RecordBatchReader.from_batches(table.schema, batches)
                return reader.__arrow_c_stream__(requested_schema)

        source = Stream()
    _same(yibao.adjudicate(source, "chongqing"), expected)


@pytest.mark.parametrize("money", ["fen", "float"])
def test_money_kinds(money: str, table: pa.Table, claims: pd.DataFrame) -> None:
    got = yibao.adjudicate(table, "chongqing", money=money)  # type: ignore[arg-type]
    want = yibao.adjudicate(claims, "chongqing", money=money)  # type: ignore[arg-type]
    kind = pa.int64() if money == "fen" else pa.float64()
    for name in MONEY:
        assert got.schema.field(name).type == kind
        assert got[name].to_pylist() == want[name].tolist()


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=2_999), max_size=6, unique=True))
def test_any_chunking_gives_the_same_results(cuts: list[int]) -> None:
    """Chunk boundaries anywhere (inside a member too) change nothing."""
    frame = synthetic_claims(3_000, seed=7, year=2024)
    whole = pa.Table.from_pandas(frame, preserve_index=False)
    bounds = [0, *sorted(cuts), whole.num_rows]
    pieces = [whole.slice(lo, hi - lo) for lo, hi in itertools.pairwise(bounds)]
    chunked = pa.concat_tables(pieces)
    assert chunked.column("member_id").num_chunks == len(pieces)
    _same(yibao.adjudicate(chunked, "chongqing"), yibao.adjudicate(frame, "chongqing"))


def test_bad_value_names_the_arrow_row(table: pa.Table) -> None:
    bad_row = 2_345
    eligible = table.column("eligible").to_pylist()
    eligible[bad_row] = Decimal("-1.00")
    bad = table.set_column(
        table.schema.get_field_index("eligible"),
        "eligible",
        pa.array(eligible, pa.decimal128(18, 2)),
    )
    bad = pa.Table.from_batches(bad.to_batches(max_chunksize=1_000))  # three chunks
    with pytest.raises(yibao.InputError, match="negative") as err:
        yibao.adjudicate(bad, "chongqing")
    assert err.value.row == bad_row
    assert err.value.column == "eligible"


def test_dictionary_and_plain_string_labels(table: pa.Table, expected: pd.DataFrame) -> None:
    status = table.schema.get_field_index("status")
    encoded = table.set_column(status, "status", table.column("status").dictionary_encode())
    plain = table.set_column(status, "status", table.column("status").cast(pa.string()))
    _same(yibao.adjudicate(encoded, "chongqing"), expected)
    _same(yibao.adjudicate(plain, "chongqing"), expected)


def test_duplicate_column_names_are_refused() -> None:
    twice = pa.table([pa.array([1]), pa.array([2])], names=["member_id", "member_id"])
    with pytest.raises(yibao.InputError, match="two columns named 'member_id'"):
        yibao.adjudicate(twice, "chongqing")


def test_an_output_name_among_the_inputs_is_refused(table: pa.Table) -> None:
    taken = table.append_column("fund_paid", table.column("eligible"))
    with pytest.raises(yibao.InputError, match="named like an output"):
        yibao.adjudicate(taken, "chongqing")


def test_compare_takes_arrow(table: pa.Table, claims: pd.DataFrame) -> None:
    got = yibao.compare(table, ["chongqing", "jining"]).summary()
    want = yibao.compare(claims, ["chongqing", "jining"]).summary()
    pd.testing.assert_frame_equal(got, want)


def test_polars(table: pa.Table, expected: pd.DataFrame) -> None:
    pl = _library("polars")
    frame = pl.from_arrow(table)
    got = yibao.adjudicate(frame, "chongqing")
    _same(got, expected)
    back = pl.from_arrow(got)  # and back to polars, for the caller
    assert back.height == len(expected)
    assert back["fund_paid"].sum() == expected["fund_paid"].sum()


def test_duckdb(table: pa.Table, expected: pd.DataFrame) -> None:
    duckdb = _library("duckdb")
    con = duckdb.connect()
    con.register("claims", table)
    relation = con.sql("SELECT * FROM claims")
    got = yibao.adjudicate(relation, "chongqing")
    _same(got, expected)
    con.register("got", got)  # and back to DuckDB, for the caller
    total = con.execute("SELECT sum(fund_paid) FROM got").fetchall()[0][0]
    assert total == expected["fund_paid"].sum()


def test_pandas_frames_still_come_back_as_pandas(claims: pd.DataFrame) -> None:
    out = yibao.adjudicate(claims.head(10), "chongqing")
    assert isinstance(out, pd.DataFrame)
    assert np.array_equal(out.index, claims.head(10).index)
