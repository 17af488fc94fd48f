"""Issue 20, break 8: unclear errors at the entry of ``adjudicate``.

Each case used to give a bare ``TypeError``/``AttributeError``, an error without the row,
or a silently wrong number; each is now a clear error naming the column and the row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

import yibao
from yibao.adjudicate import OUTPUT_COLUMNS
from yibao.errors import InputError


def _claims(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {
        "member_id": [1, 1, 2],
        "date": ["2024-03-01", "2024-03-02", "2024-03-02"],
        "level": [1, 2, 1],
        "eligible": [Decimal("100.00"), Decimal("250.00"), Decimal("80.00")],
        "status": ["in_service", "in_service", "retired"],
    }
    base.update(columns)
    return pd.DataFrame(base, index=["c-a", "c-b", "c-c"])


def test_signalling_nan_member_id_names_the_row() -> None:
    claims = _claims(member_id=[Decimal(1), Decimal("sNaN"), Decimal(2)])
    with pytest.raises(InputError, match="sNaN") as err:
        yibao.adjudicate(claims, "jining")
    assert (err.value.column, err.value.row) == ("member_id", "c-b")


def test_multiindex_columns_are_refused_clearly() -> None:
    claims = _claims()
    claims.columns = pd.MultiIndex.from_tuples([(c, "") for c in claims.columns])
    with pytest.raises(InputError, match="MultiIndex"):
        yibao.adjudicate(claims, "jining")


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_missing_arrow_timestamp_names_the_row(unit: str) -> None:
    dates = pd.Series(pd.to_datetime(["2024-03-01", None, "2024-03-02"]))
    claims = _claims()
    claims["date"] = pd.Series(
        dates.astype(f"timestamp[{unit}][pyarrow]").array, index=claims.index
    )
    with pytest.raises(InputError, match="missing date") as err:
        yibao.adjudicate(claims, "jining")
    assert (err.value.column, err.value.row) == ("date", "c-b")


def test_arrow_timestamps_give_the_datetime64_result() -> None:
    claims = _claims(date=pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-02"]))
    arrow = claims.assign(date=claims["date"].astype("timestamp[us][pyarrow]"))
    want = yibao.adjudicate(claims, "jining")
    got = yibao.adjudicate(arrow, "jining")
    assert got["fund_paid"].tolist() == want["fund_paid"].tolist()


@pytest.mark.parametrize(
    "eligible",
    [[100.0, float("nan"), 80.0], [100.0, 1e30, 80.0], [100.0, 2.001, 80.0]],
    ids=["nan", "overflow", "sub-fen"],
)
def test_amount_errors_under_duplicate_labels_give_the_position(eligible: list[float]) -> None:
    claims = _claims(eligible=eligible)
    claims.index = ["dup", "dup", "other"]
    with pytest.raises(InputError) as err:
        yibao.adjudicate(claims, "jining")
    assert err.value.position == 1
    assert "position 1" in str(err.value)


@pytest.mark.parametrize("threads", [1.5, "4", True, 2.0])
def test_threads_must_be_a_whole_number(threads: Any) -> None:
    with pytest.raises(TypeError, match="threads"):
        yibao.adjudicate(_claims(), "jining", threads=threads)


def test_threads_accepts_numpy_integers() -> None:
    import numpy as np

    got = yibao.adjudicate(_claims(), "jining", threads=np.int64(2))
    assert len(got) == 3


@pytest.mark.parametrize("column", ["level", "prescriber_level"])
def test_complex_levels_are_refused(column: str) -> None:
    claims = _claims(**{column: [1, 1 + 2j, 1]})
    with pytest.raises(InputError, match="levels must be integers") as err:
        yibao.adjudicate(claims, "jining")
    assert err.value.column == column


@pytest.mark.parametrize("name", OUTPUT_COLUMNS)
def test_input_columns_named_like_outputs_are_refused(name: str) -> None:
    claims = _claims(**{name: [1, 2, 3]})
    with pytest.raises(InputError, match="rename") as err:
        yibao.adjudicate(claims, "jining")
    assert err.value.column == name


@pytest.mark.parametrize("number", [20240302, 20240302.0, Decimal(20240302)])
def test_a_number_among_date_text_is_refused(number: Any) -> None:
    # It was read as YYYYMMDD (with a pandas deprecation warning) while a column of only
    # numbers was refused.
    claims = _claims(date=["2024-03-01", number, "2024-03-02"])
    with pytest.raises(InputError, match="not numbers") as err:
        yibao.adjudicate(claims, "jining")
    assert (err.value.column, err.value.row) == ("date", "c-b")
