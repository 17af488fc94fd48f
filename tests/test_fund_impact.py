"""The fund impact of the account reform (一降一升), hand-computed, and the Nanchang
费用测算 worked example of docs/accounts.md."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

import yibao
from yibao.accounts import supply
from yibao.errors import InputError
from yibao.fund_impact import fund_impact


def as_text(frame: pd.DataFrame, columns: list[str]) -> list[list[str]]:
    return [[str(v) for v in row] for row in frame[columns].itertuples(index=False)]


NANCHANG = supply("nanchang", {"retired.average_pension": 3140})
MEMBERS = pd.DataFrame(
    {
        "member_id": [1, 2, 3],
        "birth_date": ["1950-05-05", "1980-01-01", "1960-07-01"],
        "retire_date": ["2010-05-05", None, "2023-06-30"],
        "base": [None, 6000, 5000],
        "pension": [3000, None, 4000],
    }
)


def test_nanchang_by_group() -> None:
    # 南昌 起草说明 一 (before: 2.9% of wage, 3.5% of own pension) against 四(三)1 (after:
    # 2% of base, 2.5% of the provincial average, supplied 3140 → 78.50/month):
    #   member 2, in service, 38: 174.00 → 120.00 a month, 12 months;
    #   member 3 retires 2023-06-30 at 62: Jan–Jun 145.00 → 100.00, Jul–Dec 140.00 → 78.50;
    #   member 1, retired, 72: 105.00 → 78.50.
    out = fund_impact(MEMBERS, NANCHANG.in_force("2022-12"), NANCHANG, 2023)
    assert as_text(
        out,
        [
            "status",
            "age_band",
            "members",
            "member_months",
            "credits_before",
            "credits_after",
            "fund_gain",
        ],
    ) == [
        ["in_service", "0-45", "1", "12", "2088.00", "1440.00", "648.00"],
        ["in_service", "46-69", "1", "6", "870.00", "600.00", "270.00"],
        ["retired", "46-69", "1", "6", "840.00", "471.00", "369.00"],
        ["retired", "70+", "1", "12", "1260.00", "942.00", "318.00"],
        ["all", "all", "3", "36", "5058.00", "3453.00", "1605.00"],
    ]
    # Per member-year: 270 × 12 / 6 = 540; 1605 × 12 / 36 = 535.
    assert [str(v) for v in out["gain_per_capita"]] == [
        "648.00",
        "540.00",
        "738.00",
        "318.00",
        "535.00",
    ]


def test_with_adjudicated_claims() -> None:
    # Outpatient pooling (四(二)1): member 1 retired, level 1: (1000 - 600) × 65% = 260;
    # member 2 in service, level 1: (2000 - 600) × 60% = 840. Net gain 1605 - 1100 = 505.
    claims = pd.DataFrame(
        {
            "member_id": [1, 2],
            "date": ["2023-03-01", "2023-05-01"],
            "level": [1, 1],
            "eligible": [1000, 2000],
        }
    )
    adjudicated = yibao.adjudicate(claims, "nanchang", members=MEMBERS)
    out = fund_impact(
        MEMBERS, NANCHANG.in_force("2022-12"), NANCHANG, 2023, adjudicated=adjudicated
    )
    assert as_text(out, ["outpatient_fund_paid", "net_gain"]) == [
        ["840.00", "-192.00"],
        ["0.00", "270.00"],
        ["0.00", "369.00"],
        ["260.00", "58.00"],
        ["1100.00", "505.00"],
    ]


def test_each_month_rounded_once() -> None:
    # Base 50.50: 2.9% = 1.4645 → 1.46 and 2% = 1.01 each month, so 0.45 a month, 5.40 a
    # year (not 12 × 50.50 × 0.9% = 5.454).
    members = pd.DataFrame(
        {"member_id": [1], "birth_date": ["1980-01-01"], "base": [Decimal("50.50")]}
    )
    out = fund_impact(members, NANCHANG.in_force("2022-12"), NANCHANG, 2023, age_bands=())
    assert [str(v) for v in out["fund_gain"]] == ["5.40", "5.40"]
    assert list(out["age_band"]) == ["0+", "all"]


def test_nanchang_worked_example() -> None:
    """docs/accounts.md §3, step 4: representative members weighted by the 2021 headcounts."""
    members = pd.DataFrame(
        {
            "member_id": ["in_service", "retired"],
            "birth_date": ["1980-01-01", "1955-01-01"],
            "retire_date": [None, "2015-01-01"],
            "base": [3995.83, None],
            "pension": [None, 3354.33],
            "weight": [1001159, 422891],
        }
    )
    out = fund_impact(members, NANCHANG.in_force("2022-12"), NANCHANG, 2023, age_bands=())
    assert as_text(
        out,
        ["status", "members", "credits_before", "credits_after", "fund_gain", "gain_per_capita"],
    ) == [
        ["in_service", "1001159", "1392171659.04", "960151527.36", "432020131.68", "431.52"],
        ["retired", "422891", "595768840.80", "398363322.00", "197405518.80", "466.80"],
        ["all", "1424050", "1987940499.84", "1358514849.36", "629425650.48", "442.00"],
    ]


def test_errors() -> None:
    with pytest.raises(ValueError, match="age_bands"):
        fund_impact(MEMBERS, NANCHANG.in_force("2022-12"), NANCHANG, 2023, age_bands=(70, 45))
    bad = MEMBERS.assign(weight=[1.5, 1, 1])
    with pytest.raises(InputError, match="weight"):
        fund_impact(bad, NANCHANG.in_force("2022-12"), NANCHANG, 2023)
    claims = pd.DataFrame({"member_id": [9], "date": ["2023-03-01"], "fund_paid": [1]})
    with pytest.raises(InputError, match="not in members"):
        fund_impact(MEMBERS, NANCHANG.in_force("2022-12"), NANCHANG, 2023, adjudicated=claims)
