"""The personal-account ledger: hand cases, then invariants on random data (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yibao
from yibao.accounts import account_credits
from yibao.errors import InputError
from yibao.ledger import ledger


def money(values: Any) -> list[str]:
    return [str(v) for v in values]


def test_credits_arrive_on_the_first_and_carry_over_years() -> None:
    # 2023-11: opening 10 + credit 100 = 110, pays 40 → 70; 2023-12-31 pays 50 → 20;
    # 2024-01: +100 → 120, pays 120 of 300 (180 cash) → 0; 2024-02: +100, pays 100 of 200.
    claims = pd.DataFrame(
        {
            "member_id": [7, 7, 7, 7],
            "date": ["2023-12-31", "2024-01-05", "2023-11-02", "2024-02-01"],
            "self_pay": [Decimal("50"), Decimal("300"), Decimal("40"), Decimal("200")],
        }
    )
    credits = pd.DataFrame(
        {
            "member_id": [7, 7, 7],
            "month": ["2023-11", "2024-01", "2024-02"],
            "credit": [100, 100, 100],
        }
    )
    out = ledger(claims, credits, opening={7: 10})
    assert money(out["account_paid"]) == ["50.00", "120.00", "40.00", "100.00"]
    assert money(out["cash_paid"]) == ["0.00", "180.00", "0.00", "100.00"]
    assert money(out["account_balance"]) == ["20.00", "0.00", "70.00", "0.00"]


def test_family_mutual_aid() -> None:
    # 家庭共济: the parent (1) pays the child's (2) self-pay from the parent's account.
    claims = pd.DataFrame(
        {
            "member_id": [2, 1],
            "payer_id": [1, None],
            "date": ["2024-01-10", "2024-01-20"],
            "self_pay": [80, 50],
        }
    )
    credits = pd.DataFrame(
        {"member_id": [1, 2], "month": ["2024-01", "2024-01"], "credit": [100, 30]}
    )
    out = ledger(claims, credits, family=pd.DataFrame({"payer_id": [1], "member_id": [2]}))
    assert money(out["account_paid"]) == ["80.00", "20.00"]
    assert money(out["account_balance"]) == ["20.00", "0.00"]
    with pytest.raises(InputError, match="not registered") as info:
        ledger(claims, credits, family=pd.DataFrame({"payer_id": [3], "member_id": [2]}))
    assert info.value.column == "payer_id"
    assert info.value.row == 0


def test_outside_policy_range() -> None:
    # total 150, eligible 100, self_pay 40: 50 is outside the policy range. By default the
    # account pays only the 40; with outside_range=True it may pay all 90.
    claims = pd.DataFrame(
        {
            "member_id": [1],
            "date": ["2024-03-01"],
            "total": [150],
            "eligible": [100],
            "self_pay": [40],
        }
    )
    credits = pd.DataFrame({"member_id": [1], "month": ["2024-03"], "credit": [200]})
    default = ledger(claims, credits)
    assert money(default[["account_paid", "cash_paid", "account_balance"]].iloc[0]) == [
        "40.00",
        "50.00",
        "160.00",
    ]
    wider = ledger(claims, credits, outside_range=True)
    assert money(wider[["account_paid", "cash_paid", "account_balance"]].iloc[0]) == [
        "90.00",
        "0.00",
        "110.00",
    ]


def test_after_adjudication() -> None:
    # Chongqing, retired member born 1954-03-15: credits 105 in Jan–Mar, 115 from April.
    members = pd.DataFrame(
        {"member_id": [1], "birth_date": ["1954-03-15"], "retire_date": ["2014-03-15"]}
    )
    claims = pd.DataFrame(
        {
            "member_id": [1, 1],
            "date": ["2024-01-03", "2024-04-10"],
            "level": [1, 3],
            "eligible": [500, 80],
        }
    )
    adjudicated = yibao.adjudicate(claims, "chongqing", members=members)
    credits = account_credits(members, "chongqing", "2024-01", "2024-12")
    out = ledger(adjudicated, credits)
    # Row 1 (第四条/第五条): deductible 100, fund 70% × 400 = 280, self_pay 220 → the
    # account pays its January 105. Row 2 (level 3, retired 60%): self_pay 80 × 40% = 32,
    # paid from Feb 105 + Mar 105 + Apr 115 = 325 → 293 left.
    assert money(out["self_pay"]) == ["220.00", "32.00"]
    assert money(out["account_paid"]) == ["105.00", "32.00"]
    assert money(out["account_balance"]) == ["0.00", "293.00"]


@pytest.mark.parametrize(
    ("claims", "credits", "column"),
    [
        (
            pd.DataFrame({"member_id": [1], "date": ["2024-01-01"], "self_pay": [-1]}),
            pd.DataFrame({"member_id": [1], "month": ["2024-01"], "credit": [1]}),
            "self_pay",
        ),
        (
            pd.DataFrame({"member_id": [1], "date": ["2024-01-01"], "self_pay": [1]}),
            pd.DataFrame({"member_id": [1], "month": ["2024-01"], "credit": [-1]}),
            "credit",
        ),
        (
            pd.DataFrame({"member_id": [1], "date": ["not a date"], "self_pay": [1]}),
            pd.DataFrame({"member_id": [1], "month": ["2024-01"], "credit": [1]}),
            "date",
        ),
        (
            pd.DataFrame({"member_id": [1], "date": ["2024-01-01"]}),
            pd.DataFrame({"member_id": [1], "month": ["2024-01"], "credit": [1]}),
            "self_pay",
        ),
        (
            pd.DataFrame(
                {
                    "member_id": [1],
                    "date": ["2024-01-01"],
                    "self_pay": [1],
                    "total": [1],
                    "eligible": [2],
                }
            ),
            pd.DataFrame({"member_id": [1], "month": ["2024-01"], "credit": [1]}),
            "total",
        ),
    ],
)
def test_bad_input(claims: pd.DataFrame, credits: pd.DataFrame, column: str) -> None:
    with pytest.raises(InputError) as info:
        ledger(claims, credits)
    assert info.value.column == column


def test_negative_opening() -> None:
    claims = pd.DataFrame({"member_id": [1], "date": ["2024-01-01"], "self_pay": [1]})
    credits = pd.DataFrame({"member_id": [1], "month": ["2024-01"], "credit": [1]})
    with pytest.raises(InputError, match="negative"):
        ledger(claims, credits, opening={1: -5})


# -- invariants on random data ---------------------------------------------------------------

START = dt.date(2023, 1, 1)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, int]]:
    n_members = draw(st.integers(1, 4))
    ids = st.integers(0, n_members - 1)
    n = draw(st.integers(1, 30))
    rows = []
    for _ in range(n):
        eligible = draw(st.integers(0, 50_000))
        self_pay = draw(st.integers(0, eligible))
        outside = draw(st.integers(0, 20_000))
        member = draw(ids)
        payer = draw(st.one_of(st.none(), ids))
        rows.append(
            {
                "member_id": member,
                "payer_id": payer,
                "date": START + dt.timedelta(days=draw(st.integers(0, 729))),
                "eligible": Decimal(eligible) / 100,
                "self_pay": Decimal(self_pay) / 100,
                "total": Decimal(eligible + outside) / 100,
            }
        )
    claims = pd.DataFrame(rows)
    claims["payer_id"] = claims["payer_id"].astype("Int64")
    entries = draw(
        st.lists(st.tuples(ids, st.integers(0, 23), st.integers(0, 30_000)), max_size=40)
    )
    credits = pd.DataFrame(
        {
            "member_id": [m for m, _, _ in entries],
            "month": [
                pd.Period(year=2023 + k // 12, month=k % 12 + 1, freq="M") for _, k, _ in entries
            ],
            "credit": [Decimal(c) / 100 for _, _, c in entries],
        }
    )
    opening = draw(st.dictionaries(ids, st.integers(0, 50_000)))
    return claims, credits, {k: v for k, v in opening.items()}


def fen(values: pd.Series) -> np.ndarray:
    return np.array([int(Decimal(str(v)) * 100) for v in values], dtype=np.int64)


def reference(
    claims: pd.DataFrame, credits: pd.DataFrame, opening: dict[int, int], outside: bool
) -> list[int]:
    """A plain-Python ledger (integer fen) in the documented order."""
    payer = [
        m if pd.isna(p) else int(p)
        for m, p in zip(claims["member_id"], claims["payer_id"], strict=True)
    ]
    self_pay = fen(claims["self_pay"])
    extra = fen(claims["total"]) - fen(claims["eligible"])
    elig = fen(claims["eligible"])
    due = self_pay + extra if outside else self_pay
    months = [d.year * 12 + d.month for d in claims["date"]]
    order = sorted(
        range(len(claims)),
        key=lambda i: (
            payer[i],
            claims["date"].iloc[i],
            claims["member_id"].iloc[i],
            due[i],
            self_pay[i],
            extra[i],
            elig[i],
            i,
        ),
    )
    credit_fen = fen(credits["credit"])
    entries = [
        (int(m), p.year * 12 + p.month, int(c))
        for m, p, c in zip(credits["member_id"], credits["month"], credit_fen, strict=True)
    ]
    balance = {a: opening.get(a, 0) * 100 for a in set(payer)}
    taken: set[int] = set()
    paid = [0] * len(claims)
    for i in order:
        for j, (a, m, c) in enumerate(entries):
            if a == payer[i] and m <= months[i] and j not in taken:
                balance[a] += c
                taken.add(j)
        paid[i] = min(int(due[i]), balance[payer[i]])
        balance[payer[i]] -= paid[i]
    return paid


@settings(max_examples=150, deadline=None)
@given(ledgers(), st.booleans(), st.randoms(use_true_random=False))
def test_invariants(
    data: tuple[pd.DataFrame, pd.DataFrame, dict[int, int]], outside: bool, rnd: Any
) -> None:
    claims, credits, opening = data
    opening_yuan = {k: Decimal(v) for k, v in opening.items()}
    out = ledger(claims, credits, opening_yuan, outside_range=outside)
    paid, cash, balance = (
        fen(out["account_paid"]),
        fen(out["cash_paid"]),
        fen(out["account_balance"]),
    )
    owed = fen(claims["self_pay"]) + fen(claims["total"]) - fen(claims["eligible"])
    assert (paid + cash == owed).all()
    assert (paid >= 0).all() and (cash >= 0).all() and (balance >= 0).all()
    if not outside:
        assert (paid <= fen(claims["self_pay"])).all()
    assert paid.tolist() == reference(claims, credits, opening_yuan, outside)

    # Any row order (and any order of the credits) gives the same result, row for row;
    # rows equal in every ordering key are interchangeable, so compare full rows as sets.
    perm = list(range(len(claims)))
    rnd.shuffle(perm)
    cperm = list(range(len(credits)))
    rnd.shuffle(cperm)
    shuffled = ledger(claims.iloc[perm], credits.iloc[cperm], opening_yuan, outside_range=outside)
    columns = [
        "member_id",
        "payer_id",
        "date",
        "self_pay",
        "total",
        "eligible",
        "account_paid",
        "account_balance",
    ]

    def rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
        return sorted(tuple(str(v) for v in r) for r in frame[columns].itertuples(index=False))

    assert rows(shuffled) == rows(out)
    same = shuffled.loc[out.index]
    keyed = out.assign(
        k=list(
            zip(
                out["payer_id"].astype(str),
                out["date"],
                out["member_id"],
                out["self_pay"],
                out["total"],
                strict=True,
            )
        )
    )
    unique = ~keyed["k"].duplicated(keep=False)
    assert (same.loc[unique, "account_paid"] == out.loc[unique, "account_paid"]).all()


def test_same_day_ties_do_not_depend_on_row_order() -> None:
    # Same account, day, member and self_pay, different parts outside the policy range: the
    # row with less outside is paid first whatever the input order (balance 12).
    claims = pd.DataFrame(
        {
            "member_id": [1, 1],
            "date": ["2024-01-02", "2024-01-02"],
            "eligible": [10, 10],
            "self_pay": [10, 10],
            "total": [15, 10],
        },
        index=["a", "b"],
    )
    credits = pd.DataFrame({"member_id": [1], "month": ["2024-01"], "credit": [12]})
    forward = ledger(claims, credits)
    backward = ledger(claims.iloc[::-1], credits).loc[["a", "b"]]
    for out in (forward, backward):
        assert money(out["account_paid"]) == ["2.00", "10.00"]
        assert money(out["cash_paid"]) == ["13.00", "0.00"]
