"""yibao's schema as Python tables.

Generated from python/yibao/schema.toml by python/yibao/_schemagen.py: do not edit.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Field(NamedTuple):
    """An input column: its logical type, whether it is required, what it defaults to."""

    name: str
    type: str
    required: bool | str  # a sentence: required only when it says
    default: str | None


LEVEL_MIN: Final = 0
LEVEL_MAX: Final = 3
# Policy-file keys of the rated levels (level 0 is paid as `level0_as`).
LEVEL_KEYS: Final = (
    "level1",
    "level2",
    "level3",
)

STATUSES: Final = (
    "in_service",
    "retired",
)
# Every accepted label of a status → its code.
STATUS_CODES: Final[dict[str, int]] = {
    "in_service": 0,
    "在职": 0,
    "retired": 1,
    "退休": 1,
}

TIERS: Final = (
    "employer",
    "individual_1",
    "individual_2",
)
# Every accepted label of a tier → its code.
TIER_CODES: Final[dict[str, int]] = {
    "employer": 0,
    "随单位": 0,
    "individual_1": 1,
    "个人一档": 1,
    "individual_2": 2,
    "个人二档": 2,
}

SERVICES: Final = (
    "general",
    "pharmacy",
    "internet",
    "emergency",
    "day_surgery",
    "chronic",
    "special_drug",
    "fixed_fee",
)
# Every accepted label of a service → its code.
SERVICE_CODES: Final[dict[str, int]] = {
    "general": 0,
    "pharmacy": 1,
    "internet": 2,
    "emergency": 3,
    "day_surgery": 4,
    "chronic": 5,
    "special_drug": 6,
    "fixed_fee": 7,
}

CLAIM_FIELDS: Final = (
    Field("member_id", "id", True, None),
    Field("date", "date", True, None),
    Field("level", "level", True, None),
    Field("eligible", "money", True, None),
    Field("status", "status", "unless the members table has retire_date", None),
    Field("service", "service", False, "general"),
    Field(
        "prescriber_level",
        "level",
        "on rows whose service takes the prescriber's level (pharmacy)",
        None,
    ),
    Field("tier", "tier", False, "employer"),
    Field("institution_id", "id", "under per-visit rules (ili)", None),
    Field("total", "money", False, None),
)
MEMBER_FIELDS: Final = (
    Field("member_id", "id", True, None),
    Field("birth_date", "date", "for personal accounts", None),
    Field("retire_date", "date", False, None),
    Field("tier", "tier", False, "employer"),
    Field("base", "money", "for personal accounts", None),
    Field("pension", "money", "for personal accounts under pension-based rules", None),
    Field("civil_servant_subsidy", "money", False, None),
)
REQUIRED_CLAIM_COLUMNS: Final = (
    "member_id",
    "date",
    "level",
    "eligible",
)
# What a missing optional column stands for.
CLAIM_DEFAULTS: Final[dict[str, str]] = {
    "service": "general",
    "tier": "employer",
}
MEMBER_DEFAULTS: Final[dict[str, str]] = {
    "tier": "employer",
}
# Every money column yibao reads or writes, so that files read back exactly.
MONEY_COLUMNS: Final = (
    "eligible",
    "total",
    "base",
    "pension",
    "civil_servant_subsidy",
    "deductible",
    "fund_paid",
    "supplementary_paid",
    "self_pay",
    "capped",
    "ytd_fund_paid",
)

OUTPUT_COLUMNS: Final = (
    "deductible",
    "fund_paid",
    "supplementary_paid",
    "self_pay",
    "capped",
    "ytd_fund_paid",
    "rule",
)
MONEY_OUTPUTS: Final = (
    "deductible",
    "fund_paid",
    "supplementary_paid",
    "self_pay",
    "capped",
    "ytd_fund_paid",
)
# yibao's name → the settlement platform's field, where there is an exact one.
NHSA_FIELDS: Final[dict[str, str]] = {
    "member_id": "psn_no",
    "eligible": "inscp_scp_amt",
    "deductible": "act_pay_dedc",
    "fund_paid": "hifp_pay",
    "supplementary_paid": "hifob_pay",
    "account_paid": "acct_pay",
    "cash_paid": "psn_cash_pay",
}

# rule code = version × RULE_CODES_PER_VERSION + flag bits (uint16).
RULE_FLAG_BITS: Final = 8
RULE_CODES_PER_VERSION: Final = 256
MAX_VERSIONS: Final = 255
# (flag name, bit value), in the order their labels are joined.
RULE_FLAGS: Final = (
    ("deductible", 1),
    ("rate", 2),
    ("visit_cap", 4),
    ("annual_cap", 8),
    ("overall_cap", 16),
    ("prescriber", 32),
    ("inpatient_stay", 64),
    ("supplementary", 128),
)
# Flag name → the key of its text in a policy's [versions.rules].
RULE_LABEL_KEYS: Final[dict[str, str]] = {
    "deductible": "deductible",
    "rate": "rate",
    "visit_cap": "visit_cap",
    "annual_cap": "annual_cap",
    "overall_cap": "overall_cap",
    "prescriber": "prescriber",
    "inpatient_stay": "inpatient_stay",
    "supplementary": "supplementary",
}
# (binding limit, flag bit), from the least to the most restrictive.
BINDINGS: Final = (
    ("deductible", 1),
    ("rate", 2),
    ("visit cap", 4),
    ("annual cap", 8),
    ("overall cap", 16),
)

CREDIT_FLAGS: Final[dict[str, int]] = {
    "retired": 1,
    "provisional": 2,
    "true_up": 4,
}
CREDIT_FLAG_CODES: Final = 8
# (bit, suffix of the credit's rule label), in the order the suffixes are joined.
CREDIT_SUFFIXES: Final = (
    (2, " (provisional 暂定)"),
    (4, " + true-up 补划差额"),
)
