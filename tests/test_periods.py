"""The deductible's period is policy data (issue 15, step 3): ``deductible_period`` in a pool.

The golden cases of the test-only quarterly policy are in tests/cases/quarterly_cases.yaml
(run by the case plugin); here: the independent reference agrees with them, a month period
through ``Policy.replace``, and the errors for periods a policy file may not state.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import yibao
from yibao.cases import load_file
from yibao.errors import PolicyError

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import reference as ref  # noqa: E402

QUARTERLY = _HERE / "policies" / "quarterly.toml"
CASES = load_file(_HERE / "cases" / "quarterly_cases.yaml")


def test_the_reference_reads_the_period_from_the_policy_files() -> None:
    assert ref.DEDUCTIBLE_PERIOD == {
        "chongqing": "year",
        "jining": "year",
        "nanchang": "year",
        "ili": "year",
        "quarterly": "quarter",
    }


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_reference_agrees_with_the_quarterly_cases(case: yibao.cases.Case) -> None:
    assert case.expected is not None
    out = ref.adjudicate(pd.DataFrame(list(case.claims)), "quarterly")
    for i, expected in enumerate(case.expected):
        for column in ref.MONEY_COLUMNS:
            if column in expected:  # cases without a supplementary fund omit supplementary_paid
                assert out[column].iloc[i] == Decimal(str(expected[column])), (i, column)


def test_the_quarterly_policy_runs_from_its_file_alone() -> None:
    """load_policy takes the path; nothing else names the policy (QT-1: 1 April)."""
    claims = pd.DataFrame(
        {
            "member_id": [7, 7],
            "date": pd.to_datetime(["2024-03-31", "2024-04-01"]),
            "level": [1, 1],
            "eligible": [Decimal("150"), Decimal("150")],
            "status": ["in_service", "in_service"],
        }
    )
    out = yibao.adjudicate(claims, yibao.load_policy(QUARTERLY))
    assert out["deductible"].tolist() == [Decimal("150.00"), Decimal("150.00")]
    under_year = yibao.load_policy(QUARTERLY).replace({"pools.general.deductible_period": "year"})
    out = yibao.adjudicate(claims, under_year)
    assert out["deductible"].tolist() == [Decimal("150.00"), Decimal("0.00")]
    assert out["fund_paid"].tolist() == [Decimal("0.00"), Decimal("105.00")]  # 150 × 70%


def test_a_monthly_deductible() -> None:
    """The quarterly policy with deductible_period = month (by hand, 在职 150, 一级 70%):
    31 January 100 → deductible 100; 1 February 200 → a new month: 150, then 50 × 70% = 35.00;
    28 February 100 → none left: 70.00; ytd 105.00."""
    monthly = yibao.load_policy(QUARTERLY).replace({"pools.general.deductible_period": "month"})
    claims = pd.DataFrame(
        {
            "member_id": [1, 1, 1],
            "date": pd.to_datetime(["2024-01-31", "2024-02-01", "2024-02-28"]),
            "level": [1, 1, 1],
            "eligible": [Decimal("100"), Decimal("200"), Decimal("100")],
            "status": ["in_service"] * 3,
        }
    )
    out = yibao.adjudicate(claims, monthly)
    assert [str(v) for v in out["deductible"]] == ["100.00", "150.00", "0.00"]
    assert [str(v) for v in out["fund_paid"]] == ["0.00", "35.00", "70.00"]
    assert [str(v) for v in out["ytd_fund_paid"]] == ["0.00", "35.00", "105.00"]


@pytest.mark.parametrize("value", ["week", "visit", "", 3])
def test_a_period_outside_the_vocabulary_is_refused(value: object) -> None:
    with pytest.raises(PolicyError, match=r"pools\.general\.deductible_period must be one of"):
        _ = yibao.load_policy(QUARTERLY).replace({"pools.general.deductible_period": value}).core


def test_a_per_visit_deductible_takes_no_period() -> None:
    with pytest.raises(PolicyError, match="applies to a cumulative deductible"):
        _ = yibao.load_policy("ili").replace({"pools.general.deductible_period": "year"}).core
