"""yibao._many: convert once, adjudicate many; exact sums that never wrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import yibao
from yibao._many import (
    adjudicate_converted,
    convert_once,
    days_in_year,
    exact_sum,
    group_codes,
    group_sums,
    members_with,
    rows_flagged,
    rows_of,
)
from yibao.datasets import synthetic


def test_sums_beyond_int64_are_exact() -> None:
    big = np.array([2**62, 2**62, 2**62, -5], dtype=np.int64)
    assert exact_sum(big) == 3 * 2**62 - 5  # int64 would wrap
    assert group_sums(np.array([0, 1, 0, 1]), big, 2) == [2**63, 2**62 - 5]
    assert exact_sum(np.array([], dtype=np.int64)) == 0
    assert group_sums(np.array([1, 1]), np.array([3, 4]), 3) == [0, 7, 0]


def test_converted_once_equals_adjudicate() -> None:
    _, claims = synthetic(members=60, seed=2)
    converted = convert_once(claims, threads=1)
    out = adjudicate_converted(converted, yibao.load_policy("ili"))
    expected = yibao.adjudicate(claims, "ili", money="fen", threads=1)
    for name in ("deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid"):
        assert (out[name] == expected[name].to_numpy()).all()
    capped = rows_flagged(out["rule"], int(yibao._core.rule_visit_cap))
    hit = expected.loc[capped, "member_id"].nunique()
    assert members_with(converted, capped) == hit
    assert converted.n_members == claims["member_id"].nunique()
    with pytest.raises(ValueError):
        rows_flagged(out["rule"], yibao._schema.RULE_CODES_PER_VERSION)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense_ids", "sparse_ids"])
def test_converted_once_unsorted_equals_adjudicate(sparse: bool) -> None:
    # Unsorted rows are placed by member (sparse ids numbered first) and per-visit rules read
    # the converted institution codes there too.
    _, claims = synthetic(members=60, seed=3)
    claims = claims.iloc[::-1]
    if sparse:
        claims = claims.assign(member_id=claims["member_id"] * 1_000_003 + 10**12)
    out = adjudicate_converted(convert_once(claims, threads=2), yibao.load_policy("ili"))
    expected = yibao.adjudicate(claims, "ili", money="fen", threads=2)
    for name in ("deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid"):
        np.testing.assert_array_equal(out[name], expected[name].to_numpy(), err_msg=name)


def test_converted_once_words_bad_values() -> None:
    _, claims = synthetic(members=20, seed=4)
    claims = claims.astype({"level": "int64"})
    claims.loc[claims.index[5], "level"] = 9
    with pytest.raises(yibao.InputError, match=r"level is not an integer 0\.\.3 \(value 9\)"):
        convert_once(claims)


def test_rows_of_a_year_keep_their_labels() -> None:
    claims = synthetic(members=30, seed=3, year=2024)[1]
    two_years = pd.concat([claims, synthetic(members=30, seed=3, year=2025)[1]])
    two_years.index = range(100, 100 + len(two_years))
    converted = convert_once(two_years, threads=1)
    mask = days_in_year(converted, 2025)
    assert mask.sum() == len(two_years) - len(claims)
    subset = rows_of(converted, mask)
    assert list(subset.index) == list(two_years.index[len(claims) :])
    assert len(subset.arrays.eligible) == mask.sum()


def test_group_codes_name_the_column() -> None:
    members, claims = synthetic(members=20, seed=4)
    codes, labels = group_codes(claims.drop(columns="tier"), members, "tier")
    assert len(codes) == len(claims) and set(labels) <= {"employer", "individual_1", "individual_2"}
    with pytest.raises(KeyError, match="nowhere"):
        group_codes(claims, members, "nowhere")
