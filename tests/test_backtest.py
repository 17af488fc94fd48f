"""``yibao.backtest``: yibao's amounts beside the platform's, residuals, attribution (issue 17)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yibao
from nhsa_extract import small_extract as _extract  # tests/ is on sys.path
from yibao.nhsa import synthetic_extract


@pytest.mark.parametrize("region", ["chongqing", "jining", "nanchang", "ili"])
def test_round_trip_every_row_exact(region: str) -> None:
    # Observed amounts produced by yibao itself: the back-test must find nothing.
    raw, planted = synthetic_extract(3000, seed=5, region=region, plant=False)
    assert planted == []
    bt = yibao.backtest(raw, region)
    rows = bt.rows
    assert len(rows) > 2500
    assert rows["exact"].all()
    assert not rows["first_divergence"].any()
    total = bt.summary()
    assert total["exact_rows"].iloc[0] == len(rows)
    assert total["residual_fund_paid"].iloc[0] == Decimal("0.00")
    assert (rows["fund_paid"] == rows["observed_fund_paid"]).all()


def test_each_planted_deviation_is_found_and_attributed_to_its_rule() -> None:
    raw, planted = synthetic_extract(20_000, seed=1, region="chongqing")
    bt = yibao.backtest(raw, "chongqing")
    first = bt.divergences()
    cap = next(d for d in planted if d.kind == "cap_month")
    level = next(d for d in planted if d.kind == "level_miscoded")
    in_month = first["month"].astype(str) == cap.month
    at_institution = first["institution_id"] == level.institution
    # Every member-year that diverges does so inside a planted deviation ...
    assert (in_month | at_institution).all()
    # ... each deviation is found ...
    assert (in_month & ~at_institution).sum() > 10
    assert (at_institution & ~in_month).sum() > 5
    # ... and attributed to its rule (渝医保发〔2023〕32号 第六条 cap, 第五条 rate).
    month_only = first[in_month & ~at_institution]
    assert set(month_only["attributed"]) == {cap.rule}
    assert set(month_only["attributed_rule"].astype(str)) == {"CQ-6 annual cap"}
    institution_only = first[at_institution & ~in_month]
    assert set(institution_only["attributed"]) == {level.rule}
    assert set(institution_only["attributed_rule"].astype(str)) == {"CQ-5 rate"}
    # The platform paid 60% at a level-2 hospital; yibao, reading 三级, 50%: more observed.
    assert (institution_only["residual_fund_paid"] > 0).all()
    by_rule = bt.summary(by="attributed_rule").set_index("attributed_rule")
    assert by_rule.loc["CQ-6 annual cap", "first_divergences"] == len(month_only) + int(
        (in_month & at_institution & (first["attributed"] == "cap")).sum()
    )


def test_jining_level_miscoding_shows_in_deductible_or_rate() -> None:
    # 济宁 二(一)1: the deductible depends on the level, so a miscoded level may diverge there.
    raw, planted = synthetic_extract(8000, seed=2, region="jining")
    first = yibao.backtest(raw, "jining").divergences()
    level = next(d for d in planted if d.kind == "level_miscoded")
    here = first[(first["institution_id"] == level.institution) & (first["month"] != "2024-10")]
    assert len(here) > 0
    assert set(here["attributed"]) <= {"deductible", "rate"}


def test_any_order_of_the_extract_gives_the_same_rows() -> None:
    raw, _ = synthetic_extract(3000, seed=6)
    a = yibao.backtest(raw, "chongqing").rows.set_index("setl_id").sort_index()
    shuffled = raw.iloc[np.random.default_rng(0).permutation(len(raw))]
    b = yibao.backtest(shuffled, "chongqing").rows.set_index("setl_id").sort_index()
    columns = ["fund_paid", "deductible", "residual_fund_paid", "first_divergence", "attributed"]
    pd.testing.assert_frame_equal(a[columns], b[columns])


def _one_member(rows: list[dict[str, Any]]) -> pd.DataFrame:
    times = [f"2024-03-{i + 1:02d} 09:00:00" for i in range(len(rows))]
    return _extract([{"setl_time": t, **r} for t, r in zip(times, rows, strict=True)])


def test_hand_cases_attribute_the_first_divergence() -> None:
    # 渝医保发〔2023〕32号: in service, deductible 200 (第四条), level ≤2 60% (第五条),
    # annual cap 3000 (第六条).
    raw = _one_member(
        [
            # 300 at level 2: deductible 200, then 100 × 60% = 60; the platform paid 70 at 70%
            {"inscp_scp_amt": Decimal("300"), "act_pay_dedc": Decimal("200"),
             "hifp_pay": Decimal("70"), "pool_prop_selfpay": "0.7000"},
            # later rows of the year are not first divergences
            {"inscp_scp_amt": Decimal("10"), "hifp_pay": Decimal("6"), "pool_prop_selfpay": "0.6"},
        ]
    )  # fmt: skip
    bt = yibao.backtest(raw, "chongqing")
    rows = bt.rows
    assert rows["fund_paid"].tolist() == [Decimal("60.00"), Decimal("6.00")]
    assert rows["residual_fund_paid"].tolist() == [Decimal("10.00"), Decimal("0.00")]
    assert rows["first_divergence"].tolist() == [True, False]
    assert rows["attributed"].tolist() == ["rate", ""]
    assert rows["attributed_rule"].astype(str).tolist()[0] == "CQ-5 rate"

    deductible = _one_member(
        [{"inscp_scp_amt": Decimal("300"), "act_pay_dedc": Decimal("100"),
          "hifp_pay": Decimal("120"), "pool_prop_selfpay": "0.6"}]
    )  # fmt: skip
    row = yibao.backtest(deductible, "chongqing").rows.iloc[0]
    assert (row["attributed"], row["attributed_rule"]) == ("deductible", "CQ-4 deductible")
    assert row["residual_deductible"] == Decimal("-100.00")

    # 10,200 at level 2: 200 deductible, 10,000 × 60% = 6,000 capped at 3,000 by yibao; the
    # platform paid 3,500 (another cap).
    capped = _one_member(
        [{"inscp_scp_amt": Decimal("10200"), "act_pay_dedc": Decimal("200"),
          "hifp_pay": Decimal("3500"), "pool_prop_selfpay": "0.6"}]
    )  # fmt: skip
    row = yibao.backtest(capped, "chongqing").rows.iloc[0]
    assert row["fund_paid"] == Decimal("3000.00")
    assert (row["attributed"], row["attributed_rule"]) == ("cap", "CQ-6 annual cap")

    # The platform capped at 2,000 (paid less than 60% of 10,000): a cap, yibao not capped
    # below 3,000 ... and without the ratio, rate and cap cannot be told apart.
    lower = _one_member(
        [{"inscp_scp_amt": Decimal("4200"), "act_pay_dedc": Decimal("200"),
          "hifp_pay": Decimal("2000"), "pool_prop_selfpay": "0.6"}]
    )  # fmt: skip
    row = yibao.backtest(lower, "chongqing").rows.iloc[0]
    assert (row["fund_paid"], row["attributed"]) == (Decimal("2400.00"), "cap")
    row = yibao.backtest(lower.drop(columns=["pool_prop_selfpay"]), "chongqing").rows.iloc[0]
    assert row["attributed"] == "rate or cap"
    assert row["attributed_rule"] == "CQ-5 rate or CQ-6 annual cap"


def test_worst_lists_the_largest_residuals_with_their_rule() -> None:
    raw, _ = synthetic_extract(6000, seed=7)
    bt = yibao.backtest(raw, "chongqing")
    worst = bt.worst(5)
    assert len(worst) == 5
    size = [abs(v) for v in worst["residual_fund_paid"]]
    assert size == sorted(size, reverse=True)
    everything = [abs(v) for v in bt.rows["residual_fund_paid"]]
    assert size[0] == max(everything)
    assert worst["rule"].notna().all()


def test_summary_sums_are_exact_by_group() -> None:
    raw, _ = synthetic_extract(4000, seed=8)
    bt = yibao.backtest(raw, "chongqing")
    rows = bt.rows
    for by in ("rule", "level", "month", "service", "attributed"):
        table = bt.summary(by=by)
        assert table["rows"].sum() == len(rows)
        # a plain-Python Decimal sum of the rows, group by group
        for key, part in rows.groupby(by, observed=True):
            shown = key if key != "" else "(not a first divergence)"
            line = table[table[by] == shown].iloc[0]
            assert line["residual_fund_paid"] == sum(part["residual_fund_paid"], Decimal(0))
            assert line["exact_rows"] == int(part["exact"].sum())
    both = bt.summary(by=["month", "level"])
    assert both["rows"].sum() == len(rows)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 40_000),  # eligible, fen
            st.integers(-3_000, 3_000),  # what the platform paid beyond yibao, fen
            st.sampled_from(["05", "02", "09"]),
            st.sampled_from(["1101", "1201"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_residuals_match_a_plain_python_model(rows: list[tuple[int, int, str, str]]) -> None:
    # The platform's amounts: yibao's own plus a known shift per row; the residual is the shift
    # (where it keeps the amounts non-negative) and the first nonzero one is the divergence.
    base = _one_member(
        [{"inscp_scp_amt": Decimal(e) / 100, "hosp_lv": lv, "psn_type": pt}
         for e, _, lv, pt in rows]
    )  # fmt: skip
    ours = yibao.backtest(base, "chongqing").rows.sort_values("settled_at")
    fund = [int(v * 100) for v in ours["fund_paid"]]
    shifted = [max(0, f + s) for f, (_, s, _, _) in zip(fund, rows, strict=True)]
    observed = base.copy()
    observed["hifp_pay"] = [Decimal(v) / 100 for v in shifted]
    observed["act_pay_dedc"] = [v for v in ours["deductible"]]
    bt = yibao.backtest(observed, "chongqing").rows.sort_values("settled_at")
    expected = [o - f for o, f in zip(shifted, fund, strict=True)]
    assert [int(v * 100) for v in bt["residual_fund_paid"]] == expected
    first = next((i for i, r in enumerate(expected) if r), None)
    assert bt["first_divergence"].tolist() == [i == first for i in range(len(rows))]


def test_unpriced_rows_are_set_aside_or_raise() -> None:
    raw = _one_member([{}, {"med_type": "14"}])
    bt = yibao.backtest(raw, "chongqing")
    assert len(bt.rows) == 1
    reason = bt.set_aside["reason"].tolist()[-1]
    assert reason.startswith("chronic:")
    with pytest.raises(yibao.MissingParameterError, match="chronic"):
        yibao.backtest(raw, "chongqing", unpriced="raise")
    with pytest.raises(yibao.MissingParameterError, match="no row of the extract"):
        yibao.backtest(raw, "inner_mongolia")


def test_a_pharmacy_row_without_prescriber_sets_aside_the_rest_of_the_year() -> None:
    raw = _one_member([{}, {"med_type": "41", "hosp_lv": "11"}, {}, {"psn_no": "P2"}])
    bt = yibao.backtest(raw, "chongqing")
    assert bt.rows.index.tolist() == [0, 3]
    assert "prescriber" in bt.set_aside["reason"].tolist()[-1]
    assert bt.set_aside["rows"].tolist()[-1] == 2
    raw["prescriber_hosp_lv"] = [None, "02", None, None]
    assert len(yibao.backtest(raw, "chongqing").rows) == 4


def test_before_the_first_version_is_set_aside() -> None:
    raw = _one_member([{"setl_time": "2023-12-30 09:00:00"}, {}])
    bt = yibao.backtest(raw, "chongqing")
    assert len(bt.rows) == 1
    assert "first version" in bt.set_aside["reason"].tolist()[0]


def test_plot_draws_the_monthly_residuals() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    raw, _ = synthetic_extract(2000, seed=9)
    ax = Figure().add_subplot()
    assert yibao.backtest(raw, "chongqing").plot(ax=ax) is ax
    assert len(ax.patches) >= 10


def test_an_unreadable_ratio_leaves_rate_and_cap_apart() -> None:
    raw = _one_member(
        [{"inscp_scp_amt": Decimal("300"), "act_pay_dedc": Decimal("200"),
          "hifp_pay": Decimal("70"), "pool_prop_selfpay": ""}]
    )  # fmt: skip
    assert yibao.backtest(raw, "chongqing").rows["attributed"].tolist() == ["rate or cap"]
    raw["pool_prop_selfpay"] = [0.7]  # a float ratio, read through its shortest repr
    assert yibao.backtest(raw, "chongqing").rows["attributed"].tolist() == ["rate"]
