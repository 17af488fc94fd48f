"""What a member's claims meet besides themselves: inpatient stays and other pooled payments.

``yibao.adjudicate(..., stays=, other_paid=)`` (docs/design.md §6b, issue 16):

* ``other_paid``: the member's pooled-fund payments outside these claims (inpatient
  settlements, …), a frame of ``member_id``, ``date``, ``amount`` (yuan). They count toward the
  policy's overall annual limit (``overall_cap``: 重庆 第八条, 伊犁 第十四条–第十五条,
  内政办发〔2021〕82号 一(三)) for the claims dated on or after them in the same calendar year;
  above the limit the supplementary fund pays where the policy has one (``supplementary_cap``).
  Payments of members without claims change nothing and are left out.
* ``stays``: inpatient stays, a frame of ``member_id``, ``admit``, ``discharge`` (dates). Under
  a policy with ``inpatient_stays`` (伊犁 第十六条) a row of a service paid by that pool, dated
  from ``admit`` to ``discharge`` inclusive, gets no payment and is not a visit; the other
  regions' texts are silent and their policies ignore stays.

Both travel to the kernel as rows coded past the services (``cpp/src/rules/row_rule.hpp``:
``other_payment_service``, ``in_stay_service``), so the readers, the placement and the result
records stay as they are: a payment is a row placed before the claims (it comes first among a
member's rows of its day), a row within a stay has its service code replaced in a copy.

The output column ``supplementary_paid`` is not a kernel column either: the kernel leaves it out
of ``self_pay`` and flags the row ``supplementary``, and :func:`add_supplementary` takes it back
as ``eligible - fund_paid - self_pay`` on the flagged rows (0 elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._claims import ClaimArrays, _days
from ._money import Rounding, Unit, to_fen
from ._schema import CLAIM_FIELDS, RULE_CODES_PER_VERSION, RULE_FLAGS, SERVICES
from .errors import InputError

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["SUPPLEMENTARY", "add_supplementary", "context_arrays"]

SUPPLEMENTARY = "supplementary_paid"
_SUPPLEMENTARY_BIT = dict(RULE_FLAGS)["supplementary"]
# The kernel's codes far past the services (cpp/src/rules/row_rule.hpp, which asserts the gap).
OTHER_PAYMENT_SERVICE = 126
IN_STAY_SERVICE = 127
_STAY_KEY = "inpatient_stays"  # the version key naming the pool a stay stops (伊犁 第十六条)


def add_supplementary(
    out: dict[str, np.ndarray],
    eligible_of: Callable[[np.ndarray], Any],
    present: np.ndarray | None = None,
) -> None:
    """Adds ``supplementary_paid`` to the kernel's columns ``out`` (int64 fen or decimal128
    words), from ``eligible_of(rows)``: the int64 fen eligible amounts of those rows.

    ``present``, if given, says which rule codes occur in ``out["rule"]`` (one byte a code, as
    ``_core.codes_present`` gives them): where none carries the supplementary flag, the column
    is zero and the rows are not searched (three passes over the rows, 4 ms of a 2 M-row call).

    >>> out = {"fund_paid": np.array([5, 7]), "self_pay": np.array([5, 1]),
    ...        "rule": np.array([0, _SUPPLEMENTARY_BIT], dtype=np.uint16)}
    >>> add_supplementary(out, lambda rows: np.array([10, 10])[rows])
    >>> out[SUPPLEMENTARY].tolist()
    [0, 2]
    """
    fund = out["fund_paid"]
    # np.zeros, not zeros_like: calloc'd pages are zero without being written (zeros_like
    # writes every byte: 30-60 ms of a 2 M-row call, for a column that is almost all zero).
    column = np.zeros(fund.shape, dtype=fund.dtype)
    out[SUPPLEMENTARY] = column
    if present is not None and not _flagged(present):
        return
    rows = np.flatnonzero((out["rule"] & np.uint16(_SUPPLEMENTARY_BIT)) != 0)
    if rows.size:
        # Amounts on a flagged row are non-negative and far within int64: a decimal128 value
        # is its low word, with a zero high word.
        def low(values: np.ndarray) -> np.ndarray:
            return values[rows, 0] if values.ndim == 2 else values[rows]

        paid = np.asarray(eligible_of(rows), dtype=np.int64) - low(fund) - low(out["self_pay"])
        if column.ndim == 2:
            column[rows, 0] = paid
        else:
            column[rows] = paid


def _flagged(present: np.ndarray) -> bool:
    """Whether a code present (version × RULE_CODES_PER_VERSION + flags) has the
    supplementary flag."""
    flags = np.flatnonzero(present) % RULE_CODES_PER_VERSION
    return bool((flags & _SUPPLEMENTARY_BIT).any())


def context_arrays(
    claims: pd.DataFrame,
    policy: Policy,
    members: pd.DataFrame | None,
    stays: pd.DataFrame | None,
    other_paid: pd.DataFrame | None,
    *,
    rounding: Rounding | None,
    unit: Unit,
    threads: int,
) -> tuple[ClaimArrays, pd.Index, int]:
    """The kernel's columns for ``claims`` with the payments placed first, the row labels of
    both (for errors) and the number of payment rows to drop from the results."""
    payments = _payments(claims, policy, other_paid, rounding, unit)
    k = len(payments)
    frame = claims
    if k:
        columns = [c for c in claims.columns if c in _CLAIM_COLUMNS]
        filler = _payment_rows(claims, payments, columns)
        frame = pd.concat([filler, claims[columns]], ignore_index=True)
    from ._frame import convert_frame  # (_frame imports this module)

    arrays = convert_frame(frame, members, rounding=rounding, unit=unit, threads=threads)
    if k:
        arrays.eligible = arrays.eligible.copy()
        arrays.eligible[:k] = payments["fen"].to_numpy()
        arrays.service = arrays.service.copy()
        arrays.service[:k] = OTHER_PAYMENT_SERVICE
    if stays is not None:
        within = np.zeros(len(arrays.day), dtype=bool)
        within[k:] = _within_stays(claims, stays, arrays.day[k:], arrays.service[k:], policy)
        if within.any():
            arrays.service = arrays.service.copy() if not k else arrays.service
            arrays.service[within] = IN_STAY_SERVICE
    index = pd.Index(list(payments.index) + list(claims.index)) if k else claims.index
    return arrays, index, k


# The claim columns a payment row needs a value in (the others stay out of the copy).
_CLAIM_COLUMNS = tuple(field.name for field in CLAIM_FIELDS)


def _frame_with(table: Any, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(table).__name__}")
    for column in columns:
        if column not in table.columns:
            raise InputError(
                f"{name}: required column is missing (have: {list(table.columns)})",
                column=column,
            )
    return table


def _payments(
    claims: pd.DataFrame, policy: Policy, other_paid: Any, rounding: Rounding | None, unit: Unit
) -> pd.DataFrame:
    """``other_paid`` checked, of the members with claims and dated from the policy's first
    version on (an earlier payment meets no claim's year under these rules): member_id,
    day, fen."""
    empty = pd.DataFrame({"member_id": [], "day": [], "fen": []})
    if other_paid is None:
        return empty
    table = _frame_with(other_paid, "other_paid", ("member_id", "date", "amount"))
    if table["member_id"].isna().any():
        pos = int(np.flatnonzero(table["member_id"].isna().to_numpy())[0])
        raise InputError(
            "other_paid: member_id is missing", column="member_id", row=table.index[pos]
        )
    day = _days(table["date"], "date")
    fen = to_fen(table["amount"], "amount", rounding=rounding, unit=unit)
    negative = fen < 0
    if negative.any():
        pos = int(np.flatnonzero(negative)[0])
        raise InputError(
            f"other_paid: amount {table['amount'].iloc[pos]} is negative",
            column="amount",
            row=table.index[pos],
            position=pos,
        )
    first = (
        np.datetime64(policy.versions[0].effective, "D") - np.datetime64("1970-01-01", "D")
    ).astype(np.int64)
    keep = table["member_id"].isin(claims["member_id"]).to_numpy() & (day >= first)
    return pd.DataFrame(
        {"member_id": table["member_id"].to_numpy()[keep], "day": day[keep], "fen": fen[keep]},
        index=table.index[keep],
    )


def _payment_rows(claims: pd.DataFrame, payments: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Placeholder claim rows for the payments, valid for the readers: the kernel reads only
    their member, day and (replaced) eligible amount and service."""
    n = len(payments)
    epoch = np.datetime64("1970-01-01", "D")
    values: dict[str, Any] = {
        "member_id": payments["member_id"].to_numpy(),
        "date": epoch + payments["day"].to_numpy().astype("timedelta64[D]"),
        "level": np.ones(n, dtype=np.int64),
        "eligible": np.zeros(n, dtype=np.int64),
        "service": SERVICES[0],
    }
    filler = pd.DataFrame({c: values[c] for c in columns if c in values})
    for column in columns:
        if column not in values:  # status, tier, institution_id: the first claim's value
            filler[column] = pd.Series([claims[column].iloc[0]] * n, dtype=claims[column].dtype)
    # The claims' own kind of date (the one date reader takes one kind per column).
    if not pd.api.types.is_datetime64_any_dtype(claims["date"]):
        if isinstance(claims["date"].iloc[0], str):
            filler["date"] = filler["date"].dt.strftime("%Y-%m-%d")
        else:
            filler["date"] = pd.Series(filler["date"].dt.date, dtype=object)
    return filler[columns]


def _within_stays(
    claims: pd.DataFrame,
    stays: Any,
    day: np.ndarray,
    service: np.ndarray,
    policy: Policy,
) -> np.ndarray:
    """Rows dated within a stay of their member, of a service paid by the pool the version
    in force names in ``inpatient_stays`` (none where the text is silent)."""
    table = _frame_with(stays, "stays", ("member_id", "admit", "discharge"))
    admit = _days(table["admit"], "admit")
    discharge = _days(table["discharge"], "discharge")
    early = discharge < admit
    if early.any():
        pos = int(np.flatnonzero(early)[0])
        raise InputError(
            "stays: discharge is before admit", column="discharge", row=table.index[pos]
        )
    stopped = _stopped_services(policy)
    effective = np.array([s for s, _ in stopped], dtype=np.int64)
    version = np.searchsorted(effective, day, side="right") - 1
    affected = np.zeros(len(day), dtype=bool)
    for v, (_, codes) in enumerate(stopped):
        if codes:
            affected |= (version == v) & np.isin(service, codes)
    if not affected.any() or not len(table):
        return np.zeros(len(day), dtype=bool)
    rows = pd.DataFrame(
        {"member_id": claims["member_id"].to_numpy(), "day": day, "row": np.arange(len(day))}
    )
    rows = rows[affected]
    spans = pd.DataFrame(
        {"member_id": table["member_id"].to_numpy(), "admit": admit, "discharge": discharge}
    )
    joined = rows.merge(spans, on="member_id", how="inner")
    hit = joined.loc[
        (joined["admit"] <= joined["day"]) & (joined["day"] <= joined["discharge"]), "row"
    ]
    within = np.zeros(len(day), dtype=bool)
    within[hit.to_numpy(dtype=np.int64)] = True
    return within


def _stopped_services(policy: Policy) -> list[tuple[int, list[int]]]:
    """Per version: its first day and the service codes a stay stops (paid by the pool named
    in ``inpatient_stays``)."""
    epoch = np.datetime64("1970-01-01", "D")
    out = []
    for version in policy.versions:
        tree = version.tree
        first = int((np.datetime64(version.effective, "D") - epoch).astype(np.int64))
        node = tree.get(_STAY_KEY)
        codes: list[int] = []
        if node is not None:
            pool = node.get("value") if isinstance(node, dict) else node
            for code, name in enumerate(SERVICES):
                rule = tree.get("services", {}).get(name, {})
                target = rule.get("pool") if isinstance(rule, dict) else None
                target = target.get("value") if isinstance(target, dict) else target
                if target == pool:
                    codes.append(code)
        out.append((first, codes))
    return out
