"""Pieces of whole members (``yibao._member_batches``), against plain-Python models: every row
in exactly one piece, in order, no member in two pieces, and each piece's first row right;
an unsorted or missing id named by its row, whatever the batch size."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yibao
from yibao._member_batches import member_chunks, whole_members
from yibao.stream import adjudicate_parquet

sorted_ids = st.lists(st.integers(min_value=0, max_value=30), min_size=0, max_size=120).map(sorted)


@settings(max_examples=200, deadline=None)
@given(ids=sorted_ids, batch=st.integers(min_value=1, max_value=40), text=st.booleans())
def test_whole_members_against_a_model(ids: list[int], batch: int, text: bool) -> None:
    values: list[int] | list[str] = [f"m{i:03d}" for i in ids] if text else ids
    table = pa.table({"member_id": values, "row": list(range(len(ids)))})
    pieces = list(whole_members(table.to_batches(max_chunksize=batch)))
    rows = [r for _, piece in pieces for r in piece["row"].to_pylist()]
    assert rows == list(range(len(ids)))  # every row once, in order
    for first, piece in pieces:
        assert piece.num_rows > 0
        assert piece["row"][0].as_py() == first
    owner = Counter(m for _, piece in pieces for m in set(piece["member_id"].to_pylist()))
    assert all(count == 1 for count in owner.values())  # no member in two pieces
    # Pieces are cut only where the batches end (none is made smaller than it must be).
    assert len(pieces) <= -(-len(ids) // batch) + 1


@settings(max_examples=100, deadline=None)
@given(ids=sorted_ids.filter(lambda v: len(v) >= 2), batch=st.integers(1, 40), data=st.data())
def test_a_decrease_is_named_by_its_row(ids: list[int], batch: int, data: st.DataObject) -> None:
    at = data.draw(st.integers(min_value=1, max_value=len(ids) - 1))
    ids = list(ids)
    ids[at] = ids[at - 1] - 1  # smaller than the id before it
    table = pa.table({"member_id": ids})
    first_bad = next(i for i in range(1, len(ids)) if ids[i] < ids[i - 1])
    with pytest.raises(yibao.InputError, match="sorted by member_id") as err:
        list(whole_members(table.to_batches(max_chunksize=batch)))
    assert err.value.row == first_bad


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_a_missing_id_is_named_by_its_row(missing: float | None) -> None:
    table = pa.table(
        {"member_id": pa.array([1.0, 2.0, missing, 3.0], pa.float64(), from_pandas=True)}
    )
    with pytest.raises(yibao.InputError, match="missing member_id") as err:
        list(whole_members(table.to_batches(max_chunksize=2)))
    assert err.value.row == 2


def test_no_member_column_is_named() -> None:
    with pytest.raises(yibao.InputError, match="required column is missing"):
        list(whole_members(pa.table({"id": [1]}).to_batches()))


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(st.integers(0, 12), min_size=1, max_size=80), chunk=st.integers(1, 30))
def test_member_chunks_against_a_model(ids: list[int], chunk: int) -> None:
    chunks = member_chunks(pd.Series(ids), chunk)
    rows = np.concatenate(chunks)
    assert sorted(rows.tolist()) == list(range(len(ids)))  # every row once
    assert all(np.all(np.diff(c) > 0) for c in chunks)  # input order within a chunk
    owner = Counter(m for c in chunks for m in {ids[r] for r in c})
    assert all(count == 1 for count in owner.values())
    for c in chunks:  # a chunk grows past chunk_rows only by the rows of its newest member
        members = [ids[r] for r in c]
        newest = max(set(members), key=ids.index)  # the one seen first latest in the input
        assert len(c) - members.count(newest) < chunk


def test_parquet_output_keeps_input_types_and_writes_rule_as_dictionary(tmp_path: Path) -> None:
    claims = yibao.datasets.synthetic_claims(400, seed=2, year=2024)
    src, dst = tmp_path / "claims.parquet", tmp_path / "out.parquet"
    claims.to_parquet(src, index=False)
    assert adjudicate_parquet(src, dst, "chongqing", batch_rows=64) == len(claims)
    got = pq.read_table(dst)
    source = pq.read_schema(src)
    for field in source:
        assert got.schema.field(field.name).type == field.type, field.name
    assert got.schema.field("fund_paid").type == pa.decimal128(18, 2)
    assert pa.types.is_dictionary(got.schema.field("rule").type)
    want = yibao.adjudicate(claims, "chongqing")
    back = pd.read_parquet(dst)
    for name in ("fund_paid", "ytd_fund_paid", "rule"):
        assert back[name].astype(str).tolist() == want[name].astype(str).tolist(), name
