"""Every rule of the five texts accounted for (issue 16): the ``[[articles]]`` tables.

Each policy file lists its text article by article and where each rule lives (a parameter,
a mechanism, or ``missing``). These tests check the tables against their files, that the
checks can fail, that the region pages show the tables, and the behaviours the tables record
as decisions (the Ili ones are golden cases in ``tests/cases/ili_cases.yaml``).
"""

from __future__ import annotations

import copy
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import yibao
from yibao import _articles
from yibao._docgen import _policy_data, region_page
from yibao.accounts import supply
from yibao.lint import lint_policy

REGIONS = yibao.regions()


@pytest.mark.parametrize("region", REGIONS)
def test_every_table_matches_its_policy_file(region: str) -> None:
    assert _articles.problems(_policy_data(region)) == []


@pytest.mark.parametrize("region", REGIONS)
def test_every_missing_parameter_is_a_row_and_every_gap_says_why(region: str) -> None:
    data = _policy_data(region)
    named = {w for row in _articles.rows(data) for w in _articles.where_list(row)}
    assert set(_articles.missing_paths(data)) <= named
    for row in _articles.rows(data):
        if "missing" in _articles.where_list(row):
            assert "not modelled" in row["note"].lower() or "issue 16" in row["note"], row


@pytest.mark.parametrize("region", REGIONS)
def test_the_region_page_shows_the_table(region: str) -> None:
    data = _policy_data(region)
    page = region_page(region)
    assert "## The text, article by article" in page
    table = page.split("## The text, article by article")[1].split("\n## ")[0]
    body = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(body) == 1 + len(_articles.rows(data))  # the header, then one line per row
    not_modelled = sum("missing" in _articles.where_list(r) for r in _articles.rows(data))
    assert sum("**not modelled**" in line for line in body) == not_modelled


def _gaps(region: str) -> set[str]:
    rows = _articles.rows(_policy_data(region))
    return {r["article"] for r in rows if "missing" in _articles.where_list(r)}


def _where(region: str, article: str) -> set[str]:
    rows = _articles.rows(_policy_data(region))
    return {w for r in rows if r["article"] == article for w in _articles.where_list(r)}


def test_the_gaps_named_in_the_issue_are_in_the_tables() -> None:
    assert {"第九条"} <= _gaps("ili")
    assert {"四(三)2"} <= _gaps("nanchang")


def test_the_mechanisms_of_issue_16_are_in_the_tables() -> None:
    """Built: each article lives in its key (a missing value where the text gives none)."""
    assert "services.fixed_fee" in _where("chongqing", "第六条第二款")
    assert "overall_cap" in _where("chongqing", "第八条第一款")
    assert "supplementary_cap" in _where("chongqing", "第八条第二款")
    assert "supplementary_cap" in _where("ili", "第十五条")
    assert "inpatient_stays" in _where("ili", "第十六条")
    assert "overall_cap" in _where("inner_mongolia", "一(三)")
    for region, articles in {
        "chongqing": {"第八条第一款", "第八条第二款"},
        "ili": {"第十五条", "第十六条"},
        "inner_mongolia": {"一(三)"},
    }.items():
        assert not articles & _gaps(region), region


# -- the checks can fail ---------------------------------------------------------------------


def _broken(region: str, change: Any) -> list[str]:
    data = copy.deepcopy(_policy_data(region))
    change(data)
    return _articles.problems(data)


def test_a_key_path_that_does_not_exist_is_reported() -> None:
    def change(data: dict[str, Any]) -> None:
        data["articles"][3]["where"] = ["pools.general.deductable"]

    [problem] = _broken("chongqing", change)
    assert "'pools.general.deductable' is not in any version" in problem


def test_an_unnamed_missing_parameter_is_reported() -> None:
    def change(data: dict[str, Any]) -> None:
        for row in data["articles"]:
            row["where"] = [w for w in row["where"] if w != "accounts.retired.true_up_month"]

    assert _broken("ili", change) == [
        "missing parameter 'accounts.retired.true_up_month' is named by no row"
    ]


def test_a_cited_article_absent_from_the_table_is_reported() -> None:
    def change(data: dict[str, Any]) -> None:
        data["articles"] = [r for r in data["articles"] if r["article"] != "第二十四条"]

    problems = _broken("ili", change)
    assert problems and all("article 第二十四条 (cited in" in p for p in problems)


def test_malformed_rows_are_reported() -> None:
    def change(data: dict[str, Any]) -> None:
        data["articles"][0] = {"article": "第一条", "summary": "", "where": [], "owner": "x"}
        data["articles"][1]["where"] = ["missing"]
        data["articles"][2]["where"] = ["Pools General"]

    problems = _broken("chongqing", change)
    assert "articles[0] (第一条): unknown key 'owner'" in problems
    assert "articles[0] (第一条): summary must be a non-empty string" in problems
    assert "articles[0] (第一条): where is empty" in problems
    assert any("articles[1]" in p and "needs a note" in p for p in problems)
    assert any("'Pools General' is not a key path" in p for p in problems)
    assert _articles.problems({"versions": []}) == ["no [[articles]] table"]


@pytest.mark.parametrize(
    ("source", "cited"),
    [
        ("伊犁 第十四条, 第十一条(一)", ["第十四条", "第十一条(一)"]),
        ("济宁 通知 二(二)1,3 (单位缴纳的基本医疗保险费不再划入个人账户)", ["二(二)1", "二(二)3"]),
        ("渝医保发〔2023〕32号 第12条 (起付标准、支付比例按处方开具医疗机构的等级)", ["第12条"]),
        ("内政办发〔2021〕82号 七(一) (2022年10月1日起启动实施)", ["七(一)"]),
        ("伊犁 第五条（三） (首次划入额度暂定80元/月)", ["第五条(三)"]),
        ("docs/design.md §4 (结算 16,2 金额)", []),
        ("济宁 通知 (no pharmacy rule)", []),
    ],
)
def test_cited_articles(source: str, cited: list[str]) -> None:
    assert _articles.cited_articles(source) == cited


def test_the_lint_accepts_the_table_and_the_engine_ignores_it() -> None:
    assert lint_policy("ili") == []
    text = (Path(yibao.__file__).parent / "policies" / "ili.toml").read_text("utf-8")
    without = text.split("\n[[articles]]")[0]
    assert (
        yibao.Policy.from_toml(without).versions[0].tree
        == yibao.load_policy("ili").versions[0].tree
    )


# -- decisions the texts leave open ------------------------------------------------------------


def test_chongqing_lump_sum_end_as_retire_date_makes_outpatient_claims_retired() -> None:
    """渝医保发〔2023〕32号 第九条第三款 modelled with retire_date (the [[articles]] assumption).

    Member 个人二档, lump-sum period ending 2024-06-30, given as retire_date:
    row 0 (2024-03-01, level 2, 300): in service: deductible 200 (第四条); (300 − 200) × 60%
      = 60.00 (第五条).
    row 1 (2024-07-01, level 2, 300): retired from 2024-06-30: the retired deductible 100 is
      met by the 200 paid; 300 × 70% = 210.00 (第五条 +10 points); ytd 270.00.
    row 2 (2024-08-01, level 2, 5000): 5000 × 70% = 3500.00; the retired cap 4000 (第六条)
      leaves 3730.00: paid in full; ytd 3770.00.
    With a status column saying in service, rows 1-2 are 300 × 60% = 180.00 and 5000 × 60%
    = 3000.00 against the in-service cap 3000 − 240.00 = 2760.00: capped 240.00.
    """
    members = pd.DataFrame(
        {
            "member_id": [1],
            "birth_date": ["1980-05-01"],
            "retire_date": ["2024-06-30"],
            "tier": ["individual_2"],
            "base": [5000],
        }
    )
    claims = pd.DataFrame(
        {
            "member_id": [1, 1, 1],
            "date": ["2024-03-01", "2024-07-01", "2024-08-01"],
            "level": [2, 2, 2],
            "eligible": [300, 300, 5000],
            "tier": "individual_2",
        }
    )
    out = yibao.adjudicate(claims, "chongqing", members=members)
    assert out["deductible"].tolist() == [Decimal("200.00"), Decimal("0.00"), Decimal("0.00")]
    assert out["fund_paid"].tolist() == [Decimal("60.00"), Decimal("210.00"), Decimal("3500.00")]
    assert out["capped"].tolist() == [Decimal("0.00")] * 3
    kept = yibao.adjudicate(claims.assign(status="in_service"), "chongqing")
    assert kept["fund_paid"].tolist() == [Decimal("60.00"), Decimal("180.00"), Decimal("2760.00")]
    assert kept["capped"].tolist()[2] == Decimal("240.00")
    # The account: 2% of the lump-sum base through June, the retired 105 from July (第九条).
    credits = yibao.account_credits(members, "chongqing", start="2024-06", end="2024-07")
    assert credits["credit"].tolist() == [Decimal("100.00"), Decimal("105.00")]


JINING_OWN = {"in_service.base_rate.own": "0.02"}


def _jining_credit(tier: str, base: str) -> Decimal:
    members = pd.DataFrame(
        {
            "member_id": [1],
            "birth_date": ["1990-01-01"],
            "retire_date": [None],
            "tier": [tier],
            "base": [Decimal(base)],
        }
    )
    out = yibao.account_credits(members, supply("jining", JINING_OWN), "2023-01", "2023-01")
    credit: Decimal = out["credit"].iloc[0]
    return credit


def test_jining_employer_member_today() -> None:
    """济宁 通知 二(二)1–2: own 2% (supplied) + employer 0.5% (age 33): 5000 × 2.5% = 125.00."""
    assert _jining_credit("employer", "5000") == Decimal("125.00")


def test_jining_member_without_employer_gets_the_own_contribution_only() -> None:
    """济宁 通知 二(二)1–2, decision: 个人参保 (individual_1) has no employer share: 5000 × 2%."""
    assert _jining_credit("individual_1", "5000") == Decimal("100.00")


def test_jining_own_and_employer_shares_rounded_apart() -> None:
    """济宁 通知 二(二)1–2, decision: base 5000.20: own 100.004 → 100.00, employer 25.001 →
    25.00: 125.00 (rounded together: 125.005 → 125.01)."""
    assert _jining_credit("employer", "5000.20") == Decimal("125.00")


# The Ili decisions above are golden cases in tests/cases/ili_cases.yaml; the plain-Python
# reference (tests/reference.py, written from docs/design.md §6) must agree with them too.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import reference as ref  # noqa: E402

ILI_DECISIONS = (
    "a zero-eligible settlement uses up the first visit of the year",
    "a same-day pharmacy fill is a second visit, at the pharmacy",
)


@pytest.mark.parametrize("name", ILI_DECISIONS)
def test_the_reference_agrees_with_the_ili_decision_cases(name: str) -> None:
    from yibao.cases import load_file

    [case] = [c for c in load_file(Path(_HERE) / "cases" / "ili_cases.yaml") if c.name == name]
    assert case.expected is not None
    out = ref.adjudicate(pd.DataFrame(list(case.claims)), "ili")
    for i, expected in enumerate(case.expected):
        for column in ref.MONEY_COLUMNS:
            if column in expected:  # the cases written before supplementary_paid omit it (0)
                assert out[column].iloc[i] == Decimal(expected[column]), (i, column)
