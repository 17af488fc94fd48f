"""``yibao.diff``: every parameter in which two policies, or two versions of one, differ.

The table a paper prints beside a comparison: one row per parameter, both values and both
sources. Parameters are the leaves of the policy trees (``{value = ..., source = ...}`` or
``{missing = ...}``) and the plain choices beside them (e.g. ``services.pharmacy.pool``),
under their dotted paths; two values are equal when they are equal as numbers (``0.6`` and
``0.60``) or as text. The ``rules`` table (labels of the ``rule`` column) and a version's own
metadata (``effective_source``) are not parameters and are left out.

Versions: where the policies have several dated versions, they are compared on every date on
which one of them starts a version and both are in force; a row says from which date it
holds, and a difference that does not change at a later date is listed once. Compare two
versions of one policy with :meth:`Policy.as_of <yibao.Policy.as_of>`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from ._tree import is_leaf
from .adjudicate import as_policy
from .policy import Policy

__all__ = ["ABSENT", "MISSING_PREFIX", "diff", "parameters", "same_value"]

ABSENT = "—"
"""Shown where a policy has no such parameter."""
MISSING_PREFIX = "missing: "
"""How a parameter the source text does not give is shown."""
_NOT_PARAMETERS = frozenset({"rules", "effective_source", "effective_assumption"})


def parameters(tree: Mapping[str, Any]) -> dict[str, tuple[Any, str]]:
    """``{dotted path: (value, source)}`` of a version tree's parameters.

    A missing leaf's value is ``"missing: <text>"``; a plain value (not a leaf) has source
    ``""``.

    Examples
    --------
    >>> from yibao import load_policy
    >>> parameters(load_policy("jining").versions[0].tree)["pools.general.annual_cap"]
    (2000, '济宁 通知 二(一)3 (统筹基金的最高支付限额为2000元)')
    """
    return dict(_walk(tree, ""))


def _walk(node: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, tuple[Any, str]]]:
    for key, child in node.items():
        if not prefix and key in _NOT_PARAMETERS:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if is_leaf(child):
            value = child["value"] if "value" in child else f"{MISSING_PREFIX}{child['missing']}"
            yield path, (value, str(child.get("source", "")))
        elif isinstance(child, Mapping):
            yield from _walk(child, path)
        elif key != "source":
            yield path, (child, "")


def same_value(a: Any, b: Any) -> bool:
    """Equal as numbers (``0.6 == 0.60``; a bool only to a bool) or as the same kind of value."""
    numbers = (int, Decimal)
    if isinstance(a, numbers) and isinstance(b, numbers):
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return Decimal(a) == Decimal(b)
    return type(a) is type(b) and bool(a == b)


def _differences(
    a: dict[str, tuple[Any, str]], b: dict[str, tuple[Any, str]]
) -> dict[str, tuple[Any, Any, str, str]]:
    out = {}
    for path in [*a, *(p for p in b if p not in a)]:
        va, sa = a.get(path, (ABSENT, ""))
        vb, sb = b.get(path, (ABSENT, ""))
        if path in a and path in b and same_value(va, vb):
            continue
        out[path] = (va, vb, sa, sb)
    return out


def _names(a: Policy, b: Policy) -> tuple[str, str]:
    if a.region != b.region:
        return a.region, b.region
    da, db = a.versions[0].effective, b.versions[0].effective
    if len(a.versions) == len(b.versions) == 1 and da != db:
        return f"{a.region} {da}", f"{b.region} {db}"
    return f"{a.region} (a)", f"{b.region} (b)"


def diff(a: str | Policy, b: str | Policy, *, names: tuple[str, str] | None = None) -> pd.DataFrame:
    """Every parameter that differs between two policies, with both values and sources.

    Parameters
    ----------
    a, b
        Region keys, policy files or :class:`~yibao.Policy` objects (a reform made with
        :meth:`~yibao.Policy.replace`, or one version with :meth:`~yibao.Policy.as_of`).
    names
        Column names for the two policies; default their region keys (or, for two versions
        of one region, the region and each version's date).

    Returns
    -------
    pandas.DataFrame
        One row per differing parameter: ``parameter`` (dotted path), the value under each
        policy (``"—"`` where it has none, ``"missing: ..."`` where the text gives none),
        and ``<name> source`` for each. With several dated versions, a first column
        ``in force from`` gives the date from which the row holds. Empty (with these
        columns) when nothing differs. Ready for ``.to_markdown(index=False)`` or
        ``.to_latex(index=False)``.

    Examples
    --------
    >>> import yibao
    >>> jining = yibao.load_policy("jining")
    >>> yibao.diff(jining, jining).empty
    True
    >>> reform = jining.replace({"pools.general.annual_cap": 3000}, source="reform A")
    >>> yibao.diff(jining, reform).iloc[0].tolist()[:3]
    ['pools.general.annual_cap', 2000, 3000]
    """
    pa, pb = as_policy(a), as_policy(b)
    na, nb = names if names is not None else _names(pa, pb)
    columns = ["parameter", na, nb, f"{na} source", f"{nb} source"]
    first = max(pa.versions[0].effective, pb.versions[0].effective)
    dates = sorted({v.effective for v in (*pa.versions, *pb.versions)} | {first})
    dates = [d for d in dates if d >= first]
    rows: list[list[Any]] = []
    previous: dict[str, tuple[Any, Any, str, str]] = {}
    for day in dates:
        found = _differences(
            parameters(pa.version_on(day).tree), parameters(pb.version_on(day).tree)
        )
        for path, cells in found.items():
            if path in previous and all(
                same_value(x, y) for x, y in zip(previous[path], cells, strict=True)
            ):
                continue
            rows.append([day, path, *cells])
        # a difference that went away and came back is listed again
        previous = found
    rows.sort(key=lambda row: (row[0], row[1]))
    out = pd.DataFrame(rows, columns=["in force from", *columns], dtype=object)
    if len(dates) <= 1:
        out = out.drop(columns="in force from")
    return out.reset_index(drop=True)
