"""``yibao.adjudicate``: the claims frame in, the same rows with the fund's decision out."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _core
from ._arrow_input import ArrowStream, arrow_frame, arrow_table, is_arrow_claims, with_outputs
from ._context import context_arrays
from ._frame import adjudicated
from ._many import run_kernel
from ._money import Rounding, Unit, decimal_from_words, fen_to_money
from ._schema import (
    MONEY_OUTPUTS,
    OUTPUT_COLUMNS,
    RULE_CODES_PER_VERSION,
    RULE_FLAGS,
    RULE_LABEL_KEYS,
)
from .errors import InputError
from .policy import Policy, load_policy

__all__ = ["OUTPUT_COLUMNS", "adjudicate", "as_policy"]

Money = Literal["decimal", "float", "fen"]

# The core's rule flags, in the order their labels are joined (schema.toml).
_FLAGS = RULE_FLAGS
_N_FLAG_CODES = RULE_CODES_PER_VERSION


def money_column(values: np.ndarray, money: Money) -> Any:
    """Wrap the kernel's output: decimal128 words (zero-copy), int64 fen, or a float view."""
    return decimal_from_words(values) if money == "decimal" else fen_to_money(values, money)


def as_policy(policy: str | Policy) -> Policy:
    """A Policy from a region key, a path to a policy file, or a Policy."""
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, (str, os.PathLike)):
        return load_policy(policy)
    raise TypeError(f"policy must be a region key, a policy file path or a Policy, got {policy!r}")


def rule_label(labels: Mapping[str, str], flags: int) -> str:
    """The ``rule`` label of a row decided by ``flags`` under a version's ``labels``.

    >>> rule_label({"deductible": "CQ-4 deductible", "rate": "CQ-5 rate"}, 0b11)
    'CQ-4 deductible + CQ-5 rate'
    """
    parts = [labels.get(RULE_LABEL_KEYS[name], name) for name, bit in _FLAGS if flags & bit]
    return " + ".join(parts) if parts else "nothing eligible"


def _rule_column(
    policy: Policy, rule: np.ndarray, threads: int = 1, present: np.ndarray | None = None
) -> pd.Categorical:
    """The ``rule`` labels, e.g. ``"CQ-4 deductible + CQ-5 rate"``, as a categorical.

    The kernel's code per row is ``version × RULE_CODES_PER_VERSION + flags``; only the
    codes that occur are given a label, so the categories list exactly the rules that
    decided some row. Finding the codes (unless ``present`` says already which occur: one
    byte a code, at least the policy's codes) and recoding the rows run in C++; only the
    few labels are made in Python.
    """
    n_codes = len(policy.versions) * _N_FLAG_CODES
    if present is None or present[n_codes:].any():  # (beyond the policy's: the core words it)
        present = _core.codes_present(rule, n_codes, threads)
    labels_by_version = policy.rule_labels()
    categories: dict[str, int] = {}
    table = np.zeros(n_codes, dtype=np.int16)
    for code in np.flatnonzero(present[:n_codes]):
        version, flags = divmod(int(code), _N_FLAG_CODES)
        label = rule_label(labels_by_version[version], flags)
        table[code] = categories.setdefault(label, len(categories))
    if len(categories) <= np.iinfo(np.int8).max:  # pandas' own code dtype for few categories
        table = table.astype(np.int8)
    codes = _core.recode(rule, table, threads)
    return pd.Categorical.from_codes(codes, categories=list(categories), validate=False)


def _with_context(
    claims: pd.DataFrame,
    pol: Policy,
    members: pd.DataFrame | None,
    rounding: Rounding | None,
    unit: Unit,
    threads: int,
    layout: Any,
    stays: pd.DataFrame | None,
    other_paid: pd.DataFrame | None,
) -> dict[str, np.ndarray]:
    """With ``stays`` or ``other_paid``: their rows placed before the claims (``_context``),
    the claims converted by the same readers, the kernel run, the extra rows dropped."""
    arrays, index, k = context_arrays(
        claims, pol, members, stays, other_paid, rounding=rounding, unit=unit, threads=threads
    )
    out = run_kernel(arrays, pol, index, threads, layout)
    return {name: values[k:] for name, values in out.items()}


def _check_column_names(claims: pd.DataFrame) -> None:
    """Flat column names, none of them an output's: an input ``fund_paid`` (e.g. what the
    settlement platform paid) would otherwise be replaced without a word (issue 20)."""
    if isinstance(claims.columns, pd.MultiIndex):
        raise InputError(
            f"claims has MultiIndex columns ({claims.columns.nlevels} levels); adjudicate needs "
            "one level of names: flatten them first (e.g. claims.columns = [a for a, *_ in "
            "claims.columns])"
        )
    taken = [name for name in OUTPUT_COLUMNS if name in claims.columns]
    if taken:
        raise InputError(
            f"the claims already have a column named like an output of adjudicate ({taken[0]!r}),"
            f" which would be replaced; rename it first, e.g. claims.rename(columns={{"
            f"{taken[0]!r}: {taken[0] + '_input'!r}}})",
            column=taken[0],
        )


def adjudicate(
    claims: pd.DataFrame | ArrowStream,
    policy: str | Policy,
    *,
    members: pd.DataFrame | None = None,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    threads: int | None = None,
    money: Money = "decimal",
    stays: pd.DataFrame | None = None,
    other_paid: pd.DataFrame | None = None,
) -> pd.DataFrame | pa.Table:
    """Adjudicate general-outpatient claims under a region's policy, exactly to the fen.

    Parameters
    ----------
    claims
        One row per settled claim line or visit (docs/design.md §3): ``member_id``, ``date``,
        ``level`` (0..3), ``eligible`` (政策范围内费用, yuan), ``status`` (``in_service`` /
        ``retired``, or 在职/退休; may come from ``members``), and optionally ``service``,
        ``prescriber_level``, ``tier`` and ``institution_id`` (required for ``ili``).
        A pandas DataFrame, or Arrow data: a ``pyarrow.Table``, ``RecordBatch`` or
        ``RecordBatchReader``, or any object with ``__arrow_c_stream__`` (a polars
        DataFrame, a DuckDB relation), read in place by the same column readers.
    policy
        A region key (``"chongqing"``, ``"jining"``, ``"nanchang"``, ``"ili"``,
        ``"inner_mongolia"``), a policy file path, or a :class:`Policy`.
    members
        Optional member table: ``status`` is derived from ``retire_date`` (retired from that
        date on) and ``tier`` taken from it when the claims lack these columns.
    rounding
        Amounts with more than 2 decimal places are an error unless a mode is given
        (``"half_up"``, ``"half_even"``, ``"down"``); floats are read through their shortest
        round-trip decimal first.
    unit
        ``"yuan"`` (default) or ``"fen"`` for integer amount columns.
    threads
        Worker threads, partitioned by member; the result is identical for every value.
        Default: all cores. At most 1,024 are used (unsorted rows: at most 64).
    money
        ``"decimal"`` (exact ``decimal128(18, 2)``, default), ``"float"`` (a float64 view,
        inexact), or ``"fen"`` (int64 fen).
    stays
        Optional inpatient stays: ``member_id``, ``admit``, ``discharge`` (dates). Where the
        text says so (伊犁 第十六条: policy key ``inpatient_stays``), a general-outpatient row
        dated within a stay gets no payment and is not a visit; other policies ignore stays.
    other_paid
        Optional pooled-fund payments of the members outside these claims (inpatient
        settlements, …): ``member_id``, ``date``, ``amount`` (yuan). They count toward the
        policy's overall annual limit (``overall_cap``) for the claims dated on or after them
        in the same year (docs/design.md §6b).

    Returns
    -------
    pandas.DataFrame
        The same rows in the same order with every input column, plus ``deductible``
        (起付线), ``fund_paid`` (统筹基金支付), ``supplementary_paid`` (paid by the
        supplementary 大额 fund above the overall limit), ``self_pay`` (``eligible -
        fund_paid - supplementary_paid``), ``capped`` (fund payment withheld by a cap of the
        pooled fund), ``ytd_fund_paid`` (the member's fund payments this calendar year, this
        row included) and ``rule`` (what decided the row). The caller's frame is not
        modified. For Arrow input, a ``pyarrow.Table``: the input's columns as they came,
        then the same outputs (money as ``decimal128(18, 2)``, or int64 / float64 for
        ``money="fen"`` / ``"float"``; ``rule`` dictionary-encoded).

    Examples
    --------
    >>> import pandas as pd, yibao
    >>> claims = pd.DataFrame({"member_id": [1, 1], "date": ["2022-03-01", "2022-03-02"],
    ...                        "level": [1, 2], "eligible": [10, 100],
    ...                        "status": "in_service", "institution_id": ["A", "B"]})
    >>> yibao.adjudicate(claims, "ili")["fund_paid"].tolist()
    [Decimal('0.00'), Decimal('50.38')]

    Arrow data in, a ``pyarrow.Table`` out (the input's columns as they were, then the
    outputs; docs/data-contract.md, "Arrow input"):

    >>> import pyarrow as pa
    >>> table = yibao.adjudicate(pa.Table.from_pandas(claims), "ili")
    >>> type(table).__name__, table["fund_paid"].to_pylist()
    ('Table', [Decimal('0.00'), Decimal('50.38')])
    """
    if is_arrow_claims(claims):  # Arrow in, Arrow out, through the same readers
        table = arrow_table(claims)
        result = adjudicate(
            arrow_frame(table),
            policy,
            members=members,
            rounding=rounding,
            unit=unit,
            threads=threads,
            money=money,
            stays=stays,
            other_paid=other_paid,
        )
        return with_outputs(table, result)
    return adjudicate_with_codes(
        claims,
        policy,
        members=members,
        rounding=rounding,
        unit=unit,
        threads=threads,
        money=money,
        stays=stays,
        other_paid=other_paid,
    )[0]


def adjudicate_with_codes(
    claims: pd.DataFrame,
    policy: str | Policy,
    *,
    members: pd.DataFrame | None = None,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    threads: int | None = None,
    money: Money = "decimal",
    stays: pd.DataFrame | None = None,
    other_paid: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`adjudicate`'s frame, and the kernel's rule code of each row (uint16).

    A code is ``version × RULE_CODES_PER_VERSION + flags``, the flags' bits as in
    ``yibao._schema.RULE_FLAGS``: the structured form of the ``rule`` labels, for callers
    that need what decided each row (``yibao.compare``) rather than its text.
    """
    if money not in ("decimal", "float", "fen"):
        raise ValueError(f"money must be 'decimal', 'float' or 'fen', got {money!r}")
    if threads is not None and (
        isinstance(threads, (bool, np.bool_)) or not isinstance(threads, (int, np.integer))
    ):
        raise TypeError(f"threads must be a whole number (int), got {threads!r}")
    if isinstance(claims, pd.DataFrame):
        _check_column_names(claims)
    pol = as_policy(policy)
    n_threads = (os.cpu_count() or 1) if threads is None else int(threads)
    if n_threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    layout = _core.MoneyLayout.decimal128 if money == "decimal" else _core.MoneyLayout.fen64
    present = None  # which rule codes occur, where the route found them already
    if stays is None and other_paid is None:
        out, present = adjudicated(
            claims,
            pol.core,
            members=members,
            rounding=rounding,
            threads=n_threads,
            layout=layout,
            unit=unit,
        )
    else:
        out = _with_context(
            claims, pol, members, rounding, unit, n_threads, layout, stays, other_paid
        )
    result = claims.copy(deep=False)
    for name in MONEY_OUTPUTS:
        result[name] = pd.Series(money_column(out[name], money), index=claims.index, copy=False)
    result["rule"] = pd.Series(
        _rule_column(pol, out["rule"], n_threads, present), index=claims.index, copy=False
    )
    return result, out["rule"]
