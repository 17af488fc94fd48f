"""The declared schema (python/yibao/schema.toml): generated files current, the compiled core
and the typed stub in agreement with it, and the rule code's room for two more flags."""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

yibao = pytest.importorskip("yibao")
_core = pytest.importorskip("yibao._core")

from yibao import _schema  # noqa: E402
from yibao.adjudicate import adjudicate_with_codes  # noqa: E402
from yibao.compare import flags_of_codes, rule_flags  # noqa: E402
from yibao.errors import PolicyError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    """The checkout's generator, loaded by path (the installed package has no cpp/ beside it)."""
    spec = importlib.util.spec_from_file_location("schemagen", REPO / "python/yibao/_schemagen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_current() -> None:
    gen = _generator()
    for path, text in gen.outputs(gen.load()).items():
        assert path.read_text("utf-8") == text, f"{path} is stale: run _schemagen.py"


def test_generator_refuses_rule_codes_past_uint16(tmp_path: Path) -> None:
    gen = _generator()
    text = gen.SCHEMA.read_text("utf-8").replace("max_versions = 255", "max_versions = 257")
    bad = tmp_path / "schema.toml"
    bad.write_text(text, "utf-8")
    with pytest.raises(gen.SchemaError, match="do not fit a uint16"):
        gen.load(bad)


def test_compiled_core_matches_the_schema() -> None:
    # A core built from another schema.toml (a stale build) fails here, not in a result.
    assert _core.rule_codes_per_version == _schema.RULE_CODES_PER_VERSION == 256
    assert _core.max_versions == _schema.MAX_VERSIONS
    assert _core.n_levels == _schema.LEVEL_MAX + 1
    assert _core.n_statuses == len(_schema.STATUSES)
    assert _core.n_tiers == len(_schema.TIERS)
    assert _core.n_services == len(_schema.SERVICES)
    for name, bit in _schema.RULE_FLAGS:
        assert getattr(_core, f"rule_{name}") == bit
    for name, bit in _schema.CREDIT_FLAGS.items():
        assert getattr(_core, f"credit_{name}") == bit


def _stub_names() -> tuple[set[str], dict[str, set[str]]]:
    tree = ast.parse((REPO / "python/yibao/_core.pyi").read_text("utf-8"))
    names: set[str] = set()
    members: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        if isinstance(node, ast.ClassDef):
            members[node.name] = {
                n.name if isinstance(n, ast.FunctionDef) else n.target.id  # type: ignore[union-attr]
                for n in node.body
                if isinstance(n, ast.FunctionDef)
                or (isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name))
            }
    return names, members


def test_stub_names_every_binding() -> None:
    names, members = _stub_names()
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert names == public, (
        f"in the module, not the stub: {sorted(public - names)}; "
        f"in the stub, not the module: {sorted(names - public)}"
    )
    for cls, attrs in members.items():
        missing = {a for a in attrs if not hasattr(getattr(_core, cls), a)}
        assert not missing, f"_core.{cls} lacks {sorted(missing)}"


def _two_version_policy() -> yibao.Policy:
    """Jining with a second version from 2023-07-01 (a cap of 3000)."""
    return yibao.load_policy("jining").replace(
        {"pools.general.annual_cap": 3000}, effective="2023-07-01"
    )


def test_rule_codes_carry_version_and_flags() -> None:
    policy = _two_version_policy()
    claims = pd.DataFrame(
        {
            "member_id": [1, 1, 2],
            "date": pd.to_datetime(["2023-03-01", "2023-08-01", "2023-08-02"]),
            "level": [1, 1, 3],
            "eligible": [Decimal(80), Decimal(100), Decimal(5000)],
            "status": "in_service",
        }
    )
    out, codes = adjudicate_with_codes(claims, policy, threads=1)
    # 济宁 通知 二(一)1: 80 at level 1 all to the deductible (100); then 20 of 100; level 3: 300.
    version = codes // _schema.RULE_CODES_PER_VERSION
    assert version.tolist() == [0, 1, 1]
    flags = flags_of_codes(codes)
    bits = dict(_schema.RULE_FLAGS)
    assert flags.tolist() == [
        bits["deductible"],
        bits["deductible"] | bits["rate"],
        bits["deductible"] | bits["rate"],
    ]
    # The labels decode to the same flags as the codes (the two routes agree).
    assert rule_flags(out["rule"], policy).tolist() == flags.tolist()


def test_rule_flags_refuses_a_foreign_label() -> None:
    with pytest.raises(ValueError, match="is not one of jining's rules"):
        rule_flags(pd.Series(["CQ-4 deductible"]), yibao.load_policy("jining"))


def test_at_most_max_versions() -> None:
    one = yibao.load_policy("jining").core.versions[0]
    policy = _core.Policy()
    policy.region = "many"
    versions = []
    start = (dt.date(2023, 1, 1) - dt.date(1970, 1, 1)).days
    for i in range(_schema.MAX_VERSIONS + 1):
        v = _core.Version()
        v.effective_day = start + i
        v.pools, v.services = one.pools, one.services
        versions.append(v)
    policy.versions = versions[: _schema.MAX_VERSIONS]
    policy.validate()  # 255 versions: every rule code fits a uint16
    policy.versions = versions
    with pytest.raises(PolicyError, match=f"at most {_schema.MAX_VERSIONS} versions"):
        policy.validate()


def test_vocabulary_aliases_adjudicate_alike() -> None:
    base = pd.DataFrame(
        {
            "member_id": [1, 2, 3],
            "date": pd.to_datetime(["2024-02-01"] * 3),
            "level": [1, 2, 3],
            "eligible": [500, 700, 900],
            "status": ["in_service", "retired", "retired"],
            "tier": ["employer", "individual_1", "individual_2"],
        }
    )
    chinese = base.assign(status=["在职", "退休", "退休"], tier=["随单位", "个人一档", "个人二档"])
    english = yibao.adjudicate(base, "chongqing", money="fen")
    labels = yibao.adjudicate(chinese, "chongqing", money="fen")
    for column in _schema.MONEY_OUTPUTS:
        assert np.array_equal(english[column].to_numpy(), labels[column].to_numpy())
