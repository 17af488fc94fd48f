"""Overall limits, the supplementary fund, inpatient stays (issue 16; docs/design.md §6b).

The golden cases are in ``tests/cases/*_cases.yaml`` (hand-computed, citing 重庆 第八条,
伊犁 第十四条–第十六条); here the plain-Python reference (``tests/reference.py``) is checked
against them, and the engine against the reference on random claims with random other
payments and stays, with ``fund_paid + supplementary_paid + self_pay == eligible`` on every row.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yibao
from yibao.cases import load_file
from yibao.errors import InputError

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import reference as ref  # noqa: E402
import strategies as gen  # noqa: E402

CASES = Path(_HERE) / "cases"
# Golden cases of general-outpatient rows only (the reference's scope), by file.
REFERENCE_CASES = (
    (
        "ili_cases.yaml",
        "other pooled payments count toward the 100000 limit, the supplementary fund pays above it",
    ),
    ("ili_cases.yaml", "a general row within an inpatient stay gets nothing and is not a visit"),
    (
        "chongqing_cases.yaml",
        "above the overall limit the supplementary fund pays at the general-outpatient rate",
    ),
)


def _frame(rows: object) -> pd.DataFrame | None:
    return None if rows is None else pd.DataFrame([dict(r) for r in rows])  # type: ignore[attr-defined]


@pytest.mark.parametrize(("file", "name"), REFERENCE_CASES)
def test_the_reference_agrees_with_the_golden_cases(file: str, name: str) -> None:
    [case] = [c for c in load_file(CASES / file) if c.name == name]
    assert case.expected is not None
    replace = case.policy.replace or {}
    supplied = ref.Supplied(
        overall_cap=None if "overall_cap" not in replace else Decimal(replace["overall_cap"]),
        supplementary_cap=None
        if "supplementary_cap" not in replace
        else Decimal(replace["supplementary_cap"]),
    )
    claims = pd.DataFrame([{**row} for row in case.claims])
    out = ref.adjudicate(
        claims,
        file.removesuffix("_cases.yaml"),  # type: ignore[arg-type]
        other_paid=_frame(case.options.get("other_paid")),
        stays=_frame(case.options.get("stays")),
        supplied=supplied,
    )
    for i, expected in enumerate(case.expected):
        for column, value in expected.items():
            if column != "rule":
                assert out[column].iloc[i] == Decimal(value), (i, column)


# -- the engine against the reference ------------------------------------------------------

SUPPLIED = {
    "chongqing": {"overall_cap": Decimal("5000"), "supplementary_cap": Decimal("1500")},
    "ili": {"supplementary_cap": Decimal("2000")},
}


@st.composite
def contexts(draw: st.DrawFn, claims: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    members = sorted(set(claims["member_id"]))
    years = sorted({d.year for d in claims["date"]})
    day = st.builds(
        lambda y, n: dt.date(y, 1, 1) + dt.timedelta(days=n),
        st.sampled_from(years),
        st.integers(0, 364),
    )
    # Amounts near the limits (Ili 100,000; the supplied Chongqing 5,000) so that they bind.
    amount = st.sampled_from(
        [Decimal("0"), Decimal("1500.55"), Decimal("4800"), Decimal("99000"), Decimal("99950.01")]
    )
    paid = draw(st.lists(st.tuples(st.sampled_from(members), day, amount), max_size=4))
    # Stays around the claims' own dates, so that some rows fall within them.
    around = st.builds(
        lambda d, n: d - dt.timedelta(days=n),
        st.sampled_from(list(claims["date"])),
        st.integers(0, 3),
    )
    stays = draw(
        st.lists(st.tuples(st.sampled_from(members), around, st.integers(0, 5)), max_size=3)
    )
    return (
        pd.DataFrame(paid, columns=["member_id", "date", "amount"]),
        pd.DataFrame(
            [(m, a, a + dt.timedelta(days=n)) for m, a, n in stays],
            columns=["member_id", "admit", "discharge"],
        ),
    )


@pytest.mark.parametrize("region", ["chongqing", "ili"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_engine_matches_the_reference_with_other_payments_and_stays(
    region: ref.Region, data: st.DataObject
) -> None:
    claims = data.draw(gen.claim_tables(region), label="claims")
    other_paid, stays = data.draw(contexts(claims), label="context")
    before = (claims.copy(), other_paid.copy(), stays.copy())
    policy = yibao.load_policy(region).replace(SUPPLIED[region])
    got = yibao.adjudicate(claims, policy, other_paid=other_paid, stays=stays)
    want = ref.adjudicate(
        claims,
        region,
        other_paid=other_paid,
        stays=stays,
        supplied=ref.Supplied(**SUPPLIED[region]),
    )
    for column in ref.MONEY_COLUMNS:
        assert [Decimal(str(v)) for v in got[column]] == list(want[column]), column
    for i in range(len(claims)):
        fund, extra, own = (got[c].iloc[i] for c in ("fund_paid", "supplementary_paid", "self_pay"))
        assert fund + extra + own == claims["eligible"].iloc[i], i
        assert Decimal(0) <= extra <= got["capped"].iloc[i], i
    for was, now in zip(before, (claims, other_paid, stays), strict=True):
        pd.testing.assert_frame_equal(was, now)  # the caller's frames are not modified


# -- what the texts do not say --------------------------------------------------------------

CLAIMS = pd.DataFrame(
    {
        "member_id": [1, 1],
        "date": ["2024-03-01", "2024-03-02"],
        "level": [2, 2],
        "eligible": [Decimal("1000"), Decimal("100")],
        "status": "in_service",
        "institution_id": ["A", "A"],
    }
)


def test_silent_regions_ignore_stays_and_need_no_limit_without_other_payments() -> None:
    stays = pd.DataFrame({"member_id": [1], "admit": ["2024-03-01"], "discharge": ["2024-03-05"]})
    for region in ("chongqing", "jining", "nanchang"):
        plain = yibao.adjudicate(CLAIMS, region)
        with_stays = yibao.adjudicate(CLAIMS, region, stays=stays)
        pd.testing.assert_frame_equal(plain, with_stays)
        assert plain["supplementary_paid"].tolist() == [Decimal("0.00")] * 2


def test_other_payments_of_another_year_or_member_change_nothing() -> None:
    other = pd.DataFrame(
        {"member_id": [1, 2], "date": ["2025-01-01", "2024-02-01"], "amount": [99999, 99999]}
    )
    plain = yibao.adjudicate(CLAIMS, "chongqing")
    pd.testing.assert_frame_equal(plain, yibao.adjudicate(CLAIMS, "chongqing", other_paid=other))


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"other_paid": pd.DataFrame({"member_id": [1], "date": ["2024-01-01"]})}, "amount"),
        (
            {
                "other_paid": pd.DataFrame(
                    {"member_id": [1], "date": ["2024-01-01"], "amount": [-1]}
                )
            },
            "amount",
        ),
        (
            {
                "stays": pd.DataFrame(
                    {"member_id": [1], "admit": ["2024-03-05"], "discharge": ["2024-03-01"]}
                )
            },
            "discharge",
        ),
        ({"stays": pd.DataFrame({"member_id": [1], "admit": ["2024-03-05"]})}, "discharge"),
    ],
)
def test_bad_context_names_the_column(kwargs: dict[str, pd.DataFrame], column: str) -> None:
    with pytest.raises(InputError) as info:
        yibao.adjudicate(CLAIMS, "ili", **kwargs)
    assert info.value.column == column


def test_compare_summary_shows_supplementary_paid_where_a_policy_has_it() -> None:
    """重庆 第八条 (supplied limits as in the golden case): the summary sums supplementary_paid;
    a comparison of policies without a supplementary fund has no such column."""
    from yibao.compare import compare

    policy = yibao.load_policy("chongqing").replace(
        {"overall_cap": 10000, "supplementary_cap": 1000}
    )
    claims = CLAIMS.assign(date=["2024-03-01", "2024-04-01"], eligible=[1000, 2000])
    other = pd.DataFrame({"member_id": [1], "date": ["2024-02-01"], "amount": [9800]})
    summary = compare(claims, {"cq": policy}, other_paid=other).summary()
    # 280.00 + 720.00 (tests/cases/chongqing_cases.yaml), fund 200.00 + 0.
    assert summary["supplementary_paid"].tolist() == [Decimal("1000.00")]
    assert summary["fund_paid"].tolist() == [Decimal("200.00")]
    assert "supplementary_paid" not in compare(claims, ["jining"]).summary().columns
