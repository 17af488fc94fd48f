"""Independent plain-Python ``decimal.Decimal`` reference for general-outpatient adjudication.

Derived only from ``docs/design.md`` (sections 3, 4 and 6), the regional source texts and the lead's
written product decisions -- never from the engine's source -- so that the differential tests in
``test_differential.py`` compare two independent readings of the same rules.

Everything in the money path is ``Decimal``; pandas is used only to read rows in and to hand a
frame back. The core loop (:func:`adjudicate_claims`) works on plain tuples.

Rules implemented (per member, per calendar year, rows stably sorted by ``(date, input position)``):

* ``base = eligible - deductible``; ``raw = base * rate``; ``rounded`` = ``raw`` rounded half-up to
  the fen once, before caps; ``fund_paid = min(rounded, remaining caps)``;
  ``capped = rounded - fund_paid``; ``self_pay = eligible - fund_paid``;
  ``ytd_fund_paid`` = the member's cumulative ``fund_paid`` in the calendar year, this row included.
* Cumulative deductible (chongqing, jining, nanchang, quarterly): with ``D`` already paid in the
  deductible's period, a row pays ``min(eligible, max(0, T - D))``. The period (a calendar year,
  quarter or month) is policy data: :data:`DEDUCTIBLE_PERIOD` reads it from each policy file.
  Caps are annual in every region.
* Ili: per-visit deductible and per-visit fund cap (a visit = one member, one date, one
  ``institution_id``), first visit of the year vs. later visits, plus the annual caps.
* Overall limit and the supplementary fund (docs/design.md §6b; 重庆 第八条, 伊犁 第十四条–
  第十五条): the member's other pooled payments (``other_paid``: member, date, amount) count
  from their date on, together with the year's ``fund_paid``, toward the overall limit (Ili
  100,000; Chongqing a supplied value, needed only with other payments); what the limit
  withholds the supplementary fund pays (``supplementary_paid``) up to its supplied annual
  limit, within the outpatient caps: ``fund_paid + supplementary_paid + self_pay == eligible``.
* Inpatient stays (伊犁 第十六条): an Ili row dated from admit to discharge gets nothing and is
  not a visit.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple

import pandas as pd

Region = Literal["chongqing", "jining", "nanchang", "ili", "quarterly"]
Status = Literal["in_service", "retired"]
Service = Literal["general", "pharmacy", "internet", "emergency"]
Tier = Literal["employer", "individual_1", "individual_2"]

REGIONS: Final[tuple[Region, ...]] = ("chongqing", "jining", "nanchang", "ili", "quarterly")
STATUSES: Final[tuple[Status, ...]] = ("in_service", "retired")
SERVICES: Final[tuple[Service, ...]] = ("general", "pharmacy", "internet", "emergency")
TIERS: Final[tuple[Tier, ...]] = ("employer", "individual_1", "individual_2")
MONEY_COLUMNS: Final[tuple[str, ...]] = (
    "deductible",
    "fund_paid",
    "self_pay",
    "capped",
    "ytd_fund_paid",
    "supplementary_paid",
)

ZERO: Final = Decimal("0")
CENT: Final = Decimal("0.01")


def _d(text: str) -> Decimal:
    return Decimal(text)


# --------------------------------------------------------------------------------------------
# Parameters.  Every value is hard-coded from the source text; the article is cited on the line.
# --------------------------------------------------------------------------------------------

# First day each region's rules are in force (docs/design.md §1; claims before it are an error).
START: Final[Mapping[Region, dt.date]] = {
    "chongqing": dt.date(2024, 1, 1),  # 渝医保发〔2023〕32号 第十四条 自2024年1月1日起施行
    "jining": dt.date(2023, 1, 1),  # 济宁通知 二(二) 2023年1月1日同步开始实施
    "nanchang": dt.date(2023, 1, 1),  # 南昌起草说明 四(六) 自2023年1月1日起施行 (draft)
    "ili": dt.date(2022, 1, 1),  # 伊犁 第三十二条 "2022年*月*日": assumption 2022-01-01 (draft)
    "quarterly": dt.date(2024, 1, 1),  # test-only policy, tests/policies/quarterly.toml
}

# The policy file of each region: the bundled ones, and the test-only quarterly one.
_ROOT: Final = Path(__file__).resolve().parent.parent
POLICY_FILES: Final[Mapping[Region, Path]] = {
    **{r: _ROOT / "python" / "yibao" / "policies" / f"{r}.toml" for r in REGIONS[:4]},
    "quarterly": _ROOT / "tests" / "policies" / "quarterly.toml",
}


def _deductible_period(region: Region) -> str:
    """The general pool's deductible period, as the policy file states it (default: year)."""
    with POLICY_FILES[region].open("rb") as f:
        pools = tomllib.load(f)["versions"][0]["pools"]
    leaf = pools["general"].get("deductible_period", {"value": "year"})
    period = str(leaf["value"])
    assert period in ("year", "quarter", "month"), (region, period)
    return period


# The one parameter read from the policy files rather than typed here: it is what the
# test-only quarterly policy exists to vary (docs/architecture.md, "Adding a mechanism").
DEDUCTIBLE_PERIOD: Final[Mapping[Region, str]] = {r: _deductible_period(r) for r in REGIONS}

# ---- Chongqing 渝医保发〔2023〕32号 ----
# 第四条: 自然年度累计起付标准 在职200元 退休100元.
CQ_DEDUCTIBLE: Final[Mapping[Status, Decimal]] = {"in_service": _d("200"), "retired": _d("100")}
# 第五条: 二级及以下60% 三级50%; 退休人员增加10个百分点.
CQ_RATE: Final[Mapping[int, Decimal]] = {1: _d("0.60"), 2: _d("0.60"), 3: _d("0.50")}
CQ_RETIRED_EXTRA: Final = _d("0.10")
# 第六条: 随单位/个人二档 在职3000 退休4000; 个人一档 在职800 退休1200.
CQ_CAP: Final[Mapping[tuple[Tier, Status], Decimal]] = {
    ("employer", "in_service"): _d("3000"),
    ("employer", "retired"): _d("4000"),
    ("individual_2", "in_service"): _d("3000"),
    ("individual_2", "retired"): _d("4000"),
    ("individual_1", "in_service"): _d("800"),
    ("individual_1", "retired"): _d("1200"),
}

# ---- Jining 济宁市医疗保障局通知 (济政办发〔2022〕13号) ----
# 二(一)1: 一、二、三级 起付标准 100/200/300, 累计补差.
JN_DEDUCTIBLE: Final[Mapping[int, Decimal]] = {1: _d("100"), 2: _d("200"), 3: _d("300")}
# 二(一)2: 在职 70/60/50%, 退休 75/65/55%.
JN_RATE: Final[Mapping[tuple[Status, int], Decimal]] = {
    ("in_service", 1): _d("0.70"),
    ("in_service", 2): _d("0.60"),
    ("in_service", 3): _d("0.50"),
    ("retired", 1): _d("0.75"),
    ("retired", 2): _d("0.65"),
    ("retired", 3): _d("0.55"),
}
# 二(一)3: 最高支付限额 2000元 (no status distinction).
JN_CAP: Final = _d("2000")

# ---- Nanchang 起草说明 四(二)1 ----
# 起付线600元 (no status distinction; the text raises only rate and cap for retirees).
NC_DEDUCTIBLE: Final = _d("600")
# 一级及以下60% 二级55% 三级50%; 退休 +5个百分点.
NC_RATE: Final[Mapping[int, Decimal]] = {1: _d("0.60"), 2: _d("0.55"), 3: _d("0.50")}
NC_RETIRED_EXTRA: Final = _d("0.05")
# 最高支付限额1800元; 退休 2000元.
NC_CAP: Final[Mapping[Status, Decimal]] = {"in_service": _d("1800"), "retired": _d("2000")}

# ---- test-only quarterly policy (tests/policies/quarterly.toml; no source text) ----
# QT-1: 起付线 per calendar quarter, 在职 150 退休 100.
QT_DEDUCTIBLE: Final[Mapping[Status, Decimal]] = {"in_service": _d("150"), "retired": _d("100")}
# QT-2: 一级 70% 二级 60% 三级 50%; 退休 +5个百分点. QT-4: pharmacy at the prescriber's level.
QT_RATE: Final[Mapping[int, Decimal]] = {1: _d("0.70"), 2: _d("0.60"), 3: _d("0.50")}
QT_RETIRED_EXTRA: Final = _d("0.05")
# QT-3: annual fund cap 2400.
QT_CAP: Final = _d("2400")

# ---- Ili 伊犁州直门诊共济保障实施细则 (征求意见稿) ----
# 第十一条(一): 首次 20/45/50; 第二次及以后 10/22.5/25 (period = calendar year: assumption).
ILI_FIRST_DEDUCTIBLE: Final[Mapping[int, Decimal]] = {1: _d("20"), 2: _d("45"), 3: _d("50")}
ILI_LATER_DEDUCTIBLE: Final[Mapping[int, Decimal]] = {1: _d("10"), 2: _d("22.5"), 3: _d("25")}
# 第十一条(二): 75/65/55%, 退休 +5个百分点.
ILI_RATE: Final[Mapping[int, Decimal]] = {1: _d("0.75"), 2: _d("0.65"), 3: _d("0.55")}
ILI_RETIRED_EXTRA: Final = _d("0.05")
# 第十一条(三): 单次最高支付限额 200/450/500; 年度 3000.
ILI_VISIT_CAP: Final[Mapping[int, Decimal]] = {1: _d("200"), 2: _d("450"), 3: _d("500")}
ILI_CAP: Final = _d("3000")
# 第十四条: 职工医保统筹基金年度支付限额 10万元 (never binds for general outpatient alone).
ILI_OVERALL_CAP: Final = _d("100000")
# 第二十四条: 外配处方 支付比例按二级医疗机构执行.
ILI_PHARMACY_RATE_LEVEL: Final = 2

_STATUS_LABELS: Final[Mapping[str, Status]] = {
    "in_service": "in_service",
    "retired": "retired",
    "在职": "in_service",
    "退休": "retired",
}


# --------------------------------------------------------------------------------------------
# Row types.
# --------------------------------------------------------------------------------------------


class Claim(NamedTuple):
    """One normalised claim row; ``position`` is its 0-based input position."""

    position: int
    member: Hashable
    date: dt.date
    level: int  # already mapped 0 -> 1
    eligible: Decimal
    status: Status
    service: Service
    prescriber_level: int | None  # mapped 0 -> 1; None when not a pharmacy row
    tier: Tier
    institution: Hashable


class Result(NamedTuple):
    deductible: Decimal
    fund_paid: Decimal
    self_pay: Decimal
    capped: Decimal
    ytd_fund_paid: Decimal
    supplementary_paid: Decimal = ZERO


class Supplied(NamedTuple):
    """Values the texts do not give (docs/design.md §6b), supplied by a test."""

    overall_cap: Decimal | None = None  # chongqing 第八条第一款
    supplementary_cap: Decimal | None = None  # chongqing 第八条第二款, ili 第十五条


NOTHING_SUPPLIED: Final = Supplied()


class Context(NamedTuple):
    """Other pooled payments ``(member, date, amount)`` and stays ``(member, admit, discharge)``."""

    other_paid: tuple[tuple[Hashable, dt.date, Decimal], ...] = ()
    stays: tuple[tuple[Hashable, dt.date, dt.date], ...] = ()
    supplied: Supplied = NOTHING_SUPPLIED


@dataclass
class _Visit:
    first: bool
    deductible: Decimal = ZERO
    fund: Decimal = ZERO


@dataclass
class _Year:
    year: int
    period: tuple[int, int]  # the deductible's period (deductible_period)
    deductible: Decimal = ZERO
    fund: Decimal = ZERO
    visits: dict[tuple[dt.date, Hashable], _Visit] | None = None
    other: Decimal = ZERO  # other pooled payments of the year so far
    supplementary: Decimal = ZERO


class MissingValue(ValueError):
    """A value the text does not give was needed (the engine: MissingParameterError)."""


# --------------------------------------------------------------------------------------------
# Parameter look-ups (public so that invariant tests can use the same hand-typed numbers).
# --------------------------------------------------------------------------------------------


def annual_cap(region: Region, status: Status, tier: Tier) -> Decimal:
    """The general-outpatient annual fund cap that applies to a row."""
    if region == "chongqing":
        return CQ_CAP[(tier, status)]
    if region == "jining":
        return JN_CAP
    if region == "nanchang":
        return NC_CAP[status]
    if region == "quarterly":
        return QT_CAP
    return ILI_CAP


def deductible_level(region: Region, claim: Claim) -> int:
    """Level used for level-dependent deductible / visit cap (pharmacy: prescriber's level)."""
    if claim.service == "pharmacy" and region in ("jining", "nanchang", "ili"):
        assert claim.prescriber_level is not None
        return claim.prescriber_level
    return claim.level


def rate(region: Region, claim: Claim) -> Decimal:
    """Fund rate for a row."""
    retired = claim.status == "retired"
    if region == "chongqing":
        # 第12条: pharmacy rows are settled at the prescribing institution's level.
        lvl = claim.prescriber_level if claim.service == "pharmacy" else claim.level
        assert lvl is not None
        return CQ_RATE[lvl] + (CQ_RETIRED_EXTRA if retired else ZERO)
    if region == "jining":
        return JN_RATE[(claim.status, deductible_level(region, claim))]
    if region == "nanchang":
        return NC_RATE[deductible_level(region, claim)] + (NC_RETIRED_EXTRA if retired else ZERO)
    if region == "quarterly":
        lvl = claim.prescriber_level if claim.service == "pharmacy" else claim.level
        assert lvl is not None
        return QT_RATE[lvl] + (QT_RETIRED_EXTRA if retired else ZERO)
    lvl = ILI_PHARMACY_RATE_LEVEL if claim.service == "pharmacy" else claim.level
    return ILI_RATE[lvl] + (ILI_RETIRED_EXTRA if retired else ZERO)


def annual_threshold(region: Region, claim: Claim) -> Decimal:
    """Cumulative deductible threshold ``T`` for the region's period (not used for ili)."""
    if region == "chongqing":
        return CQ_DEDUCTIBLE[claim.status]
    if region == "jining":
        return JN_DEDUCTIBLE[deductible_level(region, claim)]
    if region == "nanchang":
        return NC_DEDUCTIBLE
    if region == "quarterly":
        return QT_DEDUCTIBLE[claim.status]
    raise ValueError("ili has a per-visit deductible, not an annual one")


def deductible_period(region: Region, date: dt.date) -> tuple[int, int]:
    """Which deductible period holds ``date``: (year, first month of the period)."""
    months = {"year": 12, "quarter": 3, "month": 1}[DEDUCTIBLE_PERIOD[region]]
    return (date.year, (date.month - 1) // months * months + 1)


def visit_threshold(claim: Claim, first_visit: bool) -> Decimal:
    table = ILI_FIRST_DEDUCTIBLE if first_visit else ILI_LATER_DEDUCTIBLE
    return table[deductible_level("ili", claim)]


def visit_cap(claim: Claim) -> Decimal:
    return ILI_VISIT_CAP[deductible_level("ili", claim)]


# --------------------------------------------------------------------------------------------
# Core loop.
# --------------------------------------------------------------------------------------------


def processing_order(claims: Sequence[Claim]) -> list[list[int]]:
    """Per member (in order of first appearance): input positions sorted by (date, position)."""
    by_member: dict[Hashable, list[int]] = {}
    for i, c in enumerate(claims):
        by_member.setdefault(c.member, []).append(i)
    # Lists are built in input order, so a stable sort on date keeps input order within a date.
    return [sorted(idx, key=lambda i: claims[i].date) for idx in by_member.values()]


def _round_fen(x: Decimal) -> Decimal:
    # docs/design.md §4: rounded to the fen, half-up (四舍五入), once, before caps.
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def adjudicate_claims(
    claims: Sequence[Claim], region: Region, context: Context | None = None
) -> list[Result]:
    """Adjudicate normalised claims; results are aligned with ``claims`` (input order)."""
    context = Context() if context is None else context
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}")
    start = START[region]
    for c in claims:
        if c.date < start:
            raise ValueError(
                f"no version in force: row {c.position} dated {c.date} is before {region}'s "
                f"first version ({start})"
            )
    results: list[Result | None] = [None] * len(claims)
    for member_rows in processing_order(claims):
        state: _Year | None = None
        member = claims[member_rows[0]].member
        payments = sorted((d, a) for m, d, a in context.other_paid if m == member)
        counted = 0  # payments already added to some year's state
        for i in member_rows:
            c = claims[i]
            period = deductible_period(region, c.date)
            if state is None or state.year != c.date.year:
                state = _Year(year=c.date.year, period=period, visits={})  # 1 January: all
            elif state.period != period:
                state.period, state.deductible = period, ZERO  # e.g. 1 April, quarterly
            # A payment counts from its own date on, within its calendar year.
            while counted < len(payments) and payments[counted][0] <= c.date:
                if payments[counted][0].year == c.date.year:
                    state.other += payments[counted][1]
                counted += 1
            if _in_stay(region, c, context):
                results[i] = Result(ZERO, ZERO, c.eligible, ZERO, state.fund.quantize(CENT), ZERO)
                continue
            results[i] = _adjudicate_row(region, c, state, context.supplied)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def _in_stay(region: Region, c: Claim, context: Context) -> bool:
    """伊犁 第十六条 (住院期间不重复享受门诊统筹待遇): admit to discharge inclusive."""
    if region != "ili":  # the other texts are silent
        return False
    return any(m == c.member and a <= c.date <= d for m, a, d in context.stays)


def _overall_room(region: Region, state: _Year, supplied: Supplied) -> Decimal | None:
    """What is left under the overall limit (None: no limit applies to the row)."""
    if region == "ili":
        limit: Decimal | None = ILI_OVERALL_CAP
    elif region == "chongqing":
        limit = supplied.overall_cap
        if limit is None:
            if state.other > ZERO:
                raise MissingValue("chongqing 第八条: the overall limit is needed")
            return None
    else:
        return None
    return max(ZERO, limit - state.fund - state.other)


def _supplementary(region: Region, withheld: Decimal, state: _Year, supplied: Supplied) -> Decimal:
    if withheld <= ZERO or region not in ("chongqing", "ili"):
        return ZERO
    if supplied.supplementary_cap is None:
        raise MissingValue(f"{region}: the supplementary fund's limit is needed")
    paid = min(withheld, max(ZERO, supplied.supplementary_cap - state.supplementary))
    state.supplementary += paid
    return paid


def _adjudicate_row(
    region: Region, c: Claim, state: _Year, supplied: Supplied = NOTHING_SUPPLIED
) -> Result:
    eligible = c.eligible
    visit: _Visit | None = None
    if region == "ili":
        assert state.visits is not None
        key = (c.date, c.institution)
        visit = state.visits.get(key)
        if visit is None:
            # The first visit of the calendar year is the one whose first row comes first in
            # (date, input position) order -- exactly the order rows arrive here.
            visit = _Visit(first=not state.visits)
            state.visits[key] = visit
        threshold = visit_threshold(c, visit.first)
        deductible = min(eligible, max(ZERO, threshold - visit.deductible))
        visit.deductible += deductible
    else:
        threshold = annual_threshold(region, c)
        deductible = min(eligible, max(ZERO, threshold - state.deductible))
        state.deductible += deductible

    rounded = _round_fen((eligible - deductible) * rate(region, c))

    # The outpatient caps bound what both funds pay of outpatient care (§6b): the annual and
    # visit caps count fund_paid + supplementary_paid; the overall limit the pooled fund's.
    outpatient = state.fund + state.supplementary
    remaining = max(ZERO, annual_cap(region, c.status, c.tier) - outpatient)
    if visit is not None:
        remaining = min(remaining, max(ZERO, visit_cap(c) - visit.fund))
    below_overall = min(rounded, remaining)
    room = _overall_room(region, state, supplied)
    fund_paid = below_overall if room is None else min(below_overall, room)
    supplementary = _supplementary(region, below_overall - fund_paid, state, supplied)
    if visit is not None:
        visit.fund += fund_paid + supplementary
    state.fund += fund_paid
    return Result(  # all exact already; quantize only fixes the printed form to 2 decimals
        deductible=deductible.quantize(CENT),
        fund_paid=fund_paid.quantize(CENT),
        self_pay=(eligible - fund_paid - supplementary).quantize(CENT),
        capped=(rounded - fund_paid).quantize(CENT),
        ytd_fund_paid=state.fund.quantize(CENT),
        supplementary_paid=supplementary.quantize(CENT),
    )


# --------------------------------------------------------------------------------------------
# Input normalisation and the DataFrame wrapper.
# --------------------------------------------------------------------------------------------


def to_money(value: object, *, what: str = "eligible") -> Decimal:
    """Exact yuan amount from Decimal / int / float (shortest repr) / str; at most 2 decimals."""
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, Decimal):  # numpy scalar
        value = item()
    if isinstance(value, bool):
        raise TypeError(f"{what}: bool is not money")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{what}: {value!r} is not a finite amount")
        d = Decimal(repr(value))
    elif isinstance(value, str):
        d = Decimal(value)
    else:
        raise TypeError(f"{what}: unsupported money value {value!r}")
    if not d.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite amount")
    if d < 0:
        raise ValueError(f"{what}: negative amount {value!r}")
    q = d.quantize(CENT)
    if q != d:
        raise ValueError(f"{what}: {value!r} has more than 2 decimal places")
    return q


def _level(value: object, what: str) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{what} is missing")
    if not isinstance(value, int | float | str | Decimal):
        raise TypeError(f"{what} must be a number, got {value!r}")
    as_float = float(value)
    lvl = int(as_float)
    if lvl != as_float or lvl not in (0, 1, 2, 3):
        raise ValueError(f"{what} must be 0..3, got {value!r}")
    return 1 if lvl == 0 else lvl  # docs/design.md §3/§6: level 0 -> level 1 (assumption)


def _date(value: Any) -> dt.date:
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        raise ValueError("date is missing")
    return dt.date(ts.year, ts.month, ts.day)


def claims_from_frame(df: pd.DataFrame) -> list[Claim]:
    """Normalise a claims DataFrame (docs/design.md §3 columns) to :class:`Claim` tuples."""
    n = len(df)

    def column(name: str, default: object = None) -> list[Any]:
        if name in df.columns:
            return list(df[name].tolist())
        if default is None:
            raise KeyError(f"missing required column {name!r}")
        return [default] * n

    members = column("member_id")
    dates = column("date")
    levels = column("level")
    eligibles = column("eligible")
    statuses = column("status")
    services = column("service", "general")
    tiers = column("tier", "employer")
    prescribers = column("prescriber_level", float("nan"))
    institutions = column("institution_id", "")

    out: list[Claim] = []
    for i in range(n):
        service = str(services[i])
        if service not in SERVICES:
            raise ValueError(f"row {i}: service {service!r} is not a general-outpatient service")
        tier = str(tiers[i])
        if tier not in TIERS:
            raise ValueError(f"row {i}: unknown tier {tier!r}")
        status = _STATUS_LABELS.get(str(statuses[i]))
        if status is None:
            raise ValueError(f"row {i}: unknown status {statuses[i]!r}")
        prescriber = (
            _level(prescribers[i], f"row {i} prescriber_level") if service == "pharmacy" else None
        )
        out.append(
            Claim(
                position=i,
                member=members[i],
                date=_date(dates[i]),
                level=_level(levels[i], f"row {i} level"),
                eligible=to_money(eligibles[i], what=f"row {i} eligible"),
                status=status,
                service=service,
                prescriber_level=prescriber,
                tier=tier,
                institution=institutions[i],
            )
        )
    return out


def adjudicate(
    claims: pd.DataFrame,
    region: Region,
    *,
    other_paid: pd.DataFrame | None = None,
    stays: pd.DataFrame | None = None,
    supplied: Supplied = NOTHING_SUPPLIED,
) -> pd.DataFrame:
    """Reference result: the money columns as ``Decimal`` objects, same index as ``claims``."""
    if region == "ili" and "institution_id" not in claims.columns:
        raise KeyError("ili groups visits by institution_id: the column is required")
    context = Context(
        other_paid=tuple(
            (m, _date(d), to_money(a, what="amount"))
            for m, d, a in (
                [] if other_paid is None else other_paid[["member_id", "date", "amount"]].values
            )
        ),
        stays=tuple(
            (m, _date(a), _date(d))
            for m, a, d in (
                [] if stays is None else stays[["member_id", "admit", "discharge"]].values
            )
        ),
        supplied=supplied,
    )
    results = adjudicate_claims(claims_from_frame(claims), region, context)
    data = {col: [getattr(r, col) for r in results] for col in MONEY_COLUMNS}
    return pd.DataFrame(data, index=claims.index, dtype=object)
