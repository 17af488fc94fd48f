"""yibao.compare: exact sums, groups, binding limits and plots on the same claims."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import yibao
from yibao.compare import (
    BINDING_ORDER,
    Comparison,
    binding_of_flags,
    compare,
    outpatient_regions,
    rule_flags,
)
from yibao.datasets import synthetic

REGIONS = ["chongqing", "jining", "nanchang", "ili"]


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic(members=300, seed=7)


@pytest.fixture(scope="module")
def cmp(data: tuple[pd.DataFrame, pd.DataFrame]) -> Comparison:
    members, claims = data
    return compare(claims, REGIONS, members=members)


def _decimal_sum(series: pd.Series) -> Decimal:
    """Exact sum through Arrow (decimal128 sums stay decimal)."""
    return pa.compute.sum(pa.array(series)).as_py() or Decimal("0.00")


def test_summary_has_both_policies() -> None:
    _, claims = synthetic(members=60, seed=1)
    summary = compare(claims, policies=["chongqing", "jining"]).summary()
    assert isinstance(summary, pd.DataFrame)
    assert summary["policy"].tolist() == ["chongqing", "jining"]


def test_summary_sums_are_exact_engine_sums(
    cmp: Comparison, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    members, claims = data
    summary = cmp.summary().set_index("policy")
    for region in REGIONS:
        out = yibao.adjudicate(claims, region, members=members)
        row = summary.loc[region]
        for col in ("fund_paid", "self_pay", "deductible", "capped", "eligible"):
            assert row[col] == _decimal_sum(out[col] if col != "eligible" else claims[col])
            assert isinstance(row[col], Decimal)
        assert row["claims"] == len(claims)
        assert row["members"] == claims["member_id"].nunique()
        assert row["fund_paid"] + row["self_pay"] == row["eligible"]
        assert row["out_of_pocket"] == _decimal_sum(claims["total"]) - row["fund_paid"]
    assert str(summary["fund_paid"].dtype) == "decimal128(18, 2)[pyarrow]"


def test_long_table(cmp: Comparison, data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, claims = data
    long = cmp.claims
    assert len(long) == len(REGIONS) * len(claims)
    assert list(long["policy"].cat.categories) == REGIONS
    assert (long["fund_paid"] + long["self_pay"] == long["eligible"]).all()
    jining = long[long["policy"] == "jining"]
    assert jining["row"].tolist() == list(range(len(claims)))
    assert set(long["binding"].cat.categories) == set(BINDING_ORDER)


def test_summary_by_group(cmp: Comparison) -> None:
    by_status = cmp.summary(by="status")
    assert set(by_status["status"]) == {"in_service", "retired"}
    total = cmp.summary().set_index("policy")
    for region, part in by_status.groupby("policy", observed=True):
        assert _decimal_sum(part["fund_paid"]) == total.loc[region, "fund_paid"]
        # members who retire during the year are counted in both groups
        assert part["members"].sum() >= total.loc[region, "members"]
    by_two = cmp.summary(by=["tier", "level"])
    assert {"tier", "level"} <= set(by_two.columns)


def test_group_from_members_table(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    members, claims = data
    members = members.assign(band=np.where(members["member_id"] % 2 == 0, "even", "odd"))
    result = compare(claims, ["jining"], members=members).summary(by="band")
    assert result["band"].tolist() == ["even", "odd"]
    with pytest.raises(KeyError, match="neither"):
        compare(claims, ["jining"]).summary(by="nowhere")


def test_binding_shares(cmp: Comparison) -> None:
    binding = cmp.binding()
    for _, part in binding.groupby("policy", observed=True):
        assert part["member_share"].sum() == pytest.approx(1.0)
        assert part["spending_share"].sum() == pytest.approx(1.0)
        assert list(part["binding"]) == list(BINDING_ORDER)
    ili = binding[binding["policy"] == "ili"].set_index("binding")
    assert ili.loc["visit cap", "members"] > 0  # only Ili has per-visit caps
    cq = binding[binding["policy"] == "chongqing"].set_index("binding")
    assert cq.loc["visit cap", "members"] == 0


def _claims(rows: list[tuple[int, str, int, str, str]]) -> pd.DataFrame:
    member, date, level, eligible, status = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "member_id": member,
            "date": pd.to_datetime(list(date)),
            "level": level,
            "eligible": [Decimal(e) for e in eligible],
            "status": status,
            "institution_id": "H1",
        }
    )


def test_hand_checked_jining_and_chongqing() -> None:
    # docs/design.md §6 Jining example (累计补差), and a member who reaches the annual cap.
    claims = _claims(
        [
            (1, "2024-02-01", 1, "80", "in_service"),
            (1, "2024-03-01", 1, "100", "in_service"),
            (1, "2024-04-01", 3, "500", "in_service"),
            (2, "2024-02-01", 1, "5000", "retired"),
        ]
    )
    cmp = compare(claims, {"JN": "jining", "CQ": "chongqing"})
    per_member = cmp.by_member().set_index(["policy", "member_id"])
    # Jining member 1: deductible 80 + 20 + 200 = 300; fund 80*0.7 + 300*0.5 = 56 + 150
    assert per_member.loc[("JN", 1), "deductible"] == Decimal("300.00")
    assert per_member.loc[("JN", 1), "fund_paid"] == Decimal("206.00")
    assert per_member.loc[("JN", 1), "binding"] == "rate"
    # Jining member 2: (5000 - 100) * 0.75 = 3675 > cap 2000
    assert per_member.loc[("JN", 2), "fund_paid"] == Decimal("2000.00")
    assert per_member.loc[("JN", 2), "capped"] == Decimal("1675.00")
    assert per_member.loc[("JN", 2), "binding"] == "annual cap"
    # Chongqing member 2 (retired, level 1): (5000 - 100) * 0.70 = 3430 < cap 4000
    assert per_member.loc[("CQ", 2), "fund_paid"] == Decimal("3430.00")
    summary = cmp.summary().set_index("policy")
    assert summary.loc["JN", "members_at_cap"] == 1
    assert summary.loc["CQ", "members_at_cap"] == 0
    assert summary.loc["JN", "members_past_deductible"] == 2
    assert summary.loc["JN", "fund_paid_per_member"] == Decimal("1103.00")
    assert summary.loc["JN", "fund_share"] == pytest.approx(2206 / 5680)


def test_reform_and_names(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, claims = data
    jining = yibao.load_policy("jining")
    reform = jining.replace({"pools.general.annual_cap": 3000})
    cmp = compare(claims, {"jining": jining, "jining cap 3000": reform})
    s = cmp.summary().set_index("policy")
    assert s.loc["jining cap 3000", "fund_paid"] >= s.loc["jining", "fund_paid"]
    assert s.loc["jining cap 3000", "members_at_cap"] <= s.loc["jining", "members_at_cap"]
    with pytest.raises(ValueError, match="named"):
        compare(claims, [jining, "jining"])
    with pytest.raises(ValueError, match="at least one"):
        compare(claims, [])


def test_inner_mongolia_is_skipped_with_a_reason(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, claims = data
    with pytest.raises(yibao.MissingParameterError):
        compare(claims, ["jining", "inner_mongolia"])
    usable, skipped = outpatient_regions()
    assert set(REGIONS) <= set(usable)
    assert "inner_mongolia" in skipped
    assert "pools.general" in skipped["inner_mongolia"]


def test_rule_flags_decode(cmp: Comparison) -> None:
    long = cmp.claims
    part = long[long["policy"] == "ili"]
    flags = rule_flags(part["rule"], yibao.load_policy("ili"))
    visit_cap = (flags & 4) != 0
    assert (part.loc[visit_cap, "capped"] > 0).all()
    assert (binding_of_flags(np.array([0, 1, 3, 7, 15, 31, 32])) == [0, 1, 2, 3, 4, 5, 0]).all()


def test_money_option_rejected(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    with pytest.raises(TypeError, match="money"):
        compare(data[1], ["jining"], money="float")


def test_plots(cmp: Comparison) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from yibao import plots
    from yibao.curves import benefit_curve

    for draw in (
        lambda ax: cmp.plot_fund(ax=ax),
        lambda ax: cmp.plot_fund(by="status", ax=ax),
        lambda ax: cmp.plot_out_of_pocket(ax=ax),
        lambda ax: cmp.plot_out_of_pocket(by=None, ax=ax),
        lambda ax: cmp.plot_binding(ax=ax),
        lambda ax: plots.plot_benefit_curves(benefit_curve(REGIONS, [0, 2000, 9000]), ax=ax),
    ):
        ax = Figure().add_subplot()
        assert draw(ax) is ax
        assert ax.has_data()


def test_report(cmp: Comparison, tmp_path: object) -> None:
    from pathlib import Path

    from yibao.report import write_report

    path = write_report(cmp, Path(str(tmp_path)), notes=["SYNTHETIC"], skipped={"x": "why"})
    text = path.read_text("utf-8")
    assert "SYNTHETIC" in text and "why" in text
    for region in REGIONS:
        assert region in text
