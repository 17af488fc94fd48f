"""Account rules: the ``[[accounts]]`` entries of a policy file as dated data (docs/design.md §7).

Each region's TOML file holds, besides the outpatient ``[[versions]]``, an independent
array of ``[[accounts]]`` entries dated by the day they take effect (always the first of a
month). An entry has a credit *formula* per status (``in_service``, ``retired``)::

    [accounts.retired]
    rule = "CQ-9.2 retired"              # the ``rule`` label (or a table split by age)
    fixed = { value = 105, source = "..." }

A formula is the sum of ``fixed`` (a monthly amount), ``base_rate`` × the member's base,
``pension_rate`` × the member's own pension and ``average_rate`` × ``average_pension``;
each product is rounded to the fen once. ``base_rate`` may be a table of named shares
(``own``, ``employer``): the member's own shares are summed, the ``employer`` share is a
product of its own (rounded apart) and is credited only to tier ``employer`` (docs/design.md
§6b: an employer share needs an employer). Any value may be split by age in full years with
keys ``age_<from>_<to>`` / ``age_<from>_up`` (together covering every age from 0), and a
formula may be replaced for one tier by a sub-table named after it (``individual_1``).
``none = {value = true}`` means no account. ``provisional`` with ``true_up_month`` is
伊犁 第五条(三)'s 暂定 amount and 补划差额. A value the text does not give is a ``missing``
leaf: it raises :class:`~yibao.errors.MissingParameterError` only when a member-month
needs it, naming the parameter; :meth:`AccountRules.replace` supplies it.

``Policy`` objects do not carry these entries (``Policy.replace`` changes only
``[[versions]]``), so :func:`account_rules` reads them from the policy's file.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ._compile import _unknown, fen, ppm
from ._tree import STATUSES, TIERS, as_decimal, dated_entries, is_leaf, iter_leaves, parse_toml
from .errors import PolicyError

__all__ = ["AccountRules", "account_rules", "month_index", "month_of"]

_PACKAGE_POLICIES = "yibao.policies"
_FORMULA_KEYS = frozenset(
    {
        "rule",
        "none",
        "fixed",
        "base_rate",
        "pension_rate",
        "average_rate",
        "average_pension",
        "provisional",
        "true_up_month",
        "note",
    }
)
# An entry's key that lets the members column of the same name (a supplied monthly amount) be
# credited on top of the formula: its value is the label added to the credit's rule (伊犁 第六条).
SUBSIDY = "civil_servant_subsidy"
# The keys of an [[accounts]] entry besides ``effective``.
_ENTRY_KEYS = frozenset(
    {"effective_source", "effective_assumption", "rounding", "note", SUBSIDY, *STATUSES}
)
_AGE_KEY = re.compile(r"^age_(\d+)_(\d+|up)$")
_ROUNDINGS = ("half_up", "half_even", "down")
# The share of ``base_rate`` paid in by the employer (单位缴费划入): credited only to the tier of
# the same name, and rounded apart from the member's own share (docs/design.md §6b).
_EMPLOYER_SHARE = "employer"


def month_index(month: Any) -> int:
    """Months since 1970-01 of ``"YYYY-MM"``, a date, a Timestamp or a monthly Period."""
    if isinstance(month, str):
        try:
            period = pd.Period(month, freq="M")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"cannot read {month!r} as a month (use 'YYYY-MM')") from exc
    elif isinstance(month, pd.Period):
        period = month.asfreq("M")
    elif isinstance(month, (dt.date, pd.Timestamp)):
        period = pd.Period(year=month.year, month=month.month, freq="M")
    else:
        raise TypeError(f"a month must be 'YYYY-MM', a date or a Period, got {month!r}")
    return (int(period.year) - 1970) * 12 + int(period.month) - 1


def month_of(index: int) -> str:
    """``"YYYY-MM"`` of a month index."""
    year, month = divmod(index, 12)
    return f"{1970 + year:04d}-{month + 1:02d}"


class AccountVersion:
    """One ``[[accounts]]`` entry: the credit formulas in force from ``effective``."""

    def __init__(self, effective: dt.date, tree: Mapping[str, Any]) -> None:
        self.effective = effective
        self.tree: dict[str, Any] = dict(tree)

    def __repr__(self) -> str:
        return f"AccountVersion(effective={self.effective.isoformat()})"


class AccountRules:
    """A region's dated personal-account rules (个人账户计入办法).

    Get one with :func:`account_rules` (a region key, a policy file or a ``Policy``);
    :meth:`replace` supplies missing values or makes a reform; :meth:`in_force` freezes
    the rules of one month (a "no reform" baseline for :func:`yibao.fund_impact`).
    """

    def __init__(
        self, region: str, versions: list[AccountVersion], origin: str, *, draft: bool = False
    ) -> None:
        self.region = region
        self.origin = origin
        self.draft = draft
        self.versions = sorted(versions, key=lambda v: v.effective)
        if not self.versions:
            raise PolicyError(f"{origin}: no [[accounts]] entries (personal-account rules)")
        dates = [v.effective for v in self.versions]
        if len(set(dates)) != len(dates):
            raise PolicyError(f"{origin}: two [[accounts]] entries take effect on the same day")
        for v in self.versions:
            if v.effective.day != 1:
                raise PolicyError(
                    f"{origin}: [[accounts]] effective {v.effective} must be the first of a month "
                    "(credits are monthly)"
                )
        _ = self.core  # compile now: a broken table fails when loaded, not when used

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_toml(cls, text: str, *, origin: str = "<string>") -> AccountRules:
        return cls.from_dict(parse_toml(text, origin), origin=origin)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str = "<dict>") -> AccountRules:
        entries = dated_entries(
            data, "accounts", origin, "no [[accounts]] entries (personal-account rules)"
        )
        versions = [AccountVersion(effective, tree) for effective, tree in entries]
        return cls(
            str(data.get("region", "custom")),
            versions,
            origin,
            draft=bool(data.get("draft", False)),
        )

    # -- reforms and supplied values ------------------------------------------------------
    def replace(
        self,
        changes: Mapping[str, Any],
        /,
        *,
        effective: dt.date | str | None = None,
        source: str = "user supplied",
    ) -> AccountRules:
        """New rules with some values supplied or replaced; these are unchanged.

        ``changes`` maps dotted paths inside an ``[[accounts]]`` entry (an optional
        ``accounts.`` prefix is ignored) to values: ``{"retired.average_pension": 3500,
        "in_service.base_rate.own": "0.02", "retired.true_up_month": "2023-03"}``.
        Without ``effective`` every entry that has the path changes (every entry, when
        none has it); with it, a new entry from that month on (a reform from a date) and
        the later entries that have the path.

        >>> rules = account_rules("nanchang").replace({"retired.average_pension": 3140})
        >>> rules.missing()
        []
        """
        if not changes:
            raise PolicyError("replace() needs a mapping of changes")
        versions = [AccountVersion(v.effective, copy.deepcopy(v.tree)) for v in self.versions]
        targets = versions
        if effective is not None:
            day = effective if isinstance(effective, dt.date) else dt.date.fromisoformat(effective)
            base = self.version_on(day)
            existing = [v for v in versions if v.effective == day]
            if existing:
                targets = existing
            else:
                new = AccountVersion(day, copy.deepcopy(base.tree))
                versions.append(new)
                targets = [new]
            targets += [v for v in versions if v.effective > day and v not in targets]
        for path, value in changes.items():
            key = path.removeprefix("accounts.")
            # Only the entries that have the path (e.g. Jining's 2023 `retired.fixed` is not
            # also added to the 2024 formula); a path no entry has is added to every one.
            having = [v for v in targets if _has_path(v.tree, key)] or targets
            for version in having:
                _set_path(version.tree, key, _as_tree(value, source), self.origin)
        return AccountRules(self.region, versions, f"{self.origin} (supplied)", draft=self.draft)

    def in_force(self, month: Any) -> AccountRules:
        """Only the entry in force in ``month``, kept unchanged in every later month.

        A counterfactual "no reform" baseline: ``account_rules("nanchang").in_force("2022-12")``
        credits 2023 under the pre-reform rule.
        """
        index = month_index(month)
        version = self.version_on(dt.date(1970 + index // 12, index % 12 + 1, 1))
        return AccountRules(
            f"{self.region}@{month_of(index)}",
            [AccountVersion(version.effective, copy.deepcopy(version.tree))],
            f"{self.origin} (in force {month_of(index)})",
            draft=self.draft,
        )

    def version_on(self, day: dt.date) -> AccountVersion:
        in_force = [v for v in self.versions if v.effective <= day]
        if not in_force:
            raise PolicyError(
                f"{self.region}: no [[accounts]] entry in force on {day} "
                f"(first: {self.versions[0].effective})"
            )
        return in_force[-1]

    # -- reading --------------------------------------------------------------------------
    def missing(self) -> list[str]:
        """``<effective>:<path>`` of each value the text does not give and no one supplied."""
        return [
            f"{v.effective}:{path}"
            for v in self.versions
            for path, leaf in iter_leaves(v.tree)
            if "missing" in leaf
        ]

    def describe(self) -> pd.DataFrame:
        """Every value of every entry with its source and assumption."""
        rows = []
        for v in self.versions:
            for path, leaf in iter_leaves(v.tree):
                rows.append(
                    {
                        "effective": v.effective,
                        "parameter": path,
                        "value": leaf.get("value", pd.NA),
                        "missing": leaf.get("missing", pd.NA),
                        "source": leaf.get("source", pd.NA),
                        "assumption": leaf.get("assumption", pd.NA),
                    }
                )
        return pd.DataFrame(rows)

    def subsidy_label(self, month: int) -> str | None:
        """The rule label of the civil-servant subsidy (公务员医疗补助) credited in ``month`` (a
        month index), or None where the entry in force credits none."""
        version = self.version_on(dt.date(1970 + month // 12, month % 12 + 1, 1))
        node = version.tree.get(SUBSIDY)
        if node is None:
            return None
        label = node.get("value") if isinstance(node, Mapping) else node
        if not isinstance(label, str) or not label:
            raise PolicyError(f"{self.origin}: {SUBSIDY} must be {{value = <rule label>}}")
        return label

    @property
    def labels(self) -> list[str]:
        """The ``rule`` labels, indexed by the core's label codes."""
        return self._compiled[1]

    def __getstate__(self) -> dict[str, Any]:
        # The compiled tables are a C++ object: rebuilt after unpickling (e.g. on a Dask worker).
        state = dict(self.__dict__)
        state.pop("_compiled", None)
        return state

    def _own_copy(self) -> AccountRules:
        """Equal rules sharing only the read-only parameter trees (see ``Policy._own_copy``)."""
        twin = object.__new__(AccountRules)
        twin.__dict__.update(self.__dict__)
        twin.versions = [AccountVersion(v.effective, v.tree) for v in self.versions]
        core, labels = self._compiled
        twin.__dict__["_compiled"] = (copy.copy(core), list(labels))
        return twin

    @property
    def core(self) -> Any:
        """The compiled tables for ``yibao._core``."""
        return self._compiled[0]

    @cached_property
    def _compiled(self) -> tuple[Any, list[str]]:
        from . import _core

        labels: dict[str, int] = {}
        policy = _core.AccountPolicy()
        policy.region = self.region
        compiled = []
        for v in self.versions:
            where = f"{self.origin} [[accounts]] {v.effective}"
            unknown = sorted(set(v.tree) - _ENTRY_KEYS)
            if unknown:
                raise _unknown(where, unknown[0], unknown[0], sorted(_ENTRY_KEYS))
            cv = _core.AccountVersion()
            cv.effective_month = month_index(v.effective)
            cv.rounding = getattr(_core.Rounding, _rounding(v.tree, where))
            bands = []
            for status in STATUSES:
                by_tier = []
                for tier in TIERS:
                    node = _formula_node(v.tree, status, tier, where)
                    by_tier.append(_compile_formula(node, status, tier, where, labels))
                bands.append(by_tier)
            cv.bands = bands
            compiled.append(cv)
        policy.versions = compiled
        policy.validate()
        return policy, list(labels)

    def __repr__(self) -> str:
        draft = " draft" if self.draft else ""
        dates = ", ".join(v.effective.isoformat() for v in self.versions)
        return f"<AccountRules {self.region!r}{draft}; entries from {dates}>"


def account_rules(policy: Any) -> AccountRules:
    """The account rules of a region key, a policy file path, a ``Policy`` or ``AccountRules``."""
    if isinstance(policy, AccountRules):
        return policy
    from .policy import Policy, regions

    if isinstance(policy, Policy):
        carried = getattr(policy, "accounts", None)  # a future Policy may carry them
        if isinstance(carried, AccountRules):
            return carried
        origin = policy.origin
        while origin.endswith(")") and " (" in origin:
            origin = origin[: origin.rindex(" (")]
        key = origin.removesuffix(".toml")
        if "/" not in origin and key in regions():
            return _bundled(key)
        if origin.endswith(".toml") and Path(origin).is_file():
            return AccountRules.from_toml(Path(origin).read_text("utf-8"), origin=origin)
        raise PolicyError(
            f"policy {policy.region!r} (from {policy.origin}) carries no [[accounts]] entries: "
            "pass a region key or a policy file, or yibao.accounts.account_rules(...)"
        )
    if isinstance(policy, Path) or (isinstance(policy, str) and policy.endswith(".toml")):
        path = Path(policy)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
        return AccountRules.from_toml(text, origin=str(path))
    if isinstance(policy, str):
        if policy not in regions():
            raise PolicyError(f"unknown region {policy!r}; bundled regions: {', '.join(regions())}")
        return _bundled(policy)
    raise TypeError(
        f"policy must be a region key, a policy file, a Policy or AccountRules, got {policy!r}"
    )


def _bundled(region: str) -> AccountRules:
    from .policy import load_policy

    carried = load_policy(region).accounts  # parsed once per process (policy.py)
    if isinstance(carried, AccountRules):
        return carried
    text = resources.files(_PACKAGE_POLICIES).joinpath(f"{region}.toml").read_text("utf-8")
    return AccountRules.from_toml(text, origin=f"{region}.toml")


# -- compilation ---------------------------------------------------------------------------


def _rounding(tree: Mapping[str, Any], where: str) -> str:
    node = tree.get("rounding", {"value": "half_up"})
    value = node.get("value") if isinstance(node, Mapping) else node
    if value not in _ROUNDINGS:
        raise PolicyError(f"{where}: rounding must be one of {_ROUNDINGS}, got {value!r}")
    return str(value)


def _formula_node(tree: Mapping[str, Any], status: str, tier: str, where: str) -> Mapping[str, Any]:
    node = tree.get(status)
    if not isinstance(node, Mapping):
        raise PolicyError(f"{where}: [accounts.{status}] is required")
    override = node.get(tier)
    if isinstance(override, Mapping):
        return override
    return node


def _age_split(node: Any) -> list[tuple[int, int | None, Any]] | None:
    """``[(from, to, child), ...]`` of an age-split table, or None when ``node`` is not one."""
    if not isinstance(node, Mapping) or is_leaf(node) or not node:
        return None
    matches = [(_AGE_KEY.match(str(k)), v) for k, v in node.items()]
    if not all(m for m, _ in matches):
        return None
    bands = []
    for m, child in matches:
        assert m is not None
        bands.append((int(m.group(1)), None if m.group(2) == "up" else int(m.group(2)), child))
    return sorted(bands, key=lambda b: b[0])


def _breakpoints(node: Mapping[str, Any], path: str, where: str) -> set[int]:
    """Ages at which some value of the formula changes."""
    points: set[int] = set()

    def visit(value: Any, p: str) -> None:
        split = _age_split(value)
        if split is None:
            if isinstance(value, Mapping) and not is_leaf(value):
                for k, child in value.items():
                    visit(child, f"{p}.{k}")
            return
        expected = 0
        for lo, hi, _ in split:
            if lo != expected:
                raise PolicyError(
                    f"{where}: {p} age bands must cover every age from 0 without gaps"
                )
            expected = (hi + 1) if hi is not None else -1
        if expected != -1:
            raise PolicyError(f"{where}: {p} age bands must end with age_<n>_up")
        points.update(lo for lo, _, _ in split)

    for key, value in node.items():
        if key in TIERS:
            continue
        visit(value, f"{path}.{key}")
    return points


def _at_age(value: Any, age: int) -> Any:
    split = _age_split(value)
    if split is None:
        return value
    for lo, hi, child in split:
        if lo <= age and (hi is None or age <= hi):
            return child
    raise AssertionError("age bands were checked to cover every age")


class _Missing(Exception):  # a signal inside compilation, not a user error
    def __init__(self, path: str, leaf: Mapping[str, Any]) -> None:
        self.text = f"{path}: {leaf['missing']} (source: {leaf.get('source', '?')})"
        super().__init__(self.text)


def _leaf(node: Mapping[str, Any], key: str, path: str, age: int, where: str) -> Any | None:
    """The value of ``key`` at ``age``, None when absent; raises _Missing for a missing leaf."""
    if key not in node:
        return None
    value = _at_age(node[key], age)
    if not is_leaf(value):
        raise PolicyError(f"{where}: {path}.{key} must be a value {{value = ..., source = ...}}")
    if "missing" in value:
        raise _Missing(f"{path}.{key}", value)
    return value["value"]


def _number(value: Any, path: str, where: str) -> Decimal:
    return as_decimal(value, path, where)  # a finite number, or a PolicyError naming it


def _base_rate(
    node: Mapping[str, Any], path: str, age: int, tier: str, where: str
) -> tuple[Decimal, Decimal]:
    """``base_rate`` at ``age`` as (the member's own shares, the employer share).

    One rate is the member's own; a table of named shares sums every share but
    ``employer`` into the first, and gives ``employer`` apart (its product is rounded on its
    own, docs/design.md §6b) and only to the tier that has an employer.
    """
    if "base_rate" not in node:
        return Decimal(0), Decimal(0)
    value = _at_age(node["base_rate"], age)
    if is_leaf(value):
        rate = _leaf({"r": value}, "r", f"{path}.base_rate", age, where)
        return _number(rate, f"{path}.base_rate", where), Decimal(0)
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: {path}.base_rate must be a rate or a table of shares")
    own = employer = Decimal(0)
    for share in value:
        if share == _EMPLOYER_SHARE and tier != _EMPLOYER_SHARE:
            continue  # an employer share needs an employer (individual_1 / individual_2)
        rate = _number(
            _leaf(value, share, f"{path}.base_rate", age, where), f"{path}.base_rate.{share}", where
        )
        if share == _EMPLOYER_SHARE:
            employer = rate
        else:
            own += rate
    return own, employer


def _label(node: Mapping[str, Any], path: str, age: int, where: str) -> str:
    rule = _at_age(node.get("rule", path), age)
    if is_leaf(rule):
        rule = rule.get("value", path)
    if not isinstance(rule, str):
        raise PolicyError(f"{where}: {path}.rule must be a label or a table of labels by age")
    return rule


def _compile_formula(
    node: Mapping[str, Any], path: str, tier: str, where: str, labels: dict[str, int]
) -> list[Any]:
    from . import _core

    unknown = sorted(set(node) - _FORMULA_KEYS - set(TIERS))
    if unknown:
        valid = sorted(_FORMULA_KEYS | set(TIERS))
        raise _unknown(f"{where}: accounts.{path}", unknown[0], unknown[0], valid)
    bands = []
    for age in sorted(_breakpoints(node, path, where) | {0}):
        f = _core.CreditFormula()
        f.label = labels.setdefault(_label(node, path, age, where), len(labels))
        try:
            _fill(f, node, path, age, tier, where)
        except _Missing as missing:
            f.missing = missing.text
        bands.append(_core.AgeBand(age, f))
    return bands


def _fill(f: Any, node: Mapping[str, Any], path: str, age: int, tier: str, where: str) -> None:
    from . import _core

    none = _leaf(node, "none", path, age, where)
    if none is not None:
        if not isinstance(none, bool):
            raise PolicyError(f"{where}: {path}.none must be true or false")
        if none:
            f.account = False
            return

    def rate(key: str) -> int:
        value = _leaf(node, key, path, age, where)
        return (
            0
            if value is None
            else ppm(_number(value, f"{path}.{key}", where), f"{path}.{key}", where)
        )

    def money(key: str) -> int:
        value = _leaf(node, key, path, age, where)
        return (
            0
            if value is None
            else fen(_number(value, f"{path}.{key}", where), f"{path}.{key}", where)
        )

    f.fixed = money("fixed")
    own, employer = _base_rate(node, path, age, tier, where)
    f.base_rate = ppm(own, f"{path}.base_rate", where)
    f.employer_rate = ppm(employer, f"{path}.base_rate.{_EMPLOYER_SHARE}", where)
    f.pension_rate = rate("pension_rate")
    f.reference_rate = rate("average_rate")
    provisional = _leaf(node, "provisional", path, age, where)
    if provisional is not None:
        f.has_provisional = True
        f.provisional = fen(
            _number(provisional, f"{path}.provisional", where), f"{path}.provisional", where
        )
        try:
            f.reference = money("average_pension")
        except _Missing:
            f.adjusted_from = _core.never  # the average is not known yet: provisional only
            return
        month = _leaf(node, "true_up_month", path, age, where)
        try:
            f.adjusted_from = month_index(str(month))
        except ValueError as exc:
            raise PolicyError(
                f"{where}: {path}.true_up_month must be 'YYYY-MM', got {month!r}"
            ) from exc
        return
    if f.reference_rate:
        f.reference = money("average_pension")
    if not (f.fixed or f.base_rate or f.employer_rate or f.pension_rate or f.reference_rate):
        raise PolicyError(
            f"{where}: accounts.{path} credits nothing; say none = {{value = true}} for no account"
        )


# -- overrides (as Policy.replace: plain values become leaves) -------------------------------


def _as_tree(value: Any, source: str) -> Any:
    if isinstance(value, Mapping):
        if is_leaf(value):
            leaf = dict(value)
            leaf.setdefault("source", source)
            return leaf
        return {
            str(k): (v if k == "rule" and isinstance(v, str) else _as_tree(v, source))
            for k, v in value.items()
        }
    if isinstance(value, float):
        value = Decimal(repr(value))  # shortest round-trip decimal, never the binary value
    elif isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            pass  # a label or a month such as "2023-03"
    return {"value": value, "source": source}


def _has_path(tree: Mapping[str, Any], path: str) -> bool:
    node: Any = tree
    for key in path.split("."):
        if not isinstance(node, Mapping) or is_leaf(node) or key not in node:
            return False
        node = node[key]
    return True


def _set_path(tree: dict[str, Any], path: str, value: Any, origin: str) -> None:
    keys = path.split(".")
    if keys[-1] == "rule" and isinstance(value, Mapping) and is_leaf(value):
        value = value["value"]
    node = tree
    for i, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None or (is_leaf(child) and "missing" in child):
            child = node[key] = {}
        elif is_leaf(child) or not isinstance(child, dict):
            above = ".".join(keys[: i + 1])
            raise PolicyError(
                f"{origin}: accounts {above} is a single value; replace {above} as a whole"
            )
        node = child
    node[keys[-1]] = value
