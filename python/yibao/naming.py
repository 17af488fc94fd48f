"""NHSA settlement field names (国家医保信息平台 结算信息) as an alternative naming.

Researchers holding real settlement extracts know the fields by their NHSA names; yibao's own
names stay the default. The field table is declared once, in ``nhsa.toml`` (see
:mod:`yibao.nhsa`). Amounts the platform *observed* never take the name of a yibao output:
``hifp_pay`` becomes ``observed_fund_paid``, so :func:`yibao.adjudicate` cannot overwrite it.
"""

from __future__ import annotations

import pandas as pd

from ._nhsa_tables import FIELDS

__all__ = ["NHSA_NAMES", "from_nhsa", "to_nhsa"]

# yibao's column -> the NHSA field that holds the same amount or key, for naming yibao's output.
NHSA_NAMES: dict[str, str] = {f.output: f.nhsa for f in FIELDS.values() if f.output is not None}
# NHSA field -> yibao's column when reading an extract: observed amounts become ``observed_*``.
_FROM_NHSA: dict[str, str] = {
    f.nhsa: f.yibao for f in FIELDS.values() if f.kind in ("money", "ratio", "id")
}


def to_nhsa(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with yibao's column names replaced by NHSA settlement names.

    >>> to_nhsa(pd.DataFrame(columns=["member_id", "fund_paid", "rule"])).columns.tolist()
    ['psn_no', 'hifp_pay', 'rule']
    """
    return frame.rename(columns=NHSA_NAMES)


def from_nhsa(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a settlement extract with NHSA names turned into yibao's.

    Keys and amounts are renamed (``psn_no`` → ``member_id``, ``inscp_scp_amt`` → ``eligible``);
    the amounts the platform paid come through as ``observed_*`` columns (``hifp_pay`` →
    ``observed_fund_paid``, ``act_pay_dedc`` → ``observed_deductible``), so that
    :func:`yibao.adjudicate` adds its own ``fund_paid`` beside them. Codes (``med_type``,
    ``hosp_lv``, ...) are left as they are: :func:`yibao.nhsa.read_extract` maps them.

    >>> from_nhsa(pd.DataFrame(columns=["psn_no", "inscp_scp_amt", "hifp_pay"])).columns.tolist()
    ['member_id', 'eligible', 'observed_fund_paid']
    """
    return frame.rename(columns=_FROM_NHSA)
