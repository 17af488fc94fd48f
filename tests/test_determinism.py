"""Determinism (issue 6, item 4): byte-identical output whatever the row order, the thread
count and the amount dtype.

The documented ordering rule (docs/design.md §2, ``yibao.adjudicate``): rows are processed by
(member, service date, input order). Any reordering that keeps the relative order of each
member's same-day rows gives, row for row, the same bytes; rows of one member on one day
(one Ili visit, or successive lines of one day) are processed in input order by design,
so swapping those may legitimately change which row meets the deductible.

Also checked: the kernel's built-in invariants (item 5) hold on every row of every result:
``fund_paid + self_pay == eligible``, ``0 <= deductible <= eligible``, ``capped >= 0``, and
no annual, per-visit or overall cap is exceeded.
Run: ``python -m pytest tests/test_determinism.py -q``.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

yibao = pytest.importorskip("yibao")

REGIONS: Final = ("chongqing", "jining", "nanchang", "ili")
FIRST_YEAR: Final = {"chongqing": 2024, "jining": 2023, "nanchang": 2023, "ili": 2022}
MONEY: Final = ("deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid")
N_ROWS: Final = 4000


def claims_for(region: str, n: int = N_ROWS, seed: int = 6) -> pd.DataFrame:
    """Seeded claims over two calendar years: many members, same-day rows, every level,
    pharmacy rows with a prescriber, status changes, all tiers; amounts in whole fen."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(f"{FIRST_YEAR[region]}-01-01")
    members = rng.integers(0, n // 12, n)
    days = rng.integers(0, 730, n)
    service = rng.choice(["general", "general", "general", "pharmacy", "internet", "emergency"], n)
    fen = np.where(
        rng.random(n) < 0.1, rng.integers(100_000, 3_000_000, n), rng.integers(0, 60_000, n)
    )
    retired_member = rng.random(n // 12 + 1) < 0.3
    frame = pd.DataFrame(
        {
            "member_id": [f"M{m:05d}" for m in members],
            "date": (start + days).astype("datetime64[s]"),
            "level": rng.integers(0, 4, n),
            "eligible": fen / 100.0,
            "status": np.where(retired_member[members], "retired", "in_service"),
            "service": service,
            "prescriber_level": np.where(service == "pharmacy", rng.integers(1, 4, n), np.nan),
            "tier": rng.choice(["employer", "individual_1", "individual_2"], n),
            "institution_id": rng.choice(["H1", "H2", "H3", "P9"], n),
        },
        index=pd.Index([f"row{i:05d}" for i in range(n)], name="claim"),
    )
    # A few members retire mid-year: in_service before the date, retired from it on.
    switch = (members % 17 == 0) & (days > 200)
    frame.loc[switch, "status"] = "退休"
    return frame


def fingerprint(result: pd.DataFrame) -> dict[str, str]:
    """SHA-256 of each output column's bytes (Arrow buffers for money, codes and labels
    for ``rule``): equal fingerprints mean byte-identical outputs."""
    out: dict[str, str] = {}
    for name in MONEY:
        column = result[name]
        if isinstance(column.dtype, pd.ArrowDtype):
            arr = pa.chunked_array(column.array._pa_array).combine_chunks()  # type: ignore[attr-defined]
            assert arr.null_count == 0 and arr.type == pa.decimal128(18, 2)
            data = arr.buffers()[1].to_pybytes()[arr.offset * 16 : (arr.offset + len(arr)) * 16]
        else:
            data = np.ascontiguousarray(column.to_numpy()).tobytes()
        out[name] = hashlib.sha256(data).hexdigest()
    rule = result["rule"].astype(str).to_numpy()
    out["rule"] = hashlib.sha256("\n".join(rule).encode()).hexdigest()
    return out


def keep_same_day_order(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """A random permutation of the rows that keeps each (member, date) group's input order."""
    n = len(frame)
    group, _ = pd.factorize(pd.MultiIndex.from_arrays([frame["member_id"], frame["date"]]))
    perm = rng.permutation(n)
    rows_by_group = np.argsort(group, kind="stable")  # each group's rows, in input order
    slots_by_group = np.argsort(group[perm], kind="stable")  # the group's slots in perm
    out = np.empty(n, dtype=np.int64)
    out[slots_by_group] = rows_by_group
    return out


@pytest.fixture(scope="module", params=REGIONS)
def region_claims(request: pytest.FixtureRequest) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    region = request.param
    claims = claims_for(region)
    return region, claims, yibao.adjudicate(claims, region, threads=1)


def test_built_in_invariants_hold(region_claims: tuple[str, pd.DataFrame, pd.DataFrame]) -> None:
    region, claims, result = region_claims
    fen = {c: yibao.adjudicate(claims, region, threads=1, money="fen")[c].to_numpy() for c in MONEY}
    eligible = np.rint(claims["eligible"].to_numpy() * 100).astype(np.int64)
    assert (fen["fund_paid"] + fen["self_pay"] == eligible).all()
    assert ((fen["deductible"] >= 0) & (fen["deductible"] <= eligible)).all()
    assert ((fen["fund_paid"] >= 0) & (fen["capped"] >= 0)).all()
    assert (fen["fund_paid"] <= eligible - fen["deductible"]).all()
    # No annual cap exceeded: the year's total per member stays within the largest cap.
    year = claims["date"].dt.year.to_numpy()
    totals = pd.Series(fen["fund_paid"]).groupby([claims["member_id"].to_numpy(), year]).sum()
    largest_cap = {"chongqing": 400_000, "jining": 200_000, "nanchang": 200_000, "ili": 300_000}
    assert int(totals.max()) <= largest_cap[region]
    # ytd_fund_paid is the running total in processing order and ends at the year's total.
    last = pd.Series(fen["ytd_fund_paid"]).groupby([claims["member_id"].to_numpy(), year]).max()
    assert (last.to_numpy() == totals.to_numpy()).all()
    if region == "ili":  # per-visit caps 200/450/500 (第十一条(三)): no visit above 500
        visits = pd.Series(fen["fund_paid"]).groupby(
            [
                claims["member_id"].to_numpy(),
                claims["date"].to_numpy(),
                claims["institution_id"].to_numpy(),
            ]
        )
        assert int(visits.sum().max()) <= 50_000
    assert len(result) == len(claims) and result.index.equals(claims.index)


@pytest.mark.parametrize("threads", [2, 3, 8, 64, None])
def test_same_bytes_for_every_thread_count(
    region_claims: tuple[str, pd.DataFrame, pd.DataFrame], threads: int | None
) -> None:
    region, claims, result = region_claims
    assert fingerprint(yibao.adjudicate(claims, region, threads=threads)) == fingerprint(result)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_bytes_for_any_row_order(
    region_claims: tuple[str, pd.DataFrame, pd.DataFrame], seed: int
) -> None:
    region, claims, result = region_claims
    order = keep_same_day_order(claims, np.random.default_rng(seed))
    shuffled = claims.iloc[order]
    got = yibao.adjudicate(shuffled, region, threads=4)
    assert got.index.equals(shuffled.index)  # the caller's order is kept in the output
    assert fingerprint(got.loc[claims.index]) == fingerprint(result)


def test_same_bytes_for_sorted_input(region_claims: tuple[str, pd.DataFrame, pd.DataFrame]) -> None:
    # Sorted extracts take the kernel's fast path (no sort): same bytes as unsorted input.
    region, claims, result = region_claims
    ordered = claims.sort_values(["member_id", "date"], kind="stable")
    got = yibao.adjudicate(ordered, region, threads=2)
    assert fingerprint(got.loc[claims.index]) == fingerprint(result)


def _as_dtype(eligible: pd.Series, kind: str) -> tuple[pd.Series, dict[str, Any]]:
    fen = np.rint(eligible.to_numpy() * 100).astype(np.int64)
    if kind == "float64":
        return eligible.astype(np.float64), {}
    if kind == "Decimal":
        values = [Decimal(int(f)).scaleb(-2) for f in fen]
        return pd.Series(values, index=eligible.index, dtype=object), {}
    if kind == "decimal128(18, 2)":
        return pd.Series(
            [Decimal(int(f)).scaleb(-2) for f in fen],
            index=eligible.index,
            dtype=pd.ArrowDtype(pa.decimal128(18, 2)),
        ), {}
    if kind == "decimal128(12, 4)":
        return pd.Series(
            [Decimal(int(f)).scaleb(-2) for f in fen],
            index=eligible.index,
            dtype=pd.ArrowDtype(pa.decimal128(12, 4)),
        ), {}
    if kind == "decimal256(40, 2)":
        return pd.Series(
            [Decimal(int(f)).scaleb(-2) for f in fen],
            index=eligible.index,
            dtype=pd.ArrowDtype(pa.decimal256(40, 2)),
        ), {}
    if kind == "Float64":
        return eligible.astype("Float64"), {}
    if kind == "double[pyarrow]":
        return eligible.astype("double[pyarrow]"), {}
    if kind == "int64 fen":
        return pd.Series(fen, index=eligible.index), {"unit": "fen"}
    if kind == "Int64 fen":
        return pd.Series(fen, index=eligible.index, dtype="Int64"), {"unit": "fen"}
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "float64",
        "Decimal",
        "decimal128(18, 2)",
        "decimal128(12, 4)",
        "decimal256(40, 2)",
        "Float64",
        "double[pyarrow]",
        "int64 fen",
        "Int64 fen",
    ],
)
def test_same_bytes_for_every_amount_dtype(
    region_claims: tuple[str, pd.DataFrame, pd.DataFrame], kind: str
) -> None:
    region, claims, result = region_claims
    eligible, options = _as_dtype(claims["eligible"], kind)
    got = yibao.adjudicate(claims.assign(eligible=eligible), region, threads=3, **options)
    assert fingerprint(got) == fingerprint(result)


def test_money_views_agree(region_claims: tuple[str, pd.DataFrame, pd.DataFrame]) -> None:
    region, claims, result = region_claims
    fen = yibao.adjudicate(claims, region, money="fen")
    for name in MONEY:
        as_fen = np.array([int(d.scaleb(2)) for d in result[name]], dtype=np.int64)
        assert (as_fen == fen[name].to_numpy()).all(), name


def test_repeated_calls_are_identical(
    region_claims: tuple[str, pd.DataFrame, pd.DataFrame],
) -> None:
    region, claims, result = region_claims
    for _ in range(3):
        assert fingerprint(yibao.adjudicate(claims, region)) == fingerprint(result)


def test_input_is_not_modified(region_claims: tuple[str, pd.DataFrame, pd.DataFrame]) -> None:
    region, claims, _ = region_claims
    before = claims.copy(deep=True)
    yibao.adjudicate(claims, region, threads=4)
    pd.testing.assert_frame_equal(claims, before, check_exact=True)
