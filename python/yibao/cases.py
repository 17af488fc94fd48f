"""Golden case files: what a policy should do, written so that a policy analyst can review it.

A case file is YAML named ``*_cases.yaml`` (or ``*_cases.yml``). Each case names the article
it tests, a policy, a small claims table and, per row, the expected outputs, or the error the
engine must raise. Amounts are exact: every YAML number is read as a :class:`decimal.Decimal`
from its text (``22.5`` is ``Decimal('22.5')``, never a binary float). The format is
documented in ``docs/validating-policies.md``.

The pytest plugin (:mod:`yibao.pytest_plugin`) collects case files and runs each case as a
test item; this module works without pytest too::

    >>> from yibao.cases import run_file                      # doctest: +SKIP
    >>> [r.passed for r in run_file("tests/cases/ili_cases.yaml")]  # doctest: +SKIP
    [True, True, ...]

Extension point: a case's *kind* is decided by its keys (:func:`case_kind`) and run by the
runner registered for it in :data:`RUNNERS`. Only ``claims`` cases exist now; account-credit
cases (``members`` + ``months`` with expected credits) are reserved for a later issue and
rejected with a clear message until a runner is registered for them.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from . import errors as _errors
from ._schema import CLAIM_FIELDS, MONEY_OUTPUTS, OUTPUT_COLUMNS
from .errors import YibaoError

__all__ = [
    "CASE_FILE_PATTERNS",
    "MONEY_COLUMNS",
    "RUNNERS",
    "Case",
    "CaseFileError",
    "CaseResult",
    "ExpectedError",
    "Mismatch",
    "PolicySpec",
    "case_kind",
    "format_table",
    "is_case_file",
    "load_file",
    "load_text",
    "read_yaml",
    "run_case",
    "run_file",
]

#: File names the pytest plugin collects (``fnmatch`` patterns).
CASE_FILE_PATTERNS = ("*_cases.yaml", "*_cases.yml")
#: Output columns a case may check; money columns are compared as exact decimals.
MONEY_COLUMNS = MONEY_OUTPUTS
EXPECTED_COLUMNS = OUTPUT_COLUMNS
#: Claim columns holding amounts: integers and decimal strings there become Decimal.
CLAIM_MONEY_COLUMNS = tuple(f.name for f in CLAIM_FIELDS if f.type == "money")
#: Errors a case may expect (``raises: {error: ...}``): yibao's exception hierarchy.
ERROR_NAMES = tuple(_errors.__all__)

_CASE_KEYS = (
    "name",
    "article",
    "why",
    "policy",
    "claims",
    "expected",
    "raises",
    "xfail",
    "options",
)
_ACCOUNT_KEYS = ("members", "months", "credits")
_FILE_KEYS = ("defaults", "cases")
_POLICY_KEYS = ("region", "file", "replace", "effective")
# rounding: as adjudicate's; stays, other_paid: lists of rows, the frames adjudicate takes.
_OPTION_KEYS = ("rounding", "stays", "other_paid")
_FRAME_OPTIONS = ("stays", "other_paid")


class CaseFileError(YibaoError, ValueError):
    """A case file that cannot be read: the message names the file, line, case and key."""


# -- reading YAML exactly --------------------------------------------------------------------
class _Map(dict[str, Any]):
    """A YAML mapping that remembers the line it starts on (1-based), for messages."""

    line: int = 0


class _ExactLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """``yaml.SafeLoader`` that reads floats as exact Decimals and rejects duplicate keys."""

    def construct_exact_float(self, node: yaml.ScalarNode) -> Decimal:
        text = str(self.construct_scalar(node)).replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise CaseFileError(
                f"line {node.start_mark.line + 1}: {text!r} is not a finite decimal amount"
            )
        return value

    def construct_mapping_with_line(self, node: yaml.MappingNode) -> _Map:
        out = _Map()
        out.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in out:
                raise CaseFileError(
                    f"line {key_node.start_mark.line + 1}: key {key!r} appears twice in one mapping"
                )
            out[key] = self.construct_object(value_node, deep=True)
        return out


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _ExactLoader.construct_exact_float)
_ExactLoader.add_constructor("tag:yaml.org,2002:map", _ExactLoader.construct_mapping_with_line)


def read_yaml(text: str, origin: str = "<string>") -> Any:
    """Parse YAML with exact decimals; errors are :class:`CaseFileError` naming ``origin``."""
    try:
        return yaml.load(text, Loader=_ExactLoader)
    except CaseFileError as exc:
        raise CaseFileError(f"{origin}: {exc}") from None
    except yaml.YAMLError as exc:
        raise CaseFileError(f"{origin}: not valid YAML: {exc}") from None


# -- the model of a case ---------------------------------------------------------------------
@dataclass(frozen=True)
class PolicySpec:
    """Which policy a case runs under: a region key or a policy file, maybe with a reform."""

    region: str | None = None
    file: Path | None = None
    replace: Mapping[str, Any] = field(default_factory=dict)
    effective: dt.date | None = None

    @property
    def label(self) -> str:
        """The name used in test ids: the region key, or the policy file's stem."""
        return self.region if self.region is not None else Path(str(self.file)).stem

    def describe(self) -> str:
        """One line for failure reports, e.g. ``jining + replace {...}``."""
        base = self.region if self.region is not None else f"file {self.file}"
        if self.replace:
            changes = ", ".join(f"{k}={v}" for k, v in self.replace.items())
            since = f" from {self.effective}" if self.effective else ""
            return f"{base} with {changes}{since}"
        return base

    def load(self) -> Any:
        """The :class:`yibao.Policy` (errors from the policy itself propagate)."""
        from .policy import load_policy

        policy = load_policy(self.region if self.region is not None else Path(str(self.file)))
        if self.replace:
            policy = policy.replace(
                dict(self.replace), effective=self.effective, source="case file"
            )
        return policy


@dataclass(frozen=True)
class ExpectedError:
    """``raises:``: the yibao error (or a subclass) and a regex searched in its message."""

    error: str
    match: str | None = None


@dataclass(frozen=True)
class Case:
    """One golden case of a case file."""

    name: str
    article: str
    policy: PolicySpec
    claims: tuple[Mapping[str, Any], ...]
    expected: tuple[Mapping[str, Any], ...] | None
    raises: ExpectedError | None
    why: str = ""
    xfail: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    path: Path = Path("<string>")
    line: int = 0
    kind: str = "claims"

    @property
    def region(self) -> str:
        """The middle part of the test id ``file::region::name``."""
        return self.policy.label

    @property
    def where(self) -> str:
        """``path:line`` of the case, for messages."""
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Mismatch:
    """One checked value that differs: row (0-based, as the engine numbers rows), column."""

    row: int
    column: str
    expected: Any
    got: Any
    rule: str


@dataclass
class CaseResult:
    """What running a case gave: mismatches, or a description of a wrong/missing error."""

    case: Case
    mismatches: list[Mismatch] = field(default_factory=list)
    problem: str | None = None

    @property
    def passed(self) -> bool:
        """Whether every checked value matched (or the expected error came)."""
        return not self.mismatches and self.problem is None

    def report(self) -> str:
        """A readable failure text: the case, the compact table, and the hand computation."""
        case = self.case
        if self.mismatches:
            n = len(self.mismatches)
            verb = "values differ" if n > 1 else "value differs"
            summary = f"{n} {verb} from the case file"
        else:
            summary = "wrong outcome" if self.problem else "passed"
        lines = [
            f"case {case.name!r} ({case.where}): {summary}",
            f"  article: {case.article}",
            f"  policy:  {case.policy.describe()}",
        ]
        if self.problem:
            lines.append(f"  {self.problem}")
        if self.mismatches:
            lines += ["", *("  " + line for line in format_table(self.mismatches))]
        if case.why:
            lines += ["", "  why (hand computation):"]
            lines += [f"    {line}" for line in case.why.strip().splitlines()]
        return "\n".join(lines)


def format_table(mismatches: Sequence[Mismatch]) -> list[str]:
    """The compact table ``row | column | expected | got | rule``, one line per mismatch."""
    header = ("row", "column", "expected", "got", "rule")
    body = [(str(m.row), m.column, _show(m.expected), _show(m.got), m.rule) for m in mismatches]
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in (header, *body)
    ]


def _show(value: Any) -> str:
    return "<missing>" if value is None else str(value)


# -- validation ------------------------------------------------------------------------------
class _Where:
    """Builds messages that name the file, line and case."""

    def __init__(self, path: Path, index: int | None = None, node: Any = None) -> None:
        self.path = path
        self.index = index
        self.node = node

    def error(self, message: str, node: Any = None) -> CaseFileError:
        line = getattr(node, "line", 0) or getattr(self.node, "line", 0)
        where = f"{self.path}:{line}" if line else str(self.path)
        if self.index is not None:
            name = self.node.get("name") if isinstance(self.node, Mapping) else None
            label = f" ({name!r})" if isinstance(name, str) else ""
            where += f": case {self.index + 1}{label}"
        return CaseFileError(f"{where}: {message}")


def is_case_file(path: str | Path) -> bool:
    """Whether the plugin collects ``path`` (``*_cases.yaml`` / ``*_cases.yml``)."""
    name = Path(path).name
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in CASE_FILE_PATTERNS)


def load_file(path: str | Path) -> list[Case]:
    """Read and validate a case file; any problem raises :class:`CaseFileError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read the case file: {exc}") from None
    return load_text(text, path)


def load_text(text: str, path: str | Path = "<string>") -> list[Case]:
    """Validate the text of a case file; ``path`` names it and anchors ``policy: {file: ...}``."""
    path = Path(path)
    data = read_yaml(text, str(path))
    where = _Where(path)
    if not isinstance(data, Mapping):
        raise where.error("a case file is a mapping with 'cases:' (and optional 'defaults:')")
    _check_keys(data, _FILE_KEYS, where, "the file")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise where.error("'defaults' must be a mapping (policy and claim column defaults)", data)
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise where.error("'cases' must be a non-empty list of cases", data)
    cases = [_case(raw, defaults, _Where(path, i, raw)) for i, raw in enumerate(raw_cases)]
    _check_unique_ids(cases, where)
    return cases


def _check_unique_ids(cases: Sequence[Case], where: _Where) -> None:
    seen: dict[tuple[str, str], Case] = {}
    for case in cases:
        key = (case.region, case.name)
        if key in seen:
            raise where.error(
                f"two cases are named {case.name!r} under {case.region} "
                f"(lines {seen[key].line} and {case.line}); names must be unique"
            )
        seen[key] = case


def _check_keys(node: Mapping[str, Any], allowed: Sequence[str], where: _Where, what: str) -> None:
    unknown = [str(k) for k in node if k not in allowed]
    if unknown:
        raise where.error(
            f"unknown key(s) {', '.join(map(repr, unknown))} in {what}; "
            f"allowed: {', '.join(allowed)}",
            node,
        )


def case_kind(raw: Mapping[str, Any]) -> str:
    """``"accounts"`` for a case with ``members``/``months``, else ``"claims"``."""
    return "accounts" if any(k in raw for k in _ACCOUNT_KEYS) else "claims"


def _case(raw: Any, defaults: Mapping[str, Any], where: _Where) -> Case:
    if not isinstance(raw, Mapping):
        raise where.error("each case is a mapping (name, article, policy, claims, expected)")
    kind = case_kind(raw)
    if kind not in RUNNERS:
        raise where.error(
            f"{kind} cases (keys {', '.join(_ACCOUNT_KEYS)}) are not supported yet; "
            "only claims cases can be run"
        )
    _check_keys(raw, _CASE_KEYS, where, "the case")
    claims = _claims(raw.get("claims"), defaults, where)
    expected, raises = _outcome(raw, len(claims), where)
    return Case(
        name=_text(raw, "name", where, forbid="::"),
        article=_text(raw, "article", where),
        policy=_policy(raw.get("policy", defaults.get("policy")), where),
        claims=claims,
        expected=expected,
        raises=raises,
        why=_optional_text(raw, "why", where) or "",
        xfail=_optional_text(raw, "xfail", where),
        options=_options(raw.get("options"), where),
        path=where.path,
        line=getattr(raw, "line", 0),
        kind=kind,
    )


def _text(raw: Mapping[str, Any], key: str, where: _Where, forbid: str | None = None) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"'{key}' is required and must be non-empty text")
    if forbid and forbid in value:
        raise where.error(f"'{key}' must not contain {forbid!r} (it separates parts of test ids)")
    return value.strip()


def _optional_text(raw: Mapping[str, Any], key: str, where: _Where) -> str | None:
    return _text(raw, key, where) if raw.get(key) is not None else None


def _policy(raw: Any, where: _Where) -> PolicySpec:
    if raw is None:
        raise where.error("'policy' is required (in the case or in 'defaults')")
    if isinstance(raw, str):
        return PolicySpec(region=raw)
    if not isinstance(raw, Mapping):
        raise where.error("'policy' is a region key or a mapping {region|file, replace, effective}")
    _check_keys(raw, _POLICY_KEYS, where, "'policy'")
    if ("region" in raw) == ("file" in raw):
        raise where.error("'policy' needs exactly one of 'region' (a key) or 'file' (a path)", raw)
    replace = raw.get("replace") or {}
    if not isinstance(replace, Mapping) or not all(isinstance(k, str) for k in replace):
        raise where.error("'policy.replace' maps dotted parameter paths to values", raw)
    effective = raw.get("effective")
    if effective is not None and not isinstance(effective, dt.date):
        raise where.error("'policy.effective' is a date YYYY-MM-DD", raw)
    file = raw.get("file")
    return PolicySpec(
        region=str(raw["region"]) if "region" in raw else None,
        file=(where.path.parent / str(file)) if file is not None else None,
        replace=dict(replace),
        effective=effective,
    )


def _claims(raw: Any, defaults: Mapping[str, Any], where: _Where) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(raw, list) or not raw:
        raise where.error("'claims' must be a non-empty list of rows (mappings of columns)")
    column_defaults = {k: v for k, v in defaults.items() if k != "policy"}
    rows = []
    for i, row in enumerate(raw):
        if not isinstance(row, Mapping):
            raise where.error(f"claims row {i} must be a mapping of columns", row)
        merged = {**column_defaults, **row}
        for column in CLAIM_MONEY_COLUMNS:
            if column in merged:
                merged[column] = _amount(merged[column], f"claims row {i} {column}", where)
        rows.append(merged)
    return tuple(rows)


def _amount(value: Any, what: str, where: _Where) -> Decimal:
    """An exact amount: YAML numbers (already Decimal or int) or a decimal string."""
    if isinstance(value, bool):
        raise where.error(f"{what}: {value!r} is not an amount")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            parsed = Decimal("NaN")
        if parsed.is_finite():
            return parsed
    raise where.error(f"{what}: {value!r} is not an amount (write a number such as 50.38)")


def _outcome(
    raw: Mapping[str, Any], n_rows: int, where: _Where
) -> tuple[tuple[Mapping[str, Any], ...] | None, ExpectedError | None]:
    if ("expected" in raw) == ("raises" in raw):
        raise where.error("a case needs exactly one of 'expected' (rows) or 'raises' (an error)")
    if "raises" in raw:
        return None, _raises(raw["raises"], where)
    expected = raw["expected"]
    if not isinstance(expected, list) or len(expected) != n_rows:
        got = len(expected) if isinstance(expected, list) else type(expected).__name__
        raise where.error(
            f"'expected' must list one mapping per claims row ({n_rows} rows, got {got}); "
            "use {} for a row that is not checked"
        )
    return tuple(_expected_row(row, i, where) for i, row in enumerate(expected)), None


def _expected_row(row: Any, i: int, where: _Where) -> Mapping[str, Any]:
    if row is None:
        return {}
    if not isinstance(row, Mapping):
        raise where.error(f"expected row {i} must be a mapping of output columns")
    _check_keys(row, EXPECTED_COLUMNS, where, f"expected row {i}")
    out: dict[str, Any] = {}
    for column, value in row.items():
        if column == "rule":
            out[column] = str(value)
        else:
            out[column] = _amount(value, f"expected row {i} {column}", where)
    return out


def _raises(raw: Any, where: _Where) -> ExpectedError:
    if isinstance(raw, str):
        raw = {"error": raw}
    if not isinstance(raw, Mapping):
        raise where.error("'raises' is {error: <name>, match: <regex>}")
    _check_keys(raw, ("error", "match"), where, "'raises'")
    error = raw.get("error")
    if error not in ERROR_NAMES:
        raise where.error(f"'raises.error' must be one of {', '.join(ERROR_NAMES)}; got {error!r}")
    match = raw.get("match")
    if match is not None:
        try:
            re.compile(str(match))
        except re.error as exc:
            raise where.error(f"'raises.match' is not a valid regular expression: {exc}") from None
    return ExpectedError(error=str(error), match=None if match is None else str(match))


def _options(raw: Any, where: _Where) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise where.error("'options' is a mapping (rounding, stays, other_paid)")
    _check_keys(raw, _OPTION_KEYS, where, "'options'")
    for key in _FRAME_OPTIONS:
        rows = raw.get(key)
        if rows is not None and not (
            isinstance(rows, list) and all(isinstance(r, Mapping) for r in rows)
        ):
            raise where.error(f"'options.{key}' is a list of rows (mappings)")
    return dict(raw)


# -- running ---------------------------------------------------------------------------------
def run_case(case: Case) -> CaseResult:
    """Run one case through the engine and compare; never raises for a yibao error."""
    return RUNNERS[case.kind](case)


def run_file(path: str | Path) -> list[CaseResult]:
    """Load a case file and run every case in it (``[r.passed for r in ...]``)."""
    return [run_case(case) for case in load_file(path)]


def _run_claims(case: Case) -> CaseResult:
    try:
        frame = _adjudicate(case)
    except YibaoError as exc:
        return _judge_error(case, exc)
    if case.raises is not None:
        wanted = _describe_expected_error(case.raises)
        return CaseResult(case, problem=f"expected {wanted}, but adjudication raised no error")
    return CaseResult(case, mismatches=list(_compare(case, frame)))


def _adjudicate(case: Case) -> Any:
    import pandas as pd

    from .adjudicate import adjudicate

    policy = case.policy.load()
    claims = pd.DataFrame([dict(row) for row in case.claims])
    options = dict(case.options)
    for key in _FRAME_OPTIONS:
        if key in options:
            options[key] = pd.DataFrame([dict(row) for row in options[key]])
    return adjudicate(claims, policy, **options)


def _judge_error(case: Case, exc: YibaoError) -> CaseResult:
    got = f"{type(exc).__name__}: {exc}"
    if case.raises is None:
        return CaseResult(case, problem=f"adjudication raised {got}")
    wanted_type = getattr(_errors, case.raises.error)
    if not isinstance(exc, wanted_type):
        wanted = _describe_expected_error(case.raises)
        return CaseResult(case, problem=f"expected {wanted}, got {got}")
    if case.raises.match is not None and not re.search(case.raises.match, str(exc)):
        wanted = _describe_expected_error(case.raises)
        return CaseResult(case, problem=f"expected {wanted}; the message does not match: {got}")
    return CaseResult(case)


def _describe_expected_error(expected: ExpectedError) -> str:
    match = f" matching {expected.match!r}" if expected.match else ""
    return f"{expected.error}{match}"


def _compare(case: Case, frame: Any) -> Iterator[Mismatch]:
    assert case.expected is not None
    got_columns = {c: frame[c].tolist() for c in EXPECTED_COLUMNS}
    rules = [str(r) for r in got_columns["rule"]]
    for i, row in enumerate(case.expected):
        for column, want in row.items():
            got = got_columns[column][i]
            if column == "rule":
                got = str(got)
            if got != want:
                yield Mismatch(i, column, want, got, rules[i])


#: Runners by case kind. Account-credit cases will register ``"accounts"`` here.
RUNNERS: dict[str, Callable[[Case], CaseResult]] = {"claims": _run_claims}
