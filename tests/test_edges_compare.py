"""Issue 20, break 6: ``Comparison`` sums are exact or an overflow error, never wrapped.

Each claim is valid (under decimal(18, 2), 16 integer digits of yuan); their sums are not.
The int64 fen sums used to wrap silently (21 claims of 9e15 yuan showed a small number).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

import yibao
from yibao.compare import compare

BIG = Decimal("9000000000000000.00")  # 9e15 yuan: one claim fits decimal(18, 2)


def _claims(members: list[int], amount: Decimal) -> pd.DataFrame:
    n = len(members)
    return pd.DataFrame(
        {
            "member_id": members,
            "date": pd.to_datetime(["2024-03-01"] * n) + pd.to_timedelta(range(n), unit="D"),
            "level": [1] * n,
            "eligible": [amount] * n,
            "status": ["in_service"] * n,
        }
    )


def test_summary_of_sums_beyond_int64_is_an_error_naming_the_column() -> None:
    # 20 claims of 9e15 yuan and one of the rest: 2**64 + 12345 fen, which int64 wraps to
    # 123.45 yuan, a plausible total.
    claims = _claims(list(range(21)), BIG)
    rest = Decimal(2**64 + 12345 - 20 * 900_000_000_000_000_000) / 100
    claims["eligible"] = [BIG] * 20 + [rest]
    comparison = compare(claims, ["jining"])
    with pytest.raises(yibao.AmountOverflowError) as err:
        comparison.summary()
    assert err.value.column == "eligible"
    assert "decimal(18, 2)" in str(err.value)


def test_by_member_sum_beyond_decimal_18_2_is_an_error() -> None:
    comparison = compare(_claims([7, 7], BIG), ["jining"])
    with pytest.raises(yibao.AmountOverflowError) as err:
        comparison.by_member()
    assert err.value.column == "eligible"
    assert "member_id" in str(err.value)


def test_large_sums_that_fit_are_exact() -> None:
    # 100 claims of 9e13 yuan: 9e15 yuan in all, exact to the fen (plain-Python sum).
    amount = Decimal("90000000000000.01")
    comparison = compare(_claims(list(range(100)), amount), ["jining"])
    summary = comparison.summary()
    assert summary["eligible"].iloc[0] == amount * 100
    by_member = comparison.by_member()
    assert by_member["eligible"].tolist() == [amount] * 100
