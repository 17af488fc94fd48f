"""``yibao.fund_impact``: what the reform moves from personal accounts into the pooled fund.

"一降一升" (南昌 起草说明 三): personal-account credits fall and the pooled fund keeps the
difference, which pays for outpatient pooling. For one calendar year this credits every
member under the rules *before* and *after* (both through the C++ core, exactly), groups
the member-months by status and age band, and, given adjudicated claims, sets the new
outpatient fund spending against the gain. All sums are exact int64 fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._accounts_policy import month_index
from ._claims import _days
from ._money import Rounding, Unit, fen_to_money, to_fen
from ._schema import STATUSES
from .accounts import member_arrays, raw_credits
from .errors import AmountOverflowError, InputError

__all__ = ["fund_impact"]

Money = Literal["decimal", "float", "fen"]
_STATUS = STATUSES
_LIMIT = 2**62


def _band_labels(edges: Sequence[int]) -> list[str]:
    labels, lo = [], 0
    for edge in edges:
        labels.append(f"{lo}-{edge - 1}")
        lo = edge
    labels.append(f"{lo}+")
    return labels


def _sum_by(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 group sums (never through float): overflow is an error."""
    if len(values) and int(np.abs(values).max()) * len(values) >= _LIMIT:
        bound = sum(abs(int(v)) for v in values)
        if bound >= _LIMIT:
            raise AmountOverflowError("a group sum leaves the range of int64 fen")
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, codes, values)
    return out


def _per_year(total_fen: int, member_months: int) -> int:
    """total × 12 / member_months, rounded half-up to the fen (a per-capita annual amount)."""
    if member_months == 0:
        return 0
    n, d = total_fen * 12, member_months
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    return q if n >= 0 else -q


def fund_impact(
    members: pd.DataFrame,
    before: Any,
    after: Any,
    year: int,
    *,
    adjudicated: pd.DataFrame | None = None,
    age_bands: Sequence[int] = (46, 70),
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    money: Money = "decimal",
) -> pd.DataFrame:
    """The pooled fund's gain from the account reform in one year, by group.

    Parameters
    ----------
    members
        As for :func:`yibao.account_credits`; an optional integer ``weight`` column says how
        many people a row stands for (for estimates from group averages; default 1).
    before, after
        Account rules (region keys, ``Policy``, or :class:`~yibao.accounts.AccountRules`),
        e.g. ``rules.in_force("2022-12")`` (the pre-reform rule kept on) and ``rules``.
    year
        The calendar year credited (January to December).
    adjudicated
        Optional output of :func:`yibao.adjudicate` for the same members: its ``fund_paid``
        in ``year`` is the new outpatient pooled spending, set against the gain.
    age_bands
        Ages (full years, on the first of each month) at which a new band starts:
        ``(46, 70)`` gives ``0-45``, ``46-69``, ``70+`` (济宁's 45 and the 70 of 重庆/济宁).

    Returns
    -------
    pandas.DataFrame
        One row per (``status``, ``age_band``) present, then a row ``("all", "all")``:
        ``members`` (people credited in the group at least one month, weighted),
        ``member_months``, ``credits_before``, ``credits_after``, ``fund_gain`` (before -
        after), ``gain_per_capita`` (per member-year: gain × 12 / member_months, rounded
        half-up to the fen), and with claims ``outpatient_fund_paid`` and ``net_gain``.
        A member-month counts as retired from the month after the retirement month, as
        the account rules do.
    """
    edges = [int(e) for e in age_bands]
    if edges != sorted(set(edges)) or (edges and edges[0] <= 0):
        raise ValueError(f"age_bands must be increasing positive ages, got {list(age_bands)}")
    arrays = member_arrays(members, rounding=rounding, unit=unit)
    weight = np.ones(len(members), dtype=np.int64)
    if "weight" in members.columns:
        w = members["weight"]
        if not pd.api.types.is_integer_dtype(w.dtype) or w.isna().any() or (w < 0).any():
            raise InputError(
                "weight must be a non-negative integer number of people", column="weight"
            )
        weight = w.to_numpy(dtype=np.int64)
    first = month_index(f"{int(year):04d}-01")
    last = first + 11
    old = raw_credits(arrays, before, first, last)
    new = raw_credits(arrays, after, first, last)
    n_members = len(arrays.member_id)

    # Group of each member-month: status (as credited) and age on the month's first day.
    from . import _core

    retired = (new.flags & _core.credit_retired) != 0
    birth = arrays.birth.astype("datetime64[D]")
    by = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    bm = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    bd = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    month = np.tile(np.arange(1, 13), n_members)
    age = (
        int(year)
        - np.repeat(by, 12)
        - ((month < np.repeat(bm, 12)) | ((month == np.repeat(bm, 12)) & (np.repeat(bd, 12) > 1)))
    )
    band = np.searchsorted(np.asarray(edges, dtype=np.int64), age, side="right")
    n_bands = len(edges) + 1
    group = retired.astype(np.int64) * n_bands + band
    n_groups = 2 * n_bands
    w = np.repeat(weight, 12)

    sums = {
        "member_months": _sum_by(group, w, n_groups),
        "credits_before": _sum_by(group, old.credit * w, n_groups),
        "credits_after": _sum_by(group, new.credit * w, n_groups),
    }
    seen = np.zeros((n_members, n_groups), dtype=bool)
    seen[np.repeat(np.arange(n_members), 12), group] = True
    people = (seen * weight[:, None]).sum(axis=0)
    if adjudicated is not None:
        sums["outpatient_fund_paid"] = _outpatient(
            adjudicated, arrays, first, group, n_groups, weight, rounding, unit
        )

    labels = _band_labels(edges)
    present = [g for g in range(n_groups) if sums["member_months"][g] > 0]
    rows: dict[str, list[Any]] = {"status": [], "age_band": [], "members": [], "member_months": []}
    fen: dict[str, list[int]] = {
        k: [] for k in ("credits_before", "credits_after", "fund_gain", "gain_per_capita")
    }
    if adjudicated is not None:
        fen["outpatient_fund_paid"], fen["net_gain"] = [], []

    def add(status: str, band_label: str, idx: list[int], count: int) -> None:
        months = int(sum(int(sums["member_months"][g]) for g in idx))
        before_fen = sum(int(sums["credits_before"][g]) for g in idx)
        after_fen = sum(int(sums["credits_after"][g]) for g in idx)
        rows["status"].append(status)
        rows["age_band"].append(band_label)
        rows["members"].append(count)
        rows["member_months"].append(months)
        fen["credits_before"].append(before_fen)
        fen["credits_after"].append(after_fen)
        fen["fund_gain"].append(before_fen - after_fen)
        fen["gain_per_capita"].append(_per_year(before_fen - after_fen, months))
        if adjudicated is not None:
            spent = sum(int(sums["outpatient_fund_paid"][g]) for g in idx)
            fen["outpatient_fund_paid"].append(spent)
            fen["net_gain"].append(before_fen - after_fen - spent)

    for g in present:
        add(_STATUS[g // n_bands], labels[g % n_bands], [g], int(people[g]))
    add("all", "all", present, int(weight.sum()))
    out = pd.DataFrame(rows)
    for name, values in fen.items():
        out[name] = fen_to_money(np.asarray(values, dtype=np.int64), money)
    return out


def _outpatient(
    adjudicated: pd.DataFrame,
    arrays: Any,
    first: int,
    group: np.ndarray,
    n_groups: int,
    weight: np.ndarray,
    rounding: Rounding | None,
    unit: Unit,
) -> np.ndarray:
    for column in ("member_id", "date", "fund_paid"):
        if column not in adjudicated.columns:
            raise InputError(f"adjudicated claims need {column}", column=column)
    days = _days(adjudicated["date"])  # the package's one date reader, as adjudicate
    dates = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    k = dates - first
    in_year = (k >= 0) & (k < 12)
    position = pd.Index(arrays.member_id).get_indexer(adjudicated["member_id"].to_numpy())
    unknown = in_year & (position < 0)
    if unknown.any():
        pos = int(np.flatnonzero(unknown)[0])
        raise InputError(
            "claim of a member not in members",
            column="member_id",
            row=adjudicated.index[pos],
            position=pos,
        )
    paid = to_fen(adjudicated["fund_paid"], "fund_paid", rounding=rounding, unit=unit)
    at = position[in_year] * 12 + k[in_year]
    return _sum_by(group[at], paid[in_year] * weight[position[in_year]], n_groups)
