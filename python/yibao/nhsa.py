"""Reading settlement extracts of the national medical insurance platform (国家医保信息平台).

An extract (the 2207 settlement output, the 5203 settlement query, or the warehouse table
``setl_d``) becomes a claims frame that :func:`yibao.adjudicate` takes, in replay order, with
the amounts the platform paid kept beside it as ``observed_*`` columns. The fields and code
lists are declared once, in ``nhsa.toml`` (:data:`FIELDS`, :data:`CODES`); their meanings and
public sources are in ``docs/backtest.md``.

What :func:`read_extract` does, in this order, and counts in :attr:`Extract.set_aside`:

1. keeps valid rows (``vali_flag`` 1) of employees' insurance (``insutype`` 310) of people
   insured in the policy's region (``insu_admdvs``, where the extract has it);
2. nets each reversal (``refd_setl_flag`` 1, or negative amounts) against the settlement it
   reverses (``init_setl_id`` → ``setl_id``, else the same ``mdtrt_id``): a reversal that
   cancels its settlement removes both rows, a partial one leaves the netted amounts on the
   settlement's row;
3. maps ``psn_type`` → ``status``, ``med_type`` → ``service`` and ``hosp_lv`` (or
   ``dedc_hosp_lv``) → ``level``; a code not in the tables is an error that names it and says
   how to map it (``codes=``);
4. orders the rows by settlement time, the order in which the platform accumulates
   deductibles and caps.

A SYNTHETIC extract for tests and demos: :func:`synthetic_extract`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._money import fen_to_money, to_fen
from ._nhsa_synthetic import Deviation, synthetic_extract
from ._nhsa_tables import CODES, FIELDS, SET_ASIDE, Code, code_key, code_table
from .errors import InputError

__all__ = [
    "CODES",
    "FIELDS",
    "PRESCRIBER_FIELD",
    "Deviation",
    "Extract",
    "read_extract",
    "synthetic_extract",
]

YearBy = Literal["settlement", "service"]
LevelFrom = Literal["hosp_lv", "dedc_hosp_lv"]

_REQUIRED = ("psn_no", "setl_time", "insutype", "psn_type", "med_type", "inscp_scp_amt")
_OBSERVED_REQUIRED = ("hifp_pay", "act_pay_dedc")  # compared with fund_paid and deductible
_MONEY = tuple(name for name, f in FIELDS.items() if f.kind == "money")
PRESCRIBER_FIELD = "prescriber_hosp_lv"
"""Not a settlement field: the prescribing institution's ``hosp_lv``, merged in by the caller
from e-prescription data; pharmacy rows need it under policies that price them by it."""


@dataclass
class Extract:
    """A settlement extract read for adjudication (the result of :func:`read_extract`).

    Attributes
    ----------
    claims : pandas.DataFrame
        The kept rows in replay order, indexed by the caller's row labels: yibao's columns
        (``member_id``, ``member_code`` (a dense integer per person), ``date``, ``level``,
        ``eligible``, ``status``, ``service``, and
        ``institution_id``, ``total``, ``prescriber_level`` where the extract has them), the
        observed amounts (``observed_fund_paid``, ``observed_deductible``, ...,
        ``observed_rate``), and the platform's keys and codes (``settled_at``,
        ``service_date``, ``med_type``, ``setl_id``, ``mdtrt_id``).
    set_aside : pandas.DataFrame
        What was left out or netted, and why: ``step``, ``reason``, ``rows``.
    year_by : str
        ``"settlement"`` or ``"service"``: which date ``date`` holds (the accumulation year).
    observed_fen : dict
        The observed amounts of ``claims`` as int64 fen, by column name.
    """

    claims: pd.DataFrame
    set_aside: pd.DataFrame
    year_by: YearBy
    observed_fen: dict[str, np.ndarray] = field(repr=False)

    def __repr__(self) -> str:
        left = int(self.set_aside["rows"].sum()) if len(self.set_aside) else 0
        return (
            f"<Extract: {len(self.claims):,} claims kept, {left:,} rows set aside or netted; "
            f"year by {self.year_by} date>"
        )


class _Report:
    """Counts of rows set aside, by step and reason."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, step: str, reason: str, count: int) -> None:
        if count:
            self.rows.append({"step": step, "reason": reason, "rows": int(count)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["step", "reason", "rows"])


def _tables(codes: Mapping[str, Mapping[Any, Any]] | None) -> dict[str, dict[str, Code]]:
    """The bundled code lists with the caller's additions (``codes=``) merged over them."""
    tables = {name: dict(table) for name, table in CODES.items()}
    for name, entries in (codes or {}).items():
        if name not in tables:
            raise ValueError(f"codes: unknown code list {name!r}; lists: {', '.join(tables)}")
        tables[name].update(code_table(name, entries, origin="codes="))
    return tables


@dataclass(frozen=True)
class _Mapped:
    """A code column mapped through a table: per row an index into ``values`` (one value per
    distinct code; the last one, ``None``, for a missing code)."""

    codes: np.ndarray
    values: list[Any]

    def categorical(self, rows: np.ndarray) -> pd.Categorical:
        categories = sorted({v for v in self.values if isinstance(v, str) and v != SET_ASIDE})
        where = {v: i for i, v in enumerate(categories)}
        lookup = np.array([where.get(v, -1) for v in self.values], dtype=np.int64)
        return pd.Categorical.from_codes(lookup[self.codes[rows]], categories=categories)

    def integers(self, rows: np.ndarray) -> np.ndarray:
        lookup = np.array([v if isinstance(v, int) else -1 for v in self.values], dtype=np.int8)
        return np.asarray(lookup[self.codes[rows]])

    def equals(self, rows: np.ndarray | slice, value: Any) -> np.ndarray:
        lookup = np.array([v == value for v in self.values], dtype=bool)
        return np.asarray(lookup[self.codes[rows]])


def _map(
    frame: pd.DataFrame,
    name: str,
    table: Mapping[str, Code],
    keep: np.ndarray,
    report: _Report,
    *,
    example: str,
    prefix: int | None = None,
    unknown: Literal["raise", "set_aside"] = "raise",
    list_name: str | None = None,
) -> _Mapped:
    """Map a code column through its table, working on the few distinct codes.

    Kept rows whose code the table sets aside leave ``keep`` (in place), counted by code. A
    kept row with a code the table lacks raises an error naming the column, the row and the
    code, with the ``codes=`` entry that maps it (or, with ``unknown="set_aside"``, is left
    out and counted).
    """
    series = frame[name]
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    keys = [code_key(v) for v in uniques]
    entries: list[Code | None] = []
    for key in keys:
        if prefix is not None and key not in table:
            key = key[:prefix]
        entries.append(table.get(key))
    entries.append(None)  # code -1, a missing value, reads this one
    codes = np.asarray(codes, dtype=np.int64)
    missing = np.array([e is None for e in entries])
    bad = keep & missing[codes]
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        found: str | None = keys[codes[pos]] if codes[pos] >= 0 else None
        if unknown == "raise":
            what = f"unknown {name} code {found!r}" if found is not None else f"missing {name}"
            raise InputError(
                f"{what}: not in yibao's {list_name or name} table (nhsa.toml). Provinces extend "
                f"the lists: map it with codes={{'{list_name or name}': "
                f"{{'{found or 'CODE'}': {example}}}}} "
                "(or 'set_aside' to leave such rows out)",
                column=name,
                row=series.index[pos],
                position=pos,
            )
        for c in np.unique(codes[bad]):
            label = keys[c] if c >= 0 else "missing"
            report.add(name, f"{name} {label}: not listed", int((codes[bad] == c).sum()))
        keep &= ~bad
    for c, entry in enumerate(entries[:-1]):
        if entry is not None and entry.value == SET_ASIDE:
            hit = keep & (codes == c)
            report.add(name, f"{name} {keys[c]} {entry.label}: {entry.reason}", int(hit.sum()))
            keep &= ~hit
    return _Mapped(codes, [e.value if e is not None else None for e in entries])


def _amounts(frame: pd.DataFrame, name: str, rows: np.ndarray) -> np.ndarray:
    """int64 fen of ``rows``: the whole column converted at once (no gather of decimals),
    unless a row that was set aside holds a bad amount; then only the kept rows, so an error
    names a kept row."""
    try:
        return np.asarray(to_fen(frame[name], name)[rows])
    except InputError:
        return to_fen(frame[name].iloc[rows], name)


def _times(frame: pd.DataFrame, name: str, rows: np.ndarray) -> np.ndarray:
    """datetime64[ns] of ``rows``; an unreadable or missing time names the row."""
    series = frame[name].iloc[rows]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        parsed = series
    else:
        parsed = pd.to_datetime(series, errors="coerce", format="ISO8601")
    values = np.asarray(parsed.to_numpy(dtype="datetime64[ns]"))
    bad = np.isnat(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{'missing' if pd.isna(series.iloc[pos]) else 'unreadable'} time "
            f"{series.iloc[pos]!r} (ISO 8601 expected, e.g. 2024-03-01 10:22:33)",
            column=name,
            row=series.index[pos],
            position=int(rows[pos]),
        )
    return values


def _net_reversals(
    frame: pd.DataFrame,
    rows: np.ndarray,
    fen: dict[str, np.ndarray],
    settled: np.ndarray,
    reversal: np.ndarray,
    report: _Report,
) -> np.ndarray:
    """Net each reversal against the settlement it reverses; the surviving rows' positions
    (into ``rows``). ``fen`` is netted in place."""
    if not reversal.any():
        return np.arange(len(rows))
    if "init_setl_id" in frame.columns and "setl_id" in frame.columns:
        rev_field, orig_field = "init_setl_id", "setl_id"
    elif "mdtrt_id" in frame.columns:
        rev_field = orig_field = "mdtrt_id"
    else:
        pos = int(np.flatnonzero(reversal)[0])
        raise InputError(
            "a reversal row cannot be netted: the extract needs init_setl_id and setl_id, or "
            "mdtrt_id, to find the settlement it reverses",
            column="refd_setl_flag",
            row=frame.index[rows[pos]],
            position=int(rows[pos]),
        )
    by = rev_field
    # Only settlements whose key some reversal names are candidates: found with a vectorized
    # isin, so that Python touches the few reversals and their settlements, never every row.
    rev = np.flatnonzero(reversal)
    wanted = frame[rev_field].iloc[rows[rev]].dropna().unique()
    named = frame[orig_field].iloc[rows].isin(wanted).to_numpy(dtype=bool)
    candidates = np.flatnonzero(named & ~reversal)
    both = np.concatenate([rev, candidates])
    person = np.empty(len(rows), dtype=object)
    person[both] = frame["psn_no"].iloc[rows[both]].to_numpy(dtype=object)
    key_rev = np.empty(len(rows), dtype=object)
    key_rev[rev] = frame[rev_field].iloc[rows[rev]].to_numpy(dtype=object)
    key_orig = np.empty(len(rows), dtype=object)
    key_orig[candidates] = frame[orig_field].iloc[rows[candidates]].to_numpy(dtype=object)
    open_settlements: dict[tuple[Any, Any], list[int]] = {}
    for i in candidates[np.argsort(settled[candidates], kind="stable")]:
        open_settlements.setdefault((person[i], key_orig[i]), []).append(int(i))
    drop = np.zeros(len(rows), dtype=bool)
    drop[rev] = True
    touched: set[int] = set()
    orphans = 0
    for r in rev[np.argsort(settled[rev], kind="stable")]:
        # The latest settlement of that key settled no later than the reversal.
        stack = open_settlements.get((person[r], key_rev[r]), [])
        earlier = [i for i in stack if settled[i] <= settled[r]]
        if not earlier:
            orphans += 1
            continue
        target = earlier[-1]
        for values in fen.values():
            values[target] += values[r]
        touched.add(target)
        if fen["eligible"][target] == 0 and all(v[target] == 0 for v in fen.values()):
            stack.remove(target)
    netted = np.fromiter(touched, dtype=np.int64, count=len(touched))
    zero = np.ones(len(netted), dtype=bool)
    for name, values in fen.items():
        part = values[netted]
        if (part < 0).any():
            i = int(netted[np.flatnonzero(part < 0)[0]])
            raise InputError(
                f"the reversals of this settlement exceed it: netted amount {part.min()} fen",
                column=name,
                row=frame.index[rows[i]],
                position=int(rows[i]),
            )
        zero &= part == 0
    drop[netted[zero]] = True
    report.add("reversal", f"reversal of a settlement not in the extract (by {by})", orphans)
    report.add("reversal", f"reversal netted against its settlement (by {by})", len(rev) - orphans)
    report.add("reversal", "settlement cancelled by its reversal (nets to zero)", int(zero.sum()))
    report.add(
        "reversal",
        "settlement partly reversed: kept, with the netted amounts (not set aside)",
        int((~zero).sum()),
    )
    return np.flatnonzero(~drop)


def read_extract(
    extract: pd.DataFrame,
    *,
    year_by: YearBy = "settlement",
    region: str | None = None,
    home: str | None = None,
    level_from: LevelFrom = "hosp_lv",
    codes: Mapping[str, Mapping[Any, Any]] | None = None,
    unknown_codes: Literal["raise", "set_aside"] = "raise",
) -> Extract:
    """Read a settlement extract (NHSA field names and codes) into yibao's claims, in replay order.

    Parameters
    ----------
    extract
        One row per settlement (2207 ``setlinfo``, 5203, or ``setl_d``). Required fields:
        ``psn_no``, ``setl_time``, ``insutype``, ``psn_type``, ``med_type``, the level field
        (``level_from``), ``inscp_scp_amt``, ``hifp_pay`` and ``act_pay_dedc``; ``begndate``
        when ``year_by="service"``. Optional: ``vali_flag``, ``refd_setl_flag``, ``setl_id``,
        ``init_setl_id``, ``mdtrt_id``, ``fixmedins_code`` (needed by per-visit rules),
        ``insu_admdvs``, ``medfee_sumamt``, ``pool_prop_selfpay``, ``hifob_pay``,
        ``acct_pay``, ``psn_cash_pay``, ``fund_pay_sumamt``, ``psn_part_amt``, and
        ``prescriber_hosp_lv`` (not a settlement field: see :data:`PRESCRIBER_FIELD`).
        The caller's frame is not modified.
    year_by
        ``"settlement"`` (default): ``date`` is the settlement date, so the accumulation year
        and the replay order are the platform's, which accumulates in settlement order.
        ``"service"``: ``date`` is ``begndate`` (rows of one day still in settlement order).
    region
        The policy's region key: rows whose ``insu_admdvs`` lies outside it are set aside
        (prefixes in ``nhsa.toml``). Ignored when the extract has no ``insu_admdvs``.
    home
        The insured region's ``insu_admdvs`` prefix, instead of ``region`` (``""`` keeps all).
    level_from
        ``"hosp_lv"`` (default) or ``"dedc_hosp_lv"`` (5203: the level used for the
        deductible; it has its own code list).
    codes
        Additions to the code lists, e.g. ``{"med_type": {"9903": "general"}}``; a value of
        ``"set_aside"`` leaves such rows out (counted).
    unknown_codes
        ``"raise"`` (default): a code not in the lists is an error naming it. ``"set_aside"``:
        such rows are left out and counted by code.

    Returns
    -------
    Extract

    Examples
    --------
    >>> import yibao
    >>> raw, planted = yibao.nhsa.synthetic_extract(200, seed=1, plant=False)
    >>> ext = yibao.nhsa.read_extract(raw, region="chongqing")
    >>> list(ext.claims.columns[:7])
    ['member_id', 'member_code', 'date', 'level', 'eligible', 'status', 'service']
    >>> sorted(ext.set_aside["step"].unique())
    ['insu_admdvs', 'insutype', 'med_type', 'reversal', 'vali_flag']
    """
    if year_by not in ("settlement", "service"):
        raise ValueError(f"year_by must be 'settlement' or 'service', got {year_by!r}")
    if level_from not in ("hosp_lv", "dedc_hosp_lv"):
        raise ValueError(f"level_from must be 'hosp_lv' or 'dedc_hosp_lv', got {level_from!r}")
    required: tuple[str, ...] = (*_REQUIRED, level_from, *_OBSERVED_REQUIRED)
    required += ("begndate",) if year_by == "service" else ()
    absent = [c for c in required if c not in extract.columns]
    if absent:
        raise InputError(
            f"the extract lacks the field(s) {', '.join(absent)} (NHSA names; see "
            "docs/backtest.md for what an extract must hold)",
            column=absent[0],
        )
    tables = _tables(codes)
    report = _Report()
    n = len(extract)
    keep = np.ones(n, dtype=bool)
    if "vali_flag" in extract.columns:
        _map(extract, "vali_flag", tables["vali_flag"], keep, report, example="'keep'")
    _map(
        extract,
        "insutype",
        tables["insutype"],
        keep,
        report,
        example="'keep'",
        unknown="set_aside",
    )
    if "insu_admdvs" in extract.columns:
        if home is None:
            entry = tables["region_admdvs"].get(region or "")
            if entry is None:
                raise InputError(
                    f"the extract has insu_admdvs but the insured region of {region!r} is not "
                    "known: pass home='50' (its admdvs prefix) or home='' to keep every row",
                    column="insu_admdvs",
                )
            home = str(entry.value)
        admdvs = extract["insu_admdvs"].astype("string").str.strip()
        elsewhere = keep & ~admdvs.str.startswith(home).fillna(False).to_numpy(dtype=bool)
        report.add(
            "insu_admdvs", f"insured outside {home or 'any'}* (out of region)", int(elsewhere.sum())
        )
        keep &= ~elsewhere
    refd = np.zeros(n, dtype=bool)
    if "refd_setl_flag" in extract.columns:
        flag = _map(
            extract,
            "refd_setl_flag",
            tables["refd_setl_flag"],
            keep,
            report,
            example="'settlement'",
        )
        refd = flag.equals(slice(None), "reversal")

    rows = np.flatnonzero(keep)
    fen: dict[str, np.ndarray] = {}
    for name in _MONEY:
        if name in extract.columns:
            fen[FIELDS[name].yibao] = _amounts(extract, name, rows)
    settled = _times(extract, "setl_time", rows)
    negative = (fen["eligible"] < 0) | (fen["observed_fund_paid"] < 0)
    if "total" in fen:
        negative |= fen["total"] < 0
    reversal = refd[rows] | negative
    survivors = _net_reversals(extract, rows, fen, settled.view(np.int64), reversal, report)
    rows, settled = rows[survivors], settled[survivors]
    fen = {k: v[survivors] for k, v in fen.items()}

    # Codes of the rows that remain (unknown codes of netted-away rows do not matter).
    keep = np.zeros(n, dtype=bool)
    keep[rows] = True
    status = _map(
        extract,
        "psn_type",
        tables["psn_type"],
        keep,
        report,
        prefix=2,
        example="'in_service'",
        unknown=unknown_codes,
    )
    service = _map(
        extract,
        "med_type",
        tables["med_type"],
        keep,
        report,
        example="'general'",
        unknown=unknown_codes,
    )
    level = _map(
        extract, level_from, tables[level_from], keep, report, example="1", unknown=unknown_codes
    )
    still = keep[rows]
    rows, settled = rows[still], settled[still]
    fen = {k: v[still] for k, v in fen.items()}

    order = np.argsort(settled.view(np.int64), kind="stable")  # replay: settlement order
    rows, settled = rows[order], settled[order]
    fen = {k: v[order] for k, v in fen.items()}
    index = extract.index[rows]
    out: dict[str, Any] = {"member_id": extract["psn_no"].iloc[rows].array}
    # One dense integer per person, so that grouping by person never hashes the text ids again.
    out["member_code"] = pd.factorize(out["member_id"])[0].astype(np.int64)
    service_date = _times(extract, "begndate", rows) if "begndate" in extract.columns else None
    day = settled if year_by == "settlement" else service_date
    assert day is not None
    out["date"] = day.astype("datetime64[D]").astype("datetime64[ns]")
    out["level"] = level.integers(rows)
    out["eligible"] = fen_to_money(fen["eligible"], column="inscp_scp_amt", index=index)
    out["status"] = status.categorical(rows)
    out["service"] = service.categorical(rows)
    if "tier" in extract.columns:  # not a settlement field: enrolment data merged in
        out["tier"] = extract["tier"].iloc[rows].array
    if "fixmedins_code" in extract.columns:
        out["institution_id"] = extract["fixmedins_code"].iloc[rows].array
    if PRESCRIBER_FIELD in extract.columns:
        # Not a settlement field (e-prescription data): missing on rows that have no prescriber.
        present = np.zeros(n, dtype=bool)
        present[rows] = extract[PRESCRIBER_FIELD].iloc[rows].notna().to_numpy(dtype=bool)
        prescriber = _map(
            extract,
            PRESCRIBER_FIELD,
            tables["hosp_lv"],
            present,
            report,
            example="1",
            list_name="hosp_lv",
        ).integers(rows)
        out["prescriber_level"] = pd.array(prescriber, dtype="Int8")
        out["prescriber_level"][~present[rows]] = pd.NA
    if "total" in fen:
        out["total"] = fen_to_money(fen["total"], column="medfee_sumamt", index=index)
    for name, values in fen.items():
        if name.startswith("observed_"):
            out[name] = fen_to_money(values, column=name, index=index)
    if "pool_prop_selfpay" in extract.columns:
        out["observed_rate"] = extract["pool_prop_selfpay"].iloc[rows].array
    out["settled_at"] = settled
    if service_date is not None:
        out["service_date"] = service_date
    out["med_type"] = extract["med_type"].iloc[rows].array
    for name in ("setl_id", "mdtrt_id"):
        if name in extract.columns:
            out[name] = extract[name].iloc[rows].array
    claims = pd.DataFrame(out, index=index)
    observed = {k: v for k, v in fen.items() if k.startswith("observed_")}
    return Extract(claims, report.frame(), year_by, observed)
