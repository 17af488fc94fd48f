"""``yibao.account_credits``: monthly personal-account credits (个人账户计入, docs/design.md §7).

The members table in, one row per member and month out, computed by the C++ core
(``cpp/src/accounts.cpp``) under the account rules of the region's policy file
(``[[accounts]]``, see :mod:`yibao._accounts_policy`). Values the texts do not give
(average pensions, own contribution rates) are supplied with :func:`supply`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import _core
from ._accounts_policy import SUBSIDY, AccountRules, account_rules, month_index, month_of
from ._claims import _days, _ids
from ._money import Rounding, Unit, fen_to_money, to_fen
from ._schema import CREDIT_FLAG_CODES, CREDIT_SUFFIXES, MEMBER_DEFAULTS, TIER_CODES
from .errors import InputError, MissingParameterError, PolicyError

__all__ = ["AccountRules", "account_credits", "account_rules", "supply"]

Money = Literal["decimal", "float", "fen"]
_FLAG_SUFFIXES = CREDIT_SUFFIXES
_N_FLAG_CODES = CREDIT_FLAG_CODES
_DEFAULT_TIER = np.int8(TIER_CODES[MEMBER_DEFAULTS["tier"]])
_MONTH = pd.PeriodDtype("M")


def supply(policy: Any, changes: Mapping[str, Any], /, **kwargs: Any) -> AccountRules:
    """Account rules with values supplied: the dotted paths of :meth:`AccountRules.replace`.

    ``Policy.replace`` changes only the outpatient ``[[versions]]``; account values are
    supplied here::

        rules = yibao.accounts.supply("nanchang", {"retired.average_pension": 3140})
        yibao.account_credits(members, rules, start="2023-01", end="2023-12")
    """
    return account_rules(policy).replace(changes, **kwargs)


@dataclass
class MemberArrays:
    member_id: np.ndarray
    birth: np.ndarray
    retire: np.ndarray
    tier: np.ndarray
    base: np.ndarray
    has_base: np.ndarray
    pension: np.ndarray
    has_pension: np.ndarray
    index: pd.Index
    # 公务员医疗补助 (伊犁 第六条), fen per month; 0 where none.
    subsidy: np.ndarray | None = None


def _dates(members: pd.DataFrame, column: str, *, required: bool) -> np.ndarray:
    """A date column as int32 days since 1970-01-01 (missing → ``_core.no_day``), read by
    the package's one date reader (``_claims._days``, the rules of ``adjudicate``)."""
    days = _days(members[column], column, allow_missing=not required)
    days[days == np.iinfo(np.int32).min] = _core.no_day  # _days' missing marker
    return days


def _optional_money(
    members: pd.DataFrame, column: str, rounding: Rounding | None, unit: Unit
) -> tuple[np.ndarray, np.ndarray]:
    n = len(members)
    if column not in members.columns:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.uint8)
    series = members[column]
    present = series.notna().to_numpy()
    values = np.zeros(n, dtype=np.int64)
    if present.any():
        part = series[present]
        if part.dtype == object:
            part = pd.Series(list(part), index=part.index, dtype=object)
        values[present] = to_fen(part, column, rounding=rounding, unit=unit)
    negative = values < 0
    if negative.any():
        pos = int(np.flatnonzero(negative)[0])
        raise InputError(
            f"{column} {series.iloc[pos]} is negative",
            column=column,
            row=members.index[pos],
            position=pos,
        )
    return values, present.astype(np.uint8)


def member_arrays(
    members: pd.DataFrame, *, rounding: Rounding | None = None, unit: Unit = "yuan"
) -> MemberArrays:
    """Validate the members table (docs/design.md §3) and convert it to the core's columns."""
    if not isinstance(members, pd.DataFrame):
        raise TypeError(f"members must be a pandas DataFrame, got {type(members).__name__}")
    for column in ("member_id", "birth_date"):
        if column not in members.columns:
            raise InputError(
                f"required column is missing (have: {list(members.columns)})", column=column
            )
    index = members.index
    ids = members["member_id"]
    _ids(ids, "member_id")  # the package's one id rule: present, one kind of key
    dup = ids.duplicated().to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise InputError(
            f"duplicate member_id {ids.iloc[pos]!r}",
            column="member_id",
            row=index[pos],
            position=pos,
        )
    birth = _dates(members, "birth_date", required=True)
    retire = (
        _dates(members, "retire_date", required=False)
        if "retire_date" in members.columns
        else np.full(len(members), _core.no_day, dtype=np.int32)
    )
    early = (retire != _core.no_day) & (retire < birth)
    if early.any():
        pos = int(np.flatnonzero(early)[0])
        raise InputError(
            "retire_date is before birth_date", column="retire_date", row=index[pos], position=pos
        )
    if "tier" in members.columns:
        codes, uniques = pd.factorize(members["tier"], use_na_sentinel=True)
        lookup = np.empty(len(uniques), dtype=np.int8)
        for i, value in enumerate(uniques):
            key = value.strip() if isinstance(value, str) else value
            if key not in TIER_CODES:
                pos = int(np.flatnonzero(codes == i)[0])
                raise InputError(
                    f"unknown tier {value!r}; expected one of {sorted(TIER_CODES)}",
                    column="tier",
                    row=index[pos],
                    position=pos,
                )
            lookup[i] = TIER_CODES[key]
        # A missing tier is the default, 随单位 (employer), as when the column is absent.
        tier = np.where(
            codes < 0, _DEFAULT_TIER, lookup[np.maximum(codes, 0)] if len(lookup) else 0
        )
        tier = tier.astype(np.int8)
    else:
        tier = np.full(len(members), _DEFAULT_TIER, dtype=np.int8)
    base, has_base = _optional_money(members, "base", rounding, unit)
    pension, has_pension = _optional_money(members, "pension", rounding, unit)
    subsidy, _ = _optional_money(members, SUBSIDY, rounding, unit)
    return MemberArrays(
        ids.to_numpy(), birth, retire, tier, base, has_base, pension, has_pension, index, subsidy
    )


@dataclass
class RawCredits:
    """Member-major core outputs: entry i * n_months + k is member i in month first + k."""

    arrays: MemberArrays
    first: int
    n_months: int
    credit: np.ndarray
    label: np.ndarray
    flags: np.ndarray
    rules: AccountRules
    # Entries that include a civil-servant subsidy, and its rule label by month (or None).
    subsidised: np.ndarray | None = None
    subsidy_labels: list[str | None] | None = None


def raw_credits(
    members: pd.DataFrame | MemberArrays,
    policy: Any,
    first: int,
    last: int,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
) -> RawCredits:
    rules = account_rules(policy)
    arrays = (
        members
        if isinstance(members, MemberArrays)
        else member_arrays(members, rounding=rounding, unit=unit)
    )
    if last < first:
        raise ValueError(f"end {month_of(last)} is before start {month_of(first)}")
    try:
        out = _core.credit_accounts(
            rules.core,
            arrays.birth,
            arrays.retire,
            arrays.tier,
            arrays.base,
            arrays.has_base,
            arrays.pension,
            arrays.has_pension,
            first,
            last,
        )
    except (InputError, PolicyError) as exc:
        position = getattr(exc, "position", None)
        if position is None or not 0 <= position < len(arrays.index):
            raise
        label = arrays.index[position]
        if isinstance(exc, MissingParameterError):
            member = arrays.member_id[position]
            member = member.item() if isinstance(member, np.generic) else member
            err = MissingParameterError(f"member_id {member!r} (row {label!r}): {exc.args[0]}")
            err.column, err.row, err.position = exc.column, label, position
            raise err from None
        if isinstance(exc, InputError):
            raise exc.at_row(label) from None
        raise
    raw = RawCredits(
        arrays, first, last - first + 1, out["credit"], out["label"], out["flags"], rules
    )
    if arrays.subsidy is not None and arrays.subsidy.any():
        _add_subsidy(raw)
    return raw


def _add_subsidy(raw: RawCredits) -> None:
    """Credits each member's civil-servant subsidy (公务员医疗补助, 伊犁 第六条) on top of the
    formula, in the months whose ``[[accounts]]`` entry says the region credits it."""
    arrays, n_months = raw.arrays, raw.n_months
    assert arrays.subsidy is not None
    labels = [raw.rules.subsidy_label(raw.first + k) for k in range(n_months)]
    allowed = np.array([label is not None for label in labels])
    has = arrays.subsidy > 0
    refused = has & ~allowed.all()
    if refused.any():
        pos = int(np.flatnonzero(refused)[0])
        month = month_of(raw.first + int(np.flatnonzero(~allowed)[0]))
        raise InputError(
            f"{raw.rules.region}: the account rules in force in {month} credit no "
            f"civil-servant subsidy (公务员医疗补助; only a text that says so, e.g. 伊犁 第六条)",
            column=SUBSIDY,
            row=arrays.index[pos],
            position=pos,
        )
    amount = np.repeat(arrays.subsidy, n_months)
    headroom = np.iinfo(np.int64).max - amount
    if (raw.credit > headroom).any():
        pos = int(np.flatnonzero(raw.credit > headroom)[0]) // n_months
        raise InputError(
            "the credit plus the civil-servant subsidy leaves int64 fen",
            column=SUBSIDY,
            row=arrays.index[pos],
            position=pos,
        )
    raw.credit = raw.credit + amount
    raw.subsidised = amount > 0
    raw.subsidy_labels = labels


def _rule_column(rules: AccountRules, label: np.ndarray, flags: np.ndarray) -> pd.Categorical:
    names = rules.labels
    table = np.empty(len(names) * _N_FLAG_CODES, dtype=np.int32)
    categories: dict[str, int] = {}
    for i, name in enumerate(names):
        for code in range(_N_FLAG_CODES):
            text = name + "".join(suffix for bit, suffix in _FLAG_SUFFIXES if code & bit)
            table[i * _N_FLAG_CODES + code] = categories.setdefault(text, len(categories))
    codes = table[label.astype(np.int64) * _N_FLAG_CODES + flags]
    names = list(categories)
    used = np.flatnonzero(np.bincount(codes, minlength=len(names)))
    remap = np.full(len(names), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    return pd.Categorical.from_codes(remap[codes], categories=[names[i] for i in used])


def account_credits(
    members: pd.DataFrame,
    policy: Any,
    start: str,
    end: str,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    money: Money = "decimal",
) -> pd.DataFrame:
    """Monthly personal-account credits of every member, exactly to the fen.

    Parameters
    ----------
    members
        ``member_id`` (unique), ``birth_date``, and as needed ``retire_date`` (NaT while in
        service; credited as retired from the month after the retirement month),
        ``tier`` (``employer`` / ``individual_1`` / ``individual_2`` or 随单位/个人一档/个人二档;
        absent or missing = employer),
        ``base`` (monthly contribution base 缴费基数, yuan), ``pension`` (own monthly
        pension, yuan, for pre-reform rules) and ``civil_servant_subsidy`` (公务员医疗补助,
        monthly, yuan: credited on top where the region's text says so, 伊犁 第六条; an
        error elsewhere). A base or pension may be missing where no
        rule needs it.
    policy
        A region key, a policy file, a ``Policy``, or :class:`AccountRules` (e.g. from
        :func:`supply`, which fills in values such as an average pension).
    start, end
        The first and last month, ``"YYYY-MM"`` (inclusive). Each month is credited under
        the ``[[accounts]]`` entry in force on its first day; age is counted in full years
        on that day.
    money
        ``"decimal"`` (exact ``decimal128(18, 2)``), ``"float"`` or ``"fen"``.

    Returns
    -------
    pandas.DataFrame
        ``member_id``, ``month`` (monthly Period), ``credit`` and ``rule``, member by member
        in the members' order, months ascending.

    Examples
    --------
    >>> import pandas as pd, yibao
    >>> members = pd.DataFrame({"member_id": [1], "birth_date": ["1954-03-15"],
    ...                         "retire_date": ["2014-03-15"]})
    >>> yibao.account_credits(members, "chongqing", "2024-03", "2024-04")["credit"].tolist()
    [Decimal('105.00'), Decimal('115.00')]
    """
    first, last = month_index(start), month_index(end)
    raw = raw_credits(members, policy, first, last, rounding=rounding, unit=unit)
    n_months = raw.n_months
    months = pd.period_range(month_of(first), periods=n_months, freq="M")
    return pd.DataFrame(
        {
            "member_id": np.repeat(raw.arrays.member_id, n_months),
            "month": pd.arrays.PeriodArray(
                np.tile(months.asi8, len(raw.arrays.member_id)), dtype=_MONTH
            ),
            "credit": fen_to_money(raw.credit, money),
            "rule": _with_subsidy(_rule_column(raw.rules, raw.label, raw.flags), raw),
        }
    )


def _with_subsidy(rule: pd.Categorical, raw: RawCredits) -> pd.Categorical:
    """``rule`` with `` + <subsidy label>`` on the entries that include a subsidy."""
    if raw.subsidised is None or raw.subsidy_labels is None:
        return rule
    text = np.asarray(rule.astype(object))
    month = np.tile(np.arange(raw.n_months), len(raw.arrays.member_id))
    for k in np.flatnonzero(raw.subsidised):
        text[k] = f"{text[k]} + {raw.subsidy_labels[int(month[k])]}"
    return pd.Categorical(text, categories=list(dict.fromkeys(text)))
