"""Personal-account outflows other than claims: premiums the texts let the account pay.

Besides medical costs, the texts let the personal account pay some premiums, for the member
or the family, and forbid other uses (issue 16 item 4):

- 重庆 第十条第二款: 城乡居民基本医疗保险 and 长期护理保险 contributions of the member, spouse,
  parents and children; 第十条第三款 forbids 公共卫生费用、体育健身、养生保健消费;
- 伊犁 第七条(二): the member's own 职工大额医疗费用补助 and 长期护理保险, the family's 城乡居民
  基本医疗保险 and 长期护理保险; 第九条 forbids the same three uses;
- 内政办发〔2021〕82号 三: the family's 居民医保, 职工大额医疗费用补助 and 长期护理保险; the same
  three uses forbidden;
- 南昌 起草说明 四(三)2: commercial supplementary medical insurance registered with the city
  bureau, for the member and the family (the six forbidden uses are not listed);
- 济宁: the notice gives no account use beyond claims, so every outflow is refused.

Each region's allowed and forbidden purposes are data: the ``[outflows]`` table of its policy
file, each with its article. :func:`account_outflows` checks dated events against it and
refuses, naming the row and the article, a purpose the text forbids, one it does not allow,
or a relation the purpose is not allowed for. :func:`yibao.ledger` (``outflows=``) then pays
them from the account, in date order with the claims, up to the balance (the rest is paid in
cash, as for claims).

>>> import pandas as pd
>>> events = pd.DataFrame({"member_id": [1], "date": ["2024-03-01"], "amount": [380],
...                        "purpose": ["resident_insurance"], "beneficiary": ["child"]})
>>> account_outflows(events, "chongqing").frame["amount"].tolist()
[38000]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._money import Rounding, Unit, fen_to_money, to_fen
from .errors import InputError, PolicyError
from .policy import Policy, load_policy

__all__ = ["PURPOSES", "RELATIONS", "Outflows", "account_outflows", "ledger_with_outflows"]

#: Purposes of a non-claim outflow, with the texts' words.
PURPOSES: dict[str, str] = {
    "resident_insurance": "城乡居民基本医疗保险 (居民医保) contribution",
    "long_term_care": "长期护理保险 contribution",
    "supplementary": "职工大额医疗费用补助 (大额) contribution",
    "commercial": "商业补充医疗保险 registered with the medical-security bureau",
    "public_health": "公共卫生费用",
    "fitness": "体育健身",
    "wellness": "养生保健消费",
}
Money = Literal["decimal", "float", "fen"]

#: Whom an outflow is for: the account holder (本人) or the family (配偶、父母、子女).
RELATIONS = ("self", "spouse", "parent", "child")


@dataclass(frozen=True)
class Outflows:
    """Checked outflow events of one region, ready for :func:`yibao.ledger`.

    ``frame`` keeps the caller's index and has ``member_id`` (the paying account),
    ``date`` (datetime64), ``amount`` (int64 fen), ``purpose``, ``beneficiary`` and
    ``source`` (the article that allows the purpose).
    """

    region: str
    frame: pd.DataFrame


def _rules(policy: Policy) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(allowed, forbidden) of the policy's ``[outflows]`` table; empty when it has none."""
    # The [outflows] table travels with the policy's metadata (policy.py _META_KEYS).
    table = policy._meta.get("outflows", {})
    allowed, forbidden = table.get("allowed", {}), table.get("forbidden", {})
    for kind, node in (("allowed", allowed), ("forbidden", forbidden)):
        for purpose, rule in node.items():
            if purpose not in PURPOSES:
                raise PolicyError(
                    f"{policy.origin}: outflows.{kind}.{purpose} is not a purpose; known: "
                    f"{', '.join(PURPOSES)}"
                )
            relations = rule.get("for", []) if kind == "allowed" else []
            if not set(relations) <= set(RELATIONS):
                raise PolicyError(
                    f"{policy.origin}: outflows.allowed.{purpose}.for must list {RELATIONS}"
                )
    return allowed, forbidden


def _fail(message: str, column: str, series: pd.Series, mask: np.ndarray) -> InputError:
    pos = int(np.flatnonzero(mask)[0])
    return InputError(
        f"{message} (value {series.iloc[pos]!r})",
        column=column,
        row=series.index[pos],
        position=pos,
    )


def account_outflows(
    events: pd.DataFrame,
    policy: str | Policy,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
) -> Outflows:
    """Check dated account outflows against the region's text.

    Parameters
    ----------
    events
        One row per outflow: ``member_id`` (the account that pays), ``date``, ``amount``
        (yuan, exact; ``unit="fen"`` for integer fen), ``purpose`` (a key of
        :data:`PURPOSES`) and optionally ``beneficiary`` (one of :data:`RELATIONS`;
        default ``"self"``). The frame is not modified.
    policy
        A region key or a :class:`~yibao.policy.Policy` whose file has an ``[outflows]``
        table.

    Returns
    -------
    Outflows
        The checked events, for ``yibao.ledger(..., outflows=...)``.

    Raises
    ------
    InputError
        Naming the column, the row and the article: a purpose the text forbids (公共卫生、
        体育健身、养生保健), a purpose it does not allow, a beneficiary the purpose is not
        allowed for, a missing id, an unreadable date, a negative or inexact amount.

    Examples
    --------
    >>> import pandas as pd
    >>> gym = pd.DataFrame({"member_id": [1], "date": ["2024-03-01"], "amount": [99],
    ...                     "purpose": ["fitness"]})
    >>> account_outflows(gym, "ili")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    yibao.errors.InputError: column 'purpose', row 0: fitness (体育健身) is forbidden by 伊犁 ...
    """
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    allowed, forbidden = _rules(pol)
    for column in ("member_id", "date", "amount", "purpose"):
        if column not in events.columns:
            raise InputError(
                f"outflows need {column} (have: {list(events.columns)})", column=column
            )
    ids = events["member_id"]
    if ids.isna().any():
        raise _fail("missing member_id", "member_id", ids, ids.isna().to_numpy())
    dates = pd.to_datetime(events["date"], errors="coerce")
    if dates.isna().any():
        raise _fail("missing or unreadable date", "date", events["date"], dates.isna().to_numpy())
    amount = to_fen(events["amount"], "amount", rounding=rounding, unit=unit)
    if (amount < 0).any():
        raise _fail("an outflow amount is negative", "amount", events["amount"], amount < 0)
    purpose = events["purpose"].astype(object)
    beneficiary = (
        events["beneficiary"].astype(object).where(events["beneficiary"].notna(), "self")
        if "beneficiary" in events.columns
        else pd.Series("self", index=events.index, dtype=object)
    )
    unknown = ~purpose.isin(list(PURPOSES)).to_numpy()
    if unknown.any():
        raise _fail(f"unknown purpose; known: {', '.join(PURPOSES)}", "purpose", purpose, unknown)
    unknown = ~beneficiary.isin(list(RELATIONS)).to_numpy()
    if unknown.any():
        raise _fail(f"beneficiary must be one of {RELATIONS}", "beneficiary", beneficiary, unknown)
    sources = []
    for pos, (what, whom) in enumerate(zip(purpose, beneficiary, strict=True)):
        where = dict(column="purpose", row=events.index[pos], position=pos)
        if what in forbidden:
            raise InputError(
                f"{what} ({PURPOSES[what]}) is forbidden by {forbidden[what]['source']}", **where
            )
        if what not in allowed:
            uses = ", ".join(allowed) or "none beyond claims"
            raise InputError(
                f"{what} ({PURPOSES[what]}) is not among the account uses the {pol.region} text "
                f"allows ({uses})",
                **where,
            )
        if whom not in allowed[what].get("for", []):
            raise InputError(
                f"{what} for the member's {whom} is not allowed: {allowed[what]['source']} "
                f"allows it for {', '.join(allowed[what]['for'])}",
                column="beneficiary",
                row=events.index[pos],
                position=pos,
            )
        sources.append(str(allowed[what]["source"]))
    frame = pd.DataFrame(
        {
            "member_id": ids.to_numpy(),
            "date": dates.to_numpy(dtype="datetime64[ns]"),
            "amount": amount,
            "purpose": purpose.to_numpy(),
            "beneficiary": beneficiary.to_numpy(),
            "source": sources,
        },
        index=events.index,
    )
    return Outflows(pol.region, frame)


def ledger_with_outflows(
    adjudicated: pd.DataFrame,
    credits: pd.DataFrame,
    outflows: Outflows,
    opening: Any = None,
    *,
    rounding: Rounding | None = None,
    unit: Unit = "yuan",
    money: Money = "decimal",
    **options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`yibao.ledger` with outflows: (the claims' result, the outflows' result).

    Each outflow is paid from its account like a claim row of its date (up to the balance,
    the rest in cash); the outflows' frame gets ``account_paid``, ``cash_paid`` and
    ``account_balance`` too. ``options`` are the ledger's other keywords.

    Examples
    --------
    >>> import pandas as pd
    >>> claims = pd.DataFrame({"member_id": [1], "date": ["2024-05-01"], "self_pay": [50]})
    >>> credits = pd.DataFrame({"member_id": [1], "month": ["2024-03"], "credit": [100]})
    >>> events = pd.DataFrame({"member_id": [1], "date": ["2024-04-01"], "amount": [80],
    ...                        "purpose": ["long_term_care"]})
    >>> paid, fees = ledger_with_outflows(claims, credits, account_outflows(events, "ili"))
    >>> [str(fees["account_paid"][0]), str(paid["account_paid"][0]), str(paid["cash_paid"][0])]
    ['80.00', '20.00', '30.00']
    """
    from .ledger import ledger

    if not isinstance(outflows, Outflows):
        raise TypeError(
            "outflows must be checked first: yibao.outflows.account_outflows(events, policy)"
        )
    if not {"member_id", "date", "self_pay"} <= set(adjudicated.columns) or (
        "credit" not in credits.columns
    ):
        return ledger(adjudicated, credits, opening, **options), outflows.frame  # raises
    dates = pd.to_datetime(adjudicated["date"], errors="coerce")
    if dates.isna().any():
        raise _fail(
            "missing or unreadable date", "date", adjudicated["date"], dates.isna().to_numpy()
        )
    n = len(adjudicated)
    events = outflows.frame
    work: dict[str, Any] = {
        "member_id": np.concatenate([adjudicated["member_id"].to_numpy(dtype=object),
                                     events["member_id"].to_numpy(dtype=object)]),
        "date": np.concatenate([dates.to_numpy(dtype="datetime64[ns]"),
                                events["date"].to_numpy(dtype="datetime64[ns]")]),
        "self_pay": np.concatenate([to_fen(adjudicated["self_pay"], "self_pay",
                                           rounding=rounding, unit=unit),
                                    events["amount"].to_numpy(dtype=np.int64)]),
    }  # fmt: skip
    if "payer_id" in adjudicated.columns:
        payer = adjudicated["payer_id"].to_numpy(dtype=object)
        work["payer_id"] = np.concatenate([payer, events["member_id"].to_numpy(dtype=object)])
    zeros = np.zeros(len(events), dtype=np.int64)  # an outflow has no policy range
    for column in ("eligible", "total"):
        if column in adjudicated.columns:
            fen = to_fen(adjudicated[column], column, rounding=rounding, unit=unit)
            work[column] = np.concatenate([fen, zeros])
    index = adjudicated.index.append(events.index)
    credit_fen = credits.assign(
        credit=to_fen(credits["credit"], "credit", rounding=rounding, unit=unit)
    )
    opening_fen = opening
    if opening is not None:
        from .ledger import _opening_table

        ids, fen = _opening_table(opening, rounding, unit)
        opening_fen = pd.Series(fen, index=pd.Index(ids))
    out = ledger(
        pd.DataFrame(work, index=index), credit_fen, opening_fen, unit="fen", money="fen",
        **options,
    )  # fmt: skip
    columns = ("account_paid", "cash_paid", "account_balance")
    claims = adjudicated.copy(deep=False)
    paid = events.copy()
    for name in columns:
        fen = out[name].to_numpy(dtype=np.int64)
        claims[name] = pd.Series(fen_to_money(fen[:n], money), index=adjudicated.index)
        paid[name] = pd.Series(fen_to_money(fen[n:], money), index=events.index)
    return claims, paid
