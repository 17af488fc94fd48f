"""Levers: the parts of two policies' parameter trees that :func:`yibao.decompose` switches.

A lever is a named set of dotted paths inside a version tree. The default levers are the
mechanisms in which two policies differ, read off their trees (:data:`MECHANISMS`); a mixed
policy is ``base`` with some levers' parts taken from ``other``, on every date on which
either starts a version (from the first date both are in force).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .adjudicate import as_policy
from .policy import Policy, Version
from .policy_diff import MISSING_PREFIX, parameters, same_value

__all__ = ["MECHANISMS", "Lever", "default_levers", "mixed", "user_levers"]

MECHANISMS: dict[str, str] = {
    "deductible_mode": "deductible",
    "deductible_period": "deductible",
    "deductible": "deductible",
    "first_visit": "deductible",
    "later_visit": "deductible",
    "rate": "rates",
    "retired_rate_increase": "rates",
    "visit_cap": "visit cap",
    "annual_cap": "annual cap",
}
"""The lever of each key of a benefit pool (``_compile.POOL_KEYS``): a pool's deductible
mode, period and thresholds move together, as do its rates and the retired increase."""

_TOP_LEVEL = {
    "overall_cap": "overall cap",
    "supplementary_cap": "supplementary fund",
    "inpatient_stays": "inpatient stays",
    "rounding": "rounding",
    "level0_as": "level 0",
}


@dataclass(frozen=True)
class Lever:
    """A named set of parts of a version tree (dotted paths) switched together."""

    name: str
    paths: tuple[str, ...]


# --- levers -----------------------------------------------------------------------------------


def _aligned_dates(base: Policy, other: Policy) -> list[dt.date]:
    """The dates on which either policy starts a version, from the first both are in force."""
    first = max(base.versions[0].effective, other.versions[0].effective)
    dates = {v.effective for v in (*base.versions, *other.versions)} | {first}
    return sorted(d for d in dates if d >= first)


def _root_and_lever(
    path: str, base: Mapping[str, Any], other: Mapping[str, Any]
) -> tuple[str, str]:
    """The part of the tree a differing parameter belongs to, and its default lever."""
    keys = path.split(".")
    if keys[0] == "pools" and len(keys) >= 3:
        pool = keys[1]
        in_both = pool in base.get("pools", {}) and pool in other.get("pools", {})
        if in_both and keys[2] in MECHANISMS:
            return ".".join(keys[:3]), MECHANISMS[keys[2]]
        # a pool one policy lacks moves with the services that use it
        return f"pools.{pool}", "services"
    if keys[0] == "services":
        return ".".join(keys[:2]), "services"
    return keys[0], _TOP_LEVEL.get(keys[0], keys[0])


def _differences(base: Policy, other: Policy) -> dict[str, tuple[str, str]]:
    """``{parameter path: (root path, default lever)}`` of every parameter that differs."""
    found: dict[str, tuple[str, str]] = {}
    for day in _aligned_dates(base, other):
        tb, to = base.version_on(day).tree, other.version_on(day).tree
        pb, po = parameters(tb), parameters(to)
        for path in sorted({*pb, *po}):
            if path in pb and path in po and _same_value(pb[path][0], po[path][0]):
                continue
            found.setdefault(path, _root_and_lever(path, tb, to))
    return found


def _differing_roots(base: Policy, other: Policy) -> dict[str, str]:
    """``{root path: default lever}`` of every part of the trees in which the two differ."""
    roots: dict[str, str] = {}
    for root, lever in _differences(base, other).values():
        roots.setdefault(root, lever)
    return roots


def _same_value(a: Any, b: Any) -> bool:
    """Equal values; two parameters that both texts leave missing are the same for money
    (only the explanation differs), so they make no lever."""
    missing = [isinstance(v, str) and v.startswith(MISSING_PREFIX) for v in (a, b)]
    return all(missing) or same_value(a, b)


def default_levers(base: str | Policy, other: str | Policy) -> list[Lever]:
    """The levers in which two policies differ: the mechanisms of their parameter trees.

    A benefit pool's keys group into ``deductible`` (mode and thresholds), ``rates`` (rates
    and the retired increase), ``visit cap`` and ``annual cap`` (:data:`MECHANISMS`);
    ``services`` covers the service table and any pool only one policy has; ``overall cap``,
    ``supplementary fund``, ``inpatient stays``, ``rounding`` and ``level 0`` are top-level
    parameters. Only levers with a difference
    are listed, each with every part of the trees it switches.

    Examples
    --------
    >>> [lever.name for lever in default_levers("chongqing", "jining")]
    ['annual cap', 'deductible', 'overall cap', 'rates', 'services', 'supplementary fund']
    """
    roots = _differing_roots(as_policy(base), as_policy(other))
    names = sorted(set(roots.values()))
    return [Lever(n, tuple(sorted(r for r, lv in roots.items() if lv == n))) for n in names]


def user_levers(
    spec: Sequence[str] | Mapping[str, str | Sequence[str]], base: Policy, other: Policy
) -> list[Lever]:
    """Levers named by the user; whatever else differs is one more lever, ``rest``."""
    defaults = {lv.name: lv for lv in default_levers(base, other)}
    levers: list[Lever] = []
    if isinstance(spec, Mapping):
        for name, paths in spec.items():
            items = (paths,) if isinstance(paths, str) else tuple(paths)
            levers.append(Lever(str(name), tuple(sorted(set(items)))))
    else:
        for name in spec:
            if name not in defaults:
                raise ValueError(
                    f"{name!r} is not a lever in which these policies differ; they differ in "
                    f"{sorted(defaults)} (or pass {{name: [dotted paths]}})"
                )
            levers.append(defaults[name])
    names = [lv.name for lv in levers]
    if len(set(names)) != len(names):
        raise ValueError(f"two levers share a name: {names}")
    covered = [p for lv in levers for p in lv.paths]
    for i, p in enumerate(covered):
        for q in covered[i + 1 :]:
            if p == q or p.startswith(q + ".") or q.startswith(p + "."):
                raise ValueError(f"levers overlap: {p!r} and {q!r} are switched by two levers")

    def inside(path: str, part: str) -> bool:
        return path == part or path.startswith(part + ".")

    uncovered = {
        root
        for path, (root, _) in _differences(base, other).items()
        if not any(inside(path, p) for p in covered)
    }
    # e.g. a lever on pools.general.rate.level3 while pools.general.rate.level2 differs too
    partial = sorted(root for root in uncovered if any(inside(p, root) for p in covered))
    if partial:
        raise ValueError(
            f"levers switch only part of {partial}, where other parameters differ too; name "
            "the whole part (or let a lever cover it) so that every difference belongs to "
            "exactly one lever"
        )
    rest = sorted(uncovered)
    if rest:
        if "rest" in names:
            raise ValueError("a lever named 'rest' is reserved for what the others leave out")
        levers.append(Lever("rest", tuple(sorted(rest))))
    return levers


# --- mixing two policies ----------------------------------------------------------------------


def _get(tree: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = tree
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _switch(tree: dict[str, Any], other: Mapping[str, Any], path: str) -> None:
    """Replace ``path`` of ``tree`` by ``other``'s (removing it where ``other`` has none)."""
    found, value = _get(other, path)
    keys = path.split(".")
    node = tree
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            if not found:
                return
            child = node[key] = {}
        node = child
    if found:
        node[keys[-1]] = copy.deepcopy(value)
    else:
        node.pop(keys[-1], None)


def mixed(base: Policy, other: Policy, switched: Sequence[Lever]) -> Policy:
    """``base`` with the levers ``switched`` taken from ``other``, on the aligned dates."""
    versions = []
    for day in _aligned_dates(base, other):
        tree = copy.deepcopy(base.version_on(day).tree)
        theirs = other.version_on(day).tree
        for lever in switched:
            for path in lever.paths:
                _switch(tree, theirs, path)
        versions.append(Version(day, tree))
    names = "+".join(lv.name for lv in switched) or "none"
    meta = {"region": f"{base.region}[{names} from {other.region}]", "name": base.name}
    return Policy(meta, versions, origin=f"{base.origin} with {names} from {other.origin}")
