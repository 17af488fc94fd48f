"""yibao.curves.benefit_curve: one member's year, adjudicated by the engine."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

import yibao
from yibao.curves import benefit_curve, default_year

D = Decimal


def _point(policy: str, spending: object, **kw: object) -> dict[str, object]:
    curve = benefit_curve(policy, [spending], **kw)  # type: ignore[arg-type]
    assert len(curve) == 1
    return curve.iloc[0].to_dict()


def test_chongqing_vs_jining_retiree_level3() -> None:
    # the issue's sentence: "at 5,000 yuan a year in level-3 hospitals a Chongqing retiree
    # gets X, a Jining retiree Y"
    curve = benefit_curve(["chongqing", "jining"], [5000], level=3, status="retired", visits=10)
    got = dict(zip(curve["policy"], curve["fund_paid"], strict=True))
    assert got == {"chongqing": D("2940.00"), "jining": D("2000.00")}  # 4900 x 60%; cap 2000


def test_jining_cap_binds() -> None:
    p = _point("jining", 5000, level=1, visits=10)
    assert p["deductible"] == D("100.00")
    assert p["fund_paid"] == D("2000.00")  # 4900 x 70% = 3430 > 2000
    assert p["capped"] == D("1430.00")
    assert p["self_pay"] == D("3000.00")
    assert p["binding"] == "annual cap"


@pytest.mark.parametrize(
    ("tier", "status", "cap"),
    [
        ("employer", "in_service", "3000.00"),
        ("employer", "retired", "4000.00"),
        ("individual_1", "in_service", "800.00"),
        ("individual_1", "retired", "1200.00"),
        ("individual_2", "retired", "4000.00"),
    ],
)
def test_chongqing_tier_caps(tier: str, status: str, cap: str) -> None:
    p = _point("chongqing", 50_000, level=1, tier=tier, status=status)
    assert p["fund_paid"] == D(cap)
    assert p["binding"] == "annual cap"


def test_ili_per_visit_deductible() -> None:
    # first visit of the year at level 2: (100 - 45) x 65% = 35.75;
    # a later visit: (100 - 22.5) x 65% = 50.375 -> 50.38 (docs/design.md §6 worked check)
    p = _point("ili", 200, level=2, visits=2)
    assert p["deductible"] == D("67.50")
    assert p["fund_paid"] == D("86.13")


def test_zero_and_exact_spending() -> None:
    curve = benefit_curve("nanchang", [0, 0.1, D("12.345"), "599.99"], visits=3)
    assert curve["spending"].tolist() == [D("0.00"), D("0.10"), D("12.35"), D("599.99")]
    assert (curve["fund_paid"] == 0).all()  # below the 600 deductible
    assert curve.loc[0, "binding"] == "nothing eligible"
    assert np.isnan(curve.loc[0, "fund_share"])
    assert (curve["binding"].iloc[1:] == "deductible").all()


@pytest.mark.parametrize("region", ["chongqing", "jining", "nanchang", "ili"])
def test_curves_are_monotone_and_balanced(region: str) -> None:
    curve = benefit_curve(region, status="retired", level=2)
    assert len(curve) == 101
    fund = curve["fund_paid"].astype("float64").to_numpy()
    assert (np.diff(fund) >= 0).all()
    assert (curve["fund_paid"] + curve["self_pay"] == curve["spending"]).all()
    assert curve["binding"].iloc[-1] == "annual cap"


def test_levels_and_services_per_visit() -> None:
    curve = benefit_curve(
        "chongqing", [1000], visits=2, level=[1, 3], service=["general", "pharmacy"]
    )
    # 500 at level 1: 300 x 60% = 180 after the 200 deductible; pharmacy prescribed at
    # level 3: 500 x 50% = 250
    assert curve.loc[0, "fund_paid"] == D("430.00")
    with pytest.raises(ValueError, match="visits"):
        benefit_curve("chongqing", [1], visits=2, level=[1, 2, 3])


def test_arguments_checked() -> None:
    with pytest.raises(ValueError, match="visits"):
        benefit_curve("jining", [1], visits=0)
    with pytest.raises(ValueError, match=">= 0"):
        benefit_curve("jining", [-1])
    with pytest.raises(TypeError):
        benefit_curve("jining", [True])


def test_default_year() -> None:
    assert default_year(yibao.load_policy("chongqing")) == 2024
    assert default_year(yibao.load_policy("inner_mongolia")) == 2023
    reform = yibao.load_policy("jining").replace(
        {"pools.general.annual_cap": 3000}, effective="2025-07-01"
    )
    assert default_year(reform) == 2026
    curve = benefit_curve({"old": "jining", "new": reform}, [8000], level=1, year=2026)
    assert curve["fund_paid"].tolist() == [D("2000.00"), D("3000.00")]
