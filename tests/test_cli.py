"""The ``yibao`` command (yibao.cli.main) and the generated region pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import yibao
from yibao.cli import adjudicate_in_chunks, main, read_table, write_table
from yibao.datasets import synthetic

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return synthetic(members=150, seed=3)[1]


def test_policies_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "list"]) == 0
    out = capsys.readouterr().out
    for region in yibao.regions():
        assert region in out
    line = next(x for x in out.splitlines() if "inner_mongolia" in x)
    assert "no parameters" in line


def test_policies_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "show", "jining"]) == 0
    out = capsys.readouterr().out
    assert "pools.general.annual_cap = 2000" in out
    assert "济宁 通知 二(一)3" in out
    assert "assumption:" in out
    assert main(["policies", "show", "inner_mongolia"]) == 0
    assert "MISSING" in capsys.readouterr().out


def test_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "report"
    assert main(["demo", "--out", str(out_dir), "--members", "200"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    for region in ("chongqing", "jining", "nanchang", "ili"):
        assert region in out
    assert "Skipped inner_mongolia" in out
    assert str(out_dir.resolve()) in out
    html = (out_dir / "index.html").read_text("utf-8")
    assert "inner_mongolia" in html
    assert "Why the largest gap" in html  # the decomposition of the largest regional gap
    if _has_matplotlib():
        assert html.count("data:image/png;base64,") == 5
    # The back-test of a SYNTHETIC extract: its planted deviations (a month settled with another
    # cap, an institution's level coded wrongly) are attributed to the annual cap and the rate.
    assert "Back-test of a SYNTHETIC settlement extract" in out
    assert "CQ-6 annual cap" in out and "CQ-5 rate" in out
    page = (out_dir / "backtest" / "index.html").read_text("utf-8")
    assert "SYNTHETIC extract" in page


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_adjudicate_file_round_trip(
    suffix: str, claims: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, dst = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    write_table(claims, src)
    # small chunks: several chunks of whole members, with progress
    argv = ["adjudicate", str(src), str(dst), "--policy", "ili", "--chunk-rows", "300"]
    argv.append("--progress")
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "adjudicating" in captured.err
    got = read_table(dst)
    want = yibao.adjudicate(claims, "ili")
    assert len(got) == len(claims)
    for col in ("eligible", "fund_paid", "self_pay", "deductible", "ytd_fund_paid"):
        assert got[col].tolist() == want[col].tolist()
    assert got["rule"].astype(str).tolist() == want["rule"].astype(str).tolist()
    assert got["institution_id"].tolist() == claims["institution_id"].tolist()


def test_csv_money_is_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "member_id,date,level,eligible,status\n007,2024-03-01,1,0.1,在职\n7,2024-03-02,2,100.25,退休\n"
    )
    frame = read_table(path)
    assert frame["member_id"].tolist() == ["007", "7"]  # identifiers stay text
    assert str(frame["eligible"].dtype).startswith("decimal128")
    out = yibao.adjudicate(frame, "jining")
    assert (out["fund_paid"] + out["self_pay"] == out["eligible"]).all()


def test_chunks_equal_one_call(claims: pd.DataFrame) -> None:
    shuffled = claims.sample(frac=1.0, random_state=1)  # members interleaved
    whole = yibao.adjudicate(shuffled, "chongqing")
    chunked = adjudicate_in_chunks(shuffled, "chongqing", chunk_rows=97, progress=False)
    assert chunked.index.equals(shuffled.index)
    for col in ("fund_paid", "deductible", "capped", "ytd_fund_paid"):
        assert chunked[col].tolist() == whole[col].tolist()
    assert (chunked["rule"].astype(str) == whole["rule"].astype(str)).all()
    floats = adjudicate_in_chunks(
        shuffled, "chongqing", chunk_rows=97, progress=False, money="float"
    )
    assert np.allclose(floats["fund_paid"], whole["fund_paid"].astype("float64"))


def test_compare_command(
    claims: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "claims.parquet"
    write_table(claims, src)
    argv = ["compare", str(src), "--policy", "chongqing", "--policy", "jining", "--by", "status"]
    assert main([*argv, "--report", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "chongqing" in out and "jining" in out and "retired" in out
    assert (tmp_path / "r" / "index.html").exists()


def test_errors_exit_1(
    claims: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "claims.csv"
    write_table(claims, src)
    assert (
        main(["adjudicate", str(src), str(tmp_path / "o.csv"), "--policy", "inner_mongolia"]) == 1
    )
    assert "pools.general" in capsys.readouterr().err
    assert main(["adjudicate", str(src), str(tmp_path / "o.xlsx"), "--policy", "jining"]) == 1
    assert "unknown file type" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["adjudicate", str(src)])


def test_console_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "yibao.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("demo", "adjudicate", "compare", "policies"):
        assert command in done.stdout


def test_region_pages_are_current() -> None:
    """docs/regions/ is generated from the policy files: regenerate with python -m yibao._docgen."""
    from yibao._docgen import write_pages

    stale = write_pages(REPO / "docs", check=True)
    assert not stale, f"stale region pages {stale}: run `python -m yibao._docgen docs`"
