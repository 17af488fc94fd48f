"""``yibao.backtest``: a settlement extract adjudicated under a policy, beside what was paid.

The back-test replays an extract (:func:`yibao.nhsa.read_extract`) through
:func:`yibao.adjudicate` and sets yibao's amounts beside the observed ones, row by row. A
*residual* is ``observed - yibao``, per amount (deductible, fund payment), exact to the fen.

Once a member's year has diverged, every later row of it may differ only because the
accumulators differ, so the back-test marks each member-year's **first divergence** (in
adjudication order) and attributes it: at that row both sides started from the same
year-to-date state, so the difference lies in the row's own parameters:

* ``deductible``: the deductibles differ;
* ``cap``: yibao's row was capped, or the platform paid less than its own ratio
  (``pool_prop_selfpay``) gives on the row's amount above the deductible;
* ``rate``: neither side capped, the platform paid its ratio, and yibao's rate gave another
  amount;
* ``other``: the platform paid more than its own ratio gives (e.g. another pool's money in
  ``hifp_pay``); ``rate or cap`` when the extract has no ratio to tell them apart.

Each attribution is named with the policy's own rule label (e.g. ``CQ-6 annual cap``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ._money import fen_to_money
from .adjudicate import as_policy
from .errors import AmountOverflowError, InputError, MissingParameterError, YibaoError
from .nhsa import Extract, LevelFrom, YearBy, read_extract
from .policy import Policy

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["Backtest", "backtest"]

_AMOUNTS = (("deductible", "observed_deductible"), ("fund_paid", "observed_fund_paid"))
# yibao's input columns (docs/design.md §3) that an extract gives; tier only if merged in.
_INPUTS = (
    "member_id", "date", "level", "eligible", "status", "service", "institution_id",
    "prescriber_level", "tier",
)  # fmt: skip
_YIBAO = ("deductible", "fund_paid", "self_pay", "capped", "ytd_fund_paid")
_CAP_FLAGS = ("visit_cap", "annual_cap", "overall_cap")
_KINDS = ("", "deductible", "rate", "cap", "rate or cap", "other")
_NOT_FIRST = "(not a first divergence)"  # the group of other rows in summaries
Unpriced = Literal["set_aside", "raise"]


def _version_of(policy: Policy, days: np.ndarray) -> np.ndarray:
    effective = np.array([np.datetime64(v.effective, "ns") for v in policy.versions])
    return np.asarray(np.searchsorted(effective, days, side="right") - 1)


def _probe(policy: Policy, day: Any, service: str, prescriber: bool) -> Exception | None:
    """Whether the policy prices ``service`` on ``day`` (every level and status): the error
    adjudicating such rows raises, or None."""
    from .adjudicate import adjudicate

    grid = pd.MultiIndex.from_product([[1, 2, 3], ["in_service", "retired"]]).to_frame()
    probe = pd.DataFrame(
        {
            "member_id": np.arange(len(grid)),
            "date": pd.Timestamp(day),
            "level": grid[0].to_numpy(dtype=np.int8),
            "eligible": fen_to_money(np.full(len(grid), 10_000, dtype=np.int64)),
            "status": grid[1].to_numpy(dtype=object),
            "service": service,
            "institution_id": "probe",
        }
    )
    if prescriber:
        probe["prescriber_level"] = pd.array([2] * len(grid), dtype="Int8")
    try:
        adjudicate(probe, policy, threads=1)
    except YibaoError as exc:
        return exc
    return None


def _adjudication_order(claims: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions in the order yibao adjudicates (member, day, input order) and a member-year
    group id per position of that order."""
    member, _ = pd.factorize(claims["member_id"])
    day = claims["date"].to_numpy(dtype="datetime64[D]").view(np.int64)
    if (day[1:] >= day[:-1]).all():  # in date order already, as read_extract gives them
        order = np.argsort(member, kind="stable")
    else:
        order = np.lexsort((np.arange(len(claims)), day, member))
    year = claims["date"].dt.year.to_numpy()[order]
    m = member[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (m[1:] != m[:-1]) | (year[1:] != year[:-1])
    return order, np.cumsum(new) - 1


def _set_aside_unpriced(
    claims: pd.DataFrame, policy: Policy, report: list[dict[str, Any]]
) -> np.ndarray:
    """Rows the policy cannot price, as a mask; counted in ``report`` with the reason.

    * rows dated before the policy's first version (rules are never backdated);
    * rows of a service the policy has no parameters for (its own pool, e.g. 门诊慢特病):
      they share no accumulator with priced rows (assumption, docs/backtest.md);
    * pharmacy rows without a prescriber level where the policy prices them by it, and every
      later row of that member's year: the accumulators are unknown from there on.
    """
    n = len(claims)
    out = np.zeros(n, dtype=bool)
    days = claims["date"].to_numpy(dtype="datetime64[ns]")
    version = _version_of(policy, days)
    early = version < 0
    if early.any():
        first = policy.versions[0].effective
        report.append(
            {
                "step": "policy",
                "reason": f"before the policy's first version ({first})",
                "rows": int(early.sum()),
            }
        )
        out |= early
    service_codes, service_names = pd.factorize(claims["service"])
    has_prescriber = (
        claims["prescriber_level"].notna().to_numpy(dtype=bool)
        if "prescriber_level" in claims.columns
        else np.zeros(n, dtype=bool)
    )
    no_prescriber = np.zeros(n, dtype=bool)
    for v in np.unique(version[~early]):
        day = policy.versions[int(v)].effective
        in_v = version == v
        for code in np.flatnonzero(np.bincount(service_codes[in_v], minlength=len(service_names))):
            name = str(service_names[code])
            rows = in_v & (service_codes == code)
            error = _probe(policy, day, str(name), prescriber=True)
            if isinstance(error, MissingParameterError):
                reason = str(error).removeprefix("row 0: ").split(" (source")[0]
                report.append(
                    {"step": "policy", "reason": f"{name}: {reason}", "rows": int(rows.sum())}
                )
                out |= rows
            elif name == "pharmacy" and (rows & ~has_prescriber).any():
                if _probe(policy, day, "pharmacy", prescriber=False) is not None:
                    no_prescriber |= rows & ~has_prescriber
    if no_prescriber.any():
        order, group = _adjudication_order(claims)
        bad = pd.Series(no_prescriber[order]).groupby(group).cummax().to_numpy(dtype=bool)
        after = np.zeros(n, dtype=bool)
        after[order] = bad
        after &= ~out
        report.append(
            {
                "step": "policy",
                "rows": int(after.sum()),
                "reason": "pharmacy row without a prescriber level (merge prescriber_hosp_lv from "
                "e-prescription data), and the rest of that member's year",
            }
        )
        out |= after
    return out


def _ratio(value: Any) -> Decimal | None:
    """The platform's ratio (5,4) as an exact decimal; None when absent or unreadable (the
    attribution then cannot tell a rate from a cap). A float goes through its shortest repr."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        rate = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return rate if rate.is_finite() and 0 <= rate <= 1 else None


def _group_sums(values: np.ndarray, codes: np.ndarray, groups: int, name: str) -> np.ndarray:
    """Exact per-group sums of int64 fen: an error, never a wrapped sum."""
    if len(values) and int(np.abs(values).max()) * len(values) >= 2**63:
        raise AmountOverflowError(f"the sum of {name} may exceed int64 fen", column=name)
    if len(values) and int(np.abs(values).max()) * len(values) < 2**53:
        # Every partial sum is an integer below 2**53, which float64 holds exactly.
        sums = np.bincount(codes, weights=values, minlength=groups)
        return np.asarray(np.rint(sums).astype(np.int64))
    grouped = pd.Series(values).groupby(codes).sum()
    return np.asarray(grouped.reindex(range(groups), fill_value=0).to_numpy(dtype=np.int64))


class Backtest:
    """A back-test: yibao's amounts beside the observed ones (see :func:`backtest`).

    Attributes
    ----------
    policy : Policy
    year_by : str
    set_aside : pandas.DataFrame
        Rows left out (reading the extract, and rows the policy cannot price), netted
        reversals, and why: ``step``, ``reason``, ``rows``.

    Examples
    --------
    Chongqing, in service, level 2: 300 pays the 200 deductible (渝医保发〔2023〕32号 第四条),
    then 100 × 60% (第五条); the platform paid 70 at its ratio 0.7.

    >>> import pandas as pd, yibao
    >>> from decimal import Decimal as D
    >>> raw = pd.DataFrame({"psn_no": "A", "insutype": "310", "psn_type": "1101",
    ...     "setl_time": ["2024-03-01 09:00:00", "2024-03-02 09:00:00"], "med_type": "11",
    ...     "hosp_lv": "05", "inscp_scp_amt": [D(300), D(100)], "act_pay_dedc": [D(200), D(0)],
    ...     "hifp_pay": [D(70), D(60)], "pool_prop_selfpay": ["0.7", "0.6"]})
    >>> bt = yibao.backtest(raw, "chongqing")
    >>> line = bt.summary().iloc[0]
    >>> int(line["rows"]), int(line["exact_rows"]), line["residual_fund_paid"]
    (2, 1, Decimal('10.00'))
    >>> bt.divergences()["attributed_rule"].tolist()
    ['CQ-5 rate']
    >>> bt.worst(1)["residual_fund_paid"].tolist()
    [Decimal('10.00')]
    """

    def __init__(
        self,
        source: pd.DataFrame,
        kept: np.ndarray | None,
        adjudicated: pd.DataFrame,
        observed: Mapping[str, np.ndarray],
        policy: Policy,
        year_by: YearBy,
        set_aside: pd.DataFrame,
    ) -> None:
        self.policy = policy
        self.year_by = year_by
        self.set_aside = set_aside
        self._source = source  # the extract's claims; rows `kept` (all if None) were priced
        self._kept = kept
        self._out = adjudicated  # yibao's inputs and outputs (money in fen) of the priced rows
        self._fen = {name: adjudicated[name].to_numpy(dtype=np.int64) for name in _YIBAO}
        # eligible = fund_paid + self_pay on every row (docs/design.md §3): no second conversion
        self._eligible = self._fen["fund_paid"] + self._fen["self_pay"]
        self._observed = dict(observed)
        self._residual = {
            ours: self._observed[theirs] - self._fen[ours] for ours, theirs in _AMOUNTS
        }
        self._attribute()

    @cached_property
    def _claims(self) -> pd.DataFrame:
        """The extract's claims of the priced rows (built only when asked for)."""
        if self._kept is None:
            return self._source
        return self._source.iloc[self._kept]

    def _source_column(self, name: str, rows: np.ndarray) -> pd.Series:
        """``name`` of the extract's claims at priced positions ``rows``."""
        at = rows if self._kept is None else self._kept[rows]
        return self._source[name].iloc[at]

    def __repr__(self) -> str:
        n = len(self._out)
        exact = int(self._exact.sum())
        return (
            f"<Backtest under {self.policy.region}: {n:,} rows, {exact:,} exact to the fen, "
            f"{int(self._first.sum()):,} member-years diverge; year by {self.year_by} date>"
        )

    # -- attribution ------------------------------------------------------------------------
    def _attribute(self) -> None:
        n = len(self._out)
        self._exact = (self._residual["deductible"] == 0) & (self._residual["fund_paid"] == 0)
        order, group = _adjudication_order(self._out)
        differs = ~self._exact[order]
        first = np.zeros(n, dtype=bool)
        if differs.any():
            where = np.flatnonzero(differs)
            _, at = np.unique(group[where], return_index=True)
            first[order[where[at]]] = True
        self._first = first
        kind = np.zeros(n, dtype=np.int8)
        labels = np.full(n, "", dtype=object)
        rows = np.flatnonzero(first)
        if len(rows):
            kinds, names = self._classify(rows)
            kind[rows] = kinds
            labels[rows] = names
        self._kind = kind
        self._label = labels

    def _classify(self, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """The kind (index into ``_KINDS``) and rule label of each first-divergence row."""
        claims = self._out
        d_ded = self._residual["deductible"][rows]
        eligible = self._eligible[rows]
        obs_ded = self._observed["observed_deductible"][rows]
        obs_fund = self._observed["observed_fund_paid"][rows]
        fund = self._fen["fund_paid"][rows]
        capped = self._fen["capped"][rows]
        ratio = (
            self._source_column("observed_rate", rows).tolist()
            if "observed_rate" in self._source.columns
            else None
        )
        days = claims["date"].to_numpy(dtype="datetime64[ns]")[rows]
        versions = _version_of(self.policy, days)
        labels_by_version = self.policy.rule_labels()
        # A cap whose value the text does not give (重庆 第八条's overall limit) is not a cause
        # yibao can name: it binds only with other pooled payments, never in these claims.
        unknown = [
            {f for f in _CAP_FLAGS if "missing" in (v.tree.get(f) or {})}
            for v in self.policy.versions
        ]
        rule = self._out["rule"].iloc[rows].astype(str).to_numpy()
        kinds = np.zeros(len(rows), dtype=np.int8)
        names: list[str] = []
        for i in range(len(rows)):
            labels = labels_by_version[int(versions[i])]
            caps = [
                labels[f] for f in _CAP_FLAGS if f in labels and f not in unknown[int(versions[i])]
            ]
            if d_ded[i] != 0:
                k = "deductible"
            elif capped[i] > 0:
                k = "cap"
                caps = [p for p in str(rule[i]).split(" + ") if p in caps] or caps
            elif ratio is None or (rate := _ratio(ratio[i])) is None:
                k = "rate or cap"
            else:
                base = Decimal(int(eligible[i] - obs_ded[i]))
                at_ratio = int((base * rate).quantize(0, ROUND_HALF_UP))
                k = (
                    "cap"
                    if obs_fund[i] < at_ratio
                    else "other"
                    if obs_fund[i] > at_ratio
                    else ("rate" if at_ratio != fund[i] else "other")
                )
            kinds[i] = _KINDS.index(k)
            if k == "deductible":
                names.append(labels.get("deductible", "deductible"))
            elif k == "rate":
                names.append(labels.get("rate", "rate"))
            elif k == "cap":
                names.append(" or ".join(caps) or "cap")
            elif k == "rate or cap":
                names.append(" or ".join([labels.get("rate", "rate"), *caps]))
            else:
                names.append("other (the platform paid more than its own ratio gives)")
        return kinds, names

    # -- tables -----------------------------------------------------------------------------
    @cached_property
    def rows(self) -> pd.DataFrame:
        """Every adjudicated row, in replay order: the extract's columns, yibao's amounts,
        ``residual_deductible`` and ``residual_fund_paid`` (observed − yibao), ``exact``,
        ``first_divergence``, ``attributed`` (its kind) and ``attributed_rule``, ``month``."""
        out = self._claims.copy(deep=False)
        index = out.index
        for name in _YIBAO:
            out[name] = pd.Series(fen_to_money(self._fen[name], column=name), index=index)
        out["rule"] = pd.Series(self._out["rule"].to_numpy(), index=index)
        for ours, _ in _AMOUNTS:
            out[f"residual_{ours}"] = pd.Series(
                fen_to_money(self._residual[ours], column=ours), index=index
            )
        out["exact"] = self._exact
        out["first_divergence"] = self._first
        out["attributed"] = pd.Categorical.from_codes(self._kind, categories=list(_KINDS))
        out["attributed_rule"] = pd.Categorical(self._label)
        out["month"] = self._month
        return out

    @cached_property
    def _month(self) -> pd.Categorical:
        months = self._out["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
        codes, uniques = pd.factorize(months.view(np.int64), sort=True)
        names = np.asarray(uniques).astype("datetime64[M]").astype(str)
        return pd.Categorical.from_codes(codes, categories=list(names))

    def _keys(self, by: str | Sequence[str] | None) -> list[tuple[str, Any]]:
        names = [] if by is None else [by] if isinstance(by, str) else list(by)
        out = []
        for name in names:
            if name == "month":
                out.append((name, self._month))
            elif name == "rule":
                out.append((name, self._out["rule"]))
            elif name == "attributed":
                kinds = [k or _NOT_FIRST for k in _KINDS]
                out.append((name, pd.Categorical.from_codes(self._kind, kinds)))
            elif name == "attributed_rule":
                out.append(
                    (name, pd.Categorical(np.where(self._label == "", _NOT_FIRST, self._label)))
                )
            elif name in self._out.columns and name != "member_id":
                out.append((name, self._out[name].to_numpy()))
            elif name in self._source.columns:
                out.append((name, self._claims[name].to_numpy()))
            else:
                raise KeyError(f"summary by {name!r}: no such column")
        return out

    def summary(self, by: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Rows exact to the fen, and the residuals, per group.

        Parameters
        ----------
        by
            ``None`` (one line), or one or more of ``"rule"``, ``"level"``, ``"month"``,
            ``"service"``, ``"status"``, ``"institution_id"``, ``"attributed"``,
            ``"attributed_rule"`` or any column of the extract's claims.

        Returns
        -------
        pandas.DataFrame
            Per group: ``rows``, ``exact_rows``, ``exact_share``, ``first_divergences``,
            exact sums of ``eligible``, ``observed_fund_paid``, ``fund_paid``,
            ``residual_fund_paid``, ``residual_deductible`` and the smallest and largest
            ``residual_fund_paid`` of a row.
        """
        keys = self._keys(by)
        n = len(self._out)
        if keys:
            frame = pd.DataFrame({name: values for name, values in keys})
            grouped = frame.groupby([k for k, _ in keys], observed=True, sort=True, dropna=False)
            codes = grouped.ngroup().to_numpy(dtype=np.int64)
            table = grouped.size().reset_index()[[k for k, _ in keys]]
        else:
            codes = np.zeros(n, dtype=np.int64)
            table = pd.DataFrame(index=[0])
        g = len(table)
        table["rows"] = np.bincount(codes, minlength=g)
        table["exact_rows"] = np.bincount(codes, weights=self._exact, minlength=g).astype(np.int64)
        table["exact_share"] = table["exact_rows"] / table["rows"].where(table["rows"] > 0)
        table["first_divergences"] = np.bincount(codes, weights=self._first, minlength=g).astype(
            np.int64
        )
        sums = {
            "eligible": self._eligible,
            "observed_fund_paid": self._observed["observed_fund_paid"],
            "fund_paid": self._fen["fund_paid"],
            "residual_fund_paid": self._residual["fund_paid"],
            "residual_deductible": self._residual["deductible"],
        }
        for name, values in sums.items():
            table[name] = fen_to_money(_group_sums(values, codes, g, name), column=name)
        residual = pd.Series(self._residual["fund_paid"]).groupby(codes)
        for name, values in (("min", residual.min()), ("max", residual.max())):
            fen = values.reindex(range(g), fill_value=0).to_numpy(dtype=np.int64)
            table[f"residual_fund_paid_{name}"] = fen_to_money(fen)
        return table.reset_index(drop=True)

    def divergences(self) -> pd.DataFrame:
        """The first divergent row of each member-year, with its attribution."""
        return self.rows[self._first]

    def worst(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` rows with the largest fund-payment residual (then deductible residual),
        with the rule that decided yibao's amount and the attribution of first divergences."""
        size = np.abs(self._residual["fund_paid"]).astype(np.float64) * 1e3 + np.abs(
            self._residual["deductible"]
        )  # ordering only; the amounts shown stay exact
        top = np.argsort(-size, kind="stable")[: max(0, int(n))]
        top = top[size[top] > 0]
        columns = [
            "member_id",
            "date",
            "level",
            "service",
            "eligible",
            "observed_deductible",
            "deductible",
            "residual_deductible",
            "observed_fund_paid",
            "fund_paid",
            "residual_fund_paid",
            "rule",
            "first_divergence",
            "attributed_rule",
        ]
        rows = self.rows
        extra = [c for c in ("institution_id", "setl_id") if c in rows.columns]
        return rows.iloc[top][columns[:4] + extra + columns[4:]]

    def plot(self, ax: Axes | None = None) -> Axes:
        """Residual fund payment per month (bars, yuan), labelled with the first divergences."""
        from .plots import _axes

        ax = _axes(ax)
        table = self.summary(by="month")
        residual = table["residual_fund_paid"].astype("float64").to_numpy()  # drawing only
        x = np.arange(len(table))
        bars = ax.bar(x, residual, color=np.where(residual < 0, "#d7191c", "#2c7bb6"))
        ax.bar_label(bars, labels=[f"{k:,}" for k in table["first_divergences"]], fontsize=8)
        ax.set_xticks(x, table["month"].astype(str).tolist(), rotation=45, ha="right")
        ax.axhline(0, color="#555", linewidth=0.8)
        ax.set_ylabel("observed − yibao fund payment (yuan)")
        ax.set_title(
            f"Back-test under {self.policy.region}: residual per month "
            "(labels: member-years that first diverge)"
        )
        ax.grid(True, axis="y", alpha=0.3)
        return ax


def backtest(
    extract: pd.DataFrame | Extract,
    policy: str | Policy,
    *,
    year_by: YearBy = "settlement",
    level_from: LevelFrom = "hosp_lv",
    codes: Mapping[str, Mapping[Any, Any]] | None = None,
    home: str | None = None,
    unpriced: Unpriced = "set_aside",
    threads: int | None = None,
) -> Backtest:
    """Back-test a policy against a settlement extract: what yibao pays beside what was paid.

    Parameters
    ----------
    extract
        A settlement extract with NHSA field names (see :func:`yibao.nhsa.read_extract`,
        whose ``year_by``, ``level_from``, ``codes`` and ``home`` are passed on), sorted any
        way, or an :class:`~yibao.nhsa.Extract` already read.
    policy
        A region key, policy file or :class:`Policy`.
    year_by
        ``"settlement"`` (default) accumulates deductibles and caps by settlement date, in
        settlement order, as the platform does; ``"service"`` by the visit's start date.
    unpriced
        ``"set_aside"`` (default): rows the policy cannot price (a service without parameters,
        a date before its first version, a pharmacy row without a prescriber level) are left
        out and counted in ``set_aside``; ``"raise"``: adjudication raises on them.
    threads
        As for :func:`yibao.adjudicate`.

    Returns
    -------
    Backtest

    Examples
    --------
    >>> import yibao
    >>> raw, planted = yibao.nhsa.synthetic_extract(400, seed=3, plant=False)
    >>> bt = yibao.backtest(raw, "chongqing")
    >>> bool(bt.summary()["exact_share"].iloc[0] == 1.0)
    True
    """
    from .adjudicate import adjudicate

    pol = as_policy(policy)
    if isinstance(extract, Extract):
        ext = extract
        if ext.year_by != year_by:
            raise ValueError(
                f"the extract was read with year_by={ext.year_by!r}, not {year_by!r}: "
                "read it again, or pass the raw extract"
            )
    else:
        ext = read_extract(
            extract,
            year_by=year_by,
            region=pol.region,
            home=home,
            level_from=level_from,
            codes=codes,
        )
    claims = ext.claims
    observed = ext.observed_fen
    report = list(ext.set_aside.to_dict("records"))
    kept = None
    if unpriced == "set_aside":
        aside = _set_aside_unpriced(claims, pol, report)
        if aside.all() and len(claims):
            raise MissingParameterError(
                f"{pol.region}: no row of the extract can be priced: "
                + "; ".join(r["reason"] for r in report if r["step"] == "policy")
            )
        if aside.any():
            kept = np.flatnonzero(~aside)
            observed = {k: v[kept] for k, v in observed.items()}
    elif unpriced != "raise":
        raise ValueError(f"unpriced must be 'set_aside' or 'raise', got {unpriced!r}")
    for need in ("observed_deductible", "observed_fund_paid"):
        if need not in observed:
            raise InputError(f"the extract has no {need}", column=need)
    # Only yibao's inputs go through adjudication (a narrow frame: cheap to filter and copy).
    inputs = claims[[c for c in _INPUTS if c in claims.columns]]
    if "member_code" in claims.columns:  # the same people, as dense integers: cheaper to group
        inputs = inputs.assign(member_id=claims["member_code"])
    if kept is not None:
        inputs = inputs.iloc[kept]
    out = adjudicate(inputs, pol, threads=threads, money="fen")
    set_aside = pd.DataFrame(report, columns=["step", "reason", "rows"])
    return Backtest(claims, kept, out, observed, pol, ext.year_by, set_aside)
