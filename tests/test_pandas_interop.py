"""Everyday pandas calls on the default (exact decimal) output, and Chinese labels in plots.

Issue 19: each call either works on ``yibao.adjudicate``'s default output, or works after the
one call the README and :mod:`yibao.views` name (``yibao.float_view``). The expected numbers
are computed here from the exact Decimals of the output, independently of the pandas call
under test.
"""

from __future__ import annotations

import io
import warnings
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import yibao
from yibao import plots

MONEY = ["fund_paid", "self_pay"]


@pytest.fixture(scope="module")
def out() -> pd.DataFrame:
    claims = yibao.datasets.synthetic(members=60, year=2024, seed=1)[1]
    return yibao.adjudicate(claims, "jining")


def _exact(series: pd.Series) -> list[Decimal]:
    values = series.tolist()
    assert all(isinstance(v, Decimal) for v in values)
    return values


def test_default_output_is_exact(out: pd.DataFrame) -> None:
    for col in MONEY:
        assert out[col].dtype == pd.ArrowDtype(pa.decimal128(18, 2))


def test_sum_and_mean_work_exactly(out: pd.DataFrame) -> None:
    fund = _exact(out["fund_paid"])
    assert out["fund_paid"].sum() == sum(fund)
    # Arrow's mean of decimal(18, 2) is rounded to the fen (documented in yibao.views)
    mean = out["fund_paid"].mean()
    assert isinstance(mean, Decimal)
    assert abs(mean - sum(fund) / len(fund)) <= Decimal("0.005")


def test_quantile_and_median_work(out: pd.DataFrame) -> None:
    fund = sorted(_exact(out["fund_paid"]))
    assert float(out["fund_paid"].quantile(0.0)) == float(fund[0])
    assert float(out["fund_paid"].quantile(1.0)) == float(fund[-1])
    table = out[MONEY].quantile([0.5, 0.9])
    assert list(table.index) == [0.5, 0.9]
    assert float(out["fund_paid"].median()) == pytest.approx(float(table.loc[0.5, "fund_paid"]))


def test_describe_through_float_view(out: pd.DataFrame) -> None:
    view = yibao.float_view(out)
    table = view[MONEY].describe()
    fund = _exact(out["fund_paid"])
    assert table.loc["count", "fund_paid"] == len(fund)
    assert table.loc["max", "fund_paid"] == float(max(fund))
    assert table.loc["mean", "fund_paid"] == pytest.approx(float(sum(fund) / len(fund)))
    # the caller's frame keeps its exact columns; non-money columns are untouched
    assert out["fund_paid"].dtype == pd.ArrowDtype(pa.decimal128(18, 2))
    assert view["member_id"].equals(out["member_id"])
    assert view["rule"].equals(out["rule"])
    assert yibao.float_view(out["self_pay"]).dtype == "float64"


def test_groupby_agg_and_pivot_table(out: pd.DataFrame) -> None:
    agg = out.groupby("status")[MONEY].agg(["sum", "count"])
    pivot = out.pivot_table(index="status", columns="level", values="fund_paid", aggfunc="sum")
    for status, part in out.groupby("status"):
        assert agg.loc[status, ("fund_paid", "sum")] == sum(_exact(part["fund_paid"]))
        assert agg.loc[status, ("self_pay", "count")] == len(part)
        for level, cell in part.groupby("level"):
            assert pivot.loc[status, level] == sum(_exact(cell["fund_paid"]))


def test_to_csv_writes_the_fen(out: pd.DataFrame) -> None:
    text = out[["member_id", *MONEY]].to_csv(index=False)
    lines = text.splitlines()
    assert lines[0] == "member_id,fund_paid,self_pay"
    for line, fund, own in zip(
        lines[1:], _exact(out["fund_paid"]), _exact(out["self_pay"]), strict=True
    ):
        assert line.split(",")[1:] == [f"{fund:.2f}", f"{own:.2f}"]


def test_to_parquet_keeps_decimals(out: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    out.to_parquet(path)
    schema = pq.read_schema(path)
    # read back as Arrow decimals (plain read_parquet gives Decimal objects)
    back = pd.read_parquet(path, dtype_backend="pyarrow")
    for col in MONEY:
        assert schema.field(col).type == pa.decimal128(18, 2)
        assert back[col].dtype == pd.ArrowDtype(pa.decimal128(18, 2))
        assert back[col].tolist() == out[col].tolist()


def test_to_excel_writes_numbers(out: pd.DataFrame) -> None:
    openpyxl = pytest.importorskip("openpyxl", reason="to_excel needs openpyxl (test extra)")
    buffer = io.BytesIO()
    out[["member_id", *MONEY]].to_excel(buffer, index=False)
    buffer.seek(0)
    sheet = openpyxl.load_workbook(buffer).active
    assert sheet is not None
    cells = [row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)]
    want = list(zip(_exact(out["fund_paid"]), _exact(out["self_pay"]), strict=True))
    # Excel holds doubles; each cell is the fen amount's shortest decimal
    assert [tuple(Decimal(repr(v)).quantize(Decimal("0.01")) for v in c) for c in cells] == want


def test_hist_through_float_view(out: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = yibao.float_view(out)["fund_paid"].plot.hist(bins=10)
    heights = [patch.get_height() for patch in ax.patches]
    assert sum(heights) == len(out)
    plt.close("all")


# --- Chinese labels ---------------------------------------------------------------------------


@pytest.fixture
def curves_zh() -> pd.DataFrame:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    parts = []
    for status, label in (("in_service", "在职"), ("retired", "退休")):
        part = yibao.benefit_curve(["jining"], [1000, 5000], level=3, status=status)
        part["身份"] = label
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_cjk_font_is_added_as_fallback(
    curves_zh: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plots, "_installed_cjk_font", lambda: "DejaVu Sans")
    monkeypatch.setattr(plots, "_hinted", False)
    with matplotlib.rc_context({"font.family": ["sans-serif"]}):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            plots.plot_benefit_curves(curves_zh, by="身份")
        assert list(matplotlib.rcParams["font.family"]) == ["sans-serif", "DejaVu Sans"]
        assert plots.use_cjk_font() == "DejaVu Sans"  # added once only
        assert list(matplotlib.rcParams["font.family"]) == ["sans-serif", "DejaVu Sans"]
    plt.close("all")


def test_no_cjk_font_warns_once(curves_zh: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plots, "_installed_cjk_font", lambda: None)
    monkeypatch.setattr(plots, "_hinted", False)
    with matplotlib.rc_context():
        before = list(matplotlib.rcParams["font.family"])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            plots.plot_benefit_curves(curves_zh)  # English labels only: no hint
        with pytest.warns(UserWarning, match="no CJK font found.*fonts-noto-cjk") as caught:
            plots.plot_benefit_curves(curves_zh, by="身份")
        assert len(caught) == 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            plots.plot_benefit_curves(curves_zh, by="身份")  # once per session
        assert list(matplotlib.rcParams["font.family"]) == before
    plt.close("all")
