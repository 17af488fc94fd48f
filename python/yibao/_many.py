"""Convert the claims once, adjudicate them under many policies (sweep, decompose).

:func:`yibao.sweep` and :func:`yibao.decompose` adjudicate the same claims tens of times, under
policies that differ in a parameter or two. Validating and converting the frame is most of
one call's time, so it is done once (:func:`convert_once`) and each policy then runs the
kernel alone on the converted columns (:func:`adjudicate_converted`), with the ``fen`` money
layout. This pair is the one place that knows how; the engine's conversions may change
behind it.

The sums here are exact: int64 only where a bound proves they cannot wrap, Python ints
otherwise.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._claims import ClaimArrays
from ._context import add_supplementary
from ._frame import convert_frame
from ._money import Rounding, Unit
from ._schema import RULE_CODES_PER_VERSION
from .errors import InputError, PolicyError
from .policy import Policy

__all__ = [
    "Converted",
    "adjudicate_converted",
    "bounded_sum",
    "convert_once",
    "days_in_year",
    "exact_sum",
    "group_codes",
    "group_sums",
    "members_with",
    "rows_flagged",
    "rows_of",
]

_N_FLAG_CODES = RULE_CODES_PER_VERSION
_INT64_SAFE = 2**63 - 1


@dataclass(frozen=True)
class Converted:
    """The claims as the kernel's columns, with what is needed to name a row in errors.

    ``member_code`` numbers the members 0..``n_members``-1 (for counting members cheaply);
    ``sums_fit_int64`` says that any column bounded by ``eligible`` row by row (fund paid,
    self-pay, capped) sums in int64 without wrapping.
    """

    index: pd.Index
    arrays: ClaimArrays
    threads: int
    member_code: np.ndarray
    n_members: int
    sums_fit_int64: bool


def convert_once(
    claims: pd.DataFrame,
    members: pd.DataFrame | None = None,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    threads: int | None = None,
) -> Converted:
    """Validate and convert ``claims`` once, by the readers :func:`yibao.adjudicate` uses."""
    n_threads = (os.cpu_count() or 1) if threads is None else int(threads)
    if n_threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    arrays = convert_frame(claims, members, rounding=rounding, unit=unit, threads=n_threads)
    return _converted(claims.index, arrays, n_threads)


def _converted(index: pd.Index, arrays: ClaimArrays, threads: int) -> Converted:
    codes, uniques = pd.factorize(arrays.member)
    largest = int(arrays.eligible.max()) if len(arrays.eligible) else 0
    fits = largest * len(arrays.eligible) <= _INT64_SAFE
    return Converted(index, arrays, threads, codes, len(uniques), fits)


def rows_of(converted: Converted, rows: np.ndarray) -> Converted:
    """Only the rows marked in ``rows`` (a boolean mask), still converted."""
    a = converted.arrays
    # every per-row array of the conversion, whatever fields it has (None stays None)
    columns: dict[str, Any] = {
        f.name: None if getattr(a, f.name) is None else getattr(a, f.name)[rows]
        for f in dataclasses.fields(a)
    }
    subset = ClaimArrays(**columns)
    return _converted(converted.index[rows], subset, converted.threads)


def days_in_year(converted: Converted, year: int) -> np.ndarray:
    """A mask of the rows dated in calendar ``year`` (the kernel's days since 1970-01-01)."""
    epoch = np.datetime64("1970-01-01", "D")
    first = int((np.datetime64(f"{year:04d}-01-01", "D") - epoch).astype(np.int64))
    last = int((np.datetime64(f"{year + 1:04d}-01-01", "D") - epoch).astype(np.int64))
    day = converted.arrays.day
    return np.asarray((day >= first) & (day < last))


def run_kernel(
    arrays: ClaimArrays, policy: Policy, index: pd.Index, threads: int, layout: Any
) -> dict[str, np.ndarray]:
    """The kernel over converted columns; a row error names the caller's row label.

    The one call of ``_core.adjudicate`` (the core's one route, every reader skipped): every
    converted-once run (sweeps, decompositions) goes through it.
    """
    try:
        out: dict[str, np.ndarray] = _core.adjudicate(
            policy.core,
            arrays.member,
            arrays.day,
            arrays.level,
            arrays.eligible,
            arrays.status,
            arrays.service,
            arrays.prescriber,
            arrays.tier,
            arrays.institution,
            threads,
            layout,
        )
    except (InputError, PolicyError) as exc:
        position = getattr(exc, "position", None)
        if position is not None and hasattr(exc, "at_row"):
            raise exc.at_row(index[position]) from None
        raise
    add_supplementary(out, lambda rows: arrays.eligible[rows])
    return out


def adjudicate_converted(converted: Converted, policy: Policy) -> dict[str, np.ndarray]:
    """The kernel's outputs for ``policy``: int64 fen columns and the ``rule`` codes."""
    return run_kernel(
        converted.arrays, policy, converted.index, converted.threads, _core.MoneyLayout.fen64
    )


def rows_flagged(rule: np.ndarray, bits: int) -> np.ndarray:
    """Rows whose kernel rule code (version × codes per version + flags) has any of ``bits``."""
    if not 0 < bits < _N_FLAG_CODES or _N_FLAG_CODES & (_N_FLAG_CODES - 1):
        raise ValueError(f"flag bits {bits} outside the {_N_FLAG_CODES} flag codes")
    # A power of two: the flags are the low bits of the code, whatever the version
    return np.asarray((rule & np.uint16(bits)) != 0)


def members_with(converted: Converted, rows: np.ndarray) -> int:
    """How many distinct members have at least one of the rows marked in ``rows``."""
    seen = np.bincount(converted.member_code[rows], minlength=converted.n_members)
    return int(np.count_nonzero(seen))


def bounded_sum(converted: Converted, values: np.ndarray) -> int:
    """The exact sum of a column bounded row by row by ``eligible`` (fund paid, self-pay,
    capped): one int64 sum when the bound allows it, :func:`exact_sum` otherwise."""
    if converted.sums_fit_int64:
        return int(np.asarray(values, dtype=np.int64).sum())
    return exact_sum(values)


def exact_sum(values: np.ndarray) -> int:
    """The exact sum of int64 fen as a Python int (int64 only where it cannot wrap)."""
    values = np.asarray(values, dtype=np.int64)
    if not len(values):
        return 0
    bound = max(abs(int(values.max())), abs(int(values.min()))) * len(values)
    if bound <= _INT64_SAFE:
        return int(values.sum())
    return sum(int(v) for v in values.tolist())


def group_sums(codes: np.ndarray, values: np.ndarray, n_groups: int) -> list[int]:
    """Exact per-group sums of int64 fen (``codes`` in ``0..n_groups-1``), as Python ints."""
    values = np.asarray(values, dtype=np.int64)
    if not len(values):
        return [0] * n_groups
    bound = max(abs(int(values.max())), abs(int(values.min()))) * len(values)
    if bound <= _INT64_SAFE:
        out = np.zeros(n_groups, dtype=np.int64)
        np.add.at(out, codes, values)
        return [int(v) for v in out]
    sums = [0] * n_groups
    for code, value in zip(np.asarray(codes).tolist(), values.tolist(), strict=True):
        sums[code] += value
    return sums


def group_codes(
    claims: pd.DataFrame, members: pd.DataFrame | None, by: Any
) -> tuple[np.ndarray, list[Any]]:
    """Group codes per claim row and the group labels, from a claims or members column."""
    if by in claims.columns:
        values = claims[by]
    elif members is not None and by in members.columns:
        table = members.drop_duplicates("member_id").set_index("member_id")[by]
        values = table.reindex(claims["member_id"].to_numpy())
    else:
        raise KeyError(f"group column {by!r} is neither in the claims nor in the members")
    codes, labels = pd.factorize(pd.Series(np.asarray(values, dtype=object)), sort=True)
    if (codes < 0).any():
        pos = int(np.flatnonzero(codes < 0)[0])
        raise InputError("group value is missing", column=str(by), row=claims.index[pos])
    return np.asarray(codes, dtype=np.int64), list(labels)
