"""Bundled policies are parsed once per process, and no caller can change one for another."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pandas as pd
import pytest

yibao = pytest.importorskip("yibao")
pytest.importorskip("yibao._core")

from yibao import policy as policy_module  # noqa: E402
from yibao.accounts import account_rules  # noqa: E402


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The origins of every policy text parsed from now on, with the cache emptied first."""
    seen: list[str] = []
    parse = policy_module.parse_toml

    def counting(text: str, origin: str) -> dict[str, Any]:
        seen.append(origin)
        return parse(text, origin)

    policy_module._bundled.cache_clear()
    monkeypatch.setattr(policy_module, "parse_toml", counting)
    return seen


def _claims() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": [1, 1, 2],
            "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-01"]),
            "level": [1, 3, 2],
            "eligible": [150, 4000, 90],
            "status": ["in_service", "in_service", "retired"],
        }
    )


def test_second_load_does_not_parse(parses: list[str]) -> None:
    first = yibao.load_policy("chongqing")
    second = yibao.load_policy("chongqing")
    yibao.adjudicate(_claims(), "chongqing")
    account_rules("chongqing")  # the account rules come from the same parse
    assert parses == ["chongqing.toml"]
    assert first is not second
    pd.testing.assert_frame_equal(first.describe(), second.describe())
    assert first.rule_labels() == second.rule_labels()
    assert repr(first) == repr(second)


def test_a_file_is_read_on_every_call(parses: list[str], tmp_path: Any) -> None:
    path = tmp_path / "mine.toml"
    text = (policy_module.resources.files("yibao.policies") / "jining.toml").read_text("utf-8")
    path.write_text(text, "utf-8")
    yibao.load_policy(path)
    yibao.load_policy(path)
    assert parses == [str(path), str(path)]


def test_changes_do_not_leak_to_the_next_caller() -> None:
    before = yibao.adjudicate(_claims(), "chongqing", money="fen")
    mine = yibao.load_policy("chongqing")
    # Nested parameter tables are shared, so they refuse every change ...
    general = mine.versions[0].tree["pools"]["general"]
    with pytest.raises(TypeError, match=r"Policy\.replace"):
        general["rate"] = {"value": 1}
    with pytest.raises(TypeError):
        general["annual_cap"].clear()
    with pytest.raises(TypeError):
        mine.versions[0].tree["pools"].pop("general")
    # ... while what is the caller's own may change, for that caller only.
    mine.region = "mine"
    mine.versions[0].tree["rounding"] = {"value": "down"}
    mine.versions.clear()
    mine.core.region = "mine"
    mine.core.versions = []
    mine.accounts.core.versions = []
    mine.accounts.versions.clear()
    again = yibao.load_policy("chongqing")
    assert again.region == "chongqing" and again.core.region == "chongqing"
    assert again.versions[0].tree["rounding"]["value"] == "half_up"
    assert len(again.core.versions) == len(again.versions) > 0
    assert len(account_rules("chongqing").core.versions) > 0
    after = yibao.adjudicate(_claims(), "chongqing", money="fen")
    pd.testing.assert_frame_equal(before, after)


def test_reforms_and_copies_are_plain_and_changeable() -> None:
    policy = yibao.load_policy("jining")
    reform = policy.replace({"pools.general.annual_cap": 3000})
    assert reform.versions[0].tree["pools"]["general"]["annual_cap"]["value"] == 3000
    assert (
        yibao.load_policy("jining").versions[0].tree["pools"]["general"]["annual_cap"]["value"]
        == 2000
    )  # 济宁 通知 二(一)3
    for tree in (
        copy.deepcopy(policy.versions[0].tree),
        pickle.loads(pickle.dumps(policy)).versions[0].tree,
    ):
        tree["pools"]["general"]["annual_cap"] = {"value": 1}  # plain dicts: no error
        assert type(tree["pools"]) is dict
