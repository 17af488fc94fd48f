"""Tests of the pytest plugin and the case-file format (``yibao.pytest_plugin``, ``yibao.cases``).

Each test writes case files into a fresh folder with pytest's ``pytester`` and runs pytest
there, as a user of an installed yibao would: the plugin comes in through its ``pytest11``
entry point, nothing is configured by hand.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from yibao import cases

pytest_plugins = ["pytester"]

DOCS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "validating-policies.md"

ILI_CASES = """
defaults:
  policy: ili
  member_id: 1
  status: in_service
cases:
  - name: worked check
    article: 伊犁 第十一条(一)(二)
    why: (100 − 22.5) × 65% = 50.375 → 50.38
    claims:
      - {date: 2022-03-01, level: 2, eligible: 10, institution_id: A}
      - {date: 2022-03-02, level: 2, eligible: 100, institution_id: B}
    expected:
      - {deductible: 10, fund_paid: 0}
      - {deductible: 22.5, fund_paid: FUND, rule: ILI-11.1 visit deductible + ILI-11.2 rate}
  - name: day surgery needs inpatient rates
    article: 伊犁 第十四条
    claims:
      - {date: 2022-03-01, level: 2, eligible: 100, institution_id: A, service: day_surgery}
    raises: {error: MissingParameterError, match: pools\\.day_surgery\\.rate}
"""


def ili_cases(fund: str = "50.38") -> str:
    return ILI_CASES.replace("FUND", fund)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", *args)


# -- collection and passing -------------------------------------------------------------------
def test_passing_case_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", ili_cases=ili_cases())
    result = run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*ili_cases.yaml::ili::worked check PASSED*",
            "*ili_cases.yaml::ili::day surgery needs inpatient rates PASSED*",
        ]
    )


def test_item_ids_are_file_region_name(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", ili_cases=ili_cases())
    result = run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["ili_cases.yaml::ili::worked check", "*2 tests collected*"])


def test_one_case_selected_by_its_id(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", ili_cases=ili_cases())
    run(pytester, "ili_cases.yaml::ili::worked check").assert_outcomes(passed=1)


def test_other_yaml_files_are_not_collected(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", ili=ili_cases(), cases_ili=ili_cases())
    assert run(pytester).ret == pytest.ExitCode.NO_TESTS_COLLECTED


# -- failures -------------------------------------------------------------------------------
def test_one_fen_off_fails_with_the_compact_table(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", ili_cases=ili_cases(fund="50.39"))
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*case 'worked check' (*ili_cases.yaml:6): 1 value differs from the case file",
            "*article: 伊犁 第十一条(一)(二)",
            "*row*column*expected*got*rule",
            "*1*fund_paid*50.39*50.38*ILI-11.1 visit deductible + ILI-11.2 rate",
            "*why (hand computation):",
            "*(100 − 22.5) × 65% = 50.375 → 50.38",
        ]
    )
    # Only the differing value is listed: the deductible of row 1 was right.
    assert not re.search(r"^\s+1\s+deductible", result.stdout.str(), re.MULTILINE)


def test_expected_error_not_raised_fails(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        jining_cases="""
        cases:
          - name: no error here
            article: 济宁 通知 二(一)1
            policy: jining
            claims:
              - {member_id: 1, date: 2023-03-01, level: 1, eligible: 80, status: in_service}
            raises: {error: MissingParameterError}
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*expected MissingParameterError, but adjudication raised no error"]
    )


def test_wrong_error_message_fails(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", ili_cases=ili_cases().replace("pools\\.day_surgery\\.rate", "nope"))
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*expected MissingParameterError matching 'nope'; the message*"])


def test_xfail_case(pytester: pytest.Pytester) -> None:
    text = ili_cases(fund="50.39").replace(
        "  - name: worked check\n", '  - name: worked check\n    xfail: "engine disagrees"\n'
    )
    pytester.makefile(".yaml", ili_cases=text)
    run(pytester, "-rx").assert_outcomes(passed=1, xfailed=1)


# -- malformed files --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "cases:\n  - name: x\n    policy: ili\n    claims: [{level: 1}]\n    expected: [{}]\n",
            "*ili_cases.yaml:2: case 1 ('x'): 'article' is required and must be non-empty text",
        ),
        ("cases: [\n", "*ili_cases.yaml: not valid YAML*"),
        ("cases: []\n", "*'cases' must be a non-empty list of cases"),
        (
            "cases:\n  - {name: x, article: a, policy: ili, claims: [{level: 1}], expected: []}\n",
            "*'expected' must list one mapping per claims row (1 rows, got 0)*",
        ),
        (
            "cases:\n  - {name: x, article: a, policy: ili, claims: [{level: 1}],"
            " expected: [{fund: 1}]}\n",
            "*unknown key(s) 'fund' in expected row 0; allowed: deductible, fund_paid*",
        ),
        (
            "cases:\n  - {name: x, article: a, policy: ili, claims: [{level: 1}],"
            " raises: {error: KeyError}}\n",
            "*'raises.error' must be one of*got 'KeyError'",
        ),
        (
            "cases:\n  - name: x\n    name: y\n",
            "*line 3: key 'name' appears twice in one mapping",
        ),
        (
            "cases:\n  - {name: x, article: a, policy: ili, claims: [{eligible: .inf}],"
            " expected: [{}]}\n",
            "*'.inf' is not a finite decimal amount",
        ),
        (
            "cases:\n  - {name: x, article: a, members: [], months: []}\n",
            "*accounts cases (keys members, months, credits) are not supported yet*",
        ),
    ],
    ids=[
        "no-article",
        "bad-yaml",
        "no-cases",
        "row-count",
        "unknown-column",
        "unknown-error",
        "duplicate-key",
        "infinite-amount",
        "accounts-reserved",
    ],
)
def test_malformed_case_file_is_a_clear_collection_error(
    pytester: pytest.Pytester, text: str, message: str
) -> None:
    pytester.makefile(".yaml", ili_cases=text)
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR collecting ili_cases.yaml*", message])
    assert "Traceback" not in result.stdout.str()


# -- the format itself, without pytest --------------------------------------------------------
def test_numbers_are_read_as_exact_decimals() -> None:
    data = cases.read_yaml("a: 22.5\nb: 0.1\nc: 1_000.05\nd: 7\n")
    assert data == {"a": Decimal("22.5"), "b": Decimal("0.1"), "c": Decimal("1000.05"), "d": 7}
    assert isinstance(data["b"], Decimal)


def test_run_file_without_pytest(tmp_path: Path) -> None:
    path = tmp_path / "ili_cases.yaml"
    path.write_text(textwrap.dedent(ili_cases(fund="50.39")), encoding="utf-8")
    results = cases.run_file(path)
    assert [r.passed for r in results] == [False, True]
    (mismatch,) = results[0].mismatches
    assert (mismatch.row, mismatch.column) == (1, "fund_paid")
    assert (mismatch.expected, mismatch.got) == (Decimal("50.39"), Decimal("50.38"))
    assert mismatch.rule == "ILI-11.1 visit deductible + ILI-11.2 rate"


def test_policy_file_relative_to_the_case_file(pytester: pytest.Pytester) -> None:
    bundled = Path(cases.__file__).parent / "policies" / "nanchang.toml"
    sub = pytester.mkdir("policies")
    (sub / "nc.toml").write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    pytester.makefile(
        ".yaml",
        nc_cases="""
        cases:
          - name: deductible 600, level 2 at 55%
            article: 南昌 起草说明 四(二)1
            policy: {file: policies/nc.toml}
            why: (1000 − 600) × 55% = 220.00
            claims:
              - {member_id: 1, date: 2023-05-01, level: 2, eligible: 1000, status: in_service}
            expected:
              - {deductible: 600, fund_paid: 220.00, self_pay: 780.00}
        """,
    )
    result = run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["nc_cases.yaml::nc::deductible 600, level 2 at 55%"])
    run(pytester).assert_outcomes(passed=1)


GOLDEN = sorted((Path(__file__).parent / "cases").glob("*_cases.yaml"))


@pytest.mark.parametrize("path", GOLDEN, ids=[p.name for p in GOLDEN])
def test_golden_cases_show_their_hand_computation(path: Path) -> None:
    """The project's convention, stricter than the format: every golden case has a ``why``."""
    without = [c.name for c in cases.load_file(path) if not c.why]
    assert not without, f"{path.name}: cases without 'why': {without}"


# -- the documentation page -----------------------------------------------------------------
def _doc_blocks(language: str) -> list[str]:
    text = DOCS_PAGE.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


@pytest.mark.skipif(not DOCS_PAGE.exists(), reason="the docs are not part of this checkout")
def test_the_docs_example_passes_and_fails_as_documented(pytester: pytest.Pytester) -> None:
    policy = next(b for b in _doc_blocks("toml") if b.startswith("# policies/example_city.toml"))
    case_file = next(b for b in _doc_blocks("yaml") if b.startswith("# example_city_cases.yaml"))
    pytester.mkdir("policies")
    (pytester.path / "policies" / "example_city.toml").write_text(policy, encoding="utf-8")
    cases_path = pytester.path / "example_city_cases.yaml"
    cases_path.write_text(case_file, encoding="utf-8")
    n_cases = len(cases.load_file(cases_path))
    run(pytester).assert_outcomes(passed=n_cases)

    # Change the first non-zero expected fund_paid by one fen.
    match = re.search(r"fund_paid: (\d+\.\d\d)", case_file)
    assert match is not None
    wrong = Decimal(match.group(1)) + Decimal("0.01")
    one_fen_off = case_file[: match.start(1)] + str(wrong) + case_file[match.end(1) :]
    cases_path.write_text(one_fen_off, encoding="utf-8")
    result = run(pytester)
    result.assert_outcomes(passed=n_cases - 1, failed=1)
    result.stdout.fnmatch_lines(
        ["*row*column*expected*got*rule", f"*fund_paid*{wrong}*{match.group(1)}*"]
    )


# -- pytest starts without the compiled core -----------------------------------------------
def test_plugin_module_imports_nothing_from_yibao(tmp_path: Path) -> None:
    """Loaded on its own with ``yibao._core`` blocked, the module imports fine."""
    plugin = Path(cases.__file__).parent / "pytest_plugin.py"
    code = textwrap.dedent(
        f"""
        import importlib.util, sys
        sys.modules["yibao._core"] = None  # as if the core were not built
        spec = importlib.util.spec_from_file_location("standalone_plugin", {str(plugin)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        loaded = [n for n, m in sys.modules.items() if m is not None and n.split(".")[0] == "yibao"]
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


def test_pytest_starts_where_the_core_is_missing(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    code = (
        "import sys; sys.modules['yibao._core'] = None; import pytest; "
        "raise SystemExit(pytest.main(['-q', '-p', 'no:cacheprovider']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
