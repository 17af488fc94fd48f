"""``yibao.incidence``: who gains and who loses from the reform, member by member.

The reform moves money out of personal accounts into outpatient pooling ("一降一升"): each
member's account credits fall (or rise), and the pooled fund now pays part of their general
outpatient claims. For one calendar year, per member:

``net_gain = (credits_after - credits_before) + outpatient_fund_paid``

with ``credits_before`` under the account rule in force before the reform (kept on through
the year: the counterfactual), ``credits_after`` under the region's rules, and
``outpatient_fund_paid`` the pooled fund's payments on the member's claims of the year under
the region's outpatient rules. Everything is computed by the core and summed in exact fen.

"Before the reform" means the ``[[accounts]]`` entry in force in the month before the
outpatient policy's first version (an assumption: the texts start both halves together).
Only Nanchang's text gives it (起草说明 一); for the other regions it is a missing parameter
and :class:`~yibao.MissingParameterError` says what to supply (``before=``). Values the texts
do not give for the new rules (average pensions, own contribution rates) are supplied on the
policy (``policy.replace({"accounts.retired.average_pension": ...})``) and named by the same
error when absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._accounts_policy import AccountRules, account_rules, month_index
from ._many import adjudicate_converted, convert_once, days_in_year, rows_of
from ._money import Rounding, Unit, fen_to_money
from .accounts import member_arrays, raw_credits
from .adjudicate import as_policy
from .compare import _mean_half_up
from .errors import InputError, MissingParameterError, PolicyError
from .fund_impact import _band_labels, _sum_by
from .policy import Policy

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["Incidence", "incidence", "rules_before"]

_MONEY = (
    "spending",
    "credits_before",
    "credits_after",
    "account_change",
    "outpatient_fund_paid",
    "net_gain",
)
_GROUPS = ("status", "age_band", "spending_decile")


def rules_before(policy: Policy) -> AccountRules:
    """The account rule in force in the month before ``policy``'s first outpatient version,
    kept on (the "no reform" counterfactual); :class:`~yibao.MissingParameterError` where the
    text gives none.

    Examples
    --------
    >>> import yibao
    >>> rules_before(yibao.load_policy("nanchang")).versions
    [AccountVersion(effective=2021-01-01)]
    """
    start = policy.versions[0].effective
    month = pd.Period(start, freq="M") - 1
    rules = account_rules(policy)
    try:
        return rules.in_force(str(month))
    except PolicyError:
        raise MissingParameterError(
            f"{policy.region}: the personal-account rule before the reform (in force in "
            f"{month}, before the outpatient rules of {start}) is not in the text; supply it "
            "with before= (e.g. yibao.accounts.supply(...) or an AccountRules with one entry)"
        ) from None


class Incidence:
    """The result of :func:`incidence`.

    Attributes
    ----------
    members : pandas.DataFrame
        One row per member: ``member_id``, ``status`` and ``age_band`` (on 1 January),
        ``spending_decile`` (1 = lowest eligible spending), then exact decimal yuan
        ``spending`` (eligible amounts of the year), ``credits_before``, ``credits_after``,
        ``account_change`` (after - before), ``outpatient_fund_paid`` and ``net_gain``, and
        ``loses`` (``net_gain < 0``).
    year : int
    policy : Policy
    """

    def __init__(
        self, members: pd.DataFrame, fen: dict[str, np.ndarray], year: int, policy: Policy
    ):
        self.members = members
        self._fen = fen
        self.year = year
        self.policy = policy

    def __repr__(self) -> str:
        return (
            f"<Incidence {self.policy.region} {self.year}: {len(self.members):,} members, "
            f"{self.share_losing:.1%} lose>"
        )

    @property
    def share_losing(self) -> float:
        """The share of members whose net gain is negative."""
        n = len(self.members)
        return float(self.members["loses"].sum()) / n if n else float("nan")

    def by(self, group: str | None = None) -> pd.DataFrame:
        """The distribution of the net gain by ``status``, ``age_band`` or
        ``spending_decile`` (or over all members).

        Returns one row per group: ``members``, ``share_losing`` (float), the exact mean
        per member of each money column (rounded to the fen, halves away from zero), and
        the net gain's
        ``p10``, ``median`` and ``p90`` (members' own values, exact: the lower of two
        middle values). Also ``total_net_gain``, the exact sum.
        """
        if group is not None and group not in _GROUPS:
            raise ValueError(f"group must be one of {_GROUPS} or None, got {group!r}")
        labels = self.members[group] if group else pd.Series("all", index=self.members.index)
        codes, uniques = pd.factorize(labels, sort=True)
        n = len(uniques)
        count = np.bincount(codes, minlength=n).astype(np.int64)
        out = pd.DataFrame({group or "group": list(uniques), "members": count})
        loses = self.members["loses"].to_numpy()
        out["share_losing"] = np.bincount(codes, weights=loses, minlength=n) / np.maximum(count, 1)
        for name in _MONEY:
            mean = _mean_signed(_sum_by(codes, self._fen[name], n), count)
            out[f"mean_{name}"] = fen_to_money(mean)
        net = self._fen["net_gain"]
        for label, q in (("p10", 0.1), ("median", 0.5), ("p90", 0.9)):
            values = [
                np.quantile(net[codes == g], q, method="lower") if count[g] else 0 for g in range(n)
            ]
            out[f"net_gain_{label}"] = fen_to_money(np.asarray(values, dtype=np.int64))
        out["total_net_gain"] = fen_to_money(_sum_by(codes, net, n))
        return out

    def plot(self, group: str = "spending_decile", ax: Axes | None = None) -> Axes:
        """Mean account change, mean outpatient payment and mean net gain per group, with
        the share of members who lose on a second axis."""
        from .plots import _axes, _floats

        table = self.by(group)
        ax = _axes(ax)
        x = np.arange(len(table))
        width = 0.27
        parts = (
            ("mean_account_change", "account change", "#d7191c"),
            ("mean_outpatient_fund_paid", "outpatient pooling", "#2b83ba"),
            ("mean_net_gain", "net gain", "#444444"),
        )
        for i, (column, label, color) in enumerate(parts):
            ax.bar(x + (i - 1) * width, _floats(table[column]), width, label=label, color=color)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xticks(x, [str(v) for v in table[group]])
        ax.set_xlabel(group.replace("_", " "))
        ax.set_ylabel("yuan per member and year")
        right = ax.twinx()
        right.plot(x, table["share_losing"], color="#fdae61", marker="o", label="share losing")
        right.set_ylim(0, 1)
        right.set_ylabel("share of members who lose", color="#e08000")
        ax.legend(fontsize=8, loc="upper left")
        ax.set_title(f"{self.policy.region} {self.year}: who gains, who loses")
        return ax


def _mean_signed(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Exact means in fen rounded half-up in magnitude (half away from zero)."""
    sign = np.where(total < 0, -1, 1)
    return np.asarray(sign * _mean_half_up(np.abs(total), count), dtype=np.int64)


def incidence(
    members: pd.DataFrame,
    claims: pd.DataFrame,
    region: str | Policy,
    year: int,
    *,
    before: Any = None,
    age_bands: Sequence[int] = (46, 70),
    deciles: int = 10,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    threads: int | None = None,
) -> Incidence:
    """Per member: account credits lost or gained plus outpatient pooling received, in a year.

    Parameters
    ----------
    members
        As for :func:`yibao.account_credits` (``member_id``, ``birth_date``,
        ``retire_date``, ``tier``, ``base``, ``pension``); every member of the claims.
    claims
        Claims as for :func:`yibao.adjudicate`; only those dated in ``year`` count.
    region
        A region key or a :class:`~yibao.Policy` carrying its account rules, with any
        values the text lacks supplied (``policy.replace({"accounts.retired.
        average_pension": 3140})``).
    year
        The calendar year.
    before
        The account rules without the reform (region key, ``Policy`` or ``AccountRules``);
        default :func:`rules_before`, which only Nanchang's text gives.
    age_bands
        Ages (full years on 1 January) at which a band starts, as in
        :func:`yibao.fund_impact`.
    deciles
        Number of spending groups (equal numbers of members, by eligible spending in the
        year; ties in member order).
    rounding, unit, threads
        As for :func:`yibao.adjudicate`.

    Returns
    -------
    Incidence
        ``.members`` (per member), ``.by(group)``, ``.share_losing`` and ``.plot()``.

    Raises
    ------
    MissingParameterError
        Naming the account rule before the reform, or a value of the new rules, when the
        text does not give it and it was not supplied.

    Examples
    --------
    >>> import yibao
    >>> from yibao.datasets import synthetic
    >>> members, claims = synthetic(members=50, year=2023, seed=2)
    >>> nanchang = yibao.load_policy("nanchang").replace(
    ...     {"accounts.retired.average_pension": 3140})  # implied by 起草说明 六, not stated
    >>> result = yibao.incidence(members, claims, nanchang, 2023)
    >>> list(result.by("status")["status"])
    ['in_service', 'retired']
    >>> yibao.incidence(members, claims, "chongqing", 2024)
    Traceback (most recent call last):
    ...
    yibao.errors.MissingParameterError: chongqing: the personal-account rule before the reform ...
    """
    policy = as_policy(region)
    year = int(year)
    if deciles < 1:
        raise ValueError(f"deciles must be >= 1, got {deciles}")
    old = account_rules(before) if before is not None else rules_before(policy)
    new = account_rules(policy)
    arrays = member_arrays(members, rounding=rounding, unit=unit)
    first = month_index(f"{year:04d}-01")
    n = len(arrays.member_id)
    credits = {
        "credits_before": raw_credits(arrays, old, first, first + 11).credit,
        "credits_after": raw_credits(arrays, new, first, first + 11).credit,
    }
    per_member = {k: _sum_by(np.repeat(np.arange(n), 12), v, n) for k, v in credits.items()}

    # every claim validated (errors name its row); only those of the year adjudicated
    converted = convert_once(claims, members, rounding=rounding, unit=unit, threads=threads)
    in_year = days_in_year(converted, year)
    converted = rows_of(converted, in_year)
    position = pd.Index(arrays.member_id).get_indexer(claims["member_id"].to_numpy()[in_year])
    if (position < 0).any():
        pos = int(np.flatnonzero(position < 0)[0])
        raise InputError(
            "claim of a member not in members", column="member_id", row=converted.index[pos]
        )
    out = adjudicate_converted(converted, policy)
    per_member["outpatient_fund_paid"] = _sum_by(position, out["fund_paid"], n)
    per_member["spending"] = _sum_by(position, converted.arrays.eligible, n)
    per_member["account_change"] = per_member["credits_after"] - per_member["credits_before"]
    per_member["net_gain"] = per_member["account_change"] + per_member["outpatient_fund_paid"]

    table = pd.DataFrame({"member_id": arrays.member_id})
    table["status"], table["age_band"] = _status_and_band(arrays, year, age_bands)
    rank = pd.Series(per_member["spending"]).rank(method="first").to_numpy()
    groups = np.minimum((rank - 1) * deciles // max(n, 1), deciles - 1).astype(np.int64) + 1
    table["spending_decile"] = groups
    for name in _MONEY:
        table[name] = fen_to_money(per_member[name])
    table["loses"] = per_member["net_gain"] < 0
    return Incidence(table, {k: per_member[k] for k in _MONEY}, year, policy)


def _status_and_band(arrays: Any, year: int, age_bands: Sequence[int]) -> tuple[Any, Any]:
    """Status (retired if the retirement date is before 1 January) and age band on 1 January."""
    edges = [int(e) for e in age_bands]
    if edges != sorted(set(edges)) or (edges and edges[0] <= 0):
        raise ValueError(f"age_bands must be increasing positive ages, got {list(age_bands)}")
    from . import _core

    start = (np.datetime64(f"{year:04d}-01-01") - np.datetime64("1970-01-01")).astype(np.int64)
    retire = arrays.retire.astype(np.int64)
    retired = (retire != int(_core.no_day)) & (retire < start)
    birth = arrays.birth.astype("datetime64[D]")
    born_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    after_jan_1 = (birth - birth.astype("datetime64[Y]")).astype(np.int64) > 0
    age = year - born_year - after_jan_1
    band = np.searchsorted(np.asarray(edges, dtype=np.int64), age, side="right")
    labels = np.asarray(_band_labels(edges), dtype=object)
    status = np.where(retired, "retired", "in_service").astype(object)
    return status, pd.Categorical(labels[band], categories=_band_labels(edges))
