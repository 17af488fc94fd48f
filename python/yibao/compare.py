"""``yibao.compare``: the same claims adjudicated under several policies, side by side.

A researcher's question is rarely "what does Chongqing pay?" but "what would each region pay
for *these* claims, and for whom?". :func:`compare` runs the engine once per policy and
keeps the results as integer fen, so every amount in :meth:`Comparison.summary` and
:meth:`Comparison.binding` is an exact decimal sum (never a float sum). Shares and ratios
are floats: they are not money.

Nothing here re-implements a rule: every number comes from :func:`yibao.adjudicate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._arrow_input import ArrowStream, arrow_frame, arrow_table, is_arrow_claims
from ._claims import MAX_AMOUNT_FEN
from ._money import fen_to_money, to_fen
from ._schema import BINDINGS, MONEY_OUTPUTS, RULE_CODES_PER_VERSION, RULE_FLAGS
from .adjudicate import adjudicate, adjudicate_with_codes, as_policy, rule_label
from .errors import AmountOverflowError, MissingParameterError, NoVersionInForceError, PolicyError
from .policy import Policy, regions

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "BINDING_ORDER",
    "Comparison",
    "binding_of_flags",
    "compare",
    "flags_of_codes",
    "outpatient_regions",
    "rule_flags",
]

# The core's rule flags (schema.toml).
FLAG_BITS: dict[str, int] = dict(RULE_FLAGS)

BINDING_ORDER: tuple[str, ...] = ("nothing eligible", *(name for name, _ in BINDINGS))
"""Binding limits from the least to the most restrictive (see :meth:`Comparison.binding`)."""

_MONEY_SUMS = ("eligible", "deductible", "fund_paid", "self_pay", "capped")
# A policy with this version key has a supplementary fund: its summaries show supplementary_paid.
_SUPPLEMENTARY_KEY = "supplementary_cap"


# --- policies ---------------------------------------------------------------------------------


def _named_policies(
    policies: str | Policy | Sequence[str | Policy] | Mapping[str, str | Policy],
) -> dict[str, Policy]:
    """``{name: Policy}`` from keys, Policies, or a mapping of display names to either."""
    if isinstance(policies, (str, Policy)):
        policies = [policies]
    if isinstance(policies, Mapping):
        items = [(str(name), as_policy(p)) for name, p in policies.items()]
    else:
        items = []
        for p in policies:
            pol = as_policy(p)
            items.append((pol.region, pol))
    if not items:
        raise ValueError("compare() needs at least one policy")
    names = [name for name, _ in items]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(
            f"two policies are named {duplicated}: pass a mapping {{name: policy}} to tell "
            "them apart (e.g. {'jining': 'jining', 'jining 3000': reform})"
        )
    return dict(items)


def outpatient_regions(
    keys: Iterable[str] | None = None, *, on: dt.date | None = None
) -> tuple[list[str], dict[str, str]]:
    """Bundled regions whose general-outpatient rules can be adjudicated, and why others can't.

    Each region is probed through the engine with one general-outpatient claim on the first
    day of every version (or on ``on``); a region whose text gives no general-outpatient
    parameters (e.g. ``inner_mongolia``) raises :class:`~yibao.MissingParameterError` and is
    reported with the reason.

    Parameters
    ----------
    keys
        Region keys to probe; default all bundled regions (:func:`yibao.regions`).
    on
        Probe only this service date (e.g. a date in the data's year); a region with no
        version in force then is skipped with that reason.

    Returns
    -------
    usable : list of str
        Region keys that adjudicate general-outpatient claims.
    skipped : dict
        ``{region: reason}`` for the others, the reason in one sentence.

    Examples
    --------
    >>> usable, skipped = outpatient_regions()
    >>> "inner_mongolia" in skipped
    True
    """
    usable: list[str] = []
    skipped: dict[str, str] = {}
    for key in regions() if keys is None else list(keys):
        policy = as_policy(key)
        days = [on] if on is not None else [v.effective for v in policy.versions]
        probe = pd.DataFrame(
            {
                "member_id": np.arange(len(days)),
                "date": pd.to_datetime(pd.Series(days)),
                "level": 1,
                "eligible": 100,
                "status": "in_service",
                "service": "general",
                "tier": "employer",
                "institution_id": "probe",
            }
        )
        try:
            adjudicate(probe, policy, threads=1)
        except MissingParameterError:
            skipped[key] = _missing_reason(policy)
        except (NoVersionInForceError, PolicyError) as exc:
            skipped[key] = str(exc)
        else:
            usable.append(key)
    return usable, skipped


def _missing_reason(policy: Policy) -> str:
    """One sentence on which general-outpatient parameters the source text lacks."""
    table = policy.describe()
    missing = table[table["missing"].notna()]
    general = missing[missing["parameter"].str.startswith(("pools.general", "services.general"))]
    rows = general if len(general) else missing
    if not len(rows):
        return "its general-outpatient parameters are missing"
    first = rows.iloc[0]
    text = str(first["missing"]).split(". ")[0].split(": ")[0].rstrip(".")
    return (
        f"no general-outpatient rules in its source text ({first['parameter']} missing: {text}); "
        "supply them with Policy.replace to include it"
    )


# --- rule flags -------------------------------------------------------------------------------


def flags_of_codes(codes: np.ndarray) -> np.ndarray:
    """The rule-flag bits of each row from the kernel's rule codes (the structured result).

    >>> flags_of_codes(np.array([3, 256 + 5], dtype=np.uint16)).tolist()
    [3, 5]
    """
    return np.asarray(np.asarray(codes) % RULE_CODES_PER_VERSION, dtype=np.uint8)


def _labels_to_flags(policy: Policy) -> dict[str, int]:
    """Every label the engine can give a row under ``policy`` → its flag bits.

    The inverse of :func:`yibao.adjudicate.rule_label` over every set of flags of every
    version; a label that two sets share (a policy giving two flags one text) stands for both.
    """
    every = 0
    for _, bit in RULE_FLAGS:
        every |= bit
    by_label: dict[str, int] = {}
    for labels in policy.rule_labels():
        flags = every
        while True:  # every subset of `every`, down to 0
            label = rule_label(labels, flags)
            by_label[label] = by_label.get(label, 0) | flags
            if flags == 0:
                break
            flags = (flags - 1) & every
    return by_label


def rule_flags(rule: pd.Series, policy: Policy) -> np.ndarray:
    """The core's rule-flag bits of each row, from the ``rule`` labels.

    Works on the categories (a handful of labels), never row by row: each label such as
    ``"CQ-4 deductible + CQ-5 rate"`` is looked up among the labels the engine makes under
    the policy. (``yibao.compare`` itself reads the flags from the kernel's rule codes; this
    is for a ``rule`` column kept without them.)

    Parameters
    ----------
    rule
        The ``rule`` column returned by :func:`yibao.adjudicate` under ``policy``.
    policy
        The policy that produced it.

    Returns
    -------
    numpy.ndarray
        ``uint8`` bits per row (``deductible=1, rate=2, visit_cap=4, annual_cap=8,
        overall_cap=16, prescriber=32``).
    """
    by_label = _labels_to_flags(policy)
    categorical = pd.Categorical(rule).remove_unused_categories()
    lookup = np.zeros(len(categorical.categories) + 1, dtype=np.uint8)
    for i, label in enumerate(categorical.categories):
        if str(label) not in by_label:
            raise ValueError(f"rule label {str(label)!r} is not one of {policy.region}'s rules")
        lookup[i] = by_label[str(label)]
    codes = np.asarray(categorical.codes, dtype=np.int64)
    return np.asarray(lookup[codes])  # code -1 (missing) reads the trailing 0


def binding_of_flags(flags: np.ndarray) -> np.ndarray:
    """Index into :data:`BINDING_ORDER` of the most restrictive limit each flag set shows."""
    flags = np.asarray(flags)
    out = np.zeros(len(flags), dtype=np.int8)
    for rank, (_, bit) in enumerate(BINDINGS, start=1):  # a later limit overrides
        out[(flags & bit) != 0] = rank
    return out


def _binding_categorical(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(BINDING_ORDER), ordered=True)


# --- the comparison ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """One policy's results, in integer fen, aligned with the input rows."""

    deductible: np.ndarray
    fund_paid: np.ndarray
    supplementary_paid: np.ndarray
    self_pay: np.ndarray
    capped: np.ndarray
    ytd_fund_paid: np.ndarray
    rule: pd.Categorical
    flags: np.ndarray


def compare(
    claims: pd.DataFrame | ArrowStream,
    policies: str | Policy | Sequence[str | Policy] | Mapping[str, str | Policy],
    members: pd.DataFrame | None = None,
    **adjudicate_options: Any,
) -> Comparison:
    """Adjudicate the same claims under several policies.

    Parameters
    ----------
    claims
        Claims as for :func:`yibao.adjudicate` (docs/design.md §3): a pandas frame or Arrow
        data (read in place; :attr:`Comparison.claims` is then a pandas view of it).
    policies
        Region keys, :class:`~yibao.Policy` objects (e.g. reforms made with
        :meth:`~yibao.Policy.replace`), or a mapping ``{display name: policy}``. Names default
        to each policy's ``region``.
    members
        Optional member table, passed to :func:`yibao.adjudicate`; its columns can also be
        used as groups in :meth:`Comparison.summary` (``by="tier"``).
    **adjudicate_options
        ``rounding``, ``unit`` or ``threads``, passed to :func:`yibao.adjudicate`.

    Returns
    -------
    Comparison
        Results per policy, with :attr:`~Comparison.claims`, :meth:`~Comparison.summary`,
        :meth:`~Comparison.binding` and plots.

    Raises
    ------
    MissingParameterError
        If a policy lacks a parameter that these claims need (e.g. ``inner_mongolia``, whose
        text sets no general-outpatient parameters); see :func:`outpatient_regions`.

    Examples
    --------
    >>> from yibao.compare import compare
    >>> from yibao.datasets import synthetic
    >>> _, claims = synthetic(members=50, seed=1)
    >>> cmp = compare(claims, ["chongqing", "jining"])
    >>> cmp.summary()["policy"].tolist()
    ['chongqing', 'jining']
    """
    if "money" in adjudicate_options:
        raise TypeError("compare() keeps exact fen internally; 'money' is not an option here")
    if is_arrow_claims(claims):  # a pyarrow Table, polars, DuckDB: read in place, once
        claims = arrow_frame(arrow_table(claims))
    named = _named_policies(policies)
    runs: dict[str, _Run] = {}
    for name, policy in named.items():
        out, codes = adjudicate_with_codes(
            claims, policy, members=members, money="fen", **adjudicate_options
        )
        flags = flags_of_codes(codes)
        fen = {c: np.asarray(out[c].to_numpy(), dtype=np.int64) for c in MONEY_OUTPUTS}
        runs[name] = _Run(**fen, rule=pd.Categorical(out["rule"]), flags=flags)
    return Comparison(claims, named, runs, members, adjudicate_options)


class Comparison:
    """The results of :func:`compare`: one adjudication of the same claims per policy.

    Attributes
    ----------
    policies : dict
        ``{name: Policy}`` in the order given.
    input : pandas.DataFrame
        The claims as passed (not copied, not modified).
    members : pandas.DataFrame or None
        The member table, if given.
    """

    def __init__(
        self,
        claims: pd.DataFrame,
        policies: dict[str, Policy],
        runs: dict[str, _Run],
        members: pd.DataFrame | None,
        options: Mapping[str, Any],
    ) -> None:
        self.input = claims
        self.policies = policies
        self.members = members
        self._runs = runs
        self._options = dict(options)

    def __repr__(self) -> str:
        names = ", ".join(self.policies)
        n = len(self.input)
        return f"<Comparison of {n:,} claims under {len(self.policies)} policies: {names}>"

    @property
    def names(self) -> list[str]:
        """Policy names, in order."""
        return list(self.policies)

    # -- long table ------------------------------------------------------------------------
    @cached_property
    def claims(self) -> pd.DataFrame:
        """One row per policy × claim: ``policy``, the input columns, then the outputs.

        Money outputs are exact ``decimal128(18, 2)``; ``binding`` is the most restrictive
        limit that decided the row (see :data:`BINDING_ORDER`).
        """
        n = len(self.input)
        frames = []
        for name, run in self._runs.items():
            frame = self.input.reset_index(drop=True).copy(deep=False)
            frame.insert(0, "policy", name)
            for col in MONEY_OUTPUTS:
                frame[col] = fen_to_money(getattr(run, col))
            frame["rule"] = run.rule.astype(str)
            frame["binding"] = _binding_categorical(binding_of_flags(run.flags))
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True)
        out["policy"] = pd.Categorical(out["policy"], categories=self.names)
        out["rule"] = out["rule"].astype("category")
        out.insert(1, "row", np.tile(np.arange(n), len(self._runs)))
        return out

    # -- helpers ---------------------------------------------------------------------------
    @cached_property
    def _eligible(self) -> np.ndarray:
        run = next(iter(self._runs.values()))
        # exact: fund_paid + supplementary_paid + self_pay == eligible on every row
        return np.asarray(run.fund_paid + run.supplementary_paid + run.self_pay, dtype=np.int64)

    @cached_property
    def _total(self) -> np.ndarray | None:
        if "total" not in self.input.columns:
            return None
        return to_fen(
            self.input["total"],
            "total",
            rounding=self._options.get("rounding"),
            unit=self._options.get("unit", "yuan"),
        )

    def _groups(self, by: str | Sequence[str] | None) -> list[tuple[str, pd.Categorical]]:
        """``[(name, values per claim row)]`` for the grouping columns."""
        if by is None:
            return []
        names = [by] if isinstance(by, str) else list(by)
        return [(name, self._group_values(name)) for name in names]

    def _group_values(self, name: str) -> pd.Categorical:
        """A group column per claim row, as a categorical (factorized once, then cached)."""
        cache: dict[str, pd.Categorical] = self.__dict__.setdefault("_group_cache", {})
        if name not in cache:
            if name in self.input.columns:
                values = self.input[name]
            elif self.members is not None and name in self.members.columns:
                table = self.members.drop_duplicates("member_id").set_index("member_id")[name]
                values = table.reindex(self.input["member_id"].to_numpy())
            else:
                raise KeyError(f"group column {name!r} is neither in the claims nor in the members")
            cache[name] = pd.Categorical(values)
        return cache[name]

    def _row_frame(self, name: str, by: str | Sequence[str] | None) -> pd.DataFrame:
        run = self._runs[name]
        data: dict[str, Any] = {g: v for g, v in self._groups(by)}
        data["member_id"] = self.input["member_id"].to_numpy()
        data["eligible"] = self._eligible
        for col in self._money_columns()[1:]:
            if col not in ("total", "out_of_pocket"):
                data[col] = getattr(run, col)
        if self._total is not None:
            data["total"] = self._total
            data["out_of_pocket"] = self._total - run.fund_paid - run.supplementary_paid
        data["binding"] = binding_of_flags(run.flags)
        data["visit_cap_hit"] = (run.flags & FLAG_BITS["visit_cap"]) != 0
        return pd.DataFrame(data)

    # -- per member ------------------------------------------------------------------------
    def by_member(self, by: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Annual totals per policy × member (× group), with the member's binding limit.

        Parameters
        ----------
        by
            Optional group column(s) of the claims or the members; a member whose group
            changes during the year (e.g. ``status`` on retirement) has one row per group.

        Returns
        -------
        pandas.DataFrame
            ``policy``, the groups, ``member_id``, ``claims``, exact decimal ``eligible``,
            ``deductible``, ``fund_paid``, ``self_pay``, ``capped`` (and ``total``,
            ``out_of_pocket`` when the claims have ``total``), and ``binding``: the most
            restrictive limit reached in the member's year (categorical, ordered as
            :data:`BINDING_ORDER`).
        """
        groups = [g for g, _ in self._groups(by)]
        frames = []
        for name in self.names:
            frame = self._member_fen(name, by)
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True)
        out["policy"] = pd.Categorical(out["policy"], categories=self.names)
        for col in self._money_columns():
            out[col] = fen_to_money(out[col].to_numpy(dtype=np.int64))
        out["binding"] = _binding_categorical(out["binding"].to_numpy(dtype=np.int8))
        return out[["policy", *groups, "member_id", "claims", *self._money_columns(), "binding"]]

    @cached_property
    def _has_supplementary(self) -> bool:
        """Whether some policy has a supplementary (大额) fund (docs/design.md §6b)."""
        return any(_SUPPLEMENTARY_KEY in v.tree for p in self.policies.values() for v in p.versions)

    def _money_columns(self) -> list[str]:
        cols = list(_MONEY_SUMS)
        if self._has_supplementary:
            cols.insert(cols.index("fund_paid") + 1, "supplementary_paid")
        if self._total is not None:
            cols += ["total", "out_of_pocket"]
        return cols

    def _member_fen(self, name: str, by: str | Sequence[str] | None) -> pd.DataFrame:
        """Per-member int64 fen sums for one policy (internal, exact)."""
        rows = self._row_frame(name, by)
        keys = [*(g for g, _ in self._groups(by)), "member_id"]
        sums = {c: "sum" for c in self._money_columns()}
        grouped = rows.groupby(keys, sort=True, observed=True, dropna=False)
        out = grouped.agg(
            **{c: (c, how) for c, how in sums.items()},
            binding=("binding", "max"),
            visit_cap_hit=("visit_cap_hit", "any"),
        )
        out.insert(0, "claims", grouped.size())
        _check_sums(out, grouped, self._money_columns(), f"policy {name!r}")
        out = out.reset_index()
        out.insert(0, "policy", name)
        return out

    # -- summary ---------------------------------------------------------------------------
    def summary(self, by: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Fund cost and member burden per policy, or per policy × group.

        Parameters
        ----------
        by
            Optional group column(s): any column of the claims (``status``, ``tier``,
            ``level``, ``service``) or of the member table.

        Returns
        -------
        pandas.DataFrame
            One row per policy (× group) with:

            - ``claims``, ``members``: rows and distinct members;
            - ``eligible``, ``deductible``, ``fund_paid``, ``self_pay``, ``capped``: exact
              decimal sums (yuan), and ``supplementary_paid`` (the 大额 fund above the
              overall limit) when some policy has a supplementary fund; with a ``total``
              column also ``total`` and ``out_of_pocket`` (``total - fund_paid -
              supplementary_paid``, the member's cash burden);
            - ``fund_share``: ``fund_paid / eligible`` (float);
            - ``fund_paid_per_member``, ``self_pay_per_member``: exact means rounded half-up to
              the fen;
            - ``members_past_deductible``: members with any fund payment (the deductible was
              met); ``members_at_cap``: members for whom an annual (or overall) cap withheld
              payment; ``members_at_visit_cap``: members for whom a per-visit cap did;
            - ``share_at_cap``: ``members_at_cap / members`` (float).
            A member whose group changes in the year is counted in each group.

        Examples
        --------
        >>> from yibao.compare import compare
        >>> from yibao.datasets import synthetic
        >>> _, claims = synthetic(members=50, seed=1)
        >>> s = compare(claims, ["chongqing", "jining"]).summary(by="status")
        >>> list(s.columns[:3])
        ['policy', 'status', 'claims']
        """
        groups = [g for g, _ in self._groups(by)]
        money = self._money_columns()
        frames = []
        for name in self.names:
            member = self._member_fen(name, by)
            member["past_deductible"] = member["fund_paid"] > 0
            member["at_cap"] = member["binding"] >= BINDING_ORDER.index("annual cap")
            member["at_visit_cap"] = member["visit_cap_hit"]
            if groups:
                grouped = member.groupby(groups, sort=True, observed=True, dropna=False)
            else:
                grouped = member.groupby(np.zeros(len(member), dtype=np.int8))
            agg = grouped.agg(
                claims=("claims", "sum"),
                members=("member_id", "size"),
                **{c: (c, "sum") for c in money},
                members_past_deductible=("past_deductible", "sum"),
                members_at_cap=("at_cap", "sum"),
                members_at_visit_cap=("at_visit_cap", "sum"),
            )
            _check_sums(agg, grouped, money, f"policy {name!r}")
            agg = agg.reset_index() if groups else agg.reset_index(drop=True)
            if not len(member) and not groups:  # no claims at all
                agg = pd.DataFrame({c: [0] for c in agg.columns})
            agg.insert(0, "policy", name)
            frames.append(agg)
        out = pd.concat(frames, ignore_index=True)
        eligible = out["eligible"].to_numpy(dtype=np.int64)
        fund = out["fund_paid"].to_numpy(dtype=np.int64)
        n_members = out["members"].to_numpy(dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            fund_share = np.where(eligible > 0, fund / np.maximum(eligible, 1), np.nan)
            at_cap = out["members_at_cap"].to_numpy(dtype=np.float64)
            share_at_cap = np.where(n_members > 0, at_cap / np.maximum(n_members, 1), np.nan)
        per_member = {
            "fund_paid_per_member": _mean_half_up(fund, n_members),
            "self_pay_per_member": _mean_half_up(
                out["self_pay"].to_numpy(dtype=np.int64), n_members
            ),
        }
        for col in money:
            out[col] = fen_to_money(out[col].to_numpy(dtype=np.int64))
        out["fund_share"] = fund_share
        for col, values in per_member.items():
            out[col] = fen_to_money(values)
        out["share_at_cap"] = share_at_cap
        out["policy"] = pd.Categorical(out["policy"], categories=self.names)
        counts = ("members_past_deductible", "members_at_cap", "members_at_visit_cap")
        for col in ("claims", "members", *counts):
            out[col] = out[col].astype(np.int64)
        order = [
            "policy",
            *groups,
            "claims",
            "members",
            *money,
            "fund_share",
            "fund_paid_per_member",
            "self_pay_per_member",
            "members_past_deductible",
            "members_at_cap",
            "members_at_visit_cap",
            "share_at_cap",
        ]
        return out[order]

    # -- binding limits --------------------------------------------------------------------
    def binding(self, by: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Which limit bound each member's year: share of members and of spending.

        A member's binding limit is the most restrictive one reached during the year, in the
        order of :data:`BINDING_ORDER`: ``"deductible"`` (spending never passed the
        deductible: the fund paid nothing), ``"rate"`` (the fund paid at the rate and no cap
        withheld anything), ``"visit cap"`` (a per-visit cap withheld payment, the annual cap
        was not reached), ``"annual cap"``, ``"overall cap"``; ``"nothing eligible"`` for
        members whose eligible amounts are all zero.

        Parameters
        ----------
        by
            Optional group column(s), as in :meth:`summary`.

        Returns
        -------
        pandas.DataFrame
            One row per policy (× group) × binding limit: ``members``, ``member_share``
            (float), exact decimal ``eligible`` and ``fund_paid`` of those members, and
            ``spending_share`` (their share of the eligible spending, float).
        """
        groups = [g for g, _ in self._groups(by)]
        member = pd.concat([self._member_fen(name, by) for name in self.names], ignore_index=True)
        member["policy"] = pd.Categorical(member["policy"], categories=self.names)
        member["binding"] = _binding_categorical(member["binding"].to_numpy(dtype=np.int8))
        keys = ["policy", *groups, "binding"]
        out = (
            member.groupby(keys, sort=True, observed=False, dropna=False)
            .agg(
                members=("member_id", "size"),
                eligible=("eligible", "sum"),
                fund_paid=("fund_paid", "sum"),
            )
            .reset_index()
        )
        totals = out.groupby(["policy", *groups], observed=False, dropna=False)
        n_all = totals["members"].transform("sum").to_numpy(dtype=np.float64)
        e_all = totals["eligible"].transform("sum").to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["member_share"] = out["members"].to_numpy(dtype=np.float64) / n_all
            out["spending_share"] = out["eligible"].to_numpy(dtype=np.float64) / e_all
        out["eligible"] = fen_to_money(out["eligible"].to_numpy(dtype=np.int64))
        out["fund_paid"] = fen_to_money(out["fund_paid"].to_numpy(dtype=np.int64))
        out["members"] = out["members"].astype(np.int64)
        return out[[*keys, "members", "member_share", "eligible", "fund_paid", "spending_share"]]

    # -- plots -----------------------------------------------------------------------------
    def plot_fund(self, by: str | None = None, ax: Axes | None = None) -> Axes:
        """Bar chart of the fund's payments per policy (× group); see :mod:`yibao.plots`."""
        from .plots import plot_fund

        return plot_fund(self, by=by, ax=ax)

    def plot_out_of_pocket(self, by: str | None = "status", ax: Axes | None = None) -> Axes:
        """Distribution of members' annual self-pay per policy (× group)."""
        from .plots import plot_out_of_pocket

        return plot_out_of_pocket(self, by=by, ax=ax)

    def plot_binding(self, ax: Axes | None = None) -> Axes:
        """Stacked bars: share of members by binding limit, per policy."""
        from .plots import plot_binding

        return plot_binding(self, ax=ax)


def _check_sums(out: pd.DataFrame, grouped: Any, columns: list[str], what: str) -> None:
    """Make ``out``'s int64 group sums of ``columns`` exact, or raise: never a wrapped sum.

    A group's sum cannot wrap when its count times its largest magnitude fits decimal(18, 2)
    (every output's dtype, far inside int64); other groups are summed again in Python ints,
    and a sum beyond decimal(18, 2) is an ``AmountOverflowError`` naming the column.
    """
    for column in columns:
        values = grouped[column]
        largest = np.maximum(
            np.abs(values.max().to_numpy(dtype=np.float64)),
            np.abs(values.min().to_numpy(dtype=np.float64)),
        )
        risky = largest * values.size().to_numpy(dtype=np.float64) > MAX_AMOUNT_FEN
        if not risky.any():
            continue
        exact = values.agg(lambda part: sum(int(v) for v in part))  # error path only
        beyond = [abs(int(v)) > MAX_AMOUNT_FEN for v in exact]
        if any(beyond):
            at = beyond.index(True)
            key = exact.index[at]
            names = [n for n in exact.index.names if n is not None]
            values = [
                getattr(v, "item", lambda v=v: v)() for v in (key if len(names) > 1 else [key])
            ]
            where = f" for {dict(zip(names, values, strict=True))}" if names else ""
            raise AmountOverflowError(
                f"the sum of {column}{where} under {what} is {Decimal(int(exact.iloc[at])) / 100} "
                "yuan, beyond decimal(18, 2) (16 integer digits of yuan)",
                column=column,
            )
        out[column] = exact.astype(np.int64).to_numpy()


def _mean_half_up(total_fen: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Exact integer mean in fen, rounded half-up (totals are non-negative)."""
    total_fen = np.asarray(total_fen, dtype=np.int64)
    count = np.asarray(count, dtype=np.int64)
    safe = np.maximum(count, 1)
    mean = (2 * total_fen + safe) // (2 * safe)
    return np.where(count > 0, mean, 0)
