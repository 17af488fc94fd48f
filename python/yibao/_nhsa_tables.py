"""The NHSA field and code tables of ``nhsa.toml``, read once, checked against yibao's vocabulary.

``nhsa.toml`` (beside this file) is the one declaration of the platform's fields and code lists;
:mod:`yibao.nhsa` and :mod:`yibao.naming` read them from here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ._claims import SERVICE_CODES, STATUS_CODES

__all__ = [
    "CODE_LISTS",
    "FIELDS",
    "SOURCES",
    "Code",
    "Field",
    "code_key",
    "code_table",
]

SET_ASIDE = "set_aside"
# What each code list maps to, besides "set_aside": yibao's own vocabulary where there is one.
_TARGETS: dict[str, frozenset[Any]] = {
    "med_type": frozenset(SERVICE_CODES),
    "psn_type": frozenset(s for s in STATUS_CODES if s.isascii()),
    "insutype": frozenset({"keep"}),
    "hosp_lv": frozenset({0, 1, 2, 3}),
    "dedc_hosp_lv": frozenset({0, 1, 2, 3}),
    "vali_flag": frozenset({"keep"}),
    "refd_setl_flag": frozenset({"settlement", "reversal"}),
    "region_admdvs": frozenset(),  # free text: admdvs prefixes
}
CODE_LISTS = tuple(_TARGETS)


@dataclass(frozen=True)
class Field:
    """One settlement field: its yibao column, kind and meaning."""

    nhsa: str
    yibao: str
    kind: str
    meaning: str
    output: str | None = None


@dataclass(frozen=True)
class Code:
    """One code of a code list: what it maps to, its label, and why a row is set aside."""

    value: Any
    label: str = ""
    reason: str = ""
    assumption: str = ""


def code_key(value: Any) -> str:
    """The canonical text of a code: ``"01"``, ``1`` and ``1.0`` are all ``"1"``.

    Warehouses store codes as integers (``setl_d``) and other tables as text, so the tables are
    matched on this form.

    >>> [code_key(v) for v in ("01", 1, 1.0, " 310 ", "A1")]
    ['1', '1', '1', '310', 'A1']
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return str(int(text)) if text.isdigit() else text


def _load() -> tuple[dict[str, Field], dict[str, dict[str, Code]], dict[str, str]]:
    text = resources.files("yibao").joinpath("nhsa.toml").read_text("utf-8")
    data = tomllib.loads(text)
    fields = {name: Field(nhsa=name, **spec) for name, spec in data["fields"].items()}
    codes = {name: code_table(name, data[name], origin="nhsa.toml") for name in CODE_LISTS}
    return fields, codes, dict(data["sources"])


def code_table(name: str, entries: Mapping[Any, Any], *, origin: str) -> dict[str, Code]:
    """A code list keyed by :func:`code_key`; each value is checked against yibao's vocabulary.

    ``entries`` maps a code to a :class:`Code`, to a table ``{value=..., label=...}``, or
    simply to the value (``{"9903": "general"}``, as a user's ``codes=`` override gives it).
    """
    allowed = _TARGETS[name]
    table: dict[str, Code] = {}
    for raw, spec in entries.items():
        if isinstance(spec, Code):
            code = spec
        elif isinstance(spec, Mapping):
            code = Code(**spec)
        else:
            code = Code(value=spec)
        if allowed and code.value not in allowed and code.value != SET_ASIDE:
            choices = ", ".join(repr(v) for v in sorted(allowed, key=str))
            raise ValueError(
                f"{origin}: {name} code {raw!r} maps to {code.value!r}; "
                f"use one of {choices} or 'set_aside'"
            )
        if code.value == SET_ASIDE and not code.reason:
            code = Code(code.value, code.label, f"{name} {raw} set aside by the caller's codes")
        table[code_key(raw)] = code
    return table


FIELDS, CODES, SOURCES = _load()
