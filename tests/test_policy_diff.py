"""yibao.diff and Policy.as_of: parameter differences with both values and both sources."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import yibao
from yibao.policy_diff import ABSENT, diff


@pytest.mark.parametrize("region", yibao.regions())
def test_a_policy_does_not_differ_from_itself(region: str) -> None:
    policy = yibao.load_policy(region)
    assert diff(policy, policy).empty
    assert diff(region, yibao.load_policy(region)).empty


def test_a_reform_lists_exactly_the_replaced_keys() -> None:
    jining = yibao.load_policy("jining")
    reform = jining.replace(
        {"pools.general.annual_cap": 3000, "pools.general.rate.retired.level3": "0.6"},
        source="reform R",
    )
    table = diff(jining, reform)
    assert table["parameter"].tolist() == [
        "pools.general.annual_cap",
        "pools.general.rate.retired.level3",
    ]
    assert table.columns.tolist() == [
        "parameter", "jining", "jining+reform", "jining source", "jining+reform source"
    ]  # fmt: skip
    assert table.iloc[0, 1:].tolist() == [
        2000,
        3000,
        "济宁 通知 二(一)3 (统筹基金的最高支付限额为2000元)",
        "reform R",
    ]


def test_equal_numbers_written_differently_are_the_same() -> None:
    jining = yibao.load_policy("jining")
    # 0.5 is the text's 0.50; 2000.00 is 2000
    same = jining.replace({"pools.general.rate.in_service.level3": "0.5"})
    assert diff(jining, same).empty
    assert diff(jining, jining.replace({"pools.general.annual_cap": "2000.00"})).empty


def test_a_table_replacing_a_single_value() -> None:
    jining = yibao.load_policy("jining")
    reform = jining.replace({"pools.general.annual_cap": {"in_service": 3000, "retired": 4000}})
    table = diff(jining, reform)
    assert table["parameter"].tolist() == [
        "pools.general.annual_cap",
        "pools.general.annual_cap.in_service",
        "pools.general.annual_cap.retired",
    ]
    assert table.iloc[0, 2] == ABSENT and table.iloc[1, 1] == ABSENT


def test_two_regions_and_a_missing_parameter() -> None:
    table = diff("chongqing", "inner_mongolia").set_index("parameter")
    assert table.loc["pools.general.retired_rate_increase", "chongqing"] == Decimal("0.10")
    missing = table[table["inner_mongolia"].astype(str).str.startswith("missing: ")]
    assert len(missing)


def test_versions_of_one_policy_with_as_of() -> None:
    jining = yibao.load_policy("jining")
    reform = jining.replace({"pools.general.annual_cap": 2500}, effective="2024-07-01")
    early, late = reform.as_of("2024-03-01"), reform.as_of(dt.date(2024, 7, 1))
    assert [v.effective for v in early.versions] == [dt.date(2023, 1, 1)]
    assert [v.effective for v in late.versions] == [dt.date(2024, 7, 1)]
    table = diff(early, late)
    assert table.columns[1:3].tolist() == ["jining+reform 2023-01-01", "jining+reform 2024-07-01"]
    assert table["parameter"].tolist() == ["pools.general.annual_cap"]
    # both versions in one call: a row per date from which a difference holds
    dated = diff(jining, reform)
    assert dated["in force from"].tolist() == [dt.date(2024, 7, 1)]


def test_as_of_keeps_the_account_entry_in_force() -> None:
    jining = yibao.load_policy("jining")
    mid_2023 = jining.as_of("2023-06-15")
    assert mid_2023.accounts is not None
    assert [v.effective for v in mid_2023.accounts.versions] == [dt.date(2023, 1, 1)]
    later = jining.as_of("2024-06-15").accounts
    assert later is not None and [v.effective for v in later.versions] == [dt.date(2024, 1, 1)]
    assert len(jining.accounts.versions) == 2  # the policy itself is unchanged


def test_as_of_before_the_first_version_raises() -> None:
    with pytest.raises(yibao.PolicyError, match="no version in force"):
        yibao.load_policy("chongqing").as_of("2023-12-31")


def test_a_table_for_a_paper() -> None:
    pytest.importorskip("jinja2")
    latex = diff("chongqing", "jining").to_latex(index=False)
    assert "pools.general.retired_rate_increase & 0.10 & — &" in latex
    assert "渝医保发〔2023〕32号 第五条" in latex
