"""Parameter trees of the policy files: leaves, dimensions and look-ups.

A parameter is a *leaf* ``{value = ..., source = "...", assumption = "..."}`` or, when the
source text does not give it, ``{missing = "...", source = "..."}``. A parameter may be
split by a dimension (status, level or tier) into sub-tables; a leaf higher up applies to
every key below it, so ``annual_cap = {value = 2000}`` covers every tier and status.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from ._schema import LEVEL_KEYS, STATUSES, TIERS
from .errors import PolicyError

__all__ = [
    "DIMENSIONS",
    "LEVELS",
    "STATUSES",
    "TIERS",
    "Missing",
    "dated_entries",
    "is_leaf",
    "iter_leaves",
    "parse_toml",
    "read_only",
    "resolve",
]

LEVELS = LEVEL_KEYS  # the dimensions' keys are the schema's (schema.toml)
DIMENSIONS: dict[str, tuple[str, ...]] = {"status": STATUSES, "level": LEVELS, "tier": TIERS}
LEAF_KEYS = frozenset({"value", "missing", "source", "assumption", "note"})


class Missing(Exception):
    """A leaf that the source text does not give, met while compiling."""

    def __init__(self, path: str, leaf: Mapping[str, Any]) -> None:
        self.path = path
        self.text = str(leaf["missing"])
        self.source = str(leaf.get("source", ""))
        super().__init__(f"{path}: {self.text}")


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    """A policy file's text as a dict; floats are read as exact decimals (docs/design.md §4)."""
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{origin}: not valid TOML: {exc}") from exc


def dated_entries(
    data: Mapping[str, Any], key: str, origin: str, missing: str
) -> list[tuple[dt.date, dict[str, Any]]]:
    """The ``[[key]]`` array of a policy file as (effective date, the entry without it)."""
    raw = data.get(key)
    if not isinstance(raw, list):
        raise PolicyError(f"{origin}: {missing}")
    entries = []
    for i, entry in enumerate(raw):
        effective = entry.get("effective") if isinstance(entry, Mapping) else None
        if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
            raise PolicyError(f"{origin}: {key}[{i}].effective must be a date (YYYY-MM-DD)")
        entries.append((effective, {k: v for k, v in entry.items() if k != "effective"}))
    return entries


class _ReadOnlyDict(dict[str, Any]):
    """A parameter table shared by every copy of a bundled policy: reading as a dict, any
    change raises. Copies (``copy.deepcopy``, as ``Policy.replace`` makes) and pickles are
    plain, changeable dicts."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "a bundled policy's parameters are shared and read-only: make a changed policy "
            "with Policy.replace(...)"
        )

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


class _ReadOnlyList(list[Any]):
    """A list inside a shared parameter table (see ``_ReadOnlyDict``)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a bundled policy's parameters are shared and read-only")

    __setitem__ = __delitem__ = append = extend = insert = pop = remove = clear = _refuse
    sort = reverse = __iadd__ = __imul__ = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


def read_only(node: Any) -> Any:
    """``node`` with every table and list in it read-only (leaves are immutable already)."""
    if isinstance(node, dict):
        return _ReadOnlyDict({key: read_only(value) for key, value in node.items()})
    if isinstance(node, list):
        return _ReadOnlyList(read_only(value) for value in node)
    return node


def is_leaf(node: object) -> bool:
    return isinstance(node, Mapping) and ("value" in node or "missing" in node)


def iter_leaves(
    node: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every (dotted path, leaf) below ``node``, in file order."""
    for key, child in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if is_leaf(child):
            yield path, child
        elif isinstance(child, Mapping):
            yield from iter_leaves(child, path)


def resolve(node: Any, path: str, where: str, **dims: str) -> Mapping[str, Any]:
    """The leaf that applies to ``dims`` (e.g. ``status="retired", level="level2"``).

    Raises ``Missing`` for a missing leaf and ``PolicyError`` for a malformed tree.
    """
    while not is_leaf(node):
        if not isinstance(node, Mapping) or not node:
            raise PolicyError(f"{where}: {path} must be a parameter {{value = ..., source = ...}}")
        keys = set(node)
        split = [d for d, names in DIMENSIONS.items() if keys <= set(names)]
        if not split:
            raise PolicyError(
                f"{where}: {path} has unknown keys {sorted(keys)}; a parameter is split by one "
                f"of {', '.join(f'{d} {names}' for d, names in DIMENSIONS.items())}"
            )
        dim = split[0]
        if dim not in dims:
            raise PolicyError(f"{where}: {path} is split by {dim}, which does not apply to it")
        key = dims[dim]
        if key not in node:
            raise PolicyError(f"{where}: {path} has no value for {key}")
        node = node[key]
        path = f"{path}.{key}"
    if "missing" in node:
        raise Missing(path, node)
    unknown = set(node) - LEAF_KEYS
    if unknown:
        raise PolicyError(f"{where}: {path} has unknown keys {sorted(unknown)}")
    leaf: Mapping[str, Any] = node
    return leaf


def leaf_value(leaf: Mapping[str, Any]) -> Any:
    return leaf["value"]


def as_decimal(value: Any, path: str, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise PolicyError(f"{where}: {path} must be a number, got {value!r}")
    try:
        number = Decimal(value) if not isinstance(value, Decimal) else value
    except Exception as exc:
        raise PolicyError(f"{where}: {path} must be a number, got {value!r}") from exc
    if not number.is_finite():  # NaN, sNaN and infinity would fail any comparison later
        raise PolicyError(f"{where}: {path} must be a finite number, got {value!r}")
    return number
