"""Issue 20, breaks 4, 5 and 8: dates and ids in the ledger and account crediting.

One date reader and one id reader for the whole package (``yibao._claims``): the ledger
and account crediting refuse what ``adjudicate`` refuses, with the same message, and ids
of different kinds between claims, credits and opening balances are an error, never a
silent miss that pays everything in cash.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

import yibao
from yibao.accounts import account_credits
from yibao.errors import InputError
from yibao.ledger import ledger

BAD_DATES = {
    "YYYYMMDD int": [20240110, 20240111],
    "YYYYMMDD float": [20240110.0, 20240111.0],
    "day-first or month-first text": ["03/04/2024", "05/04/2024"],
    "unreadable text": ["2024-01-10", "not a date"],
}


def _claims(dates: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": [7, 7],
            "date": dates,
            "level": [1, 1],
            "eligible": [Decimal("50.00"), Decimal("80.00")],
            "status": ["in_service", "in_service"],
            "self_pay": [Decimal("50.00"), Decimal("80.00")],
        },
        index=["claim-a", "claim-b"],
    )


def _credits(ids: Any = (7,), months: Any = ("2024-01",)) -> pd.DataFrame:
    return pd.DataFrame({"member_id": list(ids), "month": list(months), "credit": [100] * len(ids)})


@pytest.mark.parametrize("dates", BAD_DATES.values(), ids=BAD_DATES.keys())
def test_ledger_refuses_the_dates_adjudicate_refuses(dates: list[Any]) -> None:
    claims = _claims(dates)
    with pytest.raises(InputError) as want:
        yibao.adjudicate(claims.drop(columns="self_pay"), "jining")
    with pytest.raises(InputError) as got:
        ledger(claims, _credits())
    assert str(got.value) == str(want.value)
    assert got.value.row == want.value.row


@pytest.mark.parametrize("month", [202401, 202401.0, "01/2024"])
def test_ledger_refuses_numeric_and_ambiguous_months(month: Any) -> None:
    with pytest.raises(InputError) as err:
        ledger(_claims(["2024-01-10", "2024-01-11"]), _credits(months=[month]))
    assert err.value.column == "month"
    assert err.value.row == 0


@pytest.mark.parametrize("dates", BAD_DATES.values(), ids=BAD_DATES.keys())
@pytest.mark.parametrize("column", ["birth_date", "retire_date"])
def test_account_credits_refuse_the_dates_adjudicate_refuses(dates: list[Any], column: str) -> None:
    members = pd.DataFrame(
        {"member_id": [1, 2], "birth_date": ["1954-03-15", "1960-01-01"], "base": [5000, 6000]},
        index=["m1", "m2"],
    )
    members[column] = dates
    claims = _claims(dates)
    with pytest.raises(InputError) as want:
        yibao.adjudicate(claims.drop(columns="self_pay"), "jining")
    with pytest.raises(InputError) as got:
        account_credits(members, "chongqing", "2024-01", "2024-02")
    assert got.value.column == column
    assert got.value.reason == want.value.reason
    assert got.value.row == "m" + str(1 + list(claims.index).index(want.value.row))


def test_integer_months_used_to_release_another_month() -> None:
    # 202401 read as a nanosecond count was 1970-01; an integer month is now refused.
    with pytest.raises(InputError, match="not numbers"):
        ledger(_claims(["2024-01-10", "2024-01-11"]), _credits(months=[202401]))


@pytest.mark.parametrize(
    ("claim_ids", "credit_ids"),
    [([7, 7], ["7"]), (["7", "7"], [7]), ([7.0, 7.0], ["7"]), ([b"7", b"7"], ["7"])],
)
def test_ids_of_different_kinds_are_an_error(claim_ids: list[Any], credit_ids: list[Any]) -> None:
    claims = _claims(["2024-01-10", "2024-01-11"]).assign(member_id=claim_ids)
    with pytest.raises(InputError, match="credits") as err:
        ledger(claims, _credits(ids=credit_ids))
    assert err.value.column == "member_id"


def test_opening_ids_of_another_kind_are_an_error() -> None:
    claims = _claims(["2024-01-10", "2024-01-11"])
    with pytest.raises(InputError, match="opening"):
        ledger(claims, _credits(), opening={"7": 10})


def test_ints_and_whole_floats_are_one_kind() -> None:
    claims = _claims(["2024-01-10", "2024-01-11"]).assign(member_id=[7.0, 7.0])
    out = ledger(claims, _credits(ids=[7]))
    assert [str(v) for v in out["account_paid"]] == ["50.00", "50.00"]


def test_float_ids_beyond_int64_stay_distinct() -> None:
    big = [2.0**63, 2.0**64]
    claims = _claims(["2024-01-10", "2024-01-11"]).assign(member_id=big)
    credits = pd.DataFrame({"member_id": big, "month": ["2024-01"] * 2, "credit": [10, 100]})
    out = ledger(claims, credits)
    # Each account pays its own claim from its own credit: 10 of 50, 80 of 80.
    assert [str(v) for v in out["account_paid"]] == ["10.00", "80.00"]


def test_categorical_ids_mixing_int_and_str_are_refused() -> None:
    claims = _claims(["2024-01-10", "2024-01-11"])
    claims["member_id"] = pd.Categorical([1, "1"])
    with pytest.raises(InputError, match="mixes number and str") as err:
        yibao.adjudicate(claims.drop(columns="self_pay"), "jining")
    assert err.value.row == "claim-b"
    with pytest.raises(InputError, match="mixes number and str"):
        ledger(claims, _credits(ids=[1]))


def test_members_ids_of_mixed_kinds_are_refused() -> None:
    members = pd.DataFrame(
        {"member_id": [1, "1"], "birth_date": ["1954-03-15", "1960-01-01"], "base": [5000, 6000]}
    )
    with pytest.raises(InputError, match="mixes number and str"):
        account_credits(members, "chongqing", "2024-01", "2024-02")


@pytest.mark.parametrize(
    "opening",
    [
        {8: 1, 7: -5},
        pd.Series([1, -5], index=[8, 7]),
        pd.DataFrame({"member_id": [8, 7], "balance": [1, -5]}, index=["a", "b"]),
    ],
    ids=["mapping", "series", "frame"],
)
def test_negative_opening_names_its_own_row(opening: Any) -> None:
    claims = _claims(["2024-01-10", "2024-01-11"])
    with pytest.raises(InputError, match="negative") as err:
        ledger(claims, _credits(), opening=opening)
    assert err.value.column == "opening"
    assert err.value.row == ("b" if isinstance(opening, pd.DataFrame) else 7)
    assert "7" in str(err.value)


def test_credits_match_after_the_change() -> None:
    # The usual path still works: int ids, Period months from account_credits.
    members = pd.DataFrame({"member_id": [7], "birth_date": ["1964-03-15"], "base": [5000]})
    credits = account_credits(members, "chongqing", "2024-01", "2024-01")
    out = ledger(_claims(["2024-01-10", "2024-01-11"]), credits)
    paid = sum(Decimal(str(v)) for v in out["account_paid"])
    assert paid == min(Decimal(str(credits["credit"].iloc[0])), Decimal("130.00"))
    assert np.all(out["cash_paid"].notna())
