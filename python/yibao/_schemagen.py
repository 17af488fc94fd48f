"""Writes the files generated from ``schema.toml`` (standard library only, run from a checkout).

    python python/yibao/_schemagen.py           # rewrite the generated files
    python python/yibao/_schemagen.py --check   # exit 1 if one is stale (CI)

Generated, and committed so that a build needs no generator:

* ``cpp/include/yibao/schema.hpp``: enums and constexpr tables of the C++ core;
* ``python/yibao/_schema.py``: the same tables for the Python layer (a module rather than the
  TOML read at import: nothing to parse when the package is imported, and mypy sees the
  tables' types);
* ``python/yibao/_core.pyi``: the typed stub of the compiled module: the constants bound from
  ``schema.hpp``, then the hand-written signatures of ``cpp/bindings/_core.pyi.in``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "python" / "yibao" / "schema.toml"
HEADER = ROOT / "cpp" / "include" / "yibao" / "schema.hpp"
MODULE = ROOT / "python" / "yibao" / "_schema.py"
STUB = ROOT / "python" / "yibao" / "_core.pyi"
STUB_BINDINGS = ROOT / "cpp" / "bindings" / "_core.pyi.in"

_NOTICE = "Generated from python/yibao/schema.toml by python/yibao/_schemagen.py: do not edit."
_TYPES = frozenset({"id", "date", "level", "money", "status", "service", "tier"})
_KINDS = frozenset({"money", "label"})
_UINT16_CODES = 1 << 16
_LISTS = (
    "status",
    "tier",
    "service",
    "claims",
    "members",
    "outputs",
    "ledger_outputs",
    "flags",
    "credit_flags",
)


class SchemaError(ValueError):
    """schema.toml is inconsistent (the message says where)."""


def load(path: Path = SCHEMA) -> dict[str, Any]:
    """The schema, checked: unique names, known types and kinds, flags that fit their code."""
    data = tomllib.loads(path.read_text("utf-8"))
    for key in _LISTS:
        names = [entry["name"] for entry in data[key]]
        if len(set(names)) != len(names):
            raise SchemaError(f"{key}: duplicate names in {names}")
    for key in ("status", "tier", "service"):
        labels = [label for e in data[key] for label in (e["name"], *e.get("aliases", ()))]
        if len(set(labels)) != len(labels):
            raise SchemaError(f"{key}: a label is given twice in {labels}")
        if len(data[key]) > 127:
            raise SchemaError(f"{key}: codes are int8")
    for table in ("claims", "members"):
        for field in data[table]:
            if field["type"] not in _TYPES:
                raise SchemaError(f"{table}.{field['name']}: unknown type {field['type']!r}")
    for output in data["outputs"] + data["ledger_outputs"]:
        if output["kind"] not in _KINDS:
            raise SchemaError(f"outputs.{output['name']}: unknown kind {output['kind']!r}")
    code = data["rule_code"]
    bits = int(code["flag_bits"])
    if not 1 <= bits <= 8:
        raise SchemaError("rule_code.flag_bits: the flags are a uint8 (1..8 bits)")
    if int(code["max_versions"]) << bits > _UINT16_CODES:
        raise SchemaError(
            f"rule_code: {code['max_versions']} versions × {1 << bits} codes do not fit a uint16"
        )
    for key, width in (("flags", bits), ("credit_flags", 8)):
        seen = [int(f["bit"]) for f in data[key]]
        if len(set(seen)) != len(seen) or not all(0 <= b < width for b in seen):
            raise SchemaError(f"{key}: bits {seen} must be distinct and below {width}")
    levels = data["levels"]
    if not 0 <= int(levels["min"]) < int(levels["max"]) <= 127:
        raise SchemaError("levels: need 0 <= min < max <= 127")
    return data


# --- C++ ------------------------------------------------------------------------------------


def _enum(name: str, entries: list[dict[str, Any]]) -> list[str]:
    lines = [f"enum class {name} : std::int8_t {{"]
    for code, entry in enumerate(entries):
        if entry.get("note"):
            lines.append(f"  // {entry['note']}")
        lines.append(f"  {entry['name']} = {code},")
    lines.append("};")
    return lines


def _flag_enum(prefix: str, flags: list[dict[str, Any]]) -> list[str]:
    lines = []
    for f in flags:
        if f.get("note"):
            lines.append(f"  // {f['note']}")
        lines.append(f"  {prefix}_{f['name']} = 1U << {f['bit']},")
    return lines


def _packed(opening: str, items: list[str], closing: str) -> list[str]:
    """A braced list as clang-format lays it out: on one line, or packed into lines of 100."""
    one_line = opening + ", ".join(items) + closing
    if len(one_line) <= 100:
        return [one_line]
    lines, line = [opening], "   "
    for item in items:
        if len(line) + 1 + len(item) + 1 > 100:
            lines.append(line)
            line = "   "
        line += f" {item},"
    return [*lines, line, closing]


def _names(array: str, count: str, entries: list[dict[str, Any]]) -> list[str]:
    names = [f'"{e["name"]}"' for e in entries]
    return _packed(f"inline constexpr const char* {array}[{count}] = {{", names, "};")


def header(data: dict[str, Any]) -> str:
    levels, code = data["levels"], data["rule_code"]
    bits = int(code["flag_bits"])
    out = [
        f"// {_NOTICE}",
        "// The schema's facts for the C++ core: vocabularies (codes = positions in schema.toml),",
        "// the level range, rule flags and their code width, account credit flags, output names.",
        "#pragma once",
        "",
        "#include <array>",
        "#include <cstddef>",
        "#include <cstdint>",
        "",
        "namespace yibao {",
        "",
        "// Generated lists are laid out by _packed(), not by clang-format (which lays long",
        "// lists of names out in columns that the generator would have to imitate).",
        "// clang-format off",
        "// Institution level: 0 = unrated/基层; policy files key level1..level3.",
        f"inline constexpr int min_level = {levels['min']};",
        f"inline constexpr int max_level = {levels['max']};",
        f"inline constexpr int n_levels = {int(levels['max']) + 1};",
        f'inline constexpr const char* level_range = "{levels["min"]}..{levels["max"]}";',
        "",
    ]
    for kind, enum, count in (
        ("status", "Status", "n_statuses"),
        ("tier", "Tier", "n_tiers"),
        ("service", "Service", "n_services"),
    ):
        entries = data[kind]
        out.append(f"inline constexpr int {count} = {len(entries)};")
        out += _enum(enum, entries)
        out += _names(f"{kind}_names", count, entries)
        out.append("")
    flags = data["flags"]
    out += [
        "// rule code = version index × rule_codes_per_version + RuleFlag bits (a uint16).",
        f"inline constexpr int rule_flag_bits = {bits};",
        f"inline constexpr std::uint16_t rule_codes_per_version = {1 << bits};",
        f"inline constexpr std::size_t max_versions = {code['max_versions']};",
        'static_assert(max_versions * rule_codes_per_version <= 65536, "rule codes fit a uint16");',
        "",
        "// What decided a row (the Python layer turns them into the policy's `rule` labels).",
        "enum RuleFlag : std::uint8_t {",
    ]
    out += _flag_enum("rule", flags)
    out += [
        "};",
        "",
        "struct NamedFlag {",
        "  const char* name;",
        "  std::uint8_t bit;",
        "};",
        "",
        f"inline constexpr std::array<NamedFlag, {len(flags)}> rule_flags{{{{",
    ]
    out += [f'    {{"{f["name"]}", rule_{f["name"]}}},' for f in flags]
    out += ["}};", "", "// Flags of a monthly account credit.", "enum CreditFlag : std::uint8_t {"]
    out += _flag_enum("credit", data["credit_flags"])
    credit = data["credit_flags"]
    out += [
        "};",
        "",
        f"inline constexpr std::array<NamedFlag, {len(credit)}> credit_flags{{{{",
    ]
    out += [f'    {{"{f["name"]}", credit_{f["name"]}}},' for f in credit]
    outputs = [o for o in data["outputs"] if "derived" not in o]
    out += [
        "}};",
        "",
        "// The result columns of an adjudication, in order (without those derived in Python).",
    ]
    out += _packed(
        f"inline constexpr std::array<const char*, {len(outputs)}> output_names{{",
        [f'"{o["name"]}"' for o in outputs],
        "};",
    )
    out += ["// clang-format on", "", "}  // namespace yibao", ""]
    return "\n".join(out)


# --- Python ---------------------------------------------------------------------------------


def _lit(value: Any) -> str:
    """A Python literal as ruff formats it (double quotes; tuples of literals)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple):
        return "(" + ", ".join(_lit(v) for v in value) + ")"
    return repr(value)


def _tuple(values: list[Any]) -> str:
    if not values:
        return "()"
    return "(\n" + "".join(f"    {_lit(v)},\n" for v in values) + ")"


def _dict(items: list[tuple[str, Any]]) -> str:
    return "{\n" + "".join(f"    {_lit(k)}: {_lit(v)},\n" for k, v in items) + "}"


def _codes(entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [
        (label, code)
        for code, e in enumerate(entries)
        for label in (e["name"], *e.get("aliases", ()))
    ]


def _fields(entries: list[dict[str, Any]]) -> str:
    rows = []
    for f in entries:
        args = [_lit(f["name"]), _lit(f["type"]), _lit(f["required"]), _lit(f.get("default"))]
        row = f"    Field({', '.join(args)}),\n"
        if len(row) > 100:  # one argument a line, as ruff format would
            row = "    Field(\n" + "".join(f"        {a},\n" for a in args) + "    ),\n"
        rows.append(row)
    return "(\n" + "".join(rows) + ")"


def _defaults(fields: list[dict[str, Any]]) -> str:
    return _dict([(f["name"], f["default"]) for f in fields if "default" in f])


def module(data: dict[str, Any]) -> str:
    levels, code = data["levels"], data["rule_code"]
    bits = int(code["flag_bits"])
    lo, hi = int(levels["min"]), int(levels["max"])
    flags, credit = data["flags"], data["credit_flags"]
    fields = data["claims"] + data["members"]
    money_inputs = list(dict.fromkeys(f["name"] for f in fields if f["type"] == "money"))
    outputs = data["outputs"]
    named = fields + outputs + data["ledger_outputs"]
    nhsa = list(dict.fromkeys((f["name"], f["nhsa"]) for f in named if "nhsa" in f))
    parts = [
        '"""yibao\'s schema as Python tables.',
        "",
        f"{_NOTICE}",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final, NamedTuple",
        "",
        "",
        "class Field(NamedTuple):",
        '    """An input column: its logical type, whether it is required, what it defaults to."""',
        "",
        "    name: str",
        "    type: str",
        "    required: bool | str  # a sentence: required only when it says",
        "    default: str | None",
        "",
        "",
        f"LEVEL_MIN: Final = {lo}",
        f"LEVEL_MAX: Final = {hi}",
        "# Policy-file keys of the rated levels (level 0 is paid as `level0_as`).",
        f"LEVEL_KEYS: Final = {_tuple([f'level{n}' for n in range(max(lo, 1), hi + 1)])}",
        "",
    ]
    for kind in ("status", "tier", "service"):
        entries = data[kind]
        plural = {"status": "STATUSES", "tier": "TIERS", "service": "SERVICES"}[kind]
        parts += [
            f"{plural}: Final = {_tuple([e['name'] for e in entries])}",
            f"# Every accepted label of a {kind} → its code.",
            f"{kind.upper()}_CODES: Final[dict[str, int]] = {_dict(_codes(entries))}",
            "",
        ]
    required = [f["name"] for f in data["claims"] if f["required"] is True]
    parts += [
        f"CLAIM_FIELDS: Final = {_fields(data['claims'])}",
        f"MEMBER_FIELDS: Final = {_fields(data['members'])}",
        f"REQUIRED_CLAIM_COLUMNS: Final = {_tuple(required)}",
        "# What a missing optional column stands for.",
        f"CLAIM_DEFAULTS: Final[dict[str, str]] = {_defaults(data['claims'])}",
        f"MEMBER_DEFAULTS: Final[dict[str, str]] = {_defaults(data['members'])}",
        "# Every money column yibao reads or writes, so that files read back exactly.",
        f"MONEY_COLUMNS: Final = {_tuple(money_inputs + [o['name'] for o in outputs if o['kind'] == 'money'])}",  # noqa: E501
        "",
        f"OUTPUT_COLUMNS: Final = {_tuple([o['name'] for o in outputs])}",
        f"MONEY_OUTPUTS: Final = {_tuple([o['name'] for o in outputs if o['kind'] == 'money'])}",
        "# yibao's name → the settlement platform's field, where there is an exact one.",
        f"NHSA_FIELDS: Final[dict[str, str]] = {_dict(nhsa)}",
        "",
        "# rule code = version × RULE_CODES_PER_VERSION + flag bits (uint16).",
        f"RULE_FLAG_BITS: Final = {bits}",
        f"RULE_CODES_PER_VERSION: Final = {1 << bits}",
        f"MAX_VERSIONS: Final = {code['max_versions']}",
        "# (flag name, bit value), in the order their labels are joined.",
        f"RULE_FLAGS: Final = {_tuple([(f['name'], 1 << int(f['bit'])) for f in flags])}",
        "# Flag name → the key of its text in a policy's [versions.rules].",
        f"RULE_LABEL_KEYS: Final[dict[str, str]] = {_dict([(f['name'], f['label']) for f in flags])}",  # noqa: E501
        "# (binding limit, flag bit), from the least to the most restrictive.",
        f"BINDINGS: Final = {_tuple([(f['binding'], 1 << int(f['bit'])) for f in flags if 'binding' in f])}",  # noqa: E501
        "",
        f"CREDIT_FLAGS: Final[dict[str, int]] = {_dict([(f['name'], 1 << int(f['bit'])) for f in credit])}",  # noqa: E501
        f"CREDIT_FLAG_CODES: Final = {1 << (max(int(f['bit']) for f in credit) + 1)}",
        "# (bit, suffix of the credit's rule label), in the order the suffixes are joined.",
        f"CREDIT_SUFFIXES: Final = {_tuple([(1 << int(f['bit']), f['suffix']) for f in credit if 'suffix' in f])}",  # noqa: E501
        "",
    ]
    return "\n".join(parts)


# --- the stub of yibao._core ----------------------------------------------------------------


def stub(data: dict[str, Any]) -> str:
    bound = [
        "rule_codes_per_version",
        "max_versions",
        "n_levels",
        "n_statuses",
        "n_tiers",
        "n_services",
    ]
    bound += [f"rule_{f['name']}" for f in data["flags"]]
    bound += [f"credit_{f['name']}" for f in data["credit_flags"]]
    hand = STUB_BINDINGS.read_text("utf-8")
    lines = [
        f"# {_NOTICE}",
        hand.rstrip("\n"),
        "",
        "# --- schema constants, bound from cpp/include/yibao/schema.hpp -------------------------",
        "# (tests/test_schema.py checks them against yibao._schema)",
        "",
    ]
    lines += [f"{name}: int" for name in bound]
    return "\n".join(lines) + "\n"


def outputs(data: dict[str, Any]) -> dict[Path, str]:
    return {HEADER: header(data), MODULE: module(data), STUB: stub(data)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Writes the files generated from schema.toml.")
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs(load()).items():
        current = path.read_text("utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not args.check:
            path.write_text(text, "utf-8")
    if args.check and stale:
        names = ", ".join(map(str, stale))
        print(f"stale: {names}; run python python/yibao/_schemagen.py", file=sys.stderr)
        return 1
    for name in [] if args.check else stale:
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
