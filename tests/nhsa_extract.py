"""A small settlement extract in the platform's layout, for the tests of yibao.nhsa."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd


def small_extract(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A small extract in the platform's layout; each row overrides these defaults."""
    base = {
        "setl_id": None,
        "mdtrt_id": None,
        "psn_no": "P1",
        "insutype": "310",
        "psn_type": "1101",
        "setl_time": "2024-03-01 09:00:00",
        "begndate": "2024-03-01",
        "med_type": "11",
        "fixmedins_code": "H1",
        "hosp_lv": "05",
        "inscp_scp_amt": Decimal("100.00"),
        "act_pay_dedc": Decimal("0.00"),
        "hifp_pay": Decimal("0.00"),
        "vali_flag": "1",
        "refd_setl_flag": "0",
    }
    out = []
    for i, row in enumerate(rows):
        full = {**base, "setl_id": f"S{i}", "mdtrt_id": f"M{i}", **row}
        out.append(full)
    return pd.DataFrame(out)
