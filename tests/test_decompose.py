"""yibao.decompose: exact Shapley shares of the gap between two policies, to the fen.

The models here are independent of the code under test: Shapley values as the average over
every order of switching levers (not the subset formula the module uses), and gaps as plain
differences of yibao.adjudicate's own fund payments.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yibao
from yibao._compile import POOL_KEYS
from yibao.datasets import synthetic
from yibao.decompose import MECHANISMS, _shapley, apportion, decompose, default_levers

REGIONS = ["chongqing", "jining", "nanchang", "ili"]


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return synthetic(members=120, seed=3)[1]


def _fund(claims: pd.DataFrame, policy: object, by: str | None = None) -> dict[object, int]:
    """Fund paid in fen from yibao.adjudicate (per group), the plain difference's terms."""
    out = yibao.adjudicate(claims, policy, money="fen", threads=1)  # type: ignore[arg-type]
    keys = out[by] if by else pd.Series("all", index=out.index)
    return {k: int(v) for k, v in out["fund_paid"].groupby(keys).sum().items()}


def _fen(table: pd.DataFrame, column: str = "fund_paid") -> list[int]:
    return [int(v * 100) for v in table[column]]


# --- the pieces --------------------------------------------------------------------------------


def test_every_pool_key_belongs_to_one_lever() -> None:
    assert set(MECHANISMS) == set(POOL_KEYS)


def _shapley_by_orders(values: list[int], k: int) -> list[Fraction]:
    """Average over all k! orders of each player's marginal contribution (the definition)."""
    out = [Fraction(0)] * k
    for order in itertools.permutations(range(k)):
        mask = 0
        for player in order:
            out[player] += values[mask | 1 << player] - values[mask]
            mask |= 1 << player
    return [x / math.factorial(k) for x in out]


@given(st.integers(1, 5).flatmap(lambda k: st.tuples(st.just(k), st.lists(
    st.integers(-10**9, 10**9), min_size=1 << k, max_size=1 << k))))  # fmt: skip
def test_shapley_matches_the_average_over_orders(case: tuple[int, list[int]]) -> None:
    k, values = case
    assert _shapley(values, k) == _shapley_by_orders(values, k)
    assert sum(_shapley(values, k)) == values[-1] - values[0]


shares = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3),
    st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=720),
    min_size=1,
    max_size=8,
)


@given(shares, st.integers(-3, 3), st.randoms(use_true_random=False))
def test_apportion_keeps_the_sum_and_is_antisymmetric(
    exact: dict[str, Fraction], shift: int, rnd: object
) -> None:
    # make the shares add up to a whole number of fen: move the first one
    first = next(iter(exact))
    exact[first] += math.ceil(sum(exact.values())) - sum(exact.values()) + shift
    total = int(sum(exact.values()))
    whole = apportion(exact, total)
    assert sum(whole.values()) == total
    for name, x in exact.items():
        assert whole[name] in (math.floor(x), math.ceil(x))
    negated = apportion({n: -x for n, x in exact.items()}, -total)
    assert negated == {n: -v for n, v in whole.items()}
    items = list(exact.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert apportion(dict(items), total) == whole


def test_apportion_rejects_shares_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match="add up"):
        apportion({"a": Fraction(1, 2)}, 1)


# --- golden cases ------------------------------------------------------------------------------


def test_one_lever_is_the_plain_difference(claims: pd.DataFrame) -> None:
    jining = yibao.load_policy("jining")
    reform = jining.replace({"pools.general.annual_cap": 3000})  # 济宁 通知 二(一)3: 2000
    d = decompose(claims, jining, reform)
    assert [lv.name for lv in d.levers] == ["annual cap"]
    gap = _fund(claims, reform)["all"] - _fund(claims, jining)["all"]
    assert gap > 0
    assert _fen(d.table()) == [gap]
    assert d.exact["fund_paid"][("all", "annual cap")] == gap
    assert _fen(d.table(), "self_pay") == [-gap]  # no supplementary fund in these claims


def test_default_levers_of_chongqing_and_jining() -> None:
    levers = {lv.name: lv.paths for lv in default_levers("chongqing", "jining")}
    assert levers["annual cap"] == ("pools.general.annual_cap",)
    assert levers["rates"] == ("pools.general.rate", "pools.general.retired_rate_increase")
    assert levers["deductible"] == ("pools.general.deductible",)
    # both texts leave chronic care missing: a difference in explanation only, not a lever
    assert "services.chronic" not in levers.get("services", ())
    assert default_levers("jining", "jining") == []


def test_ili_per_visit_deductible_switches_as_a_whole(claims: pd.DataFrame) -> None:
    levers = {lv.name: lv.paths for lv in default_levers("ili", "jining")}
    assert set(levers["deductible"]) == {
        "pools.general.deductible",
        "pools.general.deductible_mode",
        "pools.general.first_visit",
        "pools.general.later_visit",
    }
    assert "visit cap" in levers
    d = decompose(claims, "ili", "jining")
    assert sum(_fen(d.table())) == _fund(claims, "jining")["all"] - _fund(claims, "ili")["all"]


def test_groups_add_up_to_each_groups_gap(claims: pd.DataFrame) -> None:
    d = decompose(claims, "jining", "chongqing", by="status")
    table = d.table()
    base, other = _fund(claims, "jining", "status"), _fund(claims, "chongqing", "status")
    for status, rows in table.groupby("status"):
        assert sum(_fen(rows)) == other[status] - base[status]
    assert d.gap() == sum(other.values()) - sum(base.values())


def test_named_levers_and_the_rest(claims: pd.DataFrame) -> None:
    d = decompose(claims, "jining", "chongqing", levers={"cap": "pools.general.annual_cap"})
    assert [lv.name for lv in d.levers] == ["cap", "rest"]
    gap = _fund(claims, "chongqing")["all"] - _fund(claims, "jining")["all"]
    assert sum(_fen(d.table())) == gap
    with pytest.raises(ValueError, match="not a lever"):
        decompose(claims, "jining", "chongqing", levers=["visit cap"])
    with pytest.raises(ValueError, match="only part"):
        decompose(claims, "jining", "chongqing", levers={"l3": "pools.general.rate.level3"})
    # a lever on one cell is fine where that cell is all that differs there
    chongqing = yibao.load_policy("chongqing")
    reform = chongqing.replace({"pools.general.rate.level3": "0.55", "pools.general.annual_cap": 9})
    d = decompose(claims, chongqing, reform, levers={"l3": "pools.general.rate.level3"})
    assert [lv.name for lv in d.levers] == ["l3", "rest"]
    assert d.levers[1].paths == ("pools.general.annual_cap",)
    assert sum(_fen(d.table())) == _fund(claims, reform)["all"] - _fund(claims, chongqing)["all"]


def test_identical_policies_have_no_lever_and_no_gap(claims: pd.DataFrame) -> None:
    d = decompose(claims, "jining", yibao.load_policy("jining"))
    assert d.levers == [] and d.table().empty and d.gap() == 0


def test_several_versions_are_aligned_by_date(claims: pd.DataFrame) -> None:
    jining = yibao.load_policy("jining")
    # a reform from 1 July 2024: two versions, one of them the text's
    reform = jining.replace(
        {"pools.general.annual_cap": 4000, "pools.general.deductible": 50}, effective="2024-07-01"
    )
    d = decompose(claims, "chongqing", reform)
    gap = _fund(claims, reform)["all"] - _fund(claims, "chongqing")["all"]
    assert sum(_fen(d.table())) == gap
    # switching everything reproduces the reform's own versions
    assert [v.effective for v in reform.versions] == [
        pd.Timestamp("2023-01-01").date(),
        pd.Timestamp("2024-07-01").date(),
    ]


def test_the_plot_is_a_waterfall(claims: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    d = decompose(claims, "jining", "chongqing")
    ax = d.plot()
    assert len(ax.patches) == len(d.levers) + 2
    import matplotlib.pyplot as plt

    plt.close("all")


# --- properties on random policy pairs ---------------------------------------------------------

reforms = st.fixed_dictionaries(
    {},
    optional={
        "pools.general.annual_cap": st.sampled_from([500, 1500, 2000, 3000, 5000]),
        "pools.general.rate.level3": st.sampled_from(["0.40", "0.5", "0.55"]),
        "rounding": st.sampled_from(["half_up", "down", "half_even"]),
        # a reform from a day in the claims' year: a second dated version
        "effective": st.sampled_from(["2024-03-01", "2024-07-01"]),
    },
)


def _policy(region: str, changes: dict[str, object]) -> yibao.Policy:
    policy = yibao.load_policy(region)
    if "pools.general.rate.level3" in changes and region == "jining":
        changes = dict(changes)  # a rate split by status: change one status only
        changes["pools.general.rate.in_service.level3"] = changes.pop("pools.general.rate.level3")
    changes = dict(changes)
    effective = changes.pop("effective", None)
    return policy.replace(changes, effective=effective) if changes else policy


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from(REGIONS),
    reforms,
    st.sampled_from(REGIONS),
    reforms,
    st.sampled_from([None, "status", "level", "tier"]),
    st.integers(0, 10_000),
)
def test_random_pairs_add_up_reverse_and_ignore_order(
    region_a: str,
    change_a: dict[str, object],
    region_b: str,
    change_b: dict[str, object],
    by: str | None,
    seed: int,
) -> None:
    claims = synthetic(members=25, seed=seed)[1]
    a, b = _policy(region_a, change_a), _policy(region_b, change_b)
    d = decompose(claims, a, b, by=by)
    table = d.table()
    # adds up exactly, per group and in all, to the plain difference of adjudicate's sums
    fa, fb = _fund(claims, a, by), _fund(claims, b, by)
    if by is None:
        assert sum(_fen(table)) == fb["all"] - fa["all"]
    else:
        for group, rows in table.groupby(by):
            assert sum(_fen(rows)) == fb[group] - fa[group]
    # antisymmetric, exactly and in fen
    r = decompose(claims, b, a, by=by)
    assert {k: -v for k, v in d.exact["fund_paid"].items()} == r.exact["fund_paid"]
    assert _fen(r.table()) == [-v for v in _fen(table)]
    # the order of the levers does not matter
    names = [lv.name for lv in d.levers]
    if len(names) > 1:
        o = decompose(claims, a, b, by=by, levers=names[::-1])
        assert o.exact == d.exact
        merged = o.table().merge(table, on=[*((by and [by]) or []), "lever"])
        assert (merged["fund_paid_x"] == merged["fund_paid_y"]).all()


def test_the_callers_frame_is_not_modified(claims: pd.DataFrame) -> None:
    before = claims.copy(deep=True)
    decompose(claims, "jining", "chongqing", by="tier")
    pd.testing.assert_frame_equal(claims, before)


def test_exact_values_and_rounded_fen_agree(claims: pd.DataFrame) -> None:
    d = decompose(claims, "nanchang", "chongqing")
    for row in d.table().itertuples():
        exact = d.exact["fund_paid"][("all", row.lever)]
        fen = int(Decimal(row.fund_paid) * 100)
        assert fen in (math.floor(exact), math.ceil(exact))
    assert np.isclose(float(sum(d.exact["fund_paid"].values())), d.gap())
