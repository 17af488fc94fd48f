"""Compile a policy version's parameter tree into the core's numeric tables.

Money becomes int fen and rates int millionths, exactly: a value with more precision than
the core can hold is an error, never rounded. A pool with a missing parameter is not an
error here: the services that use it are marked unusable, and the kernel raises
``MissingParameterError`` only if a claim needs them (docs/design.md §5).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from . import _core
from ._claims import MAX_AMOUNT_FEN
from ._schema import LEVEL_MAX, SERVICES
from ._tree import (
    DIMENSIONS,
    LEAF_KEYS,
    LEVELS,
    STATUSES,
    TIERS,
    Missing,
    as_decimal,
    is_leaf,
    resolve,
)
from .errors import PolicyError

__all__ = ["SERVICES", "VERSION_KEYS", "check_change_path", "compile_version"]

POOL_KEYS: frozenset[str] = frozenset(
    {
        "deductible_mode",
        "deductible_period",
        "deductible",
        "first_visit",
        "later_visit",
        "rate",
        "retired_rate_increase",
        "visit_cap",
        "annual_cap",
    }
)
# The periods a cumulative deductible may run over (the core's DeductiblePeriod; its fourth,
# "visit", is what deductible_mode = "per_visit" compiles to). Caps stay annual.
CUMULATIVE_PERIODS: tuple[str, ...] = tuple(
    name for name in _core.DeductiblePeriod.__members__ if name != "visit"
)
SERVICE_KEYS = frozenset(
    {"pool", "rate_level", "deductible_level", "cap_level", "missing", "source"}
)
# Top-level tables of a policy file that are never compiled: [[articles]] is the text's rule
# table (yibao._articles), read by the docs and the tests; [outflows] the account uses the
# text allows and forbids (yibao.outflows).
UNCOMPILED_KEYS = frozenset({"articles", "outflows"})
# The keys a version may hold (besides ``effective``): the ones read below, plus the
# documentation keys. lint and Policy.replace take the valid keys from these tables.
VERSION_KEYS = frozenset(
    {
        "effective_source",
        "effective_assumption",
        "rounding",
        "level0_as",
        "overall_cap",
        "supplementary_cap",
        "inpatient_stays",
        "rules",
        "pools",
        "services",
        "note",
    }
)
_POOL_ENTRY_KEYS = POOL_KEYS | {"missing", "source"}
# Keys below a parameter: a split by status, level or tier, or the leaf's own keys.
_BELOW_PARAMETER = frozenset(k for names in DIMENSIONS.values() for k in names) | LEAF_KEYS
EPOCH = dt.date(1970, 1, 1)


def _valid_paths(tree: Mapping[str, Any]) -> list[str]:
    """Every dotted path a change or a version may name, down to a parameter."""
    pools = tree.get("pools", {})
    pool_names = list(pools) if isinstance(pools, Mapping) else []
    paths = sorted(VERSION_KEYS - {"pools", "services"})
    paths += [f"pools.{p}.{k}" for p in pool_names or ["general"] for k in sorted(POOL_KEYS)]
    paths += [f"services.{s}.{k}" for s in SERVICES for k in sorted(SERVICE_KEYS)]
    return paths


def _nearest(path: str, candidates: Iterable[str]) -> str:
    """' (nearest valid: 'x')', by a matching last part first, then by spelling."""
    candidates = list(candidates)
    by_end = [c for c in candidates if c.endswith("." + path)]
    found = by_end or difflib.get_close_matches(path, candidates, n=1, cutoff=0.5)
    return f" (nearest valid: {found[0]!r})" if found else ""


def _unknown(where: str, key: str, path: str, candidates: Iterable[str]) -> PolicyError:
    return PolicyError(f"{where}: unknown key {key!r}{_nearest(path, candidates)}")


def check_change_path(tree: Mapping[str, Any], path: str, where: str) -> None:
    """Refuse a change (``Policy.replace``) to a key the compiler does not read.

    A key the compiler ignores would leave the baseline numbers in place (issue 20).
    """
    parts = path.split(".")
    candidates = _valid_paths(tree)
    head = parts[0]
    if head not in VERSION_KEYS:
        raise _unknown(where, path, path, candidates)
    if head == "rules":  # rule labels: any name
        return
    rest = parts[1:]
    if head == "pools" and rest:
        pools = tree.get("pools", {})
        if rest[0] not in pools and len(rest) > 1:  # a new pool must come as a whole table
            raise _unknown(where, path, path, candidates)
        if len(rest) > 1 and rest[1] not in _POOL_ENTRY_KEYS:
            raise _unknown(where, path, path, candidates)
        rest = rest[2:]
    elif head == "services" and rest:
        if rest[0] not in SERVICES or (len(rest) > 1 and rest[1] not in SERVICE_KEYS):
            raise _unknown(where, path, path, candidates)
        rest = rest[2:]
    for i, key in enumerate(rest, start=len(parts) - len(rest)):
        if key not in _BELOW_PARAMETER:
            above = ".".join(parts[:i])
            below = [f"{above}.{k}" for k in sorted(_BELOW_PARAMETER)]
            raise _unknown(where, path, ".".join(parts[: i + 1]), below)


def fen(value: Decimal, path: str, where: str) -> int:
    if value > Decimal(MAX_AMOUNT_FEN) / 100:
        raise PolicyError(
            f"{where}: {path} = {value} does not fit decimal(18, 2) (at most 16 integer digits)"
        )
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise PolicyError(f"{where}: {path} = {value} has more than 2 decimal places")
    if value < 0:
        raise PolicyError(f"{where}: {path} = {value} must not be negative")
    return int(scaled)


def ppm(value: Decimal, path: str, where: str) -> int:
    scaled = value * 1_000_000
    if scaled != scaled.to_integral_value():
        raise PolicyError(f"{where}: rate {path} = {value} has more than 6 decimal places")
    if not Decimal(0) <= value <= Decimal(1):
        raise PolicyError(f"{where}: rate {path} = {value} must lie within 0..1")
    return int(scaled)


class _Pool:
    """Reads one pool's parameters; ``where`` names the file and version in errors."""

    def __init__(self, name: str, node: Mapping[str, Any], where: str) -> None:
        self.name, self.node, self.where = name, node, where
        unknown = sorted(set(node) - _POOL_ENTRY_KEYS)
        if unknown:
            raise _unknown(
                f"{where}: pools.{name}",
                unknown[0],
                unknown[0],
                [k for k in sorted(POOL_KEYS) if k != unknown[0]],
            )

    def leaf(self, key: str, **dims: str) -> Mapping[str, Any]:
        if key not in self.node:
            raise PolicyError(f"{self.where}: pools.{self.name}.{key} is required")
        return resolve(self.node[key], f"pools.{self.name}.{key}", self.where, **dims)

    def number(self, key: str, **dims: str) -> Decimal:
        leaf = self.leaf(key, **dims)
        return as_decimal(leaf["value"], f"pools.{self.name}.{key}", self.where)

    def money(self, key: str, **dims: str) -> int:
        return fen(self.number(key, **dims), f"pools.{self.name}.{key}", self.where)

    def by_level(self, key: str, **dims: str) -> list[int]:
        values = [self.money(key, level=lv, **dims) for lv in LEVELS]
        return [values[0], *values]  # index 0 (level 0) is remapped by the kernel; keep it valid

    def period(self) -> Any:
        """The period a cumulative deductible runs over: a calendar year unless the file says."""
        if "deductible_period" not in self.node:
            return _core.DeductiblePeriod.year
        value = self.leaf("deductible_period")["value"]
        if value not in CUMULATIVE_PERIODS:
            raise PolicyError(
                f"{self.where}: pools.{self.name}.deductible_period must be one of "
                f"{', '.join(map(repr, CUMULATIVE_PERIODS))}, got {value!r}"
            )
        return _core.DeductiblePeriod.__members__[value]

    def compile(self) -> Any:
        if "missing" in self.node:
            raise Missing(f"pools.{self.name}", self.node)
        pool = _core.Pool()
        mode = str(self.leaf("deductible_mode")["value"])
        if mode == "cumulative":
            pool.period = self.period()
            pool.threshold = [self.by_level("deductible", status=s) for s in STATUSES]
        elif mode == "per_visit":
            if "deductible_period" in self.node:
                raise PolicyError(
                    f"{self.where}: pools.{self.name}.deductible_period applies to a cumulative "
                    "deductible; a per-visit deductible starts again at every visit"
                )
            pool.period = _core.DeductiblePeriod.visit
            pool.first_visit = self.by_level("first_visit")
            pool.later_visit = self.by_level("later_visit")
        else:
            raise PolicyError(
                f"{self.where}: pools.{self.name}.deductible_mode must be 'cumulative' or "
                f"'per_visit', got {mode!r}"
            )
        increase = Decimal(0)
        if "retired_rate_increase" in self.node:
            increase = self.number("retired_rate_increase")
        rates = []
        for status in STATUSES:
            row = []
            for lv in LEVELS:
                rate = self.number("rate", status=status, level=lv)
                if status == "retired":
                    rate += increase
                row.append(ppm(rate, f"pools.{self.name}.rate.{status}.{lv}", self.where))
            rates.append([row[0], *row])
        pool.rate = rates
        if "visit_cap" in self.node:
            pool.has_visit_cap = True
            pool.visit_cap = self.by_level("visit_cap")
        if "annual_cap" in self.node:
            pool.has_annual_cap = True
            pool.annual_cap = [
                [self.money("annual_cap", tier=t, status=s) for s in STATUSES] for t in TIERS
            ]
        return pool


def _level_choice(node: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in node:
        return _core.LevelChoice()
    value = resolve(node[key], key, where)["value"]
    if value == "row":
        return _core.LevelChoice(_core.LevelSource.row)
    if value == "prescriber":
        return _core.LevelChoice(_core.LevelSource.prescriber)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= LEVEL_MAX:
        return _core.LevelChoice(_core.LevelSource.fixed, value)
    raise PolicyError(
        f"{where}: {key} must be 'row', 'prescriber' or a level 1..{LEVEL_MAX}, got {value!r}"
    )


def _missing_text(region: str, effective: dt.date, exc: Missing) -> str:
    source = f" (source: {exc.source})" if exc.source else ""
    return (
        f"parameter '{exc.path}' of {region} (version from {effective}) is not given by the "
        f"source text{source}: {exc.text}"
    )


def compile_version(region: str, effective: dt.date, tree: Mapping[str, Any], where: str) -> Any:
    """The core's ``Version`` for one version tree."""
    version = _core.Version()
    version.effective_day = (effective - EPOCH).days
    rounding = str(resolve(tree.get("rounding", {"value": "half_up"}), "rounding", where)["value"])
    try:
        version.rounding = getattr(_core.Rounding, rounding)
    except AttributeError:
        raise PolicyError(f"{where}: rounding must be half_up, half_even or down") from None
    unknown = sorted(set(tree) - VERSION_KEYS)
    if unknown:
        raise _unknown(where, unknown[0], unknown[0], _valid_paths(tree))
    level0 = resolve(tree.get("level0_as", {"value": 1}), "level0_as", where)["value"]
    if isinstance(level0, Decimal) and level0.is_finite() and level0 == int(level0):
        level0 = int(level0)  # "2" in an override arrives as Decimal("2")
    if isinstance(level0, bool) or not isinstance(level0, int) or level0 not in (1, 2, 3):
        raise PolicyError(f"{where}: level0_as must be a level 1, 2 or 3, got {level0!r}")
    version.level0_as = level0
    if "overall_cap" in tree:
        version.has_overall_cap = True
        try:
            overall = resolve(tree["overall_cap"], "overall_cap", where)["value"]
            version.overall_cap = fen(
                as_decimal(overall, "overall_cap", where), "overall_cap", where
            )
        except Missing as exc:  # needed only by a member-year with other pooled payments
            version.overall_missing = _missing_text(region, effective, exc)
    if "supplementary_cap" in tree:  # the supplementary fund (大额), docs/design.md §6b
        version.has_supplementary = True
        try:
            cap = resolve(tree["supplementary_cap"], "supplementary_cap", where)["value"]
            version.supplementary_cap = fen(
                as_decimal(cap, "supplementary_cap", where), "supplementary_cap", where
            )
        except Missing as exc:  # needed only by a row above the overall limit
            version.supplementary_missing = _missing_text(region, effective, exc)

    pools_node: Mapping[str, Any] = tree.get("pools", {})
    names = list(pools_node)
    if len(names) > _core.max_pools:
        raise PolicyError(f"{where}: at most {_core.max_pools} pools")
    pools, unusable = [], {}
    for name in names:
        try:
            pools.append(_Pool(name, pools_node[name], where).compile())
        except Missing as exc:
            unusable[name] = _missing_text(region, effective, exc)
            pools.append(_core.Pool())  # placeholder: no service may use it
    version.pools = pools

    services_node: Mapping[str, Any] = tree.get("services", {})
    unknown = sorted(set(services_node) - set(SERVICES))
    if unknown:
        raise _unknown(f"{where}: services", unknown[0], unknown[0], SERVICES)
    rules = []
    for service in SERVICES:
        rule = _core.ServiceRule()
        node = services_node.get(service)
        if node is None:
            rule.missing = f"{region} defines no rule for service '{service}'"
        elif "missing" in node:
            src = f" (source: {node['source']})" if node.get("source") else ""
            rule.missing = f"services.{service}{src}: {node['missing']}"
        else:
            extra = sorted(set(node) - SERVICE_KEYS)
            if extra:
                raise _unknown(f"{where}: services.{service}", extra[0], extra[0], SERVICE_KEYS)
            pool = node.get("pool")
            pool = pool["value"] if is_leaf(pool) else pool
            if pool not in names:
                raise PolicyError(f"{where}: services.{service}.pool {pool!r} is not a pool")
            if pool in unusable:
                rule.missing = unusable[pool]
            else:
                rule.pool = names.index(pool)
                rule.rate_level = _level_choice(node, "rate_level", where)
                rule.deductible_level = _level_choice(node, "deductible_level", where)
                rule.cap_level = _level_choice(node, "cap_level", where)
        rules.append(rule)
    version.services = rules
    return version
