"""``yibao.from_nhsa`` keeps the platform's observed amounts (issue 17)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

import yibao


def test_from_nhsa_keeps_observed_fund_payment_beside_yibaos() -> None:
    extract = pd.DataFrame(
        {
            "psn_no": [7],
            "date": ["2023-03-01"],
            "level": [2],
            "inscp_scp_amt": [Decimal("300.00")],
            "hifp_pay": [Decimal("64.00")],
            "act_pay_dedc": [Decimal("200.00")],
            "status": "退休",
        }
    )
    out = yibao.adjudicate(yibao.from_nhsa(extract), "jining")
    # What the platform paid survives adjudication, untouched ...
    assert out["observed_fund_paid"].tolist() == [Decimal("64.00")]
    assert out["observed_deductible"].tolist() == [Decimal("200.00")]
    # ... beside yibao's own amount: 济宁 二(一)1–2, 200 deductible at level 2, then 100 × 65%.
    assert out["fund_paid"].tolist() == [Decimal("65.00")]
    assert out["deductible"].tolist() == [Decimal("200.00")]
    # The caller's extract is not modified.
    assert list(extract.columns)[:2] == ["psn_no", "date"]


def test_to_nhsa_names_yibaos_outputs_with_the_platform_fields() -> None:
    names = yibao.naming.NHSA_NAMES
    assert names["fund_paid"] == "hifp_pay"
    assert names["deductible"] == "act_pay_dedc"
    assert names["eligible"] == "inscp_scp_amt"
    assert names["member_id"] == "psn_no"


def test_schema_settlement_fields_agree_with_the_extract_table() -> None:
    # schema.toml names the settlement field of each input and output column; nhsa.toml maps
    # the platform's fields when reading an extract. Until one is generated from the other,
    # they must never disagree on a column both name.
    from yibao._schema import NHSA_FIELDS
    from yibao.naming import NHSA_NAMES

    declared = dict(NHSA_FIELDS)
    assert declared, "schema.toml declares no settlement fields"
    for column, field in declared.items():
        assert NHSA_NAMES.get(column) == field, column
