"""Synthetic members and outpatient claims for demos, tests and benchmarks.

.. warning::

   Everything this module produces is **SYNTHETIC**. The distributions below are plausible
   round numbers chosen by the yibao authors so that the data exercise every adjudication
   path; they are **not calibrated to any real population, region, fund or year**, and no
   statistic computed on them says anything about real insured people or real fund costs.

The generator is vectorized with numpy (no per-row Python loop) and deterministic for a given
``seed`` and numpy version: it draws from one ``numpy.random.Generator(PCG64(seed))`` in a fixed
order. A million claims take about a second; the default 2,000 members (about 16,600 claims)
take a few hundredths of a second, which is why no data file is bundled with the package.

Money is exact. Random draws are floats only until they are rounded, once, to integer fen
(``int64``); every money column is then built from those integers as an Arrow
``decimal128(18, 2)`` array whose 16-byte values are the fen themselves, so no money value
ever passes through binary floating point.

Modelling assumptions
---------------------
"Year start" is 1 January of ``year``; ages are in years at the year start.

=============================  ===============================================================
item                           assumption (all SYNTHETIC, not calibrated)
=============================  ===============================================================
retired share                  30% of members are retired at the year start
age, in service                uniform on [22, 60)
age, retired                   55 + 35 * Beta(1.6, 2.8): range [55, 90), mean about 68
retirement age                 50, 55 or 60 (shares 25/25/50%, the statutory ages before
                               the gradual increase that began in 2025);
                               if the member is not that old yet, uniform between 50 and
                               the current age; retire_date is always before the year start
retirement during the year     3% of in-service members reach 60 during the year and retire
                               on their 60th birthday, between day 31 and 31 days before the
                               year end; their claims on or after retire_date are ``retired``
tier                           employer 85%, individual_1 8%, individual_2 7%, independent of
                               age and status
contribution base ``base``     lognormal, median 6000 yuan/month, sigma 0.40, clipped to
                               [3600, 18000] (60%-300% of 6000), rounded to the fen; given
                               for every member (for retirees: the last base before
                               retirement, which retiree account rules do not use)
pension                        members with a retire_date (including those retiring during
                               the year): lognormal, median 3500 yuan/month, sigma 0.35,
                               clipped to [1200, 15000], rounded to the fen; null otherwise
visits per year                negative binomial (Poisson with a Gamma(2, 1/2) multiplier) with
                               mean 3 + 0.12 * (age - 22) in service (3 to 7.6) and
                               10 + 0.25 * (age - 55) for retirees (10 to 18.75); status and
                               age at the year start; some members have no visit
visit date                     uniform over the days of the year
claim rows per visit           1 (93%), 2 (5.5%) or 3 (1.5%): extra rows share member, date,
                               institution, level and service, so that a member sometimes
                               has several rows at one institution on one day
service                        general 85%, pharmacy 8%, internet 4%, emergency 3%;
                               no chronic, day_surgery or special_drug rows
level, general visits          by age: <45: levels 0/1/2/3 = 10/25/30/35%;
                               45-64: 13/25/30/32%; 65+: 22/28/22/28% (primary care more for
                               the old; level 3 is about 30% of general visits overall)
level, other services          pharmacy: level 0 (a retail pharmacy is unrated), with
                               prescriber_level 1/2/3 = 35/35/30%; internet: level 2/3 =
                               35/65%; emergency: level 1/2/3 = 10/40/50%
institutions                   a fixed directory: level 0 H0001-H0400, level 1 H0401-H0700,
                               level 2 H0701-H0900, level 3 H0901-H1000, pharmacies
                               P0001-P0600; uniform within the visit's level (or pharmacies)
eligible per row               lognormal, sigma 0.9, median by level 0/1/2/3 = 45/60/150/300
                               yuan; emergency x2, internet x0.5; pharmacy: median 120,
                               sigma 0.8; rounded to the fen, clipped to [0.01, 20000];
                               then 1% of rows have eligible 0 (wholly out of policy)
total per row                  eligible + an out-of-policy part: 0 on 60% of rows, else
                               eligible * Uniform(0, 0.5) rounded to the fen; rows with
                               eligible 0 get a lognormal part (median 50, sigma 0.8)
=============================  ===============================================================

The same assumptions are explained in ``docs/synthetic-data.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ._schema import SERVICE_CODES, SERVICES, STATUSES, TIERS

__all__ = ["MONEY_DTYPE", "synthetic", "synthetic_claims"]

MONEY_DTYPE = pd.ArrowDtype(pa.decimal128(18, 2))
"""Exact money dtype of every money column: ``decimal128(18, 2)`` yuan."""

# --- modelling assumptions (see the module docstring; all SYNTHETIC) -----------------------
_DAYS_PER_YEAR = 365.2425
_P_RETIRED = 0.30
_AGE_IN_SERVICE = (22.0, 60.0)
_AGE_RETIRED_MIN, _AGE_RETIRED_SPAN = 55.0, 35.0
_AGE_RETIRED_BETA = (1.6, 2.8)
_RETIRE_AGES = np.array([50.0, 55.0, 60.0])
_RETIRE_AGE_P = np.array([0.25, 0.25, 0.50])
_P_RETIRE_IN_YEAR = 0.03  # of in-service members
_RETIRE_IN_YEAR_MARGIN_DAYS = 31
_TIERS = TIERS
_TIER_P = np.array([0.85, 0.08, 0.07])
_BASE = (6000.0, 0.40, 3600.0, 18000.0)  # median, sigma, min, max (yuan/month)
_PENSION = (3500.0, 0.35, 1200.0, 15000.0)
_GAMMA_SHAPE = 2.0  # negative-binomial dispersion of visits
_VISITS_IN_SERVICE = (3.0, 0.12)  # intercept at age 22, slope per year
_VISITS_RETIRED = (10.0, 0.25)  # intercept at age 55, slope per year
_LINES_P = np.array([0.93, 0.055, 0.015])  # 1, 2, 3 claim rows per visit
# The services drawn, with their shares; drawn as their codes in the schema's SERVICES.
_SERVICE_P = np.array([0.85, 0.08, 0.04, 0.03])
_DRAWN = ("general", "pharmacy", "internet", "emergency")
_GENERAL, _PHARMACY, _INTERNET, _EMERGENCY = (SERVICE_CODES[s] for s in _DRAWN)
_AGE_BANDS = np.array([45.0, 65.0])  # <45, 45-64, 65+
_LEVEL_P_GENERAL = np.array(
    [
        [0.10, 0.25, 0.30, 0.35],
        [0.13, 0.25, 0.30, 0.32],
        [0.22, 0.28, 0.22, 0.28],
    ]
)
_LEVEL_P_INTERNET = np.array([0.0, 0.0, 0.35, 0.65])
_LEVEL_P_EMERGENCY = np.array([0.0, 0.10, 0.40, 0.50])
_PRESCRIBER_P = np.array([0.35, 0.35, 0.30])  # prescriber level 1, 2, 3
_HOSPITALS_PER_LEVEL = np.array([400, 300, 200, 100])  # H0001-H0400, H0401-H0700, ...
_PHARMACIES = 600  # P0001-P0600
_ELIGIBLE_MEDIAN_BY_LEVEL = np.array([45.0, 60.0, 150.0, 300.0])
_ELIGIBLE_SIGMA = 0.9
_SERVICE_COST_FACTOR = {_INTERNET: 0.5, _EMERGENCY: 2.0}
_PHARMACY_MEDIAN, _PHARMACY_SIGMA = 120.0, 0.8
_ELIGIBLE_MAX_FEN = 2_000_000  # 20000 yuan per row
_P_ELIGIBLE_ZERO = 0.01
_P_OUT_OF_POLICY = 0.40
_OUT_OF_POLICY_MAX_FRACTION = 0.5
_OUT_OF_POLICY_ONLY = (50.0, 0.8)  # median, sigma for rows with eligible 0

_YEAR_RANGE = (1900, 2200)  # keeps every date inside datetime64[ns]
_NS_PER_DAY = 86_400_000_000_000
_NOT_RETIRED = np.iinfo(np.int64).max  # retire day sentinel
_MAX_FEN = 10**18 - 1  # largest magnitude decimal128(18, 2) holds, in fen


@dataclass(frozen=True)
class _Members:
    """Per-member arrays; days are counted from the year start."""

    member_id: np.ndarray  # int64
    birth_day: np.ndarray  # int64, negative
    retire_day: np.ndarray  # int64, _NOT_RETIRED if no retirement by the year end
    age: np.ndarray  # float64, years at the year start
    retired_at_start: np.ndarray  # bool
    tier: np.ndarray  # int8 codes into _TIERS
    base_fen: np.ndarray  # int64
    pension_fen: np.ndarray  # int64, 0 where has_pension is False
    has_pension: np.ndarray  # bool


@dataclass(frozen=True)
class _Claims:
    """Per-row arrays, sorted by member then date."""

    member: np.ndarray  # int64 index into the member arrays
    day: np.ndarray  # int64, 0-based day of the year
    level: np.ndarray  # int8
    service: np.ndarray  # int8 codes into _SERVICES
    prescriber_level: np.ndarray  # int8, 0 where not pharmacy
    institution: np.ndarray  # int64 codes into the institution directory
    eligible_fen: np.ndarray  # int64
    total_fen: np.ndarray  # int64

    def head(self, n: int) -> _Claims:
        """Return the first ``n`` rows (views, no copy)."""
        return _Claims(*(getattr(self, f)[:n] for f in self.__dataclass_fields__))


# --- public API ---------------------------------------------------------------------------


def synthetic(
    members: int = 2000, year: int = 2024, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate SYNTHETIC members and their outpatient claims for one calendar year.

    The data are synthetic and not calibrated to any real population; see the module
    docstring or ``docs/synthetic-data.md`` for every modelling assumption.

    Parameters
    ----------
    members : int, default 2000
        Number of members. About 8.3 claim rows are generated per member on average, so the
        default gives about 16,600 claims.
    year : int, default 2024
        Calendar year of every claim date (1900 to 2200).
    seed : int, default 0
        Seed of ``numpy.random.Generator(PCG64(seed))``. The same seed, arguments and numpy
        version always give identical frames.

    Returns
    -------
    members_df : pandas.DataFrame
        One row per member, sorted by ``member_id``: ``member_id`` (int64, 1..members),
        ``birth_date`` (datetime64[ns]), ``retire_date`` (datetime64[ns], NaT if the member
        does not retire by the end of ``year``), ``tier`` (str: ``employer``,
        ``individual_1``, ``individual_2``), ``base`` (monthly contribution base, yuan) and
        ``pension`` (monthly pension, yuan, null if ``retire_date`` is NaT); money columns
        are exact ``pd.ArrowDtype(pa.decimal128(18, 2))``.
    claims_df : pandas.DataFrame
        One row per claim, sorted by ``member_id`` then ``date``: ``member_id`` (int64),
        ``date`` (datetime64[ns], within ``year``), ``level`` (int8, 0..3), ``eligible`` and
        ``total`` (exact decimal yuan, ``0 <= eligible <= total``), ``status`` (str:
        ``in_service`` or ``retired`` on the service date; ``retired`` from ``retire_date``
        on), ``service`` (str: ``general``, ``pharmacy``, ``internet``, ``emergency``),
        ``prescriber_level`` (Int8, 1..3 on pharmacy rows, <NA> elsewhere), ``tier`` (str,
        the member's tier) and ``institution_id`` (str, ``H0001``..``H1000`` for hospitals
        and clinics, ``P0001``..``P0600`` for pharmacies).

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If ``members`` or ``seed`` is negative or ``year`` is outside 1900..2200.

    Examples
    --------
    >>> from yibao.datasets import synthetic
    >>> members_df, claims_df = synthetic(members=100, seed=1)
    >>> bool((claims_df["eligible"] <= claims_df["total"]).all())
    True
    """
    members = _check_int("members", members, minimum=0)
    year = _check_year(year)
    seed = _check_int("seed", seed, minimum=0)
    m, c = _generate(members, year, seed)
    return _members_frame(m, year), _claims_frame(c, m, year)


def synthetic_claims(n_claims: int, seed: int = 0, year: int = 2024) -> pd.DataFrame:
    """Generate exactly ``n_claims`` SYNTHETIC claims (claims only), for benchmarks.

    Built on the same generator as :func:`synthetic`: it draws enough members for slightly
    more than ``n_claims`` rows and keeps the first ``n_claims`` rows in (member, date) order,
    so only the last member's year may be cut short.

    Parameters
    ----------
    n_claims : int
        Number of claim rows. 10**7 rows need about 2 GB of memory.
    seed : int, default 0
        Seed of ``numpy.random.Generator(PCG64(seed))``; deterministic for a given seed,
        ``n_claims``, ``year`` and numpy version.
    year : int, default 2024
        Calendar year of every claim date (1900 to 2200).

    Returns
    -------
    pandas.DataFrame
        Claims with the columns and dtypes of the second frame of :func:`synthetic`.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If ``n_claims`` or ``seed`` is negative or ``year`` is outside 1900..2200.

    Examples
    --------
    >>> from yibao.datasets import synthetic_claims
    >>> len(synthetic_claims(10_000, seed=3))
    10000
    """
    n_claims = _check_int("n_claims", n_claims, minimum=0)
    seed = _check_int("seed", seed, minimum=0)
    year = _check_year(year)
    members = _members_for(n_claims)
    while True:
        m, c = _generate(members, year, seed)
        if len(c.member) >= n_claims:
            break
        members = math.ceil(members * 1.25) + 1  # rare: retry with more members
    return _claims_frame(c.head(n_claims), m, year)


# --- argument checks ----------------------------------------------------------------------


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}: {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_year(year: object) -> int:
    year = _check_int("year", year, minimum=-(2**63))
    if not _YEAR_RANGE[0] <= year <= _YEAR_RANGE[1]:
        raise ValueError(f"year must be in {_YEAR_RANGE[0]}..{_YEAR_RANGE[1]}, got {year}")
    return year


# --- generator ----------------------------------------------------------------------------


def _expected_claims_per_member() -> float:
    """Mean claim rows per member implied by the assumptions (ignoring in-year retirement)."""
    mean_age_in_service = sum(_AGE_IN_SERVICE) / 2
    a, b = _AGE_RETIRED_BETA
    mean_age_retired = _AGE_RETIRED_MIN + _AGE_RETIRED_SPAN * a / (a + b)
    visits_in_service = _VISITS_IN_SERVICE[0] + _VISITS_IN_SERVICE[1] * (
        mean_age_in_service - _AGE_IN_SERVICE[0]
    )
    visits_retired = _VISITS_RETIRED[0] + _VISITS_RETIRED[1] * (mean_age_retired - _AGE_RETIRED_MIN)
    visits = (1 - _P_RETIRED) * visits_in_service + _P_RETIRED * visits_retired
    lines = float(np.dot(np.arange(1, len(_LINES_P) + 1), _LINES_P))
    return visits * lines


def _members_for(n_claims: int) -> int:
    """Members to draw so that ``n_claims`` rows are almost surely reached."""
    if n_claims == 0:
        return 0
    per_member = _expected_claims_per_member()
    expected = n_claims / per_member
    # 1% margin plus 6 standard deviations of the total (per-member sd is about 8.5 rows)
    return math.ceil(expected * 1.01 + 6 * 10 * math.sqrt(expected) / per_member + 10)


def _fen(yuan: np.ndarray) -> np.ndarray:
    """Round positive float yuan draws to integer fen (the only float-to-money step)."""
    return np.rint(yuan * 100.0).astype(np.int64)


def _lognormal_fen(
    rng: np.random.Generator, n: int, median: float, sigma: float, lo: float, hi: float
) -> np.ndarray:
    draws = rng.lognormal(math.log(median), sigma, n)
    fen = _fen(draws)
    np.clip(fen, round(lo * 100), round(hi * 100), out=fen)
    return fen


def _categorical(u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Map uniform draws ``u`` to category codes with probabilities ``p``."""
    codes = np.zeros(len(u), dtype=np.int8)
    for edge in np.cumsum(p)[:-1]:
        codes += u >= edge
    return codes


def _year_days(year: int) -> int:
    start = np.datetime64(f"{year:04d}-01-01", "D")
    return int((np.datetime64(f"{year + 1:04d}-01-01", "D") - start).astype(np.int64))


def _add_years(year: int, day: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Shift days (from the year start) by whole calendar years; 29 February -> 1 March."""
    start = np.datetime64(f"{year:04d}-01-01", "D")
    date = start + day
    month = date.astype("datetime64[M]")
    day_of_month = date - month.astype("datetime64[D]")
    shifted = (month + 12 * years).astype("datetime64[D]") + day_of_month
    return np.asarray(shifted - start, dtype=np.int64)


def _generate(n_members: int, year: int, seed: int) -> tuple[_Members, _Claims]:
    rng = np.random.Generator(np.random.PCG64(seed))
    m = _generate_members(rng, n_members, year)
    c = _generate_claims(rng, m, year)
    return m, c


def _generate_members(rng: np.random.Generator, n: int, year: int) -> _Members:
    ndays = _year_days(year)
    retired = rng.random(n) < _P_RETIRED
    age = np.empty(n)
    n_ret = int(retired.sum())
    lo, hi = _AGE_IN_SERVICE
    age[~retired] = rng.uniform(lo, hi, n - n_ret)
    age[retired] = _AGE_RETIRED_MIN + _AGE_RETIRED_SPAN * rng.beta(*_AGE_RETIRED_BETA, n_ret)
    birth_day = -np.floor(age * _DAYS_PER_YEAR).astype(np.int64) - 1

    # retirement before the year start: on the birthday of a statutory age already reached,
    # otherwise at a uniform age between 50 and the current age
    statutory = _RETIRE_AGES[_categorical(rng.random(n), _RETIRE_AGE_P)]
    early = _RETIRE_AGES[0] + rng.random(n) * (age - _RETIRE_AGES[0])
    past = np.where(
        statutory < age,
        _add_years(year, birth_day, statutory.astype(np.int64)),
        birth_day + np.floor(early * _DAYS_PER_YEAR).astype(np.int64),
    )
    retire_day = np.full(n, _NOT_RETIRED, dtype=np.int64)
    retire_day[retired] = np.minimum(past[retired], -1)

    # retirement during the year, on the 60th birthday
    in_year = ~retired & (rng.random(n) < _P_RETIRE_IN_YEAR)
    margin = _RETIRE_IN_YEAR_MARGIN_DAYS
    day = rng.integers(margin, ndays - margin, n)[in_year]
    retire_day[in_year] = day
    birth_day[in_year] = _add_years(year, day, np.full(len(day), -60))
    age[in_year] = -birth_day[in_year] / _DAYS_PER_YEAR

    tier = _categorical(rng.random(n), _TIER_P)
    base_fen = _lognormal_fen(rng, n, *_BASE)
    has_pension = retire_day != _NOT_RETIRED
    pension_fen = np.where(has_pension, _lognormal_fen(rng, n, *_PENSION), 0)
    return _Members(
        member_id=np.arange(1, n + 1, dtype=np.int64),
        birth_day=birth_day,
        retire_day=retire_day,
        age=age,
        retired_at_start=retired,
        tier=tier,
        base_fen=base_fen,
        pension_fen=pension_fen,
        has_pension=has_pension,
    )


def _generate_claims(rng: np.random.Generator, m: _Members, year: int) -> _Claims:
    n = len(m.member_id)
    ndays = _year_days(year)

    # visits per member: Poisson-Gamma (negative binomial) with an age/status mean
    mean = np.where(
        m.retired_at_start,
        _VISITS_RETIRED[0] + _VISITS_RETIRED[1] * (m.age - _AGE_RETIRED_MIN),
        _VISITS_IN_SERVICE[0] + _VISITS_IN_SERVICE[1] * (m.age - _AGE_IN_SERVICE[0]),
    )
    lam = mean * rng.gamma(_GAMMA_SHAPE, 1.0 / _GAMMA_SHAPE, n)
    visits = rng.poisson(lam)

    # (member, day) of each visit, sorted through one int64 key
    member = np.repeat(np.arange(n, dtype=np.int64), visits)
    key = (member << 9) | rng.integers(0, ndays, len(member))
    del member
    key.sort()
    member = key >> 9
    day = key & 511
    del key
    nv = len(member)

    service = np.array([SERVICE_CODES[s] for s in _DRAWN], dtype=np.int8)[
        _categorical(rng.random(nv), _SERVICE_P)
    ]
    level = np.zeros(nv, dtype=np.int8)
    u = rng.random(nv)
    band = np.searchsorted(_AGE_BANDS, m.age[member], side="right")
    for b in range(len(_LEVEL_P_GENERAL)):
        sel = (service == _GENERAL) & (band == b)
        level[sel] = _categorical(u[sel], _LEVEL_P_GENERAL[b])
    for s, p in ((_INTERNET, _LEVEL_P_INTERNET), (_EMERGENCY, _LEVEL_P_EMERGENCY)):
        sel = service == s
        level[sel] = _categorical(u[sel], p)
    del u, band
    pharmacy = service == _PHARMACY
    prescriber = np.where(pharmacy, _categorical(rng.random(nv), _PRESCRIBER_P) + 1, 0)
    prescriber = prescriber.astype(np.int8)

    first = np.concatenate(([0], np.cumsum(_HOSPITALS_PER_LEVEL)))
    size = np.where(pharmacy, _PHARMACIES, _HOSPITALS_PER_LEVEL[level])
    offset = np.where(pharmacy, first[-1], first[level])
    institution = offset + np.floor(rng.random(nv) * size).astype(np.int64)
    del size, offset, pharmacy

    # claim rows: a visit occasionally has 2 or 3 rows (same member, day, institution)
    lines = _categorical(rng.random(nv), _LINES_P) + 1
    member, day, level, service, prescriber, institution = (
        np.repeat(a, lines) for a in (member, day, level, service, prescriber, institution)
    )
    nr = len(member)

    # eligible amount: lognormal by level and service, rounded once to the fen
    log_median = np.log(_ELIGIBLE_MEDIAN_BY_LEVEL)[level]
    sigma = np.full(nr, _ELIGIBLE_SIGMA)
    for s, factor in _SERVICE_COST_FACTOR.items():
        log_median[service == s] += math.log(factor)
    pharmacy = service == _PHARMACY
    log_median[pharmacy] = math.log(_PHARMACY_MEDIAN)
    sigma[pharmacy] = _PHARMACY_SIGMA
    eligible = _fen(np.exp(log_median + sigma * rng.standard_normal(nr)))
    del log_median, sigma, pharmacy
    np.clip(eligible, 1, _ELIGIBLE_MAX_FEN, out=eligible)
    eligible[rng.random(nr) < _P_ELIGIBLE_ZERO] = 0

    # total = eligible + out-of-policy part
    has_oop = rng.random(nr) < _P_OUT_OF_POLICY
    frac = rng.random(nr) * _OUT_OF_POLICY_MAX_FRACTION
    oop = np.where(has_oop, np.rint(eligible * frac).astype(np.int64), 0)
    del has_oop, frac
    zero = eligible == 0
    oop[zero] = _lognormal_fen(rng, int(zero.sum()), *_OUT_OF_POLICY_ONLY, 0.01, 20000.0)
    total = eligible + oop

    return _Claims(
        member=member,
        day=day,
        level=level,
        service=service,
        prescriber_level=prescriber,
        institution=institution,
        eligible_fen=eligible,
        total_fen=total,
    )


# --- pandas / Arrow columns ---------------------------------------------------------------

try:  # pandas 3's default "str" dtype (pandas >= 2.3 knows it)
    _STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
except TypeError:  # pragma: no cover - pandas < 2.3
    _STR_DTYPE = pd.StringDtype("pyarrow")


def _money(fen: np.ndarray, valid: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """Exact ``decimal128(18, 2)`` yuan from integer fen, without any float or Python loop.

    A decimal128 value is the 128-bit two's-complement unscaled integer, little-endian;
    with scale 2 the unscaled integer of a yuan amount is its fen, so the buffer is the fen
    (low 64 bits) and their sign extension (high 64 bits).
    """
    fen = np.ascontiguousarray(fen, dtype=np.int64)
    if fen.size and int(np.abs(fen).max()) > _MAX_FEN:
        raise OverflowError("money value exceeds decimal128(18, 2)")
    words = np.empty((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = fen >> 63
    bitmap = None
    null_count = 0
    if valid is not None:
        null_count = int(len(fen) - np.count_nonzero(valid))
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    arr = pa.Array.from_buffers(
        pa.decimal128(18, 2), len(fen), [bitmap, pa.py_buffer(words)], null_count=null_count
    )
    return pd.array(arr, dtype=MONEY_DTYPE)


def _strings(
    codes: np.ndarray, words: tuple[str, ...] | list[str]
) -> pd.api.extensions.ExtensionArray:
    """Return a pandas ``str`` column holding ``words[codes]``."""
    arr = pa.array(list(words), pa.large_string()).take(np.asarray(codes))
    return pd.array(arr, dtype=_STR_DTYPE)


def _institution_ids(codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``H0001``.. then ``P0001``.. ids from directory codes; every id has 5 characters."""
    n_hosp = int(_HOSPITALS_PER_LEVEL.sum())
    ids = [f"H{i:04d}" for i in range(1, n_hosp + 1)]
    ids += [f"P{i:04d}" for i in range(1, _PHARMACIES + 1)]
    table = np.frombuffer("".join(ids).encode("ascii"), dtype=np.uint8).reshape(len(ids), 5)
    data = table[codes].ravel()
    offsets = np.arange(0, 5 * len(codes) + 1, 5, dtype=np.int64)
    arr = pa.Array.from_buffers(
        pa.large_string(), len(codes), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return pd.array(arr, dtype=_STR_DTYPE)


def _datetimes(year: int, day: np.ndarray) -> np.ndarray:
    """datetime64[ns] from days counted from 1 January of ``year``; _NOT_RETIRED -> NaT."""
    start = np.datetime64(f"{year:04d}-01-01", "D").astype(np.int64)
    day = np.asarray(day, dtype=np.int64)
    ns = (start + day) * _NS_PER_DAY
    ns = np.where(day == _NOT_RETIRED, np.iinfo(np.int64).min, ns)
    return ns.view("datetime64[ns]")


def _members_frame(m: _Members, year: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": m.member_id,
            "birth_date": _datetimes(year, m.birth_day),
            "retire_date": _datetimes(year, m.retire_day),
            "tier": _strings(m.tier, _TIERS),
            "base": _money(m.base_fen),
            "pension": _money(m.pension_fen, m.has_pension),
        },
        copy=False,
    )


def _claims_frame(c: _Claims, m: _Members, year: int) -> pd.DataFrame:
    retired = m.retire_day[c.member] <= c.day
    pharmacy = c.service == _PHARMACY
    return pd.DataFrame(
        {
            "member_id": m.member_id[c.member],
            "date": _datetimes(year, c.day),
            "level": c.level,
            "eligible": _money(c.eligible_fen),
            "total": _money(c.total_fen),
            "status": _strings(retired.view(np.int8), STATUSES),
            "service": _strings(c.service, SERVICES),
            "prescriber_level": pd.arrays.IntegerArray(c.prescriber_level, ~pharmacy),
            "tier": _strings(m.tier[c.member], _TIERS),
            "institution_id": _institution_ids(c.institution),
        },
        copy=False,
    )
