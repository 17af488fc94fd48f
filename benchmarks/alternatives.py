"""The alternatives yibao is measured against, on Chongqing's general-outpatient rules
(渝医保发〔2023〕32号 第四条–第六条, 第12条):

* ``decimal_loop``: a plain-Python ``decimal.Decimal`` loop, row by row (exact, slow);
* ``numpy_float64``: a vectorized numpy float64 implementation (fast, inexact);
* ``..._all``: the same, returning the five amounts yibao returns (deductible, fund_paid,
  self_pay, capped, ytd_fund_paid) rather than fund_paid alone;
* ``copy_floor``: copying the input columns once — the memory-bandwidth floor.

They exist for benchmarks only; the test suite has its own independent reference.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

CENT = Decimal("0.01")
THRESHOLD = {"in_service": Decimal(200), "retired": Decimal(100)}
CAP = {
    ("employer", "in_service"): Decimal(3000),
    ("employer", "retired"): Decimal(4000),
    ("individual_2", "in_service"): Decimal(3000),
    ("individual_2", "retired"): Decimal(4000),
    ("individual_1", "in_service"): Decimal(800),
    ("individual_1", "retired"): Decimal(1200),
}


def _rate(level: int, status: str) -> Decimal:
    base = Decimal("0.50") if level == 3 else Decimal("0.60")
    return base + (Decimal("0.10") if status == "retired" else 0)


def decimal_loop(claims: pd.DataFrame, all_outputs: bool = False) -> list[Any]:
    """fund_paid per row (or the five amounts), exact, in input order (input sorted by member
    and date)."""
    members = claims["member_id"].tolist()
    years = claims["date"].dt.year.tolist()
    levels = claims["level"].tolist()
    services = claims["service"].tolist()
    prescribers = claims["prescriber_level"].tolist()
    statuses = claims["status"].tolist()
    tiers = claims["tier"].tolist()
    # Decimal objects (as pd.read_parquet gives decimal columns) as they are; floats through
    # their shortest round-trip text.
    amounts = [
        x if isinstance(x, Decimal) else Decimal(repr(x)) for x in claims["eligible"].tolist()
    ]
    out: list[Decimal] = []
    deductibles: list[Decimal] = []
    self_pays: list[Decimal] = []
    capped: list[Decimal] = []
    ytd: list[Decimal] = []
    key = None
    paid_deductible = paid_fund = Decimal(0)
    for m, y, lv, svc, pl, st, tier, elig in zip(
        members, years, levels, services, prescribers, statuses, tiers, amounts, strict=True
    ):
        if (m, y) != key:
            key, paid_deductible, paid_fund = (m, y), Decimal(0), Decimal(0)
        level = int(pl) if svc == "pharmacy" else int(lv)
        level = 1 if level == 0 else level
        ded = min(elig, max(Decimal(0), THRESHOLD[st] - paid_deductible))
        paid_deductible += ded
        raw = ((elig - ded) * _rate(level, st)).quantize(CENT, rounding=ROUND_HALF_UP)
        fund = min(raw, max(Decimal(0), CAP[(tier, st)] - paid_fund))
        paid_fund += fund
        out.append(fund)
        if all_outputs:  # separate lists: tuples per row would make the loop GC-bound
            deductibles.append(ded)
            self_pays.append(elig - fund)
            capped.append(raw - fund)
            ytd.append(paid_fund)
    return [deductibles, out, self_pays, capped, ytd] if all_outputs else out


def decimal_loop_all(claims: pd.DataFrame) -> list[Any]:
    """The five amounts per row, exact."""
    return decimal_loop(claims, all_outputs=True)


def numpy_float64(claims: pd.DataFrame, all_outputs: bool = False) -> Any:
    """fund_paid per row in float64 (or the five amounts), vectorized (input sorted by member
    and date)."""
    member = claims["member_id"].to_numpy()
    year = claims["date"].dt.year.to_numpy()
    elig = claims["eligible"].to_numpy(dtype=np.float64)
    retired = (claims["status"] == "retired").to_numpy()
    pharmacy = (claims["service"] == "pharmacy").to_numpy()
    level = np.where(
        pharmacy, claims["prescriber_level"].to_numpy(dtype=np.float64, na_value=1), claims["level"]
    )
    tier1 = (claims["tier"] == "individual_1").to_numpy()

    new_segment = np.ones(len(elig), dtype=bool)
    new_segment[1:] = (member[1:] != member[:-1]) | (year[1:] != year[:-1])
    segment = np.cumsum(new_segment) - 1
    starts = np.flatnonzero(new_segment)

    def before(values: np.ndarray) -> np.ndarray:
        """Sum of earlier rows' values in the same member-year."""
        total = np.cumsum(values)
        return total - values - (total - values)[starts][segment]

    threshold = np.where(retired, 100.0, 200.0)
    deductible = np.clip(threshold - before(elig), 0.0, elig)
    rate = np.where(level == 3, 0.5, 0.6) + np.where(retired, 0.1, 0.0)
    raw = np.round((elig - deductible) * rate, 2)
    cap = np.where(tier1, np.where(retired, 1200.0, 800.0), np.where(retired, 4000.0, 3000.0))
    raw_before = before(raw)
    fund = np.clip(np.minimum(raw_before + raw, cap) - np.minimum(raw_before, cap), 0.0, raw)
    if not all_outputs:
        return fund
    return {
        "deductible": deductible,
        "fund_paid": fund,
        "self_pay": elig - fund,
        "capped": raw - fund,
        "ytd_fund_paid": before(fund) + fund,
    }


def numpy_float64_all(claims: pd.DataFrame) -> dict[str, np.ndarray]:
    """The five amounts per row in float64."""
    out: dict[str, np.ndarray] = numpy_float64(claims, all_outputs=True)
    return out


def copy_floor(claims: pd.DataFrame) -> int:
    """Copy every input column's buffers once: what any single pass must at least cost."""
    total = 0
    for column in claims.columns:
        values = claims[column].array
        if isinstance(values, np.ndarray | pd.arrays.NumpyExtensionArray | pd.arrays.DatetimeArray):
            total += np.array(claims[column].to_numpy(), copy=True).nbytes
            continue
        chunked = pa.chunked_array(pa.array(values))  # Arrow-backed: copy its buffers
        for chunk in chunked.chunks:
            for buffer in chunk.buffers():
                if buffer is not None:
                    total += np.frombuffer(buffer, dtype=np.uint8).copy().nbytes
    return total
