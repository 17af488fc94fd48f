"""The core's readers of Python objects and text, before the pass (issue 15): label codes
matched from ``str`` objects, text keys factorized by their bytes, ``datetime.date`` objects
through the datetime C API and ISO date text. Each is checked against a plain-Python (or
pyarrow / pandas) model of the same conversion, on hand-picked edges and on random inputs,
and on what it must refuse (None or -1, so the careful converter words the value).
Run: ``python -m pytest tests/test_object_readers.py -q``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

yibao = pytest.importorskip("yibao")

from yibao import _core, _frame  # noqa: E402
from yibao._schema import SERVICE_CODES, STATUS_CODES  # noqa: E402


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


# ---- label codes from str objects ----------------------------------------------------------


def _label_model(values: list[Any], table: dict[str, int]) -> list[int]:
    """The vocabulary code of each value, as the Arrow matcher gives it: exact spellings only."""
    return [table.get(v, -1) if isinstance(v, str) else -1 for v in values]


def test_label_codes_from_objects_edges() -> None:
    values = ["retired", "在职", "退休", "in_service", " retired", "RETIRED", "", None, 1.5]
    values += [float("nan"), b"retired", "retired\x00", "\ud800", "in_service" * 3]
    got = _core.label_codes_from_objects(_objects(values), _frame._table(STATUS_CODES))
    assert got.dtype == np.int8
    assert got.tolist() == _label_model(values, STATUS_CODES)
    assert got[:4].tolist() == [STATUS_CODES[v] for v in values[:4]]
    assert (got[4:] == -1).all()


def test_label_codes_from_a_strided_array_and_a_repeated_object() -> None:
    word = "pharmacy"
    values = _objects([word, word, "general", word, "nope"] * 3)[::2]
    got = _core.label_codes_from_objects(values, _frame._table(SERVICE_CODES))
    assert got.tolist() == _label_model(list(values), SERVICE_CODES)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(list(SERVICE_CODES)),
            st.text(max_size=20),
            st.none(),
            st.integers(),
        ),
        max_size=300,
    )
)
def test_label_codes_from_objects_match_the_model(values: list[Any]) -> None:
    got = _core.label_codes_from_objects(_objects(values), _frame._table(SERVICE_CODES))
    assert got.tolist() == _label_model(values, SERVICE_CODES)


# ---- text keys -------------------------------------------------------------------------------


def _codes(keys: list[str], large: bool = True) -> np.ndarray | None:
    arr = pa.array(keys, type=pa.large_string() if large else pa.string())
    return _frame._text_codes(arr)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(max_size=30) | st.sampled_from(["1", "2", "10", "a" * 17]), max_size=400),
    st.booleans(),
    st.booleans(),
)
def test_text_codes_are_pandas_factorize(keys: list[str], large: bool, runs: bool) -> None:
    if runs:
        keys = sorted(keys)  # each key's rows together: the comparison with the row before
    got = _codes(keys, large)
    want, _ = pd.factorize(pd.Series(keys, dtype=object))
    assert got is not None
    np.testing.assert_array_equal(got, want)


def test_text_codes_grow_past_the_first_table_and_read_slices() -> None:
    keys = [f"member-{i % 5_003:06d}" for i in range(40_000)]
    arr = pa.array(keys, type=pa.large_string()).slice(7, 30_000)
    got = _frame._text_codes(arr)
    want, _ = pd.factorize(pd.Series(keys[7:30_007], dtype=object))
    np.testing.assert_array_equal(got, want)


def test_text_codes_tell_apart_keys_that_share_their_first_16_bytes() -> None:
    prefix = "member-0000000000"  # 17 bytes: what a slot holds is the same for each key
    keys = [prefix + str(i % 7) for i in range(1_000)] + ["", "", prefix, prefix[:16]] * 3
    want, _ = pd.factorize(pd.Series(keys, dtype=object))
    np.testing.assert_array_equal(_codes(keys), want)
    assert len(set(_codes(keys).tolist())) == 7 + 3


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(alphabet="0189\x00é", max_size=10), max_size=200),
    st.sampled_from(["bytes", "length", "none"]),
    st.lists(st.text(alphabet="0189\x00é", max_size=10), max_size=20),
)
def test_text_codes_of_ordered_runs_then_any_keys(
    keys: list[str], order: str, tail: list[str]
) -> None:
    # Runs in order (by bytes, or by length then bytes: numbers as text) take codes by run
    # number until a key breaks both orders; keys may then come back (as pd.factorize).
    if order == "bytes":
        keys = sorted(keys, key=lambda k: k.encode())
    elif order == "length":
        keys = sorted(keys, key=lambda k: (len(k.encode()), k.encode()))
    keys = keys + tail + keys[: len(keys) // 2]
    got = _codes(keys)
    want, _ = pd.factorize(pd.Series(keys, dtype=object))
    assert got is not None
    np.testing.assert_array_equal(got, want)


def test_text_codes_of_numbers_as_text_in_numeric_order() -> None:
    keys = [str(i) for i in range(1, 3_000) for _ in range(i % 3 + 1)]  # "9" before "10"
    np.testing.assert_array_equal(_codes(keys), pd.factorize(pd.Series(keys))[0])
    again = [*keys, "1", "10", "2999", "3000"]  # runs out of order: keys seen before come back
    np.testing.assert_array_equal(_codes(again), pd.factorize(pd.Series(again))[0])


def test_text_codes_compare_short_keys_by_all_their_bytes() -> None:
    # Keys of up to 8 bytes compared a word at a time: equal up to a byte, a NUL, the length.
    keys = ["12345678", "12345678", "12345679", "1234567", "1234567\x00", "", "", "\x00", "a"]
    want, _ = pd.factorize(pd.Series(keys, dtype=object))
    np.testing.assert_array_equal(_codes(keys), want)
    np.testing.assert_array_equal(_codes(keys, large=False), want)


def test_text_codes_of_shuffled_keys_short_and_long_through_the_table_growing() -> None:
    # Short keys (held in the slots) and long ones (their hash held) move as the table grows.
    rows = np.random.default_rng(3).integers(0, 6_000, size=50_000)
    keys = [str(i) if i % 3 else f"member-{i:012d}" for i in rows]
    np.testing.assert_array_equal(_codes(keys), pd.factorize(pd.Series(keys))[0])
    keys = [str(i) for i in range(1, 2_000)] + keys  # ordered runs first, then the table
    np.testing.assert_array_equal(_codes(keys), pd.factorize(pd.Series(keys))[0])


@settings(max_examples=80, deadline=None)
@given(
    st.text(alphabet="41é\x00", min_size=1, max_size=24),
    st.lists(st.text(alphabet="0189\x00é", max_size=6), min_size=1, max_size=300),
    st.randoms(use_true_random=False),
)
def test_text_codes_of_long_keys_that_share_a_prefix(
    prefix: str, rests: list[str], rng: random.Random
) -> None:
    # Long keys whose rests past a shared prefix fit 8 bytes (ids as a region's code, zeros,
    # then a number) are told apart by their rests alone: rests of 0 to 12 bytes (é is two),
    # some past 8 (then the keys go the long way), shuffled so that the table numbers them.
    keys = [prefix + rest for rest in rests]
    rng.shuffle(keys)
    want, _ = pd.factorize(pd.Series(keys, dtype=object))
    np.testing.assert_array_equal(_codes(keys), want)
    np.testing.assert_array_equal(_codes(keys, large=False), want)


def test_text_codes_of_psn_no_ids_shuffled() -> None:
    # 人员编号 as the platform writes them: 26 characters, the same first 16.
    rows = np.random.default_rng(5).integers(0, 40_000, size=60_000)
    keys = [f"4113282000000000{i:010d}" for i in rows]
    np.testing.assert_array_equal(_codes(keys), pd.factorize(pd.Series(keys))[0])
    keys[30_000] = "4113282000000000" + "x" * 11  # one rest of 11 bytes: the long way
    np.testing.assert_array_equal(_codes(keys), pd.factorize(pd.Series(keys))[0])


def test_text_codes_of_long_keys_with_one_hash_go_to_the_general_route() -> None:
    # Two 16-byte keys with one hash (the core's long_key_hash folds 8-byte words with an
    # invertible mix: the second key's first word chosen, its last solved for, among printable
    # bytes). Through the table a long key is matched by hash and length, then compared word
    # by word with its code's first key: at a collision the core gives no codes, and the
    # general route numbers the column, as pd.factorize.
    a, b = "member-000000001", "m0005532$iEC:1j,"
    for keys in ([a, b, a], [b, "x" * 16, a, b], [b, a, b], ["z" * 16, a, "y" * 16, b, a]):
        assert _codes(keys) is None
        series = pd.Series(keys, dtype=pd.ArrowDtype(pa.large_string()))
        np.testing.assert_array_equal(_frame._member(series, 1), pd.factorize(series)[0])
    assert _codes([b, a]) is not None  # in order by bytes: numbered by run, never hashed


def test_text_codes_of_shuffled_short_keys_read_as_one_word() -> None:
    # Through the table, a key of up to 8 bytes is one masked 8-byte load (the bytes after it
    # belong to the next keys) where 8 bytes are left, else read byte by byte: keys that
    # differ only past another's end, a NUL, or the length stay apart either way.
    short = ["ab", "abc", "ab\x00", "", "\x00", "abcdefgh", "abcdefg", "abcdefgi", "é", "b"]
    rows = np.random.default_rng(11).integers(0, len(short), size=3_000)
    keys = [short[i] for i in rows] + ["abcdefg", "ab", "", "\x00"]  # the last, byte by byte
    want, _ = pd.factorize(pd.Series(keys, dtype=object))
    np.testing.assert_array_equal(_codes(keys), want)
    np.testing.assert_array_equal(_codes(keys, large=False), want)


def test_text_codes_refuse_malformed_offsets() -> None:
    offsets = np.array([0, 3, 2], dtype=np.int64)
    assert _core.text_codes(offsets, np.frombuffer(b"abc", dtype=np.uint8)) is None
    offsets = np.array([0, 3, 9], dtype=np.int32)
    assert _core.text_codes(offsets, np.frombuffer(b"abc", dtype=np.uint8)) is None


# ---- datetime.date objects -------------------------------------------------------------------


def test_days_from_date_objects_edges() -> None:
    dates = [datetime.date(1970, 1, 1), datetime.date(1, 1, 1), datetime.date(9999, 12, 31)]
    dates += [datetime.date(2024, 2, 29), datetime.date(1969, 12, 31)]
    got = _core.days_from_date_objects(_objects(dates))
    assert got is not None and got.dtype == np.int32
    assert got.tolist() == [(d - datetime.date(1970, 1, 1)).days for d in dates]
    assert got[:1].tolist() == [0] and got[-1] == -1


@pytest.mark.parametrize(
    "other",
    [
        datetime.datetime(2024, 1, 1, 12),  # a subclass: pyarrow reads it as a timestamp
        pd.Timestamp("2024-01-01"),
        None,
        pd.NaT,
        "2024-01-01",
        np.datetime64("2024-01-01"),
    ],
    ids=repr,
)
def test_days_from_date_objects_leave_anything_else_to_pyarrow(other: Any) -> None:
    values = _objects([datetime.date(2024, 1, 1), other])
    assert _core.days_from_date_objects(values) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dates(), max_size=200))
def test_days_from_date_objects_match_pyarrow(dates: list[datetime.date]) -> None:
    got = _core.days_from_date_objects(_objects(dates))
    want = pa.array(dates, type=pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False)
    assert got is not None
    np.testing.assert_array_equal(got, want)


# ---- ISO date text ---------------------------------------------------------------------------


def _iso(texts: list[str], large: bool = False) -> np.ndarray | None:
    arr = pa.array(texts, type=pa.large_string() if large else pa.string())
    days: np.ndarray | None = _core.days_from_iso_text(*_frame._string_buffers(arr))
    return days


def _pyarrow_days(texts: list[str]) -> np.ndarray | None:
    try:
        days = pc.cast(pa.array(texts, type=pa.string()), pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return np.asarray(days.cast(pa.int32()).to_numpy(zero_copy_only=False))


@pytest.mark.parametrize(
    "bad",
    ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-1-01",
     "2024/01/01", "2024-01-01 ", " 2024-01-01", "2024-01-01T00:00", "20240101", "",
     "0000-01-01", "２０２４-01-01", "2024-01-3a", "+024-01-01"],
)  # fmt: skip
def test_iso_text_refuses_anything_but_a_calendar_date(bad: str) -> None:
    assert _iso(["2024-01-01", bad]) is None


def test_iso_text_edges() -> None:
    texts = ["1970-01-01", "0001-01-01", "9999-12-31", "2000-02-29", "1900-02-28", "2024-12-31"]
    got = _iso(texts, large=True)
    assert got is not None and got.dtype == np.int32
    np.testing.assert_array_equal(got, _pyarrow_days(texts))
    assert _iso(["1900-02-29"]) is None  # 1900 is no leap year
    sliced = pa.array(["x", "2024-03-01", "2024-03-02"]).slice(1)
    assert _core.days_from_iso_text(*_frame._string_buffers(sliced)).tolist() == [19783, 19784]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.dates().map(lambda d: d.isoformat())
        | st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
        | st.text(max_size=12),
        min_size=1,
        max_size=50,
    )
)
def test_iso_text_agrees_with_pyarrow(texts: list[str]) -> None:
    got = _iso(texts)
    want = _pyarrow_days(texts)
    if got is not None:  # what the core reads, it reads as pyarrow does
        np.testing.assert_array_equal(got, want)
    elif all(t[:4] != "0000" for t in texts):  # it declines only what pyarrow declines
        assert want is None


# ---- on threads ------------------------------------------------------------------------------

ROWS = 3 * 16_384 + 5  # past the rows a thread is given: three ranges on three threads


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_object_readers_on_threads_agree_and_find_a_bad_value_in_any_range(threads: int) -> None:
    rng = np.random.default_rng(threads)
    spellings = [*STATUS_CODES, "pensioner", None]
    labels = [spellings[k] for k in rng.integers(0, len(spellings), ROWS)]
    got = _core.label_codes_from_objects(_objects(labels), _frame._table(STATUS_CODES), threads)
    assert got.tolist() == _label_model(labels, STATUS_CODES)

    dates = [
        datetime.date(2024, 1, 1) + datetime.timedelta(int(k)) for k in rng.integers(0, 900, ROWS)
    ]
    days = _core.days_from_date_objects(_objects(dates), threads)
    assert days is not None
    assert days.tolist() == [(d - datetime.date(1970, 1, 1)).days for d in dates]

    amounts = [Decimal(int(k)) / 100 for k in rng.integers(0, 10**7, ROWS)]
    fen = _core.fen_from_decimal_objects(_objects(amounts), Decimal, threads)
    assert fen is not None
    assert fen.tolist() == [int(a * 100) for a in amounts]

    for at in (0, ROWS // 2, ROWS - 1):  # a value the reader declines, in each range
        bad_dates = _objects(dates)
        bad_dates[at] = datetime.datetime(2024, 1, 1)
        assert _core.days_from_date_objects(bad_dates, threads) is None
        texts = pa.array([d.isoformat() for d in dates], type=pa.large_string())
        iso = _core.days_from_iso_text(*_frame._string_buffers(texts), threads)
        assert iso is not None and iso.tolist() == days.tolist()
        bad_texts = [d.isoformat() for d in dates]
        bad_texts[at] = "2024-02-30"
        bad_buffers = _frame._string_buffers(pa.array(bad_texts))
        assert _core.days_from_iso_text(*bad_buffers, threads) is None
        bad_amounts = _objects(amounts)
        bad_amounts[at] = Decimal("0.001")
        assert _core.fen_from_decimal_objects(bad_amounts, Decimal, threads) is None
