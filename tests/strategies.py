"""Generators of claims tables: seeded ``random`` tables and Hypothesis strategies.

Tables follow docs/design.md §3: ``member_id, date, level, eligible, status, service,
prescriber_level, tier, institution_id``; ``eligible`` holds exact ``Decimal`` yuan with cents.
``status`` is derived per row from a per-member retirement date (as of the service date),
so some members retire in the middle of a year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, TypeVar

import pandas as pd
from hypothesis import strategies as st

from reference import (  # tests/ is on sys.path (see test_differential)
    DEDUCTIBLE_PERIOD,
    REGIONS,
    START,
    Region,
)

T = TypeVar("T")

# Two calendar years inside each region's validity (chongqing from 2024, jining/nanchang from
# 2023, ili from 2022).
REGION_YEARS: Final[dict[Region, tuple[int, int]]] = {
    r: (START[r].year, START[r].year + 1) for r in REGIONS
}

COLUMNS: Final[tuple[str, ...]] = (
    "member_id",
    "date",
    "level",
    "eligible",
    "status",
    "service",
    "prescriber_level",
    "tier",
    "institution_id",
)

# Amounts that sit on or next to a threshold or cap of some region.
EDGE_AMOUNTS: Final[tuple[Decimal, ...]] = tuple(
    Decimal(s)
    for s in (
        "0.00", "0.01", "0.02", "0.03", "9.99", "10.00", "10.01", "19.99", "20.00", "20.01",
        "22.49", "22.50", "22.51", "25.00", "45.00", "50.00", "77.50", "99.99", "100.00",
        "100.01", "199.99", "200.00", "200.01", "300.00", "300.01", "450.00", "500.00",
        "599.99", "600.00", "600.01", "800.00", "1000.00", "1200.00", "1800.00", "2000.00",
        "3000.00",
    )
)  # fmt: skip

SERVICE_WEIGHTS: Final[tuple[tuple[str, int], ...]] = (
    ("general", 70),
    ("pharmacy", 12),
    ("internet", 9),
    ("emergency", 9),
)
TIER_WEIGHTS: Final[tuple[tuple[str, int], ...]] = (
    ("employer", 70),
    ("individual_1", 15),
    ("individual_2", 15),
)


def cents(n: int) -> Decimal:
    """``n`` fen as a yuan Decimal with exactly two decimals."""
    return Decimal(n).scaleb(-2)


def _status(date: dt.date, retire: dt.date | None) -> str:
    return "retired" if retire is not None and date >= retire else "in_service"


def frame(rows: Sequence[tuple[object, ...]]) -> pd.DataFrame:
    """Build a claims DataFrame with the canonical dtypes from tuples in ``COLUMNS`` order."""
    df = pd.DataFrame.from_records(list(rows), columns=list(COLUMNS))
    df["date"] = pd.to_datetime(df["date"])
    for col in ("member_id", "level", "prescriber_level", "institution_id"):
        df[col] = df[col].astype("int64")
    df["eligible"] = df["eligible"].astype(object)
    return df


# --------------------------------------------------------------------------------------------
# Seeded random tables (large differential runs).
# --------------------------------------------------------------------------------------------


def _weighted(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _random_amount(rng: random.Random) -> Decimal:
    r = rng.random()
    if r < 0.04:
        return Decimal("0.00")
    if r < 0.12:
        return rng.choice(EDGE_AMOUNTS)
    if r < 0.55:
        return cents(rng.randint(1, 5_000))
    if r < 0.90:
        return cents(rng.randint(5_000, 50_000))
    return cents(rng.randint(50_000, 300_000))


@dataclass
class _Member:
    id: int
    tier: str
    retire: dt.date | None
    insts: list[int]
    visits: list[tuple[dt.date, int]] = field(default_factory=list)


def random_claims(
    region: Region,
    *,
    n_rows: int = 10_000,
    n_members: int = 400,
    seed: int = 0,
) -> pd.DataFrame:
    """A seeded random claims table spread over the region's first two calendar years.

    Rows come in random (not date) order; members reuse dates and institutions so that several
    rows share a visit and same-day ties are common. Member activity is skewed so that some
    members hit the annual caps and others never pass the deductible.
    """
    rng = random.Random(f"{region}-{seed}")
    y0, y1 = REGION_YEARS[region]
    first, last = dt.date(y0, 1, 1), dt.date(y1, 12, 31)
    span = (last - first).days
    boundaries = [dt.date(y0, 1, 1), dt.date(y0, 12, 31), dt.date(y1, 1, 1), dt.date(y1, 12, 31)]
    boundaries += _period_turns(region)

    institutions = list(range(1, 41))
    inst_level = {i: rng.choice((0, 1, 1, 2, 2, 3, 3)) for i in institutions}
    pharmacies = list(range(901, 911))

    weights: list[float] = []
    members: list[_Member] = []
    for m in range(n_members):
        r = rng.random()
        retire: dt.date | None
        if r < 0.2:
            retire = first  # retired for the whole table
        elif r < 0.4:
            retire = first + dt.timedelta(days=rng.randint(1, span))  # retires mid-table
        else:
            retire = None
        members.append(
            _Member(
                id=100_000 + m * 7,
                tier=_weighted(rng, TIER_WEIGHTS),
                retire=retire,
                insts=rng.sample(institutions, rng.randint(1, 4)),
            )
        )
        weights.append(rng.lognormvariate(0.0, 0.8))

    rows: list[tuple[object, ...]] = []
    for _ in range(n_rows):
        mem = rng.choices(members, weights=weights)[0]
        visits = mem.visits  # (date, institution) pairs already used by this member
        service = _weighted(rng, SERVICE_WEIGHTS)
        r = rng.random()
        if visits and r < 0.25:
            date, inst = rng.choice(visits)  # another row of an existing visit
        else:
            if visits and r < 0.40:
                date = rng.choice(visits)[0]  # same day, maybe another institution
            elif r < 0.43:
                date = rng.choice(boundaries)
            else:
                date = first + dt.timedelta(days=rng.randint(0, span))
            inst = rng.choice(pharmacies) if service == "pharmacy" else rng.choice(mem.insts)
            visits.append((date, inst))
        level = inst_level.get(inst, 0)
        if rng.random() < 0.05:
            level = rng.randint(0, 3)  # noisy data: a visit may mix levels
        rows.append(
            (
                mem.id,
                date,
                level,
                _random_amount(rng),
                _status(date, mem.retire),
                service,
                rng.choice((0, 1, 1, 2, 2, 3, 3)),
                mem.tier,
                inst,
            )
        )
    return frame(rows)


def order_preserving_shuffle(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Shuffle rows, keeping the relative order of rows of one member on one date.

    Ties on (member, date) are broken by input position, so only such shuffles are guaranteed
    to leave every row's result unchanged.
    """
    rng = random.Random(seed)
    n = len(df)
    slots = list(range(n))
    rng.shuffle(slots)  # slots[i] = new position of row i
    groups: dict[tuple[Hashable, Hashable], list[int]] = {}
    members = df["member_id"].tolist()
    dates = pd.to_datetime(df["date"]).tolist()
    for i in range(n):
        groups.setdefault((members[i], dates[i]), []).append(i)
    for rows in groups.values():
        for row, slot in zip(rows, sorted(slots[i] for i in rows), strict=True):
            slots[row] = slot
    order = [0] * n
    for row, slot in enumerate(slots):
        order[slot] = row
    return df.iloc[order]


# --------------------------------------------------------------------------------------------
# Hypothesis strategies (small tables where visits and same-day ties collide).
# --------------------------------------------------------------------------------------------

amounts: st.SearchStrategy[Decimal] = st.one_of(
    st.sampled_from(EDGE_AMOUNTS),
    st.integers(0, 5_000).map(cents),
    st.integers(0, 300_000).map(cents),
)
heavy_amounts: st.SearchStrategy[Decimal] = st.one_of(
    st.integers(50_000, 300_000).map(cents),
    st.sampled_from(EDGE_AMOUNTS[-8:]),
)


def _period_turns(region: Region) -> list[dt.date]:
    """The last and first days of the deductible's periods inside the year, if it has any."""
    months = {"year": 12, "quarter": 3, "month": 1}[DEDUCTIBLE_PERIOD[region]]
    turns = []
    for year in REGION_YEARS[region]:
        for month in range(1 + months, 13, months):
            first = dt.date(year, month, 1)
            turns += [first - dt.timedelta(days=1), first]
    return turns


def _dates(region: Region) -> st.SearchStrategy[dt.date]:
    y0, y1 = REGION_YEARS[region]
    special = [
        dt.date(y0, 1, 1),
        dt.date(y0, 6, 30),
        dt.date(y0, 12, 31),
        dt.date(y1, 1, 1),
        dt.date(y1, 12, 31),
        *_period_turns(region),
    ]
    return st.one_of(
        st.sampled_from(special),
        st.dates(min_value=dt.date(y0, 1, 1), max_value=dt.date(y1, 12, 31)),
    )


@st.composite
def claim_tables(
    draw: Callable[..., object],
    region: Region,
    min_rows: int = 1,
    max_rows: int = 40,
) -> pd.DataFrame:
    """Small claims tables: 1-3 members, a few dates and institutions, amounts with cents."""

    def take(strategy: st.SearchStrategy[T]) -> T:
        return draw(strategy)  # type: ignore[return-value]

    # "heavy" tables: more rows, more dates and large amounts, so that annual caps bind too
    # (ili needs at least six capped visits to reach its 3000 annual cap).
    heavy = take(st.booleans())
    n_dates = (3, 8) if heavy else (1, 6)
    dates = take(st.lists(_dates(region), min_size=n_dates[0], max_size=n_dates[1], unique=True))
    insts = take(st.lists(st.integers(1, 5), min_size=1, max_size=3, unique=True))
    n_members = take(st.integers(1, 2 if heavy else 3))
    member_info: list[tuple[str, dt.date | None]] = []
    for _ in range(n_members):
        tier = take(st.sampled_from(("employer", "individual_1", "individual_2")))
        retire = take(
            st.one_of(st.none(), st.sampled_from(dates), _dates(region)),
        )
        member_info.append((tier, retire))
    row = st.tuples(
        st.integers(0, n_members - 1),
        st.sampled_from(dates),
        st.sampled_from(insts),
        st.integers(0, 3),
        heavy_amounts if heavy else amounts,
        st.sampled_from(("general", "general", "pharmacy", "internet", "emergency")),
        st.integers(0, 3),
    )
    lo = max(min_rows, min(15, max_rows)) if heavy else min_rows
    drawn = take(st.lists(row, min_size=lo, max_size=max_rows))
    rows: list[tuple[object, ...]] = []
    for m, date, inst, level, amount, service, prescriber in drawn:
        tier, retire = member_info[m]
        rows.append(
            (m + 1, date, level, amount, _status(date, retire), service, prescriber, tier, inst)
        )
    return frame(rows)
