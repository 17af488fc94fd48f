"""pytest plugin of yibao: collects golden case files and runs each case as a test item.

Registered through the ``pytest11`` entry point, so any project with yibao installed gets it.
Files named ``*_cases.yaml`` / ``*_cases.yml`` (see :data:`yibao.cases.CASE_FILE_PATTERNS`)
are collected; each case becomes the item ``<file>::<region>::<case name>``. A failing case
prints a compact table (row, column, expected, got, rule) followed by the case's hand
computation. The format is documented in ``docs/validating-policies.md``.

This module imports nothing from yibao at import time (yibao loads its compiled core), so
pytest starts even where the core is missing; the case files then fail to collect with the
reason.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # pragma: no cover - types only
    from yibao.cases import Case, CaseResult

# Kept equal to yibao.cases.CASE_FILE_PATTERNS (not imported: that module loads the core).
_PATTERNS = ("*_cases.yaml", "*_cases.yml")


class CaseFailed(Exception):
    """Raised by a case item whose result differs from the case file."""

    def __init__(self, result: CaseResult) -> None:
        self.result = result
        super().__init__(result.case.name)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``*_cases.yaml`` files as :class:`CaseFile` nodes."""
    if any(fnmatch.fnmatchcase(file_path.name, p) for p in _PATTERNS):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    """A case file: one :class:`RegionGroup` per policy it uses, in order of appearance."""

    def collect(self) -> Iterator[RegionGroup]:
        cases = _load_cases(self)
        groups: dict[str, list[Case]] = {}
        for case in cases:
            groups.setdefault(case.region, []).append(case)
        for region, group in groups.items():
            yield RegionGroup.from_parent(self, name=region, cases=group)


def _load_cases(node: CaseFile) -> list[Case]:
    """Import yibao lazily and validate the file; problems become clear collection errors."""
    try:
        from yibao import cases
    except ImportError as exc:
        raise node.CollectError(
            f"{node.path}: cannot import yibao to run its cases: {exc}"
        ) from None
    try:
        return cases.load_file(node.path)
    except cases.CaseFileError as exc:
        raise node.CollectError(f"invalid case file {exc}") from None


class RegionGroup(pytest.Collector):
    """The cases of one file under one policy (the middle part of the test id)."""

    def __init__(self, *, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cases = cases

    def collect(self) -> Iterator[CaseItem]:
        for case in self.cases:
            yield CaseItem.from_parent(self, name=case.name, case=case)


class CaseItem(pytest.Item):
    """One golden case; ``xfail: "reason"`` in the file marks it a strict expected failure."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        if case.xfail:
            self.add_marker(pytest.mark.xfail(reason=case.xfail, strict=True))

    def runtest(self) -> None:
        from yibao.cases import run_case

        result = run_case(self.case)
        if not result.passed:
            raise CaseFailed(result)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        """The compact table for a failed case; pytest's usual report for anything else."""
        if isinstance(excinfo.value, CaseFailed):
            return excinfo.value.result.report()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(self.case.line - 1, 0), f"{self.case.region}::{self.case.name}"
