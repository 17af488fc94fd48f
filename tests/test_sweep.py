"""yibao.sweep: each point equals yibao.adjudicate under policy.replace with that value."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yibao
from yibao.datasets import synthetic
from yibao.sweep import plot_sweep, sweep

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # the plain-Python reference and the table strategies live here
    sys.path.insert(0, _HERE)

import reference as ref  # noqa: E402
import strategies as gen  # noqa: E402


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return synthetic(members=150, seed=5)[1]


def _adjudicated(claims: pd.DataFrame, policy: yibao.Policy) -> pd.DataFrame:
    return yibao.adjudicate(claims, policy, money="fen", threads=1)


@pytest.mark.parametrize("region", ["jining", "chongqing", "ili"])
def test_each_point_is_adjudicate_under_the_replaced_policy(
    claims: pd.DataFrame, region: str
) -> None:
    policy = yibao.load_policy(region)
    caps = [500, Decimal("1999.99"), 3000.5, "8000"]
    table = sweep(claims, policy, {"pools.general.annual_cap": caps}, threads=1)
    assert table["pools.general.annual_cap"].tolist() == caps
    for row in table.itertuples(index=False):
        out = _adjudicated(claims, policy.replace({"pools.general.annual_cap": row[0]}))
        assert row.fund_paid == Decimal(int(out["fund_paid"].sum())) / 100
        assert row.self_pay == Decimal(int(out["self_pay"].sum())) / 100
        assert row.capped == Decimal(int(out["capped"].sum())) / 100
        assert row.fund_paid + row.self_pay == row.eligible
        flags = yibao.compare(claims, {"x": policy.replace({"pools.general.annual_cap": row[0]})})
        summary = flags.summary().iloc[0]
        assert row.members_at_cap == int(summary["members_at_cap"])
        assert row.members_at_visit_cap == int(summary["members_at_visit_cap"])


def _point_of_adjudicate(claims: pd.DataFrame, policy: yibao.Policy) -> dict[str, object]:
    out = _adjudicated(claims, policy)
    summary = yibao.compare(claims, {"x": policy}).summary().iloc[0]
    return {
        "fund_paid": Decimal(int(out["fund_paid"].sum())) / 100,
        "self_pay": Decimal(int(out["self_pay"].sum())) / 100,
        "capped": Decimal(int(out["capped"].sum())) / 100,
        "members_at_cap": int(summary["members_at_cap"]),
        "members_at_visit_cap": int(summary["members_at_visit_cap"]),
    }


@pytest.mark.parametrize("region", ["ili", "chongqing"])
def test_unsorted_claims_are_ordered_once_and_give_the_same_points(region: str) -> None:
    # Rows in random order, with same-day rows of one visit: the sweep puts them in the
    # kernel's processing order once; each point must still be adjudicate's.
    claims = gen.random_claims(region, n_rows=1500, n_members=60, seed=3)
    assert not claims["member_id"].is_monotonic_increasing
    policy = yibao.load_policy(region)
    caps = [0, 300, 1500, 100_000]
    table = sweep(claims, policy, {"pools.general.annual_cap": caps}, threads=2)
    for cap, row in zip(caps, table.to_dict("records"), strict=True):
        expected = _point_of_adjudicate(claims, policy.replace({"pools.general.annual_cap": cap}))
        assert {k: row[k] for k in expected} == expected, cap
    assert table["members_at_cap"].iloc[0] > 0
    in_order = sweep(
        claims.sort_values(["member_id", "date"], kind="stable"),
        policy,
        {"pools.general.annual_cap": caps},
        threads=1,
    )
    pd.testing.assert_frame_equal(table, in_order)


def test_more_points_than_one_pass_holds(claims: pd.DataFrame) -> None:
    # 64 points a pass: 150 points take three, and each point is still its own.
    caps = list(range(0, 3000, 20))
    table = sweep(claims, "ili", {"pools.general.annual_cap": caps}, threads=2)
    assert len(table) == len(caps)
    for i in (0, 63, 64, 127, 128, 149):
        alone = sweep(claims, "ili", {"pools.general.annual_cap": [caps[i]]}, threads=1)
        pd.testing.assert_frame_equal(table.iloc[[i]].reset_index(drop=True), alone)
    assert table["fund_paid"].is_monotonic_increasing


def test_an_error_in_unsorted_claims_names_the_callers_row() -> None:
    claims = gen.order_preserving_shuffle(gen.random_claims("chongqing", n_rows=400, seed=4), 9)
    claims.index = [f"claim-{i}" for i in range(len(claims))]
    bad = claims.copy()
    label = bad.index[len(bad) // 2]
    bad.loc[label, "date"] = pd.Timestamp("2023-06-30")  # before Chongqing's text takes effect
    with pytest.raises(yibao.NoVersionInForceError) as expected:
        yibao.adjudicate(bad, "chongqing")
    with pytest.raises(yibao.NoVersionInForceError) as got:
        sweep(bad, "chongqing", {"pools.general.annual_cap": [100, 200]}, threads=2)
    assert got.value.row == expected.value.row == label
    assert got.value.position == len(bad) // 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    caps=st.lists(st.integers(0, 400_000).map(gen.cents), min_size=1, max_size=4),
)
def test_points_equal_the_plain_python_reference(data: st.DataObject, caps: list[Decimal]) -> None:
    # Jining's general-outpatient cap is one number (济宁 通知 二(一)3): the reference model
    # reads it from ref.JN_CAP, so each point is the reference under that cap, summed.
    claims = data.draw(gen.claim_tables("jining"), label="claims")
    table = sweep(claims, "jining", {"pools.general.annual_cap": caps}, threads=1)
    for cap, row in zip(caps, table.to_dict("records"), strict=True):
        with mock.patch.object(ref, "JN_CAP", cap):
            expected = ref.adjudicate(claims, "jining")
        assert row["fund_paid"] == sum(expected["fund_paid"], Decimal(0)), cap
        assert row["self_pay"] == sum(expected["self_pay"], Decimal(0)), cap
        assert row["capped"] == sum(expected["capped"], Decimal(0)), cap


def test_a_grid_of_two_parameters(claims: pd.DataFrame) -> None:
    values = {
        "pools.general.deductible.in_service": [100, 200, 300],
        "pools.general.rate.level3": ["0.5", "0.6"],
    }
    table = sweep(claims, "chongqing", values, threads=1)
    assert len(table) == 6
    assert table.attrs["parameters"] == list(values)
    assert table.iloc[:, :2].values.tolist()[:2] == [[100, "0.5"], [100, "0.6"]]
    point = yibao.load_policy("chongqing").replace(
        {"pools.general.deductible.in_service": 300, "pools.general.rate.level3": "0.5"}
    )
    assert (
        table["fund_paid"].iloc[4]
        == Decimal(int(_adjudicated(claims, point)["fund_paid"].sum())) / 100
    )
    # a higher deductible never makes the fund pay more
    by_rate = table.groupby("pools.general.rate.level3")["fund_paid"]
    assert all(s.is_monotonic_decreasing for _, s in by_rate)


def test_a_reform_from_a_date(claims: pd.DataFrame) -> None:
    table = sweep(
        claims, "jining", {"pools.general.annual_cap": [1000]}, effective="2024-07-01", threads=1
    )
    reform = yibao.load_policy("jining").replace(
        {"pools.general.annual_cap": 1000}, effective="2024-07-01"
    )
    assert (
        table["fund_paid"].iloc[0]
        == Decimal(int(_adjudicated(claims, reform)["fund_paid"].sum())) / 100
    )


@pytest.mark.parametrize(
    "values", [{}, {"pools.general.annual_cap": 2000}, {"pools.general.annual_cap": []}]
)
def test_bad_values(claims: pd.DataFrame, values: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        sweep(claims, "jining", values)  # type: ignore[arg-type]


def test_bad_claims_name_the_row(claims: pd.DataFrame) -> None:
    bad = claims.head(5).copy()
    bad["level"] = bad["level"].astype("int64")
    bad.loc[bad.index[2], "level"] = 7
    with pytest.raises(yibao.InputError, match="level"):
        sweep(bad, "jining", {"pools.general.annual_cap": [1]})


def test_a_missing_parameter_is_named(claims: pd.DataFrame) -> None:
    with pytest.raises(yibao.MissingParameterError):
        sweep(claims, "inner_mongolia", {"overall_cap": [1]})


def test_progress_bar(claims: pd.DataFrame) -> None:
    pytest.importorskip("tqdm")
    table = sweep(claims.head(50), "jining", {"pools.general.annual_cap": [1, 2]}, progress=True)
    assert len(table) == 2


def test_the_plot(claims: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    one = sweep(claims, "jining", {"pools.general.annual_cap": [1000, 2000, 3000]}, threads=1)
    assert len(plot_sweep(one).lines) == 1
    two = sweep(
        claims,
        "jining",
        {"pools.general.annual_cap": [1000, 2000], "pools.general.deductible.level1": [0, 100]},
        threads=1,
    )
    assert len(plot_sweep(two, y="members_at_cap").lines) == 2
    plt.close("all")


def test_a_point_above_the_overall_limit_carries_supplementary_paid(claims: pd.DataFrame) -> None:
    # 伊犁 第十五条: above the overall limit the supplementary fund pays (its cap supplied here,
    # the text gives none); each point's supplementary_paid is adjudicate's sum of that column,
    # and fund_paid + supplementary_paid + self_pay == eligible holds point by point.
    policy = yibao.load_policy("ili").replace({"supplementary_cap": 300})
    limits = [100, 400, 100000]
    table = sweep(claims, policy, {"overall_cap": limits}, threads=1)
    assert table["supplementary_paid"].iloc[0] > 0  # the low limit binds in these claims
    for row in table.itertuples(index=False):
        out = _adjudicated(claims, policy.replace({"overall_cap": row[0]}))
        assert row.supplementary_paid == Decimal(int(out["supplementary_paid"].sum())) / 100
        assert row.fund_paid + row.supplementary_paid + row.self_pay == row.eligible


# Sweeps of caps alone (the per-visit and annual caps, the overall limit, the supplementary
# fund's cap, alone and in grids) price each row once for every point and pay it under each
# point's caps (yibao::totals): each point must still be adjudicate's.
@pytest.mark.parametrize(
    ("region", "base", "grid"),
    [
        # 伊犁 第十一条(三): 单次最高支付限额 per visit, by level (200/450/500 in the text).
        ("ili", {}, {"pools.general.visit_cap.level1": [0, 50, 200, "1000.01"]}),
        (
            "ili",
            {},
            {"pools.general.visit_cap.level2": [10, 450], "pools.general.annual_cap": [300, 9000]},
        ),
        # 伊犁 第十四条/第十五条: the overall limit, and the supplementary fund above it (its
        # cap supplied: the text gives none).
        ("ili", {}, {"overall_cap": [100, 400], "supplementary_cap": [0, 50, 300]}),
        (
            "ili",
            {"supplementary_cap": 300},
            {"overall_cap": [100, 100000], "pools.general.visit_cap.level1": [20, 200]},
        ),
        # 济宁 通知 二(一)3: the pooled fund's annual cap (最高支付限额, 2000 in the text).
        ("jining", {}, {"pools.general.annual_cap": [300, 1000, "2500.01", 9000]}),
        # 渝医保发〔2023〕32号 第八条: the overall limit and the supplementary fund above it,
        # both supplied (the text gives neither value).
        ("chongqing", {}, {"overall_cap": [100, 900, 100000], "supplementary_cap": [0, 150, 5000]}),
    ],
)
def test_a_sweep_of_caps_gives_adjudicates_points(
    claims: pd.DataFrame, region: str, base: dict[str, object], grid: dict[str, list[object]]
) -> None:
    policy = yibao.load_policy(region).replace(base) if base else yibao.load_policy(region)
    table = sweep(claims, policy, grid, threads=2)
    keys = list(grid)
    seen_supplementary = seen_visit_cap = False
    for row in table.to_dict("records"):
        point = policy.replace({key: row[key] for key in keys})
        out = _adjudicated(claims, point)
        expected = _point_of_adjudicate(claims, point)
        for name, value in expected.items():
            assert row[name] == value, (name, {key: row[key] for key in keys})
        assert row["supplementary_paid"] == Decimal(int(out["supplementary_paid"].sum())) / 100
        seen_supplementary |= row["supplementary_paid"] > 0
        seen_visit_cap |= row["members_at_visit_cap"] > 0
    if any("visit_cap" in key for key in keys):
        assert seen_visit_cap  # the low visit caps bind in these claims
    if "overall_cap" in grid:
        assert seen_supplementary  # and so do the low overall limits
