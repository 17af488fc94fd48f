"""Claims frame → the kernel's columns (DESIGN §3): validation and dtype negotiation.

Everything is vectorized; strings are factorized once and only their few distinct values
are looked up in Python. Every error names the column, the row label and the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._money import Rounding, Unit, to_fen
from .errors import InputError

__all__ = ["ClaimArrays", "claim_arrays"]

STATUS_CODES = {"in_service": 0, "在职": 0, "retired": 1, "退休": 1}
TIER_CODES = {"employer": 0, "随单位": 0, "individual_1": 1, "个人一档": 1, "individual_2": 2, "个人二档": 2}
SERVICE_CODES = {
    name: code
    for code, name in enumerate(
        ("general", "pharmacy", "internet", "emergency", "day_surgery", "chronic", "special_drug")
    )
}
REQUIRED = ("member_id", "date", "level", "eligible")


@dataclass
class ClaimArrays:
    member: np.ndarray
    day: np.ndarray
    level: np.ndarray
    eligible: np.ndarray
    status: np.ndarray
    service: np.ndarray
    prescriber: np.ndarray
    tier: np.ndarray
    institution: np.ndarray | None


def _fail(message: str, column: str, index: pd.Index, position: int) -> InputError:
    return InputError(message, column=column, row=index[position], position=position)


def _codes(series: pd.Series, column: str, table: Mapping[str, int]) -> np.ndarray:
    """Map a label column through ``table`` via its distinct values (no per-row Python)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if (codes < 0).any():
        pos = int(np.flatnonzero(codes < 0)[0])
        raise _fail(f"missing value; expected one of {sorted(set(table))}", column, series.index, pos)
    lookup = np.empty(len(uniques), dtype=np.int8)
    for i, value in enumerate(uniques):
        key = str(value).strip() if isinstance(value, str) else value
        if key not in table:
            pos = int(np.flatnonzero(codes == i)[0])
            raise _fail(
                f"unknown value {value!r}; expected one of {sorted(set(table))}",
                column,
                series.index,
                pos,
            )
        lookup[i] = table[key]
    return lookup[codes]


def _levels(series: pd.Series, column: str, *, allow_missing: bool) -> np.ndarray:
    index = series.index
    if not (pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)):
        raise InputError(f"levels must be integers 0..3, got dtype {series.dtype}", column=column)
    missing = series.isna().to_numpy()
    if missing.any() and not allow_missing:
        raise _fail("missing level; expected an integer 0..3", column, index, int(np.flatnonzero(missing)[0]))
    values = series.to_numpy(dtype=np.float64, na_value=-1.0)
    bad = (~missing) & ((values != np.floor(values)) | (values < 0) | (values > 3))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise _fail(f"level {series.iloc[pos]!r} is not an integer 0..3", column, index, pos)
    return values.astype(np.int8)


def _days(series: pd.Series) -> np.ndarray:
    """Service dates as int32 days since 1970-01-01."""
    index = series.index
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)  # the local calendar date is the service date
    if pd.api.types.is_datetime64_dtype(series.dtype):
        values = series.to_numpy()
    else:
        parsed = pd.to_datetime(series, errors="coerce", format="ISO8601")
        bad = parsed.isna().to_numpy() & series.notna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise _fail(f"cannot read {series.iloc[pos]!r} as a date (use YYYY-MM-DD)", "date", index, pos)
        values = parsed.to_numpy()
    nat = np.isnat(values)
    if nat.any():
        raise _fail("missing date", "date", index, int(np.flatnonzero(nat)[0]))
    days = values.astype("datetime64[D]").astype(np.int64)
    return days.astype(np.int32)


def _members_lookup(claims: pd.DataFrame, members: pd.DataFrame | None, column: str) -> pd.Series | None:
    """``members[column]`` aligned to the claims' rows by member_id, if members has it."""
    if members is None or column not in members.columns:
        return None
    if "member_id" not in members.columns:
        raise InputError("members needs a member_id column", column="member_id")
    dup = members["member_id"].duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise _fail("duplicate member_id in members", "member_id", members.index, pos)
    table = members.set_index("member_id")[column]
    aligned = table.reindex(claims["member_id"].to_numpy())
    return pd.Series(aligned.to_numpy(), index=claims.index, name=column)


def _status(claims: pd.DataFrame, members: pd.DataFrame | None, day: np.ndarray) -> np.ndarray:
    if "status" in claims.columns:
        return _codes(claims["status"], "status", STATUS_CODES)
    retire = _members_lookup(claims, members, "retire_date")
    if retire is None:
        raise InputError(
            "claims need a status column (in_service/retired), or members with retire_date",
            column="status",
        )
    unknown = ~claims["member_id"].isin(members["member_id"]).to_numpy()  # type: ignore[index]
    if unknown.any():
        pos = int(np.flatnonzero(unknown)[0])
        raise _fail("member not found in members (needed for status)", "member_id", claims.index, pos)
    retire_days = pd.to_datetime(retire).to_numpy().astype("datetime64[D]")
    # Retired from the retirement date on (DESIGN §6): thresholds and caps change that day.
    retired = ~np.isnat(retire_days) & (day.astype("datetime64[D]") >= retire_days)
    return retired.astype(np.int8)


def claim_arrays(
    claims: pd.DataFrame,
    members: pd.DataFrame | None = None,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
) -> ClaimArrays:
    """Validate ``claims`` and convert it to the kernel's columns."""
    if not isinstance(claims, pd.DataFrame):
        raise TypeError(f"claims must be a pandas DataFrame, got {type(claims).__name__}")
    for column in REQUIRED:
        if column not in claims.columns:
            raise InputError(f"required column is missing (have: {list(claims.columns)})", column=column)
    if claims.columns.duplicated().any():
        raise InputError("claims has duplicate column names", column=str(claims.columns[claims.columns.duplicated()][0]))
    index = claims.index
    n = len(claims)

    member, _ = pd.factorize(claims["member_id"], use_na_sentinel=True)
    if (member < 0).any():
        raise _fail("missing member_id", "member_id", index, int(np.flatnonzero(member < 0)[0]))
    day = _days(claims["date"])
    level = _levels(claims["level"], "level", allow_missing=False)
    eligible = to_fen(claims["eligible"], "eligible", rounding=rounding, unit=unit)
    negative = eligible < 0
    if negative.any():
        pos = int(np.flatnonzero(negative)[0])
        raise _fail(f"eligible amount {claims['eligible'].iloc[pos]} is negative", "eligible", index, pos)
    status = _status(claims, members, day)

    if "service" in claims.columns:
        service = _codes(claims["service"], "service", SERVICE_CODES)
    else:
        service = np.zeros(n, dtype=np.int8)
    if "prescriber_level" in claims.columns:
        prescriber = _levels(claims["prescriber_level"], "prescriber_level", allow_missing=True)
    else:
        prescriber = np.full(n, -1, dtype=np.int8)
    needs_prescriber = (service == SERVICE_CODES["pharmacy"]) & (prescriber < 0)
    if needs_prescriber.any():
        pos = int(np.flatnonzero(needs_prescriber)[0])
        raise _fail(
            "a pharmacy row (外配处方) needs prescriber_level: its rules take the prescribing "
            "institution's level",
            "prescriber_level",
            index,
            pos,
        )

    tier_source = claims["tier"] if "tier" in claims.columns else _members_lookup(claims, members, "tier")
    tier = np.zeros(n, dtype=np.int8) if tier_source is None else _codes(tier_source, "tier", TIER_CODES)

    institution = None
    if "institution_id" in claims.columns:
        codes, _ = pd.factorize(claims["institution_id"], use_na_sentinel=True)
        if (codes < 0).any():
            raise _fail("missing institution_id", "institution_id", index, int(np.flatnonzero(codes < 0)[0]))
        institution = codes.astype(np.int64)

    return ClaimArrays(
        member=member.astype(np.int64),
        day=day,
        level=level,
        eligible=eligible,
        status=status,
        service=service,
        prescriber=prescriber,
        tier=tier,
        institution=institution,
    )

