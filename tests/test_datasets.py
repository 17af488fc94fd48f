"""Tests of the SYNTHETIC data generator ``yibao.datasets`` (no timing asserts)."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest


def _load_datasets():
    """Import ``yibao.datasets``; fall back to the source file if the package is not built.

    ``yibao.datasets`` is pure Python (numpy, pandas, pyarrow) and does not need the compiled
    ``yibao._core``, so its tests also run in a checkout where the C++ core is not built yet.
    """
    try:
        from yibao import datasets
    except ImportError:
        path = Path(__file__).resolve().parents[1] / "python" / "yibao" / "datasets.py"
        if not path.is_file():
            pytest.skip(f"yibao is not importable and {path} does not exist")
        name = "_yibao_datasets_from_source"
        spec = importlib.util.spec_from_file_location(name, path)
        datasets = importlib.util.module_from_spec(spec)
        sys.modules[name] = datasets
        spec.loader.exec_module(datasets)
    return datasets


datasets = _load_datasets()
MONEY = pd.ArrowDtype(pa.decimal128(18, 2))

MEMBER_COLUMNS = ["member_id", "birth_date", "retire_date", "tier", "base", "pension"]
CLAIM_COLUMNS = [
    "member_id",
    "date",
    "level",
    "eligible",
    "total",
    "status",
    "service",
    "prescriber_level",
    "tier",
    "institution_id",
]


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return datasets.synthetic(members=5000, year=2024, seed=11)


@pytest.fixture(scope="module")
def default() -> tuple[pd.DataFrame, pd.DataFrame]:
    return datasets.synthetic()


# --- determinism --------------------------------------------------------------------------


def test_same_seed_gives_identical_frames():
    m1, c1 = datasets.synthetic(members=400, year=2023, seed=5)
    m2, c2 = datasets.synthetic(members=400, year=2023, seed=5)
    pd.testing.assert_frame_equal(m1, m2)
    pd.testing.assert_frame_equal(c1, c2)


def test_other_seed_gives_other_data():
    _, c1 = datasets.synthetic(members=400, seed=5)
    _, c2 = datasets.synthetic(members=400, seed=6)
    assert not c1.equals(c2)


def test_synthetic_claims_is_deterministic():
    pd.testing.assert_frame_equal(
        datasets.synthetic_claims(3000, seed=2), datasets.synthetic_claims(3000, seed=2)
    )


# --- columns and dtypes -------------------------------------------------------------------


def _check_member_dtypes(members: pd.DataFrame) -> None:
    assert list(members.columns) == MEMBER_COLUMNS
    assert members["member_id"].dtype == np.int64
    assert members["birth_date"].dtype == "datetime64[ns]"
    assert members["retire_date"].dtype == "datetime64[ns]"
    assert pd.api.types.is_string_dtype(members["tier"].dtype)
    assert members["base"].dtype == MONEY
    assert members["pension"].dtype == MONEY


def _check_claim_dtypes(claims: pd.DataFrame) -> None:
    assert list(claims.columns) == CLAIM_COLUMNS
    assert claims["member_id"].dtype == np.int64
    assert claims["date"].dtype == "datetime64[ns]"
    assert claims["level"].dtype == np.int8
    assert claims["eligible"].dtype == MONEY
    assert claims["total"].dtype == MONEY
    assert claims["prescriber_level"].dtype == pd.Int8Dtype()
    for column in ("status", "service", "tier", "institution_id"):
        assert pd.api.types.is_string_dtype(claims[column].dtype), column


def test_dtypes_and_columns(data):
    members, claims = data
    _check_member_dtypes(members)
    _check_claim_dtypes(claims)


def test_default_is_small_and_well_formed(default):
    members, claims = default
    assert len(members) == 2000
    assert 10_000 < len(claims) < 25_000
    _check_member_dtypes(members)
    _check_claim_dtypes(claims)


def test_zero_members_gives_empty_frames_with_the_contract_dtypes():
    members, claims = datasets.synthetic(members=0)
    assert len(members) == 0 and len(claims) == 0
    _check_member_dtypes(members)
    _check_claim_dtypes(claims)


def test_value_sets(data):
    members, claims = data
    assert set(members["tier"]) == {"employer", "individual_1", "individual_2"}
    assert set(claims["status"]) == {"in_service", "retired"}
    assert set(claims["service"]) == {"general", "pharmacy", "internet", "emergency"}
    assert set(claims["level"]) == {0, 1, 2, 3}
    assert claims["institution_id"].str.fullmatch(r"[HP]\d{4}").all()
    assert members["member_id"].is_unique and members["member_id"].is_monotonic_increasing
    assert claims["member_id"].isin(members["member_id"]).all()


# --- money --------------------------------------------------------------------------------


def test_money_is_exact_two_decimal_yuan(default):
    members, claims = default
    for frame, column in ((claims, "eligible"), (claims, "total"), (members, "base")):
        values = frame[column].tolist()
        assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in values)
    pensions = members["pension"].dropna().tolist()
    assert pensions and all(v.as_tuple().exponent == -2 for v in pensions)


@pytest.mark.parametrize(
    "fen", [0, 1, -1, 5, 99, 100, 123456789, 2**53 + 1, 10**18 - 1, -(10**18 - 1)]
)
def test_money_builder_is_exact_for_large_values(fen):
    column = datasets._money(np.array([fen], dtype=np.int64))
    assert column.dtype == MONEY
    assert column[0] == Decimal(fen).scaleb(-2)


def test_money_builder_rejects_overflow():
    with pytest.raises(OverflowError):
        datasets._money(np.array([10**18], dtype=np.int64))


def test_eligible_nonnegative_and_not_above_total(data):
    _, claims = data
    assert (claims["eligible"] >= Decimal(0)).all()
    assert (claims["eligible"] <= claims["total"]).all()
    assert (claims["total"] > Decimal(0)).all()
    assert (claims["total"] > claims["eligible"]).any()
    assert (claims["eligible"] == Decimal(0)).any()


def test_eligible_medians_grow_with_level(data):
    _, claims = data
    general = claims[claims["service"] == "general"]
    median = general["eligible"].astype("float64").groupby(general["level"]).median()
    assert 40 < median[1] < 90
    assert 100 < median[2] < 220
    assert 200 < median[3] < 420


def test_members_money_ranges(data):
    members, _ = data
    assert (members["base"] >= Decimal("3600")).all()
    assert (members["base"] <= Decimal("18000")).all()
    assert members["pension"].isna().equals(members["retire_date"].isna())
    pensions = members["pension"].dropna()
    assert (pensions >= Decimal("1200")).all() and (pensions <= Decimal("15000")).all()


# --- dates, order, status -----------------------------------------------------------------


@pytest.mark.parametrize("year", [2023, 2024])
def test_dates_inside_the_year(year):
    _, claims = datasets.synthetic(members=1500, year=year, seed=3)
    assert (claims["date"].dt.year == year).all()
    assert (claims["date"] == claims["date"].dt.normalize()).all()


def test_sorted_by_member_then_date(data):
    _, claims = data
    member = claims["member_id"].to_numpy()
    date = claims["date"].to_numpy()
    dm = np.diff(member)
    assert (dm >= 0).all()
    assert ((dm > 0) | (np.diff(date) >= np.timedelta64(0, "ns"))).all()


def test_status_follows_retire_date(data):
    members, claims = data
    merged = claims.merge(members[["member_id", "retire_date"]], on="member_id", how="left")
    retired = merged["retire_date"].notna() & (merged["retire_date"] <= merged["date"])
    assert ((merged["status"] == "retired") == retired).all()


def test_some_members_retire_during_the_year(data):
    members, claims = data
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-01-01")
    in_year = members[(members["retire_date"] >= start) & (members["retire_date"] < end)]
    assert 0 < len(in_year) < 0.1 * len(members)
    # such members have claims under both statuses
    theirs = claims[claims["member_id"].isin(in_year["member_id"])]
    both = theirs.groupby("member_id")["status"].nunique()
    assert (both == 2).any()


def test_ages(data):
    members, _ = data
    start = pd.Timestamp("2024-01-01")
    age = (start - members["birth_date"]).dt.days / 365.2425
    retired = members["retire_date"] < start
    assert age[~retired].between(21.99, 60.01).all()
    assert age[retired].between(54.99, 90.01).all()
    retire_age = (members["retire_date"] - members["birth_date"]).dt.days / 365.2425
    assert retire_age.dropna().between(49.9, 60.1).all()
    assert (members.loc[retired, "retire_date"] < start).all()


def test_tier_copied_from_members(data):
    members, claims = data
    tier = claims["member_id"].map(members.set_index("member_id")["tier"])
    assert (tier.to_numpy() == claims["tier"].to_numpy()).all()


# --- services, prescriber level, visits ---------------------------------------------------


def test_prescriber_level_only_on_pharmacy_rows(data):
    _, claims = data
    pharmacy = claims["service"] == "pharmacy"
    assert pharmacy.any()
    assert claims.loc[pharmacy, "prescriber_level"].notna().all()
    assert claims.loc[pharmacy, "prescriber_level"].between(1, 3).all()
    assert claims.loc[~pharmacy, "prescriber_level"].isna().all()
    assert claims.loc[pharmacy, "institution_id"].str.startswith("P").all()
    assert claims.loc[~pharmacy, "institution_id"].str.startswith("H").all()


def test_no_chronic_or_day_surgery_by_default(data):
    _, claims = data
    assert not claims["service"].isin(["chronic", "day_surgery", "special_drug"]).any()


def test_each_institution_has_one_level(data):
    _, claims = data
    hospitals = claims[claims["service"] != "pharmacy"]
    assert (hospitals.groupby("institution_id")["level"].nunique() == 1).all()


def test_repeat_rows_at_one_institution_on_one_day(data):
    _, claims = data
    rows = claims.groupby(["member_id", "date", "institution_id"]).size()
    assert (rows > 1).any()
    assert (rows > 1).mean() < 0.2


# --- shares (synthetic targets, with tolerances) ------------------------------------------


def test_shares(data):
    members, claims = data
    start = pd.Timestamp("2024-01-01")
    assert (members["retire_date"] < start).mean() == pytest.approx(0.30, abs=0.03)
    tiers = members["tier"].value_counts(normalize=True)
    assert tiers["employer"] == pytest.approx(0.85, abs=0.03)
    assert tiers["individual_1"] == pytest.approx(0.08, abs=0.02)
    assert tiers["individual_2"] == pytest.approx(0.07, abs=0.02)
    services = claims["service"].value_counts(normalize=True)
    assert services["general"] == pytest.approx(0.85, abs=0.03)
    assert services["pharmacy"] == pytest.approx(0.08, abs=0.02)
    general = claims[claims["service"] == "general"]
    assert (general["level"] == 3).mean() == pytest.approx(0.30, abs=0.05)
    assert len(claims) / len(members) == pytest.approx(8.3, rel=0.1)


def test_retirees_and_older_visit_more(data):
    members, claims = data
    start = pd.Timestamp("2024-01-01")
    visits = claims.groupby("member_id").size().reindex(members["member_id"], fill_value=0)
    visits = visits.to_numpy()
    retired = (members["retire_date"] < start).to_numpy()
    age = ((start - members["birth_date"]).dt.days / 365.2425).to_numpy()
    assert visits[retired].mean() > 1.5 * visits[~retired].mean()
    young, old = ~retired & (age < 35), ~retired & (age >= 50)
    assert visits[old].mean() > visits[young].mean()


def test_primary_care_more_for_the_old(data):
    members, claims = data
    age = claims["member_id"].map(
        members.set_index("member_id")["birth_date"].rsub(pd.Timestamp("2024-01-01")).dt.days
        / 365.2425
    )
    general = claims["service"] == "general"
    primary = claims["level"] <= 1
    assert primary[general & (age >= 65)].mean() > primary[general & (age < 45)].mean()


# --- synthetic_claims ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 57, 20_000])
def test_synthetic_claims_row_count(n):
    claims = datasets.synthetic_claims(n, seed=4)
    assert len(claims) == n
    _check_claim_dtypes(claims)


def test_synthetic_claims_million():
    claims = datasets.synthetic_claims(10**6)
    assert len(claims) == 10**6
    _check_claim_dtypes(claims)
    assert (claims["date"].dt.year == 2024).all()
    assert (claims["eligible"] <= claims["total"]).all()
    assert claims["member_id"].is_monotonic_increasing


# --- argument checks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"members": -1}, ValueError),
        ({"members": 10.0}, TypeError),
        ({"members": True}, TypeError),
        ({"seed": -3}, ValueError),
        ({"year": 1800}, ValueError),
        ({"year": 2300}, ValueError),
        ({"year": "2024"}, TypeError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        datasets.synthetic(**kwargs)


def test_bad_n_claims():
    with pytest.raises(ValueError):
        datasets.synthetic_claims(-1)
    with pytest.raises(TypeError):
        datasets.synthetic_claims(1e6)
