"""Generate the documentation's region pages (``docs/regions/``) from the policy files.

One page per bundled region lists every parameter of every version with its value, source
and assumption, and the parameters the source text does not give. The pages are committed
and kept current in two ways:

- ``python -m yibao._docgen [DOCS_DIR]`` rewrites them (``--check`` only reports, exiting 1
  when a page is stale: the test suite runs that);
- this file is also an mkdocs hook (``hooks:`` in ``mkdocs.yml``): ``on_pre_build``
  regenerates the pages before every build, writing only pages whose text changed.

Imports are absolute (``yibao....``) because mkdocs loads this file by path.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from yibao._schema import RULE_LABEL_KEYS

__all__ = ["generate", "index_page", "main", "on_pre_build", "region_page", "write_pages"]

_HEADER = (
    "<!-- Generated from python/yibao/policies/{key}.toml by `python -m yibao._docgen`; "
    "do not edit by hand. -->\n"
)
_FLAG_NAMES = tuple(RULE_LABEL_KEYS.values())  # keys of [versions.rules], in flag order


def _policy_data(key: str) -> dict[str, Any]:
    text = resources.files("yibao.policies").joinpath(f"{key}.toml").read_text("utf-8")
    return tomllib.loads(text, parse_float=Decimal)


def _cell(value: Any) -> str:
    """Text for a Markdown table cell: one line, with Markdown's active characters escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    return _escape(" ".join(text.split()))


def _escape(text: str) -> str:
    for char in ("\\", "|", "*", "_", "`", "[", "]"):
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _rich_cell(value: Any) -> str:
    """As :func:`_cell`, but text between backticks stays inline code."""
    parts = " ".join(str(value or "").split()).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans
        return _cell(value)
    return "".join(
        _escape(part) if i % 2 == 0 else f"`{part.replace('|', '&#124;')}`"
        for i, part in enumerate(parts)
    )


def _leaf_rows(tree: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Markdown table rows of the parameters, and list items of the missing ones."""
    from yibao._tree import iter_leaves

    rows, missing = [], []
    for path, leaf in iter_leaves(tree):
        if "missing" in leaf:
            source = leaf.get("source")
            cite = f" (source: {_cell(source)})" if source else ""
            missing.append(f"- `{path}`: {_cell(leaf['missing'])}{cite}")
            continue
        rows.append(
            f"| `{path}` | {_cell(leaf.get('value'))} | {_cell(leaf.get('source'))} "
            f"| {_cell(leaf.get('assumption'))} |"
        )
    return rows, missing


def _section(
    title: str, entry: Mapping[str, Any], skip: Sequence[str], level: str = "##"
) -> list[str]:
    lines = [f"{level} {title}", ""]
    source = entry.get("effective_source")
    if source:
        lines += [f"Effective date source: {_cell(source)}", ""]
    rules = entry.get("rules")
    if isinstance(rules, Mapping) and rules:
        lines += ["Codes in the `rule` column:", "", "| limit | rule code |", "|---|---|"]
        for name in _FLAG_NAMES:
            if name in rules:
                lines.append(f"| {name.replace('_', ' ')} | {_cell(rules[name])} |")
        lines.append("")
    tree = {k: v for k, v in entry.items() if k not in skip}
    rows, missing = _leaf_rows(tree)
    if rows:
        lines += [
            "| parameter | value | source | assumption |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    if missing:
        lines += [
            "**Not given by the source text** (using them raises `MissingParameterError`; "
            "supply them with `Policy.replace`, see [Reforms](../reforms.md)):",
            "",
            *missing,
            "",
        ]
    return lines


def region_page(key: str) -> str:
    """The Markdown page of one bundled region."""
    data = _policy_data(key)
    name = data.get("name", key)
    lines = [_HEADER.format(key=key), f"# {_cell(name)}", ""]
    if data.get("draft"):
        lines += [
            '!!! warning "Draft"',
            "    The source is a draft for comment (征求意见稿); the rules may differ from what "
            "was finally adopted.",
            "",
        ]
    lines += [
        f'- Region key: `{key}` (`yibao.load_policy("{key}")`)',
        f"- Document: {_cell(data.get('document', ''))}",
    ]
    if data.get("file"):
        lines.append(f"- Source text: `{data['file']}`")
    lines.append(f"- Policy file: `python/yibao/policies/{key}.toml`")
    lines.append("")
    lines += _article_table(data)
    versions = data.get("versions", [])
    skip = ("effective", "effective_source", "rules")
    for version in versions:
        effective = version.get("effective")
        lines += _section(f"Outpatient rules in force from {effective}", version, skip)
    accounts = data.get("accounts", [])
    for entry in accounts:
        effective = entry.get("effective")
        title = f"Personal accounts (个人账户) from {effective}"
        lines += _section(title, entry, ("effective", "effective_source"))
        rule_rows = _rule_rows(entry)
        if rule_rows:
            lines += ["Account rule codes:", "", *rule_rows, ""]
    lines += _outflow_table(data)
    return "\n".join(lines).rstrip() + "\n"


def _outflow_table(data: Mapping[str, Any]) -> list[str]:
    """The account uses beyond claims that the text allows and forbids (``[outflows]``)."""
    from yibao.outflows import PURPOSES

    table = data.get("outflows", {})
    lines = [
        "## Account outflows beyond claims",
        "",
        "Premiums and other uses the personal account may pay, checked by "
        "`yibao.outflows.account_outflows` and paid by `yibao.ledger(..., outflows=...)` "
        "([Personal accounts](../accounts.md)).",
        "",
    ]
    rows = [
        f"| `{purpose}` | {_cell(PURPOSES.get(purpose, ''))} | "
        f"{_cell(', '.join(rule.get('for', [])))} | {_cell(rule.get('source'))} |"
        for purpose, rule in table.get("allowed", {}).items()
    ]
    rows += [
        f"| `{purpose}` | {_cell(PURPOSES.get(purpose, ''))} | **forbidden** "
        f"| {_cell(rule.get('source'))} |"
        for purpose, rule in table.get("forbidden", {}).items()
    ]
    if not rows:
        none = "The text allows no account use beyond claims: every outflow is refused."
        return [*lines, none, ""]
    header = ["| purpose | what | allowed for | source |", "|---|---|---|---|"]
    return [*lines, *header, *rows, ""]


def _where_cell(data: Mapping[str, Any], where: Sequence[str]) -> str:
    """A row's ``where`` entries: key paths in code, mechanisms as text, gaps in bold."""
    from yibao import _articles

    missing = set(_articles.missing_paths(data))
    out = []
    for entry in where:
        if entry == _articles.MISSING:
            out.append("**not modelled**")
        elif entry == _articles.OUT_OF_SCOPE:
            out.append("no claims or accounts rule")
        elif entry.startswith(_articles.MECHANISM):
            out.append(_rich_cell(entry.removeprefix(_articles.MECHANISM).strip()))
        elif entry in missing:
            out.append(f"`{entry}` (not in the text: supply it)")
        else:
            out.append(f"`{entry}`")
    return "; ".join(out)


def _article_table(data: Mapping[str, Any]) -> list[str]:
    """The text article by article (``[[articles]]``): each rule and where it lives."""
    from yibao import _articles

    table = _articles.rows(data)
    if not table:
        return []
    lines = [
        "## The text, article by article",
        "",
        "Every rule of the source text that touches claims or personal accounts, and where it "
        "lives: a parameter (its values are in the tables below), a mechanism of the engine, "
        "or **not modelled** (the engine does not apply it; results that depend on it are "
        "not the region's). From the file's `[[articles]]` table "
        "([format](../policy-files.md#the-text-article-by-article)).",
        "",
        "| article | rule | where it lives | assumption or note |",
        "|---|---|---|---|",
    ]
    for row in table:
        notes = " ".join(_rich_cell(row[k]) for k in ("assumption", "note") if row.get(k))
        lines.append(
            f"| {_cell(row.get('article'))} | {_rich_cell(row.get('summary'))} "
            f"| {_where_cell(data, _articles.where_list(row))} | {notes} |"
        )
    return [*lines, ""]


def _rule_rows(entry: Mapping[str, Any], prefix: str = "") -> list[str]:
    """``rule = ...`` labels of an accounts entry, as list items."""
    out = []
    for key, value in entry.items():
        path = f"{prefix}{key}"
        if key == "rule":
            labels = value.values() if isinstance(value, Mapping) else [value]
            out += [f"- `{prefix.rstrip('.') or '(all)'}`: {_cell(v)}" for v in labels]
        elif isinstance(value, Mapping) and "value" not in value and "missing" not in value:
            out += _rule_rows(value, f"{path}.")
    return out


def index_page(keys: Sequence[str]) -> str:
    """The regions index: one row per region."""
    lines = [
        _HEADER.format(key="*"),
        "# Regions",
        "",
        "Every bundled policy, generated from its policy file. Each parameter cites the "
        "document and article it comes from; interpretations carry an *assumption*; values "
        "the text does not give are listed as missing and raise an error when a claim needs "
        "them. Each page opens with the text article by article: every rule and where it "
        "lives, or that the engine does not model it (counted below); open questions and how "
        "they were decided: [Decisions](../decisions.md).",
        "",
        "| region | name | in force from | status | missing parameters | rules not modelled |",
        "|---|---|---|---|---|---|",
    ]
    for key in keys:
        data = _policy_data(key)
        dates = ", ".join(str(v.get("effective")) for v in data.get("versions", []))
        from yibao._tree import iter_leaves

        missing = sum(
            1 for v in data.get("versions", []) for _, leaf in iter_leaves(v) if "missing" in leaf
        )
        status = "draft" if data.get("draft") else "in force"
        from yibao import _articles

        gaps = sum(_articles.MISSING in _articles.where_list(r) for r in _articles.rows(data))
        lines.append(
            f"| [`{key}`]({key}.md) | {_cell(data.get('name', key))} | {dates} | {status} "
            f"| {missing} | {gaps} |"
        )
    return "\n".join(lines) + "\n"


def generate() -> dict[str, str]:
    """``{file name: Markdown}`` of every region page and the index."""
    from yibao.policy import regions

    keys = regions()
    pages = {f"{key}.md": region_page(key) for key in keys}
    pages["index.md"] = index_page(keys)
    return pages


def write_pages(docs_dir: str | Path, *, check: bool = False) -> list[Path]:
    """Write the region pages under ``docs_dir/regions``; return the pages that changed.

    Parameters
    ----------
    docs_dir
        The documentation folder (``docs``).
    check
        Only compare: write nothing, return the stale or missing pages.

    Returns
    -------
    list of pathlib.Path
        Pages whose text differed (and were rewritten, unless ``check``); pages of regions
        that no longer exist are included and removed.
    """
    folder = Path(docs_dir) / "regions"
    pages = generate()
    changed = []
    if not check:
        folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            changed.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    if folder.exists():
        for path in sorted(folder.glob("*.md")):
            if path.name not in pages and path.read_text("utf-8").startswith("<!-- Generated"):
                changed.append(path)
                if not check:
                    path.unlink()
    return changed


def on_pre_build(config: Any, **_: Any) -> None:
    """mkdocs hook: regenerate the region pages before a build."""
    write_pages(config["docs_dir"])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m yibao._docgen [--check] [DOCS_DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m yibao._docgen", description=__doc__)
    parser.add_argument("docs_dir", nargs="?", default="docs")
    parser.add_argument("--check", action="store_true", help="report stale pages, write none")
    args = parser.parse_args(argv)
    changed = write_pages(args.docs_dir, check=args.check)
    verb = "stale" if args.check else "written"
    for path in changed:
        print(f"{verb}: {path}")
    if not changed:
        print(f"region pages up to date in {Path(args.docs_dir) / 'regions'}")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
