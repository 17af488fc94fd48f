"""Reading settlement extracts: codes, filters, reversal netting, replay order (issue 17).

Field and code facts: docs/backtest.md, which cites their sources (public implementations of
the 2207/5203 interfaces and of the warehouse table setl_d).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import yibao
from nhsa_extract import small_extract as _extract  # tests/ is on sys.path
from yibao.nhsa import CODES, read_extract


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        # issue 17 names these; nhsa-fields.md lists the rest of each list.
        ("med_type", ["11", "12", "13", "14", "140101", "140104", "140201", "15", "16", "28",
                      "41", "51", "21", "22", "23", "24", "25", "26", "27", "9901", "9929"]),
        ("hosp_lv", ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"]),
        ("dedc_hosp_lv", ["1", "2", "3", "9"]),
        ("insutype", ["310", "390", "340"]),
        ("psn_type", ["11", "12", "13", "14", "15", "16"]),
    ],
)  # fmt: skip
def test_code_tables_cover_every_listed_code(table: str, codes: list[str]) -> None:
    keys = set(CODES[table])
    assert {yibao.nhsa.code_key(c) for c in codes} <= keys


def test_code_meanings() -> None:
    service = {c: CODES["med_type"][c].value for c in ("11", "13", "14", "15", "28", "41")}
    assert service == {
        "11": "general",
        "13": "emergency",
        "14": "chronic",
        "15": "special_drug",
        "28": "day_surgery",
        "41": "pharmacy",
    }
    level = [CODES["hosp_lv"][yibao.nhsa.code_key(f"{c:02d}")].value for c in range(1, 12)]
    assert level == [3, 3, 3, 3, 2, 2, 2, 1, 1, 1, 0]
    assert CODES["insutype"]["310"].value == "keep"


def test_unknown_med_type_names_the_code_the_row_and_how_to_map_it() -> None:
    raw = _extract([{}, {"med_type": "9903"}])
    raw.index = ["a", "b"]
    with pytest.raises(yibao.InputError, match=r"column 'med_type', row 'b'.*'9903'.*codes=") as e:
        read_extract(raw)
    assert e.value.column == "med_type"
    mapped = read_extract(raw, codes={"med_type": {"9903": "general"}})
    assert mapped.claims["service"].tolist() == ["general", "general"]
    aside = read_extract(raw, codes={"med_type": {"9903": "set_aside"}})
    assert aside.claims.index.tolist() == ["a"]
    assert aside.set_aside["rows"].sum() == 1
    counted = read_extract(raw, unknown_codes="set_aside")
    assert "9903" in counted.set_aside["reason"].iloc[0]


def test_unknown_level_and_person_codes_are_errors_too() -> None:
    with pytest.raises(yibao.InputError, match=r"hosp_lv.*'12'.*codes=\{'hosp_lv'"):
        read_extract(_extract([{"hosp_lv": "12"}]))
    with pytest.raises(yibao.InputError, match=r"psn_type.*'1701'"):
        read_extract(_extract([{"psn_type": "1701"}]))


def test_override_must_map_to_yibaos_vocabulary() -> None:
    with pytest.raises(ValueError, match=r"med_type code '9903' maps to 'outpatient'"):
        read_extract(_extract([{}]), codes={"med_type": {"9903": "outpatient"}})


def test_warehouse_integer_codes_read_like_text_codes() -> None:
    # setl_d holds med_type and hosp_lv as integers, other tables as text (nhsa-fields.md).
    text = read_extract(_extract([{"hosp_lv": "02", "med_type": "13"}]))
    ints = read_extract(_extract([{"hosp_lv": 2, "med_type": 13, "insutype": 310}]))
    assert text.claims["level"].tolist() == ints.claims["level"].tolist() == [3]
    assert ints.claims["service"].tolist() == ["emergency"]


def test_dedc_hosp_lv_has_its_own_codes() -> None:
    raw = _extract([{"dedc_hosp_lv": 9, "hosp_lv": "02"}, {"dedc_hosp_lv": "2"}])
    ext = read_extract(raw, level_from="dedc_hosp_lv")
    assert ext.claims["level"].tolist() == [0, 2]


def test_filters_netting_and_replay_order() -> None:
    raw = _extract(
        [
            # 0: settled late in the day: replayed after row 1
            {"setl_time": "2024-03-01 16:00:00", "inscp_scp_amt": Decimal("50.00")},
            {"setl_time": "2024-03-01 08:00:00"},
            {"vali_flag": "0"},  # 2: invalid
            {"insutype": "390", "psn_type": "1401"},  # 3: residents
            {"med_type": "21"},  # 4: inpatient
            # 5 and 6: a settlement and its full reversal (same visit)
            {"mdtrt_id": "V", "hifp_pay": Decimal("30.00"), "setl_time": "2024-03-02 09:00:00"},
            {"mdtrt_id": "V", "refd_setl_flag": "1", "inscp_scp_amt": Decimal("-100.00"),
             "hifp_pay": Decimal("-30.00"), "setl_time": "2024-03-02 10:00:00"},
            # 7 and 8: a partial reversal leaves the netted amounts on the settlement
            {"mdtrt_id": "W", "hifp_pay": Decimal("30.00"), "setl_time": "2024-03-03 09:00:00"},
            {"mdtrt_id": "W", "refd_setl_flag": "1", "inscp_scp_amt": Decimal("-40.00"),
             "hifp_pay": Decimal("-12.00"), "setl_time": "2024-03-03 10:00:00"},
            # 9: reverses a settlement of an earlier extract
            {"mdtrt_id": "Z", "inscp_scp_amt": Decimal("-10.00"), "refd_setl_flag": "1"},
        ]
    )  # fmt: skip
    before = raw.copy()
    ext = read_extract(raw)
    pd.testing.assert_frame_equal(raw, before)  # the caller's frame is not modified
    assert ext.claims.index.tolist() == [1, 0, 7]
    assert ext.claims["eligible"].tolist() == [Decimal("100"), Decimal("50"), Decimal("60")]
    assert ext.claims["observed_fund_paid"].tolist()[2] == Decimal("18.00")
    reasons = dict(zip(ext.set_aside["reason"], ext.set_aside["rows"], strict=True))
    assert reasons["vali_flag 0 无效: invalid row (vali_flag = 0)"] == 1
    assert reasons["insutype 390 城乡居民基本医疗保险: residents' insurance"] == 1
    assert reasons["med_type 21 普通住院: inpatient, not outpatient"] == 1
    assert reasons["reversal netted against its settlement (by mdtrt_id)"] == 2
    assert reasons["settlement cancelled by its reversal (nets to zero)"] == 1
    assert reasons["reversal of a settlement not in the extract (by mdtrt_id)"] == 1
    assert ext.claims["date"].tolist() == [pd.Timestamp("2024-03-01")] * 2 + [
        pd.Timestamp("2024-03-03")
    ]


def test_a_reversal_by_init_setl_id_reverses_that_settlement() -> None:
    raw = _extract(
        [
            {"setl_id": "A", "mdtrt_id": "V", "hifp_pay": Decimal("5.00")},
            {"setl_id": "B", "mdtrt_id": "V", "setl_time": "2024-03-01 09:30:00"},
            {"setl_id": "C", "init_setl_id": "A", "mdtrt_id": "V", "refd_setl_flag": "1",
             "inscp_scp_amt": Decimal("-100.00"), "hifp_pay": Decimal("-5.00"),
             "setl_time": "2024-03-01 10:00:00"},
        ]
    )  # fmt: skip
    raw.loc[[0, 1], "init_setl_id"] = None
    assert read_extract(raw).claims["setl_id"].tolist() == ["B"]


def test_reversal_errors_name_what_is_missing() -> None:
    raw = _extract([{}, {"refd_setl_flag": "1", "inscp_scp_amt": Decimal("-100.00")}])
    with pytest.raises(yibao.InputError, match="init_setl_id and setl_id, or mdtrt_id"):
        read_extract(raw.drop(columns=["mdtrt_id", "setl_id"]))
    raw.loc[1, "mdtrt_id"] = "M0"
    raw.loc[1, "inscp_scp_amt"] = Decimal("-150.00")
    raw.loc[1, "setl_time"] = "2024-03-01 10:00:00"
    with pytest.raises(yibao.InputError, match="reversals of this settlement exceed it"):
        read_extract(raw)


def test_out_of_region_rows_are_set_aside() -> None:
    raw = _extract([{"insu_admdvs": "500101"}, {"insu_admdvs": "370800"}])
    ext = read_extract(raw, region="chongqing")
    assert ext.claims.index.tolist() == [0]
    assert ext.set_aside["step"].tolist() == ["insu_admdvs"]
    with pytest.raises(yibao.InputError, match="home="):
        read_extract(raw, region="custom")
    assert len(read_extract(raw, home="").claims) == 2


def test_missing_fields_and_bad_times_are_named() -> None:
    with pytest.raises(yibao.InputError, match=r"lacks the field.*hifp_pay"):
        read_extract(_extract([{}]).drop(columns=["hifp_pay"]))
    with pytest.raises(yibao.InputError, match="begndate"):
        read_extract(_extract([{}]).drop(columns=["begndate"]), year_by="service")
    with pytest.raises(yibao.InputError, match=r"column 'setl_time', row 0: unreadable"):
        read_extract(_extract([{"setl_time": "yesterday"}]))


def test_year_by_service_takes_the_visit_date() -> None:
    raw = _extract([{"begndate": "2023-12-31", "setl_time": "2024-01-02 08:00:00"}])
    assert read_extract(raw).claims["date"].tolist() == [pd.Timestamp("2024-01-02")]
    service = read_extract(raw, year_by="service").claims["date"].tolist()
    assert service == [pd.Timestamp("2023-12-31")]


def test_psn_type_by_prefix_and_observed_amounts_kept() -> None:
    raw = _extract([{"psn_type": "1201", "act_pay_dedc": Decimal("20.00")}, {"psn_type": 1101}])
    ext = read_extract(raw)
    assert ext.claims["status"].tolist() == ["retired", "in_service"]
    assert ext.claims["observed_deductible"].tolist() == [Decimal("20.00"), Decimal("0.00")]
    assert ext.observed_fen["observed_deductible"].tolist() == [2000, 0]


def test_synthetic_extract_is_deterministic_and_labelled() -> None:
    a, planted = yibao.nhsa.synthetic_extract(500, seed=4)
    b, _ = yibao.nhsa.synthetic_extract(500, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert {d.kind for d in planted} == {"cap_month", "level_miscoded"}
    assert "SYNTHETIC" in (yibao.nhsa.synthetic_extract.__doc__ or "")
    assert set(a["insutype"]) == {"310", "390"}
    assert np.isin(["0", "1"], a["vali_flag"]).all()


@pytest.mark.parametrize("page", ["docs/backtest.md", "docs/zh/backtest.md"])
def test_the_docs_list_every_code_and_field(page: str) -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / page).read_text("utf-8")
    for name in yibao.nhsa.FIELDS:
        assert f"`{name}`" in text, name
    for table in ("med_type", "psn_type", "insutype", "hosp_lv", "dedc_hosp_lv"):
        for key in CODES[table]:
            shown = [f"`{key}`", f"`{int(key):02d}`"] if key.isdigit() else [f"`{key}`"]
            in_range = table in ("med_type", "psn_type") and any(
                f"`{a}`–`{b}`" in text
                for a, b in (("21", "27"), ("14", "16"))
                if key.isdigit() and int(a) <= int(key) <= int(b)
            )
            hosp_range = table == "hosp_lv" and any(
                f"`{a:02d}`–`{b:02d}`" in text and a <= int(key) <= b
                for a, b in ((1, 4), (5, 7), (8, 10))
            )
            assert in_range or hosp_range or any(s in text for s in shown), (table, key)
