"""Policies as data: loading, describe, reforms with replace (pools and accounts), pickling."""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import yibao
from yibao.policy import Policy


def test_every_bundled_region_loads_with_sources() -> None:
    assert yibao.regions() == ["chongqing", "ili", "inner_mongolia", "jining", "nanchang"]
    for region in yibao.regions():
        table = yibao.load_policy(region).describe()
        given = table[table["value"].notna()]
        assert given["source"].notna().all(), region  # every number cites its article


def test_drafts_are_marked() -> None:
    assert yibao.load_policy("ili").draft and yibao.load_policy("nanchang").draft
    assert not yibao.load_policy("chongqing").draft


def test_missing_parameters_are_listed_not_invented() -> None:
    assert "2022-01-01:pools.day_surgery.rate" in yibao.load_policy("ili").missing()
    assert "2022-10-01:pools.general" in yibao.load_policy("inner_mongolia").missing()


def test_unknown_region_names_the_bundled_ones() -> None:
    with pytest.raises(yibao.PolicyError, match="chongqing"):
        yibao.load_policy("atlantis")


def test_replace_makes_a_new_policy_and_leaves_the_old_one() -> None:
    jining = yibao.load_policy("jining")
    reform = jining.replace({"pools.general.annual_cap": 3000})
    tree = reform.versions[0].tree["pools"]["general"]["annual_cap"]
    assert tree == {"value": Decimal(3000), "source": "user override"}
    assert jining.versions[0].tree["pools"]["general"]["annual_cap"]["value"] == Decimal(2000)
    # 济宁 二(一)3: the 2000 cap binds at 2000 under the old rules, at 3000 under the reform.
    claims = pd.DataFrame(
        {
            "member_id": [1],
            "date": ["2023-06-01"],
            "level": [1],
            "eligible": [10100],
            "status": "在职",
        }
    )
    assert yibao.adjudicate(claims, jining)["fund_paid"].tolist() == [Decimal("2000.00")]
    assert yibao.adjudicate(claims, reform)["fund_paid"].tolist() == [Decimal("3000.00")]


def test_replace_from_a_date_adds_a_version() -> None:
    reform = yibao.load_policy("jining").replace(
        {"pools.general.rate.in_service.level1": "0.80"}, effective="2024-01-01"
    )
    assert [v.effective for v in reform.versions] == [dt.date(2023, 1, 1), dt.date(2024, 1, 1)]
    claims = pd.DataFrame(
        {
            "member_id": [1, 2],
            "date": ["2023-12-31", "2024-01-01"],
            "level": [1, 1],
            "eligible": [200, 200],
            "status": "in_service",
        }
    )
    # 100 deductible (二(一)1), then 100 × 70% before the reform date, 100 × 80% from it.
    paid = yibao.adjudicate(claims, reform)["fund_paid"].tolist()
    assert paid == [Decimal("70.00"), Decimal("80.00")]


def test_replace_rejects_a_value_finer_than_the_fen() -> None:
    with pytest.raises(yibao.PolicyError, match="more than 2 decimal places"):
        yibao.load_policy("jining").replace({"pools.general.annual_cap": "2000.001"})


def test_replace_routes_account_values_to_the_account_rules() -> None:
    nanchang = yibao.load_policy("nanchang")
    assert "2023-01-01:retired.average_pension" in nanchang.accounts.missing()
    supplied = nanchang.replace({"accounts.retired.average_pension": 3140})
    assert supplied.accounts.missing() == []
    assert nanchang.accounts.missing() != []  # the original is unchanged


def test_policies_pickle_for_dask_workers() -> None:
    policy = yibao.load_policy("nanchang").replace({"accounts.retired.average_pension": 3140})
    _ = policy.core, policy.accounts.core
    again = pickle.loads(pickle.dumps(policy))
    assert again.core is not None and again.accounts.missing() == []


def test_a_policy_file_from_anywhere(tmp_path: Path) -> None:
    text = (Path(yibao.__file__).parent / "policies" / "jining.toml").read_text("utf-8")
    path = tmp_path / "my_jining.toml"
    path.write_text(text.replace("value = 2000", "value = 2500"), encoding="utf-8")
    policy = yibao.load_policy(path)
    assert isinstance(policy, Policy)
    assert policy.versions[0].tree["pools"]["general"]["annual_cap"]["value"] == Decimal(2500)


def test_broken_policy_file_names_file_and_key(tmp_path: Path) -> None:
    text = (Path(yibao.__file__).parent / "policies" / "jining.toml").read_text("utf-8")
    path = tmp_path / "broken.toml"
    path.write_text(text.replace("value = 0.70", "value = 1.70"), encoding="utf-8")
    with pytest.raises(yibao.PolicyError, match=r"broken\.toml.*rate.*within 0\.\.1"):
        yibao.load_policy(path)


def test_nhsa_names_round_trip() -> None:
    extract = pd.DataFrame(
        {
            "psn_no": [7],
            "date": ["2023-03-01"],
            "level": [2],
            "inscp_scp_amt": [300],
            "status": "退休",
        }
    )
    out = yibao.to_nhsa(yibao.adjudicate(yibao.from_nhsa(extract), "jining"))
    # 济宁 二(一)1–2: 200 deductible at level 2, then 100 × 65% for a retiree.
    assert out["act_pay_dedc"].tolist() == [Decimal("200.00")]
    assert out["hifp_pay"].tolist() == [Decimal("65.00")]
    assert "psn_no" in out.columns and "inscp_scp_amt" in out.columns
