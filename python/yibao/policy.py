"""Policies: regional rules as dated, referenced data (docs/design.md §5).

A policy is a TOML file under ``yibao/policies/``: metadata, then ``[[versions]]`` dated by
the day they take effect. Each version holds benefit pools (deductible, rates, caps) and a
table saying which pool each service uses. Every number carries its ``source`` (document
and article) and, where it interprets the text, an ``assumption``. A reform is an override
of this data (``Policy.replace``), never new code.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ._tree import dated_entries, is_leaf, iter_leaves, parse_toml, read_only
from .errors import PolicyError

__all__ = ["Policy", "load_policy", "regions"]

_PACKAGE_POLICIES = "yibao.policies"
_META_KEYS = ("region", "name", "document", "file", "draft", "outflows")


def regions() -> list[str]:
    """The region keys of the bundled policies, e.g. ``['chongqing', 'ili', ...]``."""
    files = resources.files(_PACKAGE_POLICIES).iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def load_policy(region: str | Path) -> Policy:
    """Load a bundled policy by region key, or a policy file by path.

    A bundled policy is parsed and compiled once per process; each call returns a policy of
    its own whose parameter tables are shared and read-only (change them with
    :meth:`Policy.replace`), so no caller can change a region's rules for another. A file is
    read on every call.

    >>> load_policy("ili").versions[0].effective
    datetime.date(2022, 1, 1)
    """
    if isinstance(region, Path) or str(region).endswith(".toml"):
        path = Path(region)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
        return Policy.from_toml(text, origin=str(path))
    if region not in regions():
        raise PolicyError(f"unknown region {region!r}; bundled regions: {', '.join(regions())}")
    return _bundled(str(region))._own_copy()


@functools.cache
def _bundled(region: str) -> Policy:
    """The bundled policy of ``region``, parsed and compiled once; never handed out itself."""
    text = resources.files(_PACKAGE_POLICIES).joinpath(f"{region}.toml").read_text("utf-8")
    policy = Policy.from_toml(text, origin=f"{region}.toml")
    for v in policy.versions:
        v.tree = read_only(v.tree)
    if policy.accounts is not None:
        for av in policy.accounts.versions:
            av.tree = read_only(av.tree)
    return policy


class Version:
    """One dated version of a policy: the parameter tree in force from ``effective``."""

    def __init__(self, effective: dt.date, tree: Mapping[str, Any]) -> None:
        self.effective = effective
        self.tree: dict[str, Any] = dict(tree)

    def __repr__(self) -> str:
        return f"Version(effective={self.effective.isoformat()})"


class Policy:
    """A region's rules: metadata and dated versions of the parameters.

    Use :func:`load_policy` to get one; :meth:`replace` to make a reform;
    :meth:`describe` to see every parameter with its source.
    """

    def __init__(
        self,
        meta: Mapping[str, Any],
        versions: list[Version],
        origin: str,
        accounts: Any = None,
    ) -> None:
        self.region: str = str(meta.get("region", "custom"))
        self.name: str = str(meta.get("name", self.region))
        self.document: str = str(meta.get("document", ""))
        self.source_file: str = str(meta.get("file", ""))
        self.draft: bool = bool(meta.get("draft", False))
        self.origin = origin
        self.versions = sorted(versions, key=lambda v: v.effective)
        if not self.versions:
            raise PolicyError(f"{origin}: a policy needs at least one [[versions]] entry")
        dates = [v.effective for v in self.versions]
        if len(set(dates)) != len(dates):
            raise PolicyError(f"{origin}: two versions take effect on the same day")
        self._meta = {k: meta[k] for k in _META_KEYS if k in meta}
        # Personal-account rules ([[accounts]], yibao.accounts), dated independently of the
        # outpatient versions; None when the file has none.
        self.accounts = accounts
        _ = self.core  # compile now: a broken policy fails when loaded, not when used

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_toml(cls, text: str, *, origin: str = "<string>") -> Policy:
        """Parse a policy file's text; floats are read as exact decimals."""
        return cls.from_dict(parse_toml(text, origin), origin=origin)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str = "<dict>") -> Policy:
        versions = [
            Version(effective, tree)
            for effective, tree in dated_entries(data, "versions", origin, "missing [[versions]]")
        ]
        accounts = None
        if "accounts" in data:
            from ._accounts_policy import AccountRules

            accounts = AccountRules.from_dict(data, origin=origin)
        return cls(data, versions, origin, accounts)

    def __getstate__(self) -> dict[str, Any]:
        # The compiled tables are a C++ object: rebuilt after unpickling (e.g. on a Dask worker).
        state = dict(self.__dict__)
        state.pop("core", None)
        return state

    def _own_copy(self) -> Policy:
        """A policy equal to this one that shares only what cannot change: the read-only
        parameter trees. Its attributes, version list and compiled tables are its own."""
        twin = object.__new__(Policy)
        twin.__dict__.update(self.__dict__)
        twin._meta = dict(self._meta)
        twin.versions = [Version(v.effective, v.tree) for v in self.versions]
        twin.__dict__["core"] = copy.copy(self.core)  # a C++ copy: a few small tables
        if self.accounts is not None:
            twin.accounts = self.accounts._own_copy()
        return twin

    # -- the core's tables ----------------------------------------------------------------
    @cached_property
    def core(self) -> Any:
        """The compiled tables for ``yibao._core`` (built once per policy object)."""
        from . import _core
        from ._compile import compile_version

        policy = _core.Policy()
        policy.region = self.region
        policy.versions = [
            compile_version(
                self.region, v.effective, v.tree, f"{self.origin} version {v.effective}"
            )
            for v in self.versions
        ]
        policy.validate()
        return policy

    def rule_labels(self) -> list[dict[str, str]]:
        """Per version, the labels of the ``rule`` column (e.g. ``"CQ-4 deductible"``)."""
        return [
            {str(k): str(val) for k, val in v.tree.get("rules", {}).items()} for v in self.versions
        ]

    # -- reforms --------------------------------------------------------------------------
    def replace(
        self,
        changes: Mapping[str, Any] | None = None,
        /,
        *,
        effective: dt.date | str | None = None,
        source: str = "user override",
        region: str | None = None,
    ) -> Policy:
        """A new policy with some parameters replaced; this one is unchanged.

        Parameters
        ----------
        changes
            Dotted paths inside a version (``"pools.general.annual_cap"``,
            ``"pools.general.rate.level3"``, ``"rounding"``) mapped to new values: a number
            (``Decimal``, ``int``, a decimal string, or a float taken through its shortest
            repr), a string for choices, or a table of such values.
        effective
            Without it, every version changes. With a date, the change takes effect on that
            day: a new version is made from the one in force then (a reform from a date).
        source
            Recorded as the ``source`` of every replaced value.
        region
            A new region key for the result (defaults to ``<region>+reform``).

        Examples
        --------
        >>> jining = load_policy("jining")
        >>> reform = jining.replace({"pools.general.annual_cap": 3000})
        >>> reform.versions[0].tree["pools"]["general"]["annual_cap"]["value"]
        3000
        """
        if not changes:
            raise PolicyError("replace() needs a mapping of changes")
        # "accounts.<path>" supplies or reforms the personal-account rules (yibao.accounts).
        account_changes = {k: v for k, v in changes.items() if k.startswith("accounts.")}
        changes = {k: v for k, v in changes.items() if not k.startswith("accounts.")}
        accounts = self.accounts
        if account_changes:
            if accounts is None:
                raise PolicyError(f"{self.origin}: this policy has no [[accounts]] entries")
            accounts = accounts.replace(account_changes, effective=effective, source=source)
        versions = [Version(v.effective, copy.deepcopy(v.tree)) for v in self.versions]
        if changes:
            from ._compile import check_change_path

            for version in self._targets(versions, effective):
                for path, value in changes.items():
                    check_change_path(version.tree, path, f"{self.origin}: replace()")
                    _set_path(version.tree, path, _as_tree(value, source), self.origin)
        meta = dict(self._meta)
        meta["region"] = region or f"{self.region}+reform"
        return Policy(meta, versions, origin=f"{self.origin} (replaced)", accounts=accounts)

    def _targets(self, versions: list[Version], effective: dt.date | str | None) -> list[Version]:
        """The versions a change applies to; with ``effective``, a new version from that day
        (a copy of the one in force then) and every later one."""
        if effective is None:
            return versions
        day = effective if isinstance(effective, dt.date) else dt.date.fromisoformat(effective)
        base = self.version_on(day)
        if base.effective == day:
            targets = [next(v for v in versions if v.effective == day)]
        else:
            targets = [Version(day, copy.deepcopy(base.tree))]
            versions.append(targets[0])
        return targets + [v for v in versions if v.effective > day and v not in targets]

    def version_on(self, day: dt.date) -> Version:
        """The version in force on ``day``; raises if the policy had not started."""
        in_force = [v for v in self.versions if v.effective <= day]
        if not in_force:
            raise PolicyError(
                f"{self.region}: no version in force on {day} (first: {self.versions[0].effective})"
            )
        return in_force[-1]

    def as_of(self, day: dt.date | str) -> Policy:
        """The policy as in force on ``day``: only the version in force then.

        The version keeps its own effective date (claims before it still raise "no version in
        force"); the account rules keep only the ``[[accounts]]`` entry in force in that month
        (none if none was). Use it to compare two versions of one policy with
        :func:`yibao.diff`, or to hold a policy fixed across a later version's start.

        Examples
        --------
        >>> load_policy("ili").as_of("2024-06-30").versions
        [Version(effective=2022-01-01)]
        """
        when = pd.Timestamp(day).date()
        version = self.version_on(when)
        accounts = self.accounts
        if accounts is not None:
            try:
                accounts = accounts.in_force(when.strftime("%Y-%m"))
            except PolicyError:
                accounts = None  # no [[accounts]] entry in force that month
        return Policy(
            self._meta,
            [Version(version.effective, copy.deepcopy(version.tree))],
            origin=f"{self.origin} (as of {when})",
            accounts=accounts,
        )

    # -- reading --------------------------------------------------------------------------
    def describe(self) -> pd.DataFrame:
        """Every parameter of every version with its value, source and assumption."""
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

    def missing(self) -> list[str]:
        """Dotted paths (``<effective>:<path>``) of parameters the text does not give."""
        out = []
        for v in self.versions:
            for path, leaf in iter_leaves(v.tree):
                if "missing" in leaf:
                    out.append(f"{v.effective}:{path}")
        return out

    def __repr__(self) -> str:
        draft = " draft" if self.draft else ""
        dates = ", ".join(v.effective.isoformat() for v in self.versions)
        return f"<Policy {self.region!r}{draft}: {self.name}; versions from {dates}>"


def _as_tree(value: Any, source: str) -> Any:
    """Wrap plain override values into parameter leaves."""
    if isinstance(value, Mapping):
        if is_leaf(value):
            leaf = dict(value)
            leaf.setdefault("source", source)
            return leaf
        return {str(k): _as_tree(v, source) for k, v in value.items()}
    if isinstance(value, float):
        value = Decimal(repr(value))  # shortest round-trip decimal, never the binary value
    elif isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            pass  # a choice such as "half_up" or "prescriber"
    return {"value": value, "source": source}


def _set_path(tree: dict[str, Any], path: str, value: Any, origin: str) -> None:
    keys = path.split(".")
    node = tree
    for i, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif is_leaf(child) or not isinstance(child, dict):
            above = ".".join(keys[: i + 1])
            # A single value that a sub-key now splits: keep it for the other keys.
            if is_leaf(child) and "missing" not in child:
                raise PolicyError(
                    f"{origin}: {above} is a single value; replace {above} as a whole "
                    f"(e.g. with a table by level or status)"
                )
            child = node[key] = {}
        node = child
    node[keys[-1]] = value
