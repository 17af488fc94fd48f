"""Issue 20, breaks 2 and 3: reforms and policy files with unknown keys or bad values.

An unknown key used to be ignored (the baseline numbers came back); a bad value was
truncated or raised a bare ``decimal``/``OverflowError``/pybind11 error. Each is now a
``PolicyError`` naming the key (and the nearest valid one) or the key and the value.
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

import yibao
from yibao.errors import PolicyError

JINING = resources.files("yibao.policies").joinpath("jining.toml").read_text("utf-8")


@pytest.fixture(scope="module")
def jining() -> yibao.Policy:
    return yibao.load_policy("jining")


@pytest.mark.parametrize(
    ("key", "nearest"),
    [
        ("annual_cap", "pools.general.annual_cap"),
        ("pools.general.anual_cap", "pools.general.annual_cap"),
        ("pools.genral.annual_cap", "pools.general.annual_cap"),
        ("services.pharmacy.poool", "services.pharmacy.pool"),
        ("roundng", "rounding"),
    ],
)
def test_replace_refuses_an_unknown_key(jining: yibao.Policy, key: str, nearest: str) -> None:
    with pytest.raises(PolicyError, match="unknown") as err:
        jining.replace({key: 50})
    assert repr(key) in str(err.value)
    assert repr(nearest) in str(err.value)


def test_replace_still_takes_known_keys(jining: yibao.Policy) -> None:
    reform = jining.replace({"pools.general.annual_cap": 50, "level0_as": 2})
    assert reform.versions[0].tree["pools"]["general"]["annual_cap"]["value"] == 50


def test_a_policy_file_with_an_unknown_version_key_is_refused() -> None:
    text = JINING.replace("level0_as =", "annual_cap = { value = 50 }\nlevel0_as =", 1)
    with pytest.raises(PolicyError, match="unknown key 'annual_cap'") as err:
        yibao.Policy.from_toml(text, origin="reform.toml")
    assert "'pools.general.annual_cap'" in str(err.value)


def test_a_policy_file_with_an_unknown_pool_key_names_the_nearest() -> None:
    text = JINING.replace("annual_cap = { value", "anual_cap = { value", 1)
    with pytest.raises(PolicyError, match="anual_cap") as err:
        yibao.Policy.from_toml(text, origin="reform.toml")
    assert "annual_cap" in str(err.value).replace("anual_cap'", "")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("level0_as", 2.5),
        ("level0_as", Decimal("2.5")),
        ("level0_as", 300),
        ("level0_as", 0),
        ("level0_as", True),
        ("level0_as", "two"),
        ("pools.general.annual_cap", Decimal("NaN")),
        ("pools.general.annual_cap", Decimal("sNaN")),
        ("pools.general.annual_cap", Decimal("Infinity")),
        ("pools.general.annual_cap", float("inf")),
        ("pools.general.annual_cap", float("nan")),
        ("pools.general.annual_cap", 10**30),
        ("pools.general.annual_cap", "abc"),
        ("overall_cap", Decimal("sNaN")),
        ("overall_cap", 10**30),
        ("pools.general.rate", Decimal("NaN")),
        ("pools.general.rate", Decimal("sNaN")),
        ("pools.general.rate", 10**30),
    ],
)
def test_a_bad_value_names_key_and_value(jining: yibao.Policy, key: str, value: Any) -> None:
    with pytest.raises(PolicyError) as err:
        jining.replace({key: value})
    message = str(err.value)
    assert key.rsplit(".", 1)[-1] in message
    assert str(value).lower().replace("decimal", "") in message.lower() or repr(value) in message


@pytest.mark.parametrize(
    ("key", "nearest"),
    [
        ("accounts.retired.avrage_pension", "average_pension"),
        ("accounts.retird.average_pension", "retired"),
        ("accounts.roundng", "rounding"),
    ],
)
def test_account_changes_refuse_an_unknown_key(key: str, nearest: str) -> None:
    with pytest.raises(PolicyError, match="unknown key") as err:
        yibao.load_policy("nanchang").replace({key: 3140})
    assert repr(nearest) in str(err.value)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("sNaN"), float("inf"), "abc"])
def test_account_values_must_be_finite_numbers(value: Any) -> None:
    with pytest.raises(PolicyError, match="average_pension") as err:
        yibao.load_policy("nanchang").replace({"accounts.retired.average_pension": value})
    assert "number" in str(err.value)


def test_load_policy_refuses_an_unknown_key_in_a_file(tmp_path: Any) -> None:
    path = tmp_path / "reform.toml"
    path.write_text(JINING.replace("level0_as =", "level0_ass =", 1), encoding="utf-8")
    with pytest.raises(PolicyError, match="unknown key 'level0_ass'") as err:
        yibao.load_policy(path)
    assert "'level0_as'" in str(err.value)
