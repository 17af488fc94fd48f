"""The column readers of the one route (``yibao._frame``, ``cpp/src/readers.hpp``).

* Every frame shape of the dtype matrix (``benchmarks/dtypes.py``), sorted and unsorted,
  gives byte-identical results to the same claims in the reference shape (int64 ids,
  datetime64[ns], int8 levels, float64 amounts, Arrow strings), which the differential tests
  check against the Decimal reference implementation.
* Unsorted rows with sparse ids and a members table take the same route.
* A bad value names its column, row and value with the words of the column's careful
  converter (``yibao._claims``), wherever it falls (first row, a block or thread boundary,
  the last row), sorted or not; the first column in the schema's order wins, and bad values
  come before the kernel's errors.
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

from yibao import _claims, _core, _frame  # noqa: E402

DECIMAL: Final = _core.MoneyLayout.decimal128
REGIONS: Final = ("chongqing", "jining", "nanchang", "ili")
YEAR: Final = {"chongqing": 2024, "jining": 2023, "nanchang": 2023, "ili": 2022}
N: Final = 40_000  # > 2 blocks of 16,384 rows, and > 2 threads' minimum share


def frame_for(region: str, n: int = 50_000, seed: int = 5) -> pd.DataFrame:
    """Sorted claims in the reference shape: int64 ids, datetime64[ns], int8 levels, float64
    amounts, Arrow strings, nullable Int8 prescriber levels."""
    rng = np.random.default_rng(seed)
    member = np.sort(rng.integers(0, n // 8, n))
    day = rng.integers(0, 700, n)
    order = np.lexsort((day, member))
    member, day = member[order], day[order]
    service = rng.choice(["general", "general", "pharmacy", "internet", "emergency"], n)
    retired = rng.random(n // 8 + 1) < 0.35
    fen = np.where(
        rng.random(n) < 0.08, rng.integers(50_000, 900_000, n), rng.integers(0, 40_000, n)
    )
    frame = pd.DataFrame(
        {
            "member_id": member.astype(np.int64),
            "date": (np.datetime64(f"{YEAR[region]}-01-01") + day).astype("datetime64[ns]"),
            "level": rng.integers(0, 4, n).astype(np.int8),
            "eligible": fen / 100.0,
            "status": pd.array(np.where(retired[member], "retired", "在职"), dtype="str"),
            "service": pd.array(service, dtype="str"),
            "tier": pd.array(rng.choice(["employer", "individual_1", "个人二档"], n), dtype="str"),
            "prescriber_level": pd.array(
                np.where(service == "pharmacy", rng.integers(0, 4, n), -1), dtype="Int8"
            ),
        },
        index=pd.RangeIndex(100, 100 + n),
    )
    frame["prescriber_level"] = frame["prescriber_level"].where(service == "pharmacy")
    if region == "ili":
        frame["institution_id"] = rng.integers(0, 5, n).astype(np.int64)
    return frame


def fast(claims: pd.DataFrame, region: str, threads: int, **kw: Any) -> dict[str, np.ndarray]:
    core = yibao.load_policy(region).core
    out, _ = _frame.adjudicated(claims, core, rounding=None, threads=threads, layout=DECIMAL, **kw)
    return out


def general(claims: pd.DataFrame, region: str, threads: int) -> dict[str, np.ndarray]:
    """The reference shape's results (one thread)."""
    return fast(claims, region, threads)


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
def test_every_shape_gives_the_same_bytes(shape: str, unsorted: bool) -> None:
    claims = shaped(shape, unsorted)
    before = claims.copy()
    got = fast(claims, "chongqing", 2)
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
    got, _ = _frame.adjudicated(in_fen, core, rounding=None, threads=2, layout=DECIMAL, unit="fen")
    assert got is not None
    for name, column in general(claims, "chongqing", 1).items():
        np.testing.assert_array_equal(got[name], column, err_msg=name)
    whole = claims.assign(eligible=fen // 100)  # whole yuan
    got = fast(whole, "chongqing", 2)
    assert got is not None
    want = general(whole, "chongqing", 1)
    np.testing.assert_array_equal(got["fund_paid"], want["fund_paid"])


def test_decimal_objects_the_reader_leaves_to_the_careful_converter() -> None:
    # More than two decimal places, NaN, a float among them, a subclass: the reader declines
    # and the careful converter rounds, words or converts them.
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


@pytest.mark.parametrize("value", ["0.125", "0.005", "652844466.434", "-1.001", "3.1400"])
def test_an_arrow_decimal_with_more_places_is_worded_as_its_text(value: str) -> None:
    # The core words an Arrow decimal as plain decimal text at the column's scale (as a
    # Decimal of it prints), not as unscaled digits and an exponent ("125e-3").
    claims = frame_for("chongqing", 20)
    scale = len(value.split(".")[1])
    amounts = [Decimal("1.00")] * len(claims)
    amounts[3] = Decimal(value)
    claims["eligible"] = pd.array(amounts, dtype=pd.ArrowDtype(pa.decimal128(18, scale)))
    if value == "3.1400":  # trailing zeros at scale 4: whole fen, no error
        yibao.adjudicate(claims, "chongqing")
        return
    with pytest.raises(yibao.InputError, match=f"amount {value} has more than 2 decimal"):
        yibao.adjudicate(claims, "chongqing")


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
def test_bad_values_in_every_shape_are_named(shape: str, column: str, value: Any) -> None:
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
    errors = (yibao.InputError, yibao.PolicyError)
    with pytest.raises(errors) as error:
        yibao.adjudicate(claims, "chongqing", threads=2)
    assert error.value.column == column
    assert error.value.row == claims.index[at]


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("region", REGIONS)
def test_every_thread_count_gives_the_same_bytes(region: str, threads: int) -> None:
    claims = frame_for(region)
    want = general(claims, region, 1)
    for name, column in fast(claims, region, threads).items():
        np.testing.assert_array_equal(column, want[name], err_msg=name)


@pytest.mark.parametrize("threads", [1, 2])
def test_unsorted_sparse_ids_take_the_route(threads: int) -> None:
    # Against the same rows with dense ids (counted in place): shuffled, and each member's
    # rows kept together but members in descending order (sparse ids sorted, then numbered).
    claims = frame_for("chongqing")
    shuffled = claims.sample(frac=1.0, random_state=4)
    descending = claims.sort_values("member_id", ascending=False, kind="stable")
    for rows in (shuffled, descending):
        want = general(rows, "chongqing", 1)
        for ids in (rows["member_id"] * 1_000_003 + 10**15, rows["member_id"] * -7):
            got = fast(rows.assign(member_id=ids), "chongqing", threads)
            for name, column in want.items():
                np.testing.assert_array_equal(got[name], column, err_msg=name)


def test_members_table_takes_the_route() -> None:
    claims = frame_for("chongqing", 20_000)
    ids = np.unique(claims["member_id"].to_numpy())
    retire = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    retire.iloc[::3] = pd.Timestamp("2024-06-01")
    members = pd.DataFrame({"member_id": ids, "retire_date": retire.to_numpy(), "tier": "个人一档"})
    by_row = retire.reindex(claims["member_id"]).to_numpy()
    retired = ~pd.isna(by_row) & (claims["date"].to_numpy() >= by_row)
    explicit = claims.assign(status=np.where(retired, "retired", "in_service"), tier="individual_1")
    want = general(explicit, "chongqing", 1)
    got = fast(claims.drop(columns=["status", "tier"]), "chongqing", 2, members=members)
    for name, column in want.items():
        np.testing.assert_array_equal(got[name], column, err_msg=name)


def _with(claims: pd.DataFrame, column: str, value: Any, rows: list[int]) -> pd.DataFrame:
    bad = claims.copy()
    values = bad[column].astype(object)
    values.iloc[rows] = value
    dtype = bad[column].dtype
    bad[column] = values.astype(dtype) if value is not None or column != "status" else values
    return bad


def _careful(claims: pd.DataFrame, column: str) -> None:
    """The careful converter of ``column``, which words its first bad value."""
    series = claims[column]
    if column == "date":
        _claims._days(series)
    elif column in ("level", "prescriber_level"):
        _claims._levels(series, column, allow_missing=column != "level")
    elif column == "eligible":
        _claims.eligible_fen(series, rounding=None, unit="yuan")
    else:
        table = {"status": _claims.STATUS_CODES, "service": _claims.SERVICE_CODES}
        _claims._codes(series, column, table.get(column, _claims.TIER_CODES))


BAD_VALUES: Final = [
    ("status", "pensioner"),
    ("service", "dental"),
    ("tier", "gold"),
    ("level", 4),
    ("level", -1),
    ("eligible", -0.01),
    ("eligible", 2e16),
    ("eligible", 0.015),
    ("eligible", float("nan")),
    ("date", pd.NaT),
    ("prescriber_level", 9),
    ("prescriber_level", -1),
]


@pytest.mark.parametrize("unsorted", [False, True], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("where", [[0], [16_384, 30_000], [N // 2, N // 2 + 1], [N - 1]])
@pytest.mark.parametrize(("column", "value"), BAD_VALUES, ids=[f"{c}={v}" for c, v in BAD_VALUES])
def test_bad_values_are_named_wherever_they_fall(
    column: str, value: Any, where: list[int], unsorted: bool
) -> None:
    bad = _with(frame_for("chongqing", N), column, value, where)
    if unsorted:  # the bad rows stay first among the bad ones
        bad = pd.concat([bad.iloc[where[0] :], bad.iloc[: where[0]]])
    with pytest.raises(yibao.InputError) as careful:
        _careful(bad, column)
    with pytest.raises(yibao.InputError) as error:
        yibao.adjudicate(bad, "chongqing", threads=2)
    assert type(error.value) is type(careful.value)
    assert str(error.value) == str(careful.value)
    assert error.value.row == 100 + where[0]


def test_the_first_column_in_schema_order_wins() -> None:
    # A bad level late in the frame comes before a bad amount early on, and before the
    # kernel's error (no version in force) at the first row, sorted or not.
    claims = _with(frame_for("chongqing", N), "eligible", -1.0, [10])
    claims = _with(claims, "level", 7, [N - 5])
    claims.loc[claims.index[0], "date"] = pd.Timestamp("2000-01-01")
    for frame in (claims, claims.iloc[::-1]):
        with pytest.raises(yibao.InputError) as error:
            yibao.adjudicate(frame, "chongqing", threads=2)
        assert error.value.column == "level" and error.value.row == claims.index[N - 5]


def test_pharmacy_row_without_prescriber() -> None:
    claims = frame_for("chongqing")
    pharmacy = int(np.flatnonzero(claims["service"].to_numpy() == "pharmacy")[3])
    claims.loc[claims.index[pharmacy], "prescriber_level"] = pd.NA
    with pytest.raises(yibao.InputError, match="prescriber_level") as error:
        yibao.adjudicate(claims, "chongqing")
    assert error.value.row == claims.index[pharmacy]
    assert "(value <NA>)" in str(error.value)


def test_policy_errors_name_the_row() -> None:
    claims = frame_for("chongqing")
    early = claims.copy()
    early.loc[early.index[7], "date"] = pd.Timestamp("2000-01-01")  # before any version
    for frame in (early, early.iloc[::-1]):
        with pytest.raises(yibao.NoVersionInForceError) as error:
            yibao.adjudicate(frame, "chongqing", threads=2)
        assert error.value.row == early.index[7]
