"""Edge cases found by review of the threaded core (each failed before its fix):

* the last year an int32 day can hold: the member-year must not reset on every day;
* a day equal to the old "no day yet" marker (INT32_MIN) must not inherit the previous
  member's year;
* an institution_id error must not come before the earlier columns' checks (a missing date
  is named first, in the schema's order).
Run: ``python -m pytest tests/test_edges_review.py -q``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

yibao = pytest.importorskip("yibao")

from yibao import _core  # noqa: E402


def test_last_representable_year_keeps_its_member_year() -> None:
    # 渝医保发〔2023〕32号 第四条: in-service deductible 200 a year, so 150 then 50.
    claims = pd.DataFrame(
        {
            "member_id": [1, 1],
            "date": np.array(["5881580-07-01", "5881580-07-02"], dtype="datetime64[s]"),
            "level": [1, 1],
            "eligible": [150.0, 150.0],
            "status": "in_service",
        }
    )
    out = yibao.adjudicate(claims, "chongqing", money="fen")
    assert out["deductible"].tolist() == [15000, 5000]


def test_a_day_at_int32_min_opens_its_own_year() -> None:
    policy = yibao.load_policy("chongqing").core
    day = int(np.datetime64("2024-03-01", "D").astype(np.int64))
    member = np.array([1, 2], dtype=np.int64)
    days = np.array([day, np.iinfo(np.int32).min], dtype=np.int32)
    codes = np.zeros(2, dtype=np.int8)
    level = np.ones(2, dtype=np.int8)
    eligible = np.array([30000, 100], dtype=np.int64)
    prescriber = np.full(2, -1, dtype=np.int8)
    with pytest.raises(yibao.NoVersionInForceError):
        _core.adjudicate(
            policy,
            member,
            days,
            level,
            eligible,
            codes,
            codes,
            prescriber,
            codes,
            None,
            1,
            _core.MoneyLayout.fen64,
        )


def test_fast_path_leaves_institution_errors_to_the_general_path() -> None:
    claims = pd.DataFrame(
        {
            "member_id": np.array([1, 1], dtype=np.int64),
            "date": np.array(["2022-03-01", "NaT"], dtype="datetime64[ns]"),
            "level": np.array([1, 1], dtype=np.int8),
            "eligible": [10.0, 20.0],
            "status": pd.array(["in_service", "in_service"], dtype="str"),
            "institution_id": pd.Series(["A", 1], dtype=object),
        }
    )
    with pytest.raises(yibao.InputError) as error:
        yibao.adjudicate(claims, "ili")
    assert error.value.column == "date"
