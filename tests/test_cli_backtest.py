"""``yibao backtest EXTRACT --policy R --report DIR`` (issue 17)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

import yibao
from yibao._cli_backtest import read_extract_file
from yibao.cli import main, write_table


def test_backtest_command_finds_the_planted_deviations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw, _ = yibao.nhsa.synthetic_extract(4000, seed=11)
    path = tmp_path / "extract.csv"
    write_table(raw, path)
    report = tmp_path / "report"
    rows = tmp_path / "rows.parquet"
    code = main(["backtest", str(path), "--policy", "chongqing", "--report", str(report),
                 "--rows", str(rows), "--by", "level"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "CQ-6 annual cap" in out and "CQ-5 rate" in out
    page = (report / "index.html").read_text("utf-8")
    assert "Back-test under" in page and "First divergences by attributed rule" in page
    assert rows.exists()


def test_csv_amounts_are_read_exactly_and_codes_as_text(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "psn_no,setl_time,insutype,psn_type,med_type,hosp_lv,inscp_scp_amt,hifp_pay,act_pay_dedc\n"
        "0012,2024-03-01 09:00:00,310,1101,11,05,0.1,0.07,0\n",
        encoding="utf-8",
    )
    raw = read_extract_file(path)
    assert raw["psn_no"].tolist() == ["0012"] and raw["hosp_lv"].tolist() == ["05"]
    assert raw["inscp_scp_amt"].tolist() == [Decimal("0.1")]
    bt = yibao.backtest(raw, "chongqing")
    assert bt.rows["observed_fund_paid"].tolist() == [Decimal("0.07")]


def test_backtest_command_reports_errors(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("psn_no,setl_time\n1,2024-03-01\n", encoding="utf-8")
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        assert main(["backtest", str(path), "--policy", "chongqing"]) == 1
    assert "lacks the field" in err.getvalue()
