"""Every bad input of issue 6 gets a clear ``yibao.InputError`` (a ``ValueError``).

Each case below starts from a valid claims table whose index labels are strings (so a
message that gave a position instead of the caller's label would fail), breaks one thing,
and checks that

* the exception is the expected subclass of ``yibao.InputError``;
* its message names the column, the row label and the offending value (where there is one:
  a missing column has no row);
* nothing is returned (no partial output) and the caller's frames are unchanged.

docs/reliability.md lists the same cases with the error each gets. Run:
``python -m pytest tests/test_bad_input.py -q``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

yibao = pytest.importorskip("yibao")
from yibao import AmountOverflowError, InputError, NoVersionInForceError  # noqa: E402

LABELS = ["claim-a", "claim-b", "claim-c", "claim-d"]


def valid(region: str = "jining") -> pd.DataFrame:
    """Four valid rows for ``region`` (dates inside its first version)."""
    year = {"jining": 2023, "chongqing": 2024, "nanchang": 2023, "ili": 2022}[region]
    return pd.DataFrame(
        {
            "member_id": [101, 101, 202, 303],
            "date": [f"{year}-03-01", f"{year}-03-02", f"{year}-04-01", f"{year}-05-06"],
            "level": [1, 2, 3, 1],
            "eligible": [100.0, 250.5, 80.0, 1200.0],
            "status": ["in_service", "retired", "在职", "退休"],
            "institution_id": ["H1", "H2", "H1", "H3"],
        },
        index=pd.Index(LABELS, name="claim"),
    )


def members() -> pd.DataFrame:
    return pd.DataFrame(
        {"member_id": [101, 202, 303], "retire_date": ["2020-01-01", None, "2023-05-01"]},
        index=pd.Index(["m1", "m2", "m3"], name="member"),
    )


def put(
    column: str, position: int, value: Any, dtype: Any = None
) -> Callable[[pd.DataFrame], None]:
    """A mutation: ``frame[column]`` with ``value`` at ``position`` (optionally a new dtype)."""

    def mutate(frame: pd.DataFrame) -> None:
        values = list(frame[column]) if column in frame.columns else [None] * len(frame)
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype):
            values = [Decimal(str(v)) for v in values]
        values[position] = value
        frame[column] = pd.Series(
            pd.array(values, dtype=dtype) if dtype else values, index=frame.index
        )

    return mutate


def whole(column: str, values: Any) -> Callable[[pd.DataFrame], None]:
    def mutate(frame: pd.DataFrame) -> None:
        # Positional: a Series argument is taken by position, never realigned by label.
        frame[column] = values.array if isinstance(values, pd.Series) else values

    return mutate


def drop(column: str) -> Callable[[pd.DataFrame], None]:
    def mutate(frame: pd.DataFrame) -> None:
        del frame[column]

    return mutate


def both(*mutations: Callable[[pd.DataFrame], None]) -> Callable[[pd.DataFrame], None]:
    def mutate(frame: pd.DataFrame) -> None:
        for m in mutations:
            m(frame)

    return mutate


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, and what the error must say."""

    id: str
    mutate: Callable[[pd.DataFrame], None]
    error: type[InputError]
    column: str
    row: str | None  # the index label the message must name; None: no row applies
    value: str | None  # text the message must contain (the offending value), if any
    region: str = "jining"
    options: dict[str, Any] = field(default_factory=dict)
    with_members: bool = False
    also: str | None = None  # another phrase the message must contain


D = Decimal
DEC_2_3 = pd.ArrowDtype(pa.decimal128(10, 3))
DEC_2_2 = pd.ArrowDtype(pa.decimal128(18, 2))

CASES = [
    # -- missing columns --------------------------------------------------------------------
    Case(
        "missing member_id", drop("member_id"), InputError, "member_id", None, None, also="missing"
    ),
    Case("missing date", drop("date"), InputError, "date", None, None, also="missing"),
    Case("missing level", drop("level"), InputError, "level", None, None, also="missing"),
    Case("missing eligible", drop("eligible"), InputError, "eligible", None, None, also="missing"),
    Case("missing status, no members", drop("status"), InputError, "status", None, None),
    # -- wrong types ------------------------------------------------------------------------
    Case(
        "level as text", whole("level", ["1", "2", "3", "1"]), InputError, "level", "claim-a", "'1'"
    ),
    Case(
        "level as bool",
        whole("level", [True, False, True, True]),
        InputError,
        "level",
        "claim-a",
        "True",
    ),
    Case(
        "level categorical text",
        whole("level", pd.Categorical(["1", "2", "3", "1"])),
        InputError,
        "level",
        "claim-a",
        "'1'",
    ),
    Case(
        "eligible as text",
        whole("eligible", ["100", "2.5", "8", "1"]),
        InputError,
        "eligible",
        "claim-a",
        "'100'",
    ),
    Case(
        "eligible as bool",
        whole("eligible", [True, False, True, True]),
        InputError,
        "eligible",
        "claim-a",
        "True",
    ),
    Case(
        "eligible mixes Decimal and float",
        whole("eligible", pd.Series([D("1.00"), D("2.00"), 3.5, D("4")], dtype=object)),
        InputError,
        "eligible",
        "claim-c",
        "3.5",
        also="mixes",
    ),
    Case(
        "eligible object with a str",
        whole("eligible", pd.Series([D("1.00"), "2.00", D("3"), D("4")], dtype=object)),
        InputError,
        "eligible",
        "claim-b",
        "'2.00'",
    ),
    Case(
        "date as YYYYMMDD int",
        whole("date", [20230301, 20230302, 20230401, 20230506]),
        InputError,
        "date",
        "claim-a",
        "20230301",
    ),
    Case(
        "date as float", whole("date", [1.5, 2.5, 3.5, 4.5]), InputError, "date", "claim-a", "1.5"
    ),
    Case(
        "member_id unhashable",
        whole("member_id", pd.Series([[1], [1], [2], [3]], dtype=object)),
        InputError,
        "member_id",
        "claim-a",
        "[1]",
    ),
    Case(
        "member_id mixes int and str",
        whole("member_id", pd.Series([101, "101", 202, 303], dtype=object)),
        InputError,
        "member_id",
        "claim-b",
        "'101'",
        also="mixes",
    ),
    Case(
        "prescriber_level as text",
        both(
            whole("service", ["general", "pharmacy", "general", "general"]),
            whole("prescriber_level", ["", "2", "", ""]),
        ),
        InputError,
        "prescriber_level",
        "claim-a",
        "''",
    ),
    # -- NaN / None in required columns -----------------------------------------------------
    Case(
        "member_id None",
        put("member_id", 1, None),
        InputError,
        "member_id",
        "claim-b",
        "nan",
        also="missing",
    ),
    Case(
        "date None", put("date", 2, None), InputError, "date", "claim-c", None, also="missing date"
    ),
    Case(
        "date NaT",
        whole("date", pd.to_datetime(["2023-03-01", None, "2023-04-01", "2023-05-06"])),
        InputError,
        "date",
        "claim-b",
        "NaT",
    ),
    Case(
        "level None",
        put("level", 1, None),
        InputError,
        "level",
        "claim-b",
        "nan",
        also="missing level",
    ),
    Case(
        "level pd.NA (Int8)",
        put("level", 3, None, dtype="Int8"),
        InputError,
        "level",
        "claim-d",
        "<NA>",
    ),
    Case(
        "eligible NaN", put("eligible", 1, float("nan")), InputError, "eligible", "claim-b", "nan"
    ),
    Case(
        "eligible inf", put("eligible", 2, float("inf")), InputError, "eligible", "claim-c", "inf"
    ),
    Case(
        "eligible None among Decimals",
        whole("eligible", pd.Series([D("1"), None, D("3"), D("4")], dtype=object)),
        InputError,
        "eligible",
        "claim-b",
        "None",
        also="missing",
    ),
    Case(
        "eligible Decimal NaN",
        whole("eligible", pd.Series([D("1"), D("NaN"), D("3"), D("4")], dtype=object)),
        InputError,
        "eligible",
        "claim-b",
        "Decimal('NaN')",
    ),
    Case(
        "eligible pd.NA (Int64)",
        put("eligible", 1, None, dtype="Int64"),
        InputError,
        "eligible",
        "claim-b",
        "<NA>",
        also="missing",
    ),
    Case(
        "eligible pd.NA (Float64)",
        put("eligible", 1, None, dtype="Float64"),
        InputError,
        "eligible",
        "claim-b",
        "<NA>",
        also="missing",
    ),
    Case(
        "eligible null (Arrow decimal)",
        put("eligible", 1, None, dtype=DEC_2_2),
        InputError,
        "eligible",
        "claim-b",
        "<NA>",
        also="missing",
    ),
    Case(
        "status None",
        put("status", 2, None),
        InputError,
        "status",
        "claim-c",
        "nan",
        also="missing",
    ),
    Case(
        "institution_id None (ili)",
        put("institution_id", 1, None),
        InputError,
        "institution_id",
        "claim-b",
        "nan",
        region="ili",
    ),
    # -- negative amounts -------------------------------------------------------------------
    Case(
        "eligible negative float",
        put("eligible", 1, -2.5),
        InputError,
        "eligible",
        "claim-b",
        "-2.5",
        also="negative",
    ),
    Case(
        "eligible negative int",
        whole("eligible", [1, -3, 5, 7]),
        InputError,
        "eligible",
        "claim-b",
        "-3",
        also="negative",
    ),
    Case(
        "eligible negative Decimal",
        whole("eligible", pd.Series([D("1"), D("2"), D("-0.01"), D("4")], dtype=object)),
        InputError,
        "eligible",
        "claim-c",
        "-0.01",
        also="negative",
    ),
    Case(
        "eligible negative Arrow decimal",
        put("eligible", 3, D("-1.00"), dtype=DEC_2_2),
        InputError,
        "eligible",
        "claim-d",
        "-1",
        also="negative",
    ),
    # -- amounts with sub-fen precision -----------------------------------------------------
    Case(
        "eligible 3 decimals float",
        put("eligible", 1, 2.001),
        InputError,
        "eligible",
        "claim-b",
        "2.001",
        also="decimal places",
    ),
    Case(
        "eligible 3 decimals Decimal",
        whole("eligible", pd.Series([D("1"), D("2.001"), D("3"), D("4")], dtype=object)),
        InputError,
        "eligible",
        "claim-b",
        "2.001",
        also="decimal places",
    ),
    Case(
        "eligible 3 decimals Arrow",
        whole("eligible", pd.array([D("1"), D("2"), D("3"), D("0.125")], dtype=DEC_2_3)),
        InputError,
        "eligible",
        "claim-d",
        "0.125",
        also="decimal places",
    ),
    Case(
        "eligible fen with unit=fen float",
        put("eligible", 0, 1.5),
        InputError,
        "eligible",
        None,
        None,
        options={"unit": "fen"},
        also="integer",
    ),
    # -- unknown codes ----------------------------------------------------------------------
    Case(
        "status unknown",
        put("status", 1, "pensioner"),
        InputError,
        "status",
        "claim-b",
        "'pensioner'",
        also="unknown",
    ),
    Case(
        "status as int",
        whole("status", [0, 1, 0, 1]),
        InputError,
        "status",
        "claim-a",
        "0",
        also="unknown",
    ),
    Case("level 7", put("level", 2, 7), InputError, "level", "claim-c", "7"),
    Case("level 1.5", put("level", 0, 1.5), InputError, "level", "claim-a", "1.5"),
    Case("level -1", put("level", 3, -1), InputError, "level", "claim-d", "-1"),
    Case("level 2**40", put("level", 3, 2**40), InputError, "level", "claim-d", str(2**40)),
    Case(
        "service unknown",
        whole("service", ["general", "dental", "general", "general"]),
        InputError,
        "service",
        "claim-b",
        "'dental'",
    ),
    Case(
        "tier unknown",
        whole("tier", ["employer", "employer", "gold", "employer"]),
        InputError,
        "tier",
        "claim-c",
        "'gold'",
    ),
    Case(
        "prescriber_level 9",
        both(
            whole("service", ["general", "pharmacy", "general", "general"]),
            whole("prescriber_level", [1, 9, 1, 1]),
        ),
        InputError,
        "prescriber_level",
        "claim-b",
        "9",
    ),
    # -- unparseable dates ------------------------------------------------------------------
    Case(
        "date month 13", put("date", 1, "2023-13-45"), InputError, "date", "claim-b", "'2023-13-45'"
    ),
    Case(
        "date US format",
        put("date", 2, "03/02/2023"),
        InputError,
        "date",
        "claim-c",
        "'03/02/2023'",
    ),
    Case(
        "date garbage among dates",
        whole(
            "date",
            pd.Series(
                [dt.date(2023, 3, 1), "garbage", dt.date(2023, 4, 1), dt.date(2023, 5, 6)],
                dtype=object,
            ),
        ),
        InputError,
        "date",
        "claim-b",
        "'garbage'",
    ),
    Case(
        "date mixed time zones",
        whole(
            "date",
            [
                "2023-03-01T10:00+08:00",
                "2023-03-02T10:00+09:00",
                "2023-04-01T10:00+08:00",
                "2023-05-06T10:00+08:00",
            ],
        ),
        InputError,
        "date",
        "claim-b",
        "+09:00",
    ),
    # -- dates outside every policy version -------------------------------------------------
    Case(
        "date before jining's first version",
        put("date", 2, "2022-12-31"),
        NoVersionInForceError,
        "date",
        "claim-c",
        "2022-12-31",
        also="no version in force",
    ),
    Case(
        "date before chongqing's first version",
        put("date", 0, "2023-12-31"),
        NoVersionInForceError,
        "date",
        "claim-a",
        "2023-12-31",
        region="chongqing",
    ),
    # -- pharmacy rows without prescriber_level; Ili without institution_id ------------------
    Case(
        "pharmacy without prescriber_level column",
        whole("service", ["general", "pharmacy", "general", "general"]),
        InputError,
        "prescriber_level",
        "claim-b",
        None,
        also="pharmacy",
    ),
    Case(
        "pharmacy with prescriber_level missing",
        both(
            whole("service", ["general", "general", "general", "pharmacy"]),
            whole("prescriber_level", [1.0, 2.0, None, None]),
        ),
        InputError,
        "prescriber_level",
        "claim-d",
        "nan",
        also="pharmacy",
    ),
    Case(
        "ili without institution_id",
        drop("institution_id"),
        InputError,
        "institution_id",
        "claim-a",
        None,
        region="ili",
    ),
    # -- amounts whose arithmetic would overflow --------------------------------------------
    Case(
        "eligible 2**62 yuan (int)",
        whole("eligible", [1, 2**62, 3, 4]),
        AmountOverflowError,
        "eligible",
        "claim-b",
        str(2**62),
    ),
    Case(
        "eligible 1e17 yuan (float)",
        put("eligible", 1, 1e17),
        AmountOverflowError,
        "eligible",
        "claim-b",
        "1e+17",
    ),
    Case(
        "eligible 1e300 (float)",
        put("eligible", 0, 1e300),
        AmountOverflowError,
        "eligible",
        "claim-a",
        "1e+300",
    ),
    Case(
        "eligible beyond decimal(18,2)",
        put("eligible", 3, 9e16),
        AmountOverflowError,
        "eligible",
        "claim-d",
        "9e+16",
    ),
    Case(
        "eligible uint64 beyond int64",
        whole("eligible", np.array([1, 2, 3, 2**63 + 5], dtype=np.uint64)),
        AmountOverflowError,
        "eligible",
        "claim-d",
        str(2**63 + 5),
    ),
    Case(
        "eligible huge Decimal",
        whole("eligible", pd.Series([D("1"), D("1E+30"), D("3"), D("4")], dtype=object)),
        AmountOverflowError,
        "eligible",
        "claim-b",
        "1E+30",
    ),
    Case(
        "eligible int beyond 64 bits among Decimals",
        whole("eligible", pd.Series([D("1"), 2**70, D("3"), D("4")], dtype=object)),
        AmountOverflowError,
        "eligible",
        "claim-b",
        str(2**70),
    ),
    Case(
        "eligible Decimal infinity",
        whole("eligible", pd.Series([D("1"), D("2"), D("-Infinity"), D("4")], dtype=object)),
        InputError,
        "eligible",
        "claim-c",
        "Decimal('-Infinity')",
        also="finite",
    ),
    Case(
        "eligible Decimal with 41 digits",
        whole(
            "eligible",
            pd.Series(
                [D("1"), D("1.0000000000000000000000000000000000000001"), D("3"), D("4")],
                dtype=object,
            ),
        ),
        InputError,
        "eligible",
        "claim-b",
        "1.0000000000000000000000000000000000000001",
        also="decimal places",
    ),
    Case(
        "eligible unit=fen on a decimal column",
        whole("eligible", pd.array([D("1"), D("2"), D("3"), D("4")], dtype=DEC_2_2)),
        InputError,
        "eligible",
        None,
        None,
        options={"unit": "fen"},
        also="integer",
    ),
    # -- members ----------------------------------------------------------------------------
    Case(
        "member not in members",
        both(drop("status"), put("member_id", 2, 999)),
        InputError,
        "member_id",
        "claim-c",
        "999",
        with_members=True,
    ),
]
# Errors raised in the members frame name the members' row.
MEMBER_CASES = [
    (
        "retire_date unparseable",
        "retire_date",
        1,
        "garbage",
        InputError,
        "retire_date",
        "m2",
        "'garbage'",
    ),
    ("retire_date as int", "retire_date", 0, 20200101, InputError, "retire_date", "m1", "20200101"),
    ("member_id duplicated in members", "member_id", 2, 101, InputError, "member_id", "m3", "101"),
]


def _run(
    frame: pd.DataFrame, case_region: str, options: dict[str, Any], people: pd.DataFrame | None
) -> Any:
    return yibao.adjudicate(frame, case_region, members=people, threads=2, **options)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_named(case: Case) -> None:
    claims = valid(case.region)
    case.mutate(claims)
    people = members() if case.with_members else None
    before = claims.copy(deep=True)
    people_before = None if people is None else people.copy(deep=True)

    with pytest.raises(case.error) as info:
        _run(claims, case.region, case.options, people)  # no result: nothing partial escapes
    err = info.value
    message = str(err)
    assert isinstance(err, InputError) and isinstance(err, ValueError)
    assert err.column == case.column
    assert repr(case.column) in message
    if case.row is not None:
        assert err.row == case.row
        assert repr(case.row) in message
    if case.value is not None:
        assert case.value in message, message
    if case.also is not None:
        assert case.also in message, message
    # The caller's frames are unchanged: values, dtypes, index, column order.
    pd.testing.assert_frame_equal(claims, before, check_exact=True)
    if people is not None:
        pd.testing.assert_frame_equal(people, people_before, check_exact=True)


@pytest.mark.parametrize(
    ("name", "column", "position", "value", "error", "err_column", "row", "shown"),
    MEMBER_CASES,
    ids=[c[0] for c in MEMBER_CASES],
)
def test_bad_members_are_named(
    name: str,
    column: str,
    position: int,
    value: Any,
    error: type[InputError],
    err_column: str,
    row: str,
    shown: str,
) -> None:
    claims = valid()
    del claims["status"]
    people = members()
    if column == "retire_date" and isinstance(value, int):
        people[column] = pd.Series([value, None, None], index=people.index, dtype="Int64")
    else:
        values = list(people[column])
        values[position] = value
        people[column] = values
    before = people.copy(deep=True)
    claims_before = claims.copy(deep=True)
    with pytest.raises(error) as info:
        yibao.adjudicate(claims, "jining", members=people)
    assert info.value.column == err_column
    assert info.value.row == row
    assert repr(row) in str(info.value) and shown in str(info.value)
    pd.testing.assert_frame_equal(people, before)
    pd.testing.assert_frame_equal(claims, claims_before)


def test_year_to_date_overflow_names_the_row() -> None:
    """Under a policy without caps, fund payments of 16 rows of 9e15 yuan overflow the
    member's int64 year-to-date sum: the error names the row where it happens."""
    import tomllib
    from importlib import resources

    text = resources.files("yibao.policies").joinpath("jining.toml").read_text("utf-8")
    data = tomllib.loads(text, parse_float=Decimal)
    for version in data["versions"]:
        version["pools"]["general"].pop("annual_cap")
    uncapped = yibao.Policy.from_dict(data, origin="uncapped")
    n = 16
    claims = pd.DataFrame(
        {
            "member_id": 1,
            "date": "2023-03-01",
            "level": 1,
            "eligible": [9_000_000_000_000_000] * n,
            "status": "retired",
        },
        index=[f"r{i}" for i in range(n)],
    )
    with pytest.raises(AmountOverflowError) as info:
        yibao.adjudicate(claims, uncapped, money="fen")
    assert info.value.column == "eligible" and info.value.row == "r13"
    assert "'r13'" in str(info.value) and "year-to-date" in str(info.value)


def test_tiny_amounts_are_sub_fen_not_overflow() -> None:
    """5e-324 is far below a fen: refused as sub-fen, or 0.00 with a rounding mode (it was
    once an AmountOverflowError, 'exponent out of range')."""
    claims = valid()
    claims["eligible"] = [5e-324, 1e-300, 80.0, 1200.0]
    with pytest.raises(InputError, match="decimal places") as info:
        yibao.adjudicate(claims, "jining")
    assert not isinstance(info.value, AmountOverflowError) and info.value.row == "claim-a"
    got = yibao.adjudicate(claims, "jining", rounding="half_up", money="fen")
    assert got["deductible"].iloc[:2].tolist() == [0, 0]


def test_no_version_error_names_the_date() -> None:
    claims = valid()
    claims.loc["claim-c", "date"] = "2022-12-31"
    with pytest.raises(NoVersionInForceError, match="2022-12-31"):
        yibao.adjudicate(claims, "jining")


def test_duplicate_index_labels_also_give_the_position() -> None:
    claims = valid()
    claims.index = pd.Index(["x", "x", "y", "y"])
    claims.iloc[3, claims.columns.get_loc("level")] = 9
    with pytest.raises(InputError) as info:
        yibao.adjudicate(claims, "jining")
    assert info.value.row == "y" and info.value.position == 3
    assert "position 3" in str(info.value)


def test_duplicate_column_names() -> None:
    claims = valid()
    claims.columns = ["member_id", "date", "level", "eligible", "level", "institution_id"]
    with pytest.raises(InputError, match="duplicate column names") as info:
        yibao.adjudicate(claims, "jining")
    assert info.value.column == "level"


def test_claims_must_be_a_frame() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        yibao.adjudicate([{"member_id": 1}], "jining")  # type: ignore[arg-type]


@pytest.mark.parametrize("threads", [0, -1])
def test_threads_must_be_positive(threads: int) -> None:
    with pytest.raises(ValueError, match="threads"):
        yibao.adjudicate(valid(), "jining", threads=threads)


def test_unknown_rounding_mode() -> None:
    with pytest.raises(ValueError, match="rounding"):
        yibao.adjudicate(valid(), "jining", rounding="up")  # type: ignore[arg-type]


def test_error_classes_are_one_hierarchy() -> None:
    for cls in (InputError, NoVersionInForceError, AmountOverflowError):
        assert issubclass(cls, ValueError) and issubclass(cls, yibao.YibaoError)
    assert issubclass(NoVersionInForceError, InputError) and issubclass(
        AmountOverflowError, InputError
    )


# -- inputs that look odd but are accepted, as documented ------------------------------------


def test_object_amounts_keep_their_rows_whatever_the_index() -> None:
    """Regression: an object column of floats was realigned by label to a fresh RangeIndex,
    so a permuted integer index paid each row with another row's amount."""
    claims = valid().reset_index(drop=True)
    claims.index = [2, 0, 3, 1]
    expected = yibao.adjudicate(claims, "jining", money="fen")
    as_object = claims.assign(eligible=claims["eligible"].astype(object))
    got = yibao.adjudicate(as_object, "jining", money="fen")
    pd.testing.assert_series_equal(got["fund_paid"], expected["fund_paid"])
    assert list(got["eligible"]) == list(as_object["eligible"])


def test_float32_amounts_read_through_their_own_shortest_decimal() -> None:
    claims = valid()
    claims["eligible"] = claims["eligible"].astype(np.float32) + np.float32(
        0.1
    )  # 100.1, 250.6, ...
    got = yibao.adjudicate(claims, "jining", money="fen")
    want = yibao.adjudicate(
        claims.assign(eligible=[100.1, 250.6, 80.1, 1200.1]), "jining", money="fen"
    )
    pd.testing.assert_frame_equal(got.drop(columns="eligible"), want.drop(columns="eligible"))


def test_rounding_mode_accepts_sub_fen_amounts() -> None:
    claims = valid()
    claims["eligible"] = [50.005, 250.5, 80.0, 1200.0]
    got = yibao.adjudicate(claims, "jining", rounding="half_up", money="fen")
    assert int(got["deductible"].iloc[0]) == 5001  # 50.005 → 50.01 yuan, all deductible


def test_empty_claims_give_an_empty_result() -> None:
    claims = valid().iloc[:0]
    got = yibao.adjudicate(claims, "jining")
    assert len(got) == 0 and "fund_paid" in got.columns


def test_unsorted_and_duplicate_rows_are_claims_like_any_other() -> None:
    """Rows are processed by (member, date, input order) whatever their order in the frame;
    identical rows are separate claim lines (both pay), as docs/design.md §3 says."""
    claims = valid()
    doubled = pd.concat([claims, claims.rename(index=lambda s: s + "'")])
    got = yibao.adjudicate(doubled, "jining", money="fen")
    assert got.index.equals(doubled.index)
    shuffled = doubled.iloc[[6, 0, 4, 3, 1, 5, 7, 2]]
    again = yibao.adjudicate(shuffled, "jining", money="fen")
    # Member 101's rows keep their relative order in both frames, so every row agrees.
    pd.testing.assert_frame_equal(again.loc[got.index], got)
