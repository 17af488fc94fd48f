"""``yibao.lint.lint_policy``: every bundled policy is clean; broken ones are reported.

Each broken policy is a bundled file with one edit, written to a temporary file, so that the
findings must name that file and the key that was broken. Run:
``python -m pytest tests/test_lint.py -q``.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

yibao = pytest.importorskip("yibao")
from yibao.lint import Finding, lint_policy, main  # noqa: E402


def bundled(region: str) -> str:
    return resources.files("yibao.policies").joinpath(f"{region}.toml").read_text("utf-8")


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the one occurrence of ``old`` (a regex) replaced; fails if not found."""
    out, count = re.subn(old, new, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"pattern {old!r} not found"
    return out


def rules_of(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.rule, f.severity, f.key) for f in findings}


@pytest.mark.parametrize("region", yibao.regions())
def test_every_bundled_policy_is_clean(region: str) -> None:
    assert lint_policy(region) == []


@pytest.mark.parametrize("region", yibao.regions())
def test_bundled_policy_as_path_as_dict_and_as_object(region: str, tmp_path: Path) -> None:
    path = write(tmp_path, bundled(region), f"{region}.toml")
    assert lint_policy(path) == []
    assert lint_policy(str(path)) == []
    assert lint_policy(tomllib.loads(bundled(region), parse_float=Decimal)) == []
    assert lint_policy(yibao.load_policy(region)) == []


# (id, region, regex to replace, replacement, expected (rule, severity, key))
BROKEN = [
    (
        "rate above 1",
        "jining",
        r"(\[versions\.pools\.general\.rate\.in_service\]\nlevel1 = \{ value = )0\.70",
        r"\g<1>1.70",
        ("rate-range", "error", "pools.general.rate.in_service.level1"),
    ),
    (
        "retired increase pushes a rate above 1",
        "chongqing",
        r"retired_rate_increase = \{ value = 0\.10",
        "retired_rate_increase = { value = 0.60",
        ("rate-range", "error", "pools.general.rate.retired.level1"),
    ),
    (
        "negative rate",
        "nanchang",
        r"(\nlevel3 = \{ value = )0\.50",
        r"\g<1>-0.50",
        ("rate-range", "error", "pools.general.rate.in_service.level3"),
    ),
    (
        "negative annual cap",
        "jining",
        r"annual_cap = \{ value = 2000",
        "annual_cap = { value = -2000",
        ("negative-amount", "error", "pools.general.annual_cap.employer.in_service"),
    ),
    (
        "negative per-visit deductible",
        "ili",
        r"(\[versions\.pools\.general\.later_visit\]\nlevel1 = \{ value = )10",
        r"\g<1>-10",
        ("negative-amount", "error", "pools.general.later_visit.level1"),
    ),
    (
        "retired rate below in-service",
        "jining",
        r"(\[versions\.pools\.general\.rate\.retired\]\nlevel1 = \{ value = )0\.75",
        r"\g<1>0.65",
        ("retired-below", "warning", "pools.general.rate.level1"),
    ),
    (
        "retired deductible above in-service",
        "chongqing",
        r"retired = \{ value = 100,",
        "retired = { value = 300,",
        ("retired-below", "warning", "pools.general.deductible.level1"),
    ),
    (
        "retired annual cap below in-service",
        "chongqing",
        r"retired = \{ value = 4000,",
        "retired = { value = 2000,",
        ("retired-below", "warning", "pools.general.annual_cap.employer"),
    ),
    (
        "rate increasing with level",
        "jining",
        r"(\[versions\.pools\.general\.rate\.in_service\]\n(?:.*\n){2}level3 = \{ value = )0\.50",
        r"\g<1>0.65",
        ("rate-by-level", "warning", "pools.general.rate.in_service"),
    ),
    (
        "value without source",
        "jining",
        r'annual_cap = \{ value = 2000, source = "[^"]*" \}',
        "annual_cap = { value = 2000 }",
        ("no-source", "warning", "pools.general.annual_cap"),
    ),
    (
        "unknown pool key",
        "jining",
        r"annual_cap = \{ value = 2000",
        "anual_cap = { value = 2000",
        ("schema", "error", "pools.general.anual_cap"),
    ),
    (
        "unknown version key",
        "nanchang",
        r"^level0_as = ",
        "level_zero_as = ",
        ("schema", "error", "level_zero_as"),
    ),
    (
        "effective not a date",
        "jining",
        r"^effective = 2023-01-01",
        'effective = "2023"',
        ("schema", "error", "effective"),
    ),
    (
        "unknown deductible mode",
        "chongqing",
        r'deductible_mode = \{ value = "cumulative"',
        'deductible_mode = { value = "weekly"',
        ("schema", "error", "pools.general.deductible_mode"),
    ),
    (
        "account rate above 1",
        "chongqing",
        r"base_rate = \{ value = 0\.02",
        "base_rate = { value = 2",
        ("rate-range", "error", "in_service.base_rate"),
    ),
]


@pytest.mark.parametrize(
    ("region", "old", "new", "expected"),
    [b[1:] for b in BROKEN],
    ids=[b[0] for b in BROKEN],
)
def test_broken_policy_is_reported(
    region: str, old: str, new: str, expected: tuple[str, str, str], tmp_path: Path
) -> None:
    path = write(tmp_path, edit(bundled(region), old, new))
    findings = lint_policy(path)
    assert expected in rules_of(findings), "\n".join(map(str, findings))
    for finding in findings:
        assert finding.file == str(path)
        assert str(path) in str(finding)
        if finding.key:
            assert finding.key in str(finding)
    errors_first = [f.severity for f in findings]
    assert errors_first == sorted(errors_first, key=lambda s: s != "error")


def test_not_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "region = 'x'\n[[versions]\n")
    [finding] = lint_policy(path)
    assert finding.rule == "schema" and finding.severity == "error"
    assert str(path) in str(finding) and "not valid TOML" in finding.message


def test_no_versions(tmp_path: Path) -> None:
    findings = lint_policy(write(tmp_path, 'region = "x"\n'))
    assert ("schema", "error", "versions") in rules_of(findings)


def _two_versions(region: str, second: str) -> str:
    text = bundled(region)
    start = text.index("[[versions]]")
    end = text.find("[[accounts]]")
    block = text[start : end if end >= 0 else None]
    first = re.search(r"^effective = (\S+)", block, flags=re.MULTILINE)
    assert first is not None
    return text + "\n" + block.replace(f"effective = {first.group(1)}", f"effective = {second}", 1)


def test_overlapping_versions(tmp_path: Path) -> None:
    path = write(tmp_path, _two_versions("jining", "2023-01-01"))
    findings = lint_policy(path)
    assert ("version-order", "error", "versions") in rules_of(findings)
    assert any(f.rule == "schema" and "same day" in f.message for f in findings)


def test_versions_out_of_order(tmp_path: Path) -> None:
    # A second block dated before the first: the engine sorts them, the lint warns.
    findings = lint_policy(write(tmp_path, _two_versions("jining", "2022-06-01")))
    assert ("version-order", "warning", "versions") in rules_of(findings)
    assert not [f for f in findings if f.severity == "error"]


def test_a_reform_object_is_linted() -> None:
    reform = yibao.load_policy("jining").replace(
        {"pools.general.annual_cap": {"in_service": 3000, "retired": 1000}}
    )
    findings = lint_policy(reform)
    assert ("retired-below", "warning", "pools.general.annual_cap.employer") in rules_of(findings)


def test_findings_read_well() -> None:
    finding = Finding(
        "x.toml",
        "2023-01-01",
        "pools.general.rate",
        "rate-range",
        "error",
        "rate 2 lies outside 0..1",
    )
    assert (
        str(finding) == "x.toml [version 2023-01-01] pools.general.rate: error rate-range: "
        "rate 2 lies outside 0..1"
    )


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jining"]) == 0
    assert "jining: ok" in capsys.readouterr().out
    broken = write(
        tmp_path,
        edit(bundled("jining"), r"annual_cap = \{ value = 2000", "annual_cap = { value = -1"),
    )
    assert main([str(broken)]) == 1
    assert "negative-amount" in capsys.readouterr().out


def test_unreadable_file_raises(tmp_path: Path) -> None:
    with pytest.raises(yibao.PolicyError, match="cannot read"):
        lint_policy(tmp_path / "absent.toml")
