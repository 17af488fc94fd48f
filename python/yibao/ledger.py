"""``yibao.ledger``: the personal account pays what the member owes after adjudication.

The arithmetic runs in the C++ core (``cpp/src/ledger.cpp``) on exact int64 fen: per
account, credits arrive on the first day of their month, rows are paid in date order up
to the balance, and balances carry over months and years. Family mutual aid (家庭共济):
a row's ``payer_id`` names the account that pays for it (重庆 第十条, 伊犁 第七条–第八条,
内政办发〔2021〕82号 三, 南昌 起草说明 四(三)2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from . import _core
from ._claims import _days, _ids
from ._money import Rounding, Unit, fen_to_money, to_fen
from .errors import InputError

__all__ = ["ledger"]

Money = Literal["decimal", "float", "fen"]


def _months(series: pd.Series) -> np.ndarray:
    """Months since 1970-01 of a monthly Period column, or of dates read by the package's
    one date reader (``_claims._days``: datetime64, datetime.date or ISO text such as
    'YYYY-MM'; numbers such as 202401 and ambiguous text are refused)."""
    if isinstance(series.dtype, pd.PeriodDtype):
        missing = series.isna().to_numpy()
        if missing.any():
            pos = int(np.flatnonzero(missing)[0])
            raise InputError(
                f"missing month {series.iloc[pos]!r} (use 'YYYY-MM' or a Period)",
                column="month",
                row=series.index[pos],
                position=pos,
            )
        array = series.array
        if series.dtype != pd.PeriodDtype("M"):
            array = array.asfreq("M")
        # A monthly Period's ordinal is its month count since 1970-01.
        return np.asarray(array.asi8, dtype=np.int32)
    days = _days(series, "month")
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return np.asarray(months, dtype=np.int32)


class _Ids(NamedTuple):
    """One id column of the ledger's inputs, for matching accounts across them."""

    table: str
    column: str
    values: pd.Series  # indexed by the caller's row labels


def _codes(parts: list[_Ids]) -> list[np.ndarray]:
    """Dense account codes in the sorted order of the ids, so that no code depends on row order.

    The ids of every table are read together by the package's one id reader
    (``_claims._ids``): one kind of key across all of them, since an int id in the claims
    never matches a text id in the credits (everything would be paid in cash).
    """
    plain = [
        p.values.astype(object) if isinstance(p.values.dtype, pd.CategoricalDtype) else p.values
        for p in parts
    ]
    one_dtype = len({str(v.dtype) for v in plain}) == 1
    joined = pd.concat(
        [(v if one_dtype else v.astype(object)).reset_index(drop=True) for v in plain],
        ignore_index=True,
    )
    try:
        _ids(joined, "member_id")
    except InputError as exc:
        raise _in_part(exc, parts) from None
    codes, _ = pd.factorize(joined, sort=True)
    out, at = [], 0
    for p in parts:
        out.append(np.asarray(codes[at : at + len(p.values)], dtype=np.int64))
        at += len(p.values)
    return out


def _in_part(exc: InputError, parts: list[_Ids]) -> InputError:
    """``exc``, raised on the joined ids, re-aimed at the table and row it is about."""
    position = exc.position if exc.position is not None else 0
    for part in parts:
        if position < len(part.values):
            tables = sorted({p.table for p in parts if len(p.values)})
            return InputError(
                f"{exc.reason}, in {part.table} (ids are matched across {', '.join(tables)}: "
                "use one kind of id in all of them)",
                column=part.column,
                row=part.values.index[position],
                position=position,
            )
        position -= len(part.values)
    return exc


def _opening_table(
    opening: Any, rounding: Rounding | None, unit: Unit
) -> tuple[pd.Series, np.ndarray]:
    """(ids indexed by the opening's row labels, fen) of the opening balances; the row label
    is the member_id for a mapping or Series, the index label for a DataFrame."""
    if opening is None:
        return pd.Series([], dtype=np.int64), np.array([], dtype=np.int64)
    if isinstance(opening, Mapping):
        opening = pd.Series(dict(opening))
    if isinstance(opening, pd.DataFrame):
        if "member_id" not in opening.columns or "balance" not in opening.columns:
            raise InputError("opening needs member_id and balance columns", column="opening")
        ids, amounts = opening["member_id"], opening["balance"]
        amounts = pd.Series(amounts.to_numpy(), index=opening.index, name="balance")
    elif isinstance(opening, pd.Series):
        ids, amounts = pd.Series(opening.index.to_numpy(), index=opening.index), opening
    else:
        raise TypeError("opening must be None, a mapping, a Series by member_id or a DataFrame")
    duplicated = ids.duplicated().to_numpy(dtype=bool)
    if duplicated.any():
        pos = int(np.flatnonzero(duplicated)[0])
        raise InputError(
            f"duplicate member_id {ids.iloc[pos]!r} in opening balances",
            column="opening",
            row=ids.index[pos],
            position=pos,
        )
    if amounts.dtype == object:
        amounts = pd.Series(list(amounts), index=amounts.index, dtype=object)
    fen = to_fen(amounts, "opening", rounding=rounding, unit=unit)
    negative = fen < 0
    if negative.any():
        pos = int(np.flatnonzero(negative)[0])
        member = getattr(ids.iloc[pos], "item", lambda: ids.iloc[pos])()
        raise InputError(
            f"opening balance {amounts.iloc[pos]} of member_id {member!r} is negative",
            column="opening",
            row=ids.index[pos],
            position=pos,
        )
    return ids, fen


def ledger(
    adjudicated: pd.DataFrame,
    credits: pd.DataFrame,
    opening: Any = None,
    *,
    outside_range: bool = False,
    family: pd.DataFrame | None = None,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    money: Money = "decimal",
    outflows: Any = None,
) -> pd.DataFrame:
    """Pay each row's self-pay part from the personal account, up to its balance.

    Parameters
    ----------
    adjudicated
        The output of :func:`yibao.adjudicate` (or any frame with ``member_id``, ``date``
        and ``self_pay``); optionally ``payer_id`` (the account that pays, for family mutual
        aid; missing or absent = the member's own), ``total`` and ``eligible``.
    credits
        ``member_id``, ``month`` and ``credit`` (the output of :func:`yibao.account_credits`;
        several rows for one account and month are added). A credit is in the account on
        the first day of its month, before any claim of that month.
    opening
        Balances before the first credit (个人账户历年结余): a mapping or Series by
        member_id, or a DataFrame with ``member_id`` and ``balance``. Default: 0.
    outside_range
        The account pays only the policy-range self-pay (``self_pay``) by default
        (重庆 第十条 主要用于支付 … 政策范围内自付费用); with True it may also pay the part of
        ``total`` outside the policy range (个人负担的医疗费用).
    family
        Registered family links (家庭共济): ``payer_id`` and ``member_id`` columns. When
        given, every row paid from another member's account must be registered.
    money
        ``"decimal"`` (exact, default), ``"float"`` or ``"fen"``.
    outflows
        Premiums and other non-claim uses of the account, checked against the region's text
        by :func:`yibao.outflows.account_outflows`; paid in date order with the claims
        (:func:`yibao.outflows.ledger_with_outflows` also returns what each one paid).

    Returns
    -------
    pandas.DataFrame
        The same rows and order with ``account_paid``, ``cash_paid`` and ``account_balance``
        (the paying account after the row). ``account_paid + cash_paid == self_pay +
        (total - eligible)`` (the last term when ``total`` is given). Rows of one account
        are paid by date, then (member_id, amount due, self_pay, total - eligible,
        eligible): the result does not depend on the order of the rows.
    """
    if outflows is not None:
        from .outflows import ledger_with_outflows

        return ledger_with_outflows(
            adjudicated, credits, outflows, opening, rounding=rounding, unit=unit, money=money,
            outside_range=outside_range, family=family,
        )[0]  # fmt: skip
    for column in ("member_id", "date", "self_pay"):
        if column not in adjudicated.columns:
            raise InputError(
                f"required column is missing (have: {list(adjudicated.columns)})", column=column
            )
    for column in ("member_id", "month", "credit"):
        if column not in credits.columns:
            raise InputError(
                f"credits need {column} (have: {list(credits.columns)})", column=column
            )
    index = adjudicated.index
    self_pay = to_fen(adjudicated["self_pay"], "self_pay", rounding=rounding, unit=unit)
    outside = np.zeros(len(adjudicated), dtype=np.int64)
    eligible = np.zeros(len(adjudicated), dtype=np.int64)
    if "eligible" in adjudicated.columns:
        eligible = to_fen(adjudicated["eligible"], "eligible", rounding=rounding, unit=unit)
    if "total" in adjudicated.columns:
        if "eligible" not in adjudicated.columns:
            raise InputError("a total column needs eligible beside it", column="eligible")
        total = to_fen(adjudicated["total"], "total", rounding=rounding, unit=unit)
        outside = total - eligible
        below = outside < 0
        if below.any():
            pos = int(np.flatnonzero(below)[0])
            raise InputError(
                f"total {adjudicated['total'].iloc[pos]} is below "
                f"eligible {adjudicated['eligible'].iloc[pos]}",
                column="total",
                row=index[pos],
                position=pos,
            )
    negative = self_pay < 0
    if negative.any():
        pos = int(np.flatnonzero(negative)[0])
        raise InputError("self_pay is negative", column="self_pay", row=index[pos], position=pos)
    due = self_pay + outside if outside_range else self_pay

    member = adjudicated["member_id"]
    if member.isna().any():
        pos = int(np.flatnonzero(member.isna().to_numpy())[0])
        raise InputError("missing member_id", column="member_id", row=index[pos], position=pos)
    payer = member
    if "payer_id" in adjudicated.columns:
        payer = (
            adjudicated["payer_id"].fillna(member)
            if adjudicated["payer_id"].isna().any()
            else adjudicated["payer_id"]
        )
        if family is not None:
            _check_family(adjudicated, payer, family)
    credit_fen = to_fen(credits["credit"], "credit", rounding=rounding, unit=unit)
    months = _months(credits["month"])
    opening_ids, opening_fen = _opening_table(opening, rounding, unit)

    member_code, payer_code, credit_code, opening_code = _codes(
        [
            _Ids("the claims", "member_id", member),
            _Ids("the claims", "payer_id", payer),
            _Ids("credits", "member_id", credits["member_id"]),
            _Ids("opening", "opening", opening_ids),
        ]
    )
    n_accounts = 1 + max(
        (int(c.max()) for c in (payer_code, credit_code, opening_code) if len(c)), default=-1
    )
    opening_by_code = np.zeros(n_accounts, dtype=np.int64)
    opening_by_code[opening_code] = opening_fen
    try:
        out = _core.run_ledger(
            payer_code, member_code, _days(adjudicated["date"]), due, self_pay,
            outside, eligible, credit_code, months, credit_fen, opening_by_code,
        )  # fmt: skip
    except InputError as exc:
        if exc.position is not None and exc.column == "self_pay":
            raise exc.at_row(index[exc.position]) from None
        if exc.position is not None and exc.column == "credit":
            raise exc.at_row(credits.index[exc.position]) from None
        raise
    paid = out["account_paid"]
    result = adjudicated.copy(deep=False)
    result["account_paid"] = pd.Series(fen_to_money(paid, money), index=index)
    result["cash_paid"] = pd.Series(fen_to_money(self_pay + outside - paid, money), index=index)
    result["account_balance"] = pd.Series(fen_to_money(out["balance"], money), index=index)
    return result


def _check_family(adjudicated: pd.DataFrame, payer: pd.Series, family: pd.DataFrame) -> None:
    for column in ("payer_id", "member_id"):
        if column not in family.columns:
            raise InputError(
                f"family needs payer_id and member_id columns (have {list(family.columns)})",
                column=column,
            )
    pairs = pd.MultiIndex.from_arrays(
        [payer.to_numpy(dtype=object), adjudicated["member_id"].to_numpy(dtype=object)]
    )
    registered = pd.MultiIndex.from_arrays(
        [family["payer_id"].to_numpy(dtype=object), family["member_id"].to_numpy(dtype=object)]
    )
    other = payer.to_numpy(dtype=object) != adjudicated["member_id"].to_numpy(dtype=object)
    bad = other & ~pairs.isin(registered)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        p, m = (getattr(x, "item", lambda x=x: x)() for x in pairs[pos])
        raise InputError(
            f"account {p!r} pays for member {m!r}, who is not registered with it (家庭共济 needs "
            "registration: 伊犁 第八条)",
            column="payer_id",
            row=adjudicated.index[pos],
            position=pos,
        )
