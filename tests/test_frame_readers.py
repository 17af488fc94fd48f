"""The column readers of the one-pass route (``yibao._frame``, ``cpp/src/readers.hpp``): every
frame shape of the dtype matrix (``benchmarks/dtypes.py``) takes the one pass, sorted and
unsorted, and gives byte-identical results to the general path (the reference); bad values
in each shape give the general path's error.
Run: ``python -m pytest tests/test_frame_readers.py -q``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

yibao = pytest.importorskip("yibao")

from test_frame_path import DECIMAL, fast, frame_for, general  # noqa: E402
from yibao import _frame  # noqa: E402

N: Final = 40_000
LABELS: Final = ("status", "service", "tier")


def _labels(dtype: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(claims: pd.DataFrame) -> pd.DataFrame:
        for column in LABELS:
            claims[column] = claims[column].astype(dtype)
        return claims

    return change


def _column(column: str, change: Callable[[pd.Series], Any]) -> Callable[[pd.DataFrame], Any]:
    def apply(claims: pd.DataFrame) -> pd.DataFrame:
        claims[column] = change(claims[column])
        return claims

    return apply


def _decimals(series: pd.Series) -> pd.Series:
    return series.map(lambda v: Decimal(repr(v)))


def _pyarrow_backend(claims: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.array(pa.array(claims[c]), dtype=pd.ArrowDtype(pa.array(claims[c]).type))
            for c in claims.columns
        },
        index=claims.index,
    )


SHAPES: Final[dict[str, Callable[[pd.DataFrame], Any]]] = {
    "object_strings": _labels("object"),
    "categorical": _labels("category"),
    "arrow_string": lambda c: _labels("string[pyarrow]")(c),
    "decimal_objects": _column("eligible", _decimals),
    "arrow_decimal": _column(
        "eligible", lambda s: _decimals(s).astype(pd.ArrowDtype(pa.decimal128(18, 2)))
    ),
    "arrow_decimal_scale_4": _column(
        "eligible", lambda s: _decimals(s).astype(pd.ArrowDtype(pa.decimal128(20, 4)))
    ),
    "int64_levels": _column("level", lambda s: s.astype("int64")),
    "uint16_levels": _column("level", lambda s: s.astype("uint16")),
    "float_prescriber": _column("prescriber_level", lambda s: s.astype("float64")),
    "nullable_levels": lambda c: _column("prescriber_level", lambda s: s.astype("Int64"))(
        _column("level", lambda s: s.astype("Int8"))(c)
    ),
    "datetime_s": _column("date", lambda s: s.astype("datetime64[s]")),
    "datetime_us": _column("date", lambda s: s.astype("datetime64[us]")),
    "date_objects": _column("date", lambda s: pd.Series(s.dt.date, dtype=object)),
    "iso_text_dates": _column("date", lambda s: s.dt.strftime("%Y-%m-%d")),
    "iso_text_objects": _column("date", lambda s: s.dt.strftime("%Y-%m-%d").astype(object)),
    "text_ids": _column("member_id", lambda s: s.astype("str")),
    "object_ids": _column("member_id", lambda s: s.astype(str).astype(object)),
    "int32_ids": _column("member_id", lambda s: s.astype("int32")),
    "pyarrow_backend": _pyarrow_backend,
}


def shaped(name: str, unsorted: bool) -> pd.DataFrame:
    claims = SHAPES[name](frame_for("chongqing", N))
    if unsorted:
        claims = claims.sample(frac=1.0, random_state=3)
    return claims


@pytest.mark.parametrize("unsorted", [False, True], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_shape_takes_the_one_pass(shape: str, unsorted: bool) -> None:
    claims = shaped(shape, unsorted)
    before = claims.copy()
    got = fast(claims, "chongqing", 2)
    assert got is not None, f"{shape} fell to the general path"
    reference = frame_for("chongqing", N)  # the same claims in today's best shape
    if unsorted:
        reference = reference.sample(frac=1.0, random_state=3)
    for name, column in general(reference, "chongqing", 1).items():
        np.testing.assert_array_equal(got[name], column, err_msg=name)
    pd.testing.assert_frame_equal(claims, before)  # the caller's frame is not modified


def test_integer_amounts_with_a_unit() -> None:
    claims = frame_for("chongqing", N)
    fen = np.rint(claims["eligible"].to_numpy() * 100).astype(np.int64)
    in_fen = claims.assign(eligible=fen)
    core = yibao.load_policy("chongqing").core
    got = _frame.adjudicate_frame(
        in_fen, core, rounding=None, threads=2, layout=DECIMAL, unit="fen"
    )
    assert got is not None
    for name, column in general(claims, "chongqing", 1).items():
        np.testing.assert_array_equal(got[name], column, err_msg=name)
    whole = claims.assign(eligible=fen // 100)  # whole yuan
    got = fast(whole, "chongqing", 2)
    assert got is not None
    want = general(whole, "chongqing", 1)
    np.testing.assert_array_equal(got["fund_paid"], want["fund_paid"])


def test_decimal_objects_the_reader_leaves_to_the_general_path() -> None:
    # More than two decimal places, NaN, a float among them, a subclass: the reader declines
    # and the general path rounds, words or converts them.
    read = _frame._read_decimal_objects
    assert _frame._DECIMAL_READER
    assert read(np.array([Decimal("1.001")], dtype=object)) is None
    assert read(np.array([Decimal("NaN")], dtype=object)) is None
    assert read(np.array([Decimal("1.5"), 1.5], dtype=object)) is None
    assert read(np.array([Decimal("1E+30")], dtype=object)) is None
    got = read(np.array([Decimal("-0.10"), Decimal("5E+1"), Decimal("7.000")], dtype=object))
    assert got is not None and got.tolist() == [-10, 5000, 700]
    claims = frame_for("chongqing", 2_000)
    claims["eligible"] = _decimals(claims["eligible"])
    claims.loc[claims.index[7], "eligible"] = Decimal("12.345")
    with pytest.raises(yibao.InputError, match="more than 2 decimal places"):
        yibao.adjudicate(claims, "chongqing")
    rounded = yibao.adjudicate(claims, "chongqing", rounding="half_up")
    assert rounded["eligible"].iloc[7] == Decimal("12.345")


BAD: Final = [
    ("categorical", "status", "pensioner"),
    ("object_strings", "tier", "gold"),
    ("int64_levels", "level", 7),
    ("nullable_levels", "level", None),
    ("decimal_objects", "eligible", Decimal("-0.01")),
    ("arrow_decimal", "eligible", Decimal("-5")),
    ("datetime_s", "date", pd.NaT),
    ("iso_text_dates", "date", "2024-02-30"),
    ("date_objects", "date", datetime.date(1990, 1, 1)),
    ("text_ids", "member_id", None),
]


@pytest.mark.parametrize(("shape", "column", "value"), BAD, ids=[f"{s}-{c}" for s, c, _ in BAD])
def test_bad_values_give_the_general_paths_error(shape: str, column: str, value: Any) -> None:
    claims = shaped(shape, False)
    at = N // 2 + 1
    values = claims[column].astype(object)
    values.iloc[at] = value
    dtype = claims[column].dtype
    try:
        claims[column] = values.astype(
            "category" if isinstance(dtype, pd.CategoricalDtype) else dtype
        )
    except (TypeError, ValueError, pa.ArrowInvalid, pa.ArrowTypeError):
        claims[column] = values
    assert fast(claims, "chongqing", 2) is None
    errors = (yibao.InputError, yibao.PolicyError)
    with pytest.raises(errors) as general_error:
        general(claims, "chongqing", 1)
    with pytest.raises(errors) as error:
        yibao.adjudicate(claims, "chongqing", threads=2)
    assert str(error.value) == str(general_error.value)
