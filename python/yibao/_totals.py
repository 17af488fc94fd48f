"""Sums of an adjudication under many policies, without per-row results (``yibao.sweep``).

A point of a sweep needs only sums: fund paid, self-pay, capped, and the members at a cap.
``_core.totals`` runs the kernel's own row step for each of several policies over the
claims in processing order, reading each block of rows once for all of them, and sums
exactly (128-bit fen) instead of writing a column per result; when the policies differ only
in cap values, each row is priced once for all of them (version, levels, deductible, visits,
rate) and only the caps run per policy. The claims are put in
processing order here, once (:func:`in_processing_order`), so every pass is the kernel's
sorted pass.

>>> from yibao import load_policy
>>> from yibao._many import convert_once
>>> from yibao.datasets import synthetic
>>> claims = synthetic(members=20, seed=1)[1]
>>> ordered = in_processing_order(convert_once(claims, threads=1))
>>> jining = load_policy("jining")
>>> points = [jining.replace({"pools.general.annual_cap": cap}) for cap in (1, 9000)]
>>> low, high = totals(ordered, points)
>>> low["fund_paid"] <= high["fund_paid"]
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._claims import ClaimArrays
from ._many import Converted
from .errors import InputError, PolicyError
from .policy import Policy

__all__ = ["Ordered", "in_processing_order", "totals"]


@dataclass(frozen=True)
class Ordered:
    """Converted claims in the kernel's processing order (by member, then day, ties in
    input order), with the caller's row label and position of each row for errors."""

    arrays: ClaimArrays
    index: pd.Index
    position: np.ndarray | None  # the caller's position of each row; None: already in order
    threads: int


def _sorted(member: np.ndarray, day: np.ndarray) -> bool:
    same = member[1:] == member[:-1]
    return bool(np.all((member[1:] > member[:-1]) | (same & (day[1:] >= day[:-1]))))


def in_processing_order(converted: Converted) -> Ordered:
    """The converted claims in processing order: as they are when already sorted (the common
    case), else reordered once, every per-row array alike."""
    a = converted.arrays
    if _sorted(a.member, a.day):
        return Ordered(a, converted.index, None, converted.threads)
    # A stable sort: rows of one member and day keep their input order, as the kernel's do.
    order = np.lexsort((a.day, a.member))
    columns: dict[str, Any] = {
        f.name: None if getattr(a, f.name) is None else getattr(a, f.name)[order]
        for f in dataclasses.fields(a)
    }
    return Ordered(ClaimArrays(**columns), converted.index[order], order, converted.threads)


def totals(ordered: Ordered, policies: Sequence[Policy]) -> list[dict[str, int]]:
    """Per policy, the exact sums in fen of ``deductible``, ``fund_paid``, ``self_pay`` and
    ``capped``, and ``members_at_cap`` / ``members_at_visit_cap``: what
    :func:`yibao.adjudicate` under that policy gives, summed. A row error names the caller's
    row (under the first policy that fails, as adjudicating them in turn would)."""
    a = ordered.arrays
    try:
        sums: list[dict[str, int]] = _core.totals(
            [policy.core for policy in policies],
            a.member,
            a.day,
            a.level,
            a.eligible,
            a.status,
            a.service,
            a.prescriber,
            a.tier,
            a.institution,
            ordered.threads,
        )
    except (InputError, PolicyError) as exc:
        position = getattr(exc, "position", None)
        if position is not None and hasattr(exc, "at_row"):
            if ordered.position is not None:
                exc.position = int(ordered.position[position])
            raise exc.at_row(ordered.index[position]) from None
        raise
    return sums
