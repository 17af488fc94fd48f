"""Issue 20: the ledger and account crediting against plain-Python models (Hypothesis).

Ids of every kind and representation the package accepts (int, whole float, str, bytes;
numpy, object, categorical, Arrow), and dates and months in every dtype it accepts
(ISO text, datetime64 of any unit, time-zoned, datetime.date, Arrow timestamps and
dates). Ids of one kind match across claims, credits and opening balances; ids of two
kinds are an error, never a silent miss.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.accounts import account_credits
from yibao.errors import InputError
from yibao.ledger import ledger

# -- ids -----------------------------------------------------------------------------------
ID_KINDS: dict[str, Callable[[int], Any]] = {
    "int": int,
    "float": float,
    "str": lambda i: f"M{i:03d}",
    "bytes": lambda i: f"M{i:03d}".encode(),
}
# int and whole floats are one kind: numbers (as in adjudicate).
KIND_GROUP = {"int": "number", "float": "number", "str": "str", "bytes": "bytes"}


def id_series(values: list[Any], kind: str, how: str) -> pd.Series:
    if how == "category":
        return pd.Series(values, dtype="category")
    if how == "object":
        return pd.Series(values, dtype=object)
    if how == "arrow" and kind in ("int", "str"):
        return pd.Series(values, dtype=pd.ArrowDtype(pa.int64() if kind == "int" else pa.string()))
    return pd.Series(values)


ID_HOWS = st.sampled_from(["plain", "object", "category", "arrow"])


# -- dates ---------------------------------------------------------------------------------
def date_series(days: list[dt.date | None], how: str) -> pd.Series:
    iso = [d.isoformat() if d else None for d in days]
    stamps = pd.Series(pd.to_datetime(iso))
    if how == "iso-object":
        return pd.Series(iso, dtype=object)
    if how == "iso-str":
        return pd.Series(iso, dtype="str")
    if how == "iso-arrow":
        return pd.Series(iso, dtype="string[pyarrow]")
    if how == "datetime64[ns]":
        return stamps
    if how == "datetime64[s]":
        return stamps.astype("datetime64[s]")
    if how == "tz":
        return stamps.dt.tz_localize("Asia/Shanghai")
    if how == "date-object":
        return pd.Series(days, dtype=object)
    if how == "arrow-timestamp":
        return stamps.astype("timestamp[us][pyarrow]")
    if how == "arrow-date32":
        return pd.Series(days, dtype=pd.ArrowDtype(pa.date32()))
    raise AssertionError(how)


DATE_HOWS = st.sampled_from(
    [
        "iso-object",
        "iso-str",
        "iso-arrow",
        "datetime64[ns]",
        "datetime64[s]",
        "tz",
        "date-object",
        "arrow-timestamp",
        "arrow-date32",
    ]
)


def month_series(months: list[tuple[int, int]], how: str) -> pd.Series:
    firsts = [dt.date(y, m, 1) for y, m in months]
    if how == "period":
        return pd.Series(pd.PeriodIndex([f"{y}-{m:02d}" for y, m in months], freq="M"))
    if how == "yyyy-mm":
        return pd.Series([f"{y}-{m:02d}" for y, m in months], dtype=object)
    return date_series(list(firsts), how)


MONTH_HOWS = st.sampled_from(["period", "yyyy-mm", "datetime64[ns]", "date-object", "arrow-date32"])


# -- the ledger ----------------------------------------------------------------------------
def ledger_model(
    rows: list[tuple[int, dt.date, int]],
    credits: list[tuple[int, tuple[int, int], int]],
    opening: dict[int, int],
) -> list[tuple[int, int, int]]:
    """(account_paid, cash_paid, balance) per row: each account pays its rows by date (then
    amount, then input order) up to its balance; a credit is in on its month's first day."""
    out: list[tuple[int, int, int]] = [(0, 0, 0)] * len(rows)
    for member in {r[0] for r in rows}:
        mine = sorted(
            (i for i, r in enumerate(rows) if r[0] == member),
            key=lambda i: (rows[i][1], rows[i][2], i),
        )
        paid_so_far = 0
        for i in mine:
            _, day, due = rows[i]
            credited = sum(
                fen for m, month, fen in credits if m == member and month <= (day.year, day.month)
            )
            balance = opening.get(member, 0) + credited - paid_so_far
            paid = min(due, balance)
            paid_so_far += paid
            out[i] = (paid, due - paid, balance - paid)
    return out


@st.composite
def ledger_cases(draw: st.DrawFn) -> dict[str, Any]:
    members = draw(st.lists(st.integers(1, 40), min_size=1, max_size=4, unique=True))
    day = st.dates(dt.date(2023, 11, 1), dt.date(2024, 3, 31))
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(members), day, st.integers(0, 30_000)),
            min_size=1,
            max_size=12,
        )
    )
    month = st.tuples(st.just(2023), st.integers(11, 12)) | st.tuples(
        st.just(2024), st.integers(1, 3)
    )
    credits = draw(
        st.lists(
            st.tuples(st.sampled_from(members), month, st.integers(0, 20_000)),
            min_size=1,
            max_size=8,
        )
    )
    opening = draw(st.dictionaries(st.sampled_from(members), st.integers(0, 10_000), max_size=3))
    return {"rows": rows, "credits": credits, "opening": opening}


@settings(max_examples=80, deadline=None)
@given(
    case=ledger_cases(),
    claim_kind=st.sampled_from(list(ID_KINDS)),
    credit_kind=st.sampled_from(list(ID_KINDS)),
    claim_how=ID_HOWS,
    credit_how=ID_HOWS,
    date_how=DATE_HOWS,
    month_how=MONTH_HOWS,
)
def test_ledger_matches_the_model(
    case: dict[str, Any],
    claim_kind: str,
    credit_kind: str,
    claim_how: str,
    credit_how: str,
    date_how: str,
    month_how: str,
) -> None:
    rows, credits, opening = case["rows"], case["credits"], case["opening"]
    as_claim_id, as_credit_id = ID_KINDS[claim_kind], ID_KINDS[credit_kind]
    claims = pd.DataFrame(
        {
            "member_id": id_series([as_claim_id(r[0]) for r in rows], claim_kind, claim_how),
            "date": date_series([r[1] for r in rows], date_how),
            "self_pay": [Decimal(r[2]) / 100 for r in rows],
        }
    )
    credit_frame = pd.DataFrame(
        {
            "member_id": id_series([as_credit_id(c[0]) for c in credits], credit_kind, credit_how),
            "month": month_series([c[1] for c in credits], month_how),
            "credit": [Decimal(c[2]) / 100 for c in credits],
        }
    )
    balances = {as_claim_id(m): Decimal(fen) / 100 for m, fen in opening.items()}
    before = claims.copy(deep=True)
    if KIND_GROUP[claim_kind] != KIND_GROUP[credit_kind]:
        with pytest.raises(InputError, match="credits"):
            ledger(claims, credit_frame, balances, money="fen")
        return
    got = ledger(claims, credit_frame, balances, money="fen")
    pd.testing.assert_frame_equal(claims, before)
    want = ledger_model(rows, credits, opening)
    assert (
        list(zip(got["account_paid"], got["cash_paid"], got["account_balance"], strict=True))
        == want
    )


# -- account crediting (重庆 渝医保发〔2023〕32号 第九条) ----------------------------------------
MONTHS = [(2024, m) for m in range(1, 7)]


def credit_model(birth: dt.date, retire: dt.date | None, base_fen: int, y: int, m: int) -> int:
    """第九条: in service 2% of the base (half-up to the fen); retired from the month after
    the retirement month, 105 yuan a month under 70 and 115 from 70 (full years on the 1st)."""
    age = y - birth.year - ((m, 1) < (birth.month, birth.day))
    if retire is not None and (y, m) > (retire.year, retire.month):
        return 11_500 if age >= 70 else 10_500
    return (base_fen * 2 + 50) // 100


@st.composite
def member_cases(draw: st.DrawFn) -> list[tuple[int, dt.date, dt.date | None, int]]:
    ids = draw(st.lists(st.integers(1, 500), min_size=1, max_size=5, unique=True))
    out = []
    for i in ids:
        birth = draw(st.dates(dt.date(1940, 1, 1), dt.date(1990, 12, 28)))
        retire = draw(
            st.none()
            | st.integers(50, 65).map(lambda a, b=birth: b.replace(year=b.year + a, day=1))
        )
        out.append((i, birth, retire, draw(st.integers(0, 5_000_000))))
    return out


@settings(max_examples=60, deadline=None)
@given(case=member_cases(), kind=st.sampled_from(list(ID_KINDS)), how=ID_HOWS, date_how=DATE_HOWS)
def test_account_credits_match_the_model(
    case: list[tuple[int, dt.date, dt.date | None, int]], kind: str, how: str, date_how: str
) -> None:
    as_id = ID_KINDS[kind]
    members = pd.DataFrame(
        {
            "member_id": id_series([as_id(c[0]) for c in case], kind, how),
            "birth_date": date_series([c[1] for c in case], date_how),
            "retire_date": date_series([c[2] for c in case], date_how),
            "base": [Decimal(c[3]) / 100 for c in case],
        }
    )
    before = members.copy(deep=True)
    got = account_credits(members, "chongqing", "2024-01", "2024-06", money="fen")
    pd.testing.assert_frame_equal(members, before)
    want = [credit_model(b, r, base, y, m) for _, b, r, base in case for y, m in MONTHS]
    assert got["credit"].tolist() == want
    assert list(got["member_id"]) == [as_id(c[0]) for c in case for _ in MONTHS]


@settings(max_examples=30, deadline=None)
@given(
    case=member_cases(),
    kinds=st.lists(st.sampled_from(["int", "str", "bytes"]), min_size=2, max_size=2, unique=True),
)
def test_members_mixing_id_kinds_are_refused(
    case: list[tuple[int, dt.date, dt.date | None, int]], kinds: list[str]
) -> None:
    if len(case) < 2:
        case = [*case, (999, dt.date(1960, 1, 1), None, 100_000)]
    ids = [ID_KINDS[kinds[i % 2]](c[0]) for i, c in enumerate(case)]
    members = pd.DataFrame(
        {
            "member_id": pd.Series(ids, dtype=object),
            "birth_date": [c[1].isoformat() for c in case],
            "base": [Decimal(c[3]) / 100 for c in case],
        }
    )
    with pytest.raises(InputError, match="mixes") as err:
        account_credits(members, "chongqing", "2024-01", "2024-06")
    assert err.value.column == "member_id"
    assert err.value.row == 1
