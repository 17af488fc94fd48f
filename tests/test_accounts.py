"""Monthly personal-account credits (个人账户计入), hand-computed from the articles cited.

Conventions (docs/design.md §7): age in full years on the first day of the month; credited as
retired from the month after the retirement month; each product rounded half-up to the
fen once.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yibao
from yibao.accounts import account_credits, account_rules, supply
from yibao.errors import InputError, MissingParameterError, NoVersionInForceError, PolicyError


def members(*rows: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame([{"member_id": i, **row} for i, row in enumerate(rows)])
    return frame


def credits(frame: pd.DataFrame, policy: Any, start: str, end: str, member: int = 0) -> list[str]:
    out = account_credits(frame, policy, start, end)
    return [str(c) for c in out.loc[out["member_id"] == member, "credit"]]


def rules_of(frame: pd.DataFrame, policy: Any, start: str, end: str) -> list[str]:
    return [str(r) for r in account_credits(frame, policy, start, end)["rule"]]


# -- 重庆 渝医保发〔2023〕32号 第九条 -------------------------------------------------------------


def test_chongqing_in_service_two_percent_rounded_half_up() -> None:
    # 2% × 6543.21 = 130.8642 → 130.86; 2% × 1234.25 = 24.685 → 24.69 (四舍五入)
    frame = members(
        {"birth_date": "1980-01-01", "base": Decimal("6543.21")},
        {"birth_date": "1980-01-01", "base": Decimal("1234.25"), "tier": "individual_2"},
    )
    assert credits(frame, "chongqing", "2024-01", "2024-01") == ["130.86"]
    assert credits(frame, "chongqing", "2024-01", "2024-01", member=1) == ["24.69"]


def test_chongqing_retirement_month_then_105() -> None:
    # Retires 2024-03-10 at 59: March still 2% of base, April on 105 (第九条第二款).
    frame = members({"birth_date": "1964-05-20", "retire_date": "2024-03-10", "base": 6543.21})
    assert credits(frame, "chongqing", "2024-02", "2024-05") == [
        "130.86",
        "130.86",
        "105.00",
        "105.00",
    ]


def test_chongqing_70th_birthday() -> None:
    # Born 1954-03-15: 69 on 2024-03-01, 70 on 2024-04-01 → 105 then 115 (70（含）岁以上).
    # Born 1954-03-01: 70 on 2024-03-01 itself → 115 from March.
    frame = members(
        {"birth_date": "1954-03-15", "retire_date": "2014-03-31"},
        {"birth_date": "1954-03-01", "retire_date": "2014-03-31"},
    )
    assert credits(frame, "chongqing", "2024-02", "2024-04") == ["105.00", "105.00", "115.00"]
    assert credits(frame, "chongqing", "2024-02", "2024-04", member=1) == [
        "105.00",
        "115.00",
        "115.00",
    ]
    assert rules_of(frame.iloc[:1], "chongqing", "2024-03", "2024-04") == [
        "CQ-9.2 retired <70: 105",
        "CQ-9.2 retired ≥70: 115",
    ]


def test_chongqing_individual_1_has_no_account() -> None:
    frame = members(
        {"birth_date": "1990-06-01", "tier": "individual_1", "base": 5000},
        {"birth_date": "1950-06-01", "tier": "个人一档", "retire_date": "2010-06-01"},
    )
    out = account_credits(frame, "chongqing", "2024-01", "2024-01")
    assert [str(c) for c in out["credit"]] == ["0.00", "0.00"]
    assert set(out["rule"]) == {"CQ-9 individual_1: no account"}


def test_chongqing_never_backdated() -> None:
    frame = members({"birth_date": "1980-01-01", "base": 5000})
    with pytest.raises(NoVersionInForceError, match="2023-12"):
        account_credits(frame, "chongqing", "2023-12", "2024-01")


# -- 济宁 通知 二(二) -----------------------------------------------------------------------------

JINING_OWN = {"in_service.base_rate.own": "0.02"}


def test_jining_own_rate_is_missing_until_supplied() -> None:
    frame = members({"birth_date": "1980-01-01", "base": 5000})
    with pytest.raises(MissingParameterError, match=r"in_service\.base_rate\.own"):
        account_credits(frame, "jining", "2023-01", "2023-01")
    assert credits(frame, supply("jining", JINING_OWN), "2023-01", "2023-01") == ["125.00"]


def test_jining_2023_45_and_46() -> None:
    # 二(二)2: own 2% + employer 0.5% while 45 (含) or younger, 0.75% above 45.
    # Born 1978-06-15: 45 from 2023-07-01 → still 2.5% (45岁（含45岁）以下).
    # Born 1977-11-02: 45 on 2023-11-01, 46 on 2023-12-01 → 2.75% from December.
    # 2.5% × 5000.01 = 125.00025 → 125.00; 2.75% × 5000.01 = 137.500275 → 137.50.
    rules = supply("jining", JINING_OWN)
    frame = members(
        {"birth_date": "1978-06-15", "base": Decimal("5000.01")},
        {"birth_date": "1977-11-02", "base": Decimal("5000.01")},
    )
    assert credits(frame, rules, "2023-06", "2023-07") == ["125.00", "125.00"]
    assert credits(frame, rules, "2023-11", "2023-12", member=1) == ["125.00", "137.50"]
    assert rules_of(frame.iloc[1:], rules, "2023-11", "2023-12") == [
        "JN-2.2.1+2 own + employer 0.5% (≤45)",
        "JN-2.2.1+2 own + employer 0.75% (>45)",
    ]


def test_jining_2024_version_change() -> None:
    # 二(二)3: from 2024-01-01 the employer share stops: 2% × 5000.01 = 100.0002 → 100.00.
    frame = members({"birth_date": "1970-01-15", "base": Decimal("5000.01")})
    assert credits(frame, supply("jining", JINING_OWN), "2023-12", "2024-01") == [
        "137.50",
        "100.00",
    ]


def test_jining_retired_2023_unchanged_is_missing() -> None:
    frame = members({"birth_date": "1950-01-01", "retire_date": "2010-01-01"})
    with pytest.raises(MissingParameterError, match=r"retired\.fixed") as info:
        account_credits(frame, "jining", "2023-01", "2023-01")
    assert "member_id 0" in str(info.value)
    rules = supply("jining", {"retired.fixed": 150})
    assert credits(frame, rules, "2023-12", "2023-12") == ["150.00"]


def test_supplied_values_stay_in_their_entry() -> None:
    # retired.fixed is missing only in the 2023 entry; supplying it must not add 150 to the
    # 2024 formula (2% of the average: 69.14).
    frame = members({"birth_date": "1960-01-01", "retire_date": "2015-01-01"})
    rules = supply("jining", {"retired.fixed": 150, "retired.average_pension": "3456.78"})
    assert credits(frame, rules, "2023-12", "2024-01") == ["150.00", "69.14"]


def test_jining_retired_2024_average_pension_and_70() -> None:
    # 二(二)3: 2% (<70) / 2.5% (≥70) of the 2023 average pension (supplied: 3456.78):
    # 69.1356 → 69.14; 86.4195 → 86.42. Born 1954-05-20: 70 from 2024-06-01.
    frame = members({"birth_date": "1954-05-20", "retire_date": "2014-05-31"})
    with pytest.raises(MissingParameterError, match=r"retired\.average_pension"):
        account_credits(frame, "jining", "2024-01", "2024-01")
    rules = supply("jining", {"retired.average_pension": Decimal("3456.78")})
    assert credits(frame, rules, "2024-05", "2024-06") == ["69.14", "86.42"]


def test_jining_retirement_month() -> None:
    # 二(二)4 在职转退休的职工，自次月起享受退休人员个人账户待遇: retires 2024-02-29 →
    # February 2% × 5000 = 100.00, March 2% × 3456.78 = 69.14.
    frame = members({"birth_date": "1964-02-29", "retire_date": "2024-02-29", "base": 5000})
    rules = supply("jining", {**JINING_OWN, "retired.average_pension": "3456.78"})
    assert credits(frame, rules, "2024-02", "2024-03") == ["100.00", "69.14"]


# -- 南昌 起草说明 一, 四(三)1 --------------------------------------------------------------


def test_nanchang_before_and_after() -> None:
    # 一: 2.9% of wage (6000 → 174.00), 3.5% of own pension (3210.50 → 112.3675 → 112.37).
    # 四(三)1 from 2023: 2% of base (120.00), 2.5% of the Jiangxi 2023 average (3140 → 78.50).
    frame = members(
        {"birth_date": "1980-01-01", "base": 6000},
        {"birth_date": "1955-01-01", "retire_date": "2015-01-01", "pension": Decimal("3210.50")},
    )
    rules = supply("nanchang", {"retired.average_pension": 3140})
    assert credits(frame, rules, "2022-12", "2023-01") == ["174.00", "120.00"]
    assert credits(frame, rules, "2022-12", "2023-01", member=1) == ["112.37", "78.50"]
    with pytest.raises(MissingParameterError, match="江西省2023年"):
        account_credits(frame, "nanchang", "2023-01", "2023-01")
    with pytest.raises(NoVersionInForceError):
        account_credits(frame, rules, "2020-12", "2021-01")


def test_nanchang_pre_reform_needs_own_pension() -> None:
    frame = members({"birth_date": "1955-01-01", "retire_date": "2015-01-01"})
    with pytest.raises(InputError, match="pension"):
        account_credits(frame, "nanchang", "2022-01", "2022-01")


# -- 伊犁 第五条 -----------------------------------------------------------------------------------


def test_ili_in_service_and_flexible() -> None:
    # (一) own contribution (rate not stated; supplied 2%: 4000 → 80.00); (二) flexible
    # workers paying only the unit rate (individual_1): no account.
    frame = members(
        {"birth_date": "1980-01-01", "base": 4000},
        {"birth_date": "1980-01-01", "base": 4000, "tier": "individual_1"},
    )
    with pytest.raises(MissingParameterError, match=r"in_service\.base_rate\.own"):
        account_credits(frame, "ili", "2022-01", "2022-01")
    rules = supply("ili", {"in_service.base_rate.own": "0.02"})
    assert credits(frame, rules, "2022-01", "2022-01") == ["80.00"]
    assert credits(frame, rules, "2022-01", "2022-01", member=1) == ["0.00"]


def test_ili_civil_servant_subsidy_is_credited_on_top() -> None:
    # 第六条: 公务员医疗补助计入职工医保个人账户 (amounts set by 伊州政办〔2006〕38号, not this
    # text: a members column). In service, own 2% supplied: 4000 × 2% = 80.00, + 123.45 =
    # 203.45. Retired before the true-up: the provisional 80.00 + 50.00 = 130.00. A member
    # without a subsidy (missing) is credited the formula alone.
    frame = members(
        {"birth_date": "1980-01-01", "base": 4000, "civil_servant_subsidy": Decimal("123.45")},
        {"birth_date": "1950-01-01", "retire_date": "2010-01-01", "civil_servant_subsidy": 50},
        {"birth_date": "1980-01-01", "base": 4000, "civil_servant_subsidy": None},
    )
    rules = supply("ili", {"in_service.base_rate.own": "0.02"})
    out = account_credits(frame, rules, "2022-01", "2022-02")
    assert [str(c) for c in out["credit"]] == ["203.45"] * 2 + ["130.00"] * 2 + ["80.00"] * 2
    assert out["rule"].tolist()[::2] == [
        "ILI-5.1 own contribution + ILI-6 civil-servant subsidy 公务员医疗补助",
        "ILI-5.3 retired 2% of Xinjiang 2022 average pension (provisional 暂定)"
        " + ILI-6 civil-servant subsidy 公务员医疗补助",
        "ILI-5.1 own contribution",
    ]
    assert frame["civil_servant_subsidy"].iloc[0] == Decimal("123.45")  # the caller's data


def test_civil_servant_subsidy_where_the_text_gives_none_is_an_error() -> None:
    # 重庆 第九条 credits no 公务员医疗补助: a subsidy there is refused, naming the row.
    frame = members(
        {"birth_date": "1980-01-01", "base": 4000},
        {"birth_date": "1980-01-01", "base": 4000, "civil_servant_subsidy": 10},
    )
    with pytest.raises(InputError, match="civil-servant subsidy") as info:
        account_credits(frame, "chongqing", "2024-01", "2024-01")
    assert info.value.column == "civil_servant_subsidy"
    assert info.value.row == 1
    with pytest.raises(InputError, match="negative"):
        account_credits(frame.assign(civil_servant_subsidy=-1), "ili", "2022-01", "2022-01")


def test_ili_provisional_80_then_true_up() -> None:
    # (三) 首次划入额度暂定80元/月 … 补划差额. Retires 2022-10-15 → retired from 2022-11.
    # Average 4512.34 supplied, adjusted from 2023-03: 2% = 90.2468 → 90.25; March gets
    # 90.25 + 4 × (90.25 - 80) = 131.25 for the provisional months 2022-11..2023-02.
    frame = members({"birth_date": "1962-06-06", "retire_date": "2022-10-15", "base": 4000})
    rules = supply("ili", {"in_service.base_rate.own": "0.02"})
    provisional = account_credits(frame, rules, "2022-11", "2023-04")
    assert [str(c) for c in provisional["credit"]] == ["80.00"] * 6
    assert all("provisional" in r for r in provisional["rule"])
    with pytest.raises(MissingParameterError, match=r"true_up_month"):
        account_credits(
            frame, supply(rules, {"retired.average_pension": "4512.34"}), "2023-01", "2023-01"
        )
    adjusted = supply(
        rules, {"retired.average_pension": "4512.34", "retired.true_up_month": "2023-03"}
    )
    out = account_credits(frame, adjusted, "2022-10", "2023-04")
    assert [str(c) for c in out["credit"]] == [
        "80.00",
        "80.00",
        "80.00",
        "80.00",
        "80.00",
        "131.25",
        "90.25",
    ]
    assert str(out["rule"].iloc[5]).endswith("+ true-up 补划差额")
    # The true-up counts every provisional month, also those before the requested range.
    assert credits(frame, adjusted, "2023-03", "2023-03") == ["131.25"]


def test_ili_true_up_claws_nothing_back() -> None:
    # 2% × 3800 = 76.00 < 80: the adjusted amount applies, nothing is recovered.
    frame = members({"birth_date": "1950-01-01", "retire_date": "2010-01-01"})
    rules = supply("ili", {"retired.average_pension": 3800, "retired.true_up_month": "2022-06"})
    assert credits(frame, rules, "2022-05", "2022-07") == ["80.00", "76.00", "76.00"]


# -- 内蒙古 内政办发〔2021〕82号 二 ---------------------------------------------------------


def test_inner_mongolia_3_then_2_percent() -> None:
    # From 2022-10-01 3% of the 2021 average pension (3333.33 → 99.9999 → 100.00), from
    # 2023 2% (66.6666 → 66.67); in service 2% of base (5555.55 → 111.111 → 111.11).
    frame = members(
        {"birth_date": "1955-01-01", "retire_date": "2015-01-01"},
        {"birth_date": "1985-01-01", "base": Decimal("5555.55")},
    )
    with pytest.raises(MissingParameterError, match="2021年全区平均基本养老金"):
        account_credits(frame, "inner_mongolia", "2022-10", "2022-10")
    rules = supply("inner_mongolia", {"retired.average_pension": "3333.33"})
    assert credits(frame, rules, "2022-12", "2023-01") == ["100.00", "66.67"]
    assert credits(frame, rules, "2022-10", "2022-10", member=1) == ["111.11"]
    with pytest.raises(NoVersionInForceError, match="2022-09"):
        account_credits(frame, rules, "2022-09", "2022-10")


# -- rules as data -------------------------------------------------------------------------


def test_rules_from_policy_objects_and_reforms() -> None:
    frame = members({"birth_date": "1980-01-01", "base": 5000})
    policy = yibao.load_policy("chongqing").replace({"pools.general.annual_cap": 3500})
    assert credits(frame, policy, "2024-01", "2024-01") == ["100.00"]
    reform = supply("chongqing", {"in_service.base_rate": "0.015"}, effective="2024-07-01")
    assert credits(frame, reform, "2024-06", "2024-07") == ["100.00", "75.00"]
    assert account_rules("nanchang").in_force("2022-12").versions[0].effective.year == 2021
    baseline = account_rules("nanchang").in_force("2022-12")
    assert credits(frame, baseline, "2023-01", "2023-01") == ["145.00"]
    described = account_rules("jining").describe()
    assert {"parameter", "source", "missing"} <= set(described.columns)
    assert "2024-01-01:retired.average_pension" in account_rules("jining").missing()


def test_every_value_has_a_source() -> None:
    for region in yibao.regions():
        table = account_rules(region).describe()
        assert table["source"].notna().all(), region


def test_bad_rules_are_policy_errors() -> None:
    with pytest.raises(PolicyError, match="first of a month"):
        supply("chongqing", {"in_service.base_rate": "0.01"}, effective="2024-07-15")
    with pytest.raises(PolicyError, match=r"0\.\.1"):
        supply("chongqing", {"in_service.base_rate": "2"})


# -- input validation names column, row and value --------------------------------------------


@pytest.mark.parametrize(
    ("frame", "column", "match"),
    [
        (pd.DataFrame({"member_id": [1]}), "birth_date", "required"),
        (
            pd.DataFrame({"member_id": [1, 1], "birth_date": ["1980-01-01"] * 2}),
            "member_id",
            "duplicate",
        ),
        (pd.DataFrame({"member_id": [1], "birth_date": ["1980-13-01"]}), "birth_date", "date"),
        (
            pd.DataFrame({"member_id": [1], "birth_date": ["1980-01-01"], "tier": ["gold"]}),
            "tier",
            "gold",
        ),
        (
            pd.DataFrame({"member_id": [1], "birth_date": ["1980-01-01"], "base": [-1]}),
            "base",
            "negative",
        ),
        (
            pd.DataFrame(
                {"member_id": [1], "birth_date": ["1980-01-01"], "retire_date": ["1970-01-01"]}
            ),
            "retire_date",
            "before",
        ),
        (
            pd.DataFrame({"member_id": [1], "birth_date": ["1980-01-01"], "base": [1.234]}),
            "base",
            "decimal",
        ),
    ],
)
def test_member_errors(frame: pd.DataFrame, column: str, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        account_credits(frame, "chongqing", "2024-01", "2024-01")
    assert info.value.column == column


def test_missing_base_names_the_row() -> None:
    frame = pd.DataFrame(
        {"member_id": ["a", "b"], "birth_date": ["1980-01-01"] * 2, "base": [5000, None]}
    )
    frame.index = ["x", "y"]
    with pytest.raises(InputError) as info:
        account_credits(frame, "chongqing", "2024-01", "2024-01")
    assert info.value.column == "base"
    assert info.value.row == "y"


def test_output_shape_and_dtypes() -> None:
    frame = members(
        {"birth_date": "1980-01-01", "base": 5000}, {"birth_date": "1981-01-01", "base": 6000}
    )
    out = account_credits(frame, "chongqing", "2024-11", "2025-02")
    assert list(out.columns) == ["member_id", "month", "credit", "rule"]
    assert len(out) == 8
    assert str(out["credit"].dtype) == "decimal128(18, 2)[pyarrow]"
    assert [str(m) for m in out["month"][:4]] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert account_credits(frame, "chongqing", "2024-01", "2024-01", money="fen")[
        "credit"
    ].tolist() == [
        10000,
        12000,
    ]


# -- a second implementation, on random members (Hypothesis) ---------------------------------

SUPPLIED = {
    "chongqing": {},
    "jining": {
        "in_service.base_rate.own": "0.02",
        "retired.fixed": "150",
        "retired.average_pension": "3456.78",
    },
    "nanchang": {"retired.average_pension": "3140"},
    "ili": {
        "in_service.base_rate.own": "0.02",
        "retired.average_pension": "4512.34",
        "retired.true_up_month": "2023-03",
    },
    "inner_mongolia": {"retired.average_pension": "3333.33"},
}
WINDOW = {
    "chongqing": ("2024-01", 24),
    "jining": ("2023-01", 24),
    "nanchang": ("2021-01", 36),
    "ili": ("2022-01", 24),
    "inner_mongolia": ("2022-10", 18),
}


def r2(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), ROUND_HALF_UP)


def expected_credit(region: str, row: dict[str, Any], y: int, m: int) -> Decimal:
    """docs/design.md §7 written out once more, directly from the articles (not from the TOML)."""
    b = pd.Timestamp(row["birth_date"])
    age = y - b.year - (1 if (m < b.month or (m == b.month and b.day > 1)) else 0)
    retire = row.get("retire_date")
    retired = retire is not None and (y, m) > (
        pd.Timestamp(retire).year,
        pd.Timestamp(retire).month,
    )
    base, pension, tier = row.get("base"), row.get("pension"), row.get("tier", "employer")
    if region == "chongqing":  # 第九条
        if tier == "individual_1":
            return Decimal("0.00")
        return Decimal(115 if age >= 70 else 105) if retired else r2(base * Decimal("0.02"))
    if region == "jining":  # 二(二)2–3
        if y == 2023:
            if retired:
                return Decimal("150.00")
            # Own 2% (supplied) and, with an employer only, 0.5% / 0.75%: rounded apart (§6b).
            own = r2(base * Decimal("0.02"))
            if tier != "employer":
                return own
            return own + r2(base * (Decimal("0.005") if age <= 45 else Decimal("0.0075")))
        if retired:
            return r2(Decimal("3456.78") * (Decimal("0.025") if age >= 70 else Decimal("0.02")))
        return r2(base * Decimal("0.02"))
    if region == "nanchang":  # 一; 四(三)1
        if y < 2023:
            return r2(pension * Decimal("0.035")) if retired else r2(base * Decimal("0.029"))
        return r2(Decimal("3140") * Decimal("0.025")) if retired else r2(base * Decimal("0.02"))
    if region == "inner_mongolia":  # 二
        rate = Decimal("0.03") if y == 2022 else Decimal("0.02")
        return r2(Decimal("3333.33") * rate) if retired else r2(base * Decimal("0.02"))
    # ili 第五条
    if not retired:
        return Decimal("0.00") if tier == "individual_1" else r2(base * Decimal("0.02"))
    full = r2(Decimal("4512.34") * Decimal("0.02"))
    if (y, m) < (2023, 3):
        return Decimal("80.00")
    if (y, m) > (2023, 3):
        return full
    ry, rm = pd.Timestamp(retire).year, pd.Timestamp(retire).month
    first = max(2022 * 12, ry * 12 + rm)  # months counted from the month after retirement
    provisional = 2023 * 12 + 2 - first
    return full + max(provisional, 0) * max(full - 80, Decimal(0))


@st.composite
def random_members(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for i in range(draw(st.integers(1, 6))):
        birth = dt.date(1935, 1, 1) + dt.timedelta(days=draw(st.integers(0, 365 * 60)))
        retire = None
        if draw(st.booleans()):
            retire = birth + dt.timedelta(days=draw(st.integers(365 * 50, 365 * 65)))
        rows.append(
            {
                "member_id": f"m{i}",
                "birth_date": birth,
                "retire_date": retire,
                "tier": draw(st.sampled_from(["employer", "individual_1", "individual_2"])),
                "base": Decimal(draw(st.integers(0, 5_000_000))) / 100,
                "pension": Decimal(draw(st.integers(0, 2_000_000))) / 100,
            }
        )
    return pd.DataFrame(rows)


@settings(max_examples=60, deadline=None)
@given(random_members(), st.sampled_from(sorted(SUPPLIED)), st.data())
def test_matches_a_second_implementation(
    frame: pd.DataFrame, region: str, data: st.DataObject
) -> None:
    start, length = WINDOW[region]
    rules = supply(region, SUPPLIED[region]) if SUPPLIED[region] else account_rules(region)
    first = data.draw(st.integers(0, length - 1))
    last = data.draw(st.integers(first, length - 1))
    months = pd.period_range(start, periods=length, freq="M")[first : last + 1]
    out = account_credits(frame, rules, str(months[0]), str(months[-1]))
    rows = frame.to_dict("records")
    want = [
        expected_credit(region, {k: v for k, v in row.items() if not pd.isna(v)}, p.year, p.month)
        for row in rows
        for p in months
    ]
    assert [Decimal(str(c)) for c in out["credit"]] == want
    # Splitting the range, or reordering the members, changes nothing.
    if len(months) > 1:
        head = account_credits(frame, rules, str(months[0]), str(months[0]))
        tail = account_credits(frame, rules, str(months[1]), str(months[-1]))
        joined = pd.concat([head, tail]).sort_values(["member_id", "month"], kind="stable")
        assert (
            joined["credit"].tolist()
            == out.sort_values(["member_id", "month"], kind="stable")["credit"].tolist()
        )
    reordered = account_credits(frame.iloc[::-1], rules, str(months[0]), str(months[-1]))
    key = ["member_id", "month"]
    assert reordered.sort_values(key)["credit"].tolist() == out.sort_values(key)["credit"].tolist()
