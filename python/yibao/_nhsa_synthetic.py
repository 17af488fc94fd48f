"""A SYNTHETIC settlement extract in the platform's layout, with known deviations planted in it.

.. warning::

   Everything here is **SYNTHETIC**: the claims come from :func:`yibao.datasets.synthetic`
   (not calibrated to any real population) and the "platform" that settled them is yibao
   itself, under the policy with the planted deviations. No number says anything about a real
   fund or a real settlement platform.

The extract has what real ones have: text codes (``med_type``, ``psn_type``, ``hosp_lv``,
``insutype``), reversals netted by ``mdtrt_id``, invalid rows, rows of other insurance types,
of people insured elsewhere (``insu_admdvs``), inpatient rows, and chronic, special-drug and
day-surgery rows paid from pools of their own. Its rows are shuffled.

Planted deviations (``plant=True``), each a :class:`Deviation` the back-test must find:

* ``cap_month``: the platform settled one month (October) with half the annual cap;
* ``level_miscoded``: the extract codes one level-2 hospital's ``hosp_lv`` as 三级甲等, while
  the platform paid it as the level-2 hospital it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ._money import MONEY_DTYPE, fen_to_money

__all__ = ["Deviation", "synthetic_extract"]

_ROWS_PER_MEMBER = 8.3  # what datasets.synthetic gives on average
_CAP_MONTH = 10
_CAP_FACTOR = Decimal("0.5")
_MISCODED_AS = "02"  # 三级甲等
# hosp_lv codes by level (nhsa.toml): an institution keeps one code.
_HOSP_LV = {0: ("11",), 1: ("08", "09", "10"), 2: ("05", "06", "07"), 3: ("01", "02", "03", "04")}
_OWN_POOLS = (("140104", 0.03), ("15", 0.005), ("28", 0.005))  # chronic, special drug, day surgery
_SHARES = {"invalid": 0.01, "reversed": 0.01, "orphan": 0.002, "other_insutype": 0.03,
           "elsewhere": 0.02, "inpatient": 0.01}  # fmt: skip


@dataclass(frozen=True)
class Deviation:
    """A deviation planted in a synthetic extract: where it is and the rule it should be
    attributed to (``"cap"``, ``"rate"`` or ``"deductible"``)."""

    kind: str
    description: str
    rule: str
    month: str | None = None
    institution: str | None = None


def _annual_cap_changes(policy: Any, day: Any, factor: Decimal) -> dict[str, Decimal]:
    table = policy.describe()
    on = table[(table["effective"] == policy.version_on(day).effective) & table["value"].notna()]
    caps = on[on["parameter"].str.startswith("pools.general.annual_cap")]
    return {
        str(p): Decimal(v) * factor for p, v in zip(caps["parameter"], caps["value"], strict=True)
    }


def _rates(view: pd.DataFrame, policy: Any) -> np.ndarray:
    """The fund's rate of each row, as the platform reports it (``pool_prop_selfpay``, 5,4).

    Each row alone (a member of its own): first the deductible it would meet, then exactly 100
    yuan above it, so that the fund pays 100 × rate, which is exact for rates of up to 4 places.
    """
    from .adjudicate import adjudicate

    probe = view.copy(deep=False)
    probe["member_id"] = np.arange(len(view))
    probe["eligible"] = fen_to_money(np.full(len(view), 10_000_000, dtype=np.int64))
    deductible = adjudicate(probe, policy, money="fen", threads=1)["deductible"].to_numpy()
    probe["eligible"] = fen_to_money(deductible + 10_000)
    fund = adjudicate(probe, policy, money="fen", threads=1)["fund_paid"].to_numpy()
    return np.asarray(fund, dtype=np.int64)  # basis points


def _ratio_text(basis_points: np.ndarray) -> np.ndarray:
    whole, frac = np.divmod(basis_points, 10_000)
    return np.char.add(np.char.add(whole.astype(str), "."), np.char.zfill(frac.astype(str), 4))


def synthetic_extract(
    n: int = 20_000,
    seed: int = 0,
    region: str = "chongqing",
    *,
    year: int = 2024,
    plant: bool = True,
) -> tuple[pd.DataFrame, list[Deviation]]:
    """A SYNTHETIC settlement extract (NHSA layout) and the deviations planted in it.

    Parameters
    ----------
    n
        About this many settlement rows of employees of the region (the extract has a few
        percent more: other insurance types, out-of-region, invalid and reversal rows).
    seed
        Random seed; the same arguments give the same extract.
    region
        The bundled region whose policy "the platform" applied.
    year
        Calendar year of the settlements (the region's policy must be in force).
    plant
        Plant the deviations; without them the observed amounts are yibao's own, so a
        back-test under ``region`` is exact on every row it prices.

    Returns
    -------
    extract : pandas.DataFrame
        NHSA field names, text codes, money as exact ``decimal128(18, 2)``, rows shuffled.
    planted : list of Deviation
        Empty without ``plant``.

    Examples
    --------
    >>> raw, planted = synthetic_extract(300, seed=2)
    >>> [d.kind for d in planted]
    ['cap_month', 'level_miscoded']
    >>> bool((raw["refd_setl_flag"] == "1").any())
    True
    """
    from . import datasets
    from ._nhsa_tables import CODES
    from .adjudicate import adjudicate
    from .policy import load_policy

    rng = np.random.default_rng([seed, 17])
    policy = load_policy(region)
    _members, claims = datasets.synthetic(
        members=max(1, round(n / _ROWS_PER_MEMBER)), year=year, seed=seed
    )
    m = len(claims)
    # Settlement time: the service day, between 08:00 and 18:00, in row order within a day.
    seconds = np.sort(rng.integers(8 * 3600, 18 * 3600, size=m))
    settled = claims["date"].to_numpy() + (seconds[rng.permutation(m)]).astype("timedelta64[s]")
    order = np.lexsort((settled, claims["member_id"].to_numpy()))
    claims = claims.iloc[order].reset_index(drop=True)
    settled = settled[order]

    # Services paid from pools of their own (SYNTHETIC observed amounts; not adjudicated).
    med_type = np.where(
        claims["service"].to_numpy() == "pharmacy",
        "41",
        np.where(claims["service"].to_numpy() == "emergency", "13", "11"),
    ).astype(object)
    own_pool = np.zeros(m, dtype=bool)
    draw = rng.random(m)
    low = 0.0
    for code, share in _OWN_POOLS:
        hit = (draw >= low) & (draw < low + share) & (claims["service"].to_numpy() == "general")
        med_type[hit] = code
        own_pool |= hit
        low += share

    # What the platform saw: true levels, general-pool rows, its own (planted) policy.
    hosp_lv = np.array(
        [_HOSP_LV[lv][int(i[1:]) % len(_HOSP_LV[lv])] for lv, i in
         zip(claims["level"], claims["institution_id"], strict=True)],
        dtype=object,
    )  # fmt: skip
    planted: list[Deviation] = []
    platform = policy
    if plant:
        month_start = pd.Timestamp(year=year, month=_CAP_MONTH, day=1).date()
        next_start = pd.Timestamp(year=year, month=_CAP_MONTH + 1, day=1).date()
        lower = _annual_cap_changes(policy, month_start, _CAP_FACTOR)
        back = _annual_cap_changes(policy, next_start, Decimal(1))
        platform = policy.replace(lower, effective=month_start, source="SYNTHETIC deviation")
        platform = platform.replace(back, effective=next_start, source="SYNTHETIC deviation")
        planted.append(
            Deviation(
                "cap_month",
                f"{year}-{_CAP_MONTH:02d} settled with half the annual cap",
                "cap",
                month=f"{year}-{_CAP_MONTH:02d}",
            )
        )
        level2 = claims.loc[~own_pool & (claims["level"] == 2), "institution_id"]
        busiest = str(level2.value_counts().index[0])
        hosp_lv[claims["institution_id"].to_numpy() == busiest] = _MISCODED_AS
        planted.append(
            Deviation(
                "level_miscoded",
                f"{busiest}: a level-2 hospital coded {_MISCODED_AS} (三级甲等) in the extract",
                "rate",
                institution=busiest,
            )
        )
    view = claims.loc[~own_pool].copy()
    view["date"] = settled[~own_pool].astype("datetime64[D]").astype("datetime64[ns]")
    view["service"] = view["service"].replace({"internet": "general"})
    view["tier"] = "employer"  # the tier is enrolment data, not in a settlement extract
    paid = adjudicate(view, platform, money="fen")
    deductible = np.zeros(m, dtype=np.int64)
    fund = np.zeros(m, dtype=np.int64)
    rate = np.full(m, 8000, dtype=np.int64)  # own pools: 80% (SYNTHETIC)
    eligible_fen = _fen(claims["eligible"])
    total_fen = _fen(claims["total"])
    deductible[~own_pool] = paid["deductible"].to_numpy()
    fund[~own_pool] = paid["fund_paid"].to_numpy()
    rate[~own_pool] = _rates(view, platform)
    fund[own_pool] = (eligible_fen[own_pool] * 8 + 5) // 10

    admdvs = str(CODES["region_admdvs"][region].value).ljust(6, "0")
    status = claims["status"].to_numpy()
    psn_no = np.char.add(admdvs, np.char.zfill(claims["member_id"].to_numpy().astype(str), 10))
    rows = pd.DataFrame(
        {
            "setl_id": np.char.add("S", np.char.zfill(np.arange(m).astype(str), 10)),
            "mdtrt_id": np.char.add("M", np.char.zfill(np.arange(m).astype(str), 10)),
            "psn_no": psn_no,
            "insutype": "310",
            "psn_type": np.where(status == "retired", "1201", "1101"),
            "insu_admdvs": admdvs,
            "setl_time": settled,
            "begndate": claims["date"].to_numpy(),
            "med_type": med_type.astype(str),
            "fixmedins_code": claims["institution_id"].to_numpy(),
            "hosp_lv": hosp_lv.astype(str),
            "prescriber_hosp_lv": _prescriber_codes(claims["prescriber_level"]),
            "medfee_sumamt": total_fen,
            "inscp_scp_amt": eligible_fen,
            "act_pay_dedc": deductible,
            "hifp_pay": fund,
            "pool_prop_selfpay": _ratio_text(rate),
            "hifob_pay": np.zeros(m, dtype=np.int64),
            "acct_pay": np.zeros(m, dtype=np.int64),
            "psn_cash_pay": total_fen - fund,
            "vali_flag": "1",
            "refd_setl_flag": "0",
        }
    )
    extra = _noise(rows, rng)
    out = pd.concat([rows, *extra], ignore_index=True)
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    for name in ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "hifob_pay",
                 "acct_pay", "psn_cash_pay"):  # fmt: skip
        out[name] = pd.Series(fen_to_money(out[name].to_numpy(dtype=np.int64)), dtype=MONEY_DTYPE)
    return out, planted


def _fen(series: pd.Series) -> np.ndarray:
    from ._money import to_fen

    return to_fen(series, str(series.name))


def _prescriber_codes(levels: pd.Series) -> np.ndarray:
    values = levels.to_numpy(dtype=np.int64, na_value=-1)
    codes = np.array([None, "08", "05", "02"], dtype=object)
    return np.asarray(np.where(values >= 1, codes[np.clip(values, 0, 3)], None))


def _noise(rows: pd.DataFrame, rng: np.random.Generator) -> list[pd.DataFrame]:
    """Rows a real extract also holds, which the reader must set aside or net away."""
    m = len(rows)
    out = []

    def pick(share: float) -> pd.DataFrame:
        k = max(1, round(m * share))
        return rows.iloc[rng.choice(m, size=k, replace=False)].copy()

    invalid = pick(_SHARES["invalid"])
    invalid["vali_flag"] = "0"
    invalid["hifp_pay"] = invalid["hifp_pay"] * 2  # nonsense amounts on invalid rows
    invalid["setl_id"] = invalid["setl_id"] + "X"
    out.append(invalid)
    # A settlement that was reversed before the one that stands: both net away; the platform
    # restored its accumulators, so the standing row's amounts are unchanged.
    first = pick(_SHARES["reversed"])
    first["setl_time"] = first["setl_time"] - np.timedelta64(20, "m")
    first["setl_id"] = first["setl_id"] + "A"
    reversal = first.copy()
    reversal["setl_time"] = first["setl_time"] + np.timedelta64(5, "m")
    reversal["setl_id"] = first["setl_id"] + "R"
    reversal["refd_setl_flag"] = "1"
    for name in ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "psn_cash_pay"):
        reversal[name] = -reversal[name]
    out += [first, reversal]
    orphan = pick(_SHARES["orphan"])
    orphan["mdtrt_id"] = orphan["mdtrt_id"] + "P"  # reverses a settlement of an earlier extract
    orphan["setl_id"] = orphan["setl_id"] + "R"
    orphan["refd_setl_flag"] = "1"
    for name in ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "psn_cash_pay"):
        orphan[name] = -orphan[name]
    out.append(orphan)
    residents = pick(_SHARES["other_insutype"])
    residents["insutype"] = "390"
    residents["psn_type"] = "1401"
    residents["psn_no"] = residents["psn_no"] + "J"
    residents["setl_id"] = residents["setl_id"] + "J"
    out.append(residents)
    elsewhere = pick(_SHARES["elsewhere"])
    elsewhere["insu_admdvs"] = "110000"  # insured in Beijing, settled here (异地就医)
    elsewhere["psn_no"] = "11" + elsewhere["psn_no"].str.slice(2)
    elsewhere["setl_id"] = elsewhere["setl_id"] + "E"
    out.append(elsewhere)
    inpatient = pick(_SHARES["inpatient"])
    inpatient["med_type"] = "21"
    inpatient["setl_id"] = inpatient["setl_id"] + "I"
    out.append(inpatient)
    return out
