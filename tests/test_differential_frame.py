"""The differential tests again, with the column layouts read in place (``yibao._frame``).

``tests/test_differential.py`` hands the engine Decimal amounts and object columns. Here the
same seeded 10,000-row tables (and Hypothesis tables) are given other dtypes (float64
amounts, int8 levels, Arrow strings, nullable Int8 prescriber levels, datetime64[ns], rows
sorted by member and date) and compared with the independent
Decimal reference, to the fen, on every money column.
Run: ``python -m pytest tests/test_differential_frame.py -q``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import reference as ref  # noqa: E402
import strategies as gen  # noqa: E402
from test_differential import (  # noqa: E402
    HYPOTHESIS,
    REGION_PARAMS,
    SEED,
    assert_same_money,
    money_of,
    policy_of,
    reference_money,
    yibao,  # noqa: F401  (the fixture)
)


def fast_dtypes(claims: pd.DataFrame) -> pd.DataFrame:
    """The same claims with the fast path's dtypes, sorted by member and date (stable)."""
    out = claims.sort_values(["member_id", "date"], kind="stable").copy()
    out["eligible"] = out["eligible"].astype(float)  # exact 2-decimal values
    out["level"] = out["level"].astype(np.int8)
    out["date"] = out["date"].astype("datetime64[ns]")
    out["prescriber_level"] = out["prescriber_level"].astype("Int8")
    for column in ("status", "service", "tier"):
        out[column] = out[column].astype("str")
    return out


def check_fast(yb: ModuleType, claims: pd.DataFrame, region: ref.Region, what: str) -> None:
    fast = fast_dtypes(claims)
    core = yb.load_policy(policy_of(region)).core
    taken, _ = yb._frame.adjudicated(
        fast, core, rounding=None, threads=2, layout=yb._core.MoneyLayout.decimal128
    )
    assert taken is not None, f"{what}: the fast path declined"
    got = money_of(yb.adjudicate(fast, policy_of(region), threads=2))
    assert_same_money(fast, got, reference_money(fast, region), what)


@REGION_PARAMS
def test_fast_path_random_table(yibao: ModuleType, region: ref.Region) -> None:  # noqa: F811
    claims = gen.random_claims(region, n_rows=10_000, n_members=400, seed=SEED + 1)
    check_fast(yibao, claims, region, f"{region} seeded 10k table, fast path")


@REGION_PARAMS
@HYPOTHESIS
@given(data=st.data())
def test_fast_path_hypothesis(
    yibao: ModuleType,  # noqa: F811
    region: ref.Region,
    data: st.DataObject,
) -> None:
    claims = data.draw(gen.claim_tables(region), label="claims")
    if claims["date"].isna().any() or len(claims) == 0:
        return
    fast = fast_dtypes(claims)
    got = money_of(yibao.adjudicate(fast, policy_of(region), threads=2))
    assert_same_money(fast, got, reference_money(fast, region), f"{region} hypothesis, fast path")
