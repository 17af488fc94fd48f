"""Issue 20, break 4: ``fund_impact`` reads claim dates with the package's one date reader.

An integer date such as 20230301 was read as nanoseconds since 1970, fell outside the year
and its fund payment was silently left out of ``outpatient_fund_paid``.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from yibao.accounts import supply
from yibao.errors import InputError
from yibao.fund_impact import fund_impact

NANCHANG = supply("nanchang", {"retired.average_pension": 3140})
MEMBERS = pd.DataFrame(
    {"member_id": [1, 2], "birth_date": ["1950-05-05", "1980-01-01"], "base": [5000, 6000]}
)


@pytest.mark.parametrize("date", [20230301, 20230301.0, "03/01/2023"])
def test_unreadable_claim_dates_are_refused(date: object) -> None:
    adjudicated = pd.DataFrame(
        {"member_id": [1, 2], "date": ["2023-02-01", date], "fund_paid": [Decimal("10.00")] * 2},
        index=["a", "b"],
    )
    with pytest.raises(InputError) as err:
        fund_impact(MEMBERS, NANCHANG.in_force("2022-12"), NANCHANG, 2023, adjudicated=adjudicated)
    assert (err.value.column, err.value.row) == ("date", "b")
