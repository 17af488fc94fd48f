"""``yibao.sweep``: fund cost and member burden as a curve of one or more parameters.

"What would the fund pay if Jining's cap were 1500, 2000, ..., 4000?" is one call: the
claims are validated and converted once (``yibao._many``) and put in processing order once;
each value (or each point of a grid of several parameters) is a :meth:`Policy.replace
<yibao.Policy.replace>`, and the points go through the kernel's own row step together, up to
64 in one pass over the rows, summed exactly in fen with no per-row output
(``yibao._totals``). A point of the sweep is therefore exactly what :func:`yibao.adjudicate`
gives under ``policy.replace({path: value})``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._many import convert_once, exact_sum
from ._money import Rounding, Unit, fen_to_money
from ._totals import in_processing_order, totals
from .adjudicate import as_policy
from .policy import Policy

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_sweep", "sweep"]

_MONEY = ("fund_paid", "self_pay", "capped")
# Points adjudicated in one pass over the claims (each with its own kernel state): enough
# that the claims are read once for many, few enough that a grid's policies are not all
# built at once and a progress bar moves.
_POINTS_PER_PASS = 64


def _points(values: Mapping[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    if not isinstance(values, Mapping) or not values:
        raise ValueError(
            "sweep() needs {dotted path: values}, e.g. {'pools.general.annual_cap': [1000, 2000]}"
        )
    paths, axes = [], []
    for path, items in values.items():
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
            raise ValueError(f"{path}: give a list of values to sweep, got {items!r}")
        points = list(items)
        if not points:
            raise ValueError(f"{path}: no values to sweep")
        paths.append(str(path))
        axes.append(points)
    return paths, list(itertools.product(*axes))


def sweep(
    claims: pd.DataFrame,
    policy: str | Policy,
    values: Mapping[str, Iterable[Any]],
    *,
    members: pd.DataFrame | None = None,
    effective: dt.date | str | None = None,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    threads: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Adjudicate the same claims under a policy with parameters set to each value.

    Parameters
    ----------
    claims
        Claims as for :func:`yibao.adjudicate`; validated and converted once.
    policy
        A region key, a policy file or a :class:`~yibao.Policy`.
    values
        ``{dotted path: values}`` as for :meth:`Policy.replace <yibao.Policy.replace>`, e.g.
        ``{"pools.general.annual_cap": range(1000, 5001, 500)}``. With several paths, every
        point of their grid (the product, the first path varying slowest).
    members, rounding, unit, threads
        As for :func:`yibao.adjudicate`.
    effective
        Passed to :meth:`Policy.replace <yibao.Policy.replace>`: the change takes effect on
        that date (default: every version changes).
    progress
        Show a progress bar (needs ``tqdm``: ``pip install tqdm``).

    Returns
    -------
    pandas.DataFrame
        One row per point: a column per path (the value as given), ``eligible``,
        ``fund_paid``, ``self_pay``, ``capped`` and ``supplementary_paid`` (exact decimal
        sums, yuan),
        ``members`` (members with claims), ``members_at_cap`` (members for whom an annual or
        overall cap withheld payment), ``share_at_cap`` (float) and ``members_at_visit_cap``
        (members for whom a per-visit cap did, as in :meth:`Comparison.summary
        <yibao.compare.Comparison.summary>`). ``attrs["parameters"]`` lists the paths.

    Examples
    --------
    >>> import yibao
    >>> from yibao.datasets import synthetic
    >>> _, claims = synthetic(members=200, seed=1)
    >>> table = yibao.sweep(claims, "jining", {"pools.general.annual_cap": [1000, 2000, 4000]})
    >>> bool(table["fund_paid"].is_monotonic_increasing)
    True
    >>> table["members_at_cap"].is_monotonic_decreasing
    True
    """
    pol = as_policy(policy)
    paths, points = _points(values)
    converted = convert_once(claims, members, rounding=rounding, unit=unit, threads=threads)
    ordered = in_processing_order(converted)
    sums: list[dict[str, int]] = []
    for first in _progress(range(0, len(points), _POINTS_PER_PASS), len(points), progress):
        policies = [
            pol.replace(dict(zip(paths, point, strict=True)), effective=effective, source="sweep")
            for point in points[first : first + _POINTS_PER_PASS]
        ]
        sums.extend(totals(ordered, policies))
    table = pd.DataFrame({path: [p[i] for p in points] for i, path in enumerate(paths)})
    n_members = converted.n_members
    eligible = exact_sum(converted.arrays.eligible)
    table["eligible"] = fen_to_money(np.full(len(points), eligible, dtype=object))
    for name in _MONEY:
        table[name] = fen_to_money(np.asarray([point[name] for point in sums], dtype=object))
    # What the kernel leaves out of self_pay above an overall limit (docs/design.md §6b):
    # fund_paid + supplementary_paid + self_pay == eligible, point by point.
    table["supplementary_paid"] = fen_to_money(
        np.asarray([eligible - p["fund_paid"] - p["self_pay"] for p in sums], dtype=object)
    )
    table["members"] = n_members
    table["members_at_cap"] = np.asarray([p["members_at_cap"] for p in sums], dtype=np.int64)
    table["share_at_cap"] = table["members_at_cap"] / max(n_members, 1)
    table["members_at_visit_cap"] = np.asarray(
        [p["members_at_visit_cap"] for p in sums], dtype=np.int64
    )
    table.attrs["parameters"] = paths
    return table


def _progress(passes: range, n_points: int, show: bool) -> Iterable[int]:
    """The first point of each pass, with a bar that moves by the points of each pass."""
    if not show:
        yield from passes
        return
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError("progress=True needs tqdm: pip install tqdm") from exc
    with tqdm(total=n_points, desc="sweep", unit="point") as bar:
        for first in passes:
            yield first
            bar.update(min(passes.step, n_points - first))


def plot_sweep(
    table: pd.DataFrame,
    x: str | None = None,
    y: str = "fund_paid",
    *,
    ax: Axes | None = None,
) -> Axes:
    """Curves of a :func:`sweep`: ``y`` against the parameter ``x``, one line per value of
    a second parameter (if any); the members at a cap on a second axis for one parameter.

    Parameters
    ----------
    table
        The result of :func:`sweep`.
    x
        The parameter on the horizontal axis (default: the first one swept).
    y
        A money column (``fund_paid``, ``self_pay``, ``capped``) or ``members_at_cap``.
    """
    from .plots import _axes, _floats

    params: list[str] = list(table.attrs.get("parameters", [table.columns[0]]))
    x = x or params[0]
    others = [p for p in params if p != x]
    ax = _axes(ax)
    xs = np.asarray([float(v) for v in table[x]])
    values = table[y] if y == "members_at_cap" else pd.Series(_floats(table[y]))

    def _line(mask: np.ndarray, label: str | None) -> None:
        order = np.argsort(xs[mask])
        ax.plot(xs[mask][order], np.asarray(values)[mask][order], marker="o", ms=3, label=label)

    if others:
        keys = table[others].astype(str).agg(", ".join, axis=1).to_numpy()
        for key in dict.fromkeys(keys):
            _line(keys == key, f"{', '.join(others)} = {key}")
        ax.legend(fontsize=8)
    else:
        _line(np.ones(len(table), dtype=bool), y)
        if y != "members_at_cap":
            right = ax.twinx()
            order = np.argsort(xs)
            right.plot(
                xs[order], table["members_at_cap"].to_numpy()[order], color="#d7191c", ls="--"
            )
            right.set_ylabel("members at a cap", color="#d7191c")
    ax.set_xlabel(x)
    ax.set_ylabel(f"{y} (yuan)" if y != "members_at_cap" else y)
    ax.set_title(f"{y} as {x} varies")
    return ax
