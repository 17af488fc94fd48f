"""Benefit curves: what one member gets from the fund as a function of a year's spending.

Each point of a curve is a synthetic single-member claim table (the year's eligible spending
spread evenly over ``visits`` visits) adjudicated by the engine. All points of all policies
go through :func:`yibao.adjudicate` in one call per policy, so a curve shows exactly what the
rules do, never a re-implementation of them: a per-visit deductible, the rounding of each
row, and caps all appear as they would on real claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from ._claims import MAX_AMOUNT_FEN
from ._money import fen_to_money
from .adjudicate import adjudicate_with_codes
from .compare import _binding_categorical, _named_policies, binding_of_flags, flags_of_codes
from .policy import Policy

__all__ = ["DEFAULT_SPENDING", "benefit_curve", "default_year"]

DEFAULT_SPENDING = tuple(range(0, 10_001, 100))
"""Default spending grid: 0 to 10,000 yuan a year in steps of 100."""

_CENT = Decimal("0.01")


def default_year(policy: Policy) -> int:
    """The first calendar year wholly under the policy's latest version.

    A version that takes effect on 1 January gives that year; one that takes effect later in
    a year (e.g. 2022-10-01) gives the next year.
    """
    effective = policy.versions[-1].effective
    return effective.year if (effective.month, effective.day) == (1, 1) else effective.year + 1


def _spending_fen(spending: Any) -> np.ndarray:
    """Annual spending points as int64 fen, each taken exactly (floats via their repr)."""
    if spending is None:
        spending = DEFAULT_SPENDING
    if isinstance(spending, (int, float, str, Decimal, np.integer, np.floating)):
        spending = [spending]
    values = list(spending.tolist() if isinstance(spending, (np.ndarray, pd.Series)) else spending)
    fen = np.empty(len(values), dtype=np.int64)
    # One Decimal per curve point (not per claim): exact, rounded half-up to the fen.
    for i, value in enumerate(values):
        if isinstance(value, bool):
            raise TypeError(f"spending must be numbers, got {value!r}")
        try:
            exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
        except ArithmeticError:
            raise ValueError(f"spending must be numbers or decimal text, got {value!r}") from None
        if not exact.is_finite() or exact < 0:
            raise ValueError(f"spending must be finite and >= 0, got {value!r}")
        if exact * 100 > MAX_AMOUNT_FEN:
            raise ValueError(f"spending {value!r} does not fit decimal(18, 2) (16 digits of yuan)")
        fen[i] = int(exact.quantize(_CENT, rounding=ROUND_HALF_UP) * 100)
    return fen


def _per_visit(value: Any, visits: int, name: str) -> np.ndarray:
    """A scalar or one value per visit, as an array of length ``visits``."""
    if isinstance(value, (str, int, np.integer)):
        return np.full(visits, value, dtype=object if isinstance(value, str) else np.int64)
    out = np.asarray(list(value))
    if len(out) != visits:
        raise ValueError(f"{name} has {len(out)} values for {visits} visits")
    return out


def _claims_table(
    spending_fen: np.ndarray,
    *,
    visits: int,
    level: Any,
    service: Any,
    status: str,
    tier: str,
    year: int,
) -> pd.DataFrame:
    """One member per spending point, ``visits`` evenly spaced visits each (vectorized)."""
    n = len(spending_fen)
    levels = _per_visit(level, visits, "level").astype(np.int64)
    services = _per_visit(service, visits, "service").astype(str)
    start = np.datetime64(f"{year:04d}-01-01", "D")
    ndays = int((np.datetime64(f"{year + 1:04d}-01-01", "D") - start).astype(np.int64))
    day = (np.arange(visits, dtype=np.int64) * ndays) // visits
    # exact split of each point's fen over the visits: the first r visits get one fen more
    share, rest = np.divmod(spending_fen, visits)
    eligible = share[:, None] + (np.arange(visits)[None, :] < rest[:, None])
    pharmacy = np.tile(services == "pharmacy", n)
    level_rows = np.tile(levels, n)
    return pd.DataFrame(
        {
            "member_id": np.repeat(np.arange(n, dtype=np.int64), visits),
            "date": np.tile(start + day, n).astype("datetime64[ns]"),
            "level": level_rows,
            "eligible": fen_to_money(eligible.ravel()),
            "status": status,
            "service": np.tile(services, n),
            "prescriber_level": pd.arrays.IntegerArray(
                np.where(pharmacy, level_rows, 0).astype(np.int8), ~pharmacy
            ),
            "tier": tier,
            # one institution per visit, so that no two visits merge into one (ili)
            "institution_id": np.tile(np.array([f"V{k:04d}" for k in range(visits)]), n),
        }
    )


def benefit_curve(
    policy: str | Policy | Sequence[str | Policy] | Mapping[str, str | Policy],
    spending: Iterable[Any] | float | int | Decimal | None = None,
    *,
    level: int | Sequence[int] = 1,
    status: str = "in_service",
    visits: int = 12,
    tier: str = "employer",
    service: str | Sequence[str] = "general",
    year: int | None = None,
) -> pd.DataFrame:
    """Fund payment and member burden as a function of one member's annual eligible spending.

    For every spending point, one synthetic member spends that amount (政策范围内费用) over
    ``visits`` visits spread evenly over the calendar year, in equal parts (exact to the fen:
    the first visits take the odd fen). The claims are adjudicated by the engine, so the
    curve is exactly what the policy pays.

    Parameters
    ----------
    policy
        A region key, a :class:`~yibao.Policy`, a list of either, or a mapping
        ``{display name: policy}`` for several curves in one table.
    spending
        Annual eligible spending points in yuan (numbers, ``Decimal`` or decimal strings;
        floats are read through their shortest repr, each rounded half-up to the fen).
        Default: 0 to 10,000 in steps of 100.
    level
        Institution level 0..3 of every visit, or one level per visit.
    status
        ``"in_service"`` or ``"retired"`` for the whole year.
    visits
        Number of visits (>= 1) the spending is spread over.
    tier
        ``"employer"``, ``"individual_1"`` or ``"individual_2"`` (Chongqing's caps differ).
    service
        ``"general"`` (default), ``"internet"``, ``"emergency"``, ``"pharmacy"`` (prescribed
        at ``level``), ..., or one per visit.
    year
        Calendar year of the visits; default the first full year of the policy's latest
        version (:func:`default_year`).

    Returns
    -------
    pandas.DataFrame
        One row per policy × spending point: ``policy`` (categorical), ``spending``,
        ``deductible``, ``fund_paid``, ``self_pay``, ``capped`` (exact ``decimal128(18, 2)``
        yuan), ``fund_share`` (``fund_paid / spending``, float, NaN at 0) and ``binding``
        (the most restrictive limit reached, see :data:`yibao.compare.BINDING_ORDER`).

    Examples
    --------
    At 5,000 yuan a year in level-3 hospitals, a Chongqing retiree and a Jining retiree:

    >>> curve = benefit_curve(["chongqing", "jining"], [5000], level=3, status="retired", visits=10)
    >>> print(curve[["policy", "fund_paid"]].to_string(index=False))
       policy  fund_paid
    chongqing    2940.00
       jining    2000.00
    """
    if isinstance(visits, bool) or not isinstance(visits, (int, np.integer)) or visits < 1:
        raise ValueError(f"visits must be an integer >= 1, got {visits!r}")
    named = _named_policies(policy)
    fen = _spending_fen(spending)
    frames = []
    for name, pol in named.items():
        claims = _claims_table(
            fen,
            visits=int(visits),
            level=level,
            service=service,
            status=status,
            tier=tier,
            year=default_year(pol) if year is None else int(year),
        )
        out, codes = adjudicate_with_codes(claims, pol, money="fen", threads=1)
        member = out["member_id"].to_numpy()
        sums = {
            col: np.zeros(len(fen), dtype=np.int64) for col in ("deductible", "fund_paid", "capped")
        }
        for col, total in sums.items():
            np.add.at(total, member, out[col].to_numpy(dtype=np.int64))
        binding = np.zeros(len(fen), dtype=np.int8)
        np.maximum.at(binding, member, binding_of_flags(flags_of_codes(codes)))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(fen > 0, sums["fund_paid"] / np.maximum(fen, 1), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "policy": name,
                    "spending": fen_to_money(fen),
                    "deductible": fen_to_money(sums["deductible"]),
                    "fund_paid": fen_to_money(sums["fund_paid"]),
                    "self_pay": fen_to_money(fen - sums["fund_paid"]),
                    "capped": fen_to_money(sums["capped"]),
                    "fund_share": share,
                    "binding": _binding_categorical(binding),
                }
            )
        )
    result = pd.concat(frames, ignore_index=True)
    result["policy"] = pd.Categorical(result["policy"], categories=list(named))
    return result
