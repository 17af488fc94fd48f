"""Differential, property and invariant tests: the engine against ``tests/reference.py``.

* Reference self-tests check the reference alone against hand-computed numbers (docs/design.md §6).
* Differential tests compare ``yibao.adjudicate`` with the reference to the fen on seeded
  10,000-row tables and on Hypothesis-generated small tables, for every region.
* Invariant tests check properties of the engine's output that hold whatever the rules' details.

Run: ``python -m pytest tests/test_differential.py -q``. Engine tests skip only when yibao (or
its compiled ``_core``) is not built; the reference self-tests always run.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The helpers live beside this file; make them importable under any pytest import mode (with or
# without tests/__init__.py, "prepend" or "importlib").
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import reference as ref  # noqa: E402
import strategies as gen  # noqa: E402

MONEY = ref.MONEY_COLUMNS
MONEY_DTYPE: Final = pd.ArrowDtype(pa.decimal128(18, 2))
SEED: Final = 20240101

HYPOTHESIS: Final = settings(
    max_examples=150,
    deadline=None,
    database=None,  # write nothing into the repository; failures print a reproduce blob
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Money = dict[str, list[Decimal]]


# --------------------------------------------------------------------------------------------
# Engine access.
# --------------------------------------------------------------------------------------------


def _missing_build(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what it wraps) says yibao or yibao._core is simply not there."""
    while exc is not None:
        if isinstance(exc, ModuleNotFoundError) and exc.name in ("yibao", "yibao._core"):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@pytest.fixture(scope="module")
def yibao() -> ModuleType:
    """The engine; skips only if yibao / yibao._core is genuinely not built."""
    try:
        pytest.importorskip("yibao._core", exc_type=ModuleNotFoundError)
        return importlib.import_module("yibao")
    except ImportError as exc:
        if _missing_build(exc):
            pytest.skip(f"yibao is not built: {exc}")
        raise


def policy_of(region: str) -> str:
    """What ``yibao.adjudicate`` takes for a region: its key, or a test-only policy's file."""
    return str(ref.POLICY_FILES["quarterly"]) if region == "quarterly" else region


def engine(yb: ModuleType, claims: pd.DataFrame, region: str, **kwargs: Any) -> pd.DataFrame:
    out = yb.adjudicate(claims, policy_of(region), **kwargs)
    assert isinstance(out, pd.DataFrame), f"adjudicate returned {type(out).__name__}"
    assert len(out) == len(claims), f"adjudicate returned {len(out)} rows for {len(claims)}"
    return out


def money_of(out: pd.DataFrame) -> Money:
    """Money columns of a result frame as lists of ``Decimal`` (engine or reference)."""
    result: Money = {}
    for col in MONEY:
        assert col in out.columns, f"output has no {col!r} column: {list(out.columns)}"
        values: list[Decimal] = []
        for i, v in enumerate(out[col].tolist()):
            if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                raise AssertionError(f"{col} is null at row {i}")
            values.append(v if isinstance(v, Decimal) else Decimal(repr(v)))
        result[col] = values
    return result


def reference_money(claims: pd.DataFrame, region: ref.Region) -> Money:
    return money_of(ref.adjudicate(claims, region))


# --------------------------------------------------------------------------------------------
# Comparison with a readable report.
# --------------------------------------------------------------------------------------------


def _member_year_context(
    claims: pd.DataFrame, row: int, got: Money, exp: Money, limit: int = 30
) -> str:
    """The processing-ordered history of ``row``'s member-year, engine vs reference."""
    norm = ref.claims_from_frame(claims)
    target = norm[row]
    lines = ["    member-year history in processing order (E = engine, R = reference):"]
    for group in ref.processing_order(norm):
        if norm[group[0]].member != target.member:
            continue
        hist = [i for i in group if norm[i].date.year == target.date.year]
        upto = hist[: hist.index(row) + 1][-limit:]
        for i in upto:
            c = norm[i]
            mark = ">>" if i == row else "  "
            cells = " ".join(
                f"{col[:3]} E{got[col][i]}/R{exp[col][i]}"
                + ("*" if got[col][i] != exp[col][i] else "")
                for col in MONEY
            )
            lines.append(
                f"    {mark} pos={i} {c.date} lvl={c.level} {c.service}"
                f"(p{c.prescriber_level}) inst={c.institution} {c.status} {c.tier} "
                f"elig={c.eligible} | {cells}"
            )
        break
    return "\n".join(lines)


def assert_same_money(
    claims: pd.DataFrame, got: Money, exp: Money, label: str, show: int = 5
) -> None:
    bad = [i for i in range(len(claims)) if any(got[col][i] != exp[col][i] for col in MONEY)]
    if not bad:
        return
    report = [f"{label}: {len(bad)} of {len(claims)} rows differ (first {min(show, len(bad))}):"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for i in bad[:show]:
            diffs = ", ".join(
                f"{col}: engine {got[col][i]} != reference {exp[col][i]}"
                for col in MONEY
                if got[col][i] != exp[col][i]
            )
            report.append(f"  row {i} (index {claims.index[i]!r}): {diffs}")
            report.append("    " + claims.iloc[[i]].to_string().replace("\n", "\n    "))
            report.append(_member_year_context(claims, i, got, exp))
    raise AssertionError("\n".join(report))


def assert_engine_matches_reference(
    yb: ModuleType, claims: pd.DataFrame, region: ref.Region, label: str = ""
) -> Money:
    got = money_of(engine(yb, claims, region))
    assert_same_money(claims, got, reference_money(claims, region), label or region)
    return got


# --------------------------------------------------------------------------------------------
# Invariants (checked on engine output and on reference output).
# --------------------------------------------------------------------------------------------


def _fen(x: Decimal) -> Decimal:
    return x.quantize(ref.CENT, rounding=ROUND_HALF_UP)


def check_invariants(claims: pd.DataFrame, region: ref.Region, m: Money) -> None:
    norm = ref.claims_from_frame(claims)
    zero = ref.ZERO
    for i, c in enumerate(norm):
        ded, fund, self_pay, capped = (m[k][i] for k in MONEY[:4])
        where = f"row {i} ({c})"
        supplementary = m["supplementary_paid"][i]
        assert fund + supplementary + self_pay == c.eligible, (
            f"fund_paid + supplementary_paid + self_pay != eligible at {where}"
        )
        assert fund >= zero and capped >= zero and self_pay >= zero, where
        assert zero <= ded <= c.eligible, f"deductible outside [0, eligible] at {where}"
        # the one rounding happens before caps: fund + capped is the rounded rate share
        rounded = _fen((c.eligible - ded) * ref.rate(region, c))
        assert fund + capped == rounded, f"fund + capped != round(base * rate) at {where}"
        for k in MONEY:
            assert m[k][i] == m[k][i].quantize(ref.CENT), f"{k} not in whole fen at {where}"

    for group in ref.processing_order(norm):
        year = period = None
        ytd = ded_sum = zero
        visits: dict[tuple[dt.date, Hashable], list[int]] = {}
        for i in group:
            c = norm[i]
            if c.date.year != year:
                year, ytd, ded_sum, visits = c.date.year, zero, zero, {}
            if ref.deductible_period(region, c.date) != period:
                period, ded_sum = ref.deductible_period(region, c.date), zero
            ytd += m["fund_paid"][i]
            ded_sum += m["deductible"][i]
            where = f"row {i} ({c})"
            assert m["ytd_fund_paid"][i] == ytd, f"ytd_fund_paid is not the running sum at {where}"
            cap = ref.annual_cap(region, c.status, c.tier)
            assert ytd <= cap, f"ytd {ytd} exceeds the annual cap {cap} at {where}"
            if region == "ili":
                rows = visits.setdefault((c.date, c.institution), [])
                rows.append(i)
                first_of_year = rows[0] == group_first_row(visits)
                v_fund = sum((m["fund_paid"][j] for j in rows), zero)
                v_cap = max(ref.visit_cap(norm[j]) for j in rows)
                assert v_fund <= v_cap, f"visit fund {v_fund} > visit cap {v_cap} at {where}"
                v_ded = sum((m["deductible"][j] for j in rows), zero)
                t_max = max(ref.visit_threshold(norm[j], first_of_year) for j in rows)
                assert v_ded <= t_max, f"visit deductible {v_ded} > {t_max} at {where}"
                if m["capped"][i] > zero:
                    own_cap = ref.visit_cap(c)
                    assert ytd == cap or v_fund >= own_cap, f"capped but no cap reached at {where}"
            else:
                t_max = max(
                    ref.annual_threshold(
                        region, c._replace(level=lv, prescriber_level=lv, status=s)
                    )
                    for lv in (1, 2, 3)
                    for s in ref.STATUSES
                )
                assert ded_sum <= t_max, f"the period's deductible {ded_sum} > {t_max} at {where}"
                if m["capped"][i] > zero:
                    assert ytd == cap, f"capped but annual cap not reached at {where}"


def group_first_row(visits: dict[tuple[dt.date, Hashable], list[int]]) -> int:
    """First row of the year's first visit (dicts keep insertion = processing order)."""
    return next(iter(visits.values()))[0]


# --------------------------------------------------------------------------------------------
# Small helpers to write hand cases.
# --------------------------------------------------------------------------------------------


def table(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """A claims frame from partial row dicts (defaults: general, employer, in_service...)."""
    full = []
    for r in rows:
        row: dict[str, object] = {
            "member_id": 1,
            "level": 1,
            "status": "in_service",
            "service": "general",
            "prescriber_level": 1,
            "tier": "employer",
            "institution_id": 1,
        }
        row.update(r)
        row["eligible"] = Decimal(str(row["eligible"]))
        row["date"] = pd.Timestamp(str(row["date"]))
        full.append(tuple(row[c] for c in gen.COLUMNS))
    return gen.frame(full)


def ref_col(df: pd.DataFrame, region: ref.Region, col: str) -> list[str]:
    return [str(v) for v in ref.adjudicate(df, region)[col]]


REGION_PARAMS = pytest.mark.parametrize("region", ref.REGIONS)


@pytest.fixture(scope="module")
def random_tables() -> dict[str, pd.DataFrame]:
    return {r: gen.random_claims(r, n_rows=10_000, n_members=400, seed=SEED) for r in ref.REGIONS}


@pytest.fixture(scope="module")
def engine_outputs(
    yibao: ModuleType, random_tables: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    return {r: engine(yibao, df, r) for r, df in random_tables.items()}


# ============================================================================================
# 4. Reference self-tests (hand numbers; no engine needed).
# ============================================================================================


def test_reference_jining_design_example() -> None:
    # docs/design.md §6 jining: 80 @L1 -> 80, 100 @L1 -> 20, 500 @L3 -> 200, later L2 -> none.
    df = table(
        [
            {"date": "2023-03-01", "level": 1, "eligible": "80"},
            {"date": "2023-03-02", "level": 1, "eligible": "100"},
            {"date": "2023-03-03", "level": 3, "eligible": "500"},
            {"date": "2023-03-04", "level": 2, "eligible": "100"},
            {"date": "2023-03-05", "level": 0, "eligible": "100"},  # level 0 -> level 1
        ]
    )
    assert ref_col(df, "jining", "deductible") == ["80.00", "20.00", "200.00", "0.00", "0.00"]
    # fund: 0; 80*70%=56; 300*50%=150; 100*60%=60; 100*70%=70
    assert ref_col(df, "jining", "fund_paid") == ["0.00", "56.00", "150.00", "60.00", "70.00"]
    assert ref_col(df, "jining", "ytd_fund_paid") == ["0.00", "56.00", "206.00", "266.00", "336.00"]
    assert ref_col(df, "jining", "self_pay") == ["80.00", "44.00", "350.00", "40.00", "30.00"]


def test_reference_ili_worked_check() -> None:
    # docs/design.md §6 ili: in_service, second visit of the year, level 2, eligible 100 -> 50.38.
    df = table(
        [
            {"date": "2022-05-01", "level": 2, "eligible": "30", "institution_id": 7},
            {"date": "2022-05-02", "level": 2, "eligible": "100", "institution_id": 7},
        ]
    )
    assert ref_col(df, "ili", "deductible") == ["30.00", "22.50"]
    assert ref_col(df, "ili", "fund_paid") == ["0.00", "50.38"]
    assert ref_col(df, "ili", "self_pay") == ["30.00", "49.62"]


def test_reference_ili_visits() -> None:
    df = table(
        [
            # input order: a later-dated row first, then two visits on one date, interleaved
            {"date": "2022-06-02", "level": 1, "eligible": "100", "institution_id": 2},
            {"date": "2022-06-01", "level": 3, "eligible": "40", "institution_id": 5},
            {"date": "2022-06-01", "level": 1, "eligible": "1000", "institution_id": 4},
            {"date": "2022-06-01", "level": 3, "eligible": "40", "institution_id": 5},
            {"date": "2023-01-01", "level": 1, "eligible": "100", "institution_id": 2},
        ]
    )
    # Visit (06-01, inst 5) is the year's first (its first row is position 1): threshold 50,
    # shared by its two rows: 40 + 10.  Visit (06-01, inst 4) is later: 10 at level 1.
    assert ref_col(df, "ili", "deductible") == ["10.00", "40.00", "10.00", "10.00", "20.00"]
    # (100-10)*75%=67.50; 0; (1000-10)*75%=742.50 capped to 200; (40-10)*55%=16.50; 80*75%=60
    assert ref_col(df, "ili", "fund_paid") == ["67.50", "0.00", "200.00", "16.50", "60.00"]
    assert ref_col(df, "ili", "capped") == ["0.00", "0.00", "542.50", "0.00", "0.00"]
    # processing order: pos1, pos2, pos3 (06-01), pos0 (06-02); the new year resets
    assert ref_col(df, "ili", "ytd_fund_paid") == ["284.00", "0.00", "200.00", "216.50", "60.00"]


def test_reference_ili_pharmacy_and_retired() -> None:
    df = table(
        [
            # pharmacy: rate of level 2 (retired 70%), deductible/visit cap of prescriber L3
            {"date": "2022-02-01", "level": 0, "eligible": "100", "service": "pharmacy",
             "prescriber_level": 3, "status": "retired", "institution_id": 901},
            {"date": "2022-02-02", "level": 1, "eligible": "900", "status": "retired"},
        ]
    )  # fmt: skip
    assert ref_col(df, "ili", "deductible") == ["50.00", "10.00"]
    # (100-50)*70%=35; (900-10)*80%=712 -> visit cap L1 200
    assert ref_col(df, "ili", "fund_paid") == ["35.00", "200.00"]


def test_reference_half_up_rounding() -> None:
    # jining in_service L3 50%: 10.01 after the deductible is met -> 5.005 -> 5.01 (half-up,
    # where banker's rounding would give 5.00).
    df = table(
        [
            {"date": "2023-01-05", "level": 3, "eligible": "300"},
            {"date": "2023-01-06", "level": 3, "eligible": "10.01"},
            {"date": "2023-01-07", "level": 3, "eligible": "0.01"},
        ]
    )
    assert ref_col(df, "jining", "fund_paid") == ["0.00", "5.01", "0.01"]


def test_reference_chongqing_retirement_and_caps() -> None:
    rows: list[dict[str, object]] = [
        {"date": "2024-01-10", "level": 3, "eligible": "150"},  # in service: 150 of 200
        # retires: threshold 100 already exceeded by D=150 -> no deductible; 70% at level 2
        {"date": "2024-02-10", "level": 2, "eligible": "100", "status": "retired"},
        # pharmacy prescribed at level 3: 50% + 10 = 60%
        {"date": "2024-02-11", "level": 1, "eligible": "100", "status": "retired",
         "service": "pharmacy", "prescriber_level": 3},
    ]  # fmt: skip
    df = table(rows)
    assert ref_col(df, "chongqing", "deductible") == ["150.00", "0.00", "0.00"]
    assert ref_col(df, "chongqing", "fund_paid") == ["0.00", "70.00", "60.00"]
    # individual_1 in service: annual cap 800
    df = table(
        [
            {"date": "2024-03-01", "level": 1, "eligible": "1200", "tier": "individual_1"},
            {"date": "2024-03-02", "level": 1, "eligible": "500", "tier": "individual_1"},
            {"date": "2024-03-03", "level": 1, "eligible": "500", "tier": "individual_1",
             "status": "retired"},
        ]
    )  # fmt: skip
    # (1200-200)*60%=600; 500*60%=300 -> 200 left; retired cap 1200: 500*70%=350 -> 350
    assert ref_col(df, "chongqing", "fund_paid") == ["600.00", "200.00", "350.00"]
    assert ref_col(df, "chongqing", "capped") == ["0.00", "100.00", "0.00"]
    assert ref_col(df, "chongqing", "ytd_fund_paid") == ["600.00", "800.00", "1150.00"]


def test_reference_nanchang() -> None:
    df = table(
        [
            {"date": "2023-04-01", "level": 2, "eligible": "700"},
            {"date": "2023-04-02", "level": 3, "eligible": "4000", "status": "retired"},
            {"date": "2024-01-01", "level": 2, "eligible": "601", "service": "pharmacy",
             "prescriber_level": 1, "status": "retired"},
        ]
    )  # fmt: skip
    assert ref_col(df, "nanchang", "deductible") == ["600.00", "0.00", "600.00"]
    # 100*55%=55; 4000*55%=2200 -> retired cap 2000-55=1945; new year: 1*65%=0.65
    assert ref_col(df, "nanchang", "fund_paid") == ["55.00", "1945.00", "0.65"]
    assert ref_col(df, "nanchang", "capped") == ["0.00", "255.00", "0.00"]


def test_reference_rejects_claims_before_first_version() -> None:
    for region, day in (
        ("chongqing", "2023-12-31"),
        ("jining", "2022-12-31"),
        ("nanchang", "2022-12-31"),
        ("ili", "2021-12-31"),
        ("quarterly", "2023-12-31"),
    ):
        with pytest.raises(ValueError, match="no version in force"):
            ref.adjudicate(table([{"date": day, "eligible": "1"}]), region)  # type: ignore[arg-type]


@REGION_PARAMS
def test_reference_invariants(region: ref.Region) -> None:
    df = gen.random_claims(region, n_rows=3_000, n_members=120, seed=7)
    check_invariants(df, region, reference_money(df, region))


# ============================================================================================
# 1. Differential: seeded 10,000-row tables.
# ============================================================================================


@REGION_PARAMS
def test_differential_random_table(
    region: ref.Region,
    random_tables: dict[str, pd.DataFrame],
    engine_outputs: dict[str, pd.DataFrame],
) -> None:
    df = random_tables[region]
    assert len(df) >= 10_000 and df["member_id"].nunique() >= 300
    got = money_of(engine_outputs[region])
    assert_same_money(df, got, reference_money(df, region), f"{region} seeded 10k table")


# ============================================================================================
# 2. Differential: Hypothesis small tables.
# ============================================================================================


@REGION_PARAMS
@HYPOTHESIS
@given(data=st.data())
def test_differential_hypothesis(
    yibao: ModuleType, region: ref.Region, data: st.DataObject
) -> None:
    df = data.draw(gen.claim_tables(region), label="claims")
    got = assert_engine_matches_reference(yibao, df, region, f"{region} hypothesis table")
    check_invariants(df, region, got)


# ============================================================================================
# 3. Invariants of the engine's output.
# ============================================================================================


@REGION_PARAMS
def test_invariants_random_table(
    region: ref.Region,
    random_tables: dict[str, pd.DataFrame],
    engine_outputs: dict[str, pd.DataFrame],
) -> None:
    check_invariants(random_tables[region], region, money_of(engine_outputs[region]))


@REGION_PARAMS
def test_output_contract(
    region: ref.Region,
    random_tables: dict[str, pd.DataFrame],
    engine_outputs: dict[str, pd.DataFrame],
) -> None:
    df, out = random_tables[region], engine_outputs[region]
    assert out.index.equals(df.index), "output rows must keep the input index and order"
    for col in df.columns:
        assert col in out.columns, f"input column {col!r} dropped"
        assert out[col].tolist() == df[col].tolist(), f"input column {col!r} changed"
    for col in MONEY:
        assert out[col].dtype == MONEY_DTYPE, f"{col} dtype {out[col].dtype} != {MONEY_DTYPE}"
    assert "rule" in out.columns
    assert all(isinstance(v, str) and v for v in out["rule"].tolist()), "rule must be non-empty"


def _relabelled(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Same rows with a non-RangeIndex (unique, unordered string labels)."""
    out = df.copy()
    out.index = pd.Index([f"c{(i * 7919 + seed) % 1_000_003:07d}" for i in range(len(df))])
    assert out.index.is_unique
    return out


def _assert_order_independent(yb: ModuleType, df: pd.DataFrame, region: ref.Region) -> None:
    base = _relabelled(df, seed=3)
    out0 = engine(yb, base, region)
    shuffled = gen.order_preserving_shuffle(base, seed=11)
    out1 = engine(yb, shuffled, region)
    assert out1.index.equals(shuffled.index), "output index must follow the input index"
    realigned = out1.loc[base.index]
    assert_same_money(base, money_of(realigned), money_of(out0), f"{region} shuffled input")


@REGION_PARAMS
def test_row_order_independent(
    yibao: ModuleType, region: ref.Region, random_tables: dict[str, pd.DataFrame]
) -> None:
    _assert_order_independent(yibao, random_tables[region], region)


@REGION_PARAMS
@settings(HYPOTHESIS, max_examples=40)
@given(data=st.data())
def test_row_order_independent_hypothesis(
    yibao: ModuleType, region: ref.Region, data: st.DataObject
) -> None:
    _assert_order_independent(yibao, data.draw(gen.claim_tables(region), label="claims"), region)


@REGION_PARAMS
def test_float_and_int_inputs_match_decimal(
    yibao: ModuleType, region: ref.Region, random_tables: dict[str, pd.DataFrame]
) -> None:
    df = random_tables[region].iloc[:3_000]
    want = money_of(engine(yibao, df, region))
    as_float = df.assign(eligible=[float(v) for v in df["eligible"]])
    assert as_float["eligible"].dtype == "float64"
    assert_same_money(df, money_of(engine(yibao, as_float, region)), want, f"{region} float64")

    whole = df.assign(eligible=[Decimal(int(v)) for v in df["eligible"]])
    as_int = whole.assign(eligible=[int(v) for v in df["eligible"]])
    assert as_int["eligible"].dtype == "int64"
    want_int = money_of(engine(yibao, whole, region))
    assert_same_money(whole, money_of(engine(yibao, as_int, region)), want_int, f"{region} int")
    assert_same_money(whole, want_int, reference_money(whole, region), f"{region} whole yuan")


@REGION_PARAMS
def test_caller_frame_unchanged(
    yibao: ModuleType, region: ref.Region, random_tables: dict[str, pd.DataFrame]
) -> None:
    for df in (
        _relabelled(random_tables[region].iloc[:2_000], seed=5),
        random_tables[region]
        .iloc[:2_000]
        .assign(eligible=lambda d: [float(v) for v in d["eligible"]]),
    ):
        before = copy.deepcopy(df)
        engine(yibao, df, region)
        pd.testing.assert_frame_equal(df, before, check_exact=True)
        assert list(df.columns) == list(before.columns)
        assert df.index.equals(before.index)


# ---- input representations allowed by docs/design.md §3 give the same numbers ---------------

Variant = Callable[[pd.DataFrame], pd.DataFrame]

VARIANTS: Final[dict[str, Variant]] = {
    "iso-string dates": lambda d: d.assign(date=[t.strftime("%Y-%m-%d") for t in d["date"]]),
    "datetime.date dates": lambda d: d.assign(date=[t.date() for t in d["date"]]),
    "str member ids": lambda d: d.assign(member_id=[f"m{v}" for v in d["member_id"]]),
    "chinese status labels": lambda d: d.assign(
        status=["在职" if s == "in_service" else "退休" for s in d["status"]]
    ),
    "prescriber_level missing off pharmacy": lambda d: d.assign(
        prescriber_level=[
            float(p) if s == "pharmacy" else float("nan")
            for p, s in zip(d["prescriber_level"], d["service"], strict=True)
        ]
    ),
}


def _variants() -> Iterator[Any]:
    for region in ref.REGIONS:
        for name in VARIANTS:
            yield pytest.param(region, name, id=f"{region}-{name}")


@pytest.mark.parametrize(("region", "variant"), list(_variants()))
def test_input_representations(
    yibao: ModuleType, region: ref.Region, variant: str, random_tables: dict[str, pd.DataFrame]
) -> None:
    df = random_tables[region].iloc[:2_000]
    want = money_of(engine(yibao, df, region))
    other = VARIANTS[variant](df)
    assert_same_money(df, money_of(engine(yibao, other, region)), want, f"{region} {variant}")


@REGION_PARAMS
def test_threads_give_identical_results(
    yibao: ModuleType,
    region: ref.Region,
    random_tables: dict[str, pd.DataFrame],
    engine_outputs: dict[str, pd.DataFrame],
) -> None:
    df = random_tables[region]
    want = money_of(engine_outputs[region])
    for n in (1, 2, 3, 8):
        try:
            out = engine(yibao, df, region, threads=n)
        except TypeError as exc:
            if "threads" in str(exc):
                pytest.skip(f"adjudicate has no threads option yet: {exc}")
            raise
        assert_same_money(df, money_of(out), want, f"{region} threads={n}")
