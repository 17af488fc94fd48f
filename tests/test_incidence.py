"""yibao.incidence: account credits lost plus outpatient pooling received, per member."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import yibao
from yibao.accounts import account_rules
from yibao.datasets import synthetic
from yibao.incidence import incidence, rules_before

# Jiangxi's 2023 average pension is not in the text; 942 = 2.5% x 12 x 3140 (起草说明 六)
NANCHANG = yibao.load_policy("nanchang").replace({"accounts.retired.average_pension": 3140})


def test_golden_members_of_nanchang() -> None:
    members = pd.DataFrame(
        {
            "member_id": [1, 2],
            "birth_date": ["1980-05-01", "1950-05-01"],
            "retire_date": [None, "2010-05-01"],
            "base": [Decimal("5000"), None],
            "pension": [None, Decimal("3000")],
        }
    )
    claims = pd.DataFrame(
        {
            "member_id": [1, 1],
            "date": ["2023-03-01", "2022-12-31"],  # the 2022 claim is outside the year
            "level": [1, 1],
            "eligible": [Decimal("1000"), Decimal("999")],
            "status": "in_service",
        }
    )
    result = incidence(members, claims, NANCHANG, 2023)
    table = result.members.set_index("member_id")
    # in service: before 2.9% x 5000 x 12 = 1740 (起草说明 一); after 2% x 5000 x 12 = 1200
    # (四(三)1); the claim: (1000 - 600) x 60% = 240 (四(二)1): net 1200 - 1740 + 240 = -300
    assert table.loc[1, "credits_before"] == Decimal("1740.00")
    assert table.loc[1, "credits_after"] == Decimal("1200.00")
    assert table.loc[1, "outpatient_fund_paid"] == Decimal("240.00")
    assert table.loc[1, "net_gain"] == Decimal("-300.00")
    # retired: before 3.5% x 3000 x 12 = 1260; after 2.5% x 3140 x 12 = 942; no claims
    assert table.loc[2, "credits_before"] == Decimal("1260.00")
    assert table.loc[2, "credits_after"] == Decimal("942.00")
    assert table.loc[2, "net_gain"] == Decimal("-318.00")
    assert table["status"].tolist() == ["in_service", "retired"]
    assert table["age_band"].astype(str).tolist() == ["0-45", "70+"]
    assert result.share_losing == 1.0
    overall = result.by()
    assert overall["total_net_gain"].iloc[0] == Decimal("-618.00")
    assert overall["mean_net_gain"].iloc[0] == Decimal("-309.00")


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic(members=300, year=2023, seed=4)


def test_agrees_with_account_credits_and_adjudicate(
    data: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    members, claims = data
    result = incidence(members, claims, NANCHANG, 2023).members.set_index("member_id")
    before = yibao.account_credits(
        members, account_rules("nanchang").in_force("2022-12"), "2023-01", "2023-12", money="fen"
    )
    after = yibao.account_credits(members, NANCHANG, "2023-01", "2023-12", money="fen")
    paid = yibao.adjudicate(claims, NANCHANG, members=members, money="fen", threads=1)
    fen = {
        "credits_before": before.groupby("member_id")["credit"].sum(),
        "credits_after": after.groupby("member_id")["credit"].sum(),
        "outpatient_fund_paid": paid.groupby("member_id")["fund_paid"].sum(),
        "spending": paid.groupby("member_id")["eligible"].apply(lambda s: sum(s) * 100),
    }
    for column, expected in fen.items():
        expected = expected.reindex(result.index, fill_value=0)
        got = [int(v * 100) for v in result[column]]
        assert got == [int(v) for v in expected], column
    net = result["credits_after"] - result["credits_before"] + result["outpatient_fund_paid"]
    assert (net == result["net_gain"]).all()
    assert (result["loses"] == (result["net_gain"] < 0)).all()


def test_groups_and_deciles(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    members, claims = data
    result = incidence(members, claims, NANCHANG, 2023, deciles=5)
    deciles = result.by("spending_decile")
    assert deciles["members"].tolist() == [60] * 5
    spending = result.members.groupby("spending_decile")["spending"]
    assert (spending.max().to_numpy()[:-1] <= spending.min().to_numpy()[1:]).all()
    for group in ("status", "age_band", None):
        table = result.by(group)
        assert table["members"].sum() == len(members)
        assert sum(table["total_net_gain"]) == sum(result.members["net_gain"])
    share = result.by("status")
    losing = result.members.groupby("status")["loses"].mean()
    assert np.allclose(share["share_losing"].to_numpy(), losing.to_numpy())
    assert result.share_losing == result.members["loses"].mean()
    with pytest.raises(ValueError, match="group"):
        result.by("tier")


def test_missing_rules_are_named(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    members, claims = data
    with pytest.raises(yibao.MissingParameterError, match="before the reform"):
        incidence(members, claims, "jining", 2023)
    with pytest.raises(yibao.MissingParameterError, match="average_pension"):
        incidence(members, claims, "nanchang", 2023)
    assert rules_before(yibao.load_policy("nanchang")).versions[0].effective.year == 2021


def test_a_supplied_rule_before_the_reform() -> None:
    members, claims = synthetic(members=60, year=2024, seed=8)
    before = account_rules("nanchang").in_force("2022-12")  # any one-entry rule will do
    result = incidence(members, claims, "chongqing", 2024, before=before)
    assert len(result.members) == 60


def test_bad_input(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    members, claims = data
    with pytest.raises(yibao.InputError, match="member_id"):
        incidence(members.iloc[1:], claims, NANCHANG, 2023)
    bad = claims.head(20).copy()
    bad["date"] = bad["date"].astype(str)
    bad.loc[bad.index[7], "date"] = "2023-02-30"
    with pytest.raises(yibao.InputError, match="date") as info:
        incidence(members, bad, NANCHANG, 2023)
    assert info.value.row == bad.index[7]
    copy = members.copy(deep=True), claims.copy(deep=True)
    incidence(members, claims, NANCHANG, 2023)
    pd.testing.assert_frame_equal(members, copy[0])
    pd.testing.assert_frame_equal(claims, copy[1])


def test_the_plot(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    members, claims = data
    ax = incidence(members, claims, NANCHANG, 2023).plot("status")
    assert len(ax.patches) == 6
    plt.close("all")
