"""NHSA settlement field names (国家医保信息平台 结算信息) as an alternative naming.

Researchers holding real settlement extracts know the fields by their NHSA names; yibao's own
names stay the default. Only fields with an exact counterpart are renamed.
"""

from __future__ import annotations

import pandas as pd

from ._schema import NHSA_FIELDS

__all__ = ["NHSA_NAMES", "from_nhsa", "to_nhsa"]

NHSA_NAMES: dict[str, str] = dict(NHSA_FIELDS)  # declared with each column in schema.toml


def to_nhsa(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with yibao's column names replaced by NHSA settlement names.

    >>> to_nhsa(pd.DataFrame(columns=["member_id", "fund_paid", "rule"])).columns.tolist()
    ['psn_no', 'hifp_pay', 'rule']
    """
    return frame.rename(columns=NHSA_NAMES)


def from_nhsa(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a settlement extract with NHSA names turned into yibao's (e.g. before
    :func:`yibao.adjudicate`: ``inscp_scp_amt`` becomes ``eligible``)."""
    return frame.rename(columns={v: k for k, v in NHSA_NAMES.items()})
