# Generated from python/yibao/schema.toml by python/yibao/_schemagen.py: do not edit.
# The bindings of cpp/bindings/register_*.cpp, one section per file, by hand: change a binding,
# change its lines here (tests/test_schema.py checks that every name here exists in the
# compiled module and that every public name of the module is here). Amounts are int fen and
# rates int millionths, as the casters convert them (cpp/bindings/casters.hpp).
from typing import Any, ClassVar, overload

import numpy as np
import numpy.typing as npt

_Array = npt.NDArray[Any]  # a C-contiguous array of the exact dtype the binding names

# --- register_money.cpp ----------------------------------------------------------------------

class Rounding:
    half_up: ClassVar[Rounding]
    half_even: ClassVar[Rounding]
    down: ClassVar[Rounding]
    def __init__(self, value: int) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

def fen_from_float64(
    values: _Array, rounding: Rounding | None, column: str, threads: int = 1
) -> npt.NDArray[np.int64]: ...
def fen_from_decimal128(
    words: _Array, scale: int, rounding: Rounding | None, column: str, threads: int = 1
) -> npt.NDArray[np.int64]: ...
def fen_from_int64(
    values: _Array, fen_per_unit: int, column: str, threads: int = 1
) -> npt.NDArray[np.int64]: ...
def days_from_timestamps(
    values: _Array, units_per_day: int, allow_missing: bool, column: str, threads: int = 1
) -> npt.NDArray[np.int32]: ...
def first_outside(values: _Array, low: int, high: int, threads: int = 1) -> int: ...
def first_descending(values: _Array, threads: int = 1) -> int: ...

# --- register_policy.cpp ---------------------------------------------------------------------

class DeductiblePeriod:
    year: ClassVar[DeductiblePeriod]
    quarter: ClassVar[DeductiblePeriod]
    month: ClassVar[DeductiblePeriod]
    visit: ClassVar[DeductiblePeriod]
    __members__: ClassVar[dict[str, DeductiblePeriod]]
    def __init__(self, value: int) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class LevelSource:
    row: ClassVar[LevelSource]
    prescriber: ClassVar[LevelSource]
    fixed: ClassVar[LevelSource]
    def __init__(self, value: int) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class LevelChoice:
    source: LevelSource
    fixed_level: int
    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self, source: LevelSource, fixed_level: int = 0) -> None: ...

class Pool:
    period: DeductiblePeriod
    threshold: list[list[int]]  # [status][level], fen
    first_visit: list[int]  # [level]
    later_visit: list[int]
    rate: list[list[int]]  # [status][level], millionths
    has_visit_cap: bool
    visit_cap: list[int]
    has_annual_cap: bool
    annual_cap: list[list[int]]  # [tier][status]
    def __init__(self) -> None: ...

class ServiceRule:
    pool: int
    rate_level: LevelChoice
    deductible_level: LevelChoice
    cap_level: LevelChoice
    missing: str
    def __init__(self) -> None: ...

class Version:
    effective_day: int
    rounding: Rounding
    level0_as: int
    pools: list[Pool]
    services: list[ServiceRule]
    has_overall_cap: bool
    overall_cap: int
    overall_missing: str
    has_supplementary: bool
    supplementary_cap: int
    supplementary_missing: str
    def __init__(self) -> None: ...

class Policy:
    region: str
    versions: list[Version]
    def __init__(self) -> None: ...
    def validate(self) -> None: ...
    def __copy__(self) -> Policy: ...

max_pools: int

# --- register_adjudicate.cpp -----------------------------------------------------------------

class MoneyLayout:
    fen64: ClassVar[MoneyLayout]
    decimal128: ClassVar[MoneyLayout]
    def __init__(self, value: int) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class FrameLabels:
    def __init__(self, status: LabelTable, service: LabelTable, tier: LabelTable) -> None: ...

def adjudicate(
    policy: Policy,
    member: _Array,
    day: _Array,
    level: _Array,
    eligible: _Array,
    status: _Array,
    service: _Array,
    prescriber: _Array,
    tier: _Array,
    institution: _Array | None,
    threads: int = 1,
    layout: MoneyLayout = ...,
) -> dict[str, _Array]: ...
def adjudicate_frame(
    policy: Policy,
    member: _Array,
    date: tuple[Any, ...],
    level: Any,
    eligible: tuple[Any, ...],
    status: Any,
    service: Any,
    tier: Any,
    prescriber: Any,
    institution: _Array | None,
    rounding: Rounding | None,
    max_fen: int,
    labels: FrameLabels,
    threads: int = 1,
    layout: MoneyLayout = ...,
) -> dict[str, _Array]: ...
def convert_frame(
    member: _Array,
    date: tuple[Any, ...],
    level: Any,
    eligible: tuple[Any, ...],
    status: Any,
    service: Any,
    tier: Any,
    prescriber: Any,
    institution: _Array | None,
    rounding: Rounding | None,
    max_fen: int,
    labels: FrameLabels,
    threads: int = 1,
) -> dict[str, _Array]: ...
def fen_from_decimal_objects(
    values: _Array, decimal_type: type, threads: int = 1
) -> npt.NDArray[np.int64] | None: ...
def text_codes(offsets: _Array, data: _Array) -> npt.NDArray[np.int64] | None: ...
def string_chunk_from_objects(values: _Array) -> tuple[_Array, _Array] | None: ...
def label_codes_from_objects(
    values: _Array, table: LabelTable, threads: int = 1
) -> npt.NDArray[np.int8]: ...
def days_from_date_objects(values: _Array, threads: int = 1) -> npt.NDArray[np.int32] | None: ...
def days_from_iso_text(
    offsets: _Array, data: _Array, threads: int = 1
) -> npt.NDArray[np.int32] | None: ...

# --- register_labels.cpp ---------------------------------------------------------------------

class LabelTable:
    def __init__(self, labels: list[str], codes: list[int]) -> None: ...

def codes_present(codes: _Array, n_codes: int, threads: int = 1) -> npt.NDArray[np.uint8]: ...
def recode(codes: _Array, table: _Array, threads: int = 1) -> _Array: ...

# --- register_accounts.cpp -------------------------------------------------------------------

class CreditFormula:
    account: bool
    fixed: int
    base_rate: int
    employer_rate: int
    pension_rate: int
    reference_rate: int
    reference: int
    has_provisional: bool
    provisional: int
    adjusted_from: int
    missing: str
    label: int
    def __init__(self) -> None: ...

class AgeBand:
    min_age: int
    formula: CreditFormula
    def __init__(self, min_age: int, formula: CreditFormula) -> None: ...

class AccountVersion:
    effective_month: int
    rounding: Rounding
    bands: list[list[list[AgeBand]]]  # [status][tier]
    def __init__(self) -> None: ...

class AccountPolicy:
    region: str
    versions: list[AccountVersion]
    def __init__(self) -> None: ...
    def validate(self) -> None: ...
    def __copy__(self) -> AccountPolicy: ...

never: int
no_day: int

def credit_accounts(
    policy: AccountPolicy,
    birth: _Array,
    retire: _Array,
    tier: _Array,
    base: _Array,
    has_base: _Array,
    pension: _Array,
    has_pension: _Array,
    first_month: int,
    last_month: int,
) -> dict[str, _Array]: ...
def run_ledger(
    payer: _Array,
    member: _Array,
    day: _Array,
    due: _Array,
    self_pay: _Array,
    outside: _Array,
    eligible: _Array,
    account: _Array,
    month: _Array,
    credit: _Array,
    opening: _Array,
) -> dict[str, _Array]: ...

# --- register_buffers.cpp --------------------------------------------------------------------

def set_buffer_cache_limit(bytes: int) -> None: ...
def buffer_cache_limit() -> int: ...
def buffer_cache_bytes() -> int: ...

# --- register_totals.cpp ---------------------------------------------------------------------

def totals(
    policies: list[Policy],
    member: _Array,
    day: _Array,
    level: _Array,
    eligible: _Array,
    status: _Array,
    service: _Array,
    prescriber: _Array,
    tier: _Array,
    institution: _Array | None,
    threads: int = 1,
) -> list[dict[str, int]]: ...

# --- schema constants, bound from cpp/include/yibao/schema.hpp -------------------------
# (tests/test_schema.py checks them against yibao._schema)

rule_codes_per_version: int
max_versions: int
n_levels: int
n_statuses: int
n_tiers: int
n_services: int
rule_deductible: int
rule_rate: int
rule_visit_cap: int
rule_annual_cap: int
rule_overall_cap: int
rule_prescriber: int
rule_inpatient_stay: int
rule_supplementary: int
credit_retired: int
credit_provisional: int
credit_true_up: int
