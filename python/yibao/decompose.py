"""``yibao.decompose``: why two policies pay differently on the same claims, lever by lever.

The gap in fund payment (and in the members' self-pay) between a ``base`` and an ``other``
policy is split into *levers* (the deductible, the rates, the caps, ...) by exact Shapley
values: every subset of levers is switched from ``base`` to ``other`` and the claims are
adjudicated once per subset (2^k runs for k levers, the claims converted once). A lever's
share is the average, over every order of switching the levers one by one, of what
switching it changes. So the result does not depend on the order in which levers are
listed, the shares add up to the whole gap, and ``decompose(a, b)`` is exactly the negative
of ``decompose(b, a)``. Stacked "reform steps", as microsimulation tools report them, have
none of these properties.

Switching a lever replaces that part of ``base``'s parameter tree by ``other``'s (or removes
it where ``other`` has none). Policies with several dated versions are aligned on every date
on which either starts a version (from the first date both are in force): a mixed policy
has a version from each such date, made of ``base``'s version in force then with the lever's
parts taken from ``other``'s version in force then.

Rounding: the Shapley values are exact rationals (weights s!(k-s-1)!/k! on sums of fen).
Each is rounded to the nearest fen (halves toward zero); the fen still missing to reach the
exact total gap (at most k/2 of them) go one each to the levers whose rounding moved them
furthest from their exact value in the other direction, ties by lever name. Every result is
then its exact value rounded down or up, the contributions add up to the gap exactly, the
rule does not see the order of the levers, and negating every exact value negates the
result. With ``by``, this is done within each group, so each group's contributions add up
to that group's gap; a lever's total is then the sum over groups.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._levers import MECHANISMS, Lever, default_levers, mixed, user_levers
from ._many import Converted, adjudicate_converted, convert_once, group_codes, group_sums
from ._money import Rounding, Unit, fen_to_money
from .adjudicate import as_policy
from .policy import Policy

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "MAX_LEVERS",
    "MECHANISMS",
    "Decomposition",
    "Lever",
    "apportion",
    "decompose",
    "default_levers",
]

MAX_LEVERS = 12
"""At most 2^12 = 4,096 adjudications."""
_MEASURES = ("fund_paid", "self_pay")


# --- Shapley values and the fen ---------------------------------------------------------------


def _shapley(values: Sequence[int], k: int) -> list[Fraction]:
    """Exact Shapley values of the k players of a game given on every bit mask."""
    weight = [
        Fraction(math.factorial(s) * math.factorial(k - s - 1), math.factorial(k)) for s in range(k)
    ]
    out = []
    for i in range(k):
        bit = 1 << i
        total = Fraction(0)
        for mask in range(1 << k):
            if not mask & bit:
                total += weight[mask.bit_count()] * (values[mask | bit] - values[mask])
        out.append(total)
    return out


def _half_toward_zero(x: Fraction) -> int:
    n = math.floor(abs(x) + Fraction(1, 2))
    if abs(x) - math.floor(abs(x)) == Fraction(1, 2):
        n -= 1
    return n if x >= 0 else -n


def apportion(exact: Mapping[str, Fraction], total: int) -> dict[str, int]:
    """Whole fen for exact shares that add up to ``total``, the sum kept exactly.

    Each share goes to its nearest fen (halves toward zero); the fen still missing go one
    each to the shares whose rounding moved them furthest the other way (ties by name).
    Each result is its share rounded down or up; negating every share and the total
    negates the result; the order of ``exact`` does not matter.

    Examples
    --------
    >>> apportion({"a": Fraction(1, 3), "b": Fraction(1, 3), "c": Fraction(1, 3)}, 1)
    {'a': 1, 'b': 0, 'c': 0}
    >>> apportion({"a": Fraction(-1, 3), "b": Fraction(-1, 3), "c": Fraction(-1, 3)}, -1)
    {'a': -1, 'b': 0, 'c': 0}
    """
    if sum(exact.values(), Fraction(0)) != total:
        raise ValueError(f"the shares add up to {sum(exact.values())}, not {total}")
    rounded = {name: _half_toward_zero(x) for name, x in exact.items()}
    left = total - sum(rounded.values())
    if left:
        step = 1 if left > 0 else -1
        # furthest in the direction of the step first; a name breaks ties the same either way
        order = sorted(exact, key=lambda n: (-step * (exact[n] - rounded[n]), n))
        for name in order[: abs(left)]:
            rounded[name] += step
    return rounded


# --- the result -------------------------------------------------------------------------------


class Decomposition:
    """The result of :func:`decompose`.

    Attributes
    ----------
    base, other : Policy
        The two policies.
    levers : list of Lever
        The levers, each with the parts of the trees it switches.
    by : str or None
        The group column, if any.
    groups : list
        The group labels (``["all"]`` without ``by``).
    exact : dict
        ``{measure: {(group, lever name): Fraction}}``: the exact Shapley values in fen, for
        ``measure`` in ``fund_paid`` and ``self_pay``.
    totals : dict
        ``{measure: {group: (base fen, other fen)}}``.
    """

    def __init__(
        self,
        base: Policy,
        other: Policy,
        levers: list[Lever],
        by: str | None,
        groups: list[Any],
        games: Mapping[str, list[list[int]]],
    ) -> None:
        self.base, self.other, self.levers, self.by, self.groups = base, other, levers, by, groups
        k = len(levers)
        self.exact: dict[str, dict[tuple[Any, str], Fraction]] = {}
        self.totals: dict[str, dict[Any, tuple[int, int]]] = {}
        self._fen: dict[str, dict[tuple[Any, str], int]] = {}
        for measure in _MEASURES:
            exact, fen, totals = {}, {}, {}
            for g, group in enumerate(groups):
                values = [games[measure][mask][g] for mask in range(1 << k)]
                totals[group] = (values[0], values[-1])
                shares = dict(zip([lv.name for lv in levers], _shapley(values, k), strict=True))
                for name, whole in apportion(shares, values[-1] - values[0]).items():
                    exact[(group, name)] = shares[name]
                    fen[(group, name)] = whole
            self.exact[measure], self._fen[measure], self.totals[measure] = exact, fen, totals

    def __repr__(self) -> str:
        names = ", ".join(lv.name for lv in self.levers)
        return f"<Decomposition {self.base.region} -> {self.other.region}: {names}>"

    def gap(self, measure: str = "fund_paid") -> int:
        """The whole gap in fen, ``other - base`` (all groups)."""
        return sum(o - b for b, o in self.totals[measure].values())

    def table(self) -> pd.DataFrame:
        """Contributions per lever (per group with ``by``), exact decimal yuan.

        Columns: the group column (with ``by``), ``lever``, ``parameters`` (the parts of the
        trees it switches), ``fund_paid`` and ``self_pay`` (each lever's share of
        ``other - base``). Each group's contributions add up to its gap exactly.
        """
        rows: dict[str, list[Any]] = {"lever": [], "parameters": []}
        groups: list[Any] = []
        fen: dict[str, list[int]] = {m: [] for m in _MEASURES}
        for group in self.groups:
            for lever in self.levers:
                groups.append(group)
                rows["lever"].append(lever.name)
                rows["parameters"].append(", ".join(lever.paths))
                for m in _MEASURES:
                    fen[m].append(self._fen[m][(group, lever.name)])
        out = pd.DataFrame(rows)
        if self.by is not None:
            out.insert(0, self.by, groups)
        for m in _MEASURES:
            out[m] = fen_to_money(np.asarray(fen[m], dtype=np.int64))
        return out

    def summary(self) -> pd.DataFrame:
        """Per group (or ``all``): base and other totals and the gap, exact decimal yuan."""
        cols: dict[str, list[int]] = {}
        for m in _MEASURES:
            cols[f"{m}_base"] = [self.totals[m][g][0] for g in self.groups]
            cols[f"{m}_other"] = [self.totals[m][g][1] for g in self.groups]
            cols[f"{m}_gap"] = [self.totals[m][g][1] - self.totals[m][g][0] for g in self.groups]
        out = pd.DataFrame({self.by or "group": self.groups})
        for name, values in cols.items():
            out[name] = fen_to_money(np.asarray(values, dtype=np.int64))
        return out

    def plot(self, measure: str = "fund_paid", ax: Axes | None = None) -> Axes:
        """Waterfall: ``base``'s total, each lever's contribution, ``other``'s total."""
        from .plots import _axes

        ax = _axes(ax)
        base = sum(b for b, _ in self.totals[measure].values()) / 100
        other = sum(o for _, o in self.totals[measure].values()) / 100
        steps = [
            sum(self._fen[measure][(g, lv.name)] for g in self.groups) / 100 for lv in self.levers
        ]
        labels = [self.base.region, *(lv.name for lv in self.levers), self.other.region]
        level = base
        ax.bar(0, base, color="#777777")
        for i, step in enumerate(steps, start=1):
            color = "#2b83ba" if step >= 0 else "#d7191c"
            ax.bar(i, step, bottom=level, color=color)
            ax.text(i, level + max(step, 0), f"{step:+,.0f}", ha="center", va="bottom", fontsize=8)
            level += step
        ax.bar(len(steps) + 1, other, color="#777777")
        ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
        ax.set_ylabel(f"{measure} (yuan)")
        ax.set_title(f"{measure}: {self.base.region} → {self.other.region}, by lever (Shapley)")
        return ax


# --- the function -----------------------------------------------------------------------------


def decompose(
    claims: pd.DataFrame,
    base: str | Policy,
    other: str | Policy,
    *,
    levers: Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
    by: str | None = None,
    members: pd.DataFrame | None = None,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    threads: int | None = None,
) -> Decomposition:
    """Split the gap in fund payment between two policies into levers, by Shapley values.

    Parameters
    ----------
    claims
        Claims as for :func:`yibao.adjudicate`; converted once.
    base, other
        The two policies (region keys, files or :class:`~yibao.Policy` objects). The gap is
        ``other - base``.
    levers
        Default: :func:`default_levers` (the mechanisms in which the policies differ). A list
        of some of those names, or ``{name: dotted path(s)}`` (e.g.
        ``{"cap": "pools.general.annual_cap"}``) for levers of your own; every difference no
        lever covers is then switched by one more lever named ``rest``, so that the
        contributions always add up to the whole gap. At most 12 levers (2^k runs).
    by
        Optional group column of the claims (``status``, ``tier``, ``level``, ...) or of
        ``members``: contributions per group, each group adding up to its own gap.
    members, rounding, unit, threads
        As for :func:`yibao.adjudicate`.

    Returns
    -------
    Decomposition
        :meth:`~Decomposition.table` (contributions in exact yuan), :meth:`~Decomposition.
        summary` (totals and gaps), :attr:`~Decomposition.exact` (the exact rationals in
        fen) and :meth:`~Decomposition.plot` (a waterfall). See the module docstring for how
        the fen is rounded so that the contributions add up exactly.

    Examples
    --------
    >>> import yibao
    >>> from yibao.datasets import synthetic
    >>> _, claims = synthetic(members=40, seed=1)
    >>> d = yibao.decompose(claims, "jining", "chongqing")
    >>> t = d.table()
    >>> t["lever"].tolist()
    ['annual cap', 'deductible', 'overall cap', 'rates', 'services', 'supplementary fund']
    >>> sum(t["fund_paid"]) == d.summary()["fund_paid_gap"].iloc[0]
    True
    """
    pb, po = as_policy(base), as_policy(other)
    chosen = default_levers(pb, po) if levers is None else user_levers(levers, pb, po)
    if len(chosen) > MAX_LEVERS:
        raise ValueError(f"{len(chosen)} levers need 2^{len(chosen)} runs; at most {MAX_LEVERS}")
    converted = convert_once(claims, members, rounding=rounding, unit=unit, threads=threads)
    if by is None:
        codes, groups = np.zeros(len(claims), dtype=np.int64), ["all"]
    else:
        codes, groups = group_codes(claims, members, by)
    games = _games(converted, pb, po, chosen, codes, len(groups))
    return Decomposition(pb, po, chosen, by, groups, games)


def _games(
    converted: Converted,
    base: Policy,
    other: Policy,
    levers: Sequence[Lever],
    codes: np.ndarray,
    n_groups: int,
) -> dict[str, list[list[int]]]:
    """Per measure, per subset (bit mask of ``levers``), the exact sums per group in fen."""
    games: dict[str, list[list[int]]] = {m: [] for m in _MEASURES}
    for mask in range(1 << len(levers)):
        switched = [lv for i, lv in enumerate(levers) if mask >> i & 1]
        out = adjudicate_converted(converted, mixed(base, other, switched))
        for m in _MEASURES:
            games[m].append(group_sums(codes, out[m], n_groups))
    return games
