"""Account outflows beyond claims (issue 16 item 4): hand cases from the texts, refusals,
and the ledger against a plain-Python model (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yibao
from yibao.errors import InputError
from yibao.ledger import ledger
from yibao.outflows import PURPOSES, account_outflows, ledger_with_outflows


def events(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {"member_id": [1], "date": ["2024-04-01"], "amount": [80]}
    base.update(columns)
    return pd.DataFrame(base)


def money(values: Any) -> list[str]:
    return [str(v) for v in values]


def test_a_premium_is_paid_in_date_order_with_the_claims() -> None:
    # 伊犁 第七条(二): the member's own 长期护理保险. Credit 100 on 2024-03-01; 2024-04-01
    # the premium 80 → balance 20; 2024-05-01 a claim of 50: 20 from the account, 30 cash.
    claims = pd.DataFrame({"member_id": [1], "date": ["2024-05-01"], "self_pay": [50]})
    credits = pd.DataFrame({"member_id": [1], "month": ["2024-03"], "credit": [100]})
    out = account_outflows(events(purpose=["long_term_care"]), "ili")
    paid, fees = ledger_with_outflows(claims, credits, out)
    assert money(fees["account_paid"]) == ["80.00"]
    assert money(fees["cash_paid"]) == ["0.00"]
    assert money(fees["account_balance"]) == ["20.00"]
    assert money(paid["account_paid"]) == ["20.00"]
    assert money(paid["cash_paid"]) == ["30.00"]
    # yibao.ledger takes the same outflows and returns the claims' rows.
    pd.testing.assert_frame_equal(ledger(claims, credits, outflows=out), paid)
    # Without the premium the account pays the whole claim.
    assert money(ledger(claims, credits)["account_paid"]) == ["50.00"]


def test_a_premium_above_the_balance_is_paid_partly_in_cash() -> None:
    # 重庆 第十条第二款: the child's 城乡居民基本医疗保险 contribution 380.00 with 250.00 in
    # the account (opening 150 + credit 100): 250.00 from the account, 130.00 in cash.
    claims = pd.DataFrame({"member_id": [], "date": [], "self_pay": []})
    credits = pd.DataFrame({"member_id": [1], "month": ["2024-01"], "credit": [Decimal("100")]})
    out = account_outflows(
        events(
            date=["2024-02-10"],
            amount=[Decimal("380.00")],
            purpose=["resident_insurance"],
            beneficiary=["child"],
        ),
        "chongqing",
    )
    _, fees = ledger_with_outflows(claims, credits, out, opening={1: 150})
    assert money(fees["account_paid"]) == ["250.00"]
    assert money(fees["cash_paid"]) == ["130.00"]
    assert money(fees["account_balance"]) == ["0.00"]


def test_family_premiums_allowed_by_each_text() -> None:
    # 内政办发〔2021〕82号 三: 配偶、父母、子女 参加居民医保、职工大额医疗费用补助、长期护理保险.
    for purpose in ("resident_insurance", "supplementary", "long_term_care"):
        out = account_outflows(events(purpose=[purpose], beneficiary=["spouse"]), "inner_mongolia")
        assert out.frame["source"].iloc[0].startswith("内政办发〔2021〕82号 三")
    # 南昌 起草说明 四(三)2: 商业补充医疗保险 for the member and the family.
    out = account_outflows(events(purpose=["commercial"], beneficiary=["parent"]), "nanchang")
    assert out.frame["amount"].tolist() == [8000]
    assert out.region == "nanchang"


@pytest.mark.parametrize(
    ("region", "article"),
    [
        ("chongqing", "渝医保发〔2023〕32号 第十条第三款"),
        ("ili", "伊犁 第九条"),
        ("inner_mongolia", "内政办发〔2021〕82号 三"),
    ],
)
@pytest.mark.parametrize("purpose", ["public_health", "fitness", "wellness"])
def test_forbidden_purposes_are_refused_with_their_article(
    region: str, article: str, purpose: str
) -> None:
    frame = events(
        purpose=["long_term_care", purpose],
        member_id=[1, 2],
        date=["2024-04-01"] * 2,
        amount=[80, 90],
        beneficiary=["spouse", "self"],
    )
    frame.index = pd.Index(["a", "b"])
    with pytest.raises(InputError, match=f"is forbidden by {article}") as info:
        account_outflows(frame, region)
    assert (info.value.column, info.value.row) == ("purpose", "b")
    assert PURPOSES[purpose] in str(info.value)


def test_purposes_the_text_does_not_allow_are_refused() -> None:
    with pytest.raises(InputError, match="not among the account uses the ili text allows"):
        account_outflows(events(purpose=["commercial"]), "ili")
    # 济宁: the notice allows no account use beyond claims.
    with pytest.raises(InputError, match=r"jining text allows \(none beyond claims\)"):
        account_outflows(events(purpose=["long_term_care"]), "jining")
    # 南昌: the six forbidden uses are not listed; a purpose not allowed is refused anyway.
    with pytest.raises(InputError, match="not among the account uses the nanchang text"):
        account_outflows(events(purpose=["fitness"]), "nanchang")


def test_a_relation_the_purpose_is_not_allowed_for() -> None:
    # 伊犁 第七条(二): 大额 for the member only; 居民医保 for the family only.
    with pytest.raises(InputError, match=r"supplementary for the member's spouse .* 第七条\(二\)"):
        account_outflows(events(purpose=["supplementary"], beneficiary=["spouse"]), "ili")
    with pytest.raises(InputError, match="allows it for spouse, parent, child") as info:
        account_outflows(events(purpose=["resident_insurance"]), "ili")
    assert info.value.column == "beneficiary"
    # 内政办发〔2021〕82号 三 names the family only.
    with pytest.raises(InputError, match="long_term_care for the member's self"):
        account_outflows(events(purpose=["long_term_care"]), "inner_mongolia")


@pytest.mark.parametrize(
    ("change", "column", "match"),
    [
        ({"purpose": ["massage"]}, "purpose", "unknown purpose"),
        ({"purpose": ["long_term_care"], "beneficiary": ["cousin"]}, "beneficiary", "one of"),
        ({"purpose": ["long_term_care"], "amount": [-5]}, "amount", "negative"),
        ({"purpose": ["long_term_care"], "amount": [Decimal("1.005")]}, "amount", "decimal"),
        ({"purpose": ["long_term_care"], "date": ["2024-13-45"]}, "date", "unreadable date"),
        ({"purpose": ["long_term_care"], "member_id": [None]}, "member_id", "missing"),
    ],
)
def test_bad_events_name_the_column(change: dict[str, Any], column: str, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        account_outflows(events(**change), "ili")
    assert info.value.column == column


def test_missing_columns_and_unchecked_frames() -> None:
    with pytest.raises(InputError, match="outflows need purpose"):
        account_outflows(events(), "ili")
    claims = pd.DataFrame({"member_id": [1], "date": ["2024-05-01"], "self_pay": [50]})
    credits = pd.DataFrame({"member_id": [1], "month": ["2024-03"], "credit": [100]})
    with pytest.raises(TypeError, match="account_outflows"):
        ledger(claims, credits, outflows=events(purpose=["long_term_care"]))
    out = account_outflows(events(purpose=["long_term_care"]), "ili")
    with pytest.raises(InputError, match="unreadable date") as info:
        ledger(claims.assign(date=["not a date"]), credits, outflows=out)
    assert info.value.column == "date"
    with pytest.raises(InputError, match="self_pay"):
        ledger(claims.drop(columns="self_pay"), credits, outflows=out)


def test_the_callers_frames_are_not_modified() -> None:
    frame = events(purpose=["long_term_care"], amount=[Decimal("80.50")])
    before = frame.copy()
    claims = pd.DataFrame({"member_id": [1], "date": ["2024-05-01"], "self_pay": [50]})
    claims_before = claims.copy()
    credits = pd.DataFrame({"member_id": [1], "month": ["2024-03"], "credit": [100]})
    ledger(claims, credits, outflows=account_outflows(frame, "ili"))
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(claims, claims_before)


def test_ili_civil_servant_subsidy_is_an_extra_credit() -> None:
    # 伊犁 第六条: the 公务员医疗补助 credited to the account (amounts from other documents,
    # here 50.00 supplied): rows of one account and month are added, 80 + 50 = 130.
    claims = pd.DataFrame({"member_id": [1], "date": ["2024-01-20"], "self_pay": [120]})
    credits = pd.DataFrame(
        {"member_id": [1, 1], "month": ["2024-01", "2024-01"], "credit": [80, 50]}
    )
    out = ledger(claims, credits)
    assert money(out["account_paid"]) == ["120.00"]
    assert money(out["account_balance"]) == ["10.00"]


# -- against a plain-Python model ---------------------------------------------------------------


@st.composite
def one_account_year(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    days = draw(st.lists(st.integers(0, 364), min_size=1, max_size=12, unique=True))
    kinds = draw(st.lists(st.booleans(), min_size=len(days), max_size=len(days)))
    cents = draw(st.lists(st.integers(0, 30_000), min_size=len(days), max_size=len(days)))
    start = dt.date(2024, 1, 1)
    rows = [
        (start + dt.timedelta(days=d), is_claim, Decimal(c) / 100)
        for d, is_claim, c in zip(days, kinds, cents, strict=True)
    ]
    claims = pd.DataFrame(
        [{"member_id": 1, "date": d, "self_pay": a} for d, claim, a in rows if claim],
        columns=["member_id", "date", "self_pay"],
    )
    fees = pd.DataFrame(
        [
            {"member_id": 1, "date": d, "amount": a, "purpose": "long_term_care"}
            for d, claim, a in rows
            if not claim
        ],
        columns=["member_id", "date", "amount", "purpose"],
    )
    months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=12, unique=True))
    credit = draw(st.integers(0, 20_000))
    credits = pd.DataFrame(
        {
            "member_id": 1,
            "month": [f"2024-{m:02d}" for m in months],
            "credit": [Decimal(credit) / 100] * len(months),
        }
    )
    return claims, fees, credits


def model(claims: pd.DataFrame, fees: pd.DataFrame, credits: pd.DataFrame) -> dict[Any, Decimal]:
    """Credits arrive on the 1st; each event, in date order, takes what the balance allows."""
    arriving = {
        str(m): Decimal(c) for m, c in zip(credits["month"], credits["credit"], strict=True)
    }
    timeline = [
        (d, "claim", i, a)
        for i, (d, a) in enumerate(zip(claims["date"], claims["self_pay"], strict=True))
    ]
    timeline += [
        (d, "fee", i, a) for i, (d, a) in enumerate(zip(fees["date"], fees["amount"], strict=True))
    ]
    balance, paid, month = Decimal(0), {}, None
    for day, kind, i, amount in sorted(timeline):
        for m in sorted(arriving):
            if (month is None or m > month) and m <= f"{day:%Y-%m}":
                balance += arriving[m]
        month = f"{day:%Y-%m}"
        paid[(kind, i)] = min(balance, Decimal(amount))
        balance -= paid[(kind, i)]
    return paid


@settings(max_examples=60, deadline=None)
@given(one_account_year())
def test_matches_a_plain_model(data: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    claims, fees, credits = data
    out = account_outflows(fees, "ili")
    paid, fee_paid = ledger_with_outflows(claims, credits, out)
    expected = model(claims, fees, credits)
    for i, value in enumerate(paid["account_paid"]):
        assert value == expected[("claim", i)]
    for i, value in enumerate(fee_paid["account_paid"]):
        assert value == expected[("fee", i)]
    assert (fee_paid["account_paid"] + fee_paid["cash_paid"]).tolist() == [
        Decimal(a) for a in fees["amount"]
    ]


def test_regions_pages_list_the_purposes() -> None:
    from yibao._docgen import region_page

    assert (
        "| `fitness` | 体育健身 | **forbidden** | 渝医保发〔2023〕32号 第十条第三款"
        in region_page("chongqing")
    )
    assert "every outflow is refused" in region_page("jining")
    assert yibao.regions()  # the five bundled regions


def test_a_reform_keeps_the_outflow_rules_and_bad_tables_are_policy_errors() -> None:
    from pathlib import Path

    from yibao.errors import PolicyError

    reform = yibao.load_policy("ili").replace({"pools.general.annual_cap": 4000})
    with pytest.raises(InputError, match="伊犁 第九条"):
        account_outflows(events(purpose=["fitness"]), reform)
    text = (Path(yibao.__file__).parent / "policies" / "ili.toml").read_text("utf-8")
    bad = text.replace(
        "[outflows.forbidden]\n", "[outflows.forbidden]\nmassage = { source = 'x' }\n"
    )
    with pytest.raises(PolicyError, match=r"outflows\.forbidden\.massage is not a purpose"):
        account_outflows(events(purpose=["fitness"]), yibao.Policy.from_toml(bad))
