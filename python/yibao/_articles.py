"""The rule table of a policy file: its source text, article by article (issue 16).

A policy file's top-level ``[[articles]]`` array lists every rule of the source text that
touches claims or personal accounts, and where it lives::

    [[articles]]
    article = "第六条第二款"
    summary = "定额报销的门诊诊察费 … do not count toward the annual cap."
    where = ["missing"]
    note = "No fixed-fee service: the amounts are not in the text (issue 16 item 3)."

Each entry of ``where`` is one of

- a key path inside a ``[[versions]]`` entry (``pools.general.annual_cap``),
  ``accounts.<path>`` inside an ``[[accounts]]`` entry (``accounts.retired.fixed``), or a
  path in the top-level ``[outflows]`` table (``outflows.forbidden.fitness``);
- ``"mechanism: ..."``: code rather than a parameter (a column, the ledger, visits);
- ``"missing"``: a rule the engine does not model; ``note`` says what it would need;
- ``"out of scope"``: the article states no rule on claims or accounts (administration).

:func:`problems` checks a table against its policy file: every key path exists in some
version or account entry, every ``missing`` leaf of the file is named by a row, and every
article cited in a ``source`` field appears in the table. The table is never compiled: the
engine reads only ``[[versions]]`` and ``[[accounts]]``.

>>> from yibao._docgen import _policy_data
>>> problems(_policy_data("chongqing"))
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ._compile import UNCOMPILED_KEYS
from ._tree import iter_leaves

__all__ = [
    "KEYS",
    "MECHANISM",
    "MISSING",
    "OUT_OF_SCOPE",
    "cited_articles",
    "missing_paths",
    "problems",
    "rows",
    "where_list",
]

#: Keys of one ``[[articles]]`` entry.
KEYS = frozenset({"article", "summary", "where", "assumption", "note"})
MECHANISM = "mechanism:"
MISSING = "missing"
OUT_OF_SCOPE = "out of scope"

_KEY_PATH = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
# An article of a 第…条 text: 第十一条, 第12条, 第九条第三款, 第五条(三).
_NUM = "一二三四五六七八九十"
_TIAO = re.compile(rf"第[〇{_NUM}百\d]+条(?:第[{_NUM}]+款)?(?:\([{_NUM}]+\))*")
# A section of a text numbered 一、(一) 1.: 二, 二(一), 二(一)1.
_SECTION = re.compile(rf"[{_NUM}]+(?:\([{_NUM}]+\))*\d*")
_QUOTE = re.compile(r"\s\([^)]*\)")  # " (quoted words of the text)" after a citation


def _normal(text: str) -> str:
    return text.replace("（", "(").replace("）", ")").strip()


def rows(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``[[articles]]`` entries of a policy file (empty when it has none)."""
    raw = data.get("articles", [])
    return list(raw) if isinstance(raw, list) else []


def where_list(row: Mapping[str, Any]) -> list[str]:
    """``where`` as a list (a single string is one entry)."""
    where = row.get("where", [])
    return [where] if isinstance(where, str) else [str(w) for w in where]


def is_key_path(where: str) -> bool:
    return where not in (MISSING, OUT_OF_SCOPE) and not where.startswith(MECHANISM)


def _has_path(tree: Any, path: str) -> bool:
    node = tree
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def _entries(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    raw = data.get(key, [])
    return [e for e in raw if isinstance(e, Mapping)] if isinstance(raw, list) else []


def path_exists(data: Mapping[str, Any], path: str) -> bool:
    """Whether a key path names something in some version (or, ``accounts.…``, account entry)."""
    head = path.split(".")[0]
    if head == "accounts":
        rest = path.removeprefix("accounts.")
        return any(_has_path(e, rest) for e in _entries(data, "accounts"))
    if head in UNCOMPILED_KEYS:  # a top-level table such as [outflows]
        return _has_path(data, path)
    return any(_has_path(v, path) for v in _entries(data, "versions"))


def missing_paths(data: Mapping[str, Any]) -> list[str]:
    """Key paths of every ``missing`` leaf of the file (``accounts.`` for account entries)."""
    out: list[str] = []
    for key, prefix in (("versions", ""), ("accounts", "accounts.")):
        for entry in _entries(data, key):
            for path, leaf in iter_leaves(entry):
                if "missing" in leaf and prefix + path not in out:
                    out.append(prefix + path)
    return out


def _sources(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, child in node.items():
            if key in ("source", "effective_source") and isinstance(child, str):
                yield child
            else:
                yield from _sources(child)
    elif isinstance(node, list):
        for child in node:
            yield from _sources(child)


def cited_articles(source: str) -> list[str]:
    """The articles a ``source`` text cites, e.g. ``"伊犁 第十四条, 第十一条(一)"`` →
    ``['第十四条', '第十一条(一)']``; ``"济宁 通知 二(二)1,3 (…)"`` → ``['二(二)1', '二(二)3']``.

    >>> cited_articles("渝医保发〔2023〕32号 第九条第二款 (70岁以下退休人员定额划入105元/月)")
    ['第九条第二款']
    """
    text = _QUOTE.sub(" ", _normal(source))
    out: list[str] = []
    for token in re.split(r"[\s;；,，]+", text):
        if _TIAO.fullmatch(token) or _SECTION.fullmatch(token):
            out.append(token)
        elif token.isdigit() and out and out[-1][-1].isdigit():
            out.append(out[-1].rstrip("0123456789") + token)  # 二(二)1,3: also 二(二)3
    return out


def _covers(row_article: str, cited: str) -> bool:
    # 第十一条 covers 第十一条(一) and the reverse; 第十条 never covers 第十一条.
    return cited.startswith(row_article) or row_article.startswith(cited)


def problems(data: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a policy file's ``[[articles]]`` table; empty when it is sound."""
    out: list[str] = []
    table = rows(data)
    if not table:
        return ["no [[articles]] table"]
    named: set[str] = set()
    for i, row in enumerate(table):
        label = f"articles[{i}] ({row.get('article', '?')})"
        for key in sorted(set(row) - KEYS):
            out.append(f"{label}: unknown key {key!r}")
        for key in ("article", "summary"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                out.append(f"{label}: {key} must be a non-empty string")
        where = where_list(row)
        if not where:
            out.append(f"{label}: where is empty")
        for entry in where:
            if entry == MISSING and not row.get("note"):
                out.append(f"{label}: a 'missing' rule needs a note saying what it would need")
            if not is_key_path(entry):
                continue
            if not _KEY_PATH.fullmatch(entry):
                out.append(f"{label}: {entry!r} is not a key path, mechanism, missing or scope")
            elif not path_exists(data, entry):
                out.append(f"{label}: {entry!r} is not in any version or account entry")
            named.add(entry)
    for path in missing_paths(data):
        if path not in named:
            out.append(f"missing parameter {path!r} is named by no row")
    articles = [_normal(str(row.get("article", ""))) for row in table]
    for source in _sources({k: v for k, v in data.items() if k != "articles"}):
        for cited in cited_articles(source):
            if not any(_covers(a, cited) for a in articles):
                out.append(f"article {cited} (cited in {source!r}) is not in the table")
    return out
