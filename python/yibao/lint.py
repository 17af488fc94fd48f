"""``yibao.lint_policy``: schema check and plausibility lint of a policy file (issue 6).

Loading a policy (:func:`yibao.load_policy`) already refuses what the engine cannot use.
The lint goes further and reports, as a list of :class:`Finding`, every problem it sees
rather than the first, including numbers that are legal but implausible:

======================  ========  ===========================================================
rule                    severity  what it flags
======================  ========  ===========================================================
``schema``              error     not TOML, unknown or malformed keys, a file that does not
                                  load (the message names the file and the key)
``rate-range``          error     a payment rate (retired increase included) outside 0..1
``negative-amount``     error     a deductible, cap or account amount below zero
``version-order``       error     two versions (or account entries) in force from the same
                                  day, so they overlap; *warning* when merely out of order
``retired-below``       warning   retirees worse off than in-service members: a lower rate,
                                  a higher deductible or a lower annual cap
``rate-by-level``       warning   a rate that increases with the institution level (the
                                  texts pay lower rates at higher levels)
``no-source``           warning   a value without ``source`` (docs/design.md §5: every number cites
                                  its document and article)
======================  ========  ===========================================================

>>> [f for f in lint_policy("jining") if f.severity == "error"]
[]

Run on a file from the shell: ``python -m yibao.lint my_region.toml`` (exit status 1 when
there is an error).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ._compile import POOL_KEYS, UNCOMPILED_KEYS, VERSION_KEYS
from ._tree import LEVELS, STATUSES, TIERS, Missing, iter_leaves, resolve
from .errors import PolicyError
from .policy import Policy, regions

__all__ = ["Finding", "lint_policy"]

Severity = Literal["error", "warning"]

_TOP_KEYS = frozenset({"region", "name", "document", "file", "draft", "versions", "accounts"})
_TOP_KEYS |= UNCOMPILED_KEYS
_VERSION_KEYS = VERSION_KEYS | {"effective"}
_POOL_KEYS = POOL_KEYS | {"missing", "source"}
_AMOUNT_KEYS = ("deductible", "first_visit", "later_visit", "visit_cap", "annual_cap")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in a policy: where (file, version, key), what rule, and why."""

    file: str
    version: str  # effective date of the version or account entry ("" for the whole file)
    key: str  # dotted path inside the version, or the top-level key
    rule: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.version:
            tag = self.version if self.version.startswith("accounts") else f"version {self.version}"
            where += f" [{tag}]"
        if self.key:
            where += f" {self.key}"
        return f"{where}: {self.severity} {self.rule}: {self.message}"


class _Linter:
    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.findings: list[Finding] = []

    def add(self, version: str, key: str, rule: str, severity: Severity, message: str) -> None:
        self.findings.append(Finding(self.origin, version, key, rule, severity, message))

    # -- schema -------------------------------------------------------------------------
    def schema(self, data: Mapping[str, Any]) -> None:
        for key in sorted(set(data) - _TOP_KEYS):
            self.add("", key, "schema", "error", f"unknown top-level key {key!r}")
        versions = data.get("versions")
        if not isinstance(versions, list) or not versions:
            self.add(
                "", "versions", "schema", "error", "a policy needs at least one [[versions]] table"
            )
            return
        for i, raw in enumerate(versions):
            if not isinstance(raw, Mapping):
                self.add(
                    f"#{i}", "versions", "schema", "error", "a [[versions]] entry must be a table"
                )
                continue
            label = _label(raw, i)
            effective = raw.get("effective")
            if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
                self.add(
                    label, "effective", "schema", "error", "effective must be a date (YYYY-MM-DD)"
                )
            for key in sorted(set(raw) - _VERSION_KEYS):
                self.add(label, key, "schema", "error", f"unknown key {key!r} in a version")
            pools = raw.get("pools", {})
            if not isinstance(pools, Mapping):
                self.add(label, "pools", "schema", "error", "pools must be a table of pools")
                continue
            for name, pool in pools.items():
                if not isinstance(pool, Mapping):
                    self.add(label, f"pools.{name}", "schema", "error", "a pool must be a table")
                    continue
                for key in sorted(set(pool) - _POOL_KEYS):
                    self.add(
                        label, f"pools.{name}.{key}", "schema", "error", f"unknown pool key {key!r}"
                    )
            for path, leaf in iter_leaves(raw):
                if "value" in leaf and "source" not in leaf and not path.startswith("rules"):
                    self.add(
                        label,
                        path,
                        "no-source",
                        "warning",
                        "a value without `source` (document and article)",
                    )

    def load(self, data: Mapping[str, Any]) -> Policy | None:
        """Compile the policy as the engine would; its errors name the file and the key."""
        try:
            return Policy.from_dict(data, origin=self.origin)
        except PolicyError as exc:
            self.add("", _key_of(str(exc), self.origin), "schema", "error", str(exc))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            self.add("", "", "schema", "error", f"{self.origin}: cannot be read: {exc!r}")
        return None

    def accounts(self, data: Mapping[str, Any]) -> None:
        entries = data.get("accounts")
        if entries is None:
            return
        try:
            from ._accounts_policy import AccountRules

            rules = AccountRules.from_dict(data, origin=self.origin)
            rules.core  # noqa: B018 - compiling checks every formula
        except PolicyError as exc:
            self.add("", _key_of(str(exc), self.origin) or "accounts", "schema", "error", str(exc))
        except ImportError:  # pragma: no cover - accounts support not built in
            pass
        if not isinstance(entries, list):
            return
        self.order([e.get("effective") for e in entries if isinstance(e, Mapping)], "accounts")
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                continue
            label = f"accounts {_label(entry, i)}"
            for path, leaf in iter_leaves(entry):
                value = _number(leaf.get("value"))
                if value is None:
                    continue
                last = path.split(".")[-1]
                is_rate = "rate" in path.split(".")[-2:][0] or "rate" in last
                if is_rate and not Decimal(0) <= value <= Decimal(1):
                    self.add(label, path, "rate-range", "error", f"rate {value} lies outside 0..1")
                elif not is_rate and value < 0:
                    self.add(label, path, "negative-amount", "error", f"amount {value} is negative")

    # -- plausibility -------------------------------------------------------------------
    def order(self, dates: list[Any], what: str) -> None:
        dates = [d for d in dates if isinstance(d, dt.date)]
        seen: set[dt.date] = set()
        for d in dates:
            if d in seen:
                self.add(
                    d.isoformat(),
                    what,
                    "version-order",
                    "error",
                    f"two {what} entries take effect on {d}: they overlap",
                )
            seen.add(d)
        if dates != sorted(dates):
            self.add(
                "", what, "version-order", "warning", f"{what} are not in date order in the file"
            )

    def version(self, effective: dt.date, tree: Mapping[str, Any]) -> None:
        label = effective.isoformat()
        where = f"{self.origin} version {label}"
        if "overall_cap" in tree:
            self.amount(label, "overall_cap", tree["overall_cap"], where)
        for name, pool in tree.get("pools", {}).items():
            if isinstance(pool, Mapping) and "missing" not in pool:
                self.pool(label, f"pools.{name}", pool, where)

    def amount(self, label: str, path: str, node: Any, where: str, **dims: str) -> Decimal | None:
        try:
            value = _number(resolve(node, path, where, **dims).get("value"))
        except (Missing, PolicyError):
            return None
        if value is not None and value < 0:
            at = ".".join([path, *dims.values()])
            self.add(label, at, "negative-amount", "error", f"amount {value} is negative")
        return value

    def pool(self, label: str, path: str, pool: Mapping[str, Any], where: str) -> None:
        increase = Decimal(0)
        if "retired_rate_increase" in pool:
            increase = self.amount(
                label, f"{path}.retired_rate_increase", pool["retired_rate_increase"], where
            ) or Decimal(0)
        # Rates by status and level, with the retired increase, as the engine computes them.
        rates: dict[tuple[str, str], Decimal] = {}
        for status in STATUSES:
            for level in LEVELS:
                try:
                    leaf = resolve(
                        pool.get("rate"), f"{path}.rate", where, status=status, level=level
                    )
                except (Missing, PolicyError):
                    continue
                rate = _number(leaf.get("value"))
                if rate is None:
                    continue
                if status == "retired":
                    rate += increase
                rates[status, level] = rate
                if not Decimal(0) <= rate <= Decimal(1):
                    self.add(
                        label,
                        f"{path}.rate.{status}.{level}",
                        "rate-range",
                        "error",
                        f"rate {rate} lies outside 0..1",
                    )
        for status in STATUSES:
            row = [rates.get((status, lv)) for lv in LEVELS]
            for lower, higher, a, b in zip(LEVELS, LEVELS[1:], row, row[1:], strict=False):
                if a is not None and b is not None and b > a:
                    self.add(
                        label,
                        f"{path}.rate.{status}",
                        "rate-by-level",
                        "warning",
                        f"the {higher} rate {b} exceeds the {lower} rate {a}: rates normally "
                        "fall as the level rises",
                    )
        for level in LEVELS:
            working, retired = rates.get(("in_service", level)), rates.get(("retired", level))
            if working is not None and retired is not None and retired < working:
                self.add(
                    label,
                    f"{path}.rate.{level}",
                    "retired-below",
                    "warning",
                    f"retired rate {retired} is below the in-service rate {working}",
                )

        for key in _AMOUNT_KEYS:
            if key not in pool:
                continue
            node = pool[key]
            for dims in _dims_for(key):
                self.amount(label, f"{path}.{key}", node, where, **dims)
        if "deductible" in pool:
            for level in LEVELS:
                working = self.amount(
                    label,
                    f"{path}.deductible",
                    pool["deductible"],
                    where,
                    status="in_service",
                    level=level,
                )
                retired = self.amount(
                    label,
                    f"{path}.deductible",
                    pool["deductible"],
                    where,
                    status="retired",
                    level=level,
                )
                if working is not None and retired is not None and retired > working:
                    self.add(
                        label,
                        f"{path}.deductible.{level}",
                        "retired-below",
                        "warning",
                        f"retired deductible {retired} is above the in-service {working}",
                    )
        if "annual_cap" in pool:
            for tier in TIERS:
                working = self.amount(
                    label,
                    f"{path}.annual_cap",
                    pool["annual_cap"],
                    where,
                    tier=tier,
                    status="in_service",
                )
                retired = self.amount(
                    label,
                    f"{path}.annual_cap",
                    pool["annual_cap"],
                    where,
                    tier=tier,
                    status="retired",
                )
                if working is not None and retired is not None and retired < working:
                    self.add(
                        label,
                        f"{path}.annual_cap.{tier}",
                        "retired-below",
                        "warning",
                        f"retired annual cap {retired} is below the in-service {working}",
                    )


def _dims_for(key: str) -> list[dict[str, str]]:
    if key == "deductible":
        return [{"status": s, "level": lv} for s in STATUSES for lv in LEVELS]
    if key == "annual_cap":
        return [{"tier": t, "status": s} for t in TIERS for s in STATUSES]
    return [{"level": lv} for lv in LEVELS]


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str, float)):
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except ArithmeticError:
        return None


def _label(raw: Mapping[str, Any], i: int) -> str:
    effective = raw.get("effective")
    return effective.isoformat() if isinstance(effective, dt.date) else f"#{i}"


_KEY = re.compile(r"\b(?:overall_cap|rounding|level0_as|effective|[A-Za-z_]\w*(?:\.\w+)+)\b")


def _key_of(message: str, origin: str) -> str:
    """The first parameter key (``pools.general.rate``) a PolicyError message names, if any."""
    for match in _KEY.finditer(message.replace(origin, "")):
        if not match.group().endswith(".toml"):
            return match.group()
    return ""


def _read(source: str | os.PathLike[str]) -> tuple[str, str]:
    """(text, origin) of a bundled region key or a policy file path."""
    if not isinstance(source, Path) and str(source) in regions():
        text = resources.files("yibao.policies").joinpath(f"{source}.toml").read_text("utf-8")
        return text, f"{source}.toml"
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc}") from exc


def _lint_data(data: Mapping[str, Any], origin: str) -> list[Finding]:
    linter = _Linter(origin)
    linter.schema(data)
    versions = data.get("versions")
    if isinstance(versions, list):
        linter.order([v.get("effective") for v in versions if isinstance(v, Mapping)], "versions")
    policy = linter.load(data)
    linter.accounts(data)
    if policy is not None:
        for version in policy.versions:
            linter.version(version.effective, version.tree)
    elif isinstance(versions, list):  # lint what can be read even when the file does not load
        for v in versions:
            if isinstance(v, Mapping) and isinstance(v.get("effective"), dt.date):
                linter.version(v["effective"], v)
    return sorted(
        set(linter.findings), key=lambda f: (f.severity != "error", f.version, f.key, f.rule)
    )


def lint_policy(policy: str | os.PathLike[str] | Policy | Mapping[str, Any]) -> list[Finding]:
    """Check a policy and return every :class:`Finding`, errors first (empty: all clear).

    Parameters
    ----------
    policy
        A bundled region key (``"jining"``), the path of a policy TOML file, a parsed
        policy mapping (as ``tomllib`` gives, with ``parse_float=Decimal``), or a
        :class:`~yibao.Policy` (e.g. a reform from ``Policy.replace``).

    Raises
    ------
    PolicyError
        Only when the file cannot be read at all; a file that is not valid TOML gives a
        ``schema`` finding instead.
    """
    if isinstance(policy, Policy):
        linter = _Linter(policy.origin)
        linter.order([v.effective for v in policy.versions], "versions")
        for version in policy.versions:
            linter.schema({"versions": [{"effective": version.effective, **version.tree}]})
            linter.version(version.effective, version.tree)
        return sorted(
            set(linter.findings), key=lambda f: (f.severity != "error", f.version, f.key, f.rule)
        )
    if isinstance(policy, Mapping):
        return _lint_data(policy, "<dict>")
    text, origin = _read(policy)
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        return [Finding(origin, "", "", "schema", "error", f"{origin}: not valid TOML: {exc}")]
    return _lint_data(data, origin)


def _iter_paths(args: list[str]) -> Iterator[str]:
    yield from (args or regions())


def main(argv: list[str] | None = None) -> int:
    """``python -m yibao.lint [FILE_OR_REGION ...]``: print findings; 1 if any error."""
    failed = False
    for source in _iter_paths(list(sys.argv[1:] if argv is None else argv)):
        findings = lint_policy(source)
        for finding in findings:
            print(finding)
        failed |= any(f.severity == "error" for f in findings)
        if not findings:
            print(f"{source}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
